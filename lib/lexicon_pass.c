/*
 * lexicon_pass.c: the lexicon's first-pass count table (see lexicon_pass.h).  It runs every
 * input text through the analyzer's tokenizer (its first-pass entry, which reads the usual
 * word straight from the text) and counts each letter piece in a compact table of its own;
 * lexicon.c's freeze then builds its lookup table (XXH3-keyed, with room for the freeze's
 * marks and stems) from these counts, through poisk_lexpass_each(), and frees this one.
 */
#include "lexicon_pass.h"
#include "analyzer_scan.h"
#include "lexicon_mem.h"
#include "poisk/poisk.h"

#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL   /* short keys: an inlined hash is cheaper */
#include <xxhash.h>

#define LEX_RING 32          /* pieces in flight in the first pass (a power of 2) */
#define LEX_FORM_AHEAD 8     /* pieces between prefetching a slot and the form it holds */
#define LEX_COUNT_AHEAD 16   /* pieces between prefetching a slot and counting there */

/* A form's first 32 bytes, zero past its length (pass_key_of()). */
#ifdef __SSE2__
#include <emmintrin.h>
typedef struct { __m128i lo, hi; } pass_key;
#else
typedef struct { uint64_t w[4]; } pass_key;
#endif

/* The count table's slot (below): 16 bytes. */
typedef struct {
    uint32_t tag;             /* pass_tag() of the form's pass_hash(); 0 = empty */
    uint32_t off;             /* its record in the pass arena */
    uint32_t count, caps;     /* as in poisk_lexicon_entry */
} pass_slot;

struct poisk_lexpass {
    poisk_scanner scan;       /* the tokenizer */
    /* the pieces in flight: each piece's slot is prefetched when it is read, its form
     * LEX_FORM_AHEAD pieces later, and it is counted LEX_COUNT_AHEAD pieces later, so the
     * table's cache misses overlap with scanning */
    poisk_piece batch[LEX_RING];
    pass_key batch_key[LEX_RING];  /* their pass keys and tags */
    uint32_t batch_tag[LEX_RING];
    pass_slot *pass;
    size_t npass, used;
    char *pass_arena;         /* per form: a length byte, the form; PASS_SLACK bytes after */
    size_t pass_len, pass_cap;
};

int poisk_lexpass_create(poisk_lexpass **out)
{
    *out = NULL;
    poisk_lexpass *lp = calloc(1, sizeof *lp);
    if (!lp)
        return POISK_ENOMEM;
    lp->npass = 1u << 14;
    lp->pass = poisk_table_alloc(lp->npass * sizeof *lp->pass);
    lp->pass_cap = 1u << 18;
    lp->pass_arena = poisk_table_alloc(lp->pass_cap);
    if (!lp->pass || !lp->pass_arena) {
        poisk_lexpass_free(lp);
        return POISK_ENOMEM;
    }
    *out = lp;
    return POISK_OK;
}

void poisk_lexpass_free(poisk_lexpass *lp)
{
    if (!lp)
        return;
    poisk_table_free(lp->pass, lp->npass * sizeof *lp->pass);
    poisk_table_free(lp->pass_arena, lp->pass_cap);
    free(lp);
}

/* ---- The count table ----
 * Counting needs no XXH3 (the form cache's hash, which the lookups use) and no room for
 * the freeze's marks: its slots are 16 bytes (four to a cache line) and its hash of the
 * usual form (<= 32 bytes) is two masked 16-byte loads and two multiplies, no branch on
 * the length.  Each form is kept once in its own arena, a length byte and the bytes, in
 * the order of first sight; pass_settle() then builds the lookup table from them in that
 * order (the same arena as when the first pass counted in the lookup table itself). */

static const unsigned char pass_keep[64] = {   /* 32 x FF then 32 x 00: a length mask */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
};

#define PASS_SHORT 32         /* forms up to this long take the masked, branch-free path */
#define PASS_SLACK 32         /* readable bytes past the pass arena's last form */
_Static_assert(POISK_PIECE_MAX_BYTES <= 255, "a pass record's length is one byte");

/* A form's first PASS_SHORT bytes with those past its length zeroed: what the pass
 * hashes and compares when the form is no longer (SSE2: two registers). */
#ifdef __SSE2__
static inline pass_key pass_key_of(const char *f, size_t len)   /* 32 bytes readable at f */
{
    const __m128i *m = (const __m128i *)(const void *)(pass_keep + PASS_SHORT - len);
    pass_key k;
    k.lo = _mm_and_si128(_mm_loadu_si128((const __m128i *)(const void *)f), _mm_loadu_si128(m));
    k.hi = _mm_and_si128(_mm_loadu_si128((const __m128i *)(const void *)(f + 16)),
                         _mm_loadu_si128(m + 1));
    return k;
}

static inline void pass_key_words(const pass_key *k, uint64_t w[4])
{
    w[0] = (uint64_t)_mm_cvtsi128_si64(k->lo);
    w[1] = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(k->lo, k->lo));
    w[2] = (uint64_t)_mm_cvtsi128_si64(k->hi);
    w[3] = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(k->hi, k->hi));
}

static inline int pass_key_eq(const pass_key *a, const pass_key *b)
{
    __m128i x = _mm_or_si128(_mm_xor_si128(a->lo, b->lo), _mm_xor_si128(a->hi, b->hi));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128())) == 0xFFFF;
}
#else
static inline pass_key pass_key_of(const char *f, size_t len)
{
    pass_key k;
    uint64_t m[4];
    memcpy(k.w, f, 32);
    memcpy(m, pass_keep + PASS_SHORT - len, 32);
    for (int i = 0; i < 4; i++)
        k.w[i] &= m[i];
    return k;
}

static inline void pass_key_words(const pass_key *k, uint64_t w[4])
{
    memcpy(w, k->w, 32);
}

static inline int pass_key_eq(const pass_key *a, const pass_key *b)
{
    return !memcmp(a->w, b->w, 32);
}
#endif

static inline uint64_t pass_mix(uint64_t a, uint64_t b)
{
    __uint128_t m = (__uint128_t)a * b;
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

/* The pass's hash of the form f (k: its pass_key_of() when len <= PASS_SHORT). */
static inline uint64_t pass_hash(const char *f, size_t len, const pass_key *k)
{
    if (len > PASS_SHORT)
        return XXH3_64bits(f, len);
    uint64_t w[4];
    pass_key_words(k, w);
    return pass_mix(w[0] ^ 0xA0761D6478BD642Full, w[1] ^ 0xE7037ED1A0B428DBull ^ len)
           ^ pass_mix(w[2] ^ 0x8EBC6AF09C88C6E3ull, w[3] ^ 0x589965CC75374CC3ull);
}

static inline uint32_t pass_tag(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1;
}

static size_t pass_home(const void *e, size_t mask, void *ctx)
{
    (void)ctx;
    return (size_t)(((const pass_slot *)e)->tag >> 1) & mask;
}

/* Is the pass arena's record at rec (length byte, form) the form f of len bytes (k: as
 * for pass_hash())?  (PASS_SLACK bytes readable after rec's form) */
static inline int pass_same(const unsigned char *rec, const char *f, size_t len,
                            const pass_key *k)
{
    if (rec[0] != len)
        return 0;
    if (len > PASS_SHORT)
        return !memcmp(rec + 1, f, len);
    pass_key r = pass_key_of((const char *)rec + 1, len);
    return pass_key_eq(&r, k);
}

static inline pass_slot *pass_find(const poisk_lexpass *lp, const char *f, size_t len,
                                   const pass_key *k, uint32_t tag)
{
    size_t mask = lp->npass - 1;
    for (size_t i = (size_t)(tag >> 1) & mask;; i = (i + 1) & mask) {
        pass_slot *s = &lp->pass[i];
        if (!s->tag || (s->tag == tag
                        && pass_same((const unsigned char *)lp->pass_arena + s->off, f, len, k)))
            return s;
    }
}

/* Room for `forms` more forms of `bytes` arena bytes in all (length bytes included), the
 * slack after the last one too: the table doubled and the arena grown until they fit.
 * @return : POISK_OK or POISK_ENOMEM (what was grown stays grown; no count changes) */
static int pass_reserve(poisk_lexpass *lp, size_t forms, size_t bytes)
{
    while ((lp->used + forms) * 4 > lp->npass * 3) {
        pass_slot *t = poisk_table_double(lp->pass, lp->npass, sizeof *t, pass_home, NULL);
        if (!t)
            return POISK_ENOMEM;
        lp->pass = t;
        lp->npass *= 2;
    }
    size_t cap = lp->pass_cap;
    while (lp->pass_len + bytes + PASS_SLACK > cap)
        cap *= 2;
    if (cap != lp->pass_cap) {
        char *a = poisk_table_resize(lp->pass_arena, lp->pass_cap, lp->pass_len, cap);
        if (!a)
            return POISK_ENOMEM;
        lp->pass_arena = a;
        lp->pass_cap = cap;
    }
    return POISK_OK;
}

static int pass_new(poisk_lexpass *lp, pass_slot **sp, const char *f, size_t len,
                    const pass_key *k, uint32_t tag)
{
    size_t slots = lp->npass;
    if (pass_reserve(lp, 1, 1 + len) != POISK_OK)
        return POISK_ENOMEM;
    if (lp->npass != slots)             /* doubled: the form's empty slot moved */
        *sp = pass_find(lp, f, len, k, tag);
    if (lp->pass_len + 1 + len > UINT32_MAX)
        return POISK_ENOMEM;
    pass_slot *s = *sp;
    s->tag = tag;
    s->off = (uint32_t)lp->pass_len;
    lp->pass_arena[lp->pass_len] = (char)len;
    memcpy(lp->pass_arena + lp->pass_len + 1, f, len);
    memset(lp->pass_arena + lp->pass_len + 1 + len, 0, PASS_SLACK);
    lp->pass_len += 1 + len;
    lp->used++;
    return POISK_OK;
}

static inline uint32_t add_saturated(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Adds count occurrences of the form f, caps of them all-caps (k, tag: as for pass_find). */
static inline int pass_add(poisk_lexpass *lp, const char *f, size_t len, const pass_key *k,
                           uint32_t tag, uint32_t count, uint32_t caps)
{
    pass_slot *s = pass_find(lp, f, len, k, tag);
    if (!s->tag && pass_new(lp, &s, f, len, k, tag))
        return POISK_ENOMEM;
    s->count = add_saturated(s->count, count);
    s->caps = add_saturated(s->caps, caps);
    return POISK_OK;
}

static inline int pass_count(poisk_lexpass *lp, const poisk_piece *p, const pass_key *k,
                             uint32_t tag)
{
    return pass_add(lp, p->form, p->len, k, tag, 1, p->caps != 0);
}

/* Counts the piece at ring position c (read LEX_COUNT_AHEAD pieces ago). */
static inline int count_at(poisk_lexpass *lp, size_t c)
{
    return pass_count(lp, &lp->batch[c & (LEX_RING - 1)], &lp->batch_key[c & (LEX_RING - 1)],
                      lp->batch_tag[c & (LEX_RING - 1)]);
}

int poisk_lexpass_add_text(poisk_lexpass *lp, const char *text, size_t len)
{
    poisk_scanner_reset(&lp->scan, text, len);
    size_t w = 0, c = 0;                  /* pieces read (not digits), pieces counted */
    size_t mask = lp->npass - 1;
    /* one piece read, then (once LEX_COUNT_AHEAD are in flight) the oldest counted: one
     * test a piece for the ring's state instead of one per read and per count */
    for (;;) {
        poisk_piece *p = &lp->batch[w & (LEX_RING - 1)];
        if (!poisk_scanner_next_form(&lp->scan, p))
            break;
        if (p->digit)
            continue;
        pass_key *k = &lp->batch_key[w & (LEX_RING - 1)];
        *k = pass_key_of(p->form, p->len <= PASS_SHORT ? p->len : PASS_SHORT);
        uint32_t tag = pass_tag(pass_hash(p->form, p->len, k));
        lp->batch_tag[w & (LEX_RING - 1)] = tag;
        __builtin_prefetch(&lp->pass[(tag >> 1) & mask]);
        if (w >= LEX_FORM_AHEAD && w - LEX_FORM_AHEAD >= c) {   /* its slot has come */
            uint32_t tq = lp->batch_tag[(w - LEX_FORM_AHEAD) & (LEX_RING - 1)];
            const pass_slot *s = &lp->pass[(tq >> 1) & mask];
            if (s->tag == tq)
                __builtin_prefetch(lp->pass_arena + s->off);
        }
        w++;
        if (w - c == LEX_COUNT_AHEAD) {
            if (count_at(lp, c++))
                return POISK_ENOMEM;
            mask = lp->npass - 1;         /* the table may have grown */
        }
    }
    while (c < w)
        if (count_at(lp, c++))
            return POISK_ENOMEM;
    return POISK_OK;
}

/* pass_add() of one form of the merged table, for poisk_lexpass_each(). */
static int merge_one(void *ctx, const char *f, size_t len, uint32_t count, uint32_t caps)
{
    pass_key k = pass_key_of(f, len <= PASS_SHORT ? len : PASS_SHORT);
    return pass_add(ctx, f, len, &k, pass_tag(pass_hash(f, len, &k)), count, caps);
}

int poisk_lexpass_merge(poisk_lexpass *dst, const poisk_lexpass *src)
{
    /* room for all of src first: a merge either fails before any count or not at all */
    if (pass_reserve(dst, src->used, src->pass_len) != POISK_OK)
        return POISK_ENOMEM;
    return poisk_lexpass_each(src, merge_one, dst) ? POISK_ENOMEM : POISK_OK;
}

size_t poisk_lexpass_forms(const poisk_lexpass *lp)
{
    return lp->used;
}

size_t poisk_lexpass_form_bytes(const poisk_lexpass *lp)
{
    return lp->pass_len - lp->used;
}

/* In the arena's order, each form's counts from its slot. */
int poisk_lexpass_each(const poisk_lexpass *lp, poisk_lexpass_fn fn, void *ctx)
{
    for (size_t off = 0; off < lp->pass_len;) {
        const char *f = lp->pass_arena + off + 1;
        size_t len = (unsigned char)lp->pass_arena[off];
        pass_key k = pass_key_of(f, len <= PASS_SHORT ? len : PASS_SHORT);
        const pass_slot *s = pass_find(lp, f, len, &k, pass_tag(pass_hash(f, len, &k)));
        int rc = fn(ctx, f, len, s->count, s->caps);
        if (rc)
            return rc;
        off += 1 + len;
    }
    return 0;
}
