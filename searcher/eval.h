/*
 * eval.h: the query evaluator (stage: reader -> query evaluator -> ranked hits).
 * Module-private to searcher/.  BM25 over whole-index statistics, document-at-a-time with
 * block-max MaxScore for the optional clauses, galloping conjunction for required clauses
 * and phrases, region filters as doc-id range skips, per-section evaluation merged into one
 * top-k.  Exact counts only when asked.
 */
#ifndef POISK_EVAL_H
#define POISK_EVAL_H

#include <stdint.h>
#include "poisk/index.h"
#include "poisk/analyzer.h"
#include "poisk/search.h"
#include "query.h"

typedef struct poisk_eval_params {
    unsigned k;                 /* hits, or regions with by_region */
    unsigned per_region;        /* hits kept per region with by_region */
    int count, by_region;
    int exhaustive;             /* no pruning (tests compare against it) */
    double k1, b;
    double weight[POISK_SECTION_COUNT];
    unsigned max_prefix_terms;
} poisk_eval_params;

typedef struct poisk_eval_hit {
    double score;
    uint32_t doc;
    int section;
} poisk_eval_hit;

typedef struct poisk_eval_group {
    size_t region;              /* index for poisk_index_region_at */
    uint64_t matches;
    poisk_eval_hit *hits;       /* best first */
    size_t n_hits;
} poisk_eval_group;

typedef struct poisk_eval_result {
    poisk_eval_hit *hits;       /* best first: score desc, then doc asc */
    size_t n_hits;
    poisk_eval_group *groups;   /* by_region */
    size_t n_groups;
    int64_t total;              /* -1 unless count */
    uint64_t blocks_decoded;
    char notice[256];           /* "" or e.g. the prefix bound message */
    unsigned char *positive;    /* per query term: 1 if it can contribute to a score */
    double *idf;                /* per query term */
    double avgdl;
} poisk_eval_result;

/*! poisk_eval_run() : expand prefixes (with analyzer `a`), evaluate `q` over `idx`.
 *  @return : poisk_rc; *r is filled (free with poisk_eval_result_free) on success. */
int poisk_eval_run(poisk_index *idx, poisk_query *q, poisk_analyzer *a,
                   const poisk_eval_params *p, poisk_eval_result *r, poisk_error *err);
void poisk_eval_result_free(poisk_eval_result *r);

/*! The BM25 contribution of one term: weight * idf * tf(k1+1) / (tf + k1(1 - b + b dl/avgdl)). */
double poisk_bm25(double k1, double b, double avgdl, double widf, uint32_t tf, uint32_t dl);
/*! idf = ln(1 + (N - df + 0.5) / (df + 0.5)). */
double poisk_bm25_idf(uint64_t n, uint64_t df);

/*! Explain one hit: for every positive term present in the passage, its tf and share. */
int poisk_eval_explain(poisk_index *idx, const poisk_query *q, const poisk_eval_result *r,
                       const poisk_eval_params *p, const poisk_eval_hit *h,
                       poisk_explain_term **out, size_t *n, poisk_error *err);

#endif
