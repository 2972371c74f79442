/*
 * serve_request.h: a /search request's parameters, from a GET query string or a POST JSON
 * body, checked against the server's limits and turned into poisk_search_options.
 * The names are those of the CLI and of --batch: q, k, section, sector, region, all,
 * explain, by_region, count (and no_snippets).  section/sector/region repeat (OR).
 */
#ifndef POISK_SERVE_REQUEST_H
#define POISK_SERVE_REQUEST_H

#include <stddef.h>
#include "poisk/search.h"

typedef struct poisk_serve_limits {
    size_t max_query_bytes;       /* q (and each filter value) at most this long */
    unsigned max_k;
} poisk_serve_limits;

typedef struct poisk_serve_query {
    char *q;                      /* NULL until given */
    unsigned k;
    int all, explain, by_region, count, no_snippets;
    char **filters[3];            /* section, sector, region: NULL-terminated, or NULL */
    size_t n_filters[3];
} poisk_serve_query;

void poisk_serve_query_init(poisk_serve_query *sq);
void poisk_serve_query_free(poisk_serve_query *sq);

/*! poisk_serve_query_set() : one decoded key=value pair of a GET query string.
 *  @return : POISK_OK, POISK_EINVAL (unknown key, bad value, invalid UTF-8),
 *  POISK_ETOOLONG (over a limit) or POISK_ENOMEM, with *err filled */
int poisk_serve_query_set(poisk_serve_query *sq, const char *key, size_t klen,
                          const char *value, size_t vlen, const poisk_serve_limits *lim,
                          poisk_error *err);

/*! poisk_serve_query_from_json() : a POST body, a JSON object with the same keys
 *  (strings, numbers, booleans; filters a string or an array of strings). */
int poisk_serve_query_from_json(poisk_serve_query *sq, const char *body, size_t len,
                                const poisk_serve_limits *lim, poisk_error *err);

/*! poisk_serve_query_check() : the request is complete (q given).  @return : poisk_rc */
int poisk_serve_query_check(const poisk_serve_query *sq, poisk_error *err);

/*! Fill o (already initialised) from sq; o borrows sq's strings. */
void poisk_serve_query_options(const poisk_serve_query *sq, const poisk_serve_limits *lim,
                               poisk_search_options *o);

#endif
