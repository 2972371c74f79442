/* test_search_judged.c: ranking quality on the seed corpus: nDCG@10 over the judged analyst
 * queries (tests/judged/queries.tsv) must not fall below the recorded baseline
 * (tests/judged/baseline.txt).  Raise the baseline when ranking improves. */
#include <criterion/criterion.h>
#include <unistd.h>

#include "test_util.h"
#include "judged/ndcg.h"

Test(judged, ndcg_at_10_does_not_regress, .timeout = 120)
{
    char tmpl[] = "/tmp/poisk-judged-XXXXXX";
    char *dir = mkdtemp(tmpl);
    cr_assert_not_null(dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -o %s/index corpus 2>&1", tu_bin("indexer"), dir);
    int st = -1;
    char *out = tu_run(cmd, &st);
    int missing = st != 0 && out && strstr(out, "not built yet");
    free(out);
    if (missing) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        cr_assert_eq(system(cmd), 0);
        cr_skip_test("indexer pipeline not built yet");
    }
    cr_assert_eq(st, 0, "indexer failed on the seed corpus");
    snprintf(cmd, sizeof cmd, "%s/index", dir);
    poisk_index *idx;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(cmd, &idx, &err), POISK_OK, "%s", err.message);
    ndcg_set s;
    cr_assert_eq(ndcg_load("tests/judged/queries.tsv", &s), 0);
    size_t nq;
    double v = ndcg_run(idx, &s, NULL, &nq);
    cr_assert_geq(nq, 30, "at least 30 judged queries");
    char *base = tu_read_file("tests/judged/baseline.txt", NULL);
    cr_assert_not_null(base);
    double baseline = atof(base);
    cr_log_info("nDCG@10 = %.4f over %zu queries (baseline %.4f)", v, nq, baseline);
    cr_assert_geq(v, baseline - 0.002, "nDCG@10 %.4f fell below the baseline %.4f", v, baseline);
    free(base);
    ndcg_set_free(&s);
    poisk_index_close(idx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
