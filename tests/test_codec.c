/* test_codec.c: the postings codec: varints, bit-packed blocks and whole posting lists
 * (boundary sizes, huge gaps, random lists) decode exactly; cursors advance and report
 * block-max data correctly; damaged bytes give an error, never a crash. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "test_rng.h"

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void) { return test_xorshift64(&rng_state); }

typedef struct {
    uint32_t n, *docs, *tfs, *dls, *pos;   /* positions: concatenated, tfs[i] per posting */
} list_t;

static list_t make_list(uint32_t n, uint32_t max_gap, uint32_t max_tf)
{
    list_t l = { n, malloc((n + 1) * 4), malloc((n + 1) * 4), malloc((n + 1) * 4), NULL };
    uint64_t npos = 0, doc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t gap = (i == 0 ? 0 : 1) + rnd() % max_gap;
        if (doc + gap >= UINT32_MAX - 1)
            gap = 1;
        doc += gap;
        l.docs[i] = (uint32_t)doc;
        l.tfs[i] = 1 + (uint32_t)(rnd() % 4 == 0 ? rnd() % max_tf : 0);
        l.dls[i] = 1 + (uint32_t)(rnd() % 300);
        npos += l.tfs[i];
    }
    l.pos = malloc((npos + 1) * 4);
    uint64_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = (uint32_t)(rnd() % 5);
        for (uint32_t j = 0; j < l.tfs[i]; j++) {
            l.pos[k++] = p;
            p += 1 + (uint32_t)(rnd() % 20);
        }
    }
    return l;
}

static void free_list(list_t *l)
{
    free(l->docs); free(l->tfs); free(l->dls); free(l->pos);
}

static void encode(const list_t *l, poisk_buf *post, poisk_buf *pos, int with_pos)
{
    poisk_plist_writer w;
    memset(&w, 0, sizeof w);
    poisk_plist_writer_begin(&w, pos);
    uint64_t k = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        poisk_plist_writer_add(&w, l->docs[i], l->tfs[i], with_pos ? l->pos + k : NULL, l->dls[i]);
        k += l->tfs[i];
    }
    poisk_plist_writer_finish(&w, post);
    cr_assert_eq(w.df, l->n);
    cr_assert_not(w.failed);
    poisk_plist_writer_free(&w);
}

/* A drawn list (make_list) and its encoding, and their release. */
static list_t encoded_list(uint32_t n, uint32_t max_gap, uint32_t max_tf, int with_pos,
                           poisk_buf *post, poisk_buf *pos)
{
    list_t l = make_list(n, max_gap, max_tf);
    *post = (poisk_buf){ 0 };
    *pos = (poisk_buf){ 0 };
    encode(&l, post, pos, with_pos);
    return l;
}

static void free_encoded(list_t *l, poisk_buf *post, poisk_buf *pos)
{
    poisk_buf_free(post);
    poisk_buf_free(pos);
    free_list(l);
}

static void check_roundtrip(uint32_t n, uint32_t max_gap, uint32_t max_tf, int with_pos)
{
    poisk_buf post, pos;
    list_t l = encoded_list(n, max_gap, max_tf, with_pos, &post, &pos);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    cr_assert_eq(poisk_plist_open(&c, post.data, post.len, n), 0, "open n=%u", n);
    poisk_plist_set_positions(&c, pos.data, pos.len);
    uint64_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(c.doc, l.docs[i], "n=%u i=%u", n, i);
        cr_assert_eq(poisk_plist_tf(&c), l.tfs[i]);
        if (with_pos && (i % 7 == 0 || n < 1000)) {
            const uint32_t *pp;
            uint32_t np;
            cr_assert_eq(poisk_plist_positions(&c, &pp, &np), 0);
            cr_assert_eq(np, l.tfs[i]);
            cr_assert_eq(memcmp(pp, l.pos + k, np * 4), 0, "positions n=%u i=%u", n, i);
        }
        k += l.tfs[i];
        cr_assert_eq(poisk_plist_next(&c), 0);
    }
    cr_assert_eq(c.doc, POISK_PLIST_END);
    cr_assert_eq(c.blocks_decoded, (n + 127) / 128);
    poisk_plist_free(&c);
    free_encoded(&l, &post, &pos);
}

Test(codec, varint_round_trip_and_truncation)
{
    uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t b[10];
        size_t n = poisk_varint_encode(b, vals[i]);
        const uint8_t *p = b;
        uint64_t v;
        cr_assert_eq(poisk_varint_decode(&p, b + n, &v), 0);
        cr_assert_eq(v, vals[i]);
        cr_assert_eq(p, b + n);
        p = b;
        cr_assert_eq(poisk_varint_decode(&p, b + n - 1, &v), -1, "truncated varint accepted");
    }
    uint8_t over[11];
    memset(over, 0xff, sizeof over);
    const uint8_t *p = over;
    uint64_t v;
    cr_assert_eq(poisk_varint_decode(&p, over + 11, &v), -1);
}

Test(codec, pack_unpack_every_width)
{
    for (unsigned b = 0; b <= 32; b++) {
        uint32_t in[128], out[128];
        for (int i = 0; i < 128; i++)
            in[i] = b == 0 ? 0 : (uint32_t)(rnd() & (b == 32 ? 0xffffffffu : (1u << b) - 1));
        in[5] = b == 0 ? 0 : (b == 32 ? 0xffffffffu : (1u << b) - 1);
        cr_assert_eq(poisk_codec_bits(in, 128), b);
        uint8_t packed[16 * 32];
        poisk_codec_pack128(in, b, packed);
        poisk_codec_unpack128(packed, b, out);
        cr_assert_eq(memcmp(in, out, sizeof in), 0, "width %u", b);
    }
}

Test(codec, boundary_sizes_round_trip)
{
    uint32_t sizes[] = { 0, 1, 2, 127, 128, 129, 255, 256, 257, 1000 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        check_roundtrip(sizes[i], 10, 50, 1);
        check_roundtrip(sizes[i], 1, 1, 1);
    }
}

Test(codec, million_postings_round_trip)
{
    check_roundtrip(1000000, 4, 3, 1);
}

Test(codec, gaps_up_to_2_pow_31)
{
    /* Alternate tiny and huge gaps so blocks need 31-32 bits. */
    uint32_t n = 300;
    list_t l = make_list(n, 1, 1);
    uint64_t doc = 0;
    for (uint32_t i = 0; i < n && doc < UINT32_MAX - 2; i++) {
        uint64_t gap = (i == 0) ? 0 : (i == 1 ? (1u << 31) : 1 + (i % 2));
        doc += gap;
        l.docs[i] = (uint32_t)doc;
    }
    l.docs[n - 1] = UINT32_MAX - 1;         /* the largest valid doc id */
    for (uint32_t i = n - 2; i > 2 && l.docs[i] >= l.docs[i + 1]; i--)
        l.docs[i] = l.docs[i + 1] - 1;
    poisk_buf post = { 0 }, pos = { 0 };
    encode(&l, &post, &pos, 0);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    cr_assert_eq(poisk_plist_open(&c, post.data, post.len, n), 0);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(c.doc, l.docs[i], "i=%u", i);
        cr_assert_eq(poisk_plist_next(&c), 0);
    }
    cr_assert_eq(c.doc, POISK_PLIST_END);
    poisk_plist_free(&c);
    free_encoded(&l, &post, &pos);
}

Test(codec, random_lists_round_trip)
{
    for (int t = 0; t < 200; t++) {
        uint32_t n = (uint32_t)(rnd() % 2000);
        uint32_t gap = 1 + (uint32_t)(rnd() % (t % 3 == 0 ? 100000 : 30));
        check_roundtrip(n, gap, 1 + (uint32_t)(rnd() % 300), 1);
    }
}

Test(codec, advance_and_block_max)
{
    uint32_t n = 5000;
    poisk_buf post, pos;
    list_t l = encoded_list(n, 20, 30, 1, &post, &pos);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    for (int t = 0; t < 50; t++) {
        cr_assert_eq(poisk_plist_open(&c, post.data, post.len, n), 0);
        poisk_plist_set_positions(&c, pos.data, pos.len);
        uint32_t target = 0, i = 0;
        uint64_t k = 0;
        while (c.doc != POISK_PLIST_END) {
            target += 1 + (uint32_t)(rnd() % 2000);
            /* shallow first, sometimes: the block it names must hold target's successor */
            if (rnd() % 2) {
                cr_assert_eq(poisk_plist_shallow_advance(&c, target), 0);
                uint32_t b = 0;
                while (b < n && l.docs[b] < target)
                    b++;
                if (b == n) {
                    cr_assert_eq(poisk_plist_block_last_doc(&c), POISK_PLIST_END);
                } else {
                    uint32_t blk = b / 128, lo = blk * 128, hi = lo + 128 > n ? n : lo + 128;
                    uint32_t mtf = 0, mdl = UINT32_MAX;
                    for (uint32_t j = lo; j < hi; j++) {
                        if (l.tfs[j] > mtf) mtf = l.tfs[j];
                        if (l.dls[j] < mdl) mdl = l.dls[j];
                    }
                    cr_assert_eq(poisk_plist_block_last_doc(&c), l.docs[hi - 1]);
                    cr_assert_eq(poisk_plist_block_max_tf(&c), mtf);
                    cr_assert_eq(poisk_plist_block_min_dl(&c), mdl);
                }
            }
            cr_assert_eq(poisk_plist_advance(&c, target), 0);
            while (i < n && l.docs[i] < target)
                k += l.tfs[i++];
            cr_assert_eq(c.doc, i < n ? l.docs[i] : POISK_PLIST_END);
            if (i < n) {
                const uint32_t *pp;
                uint32_t np;
                cr_assert_eq(poisk_plist_positions(&c, &pp, &np), 0);
                cr_assert_eq(np, l.tfs[i]);
                cr_assert_eq(memcmp(pp, l.pos + k, np * 4), 0);
            }
        }
    }
    poisk_plist_free(&c);
    free_encoded(&l, &post, &pos);
}

Test(codec, damaged_lists_fail_cleanly)
{
    uint32_t n = 700;
    poisk_buf post, pos;
    list_t l = encoded_list(n, 50, 10, 1, &post, &pos);
    uint8_t *copy = malloc(post.len);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    for (int t = 0; t < 3000; t++) {
        memcpy(copy, post.data, post.len);
        size_t len = post.len;
        if (t % 3 == 0)
            len = rnd() % post.len;
        else
            copy[rnd() % post.len] ^= (uint8_t)(1u << (rnd() % 8));
        /* decode everything; any result is fine as long as nothing reads out of bounds */
        if (poisk_plist_open(&c, copy, len, n) == 0) {
            poisk_plist_set_positions(&c, pos.data, pos.len);
            int guard = 0;
            while (c.doc != POISK_PLIST_END && guard++ < 2 * (int)n) {
                const uint32_t *pp;
                uint32_t np;
                (void)poisk_plist_positions(&c, &pp, &np);
                if (poisk_plist_next(&c))
                    break;
            }
        }
    }
    poisk_plist_free(&c);
    free(copy);
    free_encoded(&l, &post, &pos);
}

/* add_raw (positions already varint-encoded, as the writer's runs keep them) writes the
 * same bytes as add, across block boundaries and with long position lists. */
Test(codec, raw_positions_write_the_same_bytes)
{
    poisk_buf pa = { 0 }, pb = { 0 }, oa = { 0 }, ob = { 0 }, enc = { 0 };
    poisk_plist_writer a = { 0 }, b = { 0 };
    poisk_plist_writer_begin(&a, &pa);
    poisk_plist_writer_begin(&b, &pb);
    uint32_t doc = 0, pos[300];
    srand(7);
    for (int i = 0; i < 1000; i++) {
        doc += 1 + (uint32_t)(rand() % 50);
        uint32_t tf = 1 + (uint32_t)(i % 97 == 0 ? 250 : rand() % 5), p = 0;
        enc.len = 0;
        for (uint32_t k = 0; k < tf; k++) {
            uint32_t gap = (k ? 1 : 0) + (uint32_t)(rand() % (k % 3 ? 40 : 40000));
            p += gap;
            pos[k] = p;
            poisk_buf_put_varint(&enc, gap);
        }
        uint32_t dl = 100 + (uint32_t)(rand() % 900);
        poisk_plist_writer_add(&a, doc, tf, pos, dl);
        poisk_plist_writer_add_raw(&b, doc, tf, enc.data, enc.len, dl);
    }
    poisk_plist_writer_finish(&a, &oa);
    poisk_plist_writer_finish(&b, &ob);
    cr_assert_eq(oa.len, ob.len);
    cr_assert_eq(memcmp(oa.data, ob.data, oa.len), 0);
    cr_assert_eq(pa.len, pb.len);
    cr_assert_eq(memcmp(pa.data, pb.data, pa.len), 0);
    poisk_plist_writer_free(&a);
    poisk_plist_writer_free(&b);
    poisk_buf_free(&pa); poisk_buf_free(&pb); poisk_buf_free(&oa); poisk_buf_free(&ob);
    poisk_buf_free(&enc);
}

/* Section-local ids: the list stores local ids 0..n-1, the cursor reports map[local]
 * everywhere (next, advance, skip entries); a stored id past the map is corrupt. */
Test(codec, doc_map_reports_global_ids)
{
    uint32_t n = 1000;
    list_t l = make_list(n, 3, 5);
    uint32_t nmap = l.docs[n - 1] + 1;
    uint32_t *map = malloc(nmap * sizeof *map);
    for (uint32_t i = 0; i < nmap; i++)
        map[i] = 7 + 3 * i + (i % 5 == 0);           /* increasing, gaps of 3..4 */
    poisk_buf post = { 0 }, pos = { 0 };
    encode(&l, &post, &pos, 1);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    poisk_plist_set_docmap(&c, map, nmap);
    cr_assert_eq(poisk_plist_open(&c, post.data, post.len, n), 0);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(c.doc, map[l.docs[i]]);
        cr_assert_eq(poisk_plist_tf(&c), l.tfs[i]);
        cr_assert_eq(poisk_plist_next(&c), 0);
    }
    cr_assert_eq(c.doc, POISK_PLIST_END);
    /* advance and block-max on global ids, lazily opened */
    cr_assert_eq(poisk_plist_open_lazy(&c, post.data, post.len, n), 0);
    uint32_t target = map[l.docs[700]] - 1;
    cr_assert_eq(poisk_plist_shallow_advance(&c, target), 0);
    cr_assert_geq(poisk_plist_block_last_doc(&c), target);
    cr_assert_eq(poisk_plist_advance(&c, target), 0);
    cr_assert_eq(c.doc, map[l.docs[700]]);
    /* a map shorter than the stored ids: the list is corrupt, not read past the map */
    poisk_plist_set_docmap(&c, map, l.docs[127]);    /* block 0 ends at local docs[127] */
    cr_assert_neq(poisk_plist_open(&c, post.data, post.len, n), 0);
    poisk_plist_free(&c);
    poisk_buf_free(&post);
    poisk_buf_free(&pos);
    free(map);
    free_list(&l);
}

/* Marked (exact-form) lists, format v4: elided postings have no positions stored, the
 * reader says so (1) for exactly those, and the others decode right, whether the cursor
 * reads every posting's positions or skips some, across block boundaries; one block and
 * many; damaged marked lists fail cleanly. */
static void marked_round_trip(uint32_t n, int every)
{
    poisk_buf pos = { 0 }, post = { 0 };
    poisk_plist_writer w = { 0 };
    poisk_plist_writer_begin_marked(&w, &pos);
    uint32_t *docs = malloc(n * sizeof *docs), *tfs = malloc(n * sizeof *tfs);
    uint8_t *el = malloc(n);
    uint32_t doc = 0, p[8];
    srand(11 + n);
    for (uint32_t i = 0; i < n; i++) {
        doc += 1 + (uint32_t)(rand() % 9);
        docs[i] = doc;
        tfs[i] = 1 + (uint32_t)(rand() % 4);
        el[i] = rand() % 3 != 0;
        for (uint32_t k = 0; k < tfs[i]; k++)
            p[k] = doc % 50 + 3 * k;
        if (el[i])
            poisk_plist_writer_add_elided(&w, doc, tfs[i], 100);
        else
            poisk_plist_writer_add(&w, doc, tfs[i], p, 100);
    }
    poisk_plist_writer_finish(&w, &post);
    cr_assert_not(w.failed);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    poisk_plist_set_marked(&c, 1);
    cr_assert_eq(poisk_plist_open(&c, post.data, post.len, n), 0);
    poisk_plist_set_positions(&c, pos.data, pos.len);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(c.doc, docs[i]);
        if (i % (uint32_t)every == 0) {
            const uint32_t *pp;
            uint32_t np;
            int r = poisk_plist_positions(&c, &pp, &np);
            cr_assert_eq(r, el[i] ? 1 : 0, "posting %u of %u", i, n);
            if (!el[i]) {
                cr_assert_eq(np, tfs[i]);
                for (uint32_t k = 0; k < np; k++)
                    cr_assert_eq(pp[k], docs[i] % 50 + 3 * k);
            }
        }
        cr_assert_eq(poisk_plist_next(&c), 0);
    }
    cr_assert_eq(c.doc, POISK_PLIST_END);
    /* damage: never out of bounds */
    uint8_t *copy = malloc(pos.len + 1);
    for (int t = 0; t < 500; t++) {
        memcpy(copy, pos.data, pos.len);
        size_t len = t % 2 ? (size_t)rand() % (pos.len + 1) : pos.len;
        if (pos.len && t % 2 == 0)
            copy[(size_t)rand() % pos.len] ^= (uint8_t)(1u << (rand() % 8));
        cr_assert_eq(poisk_plist_open(&c, post.data, post.len, n), 0);
        poisk_plist_set_positions(&c, copy, len);
        for (uint32_t i = 0; i < n && c.doc != POISK_PLIST_END; i++) {
            const uint32_t *pp;
            uint32_t np;
            (void)poisk_plist_positions(&c, &pp, &np);
            cr_assert_eq(poisk_plist_next(&c), 0);
        }
    }
    free(copy);
    poisk_plist_free(&c);
    poisk_plist_writer_free(&w);
    poisk_buf_free(&pos);
    poisk_buf_free(&post);
    free(docs);
    free(tfs);
    free(el);
}

Test(codec, marked_lists_elide_positions)
{
    for (int every = 1; every <= 3; every++) {
        marked_round_trip(1, every);
        marked_round_trip(77, every);
        marked_round_trip(128, every);
        marked_round_trip(1000, every);
    }
}

/* A full block's tfs take the all-ones shortcut (bits 0), the general unpack, and the
 * 32-bit width, where a stored tf-1 of 2^32-1 would wrap to tf 0 and must be refused. */
Test(codec, tf_widths_decode_and_32_bit_wrap_fails)
{
    uint32_t big[] = { 1, 2, UINT32_MAX };
    for (size_t v = 0; v < sizeof big / sizeof big[0]; v++) {
        list_t l = make_list(128, 5, 1);
        l.tfs[5] = big[v];
        poisk_buf post = { 0 }, pos = { 0 };
        encode(&l, &post, &pos, 0);
        poisk_plist c;
        memset(&c, 0, sizeof c);
        cr_assert_eq(poisk_plist_open(&c, post.data, post.len, 128), 0);
        for (uint32_t i = 0; i < 128; i++) {
            cr_assert_eq(c.doc, l.docs[i]);
            cr_assert_eq(poisk_plist_tf(&c), l.tfs[i], "tf %u at %u", poisk_plist_tf(&c), i);
            cr_assert_eq(poisk_plist_next(&c), 0);
        }
        if (big[v] == UINT32_MAX) {     /* tf-1 of posting 5: 0xfffffffe -> 0xffffffff */
            const uint8_t *p = post.data;
            uint64_t skip;
            cr_assert_eq(poisk_varint_decode(&p, post.data + post.len, &skip), 0);
            uint8_t *blk = post.data + (p - post.data) + skip;
            cr_assert_eq(blk[1], 32);
            size_t ids = blk[0] == POISK_BLOCK_BITMAP     /* dense ids: a bit set (v7) */
                             ? poisk_block_bitmap_bytes(0, l.docs[127]) : 16u * blk[0];
            uint8_t *w = blk + 2 + ids + 4 * 5;
            cr_assert_eq(poisk_load_u32(w), 0xfffffffeu);
            w[0] = 0xff;
            cr_assert_eq(poisk_plist_open(&c, post.data, post.len, 128), -1);
        }
        poisk_plist_free(&c);
        free_encoded(&l, &post, &pos);
    }
}

/* ---- the coarse skip level (version 5, docs/FORMAT.md §6.2) ----------------------------- */

/* Where a grouped list's group table is: [*gb, *ge) of post. */
static void group_table(const poisk_buf *post, size_t *gb, size_t *ge)
{
    const uint8_t *p = post->data, *end = p + post->len;
    uint64_t skip_bytes, group_bytes;
    cr_assert_eq(poisk_varint_decode(&p, end, &skip_bytes), 0);
    cr_assert_eq(poisk_varint_decode(&p, end, &group_bytes), 0);
    *gb = (size_t)(p - post->data);
    *ge = *gb + (size_t)group_bytes;
}

/* The first posting >= target and the group holding its block, from the list itself. */
static void expect_group(const list_t *l, uint32_t target, uint32_t *last, uint32_t *mtf,
                         uint32_t *mdl)
{
    uint32_t b = 0;
    while (b < l->n && l->docs[b] < target)
        b++;
    *last = POISK_PLIST_END;
    if (b == l->n)
        return;
    uint32_t span = POISK_SKIP_GROUP * POISK_BLOCK_SIZE, lo = b / span * span;
    uint32_t hi = lo + span > l->n ? l->n : lo + span;
    *mtf = 0;
    *mdl = UINT32_MAX;
    for (uint32_t j = lo; j < hi; j++) {
        if (l->tfs[j] > *mtf) *mtf = l->tfs[j];
        if (l->dls[j] < *mdl) *mdl = l->dls[j];
    }
    *last = l->docs[hi - 1];
}

Test(codec, groups_bound_their_blocks_and_skip_far_targets)
{
    uint32_t n = 20000;                        /* 157 blocks: 10 groups */
    poisk_buf post, pos;
    list_t l = encoded_list(n, 20, 30, 1, &post, &pos);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    for (int t = 0; t < 60; t++) {
        int lazy = t % 2;
        cr_assert_eq((lazy ? poisk_plist_open_lazy : poisk_plist_open)(&c, post.data, post.len, n), 0);
        cr_assert_eq(c.ngroups, 10);
        cr_assert_eq(poisk_plist_check_groups(&c), 0);
        poisk_plist_set_positions(&c, pos.data, pos.len);
        uint32_t target = 0, i = 0;
        uint64_t k = 0;
        while (c.doc != POISK_PLIST_END) {
            target += 1 + (uint32_t)(rnd() % (t % 3 ? 60000 : 3000));
            uint32_t r = (uint32_t)(rnd() % 4);
            if (r & 1) {
                uint32_t gl, el, et = 0, ed = 0;
                const poisk_impacts *gi;
                cr_assert_eq(poisk_plist_shallow_group(&c, target, UINT32_MAX, &gl, &gi), 0);
                expect_group(&l, target, &el, &et, &ed);
                cr_assert_eq(gl, el, "target %u", target);
                if (el != POISK_PLIST_END) {  /* the frontier's ends: largest tf, shortest length */
                    cr_assert_eq(gi->tf[gi->n - 1], et);
                    cr_assert_eq(gi->dl[0], ed);
                }
            }
            if (r & 2) {
                cr_assert_eq(poisk_plist_shallow_advance(&c, target), 0);
                uint32_t b = 0;
                while (b < n && l.docs[b] < target)
                    b++;
                uint32_t hi = (b / 128 + 1) * 128;
                cr_assert_eq(poisk_plist_block_last_doc(&c),
                             b == n ? POISK_PLIST_END : l.docs[hi > n ? n - 1 : hi - 1]);
            }
            cr_assert_eq(poisk_plist_advance(&c, target), 0);
            while (i < n && l.docs[i] < target)
                k += l.tfs[i++];
            cr_assert_eq(c.doc, i < n ? l.docs[i] : POISK_PLIST_END, "target %u", target);
            if (i < n) {
                const uint32_t *pp;
                uint32_t np;
                cr_assert_eq(poisk_plist_positions(&c, &pp, &np), 0);
                cr_assert_eq(np, l.tfs[i]);
                cr_assert_eq(memcmp(pp, l.pos + k, np * 4), 0);
                if (rnd() % 2) {               /* and on from there one by one */
                    cr_assert_eq(poisk_plist_next(&c), 0);
                    k += l.tfs[i++];
                    cr_assert_eq(c.doc, i < n ? l.docs[i] : POISK_PLIST_END);
                    target = c.doc == POISK_PLIST_END ? target : c.doc;
                }
            }
        }
    }
    /* a list of exactly 16 blocks has no table, one of 17 has two groups */
    for (uint32_t m = 16 * 128 - 1; m <= 16 * 128 + 1; m++) {
        list_t s = make_list(m, 5, 3);
        poisk_buf sp = { 0 }, spos = { 0 };
        encode(&s, &sp, &spos, 0);
        cr_assert_eq(poisk_plist_open(&c, sp.data, sp.len, m), 0);
        cr_assert_eq(c.ngroups, m > 16 * 128 ? 2u : 0u);
        cr_assert_eq(poisk_plist_check_groups(&c), 0);
        cr_assert_eq(poisk_plist_advance(&c, s.docs[m - 1]), 0);
        cr_assert_eq(c.doc, s.docs[m - 1]);
        poisk_buf_free(&sp);
        poisk_buf_free(&spos);
        free_list(&s);
    }
    poisk_plist_free(&c);
    free_encoded(&l, &post, &pos);
}

/* Re-encode a grouped list with value f of record r changed by d (0 last delta, 1-3 sizes,
 * 4 first tf and pair count, 5 first length, then the pairs' deltas). */
static void regroup(const poisk_buf *post, uint32_t ngroups, uint32_t r, int f, int64_t d,
                    poisk_buf *out)
{
    size_t gb, ge;
    group_table(post, &gb, &ge);
    const uint8_t *p = post->data + gb;
    poisk_buf t = { 0 };
    for (uint32_t g = 0; g < ngroups; g++) {
        int nv = 6;
        for (int k = 0; k < nv; k++) {
            uint64_t v;
            cr_assert_eq(poisk_varint_decode(&p, post->data + ge, &v), 0);
            if (k == 4)
                nv += 2 * (int)(v & 7);
            poisk_buf_put_varint(&t, g == r && k == f ? (uint64_t)((int64_t)v + d) : v);
        }
    }
    cr_assert_eq(p, post->data + ge);
    const uint8_t *q = post->data, *end = q + post->len;
    uint64_t skip_bytes;
    cr_assert_eq(poisk_varint_decode(&q, end, &skip_bytes), 0);
    size_t entries = (size_t)(q - post->data) + (size_t)skip_bytes - ge;
    uint8_t v[10];
    size_t vn = poisk_varint_encode(v, t.len);
    out->len = 0;
    poisk_buf_put_varint(out, vn + t.len + entries);
    poisk_buf_put(out, v, vn);
    poisk_buf_put(out, t.data, t.len);
    poisk_buf_put(out, post->data + ge, post->len - ge);
    poisk_buf_free(&t);
}

Test(codec, check_groups_catches_records_that_disagree)
{
    uint32_t n = 6000;                         /* 47 blocks: 3 groups */
    list_t l = make_list(n, 20, 30);
    poisk_buf post = { 0 }, pos = { 0 }, bad = { 0 };
    encode(&l, &post, &pos, 0);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    regroup(&post, 3, 9, 0, 0, &bad);          /* unchanged: the same bytes */
    cr_assert_eq(bad.len, post.len);
    cr_assert_eq(memcmp(bad.data, post.data, post.len), 0);
    /* a tighter bound than the blocks', or any size or last doc off by one, is caught;
     * a looser bound is still a bound */
    struct { uint32_t r; int f; int64_t d; int ok; } cases[] = {
        { 1, 4, -8, 0 }, { 1, 5, 1, 0 }, { 0, 0, 1, 0 }, { 2, 0, -1, 0 }, { 1, 1, 1, 0 },
        { 0, 2, -1, 0 }, { 1, 3, 1, 0 }, { 2, 3, -1, 0 }, { 1, 4, 8, 1 }, { 1, 5, -1, 1 },
        { 0, 4, 16, 1 }, { 2, 5, 1, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        regroup(&post, 3, cases[i].r, cases[i].f, cases[i].d, &bad);
        int rc = poisk_plist_open(&c, bad.data, bad.len, n);
        if (rc == 0)
            rc = poisk_plist_check_groups(&c);
        cr_assert_eq(rc == 0, cases[i].ok, "case %zu", i);
    }
    poisk_plist_free(&c);
    poisk_buf_free(&bad);
    free_encoded(&l, &post, &pos);
}

Test(codec, damaged_group_records_fail_cleanly)
{
    uint32_t n = 9000;
    poisk_buf post, pos;
    list_t l = encoded_list(n, 30, 10, 1, &post, &pos);
    size_t gb, ge;
    group_table(&post, &gb, &ge);
    uint8_t *copy = malloc(post.len);
    poisk_plist c;
    memset(&c, 0, sizeof c);
    for (int t = 0; t < 4000; t++) {
        memcpy(copy, post.data, post.len);
        size_t at = t % 5 == 0 ? rnd() % ge : gb + rnd() % (ge - gb);   /* mostly the table */
        if (t % 7 == 0)
            copy[at] = (uint8_t)rnd();
        else
            copy[at] ^= (uint8_t)(1u << (rnd() % 8));
        /* whatever the reader makes of it: no read outside the copy (ASan), no hang */
        if (poisk_plist_open_lazy(&c, copy, post.len, n) != 0)
            continue;
        (void)poisk_plist_check_groups(&c);
        poisk_plist_set_positions(&c, pos.data, pos.len);
        uint32_t target = 0;
        for (int guard = 0; c.doc != POISK_PLIST_END && guard < 200; guard++) {
            target += 1 + (uint32_t)(rnd() % 20000);
            uint32_t gl;
            const poisk_impacts *gi;
            if (poisk_plist_shallow_group(&c, target, UINT32_MAX, &gl, &gi)
                || poisk_plist_shallow_advance(&c, target) || poisk_plist_advance(&c, target))
                break;
            const uint32_t *pp;
            uint32_t np;
            if (c.doc != POISK_PLIST_END)
                (void)poisk_plist_positions(&c, &pp, &np);
        }
    }
    poisk_plist_free(&c);
    free(copy);
    free_encoded(&l, &post, &pos);
}

/* The SSE2 unpackers (widths 1, 2, 4, 8: byte fields re-interleaved; the rest below 32:
 * one lane per 32-value group, transposed back): every value at every position, from an
 * unaligned buffer, against the format's definition, an LSB-first bit stream. */
Test(codec, simd_widths_match_bit_stream)
{
    for (unsigned b = 1; b < 32; b++) {
        const uint32_t mask = (1u << b) - 1;
        for (int round = 0; round < 100; round++) {
            uint32_t in[128], out[128];
            for (int i = 0; i < 128; i++)
                in[i] = (uint32_t)rnd() & mask;
            if (round == 0)
                for (int i = 0; i < 128; i++)
                    in[i] = (uint32_t)i & mask;
            if (round == 1)
                for (int i = 0; i < 128; i++)
                    in[i] = mask;
            uint8_t buf[16 * 32 + 8];
            uint8_t *packed = buf + 1;          /* unaligned on purpose */
            poisk_codec_pack128(in, b, packed);
            for (unsigned i = 0; i < 128; i++) {
                unsigned bit = i * b;
                uint64_t w = 0;
                for (unsigned k = 0; k < 5 && bit / 8 + k < 16 * b; k++)
                    w |= (uint64_t)packed[bit / 8 + k] << (8 * k);
                cr_assert_eq((uint32_t)(w >> (bit % 8)) & mask, in[i], "width %u value %u", b, i);
            }
            memset(out, 0xaa, sizeof out);
            poisk_codec_unpack128(packed, b, out);
            cr_assert_eq(memcmp(in, out, sizeof in), 0, "width %u round %d", b, round);
        }
    }
}

/* ---- bitmap blocks (version 7, docs/FORMAT.md §6.3) ------------------------------------- */

/* The number of bitmap blocks of an encoded list (full blocks whose first byte says so). */
static uint32_t bitmap_blocks(const poisk_buf *post, uint32_t n)
{
    poisk_plist c;
    memset(&c, 0, sizeof c);
    cr_assert_eq(poisk_plist_open_lazy(&c, post->data, post->len, n), 0);
    uint32_t k = 0;
    for (poisk_skip_pos sp = c.shallow; ; ) {
        if ((sp.idx + 1 < c.nblocks || n % POISK_BLOCK_SIZE == 0)
            && c.blocks[sp.blk_off] == POISK_BLOCK_BITMAP)
            k++;
        if (sp.idx + 1 >= c.nblocks || poisk_plist_shallow_advance(&c, sp.last + 1))
            break;
        sp = c.shallow;
    }
    poisk_plist_free(&c);
    return k;
}

/* Random lists from dense (every id) to sparse round-trip, bitmap blocks or not. */
Test(codec, bitmap_blocks_round_trip)
{
    static const uint32_t gaps[] = { 1, 2, 3, 5, 8, 40, 1000 };
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++)
        for (uint32_t n = 127; n <= 1300; n += 391) {
            check_roundtrip(n, gaps[g], 9, 1);
            check_roundtrip(128 * (n / 128), gaps[g], 40, 0);
        }
    poisk_buf post, pos;
    list_t l = encoded_list(1024, 2, 3, 0, &post, &pos);
    cr_assert_eq(bitmap_blocks(&post, 1024), 8, "every block of a dense list is a bit set");
    free_encoded(&l, &post, &pos);
    l = encoded_list(1024, 1000, 3, 0, &post, &pos);
    cr_assert_eq(bitmap_blocks(&post, 1024), 0, "no block of a sparse list is");
    free_encoded(&l, &post, &pos);
}

/* probe() finds what advance() finds, leaves bitmap blocks pending with the right tf, and
 * next()/advance()/positions after a probe go on exactly. */
Test(codec, probe_matches_advance_across_bitmap_blocks)
{
    for (int round = 0; round < 40; round++) {
        uint32_t n = 200 + (uint32_t)(rnd() % 3000), max_gap = 1 + (uint32_t)(rnd() % 6);
        poisk_buf post, pos;
        list_t l = encoded_list(n, max_gap, 30, 1, &post, &pos);
        poisk_plist a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        cr_assert_eq(poisk_plist_open_lazy(&a, post.data, post.len, n), 0);
        cr_assert_eq(poisk_plist_open_lazy(&b, post.data, post.len, n), 0);
        poisk_plist_set_positions(&b, pos.data, pos.len);
        uint32_t target = 0, pending = 0;
        while (a.doc != POISK_PLIST_END) {
            target += 1 + (uint32_t)(rnd() % (rnd() % 4 == 0 ? 400 : 6));
            cr_assert_eq(poisk_plist_advance(&a, target), 0);
            cr_assert_eq(poisk_plist_probe(&b, target), 0);
            cr_assert_eq(b.doc, a.doc, "probe %u: %u, advance %u", target, b.doc, a.doc);
            if (a.doc == POISK_PLIST_END)
                break;
            cr_assert_eq(poisk_plist_tf(&b), poisk_plist_tf(&a), "tf at %u", a.doc);
            pending += b.pend;
            if (rnd() % 8 == 0) {           /* leave the probe: next() or positions */
                const uint32_t *p;
                uint32_t np;
                if (rnd() % 2)
                    cr_assert_eq(poisk_plist_positions(&b, &p, &np), 0);
                cr_assert_eq(poisk_plist_next(&a), 0);
                cr_assert_eq(poisk_plist_next(&b), 0);
                cr_assert_eq(b.doc, a.doc);
                target = a.doc == POISK_PLIST_END ? target : a.doc;
            }
        }
        cr_assert(max_gap > 3 || pending > 0, "some probes stayed in a bit set");
        poisk_plist_free(&a);
        poisk_plist_free(&b);
        free_encoded(&l, &post, &pos);
    }
}

/* A bit set's tf by rank (the evaluator scans the view in place) equals the decoded tf. */
Test(codec, bitmap_view_tf_by_rank)
{
    poisk_buf post, pos;
    list_t l = encoded_list(128 * 6, 2, 1000, 0, &post, &pos);   /* gaps <= 2: bit sets */
    poisk_plist c;
    memset(&c, 0, sizeof c);
    cr_assert_eq(poisk_plist_open_lazy(&c, post.data, post.len, l.n), 0);
    for (uint32_t i = 0; i < l.n; i++) {
        cr_assert_eq(poisk_plist_probe(&c, l.docs[i]), 0);
        cr_assert(c.pend, "posting %u: a dense block stays a bit set", i);
        cr_assert_eq(c.doc, l.docs[i]);
        cr_assert_eq(poisk_bitmap_tf(&c.bmv, l.docs[i]), l.tfs[i], "tf of posting %u", i);
        if (i + 1 < l.n && l.docs[i + 1] <= c.bmv.last)
            cr_assert_eq(poisk_bitmap_next_geq(&c.bmv, l.docs[i] + 1), l.docs[i + 1]);
    }
    poisk_plist_free(&c);
    free_encoded(&l, &post, &pos);
}

/* Damaged bitmap blocks (a bit cleared or added, the last id's bit gone, a truncated set)
 * are refused by decode and probe, never read out of range. */
Test(codec, damaged_bitmap_blocks_refused)
{
    poisk_buf post, pos;
    list_t l = encoded_list(256, 2, 5, 0, &post, &pos);
    const uint8_t *p = post.data;
    uint64_t skip;
    cr_assert_eq(poisk_varint_decode(&p, post.data + post.len, &skip), 0);
    size_t blk = (size_t)(p - post.data) + skip;     /* the first block */
    cr_assert_eq(post.data[blk], POISK_BLOCK_BITMAP);
    uint32_t last = l.docs[127];
    size_t bytes = poisk_block_bitmap_bytes(0, last);
    for (int kind = 0; kind < 5; kind++) {
        uint8_t *bad = malloc(post.len);
        memcpy(bad, post.data, post.len);
        size_t len = post.len;
        uint8_t *bm = bad + blk + 2;
        switch (kind) {
        case 0: bm[l.docs[3] / 8] &= (uint8_t)~(1u << (l.docs[3] % 8)); break;   /* 127 ids */
        case 1: bm[0] |= 0xff; bm[1] |= 0xff; bm[2] |= 0xff; break;              /* too many */
        case 2: bm[last / 8] &= (uint8_t)~(1u << (last % 8)); break;             /* no last id */
        case 3: bm[bytes - 1] |= 0x80; break;                                    /* past last */
        default: len = blk + 2 + bytes / 2; break;                               /* truncated */
        }
        poisk_plist c;
        memset(&c, 0, sizeof c);
        int rc = poisk_plist_open(&c, bad, len, l.n);
        if (kind != 1 || bm[0] != 0xff || rc == 0)   /* a filled byte may hold ids already */
            cr_assert_eq(rc, -1, "damage %d decoded", kind);
        memset(&c, 0, sizeof c);
        int failed = poisk_plist_open_lazy(&c, bad, len, l.n) != 0;
        for (uint32_t t = 1; !failed && c.doc != POISK_PLIST_END && t < 2 * last; t += 3) {
            failed = poisk_plist_probe(&c, t) != 0;
            if (!failed)
                (void)poisk_plist_tf(&c);
        }
        if (kind >= 2)
            cr_assert(failed, "damage %d probed", kind);
        poisk_plist_free(&c);
        free(bad);
    }
    free_encoded(&l, &post, &pos);
}
