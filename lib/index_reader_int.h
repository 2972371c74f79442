/*
 * index_reader_int.h: the reader's private structures, shared by index_reader.c (manifest,
 * sections, dictionaries, cursors, verify) and store.c (passage store).  Not for the
 * searcher: it uses index_reader.h.
 */
#ifndef POISK_INDEX_READER_INT_H
#define POISK_INDEX_READER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include "index_reader.h"
#include "format.h"
#include "format_manifest.h"
#include "codec.h"
#include "store.h"

typedef struct poisk_dict_files {
    atomic_int opened;                  /* files opened (set once, under idx->lock) */
    int present;                        /* the section has terms of this kind */
    poisk_file dict, post, posn;        /* posn: opened by the first positions read */
    atomic_int posn_opened;
    uint64_t posn_len;                  /* posn's payload length (from the manifest size) */
    uint64_t n_terms, n_blocks, index_off;
    _Atomic(uint64_t) *first_key;       /* 2 x n_blocks: each block's first term as a sort
                                         * key (dict_term_key), 0 until a lookup reads it */
} poisk_dict_files;

#define SELECT_STEP 64                  /* local ids per select sample */

struct poisk_section_index {
    poisk_index *idx;
    unsigned section;
    poisk_file lens;
    uint64_t n_docs, total_length;
    uint32_t n_all;                     /* passages in the whole index */
    const uint8_t *bitmap, *rank, *lengths;
    const uint32_t *local_len;          /* lengths by section-local id (n_docs): the LENS
                                         * bytes in place, or local_len_copy */
    uint32_t *local_len_copy;           /* big-endian or unaligned host only */
    uint32_t *select;                   /* select[j]: the rank superblock holding local id
                                         * j * SELECT_STEP (from open's bitmap pass) */
    int popcnt_hw;                      /* the CPU counts bits (rank/select use it) */
    uint64_t map_off;                   /* where docmap starts in idx->maps */
    atomic_int maps_ready;              /* docmap and doc_len filled (under idx->lock) */
    uint32_t *docmap;                   /* section-local id -> global id (n_docs), from the
                                         * bitmap; a slice of idx->maps, filled on the
                                         * first global-id cursor (the searcher uses none) */
    const uint32_t *doc_len;            /* idx->doc_len: this section's entries filled */
    poisk_dict_files d[2];              /* POISK_DICT_STEM, POISK_DICT_EXACT */
};

/* Recently inflated store blocks and idle decompressors, shared by the handle's threads
 * under store_lock: a query's hits often share a block, and a libdeflate decompressor is
 * worth reusing (allocating one costs more than inflating a small block).  A block's text
 * is inflated only when a passage's text is asked for, and only the chunk holding it. */
#define POISK_STORE_CACHE_SLOTS 16
#define POISK_STORE_INFLATERS 4
typedef struct poisk_store_slot {
    uint8_t *meta;                      /* the metadata stream; NULL: empty slot */
    uint8_t *text;                      /* room for the block's texts; NULL: none inflated */
    uint64_t have;                      /* bit i: text chunk i is inflated into text */
    poisk_store_block_view view;        /* the stored block (in the file's mapping) */
    uint64_t block;
    uint64_t used;                      /* LRU clock */
} poisk_store_slot;

struct poisk_index {
    char dir[4096];
    uint64_t generation;
    poisk_manifest m;
    poisk_file manifest_file;
    pthread_mutex_t lock;               /* lazy opens */
    _Atomic(poisk_section_index *) sections[POISK_SECTION_COUNT];
    _Atomic(poisk_file *) store;
    uint64_t store_n_blocks, store_dir_off, store_passages;
    pthread_mutex_t store_lock;
    poisk_store_slot store_cache[POISK_STORE_CACHE_SLOTS];
    uint64_t store_clock;
    void *inflaters[POISK_STORE_INFLATERS];
    size_t n_inflaters;
    _Atomic(void *) attachment;         /* poisk_index_attachment(), set once under lock */
    uint32_t *maps;                     /* the sections' docmaps, then doc_len (one mmap,
                                         * made by the first global-id cursor) */
    size_t maps_bytes;
    uint32_t *doc_len;                  /* passage -> length, by global id (n_all); each
                                         * section fills its passages' entries with its
                                         * docmap */
    void (*attachment_drop)(void *);
    struct poisk_analyzer *canon_an;    /* exact forms' canonical stems (format v4), made on
                                         * first use, used under lock */
};

/*! Free the store cache (at close). */
void poisk_store_cache_free(poisk_index *idx);

/*! Open the store file on first use (thread-safe). */
int poisk_index_store_file(poisk_index *idx, poisk_file **out, poisk_error *err);

#endif
