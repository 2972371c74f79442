/* test_query_impacts.c: the block-max data the evaluator prunes with (docs/FORMAT.md §6,
 * skip entries).  A block's impacts must dominate every posting of the block (the bound is
 * safe), be postings of the block when not merged (the bound is exact), survive the trip
 * through the writer and the skip reader, and give the block's best BM25 for any k1, b. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "test_rng.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { return test_xorshift64(&rng_state); }

static double bm25(double k1, double b, double avgdl, uint32_t tf, uint32_t dl)
{
    return tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * dl / avgdl));
}

/* Random block: mostly tf 1, lengths 10..400; `wide` gives many distinct tfs (merging). */
static void make_block(uint32_t n, int wide, uint32_t *tf, uint32_t *dl)
{
    for (uint32_t i = 0; i < n; i++) {
        tf[i] = wide ? 1 + (uint32_t)(rnd() % 200) : 1 + (rnd() % 3 == 0 ? (uint32_t)(rnd() % 6) : 0);
        dl[i] = 10 + (uint32_t)(rnd() % 390);
    }
}

static void check_impacts(const poisk_impacts *im, const uint32_t *tf, const uint32_t *dl,
                          uint32_t n)
{
    cr_assert(im->n >= 1 && im->n <= POISK_IMPACTS_MAX);
    for (uint32_t i = 1; i < im->n; i++)
        cr_assert(im->tf[i] > im->tf[i - 1] && im->dl[i] > im->dl[i - 1], "not a frontier");
    uint32_t max_tf = 0, min_dl = UINT32_MAX;
    for (uint32_t k = 0; k < n; k++) {
        int dominated = 0;
        for (uint32_t i = 0; i < im->n; i++)
            dominated |= im->tf[i] >= tf[k] && im->dl[i] <= dl[k];
        cr_assert(dominated, "posting (%u,%u) above the bound", tf[k], dl[k]);
        max_tf = tf[k] > max_tf ? tf[k] : max_tf;
        min_dl = dl[k] < min_dl ? dl[k] : min_dl;
    }
    cr_assert_eq(im->tf[im->n - 1], max_tf);
    cr_assert_eq(im->dl[0], min_dl);
    /* the bound is exact unless pairs were merged: each pair is a posting then */
    int merged = 0;
    for (uint32_t i = 0; i < im->n; i++) {
        int real = 0;
        for (uint32_t k = 0; k < n; k++)
            real |= tf[k] == im->tf[i] && dl[k] == im->dl[i];
        merged |= !real;
    }
    const double k1s[] = { 0.5, 1.2, 2.0 }, bs[] = { 0.0, 0.4, 0.75, 1.0 };
    for (size_t a = 0; a < 3; a++)
        for (size_t c = 0; c < 4; c++) {
            double best = 0, bound = 0;
            for (uint32_t k = 0; k < n; k++)
                best = fmax(best, bm25(k1s[a], bs[c], 100.0, tf[k], dl[k]));
            for (uint32_t i = 0; i < im->n; i++)
                bound = fmax(bound, bm25(k1s[a], bs[c], 100.0, im->tf[i], im->dl[i]));
            cr_assert(bound >= best, "bound below the best score");
            if (!merged)
                cr_assert(bound == best, "frontier bound not exact");
        }
}

Test(impacts, frontier_dominates_and_is_exact)
{
    uint32_t tf[POISK_BLOCK_SIZE], dl[POISK_BLOCK_SIZE], t2[POISK_BLOCK_SIZE], d2[POISK_BLOCK_SIZE];
    for (int round = 0; round < 2000; round++) {
        uint32_t n = 1 + (uint32_t)(rnd() % POISK_BLOCK_SIZE);
        make_block(n, round % 4 == 3, tf, dl);
        memcpy(t2, tf, sizeof tf);
        memcpy(d2, dl, sizeof dl);
        poisk_impacts im;
        poisk_impacts_build(&im, t2, d2, n);
        check_impacts(&im, tf, dl, n);
    }
}

Test(impacts, loose_pair_is_not_the_bound)
{
    /* (tf 5, dl 300) and (tf 1, dl 20): version 1 bounded with (5, 20), no posting has it */
    uint32_t tf[] = { 5, 1, 1 }, dl[] = { 300, 20, 50 };
    poisk_impacts im;
    poisk_impacts_build(&im, tf, dl, 3);
    cr_assert_eq(im.n, 2);
    cr_assert(im.tf[0] == 1 && im.dl[0] == 20 && im.tf[1] == 5 && im.dl[1] == 300);
}

Test(impacts, skip_entries_round_trip)
{
    for (int round = 0; round < 40; round++) {
        uint32_t n = 1 + (uint32_t)(rnd() % 2000);
        int wide = round % 3 == 2;
        uint32_t *docs = malloc(n * 4), *tf = malloc(n * 4), *dl = malloc(n * 4);
        uint32_t d = 0;
        for (uint32_t i = 0; i < n; i++) {
            d += 1 + (uint32_t)(rnd() % 50);
            docs[i] = d;
        }
        make_block(n, wide, tf, dl);
        poisk_buf post = { 0 }, pos = { 0 };
        poisk_plist_writer w;
        memset(&w, 0, sizeof w);
        poisk_plist_writer_begin(&w, &pos);
        for (uint32_t i = 0; i < n; i++)
            poisk_plist_writer_add(&w, docs[i], tf[i], NULL, dl[i]);
        poisk_plist_writer_finish(&w, &post);
        cr_assert_not(w.failed);
        poisk_plist_writer_free(&w);
        poisk_plist c;
        memset(&c, 0, sizeof c);
        cr_assert_eq(poisk_plist_open_lazy(&c, post.data, post.len, n), 0);
        for (uint32_t lo = 0; lo < n; lo += POISK_BLOCK_SIZE) {
            uint32_t m = n - lo < POISK_BLOCK_SIZE ? n - lo : POISK_BLOCK_SIZE;
            cr_assert_eq(poisk_plist_shallow_advance(&c, docs[lo]), 0);
            cr_assert_eq(poisk_plist_block_last_doc(&c), docs[lo + m - 1]);
            const poisk_impacts *im = poisk_plist_block_impacts(&c);
            check_impacts(im, tf + lo, dl + lo, m);
            uint32_t t2[POISK_BLOCK_SIZE], d2[POISK_BLOCK_SIZE];
            memcpy(t2, tf + lo, m * 4);
            memcpy(d2, dl + lo, m * 4);
            poisk_impacts want;
            poisk_impacts_build(&want, t2, d2, m);
            cr_assert_eq(im->n, want.n);
            cr_assert_arr_eq(im->tf, want.tf, want.n * 4);
            cr_assert_arr_eq(im->dl, want.dl, want.n * 4);
        }
        cr_assert_eq(poisk_plist_shallow_advance(&c, docs[n - 1] + 1), 0);
        cr_assert_eq(poisk_plist_block_impacts(&c)->n, 0);
        poisk_plist_free(&c);
        poisk_buf_free(&post);
        poisk_buf_free(&pos);
        free(docs);
        free(tf);
        free(dl);
    }
}

/* The evaluator's decode helpers (lib/codec.c, eval block): gaps -> ids must equal the plain
 * running sum and refuse exactly what the scalar check refuses (a zero gap but the list's
 * first, a sum past 2^32 - 1), on both sides of the helper's fast test. */
static int gaps_ref(uint32_t *v, uint32_t prev, int first_may_repeat)
{
    uint64_t a = prev;
    int bad = 0;
    for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++) {
        bad |= v[i] == 0 && (i > 0 || !first_may_repeat);
        a += v[i];
        bad |= a > UINT32_MAX;
        v[i] = (uint32_t)a;
    }
    return bad ? -1 : 0;
}

Test(decode_helpers, gaps_to_docs_matches_running_sum)
{
    uint32_t a[POISK_BLOCK_SIZE], b[POISK_BLOCK_SIZE];
    for (int round = 0; round < 4000; round++) {
        int kind = round % 8, first = (int)(rnd() & 1);
        uint32_t prev = kind == 5 ? UINT32_MAX - (uint32_t)(rnd() % 100000)
                      : kind == 6 ? 0x80000000u + (uint32_t)(rnd() % 1000) : (uint32_t)(rnd() % 1000000);
        for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++) {
            uint32_t g = 1 + (uint32_t)(rnd() % 50);
            if (kind == 1 && rnd() % 64 == 0)
                g = 0;                                      /* a zero gap somewhere */
            if (kind == 2 && i == 0)
                g = 0;                                      /* a zero first gap */
            if (kind == 3 && rnd() % 32 == 0)
                g = (uint32_t)rnd();                        /* huge gaps: may wrap */
            if (kind == 4 && rnd() % 16 == 0)
                g = (1u << 24) + (uint32_t)(rnd() % 1000);  /* just past the fast test */
            a[i] = b[i] = g;
        }
        int want = gaps_ref(a, prev, first);
        int got = poisk_codec_gaps_to_docs128(b, prev, first);
        cr_assert_eq(got, want, "round %d kind %d", round, kind);
        if (!want)
            cr_assert(memcmp(a, b, sizeof a) == 0, "round %d: ids differ", round);
    }
}

Test(decode_helpers, map_ids)
{
    uint32_t map[1000], v[131], w[131];
    for (uint32_t i = 0; i < 1000; i++)
        map[i] = i * 3 + 7;
    for (uint32_t n = 0; n <= 131; n++) {
        for (uint32_t i = 0; i < n; i++)
            v[i] = w[i] = (uint32_t)(rnd() % 1000);
        poisk_codec_map_ids(v, n, map);
        for (uint32_t i = 0; i < n; i++)
            cr_assert_eq(v[i], map[w[i]]);
    }
}
