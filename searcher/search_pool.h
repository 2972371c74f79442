/*
 * search_pool.h: analyzers kept per index across queries (stage: query evaluator).
 * Creating the query and the snippet analyzer (a zeroed form cache each, two Snowball
 * stemmers) was about a quarter of a query's CPU; the pool lives in the index handle
 * (poisk_index_attachment) so every query on one index, from any thread, reuses them.
 */
#ifndef POISK_SEARCH_POOL_H
#define POISK_SEARCH_POOL_H

#include "poisk/analyzer.h"
#include "poisk/index.h"

/* One query's analyzers: taken whole by one thread, given back after the query. */
typedef struct poisk_analyzer_pair {
    poisk_analyzer *query;   /* is_abbrev hook on the index */
    poisk_analyzer *doc;     /* documents' settings (repair as indexed): snippets */
    unsigned uses;           /* queries served; retired after a while to bound the caches */
} poisk_analyzer_pair;

/*! poisk_search_pool_take() : a pair for one query (from the index's pool, or new).
 *  @return : poisk_rc (POISK_ENOMEM) */
int  poisk_search_pool_take(poisk_index *idx, poisk_analyzer_pair **out);

/*! poisk_search_pool_give() : return the pair after the query (NULL: nothing). */
void poisk_search_pool_give(poisk_index *idx, poisk_analyzer_pair *p);

#endif
