/*
 * input_ids.h: passage ids seen in one indexer run (stage: inputs -> document model, in
 * indexer/main.c).  Ids must be unique across all inputs, not only within one JSON-lines
 * file: a second passage with the same id would shadow the first in the index.  Each id
 * remembers where it was first seen, so the error names both places.
 */
#ifndef POISK_INPUT_IDS_H
#define POISK_INPUT_IDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct poisk_idset poisk_idset;

poisk_idset *poisk_idset_new(void);
void poisk_idset_free(poisk_idset *s);

/*! poisk_idset_add() : record id, seen at `where` ("file:line").
 *  @return : 0 when new, 1 when already seen (*first: where it was first seen; valid until
 *  poisk_idset_free), -1 on ENOMEM */
int poisk_idset_add(poisk_idset *s, const char *id, const char *where, const char **first);

/*! poisk_idset_add_text() : record the id of a text passage, "path:offset", offsets
 *  increasing within a file (as the parser emits them).  Stores 8 bytes, not the string.
 *  @return : as poisk_idset_add (-1 also for an offset out of order) */
int poisk_idset_add_text(poisk_idset *s, const char *path, uint64_t offset, const char *id,
                         const char **first);

#endif
