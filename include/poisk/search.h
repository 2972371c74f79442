/*
 * search.h: the query engine's public API (stage: reader -> query evaluator -> ranked
 * hits).  Used by bin/searcher, the HTTP server and any program linking libpoisk.
 *
 *   poisk_index *idx;  poisk_index_open("var/index", &idx, &err);
 *   poisk_search_options o;  poisk_search_options_init(&o);  o.k = 5;
 *   poisk_results *r;  poisk_search(idx, "телемедицин*", &o, &r, &err);
 *   for (size_t i = 0; i < poisk_results_count(r); i++) use(poisk_results_hit(r, i));
 *   poisk_results_free(r);  poisk_index_close(idx);
 *
 * The query language is in docs/QUERY.md.  poisk_search() is thread-safe on a shared
 * index; results belong to the caller and stay valid until poisk_results_free().
 */
#ifndef POISK_SEARCH_H
#define POISK_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"
#include "poisk/document.h"
#include "poisk/index.h"

#define POISK_DEFAULT_K          10
#define POISK_MAX_K              10000
#define POISK_MAX_QUERY_BYTES    8192
#define POISK_MAX_PREFIX_TERMS   1000

typedef struct poisk_search_options {
    unsigned k;                   /* hits (regions with by_region); default 10 */
    int all;                      /* AND instead of ranked OR */
    int explain;                  /* fill poisk_hit.explain */
    int count;                    /* compute the exact total (costs pruning) */
    int by_region;                /* group hits by region */
    int no_snippets;              /* skip snippet work */
    double k1, b;                 /* BM25; default 1.2, 0.75 */
    double section_weight[POISK_SECTION_COUNT];   /* default all 1 */
    /* Extra filters (as if written in the query): NULL-terminated lists or NULL. */
    const char *const *sections, *const *sectors, *const *regions;
    size_t max_query_bytes;       /* default POISK_MAX_QUERY_BYTES */
    unsigned max_k;               /* default POISK_MAX_K */
    unsigned max_prefix_terms;    /* default POISK_MAX_PREFIX_TERMS */
} poisk_search_options;

void poisk_search_options_init(poisk_search_options *o);

/* One term's share of a hit's score, for --explain. */
typedef struct poisk_explain_term {
    const char *term;             /* the indexed term (stem or exact form) */
    double idf;
    uint32_t tf, dl;
    double avgdl, contribution;
} poisk_explain_term;

typedef struct poisk_hit {
    unsigned rank;                /* from 1 */
    double score;
    uint32_t doc;                 /* internal passage number (tie-break order) */
    poisk_passage passage;        /* id, region, section, sector, ... text */
    const char *region_name;      /* nominative */
    const char *snippet;          /* NULL with no_snippets */
    const uint32_t (*highlights)[2];   /* [start,end) byte offsets in snippet */
    size_t n_highlights;
    const poisk_explain_term *explain;  /* with explain */
    size_t n_explain;
} poisk_hit;

/* With by_region: one group per region, best first. */
typedef struct poisk_region_group {
    const char *region, *region_name;
    uint64_t matches;             /* matching passages in the region */
    const poisk_hit *hits;        /* its best passages */
    size_t n_hits;
} poisk_region_group;

typedef struct poisk_results poisk_results;

/*! poisk_search() : parse and evaluate one query.  Query errors return POISK_ESYNTAX,
 *  POISK_ESTOPWORDS, POISK_EFILTER or POISK_ETOOLONG with a one-line message in *err. */
int poisk_search(poisk_index *idx, const char *query, const poisk_search_options *o,
                 poisk_results **out, poisk_error *err);
void poisk_results_free(poisk_results *r);

size_t poisk_results_count(const poisk_results *r);
const poisk_hit *poisk_results_hit(const poisk_results *r, size_t i);
size_t poisk_results_group_count(const poisk_results *r);
const poisk_region_group *poisk_results_group(const poisk_results *r, size_t i);
int64_t poisk_results_total(const poisk_results *r);          /* -1 unless count was asked */
uint64_t poisk_results_blocks_decoded(const poisk_results *r);
const char *poisk_results_notice(const poisk_results *r);      /* e.g. prefix bound hit; or NULL */
/*! poisk_results_timing() : where poisk_search() spent its time, in ns (monotonic clock):
 *  *eval = parse + analysis + evaluation to the top-k passage numbers and scores (what a
 *  peer's "search" returns); *fetch = reading the hits' stored passages, snippets, explain. */
void poisk_results_timing(const poisk_results *r, uint64_t *eval_ns, uint64_t *fetch_ns);

/*! poisk_results_json() : the hits as the JSON array used by --json, --batch and the
 *  server (docs/QUERY.md), malloc'd and NUL-terminated.  @return : NULL on ENOMEM */
char *poisk_results_json_hits(const poisk_results *r, size_t *len);

#endif
