/*
 * results.h: the layout of poisk_results (include/poisk/search.h), shared by search.c which
 * fills it and output.c which prints it.  Module-private to searcher/.
 */
#ifndef POISK_RESULTS_H
#define POISK_RESULTS_H

#include "poisk/search.h"
#include "index_reader.h"
#include "query.h"

/* Storage behind one poisk_hit. */
typedef struct poisk_hit_store {
    poisk_passage_buf buf;
    char *snippet;
    uint32_t (*hl)[2];
    poisk_explain_term *explain;
} poisk_hit_store;

struct poisk_results {
    poisk_hit *hits;
    poisk_hit_store *store;
    size_t n_hits;
    poisk_region_group *groups;
    size_t n_groups;
    poisk_hit *group_hits;            /* all groups' hits, in group order */
    poisk_hit_store *group_store;
    size_t n_group_hits;
    int64_t total;
    uint64_t blocks;
    uint64_t eval_ns, fetch_ns;       /* parse..top-k ids; passages+snippets+explain */
    char *notice;
    int by_region, explain;
    poisk_query *query;               /* explain term strings point into it */
};

#endif
