/*
 * store.h: the passage store (docs/FORMAT.md §7): one record per passage (metadata and
 * original text), grouped by consecutive ids into blocks of about 64 KiB.  A block keeps
 * its records' metadata and their texts apart, compressed, the texts in chunks of whole
 * passages: a hit's metadata costs a few KiB of inflating, its text one ~16 KiB chunk.
 * The writer encodes records and blocks; the reader finds the block of a passage, inflates
 * what it needs and decodes the record (poisk_index_passage and poisk_index_passage_meta
 * in index_reader.h).
 */
#ifndef POISK_STORE_H
#define POISK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/document.h"
#include "codec.h"
#include "deflater.h"

#define POISK_STORE_BLOCK_RAW (64u * 1024u)      /* a block closes at this raw size */
/* A block's text stream is cut into chunks of whole passages, each a zlib stream of its own
 * (FORMAT.md §7.2): a chunk closes at this raw size, so a hit's text costs ~16 KiB of
 * inflating, not the block's 64 KiB; at most POISK_STORE_MAX_CHUNKS in a block. */
#define POISK_STORE_CHUNK_RAW (16u * 1024u)
#define POISK_STORE_MAX_CHUNKS 64u
#define POISK_STORE_DIR_ENTRY 24u
#define POISK_STORE_BLOCK_HEAD 12u   /* u32 meta_raw, u32 meta_comp, u32 text_raw */

/* A decoded record: strings point into the raw block, not NUL-terminated; an optional
 * string absent in the passage has ptr NULL.  A metadata record (a store block's first
 * stream) has no text bytes: text.ptr is NULL and text.len the text's length; its id.ptr
 * is NULL when the id is "<file>:<byte_start>" (FORMAT.md §7.1).  A spool record holds its
 * text in the byte code (store_code.h): code is that, text.len the text's length and
 * text.ptr NULL until the caller decodes it (poisk_store_record_text()); elsewhere code.ptr
 * is NULL. */
typedef struct poisk_store_str { const char *ptr; size_t len; } poisk_store_str;
typedef struct poisk_store_rec {
    poisk_store_str id, sector, subsection, project, file, text, code;
    uint32_t region, section, n_pages;
    const uint8_t *pages; size_t pages_len;    /* n_pages varints */
    uint64_t byte_start, byte_end;
} poisk_store_rec;

/* ---- records: the writer's spool holds one per passage, metadata then text ----
 * The text goes into the spool in the byte code already: with plain texts the spool was
 * about the size of the input (1.07 GB for the 1 GB corpus), coded it is 0.61 GB; the store
 * block takes the code as it is, and the inverter decodes it (~9 GB/s, one core) into a
 * buffer of its own. */

/*! Most bytes poisk_store_record_encode() appends for p. */
size_t poisk_store_record_bound(const poisk_passage *p);
/*! Append a passage's record; region is its index in the region table.
 *  @return : the record's size were its text not coded (its metadata, the text's length
 *  and the text): how much of a store block and of a batch's work it is */
size_t poisk_store_record_encode(poisk_buf *b, const poisk_passage *p, uint32_t region);
/*! Decode one record from [*p, end); its text stays coded (r->code).
 *  @return : 0, or -1 when malformed */
int  poisk_store_record_decode(const uint8_t **p, const uint8_t *end, poisk_store_rec *r);
/*! Decode a spool record's text into buf (its contents replaced) and point r->text at it.
 *  @return : 0, -1 when the code is damaged, -2 when out of memory */
int  poisk_store_record_text(poisk_store_rec *r, poisk_buf *buf);
/*! Decode one metadata record (a block's first stream) from [*p, end).  On entry r->file
 *  must be the block's previous record's file (zeroed *r before the first record): a
 *  record may say "the same file".  @return : 0, or -1 when malformed */
int  poisk_store_meta_decode(const uint8_t **p, const uint8_t *end, poisk_store_rec *r);

struct libdeflate_decompressor;

/* ---- streams: the byte code (store_code.h), then the zlib format ----
 * The compressing calls (stream and block) live in store_pack.c, with the deflaters: a
 * program that only reads links none of them. */

/*! Append the byte code of raw[0..n) to b (which then has data, even for no bytes): a
 *  block's texts, a stream's scratch, a spool record's text.  @return : its length (0 when
 *  out of memory) */
size_t poisk_store_put_code(poisk_buf *b, const void *raw, size_t n);

/*! Most bytes a stream of n raw bytes compresses to (poisk_store_stream_compress). */
size_t poisk_store_stream_bound(size_t n);
/*! Compress raw[0..n): the store's byte code, then the zlib format, into out (room for
 *  poisk_store_stream_bound(n) bytes); code is scratch, and holds the code afterwards.
 *  @return : the compressed length, 0 when out of memory */
size_t poisk_store_stream_compress(poisk_deflater *c, const uint8_t *raw, size_t n,
                                   poisk_buf *code, uint8_t *out, size_t out_cap);
/*! Inflate and decode a compressed stream into raw, which it must fill exactly.
 *  @return : 0, -1 when the stream is damaged, -2 when out of memory */
int  poisk_store_stream_inflate(struct libdeflate_decompressor *d, const uint8_t *comp,
                                size_t comp_len, uint8_t *raw, size_t raw_len);

/* ---- blocks: the records' metadata and their texts as two streams ---- */

/* A block being built (writer): the metadata records and the texts, apart, the texts in
 * the byte code already (text_raw: their raw length); last_file is the previous record's
 * file (ptr NULL before the first).  The texts' chunks closed so far end at cut[i] (their
 * code's and raw lengths); chunk_raw is where a chunk closes (0: POISK_STORE_CHUNK_RAW;
 * tests make it small). */
typedef struct poisk_store_block {
    poisk_buf meta, text, code;
    size_t text_raw;
    poisk_store_str last_file;
    size_t chunk_raw;
    uint32_t n_cuts;
    struct { size_t code, raw; } cut[POISK_STORE_MAX_CHUNKS];
} poisk_store_block;

/*! Append a decoded record to the block, with region as its region index: its coded text
 *  (a spool record's code) when it has one, else its text, coded here.  The record's
 *  file bytes must stay put until the block is reset (the next record compares its file
 *  with them); the writer's records stay in its spool until their batch is done. */
void   poisk_store_block_add(poisk_store_block *b, const poisk_store_rec *r, uint32_t region);
/*! The block's raw size (metadata and text bytes): the directory's raw_len. */
size_t poisk_store_block_raw_len(const poisk_store_block *b);
/*! Empty the block for the next one, keeping its memory. */
void   poisk_store_block_reset(poisk_store_block *b);
void   poisk_store_block_free(poisk_store_block *b);
/*! Most bytes the block compresses to; 0 when an append ran out of memory. */
size_t poisk_store_block_bound(const poisk_store_block *b);
/*! Compress the block (header and both streams) into out (room for
 *  poisk_store_block_bound() bytes).  @return : the length, 0 when out of memory */
size_t poisk_store_block_compress(poisk_deflater *c, poisk_store_block *b,
                                  uint8_t *out, size_t out_cap);

/* A stored block's parts, as poisk_store_block_parse() finds them. */
typedef struct poisk_store_block_view {
    const uint8_t *meta;                    /* the metadata stream */
    size_t meta_len;
    uint32_t meta_raw, text_raw;            /* the raw sizes of the metadata and the texts */
    const uint8_t *chunks;                  /* the text chunks' table: n_chunks x {u32 raw, u32 comp} */
    uint32_t n_chunks;
    const uint8_t *text;                    /* the chunks' streams, back to back */
} poisk_store_block_view;

/*! Split a stored block of comp_len bytes whose directory raw_len is raw_len, and check its
 *  text chunks' table (their raw sizes add up to text_raw, their streams fill the block).
 *  @return : 0, or -1 when its header or table disagrees with them */
int poisk_store_block_parse(const uint8_t *comp, size_t comp_len, uint32_t raw_len,
                            poisk_store_block_view *v);
/* Chunk i of a parsed block: its raw offset in the block's texts, raw size, and stream. */
typedef struct poisk_store_chunk {
    uint32_t raw_off, raw_len;
    const uint8_t *comp;
    uint32_t comp_len;
} poisk_store_chunk;
/*! Step *c from chunk i - 1 (zeroed *c with i == 0) to chunk i of v (i < v->n_chunks). */
void poisk_store_chunk_next(const poisk_store_block_view *v, uint32_t i, poisk_store_chunk *c);

#endif
