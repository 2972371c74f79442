/*
 * fuzz_query.c: any bytes as a query -> poisk_search() over a real seed index (parser,
 * analysis, prefix expansion, block-max evaluation, snippets, JSON output).  The first
 * byte picks options (--all, --by-region, --count, --explain, k).  Promises: no crash,
 * hang or leak; a query error is one of the query codes with a message; results are at
 * most k, ranked 1..n with non-increasing scores, carry a passage with region and text,
 * highlights inside the snippet; the JSON of the hits parses.
 */
#include "fuzz_index_common.h"
#include "poisk/search.h"
#include <cjson/cJSON.h>

static poisk_index *fuzz_query_index(void)
{
    static poisk_index *idx;
    if (!idx) {
        poisk_error err = { 0 };
        FUZZ_CHECK(poisk_index_open(fuzz_index_dir(), &idx, &err) == POISK_OK);
    }
    return idx;
}

static void check_hit(const poisk_hit *h, unsigned rank)
{
    FUZZ_CHECK(h->rank == rank);
    FUZZ_CHECK(h->passage.id && h->passage.region && h->passage.text);
    FUZZ_CHECK((unsigned)h->passage.section < POISK_SECTION_COUNT);
    if (h->snippet) {
        size_t sl = strlen(h->snippet);
        for (size_t k = 0; k < h->n_highlights; k++)
            FUZZ_CHECK(h->highlights[k][0] <= h->highlights[k][1] && h->highlights[k][1] <= sl);
    }
}

static int fuzz_query(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    poisk_index *idx = fuzz_query_index();
    unsigned flags = data[0];
    char *q = malloc(size);
    memcpy(q, data + 1, size - 1);
    q[size - 1] = 0;                         /* the API takes a C string */
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.all = flags & 1;
    o.by_region = (flags >> 1) & 1;
    o.count = (flags >> 2) & 1;
    o.explain = (flags >> 3) & 1;
    o.k = 1 + (flags >> 4) * 3;
    poisk_results *r = NULL;
    poisk_error err = { 0 };
    int rc = poisk_search(idx, q, &o, &r, &err);
    if (rc != POISK_OK) {
        FUZZ_CHECK(rc == POISK_ESYNTAX || rc == POISK_ESTOPWORDS || rc == POISK_EFILTER
                   || rc == POISK_ETOOLONG || rc == POISK_EINVAL);
        FUZZ_CHECK(err.message[0] != 0);
        FUZZ_CHECK(r == NULL);
    } else {
        FUZZ_CHECK(r != NULL);
        size_t n = poisk_results_count(r);
        if (!o.by_region)
            FUZZ_CHECK(n <= o.k);
        double prev = 0;
        for (size_t i = 0; i < n; i++) {
            const poisk_hit *h = poisk_results_hit(r, i);
            check_hit(h, (unsigned)i + 1);
            FUZZ_CHECK(i == 0 || h->score <= prev);
            prev = h->score;
        }
        if (o.by_region) {
            FUZZ_CHECK(poisk_results_group_count(r) <= o.k);
            for (size_t g = 0; g < poisk_results_group_count(r); g++) {
                const poisk_region_group *gr = poisk_results_group(r, g);
                FUZZ_CHECK(gr->region && gr->matches >= gr->n_hits);
            }
        }
        if (o.count)
            FUZZ_CHECK(poisk_results_total(r) >= (int64_t)(o.by_region ? 0 : n));
        size_t jl = 0;
        char *json = poisk_results_json_hits(r, &jl);
        FUZZ_CHECK(json);
        cJSON *j = cJSON_ParseWithLength(json, jl);
        FUZZ_CHECK(j && cJSON_IsArray(j));
        cJSON_Delete(j);
        free(json);
        poisk_results_free(r);
    }
    free(q);
    return 0;
}

POISK_FUZZ_ENTRY(fuzz_query)
