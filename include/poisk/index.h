/*
 * index.h: opening an index directory for reading.
 *
 * An index directory holds generation-named files and a CURRENT file naming the live
 * generation (docs/FORMAT.md).  poisk_index_open() reads the manifest, checks the format
 * version and the analyzer settings, and maps files lazily: a section's files are opened
 * and size-checked when a query first needs them, and each checksummed block is verified
 * the first time it is read.  Opening costs milliseconds whatever the index size.
 *
 * A poisk_index is read-only and may be shared by any number of threads; everything it
 * hands out (postings cursors, passage records) stays valid until poisk_index_close().
 */
#ifndef POISK_INDEX_H
#define POISK_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"
#include "poisk/document.h"

typedef struct poisk_index poisk_index;

typedef struct poisk_index_stats {
    uint64_t generation;
    uint64_t passages;                          /* N over all sections */
    uint64_t total_length;                      /* sum of passage lengths, in terms */
    uint64_t section_passages[POISK_SECTION_COUNT];
    uint64_t section_length[POISK_SECTION_COUNT];
    uint64_t bytes_on_disk;                     /* all files of the live generation */
    size_t regions;                             /* distinct regions indexed */
    int repair;                                 /* built with split-word repair */
} poisk_index_stats;

/*! poisk_index_open() : @return : POISK_OK, POISK_ENOINDEX, POISK_ECORRUPT, POISK_EVERSION,
 *  POISK_ESETTINGS or POISK_EIO; *err (may be NULL) names the file and what to do. */
int  poisk_index_open(const char *dir, poisk_index **out, poisk_error *err);
void poisk_index_close(poisk_index *idx);

void poisk_index_get_stats(const poisk_index *idx, poisk_index_stats *out);

/*! The i-th indexed region (slug), in passage-id order, with its passage id range [lo,hi). */
size_t poisk_index_region_count(const poisk_index *idx);
int poisk_index_region_at(const poisk_index *idx, size_t i, const char **slug,
                          uint32_t *lo, uint32_t *hi);

/*! poisk_index_verify() : check every checksum and size (indexer --check).  @return : poisk_rc */
int poisk_index_verify(const char *dir, poisk_error *err);

#endif
