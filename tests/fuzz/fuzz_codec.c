/*
 * fuzz_codec.c: the postings codec (lib/codec.c, docs/FORMAT.md §6).
 *
 * Mode 0, round trip: the input becomes a posting list (doc gaps from 1 up to 2^31, tfs,
 * positions, passage lengths; 0..~4000 postings, so 127/128/129 boundaries and lists with
 * group records (more than 16 blocks, §6.2) are reached); it is encoded, decoded with
 * next(), advance(), shallow_advance() and shallow_group(), and everything must come back
 * exactly, including the block-max data (max tf, min length of the block and group).
 * Mode 1, damaged bytes: a valid encoding is built as in mode 0 and then bytes of it are
 * overwritten as the input says; mode 2: the input itself is the encoding.  In both the
 * decoder must never crash, read outside the given ranges or loop; it either returns an
 * error or increasing doc ids with tf >= 1 and increasing positions.
 */
#include "fuzz_common.h"
#include "codec.h"

#define FUZZ_MAX_POSTINGS 4200             /* > 16 blocks: lists with group records */
#define FUZZ_MAX_TF 12

typedef struct ref_list {
    uint32_t n;
    uint32_t doc[FUZZ_MAX_POSTINGS], tf[FUZZ_MAX_POSTINGS], dl[FUZZ_MAX_POSTINGS];
    uint32_t pos[FUZZ_MAX_POSTINGS][FUZZ_MAX_TF];
} ref_list;

/* Build a reference list from the input bytes. */
static void ref_build(fuzz_in *in, ref_list *r)
{
    unsigned shape = fuzz_u8(in);
    uint32_t n = fuzz_u8(in) | (uint32_t)(fuzz_u8(in) & 15) << 8;  /* 0..4095 */
    if (shape & 0x80)
        n = 127 + (shape & 3);                                      /* 127, 128, 129, 130 */
    if (n > FUZZ_MAX_POSTINGS)
        n = FUZZ_MAX_POSTINGS;
    uint64_t doc = 0;
    uint32_t i = 0;
    for (; i < n; i++) {
        unsigned b = fuzz_u8(in);
        uint64_t gap;
        switch (b >> 6) {
        case 0: gap = 1; break;
        case 1: gap = 1 + (b & 63); break;
        case 2: gap = 1 + (fuzz_u8(in) | (uint32_t)fuzz_u8(in) << 8); break;
        default: gap = 1 + (fuzz_u32(in) & 0x7FFFFFFFu); break;        /* up to 2^31 */
        }
        if (i == 0)
            gap -= 1;                                                   /* doc 0 allowed */
        if (doc + gap >= UINT32_MAX - 1)
            break;
        doc += gap;
        r->doc[i] = (uint32_t)doc;
        unsigned t = fuzz_u8(in);
        r->tf[i] = (t & 0xF0) ? 1 : 1 + t % FUZZ_MAX_TF;
        r->dl[i] = fuzz_u8(in) | (uint32_t)fuzz_u8(in) << 8;
        uint32_t p = fuzz_u8(in);
        for (uint32_t k = 0; k < r->tf[i]; k++) {
            r->pos[i][k] = p;
            p += 1 + (k & 1 ? fuzz_u8(in) : 0);
        }
    }
    r->n = i;
}

static void ref_encode(const ref_list *r, poisk_buf *post, poisk_buf *pos)
{
    poisk_plist_writer w;
    memset(&w, 0, sizeof w);
    poisk_plist_writer_begin(&w, pos);
    for (uint32_t i = 0; i < r->n; i++)
        poisk_plist_writer_add(&w, r->doc[i], r->tf[i], r->pos[i], r->dl[i]);
    poisk_plist_writer_finish(&w, post);
    FUZZ_CHECK(!w.failed);
    FUZZ_CHECK(w.df == r->n);
    poisk_plist_writer_free(&w);
}

/* Exact decode of an intact encoding. */
static void check_round_trip(const ref_list *r, const poisk_buf *post, const poisk_buf *pos,
                             fuzz_in *in)
{
    poisk_plist c;
    memset(&c, 0, sizeof c);
    FUZZ_CHECK(poisk_plist_open(&c, post->data, post->len, r->n) == 0);
    poisk_plist_set_positions(&c, pos->data, pos->len);
    for (uint32_t i = 0; i < r->n; i++) {
        FUZZ_CHECK(c.doc == r->doc[i]);
        FUZZ_CHECK(poisk_plist_tf(&c) == r->tf[i]);
        if (i % 3 == 0) {                      /* positions of some postings, skipping others */
            const uint32_t *p;
            uint32_t np;
            FUZZ_CHECK(poisk_plist_positions(&c, &p, &np) == 0);
            FUZZ_CHECK(np == r->tf[i] && memcmp(p, r->pos[i], np * sizeof *p) == 0);
        }
        FUZZ_CHECK(poisk_plist_next(&c) == 0);
    }
    FUZZ_CHECK(c.doc == POISK_PLIST_END);

    /* advance / shallow_advance against the reference: first doc >= target, and the
     * block-max data of the block holding it. */
    FUZZ_CHECK(poisk_plist_open(&c, post->data, post->len, r->n) == 0);
    FUZZ_CHECK(poisk_plist_check_groups(&c) == 0);
    poisk_plist_set_positions(&c, pos->data, pos->len);
    uint32_t target = 0, ri = 0;
    for (int step = 0; step < 64 && fuzz_left(in) >= 2; step++) {
        uint32_t jump = fuzz_u8(in);
        jump = jump < 200 ? jump : jump << (fuzz_u8(in) % 24);
        target = target + jump < target ? UINT32_MAX - 1 : target + jump;
        while (ri < r->n && r->doc[ri] < target)
            ri++;
        uint32_t gl;
        const poisk_impacts *gi;
        FUZZ_CHECK(poisk_plist_shallow_group(&c, target, UINT32_MAX, &gl, &gi) == 0);
        if (ri < r->n && r->n > POISK_SKIP_GROUP * POISK_BLOCK_SIZE) {
            uint32_t span = POISK_SKIP_GROUP * POISK_BLOCK_SIZE, lo = ri / span * span;
            uint32_t hi = lo + span < r->n ? lo + span : r->n, max_tf = 0, min_dl = UINT32_MAX;
            for (uint32_t k = lo; k < hi; k++) {
                max_tf = r->tf[k] > max_tf ? r->tf[k] : max_tf;
                min_dl = r->dl[k] < min_dl ? r->dl[k] : min_dl;
            }
            FUZZ_CHECK(gl == r->doc[hi - 1] && gi->tf[gi->n - 1] == max_tf && gi->dl[0] == min_dl);
        } else {
            FUZZ_CHECK(gl == POISK_PLIST_END);
        }
        FUZZ_CHECK(poisk_plist_shallow_advance(&c, target) == 0);
        if (ri < r->n) {
            uint32_t blk = ri / POISK_BLOCK_SIZE, lo = blk * POISK_BLOCK_SIZE;
            uint32_t hi = lo + POISK_BLOCK_SIZE < r->n ? lo + POISK_BLOCK_SIZE : r->n;
            uint32_t max_tf = 0, min_dl = UINT32_MAX;
            for (uint32_t k = lo; k < hi; k++) {
                max_tf = r->tf[k] > max_tf ? r->tf[k] : max_tf;
                min_dl = r->dl[k] < min_dl ? r->dl[k] : min_dl;
            }
            FUZZ_CHECK(poisk_plist_block_last_doc(&c) == r->doc[hi - 1]);
            FUZZ_CHECK(poisk_plist_block_max_tf(&c) == max_tf);
            FUZZ_CHECK(poisk_plist_block_min_dl(&c) == min_dl);
        } else {
            FUZZ_CHECK(poisk_plist_block_last_doc(&c) == POISK_PLIST_END);
        }
        if (fuzz_u8(in) & 1) {
            FUZZ_CHECK(poisk_plist_advance(&c, target) == 0);
            FUZZ_CHECK(c.doc == (ri < r->n ? r->doc[ri] : POISK_PLIST_END));
            if (ri < r->n) {
                FUZZ_CHECK(poisk_plist_tf(&c) == r->tf[ri]);
                const uint32_t *p;
                uint32_t np;
                FUZZ_CHECK(poisk_plist_positions(&c, &p, &np) == 0);
                FUZZ_CHECK(np == r->tf[ri] && memcmp(p, r->pos[ri], np * sizeof *p) == 0);
            }
        }
    }
    poisk_plist_free(&c);
}

/* Any bytes: only safety and monotonicity. */
static void check_damaged(const uint8_t *post, size_t post_len, const uint8_t *pos,
                          size_t pos_len, uint32_t df, fuzz_in *in)
{
    poisk_plist c;
    memset(&c, 0, sizeof c);
    if (poisk_plist_open(&c, post, post_len, df) == 0) {
        (void)poisk_plist_check_groups(&c);
        poisk_plist_set_positions(&c, pos, pos_len);
        uint64_t seen = 0;
        uint32_t prev = 0;
        int first = 1;
        while (c.doc != POISK_PLIST_END) {
            FUZZ_CHECK(first || c.doc > prev);
            FUZZ_CHECK(poisk_plist_tf(&c) >= 1);
            FUZZ_CHECK(++seen <= df);
            prev = c.doc;
            first = 0;
            unsigned op = fuzz_u8(in);
            const uint32_t *p;
            uint32_t np;
            if ((op & 3) == 1 && poisk_plist_positions(&c, &p, &np) == 0) {
                FUZZ_CHECK(np == poisk_plist_tf(&c));
                for (uint32_t k = 1; k < np; k++)
                    FUZZ_CHECK(p[k] > p[k - 1]);
            }
            int rc;
            uint64_t t64 = (uint64_t)c.doc + 1 + (op >> 4) * 100u;
            if ((op & 12) == 4 && t64 < POISK_PLIST_END) {
                uint32_t t = (uint32_t)t64;     /* (a wrapped target once fooled this check) */
                uint32_t gl;
                const poisk_impacts *gi;
                if (poisk_plist_shallow_group(&c, t, UINT32_MAX, &gl, &gi) != 0)
                    break;
                FUZZ_CHECK(gl >= t);
                if (poisk_plist_shallow_advance(&c, t) != 0)
                    break;
                FUZZ_CHECK(poisk_plist_block_last_doc(&c) >= t ||
                           poisk_plist_block_last_doc(&c) == POISK_PLIST_END);
                rc = poisk_plist_advance(&c, t);
                FUZZ_CHECK(rc != 0 || c.doc >= t);
            } else {
                rc = poisk_plist_next(&c);
            }
            if (rc != 0)
                break;
        }
    }
    poisk_plist_free(&c);
}

static int fuzz_codec(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, data + size };
    unsigned mode = fuzz_u8(&in) % 3;
    if (mode == 2) {
        uint32_t df = fuzz_u32(&in);
        size_t post_len = fuzz_left(&in) ? fuzz_u8(&in) * fuzz_left(&in) / 256 : 0;
        const uint8_t *post = in.p;
        in.p += post_len;
        /* Exact-size heap copies so ASan sees any read past either range. */
        uint8_t *pc = malloc(post_len + 1), *qc = malloc(fuzz_left(&in) + 1);
        memcpy(pc, post, post_len);
        size_t pos_len = fuzz_left(&in);
        memcpy(qc, in.p, pos_len);
        fuzz_in ops = { data, data + size };
        check_damaged(pc, post_len, qc, pos_len, df, &ops);
        free(pc);
        free(qc);
        return 0;
    }
    static ref_list r;
    memset(&r, 0, sizeof r);
    ref_build(&in, &r);
    poisk_buf post = { 0 }, pos = { 0 };
    ref_encode(&r, &post, &pos);
    if (mode == 0) {
        check_round_trip(&r, &post, &pos, &in);
    } else {
        /* Overwrite bytes of the encoding at input-chosen offsets, then decode. */
        unsigned n_flips = 1 + fuzz_u8(&in) % 8;
        for (unsigned k = 0; k < n_flips && post.len + pos.len > 0; k++) {
            uint32_t at = fuzz_u32(&in) % (post.len + pos.len);
            uint8_t v = (uint8_t)fuzz_u8(&in);
            if (at < post.len)
                post.data[at] ^= v ? v : 1;
            else
                pos.data[at - post.len] ^= v ? v : 1;
        }
        uint32_t df = r.n;
        if (fuzz_u8(&in) == 0x5A)
            df = fuzz_u32(&in);                /* a dictionary with a wrong df */
        check_damaged(post.data, post.len, pos.data, pos.len, df, &in);
    }
    poisk_buf_free(&post);
    poisk_buf_free(&pos);
    return 0;
}

POISK_FUZZ_ENTRY(fuzz_codec)
