/*
 * format_manifest.h: the manifest of one generation (docs/FORMAT.md §3): analyzer
 * settings, statistics, the region table, the abbreviation set and the size of every file.
 * Encoded by the writer, decoded (bounds-checked) by the reader at open.
 */
#ifndef POISK_FORMAT_MANIFEST_H
#define POISK_FORMAT_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/document.h"
#include "codec.h"

typedef struct poisk_manifest_region {
    char *slug;
    uint32_t lo, hi;
} poisk_manifest_region;

typedef struct poisk_manifest_file {
    char *name;
    uint64_t size;
} poisk_manifest_file;

typedef struct poisk_manifest {
    uint32_t format_version, normalization_version;
    uint64_t stop_hash, stemmer_fp;
    uint32_t repair;
    uint64_t generation, passages, total_length;
    uint64_t section_passages[POISK_SECTION_COUNT], section_length[POISK_SECTION_COUNT];
    poisk_manifest_region *regions;  size_t n_regions;
    char **abbrevs;                  size_t n_abbrevs;   /* sorted bytewise */
    poisk_manifest_file *files;      size_t n_files;
} poisk_manifest;

void poisk_manifest_encode(const poisk_manifest *m, poisk_buf *out);
/*! @return : 0, or -1 when the bytes are not a well-formed manifest (or out of memory) */
int  poisk_manifest_decode(const uint8_t *p, size_t len, poisk_manifest *m);
void poisk_manifest_free(poisk_manifest *m);
/*! Size the manifest records for a file name, or 0 when it lists no such file. */
uint64_t poisk_manifest_file_size(const poisk_manifest *m, const char *name);

#endif
