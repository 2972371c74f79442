/*
 * store_code.h: the passage store's byte code (docs/FORMAT.md §7), applied to a block's
 * records before deflate and undone after inflate.  Russian text in UTF-8 takes two bytes
 * a letter; the code gives each letter U+0400..U+045F (А..я, Ё, ё among them) one byte,
 * 0x80..0xDF, and 31 other frequent characters («, », №, dashes, quotes, NBSP...) one byte,
 * 0xE1..0xFF; any other byte >= 0x80 is escaped as 0xE0 + the byte.  Bytes < 0x80 stay.
 * It is lossless for any bytes (invalid UTF-8, NUL, a sequence cut at the block end): only
 * a complete, well-formed character is coded, and every other byte is copied or escaped.
 * Deflate then reads about half the bytes.
 */
#ifndef POISK_STORE_CODE_H
#define POISK_STORE_CODE_H

#include <stddef.h>
#include <stdint.h>

/*! Most bytes the code of n bytes can take (every byte escaped). */
static inline size_t poisk_store_code_bound(size_t n) { return 2 * n; }

/*! Code in[0..n) into out (room for poisk_store_code_bound(n) bytes).
 *  @return : the coded length */
size_t poisk_store_code_encode(const uint8_t *in, size_t n, uint8_t *out);

/*! Set (by tests) to make the encoder and the decoder take their portable paths where
 *  they have faster ones; the results are the same either way. */
extern int poisk_store_code_portable;

/*! Decode in[0..n) into out, which must come out exactly out_len bytes long.
 *  @return : 0, or -1 when the input is not a code of out_len bytes (an unused code byte,
 *  an escape at the end, too many or too few bytes); out is never written past out_len */
int poisk_store_code_decode(const uint8_t *in, size_t n, uint8_t *out, size_t out_len);

#endif
