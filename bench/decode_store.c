/*
 * decode_store.c: passage-store block size and compression level (bench, not a test).
 * Reads an index's .store file, inflates its blocks back into records, then re-packs the
 * records into blocks of a given raw size at a given libdeflate level and reports the
 * compressed size (fraction of the raw records), the compression CPU time and the cost of
 * one snippet fetch (inflate the passage's block + decode its record), in µs.  With code 1
 * a block's records go through the store's byte code (lib/store_code.h) before deflate and
 * back after inflate (format version 6); the block closes at `kib` KiB of records (before
 * the code) either way, and avg_in is the mean size deflate reads per block.  Reads
 * version-5 (uncoded) and version-6/7 (coded) stores, whose blocks are one stream of whole
 * records (the measurements in FORMAT.md §7 were made so); it refuses a version-8 store,
 * whose blocks keep metadata and texts apart.
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Ilib bench/decode_store.c build/rel/libpoisk.a \
 *      -ldeflate -lxxhash -lz -lstemmer -lpthread -o /tmp/decode_store   (after make)
 *   /tmp/decode_store IDX/gNNNNNNNN.store [block_kib level code]...
 * FETCHES=N in the environment sets the number of fetches timed (20000; fewer under
 * callgrind, whose instruction counts are the steadier measure of compression cost).
 */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "codec.h"
#include "store.h"

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct rec { size_t off, len; } rec;

/* A block back into its rlen bytes of records: the store's own path for a coded block
 * (poisk_store_stream_inflate), plain inflate for an uncoded one.  @return : 0, or -1 */
static int inflate_block(struct libdeflate_decompressor *d, const uint8_t *comp, size_t clen,
                         int coded, uint8_t *out, size_t rlen)
{
    size_t got;
    if (coded)
        return poisk_store_stream_inflate(d, comp, clen, out, rlen) ? -1 : 0;
    return libdeflate_zlib_decompress(d, comp, clen, out, rlen, &got) == LIBDEFLATE_SUCCESS
           && got == rlen ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: decode_store FILE.store [kib level code]...\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return perror(argv[1]), 1;
    fseek(f, 0, SEEK_END);
    long fsz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *file = malloc((size_t)fsz);
    if (!file || fread(file, 1, (size_t)fsz, f) != (size_t)fsz)
        return 1;
    fclose(f);
    uint64_t plen = poisk_load_u64(file + 32);
    int coded_in = poisk_load_u32(file + 8) >= 6;
    if (poisk_load_u32(file + 8) >= 8)
        return fprintf(stderr, "%s: format version 8 or later; this bench reads the one-stream "
                       "blocks of versions 5-7\n", argv[1]), 2;
    const uint8_t *pay = file + 64;
    uint64_t nb = poisk_load_u64(pay + plen - 24), dir = poisk_load_u64(pay + plen - 16);
    /* all raw records back to back */
    poisk_buf raw = {0};
    rec *recs = NULL; size_t nrec = 0, caprec = 0;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    uint8_t *tmp = malloc(64u << 20);
    poisk_buf code_buf = { 0 };
    for (uint64_t b = 0; b < nb; b++) {
        const uint8_t *e = pay + dir + b * 24;
        uint64_t off = poisk_load_u64(e + 8);
        uint32_t clen = poisk_load_u32(e + 16), rlen = poisk_load_u32(e + 20);
        size_t got = rlen;
        if (inflate_block(d, pay + off, clen, coded_in, tmp, rlen))
            return fprintf(stderr, "bad block\n"), 1;
        const uint8_t *p = tmp, *end = tmp + got;
        while (p < end) {
            const uint8_t *s = p;
            poisk_store_rec r;
            if (poisk_store_record_decode(&p, end, &r))
                return fprintf(stderr, "bad record\n"), 1;
            if (nrec == caprec) {
                caprec = caprec ? 2 * caprec : 1024;
                recs = realloc(recs, caprec * sizeof *recs);
            }
            recs[nrec].off = raw.len;
            recs[nrec].len = (size_t)(p - s);
            nrec++;
            poisk_buf_put(&raw, s, (size_t)(p - s));
        }
    }
    printf("%zu records, %zu raw bytes, store file %ld bytes\n", nrec, raw.len, fsz);
    printf("%8s %5s %4s %12s %7s %9s %7s %10s\n", "block", "level", "code", "comp", "ratio",
           "comp_s", "avg_in", "fetch_us");
    for (int a = 2; a + 2 < argc; a += 3) {
        size_t bs = (size_t)atoi(argv[a]) * 1024u;
        int level = atoi(argv[a + 1]), code = atoi(argv[a + 2]);
        size_t in_total = 0;
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
        size_t total = 0, nblocks = 0;
        uint8_t *out = malloc(libdeflate_zlib_compress_bound(c, 64u << 20));
        uint8_t **blk = NULL; size_t *blen = NULL, *bstart = NULL, *braw = NULL;
        double t0 = cpu();
        for (size_t i = 0; i < nrec;) {
            size_t j = i, acc = 0;
            while (j < nrec && acc < bs)
                acc += recs[j++].len;
            const uint8_t *src = raw.data + recs[i].off;
            size_t cl;
            if (code) {
                cl = poisk_store_stream_compress(c, src, acc, &code_buf, out,
                                                 poisk_store_stream_bound(c, acc));
                in_total += code_buf.len;
            } else {
                cl = libdeflate_zlib_compress(c, src, acc, out, libdeflate_zlib_compress_bound(c, acc));
                in_total += acc;
            }
            blk = realloc(blk, (nblocks + 1) * sizeof *blk);
            blen = realloc(blen, (nblocks + 1) * sizeof *blen);
            braw = realloc(braw, (nblocks + 1) * sizeof *braw);
            bstart = realloc(bstart, (nblocks + 1) * sizeof *bstart);
            blk[nblocks] = malloc(cl);
            memcpy(blk[nblocks], out, cl);
            blen[nblocks] = cl;
            braw[nblocks] = acc;
            bstart[nblocks] = i;
            nblocks++;
            total += cl;
            i = j;
        }
        double tc = cpu() - t0;
        /* fetch: a pseudo-random passage, inflate its block, decode up to the record */
        size_t fetches = getenv("FETCHES") ? (size_t)atol(getenv("FETCHES")) : 20000;
        uint64_t x = 12345, sink = 0;
        t0 = cpu();
        for (size_t k = 0; k < fetches; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            size_t b = (size_t)(x >> 33) % nblocks, got = braw[b];
            if (inflate_block(d, blk[b], blen[b], code, tmp, braw[b]))
                return fprintf(stderr, "bad block\n"), 1;
            const uint8_t *p = tmp, *end = tmp + got;
            poisk_store_rec r;
            size_t want = (size_t)(x >> 20) % 8;
            for (size_t q = 0; q <= want && p < end; q++)
                poisk_store_record_decode(&p, end, &r);
            sink += r.text.len;
        }
        double tf = (cpu() - t0) / (double)fetches * 1e6;
        printf("%6zuKiB %5d %4d %12zu %7.4f %9.2f %7.0f %10.1f\n", bs / 1024, level, code, total,
               (double)total / (double)raw.len, tc, (double)in_total / (double)nblocks, tf);
        for (size_t b = 0; b < nblocks; b++)
            free(blk[b]);
        free(blk); free(blen); free(braw); free(bstart); free(out);
        libdeflate_free_compressor(c);
        if (sink == 42) puts("");
    }
    libdeflate_free_decompressor(d);
    free(tmp); poisk_buf_free(&code_buf); free(file); free(recs); poisk_buf_free(&raw);
    return 0;
}
