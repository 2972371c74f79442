/*
 * structure_pages.c: printed page numbers (structure_pages.h), part of the structure parser
 * (stage: text -> document model).
 *
 * A dynamic programme over the candidate numbers in text order: a chain may go from a
 * number v to a later number v + d (d <= MAX_SKIP, skipped pages cost) when the text between
 * holds a plausible amount of pages.  Two passes:
 *   1. the longest chain, regularity ignored, gives the typical page length L as
 *      (last byte - first byte) / (last value - first value): robust, because only the two
 *      ends count, and list items sit between pages, not beyond both ends;
 *   2. the best chain where each step scores 1 - LAMBDA * |log(gap / (d * L))|: a step of
 *      a list item (a few lines, a tenth of a page) costs more than it gains, so numbered
 *      lists never pass for pages, while pages twice or half as long as L still do.  A page
 *      followed by a section heading may be short without cost: sections start on a new
 *      page.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "structure_pages.h"

#define NONE       ((size_t)-1)
#define MAX_VALUE  9999
#define MAX_SKIP   4         /* a chain may miss up to 3 printed pages */
#define SKIP_COST  0.9       /* per missed page: a hole gains (almost) nothing */
#define LAMBDA     0.8       /* cost of irregular page lengths */
#define MIN_GAP    80        /* bytes per page at least (a page with a heading only) */
#define MAX_GAP1   20000     /* pass 1: bytes per page at most */
#define LIST_COST  1.0       /* a number that continues a nearby numbered list */
#define SAMPLE     256       /* chain elements the page length is estimated from */

typedef struct cand {         /* 12 bytes: a 50 MB file has ~200,000 candidates */
    uint32_t tok;
    uint32_t pos;
    uint16_t v;
    uint8_t section_next;    /* a section heading follows: this page starts a section */
    uint8_t item;            /* followed by a capitalised word, like a list item "5 Блокчейн" */
    uint8_t list;            /* an item with a neighbour item v-1 before or v+1 after it */
} cand;

static unsigned fl(const st_tok *t, size_t n, size_t i) { return i < n ? st_flags(&t[i]) : 0; }

static int dotted_second(const st_tok *t, size_t n, size_t i)
{
    return i > 0 && i < n && (fl(t, n, i) & ST_DIGIT) && (fl(t, n, i - 1) & ST_DIGIT) &&
           (fl(t, n, i) & ST_DOT_BEFORE) && !(fl(t, n, i) & ST_NL_BEFORE) &&
           t[i].start - st_end(&t[i - 1]) <= 2;
}

/* Is token i a page-number candidate?  @return : its value, or 0 */
static long candidate_value(const char *text, const st_tok *t, size_t n, size_t i, int line_based)
{
    unsigned f = fl(t, n, i);
    if (!(f & ST_DIGIT) || (f & (ST_GLUED | ST_HEADING)) || st_len(&t[i]) > 4)
        return 0;
    if ((f & ST_BOILER) && !(f & ST_IN_HEADER))
        return 0;
    if (fl(t, n, i + 1) & ST_GLUED)
        return 0;
    if (dotted_second(t, n, i) || dotted_second(t, n, i + 1))
        return 0;
    if (line_based && (!(f & ST_NL_BEFORE) || (i + 1 < n && !(fl(t, n, i + 1) & ST_NL_BEFORE))))
        return 0;
    long v = st_value(text, &t[i]);
    return v >= 1 && v <= MAX_VALUE ? v : 0;
}

typedef struct dp {           /* per candidate: 20 bytes */
    float *best;
    float *cmax;             /* the best of this candidate and the older ones of its value */
    uint32_t *prev, *same, *len;
    uint32_t *head;          /* per value: its latest candidate */
} dp;

#define NIL UINT32_MAX

static size_t prev_of(const dp *w, size_t q) { return w->prev[q] == NIL ? NONE : w->prev[q]; }

/* The best chain over c[0, nc); L == 0: pass 1 (count only).  @return : its last element */
static size_t chain(const cand *c, size_t nc, double L, dp *w)
{
    for (size_t k = 0; k < nc; k++)       /* the values in use and those looked back to */
        for (long d = 0; d <= MAX_SKIP && c[k].v - d >= 0; d++) w->head[c[k].v - d] = NIL;
    size_t max_gap = L > 0 ? (size_t)(8 * L) : MAX_GAP1;
    if (max_gap < 4000) max_gap = 4000;
    size_t top = NONE;
    for (size_t k = 0; k < nc; k++) {
        double own = L > 0 && c[k].list ? LIST_COST : 0;
        w->best[k] = (float)(1 - own);
        w->prev[k] = NIL;
        w->len[k] = 1;
        for (long d = 1; d <= MAX_SKIP && c[k].v - d >= 1; d++) {
            for (uint32_t q = w->head[c[k].v - d]; q != NIL; q = w->same[q]) {
                size_t gap = c[k].pos - c[q].pos;
                if (gap > max_gap * (size_t)d) break;
                if (gap < MIN_GAP * (size_t)d) continue;
                /* the step's score without its irregularity is an upper bound (rounding
                 * is monotone): most steps cannot win, and then need no log(); with the
                 * best of q and the older candidates (cmax) in place of q's own, it bounds
                 * them all, and once that cannot win, no step from this value can */
                if ((double)w->cmax[q] + 1 - own - SKIP_COST * (double)(d - 1) <= w->best[k]) break;
                double base = w->best[q] + 1 - own;        /* (the float sum, as before) */
                if (base - SKIP_COST * (double)(d - 1) <= w->best[k]) continue;
                /* the page-length ratio r costs |log r|, except a short page before a
                 * section (no log() then); |log r| >= 2 |r - 1| / (r + 1), and when even
                 * that bound makes the step lose (by more than rounding could change),
                 * the log() is not needed either */
                double irr = 0, r = L > 0 ? (double)gap / ((double)d * L) : 1;
                if (L > 0 && !(r < 1 && c[k].section_next)) {
                    double lb = 2 * fabs(r - 1) / (r + 1);
                    if (LAMBDA * lb > base - SKIP_COST * (double)(d - 1) - w->best[k] + 1e-9)
                        continue;
                    irr = log(r);
                }
                double s = base - LAMBDA * fabs(irr) - SKIP_COST * (double)(d - 1);
                if (s > w->best[k]) { w->best[k] = (float)s; w->prev[k] = q; w->len[k] = w->len[q] + 1; }
            }
        }
        w->same[k] = w->head[c[k].v];
        w->cmax[k] = w->same[k] != NIL && w->cmax[w->same[k]] > w->best[k] ? w->cmax[w->same[k]]
                                                                          : w->best[k];
        w->head[c[k].v] = (uint32_t)k;
        if (top == NONE || w->best[k] > w->best[top]) top = k;
    }
    return top;
}

/* The k-th smallest of s[0, m) (Hoare's selection, O(m) expected): the same value a full
 * sort would put at s[k], at a fraction of the cost for the ~32,000 slopes of a long chain. */
static double select_kth(double *s, size_t m, size_t k)
{
    size_t lo = 0, hi = m - 1;
    while (lo < hi) {
        double pivot = s[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (s[i] < pivot) i++;
            while (s[j] > pivot) j--;
            if (i <= j) {
                double t = s[i]; s[i] = s[j]; s[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else break;
    }
    return s[k];
}

/* Typical page length from the pass-1 chain ending at top: the median slope (bytes per
 * page) over pairs of its elements far apart in value (Theil-Sen), so a few list items
 * squeezed in at one end do not bias it. */
static double page_length(const cand *c, const dp *w, size_t top)
{
    size_t len = w->len[top], k = len;
    size_t *e = malloc(len * sizeof *e);
    size_t np = (len < SAMPLE ? len : SAMPLE) * (len < SAMPLE ? len : SAMPLE) / 2 + 1, m = 0;
    double *s = malloc(np * sizeof *s);
    double L = 0;
    if (!e || !s) goto out;
    for (size_t q = top; q != NONE && k > 0; q = prev_of(w, q)) e[--k] = q;
    if (len > SAMPLE) {                 /* a long chain: evenly spaced elements suffice */
        for (size_t i = 0; i < SAMPLE; i++) e[i] = e[i * (len - 1) / (SAMPLE - 1)];
        len = SAMPLE;
    }
    long span = c[e[len - 1]].v - c[e[0]].v, far = span / 4 > 5 ? span / 4 : 5;
    /* values rise along the chain: the pairs of i are those from its first j far enough,
     * which never moves back as i grows */
    size_t j0 = 1;
    for (size_t i = 0; i < len; i++) {
        if (j0 <= i) j0 = i + 1;
        while (j0 < len && c[e[j0]].v - c[e[i]].v < far) j0++;
        for (size_t j = j0; j < len && m < np; j++)
            s[m++] = (double)(c[e[j]].pos - c[e[i]].pos) / (double)(c[e[j]].v - c[e[i]].v);
    }
    if (m) {
        L = select_kth(s, m, m / 2);
    } else {
        L = (double)(c[e[len - 1]].pos - c[e[0]].pos) / (double)(span ? span : 1);
    }
out:
    free(e);
    free(s);
    return L > 1 ? L : 1;
}

/* Numbers that continue a numbered list: an item (a capitalised word follows) with an item
 * v-1 shortly before it or v+1 shortly after it. */
static void mark_lists(cand *c, size_t nc, size_t near)
{
    for (size_t k = 0; k < nc; k++) {
        if (!c[k].item) continue;
        for (size_t j = k + 1; j < nc && c[j].pos - c[k].pos <= near; j++)
            if (c[j].item && c[j].v == c[k].v + 1) { c[k].list = c[j].list = 1; break; }
    }
}

int st_pages_find(const char *text, const st_tok *t, size_t n, const uint32_t *digits,
                  size_t n_digits, int line_based, st_pages *out)
{
    out->m = NULL;
    out->n = 0;
    out->page_len = 0;
    size_t nc = 0, cap = 64;
    cand *c = malloc(cap * sizeof *c);
    dp w = { 0 };
    int rc = -1;
    if (!c) return -1;
    for (size_t q = 0; q < n_digits; q++) {
        size_t i = digits[q];
        long v = candidate_value(text, t, n, i, line_based);
        if (!v) continue;
        if (nc == cap) {
            cand *g = realloc(c, 2 * cap * sizeof *c);
            if (!g) goto out;
            c = g;
            cap *= 2;
        }
        c[nc].tok = (uint32_t)i;
        c[nc].pos = t[i].start;
        c[nc].v = (uint16_t)v;
        c[nc].section_next = (fl(t, n, i + 1) & ST_SECTION) != 0;
        c[nc].item = i + 1 < n && !(fl(t, n, i + 1) & ST_DIGIT) && (fl(t, n, i + 1) & ST_UPPER);
        c[nc].list = 0;
        nc++;
    }
    rc = 0;
    if (nc < 3) goto out;
    rc = -1;
    w.best = malloc(nc * sizeof *w.best);
    w.cmax = malloc(nc * sizeof *w.cmax);
    w.prev = malloc(nc * sizeof *w.prev);
    w.same = malloc(nc * sizeof *w.same);
    w.len = malloc(nc * sizeof *w.len);
    w.head = malloc((MAX_VALUE + 1) * sizeof *w.head);
    if (!w.best || !w.cmax || !w.prev || !w.same || !w.len || !w.head) goto out;
    rc = 0;
    size_t top = chain(c, nc, 0, &w), first = top;
    if (w.len[top] < 3) goto out;
    while (prev_of(&w, first) != NONE) first = prev_of(&w, first);
    double L = page_length(c, &w, top);
    mark_lists(c, nc, (size_t)(L / 3));
    top = chain(c, nc, L, &w);
    if (w.len[top] < 3 || w.best[top] < 2) goto out;
    rc = -1;
    out->m = malloc(w.len[top] * sizeof *out->m);
    if (!out->m) goto out;
    rc = 0;
    out->n = w.len[top];
    size_t k = out->n;
    for (size_t q = top; q != NONE && k > 0; q = prev_of(&w, q)) {
        out->m[--k].tok = c[q].tok;
        out->m[k].byte = c[q].pos;
        out->m[k].value = c[q].v;
    }
    out->page_len = (size_t)L;
    if (out->n > 1)
        out->page_len = (out->m[out->n - 1].byte - out->m[0].byte) /
                        (size_t)(out->m[out->n - 1].value - out->m[0].value);
out:
    free(c); free(w.best); free(w.cmax); free(w.prev); free(w.same); free(w.len); free(w.head);
    return rc;
}

/* Index of the last mark at or before byte b, or NONE. */
static size_t mark_at(const st_pages *pg, size_t b)
{
    size_t lo = 0, hi = pg->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pg->m[mid].byte <= b) lo = mid + 1; else hi = mid;
    }
    return lo == 0 ? NONE : lo - 1;
}

/* Pages byte b may lie on: [*lo, *hi].  Mark k starts page value_k; when the next mark
 * skips values, the pages between lie somewhere in between.  Text before the first mark is
 * on the previous page when within a page's length; text after the last mark is on the last
 * page for up to three lengths (a long last page); elsewhere unknown.  @return : 1 if known */
static int pages_of_byte(const st_pages *pg, size_t b, long *lo, long *hi)
{
    size_t k = mark_at(pg, b);
    if (k == NONE) {
        if (pg->m[0].value < 2 || pg->m[0].byte - b > pg->page_len) return 0;
        *lo = *hi = pg->m[0].value - 1;
        return 1;
    }
    if (k + 1 == pg->n) {
        if (b - pg->m[k].byte > 3 * pg->page_len) return 0;
        *lo = *hi = pg->m[k].value;
        return 1;
    }
    *lo = pg->m[k].value;
    *hi = pg->m[k + 1].value - 1;
    return 1;
}

int st_pages_range(const st_pages *pg, size_t a, size_t b, long *first, long *last)
{
    if (!pg->n || b <= a) return 0;
    long alo, ahi, blo, bhi;
    int ka = pages_of_byte(pg, a, &alo, &ahi), kb = pages_of_byte(pg, b - 1, &blo, &bhi);
    if (!ka && !kb) {
        /* a range that covers the whole chain */
        if (a <= pg->m[0].byte && b > pg->m[pg->n - 1].byte) {
            *first = pg->m[0].value;
            *last = pg->m[pg->n - 1].value;
            return 1;
        }
        return 0;
    }
    if (!ka) alo = pg->m[0].value > 1 ? pg->m[0].value - 1 : pg->m[0].value;
    if (!kb) bhi = pg->m[pg->n - 1].value;
    *first = alo;
    *last = bhi < alo ? alo : bhi;
    return 1;
}

void st_pages_free(st_pages *pg)
{
    free(pg->m);
    pg->m = NULL;
    pg->n = 0;
}
