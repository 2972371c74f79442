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

/*! poisk_jsonl_parse_part() : the same for whole lines of a file read in parts
 *  (poisk_input_read_lines): text starts at byte `off` of the file, on line `line` (from 1),
 *  which the passages' offsets, default ids ("<file>:<line>") and messages use.  A
 *  duplicate id within the part is found here; across parts and files by the caller. */
int poisk_jsonl_parse_part(const char *path, const char *text, size_t len, uint64_t off,
                           uint64_t line, poisk_document **out, poisk_error *err);

/* Files over this size are read and parsed in parts of about this size, on as many
 * threads as the run has (input_pipeline.c), so memory stays bounded whatever the file's
 * size.  POISK_JSONL_PART (bytes, at least 4096) overrides it, for tests. */
#define POISK_JSONL_PART_DEFAULT ((size_t)8 << 20)
size_t poisk_jsonl_part_size(void);

#endif
