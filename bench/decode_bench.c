/*
 * decode_bench.c: postings decode speed (bench, not a test).  Encodes posting lists with
 * the real codec (lib/codec.c) and times (1) raw 128-value block unpacking and (2) a full
 * cursor walk (poisk_plist_next: unpack, prefix sum, tf) and (3) advance() with skips.
 * Reports integers per second (a posting = 2 integers: doc gap and tf).
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Ilib bench/decode_bench.c lib/codec.c -o /tmp/decode_bench
 *   /tmp/decode_bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "codec.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)rng;
}

int main(void)
{
    /* raw unpack: 128-value blocks of width b */
    uint32_t in[128], out[128];
    uint8_t packed[16 * 32];
    printf("%-28s %10s\n", "benchmark", "M ints/s");
    unsigned widths[] = { 1, 4, 8, 12, 20 };
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        unsigned b = widths[k];
        for (int i = 0; i < 128; i++)
            in[i] = rnd() & ((1u << b) - 1);
        poisk_codec_pack128(in, b, packed);
        long iters = 4000000;
        uint64_t sink = 0;
        double t0 = now();
        for (long i = 0; i < iters; i++) {
            poisk_codec_unpack128(packed, b, out);
            sink += out[i & 127];
            packed[0] ^= (uint8_t)(sink & 1);       /* keep the loop honest */
        }
        double dt = now() - t0;
        printf("unpack128 b=%-2u               %10.0f   (sink %llu)\n", b, 128.0 * iters / dt / 1e6,
               (unsigned long long)(sink & 1));
    }
    /* full cursor walk over lists like a frequent term: mean gap 3, 6, 20 */
    unsigned gaps[] = { 3, 6, 20 };
    for (size_t k = 0; k < 3; k++) {
        uint32_t n = 2000000;
        poisk_plist_writer w;
        memset(&w, 0, sizeof w);
        poisk_buf pos = { 0 }, post = { 0 };
        poisk_plist_writer_begin(&w, &pos);
        uint32_t doc = 0, p0 = 0;
        for (uint32_t i = 0; i < n; i++) {
            doc += 1 + rnd() % (2 * gaps[k] - 1);
            uint32_t tf = rnd() % 4 == 0 ? 1 + rnd() % 5 : 1;
            poisk_plist_writer_add(&w, doc, tf, NULL, 100);
            (void)p0;
        }
        poisk_plist_writer_finish(&w, &post);
        poisk_plist c;
        memset(&c, 0, sizeof c);
        int reps = 10;
        uint64_t sum = 0;
        double t0 = now();
        for (int r = 0; r < reps; r++) {
            poisk_plist_open(&c, post.data, post.len, n);
            while (c.doc != POISK_PLIST_END) {
                sum += c.doc + poisk_plist_tf(&c);
                poisk_plist_next(&c);
            }
        }
        double dt = now() - t0;
        printf("cursor next, mean gap %-3u    %10.0f   (%.2f bytes/posting)\n", gaps[k],
               2.0 * n * reps / dt / 1e6, (double)post.len / n);
        /* advance by ~1000 docs: skip entries avoid decoding most blocks */
        t0 = now();
        uint64_t hits = 0;
        for (int r = 0; r < reps; r++) {
            poisk_plist_open(&c, post.data, post.len, n);
            uint32_t target = 0;
            while (c.doc != POISK_PLIST_END) {
                target = c.doc + 1000;
                poisk_plist_advance(&c, target);
                hits++;
            }
        }
        dt = now() - t0;
        printf("advance +1000, mean gap %-3u  %10.1f M advances/s (%llu blocks decoded per walk)\n",
               gaps[k], hits / dt / 1e6, (unsigned long long)c.blocks_decoded);
        if (sum == 42)
            puts("");
        poisk_plist_free(&c);
        poisk_plist_writer_free(&w);
        poisk_buf_free(&pos);
        poisk_buf_free(&post);
    }
    return 0;
}
