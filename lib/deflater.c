/*
 * deflater.c: the store writer's compressors (deflater.h).  Store text goes through igzip
 * at level 0 (one pass: a small hash table, greedy matches) with a fixed Huffman code.
 * igzip's levels 1-3 build a code per stream and compress better, a little slower, but
 * their output changed with what the same deflater had compressed before, so a build's
 * bytes depended on its threads and budget (docs/FORMAT.md §7).  On the 1 GB bench
 * corpus's byte-coded text, 400 MB in 64 KiB blocks on one core: this code 0.187 of the
 * raw bytes in 0.39 s, igzip's default code 0.225 in 0.40 s, libdeflate level 1 0.172 in
 * 0.85 s.
 */
#include "deflater.h"
#include "store_huffman.h"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdlib.h>

struct poisk_deflater {
    struct isal_zstream z;               /* set afresh for every stream */
    struct isal_hufftables code;         /* the store text's Huffman code */
    struct libdeflate_compressor *any;
};

poisk_deflater *poisk_deflater_new(void)
{
    poisk_deflater *d = calloc(1, sizeof *d);
    struct isal_huff_histogram *h = calloc(1, sizeof *h);
    if (!d || !h)
        goto fail;
    for (size_t i = 0; i < ISAL_DEF_LIT_LEN_SYMBOLS; i++)
        h->lit_len_histogram[i] = poisk_store_lit_len_counts[i];
    for (size_t i = 0; i < ISAL_DEF_DIST_SYMBOLS; i++)
        h->dist_histogram[i] = poisk_store_dist_counts[i];
    /* every literal gets a code, seen in the seeds or not: any byte can be compressed */
    if (isal_create_hufftables(&d->code, h) != 0)
        goto fail;
    d->any = libdeflate_alloc_compressor(1);
    if (!d->any)
        goto fail;
    free(h);
    return d;
fail:
    free(h);
    poisk_deflater_free(d);
    return NULL;
}

void poisk_deflater_free(poisk_deflater *d)
{
    if (!d)
        return;
    libdeflate_free_compressor(d->any);
    free(d);
}

size_t poisk_deflater_bound(size_t n)
{
    /* stored blocks: 5 header bytes per at most 65 535 bytes, the zlib header and trailer,
     * and room for the cut of the input into shorter stored blocks */
    size_t lb = libdeflate_zlib_compress_bound(NULL, n);
    size_t stored = n + 5 * (n / 4096 + 2) + 64;
    return lb > stored ? lb : stored;
}

size_t poisk_deflater_text(poisk_deflater *d, const uint8_t *in, size_t n, uint8_t *out,
                           size_t out_cap)
{
    struct isal_zstream *z = &d->z;
    if (n > UINT32_MAX)
        return 0;                        /* igzip counts in 32 bits; blocks are far smaller */
    if (out_cap > UINT32_MAX)
        out_cap = UINT32_MAX;
    isal_deflate_stateless_init(z);
    z->level = 0;
    z->hufftables = &d->code;
    z->gzip_flag = IGZIP_ZLIB;
    z->flush = NO_FLUSH;
    z->end_of_stream = 1;
    z->next_in = (uint8_t *)in;          /* igzip only reads it */
    z->avail_in = (uint32_t)n;
    z->next_out = out;
    z->avail_out = (uint32_t)out_cap;
    if (isal_deflate_stateless(z) != COMP_OK)
        return 0;
    return z->total_out;
}

size_t poisk_deflater_any(poisk_deflater *d, const uint8_t *in, size_t n, uint8_t *out,
                          size_t out_cap)
{
    return libdeflate_zlib_compress(d->any, in, n, out, out_cap);
}
