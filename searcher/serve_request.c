/*
 * serve_request.c: parameters of a /search request (see serve_request.h).  Both the GET
 * and the POST path end in poisk_serve_query_set_value(), so the two accept exactly the
 * same names, values and limits.  Unknown keys are errors: a typo such as `regoin=` must
 * not silently widen a search.
 */
#include "serve_request.h"
#include "serve_json.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FILTER_SECTION, FILTER_SECTOR, FILTER_REGION };
static const char *const filter_names[3] = { "section", "sector", "region" };

void poisk_serve_query_init(poisk_serve_query *sq)
{
    memset(sq, 0, sizeof *sq);
    sq->k = POISK_DEFAULT_K;
}

void poisk_serve_query_free(poisk_serve_query *sq)
{
    free(sq->q);
    for (int f = 0; f < 3; f++) {
        for (size_t i = 0; i < sq->n_filters[f]; i++)
            free(sq->filters[f][i]);
        free(sq->filters[f]);
    }
    poisk_serve_query_init(sq);
}

static int key_is(const char *key, size_t klen, const char *name)
{
    return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

/* "1", "true", "yes", "" (a bare flag: ?count) are true; "0", "false", "no" false. */
static int parse_bool(const char *v, size_t n, int *out)
{
    static const char *const yes[] = { "", "1", "true", "yes", "on" };
    static const char *const no[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (key_is(v, n, yes[i])) { *out = 1; return 1; }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (key_is(v, n, no[i])) { *out = 0; return 1; }
    return 0;
}

static int parse_k(const char *v, size_t n, const poisk_serve_limits *lim, unsigned *out,
                   poisk_error *err)
{
    unsigned long long k = 0;
    if (n == 0 || n > 20)
        return poisk_error_set(err, POISK_EINVAL, "k must be a positive integer");
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return poisk_error_set(err, POISK_EINVAL, "k must be a positive integer");
        k = k * 10 + (unsigned)(v[i] - '0');
        if (k > 0xFFFFFFFFull)
            break;
    }
    if (k == 0)
        return poisk_error_set(err, POISK_EINVAL, "k must be a positive integer");
    if (k > lim->max_k)
        return poisk_error_set(err, POISK_ETOOLONG, "k is over the limit of %u", lim->max_k);
    *out = (unsigned)k;
    return POISK_OK;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static int add_filter(poisk_serve_query *sq, int f, const char *v, size_t n, poisk_error *err)
{
    /* Bounded so that a request cannot make the evaluator OR together thousands of ranges. */
    if (sq->n_filters[f] >= 64)
        return poisk_error_set(err, POISK_ETOOLONG, "too many %s values (at most 64)",
                               filter_names[f]);
    if (n == 0)
        return poisk_error_set(err, POISK_EINVAL, "empty %s value", filter_names[f]);
    char **list = realloc(sq->filters[f], (sq->n_filters[f] + 2) * sizeof *list);
    if (!list)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    sq->filters[f] = list;
    if (!(list[sq->n_filters[f]] = dup_n(v, n)))
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    list[++sq->n_filters[f]] = NULL;
    return POISK_OK;
}

int poisk_serve_query_set(poisk_serve_query *sq, const char *key, size_t klen,
                          const char *value, size_t vlen, const poisk_serve_limits *lim,
                          poisk_error *err)
{
    if (klen == 0)           /* "q=x&&k=3": stray separators are harmless */
        return POISK_OK;
    if (!poisk_utf8_valid(key, klen))
        return poisk_error_set(err, POISK_EINVAL, "parameter name is not valid UTF-8");
    if (!value) {
        value = "";
        vlen = 0;
    }
    if (vlen > lim->max_query_bytes)
        return poisk_error_set(err, POISK_ETOOLONG,
                               "parameter '%.*s' is %zu bytes, over the limit of %zu",
                               (int)(klen > 40 ? 40 : klen), key, vlen, lim->max_query_bytes);
    if (!poisk_utf8_valid(value, vlen))
        return poisk_error_set(err, POISK_EINVAL,
                               "parameter '%.*s' is not valid UTF-8 (or holds a NUL byte)",
                               (int)(klen > 40 ? 40 : klen), key);
    if (key_is(key, klen, "q")) {
        char *q = dup_n(value, vlen);
        if (!q)
            return poisk_error_set(err, POISK_ENOMEM, "out of memory");
        free(sq->q);
        sq->q = q;
        return POISK_OK;
    }
    if (key_is(key, klen, "k"))
        return parse_k(value, vlen, lim, &sq->k, err);
    for (int f = 0; f < 3; f++)
        if (key_is(key, klen, filter_names[f]))
            return add_filter(sq, f, value, vlen, err);
    static const struct { const char *name; size_t off; } flags[] = {
        { "all", offsetof(poisk_serve_query, all) },
        { "explain", offsetof(poisk_serve_query, explain) },
        { "by_region", offsetof(poisk_serve_query, by_region) },
        { "count", offsetof(poisk_serve_query, count) },
        { "no_snippets", offsetof(poisk_serve_query, no_snippets) },
    };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        if (!key_is(key, klen, flags[i].name))
            continue;
        int *slot = (int *)((char *)sq + flags[i].off);
        if (!parse_bool(value, vlen, slot))
            return poisk_error_set(err, POISK_EINVAL, "%s must be 1 or 0 (true or false)",
                                   flags[i].name);
        return POISK_OK;
    }
    return poisk_error_set(err, POISK_EINVAL,
                           "unknown parameter '%.*s'; known: q k section sector region all "
                           "explain by_region count no_snippets",
                           (int)(klen > 40 ? 40 : klen), key);
}

/* One JSON member: its value rendered as the text a query string would carry. */
static int json_member(poisk_serve_query *sq, const cJSON *m, const poisk_serve_limits *lim,
                       poisk_error *err)
{
    const char *key = m->string;
    size_t klen = strlen(key);
    char num[32];
    if (cJSON_IsString(m))
        return poisk_serve_query_set(sq, key, klen, m->valuestring, strlen(m->valuestring),
                                     lim, err);
    if (cJSON_IsBool(m))
        return poisk_serve_query_set(sq, key, klen, cJSON_IsTrue(m) ? "1" : "0", 1, lim, err);
    if (cJSON_IsNumber(m)) {
        double d = m->valuedouble;
        if (d < 0 || d > 1e12 || d != (double)(long long)d)
            return poisk_error_set(err, POISK_EINVAL, "%.40s must be a non-negative integer", key);
        int n = snprintf(num, sizeof num, "%lld", (long long)d);
        return poisk_serve_query_set(sq, key, klen, num, (size_t)n, lim, err);
    }
    if (cJSON_IsArray(m)) {
        int is_filter = 0;
        for (int f = 0; f < 3; f++)
            is_filter |= key_is(key, klen, filter_names[f]);
        if (!is_filter)
            return poisk_error_set(err, POISK_EINVAL, "%.40s cannot be an array", key);
        const cJSON *e;
        cJSON_ArrayForEach(e, m) {
            if (!cJSON_IsString(e))
                return poisk_error_set(err, POISK_EINVAL, "%.40s must hold strings", key);
            int rc = poisk_serve_query_set(sq, key, klen, e->valuestring,
                                           strlen(e->valuestring), lim, err);
            if (rc)
                return rc;
        }
        return POISK_OK;
    }
    if (cJSON_IsNull(m))
        return POISK_OK;
    return poisk_error_set(err, POISK_EINVAL, "%.40s has an unsupported JSON type", key);
}

int poisk_serve_query_from_json(poisk_serve_query *sq, const char *body, size_t len,
                                const poisk_serve_limits *lim, poisk_error *err)
{
    if (len == 0)
        return poisk_error_set(err, POISK_EINVAL, "empty body: send a JSON object such as "
                               "{\"q\": \"телемедицин*\"}");
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root)
        return poisk_error_set(err, POISK_EINVAL, "body is not valid JSON");
    int rc = POISK_OK;
    if (!cJSON_IsObject(root)) {
        rc = poisk_error_set(err, POISK_EINVAL, "body must be a JSON object");
    } else {
        const cJSON *m;
        cJSON_ArrayForEach(m, root) {
            if ((rc = json_member(sq, m, lim, err)) != POISK_OK)
                break;
        }
    }
    cJSON_Delete(root);
    return rc;
}

int poisk_serve_query_check(const poisk_serve_query *sq, poisk_error *err)
{
    if (!sq->q)
        return poisk_error_set(err, POISK_EINVAL, "missing parameter q (the query)");
    return POISK_OK;
}

void poisk_serve_query_options(const poisk_serve_query *sq, const poisk_serve_limits *lim,
                               poisk_search_options *o)
{
    o->k = sq->k;
    o->all = sq->all;
    o->explain = sq->explain;
    o->by_region = sq->by_region;
    o->count = sq->count;
    o->no_snippets = sq->no_snippets;
    o->sections = (const char *const *)sq->filters[FILTER_SECTION];
    o->sectors = (const char *const *)sq->filters[FILTER_SECTOR];
    o->regions = (const char *const *)sq->filters[FILTER_REGION];
    o->max_query_bytes = lim->max_query_bytes;
    o->max_k = lim->max_k;
}
