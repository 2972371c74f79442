/*
 * store_code.c: the passage store's byte code (store_code.h, docs/FORMAT.md §7).
 * Code bytes: 0x00..0x7F themselves; 0x80..0xDF U+0400..U+045F (Ѐ..џ, А..я among them);
 * 0xE0 escape (the next byte, >= 0x80, is itself); 0xE1..0xFF the 31 characters of
 * misc_cp[].  The encoder codes a character only when its UTF-8 bytes are complete and
 * well formed (never an overlong form), so decoding gives back exactly the input bytes.
 *
 * The encoder's fast path takes 8 bytes at a time when they are only ASCII bytes and
 * letters U+0400..U+045F (D0/D1 + a continuation byte): it finds them with word-wide
 * arithmetic and writes every position's code, advancing past ASCII bytes and second
 * bytes only (a letter's lead byte is written over), about 13 instructions a byte where a
 * byte-by-byte encoder takes 30-40.  On x86 with SSSE3 (checked at run time) the same
 * test runs on 16 bytes at a time and a byte shuffle per 8 writes the kept bytes, about
 * 3 instructions a byte.  Everything else goes one character at a time.  The decoder
 * likewise: 4 code bytes a step through a table, or 8 a step with SSSE3.
 */
#include "store_code.h"

#include <pthread.h>
#include <string.h>

#include "utf8.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define STORE_CODE_SSSE3 1
#include <tmmintrin.h>
#endif

#define ESCAPE 0xE0u

int poisk_store_code_portable;

static const uint16_t misc_cp[31] = {
    0x00A0, 0x00A7, 0x00A9, 0x00AB, 0x00AE, 0x00B0, 0x00B1, 0x00B7, 0x00BB, 0x00D7, 0x2010,
    0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x201E, 0x2022, 0x2026, 0x2030, 0x2032,
    0x20AC, 0x20BD, 0x2116, 0x2122, 0x2192, 0x2212, 0x2248, 0x2264, 0x2265,
};

/* code byte -> its UTF-8 bytes (up to 3) and their count; 0 = the escape.  Built once
 * (code_init) from the rules above, which are the whole definition of the code. */
static uint8_t dec_tab[256][4];

static void dec_tab_init(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint32_t cp;
        if (b < 0x80)
            cp = b;
        else if (b < ESCAPE)
            cp = 0x400 + (b - 0x80);
        else if (b == ESCAPE)
            continue;
        else
            cp = misc_cp[b - ESCAPE - 1];
        dec_tab[b][3] = (uint8_t)poisk_utf8_encode(cp, (char *)dec_tab[b]);
    }
}

/* the code of misc character cp, or 0 */
static unsigned misc_code(unsigned cp)
{
    unsigned lo = 0, hi = sizeof misc_cp / sizeof *misc_cp;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (misc_cp[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sizeof misc_cp / sizeof *misc_cp && misc_cp[lo] == cp ? 0xE1 + lo : 0;
}

static int cont(uint8_t b) { return (b & 0xC0) == 0x80; }

/* One character (or byte) at in[0..avail), at a character boundary: its code at o.
 * @return : o past the code; *took = the input bytes it took */
static uint8_t *encode_slow(const uint8_t *in, size_t avail, uint8_t *o, size_t *took)
{
    uint8_t b = in[0];
    unsigned code = 0, len = 1;
    *took = 1;
    if (b < 0x80) {
        *o++ = b;
        return o;
    }
    if (avail >= 2 && b >= 0xC2 && b <= 0xDF && cont(in[1])) {
        unsigned cp = ((unsigned)(b & 0x1F) << 6) | (in[1] & 0x3F);
        len = 2;
        code = cp >= 0x400 && cp < 0x460 ? 0x80 + (cp - 0x400) : misc_code(cp);
    } else if (avail >= 3 && b == 0xE2 && cont(in[1]) && cont(in[2])) {
        unsigned cp = ((unsigned)(b & 0x0F) << 12) | ((unsigned)(in[1] & 0x3F) << 6) | (in[2] & 0x3F);
        len = 3;
        code = misc_code(cp);
    }
    if (code) {
        *o++ = (uint8_t)code;
        *took = len;
        return o;
    }
    *o++ = ESCAPE;
    *o++ = b;
    return o;
}

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* high bit of each byte of x that is zero */
static inline uint64_t zero_bytes(uint64_t x)
{
    return ~(((x & ~HIGH) + ~HIGH) | x) & HIGH;
}

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&v, p, 8);
#else
    for (int k = 7; k >= 0; k--)
        v = v << 8 | p[k];
#endif
    return v;
}

#ifdef STORE_CODE_SSSE3
/* for each 8-bit mask of kept bytes: their positions, first to last, and their count;
 * for each 8-bit mask of 2-byte code bytes among 8 (decoding): where each output byte is
 * in the interleaved (lead, second) pairs */
static uint8_t shuf_tab[256][8], shuf_count[256], unshuf_tab[256][16];
static int have_ssse3;

static void shuf_init(void)
{
    for (unsigned m = 0; m < 256; m++) {
        unsigned c = 0;
        for (unsigned k = 0; k < 8; k++)
            if (m >> k & 1)
                shuf_tab[m][c++] = (uint8_t)k;
        shuf_count[m] = (uint8_t)c;
        c = 0;
        memset(unshuf_tab[m], 0x80, 16);
        for (unsigned k = 0; k < 8; k++) {
            unshuf_tab[m][c++] = (uint8_t)(2 * k);
            if (m >> k & 1)
                unshuf_tab[m][c++] = (uint8_t)(2 * k + 1);
        }
    }
    __builtin_cpu_init();
    have_ssse3 = __builtin_cpu_supports("ssse3");
}

/* The fast loop of poisk_store_code_encode on 16 bytes at a time.  @return : o past the
 * code; *ip advanced to where it stopped (fewer than 16 bytes left) */
__attribute__((target("ssse3"))) static uint8_t *encode_ssse3(const uint8_t *in, size_t n,
                                                              size_t *ip, uint8_t *o)
{
    size_t i = *ip;
    const __m128i c80 = _mm_set1_epi8((char)0x80), c3f = _mm_set1_epi8(0x3F),
                  cc0 = _mm_set1_epi8((char)0xC0), cfe = _mm_set1_epi8((char)0xFE),
                  cd0 = _mm_set1_epi8((char)0xD0), c01 = _mm_set1_epi8(1),
                  c40 = _mm_set1_epi8(0x40), c60 = _mm_set1_epi8(0x60),
                  m1 = _mm_set1_epi8(-1), c08 = _mm_set1_epi8(8);
    while (n - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(in + i));
        __m128i prev = _mm_slli_si128(v, 1);
        __m128i ascii = _mm_cmpgt_epi8(v, m1);
        __m128i cnt = _mm_cmpeq_epi8(_mm_and_si128(v, cc0), c80);
        __m128i lead = _mm_cmpeq_epi8(_mm_and_si128(v, cfe), cd0);
        __m128i plead = _mm_slli_si128(lead, 1);
        __m128i pbit = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(prev, c01), c01), c40);
        __m128i key = _mm_or_si128(pbit, _mm_and_si128(v, c3f));
        __m128i mapped = _mm_cmplt_epi8(key, c60);
        __m128i bad = _mm_or_si128(_mm_andnot_si128(cnt, plead),
                                   _mm_andnot_si128(_mm_and_si128(plead, mapped), cnt));
        bad = _mm_or_si128(bad, _mm_andnot_si128(_mm_or_si128(_mm_or_si128(ascii, cnt), lead), m1));
        unsigned badm = (unsigned)_mm_movemask_epi8(bad);
        unsigned leadm = (unsigned)_mm_movemask_epi8(lead);
        unsigned adv = 16 - (leadm >> 15);
        if (badm) {
            unsigned k = (unsigned)__builtin_ctz(badm);
            adv = k - (k ? (leadm >> (k - 1)) & 1 : 0);
        }
        __m128i code = _mm_or_si128(_mm_and_si128(ascii, v),
                                    _mm_andnot_si128(ascii, _mm_or_si128(key, c80)));
        unsigned keep = (unsigned)_mm_movemask_epi8(_mm_or_si128(ascii, cnt)) & ((1u << adv) - 1);
        __m128i lo = _mm_shuffle_epi8(code, _mm_loadl_epi64((const __m128i *)shuf_tab[keep & 0xFF]));
        __m128i hi = _mm_shuffle_epi8(
            code, _mm_add_epi8(_mm_loadl_epi64((const __m128i *)shuf_tab[keep >> 8]), c08));
        _mm_storel_epi64((__m128i *)o, lo);
        o += shuf_count[keep & 0xFF];
        _mm_storel_epi64((__m128i *)o, hi);
        o += shuf_count[keep >> 8];
        i += adv;
        if (badm) {
            size_t took;
            o = encode_slow(in + i, n - i, o, &took);
            i += took;
        }
    }
    *ip = i;
    return o;
}
#endif

static pthread_once_t code_once = PTHREAD_ONCE_INIT;

static void code_init(void)
{
    dec_tab_init();
#ifdef STORE_CODE_SSSE3
    shuf_init();
#endif
}

size_t poisk_store_code_encode(const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t *o = out;
    size_t i = 0;
    pthread_once(&code_once, code_init);
#ifdef STORE_CODE_SSSE3
    if (have_ssse3 && !poisk_store_code_portable)
        o = encode_ssse3(in, n, &i, o);
#endif
    while (n - i >= 8) {
        uint64_t v = load_le64(in + i);
        uint64_t prev = v << 8;                        /* the byte before each (0 first) */
        uint64_t ascii = ~v & HIGH;
        uint64_t cnt = zero_bytes((v & (0xC0 * ONES)) ^ HIGH);
        uint64_t lead = zero_bytes((v & (0xFE * ONES)) ^ (0xD0 * ONES));
        uint64_t plead = lead << 8;
        /* a second byte's code: 0x80 | ((lead & 1) << 6 | (byte & 0x3F)), for < 0xE0 */
        uint64_t key = ((prev & ONES) << 6) | (v & (0x3F * ONES));
        uint64_t mapped = ~(key + 0x20 * ONES) & HIGH;  /* key < 0x60 */
        uint64_t bad = (plead & ~cnt) | (cnt & ~(plead & mapped)) | (~(ascii | cnt | lead) & HIGH);
        /* the positions before the first bad character (a letter's lead before a bad
         * second byte belongs to it), or all 8 but a lead last, which comes again next */
        size_t adv = 8 - (size_t)((lead >> 63) & 1);
        if (bad) {
            unsigned k = (unsigned)__builtin_ctzll(bad) >> 3;
            adv = k - (size_t)((plead >> (8 * k + 7)) & 1);
        }
        uint64_t asel = (ascii >> 7) * 0xFF;
        uint64_t code = (v & asel) | ((key | HIGH) & ~asel);
        uint64_t keep = (ascii | cnt) >> 7;             /* bit 0 of each byte */
        if (adv < 8)
            keep &= adv ? ~0ull >> (64 - 8 * adv) : 0;
        if (keep == 0x0100010001000100ull) {            /* 4 letters: bytes 1, 3, 5, 7 */
            uint64_t x = (code >> 8) & 0x00FF00FF00FF00FFull;
            x = (x | (x >> 8)) & 0x0000FFFF0000FFFFull;
            x = x | (x >> 16);
            o[0] = (uint8_t)x;
            o[1] = (uint8_t)(x >> 8);
            o[2] = (uint8_t)(x >> 16);
            o[3] = (uint8_t)(x >> 24);
            o += 4;
        } else {
#define EMIT(k)                                                                             \
    *o = (uint8_t)(code >> (8 * (k)));                                                     \
    o += (keep >> (8 * (k))) & 1
            EMIT(0); EMIT(1); EMIT(2); EMIT(3); EMIT(4); EMIT(5); EMIT(6); EMIT(7);
#undef EMIT
        }
        i += adv;
        if (bad) {
            size_t took;
            o = encode_slow(in + i, n - i, o, &took);
            i += took;
        }
    }
    while (i < n) {
        size_t took;
        o = encode_slow(in + i, n - i, o, &took);
        i += took;
    }
    return (size_t)(o - out);
}

/* Decode one code byte (or an escape and its byte) at *in into *o, checked.
 * @return : 0, or -1 when it is no code or does not fit */
static int decode_one(const uint8_t **in, const uint8_t *end, uint8_t **o, uint8_t *oend)
{
    const uint8_t *p = *in, *t = dec_tab[*p];
    if (t[3]) {
        if ((size_t)(oend - *o) < t[3])
            return -1;
        memcpy(*o, t, t[3]);
        *o += t[3];
        *in = p + 1;
        return 0;
    }
    if (end - p < 2 || p[1] < 0x80 || *o == oend)
        return -1;
    *(*o)++ = p[1];
    *in = p + 2;
    return 0;
}

#ifdef STORE_CODE_SSSE3
/* The decoder's fast loop on 8 code bytes at a time: a letter 0x80..0xDF is D0/D1 and the
 * byte itself (0x80..0xBF) or less 0x40 (0xC0..0xDF); the pairs (lead, second), ASCII's
 * with itself as lead, are interleaved and a shuffle keeps 1 or 2 bytes of each.  The
 * other code bytes (0xE0 and up) go through decode_one.  Stops near either end.
 * @return : 0, or -1 when the input is no code */
__attribute__((target("ssse3"))) static int decode_ssse3(const uint8_t **inp, const uint8_t *end,
                                                         uint8_t **op, uint8_t *oend)
{
    const uint8_t *in = *inp;
    uint8_t *o = *op;
    const __m128i zero = _mm_setzero_si128(), ce0 = _mm_set1_epi8((char)0xE0),
                  c40 = _mm_set1_epi8(0x40), cbf = _mm_set1_epi8((char)0xBF),
                  cd0 = _mm_set1_epi8((char)0xD0), c01 = _mm_set1_epi8(1);
    int rc = 0;
    while (end - in >= 8 && oend - o >= 16) {
        __m128i c = _mm_loadl_epi64((const __m128i *)in);
        __m128i two = _mm_cmplt_epi8(c, zero);                          /* >= 0x80 */
        unsigned other = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(c, ce0), ce0))
                         & 0xFF;
        __m128i d1 = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(c, c40), c40), c01);
        __m128i lead = _mm_or_si128(_mm_and_si128(two, _mm_or_si128(cd0, d1)),
                                    _mm_andnot_si128(two, c));
        __m128i pairs = _mm_unpacklo_epi8(lead, _mm_and_si128(c, cbf));
        unsigned m = (unsigned)_mm_movemask_epi8(two) & 0xFF, k = 8;
        if (other) {
            k = (unsigned)__builtin_ctz(other);
            m &= (1u << k) - 1;
        }
        __m128i out = _mm_shuffle_epi8(pairs, _mm_loadu_si128((const __m128i *)unshuf_tab[m]));
        _mm_storeu_si128((__m128i *)o, out);
        o += k + shuf_count[m];
        in += k;
        if (other && (rc = decode_one(&in, end, &o, oend)) != 0)
            break;
    }
    *inp = in;
    *op = o;
    return rc;
}
#endif

int poisk_store_code_decode(const uint8_t *in, size_t n, uint8_t *out, size_t out_len)
{
    const uint8_t *end = in + n;
    uint8_t *o = out, *oend = out + out_len;
    pthread_once(&code_once, code_init);
#ifdef STORE_CODE_SSSE3
    if (have_ssse3 && !poisk_store_code_portable && decode_ssse3(&in, end, &o, oend))
        return -1;
#endif
    while (in < end) {
        /* fast: 4 code bytes, none an escape, with room for 4 whole table entries */
        while (end - in >= 4 && oend - o >= 16) {
            const uint8_t *t0 = dec_tab[in[0]], *t1 = dec_tab[in[1]], *t2 = dec_tab[in[2]],
                          *t3 = dec_tab[in[3]];
            if (!(t0[3] && t1[3] && t2[3] && t3[3]))
                break;
            memcpy(o, t0, 4);
            o += t0[3];
            memcpy(o, t1, 4);
            o += t1[3];
            memcpy(o, t2, 4);
            o += t2[3];
            memcpy(o, t3, 4);
            o += t3[3];
            in += 4;
        }
        if (in < end && decode_one(&in, end, &o, oend))
            return -1;
    }
    return o == oend ? 0 : -1;
}
