/*
 * eval.c: the query evaluator (stage: reader -> query evaluator -> ranked hits).
 *
 * The analysed query tree (query.h) becomes, per section index, a tree of scorers over
 * postings cursors: TERM (BM25 of one term), BOOL (MUST / SHOULD / NOT clauses) and PHRASE
 * (positions with alternatives).  Every scorer can
 *   - advance(target): move to its first matching passage >= target,
 *   - score():         its score there,
 *   - shallow(target): an upper bound of its score over [target, upto] read from the skip
 *                      entries only (block max tf, block min length): no block decoding.
 * The root is evaluated window by window, a window being a doc-id range where every
 * clause's bound holds (block-max MaxScore): a window whose bounds cannot beat the k-th best
 * score is skipped without decoding; inside a window, optional clauses whose bounds add up
 * below that score are "non-essential" and only probed for passages the others found.
 * A section is walked in its local passage ids (what postings store, in global order): a
 * term walks its decoded block in place (poisk_postings_block_view) and reads passage
 * lengths in place by local id, no reader call and no id mapping per posting; a passage's
 * global id is looked up only when it enters the top-k (collect).  A root of
 * optional terms only runs each window term-at-a-time into dense accumulators (bulk_window,
 * after Lucene's MaxScoreBulkScorer) instead of a candidate-by-candidate merge; with many
 * such terms (WIDE_OR) only the last window's essential ones end the next window.
 * Required clauses are intersected by leapfrogging advance() calls (the cursors gallop
 * through the skip entries).  Sections are evaluated one after the other into one shared
 * top-k, so a good hit in one section raises the bar for the next.
 *
 * Statistics are whole-index (N, avgdl, df summed over sections) whatever the filters, so a
 * passage's score does not depend on what else was asked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "codec.h"
#include "index_reader.h"
#include "regions.h"

#define DOC_END POISK_DOC_END
#define NORM_CACHE 512
#define QB_TFS 8

double poisk_bm25_idf(uint64_t n, uint64_t df)
{
    return log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

double poisk_bm25(double k1, double b, double avgdl, double widf, uint32_t tf, uint32_t dl)
{
    if (tf == 0)
        return 0.0;
    double norm = k1 * (1.0 - b + b * (double)dl / avgdl);
    return widf * (double)tf * (k1 + 1.0) / ((double)tf + norm);
}

/* ---- per-query term statistics --------------------------------------------------------- */

typedef struct term_stat {
    poisk_term_info info[POISK_SECTION_COUNT];
    int found[POISK_SECTION_COUNT];
    uint64_t df;
    double idf;
} term_stat;

/* ---- scorers ----------------------------------------------------------------------------- */

enum { SC_TERM, SC_BOOL, SC_PHRASE };

typedef struct scorer scorer;
struct scorer {
    int kind;
    int valid;                  /* doc is a verified match (composites) */
    uint32_t doc;
    /* TERM */
    poisk_postings *cur;
    size_t term;
    double widf;                /* section weight * idf */
    uint64_t df;                /* postings in this section */
    uint32_t bb_last;           /* the block whose bound bb_value holds (its last doc) */
    double bb_value;
    int bb_range;               /* bb_value bounds the blocks up to bb_last from the one
                                 * holding the target it was asked at (term_range_bound) */
    /* the decoded block (poisk_postings_block_view), walked here without a reader call
     * per posting; the cursor itself moves only to leave the block or to read positions */
    const uint32_t *bdocs, *btfs;
    uint32_t bn, bi;
    /* probed (term_probe): doc is in a bitmap block not decoded (bn 0), scanned here in
     * place up to pend.last (0: not probed); ptf is the tf at ptf_doc */
    poisk_bitmap_view pend;
    uint32_t ptf_doc, ptf;
    /* sc_quick_bound by tf (1..QB_TFS) for the decoded block ending at qb_for (NaN: not
     * yet); UINT32_MAX: no block */
    uint32_t qb_for;
    double qb[8];
    /* BOOL */
    scorer **must, **should, **not;
    size_t n_must, n_should, n_not;
    /* PHRASE: positions with alternatives; `distinct` scores each term once */
    scorer ***alt;
    size_t *n_alt;
    uint32_t *off;
    size_t n_pos;
    scorer **distinct;
    size_t n_distinct;
    scorer *lead;               /* the rarest single-alternative term (gate pre-check) */
    /* a conjunction's term whose whole-list cap (`cap`, widf (k1 + 1)) is a small part of
     * the others': bounded by the cap, not per block (and_loose) */
    int loose;
    double cap;
    size_t *ord;                /* positions by ascending cost: the leapfrog's order */
};

/* A lead term's passage lengths by tf (1..QB_TFS) above which its posting cannot enter,
 * for the others' bound `o` and the cut `cut`, so a walk takes most postings out by their
 * length alone, without a score (dl_out).  lim[tf] (lim[0]: any tf above QB_TFS, never out)
 * is UINT32_MAX until filled (bit tf of `known`): a posting out by its limit is out with
 * one compare; the rest (rarer) check whether the limit was filled. */
typedef struct dl_limits {
    double o, cut;
    int valid;
    unsigned known;
    uint32_t lim[QB_TFS + 1];
} dl_limits;

typedef struct ectx {
    poisk_index *idx;
    poisk_section_index *sec;
    int section;
    const poisk_query *q;
    term_stat *ts;
    double k1, b, avgdl, weight;
    int rc;
    poisk_error *err;
    uint64_t blocks;
    uint32_t *pbuf;             /* phrase position scratch */
    uint32_t dl_doc, dl;        /* the last passage length looked up (terms share it) */
    const uint32_t *lens;       /* passage lengths by section-local id */
    double dl_norm;             /* its BM25 length norm */
    size_t pbuf_cap;
    /* k1 (1 - b + b dl / avgdl) by passage length, filled on first use (NaN: not yet):
     * the same double poisk_bm25() computes, so scores do not change */
    double norm[NORM_CACHE];
    /* a phrase whose score alone decides entry (the root's only clause): its positions
     * are read only for passages whose score can enter the top-k */
    const scorer *gate;
    const struct collector *gate_c;
    /* the gated phrase as the root's optional clause stops at the window's end (gate_upto),
     * unverified, so the root skips the next windows by their bounds */
    int gate_window;
    uint32_t gate_upto;
    struct bulk_acc **bulk_acc; /* the query's window accumulators (NULL until needed) */
    dl_limits and_lim;          /* and_lead_out's lead */
    dl_limits gate_lim;         /* the gated phrase's lead (gate_lead_walk) */
} ectx;

static void sc_free(ectx *e, scorer *s)
{
    if (!s)
        return;
    if (s->cur) {
        e->blocks += poisk_postings_blocks_decoded(s->cur);
        poisk_postings_close(s->cur);
    }
    for (size_t i = 0; i < s->n_must; i++) sc_free(e, s->must[i]);
    for (size_t i = 0; i < s->n_should; i++) sc_free(e, s->should[i]);
    for (size_t i = 0; i < s->n_not; i++) sc_free(e, s->not[i]);
    free(s->must);
    free(s->should);
    free(s->not);
    for (size_t i = 0; i < s->n_pos; i++) {
        for (size_t j = 0; j < s->n_alt[i]; j++)
            sc_free(e, s->alt[i][j]);
        free(s->alt[i]);
    }
    free(s->alt);
    free(s->n_alt);
    free(s->off);
    free(s->ord);
    free(s->distinct);
    free(s);
}

static void fail(ectx *e, int rc)
{
    if (!e->rc)
        e->rc = rc;
}

static scorer *term_scorer(ectx *e, size_t t)
{
    term_stat *ts = &e->ts[t];
    if (!ts->found[e->section])
        return NULL;
    scorer *s = calloc(1, sizeof *s);
    if (!s) {
        fail(e, POISK_ENOMEM);
        return NULL;
    }
    s->kind = SC_TERM;
    s->term = t;
    s->widf = e->weight * ts->idf;
    s->df = ts->info[e->section].df;
    poisk_dict_kind kind = e->q->terms[t].exact ? POISK_DICT_EXACT : POISK_DICT_STEM;
    /* lazy: no block is decoded until the scorer is first advanced, so a term whose blocks
     * are all skipped by their bounds (or lie outside a region filter) costs no decoding */
    int rc = poisk_postings_open_local(e->sec, kind, &ts->info[e->section], &s->cur, e->err);
    if (rc) {
        free(s);
        fail(e, rc);
        return NULL;
    }
    s->doc = 0;
    s->valid = 0;               /* not positioned yet */
    s->bb_value = -1;
    s->qb_for = UINT32_MAX;
    return s;
}

static int push(scorer ***v, size_t *n, scorer *s)
{
    scorer **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return POISK_ENOMEM;
    *v = nv;
    nv[(*n)++] = s;
    return POISK_OK;
}

static scorer *build(ectx *e, const poisk_qnode *n);

/* Matches a scorer can have at most (its postings to walk): the order of a conjunction. */
static uint64_t sc_cost(const scorer *s)
{
    uint64_t c = 0, m = UINT64_MAX;
    switch (s->kind) {
    case SC_TERM:
        return s->df;
    case SC_BOOL:
        if (s->n_must) {
            for (size_t i = 0; i < s->n_must; i++)
                if (sc_cost(s->must[i]) < m)
                    m = sc_cost(s->must[i]);
            return m;
        }
        for (size_t i = 0; i < s->n_should; i++)
            c += sc_cost(s->should[i]);
        return c;
    default:
        for (size_t i = 0; i < s->n_pos; i++) {
            c = 0;
            for (size_t j = 0; j < s->n_alt[i]; j++)
                c += sc_cost(s->alt[i][j]);
            if (c < m)
                m = c;
        }
        return m;
    }
}

static scorer *bool_scorer(ectx *e, const poisk_qnode *n)
{
    scorer *s = calloc(1, sizeof *s);
    if (!s) {
        fail(e, POISK_ENOMEM);
        return NULL;
    }
    s->kind = SC_BOOL;
    for (size_t i = 0; i < n->n_cl && !e->rc; i++) {
        scorer *c = build(e, n->cl[i].node);
        if (!c) {
            if (n->cl[i].occ == Q_MUST) {   /* a required clause absent here: no match */
                sc_free(e, s);
                return NULL;
            }
            continue;
        }
        int rc = n->cl[i].occ == Q_MUST ? push(&s->must, &s->n_must, c)
               : n->cl[i].occ == Q_NOT  ? push(&s->not, &s->n_not, c)
                                        : push(&s->should, &s->n_should, c);
        if (rc) {
            sc_free(e, c);
            fail(e, rc);
        }
    }
    if (e->rc || (s->n_must == 0 && s->n_should == 0)) {
        sc_free(e, s);
        return NULL;
    }
    /* one required term and nothing optional (`--all` of one word, or of words all but one
     * of which are stop words) matches and scores as that term alone: it takes the optional
     * terms' window-at-a-time path (bulk_window), twice as fast at 1 GB as the required
     * clauses' candidate-at-a-time loop */
    if (s->n_must == 1 && s->n_should == 0 && s->must[0]->kind == SC_TERM) {
        s->should = s->must;
        s->n_should = 1;
        s->must = NULL;
        s->n_must = 0;
    }
    /* leapfrog from the rarest required clause: the frequent lists then only decode the
     * blocks holding its candidates (stable, so equal costs keep query order) */
    for (size_t i = 1; i < s->n_must; i++)
        for (size_t j = i; j > 0 && sc_cost(s->must[j]) < sc_cost(s->must[j - 1]); j--) {
            scorer *t = s->must[j];
            s->must[j] = s->must[j - 1];
            s->must[j - 1] = t;
        }
    return s;
}

/* Postings a phrase position's alternatives have together. */
static uint64_t pos_cost(const scorer *s, size_t i)
{
    uint64_t c = 0;
    for (size_t j = 0; j < s->n_alt[i]; j++)
        c += s->alt[i][j]->df;
    return c;
}

static scorer *phrase_scorer(ectx *e, const poisk_qnode *n)
{
    scorer *s = calloc(1, sizeof *s);
    if (!s || !(s->alt = calloc(n->n_pos, sizeof *s->alt)) ||
        !(s->n_alt = calloc(n->n_pos, sizeof *s->n_alt)) ||
        !(s->off = calloc(n->n_pos, sizeof *s->off))) {
        if (s) {
            free(s->alt);
            free(s->n_alt);
            free(s);
        }
        fail(e, POISK_ENOMEM);
        return NULL;
    }
    s->kind = SC_PHRASE;
    s->n_pos = n->n_pos;
    for (size_t i = 0; i < n->n_pos; i++) {
        s->off[i] = n->pos[i].offset;
        for (size_t j = 0; j < n->pos[i].n_alt; j++) {
            scorer *t = term_scorer(e, n->pos[i].alt[j]);
            if (!t)
                continue;
            int dup = 0;
            for (size_t k = 0; k < s->n_distinct; k++)
                dup |= s->distinct[k]->term == t->term;
            if (push(&s->alt[i], &s->n_alt[i], t) ||
                (!dup && push(&s->distinct, &s->n_distinct, t)))
                fail(e, POISK_ENOMEM);
        }
        if (s->n_alt[i] == 0 || e->rc) {
            sc_free(e, s);
            return NULL;
        }
        if (s->n_alt[i] == 1 && (!s->lead || s->alt[i][0]->df < s->lead->df))
            s->lead = s->alt[i][0];
    }
    /* the rarest position first: a restarted leapfrog then moves the cheap cursor first */
    if (!(s->ord = malloc(s->n_pos * sizeof *s->ord))) {
        sc_free(e, s);
        fail(e, POISK_ENOMEM);
        return NULL;
    }
    for (size_t i = 0; i < s->n_pos; i++) {
        uint64_t ci = pos_cost(s, i);
        size_t k = i;
        for (; k > 0 && pos_cost(s, s->ord[k - 1]) > ci; k--)
            s->ord[k] = s->ord[k - 1];
        s->ord[k] = i;
    }
    return s;
}

static scorer *build(ectx *e, const poisk_qnode *n)
{
    if (e->rc)
        return NULL;
    switch (n->kind) {
    case QN_TERM:   return term_scorer(e, n->term);
    case QN_BOOL:   return bool_scorer(e, n);
    case QN_PHRASE: return phrase_scorer(e, n);
    default:        return NULL;   /* unexpanded leaves match nothing */
    }
}

/* advance / score / shallow ------------------------------------------------------------- */

static inline void sc_advance(ectx *e, scorer *s, uint32_t target);

static double sc_score_slow(ectx *e, scorer *s);
static inline double sc_score(ectx *e, scorer *s);

static int gate_out(ectx *e, double score, uint32_t d);
static inline int gate_open(const ectx *e);
static inline double gate_cut(const ectx *e);

static inline double sc_shallow(ectx *e, scorer *s, uint32_t target, uint32_t *upto);

static inline double sc_quick_bound(ectx *e, scorer *s, double fallback);

/* A valid term already at or past target, or stepping inside its decoded block (the
 * common step of a MaxScore walk: a short scan); 0 when the reader must advance it. */
static inline int term_step_in_block(scorer *s, uint32_t target)
{
    if (s->doc >= target)
        return 1;
    if (!s->bn || target > s->bdocs[s->bn - 1])
        return 0;
    uint32_t i = s->bi + 1;
    while (s->bdocs[i] < target)
        i++;
    s->bi = i;
    s->doc = s->bdocs[i];
    return 1;
}

/* After the reader moved s (rc its result): doc and the block view. */
static inline void term_moved(ectx *e, scorer *s, int rc)
{
    s->valid = 1;
    if (rc) {
        fail(e, rc);
        s->doc = DOC_END;
        s->bn = 0;
        s->pend.last = 0;
        return;
    }
    s->doc = poisk_postings_doc(s->cur);
    s->bn = poisk_postings_block_view(s->cur, &s->bdocs, &s->btfs, &s->bi);
    s->ptf_doc = DOC_END;
}

/* Move to the first posting >= target; a probed term (term_probe) already there stays
 * probed, else its block is decoded. */
static inline void term_advance(ectx *e, scorer *s, uint32_t target)
{
    if (s->valid && (s->pend.last ? s->doc >= target : term_step_in_block(s, target)))
        return;
    s->pend.last = 0;
    term_moved(e, s, poisk_postings_advance(s->cur, target, e->err));
}

/* term_advance() for a conjunction's non-lead term (and_next): a bitmap block (docs/FORMAT.md
 * §6.3) it lands in stays a bit set: the next targets in it are bit scans and a match's tf
 * is read by rank (term_tf), nothing decoded.  Most candidates there are not in the term. */
static inline void term_probe(ectx *e, scorer *s, uint32_t target)
{
    if (s->valid && s->doc >= target)   /* not valid: not positioned yet (doc 0) */
        return;
    if (s->valid && s->pend.last && target <= s->pend.last)
        s->doc = poisk_bitmap_next_geq(&s->pend, target);
    else if (!(s->valid && !s->pend.last && term_step_in_block(s, target)))
        term_moved(e, s, poisk_postings_probe(s->cur, target, &s->pend, e->err));
}

/* Would advancing term s to d decode a block? (not within its decoded one, nor within the
 * bit set it was probed in: a bit scan) */
static inline int term_would_decode(const scorer *s, uint32_t d)
{
    return s->doc < d
           && !(s->valid && ((s->bn && d <= s->bdocs[s->bn - 1]) || d <= s->pend.last));
}

/* A term walked in its block view (bulk_term, single_window): a probed one decoded. */
static inline void term_view(ectx *e, scorer *s)
{
    if (s->pend.last && s->doc != DOC_END) {
        s->pend.last = 0;
        term_moved(e, s, poisk_postings_advance(s->cur, s->doc, e->err));
    }
}

/* The term's tf at its current doc. */
static inline uint32_t term_tf(scorer *s)
{
    if (s->bn && s->doc != DOC_END)
        return s->btfs[s->bi];
    if (!s->pend.last)
        return 0;
    if (s->ptf_doc != s->doc) {     /* probed: by rank, once per posting (bounds ask again) */
        s->ptf_doc = s->doc;
        s->ptf = poisk_bitmap_tf(&s->pend, s->doc);
    }
    return s->ptf;
}

static int excluded(ectx *e, scorer *s, uint32_t d)
{
    for (size_t i = 0; i < s->n_not; i++) {
        sc_advance(e, s->not[i], d);
        if (s->not[i]->doc == d)
            return 1;
    }
    return 0;
}

static void bool_advance(ectx *e, scorer *s, uint32_t target)
{
    if (s->valid && s->doc >= target)
        return;
    s->valid = 1;
    uint32_t d = target;
    while (d != DOC_END && !e->rc) {
        if (s->n_must) {
            size_t i = 0;
            while (i < s->n_must) {
                sc_advance(e, s->must[i], d);
                uint32_t md = s->must[i]->doc;
                if (md == DOC_END) {
                    s->doc = DOC_END;
                    return;
                }
                if (md > d) {
                    d = md;
                    i = 0;
                    continue;
                }
                i++;
            }
        } else {
            uint32_t m = DOC_END;
            for (size_t i = 0; i < s->n_should; i++) {
                sc_advance(e, s->should[i], d);
                if (s->should[i]->doc < m)
                    m = s->should[i]->doc;
            }
            d = m;
            if (d == DOC_END)
                break;
        }
        if (!excluded(e, s, d)) {
            s->doc = d;
            return;
        }
        d++;
    }
    s->doc = DOC_END;
}

/* Positions of one phrase position at the current doc: the union of its alternatives'.
 * Returns a pointer to a sorted array (scratch space at *scratch_at). */
static int phrase_positions(ectx *e, scorer *s, size_t i, uint32_t d, const uint32_t **out,
                            uint32_t *n_out, size_t *scratch_at)
{
    size_t found = 0;
    const uint32_t *one = NULL;
    uint32_t n_one = 0;
    for (size_t j = 0; j < s->n_alt[i]; j++) {
        scorer *a = s->alt[i][j];
        if (a->doc != d)
            continue;
        const uint32_t *p;
        uint32_t n;
        /* the scorer walked the block view: bring the cursor to d (same block, no decode) */
        int rc = poisk_postings_advance(a->cur, d, e->err);
        if (!rc)
            rc = poisk_postings_positions(a->cur, &p, &n, e->err);
        if (rc)
            return rc;
        if (found++ == 0) {
            one = p;
            n_one = n;
            continue;
        }
        /* merge into scratch */
        size_t need = *scratch_at + n_one + n;
        if (need > e->pbuf_cap) {
            size_t cap = need * 2;
            uint32_t *nb = realloc(e->pbuf, cap * sizeof *nb);
            if (!nb)
                return POISK_ENOMEM;
            /* `one` may point into the old scratch buffer (compared as integers: the
             * buffer may be NULL, and `one` may point into another object) */
            uintptr_t o = (uintptr_t)one, old = (uintptr_t)e->pbuf;
            if (e->pbuf && o >= old && o < old + e->pbuf_cap * sizeof *nb)
                one = nb + (o - old) / sizeof *nb;
            e->pbuf = nb;
            e->pbuf_cap = cap;
        }
        uint32_t *dst = e->pbuf + *scratch_at;
        size_t x = 0, y = 0, k = 0;
        while (x < n_one || y < n) {
            uint32_t v = (y >= n || (x < n_one && one[x] <= p[y])) ? one[x++] : p[y++];
            if (k == 0 || dst[k - 1] != v)
                dst[k++] = v;
        }
        one = dst;
        n_one = (uint32_t)k;
        *scratch_at += k;
    }
    *out = one;
    *n_out = n_one;
    return POISK_OK;
}

static int contains(const uint32_t *v, uint32_t n, uint32_t x)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x;
}

/* Room for n values at the start of the phrase scratch (nothing else lives there yet). */
static int pbuf_reserve(ectx *e, size_t n)
{
    if (n <= e->pbuf_cap)
        return POISK_OK;
    uint32_t *nb = realloc(e->pbuf, n * 2 * sizeof *nb);
    if (!nb)
        return POISK_ENOMEM;
    e->pbuf = nb;
    e->pbuf_cap = n * 2;
    return POISK_OK;
}

/* Does the phrase occur in d?  The candidate starts come from the position with the fewest
 * occurrences there and are filtered by one position after the other in ascending tf, so a
 * longer phrase stops reading positions as soon as no start survives. */
static int phrase_matches(ectx *e, scorer *s, uint32_t d)
{
    enum { MAXP = 64 };
    size_t ord[MAXP];
    uint64_t tf[MAXP];
    size_t np = s->n_pos < MAXP ? s->n_pos : MAXP;
    for (size_t i = 0; i < np; i++) {
        tf[i] = 0;
        for (size_t j = 0; j < s->n_alt[i]; j++)
            if (s->alt[i][j]->doc == d)
                tf[i] += term_tf(s->alt[i][j]);
        size_t k = i;               /* stable insertion: equal tfs keep phrase order */
        for (; k > 0 && tf[ord[k - 1]] > tf[i]; k--)
            ord[k] = ord[k - 1];
        ord[k] = i;
    }
    const uint32_t *p;
    uint32_t n;
    size_t scratch = 0;
    int rc = phrase_positions(e, s, ord[0], d, &p, &n, &scratch);
    if (!rc && p != e->pbuf)        /* the starts live at the scratch's head */
        rc = pbuf_reserve(e, n);
    if (rc) {
        fail(e, rc);
        return 0;
    }
    /* p may lie further into the scratch: a forward copy is safe in place */
    uint32_t o0 = s->off[ord[0]], ns = n;
    for (uint32_t k = 0; k < n; k++)
        e->pbuf[k] = p[k] - o0;
    for (size_t i = 1; i < np && ns; i++) {
        scratch = ns;               /* merged alternatives go after the starts */
        if ((rc = phrase_positions(e, s, ord[i], d, &p, &n, &scratch))) {
            fail(e, rc);
            return 0;
        }
        uint32_t *st = e->pbuf, o = s->off[ord[i]], w = 0;
        for (uint32_t k = 0; k < ns; k++)
            if (contains(p, n, st[k] + o))
                st[w++] = st[k];
        ns = w;
    }
    return ns > 0;
}

/* The gated phrase's pre-check: its rarest required term on its next passage >= *d, can
 * that passage enter with this term's quick bound and the other terms' block bounds?  If
 * not, *d moves past it without advancing (and decoding) the others: most passages where
 * common words co-occur stop here.  @return : 1 when *d was skipped (try again) */
static inline double bulk_score(ectx *e, const scorer *s, uint32_t d, uint32_t tf);
static uint32_t and_dl_limit(ectx *e, const scorer *lead, double cut, double o, uint32_t tf);

/* The limits for the others' bound o and the cut: the cached ones while they hold. */
static inline void dl_limits_for(dl_limits *l, double o, double cut)
{
    if (!l->valid || l->o != o || l->cut != cut) {
        l->valid = 1;
        l->o = o;
        l->cut = cut;
        l->known = 1;               /* lim[0]: tf above QB_TFS, never out */
        for (int t = 0; t <= QB_TFS; t++)
            l->lim[t] = UINT32_MAX;
    }
}

/* The limits' slot of tf (0: above QB_TFS); tf >= 1. */
static inline uint32_t dl_slot(uint32_t tf)
{
    return tf <= QB_TFS ? tf : 0;
}

/* dl_out's rarer half: a posting its tf's limit (maybe not filled yet) leaves in. */
static inline int dl_out_fill(ectx *e, dl_limits *l, const scorer *lead, uint32_t t,
                              uint32_t dl)
{
    if (l->known >> t & 1)
        return 0;
    l->lim[t] = and_dl_limit(e, lead, l->cut, l->o, t);
    l->known |= 1u << t;
    return dl > l->lim[t];
}

/* Is the lead's posting with tf at a passage of length dl out by its length alone? */
static inline int dl_out(ectx *e, dl_limits *l, const scorer *lead, uint32_t tf, uint32_t dl)
{
    uint32_t t = dl_slot(tf);
    return dl > l->lim[t] || dl_out_fill(e, l, lead, t, dl);
}

/* The gated phrase at d, its lead with tf there: the lead's exact score and the others'
 * block bounds, summed in the scoring order (each part >= its score): `pre` is the sum of the
 * bounds before the lead in distinct order, ob[from..no) the ones after it. */
static inline double gate_exact(ectx *e, const scorer *lead, double pre, const double *ob,
                                size_t from, size_t no, uint32_t d, uint32_t tf)
{
    double b = pre + bulk_score(e, lead, d, tf);
    for (size_t k = from; k < no; k++)
        b += ob[k];
    return b;
}

/* pre + the lead's part + ob[from..no), in the scoring order. */
static inline double gate_sum(double pre, double lead_part, const double *ob, size_t from,
                              size_t no)
{
    double b = pre + lead_part;
    for (size_t k = from; k < no; k++)
        b += ob[k];
    return b;
}

/* The gated phrase's lead from block index i while its postings are <= upto and cannot
 * enter with the others' bounds (pre, ob[from..no)): the first one that may, or n.  A posting
 * whose length is above its tf's limit (and_dl_limit) is out without its score computed. */
static uint32_t gate_lead_walk(ectx *e, const scorer *lead, double pre, const double *ob,
                               size_t from, size_t no, uint32_t i, uint32_t upto)
{
    double cut = gate_cut(e), o = pre;
    for (size_t k = from; k < no; k++)
        o += ob[k];
    dl_limits_for(&e->gate_lim, o, cut);
    const uint32_t *bd = lead->bdocs, *bt = lead->btfs, *lens = e->lens;
    uint32_t n = lead->bn;
    while (i < n && bd[i] <= upto) {
        uint32_t di = bd[i], tf = bt[i];
        if (dl_out(e, &e->gate_lim, lead, tf, lens[di])) {
            i++;
            continue;
        }
        if (!gate_out(e, gate_exact(e, lead, pre, ob, from, no, di, tf), di))
            break;
        i++;
    }
    return i;
}

static int gate_lead_out(ectx *e, scorer *s, uint32_t *d)
{
    scorer *lead = s->lead;
    sc_advance(e, lead, *d);
    *d = lead->doc;
    if (*d == DOC_END || gate_open(e))
        return 0;
    double qb = sc_quick_bound(e, lead, INFINITY);
    if (qb == INFINITY)
        return 0;
    enum { MAXO = 16 };
    double ob[MAXO];
    size_t no = 0;
    uint32_t upto = DOC_END;    /* where all the others' block bounds hold */
    for (size_t k = 0; k < s->n_distinct; k++)
        if (s->distinct[k]->term != lead->term) {
            double b = sc_shallow(e, s->distinct[k], *d, &upto);
            qb += b;
            if (no < MAXO)
                ob[no] = b;
            no++;
        }
    if (no > MAXO)
        return gate_out(e, qb, *d) ? ((*d)++, 1) : 0;
    double pre = 0;                 /* the others' bounds before the lead, in distinct order */
    size_t from = 0;
    while (from < no && s->distinct[from]->term != lead->term)
        pre += ob[from++];
    if (!gate_out(e, qb, *d) &&
        !gate_out(e, gate_exact(e, lead, pre, ob, from, no, *d, term_tf(lead)), *d))
        return 0;
    /* the lead's next postings in its decoded block while those bounds hold, each with its
     * exact score: no reader call per posting */
    if (lead->bn) {
        if (e->gate_window && e->gate_upto < upto)
            upto = e->gate_upto;
        uint32_t i = lead->bi + 1, n = lead->bn;
        /* with the lead's block bound in place of its score no posting can enter up to where
         * all the bounds hold: pass them unscored */
        uint32_t lu = upto;
        double lbb = sc_shallow(e, lead, *d, &lu);
        if (gate_out(e, gate_sum(pre, lbb, ob, from, no), *d)) {
            while (i < n && lead->bdocs[i] <= lu)
                i++;
        }
        i = gate_lead_walk(e, lead, pre, ob, from, no, i, upto);
        lead->bi = i - 1;
        lead->doc = lead->bdocs[i - 1];
        *d = lead->doc;
    }
    (*d)++;
    return 1;
}

static void phrase_advance(ectx *e, scorer *s, uint32_t target)
{
    if (s->valid && s->doc >= target)
        return;
    s->valid = 1;
    uint32_t d = target;
    int windowed = e->gate == s && e->gate_window;
    while (!e->rc) {
        if (windowed && d > e->gate_upto && d != DOC_END) {
            s->doc = d;             /* past the window: not a match yet (valid = 0) */
            s->valid = 0;
            return;
        }
        if (e->gate == s && s->lead && gate_lead_out(e, s, &d))
            continue;
        if (d == DOC_END)
            break;
        if (windowed && d > e->gate_upto)
            continue;
        size_t i = 0;
        while (i < s->n_pos) {
            uint32_t m = DOC_END;
            size_t p = s->ord[i];
            for (size_t j = 0; j < s->n_alt[p]; j++) {
                scorer *a = s->alt[p][j];      /* always a term */
                term_advance(e, a, d);
                if (a->doc < m)
                    m = a->doc;
            }
            if (m == DOC_END) {
                s->doc = DOC_END;
                return;
            }
            if (m > d) {
                d = m;
                i = 0;
                if (windowed && d > e->gate_upto)
                    break;
                continue;
            }
            i++;
        }
        if (windowed && d > e->gate_upto)
            continue;
        if (e->gate == s && !gate_open(e)) {
            /* the score needs no positions: read them only if it can enter */
            s->doc = d;
            double qb = 0;          /* first the tfs with their blocks' shortest lengths */
            for (size_t i = 0; i < s->n_distinct; i++)
                if (s->distinct[i]->doc == d)
                    qb += sc_quick_bound(e, s->distinct[i], INFINITY);
            if (gate_out(e, qb, d) || gate_out(e, sc_score(e, s), d)) {
                d++;
                continue;
            }
        }
        if (phrase_matches(e, s, d)) {
            s->doc = d;
            return;
        }
        d++;
    }
    s->doc = DOC_END;
}

static void sc_advance_slow(ectx *e, scorer *s, uint32_t target)
{
    if (e->rc) {
        s->doc = DOC_END;
        return;
    }
    switch (s->kind) {
    case SC_TERM:   term_advance(e, s, target); break;
    case SC_BOOL:   bool_advance(e, s, target); break;
    default:        phrase_advance(e, s, target); break;
    }
}

/* The hot path inline: a term already there, or stepping inside its decoded block. */
static inline void sc_advance(ectx *e, scorer *s, uint32_t target)
{
    if (s->kind == SC_TERM && s->valid && !e->rc && term_step_in_block(s, target))
        return;
    sc_advance_slow(e, s, target);
}

/* length_norm's miss: computed (and cached when short), out of line. */
static double length_norm_fill(ectx *e, uint32_t dl)
{
    double v = e->k1 * (1.0 - e->b + e->b * (double)dl / e->avgdl);
    if (dl < NORM_CACHE)
        e->norm[dl] = v;
    return v;
}

/* k1 (1 - b + b dl / avgdl), computed as poisk_bm25() does; a cached one inline, since
 * every bound and score of a walk asks (NaN: not yet). */
static inline double length_norm(ectx *e, uint32_t dl)
{
    if (dl < NORM_CACHE && e->norm[dl] == e->norm[dl])
        return e->norm[dl];
    return length_norm_fill(e, dl);
}

/* BM25 of a term at its current doc (the same double as poisk_bm25()). */
static inline double term_score(ectx *e, scorer *s)
{
    uint32_t d = s->doc;
    if (d != e->dl_doc) {
        e->dl_doc = d;
        e->dl = e->lens[d];
        e->dl_norm = length_norm(e, e->dl);
    }
    uint32_t tf = term_tf(s);
    if (tf == 0)
        return 0.0;
    return s->widf * (double)tf * (e->k1 + 1.0) / ((double)tf + e->dl_norm);
}

static double sc_score_slow(ectx *e, scorer *s)
{
    uint32_t d = s->doc;
    double sum = 0;
    switch (s->kind) {
    case SC_TERM:
        return term_score(e, s);
    case SC_BOOL:
        for (size_t i = 0; i < s->n_must; i++)
            sum += sc_score(e, s->must[i]);
        for (size_t i = 0; i < s->n_should; i++) {
            sc_advance(e, s->should[i], d);
            if (s->should[i]->doc == d)
                sum += sc_score(e, s->should[i]);
        }
        return sum;
    default:
        for (size_t i = 0; i < s->n_distinct; i++)
            if (s->distinct[i]->doc == d)
                sum += sc_score(e, s->distinct[i]);
        return sum;
    }
}

static inline double sc_score(ectx *e, scorer *s)
{
    return s->kind == SC_TERM ? term_score(e, s) : sc_score_slow(e, s);
}

/* Upper bound of s's score at its current doc without looking up the passage length: a
 * term's tf with the shortest length of its block (the block shallow_advance is on, which
 * inside a window is the decoded one); other scorers give `fallback`, their window bound. */
static double sc_quick_bound_slow(ectx *e, scorer *s, double fallback)
{
    if (s->kind != SC_TERM)
        return fallback;
    /* a posting with this tf is dominated by the first impact with a tf at least as high:
     * its passage is at least that long */
    uint32_t tf = term_tf(s);
    /* per block and tf once: most candidates of a block share a handful of small tfs */
    uint32_t last = s->bn ? s->bdocs[s->bn - 1] : UINT32_MAX;
    if (tf >= 1 && tf <= QB_TFS && last != UINT32_MAX) {
        if (s->qb_for != last) {
            s->qb_for = last;
            for (int i = 0; i < QB_TFS; i++)
                s->qb[i] = NAN;
        }
        double v = s->qb[tf - 1];
        if (v == v)
            return v;
    }
    const poisk_impacts *im = poisk_postings_block_impacts(s->cur);
    uint32_t i = 0;
    while (i + 1 < im->n && im->tf[i] < tf)
        i++;
    double v = poisk_bm25(e->k1, e->b, e->avgdl, s->widf, tf, im->n ? im->dl[i] : 0);
    /* cached only when the impacts are the decoded block's (the shallow pointer on it) */
    if (tf >= 1 && tf <= QB_TFS && last != UINT32_MAX
        && poisk_postings_block_last_doc(s->cur) == last)
        s->qb[tf - 1] = v;
    return v;
}

static inline double sc_quick_bound(ectx *e, scorer *s, double fallback)
{
    if (s->kind == SC_TERM && s->bn && s->doc != DOC_END) {      /* cached: inline */
        uint32_t tf = s->btfs[s->bi];
        if (tf >= 1 && tf <= QB_TFS && s->qb_for == s->bdocs[s->bn - 1]) {
            double v = s->qb[tf - 1];
            if (v == v)
                return v;
        }
    }
    return sc_quick_bound_slow(e, s, fallback);
}

/* The best score a term can reach at any (tf, length) pair of an impact list (a block's or
 * a v5 group's): the largest BM25 over its competitive pairs.  The same doubles as
 * poisk_bm25() (tf >= 1 here), with the length norm from the per-query cache: one division
 * per pair instead of two, for every block a walk bounds. */
static inline __attribute__((always_inline))
double impacts_best(ectx *e, const scorer *s, const poisk_impacts *im)
{
    double best = 0, k1p1 = e->k1 + 1.0;
    for (uint32_t i = 0; i < im->n; i++) {
        double tf = (double)im->tf[i], norm = length_norm(e, im->dl[i]);
        double v = s->widf * tf * k1p1 / (tf + norm);
        if (v > best)
            best = v;
    }
    return best;
}

static inline __attribute__((always_inline)) double block_bound(ectx *e, scorer *s)
{
    return impacts_best(e, s, poisk_postings_block_impacts(s->cur));
}

/* The phrase's bound over [target, *upto].  The gated phrase with a lead (a single-
 * alternative term every match has) takes the lead's block as the window: its block bound
 * plus the others' BM25 limits (widf (k1 + 1), what any tf approaches).  The frequent terms'
 * blocks are then bounded only at the lead's postings (gate_lead_out), not once per window of
 * their own short blocks, whose skip entries and bounds were most of a phrase's cost. */
static double phrase_shallow(ectx *e, scorer *s, uint32_t target, uint32_t *upto)
{
    double sum = 0;
    if (!s->lead || e->gate != s) {
        for (size_t i = 0; i < s->n_distinct; i++)
            sum += sc_shallow(e, s->distinct[i], target, upto);
        return sum;
    }
    double lb = sc_shallow(e, s->lead, target, upto);
    for (size_t i = 0; i < s->n_distinct; i++)
        sum += s->distinct[i] == s->lead ? lb
             : s->distinct[i]->widf * (e->k1 + 1.0) * (1.0 + 1e-9);
    return sum;
}

/* Keep v as term s's bound over its one block ending at last (sc_shallow answers from it,
 * impact_bound_at reads that block's impacts).  @return : v */
static inline double keep_block_bound(scorer *s, uint32_t last, double v)
{
    s->bb_last = last;
    s->bb_value = v;
    s->bb_range = 0;
    return v;
}

/* Upper bound of s's score over [target, *upto]; *upto is lowered to where it holds. */
static double sc_shallow_slow(ectx *e, scorer *s, uint32_t target, uint32_t *upto)
{
    double sum = 0;
    switch (s->kind) {
    case SC_TERM: {
        if (s->doc == DOC_END)
            return 0;
        /* still in the block bounded last (targets only grow): no reader call */
        if (s->bb_value >= 0 && target <= s->bb_last) {
            if (s->bb_last < *upto)
                *upto = s->bb_last;
            return s->bb_value;
        }
        int rc = poisk_postings_shallow_advance(s->cur, target, e->err);
        if (rc) {
            fail(e, rc);
            return 0;
        }
        uint32_t last = poisk_postings_block_last_doc(s->cur);
        if (last < target)     /* past the last block */
            return 0;
        if (last < *upto)
            *upto = last;
        /* a block not bounded yet (the test above answers while targets stay in the last
         * one, so a rare term's block spanning many windows is bounded once) */
        return keep_block_bound(s, last, block_bound(e, s));
    }
    case SC_BOOL:
        for (size_t i = 0; i < s->n_must; i++)
            sum += sc_shallow(e, s->must[i], target, upto);
        for (size_t i = 0; i < s->n_should; i++)
            sum += sc_shallow(e, s->should[i], target, upto);
        return sum;
    default:
        return phrase_shallow(e, s, target, upto);
    }
}

/* The common case inline: a term still inside the block it was bounded on last. */
static inline double sc_shallow(ectx *e, scorer *s, uint32_t target, uint32_t *upto)
{
    if (s->kind == SC_TERM && s->doc != DOC_END && s->bb_value >= 0 && target <= s->bb_last) {
        if (s->bb_last < *upto)
            *upto = s->bb_last;
        return s->bb_value;
    }
    return sc_shallow_slow(e, s, target, upto);
}

/* ---- collectors ------------------------------------------------------------------------ */

static int hit_better(const poisk_eval_hit *a, const poisk_eval_hit *b)
{
    return a->score > b->score || (a->score == b->score && a->doc < b->doc);
}

/* A bounded min-heap keeping the best `cap` hits (root = the worst kept). */
typedef struct topk {
    poisk_eval_hit *h;
    size_t n, cap;
} topk;

static void topk_sift_down(topk *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && hit_better(&t->h[m], &t->h[l])) m = l;
        if (r < t->n && hit_better(&t->h[m], &t->h[r])) m = r;
        if (m == i)
            return;
        poisk_eval_hit tmp = t->h[i];
        t->h[i] = t->h[m];
        t->h[m] = tmp;
        i = m;
    }
}

static int topk_add(topk *t, poisk_eval_hit h)
{
    if (t->cap == 0)
        return POISK_OK;
    if (t->n < t->cap) {
        if (!t->h && !(t->h = malloc(t->cap * sizeof *t->h)))
            return POISK_ENOMEM;
        size_t i = t->n++;
        t->h[i] = h;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!hit_better(&t->h[p], &t->h[i]))
                break;
            poisk_eval_hit tmp = t->h[i];
            t->h[i] = t->h[p];
            t->h[p] = tmp;
            i = p;
        }
        return POISK_OK;
    }
    if (hit_better(&h, &t->h[0])) {
        t->h[0] = h;
        topk_sift_down(t, 0);
    }
    return POISK_OK;
}

static int cmp_hits(const void *a, const void *b)
{
    const poisk_eval_hit *x = a, *y = b;
    return hit_better(x, y) ? -1 : hit_better(y, x) ? 1 : 0;
}

typedef struct filters {
    uint32_t (*ranges)[2];      /* allowed [lo,hi), sorted, disjoint */
    size_t n_ranges;
    int section_on[POISK_SECTION_COUNT];
    const char **sector_in, **sector_out;
    size_t n_in, n_out;
} filters;

typedef struct collector {
    topk top;
    int prune;
    int64_t total;
    /* by region */
    int by_region;
    size_t n_regions;
    uint32_t (*region_range)[2];
    topk *region_top;
    uint64_t *region_matches;
    /* sector post-filter */
    const filters *f;
    poisk_index *idx;
    poisk_passage_buf buf;
    /* the section being evaluated: the scorers' ids are its local ids (in global order) */
    const poisk_section_index *sec;
    /* cannot_enter() precomputed whenever the top-k changes or a section starts (-INFINITY:
     * not full yet): a bound below `cut` loses (the k-th score less the rounding slack), one
     * at most `tie` loses from local id kth_from on -- the section's first passage after
     * the k-th one (equal scores rank by global passage number) */
    double cut, tie;
    uint32_t kth_from;
} collector;

/* Is c's top-k still filling (cut and tie -INFINITY: every match enters, so bounding a
 * candidate is wasted work)? */
static inline int collector_filling(const collector *c)
{
    return c->cut == -INFINITY && c->tie == -INFINITY;
}

static void collector_refresh(collector *c)
{
    if (!c->prune || c->top.cap == 0 || c->top.n < c->top.cap) {
        c->cut = c->tie = -INFINITY;
        c->kth_from = DOC_END;
        return;
    }
    double thr = c->top.h[0].score;
    c->cut = thr - 1e-9 * (1.0 + fabs(thr));
    c->tie = thr;
    /* the section's passages up to the k-th's global id: ties lose from there on */
    c->kth_from = c->sec ? poisk_section_local_rank(c->sec, c->top.h[0].doc + 1) : DOC_END;
}

static double threshold(const collector *c)
{
    if (!c->prune || c->top.n < c->top.cap)
        return -INFINITY;
    return c->top.h[0].score;
}

static int sector_ok(collector *c, uint32_t doc, int *ok, poisk_error *err)
{
    const filters *f = c->f;
    *ok = 1;
    if (!f->n_in && !f->n_out)
        return POISK_OK;
    poisk_passage p;
    int rc = poisk_index_passage_meta(c->idx, doc, &p, &c->buf, err);
    if (rc)
        return rc;
    int in = f->n_in == 0;
    for (size_t i = 0; i < f->n_in; i++)
        in |= p.sector && strcmp(p.sector, f->sector_in[i]) == 0;
    for (size_t i = 0; i < f->n_out; i++)
        in &= !(p.sector && strcmp(p.sector, f->sector_out[i]) == 0);
    *ok = in;
    return POISK_OK;
}

static size_t region_of(const collector *c, uint32_t doc)
{
    for (size_t i = 0; i < c->n_regions; i++)
        if (doc >= c->region_range[i][0] && doc < c->region_range[i][1])
            return i;
    return c->n_regions;
}

/* A passage found in section e->sec, by its local id: the global id is looked up (a select
 * on the section's bitmap) only for a hit that enters, or when every hit counts. */
static int collect(ectx *e, collector *c, uint32_t local, double score)
{
    /* cheap rejection before the global id and the sector lookup: what hit_better() says
     * of (score, global id) against the k-th, local ids being in global order */
    if (c->prune && c->top.n == c->top.cap && c->top.cap) {
        double kth = c->top.h[0].score;
        if (!(score > kth) && !(score == kth && local < c->kth_from))
            return POISK_OK;
    }
    uint32_t doc = poisk_section_global_id(e->sec, local);
    int ok;
    int rc = sector_ok(c, doc, &ok, e->err);
    if (rc || !ok)
        return rc;
    if (c->total >= 0)
        c->total++;
    poisk_eval_hit h = { score, doc, e->section };
    if (c->by_region) {
        size_t r = region_of(c, doc);
        if (r < c->n_regions) {
            c->region_matches[r]++;
            return topk_add(&c->region_top[r], h);
        }
        return POISK_OK;
    }
    rc = topk_add(&c->top, h);
    collector_refresh(c);
    return rc;
}

/* ---- the root loop ---------------------------------------------------------------------- */

static inline int slack_below(double bound, double thr)
{
    /* bound sums in another order than the score: allow for rounding */
    return bound + 1e-9 * (1.0 + fabs(thr)) < thr;
}

/* Can no passage >= first (a local id of the section walked) with a score of at most
 * `bound` enter the top-k?  Below the k-th
 * score it cannot; equal to it, it cannot either once the k-th passage has a lower number
 * (equal scores rank by passage number) -- the case of boilerplate repeated in every
 * document, whose ties would otherwise keep every block with a copy "competitive". */
static inline int cannot_enter(const collector *c, double bound, uint32_t first)
{
    return bound < c->cut || (first >= c->kth_from && bound <= c->tie);
}

/* The gated phrase's score at d is its passage's whole score: can it not enter? */
static int gate_out(ectx *e, double score, uint32_t d)
{
    return cannot_enter(e->gate_c, score, d);
}

/* Is the gate's top-k not full yet (every bound enters)?  Then bounding a candidate is
 * wasted work: the rare phrases whose matches never fill it check every co-occurrence. */
static inline int gate_open(const ectx *e)
{
    return collector_filling(e->gate_c);
}

/* The gate's k-th score (what a passage must exceed to enter). */
static inline double gate_cut(const ectx *e)
{
    return e->gate_c->cut;
}

/* Do equal scores lose from passage `first` on? (the second half of cannot_enter) */
static inline int ties_lose(const collector *c, uint32_t first)
{
    return c->prune && c->top.cap && c->top.n == c->top.cap && first >= c->kth_from;
}

/* First allowed doc >= t and the end (exclusive) of its range; DOC_END when none. */
static uint32_t next_allowed(const filters *f, uint32_t t, uint32_t *range_hi)
{
    for (size_t i = 0; i < f->n_ranges; i++)
        if (f->ranges[i][1] > t) {
            *range_hi = f->ranges[i][1];
            return t > f->ranges[i][0] ? t : f->ranges[i][0];
        }
    return DOC_END;
}

typedef struct clause_bound { scorer *s; double b; size_t idx; } clause_bound;

/* A group's impacts (docs/FORMAT.md §6.2) with the others' bound rest cannot enter from t:
 * first the loose bound (largest tf at the shortest length), then the exact one. */
static int group_cannot_enter(ectx *e, const scorer *s, const poisk_impacts *im,
                              const collector *c, double rest, uint32_t t)
{
    double k1p1 = e->k1 + 1.0, tf = (double)im->tf[im->n - 1];
    double loose = s->widf * tf * k1p1 / (tf + length_norm(e, im->dl[0]));
    if (cannot_enter(c, (rest + loose) * (1.0 + 1e-9), t))
        return 1;
    return cannot_enter(c, (rest + impacts_best(e, s, im)) * (1.0 + 1e-9), t);
}

/* A root window [target, upto] could not enter: skip on, block by block, the term whose
 * block ended it while its next blocks, with the other clauses' bounds (which hold past
 * them), still cannot enter -- one skip entry and one bound each, without the window loop's
 * per-window work (the allowed range, every clause's bound, the threshold).  First a loose
 * bound (the block's largest tf at its shortest length, one division), then the exact one.
 * Every clause must be a term, and at most two: with more, the window is mostly ended by
 * another clause's block after one step (or3/or5/and5 cost 1-1.5 % more instructions).
 * Returns the next target (upto + 1 when nothing was skipped here); a block that may enter
 * is left for the window loop, bounded and cached. */
static uint32_t sc_shallow_skip(ectx *e, scorer *root, const collector *c, uint32_t upto)
{
    size_t n = root->n_must + root->n_should;
    scorer *lim = NULL;
    if (n > 2)
        return upto + 1;
    uint32_t others = DOC_END;
    double rest = 0;
    for (size_t i = 0; i < n; i++) {
        scorer *s = i < root->n_must ? root->must[i] : root->should[i - root->n_must];
        if (s->kind != SC_TERM)
            return upto + 1;
        if (s->doc == DOC_END || s->bb_value < 0 || s->bb_last < upto)
            continue;                   /* no bound in this window (past its last block) */
        if (s->bb_last == upto && !lim) {
            lim = s;
            continue;
        }
        rest += s->bb_value;
        if (s->bb_last < others)
            others = s->bb_last;
    }
    if (!lim || upto == DOC_END)
        return upto + 1;
    double k1p1 = e->k1 + 1.0;
    uint32_t t = upto + 1, g_open = 0;  /* groups up to g_open's last may enter: not asked */
    while (t <= others && t != DOC_END) {
        /* a long list's group (16 blocks) whose loose bound cannot enter is passed with one
         * compare, its skip entries unread (docs/FORMAT.md §6.2) */
        if (t > g_open) {
            uint32_t glast;
            const poisk_impacts *gi;
            int rc = poisk_postings_shallow_group(lim->cur, t, others, &glast, &gi, e->err);
            if (rc) {
                fail(e, rc);
                return t;
            }
            if (glast == DOC_END)
                g_open = DOC_END;
            else if (gi && group_cannot_enter(e, lim, gi, c, rest, t)) {
                t = glast + 1;
                continue;
            } else
                g_open = glast;
        }
        int rc = poisk_postings_shallow_advance(lim->cur, t, e->err);
        if (rc) {
            fail(e, rc);
            return t;
        }
        uint32_t last = poisk_postings_block_last_doc(lim->cur);
        const poisk_impacts *im = poisk_postings_block_impacts(lim->cur);
        /* past its end, or a window the others end first */
        if (last < t || last > others || last == DOC_END || im->n == 0)
            break;
        double tf = (double)im->tf[im->n - 1];
        double norm = length_norm(e, im->dl[0]);
        double loose = lim->widf * tf * k1p1 / (tf + norm);
        if (!cannot_enter(c, (rest + loose) * (1.0 + 1e-9), t)) {
            double exact = keep_block_bound(lim, last, block_bound(e, lim));
            if (!cannot_enter(c, (rest + exact) * (1.0 + 1e-9), t))
                break;
        }
        t = last + 1;
    }
    return t;
}

/* A root of many optional terms (a prefix's stems, a long query) whose windows ended at
 * every clause's every block ran a window per block of any of them, each bounding every
 * clause: at 1 GB `обеспе*` (142 stems in one section) made 1 827 windows of 142 bounds.
 * From WIDE_OR clauses on, as in Lucene's MaxScoreBulkScorer, only the clauses essential in
 * the last window end the next one; the others are bounded over the whole window by the
 * largest bound of their blocks there (term_range_bound). */
#define WIDE_OR 8

/* Upper bound of term s's score over [target, upto]: the largest of its blocks' bounds from
 * the one holding target to the first ending at or past upto (skip entries only, nothing
 * decoded).  Kept as the scorer's block bound up to that block's end, so sc_shallow answers
 * from it while the targets stay there: a bound over a wider range, still an upper bound.
 * Targets only grow, so the blocks already covered are not walked again. */
static double term_range_bound(ectx *e, scorer *s, uint32_t target, uint32_t upto)
{
    if (s->doc == DOC_END)
        return 0;
    double best = 0;
    uint32_t t = target, blocks = 0;
    if (s->bb_value >= 0 && target <= s->bb_last) {     /* covered up to bb_last already */
        if (s->bb_last >= upto)
            return s->bb_value;
        best = s->bb_value;
        t = s->bb_last + 1;
        blocks = 1 + (uint32_t)s->bb_range;
    }
    while (!e->rc) {
        int rc = poisk_postings_shallow_advance(s->cur, t, e->err);
        if (rc) {
            fail(e, rc);
            return 0;
        }
        uint32_t last = poisk_postings_block_last_doc(s->cur);
        if (last < t || last == DOC_END)    /* past the last block */
            break;
        double b = block_bound(e, s);
        if (b > best)
            best = b;
        s->bb_last = last;
        blocks++;
        if (last >= upto)
            break;
        t = last + 1;
    }
    if (blocks) {
        s->bb_value = best;
        s->bb_range = blocks > 1;
    }
    return best;
}

/* The window's end once the clauses are partitioned: an essential clause is walked in its
 * decoded block (bulk_term, single_window), so a window must not pass the end of that block.
 * A clause bounded over a range of blocks ends it at the first of them, decoded here (the
 * walk would decode it anyway); its range bound still holds over the shorter window. */
static uint32_t essential_blocks_end(ectx *e, clause_bound *cb, size_t ns, size_t ne,
                                     uint32_t target, uint32_t upto)
{
    for (size_t i = ne; i < ns && !e->rc; i++) {
        scorer *s = cb[i].s;
        if (!s->bb_range || s->doc == DOC_END)
            continue;
        sc_advance(e, s, target);
        term_view(e, s);
        if (s->doc != DOC_END && s->doc <= upto && s->bn && s->bdocs[s->bn - 1] < upto)
            upto = s->bdocs[s->bn - 1];
    }
    return upto;
}

/* ---- window-at-a-time OR (a root of optional terms) ------------------------------------- */

/* A window of a root whose optional clauses are all terms is scored in chunks of BULK_W
 * passages: each essential term walks its postings inside the chunk in one tight loop,
 * adding its BM25 into a dense per-passage accumulator (term-at-a-time inside the chunk, no
 * per-candidate search for the smallest doc over the clauses); then only the accumulated
 * passages that can still enter with the non-essential terms' bounds probe those terms. */
#define BULK_W 4096

/* The accumulators, allocated once per query (ectx.bulk_acc) by the first window with several
 * essential terms, and all zero between chunks: the scan that reads a slot clears it. */
typedef struct bulk_acc {
    double acc[BULK_W];
    uint64_t bits[BULK_W / 64];
} bulk_acc;

typedef struct bulk_buf {
    double *acc;
    uint64_t *bits;
    uint32_t *from, *to;        /* per clause: its postings inside the chunk (block indexes) */
    uint32_t lo_slot, hi_slot;  /* the chunk's smallest and largest accumulated slot */
} bulk_buf;

/* The BM25 of a term with tf at passage d (the same double as term_score()). */
static inline double bulk_score(ectx *e, const scorer *s, uint32_t d, uint32_t tf)
{
    double norm = length_norm(e, e->lens[d]);
    return s->widf * (double)tf * (e->k1 + 1.0) / ((double)tf + norm);
}

/* One essential term over [lo, hi]: accumulate, leave the term on its first doc > hi. */
/* Leave a term walked in its decoded block at index j, or on its last posting when the
 * walk used the block up (the next advance then leaves the block). */
static inline void term_park(scorer *s, uint32_t j)
{
    uint32_t last = s->bn - 1;
    s->bi = j < s->bn ? j : last;
    s->doc = s->bdocs[s->bi];
}

static void bulk_term(ectx *e, scorer *s, uint32_t lo, uint32_t hi, bulk_buf *bb, size_t i)
{
    sc_advance(e, s, lo);
    term_view(e, s);
    bb->from[i] = bb->to[i] = 0;
    if (s->doc > hi || !s->bn || e->rc)
        return;
    const uint32_t *bd = s->bdocs, *bt = s->btfs;
    uint32_t j = s->bi, n = s->bn;
    bb->from[i] = j;
    if (bd[j] - lo < bb->lo_slot)
        bb->lo_slot = bd[j] - lo;
    /* the sum starts at 0 and adds in clause order, as the DAAT loop's does */
    for (; j < n && bd[j] <= hi; j++) {
        uint32_t d = bd[j], slot = d - lo;
        bb->acc[slot] += bulk_score(e, s, d, bt[j]);
        bb->bits[slot >> 6] |= (uint64_t)1 << (slot & 63);
    }
    if (j > bb->from[i] && bd[j - 1] - lo > bb->hi_slot)
        bb->hi_slot = bd[j - 1] - lo;
    bb->to[i] = j;
    term_park(s, j);
}

/* The essential term's score at d from its postings inside the chunk (0 if absent). */
static double bulk_part(ectx *e, const scorer *s, const bulk_buf *bb, size_t i, uint32_t d)
{
    uint32_t lo = bb->from[i], hi = bb->to[i];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->bdocs[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < bb->to[i] && s->bdocs[lo] == d)
        return bulk_score(e, s, d, s->btfs[lo]);
    return 0.0;
}

/* Upper bound of a term's score at passage d inside the block its window bound came from,
 * knowing d's length: every posting of the block is dominated by an impact (tf_i, dl_i) with
 * dl_i <= its length, so its tf is at most the largest tf_i whose dl_i fits; none fits: the
 * term is not in d (0).  No block is decoded.  `fallback` when the block is not known. */
static double impact_bound_at(ectx *e, const scorer *s, uint32_t d, double fallback)
{
    if (s->bb_value < 0 || s->bb_range || d > s->bb_last
        || poisk_postings_block_last_doc(s->cur) != s->bb_last)
        return fallback;
    const poisk_impacts *im = poisk_postings_block_impacts(s->cur);
    uint32_t dl = e->lens[d], tf = 0;
    for (uint32_t i = 0; i < im->n && im->dl[i] <= dl; i++)
        tf = im->tf[i];
    return tf ? bulk_score(e, s, d, tf) : 0.0;
}

/* A candidate d whose essential clauses sum to s: add the non-essential clauses cb[0, ne),
 * highest bound first, while d can still enter with the rest's bounds; part[] gets their
 * scores.  @return : 1 when d may enter (part[] complete), 0 when it cannot */
static int probe_rest(ectx *e, const clause_bound *cb, size_t ne, const double *prefix,
                      double *part, const collector *c, double s, uint32_t d)
{
    for (size_t i = ne; i-- > 0;) {
        if (cannot_enter(c, s + prefix[i + 1], d))
            return 0;
        scorer *t = cb[i].s;
        if (t->kind != SC_TERM ? !(t->valid && t->bn && d <= t->bdocs[t->bn - 1])
                               : term_would_decode(t, d)) {
            /* the probe would decode a block: first bound the term at this passage's length
             * from the block's impacts */
            double nb = impact_bound_at(e, t, d, cb[i].b);
            if (nb == 0.0) {            /* not in this passage */
                part[cb[i].idx] = 0.0;
                continue;
            }
            if (cannot_enter(c, s + prefix[i] + nb, d))
                return 0;
        }
        if (t->kind == SC_TERM)
            term_probe(e, t, d);        /* a bitmap block stays a bit set */
        else
            sc_advance(e, t, d);
        s += part[cb[i].idx] = t->doc == d ? sc_score(e, t) : 0.0;
    }
    return 1;
}

/* The window [target, upto] of a root with one essential clause, cb[ne] (the last): it lies
 * inside that term's block (the window ends by every clause's block), so its postings are
 * walked in the decoded block, each bounded and probed as it comes -- no accumulator. */
__attribute__((noinline))   /* its posting loop keeps its registers (inlined: or1 +2 %) */
static void single_window(ectx *e, scorer *root, clause_bound *cb, size_t ns, size_t ne,
                          const double *prefix, double *part, collector *c, uint32_t target,
                          uint32_t upto)
{
    scorer *t = cb[ne].s;
    sc_advance(e, t, target);
    term_view(e, t);
    if (t->doc == DOC_END || t->doc > upto || !t->bn || e->rc)
        return;
    const uint32_t *bd = t->bdocs, *bt = t->btfs;
    uint32_t j = t->bi, n = t->bn, lo = j, hi = n;
    while (lo < hi) {           /* the window's end in the block: the first doc past upto */
        uint32_t mid = lo + (hi - lo) / 2;
        if (bd[mid] <= upto)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (uint32_t end = lo; j < end; j++) {
        uint32_t d = bd[j];
        double s = bulk_score(e, t, d, bt[j]);
        if (cannot_enter(c, s + prefix[ne], d) || excluded(e, root, d))
            continue;
        if (!probe_rest(e, cb, ne, prefix, part, c, s, d))
            continue;
        if (e->rc)
            break;
        part[cb[ne].idx] = s;
        /* the reported score sums in query order, as the DAAT loop's */
        s = 0;
        for (size_t i = 0; i < ns; i++)
            s += part[i];
        int rc = collect(e, c, d, s);
        if (rc) {
            fail(e, rc);
            break;
        }
    }
    term_park(t, j);
}

/* MaxScore over [target, upto] by chunks; ne: the first essential clause of cb. */
static void bulk_window(ectx *e, scorer *root, clause_bound *cb, size_t ns, size_t ne,
                        const double *prefix, double *part, collector *c, bulk_buf *bb,
                        uint32_t target, uint32_t upto)
{
    if (ne + 1 == ns) {
        single_window(e, root, cb, ns, ne, prefix, part, c, target, upto);
        return;
    }
    if (!bb->acc) {             /* the first window with several essential terms */
        if (!*e->bulk_acc && !(*e->bulk_acc = calloc(1, sizeof **e->bulk_acc))) {
            fail(e, POISK_ENOMEM);
            return;
        }
        bb->acc = (*e->bulk_acc)->acc;
        bb->bits = (*e->bulk_acc)->bits;
    }
    uint32_t lo = target;
    while (!e->rc) {
        uint32_t hi = upto - lo >= BULK_W ? lo + BULK_W - 1 : upto;
        uint32_t next = DOC_END;
        bb->lo_slot = UINT32_MAX;
        bb->hi_slot = 0;
        for (size_t i = ne; i < ns; i++) {
            bulk_term(e, cb[i].s, lo, hi, bb, i);
            /* on its first doc past the chunk, or (block used up) on none in the window */
            uint32_t d = cb[i].s->doc > hi ? cb[i].s->doc : DOC_END;
            if (d < next)
                next = d;
        }
        uint32_t w_end = bb->lo_slot == UINT32_MAX ? 0 : bb->hi_slot / 64 + 1;
        for (uint32_t w = bb->lo_slot / 64; w < w_end; w++) {
            uint64_t bits = bb->bits[w];
            bb->bits[w] = 0;
            while (bits) {
                uint32_t slot = w * 64 + (uint32_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                uint32_t d = lo + slot;
                double s = bb->acc[slot];
                bb->acc[slot] = 0.0;
                if (e->rc || cannot_enter(c, s + prefix[ne], d) || excluded(e, root, d))
                    continue;
                if (!probe_rest(e, cb, ne, prefix, part, c, s, d) || e->rc)
                    continue;
                for (size_t i = ne; i < ns; i++)
                    part[cb[i].idx] = bulk_part(e, cb[i].s, bb, i, d);
                /* the reported score sums in query order, as the DAAT loop's */
                s = 0;
                for (size_t i = 0; i < ns; i++)
                    s += part[i];
                int rc = collect(e, c, d, s);
                if (rc)
                    fail(e, rc);
            }
        }
        if (hi >= upto || next > upto)
            return;
        lo = next > hi + 1 ? next : hi + 1;
    }
}

/* The passage length above which the lead's posting with tf (1..QB_TFS) cannot enter the
 * top-k whatever the others score up to o: its BM25 falls with the length, so instead of a
 * division per posting, one per window and tf.  The cut is lowered by a margin far above
 * the rounding of either formula, so a posting it leaves in is then bounded exactly; none
 * it takes out would enter.  UINT32_MAX: no length is out. */
__attribute__((noinline))   /* once per window and tf: out of and_lead_out's loop */
static uint32_t and_dl_limit(ectx *e, const scorer *lead, double cut, double o, uint32_t tf)
{
    uint32_t lim = UINT32_MAX;
    double r = cut - o - 1e-7 * (1.0 + fabs(cut)), kb = e->k1 * e->b;
    if (r > 0 && kb > 0 && cut > -INFINITY && e->avgdl > 0) {
        double nmin = lead->widf * (e->k1 + 1.0) * (double)tf / r - (double)tf;
        double x = (nmin - e->k1 * (1.0 - e->b)) * e->avgdl / kb;
        if (x < 0)
            lim = 0;
        else if (x < 4e9)
            lim = (uint32_t)x + 1;
    }
    return lim;
}

/* A conjunction's frequent, low-weight terms (a common word beside rare ones) are bounded by
 * their cap, widf (k1 + 1) (what any tf approaches; a margin above rounding), not by their
 * blocks: their many short blocks no longer end the windows (a skip entry, a block bound and
 * a window of the others' work each), and their skip entries are read only to decode a
 * block for a candidate.  A term is loose when its cap is at most AND_LOOSE of the other
 * terms' caps together, so the looser bound costs little pruning.  The lead never is.
 * @return : 1 when some term is loose */
#define AND_LOOSE 0.2
static int and_loose(ectx *e, scorer *root)
{
    double all = 0;
    int any = 0;
    for (size_t i = 0; i < root->n_must; i++) {
        scorer *m = root->must[i];
        m->cap = m->widf * (e->k1 + 1.0) * (1.0 + 1e-9);
        all += m->cap;
    }
    for (size_t i = 1; i < root->n_must; i++) {
        scorer *m = root->must[i];
        m->loose = m->cap >= 0 && m->cap <= AND_LOOSE * (all - m->cap);
        any |= m->loose;
    }
    return any;
}

/* A conjunction's term's bound at passage d: its impacts there (impact_bound_at), its cap
 * when loose (its skip pointer is not kept on d's block). */
static inline double and_impact_at(ectx *e, const scorer *m, uint32_t d)
{
    return m->loose ? m->cap : impact_bound_at(e, m, d, INFINITY);
}

/* The lead's passage lengths are read by id as it steps through its decoded block
 * (and_lead_out's walk by length, and_pair_walk's candidates), a cache miss each where the
 * ids are far apart: the one LENS_AHEAD postings on is prefetched.  No clamp to the block (a clamp cost
 * and2 +6 % instructions in the walk): the index wraps inside the block's 128-slot array
 * (POISK_BLOCK_SIZE, a power of two), whose slots past the block's end hold stale ids,
 * their prefetch only wasted. */
#define LENS_AHEAD 8
static inline void lens_prefetch(const uint32_t *lens, const uint32_t *ids, uint32_t i)
{
    __builtin_prefetch(&lens[ids[(i + LENS_AHEAD) & (POISK_BLOCK_SIZE - 1)]]);
}

/* A conjunction of terms with a full top-k: its rarest term's next passage d >= *target,
 * bounded by its exact score and the others' impacts at d's length (their blocks' skip
 * entries: nothing decoded).  Summed in the scoring order, each part >= its score, so a
 * passage bounded out cannot enter.  @return : 1 when d was skipped (*target past it, maybe
 * past upto), 0 when it must be scored (*target = d), -1 at the end of the lead */
static int and_lead_out(ectx *e, scorer *root, collector *c, double should_b,
                        uint32_t *target, uint32_t upto)
{
    enum { MAXO = 16 };
    scorer *lead = root->must[0];
    term_advance(e, lead, *target);
    uint32_t d = lead->doc;
    if (d == DOC_END || e->rc)
        return -1;
    *target = d;
    if (d > upto)
        return 1;
    double ob[MAXO];
    size_t no = root->n_must - 1;
    int exact = 0;
    uint32_t hold = upto;           /* where the others' block bounds hold */
    double b, bb = term_score(e, lead);
    for (size_t i = 1; i < root->n_must; i++) {
        scorer *m = root->must[i];
        double v;
        if (m->doc == DOC_END)
            return 0;
        if (m->doc >= d) {          /* already there or past: exact or not a match */
            if (m->doc != d || !m->valid)
                return 0;
            v = term_score(e, m);
            exact = 1;
        } else {
            v = m->loose ? m->cap : sc_shallow(e, m, d, &hold);
        }
        if (i - 1 < MAXO)
            ob[i - 1] = v;
        bb += v;
    }
    /* first the others' block bounds, then (only if they let d in) their impacts at d */
    if (!cannot_enter(c, bb + should_b, d)) {
        b = term_score(e, lead);    /* in the scoring order */
        for (size_t i = 1; i < root->n_must; i++) {
            scorer *m = root->must[i];
            b += m->doc == d ? term_score(e, m) : and_impact_at(e, m, d);
        }
        if (!cannot_enter(c, b + should_b, d))
            return 0;
    }
    /* out: the lead's next postings in its decoded block while the others' block bounds
     * hold, each with its exact score, no call per posting */
    if (!exact && no <= MAXO && lead->bn) {
        uint32_t i = lead->bi + 1, n = lead->bn;
        double o = should_b;
        for (size_t k = 0; k < no; k++)
            o += ob[k];
        dl_limits *l = &e->and_lim;
        dl_limits_for(l, o, c->cut);
        const uint32_t *bd = lead->bdocs, *bt = lead->btfs, *lens = e->lens;
        for (; i < n && bd[i] <= hold; i++) {
            uint32_t di = bd[i], t = dl_slot(bt[i]), dl = lens[di];
            lens_prefetch(lens, bd, i);
            if (dl > l->lim[t] || dl_out_fill(e, l, lead, t, dl))    /* no score computed */
                continue;
            double lv = bulk_score(e, lead, di, lead->btfs[i]), v = lv;
            for (size_t k = 0; k < no; k++)
                v += ob[k];
            if (!cannot_enter(c, v + should_b, di)) {
                /* the others' impacts at di's length, as for d above: most postings
                 * that pass their block bounds stop here, without another call */
                v = lv;
                for (size_t k = 1; k < root->n_must; k++)
                    v += and_impact_at(e, root->must[k], di);
                if (!cannot_enter(c, v + should_b, di))
                    break;
            }
        }
        if (i < n)                  /* the next call's first length */
            __builtin_prefetch(&lens[bd[i]]);
        lead->bi = i - 1;
        lead->doc = lead->bdocs[i - 1];
        d = lead->doc;
    }
    *target = d + 1;                /* d < DOC_END */
    return 1;
}

/* and_next's leapfrog of the lead and its first other term m while both stay inside their
 * blocks (decoded, or m's probed bit set) and the lead inside the window: the same
 * candidates and the same stop as the general loop, with the two cursors in registers
 * (most of and_next's candidates are a mismatch of these two).  Stops on a match, where m
 * would leave its block (the general loop bounds the candidate before that), where the
 * lead would, or past upto.  @return : the lead's doc (both cursors left consistent) */
static inline uint32_t and_pair_walk(const ectx *e, scorer *lead, scorer *m, uint32_t upto)
{
    const uint32_t *a = lead->bdocs, *lens = e->lens;
    uint32_t i = lead->bi, x = a[i], alast = a[lead->bn - 1];
    if (!m->valid || m->doc == DOC_END)
        return x;
    if (m->pend.last) {             /* a bit set: each lead posting's bit, no scan */
        const poisk_bitmap_view *v = &m->pend;
        uint32_t mlast = v->last;
        if (x < m->doc)
            return x;
        for (;;) {
            if (x > mlast || x > upto)
                break;
            uint32_t r = x - v->base;
            if (v->bm[r >> 3] >> (r & 7) & 1) {
                m->doc = x;
                break;
            }
            if (x == alast)
                break;
            x = a[++i];
            lens_prefetch(lens, a, i);
        }
    } else if (m->bn) {
        /* a merge step at a time, the smaller cursor moved without a branch: the two
         * runs' lengths are random, so the loops of a leapfrog mispredicted their exits.
         * x stays in its block while x < y <= alast; y while y < x <= mlast. */
        const uint32_t *b = m->bdocs;
        uint32_t j = m->bi, y = m->doc, mlast = b[m->bn - 1];
        uint32_t lim = mlast < upto ? mlast : upto;
        while (x <= lim && y <= alast && x != y) {
            uint32_t lt = x < y;
            i += lt;
            j += lt ^ 1;
            x = a[i];
            y = b[j];
            lens_prefetch(lens, a, i);
        }
        m->bi = j;
        m->doc = y;
    }
    lead->bi = i;
    lead->doc = x;
    return x;
}

/* and_next pays on up to three terms (1 GB bench: and3 -10 % instructions, and2 -1 %);
 * on five it cost 7 % more while the frequent terms' blocks ended the windows, and saves
 * 17 % since and_loose bounds those terms by their caps instead (not measured beyond five) */
#define AND_NEXT_MAX 5

/* The leapfrog of a conjunction of terms from the lead's candidate d (and_lead_out let it
 * in; or any d while the top-k fills) to the next match in the window: bool_advance's walk
 * (with and_pair_walk's tight loop for the first two terms), except
 * that before a term decodes a block for a candidate, the candidate is bounded with the
 * exact scores of the terms before it (all at d) and the impacts of the rest at d's length,
 * summed in the scoring order; a candidate that cannot enter moves on without the decode.
 * Most of bool_advance's decodes on and3/and5 were for such candidates.  NOT clauses are
 * checked on a match.  @return : the match (root on it), a passage > upto (no match up to
 * there), or DOC_END */
__attribute__((noinline))   /* keeps run_root small enough for bulk_window to inline */
static uint32_t and_next(ectx *e, scorer *root, collector *c, double should_b, uint32_t d,
                         uint32_t upto)
{
    size_t n = root->n_must;
    /* and_lead_out let d in with the bound the first check would compute (the lead's exact
     * score, the rest's impacts at d): not computed again.  A top-k still filling bounds
     * nothing (every match enters). */
    uint32_t bounded = d;
    int full = !collector_filling(c);
    while (d <= upto && !e->rc) {
        scorer *lead = root->must[0];
        term_advance(e, lead, d);
        if (lead->doc == DOC_END || e->rc)
            return DOC_END;
        d = lead->doc;
        if (lead->bn)
            d = and_pair_walk(e, lead, root->must[1], upto);
        if (d > upto)
            return d;
        size_t i = 1;
        uint32_t next = d;
        for (; i < n; i++) {
            scorer *m = root->must[i];
            if (full && term_would_decode(m, d) && (i > 1 || d != bounded)) {
                double b = 0;
                for (size_t k = 0; k < n; k++) {
                    scorer *o = root->must[k];
                    b += k < i || o->doc == d ? term_score(e, o)
                                              : and_impact_at(e, o, d);
                }
                if (cannot_enter(c, b + should_b, d)) {
                    next = d + 1;           /* d < DOC_END */
                    break;
                }
            }
            term_probe(e, m, d);
            if (m->doc == DOC_END || e->rc)
                return DOC_END;
            if (m->doc != d) {
                next = m->doc;
                break;
            }
        }
        if (i == n) {
            if (!root->n_not || !excluded(e, root, d)) {
                root->doc = d;              /* as bool_advance leaves it */
                root->valid = 1;
                return d;
            }
            next = d + 1;
        }
        d = next;
    }
    return e->rc ? DOC_END : d;
}

static int cmp_bound(const void *a, const void *b)
{
    const clause_bound *x = a, *y = b;
    return x->b < y->b ? -1 : x->b > y->b ? 1 : 0;
}

static void run_root(ectx *e, scorer *root, const filters *f, collector *c)
{
    size_t ns = root->n_should;
    clause_bound *cb = calloc(ns ? ns : 1, sizeof *cb);
    double *prefix = calloc(ns + 1, sizeof *prefix);
    double *part = calloc(ns + 1, sizeof *part);   /* per-clause scores, original order */
    if (!cb || !prefix || !part) {
        free(cb);
        free(prefix);
        free(part);
        fail(e, POISK_ENOMEM);
        return;
    }
    if (root->n_must + ns == 1) {
        scorer *only = root->n_must ? root->must[0] : root->should[0];
        if (only->kind == SC_PHRASE) {
            e->gate = only;
            e->gate_c = c;
            e->gate_window = root->n_must == 0;
        }
    }
    for (size_t i = 0; i < ns; i++) {
        cb[i].s = root->should[i];
        cb[i].idx = i;
    }
    /* optional terms only (NOT clauses allowed): window-at-a-time */
    bulk_buf *bb = NULL;
    int bulk = root->n_must == 0 && ns > 0;
    for (size_t i = 0; i < ns; i++)
        bulk &= root->should[i]->kind == SC_TERM;
    if (bulk && (!(bb = calloc(1, sizeof *bb))
                 || !(bb->from = malloc(ns * sizeof *bb->from))
                 || !(bb->to = malloc(ns * sizeof *bb->to)))) {
        if (bb)
            free(bb->from);
        free(bb);
        free(cb);
        free(prefix);
        free(part);
        fail(e, POISK_ENOMEM);
        return;
    }
    int and_pre = root->n_must >= 2;
    for (size_t i = 0; i < root->n_must; i++)
        and_pre &= root->must[i]->kind == SC_TERM;
    int loose = and_pre && and_loose(e, root);
    int wide = bb && ns >= WIDE_OR;     /* bulk: every clause an optional term */
    size_t last_ne = 0;                 /* the last window's non-essential clauses */
    uint32_t target = 0, range_hi = 0;
    while (!e->rc) {
        target = next_allowed(f, target, &range_hi);
        if (target == DOC_END)
            break;
        /* the window: where every clause's block bound holds */
        uint32_t upto = range_hi - 1;
        double must_b = 0, should_b = 0;
        for (size_t i = 0; i < root->n_must; i++)
            must_b += root->must[i]->loose ? root->must[i]->cap
                                           : sc_shallow(e, root->must[i], target, &upto);
        /* cb keeps the last window's order (ascending bounds): re-sorting it is then
         * nearly linear, which matters for a prefix of hundreds of stems */
        size_t lead = wide ? last_ne : 0;   /* the clauses that end the window */
        for (size_t i = lead; i < ns; i++) {
            cb[i].b = sc_shallow(e, cb[i].s, target, &upto);
            should_b += cb[i].b;
        }
        for (size_t i = 0; i < lead; i++) {
            cb[i].b = term_range_bound(e, cb[i].s, target, upto);
            should_b += cb[i].b;
        }
        double thr = threshold(c);
        if (cannot_enter(c, must_b + should_b, target)) {
            if (upto == DOC_END)
                break;
            target = loose ? upto + 1 : sc_shallow_skip(e, root, c, upto);
            continue;
        }
        if (root->n_must) {
            for (;;) {
                if (and_pre) {
                    /* while the top-k fills, every match enters: and_next's leapfrog
                     * without its bounds */
                    int r = collector_filling(c)
                                ? 0 : and_lead_out(e, root, c, should_b, &target, upto);
                    if (r < 0)
                        goto done;
                    if (r > 0) {            /* skipped; past the window: the next one */
                        if (target > upto)
                            break;
                        continue;
                    }
                    if (root->n_must <= AND_NEXT_MAX) {
                        target = and_next(e, root, c, should_b, target, upto);
                        if (target == DOC_END || e->rc)
                            goto done;
                        if (target > upto)
                            break;
                    }
                }
                sc_advance(e, root, target);   /* musts, not NOT: a leapfrog conjunction */
                uint32_t d = root->doc;
                if (d == DOC_END || e->rc)
                    goto done;
                if (d > upto) {
                    target = d;
                    break;
                }
                double s = 0, qb = 0;
                for (size_t i = 0; i < root->n_must; i++)
                    qb += sc_quick_bound(e, root->must[i], INFINITY);
                int out = cannot_enter(c, qb + should_b, d);
                for (size_t i = 0; i < root->n_must && !out; i++)
                    s += sc_score(e, root->must[i]);
                if (!out && !cannot_enter(c, s + should_b, d)) {
                    for (size_t i = 0; i < ns; i++) {
                        sc_advance(e, root->should[i], d);
                        if (root->should[i]->doc == d)
                            s += sc_score(e, root->should[i]);
                    }
                    if ((e->rc = e->rc ? e->rc : collect(e, c, d, s)))
                        break;
                    thr = threshold(c);
                }
                if (d == upto) {
                    target = d == DOC_END - 1 ? DOC_END : d + 1;
                    break;
                }
                target = d + 1;
            }
            if (target == DOC_END)
                break;
            continue;
        }
        /* MaxScore over the optional clauses */
        for (size_t i = 1; i < ns; i++)     /* a few clauses: insertion sort, stable */
            for (size_t j = i; j > 0 && cmp_bound(&cb[j - 1], &cb[j]) > 0; j--) {
                clause_bound t = cb[j];
                cb[j] = cb[j - 1];
                cb[j - 1] = t;
            }
        prefix[0] = 0;
        for (size_t i = 0; i < ns; i++)
            prefix[i + 1] = prefix[i] + cb[i].b;
        size_t ne = 0;
        int tie = ties_lose(c, target);
        while (ne < ns && (slack_below(prefix[ne + 1], thr) || (tie && prefix[ne + 1] <= thr)))
            ne++;
        last_ne = ne;
        if (wide)
            upto = essential_blocks_end(e, cb, ns, ne, target, upto);
        if (bb) {
            bulk_window(e, root, cb, ns, ne, prefix, part, c, bb, target, upto);
            if (upto == DOC_END)
                break;
            target = upto + 1;
            continue;
        }
        int next_window = 0;
        e->gate_upto = upto;
        while (!next_window && !e->rc) {
            uint32_t d = DOC_END;
            for (size_t i = ne; i < ns; i++) {
                sc_advance(e, cb[i].s, target);
                if (cb[i].s->doc < d)
                    d = cb[i].s->doc;
            }
            if (d > upto) {
                next_window = 1;
                break;
            }
            /* tf with the blocks' shortest lengths first: most candidates stop here, before
             * any passage length is looked up */
            double qb = prefix[ne];
            for (size_t i = ne; i < ns; i++)
                if (cb[i].s->doc == d)
                    qb += sc_quick_bound(e, cb[i].s, cb[i].b);
            if (!cannot_enter(c, qb, d) && !excluded(e, root, d)) {
                double s = 0;
                for (size_t i = ne; i < ns; i++)
                    s += part[cb[i].idx] = cb[i].s->doc == d ? sc_score(e, cb[i].s) : 0.0;
                int pruned = 0;
                for (size_t i = ne; i-- > 0;) {
                    if (cannot_enter(c, s + prefix[i + 1], d)) {
                        pruned = 1;
                        break;
                    }
                    sc_advance(e, cb[i].s, d);
                    s += part[cb[i].idx] = cb[i].s->doc == d ? sc_score(e, cb[i].s) : 0.0;
                }
                if (!pruned) {
                    /* the reported score sums in query order, whatever the partition, so
                     * it is the same double with or without filters and pruning */
                    s = 0;
                    for (size_t i = 0; i < ns; i++)
                        s += part[i];
                }
                if (!pruned && !e->rc) {
                    int rc = collect(e, c, d, s);
                    if (rc)
                        fail(e, rc);
                    double t2 = threshold(c);
                    if (t2 != thr || ties_lose(c, d + 1) != tie) {
                        thr = t2;
                        tie = ties_lose(c, d + 1);
                        while (ne < ns && (slack_below(prefix[ne + 1], thr)
                                           || (tie && prefix[ne + 1] <= thr)))
                            ne++;
                        if (ne == ns)
                            next_window = 1;
                    }
                }
            }
            if (d == upto)
                next_window = 1;
            target = d + 1;
        }
        if (upto == DOC_END)
            break;
        target = upto + 1;
    }
done:
    if (bb) {
        free(bb->from);
        free(bb->to);
        free(bb);
    }
    free(cb);
    free(prefix);
    free(part);
}

/* ---- query preparation ------------------------------------------------------------------ */

typedef struct expand_ctx {
    char **forms;
    size_t n, cap, limit;
    int hit_limit;
    int rc;
} expand_ctx;

static int expand_visit(void *ctx, const char *term, size_t len, const poisk_term_info *info)
{
    (void)info;
    expand_ctx *x = ctx;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        char **nf = realloc(x->forms, cap * sizeof *nf);
        if (!nf) {
            x->rc = POISK_ENOMEM;
            return 1;
        }
        x->forms = nf;
        x->cap = cap;
    }
    if (!(x->forms[x->n] = strndup(term, len))) {
        x->rc = POISK_ENOMEM;
        return 1;
    }
    x->n++;
    return 0;
}

/* Merge forms[run[i]..run[i+1]) for i < n_runs, each sorted (a section's walk gives its
 * forms in dictionary order, byte order), into one sorted list without duplicates, freeing
 * them; tmp has room for run[n_runs] entries.  Pairs of runs merge per pass: ~log2(10)
 * passes over the forms instead of a sort's ~log2(n).  @return : the forms kept */
static size_t merge_runs(char **forms, char **tmp, size_t *run, size_t n_runs)
{
    while (n_runs > 1) {
        size_t out = 0, k = 0;
        for (size_t r = 0; r < n_runs; r += 2) {
            size_t a = run[r], ae = run[r + 1], b = ae, be = r + 1 < n_runs ? run[r + 2] : ae;
            run[k++] = out;
            while (a < ae || b < be) {
                int c = a >= ae ? 1 : b >= be ? -1 : strcmp(forms[a], forms[b]);
                if (c == 0)
                    free(forms[b++]);
                tmp[out++] = c <= 0 ? forms[a++] : forms[b++];
            }
        }
        run[k] = out;
        n_runs = k;
        memcpy(forms, tmp, out * sizeof *forms);
    }
    return n_runs ? run[1] : 0;
}

/* Per section, the first `limit` forms; the union's first `limit` are then exact. */
static int section_visit_limited(void *ctx, const char *term, size_t len,
                                 const poisk_term_info *info)
{
    expand_ctx *x = ctx;
    if (x->limit == 0) {
        x->hit_limit = 1;
        return 1;
    }
    x->limit--;
    return expand_visit(ctx, term, len, info);
}

static int expand_prefix(poisk_index *idx, poisk_query *q, poisk_analyzer *a, poisk_qnode *n,
                         unsigned max_terms, char *notice, size_t notice_size, poisk_error *err)
{
    size_t form_limit = (size_t)max_terms * 4 + 16;
    expand_ctx x = { 0 };
    size_t run[POISK_SECTION_COUNT + 1], n_runs = 0;
    for (int s = 0; s < POISK_SECTION_COUNT && !x.rc; s++) {
        poisk_section_index *sec;
        int rc = poisk_index_section(idx, (poisk_section)s, &sec, err);
        if (rc) {
            x.rc = rc;
            break;
        }
        if (!sec)
            continue;
        x.limit = form_limit;
        run[n_runs++] = x.n;
        rc = poisk_section_prefix(sec, POISK_DICT_EXACT, n->text, n->len, section_visit_limited,
                                  &x, err);
        if (rc && !x.rc)
            x.rc = rc;
    }
    int rc = x.rc;
    if (!rc && x.n) {
        char **tmp = malloc(x.n * sizeof *tmp);
        if (!tmp)
            rc = POISK_ENOMEM;
        else {
            run[n_runs] = x.n;
            x.n = merge_runs(x.forms, tmp, run, n_runs);
            free(tmp);
        }
    }
    int bounded = x.hit_limit;
    size_t use = x.n > form_limit ? form_limit : x.n;
    /* forms -> terms, in form order, at most max_terms distinct */
    size_t *terms = NULL;
    size_t n_terms = 0;
    if (!rc && use && !(terms = malloc(max_terms * sizeof *terms + 1)))
        rc = POISK_ENOMEM;
    for (size_t i = 0; i < use && !rc; i++) {
        poisk_token tok;
        poisk_analyzer_reset(a, x.forms[i], strlen(x.forms[i]));
        while (poisk_analyzer_next(a, &tok)) {
            size_t t = poisk_query_term(q, tok.term, tok.term_len, 0);
            if (t == (size_t)-1) {
                rc = POISK_ENOMEM;
                break;
            }
            int dup = 0;
            for (size_t j = 0; j < n_terms && !dup; j++)
                dup = terms[j] == t;
            if (dup)
                continue;
            if (n_terms == max_terms) {
                bounded = 1;
                break;
            }
            terms[n_terms++] = t;
        }
        if (bounded && n_terms == max_terms)
            break;
    }
    for (size_t i = 0; i < x.n; i++)
        free(x.forms[i]);
    free(x.forms);
    if (!rc) {
        if (bounded && !notice[0])
            snprintf(notice, notice_size,
                     "prefix '%.60s*' matches more than %u terms; only the first %u are used "
                     "(raise --max-prefix-terms or lengthen the prefix)",
                     n->text, max_terms, max_terms);
        n->kind = QN_BOOL;
        for (size_t i = 0; i < n_terms && !rc; i++) {
            poisk_qnode *t = calloc(1, sizeof *t);
            poisk_qclause *cl = realloc(n->cl, (n->n_cl + 1) * sizeof *cl);
            if (cl)
                n->cl = cl;
            if (!t || !cl) {
                free(t);
                rc = POISK_ENOMEM;
                break;
            }
            t->kind = QN_TERM;
            t->term = terms[i];
            n->cl[n->n_cl++] = (poisk_qclause){ Q_SHOULD, t };
        }
    }
    free(terms);
    return rc;
}

static int expand_all(poisk_index *idx, poisk_query *q, poisk_analyzer *a, poisk_qnode *n,
                      unsigned max_terms, char *notice, size_t size, poisk_error *err)
{
    if (n->kind == QN_PREFIX)
        return expand_prefix(idx, q, a, n, max_terms, notice, size, err);
    for (size_t i = 0; i < n->n_cl; i++) {
        int rc = expand_all(idx, q, a, n->cl[i].node, max_terms, notice, size, err);
        if (rc)
            return rc;
    }
    return POISK_OK;
}

/* Splice OR-children into the root's SHOULD list and AND-children into its MUST list: the
 * same matches and scores, but MaxScore then sees every term as its own clause. */
static int flatten_root(poisk_qnode *root)
{
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t i = 0; i < root->n_cl; i++) {
            poisk_qnode *c = root->cl[i].node;
            poisk_occur occ = root->cl[i].occ;
            if (c->kind != QN_BOOL || occ == Q_NOT)
                continue;
            int ok = 1, has_must = 0;
            for (size_t j = 0; j < c->n_cl; j++) {
                if (occ == Q_SHOULD && c->cl[j].occ != Q_SHOULD)
                    ok = 0;
                if (occ == Q_MUST && c->cl[j].occ == Q_SHOULD)
                    ok = 0;
                has_must |= c->cl[j].occ == Q_MUST;
            }
            if (!ok || (occ == Q_MUST && !has_must) || (occ == Q_SHOULD && c->n_cl == 0))
                continue;
            size_t n = root->n_cl - 1 + c->n_cl;
            poisk_qclause *cl = malloc((n ? n : 1) * sizeof *cl);
            if (!cl)
                return POISK_ENOMEM;
            size_t k = 0;
            for (size_t j = 0; j < root->n_cl; j++) {
                if (j != i) {
                    cl[k++] = root->cl[j];
                    continue;
                }
                for (size_t m = 0; m < c->n_cl; m++)
                    cl[k++] = c->cl[m];
            }
            free(root->cl);
            root->cl = cl;
            root->n_cl = n;
            c->n_cl = 0;
            poisk_qnode_free(c);
            changed = 1;
            break;
        }
    }
    return POISK_OK;
}

static void mark_positive(const poisk_qnode *n, int negated, unsigned char *pos)
{
    if (n->kind == QN_TERM && !negated)
        pos[n->term] = 1;
    for (size_t i = 0; i < n->n_pos && !negated; i++)
        for (size_t j = 0; j < n->pos[i].n_alt; j++)
            pos[n->pos[i].alt[j]] = 1;
    for (size_t i = 0; i < n->n_cl; i++)
        mark_positive(n->cl[i].node, negated || n->cl[i].occ == Q_NOT, pos);
}

static int add_range(filters *f, uint32_t lo, uint32_t hi)
{
    uint32_t (*r)[2] = realloc(f->ranges, (f->n_ranges + 1) * sizeof *r);
    if (!r)
        return POISK_ENOMEM;
    f->ranges = r;
    r[f->n_ranges][0] = lo;
    r[f->n_ranges][1] = hi;
    f->n_ranges++;
    return POISK_OK;
}

static int cmp_range(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Allowed doc ranges: the included regions (or everything) minus the excluded ones. */
static int build_filters(poisk_index *idx, const poisk_query *q, uint64_t n_docs, filters *f)
{
    int any_section = 0, any_region = 0;
    for (size_t i = 0; i < q->n_filters; i++) {
        any_section |= q->filters[i].kind == QF_SECTION && !q->filters[i].negated;
        any_region |= q->filters[i].kind == QF_REGION && !q->filters[i].negated;
    }
    for (int s = 0; s < POISK_SECTION_COUNT; s++)
        f->section_on[s] = !any_section;
    f->sector_in = calloc(q->n_filters + 1, sizeof *f->sector_in);
    f->sector_out = calloc(q->n_filters + 1, sizeof *f->sector_out);
    if (!f->sector_in || !f->sector_out)
        return POISK_ENOMEM;
    for (size_t i = 0; i < q->n_filters; i++) {
        const poisk_qfilter *qf = &q->filters[i];
        if (qf->kind == QF_SECTION)
            f->section_on[qf->section] = !qf->negated;
        else if (qf->kind == QF_SECTOR && !qf->negated)
            f->sector_in[f->n_in++] = qf->value;
        else if (qf->kind == QF_SECTOR)
            f->sector_out[f->n_out++] = qf->value;
    }
    /* negations win over inclusions of the same value */
    for (size_t i = 0; i < q->n_filters; i++)
        if (q->filters[i].kind == QF_SECTION && q->filters[i].negated)
            f->section_on[q->filters[i].section] = 0;
    if (f->n_in)   /* sectors exist only in sections 4-7 */
        for (int s = 0; s < POISK_SECTION_COUNT; s++)
            if (s < POISK_SECTION_PROBLEMY || s > POISK_SECTION_POKAZATELI)
                f->section_on[s] = 0;
    uint32_t n = n_docs > DOC_END - 1 ? DOC_END - 1 : (uint32_t)n_docs;
    size_t nr = poisk_index_region_count(idx);
    if (!any_region) {
        if (add_range(f, 0, n))
            return POISK_ENOMEM;
    } else {
        for (size_t r = 0; r < nr; r++) {
            const char *slug;
            uint32_t lo, hi;
            if (poisk_index_region_at(idx, r, &slug, &lo, &hi))
                continue;
            for (size_t i = 0; i < q->n_filters; i++)
                if (q->filters[i].kind == QF_REGION && !q->filters[i].negated &&
                    strcmp(q->filters[i].value, slug) == 0 && lo < hi) {
                    if (add_range(f, lo, hi))
                        return POISK_ENOMEM;
                    break;
                }
        }
    }
    /* subtract excluded regions */
    for (size_t r = 0; r < nr; r++) {
        const char *slug;
        uint32_t lo, hi;
        if (poisk_index_region_at(idx, r, &slug, &lo, &hi))
            continue;
        int out = 0;
        for (size_t i = 0; i < q->n_filters; i++)
            out |= q->filters[i].kind == QF_REGION && q->filters[i].negated &&
                   strcmp(q->filters[i].value, slug) == 0;
        if (!out)
            continue;
        size_t m = f->n_ranges;
        for (size_t i = 0; i < m; i++) {
            uint32_t a = f->ranges[i][0], b = f->ranges[i][1];
            if (hi <= a || lo >= b)
                continue;
            f->ranges[i][1] = lo > a ? lo : a;       /* left part (maybe empty) */
            if (hi < b && add_range(f, hi, b))
                return POISK_ENOMEM;
        }
    }
    if (f->n_ranges > 1)
        qsort(f->ranges, f->n_ranges, sizeof *f->ranges, cmp_range);
    size_t k = 0;
    for (size_t i = 0; i < f->n_ranges; i++)
        if (f->ranges[i][0] < f->ranges[i][1])
            memmove(f->ranges[k++], f->ranges[i], sizeof f->ranges[i]);
    f->n_ranges = k;
    return POISK_OK;
}

static void filters_free(filters *f)
{
    free(f->ranges);
    free(f->sector_in);
    free(f->sector_out);
}

/* f's allowed ranges in section sec's local ids, by rank on its bitmap (once per section
 * per query): [lo,hi) holds the section's passages rank(lo)..rank(hi)-1; empty ones are
 * dropped.  *out shares f's other fields but its ranges, `local` (room for f's).  Not
 * inlined: grown by it, poisk_eval_run no longer had bulk_term inlined (prefix +5 %). */
static __attribute__((noinline)) void filters_local(const filters *f, const poisk_section_index *sec,
                          uint32_t (*local)[2], filters *out)
{
    *out = *f;
    out->n_ranges = 0;
    out->ranges = local;
    for (size_t i = 0; i < f->n_ranges; i++) {
        uint32_t lo = poisk_section_local_rank(sec, f->ranges[i][0]);
        uint32_t hi = poisk_section_local_rank(sec, f->ranges[i][1]);
        if (lo < hi) {
            out->ranges[out->n_ranges][0] = lo;
            out->ranges[out->n_ranges][1] = hi;
            out->n_ranges++;
        }
    }
}

/* Terms looked up together (poisk_section_lookup_many): each in every section */
#define LOOKUP_TERMS 6

static int lookup_terms(poisk_index *idx, const poisk_query *q, uint64_t n_docs, term_stat *ts,
                        poisk_error *err)
{
    poisk_section_index *sec[POISK_SECTION_COUNT];
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        int rc = poisk_index_section(idx, (poisk_section)s, &sec[s], err);
        if (rc)
            return rc;
    }
    poisk_lookup l[LOOKUP_TERMS * POISK_SECTION_COUNT];
    for (size_t t0 = 0; t0 < q->n_terms; t0 += LOOKUP_TERMS) {
        size_t nt = q->n_terms - t0 < LOOKUP_TERMS ? q->n_terms - t0 : LOOKUP_TERMS, n = 0;
        for (size_t t = t0; t < t0 + nt; t++)
            for (int s = 0; s < POISK_SECTION_COUNT; s++)
                l[n++] = (poisk_lookup){ .sec = sec[s],
                                         .kind = q->terms[t].exact ? POISK_DICT_EXACT
                                                                   : POISK_DICT_STEM,
                                         .term = q->terms[t].text, .len = q->terms[t].len };
        int rc = poisk_section_lookup_many(l, n, err);
        if (rc)
            return rc;
        for (size_t t = t0, k = 0; t < t0 + nt; t++)
            for (int s = 0; s < POISK_SECTION_COUNT; s++, k++) {
                ts[t].info[s] = l[k].info;
                ts[t].found[s] = l[k].found && l[k].info.df != 0;
                if (ts[t].found[s])
                    ts[t].df += ts[t].info[s].df;
            }
    }
    for (size_t t = 0; t < q->n_terms; t++)
        ts[t].idf = poisk_bm25_idf(n_docs, ts[t].df);
    return POISK_OK;
}

static int collector_init(collector *c, poisk_index *idx, const poisk_eval_params *p,
                          const filters *f)
{
    memset(c, 0, sizeof *c);
    c->idx = idx;
    c->f = f;
    c->total = p->count || p->by_region ? 0 : -1;
    c->prune = !p->count && !p->by_region && !p->exhaustive;
    c->by_region = p->by_region;
    c->top.cap = p->k;
    collector_refresh(c);
    if (p->by_region) {
        c->n_regions = poisk_index_region_count(idx);
        c->region_range = calloc(c->n_regions + 1, sizeof *c->region_range);
        c->region_top = calloc(c->n_regions + 1, sizeof *c->region_top);
        c->region_matches = calloc(c->n_regions + 1, sizeof *c->region_matches);
        if (!c->region_range || !c->region_top || !c->region_matches)
            return POISK_ENOMEM;
        for (size_t i = 0; i < c->n_regions; i++) {
            const char *slug;
            if (poisk_index_region_at(idx, i, &slug, &c->region_range[i][0],
                                      &c->region_range[i][1]))
                c->region_range[i][0] = c->region_range[i][1] = 0;
            c->region_top[i].cap = p->per_region ? p->per_region : 3;
        }
    }
    return POISK_OK;
}

static void collector_free(collector *c)
{
    free(c->top.h);
    for (size_t i = 0; c->region_top && i < c->n_regions; i++)
        free(c->region_top[i].h);
    free(c->region_top);
    free(c->region_range);
    free(c->region_matches);
    poisk_passage_buf_free(&c->buf);
}

static int cmp_groups(const void *a, const void *b)
{
    const poisk_eval_group *x = a, *y = b;
    return cmp_hits(x->hits, y->hits);
}

static int finish(collector *c, const poisk_eval_params *p, poisk_eval_result *r)
{
    r->total = p->count ? c->total : -1;
    if (!c->by_region) {
        if (c->top.n > 1)
            qsort(c->top.h, c->top.n, sizeof *c->top.h, cmp_hits);
        r->hits = c->top.h;
        r->n_hits = c->top.n;
        c->top.h = NULL;
        return POISK_OK;
    }
    r->groups = calloc(c->n_regions + 1, sizeof *r->groups);
    if (!r->groups)
        return POISK_ENOMEM;
    for (size_t i = 0; i < c->n_regions; i++) {
        if (!c->region_matches[i])
            continue;
        poisk_eval_group *g = &r->groups[r->n_groups++];
        g->region = i;
        g->matches = c->region_matches[i];
        qsort(c->region_top[i].h, c->region_top[i].n, sizeof *c->region_top[i].h, cmp_hits);
        g->hits = c->region_top[i].h;
        g->n_hits = c->region_top[i].n;
        c->region_top[i].h = NULL;
    }
    if (r->n_groups > 1)
        qsort(r->groups, r->n_groups, sizeof *r->groups, cmp_groups);
    while (r->n_groups > p->k) {
        r->n_groups--;
        free(r->groups[r->n_groups].hits);
    }
    return POISK_OK;
}

/* The order the sections are evaluated in: the likeliest to hold the best hits first.  The
 * top-k is a total order (score, then passage number), so any order gives the same hits,
 * but a high k-th score set early lets the later sections skip most of their blocks by
 * their bounds.  A section's weight: per term, the BM25 of its mean tf at the section's mean
 * passage length (what a typical match scores) times log(1 + df) (more matches, more
 * chances of a high one) -- the dictionary's counts only, nothing decoded.  (Conjunctions
 * too: smallest sections first was measured 1-3 % worse on two- and three-term AND.) */
static void section_order(const poisk_query *q, const term_stat *ts, const poisk_index_stats *st,
                          const poisk_eval_params *p, double avgdl, int *order)
{
    double w[POISK_SECTION_COUNT];
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        w[s] = 0;
        double sl = st->section_passages[s]
                        ? (double)st->section_length[s] / (double)st->section_passages[s]
                        : avgdl;
        for (size_t t = 0; t < q->n_terms; t++) {
            if (!ts[t].found[s])
                continue;
            double df = ts[t].info[s].df, tf = (double)ts[t].info[s].cf / df;
            double typical = ts[t].idf * tf * (p->k1 + 1.0)
                             / (tf + p->k1 * (1.0 - p->b + p->b * sl / avgdl));
            w[s] += p->weight[s] * typical * log(1.0 + df);
        }
        int i = s;                  /* insertion: descending weight, stable */
        for (; i > 0 && w[order[i - 1]] < w[s]; i--)
            order[i] = order[i - 1];
        order[i] = s;
    }
}

int poisk_eval_run(poisk_index *idx, poisk_query *q, poisk_analyzer *a,
                   const poisk_eval_params *p, poisk_eval_result *r, poisk_error *err)
{
    memset(r, 0, sizeof *r);
    r->total = -1;
    int rc = expand_all(idx, q, a, q->root, p->max_prefix_terms ? p->max_prefix_terms : 1000,
                        r->notice, sizeof r->notice, err);
    if (!rc)
        rc = flatten_root(q->root);
    if (rc)
        return rc;
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    r->avgdl = st.passages ? (double)st.total_length / (double)st.passages : 1.0;
    if (r->avgdl <= 0)
        r->avgdl = 1.0;
    term_stat *ts = calloc(q->n_terms + 1, sizeof *ts);
    r->positive = calloc(q->n_terms + 1, 1);
    r->idf = calloc(q->n_terms + 1, sizeof *r->idf);
    filters f = { 0 };
    collector c;
    int crc = collector_init(&c, idx, p, &f);
    if (!ts || !r->positive || !r->idf || crc)
        rc = POISK_ENOMEM;
    if (!rc)
        rc = lookup_terms(idx, q, st.passages, ts, err);
    if (!rc)
        rc = build_filters(idx, q, st.passages, &f);
    if (!rc) {
        mark_positive(q->root, 0, r->positive);
        for (size_t t = 0; t < q->n_terms; t++)
            r->idf[t] = ts[t].idf;
    }
    struct bulk_acc *bulk_acc = NULL;
    int order[POISK_SECTION_COUNT];
    uint32_t (*local_ranges)[2] = NULL;     /* a section's allowed ranges (filters_local) */
    if (!rc && !(local_ranges = malloc((f.n_ranges + 1) * sizeof *local_ranges)))
        rc = POISK_ENOMEM;
    if (!rc)
        section_order(q, ts, &st, p, r->avgdl, order);
    for (int si = 0; si < POISK_SECTION_COUNT && !rc; si++) {
        int s = order[si];
        if (!f.section_on[s] || !st.section_passages[s])
            continue;
        ectx e = { 0 };
        e.bulk_acc = &bulk_acc;
        e.dl_doc = DOC_END;
        for (size_t i = 0; i < NORM_CACHE; i++)
            e.norm[i] = NAN;
        e.idx = idx;
        e.section = s;
        e.q = q;
        e.ts = ts;
        e.k1 = p->k1;
        e.b = p->b;
        e.avgdl = r->avgdl;
        e.weight = p->weight[s];
        e.err = err;
        rc = poisk_index_section(idx, (poisk_section)s, &e.sec, err);
        if (rc || !e.sec)
            continue;
        /* the section is walked in its local ids: lengths, allowed ranges and the top-k's
         * tie point are read or converted once here */
        filters fl;
        filters_local(&f, e.sec, local_ranges, &fl);
        e.lens = poisk_section_local_lengths(e.sec);
        c.sec = e.sec;
        collector_refresh(&c);
        scorer *root = build(&e, q->root);
        if (root && !e.rc)
            run_root(&e, root, &fl, &c);
        sc_free(&e, root);
        free(e.pbuf);
        r->blocks_decoded += e.blocks;
        rc = e.rc;
    }
    free(bulk_acc);
    free(local_ranges);
    if (!rc)
        rc = finish(&c, p, r);
    collector_free(&c);
    filters_free(&f);
    free(ts);
    if (rc)
        poisk_eval_result_free(r);
    return rc;
}

void poisk_eval_result_free(poisk_eval_result *r)
{
    free(r->hits);
    for (size_t i = 0; i < r->n_groups; i++)
        free(r->groups[i].hits);
    free(r->groups);
    free(r->positive);
    free(r->idf);
    memset(r, 0, sizeof *r);
}

int poisk_eval_explain(poisk_index *idx, const poisk_query *q, const poisk_eval_result *r,
                       const poisk_eval_params *p, const poisk_eval_hit *h,
                       poisk_explain_term **out, size_t *n, poisk_error *err)
{
    *out = NULL;
    *n = 0;
    poisk_section_index *sec;
    int rc = poisk_index_section(idx, (poisk_section)h->section, &sec, err);
    if (rc || !sec)
        return rc;
    poisk_explain_term *v = calloc(q->n_terms + 1, sizeof *v);
    if (!v)
        return POISK_ENOMEM;
    uint32_t dl = poisk_section_doc_length(sec, h->doc);
    for (size_t t = 0; t < q->n_terms && !rc; t++) {
        if (!r->positive[t])
            continue;
        poisk_term_info info;
        int found;
        poisk_dict_kind kind = q->terms[t].exact ? POISK_DICT_EXACT : POISK_DICT_STEM;
        rc = poisk_section_lookup(sec, kind, q->terms[t].text, q->terms[t].len, &info, &found, err);
        if (rc || !found)
            continue;
        poisk_postings *cur;
        if ((rc = poisk_postings_open_local(sec, kind, &info, &cur, err)))
            break;
        uint32_t local = poisk_section_local_rank(sec, h->doc);
        rc = poisk_postings_advance(cur, local, err);
        if (!rc && poisk_postings_doc(cur) == local) {
            uint32_t tf = poisk_postings_tf(cur);
            double widf = p->weight[h->section] * r->idf[t];
            v[(*n)++] = (poisk_explain_term){ q->terms[t].text, r->idf[t], tf, dl, r->avgdl,
                                              poisk_bm25(p->k1, p->b, r->avgdl, widf, tf, dl) };
        }
        poisk_postings_close(cur);
    }
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return POISK_OK;
}
