/*
 * structure_token.h: the token stream the structure parser reads (stage: text -> document
 * model).  A token is a maximal run of letters or of digits ("8Раздел" is "8" + "Раздел",
 * glued); soft hyphens and zero-width characters inside a word do not split it; everything
 * else separates tokens.  Each token remembers what separated it from the previous one
 * (newline, dot, semicolon, two or more spaces), which is all the layout the rules need, so
 * CRLF, BOM, NBSP, typographic quotes and dashes make no difference to them.
 */
#ifndef POISK_STRUCTURE_TOKEN_H
#define POISK_STRUCTURE_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum {
    ST_DIGIT      = 1 << 0,   /* digits only */
    ST_UPPER      = 1 << 1,   /* starts with an upper-case letter */
    ST_GLUED      = 1 << 2,   /* no separator before it (letter/digit change) */
    ST_NL_BEFORE  = 1 << 3,   /* a line break before it */
    ST_DOT_BEFORE = 1 << 4,   /* a '.' between it and the previous token */
    ST_SEMI_BEFORE= 1 << 5,   /* a ';' between it and the previous token */
    ST_WIDE_BEFORE= 1 << 6,   /* two or more white-space characters before it */
    ST_ALLCAPS    = 1 << 7,   /* two or more letters, all upper case */
    ST_BOILER     = 1 << 8,   /* set by the parser: part of a boilerplate span */
    ST_PUNCT_BEFORE = 1 << 9, /* some other non-space character before it («, №, -, ...) */
    ST_HEADING    = 1 << 10,  /* set by the parser: the number of a section/sector heading */
    ST_SECTION    = 1 << 11,  /* set by the parser: first token of a section/appendix heading */
    ST_IN_HEADER  = 1 << 12   /* set by the parser: a bare number inside a table header split
                                 across pages (the page number there) */
};

/* 8 bytes per token keeps a 50 MB file's token array near its size. */
typedef struct st_tok {
    uint32_t start;           /* byte offset in the text */
    uint32_t len_flags;       /* length in bytes (low 19 bits) | flags << 19 */
} st_tok;

#define ST_MAX_TOKEN_LEN ((1u << 19) - 1)

static inline uint32_t st_len(const st_tok *t) { return t->len_flags & ST_MAX_TOKEN_LEN; }
static inline unsigned st_flags(const st_tok *t) { return t->len_flags >> 19; }
static inline uint32_t st_end(const st_tok *t) { return t->start + st_len(t); }
static inline void st_set_flag(st_tok *t, unsigned f) { t->len_flags |= (uint32_t)f << 19; }

/* Lower case, ё -> е: the folding of st_norm (a code point). */
static inline uint32_t st_fold(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z') cp += 32;
    else if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;
    else if (cp >= 0x400 && cp <= 0x40F) cp += 0x50;
    if (cp == 0x451) cp = 0x435;           /* ё -> е */
    return cp;
}

typedef struct st_tokens {
    st_tok *t;
    size_t n, cap;
    size_t newlines;
    int joiners;              /* some token holds a character st_norm drops (soft hyphen,
                                 zero-width, combining acute): only then can a token's
                                 normalised form be shorter than the token */
    uint32_t *digits;         /* indexes of the ST_DIGIT tokens, ascending: the rules that
                                 look for numbers walk these, not every token */
    size_t n_digits, cap_digits;
} st_tokens;

/*! st_tokenize() : tokens of text[0,len) (len < 4 GiB).  @return : 0, or -1 on ENOMEM */
int st_tokenize(const char *text, size_t len, st_tokens *out);
void st_tokens_free(st_tokens *tk);

/*! st_norm() : the token lower-cased, ё->е, invisible characters dropped, into out
 *  (NUL-terminated, truncated to cap-1 bytes).  @return : length written */
size_t st_norm(const char *text, const st_tok *t, char *out, size_t cap);

/* The rules ask "is token i the word w?" of nearly every token, and nearly every answer
 * is no: the length and first-character tests are inline, the rest is out of line. */

/*! -1 when the token's first character, normalised, is not word's first character (wl >= 1
 *  bytes), 1 when it is, 0 when the quick test cannot tell (not ASCII or two-byte
 *  Cyrillic).  Lower case and ё -> е as st_norm folds them. */
static inline int st_first_quick(const char *text, const st_tok *t, const char *word, size_t wl)
{
    const unsigned char *s = (const unsigned char *)text + t->start;
    const unsigned char *w = (const unsigned char *)word;
    unsigned c = s[0];
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z') c += 32;
        return w[0] == c ? 1 : -1;
    }
    if ((c != 0xD0 && c != 0xD1) || st_len(t) < 2 || (s[1] & 0xC0) != 0x80)
        return 0;
    uint32_t cp = ((c & 0x1F) << 6) | (s[1] & 0x3F);
    if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;
    else if (cp >= 0x400 && cp <= 0x40F) cp += 0x50;
    if (cp == 0x451) cp = 0x435;                       /* ё -> е */
    return wl >= 2 && w[0] == (0xC0 | (cp >> 6)) && w[1] == (0x80 | (cp & 0x3F)) ? 1 : -1;
}

/*! st_is_n() past the length and first-character tests (quick: st_first_quick's answer). */
int st_is_rest(const char *text, const st_tok *t, const char *word, size_t wl, int quick);
/*! st_starts_n() past the length and first-character tests. */
int st_starts_rest(const char *text, const st_tok *t, const char *prefix, size_t k, int quick);

/*! Is the normalised token equal to word (normalised, lower case), wl = strlen(word)?
 *  Normalisation never lengthens a token, so a shorter token cannot be equal. */
static inline int st_is_n(const char *text, const st_tok *t, const char *word, size_t wl)
{
    size_t len = st_len(t);
    if (len < wl || len > 256 || !wl)
        return wl == 0 && len == 0;
    int q = st_first_quick(text, t, word, wl);
    return q >= 0 && st_is_rest(text, t, word, wl, q);
}
/*! Is the normalised token equal to word? */
static inline int st_is(const char *text, const st_tok *t, const char *word)
{
    return st_is_n(text, t, word, strlen(word));
}
/*! Does the normalised token start with prefix (k = strlen(prefix))? */
static inline int st_starts_n(const char *text, const st_tok *t, const char *prefix, size_t k)
{
    if (st_len(t) < k)
        return 0;
    if (!k)
        return 1;
    int q = st_first_quick(text, t, prefix, k);
    return q >= 0 && st_starts_rest(text, t, prefix, k, q);
}
/*! Does the normalised token start with prefix? */
static inline int st_starts(const char *text, const st_tok *t, const char *prefix)
{
    return st_starts_n(text, t, prefix, strlen(prefix));
}
/*! The first token of t[i, n) exactly len bytes long; n if none.  A rule that looks for one
 *  short word walks every token: two tokens a step (SSE2). */
static inline size_t st_find_len(const st_tok *t, size_t i, size_t n, uint32_t len)
{
#ifdef __SSE2__
    const __m128i lmask = _mm_set_epi32(ST_MAX_TOKEN_LEN, 0, ST_MAX_TOKEN_LEN, 0),
                  want = _mm_set_epi32((int)len, -1, (int)len, -1);
    for (; i + 2 <= n; i += 2) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi32(_mm_and_si128(x, lmask), want));
        if (m)
            return i + (m & 0xF0u ? 0 : 1);
    }
#endif
    for (; i < n; i++)
        if ((t[i].len_flags & ST_MAX_TOKEN_LEN) == len)
            return i;
    return n;
}

/*! Value of a digit token of at most 9 digits; -1 otherwise. */
long st_value(const char *text, const st_tok *t);

/*! Is the code point c ASCII white space (space, tab, line feed, VT, FF, CR)? */
static inline int st_is_ascii_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D);
}

/*! st_space_len()'s out-of-line half, for a byte >= 0x80 (it decodes the character). */
size_t st_space_len_wide(const char *text, size_t len, size_t i);

/*! Is the byte at text[i] (i < len) the start of white space (ASCII, NBSP, BOM, Unicode
 *  spaces)?  An ASCII byte is answered inline (most are: the common space).
 *  @return : its length in bytes, or 0 */
static inline size_t st_space_len(const char *text, size_t len, size_t i)
{
    unsigned char c = (unsigned char)text[i];
    if (c < 0x80)
        return st_is_ascii_space(c);
    return st_space_len_wide(text, len, i);
}

#endif
