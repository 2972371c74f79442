/*
 * store.h: the passage store (docs/FORMAT.md §7): one record per passage (metadata and
 * original text), grouped by consecutive ids into blocks of about 64 KiB compressed in
 * the zlib format.  The writer encodes records and blocks; the reader finds the block of a
 * passage, inflates it and decodes the record (poisk_index_passage in index_reader.h).
 */
#ifndef POISK_STORE_H
#define POISK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/document.h"
#include "codec.h"

#define POISK_STORE_BLOCK_RAW (64u * 1024u)      /* a block closes at this raw size */
#define POISK_STORE_DIR_ENTRY 24u

/* A decoded record: strings point into the raw block, not NUL-terminated; an optional
 * string absent in the passage has ptr NULL. */
typedef struct poisk_store_str { const char *ptr; size_t len; } poisk_store_str;
typedef struct poisk_store_rec {
    poisk_store_str id, sector, subsection, project, file, text;
    uint32_t region, section, n_pages;
    const uint8_t *pages; size_t pages_len;    /* n_pages varints */
    uint64_t byte_start, byte_end;
} poisk_store_rec;

/*! Append a passage's record; region is its index in the region table. */
void poisk_store_record_encode(poisk_buf *b, const poisk_passage *p, uint32_t region);
/*! Append a decoded record again, with another region index. */
void poisk_store_record_reencode(poisk_buf *b, const poisk_store_rec *r, uint32_t region);
/*! Decode one record from [*p, end).  @return : 0, or -1 when malformed */
int  poisk_store_record_decode(const uint8_t **p, const uint8_t *end, poisk_store_rec *r);

struct libdeflate_compressor;
struct libdeflate_decompressor;

/*! Most bytes a block of n raw bytes compresses to (poisk_store_block_compress). */
size_t poisk_store_block_bound(struct libdeflate_compressor *c, size_t n);
/*! Compress a block's records raw[0..n): the store's byte code (store_code.h), then the
 *  zlib format, into out (room for poisk_store_block_bound(n) bytes); code is scratch, and
 *  holds the block's code afterwards.
 *  @return : the compressed length, 0 when out of memory */
size_t poisk_store_block_compress(struct libdeflate_compressor *c, const uint8_t *raw, size_t n,
                                  poisk_buf *code, uint8_t *out, size_t out_cap);
/*! Inflate and decode a compressed block into raw, which it must fill exactly.
 *  @return : 0, -1 when the block is damaged, -2 when out of memory */
int  poisk_store_block_inflate(struct libdeflate_decompressor *d, const uint8_t *comp,
                               size_t comp_len, uint8_t *raw, size_t raw_len);

#endif
