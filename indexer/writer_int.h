/*
 * writer_int.h: the index writer's private pieces, shared by writer.c (spool, passage ids,
 * threads, store, publishing), writer_invert.c (one batch of passages -> a sorted run) and
 * writer_merge.c (runs -> dictionary, postings, positions files per section).
 */
#ifndef POISK_WRITER_INT_H
#define POISK_WRITER_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "writer.h"
#include "codec.h"
#include "format.h"

/* A sorted run: the postings of one batch of consecutive passage ids, ordered by
 * (dictionary kind, term bytes), every section together (the merge splits them by passage
 * id).  Entry:
 *   u8 kind, varint term_len, term, varint n_docs, varint n_bytes, then
 *   n_bytes of postings: per doc varint (doc - previous doc, first against the batch's first
 *   id), varint (tf << 1 | 1) when the positions take tf bytes, else varint (tf << 1) and
 *   varint their byte count, then tf varints of position gaps (first absolute); an exact
 *   form whose positions are its stem's: varint 0, varint tf, no positions. */
typedef struct poisk_run {
    uint32_t batch;                 /* runs merge in batch order = passage-id order */
    uint32_t first_doc;
    poisk_buf mem;                  /* in memory, or ... */
    int fd;                         /* ... spilled to this (already unlinked) file, or -1 */
    void *map;
    const uint8_t *data;            /* the bytes while merging (mem or mmap) */
    size_t len;
    size_t kind_off;                /* where the exact-form entries start */
} poisk_run;

/* What a batch produces besides its run. */
typedef struct poisk_batch_out {
    poisk_buf store;                /* compressed store blocks, back to back */
    poisk_buf store_dir;            /* per block: u32 first, u32 n, u32 comp, u32 raw */
    char **abbrevs; size_t n_abbrevs;
    int ready;
} poisk_batch_out;

typedef struct poisk_writer_ctx poisk_writer_ctx;   /* commit-time state, writer.c */

/* Per-worker inversion state (writer_invert.c). */
typedef struct poisk_inverter poisk_inverter;
int  poisk_inverter_create(const poisk_writer_options *opts, poisk_inverter **out);
void poisk_inverter_free(poisk_inverter *inv);
/*! Analyse one passage with id doc; returns its length (positions) in *dl. */
int  poisk_inverter_add(poisk_inverter *inv, uint32_t doc, unsigned section, const char *text,
                        size_t len, uint32_t *dl);
/*! Bytes the run of the batch so far will take at most, as the flush sizes it (from the
 *  last batch's bytes per occurrence, and a tenth more): a buffer this big in advance is
 *  never grown by the flush. */
size_t poisk_inverter_run_bound(const poisk_inverter *inv);
/*! Serialise the batch as a sorted run into *out (*kind_off: where the exact-form entries
 *  start), collect its abbreviations, and reset the batch (the term tables stay). */
int  poisk_inverter_flush(poisk_inverter *inv, uint32_t first_doc, poisk_buf *out,
                          size_t *kind_off, char ***abbrevs, size_t *n_abbrevs);
/*! Drop the term tables after a batch once they hold more than `bytes` (0 = never). */
void poisk_inverter_set_table_cap(poisk_inverter *inv, size_t bytes);
/*! Bytes the batch's tables hold now (for the memory budget). */
size_t poisk_inverter_memory(const poisk_inverter *inv);

/* Merge (writer_merge.c): every run, in batch order, into the section files of gen. */
typedef struct poisk_merge_io {
    const char *dir;
    uint64_t gen;
    poisk_io_hook hook;
    void *hook_ctx;
    const uint32_t *dl;             /* passage lengths by id */
    const uint8_t *secs;            /* passage sections by id */
    const uint32_t *local;          /* id -> its rank in its section (what postings store) */
    uint32_t n_docs;                /* passages: the length of dl and secs */
    int threads;                    /* 2 or more: stems and exact forms merge in parallel */
    /* filled: the files written, for the manifest */
    char **names; uint64_t *sizes; size_t n_files, cap_files;
    uint64_t terms;                 /* stem dictionary entries, all sections */
} poisk_merge_io;

int  poisk_merge_runs(poisk_run *runs, size_t n_runs, poisk_merge_io *io, poisk_error *err);
int  poisk_merge_add_file(poisk_merge_io *io, const char *name, uint64_t size);

/* A term's bytes from p (len of them) as the big-endian integer of their first 8, zero
 * past len: the sort key's head, the same for the inverter's sort of a batch's terms and
 * the merge's order of runs, so that both order terms bytewise alike. */
static inline uint64_t poisk_term_prefix(const uint8_t *p, size_t len)
{
    uint8_t b[8] = { 0 };
    uint64_t v;
    memcpy(b, p, len < 8 ? len : 8);
    memcpy(&v, b, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

#endif
