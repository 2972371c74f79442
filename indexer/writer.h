/*
 * writer.h: the index writer (stage: document model -> index files).
 *
 * Passages are added in any order; the writer assigns passage ids in (region, order of
 * addition), inverts them per section in bounded memory (spilling sorted runs past the
 * budget), writes the files of a new generation, fsyncs them and the directory, and only
 * then publishes by renaming CURRENT.  A crash at any point leaves the previous generation
 * live.  Format: docs/FORMAT.md.
 */
#ifndef POISK_WRITER_H
#define POISK_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"
#include "poisk/document.h"
#include "poisk/analyzer.h"

typedef struct poisk_writer poisk_writer;

typedef struct poisk_writer_options {
    size_t mem_budget;               /* bytes for in-memory inversion; 0 = 1 GiB */
    int threads;                     /* analysis/inversion workers; 0 = all cores */
    int repair;                      /* split-word repair on */
    const poisk_lexicon *lexicon;    /* for repair; may be NULL */
    int progress;                    /* progress lines on stderr (caller checks the TTY) */
    /* called once by commit, on its thread, after the passages are planned and before any
     * analyzer exists (main.c freezes the lexicon there); with 2+ threads a second thread
     * compresses the first store blocks meanwhile.  Non-zero (a result code) fails the
     * commit.  NULL: nothing to do. */
    int (*before_inversion)(void *ctx);
    void *before_ctx;
} poisk_writer_options;

typedef struct poisk_writer_summary {
    uint64_t passages, terms, bytes_in, bytes_out;
    uint64_t spilled_runs;           /* sorted runs written because of the memory budget */
    int workers_used;                /* worker threads that really ran */
    uint64_t generation;
    /* wall seconds of the commit's phases: planning and the caller's before_inversion
     * (the indexer's lexicon freeze); analysis, inversion and the store; merge, lengths,
     * manifest and publishing */
    double freeze_secs, invert_secs, merge_secs;
} poisk_writer_summary;

int  poisk_writer_create(const char *dir, const poisk_writer_options *opts,
                         poisk_writer **out, poisk_error *err);
/*! Copies what it needs from *p. */
int  poisk_writer_add(poisk_writer *w, const poisk_passage *p, poisk_error *err);
/*! Build and publish the new generation. */
int  poisk_writer_commit(poisk_writer *w, poisk_writer_summary *summary, poisk_error *err);
void poisk_writer_free(poisk_writer *w);

#endif
