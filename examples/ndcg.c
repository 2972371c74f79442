/*
 * ndcg.c: prints the searcher's nDCG@10 over the judged analyst queries.
 *   build/examples/ndcg INDEX_DIR [tests/judged/queries.tsv]
 */
#include "../tests/judged/ndcg.h"

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: ndcg INDEX_DIR [QUERIES.tsv]\n");
        return 2;
    }
    ndcg_set s;
    if (ndcg_load(argc > 2 ? argv[2] : "tests/judged/queries.tsv", &s))
        return 1;
    poisk_index *idx;
    poisk_error err;
    if (poisk_index_open(argv[1], &idx, &err)) {
        fprintf(stderr, "ndcg: %s\n", err.message);
        ndcg_set_free(&s);
        return 1;
    }
    size_t nq;
    double v = ndcg_run(idx, &s, stdout, &nq);
    printf("nDCG@10 %.4f over %zu queries\n", v, nq);
    poisk_index_close(idx);
    ndcg_set_free(&s);
    return 0;
}
