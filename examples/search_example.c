/*
 * search_example.c: the smallest program using the poisk C API (include/poisk/search.h):
 * open an index, run one query, print the ranked hits, close.
 *
 *   cc search_example.c $(pkg-config --cflags --libs --static poisk) -o search_example
 *   ./search_example var/index 'телемедицин*'
 */
#include <stdio.h>
#include <stdlib.h>

#include "poisk/search.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: search_example INDEX_DIR QUERY\n");
        return 2;
    }
    poisk_index *idx;
    poisk_error err;
    if (poisk_index_open(argv[1], &idx, &err)) {
        fprintf(stderr, "search_example: %s\n", err.message);
        return 1;
    }
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.k = 5;
    poisk_results *r;
    int rc = poisk_search(idx, argv[2], &o, &r, &err);
    if (rc) {
        fprintf(stderr, "search_example: %s: %s\n", poisk_errcode_name(rc), err.message);
        poisk_index_close(idx);
        return rc == POISK_ESYNTAX || rc == POISK_ESTOPWORDS || rc == POISK_EFILTER ||
               rc == POISK_ETOOLONG ? 2 : 1;
    }
    for (size_t i = 0; i < poisk_results_count(r); i++) {
        const poisk_hit *h = poisk_results_hit(r, i);
        printf("%u\t%.4f\t%s\t%s\t%s\n", h->rank, h->score, h->passage.region,
               poisk_section_id(h->passage.section), h->snippet ? h->snippet : "");
    }
    poisk_results_free(r);
    poisk_index_close(idx);
    return 0;
}
