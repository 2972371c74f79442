/*
 * dump.c: the document model as JSON lines (dump.h).  Records are built with cJSON and
 * printed unformatted, one per line, so any JSON reader can take them apart.
 */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "regions.h"

static const char *span_kind(poisk_span_kind k)
{
    return k == POISK_SPAN_SECTOR ? "sector" : "section";
}

static int print_record(FILE *out, cJSON *o, poisk_error *err, const char *path)
{
    if (!o)
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path);
    int bad = fputs(s, out) < 0 || fputc('\n', out) == EOF;
    free(s);
    if (bad)
        return poisk_error_set(err, POISK_EIO, "writing the dump failed");
    return POISK_OK;
}

/* cJSON needs NUL-terminated strings; passage text is a byte range. */
static cJSON *string_n(const char *s, size_t n)
{
    char *tmp = malloc(n + 1);
    if (!tmp) return NULL;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    cJSON *j = cJSON_CreateString(tmp);
    free(tmp);
    return j;
}

static const char *region_name(const char *slug)
{
    const poisk_region *r = slug ? poisk_region_lookup(slug, strlen(slug)) : NULL;
    return r && !strcmp(r->slug, slug) ? r->nominative : NULL;
}

static cJSON *passage_record(const poisk_passage *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    const char *rn = region_name(p->region);
    cJSON_AddStringToObject(o, "kind", "passage");
    cJSON_AddStringToObject(o, "id", p->id);
    cJSON_AddStringToObject(o, "region", p->region ? p->region : "unknown");
    if (rn) cJSON_AddStringToObject(o, "region_name", rn);
    else cJSON_AddNullToObject(o, "region_name");
    cJSON_AddStringToObject(o, "section", poisk_section_id(p->section));
    if (p->sector) cJSON_AddStringToObject(o, "sector", p->sector);
    else cJSON_AddNullToObject(o, "sector");
    if (p->subsection) cJSON_AddStringToObject(o, "subsection", p->subsection);
    else cJSON_AddNullToObject(o, "subsection");
    if (p->project) cJSON_AddStringToObject(o, "project", p->project);
    else cJSON_AddNullToObject(o, "project");
    cJSON *pages = cJSON_AddArrayToObject(o, "pages");
    for (size_t i = 0; pages && i < p->n_pages; i++)
        cJSON_AddItemToArray(pages, cJSON_CreateNumber(p->pages[i]));
    cJSON_AddStringToObject(o, "file", p->file ? p->file : "");
    cJSON_AddNumberToObject(o, "byte_start", (double)p->byte_start);
    cJSON_AddNumberToObject(o, "byte_end", (double)p->byte_end);
    cJSON *t = string_n(p->text, p->text_len);
    if (!t) { cJSON_Delete(o); return NULL; }
    cJSON_AddItemToObject(o, "text", t);
    return o;
}

int poisk_dump_document(FILE *out, const poisk_document *doc, const char *path,
                        uint64_t bytes, poisk_error *err)
{
    cJSON *d = cJSON_CreateObject();
    if (!d) return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path);
    const char *region = poisk_document_region(doc);
    const char *rn = region_name(region);
    uint64_t boiler = 0;
    cJSON_AddStringToObject(d, "kind", "document");
    cJSON_AddStringToObject(d, "file", path);
    cJSON_AddStringToObject(d, "region", region);
    if (rn) cJSON_AddStringToObject(d, "region_name", rn);
    else cJSON_AddNullToObject(d, "region_name");
    cJSON_AddNumberToObject(d, "bytes", (double)bytes);
    cJSON_AddNumberToObject(d, "passages", (double)poisk_document_passage_count(doc));
    for (size_t i = 0; i < poisk_document_span_count(doc); i++) {
        const poisk_span *s = poisk_document_span(doc, i);
        if (s->kind == POISK_SPAN_TOC) {
            cJSON *toc = cJSON_AddArrayToObject(d, "toc");
            if (toc) {
                cJSON_AddItemToArray(toc, cJSON_CreateNumber((double)s->byte_start));
                cJSON_AddItemToArray(toc, cJSON_CreateNumber((double)s->byte_end));
            }
        } else if (s->kind == POISK_SPAN_BOILERPLATE) {
            boiler += s->byte_end - s->byte_start;
        }
    }
    cJSON_AddNumberToObject(d, "boilerplate_bytes", (double)boiler);
    cJSON *w = cJSON_AddArrayToObject(d, "warnings");
    for (size_t i = 0; w && i < poisk_document_warning_count(doc); i++)
        cJSON_AddItemToArray(w, cJSON_CreateString(poisk_document_warning(doc, i)));
    int rc = print_record(out, d, err, path);
    for (size_t i = 0; rc == POISK_OK && i < poisk_document_span_count(doc); i++) {
        const poisk_span *s = poisk_document_span(doc, i);
        if (s->kind != POISK_SPAN_SECTION && s->kind != POISK_SPAN_SECTOR) continue;
        cJSON *o = cJSON_CreateObject();
        if (!o) return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path);
        cJSON_AddStringToObject(o, "kind", span_kind(s->kind));
        cJSON_AddStringToObject(o, "file", path);
        cJSON_AddStringToObject(o, "section", poisk_section_id(s->section));
        if (s->kind == POISK_SPAN_SECTOR) cJSON_AddStringToObject(o, "sector", s->sector);
        if (s->title) cJSON_AddStringToObject(o, "title", s->title);
        cJSON_AddNumberToObject(o, "byte_start", (double)s->byte_start);
        cJSON_AddNumberToObject(o, "byte_end", (double)s->byte_end);
        rc = print_record(out, o, err, path);
    }
    for (size_t i = 0; rc == POISK_OK && i < poisk_document_passage_count(doc); i++)
        rc = print_record(out, passage_record(poisk_document_passage(doc, i)), err, path);
    return rc;
}
