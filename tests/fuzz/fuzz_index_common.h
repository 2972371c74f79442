/*
 * fuzz_index_common.h: a real seed index for the fuzz targets that search (fuzz_query,
 * fuzz_index, fuzz_http): the first FUZZ_SEED_BYTES of each seed document, built once per
 * process with the structure parser and the writer (tests/test_corruption_util.h) in a
 * scratch directory removed at exit.  Runs from the repository root (corpus/).
 */
#ifndef POISK_FUZZ_INDEX_COMMON_H
#define POISK_FUZZ_INDEX_COMMON_H

#include "fuzz_common.h"
#include "../test_corruption_util.h"

#define FUZZ_SEED_BYTES 40000

static char *fuzz_index_dir_path;

static void fuzz_index_dir_remove(void)
{
    if (fuzz_index_dir_path) {
        tu_rmrf(fuzz_index_dir_path);
        free(fuzz_index_dir_path);
        fuzz_index_dir_path = NULL;
    }
}

/*! The seed index directory, built on first call. */
static const char *fuzz_index_dir(void)
{
    if (!fuzz_index_dir_path) {
        poisk_error err = { 0 };
        fuzz_index_dir_path = rc_mkdtemp("fuzz-index");
        FUZZ_CHECK(fuzz_index_dir_path);
        int rc = rc_build_index(fuzz_index_dir_path, RC_CORPUS_FILES, FUZZ_SEED_BYTES, 1, &err);
        if (rc)
            fprintf(stderr, "fuzz: cannot build the seed index: %s\n", err.message);
        FUZZ_CHECK(rc == POISK_OK);
        atexit(fuzz_index_dir_remove);
    }
    return fuzz_index_dir_path;
}

#endif
