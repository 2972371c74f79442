/*
 * snippet.c: snippets (stage: ranked hits -> snippets -> output).
 *
 * The passage is re-analysed with the document analyzer, so every surface form that met a
 * query term is found again (телемедицинских for телемедицинские, the whole of a
 * hyphenated compound, a form the analyzer rejoined).  The window with the most distinct
 * matched terms (then the most matches) wins; it is cut at spaces, whitespace runs become
 * one space, damaged UTF-8 becomes U+FFFD so the snippet is always valid UTF-8 for JSON, and
 * the highlight offsets are mapped through those edits.
 */
#include <stdlib.h>
#include <string.h>

#include "snippet.h"

typedef struct match {
    size_t start, end;
    size_t term;
} match;

/* The query term a token meets, or (size_t)-1. */
static size_t token_term(const poisk_query *q, const unsigned char *positive,
                         const poisk_token *tok)
{
    for (size_t t = 0; t < q->n_terms; t++) {
        if (!positive[t])
            continue;
        const poisk_qterm *qt = &q->terms[t];
        const char *s = qt->exact ? tok->exact : tok->term;
        size_t n = qt->exact ? tok->exact_len : tok->term_len;
        if (n == qt->len && memcmp(s, qt->text, n) == 0)
            return t;
    }
    return (size_t)-1;
}

/* Length of a valid UTF-8 sequence at s (1-4), or 0 when damaged. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return s[0] ? 1 : 0;
    size_t len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (!len || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (len == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0;
    if (len == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0;
    if (len == 4 && s[0] == 0xF0 && s[1] < 0x90) return 0;
    if (len == 4 && s[0] == 0xF4 && s[1] >= 0x90) return 0;
    return len;
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c < 0x20 || c == 0x7F;
}

/* Choose [ws, we) of at most `window` bytes around the best cluster of matches. */
static void best_window(const char *text, size_t len, const match *m, size_t n, size_t window,
                        size_t n_terms, size_t *ws, size_t *we)
{
    size_t best_i = 0, best_distinct = 0, best_count = 0;
    unsigned char *seen = calloc(n_terms + 1, 1);
    for (size_t i = 0; i < n && seen; i++) {
        memset(seen, 0, n_terms + 1);
        size_t distinct = 0, count = 0;
        for (size_t j = i; j < n && m[j].end <= m[i].start + window * 3 / 4; j++) {
            count++;
            if (!seen[m[j].term]) {
                seen[m[j].term] = 1;
                distinct++;
            }
        }
        if (distinct > best_distinct || (distinct == best_distinct && count > best_count)) {
            best_distinct = distinct;
            best_count = count;
            best_i = i;
        }
    }
    free(seen);
    size_t start = 0;
    if (n) {
        size_t lead = window / 5;
        start = m[best_i].start > lead ? m[best_i].start - lead : 0;
    }
    size_t end = start + window < len ? start + window : len;
    if (end == len && len > window)
        start = len - window;
    /* cut at spaces, never inside a match or a UTF-8 sequence */
    if (start > 0) {
        size_t s = start;
        while (s < len && s < start + 40 && !is_ws((unsigned char)text[s]))
            s++;
        if (s < len && is_ws((unsigned char)text[s]) && (!n || s <= m[best_i].start))
            start = s;
        while (start < len && ((unsigned char)text[start] & 0xC0) == 0x80)
            start++;
    }
    if (end < len) {
        size_t e = end;
        while (e > start + window / 2 && !is_ws((unsigned char)text[e]))
            e--;
        if (is_ws((unsigned char)text[e]))
            end = e;
        while (end > start && end < len && ((unsigned char)text[end] & 0xC0) == 0x80)
            end--;
    }
    *ws = start;
    *we = end;
}

int poisk_snippet_make(poisk_analyzer *a, const char *text, size_t len, const poisk_query *q,
                       const unsigned char *positive, size_t window, poisk_snippet *out)
{
    memset(out, 0, sizeof *out);
    if (window < 32)
        window = 32;
    match *m = NULL;
    size_t n = 0, cap = 0;
    poisk_token tok;
    poisk_analyzer_reset(a, text, len);
    while (poisk_analyzer_next(a, &tok)) {
        size_t t = token_term(q, positive, &tok);
        if (t == (size_t)-1 || tok.byte_end > len || tok.byte_start >= tok.byte_end)
            continue;
        if (n && tok.byte_start < m[n - 1].end) {   /* overlaps (compound alternative) */
            if (tok.byte_end > m[n - 1].end)
                m[n - 1].end = tok.byte_end;
            if (tok.byte_start < m[n - 1].start)
                m[n - 1].start = tok.byte_start;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            match *nm = realloc(m, cap * sizeof *nm);
            if (!nm) {
                free(m);
                return POISK_ENOMEM;
            }
            m = nm;
        }
        m[n++] = (match){ tok.byte_start, tok.byte_end, t };
    }
    size_t ws, we;
    best_window(text, len, m, n, window, q->n_terms, &ws, &we);
    /* copy with whitespace collapsed; map match offsets */
    static const char ell[] = "\xE2\x80\xA6";   /* … */
    char *o = malloc((we - ws) * 3 / 1 + 16);
    out->hl = calloc(n + 1, sizeof *out->hl);
    if (!o || !out->hl) {
        free(o);
        free(out->hl);
        out->hl = NULL;
        free(m);
        return POISK_ENOMEM;
    }
    size_t k = 0, mi = 0;
    while (mi < n && m[mi].start < ws)
        mi++;
    if (ws > 0) {
        memcpy(o, ell, 3);
        k = 3;
    }
    int pending_space = 0;
    size_t i = ws;
    while (i < we) {
        if (mi < n && m[mi].start == i && m[mi].end <= we) {
            /* a match: copy verbatim (whitespace inside a rejoined form is kept) */
            if (pending_space) {
                o[k++] = ' ';
                pending_space = 0;
            }
            out->hl[out->n_hl][0] = (uint32_t)k;
            for (size_t j = m[mi].start; j < m[mi].end;) {
                size_t l = utf8_len((const unsigned char *)text + j, m[mi].end - j);
                if (!l) {
                    memcpy(o + k, "\xEF\xBF\xBD", 3);
                    k += 3;
                    j++;
                } else if (is_ws((unsigned char)text[j])) {
                    o[k++] = ' ';
                    j++;
                } else {
                    memcpy(o + k, text + j, l);
                    k += l;
                    j += l;
                }
            }
            out->hl[out->n_hl++][1] = (uint32_t)k;
            i = m[mi].end;
            mi++;
            continue;
        }
        while (mi < n && m[mi].start < i)
            mi++;
        unsigned char c = (unsigned char)text[i];
        if (is_ws(c)) {
            pending_space = k > 0;
            i++;
            continue;
        }
        if (pending_space) {
            o[k++] = ' ';
            pending_space = 0;
        }
        size_t l = utf8_len((const unsigned char *)text + i, we - i);
        if (!l) {
            memcpy(o + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        } else {
            memcpy(o + k, text + i, l);
            k += l;
            i += l;
        }
    }
    if (we < len) {
        memcpy(o + k, ell, 3);
        k += 3;
    }
    o[k] = 0;
    out->text = o;
    free(m);
    return POISK_OK;
}

void poisk_snippet_free(poisk_snippet *s)
{
    free(s->text);
    free(s->hl);
    memset(s, 0, sizeof *s);
}
