/*
 * structure_token.c: the token stream of the structure parser (structure_token.h).
 * One pass over the UTF-8 text; damaged bytes act as separators, never as letters.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "structure_token.h"
#include "utf8.h"

#ifdef __SSE2__
#include <emmintrin.h>

/* Per 16-bit lane of 16 bytes of text (two mask bits a lane): is it a two-byte Cyrillic
 * letter U+0400-U+047F (lead D0/D1, then 10xxxxxx)? */
static inline unsigned sse_cyr_letters(__m128i x)
{
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(x, _mm_set1_epi16((short)0xC0FE)),
                                                       _mm_set1_epi16((short)0x80D0)));
}

/* ... and, for such a letter, is it not a capital (U+0410-U+042F, U+0400-U+040F): lead D1
 * (bit 0 set) or a second byte from B0 (bits 4 and 5 set)? */
static inline unsigned sse_cyr_not_capitals(__m128i x)
{
    const __m128i hi2 = _mm_set1_epi16(0x3000), odd = _mm_set1_epi16(0x0001);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi16(_mm_and_si128(x, hi2), hi2),
                                                    _mm_cmpeq_epi16(_mm_and_si128(x, odd), odd)));
}
#endif

static uint32_t decode(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    if (c < 0x80) { (*i)++; return c; }
    if ((c & 0xE0) == 0xC0 && c >= 0xC2 && *i + 1 < len && (s[*i + 1] & 0xC0) == 0x80) {
        uint32_t cp = ((c & 0x1F) << 6) | (s[*i + 1] & 0x3F);
        *i += 2;
        return cp;
    }
    if ((c & 0xF0) == 0xE0 && *i + 2 < len && (s[*i + 1] & 0xC0) == 0x80 &&
        (s[*i + 2] & 0xC0) == 0x80) {
        uint32_t cp = ((c & 0x0F) << 12) | ((s[*i + 1] & 0x3F) << 6) | (s[*i + 2] & 0x3F);
        *i += 3;
        return cp < 0x800 ? 0xFFFD : cp;
    }
    if ((c & 0xF8) == 0xF0 && *i + 3 < len && (s[*i + 1] & 0xC0) == 0x80 &&
        (s[*i + 2] & 0xC0) == 0x80 && (s[*i + 3] & 0xC0) == 0x80) {
        *i += 4;
        return 0x10000;   /* outside the scripts of the corpus: a separator */
    }
    (*i)++;
    return 0xFFFD;
}

/* The next code point: ASCII and the two-byte Cyrillic block (D0/D1 lead bytes, nearly
 * every byte of the corpus) inline, everything else through decode(). */
static inline uint32_t next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    if (c < 0x80) { (*i)++; return c; }
    if ((c == 0xD0 || c == 0xD1) && *i + 1 < len && (s[*i + 1] & 0xC0) == 0x80) {
        uint32_t cp = ((c & 0x1F) << 6) | (s[*i + 1] & 0x3F);
        *i += 2;
        return cp;
    }
    return decode(s, len, i);
}

static int is_letter(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
           (cp >= 0x400 && cp <= 0x52F);
}

static int is_upper(uint32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 0x400 && cp <= 0x42F) ||
           (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7);
}

static int is_joiner(uint32_t cp)
{
    return cp == 0xAD || cp == 0x301 || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060;
}

static int is_space(uint32_t cp)
{
    return st_is_ascii_space(cp) || cp == 0x85 || cp == 0xA0 ||
           cp == 0xFEFF || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* st_space_len() past its ASCII test. */
size_t st_space_len_wide(const char *text, size_t len, size_t i)
{
    size_t j = i;
    uint32_t cp = decode((const unsigned char *)text, len, &j);
    return is_space(cp) ? j - i : 0;
}

/* Room for more tokens: the slow half of push(). */
static __attribute__((noinline)) int grow(st_tokens *tk)
{
    size_t cap = tk->cap ? tk->cap + tk->cap / 2 : 1024;
    st_tok *t = realloc(tk->t, cap * sizeof *t);
    if (!t)
        return -1;
    tk->t = t;
    tk->cap = cap;
    return 0;
}

/* The token array while st_tokenize fills it: a local whose address never escapes, so
 * the array, count and capacity stay in registers across the calls in the loop (through
 * tk they were reloaded after each); tk->t and tk->cap are kept in step on growth. */
typedef struct tok_out { st_tok *t; size_t n, cap; } tok_out;

static inline __attribute__((always_inline)) int push(st_tokens *tk, tok_out *o, size_t at,
                                                     size_t size, unsigned flags)
{
    if (o->n == o->cap) {
        if (grow(tk))
            return -1;
        o->t = tk->t;
        o->cap = tk->cap;
    }
    o->t[o->n].start = (uint32_t)at;
    o->t[o->n].len_flags = (uint32_t)size | ((uint32_t)flags << 19);
    o->n++;
    return 0;
}

/* Note token idx (a digit run) in tk->digits. */
static int push_digit(st_tokens *tk, size_t idx)
{
    if (tk->n_digits == tk->cap_digits) {
        size_t cap = tk->cap_digits ? tk->cap_digits * 2 : 256;
        uint32_t *d = realloc(tk->digits, cap * sizeof *d);
        if (!d)
            return -1;
        tk->digits = d;
        tk->cap_digits = cap;
    }
    tk->digits[tk->n_digits++] = (uint32_t)idx;
    return 0;
}

/* ASCII classes: 2 digit, 1 letter, 0 other. */
static const unsigned char ascii_kind[128] = {
    ['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2, ['7'] = 2,
    ['8'] = 2, ['9'] = 2,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

/* The rest of a run of plain letters (ASCII, two-byte Cyrillic) or of digits from s[i],
 * counting letters and noting any letter that is not a capital: the bulk of the text,
 * without the general decoder.  Stops before anything else (joiners, other scripts,
 * damage) and where the token would reach the length limit; the caller's loop takes it
 * from there.  @return : the new i */
static inline __attribute__((always_inline)) size_t run_on(const unsigned char *s, size_t len, size_t i, size_t tok_start,
                            int kind, unsigned *letters, unsigned *lower)
{
    size_t stop = tok_start + ST_MAX_TOKEN_LEN - 4;     /* extend only while i - start < */
    if (kind == 2) {
        while (i < len && i < stop && s[i] >= '0' && s[i] <= '9') i++;
        return i;
    }
    unsigned l = *letters, low = *lower;
    size_t end = stop < len ? stop : len;
#ifdef __SSE2__
    /* eight Cyrillic letters at a time */
    while (i + 16 <= end) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned good = sse_cyr_letters(x);
        /* (once a letter is not a capital, the rest do not matter) */
        unsigned lowm = low ? 0 : sse_cyr_not_capitals(x);
        if (good == 0xFFFFu) {
            l += 8;
            low |= lowm != 0;
            i += 16;
            continue;
        }
        unsigned nb = (unsigned)__builtin_ctz(~good) >> 1;     /* whole letters */
        l += nb;
        low |= (lowm & ((1u << (2 * nb)) - 1)) != 0;
        i += 2 * nb;
        goto rest;                 /* the lane at i failed: so would the 8-byte test */
    }
#endif
    /* four Cyrillic letters at a time: each a lead byte D0/D1, then 10xxxxxx; a capital
     * (U+0410-U+042F, U+0400-U+040F) is lead D0 (bit 0 clear) with a second byte up to AF
     * (bits 4 and 5 not both set): one bit per letter */
    while (i + 8 <= end) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if ((x & 0xC0FEC0FEC0FEC0FEull) != 0x80D080D080D080D0ull)
            break;
        const uint64_t ones = 0x0001000100010001ull;
        l += 4;
        low |= (~x & ones & ~((x >> 12) & (x >> 13))) != ones;
        i += 8;
    }
#ifdef __SSE2__
rest:
#endif
    while (i < len && i < stop) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (ascii_kind[c] != 1) break;
            l++; low |= c > 'Z';
            i++;
        } else if ((c == 0xD0 || c == 0xD1) && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
            l++; low |= !(c == 0xD0 && s[i + 1] <= 0xAF);      /* U+0400-U+042F */
            i += 2;
        } else {
            break;
        }
    }
    *letters = l;
    *lower = low;
    return i;
}

int st_tokenize(const char *text, size_t len, st_tokens *tk)
{
    const unsigned char *s = (const unsigned char *)text;
    memset(tk, 0, sizeof *tk);
    tk->cap = len / 6 + 64;
    tk->t = malloc(tk->cap * sizeof *tk->t);
    if (!tk->t)
        return -1;
    tok_out o = { tk->t, 0, tk->cap };
    size_t newlines = 0;
    size_t i = 0, tok_start = 0, tok_end = 0;
    int kind = 0;                  /* of the open token: 0 none, 1 letters, 2 digits */
    unsigned pending = 0, flags = 0;
    unsigned spaces = 0, letters = 0, lower = 0;   /* lower: a letter not a capital */
    while (i < len) {
        /* the common separator: a word, one ASCII space, a Cyrillic letter.  While a token
         * is open nothing is pending (pending is reset when a token opens and set only
         * between tokens), one space sets no flag and the new token is not glued, so the
         * new token's flags are its capital only; the general path below would do the
         * same in two more rounds of this loop */
        if (kind == 1 && i + 2 < len && s[i] == ' ' && (s[i + 1] & 0xFE) == 0xD0 &&
            (s[i + 2] & 0xC0) == 0x80) {
            if (letters >= 2 && !lower) flags |= ST_ALLCAPS;
            if (push(tk, &o, tok_start, tok_end - tok_start, flags))
                return -1;
            tok_start = i + 1;
            spaces = 0;
#ifdef __SSE2__
            int done = 0;
            while (i + 35 <= len) {        /* (32 bytes from i + 1; 4 from the word's end) */
                /* the new word's first sixteen letters at once (run_on's test); lane 0, its
                 * first letter, passed the test above */
                __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
                __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 17));
                uint32_t good = sse_cyr_letters(x) | (uint32_t)sse_cyr_letters(y) << 16;
                unsigned nb = good == 0xFFFFFFFFu ? 16 : (unsigned)__builtin_ctz(~good) >> 1;
                size_t e = i + 1 + 2 * (size_t)nb;
                unsigned f = 0, low = 1;   /* a lower-case first letter: not all capitals */
                unsigned caps = 0;         /* ST_ALLCAPS if the word ends after these letters */
                if (s[i + 1] == 0xD0 && s[i + 2] <= 0xAF) {         /* U+0400-U+042F */
                    uint32_t lowm = sse_cyr_not_capitals(x) | (uint32_t)sse_cyr_not_capitals(y) << 16;
                    f = ST_UPPER;
                    low = nb == 16 ? lowm != 0 : (lowm & ((1u << (2 * nb)) - 1)) != 0;
                    caps = nb >= 2 && !low ? ST_ALLCAPS : 0;
                }
                /* a whole word, then the common separator again: the word is a token, and
                 * the next one is taken right here, without the loop's other tests */
                uint32_t sep = 0;          /* s[e, e + 4): a space, then a lead D0/D1 and a 10xxxxxx */
                if (nb < 16)               /* (then e + 4 <= i + 35) */
                    memcpy(&sep, s + e, 4);
                if ((sep & 0x00C0FEFFu) == 0x0080D020u) {
                    if (push(tk, &o, tok_start, e - tok_start, f | caps))
                        return -1;
                    i = e;
                    tok_start = i + 1;
                    continue;
                }
                letters = nb;
                lower = low;
                flags = f;
                i = e;
                /* a partial run ended by an ASCII non-letter (a space, mostly) is whole */
                if (nb < 16 && s[i] < 0x80 && ascii_kind[s[i]] != 1)
                    tok_end = i;
                else
                    tok_end = i = run_on(s, len, i, tok_start, 1, &letters, &lower);
                done = 1;
                break;
            }
            if (done)
                continue;
#endif
            letters = 1;
            lower = !(s[i + 1] == 0xD0 && s[i + 2] <= 0xAF);     /* U+0400-U+042F */
            flags = lower ? 0 : ST_UPPER;
            tok_end = i = run_on(s, len, i + 3, tok_start, 1, &letters, &lower);
            continue;
        }
        size_t at = i;
        uint32_t cp = next_cp(s, len, &i);
        int k = cp < 0x80 ? ascii_kind[cp] : (cp >= 0x400 && cp <= 0x52F) ? 1 : is_letter(cp);
        if (!k && kind && cp >= 0xAD && is_joiner(cp)) {
            tok_end = i;
            tk->joiners = 1;
            continue;
        }
        if (k && kind == k && tok_end - tok_start < ST_MAX_TOKEN_LEN - 4) {
            if (k == 1) { letters++; lower |= !((cp >= 0x400 && cp <= 0x42F) || (cp < 0x400 && is_upper(cp))); }
            tok_end = i = run_on(s, len, i, tok_start, k, &letters, &lower);
            continue;
        }
        int glued = 0;
        if (kind) {                /* close the open token */
            if (letters >= 2 && !lower) flags |= ST_ALLCAPS;
            if (push(tk, &o, tok_start, tok_end - tok_start, flags) ||
                (kind == 2 && push_digit(tk, o.n - 1)))
                return -1;
            glued = k != 0;
            kind = 0;
        }
        if (k) {                   /* open a new token */
            kind = k;
            tok_start = at;
            tok_end = i;
            flags = pending | (glued ? ST_GLUED : 0) | (k == 2 ? ST_DIGIT : 0);
            letters = lower = 0;
            if (k == 1) {
                letters = 1;
                lower = !is_upper(cp);
                if (!lower) flags |= ST_UPPER;
            }
            pending = 0;
            spaces = 0;
            tok_end = i = run_on(s, len, i, tok_start, k, &letters, &lower);
            continue;
        }
        if (cp == '\n') { pending |= ST_NL_BEFORE; newlines++; }
        if (is_space(cp)) {
            if (++spaces >= 2) pending |= ST_WIDE_BEFORE;
        } else if (cp == '.') {
            pending |= ST_DOT_BEFORE | ST_PUNCT_BEFORE;
        } else if (cp == ';') {
            pending |= ST_SEMI_BEFORE | ST_PUNCT_BEFORE;
        } else {
            pending |= ST_PUNCT_BEFORE;
        }
    }
    if (kind) {
        if (letters >= 2 && !lower) flags |= ST_ALLCAPS;
        if (push(tk, &o, tok_start, tok_end - tok_start, flags) ||
            (kind == 2 && push_digit(tk, o.n - 1)))
            return -1;
    }
    tk->n = o.n;
    tk->newlines = newlines;
    return 0;
}

void st_tokens_free(st_tokens *tk)
{
    free(tk->t);
    free(tk->digits);
    memset(tk, 0, sizeof *tk);
}


/* st_norm's st_fold() of U+0400-U+047F (lead byte D0/D1, index ((lead & 1) << 6) | (second
 * byte & 0x3F)) as the two UTF-8 bytes of the result, lead byte in the low half; built once
 * from st_fold(), so the two cannot disagree. */
static uint16_t fold_d0d1[128];
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void fold_d0d1_init(void)
{
    for (unsigned k = 0; k < 128; k++) {
        uint32_t f = st_fold(0x400 + k);     /* stays in U+0400-U+047F: two bytes */
        fold_d0d1[k] = (uint16_t)((0xC0 | f >> 6) | (0x80 | (f & 0x3F)) << 8);
    }
}

size_t st_norm(const char *text, const st_tok *t, char *out, size_t cap)
{
    pthread_once(&fold_once, fold_d0d1_init);
    const unsigned char *s = (const unsigned char *)text + t->start;
    size_t len = st_len(t), i = 0, o = 0;
    while (i < len) {
        poisk_utf8_copy_lower4(s, len, &i, out, cap, &o);   /* а-п, р-я: their own folding */
        if (i >= len)
            break;
        unsigned c = s[i];
        /* two-byte Cyrillic (U+0400-U+047F: no joiner there) and ASCII inline */
        if ((c & 0xFE) == 0xD0 && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
            uint16_t f = fold_d0d1[((c & 1u) << 6) | (s[i + 1] & 0x3Fu)];
            if (o + 2 >= cap) break;
            out[o++] = (char)(f & 0xFF);
            out[o++] = (char)(f >> 8);
            i += 2;
            continue;
        }
        if (c < 0x80) {
            if (o + 1 >= cap) break;
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            i++;
            continue;
        }
        uint32_t cp = next_cp(s, len, &i);
        if (cp >= 0xAD && is_joiner(cp))
            continue;
        cp = st_fold(cp);
        if (cp < 0x80) {
            if (o + 1 >= cap) break;
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            if (o + 2 >= cap) break;
            out[o++] = (char)(0xC0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            if (o + 3 >= cap) break;
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    if (cap) out[o] = 0;
    return o;
}

/* Is the token's first character, normalised, the first character of word (wl >= 1
 * bytes)?  It is never dropped: a token starts with a letter or a digit. */
static int first_char_is(const char *text, const st_tok *t, const char *word, size_t wl)
{
    const unsigned char *s = (const unsigned char *)text + t->start;
    size_t i = 0;
    uint32_t c0 = st_fold(next_cp(s, st_len(t), &i));
    if (c0 < 0x80)
        return (unsigned char)word[0] == c0;
    if (c0 < 0x800)
        return wl >= 2 && (unsigned char)word[0] == (0xC0 | (c0 >> 6)) &&
               (unsigned char)word[1] == (0x80 | (c0 & 0x3F));
    return 1;
}

/* Can the token hold a character st_norm drops (soft hyphen C2 AD, combining acute CC 81,
 * zero-width E2 80 8B-8D / E2 81 A0)?  Only then is its normalised form shorter than it. */
static int may_shrink(const char *text, const st_tok *t)
{
    const unsigned char *s = (const unsigned char *)text + t->start;
    for (uint32_t i = 0, n = st_len(t); i < n; i++)
        if (s[i] == 0xC2 || s[i] == 0xCC || s[i] == 0xE2)
            return 1;
    return 0;
}

/* Normalisation never lengthens a token (case folding keeps the byte length, dropped
 * characters shorten it), so a token longer than word without a droppable character cannot
 * be equal.  The caller has checked wl <= length <= 256 and the first character (quick). */
int st_is_rest(const char *text, const st_tok *t, const char *word, size_t wl, int quick)
{
    char buf[128];
    size_t len = st_len(t);
    if (!quick && !first_char_is(text, t, word, wl))
        return 0;
    if (len > wl && !may_shrink(text, t))
        return 0;
    size_t n = st_norm(text, t, buf, sizeof buf);
    return n == wl && memcmp(buf, word, wl) == 0;
}

/* Only the first k bytes of the normalised form are needed: st_norm stops there (a
 * character that would not fit whole is not written, so a match is never cut short). */
int st_starts_rest(const char *text, const st_tok *t, const char *prefix, size_t k, int quick)
{
    char buf[128];
    if (!quick && !first_char_is(text, t, prefix, k))
        return 0;
    size_t n = st_norm(text, t, buf, k + 1 < sizeof buf ? k + 1 : sizeof buf);
    return n >= k && memcmp(buf, prefix, k) == 0;
}

long st_value(const char *text, const st_tok *t)
{
    if (!(st_flags(t) & ST_DIGIT) || st_len(t) > 9)
        return -1;
    long v = 0;
    for (uint32_t i = 0; i < st_len(t); i++)
        v = v * 10 + (text[t->start + i] - '0');
    return v;
}
