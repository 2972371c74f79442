/*
 * format.h: the file envelope every index file shares (docs/FORMAT.md §2): header with
 * magic, kind and version, payload, per-page XXH3 checksum table, trailer.  The writer
 * side streams a payload into a file and seals it; the reader side maps a file, checks its
 * size, trailer and header at open, and verifies each 32 KiB page the first time a byte
 * range touching it is read.  (Stage: index writer -> files -> reader.)
 */
#ifndef POISK_FORMAT_H
#define POISK_FORMAT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"

#define POISK_FORMAT_VERSION 9u   /* 2: skip entries carry impacts; 3: also section-local
                                     * doc ids, 64 KiB level-6 store blocks; 4: exact forms'
                                     * positions elided when their stem's, store level 2;
                                     * 5: a group record per 16 blocks of long lists;
                                     * 6: store blocks byte-coded before deflate;
                                     * 7: dense postings blocks as bit sets;
                                     * 8: store blocks as metadata and text streams;
                                     * 9: a block's text in chunks of whole passages
                                     * (FORMAT.md) */
#define POISK_PAGE_SHIFT 15u
#define POISK_PAGE_SIZE (1u << POISK_PAGE_SHIFT)
#define POISK_HEADER_SIZE 64u
#define POISK_TRAILER_SIZE 32u
#define POISK_NO_SECTION 0xFFFFFFFFu

#define POISK_KIND(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define POISK_KIND_MANIFEST POISK_KIND('M', 'A', 'N', 'I')
#define POISK_KIND_STORE    POISK_KIND('S', 'T', 'O', 'R')
#define POISK_KIND_LENS     POISK_KIND('L', 'E', 'N', 'S')
#define POISK_KIND_DICT     POISK_KIND('D', 'I', 'C', 'T')
#define POISK_KIND_POST     POISK_KIND('P', 'O', 'S', 'T')
#define POISK_KIND_POSN     POISK_KIND('P', 'O', 'S', 'N')

/* File names of generation gen (docs/FORMAT.md §1).  dict: 0 stem, 1 exact. */
void poisk_name_manifest(char *out, size_t cap, uint64_t gen);
void poisk_name_store(char *out, size_t cap, uint64_t gen);
void poisk_name_lens(char *out, size_t cap, uint64_t gen, unsigned section);
void poisk_name_dict_file(char *out, size_t cap, uint64_t gen, unsigned section, unsigned dict,
                          uint32_t kind);
/*! Parse "gNNNNNNNN" at the start of a file name.  @return : 1 and *gen, or 0 */
int poisk_name_generation(const char *name, uint64_t *gen);

/*! CURRENT: its one-line contents for gen, and the parse back.  @return : 0 or -1 */
void poisk_current_format(char *out, size_t cap, uint64_t gen);
int  poisk_current_parse(const char *text, size_t len, uint64_t *gen);

/* ---- writing ------------------------------------------------------------------------- */

/* Called before every write, fsync and rename: the crash-test hook (writer.c). */
typedef void (*poisk_io_hook)(void *ctx);

typedef struct poisk_fout {
    int fd;
    char path[4096];
    uint32_t kind, section, dict;
    uint64_t generation;
    uint64_t data_len;          /* header + payload bytes so far */
    uint8_t *page;              /* the page being filled (page 0 is kept until close) */
    uint8_t *page0;
    size_t page_fill;
    uint64_t *sums;
    size_t n_sums, cap_sums;
    poisk_io_hook hook;
    void *hook_ctx;
    uint64_t final_size;
    uint64_t writeback_from;    /* pages before this offset have been handed to writeback */
} poisk_fout;

int  poisk_fout_open(poisk_fout *f, const char *dir, const char *name, uint32_t kind,
                     uint64_t gen, uint32_t section, uint32_t dict, poisk_io_hook hook,
                     void *hook_ctx, poisk_error *err);
int  poisk_fout_write(poisk_fout *f, const void *p, size_t n, poisk_error *err);
/*! Payload bytes written so far. */
static inline uint64_t poisk_fout_offset(const poisk_fout *f) { return f->data_len - POISK_HEADER_SIZE; }
/*! Write the header, table and trailer, fsync and close.  f->final_size is the size. */
int  poisk_fout_close(poisk_fout *f, poisk_error *err);
/*! Close and delete after an error. */
void poisk_fout_abort(poisk_fout *f);

/*! Write a whole small file (CURRENT.tmp) and fsync it. */
int poisk_write_small_file(const char *path, const void *p, size_t n, poisk_io_hook hook,
                           void *hook_ctx, poisk_error *err);
int poisk_fsync_dir(const char *dir, poisk_io_hook hook, void *hook_ctx, poisk_error *err);

/* ---- reading ------------------------------------------------------------------------- */

typedef struct poisk_file {
    char path[4096];
    const uint8_t *map;
    size_t size;
    const uint8_t *payload;
    uint64_t payload_len;
    uint64_t n_pages;
    const uint8_t *table;
    _Atomic uint8_t *verified;  /* one flag per page: checksum already checked */
} poisk_file;

/*! Map dir/name and check it: size (when expect_size != 0), trailer, table hash, header.
 *  @return : POISK_OK, POISK_ENOINDEX (missing), POISK_ECORRUPT, POISK_EVERSION, POISK_EIO */
int poisk_file_open(poisk_file *f, const char *dir, const char *name, uint64_t expect_size,
                    uint32_t kind, uint64_t gen, uint32_t section, uint32_t dict,
                    poisk_error *err);
/*! Bounds-checked, checksum-verified view of payload bytes [off, off+len).
 *  @return : pointer, or NULL with *err filled (POISK_ECORRUPT naming the file) */
const uint8_t *poisk_file_range(poisk_file *f, uint64_t off, uint64_t len, poisk_error *err);
/*! Verify every page now (indexer --check). */
int poisk_file_verify_all(poisk_file *f, poisk_error *err);
void poisk_file_close(poisk_file *f);

#endif
