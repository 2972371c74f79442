/*
 * structure_token.c: the token stream of the structure parser (structure_token.h).
 * One pass over the UTF-8 text; damaged bytes act as separators, never as letters.
 */
#include <stdlib.h>
#include <string.h>

#include "structure_token.h"

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
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 ||
           cp == 0xFEFF || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

size_t st_space_len(const char *text, size_t len, size_t i)
{
    size_t j = i;
    uint32_t cp = decode((const unsigned char *)text, len, &j);
    return is_space(cp) ? j - i : 0;
}

static int push(st_tokens *tk, uint32_t start, uint32_t len, unsigned flags)
{
    if (tk->n == tk->cap) {
        size_t cap = tk->cap ? tk->cap + tk->cap / 2 : 1024;
        st_tok *t = realloc(tk->t, cap * sizeof *t);
        if (!t)
            return -1;
        tk->t = t;
        tk->cap = cap;
    }
    tk->t[tk->n].start = start;
    tk->t[tk->n].len_flags = len | ((uint32_t)flags << 19);
    tk->n++;
    return 0;
}

int st_tokenize(const char *text, size_t len, st_tokens *tk)
{
    const unsigned char *s = (const unsigned char *)text;
    memset(tk, 0, sizeof *tk);
    tk->cap = len / 6 + 64;
    tk->t = malloc(tk->cap * sizeof *tk->t);
    if (!tk->t)
        return -1;
    size_t i = 0, tok_start = 0, tok_end = 0;
    int kind = 0;                  /* of the open token: 0 none, 1 letters, 2 digits */
    unsigned pending = 0, flags = 0;
    unsigned spaces = 0, letters = 0, uppers = 0;
    while (i < len) {
        size_t at = i;
        uint32_t cp = s[i] < 0x80 ? s[i++] : decode(s, len, &i);
        int k = (cp >= '0' && cp <= '9') ? 2 : is_letter(cp) ? 1 : 0;
        if (!k && kind && is_joiner(cp)) {
            tok_end = i;
            continue;
        }
        if (k && kind == k && tok_end - tok_start < ST_MAX_TOKEN_LEN - 4) {
            tok_end = i;
            if (k == 1) { letters++; uppers += is_upper(cp); }
            continue;
        }
        int glued = 0;
        if (kind) {                /* close the open token */
            if (letters >= 2 && uppers == letters) flags |= ST_ALLCAPS;
            if (push(tk, (uint32_t)tok_start, (uint32_t)(tok_end - tok_start), flags))
                return -1;
            glued = k != 0;
            kind = 0;
        }
        if (k) {                   /* open a new token */
            kind = k;
            tok_start = at;
            tok_end = i;
            flags = pending | (glued ? ST_GLUED : 0) | (k == 2 ? ST_DIGIT : 0);
            letters = uppers = 0;
            if (k == 1) {
                letters = 1;
                uppers = is_upper(cp);
                if (uppers) flags |= ST_UPPER;
            }
            pending = 0;
            spaces = 0;
            continue;
        }
        if (cp == '\n') { pending |= ST_NL_BEFORE; tk->newlines++; }
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
        if (letters >= 2 && uppers == letters) flags |= ST_ALLCAPS;
        if (push(tk, (uint32_t)tok_start, (uint32_t)(tok_end - tok_start), flags))
            return -1;
    }
    return 0;
}

void st_tokens_free(st_tokens *tk)
{
    free(tk->t);
    memset(tk, 0, sizeof *tk);
}

size_t st_norm(const char *text, const st_tok *t, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)text + t->start;
    size_t len = st_len(t), i = 0, o = 0;
    while (i < len) {
        uint32_t cp = decode(s, len, &i);
        if (is_joiner(cp))
            continue;
        if (cp >= 'A' && cp <= 'Z') cp += 32;
        else if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;
        else if (cp >= 0x400 && cp <= 0x40F) cp += 0x50;
        if (cp == 0x451) cp = 0x435;           /* ё -> е */
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

int st_is(const char *text, const st_tok *t, const char *word)
{
    char buf[128];
    if (st_len(t) > 2 * sizeof buf)
        return 0;
    st_norm(text, t, buf, sizeof buf);
    return strcmp(buf, word) == 0;
}

int st_starts(const char *text, const st_tok *t, const char *prefix)
{
    char buf[128];
    size_t n = st_norm(text, t, buf, sizeof buf), k = strlen(prefix);
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
