/*
 * deflater.h: the store writer's compressors, one set per thread.  Both write the zlib
 * format (RFC 1950), which the readers inflate with libdeflate:
 *  - text: a store block's texts in the byte code (store_code.h), through ISA-L's igzip at
 *    level 0 with one fixed Huffman code made from the seed strategies' symbol counts
 *    (store_huffman.h); 2.1x faster than libdeflate's level 1 on such text for ~1.5 points
 *    of the input more (docs/FORMAT.md §7);
 *  - any: anything else (a block's metadata), libdeflate level 1.
 * The output depends on the input alone, never on earlier calls or on the buffers' room
 * or addresses: the index must be byte-identical whatever the threads and the budget.
 */
#ifndef POISK_DEFLATER_H
#define POISK_DEFLATER_H

#include <stddef.h>
#include <stdint.h>

typedef struct poisk_deflater poisk_deflater;

/*! A deflater, or NULL when out of memory. */
poisk_deflater *poisk_deflater_new(void);
void            poisk_deflater_free(poisk_deflater *d);

/*! Most bytes n bytes of input take in the zlib format, for either compressor (both fall
 *  back to stored blocks rather than expand the input further). */
size_t poisk_deflater_bound(size_t n);

/*! Compress byte-coded store text in[0..n) into out (room for out_cap bytes;
 *  poisk_deflater_bound(n) always suffices).  @return : the stream's length, 0 when it
 *  does not fit */
size_t poisk_deflater_text(poisk_deflater *d, const uint8_t *in, size_t n, uint8_t *out,
                           size_t out_cap);

/*! The same for any bytes.  @return : the stream's length, 0 when it does not fit */
size_t poisk_deflater_any(poisk_deflater *d, const uint8_t *in, size_t n, uint8_t *out,
                          size_t out_cap);

#endif
