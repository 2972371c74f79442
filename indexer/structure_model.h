/*
 * structure_model.h: building a poisk_document (structure.h) piece by piece.  The
 * structure parser fills one from a strategy text, the JSON-lines reader (jsonl.c) from
 * pre-split passages; both hand the same model to the dump and to the index writer.
 */
#ifndef POISK_STRUCTURE_MODEL_H
#define POISK_STRUCTURE_MODEL_H

#include "structure.h"

/*! An empty document for `path`; NULL on ENOMEM. */
poisk_document *poisk_document_new(const char *path);

/*! Copy of n bytes of s (NUL-terminated) owned by the document; NULL on ENOMEM. */
char *poisk_document_strndup(poisk_document *d, const char *s, size_t n);
/*! Memory owned by the document; NULL on ENOMEM. */
void *poisk_document_alloc(poisk_document *d, size_t n);

/*! Append a passage.  Its strings and pages must already be owned by the document (or,
 *  for text, point into the source text the caller keeps alive).  @return : poisk_rc */
int poisk_document_push_passage(poisk_document *d, const poisk_passage *p);
int poisk_document_push_span(poisk_document *d, const poisk_span *s);
int poisk_document_add_warning(poisk_document *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void poisk_document_set_region(poisk_document *d, const char *slug);

/*! The document's path as given. */
const char *poisk_document_path(const poisk_document *d);

#endif
