/*
 * structure.h: the document-structure parser (stage: text -> document model).
 *
 * Finds in one strategy text its region, the table of contents, the template sections,
 * subsections, sectors, boilerplate (repeated table headers, page numbers) and cuts the
 * body into passages.  Works on both export shapes (flattened one-line and line-based) and
 * never reads the file name for meaning.  Rules: docs/CORPUS.md.
 */
#ifndef POISK_STRUCTURE_H
#define POISK_STRUCTURE_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"
#include "poisk/document.h"

typedef struct poisk_document poisk_document;

/* A span of the source the model describes: sections, sectors, TOC, boilerplate. */
typedef enum {
    POISK_SPAN_SECTION, POISK_SPAN_SECTOR, POISK_SPAN_TOC, POISK_SPAN_BOILERPLATE
} poisk_span_kind;

typedef struct poisk_span {
    poisk_span_kind kind;
    poisk_section section;
    const char *sector;        /* for sector spans */
    const char *title;         /* heading as found, or NULL */
    uint64_t byte_start, byte_end;
} poisk_span;

/*! poisk_document_parse() : parse one text file already in memory.  `path` is the path as
 *  given on the command line (it goes into passage ids, never into detection).
 *  Passage texts without boilerplate inside point into `text`: keep it alive (and
 *  unchanged) until poisk_document_free().
 *  @return : poisk_rc; warnings (unknown region ...) are appended to the document. */
int poisk_document_parse(const char *path, const char *text, size_t len,
                         poisk_document **out, poisk_error *err);
void poisk_document_free(poisk_document *doc);

const char *poisk_document_region(const poisk_document *doc);       /* slug or "unknown" */
size_t poisk_document_passage_count(const poisk_document *doc);
const poisk_passage *poisk_document_passage(const poisk_document *doc, size_t i);
size_t poisk_document_span_count(const poisk_document *doc);
const poisk_span *poisk_document_span(const poisk_document *doc, size_t i);
size_t poisk_document_warning_count(const poisk_document *doc);
const char *poisk_document_warning(const poisk_document *doc, size_t i);

#endif
