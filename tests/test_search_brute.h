/*
 * test_search_brute.h: the brute-force scorer the search tests compare the engine against.
 * It counts terms from the analyzer's output in memory: no index reader, no codec, no
 * skip data, no pruning.  Passages are given as text plus metadata; doc numbers are the
 * order in which they are given (the caller gives them in the index's passage order).
 *
 * The semantics it implements are those of searcher/query.h (BOOL: every MUST, no NOT, at
 * least one SHOULD when there is no MUST; score = sum of matching MUST and SHOULD; PHRASE =
 * consecutive positions with alternatives, scored as the sum of its distinct terms), and
 * BM25 with whole-collection statistics.
 */
#ifndef POISK_TEST_SEARCH_BRUTE_H
#define POISK_TEST_SEARCH_BRUTE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "poisk/analyzer.h"
#include "poisk/document.h"
#include "query.h"
#include "index_reader.h"

typedef struct bf_tok { char *term, *exact; uint32_t pos; int abbrev; } bf_tok;

typedef struct bf_doc {
    int section;
    char *region, *sector;
    bf_tok *t;
    size_t n;
    uint32_t dl;
} bf_doc;

typedef struct bf_corpus {
    bf_doc *d;
    size_t n, cap;
    uint64_t total_len;
    char **abbrevs;     /* lower-case forms seen as abbreviations */
    size_t n_abbrevs;
} bf_corpus;

static inline void bf_add(bf_corpus *c, poisk_analyzer *a, const char *text, size_t len,
                          int section, const char *region, const char *sector)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->d = realloc(c->d, c->cap * sizeof *c->d);
    }
    bf_doc *d = &c->d[c->n++];
    memset(d, 0, sizeof *d);
    d->section = section;
    d->region = strdup(region ? region : "unknown");
    d->sector = sector ? strdup(sector) : NULL;
    size_t cap = 0;
    poisk_token tok;
    poisk_analyzer_reset(a, text, len);
    while (poisk_analyzer_next(a, &tok)) {
        if (d->n == cap) {
            cap = cap ? cap * 2 : 64;
            d->t = realloc(d->t, cap * sizeof *d->t);
        }
        d->t[d->n].term = strndup(tok.term, tok.term_len);
        d->t[d->n].exact = strndup(tok.exact, tok.exact_len);
        d->t[d->n].pos = tok.position;
        d->t[d->n].abbrev = tok.kind == POISK_TOKEN_ABBREV;
        if (d->t[d->n].abbrev) {
            int seen = 0;
            for (size_t i = 0; i < c->n_abbrevs && !seen; i++)
                seen = strcmp(c->abbrevs[i], d->t[d->n].term) == 0;
            if (!seen) {
                c->abbrevs = realloc(c->abbrevs, (c->n_abbrevs + 1) * sizeof *c->abbrevs);
                c->abbrevs[c->n_abbrevs++] = strdup(d->t[d->n].term);
            }
        }
        if (!(tok.flags & POISK_TOKEN_SAME_POSITION))
            d->dl++;
        d->n++;
    }
    c->total_len += d->dl;
}

/* The brute-force corpus, in the index's passage order, from the passage texts analysed as
 * the indexer analysed them (repair with `lx` when `repair`).  @return : 0, or -1 */
static inline int bf_load_index(bf_corpus *c, poisk_index *idx, const poisk_lexicon *lx,
                                int repair)
{
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    poisk_analyzer_options ao = { 0 };
    ao.repair = repair;
    ao.lexicon = lx;
    poisk_analyzer *a;
    if (poisk_analyzer_create(&ao, &a) != POISK_OK)
        return -1;
    poisk_passage_buf buf = { 0 };
    int rc = 0;
    for (uint32_t d = 0; d < st.passages && !rc; d++) {
        poisk_passage p;
        if (poisk_index_passage(idx, d, &p, &buf, NULL) != POISK_OK)
            rc = -1;
        else
            bf_add(c, a, p.text, p.text_len, p.section, p.region, p.sector);
    }
    poisk_passage_buf_free(&buf);
    poisk_analyzer_free(a);
    return rc;
}

/* The indexer's first pass over the seed corpus (corpus/, run from the repository root):
 * the split-word lexicon, frozen.  @return : NULL when a seed is unreadable or a call fails */
static inline poisk_lexicon *bf_seed_lexicon(void)
{
    static const char *const seeds[] = { "000_6d545a6ce98a1d7f", "001_3861efe6e14c2db8",
                                         "002_9b4cadca6ea1cf96", "003_1226d5db7793b8dd",
                                         "004_c48ce2c96f8ff17a" };
    poisk_lexicon *lx = NULL;
    if (poisk_lexicon_create(&lx))
        return NULL;
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        char path[256];
        snprintf(path, sizeof path, "corpus/%s.txt", seeds[i]);
        size_t len;
        char *text = tu_read_file(path, &len);
        int rc = text ? poisk_lexicon_add_text(lx, text, len) : POISK_EIO;
        free(text);
        if (rc) {
            poisk_lexicon_free(lx);
            return NULL;
        }
    }
    if (poisk_lexicon_freeze(lx)) {
        poisk_lexicon_free(lx);
        return NULL;
    }
    return lx;
}

static inline void bf_free(bf_corpus *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = 0; j < c->d[i].n; j++) {
            free(c->d[i].t[j].term);
            free(c->d[i].t[j].exact);
        }
        free(c->d[i].t);
        free(c->d[i].region);
        free(c->d[i].sector);
    }
    free(c->d);
    for (size_t i = 0; i < c->n_abbrevs; i++)
        free(c->abbrevs[i]);
    free(c->abbrevs);
    memset(c, 0, sizeof *c);
}

static inline int bf_is_abbrev(void *ctx, const char *form, size_t len)
{
    const bf_corpus *c = ctx;
    for (size_t i = 0; i < c->n_abbrevs; i++)
        if (strlen(c->abbrevs[i]) == len && memcmp(c->abbrevs[i], form, len) == 0)
            return 1;
    return 0;
}

static inline int bf_tok_is(const bf_tok *t, const poisk_qterm *q)
{
    const char *s = q->exact ? t->exact : t->term;
    return strlen(s) == q->len && memcmp(s, q->text, q->len) == 0;
}

static inline uint32_t bf_tf(const bf_doc *d, const poisk_qterm *q)
{
    uint32_t tf = 0;
    for (size_t i = 0; i < d->n; i++)
        tf += bf_tok_is(&d->t[i], q);
    return tf;
}

typedef struct bf_params {
    double k1, b, weight[POISK_SECTION_COUNT];
} bf_params;

typedef struct bf_ctx {
    const bf_corpus *c;
    const poisk_query *q;
    const bf_params *p;
    double *idf;      /* per query term */
    double avgdl;
} bf_ctx;

static inline double bf_term_score(const bf_ctx *x, const bf_doc *d, size_t t)
{
    uint32_t tf = bf_tf(d, &x->q->terms[t]);
    if (!tf)
        return 0;
    double widf = x->p->weight[d->section] * x->idf[t];
    double norm = x->p->k1 * (1.0 - x->p->b + x->p->b * (double)d->dl / x->avgdl);
    return widf * (double)tf * (x->p->k1 + 1.0) / ((double)tf + norm);
}

static inline int bf_phrase_at(const bf_ctx *x, const bf_doc *d, const poisk_qnode *n,
                               size_t i, uint32_t pos)
{
    for (size_t k = 0; k < d->n; k++) {
        if (d->t[k].pos != pos)
            continue;
        for (size_t j = 0; j < n->pos[i].n_alt; j++)
            if (bf_tok_is(&d->t[k], &x->q->terms[n->pos[i].alt[j]]))
                return 1;
    }
    return 0;
}

/* Returns 1 when the node matches the doc; adds its score to *score. */
static inline int bf_eval(const bf_ctx *x, const bf_doc *d, const poisk_qnode *n, double *score)
{
    switch (n->kind) {
    case QN_TERM: {
        if (!bf_tf(d, &x->q->terms[n->term]))
            return 0;
        *score += bf_term_score(x, d, n->term);
        return 1;
    }
    case QN_PHRASE: {
        int found = 0;
        for (size_t k = 0; k < d->n && !found; k++) {
            /* start candidates: tokens matching position 0 */
            int first = 0;
            for (size_t j = 0; j < n->pos[0].n_alt; j++)
                first |= bf_tok_is(&d->t[k], &x->q->terms[n->pos[0].alt[j]]);
            if (!first)
                continue;
            uint32_t start = d->t[k].pos;
            size_t i = 1;
            while (i < n->n_pos && bf_phrase_at(x, d, n, i, start + n->pos[i].offset))
                i++;
            found = i == n->n_pos;
        }
        if (!found)
            return 0;
        size_t seen[256];
        size_t n_seen = 0;
        for (size_t i = 0; i < n->n_pos; i++)
            for (size_t j = 0; j < n->pos[i].n_alt; j++) {
                size_t t = n->pos[i].alt[j];
                int dup = 0;
                for (size_t s = 0; s < n_seen; s++)
                    dup |= seen[s] == t;
                if (dup || n_seen == 256)
                    continue;
                seen[n_seen++] = t;
                *score += bf_term_score(x, d, t);
            }
        return 1;
    }
    case QN_BOOL: {
        int has_must = 0, any_should = 0;
        double s = 0;
        for (size_t i = 0; i < n->n_cl; i++) {
            double cs = 0;
            int m = bf_eval(x, d, n->cl[i].node, &cs);
            switch (n->cl[i].occ) {
            case Q_MUST:
                has_must = 1;
                if (!m)
                    return 0;
                s += cs;
                break;
            case Q_NOT:
                if (m)
                    return 0;
                break;
            default:
                if (m) {
                    any_should = 1;
                    s += cs;
                }
            }
        }
        if (!has_must && !any_should)
            return 0;
        *score += s;
        return 1;
    }
    default:
        return 0;
    }
}

static int bf_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expand PREFIX nodes like the engine: sorted distinct forms (first 4*max+16), each analysed
 * to its terms, at most max distinct terms. */
static inline void bf_expand(bf_corpus *c, poisk_query *q, poisk_qnode *n, poisk_analyzer *a,
                             unsigned max)
{
    if (n->kind != QN_PREFIX) {
        for (size_t i = 0; i < n->n_cl; i++)
            bf_expand(c, q, n->cl[i].node, a, max);
        return;
    }
    char **forms = NULL;
    size_t nf = 0;
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->d[i].n; j++) {
            const char *e = c->d[i].t[j].exact;
            if (strncmp(e, n->text, n->len) != 0)
                continue;
            forms = realloc(forms, (nf + 1) * sizeof *forms);
            forms[nf++] = c->d[i].t[j].exact;
        }
    if (nf)
        qsort(forms, nf, sizeof *forms, bf_cmp_str);
    size_t m = 0;
    for (size_t i = 0; i < nf; i++)
        if (!m || strcmp(forms[m - 1], forms[i]) != 0)
            forms[m++] = forms[i];
    size_t limit = (size_t)max * 4 + 16;
    if (m > limit)
        m = limit;
    n->kind = QN_BOOL;
    size_t n_terms = 0;
    for (size_t i = 0; i < m && n_terms < max; i++) {
        poisk_token tok;
        poisk_analyzer_reset(a, forms[i], strlen(forms[i]));
        while (poisk_analyzer_next(a, &tok) && n_terms < max) {
            size_t t = poisk_query_term(q, tok.term, tok.term_len, 0);
            int dup = 0;
            for (size_t k = 0; k < n->n_cl; k++)
                dup |= n->cl[k].node->term == t;
            if (dup)
                continue;
            poisk_qnode *tn = calloc(1, sizeof *tn);
            tn->kind = QN_TERM;
            tn->term = t;
            n->cl = realloc(n->cl, (n->n_cl + 1) * sizeof *n->cl);
            n->cl[n->n_cl++] = (poisk_qclause){ Q_SHOULD, tn };
            n_terms++;
        }
    }
    free(forms);
}

typedef struct bf_hit { double score; uint32_t doc; } bf_hit;

static int bf_cmp_hit(const void *a, const void *b)
{
    const bf_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Filters: only what the random queries use (region and section, positive or negated). */
static inline int bf_filters_ok(const poisk_query *q, const bf_doc *d)
{
    int want_region = 0, region_in = 0, want_section = 0, section_in = 0;
    for (size_t i = 0; i < q->n_filters; i++) {
        const poisk_qfilter *f = &q->filters[i];
        int hit = f->kind == QF_REGION ? strcmp(f->value, d->region) == 0
                : f->kind == QF_SECTION ? f->section == d->section
                : d->sector && strcmp(f->value, d->sector) == 0;
        if (f->negated && hit)
            return 0;
        if (!f->negated && f->kind == QF_REGION) {
            want_region = 1;
            region_in |= hit;
        }
        if (!f->negated && f->kind == QF_SECTION) {
            want_section = 1;
            section_in |= hit;
        }
        if (!f->negated && f->kind == QF_SECTOR && !hit)
            return 0;   /* tests use at most one positive sector */
    }
    return (!want_region || region_in) && (!want_section || section_in);
}

/* Parse, analyse, expand and score `query` over the whole corpus.  Returns the number of
 * matches (all of them, sorted best first, in *hits) or -1 with *rc on a query error. */
static inline long bf_search(bf_corpus *c, const char *query, int all, const bf_params *p,
                             unsigned max_prefix, bf_hit **hits, int *rc)
{
    poisk_query *q;
    *hits = NULL;
    *rc = poisk_query_parse(query, strlen(query), all, NULL, &q, NULL);
    if (*rc)
        return -1;
    poisk_analyzer_options ao = { 0 };
    ao.is_abbrev = bf_is_abbrev;
    ao.is_abbrev_ctx = c;
    poisk_analyzer *a;
    poisk_analyzer_create(&ao, &a);
    *rc = poisk_query_analyze(q, a, NULL);
    if (*rc) {
        poisk_analyzer_free(a);
        poisk_query_free(q);
        return -1;
    }
    bf_expand(c, q, q->root, a, max_prefix);
    poisk_analyzer_free(a);
    bf_ctx x = { c, q, p, calloc(q->n_terms + 1, sizeof(double)), 0 };
    x.avgdl = c->n ? (double)c->total_len / (double)c->n : 1;
    for (size_t t = 0; t < q->n_terms; t++) {
        uint64_t df = 0;
        for (size_t i = 0; i < c->n; i++)
            df += bf_tf(&c->d[i], &q->terms[t]) > 0;
        x.idf[t] = log(1.0 + ((double)c->n - (double)df + 0.5) / ((double)df + 0.5));
    }
    bf_hit *h = malloc((c->n + 1) * sizeof *h);
    long nh = 0;
    for (size_t i = 0; i < c->n; i++) {
        double s = 0;
        if (bf_filters_ok(q, &c->d[i]) && bf_eval(&x, &c->d[i], q->root, &s))
            h[nh++] = (bf_hit){ s, (uint32_t)i };
    }
    qsort(h, (size_t)nh, sizeof *h, bf_cmp_hit);
    free(x.idf);
    poisk_query_free(q);
    *hits = h;
    return nh;
}

#endif
