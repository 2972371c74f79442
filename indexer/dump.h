/*
 * dump.h: `indexer --dump-structure`: the document model as JSON lines (stage: document
 * model -> stdout, instead of the index writer).  One "document" record per file, then its
 * "section" and "sector" records, then its "passage" records, which carry the hit fields of
 * the searcher (id, region, region_name, section, sector, subsection, project, pages, file,
 * byte_start, byte_end, text) and are valid JSON-lines input for the indexer.
 */
#ifndef POISK_DUMP_H
#define POISK_DUMP_H

#include <stdio.h>
#include "structure.h"

/*! poisk_dump_document() : write doc's records to out.  @return : poisk_rc */
int poisk_dump_document(FILE *out, const poisk_document *doc, const char *path,
                        uint64_t bytes, poisk_error *err);

#endif
