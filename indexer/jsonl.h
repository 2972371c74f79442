/*
 * jsonl.h: pre-split passages as JSON lines (stage: file -> document model, beside the
 * structure parser).  One object per line: {"id", "region", "section", "sector", "text"}
 * plus optional "subsection", "project", "pages"; unknown fields are ignored, so the
 * passage records of `indexer --dump-structure` are valid input.  "region" is a slug, an
 * ISO code or a region name in any case form; "section" an id ("proekty") or number 1-9.
 * A missing id becomes "<file>:<line>".  A duplicate id is an error naming both lines;
 * a line that is not a JSON object or has no text is skipped with a warning; records whose
 * "kind" is not "passage" (the dump's document, section and sector records) are skipped.
 */
#ifndef POISK_JSONL_H
#define POISK_JSONL_H

#include "structure.h"

/*! poisk_jsonl_parse() : @return : poisk_rc (POISK_EINPUT for a duplicate id) */
int poisk_jsonl_parse(const char *path, const char *text, size_t len,
                      poisk_document **out, poisk_error *err);

#endif
