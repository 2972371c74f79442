/*
 * codec.c: the postings codec (docs/FORMAT.md §6): varints, 128-value bit-packed blocks
 * and one term's postings, encoded by the index writer and decoded by the reader's
 * cursors.  The block unpackers are specialised per bit width so that every shift is a
 * constant: that is what makes scalar decoding run at over a billion integers a second;
 * every width below 32 uses SSE2 where the host has it.
 */
#include "codec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "poisk's codec assumes a little-endian host"
#endif

/* ---- buffer ----------------------------------------------------------------------------- */

int poisk_array_reserve(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : (first ? first : 1);
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    if (elem && c > SIZE_MAX / elem)
        return -1;
    void *n = realloc(*p, c * elem);
    if (!n)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

static size_t page_round(size_t n)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t m = page > 0 ? (size_t)page - 1 : 4095;
    return n > SIZE_MAX - m ? 0 : (n + m) & ~m;
}

int poisk_buf_map(poisk_buf *b, size_t n)
{
    size_t len = page_round(n ? n : 1);
    if (b->data || !len)
        return -1;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (m == MAP_FAILED)
        return -1;
    b->data = m;
    b->len = 0;
    b->cap = len;
    b->mapped = 1;
    return 0;
}

int poisk_buf_reserve(poisk_buf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (b->cap - b->len >= n)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n)
        cap *= 2;
    uint8_t *d;
    if (b->mapped) {                /* copied: its pages may be several mappings (moved in) */
        poisk_buf grown = { 0 };
        d = poisk_buf_map(&grown, cap) == 0 ? grown.data : NULL;
        if (d) {
            memcpy(d, b->data, b->len);
            munmap(b->data, b->cap);
            cap = grown.cap;
        }
    } else {
        d = realloc(b->data, cap);
    }
    if (!d) {
        b->failed = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void poisk_buf_put_u32(poisk_buf *b, uint32_t v)
{
    uint8_t t[4];
    poisk_store_u32(t, v);
    poisk_buf_put(b, t, 4);
}

void poisk_buf_put_u64(poisk_buf *b, uint64_t v)
{
    poisk_buf_put_u32(b, (uint32_t)v);
    poisk_buf_put_u32(b, (uint32_t)(v >> 32));
}

void poisk_buf_free(poisk_buf *b)
{
    if (b->mapped)
        munmap(b->data, b->cap);
    else
        free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- varints ---------------------------------------------------------------------------- */

int poisk_varint_decode_long(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (p >= end)
            return -1;
        uint8_t byte = *p++;
        if (shift == 63 && byte > 1)
            return -1;
        r |= (uint64_t)(byte & 0x7f) << shift;
        if (byte < 0x80) {
            *v = r;
            *pp = p;
            return 0;
        }
    }
    return -1;
}

/* ---- bit packing ------------------------------------------------------------------------ */

unsigned poisk_codec_bits(const uint32_t *v, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= v[i];
    return acc ? 32u - (unsigned)__builtin_clz(acc) : 0u;
}

/* 32 values of B bits into B consecutive words, the bit stream in order: a 64-bit
 * accumulator emits each 32-bit word once it is full (32 * B bits are B whole words, so
 * nothing is left at the end).  With B a constant and the loop unrolled, every shift and
 * store below is a constant: no chain of fill counts and no branch per value.  The bits
 * above B of a value, which the caller never has, would spill into the next value's. */
static inline __attribute__((always_inline))
void pack32(const uint32_t *in, uint8_t *out, const unsigned B)
{
    uint64_t acc = 0;
    unsigned fill = 0;
#pragma GCC unroll 32
    for (unsigned i = 0; i < 32; i++) {
        acc |= (uint64_t)in[i] << fill;
        fill += B;
        if (fill >= 32) {
            uint32_t w = (uint32_t)acc;
            memcpy(out, &w, 4);
            out += 4;
            acc >>= 32;
            fill -= 32;
        }
    }
}

#define PACK_FN(B) \
    static void pack128_##B(const uint32_t *in, uint8_t *out) \
    { \
        for (unsigned g = 0; g < POISK_BLOCK_SIZE / 32; g++) \
            pack32(in + 32 * g, out + 4 * (B) * g, (B)); \
    }
PACK_FN(1) PACK_FN(2) PACK_FN(3) PACK_FN(4) PACK_FN(5) PACK_FN(6) PACK_FN(7) PACK_FN(8)
PACK_FN(9) PACK_FN(10) PACK_FN(11) PACK_FN(12) PACK_FN(13) PACK_FN(14) PACK_FN(15)
PACK_FN(16) PACK_FN(17) PACK_FN(18) PACK_FN(19) PACK_FN(20) PACK_FN(21) PACK_FN(22)
PACK_FN(23) PACK_FN(24) PACK_FN(25) PACK_FN(26) PACK_FN(27) PACK_FN(28) PACK_FN(29)
PACK_FN(30) PACK_FN(31) PACK_FN(32)

static void pack128_0(const uint32_t *in, uint8_t *out)
{
    (void)in;
    (void)out;
}

static void (*const packers[33])(const uint32_t *, uint8_t *) = {
    pack128_0, pack128_1, pack128_2, pack128_3, pack128_4, pack128_5, pack128_6, pack128_7,
    pack128_8, pack128_9, pack128_10, pack128_11, pack128_12, pack128_13, pack128_14,
    pack128_15, pack128_16, pack128_17, pack128_18, pack128_19, pack128_20, pack128_21,
    pack128_22, pack128_23, pack128_24, pack128_25, pack128_26, pack128_27, pack128_28,
    pack128_29, pack128_30, pack128_31, pack128_32,
};

void poisk_codec_pack128(const uint32_t *in, unsigned b, uint8_t *out)
{
    packers[b > 32 ? 32 : b](in, out);
}

/* 32 values of B bits from B consecutive words: with B a constant and the loop unrolled,
 * every word index, shift and mask below is a constant. */
static inline __attribute__((always_inline))
void unpack32(const uint8_t *in, uint32_t *out, const unsigned B)
{
    const uint64_t mask = B == 32 ? 0xffffffffu : ((1u << B) - 1u);
#pragma GCC unroll 32
    for (unsigned i = 0; i < 32; i++) {
        const unsigned bit = i * B, w = bit >> 5, s = bit & 31;
        uint32_t lo;
        memcpy(&lo, in + 4 * w, 4);
        uint64_t v = (uint64_t)lo >> s;
        if (s + B > 32) {
            uint32_t hi;
            memcpy(&hi, in + 4 * (w + 1), 4);
            v |= (uint64_t)hi << (32 - s);
        }
        out[i] = (uint32_t)(v & mask);
    }
}

#define UNPACK_FN(B) \
    static void unpack128_##B(const uint8_t *in, uint32_t *out) \
    { \
        for (unsigned g = 0; g < 4; g++) \
            unpack32(in + 4u * (B) * g, out + 32 * g, (B)); \
    }
UNPACK_FN(32)

#if defined(__SSE2__)
#include <emmintrin.h>

/* Widths 1, 2, 4 and 8 with SSE2 (x86-64's baseline): a block is one LSB-first bit stream
 * (group g starts at bit 32 B g), so 16 input bytes hold 128 / B values whose bytes split
 * into B-bit fields with shifts and masks, interleave back into stream order with unpacks
 * and widen to 32 bits: about one instruction per value where the scalar unpacker needs
 * four.  These widths are most of the searcher's block decodes (tfs: 0-2 bits). */

/* 16 byte values to 16 uint32 at out. */
static inline __attribute__((always_inline)) void widen16(__m128i v, uint32_t *out)
{
    const __m128i z = _mm_setzero_si128();
    __m128i lo = _mm_unpacklo_epi8(v, z), hi = _mm_unpackhi_epi8(v, z);
    _mm_storeu_si128((__m128i *)out, _mm_unpacklo_epi16(lo, z));
    _mm_storeu_si128((__m128i *)(out + 4), _mm_unpackhi_epi16(lo, z));
    _mm_storeu_si128((__m128i *)(out + 8), _mm_unpacklo_epi16(hi, z));
    _mm_storeu_si128((__m128i *)(out + 12), _mm_unpackhi_epi16(hi, z));
}

static void unpack128_8(const uint8_t *in, uint32_t *out)
{
    for (unsigned k = 0; k < 8; k++)
        widen16(_mm_loadu_si128((const __m128i *)(in + 16 * k)), out + 16 * k);
}

static void unpack128_4(const uint8_t *in, uint32_t *out)
{
    const __m128i m = _mm_set1_epi8(0x0f);
    for (unsigned k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(in + 16 * k));
        __m128i a0 = _mm_and_si128(x, m), a1 = _mm_and_si128(_mm_srli_epi16(x, 4), m);
        widen16(_mm_unpacklo_epi8(a0, a1), out + 32 * k);
        widen16(_mm_unpackhi_epi8(a0, a1), out + 32 * k + 16);
    }
}

static void unpack128_2(const uint8_t *in, uint32_t *out)
{
    const __m128i m = _mm_set1_epi8(0x03);
    for (unsigned k = 0; k < 2; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(in + 16 * k));
        __m128i a0 = _mm_and_si128(x, m), a1 = _mm_and_si128(_mm_srli_epi16(x, 2), m);
        __m128i a2 = _mm_and_si128(_mm_srli_epi16(x, 4), m);
        __m128i a3 = _mm_and_si128(_mm_srli_epi16(x, 6), m);
        __m128i p01l = _mm_unpacklo_epi8(a0, a1), p01h = _mm_unpackhi_epi8(a0, a1);
        __m128i p23l = _mm_unpacklo_epi8(a2, a3), p23h = _mm_unpackhi_epi8(a2, a3);
        uint32_t *o = out + 64 * k;
        widen16(_mm_unpacklo_epi16(p01l, p23l), o);
        widen16(_mm_unpackhi_epi16(p01l, p23l), o + 16);
        widen16(_mm_unpacklo_epi16(p01h, p23h), o + 32);
        widen16(_mm_unpackhi_epi16(p01h, p23h), o + 48);
    }
}

static void unpack128_1(const uint8_t *in, uint32_t *out)
{
    const __m128i m = _mm_set1_epi8(0x01);
    __m128i x = _mm_loadu_si128((const __m128i *)in);
    __m128i a[8];
    for (int j = 0; j < 8; j++)
        a[j] = _mm_and_si128(_mm_srli_epi16(x, j), m);
    /* bits (0,1) (2,3) (4,5) (6,7) paired, then quads, then a byte's eight */
    __m128i b01l = _mm_unpacklo_epi8(a[0], a[1]), b01h = _mm_unpackhi_epi8(a[0], a[1]);
    __m128i b23l = _mm_unpacklo_epi8(a[2], a[3]), b23h = _mm_unpackhi_epi8(a[2], a[3]);
    __m128i b45l = _mm_unpacklo_epi8(a[4], a[5]), b45h = _mm_unpackhi_epi8(a[4], a[5]);
    __m128i b67l = _mm_unpacklo_epi8(a[6], a[7]), b67h = _mm_unpackhi_epi8(a[6], a[7]);
    __m128i q[4][2] = {
        { _mm_unpacklo_epi16(b01l, b23l), _mm_unpacklo_epi16(b45l, b67l) },   /* bytes 0-3 */
        { _mm_unpackhi_epi16(b01l, b23l), _mm_unpackhi_epi16(b45l, b67l) },   /* 4-7 */
        { _mm_unpacklo_epi16(b01h, b23h), _mm_unpacklo_epi16(b45h, b67h) },   /* 8-11 */
        { _mm_unpackhi_epi16(b01h, b23h), _mm_unpackhi_epi16(b45h, b67h) },   /* 12-15 */
    };
    for (int k = 0; k < 4; k++) {
        widen16(_mm_unpacklo_epi32(q[k][0], q[k][1]), out + 32 * k);
        widen16(_mm_unpackhi_epi32(q[k][0], q[k][1]), out + 32 * k + 16);
    }
}

/* Other widths: lane g of a vector is group g (32 values each), so the i-th values of the
 * four groups share one word index and one shift: each group's B words are gathered into
 * B vectors once, every i takes a constant shift (and the next word's bits), and 4x4
 * transposes put four values of each group back in order. */
static inline __attribute__((always_inline))
void unpack128_lanes(const uint8_t *in, uint32_t *out, const unsigned B)
{
    __m128i w[32];
    const __m128i mask = _mm_set1_epi32((int)((1u << B) - 1u));
    for (unsigned j = 0; j < B; j++) {
        uint32_t g0, g1, g2, g3;
        memcpy(&g0, in + 4 * j, 4);
        memcpy(&g1, in + 4 * (B + j), 4);
        memcpy(&g2, in + 4 * (2 * B + j), 4);
        memcpy(&g3, in + 4 * (3 * B + j), 4);
        w[j] = _mm_set_epi32((int)g3, (int)g2, (int)g1, (int)g0);
    }
#pragma GCC unroll 8
    for (unsigned i0 = 0; i0 < 32; i0 += 4) {
        __m128i v[4];
#pragma GCC unroll 4
        for (unsigned k = 0; k < 4; k++) {
            const unsigned bit = (i0 + k) * B, j = bit >> 5, sh = bit & 31;
            __m128i x = _mm_srli_epi32(w[j], (int)sh);
            if (sh + B > 32)
                x = _mm_or_si128(x, _mm_slli_epi32(w[j + 1], (int)(32 - sh)));
            v[k] = _mm_and_si128(x, mask);
        }
        /* v[k] = value i0+k of groups 0..3; transposed: row g = values i0..i0+3 of g */
        __m128i t0 = _mm_unpacklo_epi32(v[0], v[1]), t1 = _mm_unpacklo_epi32(v[2], v[3]);
        __m128i t2 = _mm_unpackhi_epi32(v[0], v[1]), t3 = _mm_unpackhi_epi32(v[2], v[3]);
        _mm_storeu_si128((__m128i *)(out + i0), _mm_unpacklo_epi64(t0, t1));
        _mm_storeu_si128((__m128i *)(out + 32 + i0), _mm_unpackhi_epi64(t0, t1));
        _mm_storeu_si128((__m128i *)(out + 64 + i0), _mm_unpacklo_epi64(t2, t3));
        _mm_storeu_si128((__m128i *)(out + 96 + i0), _mm_unpackhi_epi64(t2, t3));
    }
}

#define UNPACK_LANES(B) \
    static void unpack128_##B(const uint8_t *in, uint32_t *out) \
    { \
        unpack128_lanes(in, out, (B)); \
    }
UNPACK_LANES(3) UNPACK_LANES(5) UNPACK_LANES(6) UNPACK_LANES(7) UNPACK_LANES(9)
UNPACK_LANES(10) UNPACK_LANES(11) UNPACK_LANES(12) UNPACK_LANES(13) UNPACK_LANES(14)
UNPACK_LANES(15) UNPACK_LANES(16) UNPACK_LANES(17) UNPACK_LANES(18) UNPACK_LANES(19)
UNPACK_LANES(20) UNPACK_LANES(21) UNPACK_LANES(22) UNPACK_LANES(23) UNPACK_LANES(24)
UNPACK_LANES(25) UNPACK_LANES(26) UNPACK_LANES(27) UNPACK_LANES(28) UNPACK_LANES(29)
UNPACK_LANES(30) UNPACK_LANES(31)
#else
UNPACK_FN(1) UNPACK_FN(2) UNPACK_FN(4) UNPACK_FN(8)
UNPACK_FN(3) UNPACK_FN(5) UNPACK_FN(6) UNPACK_FN(7) UNPACK_FN(9)
UNPACK_FN(10) UNPACK_FN(11) UNPACK_FN(12) UNPACK_FN(13)
UNPACK_FN(14) UNPACK_FN(15) UNPACK_FN(16) UNPACK_FN(17) UNPACK_FN(18) UNPACK_FN(19)
UNPACK_FN(20) UNPACK_FN(21) UNPACK_FN(22) UNPACK_FN(23) UNPACK_FN(24) UNPACK_FN(25)
UNPACK_FN(26) UNPACK_FN(27) UNPACK_FN(28) UNPACK_FN(29) UNPACK_FN(30) UNPACK_FN(31)
#endif

static void unpack128_0(const uint8_t *in, uint32_t *out)
{
    (void)in;
    memset(out, 0, POISK_BLOCK_SIZE * sizeof *out);
}

static void (*const unpackers[33])(const uint8_t *, uint32_t *) = {
    unpack128_0, unpack128_1, unpack128_2, unpack128_3, unpack128_4, unpack128_5,
    unpack128_6, unpack128_7, unpack128_8, unpack128_9, unpack128_10, unpack128_11,
    unpack128_12, unpack128_13, unpack128_14, unpack128_15, unpack128_16, unpack128_17,
    unpack128_18, unpack128_19, unpack128_20, unpack128_21, unpack128_22, unpack128_23,
    unpack128_24, unpack128_25, unpack128_26, unpack128_27, unpack128_28, unpack128_29,
    unpack128_30, unpack128_31, unpack128_32,
};

void poisk_codec_unpack128(const uint8_t *in, unsigned b, uint32_t *out)
{
    unpackers[b > 32 ? 32 : b](in, out);
}

/* ---- encoder ---------------------------------------------------------------------------- */

void poisk_plist_writer_begin(poisk_plist_writer *w, poisk_buf *pos)
{
    w->n_entries = 0;
    w->skip.len = 0;
    w->groups.len = 0;
    w->blocks.len = 0;
    w->pos = pos;
    w->n = 0;
    w->prev_last = 0;
    w->last_doc = 0;
    w->block_pos_start = pos->len;
    w->df = 0;
    w->cf = 0;
    w->marked = 0;
    memset(w->elided, 0, sizeof w->elided);
}

void poisk_plist_writer_begin_marked(poisk_plist_writer *w, poisk_buf *pos)
{
    poisk_plist_writer_begin(w, pos);
    w->marked = 1;
}

/* ---- impacts (the competitive (tf, dl) pairs of a block) ------------------------------ */

static int cmp_pair_asc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Merge adjacent pairs of an ascending frontier until at most POISK_IMPACTS_MAX remain.
 * (tf[i+1], dl[i]) dominates both pairs it replaces, so the bound stays an upper bound; the
 * merge chosen raises the length bound least relative to the length (BM25's length norm is
 * about linear in dl), the first such on ties. */
static uint32_t impacts_cap(uint32_t *tf, uint32_t *dl, uint32_t n)
{
    while (n > POISK_IMPACTS_MAX) {
        uint32_t best = 0;
        for (uint32_t i = 1; i + 1 < n; i++) {
            /* (dl[i+1]-dl[i]) / dl[i+1]  <  (dl[best+1]-dl[best]) / dl[best+1] */
            uint64_t l = (uint64_t)(dl[i + 1] - dl[i]) * dl[best + 1];
            uint64_t r = (uint64_t)(dl[best + 1] - dl[best]) * dl[i + 1];
            if (l < r)
                best = i;
        }
        tf[best] = tf[best + 1];
        memmove(&tf[best + 1], &tf[best + 2], (n - best - 2) * sizeof *tf);
        memmove(&dl[best + 1], &dl[best + 2], (n - best - 2) * sizeof *dl);
        n--;
    }
    return n;
}

/* A block whose tfs are all at most this finds its frontier without a sort. */
#define IMPACTS_SMALL_TF 64

static inline uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* The largest of v[0..n): a full block's in four running maxima, not one chain of
 * compares; a small block's (most calls) in one. */
static uint32_t max_u32(const uint32_t *v, uint32_t n)
{
    uint32_t m[4] = { 0, 0, 0, 0 }, i = 0;
    if (n == POISK_BLOCK_SIZE)
        for (; i < POISK_BLOCK_SIZE; i += 4)
            for (unsigned j = 0; j < 4; j++)
                m[j] = v[i + j] > m[j] ? v[i + j] : m[j];
    for (; i < n; i++)
        m[0] = v[i] > m[0] ? v[i] : m[0];
    m[0] = m[1] > m[0] ? m[1] : m[0];
    m[2] = m[3] > m[2] ? m[3] : m[2];
    return m[2] > m[0] ? m[2] : m[0];
}

/* mind[t] = the shortest length of the postings of tf t (UINT32_MAX: none), t <= max_tf.
 * Most tfs of a block are equal (1): in one table every posting's min would wait on the
 * store of the one before, so a full block's postings go to four tables, i % 4, merged at
 * the end (four short chains interleaved).  Small blocks: one table, less to clear. */
static void shortest_per_tf(uint32_t *mind, const uint32_t *tf, const uint32_t *dl,
                            uint32_t n, uint32_t max_tf)
{
    enum { SPLIT_FROM = 16 };
    for (uint32_t t = 0; t <= max_tf; t++)
        mind[t] = UINT32_MAX;
    uint32_t i = 0;
    if (n >= SPLIT_FROM) {
        uint32_t m1[IMPACTS_SMALL_TF + 1], m2[IMPACTS_SMALL_TF + 1],
                 m3[IMPACTS_SMALL_TF + 1];
        for (uint32_t t = 0; t <= max_tf; t++)
            m1[t] = m2[t] = m3[t] = UINT32_MAX;
        for (; i + 4 <= n; i += 4) {
            uint32_t t0 = tf[i], t1 = tf[i + 1], t2 = tf[i + 2], t3 = tf[i + 3];
            mind[t0] = min_u32(dl[i], mind[t0]);
            m1[t1] = min_u32(dl[i + 1], m1[t1]);
            m2[t2] = min_u32(dl[i + 2], m2[t2]);
            m3[t3] = min_u32(dl[i + 3], m3[t3]);
        }
        for (uint32_t t = 0; t <= max_tf; t++)
            mind[t] = min_u32(min_u32(mind[t], m1[t]), min_u32(m2[t], m3[t]));
    }
    for (; i < n; i++)
        mind[tf[i]] = min_u32(dl[i], mind[tf[i]]);
}

void poisk_impacts_build(poisk_impacts *out, uint32_t *tf, uint32_t *dl, uint32_t n)
{
    /* walk tf downwards: a pair is on the frontier when its dl is below every dl of a
     * higher tf (the shortest passage of each tf is the only candidate of that tf) */
    uint32_t ftf[POISK_BLOCK_SIZE], fdl[POISK_BLOCK_SIZE];      /* descending tf */
    uint32_t m = 0, max_tf = 0, best = UINT32_MAX;
    if (n > POISK_BLOCK_SIZE)
        n = POISK_BLOCK_SIZE;
    if (n == 1 && tf[0] >= 1) {     /* most blocks of a section's list: the pair itself */
        out->n = 1;
        out->tf[0] = tf[0];
        out->dl[0] = dl[0];
        return;
    }
    max_tf = max_u32(tf, n);
    if (max_tf <= IMPACTS_SMALL_TF) {      /* the common case: shortest length per tf, no sort */
        uint32_t mind[IMPACTS_SMALL_TF + 1];
        shortest_per_tf(mind, tf, dl, n, max_tf);
        for (uint32_t t = max_tf; t >= 1; t--)
            if (mind[t] != UINT32_MAX && (m == 0 || mind[t] < best)) {
                best = mind[t];
                ftf[m] = t;
                fdl[m++] = best;
            }
    } else {
        uint64_t key[POISK_BLOCK_SIZE];                /* tf descending, then dl ascending */
        for (uint32_t i = 0; i < n; i++)
            key[i] = (uint64_t)(UINT32_MAX - tf[i]) << 32 | dl[i];
        qsort(key, n, sizeof key[0], cmp_pair_asc);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t t = UINT32_MAX - (uint32_t)(key[i] >> 32), d = (uint32_t)key[i];
            if (m == 0 || d < best) {
                best = d;
                ftf[m] = t;
                fdl[m++] = d;
            }
        }
    }
    for (uint32_t i = 0; i < m; i++) {                  /* to ascending order in place */
        tf[i] = ftf[m - 1 - i];
        dl[i] = fdl[m - 1 - i];
    }
    if (m == 0) {                                       /* only tf 0: not a posting */
        tf[0] = 1;
        dl[0] = 0;
        m = 1;
    }
    out->n = impacts_cap(tf, dl, m);
    memcpy(out->tf, tf, out->n * sizeof *tf);
    memcpy(out->dl, dl, out->n * sizeof *dl);
}

/* A full block whose ids are dense (docs/FORMAT.md §6.3, version 7): the ids as a bit set
 * over [base, last], then the tfs as in a packed block.  Chosen when the bit set is no
 * larger than the packed gaps, so a conjunction can test membership without a decode. */
static void put_bitmap_block(poisk_plist_writer *w, uint32_t base, size_t bm,
                             const uint32_t *tfm1, unsigned bt)
{
    if (poisk_buf_room(&w->blocks, 2 + bm + 16u * bt) != 0)
        return;
    uint8_t *o = w->blocks.data + w->blocks.len;
    o[0] = POISK_BLOCK_BITMAP;
    o[1] = (uint8_t)bt;
    memset(o + 2, 0, bm);
    for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++) {
        uint32_t r = w->docs[i] - base;
        o[2 + r / 8] |= (uint8_t)(1u << (r % 8));
    }
    poisk_codec_pack128(tfm1, bt, o + 2 + bm);
    w->blocks.len += 2 + bm + 16u * bt;
}

static void plist_flush_block(poisk_plist_writer *w)
{
    if (w->n_entries == w->cap_entries) {
        size_t cap = w->cap_entries ? 2 * w->cap_entries : 16;
        poisk_skip_entry *e = realloc(w->entries, cap * sizeof *e);
        if (!e) {
            w->failed = 1;
            return;
        }
        w->entries = e;
        w->cap_entries = cap;
    }
    size_t start = w->blocks.len;
    if (w->n == POISK_BLOCK_SIZE) {
        uint32_t gaps[POISK_BLOCK_SIZE], tfm1[POISK_BLOCK_SIZE];
        uint32_t prev = w->prev_last;
        for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++) {
            gaps[i] = w->docs[i] - prev;
            prev = w->docs[i];
            tfm1[i] = w->tfs[i] - 1;
        }
        unsigned bd = poisk_codec_bits(gaps, POISK_BLOCK_SIZE);
        unsigned bt = poisk_codec_bits(tfm1, POISK_BLOCK_SIZE);
        uint32_t base = poisk_block_bitmap_base(w->n_entries == 0, w->prev_last);
        size_t bm = poisk_block_bitmap_bytes(base, w->docs[POISK_BLOCK_SIZE - 1]);
        if (bm <= 16u * bd) {
            put_bitmap_block(w, base, bm, tfm1, bt);
        } else if (poisk_buf_room(&w->blocks, 2 + 16u * (bd + bt)) == 0) {
            uint8_t *o = w->blocks.data + w->blocks.len;
            o[0] = (uint8_t)bd;
            o[1] = (uint8_t)bt;
            poisk_codec_pack128(gaps, bd, o + 2);
            poisk_codec_pack128(tfm1, bt, o + 2 + 16u * bd);
            w->blocks.len += 2 + 16u * (bd + bt);
        }
    } else {
        uint32_t prev = w->prev_last;
        if (poisk_buf_room(&w->blocks, 15u * w->n) == 0) {       /* <= 5 + 5 bytes a posting */
            uint8_t *o = w->blocks.data + w->blocks.len;
            for (unsigned i = 0; i < w->n; i++) {
                uint64_t gap = w->docs[i] - prev;
                prev = w->docs[i];
                o = poisk_varint_put(o, gap << 1 | (w->tfs[i] == 1));
                if (w->tfs[i] != 1)
                    o = poisk_varint_put(o, w->tfs[i]);
            }
            w->blocks.len = (size_t)(o - w->blocks.data);
        }
    }
    poisk_skip_entry *e = &w->entries[w->n_entries++];
    e->last = w->docs[w->n - 1];
    /* the block is encoded: its tfs and lengths are scratch now */
    poisk_impacts_build(&e->imp, w->tfs, w->dls, w->n);
    if (w->marked) {                /* the block's elision bitmap ends its positions */
        poisk_buf_put(w->pos, w->elided, (w->n + 7) / 8);
        memset(w->elided, 0, sizeof w->elided);
    }
    e->blk_bytes = w->blocks.len - start;
    e->pos_bytes = w->pos->len - w->block_pos_start;
    w->prev_last = e->last;
    w->block_pos_start = w->pos->len;
    w->n = 0;
}

/* The bookkeeping of one posting; positions are the caller's. */
static void plist_note(poisk_plist_writer *w, uint32_t doc, uint32_t tf, uint32_t dl)
{
    w->docs[w->n] = doc;
    w->tfs[w->n] = tf;
    w->dls[w->n] = dl;
    w->n++;
    w->df++;
    w->cf += tf;
    w->last_doc = doc;
}

void poisk_plist_writer_add(poisk_plist_writer *w, uint32_t doc, uint32_t tf,
                            const uint32_t *positions, uint32_t dl)
{
    plist_note(w, doc, tf, dl);
    if (positions && poisk_buf_room(w->pos, 10u * tf) == 0) {
        uint8_t *o = w->pos->data + w->pos->len;
        uint32_t prev = 0;
        for (uint32_t k = 0; k < tf; k++) {
            o += poisk_varint_encode(o, positions[k] - prev);
            prev = positions[k];
        }
        w->pos->len = (size_t)(o - w->pos->data);
    }
    if (w->n == POISK_BLOCK_SIZE)
        plist_flush_block(w);
}

/* add_raw and add_elided are inline (codec.h): the merge calls them once per posting. */
void poisk_plist_writer_flush_block(poisk_plist_writer *w)
{
    plist_flush_block(w);
}

/* A frontier of impacts as skip entries and group records store it (docs/FORMAT.md §6). */
static void put_impacts(poisk_buf *b, const poisk_impacts *im)
{
    /* the pair count rides in the first tf's low 3 bits (POISK_IMPACTS_MAX is 8) */
    poisk_buf_put_varint(b, (uint64_t)(im->tf[0] - 1) << 3 | (im->n - 1));
    poisk_buf_put_varint(b, im->dl[0]);
    for (uint32_t i = 1; i < im->n; i++) {
        poisk_buf_put_varint(b, im->tf[i] - im->tf[i - 1] - 1);
        poisk_buf_put_varint(b, im->dl[i] - im->dl[i - 1] - 1);
    }
}

/* One group record (docs/FORMAT.md §6.2) for entries [k0, k1) whose skip entries took
 * skip_bytes: its last doc against the previous group's, its sizes, the frontier of its
 * blocks' impacts (at most 16 x 8 pairs in, merged to 8 as a block's are). */
static void plist_put_group(poisk_plist_writer *w, size_t k0, size_t k1, size_t skip_bytes,
                            uint32_t prev_last)
{
    uint64_t blk = 0, pos = 0;
    uint32_t tf[POISK_SKIP_GROUP * POISK_IMPACTS_MAX], dl[POISK_SKIP_GROUP * POISK_IMPACTS_MAX];
    uint32_t n = 0;
    for (size_t k = k0; k < k1; k++) {
        const poisk_skip_entry *e = &w->entries[k];
        blk += e->blk_bytes;
        pos += e->pos_bytes;
        for (uint32_t i = 0; i < e->imp.n; i++) {
            tf[n] = e->imp.tf[i];
            dl[n++] = e->imp.dl[i];
        }
    }
    poisk_impacts imp;
    poisk_impacts_build(&imp, tf, dl, n);
    poisk_buf_put_varint(&w->groups, w->entries[k1 - 1].last - prev_last);
    poisk_buf_put_varint(&w->groups, skip_bytes);
    poisk_buf_put_varint(&w->groups, blk);
    poisk_buf_put_varint(&w->groups, pos);
    put_impacts(&w->groups, &imp);
}

void poisk_plist_writer_finish(poisk_plist_writer *w, poisk_buf *out)
{
    if (w->n)
        plist_flush_block(w);
    uint32_t prev = 0, group_prev = 0;
    int multi = w->n_entries > 1, grouped = w->n_entries > POISK_SKIP_GROUP;
    size_t group_start = 0;
    for (size_t k = 0; k < w->n_entries; k++) {
        const poisk_skip_entry *e = &w->entries[k];
        const poisk_impacts *im = &e->imp;
        poisk_buf_put_varint(&w->skip, e->last - prev);
        put_impacts(&w->skip, im);
        if (multi) {
            poisk_buf_put_varint(&w->skip, e->blk_bytes);
            poisk_buf_put_varint(&w->skip, e->pos_bytes);
        }
        prev = e->last;
        if (grouped && ((k + 1) % POISK_SKIP_GROUP == 0 || k + 1 == w->n_entries)) {
            size_t k0 = k - k % POISK_SKIP_GROUP;
            plist_put_group(w, k0, k + 1, w->skip.len - group_start, group_prev);
            group_start = w->skip.len;
            group_prev = e->last;
        }
    }
    if (grouped) {
        uint8_t v[10];
        size_t n = poisk_varint_encode(v, w->groups.len);
        poisk_buf_put_varint(out, n + w->groups.len + w->skip.len);
        poisk_buf_put(out, v, n);
        poisk_buf_put(out, w->groups.data, w->groups.len);
    } else {
        poisk_buf_put_varint(out, w->skip.len);
    }
    poisk_buf_put(out, w->skip.data, w->skip.len);
    poisk_buf_put(out, w->blocks.data, w->blocks.len);
    if (w->skip.failed || w->groups.failed || w->blocks.failed || w->pos->failed)
        w->failed = 1;
}

void poisk_plist_writer_free(poisk_plist_writer *w)
{
    free(w->entries);
    poisk_buf_free(&w->skip);
    poisk_buf_free(&w->groups);
    poisk_buf_free(&w->blocks);
    w->entries = NULL;
    w->n_entries = w->cap_entries = 0;
}

/* ---- decoder ---------------------------------------------------------------------------- */

/* Move a skip reader from block sp->idx to the next one, reading its entry. */
static inline int varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *v);  /* eval block */
static inline int varint_get_b(const uint8_t **pp, const uint8_t *end, int checked, uint64_t *v);
static int skip_varints(const uint8_t **pp, const uint8_t *end, uint64_t count);

/* An impact list (skip entry or group record) after its first (tf, count) byte and first
 * length: the rest are (tf, dl) gaps.  Every value < 2^32 (checked once, at the end), so the
 * sums of at most 8 cannot wrap, and the last sums are the largest.  `checked` as in
 * varint_get_b.  @return : 0, or -1 corrupt */
static inline __attribute__((always_inline))
int impacts_get(const uint8_t **pp, const uint8_t *end, const int checked, uint64_t first,
                uint64_t dl, poisk_impacts *imp)
{
    const uint8_t *p = *pp;
    uint64_t tf = (first >> 3) + 1, big = dl | (first >> 35);
    uint32_t n_imp = (uint32_t)(first & 7) + 1;
    imp->tf[0] = (uint32_t)tf;
    imp->dl[0] = (uint32_t)dl;
    for (uint32_t i = 1; i < n_imp; i++) {
        uint64_t dtf, ddl;
        if (varint_get_b(&p, end, checked, &dtf) || varint_get_b(&p, end, checked, &ddl))
            return -1;
        big |= dtf | ddl;
        tf += dtf + 1;
        dl += ddl + 1;
        imp->tf[i] = (uint32_t)tf;
        imp->dl[i] = (uint32_t)dl;
    }
    if ((big >> 32) || tf > UINT32_MAX || dl > UINT32_MAX)
        return -1;
    imp->n = n_imp;
    *pp = p;
    return 0;
}

/* An entry's bytes: 19 varints at most (last doc, 2 + 2 x 7 impacts, two sizes). */
#define SKIP_ENTRY_MAX (19 * 10)

/* skip_step's body; `checked` (a constant) is 0 when SKIP_ENTRY_MAX bytes remain in the
 * skip section, so no varint of the entry can pass its end: the fast paths then test no
 * bounds (most entries are not among the section's last 190 bytes). */
static inline __attribute__((always_inline))
int skip_entry(const poisk_plist *c, poisk_skip_pos *sp, const int checked)
{
    /* locals throughout: the entry is parsed in registers and stored once */
    const uint8_t *p = sp->p, *end = c->skip_end;
    uint64_t delta, first, dl, blk_bytes, pos_bytes;
    uint32_t idx = sp->idx + 1;                 /* wraps from UINT32_MAX to 0 */
    if (varint_get_b(&p, end, checked, &delta) || varint_get_b(&p, end, checked, &first)
        || varint_get_b(&p, end, checked, &dl))
        return -1;
    if (impacts_get(&p, end, checked, first, dl, &sp->imp))
        return -1;
    if (c->nblocks > 1) {
        if (varint_get_b(&p, end, checked, &blk_bytes)
            || varint_get_b(&p, end, checked, &pos_bytes))
            return -1;
    } else {
        blk_bytes = c->blocks_len;
        pos_bytes = 0;                          /* unused: positions run to the end */
    }
    size_t blk_off = sp->blk_off + sp->blk_bytes, pos_off = sp->pos_off + sp->pos_bytes;
    uint64_t last = (uint64_t)sp->llast + delta;
    if ((idx > 0 && delta == 0) || last >= POISK_PLIST_END
        || blk_bytes > c->blocks_len - blk_off || pos_bytes > SIZE_MAX / 2
        || (c->docmap_n && last >= c->docmap_n))
        return -1;
    sp->p = p;
    sp->prev_last = idx == 0 ? 0 : sp->last;
    sp->lprev = idx == 0 ? 0 : sp->llast;
    sp->idx = idx;
    sp->llast = (uint32_t)last;
    sp->last = c->docmap ? c->docmap[last] : (uint32_t)last;
    sp->blk_off = blk_off;
    sp->blk_bytes = (size_t)blk_bytes;
    sp->pos_off = pos_off;
    sp->pos_bytes = (size_t)pos_bytes;
    return 0;
}

static int skip_step(const poisk_plist *c, poisk_skip_pos *sp)
{
    return c->skip_end - sp->p >= SKIP_ENTRY_MAX ? skip_entry(c, sp, 0) : skip_entry(c, sp, 1);
}

/* Sizes above this in a group record are corrupt (a term's positions are far smaller). */
#define GROUP_SIZE_MAX ((uint64_t)1 << 40)

/* Move a group reader to the next record.  @return : 0, 1 past the last group, -1 corrupt */
static int group_next(const poisk_plist *c, poisk_skip_group *gr)
{
    uint32_t g = gr->g + 1;                     /* wraps from UINT32_MAX to 0 */
    if (g >= c->ngroups)
        return 1;
    const uint8_t *p = gr->p, *end = c->grp_end;
    uint64_t delta, skip_bytes, blk_bytes, pos_bytes;
    if (varint_get(&p, end, &delta) || varint_get(&p, end, &skip_bytes)
        || varint_get(&p, end, &blk_bytes) || varint_get(&p, end, &pos_bytes) || p >= end)
        return -1;
    /* the impacts are read only when asked for (group_impacts): their 2n varints skipped */
    const uint8_t *imp_p = p;
    for (uint32_t count = 2 * ((uint32_t)(*p & 7) + 1); count; p++) {
        if (p >= end)
            return -1;
        count -= *p < 0x80;
    }
    size_t skip_off = g ? gr->skip_off + gr->skip_bytes : 0;
    size_t blk_off = g ? gr->blk_off + gr->blk_bytes : 0;
    size_t pos_off = g ? gr->pos_off + gr->pos_bytes : 0;
    uint32_t lprev = g ? gr->llast : 0;
    uint64_t last = (uint64_t)lprev + delta;
    /* every offset stays inside its area (positions: below 2^40, checked again by the
     * position reader), so a reader started at the group reads nothing outside them */
    if ((g > 0 && delta == 0) || last >= POISK_PLIST_END
        || (c->docmap_n && last >= c->docmap_n)
        || skip_bytes > (uint64_t)(c->skip_end - c->skip_begin) - skip_off
        || blk_bytes > c->blocks_len - blk_off
        || pos_bytes > GROUP_SIZE_MAX || pos_off > GROUP_SIZE_MAX)
        return -1;
    gr->p = p;
    gr->imp_p = imp_p;
    gr->g = g;
    gr->lprev = lprev;
    gr->llast = (uint32_t)last;
    gr->prev = g ? gr->last : 0;
    gr->last = c->docmap ? c->docmap[last] : (uint32_t)last;
    gr->skip_off = skip_off;
    gr->blk_off = blk_off;
    gr->pos_off = pos_off;
    gr->skip_bytes = (size_t)skip_bytes;
    gr->blk_bytes = (size_t)blk_bytes;
    gr->pos_bytes = (size_t)pos_bytes;
    return 0;
}

/* The impacts of the group a reader is on, as a skip entry's (every value < 2^32, so the
 * sums of at most 8 cannot wrap).  @return : 0, or -1 corrupt */
static int group_impacts(const poisk_plist *c, poisk_skip_group *gr)
{
    if (gr->imp_g == gr->g)
        return 0;
    const uint8_t *p = gr->imp_p, *end = c->grp_end;
    uint64_t first, dl;
    if (varint_get(&p, end, &first) || varint_get(&p, end, &dl))
        return -1;
    if (impacts_get(&p, end, 1, first, dl, &gr->imp) || p != gr->p)
        return -1;
    gr->imp_g = gr->g;
    return 0;
}

/* Move a group reader to the group holding the first block that may contain target (its
 * last doc >= target).  @return : 0, 1 past the last group, -1 corrupt */
static int group_seek(const poisk_plist *c, poisk_skip_group *gr, uint32_t target)
{
    while (gr->g == UINT32_MAX || gr->last < target) {
        int r = group_next(c, gr);
        if (r)
            return r;
    }
    return 0;
}

/* Whether skip_jump(c, sp, target) may move sp: its group reader must read on, or already
 * names a group that starts past sp's next block (the common call, a target in the same
 * group, is then one or two compares). */
static inline int jump_may_pass(const poisk_plist *c, const poisk_skip_pos *sp, uint32_t target)
{
    const poisk_skip_group *gr = &c->grp;
    return c->ngroups && (gr->g == UINT32_MAX || gr->last < target
                          || gr->g * POISK_SKIP_GROUP > (uint32_t)(sp->idx + 1));
}

/* A far target: put skip reader sp just before the first block of the group holding target
 * when that is ahead of its next block and every block before it ends below target, so that
 * the next skip_step reads that group's first entry (no entry between is parsed). */
static int skip_jump(poisk_plist *c, poisk_skip_pos *sp, uint32_t target)
{
    poisk_skip_group *gr = &c->grp;
    int r = group_seek(c, gr, target);
    if (r)
        return r < 0 ? -1 : 0;
    uint32_t first = gr->g * POISK_SKIP_GROUP;
    if (first == 0 || first <= (uint32_t)(sp->idx + 1) || gr->prev >= target)
        return 0;
    sp->p = c->skip_begin + gr->skip_off;
    sp->idx = first - 1;
    sp->llast = gr->lprev;
    sp->last = gr->prev;
    sp->blk_off = gr->blk_off;
    sp->blk_bytes = 0;
    sp->pos_off = gr->pos_off;
    sp->pos_bytes = 0;
    return 0;
}

/* tf - 1 of a full block: 128 values of bt bits at p.  @return : nonzero when a tf wraps */
static inline __attribute__((always_inline)) uint32_t decode_tfs128(poisk_plist *c, const uint8_t *p, unsigned bt)
{
    uint32_t bad = 0;
    if (bt == 0) {                      /* every tf is 1: no unpacking */
        for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++)
            c->tfs[i] = 1;
        return 0;
    }
    poisk_codec_unpack128(p, bt, c->tfs);
    for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++)
        c->tfs[i] += 1;
    if (bt == 32)                       /* only 32-bit values can wrap to tf 0 */
        for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++)
            bad |= c->tfs[i] == 0;
    return bad;
}

/* The decoded block's bit set (a bitmap block, §6.3): where it is and its ids' base, after
 * checking that it, the tf width and the packed tfs fit the block's bytes and that the last
 * id's bit is set with none after it (so a scan from any id up to it ends inside the set).
 * @return : 0, or -1 */
static int bitmap_locate(poisk_plist *c, const uint8_t *p, const uint8_t *end)
{
    const poisk_skip_pos *d = &c->dec;
    uint32_t base = poisk_block_bitmap_base(d->idx == 0, d->lprev);
    if (d->llast < base || d->llast - base < POISK_BLOCK_SIZE - 1 || p[1] > 32)
        return -1;
    size_t bytes = poisk_block_bitmap_bytes(base, d->llast);
    if ((size_t)(end - p) < 2 + bytes + 16u * p[1])
        return -1;
    uint32_t top = d->llast - base;     /* bit of the last id: the set's highest */
    uint64_t w = poisk_load_u64(p + 2 + 8 * (top / 64));
    if (w >> (top % 64) != 1)
        return -1;
    const uint8_t *tfs = p + 2 + bytes;
    if (p[1] == 32)                     /* only 32-bit values can wrap to tf 0 */
        for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++)
            if (poisk_load_u32(tfs + 4 * i) == UINT32_MAX)
                return -1;
    c->bmv.bm = p + 2;
    c->bmv.base = base;
    c->bmv.last = d->llast;
    c->bmv.tfs = tfs;
    c->bmv.bt = p[1];
    return 0;
}

/* Bits set in w, without a libgcc call when the build does not assume popcnt. */
static inline uint32_t popcount64(uint64_t w)
{
#if defined(__POPCNT__)
    return (uint32_t)__builtin_popcountll(w);
#else
    w -= (w >> 1) & 0x5555555555555555u;
    w = (w & 0x3333333333333333u) + ((w >> 2) & 0x3333333333333333u);
    w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return (uint32_t)((w * 0x0101010101010101u) >> 56);
#endif
}

/* Bits set below bit r of a bit set; hw: the popcnt instruction (a constant once inlined). */
static inline __attribute__((always_inline))
uint32_t bitmap_rank_body(const uint8_t *bm, uint32_t r, const int hw)
{
    uint32_t rank = 0;
    uint64_t tail = poisk_load_u64(bm + 8 * (r / 64)) & ((UINT64_C(1) << (r % 64)) - 1);
    for (uint32_t k = 0; k < r / 64; k++) {
        uint64_t w = poisk_load_u64(bm + 8 * k);
        rank += hw ? (uint32_t)__builtin_popcountll(w) : popcount64(w);
    }
    return rank + (hw ? (uint32_t)__builtin_popcountll(tail) : popcount64(tail));
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__POPCNT__)
__attribute__((target("popcnt")))
static uint32_t bitmap_rank_hw(const uint8_t *bm, uint32_t r)
{
    return bitmap_rank_body(bm, r, 1);
}
#define BITMAP_RANK(bm, r) \
    (__builtin_cpu_supports("popcnt") ? bitmap_rank_hw(bm, r) : bitmap_rank_body(bm, r, 0))
#else
#define BITMAP_RANK(bm, r) bitmap_rank_body(bm, r, 0)
#endif

uint32_t poisk_bitmap_tf(const poisk_bitmap_view *v, uint32_t x)
{
    if (v->bt == 0)
        return 1;
    uint32_t rank = BITMAP_RANK(v->bm, x - v->base);
    if (rank >= POISK_BLOCK_SIZE)       /* only if the set is damaged */
        return 1;
    /* value `rank` of the LSB-first stream of 128 bt-bit values (16 bt bytes) */
    size_t bit = (size_t)rank * v->bt, at = bit / 8, size = 16u * v->bt;
    uint64_t w = 0;
    if (at + 8 <= size)
        w = poisk_load_u64(v->tfs + at);
    else
        for (size_t i = 0; at + i < size; i++)
            w |= (uint64_t)v->tfs[at + i] << (8 * i);
    return (uint32_t)((w >> (bit % 8)) & ((UINT64_C(1) << v->bt) - 1)) + 1;
}

uint32_t poisk_plist_pending_tf(const poisk_plist *c)
{
    return poisk_bitmap_tf(&c->bmv, c->doc);
}

#if defined(__SSE2__)
/* Per byte value: its set bits' positions, one a byte from the low end (the rest 0), and
 * their count.  Built once (bitmap_tables_init) from that rule. */
static uint64_t byte_bits[256];
static uint8_t byte_count[256];
static pthread_once_t bitmap_tables_once = PTHREAD_ONCE_INIT;

static void bitmap_tables_init(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint64_t v = 0;
        unsigned n = 0;
        for (unsigned i = 0; i < 8; i++)
            if (b >> i & 1)
                v |= (uint64_t)i << (8 * n++);
        byte_bits[b] = v;
        byte_count[b] = (uint8_t)n;
    }
}

/* bitmap_ids() a byte at a time: the byte's positions widened and offset in two stores,
 * the output pointer moved by its bit count (docs has room for the overshoot).  About 16
 * instructions a byte against 6 an id for the bit-by-bit loop: used for sets of at most 48
 * bytes (gaps of 3 on average or less: most bitmap blocks). */
static int bitmap_ids_bytes(poisk_plist *c, uint32_t bytes)
{
    const uint8_t *bm = c->bmv.bm;
    const __m128i zero = _mm_setzero_si128(), eight = _mm_set1_epi32(8);
    __m128i at = _mm_set1_epi32((int)c->bmv.base);
    uint32_t k = 0;
    pthread_once(&bitmap_tables_once, bitmap_tables_init);
    for (uint32_t j = 0; j < bytes; j++) {
        uint8_t b = bm[j];
        __m128i p = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(const void *)&byte_bits[b]),
                                      zero);
        _mm_storeu_si128((__m128i *)(void *)(c->docs + k),
                         _mm_add_epi32(_mm_unpacklo_epi16(p, zero), at));
        _mm_storeu_si128((__m128i *)(void *)(c->docs + k + 4),
                         _mm_add_epi32(_mm_unpackhi_epi16(p, zero), at));
        k += byte_count[b];
        if (k > POISK_BLOCK_SIZE)
            return -1;
        at = _mm_add_epi32(at, eight);
    }
    return k == POISK_BLOCK_SIZE ? 0 : -1;
}
#endif

/* The located bit set's ids into docs.  @return : 0, or -1 unless it holds exactly 128 */
static int bitmap_ids(poisk_plist *c)
{
    const poisk_skip_pos *d = &c->dec;
    uint32_t words = (uint32_t)(poisk_block_bitmap_bytes(c->bmv.base, d->llast) / 8), k = 0;
#if defined(__SSE2__)
    if (words * 8 <= 48)
        return bitmap_ids_bytes(c, words * 8);
#endif
    for (uint32_t i = 0; i < words; i++) {
        uint64_t w = poisk_load_u64(c->bmv.bm + 8 * i);
        /* a word adds at most 64 ids: counted only where they could pass the 128 */
        if (k + 64 > POISK_BLOCK_SIZE && k + popcount64(w) > POISK_BLOCK_SIZE)
            return -1;
        uint32_t at = c->bmv.base + 64 * i;
        for (; w; w &= w - 1)
            c->docs[k++] = at + (uint32_t)__builtin_ctzll(w);
    }
    return k == POISK_BLOCK_SIZE ? 0 : -1;
}

/* Postings in dec's block: 128 but in the last block. */
static inline uint32_t block_postings(const poisk_plist *c)
{
    return c->dec.idx + 1 == c->nblocks ? c->df - POISK_BLOCK_SIZE * (c->nblocks - 1)
                                        : POISK_BLOCK_SIZE;
}
static inline int block_full(const poisk_plist *c)
{
    return block_postings(c) == POISK_BLOCK_SIZE;
}

/* A cursor entering a block (decoded or probed) reads that block's positions from their
 * start, and nothing of the last block's is cached. */
static inline void positions_restart(poisk_plist *c)
{
    c->pos_p = NULL;
    c->pos_i = 0;
    c->posbuf_for = UINT32_MAX;
}

static int decode_block(poisk_plist *c)
{
    const poisk_skip_pos *d = &c->dec;
    uint32_t n = block_postings(c);
    const uint8_t *p = c->blocks + d->blk_off, *end = p + d->blk_bytes;
    uint32_t prev = d->lprev;
    c->pend = 0;
    if (n == POISK_BLOCK_SIZE && end - p >= 2 && p[0] == POISK_BLOCK_BITMAP) {
        if (bitmap_locate(c, p, end) || bitmap_ids(c))
            return -1;
        size_t bytes = poisk_block_bitmap_bytes(c->bmv.base, d->llast);
        if (decode_tfs128(c, p + 2 + bytes, p[1]))
            return -1;
    } else if (n == POISK_BLOCK_SIZE) {
        if (end - p < 2 || p[0] > 32 || p[1] > 32 || (size_t)(end - p) < 2 + 16u * (p[0] + p[1]))
            return -1;
        unsigned bd = p[0], bt = p[1];
        poisk_codec_unpack128(p + 2, bd, c->docs);
        /* gaps >= 1 except the very first of the list; tf-1 < 2^32-1; sum == last doc */
        uint32_t bad = (uint32_t)-poisk_codec_gaps_to_docs128(c->docs, prev, d->idx == 0);
        uint32_t acc = c->docs[POISK_BLOCK_SIZE - 1];
        bad |= decode_tfs128(c, p + 2 + 16u * bd, bt);
        if (bad || acc != d->llast)
            return -1;
    } else {
        uint64_t acc = prev;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t v, tf = 1;
            if (poisk_varint_decode(&p, end, &v))
                return -1;
            if (!(v & 1) && (poisk_varint_decode(&p, end, &tf) || tf == 0 || tf > UINT32_MAX))
                return -1;
            if ((v >> 1) == 0 && (i > 0 || d->idx > 0))
                return -1;
            acc += v >> 1;
            if (acc >= POISK_PLIST_END)
                return -1;
            c->docs[i] = (uint32_t)acc;
            c->tfs[i] = (uint32_t)tf;
        }
        if (acc != d->llast)
            return -1;
    }
    /* every stored id is <= llast < docmap_n (checked by skip_step) */
    if (c->docmap)
        poisk_codec_map_ids(c->docs, n, c->docmap);
    c->n = n;
    c->i = 0;
    c->doc = c->docs[0];
    positions_restart(c);
    c->blocks_decoded++;
    return 0;
}

static void sync_shallow(poisk_plist *c)
{
    if (c->shallow.idx < c->dec.idx || c->shallow.idx == UINT32_MAX) {
        c->shallow = c->dec;
        c->shallow_end = 0;
    }
}

/* Shared by both opens: the skip section is parsed and `shallow` holds block 0's entry; `dec`
 * stays before block 0 (nothing decoded, n == 0). */
static int plist_open_skip(poisk_plist *c, const uint8_t *post, size_t post_len, uint32_t df)
{
    uint32_t *posbuf = c->posbuf;
    uint32_t posbuf_cap = c->posbuf_cap;
    const uint32_t *docmap = c->docmap;
    uint32_t docmap_n = c->docmap_n;
    int marked = c->marked;
    memset(c, 0, sizeof *c);
    c->marked = marked;
    c->posbuf = posbuf;
    c->posbuf_cap = posbuf_cap;
    c->docmap = docmap;
    c->docmap_n = docmap_n;
    c->posbuf_for = UINT32_MAX;
    c->df = df;
    c->doc = POISK_PLIST_END;
    c->shallow_end = 1;
    if (df == 0)
        return 0;
    const uint8_t *p = post, *end = post + post_len;
    uint64_t skip_bytes;
    if (poisk_varint_decode(&p, end, &skip_bytes) || skip_bytes > (uint64_t)(end - p))
        return -1;
    c->skip_begin = p;
    c->skip_end = p + skip_bytes;
    c->blocks = c->skip_end;
    c->blocks_len = (size_t)(end - c->skip_end);
    c->nblocks = (df + POISK_BLOCK_SIZE - 1) / POISK_BLOCK_SIZE;
    if (c->nblocks > POISK_SKIP_GROUP) {        /* version 5: the group records come first */
        uint64_t group_bytes;
        if (poisk_varint_decode(&p, c->skip_end, &group_bytes)
            || group_bytes > (uint64_t)(c->skip_end - p))
            return -1;
        c->ngroups = (c->nblocks + POISK_SKIP_GROUP - 1) / POISK_SKIP_GROUP;
        c->grp_begin = p;
        c->grp_end = p + group_bytes;
        c->skip_begin = c->grp_end;
    }
    c->dec.p = c->skip_begin;
    c->dec.idx = UINT32_MAX;
    c->grp.p = c->grp_begin;
    c->grp.g = UINT32_MAX;
    c->grp.imp_g = UINT32_MAX;
    c->shallow = c->dec;
    if (skip_step(c, &c->shallow))
        return -1;
    c->shallow_end = 0;
    c->doc = 0;
    return 0;
}

int poisk_plist_open(poisk_plist *c, const uint8_t *post, size_t post_len, uint32_t df)
{
    if (plist_open_skip(c, post, post_len, df))
        return -1;
    if (df == 0)
        return 0;
    c->dec = c->shallow;
    return decode_block(c);
}

int poisk_plist_open_lazy(poisk_plist *c, const uint8_t *post, size_t post_len, uint32_t df)
{
    return plist_open_skip(c, post, post_len, df);
}

void poisk_plist_set_docmap(poisk_plist *c, const uint32_t *map, uint32_t n)
{
    c->docmap = map;
    c->docmap_n = n;
}

void poisk_plist_set_marked(poisk_plist *c, int marked)
{
    c->marked = marked;
}

void poisk_plist_set_positions(poisk_plist *c, const uint8_t *pos, size_t pos_len)
{
    c->pos = pos;
    c->pos_len = pos_len;
}

/* A probed cursor (poisk_plist_probe) whose block is still a bit set: decoded now, on the
 * posting it is on. */
static int plist_settle(poisk_plist *c)
{
    uint32_t doc = c->doc;
    if (decode_block(c))
        return -1;
    c->i = poisk_block_next_geq(c->docs, 0, doc);
    c->doc = c->docs[c->i];
    return 0;
}

int poisk_plist_next_block(poisk_plist *c)
{
    if (c->doc == POISK_PLIST_END)
        return 0;
    if (c->pend && plist_settle(c))
        return -1;
    if (++c->i < c->n) {
        c->doc = c->docs[c->i];
        return 0;
    }
    if (c->dec.idx + 1 >= c->nblocks) {
        c->doc = POISK_PLIST_END;
        return 0;
    }
    if (skip_step(c, &c->dec))
        return -1;
    sync_shallow(c);
    return decode_block(c);
}

/* dec onto the block holding target, which is past the decoded (or probed) block.
 * @return : 0, 1 past the last block (doc is then the end), or -1 */
static int seek_block(poisk_plist *c, uint32_t target)
{
    int held = c->n || c->pend;
    /* not held: lazily opened, dec is before block 0 (idx UINT32_MAX) */
    if (!c->shallow_end && (!held || c->shallow.idx > c->dec.idx)
        && (c->shallow.idx == 0 || c->shallow.prev_last < target))
        c->dec = c->shallow;                /* jump to where shallow_advance already is */
    if (c->dec.idx == UINT32_MAX && skip_step(c, &c->dec))
        return -1;
    for (int steps = 0; c->dec.last < target; steps++) {
        if (c->dec.idx + 1 >= c->nblocks) {
            c->doc = POISK_PLIST_END;
            c->pend = 0;
            return 1;
        }
        /* still short after one entry: a far target, whole groups may be passed */
        if (steps == 1 && jump_may_pass(c, &c->dec, target) && skip_jump(c, &c->dec, target))
            return -1;
        if (skip_step(c, &c->dec))
            return -1;
    }
    sync_shallow(c);
    return 0;
}

int poisk_plist_advance(poisk_plist *c, uint32_t target)
{
    if (c->doc == POISK_PLIST_END || (c->n && c->doc >= target))
        return 0;
    if (c->pend && target <= c->dec.last) {
        if (target < c->doc)            /* never back: no id between there and doc */
            target = c->doc;
        if (decode_block(c))
            return -1;
    } else if (!c->n || target > c->dec.last) {
        int r = seek_block(c, target);
        if (r)
            return r < 0 ? -1 : 0;
        if (decode_block(c))
            return -1;
    }
    /* ends: docs[n-1] == dec.last >= target */
    uint32_t i = poisk_block_next_geq(c->docs, c->i, target);
    c->i = i;
    c->doc = c->docs[i];
    return 0;
}

int poisk_plist_probe(poisk_plist *c, uint32_t target)
{
    if (c->doc == POISK_PLIST_END || ((c->n || c->pend) && c->doc >= target))
        return 0;
    if (c->docmap || (c->n && target <= c->dec.last))
        return poisk_plist_advance(c, target);
    if (!c->pend || target > c->dec.last) {
        int r = seek_block(c, target);
        if (r)
            return r < 0 ? -1 : 0;
        const uint8_t *p = c->blocks + c->dec.blk_off;
        if (c->dec.blk_bytes < 2 || p[0] != POISK_BLOCK_BITMAP || !block_full(c))
            return decode_block(c) ? -1 : poisk_plist_advance(c, target);   /* as advance */
        if (bitmap_locate(c, p, p + c->dec.blk_bytes))
            return -1;
        c->n = 0;
        c->pend = 1;
        positions_restart(c);
    }
    c->doc = poisk_bitmap_next_geq(&c->bmv, target);
    return 0;
}

int poisk_plist_shallow_advance(poisk_plist *c, uint32_t target)
{
    if (c->shallow_end)
        return 0;
    for (int steps = 0; c->shallow.last < target; steps++) {
        if (c->shallow.idx + 1 >= c->nblocks) {
            c->shallow_end = 1;
            return 0;
        }
        /* still short after one entry: a far target, whole groups may be passed */
        if (steps == 1 && jump_may_pass(c, &c->shallow, target)
            && skip_jump(c, &c->shallow, target))
            return -1;
        if (skip_step(c, &c->shallow))
            return -1;
    }
    return 0;
}

int poisk_plist_shallow_group(poisk_plist *c, uint32_t target, uint32_t limit, uint32_t *last,
                              const poisk_impacts **imp)
{
    *last = POISK_PLIST_END;
    *imp = NULL;
    if (!c->ngroups || c->shallow_end)
        return 0;
    int r = group_seek(c, &c->grp, target);
    if (r)
        return r < 0 ? -1 : 0;
    *last = c->grp.last;
    if (c->grp.last > limit)
        return 0;
    if (group_impacts(c, &c->grp))
        return -1;
    *imp = &c->grp.imp;
    return 0;
}

/* Every pair of a dominated by a pair of b: no higher tf at a length at most as short. */
static int impacts_dominated(const poisk_impacts *a, const poisk_impacts *b)
{
    for (uint32_t i = 0; i < a->n; i++) {
        uint32_t k = 0;
        while (k < b->n && b->tf[k] < a->tf[i])
            k++;
        if (k == b->n || b->dl[k] > a->dl[i])
            return 0;
    }
    return 1;
}

int poisk_plist_check_groups(const poisk_plist *c)
{
    if (!c->ngroups)
        return 0;
    poisk_skip_pos sp;
    memset(&sp, 0, sizeof sp);
    sp.p = c->skip_begin;
    sp.idx = UINT32_MAX;
    poisk_skip_group gr;
    memset(&gr, 0, sizeof gr);
    gr.p = c->grp_begin;
    gr.g = UINT32_MAX;
    gr.imp_g = UINT32_MAX;
    for (uint32_t g = 0; g < c->ngroups; g++) {
        if (group_next(c, &gr) || group_impacts(c, &gr))
            return -1;
        if (sp.llast != gr.lprev || (size_t)(sp.p - c->skip_begin) != gr.skip_off
            || sp.blk_off + sp.blk_bytes != gr.blk_off || sp.pos_off + sp.pos_bytes != gr.pos_off)
            return -1;
        uint32_t end = g + 1 == c->ngroups ? c->nblocks : (g + 1) * POISK_SKIP_GROUP;
        for (uint32_t b = g * POISK_SKIP_GROUP; b < end; b++) {
            if (skip_step(c, &sp))
                return -1;
            if (!impacts_dominated(&sp.imp, &gr.imp))
                return -1;
        }
        if (sp.llast != gr.llast || (size_t)(sp.p - c->skip_begin) != gr.skip_off + gr.skip_bytes
            || sp.blk_off + sp.blk_bytes != gr.blk_off + gr.blk_bytes
            || sp.pos_off + sp.pos_bytes != gr.pos_off + gr.pos_bytes)
            return -1;
    }
    /* the records fill the table, the entries the skip section */
    return gr.p == c->grp_end && sp.p == c->skip_end ? 0 : -1;
}

uint32_t poisk_plist_block_last_doc(const poisk_plist *c)
{
    return c->shallow_end ? POISK_PLIST_END : c->shallow.last;
}

uint32_t poisk_plist_block_max_tf(const poisk_plist *c)
{
    return c->shallow_end ? 0 : c->shallow.imp.tf[c->shallow.imp.n - 1];
}

uint32_t poisk_plist_block_min_dl(const poisk_plist *c)
{
    return c->shallow_end ? UINT32_MAX : c->shallow.imp.dl[0];
}

const poisk_impacts *poisk_plist_block_impacts(const poisk_plist *c)
{
    static const poisk_impacts none = { 0, { 0 }, { 0 } };
    return c->shallow_end ? &none : &c->shallow.imp;
}

/* Skip the positions of n postings whose tfs are given: count varint terminators. */

static int skip_positions(const uint8_t **pp, const uint8_t *end, uint64_t count)
{
    return skip_varints(pp, end, count);
}

int poisk_plist_positions(poisk_plist *c, const uint32_t **pos, uint32_t *n)
{
    if (c->doc == POISK_PLIST_END || !c->pos || (c->pend && plist_settle(c)))
        return -1;
    if (c->posbuf_for == c->i) {
        *pos = c->posbuf;
        *n = c->posbuf_n;
        return 0;
    }
    const uint8_t *end = c->pos + c->pos_len;
    if (c->dec.pos_off > c->pos_len)
        return -1;
    if (c->nblocks > 1 && c->dec.pos_bytes <= c->pos_len - c->dec.pos_off)
        end = c->pos + c->dec.pos_off + c->dec.pos_bytes;
    else if (c->nblocks > 1 && c->marked)
        return -1;
    const uint8_t *bits = NULL;
    if (c->marked) {                /* the block's elision bitmap is its last bytes */
        size_t nb = (c->n + 7) / 8;
        if ((size_t)(end - (c->pos + c->dec.pos_off)) < nb)
            return -1;
        end -= nb;
        bits = end;
        if (bits[c->i / 8] >> (c->i % 8) & 1)
            return 1;
    }
    if (!c->pos_p) {
        c->pos_p = c->pos + c->dec.pos_off;
        c->pos_i = 0;
    }
    uint64_t skip = 0;
    if (!bits) {                    /* the common block: plain sums the compiler unrolls */
        for (uint32_t k = c->pos_i; k < c->i; k++)
            skip += c->tfs[k];
    } else {
        for (uint32_t k = c->pos_i; k < c->i; k++)
            if (!(bits[k / 8] >> (k % 8) & 1))
                skip += c->tfs[k];
    }
    if (skip_positions(&c->pos_p, end, skip))
        return -1;
    uint32_t tf = c->tfs[c->i];
    if (tf > c->posbuf_cap) {
        if ((size_t)tf > (size_t)(end - c->pos_p))        /* at least a byte each */
            return -1;
        uint32_t *b = realloc(c->posbuf, (size_t)tf * sizeof *b);
        if (!b)
            return -1;
        c->posbuf = b;
        c->posbuf_cap = tf;
    }
    uint64_t acc = 0;
    const uint8_t *p = c->pos_p;
    for (uint32_t k = 0; k < tf; k++) {
        uint64_t v;
        if (poisk_varint_decode(&p, end, &v))
            return -1;
        if (k > 0 && v == 0)
            return -1;
        acc += v;
        if (acc > UINT32_MAX)
            return -1;
        c->posbuf[k] = (uint32_t)acc;
    }
    c->pos_p = p;
    c->pos_i = c->i + 1;
    c->posbuf_for = c->i;
    c->posbuf_n = tf;
    *pos = c->posbuf;
    *n = tf;
    return 0;
}

void poisk_plist_free(poisk_plist *c)
{
    free(c->posbuf);
    c->posbuf = NULL;
    c->posbuf_cap = 0;
}

/* ---- decode helpers for the evaluator (branch eval; the rest of the file is the format's) --
 * Block-at-a-time steps the searcher's hot path spends its decoding time in, written so the
 * compiler (or SSE2, x86-64's baseline) does four values per instruction. */

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The exact check, one value at a time: the fallback when the fast test cannot decide. */
static int gaps_check_slow(const uint32_t *docs, uint32_t prev, int first_may_repeat)
{
    for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++) {
        uint32_t before = i ? docs[i - 1] : prev;
        if (docs[i] < before || (docs[i] == before && (i > 0 || !first_may_repeat)))
            return -1;
    }
    return 0;
}

int poisk_codec_gaps_to_docs128(uint32_t *v, uint32_t prev, int first_may_repeat)
{
    /* bad: a zero gap (but the list's very first), or a running sum that wraps past 2^32.
     * Fast test: no gap is zero and every gap is at most 2^24, so 128 of them add up to at
     * most 2^31 and, from a start below 2^31, cannot wrap; anything else is checked exactly. */
#if defined(__SSE2__)
    /* gap - 1 ORed over the block: a bit at 24 or above is a zero gap (all ones) or a large
     * one, both left to the exact check; the list's very first gap counts as at least 1 */
    const __m128i one = _mm_set1_epi32(1);
    __m128i carry = _mm_set1_epi32((int)prev);
    __m128i x = _mm_loadu_si128((const __m128i *)v);
    __m128i ors = _mm_sub_epi32(_mm_or_si128(x, _mm_cvtsi32_si128(first_may_repeat != 0)), one);
    for (unsigned i = 0;;) {
        x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
        x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
        x = _mm_add_epi32(x, carry);
        _mm_storeu_si128((__m128i *)(v + i), x);
        carry = _mm_shuffle_epi32(x, 0xff);
        if ((i += 4) == POISK_BLOCK_SIZE)
            break;
        x = _mm_loadu_si128((const __m128i *)(v + i));
        ors = _mm_or_si128(ors, _mm_sub_epi32(x, one));
    }
    uint32_t o[4];
    _mm_storeu_si128((__m128i *)o, ors);
    if (((o[0] | o[1] | o[2] | o[3]) >> 24) == 0 && prev < 0x80000000u)
        return 0;
    return gaps_check_slow(v, prev, first_may_repeat);
#else
    uint32_t bad = 0, a = prev;
    for (unsigned i = 0; i < POISK_BLOCK_SIZE; i++) {
        uint32_t g = v[i];
        bad |= (g == 0 && (i > 0 || !first_may_repeat)) || a + g < a;
        a += g;
        v[i] = a;
    }
    return bad ? -1 : 0;
#endif
}

/* poisk_varint_decode with a two-byte case inline too (skip entries are mostly one- and
 * two-byte values and are read once per block passed: the call was ~40 % of skip_step). */
static inline int varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) {
        *v = *p;
        *pp = p + 1;
        return 0;
    }
    /* two bytes: block and position sizes, long passages' lengths */
    if (end - p >= 2 && p[1] < 0x80) {
        *v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        *pp = p + 2;
        return 0;
    }
    return poisk_varint_decode_long(pp, end, v);
}

/* varint_get without the bounds tests of its one- and two-byte paths when !checked (the
 * caller knows 10 bytes remain); the long path always checks. */
static inline __attribute__((always_inline))
int varint_get_b(const uint8_t **pp, const uint8_t *end, int checked, uint64_t *v)
{
    const uint8_t *p = *pp;
    if ((!checked || p < end) && *p < 0x80) {
        *v = *p;
        *pp = p + 1;
        return 0;
    }
    if ((!checked || end - p >= 2) && p[1] < 0x80) {
        *v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        *pp = p + 2;
        return 0;
    }
    return poisk_varint_decode_long(pp, end, v);
}

/* Moves *pp past `count` varints in [*pp, end) (-1: the range ends first): 16 bytes per step
 * while all of their terminators (bytes < 0x80) are needed, then byte by byte.  A phrase
 * check skips the positions of every posting before its candidate in the block. */
static int skip_varints(const uint8_t **pp, const uint8_t *end, uint64_t count)
{
    const uint8_t *p = *pp;
#if defined(__SSE2__)
    /* each byte's continuation bit moved to its bit 0 and summed by psadbw: no popcount
     * call (x86-64's baseline has no popcnt instruction) */
    const __m128i one = _mm_set1_epi8(1), zero = _mm_setzero_si128();
    while (count > 16 && end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        __m128i sum = _mm_sad_epu8(_mm_and_si128(_mm_srli_epi16(v, 7), one), zero);
        unsigned cont = (unsigned)_mm_cvtsi128_si32(sum) + (unsigned)_mm_extract_epi16(sum, 4);
        count -= 16 - cont;
        p += 16;
    }
#endif
    while (count) {
        if (p >= end)
            return -1;
        count -= (*p++ < 0x80);
    }
    *pp = p;
    return 0;
}

void poisk_codec_map_ids(uint32_t *v, uint32_t n, const uint32_t *map)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {   /* four independent loads per step */
        uint32_t a = map[v[i]], b = map[v[i + 1]], c = map[v[i + 2]], d = map[v[i + 3]];
        v[i] = a;
        v[i + 1] = b;
        v[i + 2] = c;
        v[i + 3] = d;
    }
    for (; i < n; i++)
        v[i] = map[v[i]];
}
