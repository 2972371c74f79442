/*
 * fuzz_structure.c: any bytes -> the document-structure parser (indexer/structure*.c) as
 * a strategy text (mode bit 0 clear) or as JSON-lines passages (indexer/jsonl.c, bit set).
 * Promises: no crash, hang or out-of-bounds read; a parsed document has a region, every
 * passage has a known section, an id, a byte range inside the input, valid pages and text;
 * every span lies inside the input; a failure is an error with a message.
 */
#include "fuzz_common.h"
#include "structure.h"
#include "jsonl.h"

static void check_document(const poisk_document *doc, size_t len, int jsonl)
{
    FUZZ_CHECK(poisk_document_region(doc) != NULL);
    for (size_t i = 0; i < poisk_document_passage_count(doc); i++) {
        const poisk_passage *p = poisk_document_passage(doc, i);
        FUZZ_CHECK(p && p->id && p->id[0] && p->region && p->file);
        FUZZ_CHECK((unsigned)p->section < POISK_SECTION_COUNT);
        FUZZ_CHECK(p->text || p->text_len == 0);
        FUZZ_CHECK(p->n_pages == 0 || p->pages);
        if (!jsonl) {
            FUZZ_CHECK(p->byte_start <= p->byte_end && p->byte_end <= len);
            FUZZ_CHECK(p->text_len <= len);
        }
        volatile size_t sum = 0;             /* touch every text byte: ASan checks them */
        for (size_t k = 0; k < p->text_len; k++)
            sum += (unsigned char)p->text[k];
        (void)sum;
    }
    for (size_t i = 0; i < poisk_document_span_count(doc); i++) {
        const poisk_span *s = poisk_document_span(doc, i);
        FUZZ_CHECK(s && s->byte_start <= s->byte_end && s->byte_end <= len);
    }
    for (size_t i = 0; i < poisk_document_warning_count(doc); i++)
        FUZZ_CHECK(poisk_document_warning(doc, i) != NULL);
}

static int fuzz_structure(const uint8_t *data, size_t size)
{
    int jsonl = size > 0 && data[0] == '{';   /* JSON lines start with an object */
    char *text = malloc(size + 1);           /* exact size (+1 unused): overreads are seen */
    memcpy(text, data, size);
    poisk_document *doc = NULL;
    poisk_error err = { 0 };
    int rc = jsonl ? poisk_jsonl_parse("fuzz.jsonl", text, size, &doc, &err)
                   : poisk_document_parse("fuzz.txt", text, size, &doc, &err);
    if (rc == POISK_OK) {
        FUZZ_CHECK(doc != NULL);
        check_document(doc, size, jsonl);
        poisk_document_free(doc);
    } else {
        FUZZ_CHECK(err.message[0] != 0);
        if (doc)
            poisk_document_free(doc);
    }
    free(text);
    return 0;
}

POISK_FUZZ_ENTRY(fuzz_structure)
