/*
 * utf8.h: strict UTF-8 decoding for the analyzer (first stage: bytes -> code points).
 * Never fails: a damaged sequence decodes to POISK_UTF8_BAD and is skipped byte-wise, so
 * every input is consumed in bounded steps and never read past its end.
 */
#ifndef POISK_UTF8_H
#define POISK_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define POISK_UTF8_BAD 0xFFFFFFFFu

/*! poisk_utf8_decode() : decode the code point at s[0..n) (n >= 1).  Invalid lead or
 *  continuation bytes, overlong forms, surrogates, values over U+10FFFF and NUL give
 *  POISK_UTF8_BAD; a well-formed but forbidden sequence is consumed whole, a broken one
 *  byte by byte.  @return : bytes consumed (1..4, never more than n) */
static inline size_t poisk_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c ? c : POISK_UTF8_BAD;
        return 1;
    }
    if (c < 0xC0 || c > 0xF4) {            /* stray continuation byte, or a lead over F4 */
        *cp = POISK_UTF8_BAD;
        return 1;
    }
    size_t need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < need) {
        *cp = POISK_UTF8_BAD;
        return 1;
    }
    uint32_t v = c & (0x7F >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = POISK_UTF8_BAD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((need == 2 && v < 0x80) || (need == 3 && v < 0x800)
        || (need == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = POISK_UTF8_BAD;              /* overlong, out of range or a surrogate: one */
        return need;                       /* damaged sequence, skipped whole */
    }
    *cp = v;
    return need;
}

/*! poisk_utf8_encode() : write cp (valid scalar) to out (room for 4). @return : bytes */
static inline size_t poisk_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/*! poisk_utf8_count_bad() : damaged sequences in s[0..n) (tests, diagnostics). */
size_t poisk_utf8_count_bad(const char *s, size_t n);

/*! poisk_utf8_copy_lower4() : copies s[*i..len) to out[*o..) four letters (8 bytes) at a
 *  time while they are lower-case а-п, р-я (not ё), which case folding leaves as they
 *  are, and 8 bytes fit before cap with one to spare; advances *i and *o.  The test, per
 *  16-bit lane (lead byte low): lead D0/D1, second 10xxxxxx with bits 5 and 4 both set
 *  after D0 (B0-BF), both clear after D1 (80-8F). */
static inline void poisk_utf8_copy_lower4(const unsigned char *s, size_t len, size_t *i,
                                          char *out, size_t cap, size_t *o)
{
    const uint64_t ones = 0x0001000100010001ull;
    while (*i + 8 <= len && *o + 8 < cap) {
        uint64_t x;
        memcpy(&x, s + *i, 8);
        if ((x & 0xC0FEC0FEC0FEC0FEull) != 0x80D080D080D080D0ull ||
            (((x >> 13) ^ (x >> 12)) & ones) || (((x >> 13) ^ x) & ones) != ones)
            return;
        memcpy(out + *o, &x, 8);
        *i += 8;
        *o += 8;
    }
}

#endif
