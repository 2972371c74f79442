/*
 * search.c: the public query API (include/poisk/search.h): parse -> analyse -> evaluate ->
 * fetch passages -> snippets -> explain, into one poisk_results the caller owns.
 * (Stage: query evaluator -> ranked hits.)  Nothing here is global: each call takes its
 * own analyzers from the index's pool (search_pool.c), so calls on a shared index may run
 * in parallel and none pays for creating analyzers once the pool is warm.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval.h"
#include "regions.h"
#include "results.h"
#include "search_pool.h"
#include "snippet.h"

void poisk_search_options_init(poisk_search_options *o)
{
    memset(o, 0, sizeof *o);
    o->k = POISK_DEFAULT_K;
    o->k1 = 1.2;
    o->b = 0.75;
    for (int s = 0; s < POISK_SECTION_COUNT; s++)
        o->section_weight[s] = 1.0;
    o->max_query_bytes = POISK_MAX_QUERY_BYTES;
    o->max_k = POISK_MAX_K;
    o->max_prefix_terms = POISK_MAX_PREFIX_TERMS;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int check_options(const poisk_search_options *o, poisk_error *err)
{
    unsigned max_k = o->max_k ? o->max_k : POISK_MAX_K;
    if (o->k == 0)
        return poisk_error_set(err, POISK_EINVAL, "k must be at least 1");
    if (o->k > max_k)
        return poisk_error_set(err, POISK_ETOOLONG, "k = %u is over the limit of %u", o->k, max_k);
    if (!(o->k1 >= 0 && o->k1 < 1e6) || !(o->b >= 0 && o->b <= 1))
        return poisk_error_set(err, POISK_EINVAL, "BM25 needs k1 >= 0 and 0 <= b <= 1");
    for (int s = 0; s < POISK_SECTION_COUNT; s++)
        if (!(o->section_weight[s] >= 0 && o->section_weight[s] < 1e6))
            return poisk_error_set(err, POISK_EINVAL, "section weights must be >= 0");
    return POISK_OK;
}

static int add_option_filters(poisk_query *q, poisk_qfilter_kind kind, const char *const *v,
                              poisk_error *err)
{
    for (size_t i = 0; v && v[i]; i++) {
        int neg = v[i][0] == '-';
        int rc = poisk_query_add_filter(q, kind, v[i] + neg, neg, err);
        if (rc)
            return rc;
    }
    return POISK_OK;
}

static void hit_store_free(poisk_hit_store *s)
{
    poisk_passage_buf_free(&s->buf);
    free(s->snippet);
    free(s->hl);
    free(s->explain);
}

void poisk_results_free(poisk_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_hits; i++)
        hit_store_free(&r->store[i]);
    for (size_t i = 0; i < r->n_group_hits; i++)
        hit_store_free(&r->group_store[i]);
    free(r->hits);
    free(r->store);
    free(r->group_hits);
    free(r->group_store);
    free(r->groups);
    free(r->notice);
    poisk_query_free(r->query);
    free(r);
}

typedef struct fill_ctx {
    poisk_index *idx;
    poisk_query *q;
    const poisk_eval_result *er;
    const poisk_eval_params *ep;
    const poisk_search_options *o;
    poisk_analyzer *doc_analyzer;
    poisk_error *err;
} fill_ctx;

static int fill_hit(fill_ctx *c, const poisk_eval_hit *eh, unsigned rank, poisk_hit *h,
                    poisk_hit_store *st)
{
    memset(h, 0, sizeof *h);
    h->rank = rank;
    h->score = eh->score;
    h->doc = eh->doc;
    /* without a snippet the text is never read: only the block's metadata is inflated */
    int rc = c->o->no_snippets
                 ? poisk_index_passage_meta(c->idx, eh->doc, &h->passage, &st->buf, c->err)
                 : poisk_index_passage(c->idx, eh->doc, &h->passage, &st->buf, c->err);
    if (rc)
        return rc;
    const poisk_region *reg = h->passage.region
        ? poisk_region_lookup(h->passage.region, strlen(h->passage.region)) : NULL;
    h->region_name = reg ? reg->nominative : h->passage.region;
    if (!c->o->no_snippets) {
        poisk_snippet sn;
        rc = poisk_snippet_make(c->doc_analyzer, h->passage.text, h->passage.text_len, c->q,
                                c->er->positive, POISK_SNIPPET_BYTES, &sn);
        if (rc)
            return rc;
        st->snippet = sn.text;
        st->hl = sn.hl;
        h->snippet = sn.text;
        h->highlights = (const uint32_t (*)[2])sn.hl;
        h->n_highlights = sn.n_hl;
    }
    if (c->o->explain) {
        rc = poisk_eval_explain(c->idx, c->q, c->er, c->ep, eh, &st->explain, &h->n_explain,
                                c->err);
        if (rc)
            return rc;
        h->explain = st->explain;
    }
    return POISK_OK;
}

static int fill_results(fill_ctx *c, poisk_results *r)
{
    const poisk_eval_result *er = c->er;
    if (er->n_hits) {
        r->hits = calloc(er->n_hits, sizeof *r->hits);
        r->store = calloc(er->n_hits, sizeof *r->store);
        if (!r->hits || !r->store)
            return POISK_ENOMEM;
    }
    for (size_t i = 0; i < er->n_hits; i++) {
        r->n_hits = i + 1;
        int rc = fill_hit(c, &er->hits[i], (unsigned)i + 1, &r->hits[i], &r->store[i]);
        if (rc)
            return rc;
    }
    if (!r->by_region)
        return POISK_OK;
    size_t total = 0;
    for (size_t g = 0; g < er->n_groups; g++)
        total += er->groups[g].n_hits;
    r->groups = calloc(er->n_groups + 1, sizeof *r->groups);
    r->group_hits = calloc(total + 1, sizeof *r->group_hits);
    r->group_store = calloc(total + 1, sizeof *r->group_store);
    if (!r->groups || !r->group_hits || !r->group_store)
        return POISK_ENOMEM;
    size_t at = 0;
    for (size_t g = 0; g < er->n_groups; g++) {
        poisk_region_group *rg = &r->groups[g];
        uint32_t lo, hi;
        poisk_index_region_at(c->idx, er->groups[g].region, &rg->region, &lo, &hi);
        const poisk_region *reg = rg->region ? poisk_region_lookup(rg->region, strlen(rg->region)) : NULL;
        rg->region_name = reg ? reg->nominative : rg->region;
        rg->matches = er->groups[g].matches;
        rg->hits = r->group_hits + at;
        rg->n_hits = er->groups[g].n_hits;
        r->n_groups = g + 1;
        for (size_t i = 0; i < er->groups[g].n_hits; i++) {
            r->n_group_hits = at + 1;
            int rc = fill_hit(c, &er->groups[g].hits[i], (unsigned)i + 1, &r->group_hits[at],
                              &r->group_store[at]);
            if (rc)
                return rc;
            at++;
        }
    }
    return POISK_OK;
}

int poisk_search(poisk_index *idx, const char *query, const poisk_search_options *o,
                 poisk_results **out, poisk_error *err)
{
    *out = NULL;
    uint64_t t0 = now_ns();
    if (err) {
        err->rc = POISK_OK;
        err->message[0] = 0;
    }
    poisk_search_options defaults;
    if (!o) {
        poisk_search_options_init(&defaults);
        o = &defaults;
    }
    if (!idx || !query)
        return poisk_error_set(err, POISK_EINVAL, "poisk_search: no index or no query");
    int rc = check_options(o, err);
    if (rc)
        return rc;
    poisk_query_limits lim = { o->max_query_bytes ? o->max_query_bytes : POISK_MAX_QUERY_BYTES, 32 };
    poisk_query *q;
    if ((rc = poisk_query_parse(query, strlen(query), o->all, &lim, &q, err)))
        return rc;
    if ((rc = add_option_filters(q, QF_SECTION, o->sections, err)) ||
        (rc = add_option_filters(q, QF_SECTOR, o->sectors, err)) ||
        (rc = add_option_filters(q, QF_REGION, o->regions, err))) {
        poisk_query_free(q);
        return rc;
    }
    poisk_analyzer_pair *an;
    if (poisk_search_pool_take(idx, &an)) {
        poisk_query_free(q);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory creating the analyzers");
    }
    poisk_eval_params ep = { 0 };
    ep.k = o->k;
    ep.per_region = 3;
    ep.count = o->count;
    ep.by_region = o->by_region;
    ep.k1 = o->k1;
    ep.b = o->b;
    memcpy(ep.weight, o->section_weight, sizeof ep.weight);
    ep.max_prefix_terms = o->max_prefix_terms ? o->max_prefix_terms : POISK_MAX_PREFIX_TERMS;
    poisk_eval_result er;
    memset(&er, 0, sizeof er);
    poisk_results *r = NULL;
    rc = poisk_query_analyze(q, an->query, err);
    if (!rc)
        rc = poisk_eval_run(idx, q, an->query, &ep, &er, err);
    if (!rc && !(r = calloc(1, sizeof *r)))
        rc = POISK_ENOMEM;
    if (!rc) {
        r->query = q;
        q = NULL;
        r->total = er.total;
        r->blocks = er.blocks_decoded;
        r->by_region = o->by_region;
        r->explain = o->explain;
        if (er.notice[0] && !(r->notice = strdup(er.notice)))
            rc = POISK_ENOMEM;
        fill_ctx c = { idx, r->query, &er, &ep, o, an->doc, err };
        uint64_t t1 = now_ns();
        r->eval_ns = t1 - t0;
        if (!rc)
            rc = fill_results(&c, r);
        r->fetch_ns = now_ns() - t1;
    }
    poisk_eval_result_free(&er);
    poisk_search_pool_give(idx, an);
    poisk_query_free(q);
    if (rc) {
        poisk_results_free(r);
        if (err && err->rc != rc)
            poisk_error_set(err, rc, "%s", poisk_strerror(rc));
        return rc;
    }
    *out = r;
    return POISK_OK;
}

size_t poisk_results_count(const poisk_results *r) { return r ? r->n_hits : 0; }

const poisk_hit *poisk_results_hit(const poisk_results *r, size_t i)
{
    return r && i < r->n_hits ? &r->hits[i] : NULL;
}

size_t poisk_results_group_count(const poisk_results *r) { return r ? r->n_groups : 0; }

const poisk_region_group *poisk_results_group(const poisk_results *r, size_t i)
{
    return r && i < r->n_groups ? &r->groups[i] : NULL;
}

int64_t poisk_results_total(const poisk_results *r) { return r ? r->total : -1; }
uint64_t poisk_results_blocks_decoded(const poisk_results *r) { return r ? r->blocks : 0; }
const char *poisk_results_notice(const poisk_results *r) { return r ? r->notice : NULL; }

void poisk_results_timing(const poisk_results *r, uint64_t *eval_ns, uint64_t *fetch_ns)
{
    *eval_ns = r ? r->eval_ns : 0;
    *fetch_ns = r ? r->fetch_ns : 0;
}
