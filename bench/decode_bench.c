/*
 * decode_bench.c: postings decode speed, one thread (bench, not a test; `make
 * build/bench/decode_bench`, run by `bench/run`).  Posting lists are encoded with the real codec
 * (lib/codec.c) and decoded four ways:
 *   unpack  raw 128-value block unpacking at bit widths 1..20;
 *   block   block at a time (poisk_plist_next_block: skip entry, unpack or bit set, prefix
 *           sum, tfs), what the evaluator's term cursors do through their block view;
 *   cursor  posting at a time (poisk_plist_next);
 *   advance poisk_plist_advance(doc + 1000): skip entries pass most blocks undecoded.
 * Lists have mean doc gaps 3, 6 and 20 (a frequent, a common and a rarer term).  A posting
 * is 2 integers (doc gap and tf).  Each figure is the median of 5 timings, CPU time of this
 * thread (the machine may be shared).
 *
 *   build/bench/decode_bench          a table for people
 *   build/bench/decode_bench --json   one JSON object: unpack_mints {width: M ints/s},
 *                                     block_mints / cursor_mints {gap: M ints/s},
 *                                     advance_m {gap: M advances/s},
 *                                     bytes_per_posting {gap: bytes}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "codec.h"

#define REPS 5
#define LIST_LEN 2000000u

static const unsigned widths[] = { 1, 4, 8, 12, 16, 20 };
static const unsigned gaps[] = { 3, 6, 20 };
#define N_WIDTHS (sizeof widths / sizeof widths[0])
#define N_GAPS (sizeof gaps / sizeof gaps[0])

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* The decoded values feed a sum printed nowhere but kept live, so no loop is optimised out. */
static volatile uint64_t sink;

static double unpack_rate(unsigned b)
{
    uint32_t in[128], out[128];
    uint8_t packed[16 * 32];
    for (int i = 0; i < 128; i++)
        in[i] = rnd() & ((1u << b) - 1);
    poisk_codec_pack128(in, b, packed);
    const long iters = 2000000;
    double rate[REPS];
    for (int r = 0; r < REPS; r++) {
        uint64_t sum = 0;
        double t0 = bench_cpu_seconds();
        for (long i = 0; i < iters; i++) {
            poisk_codec_unpack128(packed, b, out);
            sum += out[i & 127];
            packed[0] ^= (uint8_t)(sum & 1);    /* the next unpack depends on this one */
        }
        rate[r] = 128.0 * (double)iters / (bench_cpu_seconds() - t0) / 1e6;
        sink += sum;
    }
    return bench_median(rate, REPS);
}

/* A list like a term's: doc gaps uniform in [1, 2 gap - 1], tf 1 three times in four. */
static void make_list(unsigned gap, poisk_buf *post)
{
    poisk_plist_writer w;
    poisk_buf pos = { 0 };
    memset(&w, 0, sizeof w);
    poisk_plist_writer_begin(&w, &pos);
    uint32_t doc = 0;
    for (uint32_t i = 0; i < LIST_LEN; i++) {
        doc += 1 + rnd() % (2 * gap - 1);
        uint32_t tf = rnd() % 4 == 0 ? 1 + rnd() % 5 : 1;
        poisk_plist_writer_add(&w, doc, tf, NULL, 100);
    }
    poisk_plist_writer_finish(&w, post);
    poisk_plist_writer_free(&w);
    poisk_buf_free(&pos);
}

enum walk { WALK_BLOCK, WALK_CURSOR, WALK_ADVANCE };

/* One walk over the list.  @return : the units done (postings, or advances), 0 on error */
static uint64_t walk_once(poisk_plist *c, const poisk_buf *post, enum walk how)
{
    uint64_t sum = 0, units = 0;
    if (poisk_plist_open(c, post->data, post->len, LIST_LEN) != 0)
        return 0;
    while (c->doc != POISK_PLIST_END) {
        int rc;
        if (how == WALK_BLOCK) {
            sum += c->docs[c->n - 1] + c->tfs[c->n - 1];
            units += c->n;
            c->i = c->n - 1;                /* the block is used up: next decodes the next */
            rc = poisk_plist_next_block(c);
        } else if (how == WALK_CURSOR) {
            sum += c->doc + poisk_plist_tf(c);
            units++;
            rc = poisk_plist_next(c);
        } else {
            units++;
            rc = poisk_plist_advance(c, c->doc + 1000);
        }
        if (rc < 0)
            return 0;
    }
    sink += sum;
    return units;
}

/* @return : millions of units per CPU second, the median of REPS walks (a negative value
 *           when the codec refused its own list) */
static double walk_rate(const poisk_buf *post, enum walk how, double per_unit)
{
    poisk_plist c;
    memset(&c, 0, sizeof c);
    double rate[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = bench_cpu_seconds();
        uint64_t units = 0;
        for (int k = 0; k < 4; k++) {
            uint64_t u = walk_once(&c, post, how);
            if (!u) {
                poisk_plist_free(&c);
                return -1;
            }
            units += u;
        }
        rate[r] = per_unit * (double)units / (bench_cpu_seconds() - t0) / 1e6;
    }
    poisk_plist_free(&c);
    return bench_median(rate, REPS);
}

int main(int argc, char **argv)
{
    int json = argc > 1 && !strcmp(argv[1], "--json");
    if (argc > 2 || (argc == 2 && !json)) {
        fprintf(stderr, "usage: %s [--json]\n", argv[0]);
        return 2;
    }
    double unpack[N_WIDTHS], block[N_GAPS], cursor[N_GAPS], advance[N_GAPS], bpp[N_GAPS];
    for (size_t k = 0; k < N_WIDTHS; k++)
        unpack[k] = unpack_rate(widths[k]);
    for (size_t k = 0; k < N_GAPS; k++) {
        poisk_buf post = { 0 };
        make_list(gaps[k], &post);
        bpp[k] = (double)post.len / LIST_LEN;
        block[k] = walk_rate(&post, WALK_BLOCK, 2.0);
        cursor[k] = walk_rate(&post, WALK_CURSOR, 2.0);
        advance[k] = walk_rate(&post, WALK_ADVANCE, 1.0);
        poisk_buf_free(&post);
        if (block[k] < 0 || cursor[k] < 0 || advance[k] < 0) {
            fprintf(stderr, "decode: the codec refused its own list (gap %u)\n", gaps[k]);
            return 1;
        }
    }
    if (json) {
        printf("{\"unpack_mints\":{");
        for (size_t k = 0; k < N_WIDTHS; k++)
            printf("%s\"%u\":%.0f", k ? "," : "", widths[k], unpack[k]);
        const char *names[] = { "block_mints", "cursor_mints", "advance_m", "bytes_per_posting" };
        const double *vals[] = { block, cursor, advance, bpp };
        for (size_t m = 0; m < 4; m++) {
            printf("},\"%s\":{", names[m]);
            for (size_t k = 0; k < N_GAPS; k++)
                printf("%s\"%u\":%.*f", k ? "," : "", gaps[k], m == 3 ? 2 : 1, vals[m][k]);
        }
        printf("}}\n");
        return 0;
    }
    printf("%-34s %12s\n", "what (median of 5, CPU time)", "M ints/s");
    for (size_t k = 0; k < N_WIDTHS; k++)
        printf("unpack128, width %-2u               %12.0f\n", widths[k], unpack[k]);
    for (size_t k = 0; k < N_GAPS; k++) {
        printf("block at a time, mean gap %-3u     %12.0f   (%.2f bytes/posting)\n", gaps[k],
               block[k], bpp[k]);
        printf("posting at a time, mean gap %-3u   %12.0f\n", gaps[k], cursor[k]);
        printf("advance +1000, mean gap %-3u       %12.1f M advances/s\n", gaps[k], advance[k]);
    }
    return 0;
}
