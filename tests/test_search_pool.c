/* test_search_pool.c: analyzers reused across queries (searcher/search_pool.c).  Queries on
 * one index handle, run twice from two threads at once, give exactly the results (hits,
 * scores, snippets, highlights) that a freshly opened handle gives for each query alone,
 * and a pair of analyzers given back is the one the next query takes. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "poisk/search.h"
#include "search_pool.h"

static const char *const queries[] = {
    "\"библиотека цифрового образовательного контента\"", "ЕГИССО", "фои", "ЖКХ", "МФЦ ЕПГУ",
    "телемедицин*", "цифровой region:stavropol", "социально-экономического",
    "социально экономического", "=цифровой", "платформа -region:tambov",
    "(здравоохранение OR образование) AND платформа", "2022-2024", "искусственный интеллект",
    "цифр* платф*", "кадры section:proekty",
};
#define NQ (sizeof queries / sizeof *queries)

static char dir[64], index_dir[128];

static void seed_setup(void)
{
    strcpy(dir, "/tmp/poisk-pool-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -o %s corpus 2>&1", tu_bin("indexer"), index_dir);
    int st = -1;
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0, "indexer failed on the seed corpus");
}

static void seed_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(search_pool, .init = seed_setup, .fini = seed_teardown, .timeout = 120);

/* Everything a query returns, as text (NULL on error: the caller asserts). */
static char *render(poisk_index *idx, const char *q)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.k = 10;
    poisk_results *r;
    poisk_error err = { 0 };
    if (poisk_search(idx, q, &o, &r, &err))
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fprintf(f, "total %lld\n", (long long)poisk_results_total(r));
    for (size_t i = 0; i < poisk_results_count(r); i++) {
        const poisk_hit *h = poisk_results_hit(r, i);
        fprintf(f, "%u %u %.17g %s |", h->rank, h->doc, h->score, h->snippet ? h->snippet : "");
        for (size_t j = 0; j < h->n_highlights; j++)
            fprintf(f, " %u-%u", h->highlights[j][0], h->highlights[j][1]);
        fputc('\n', f);
    }
    fclose(f);
    poisk_results_free(r);
    return buf;
}

static char *expected[NQ];

typedef struct worker {
    poisk_index *idx;
    unsigned start;           /* threads walk the queries from different places */
    int mismatches, errors;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (unsigned round = 0; round < 2; round++)
        for (unsigned i = 0; i < NQ; i++) {
            unsigned q = (w->start + i * (round ? 5 : 1)) % NQ;   /* 5 is prime to NQ */
            char *got = render(w->idx, queries[q]);
            if (!got)
                w->errors++;
            else if (strcmp(got, expected[q]))
                w->mismatches++;
            free(got);
        }
    return NULL;
}

Test(search_pool, two_threads_twice_on_one_handle_equal_fresh_handles)
{
    poisk_error err = { 0 };
    for (size_t i = 0; i < NQ; i++) {
        poisk_index *fresh;
        cr_assert_eq(poisk_index_open(index_dir, &fresh, &err), POISK_OK, "%s", err.message);
        expected[i] = render(fresh, queries[i]);
        cr_assert_not_null(expected[i], "query %s failed", queries[i]);
        poisk_index_close(fresh);
    }
    cr_assert(strchr(expected[0], '|'), "the phrase query should find passages");
    poisk_index *idx;
    cr_assert_eq(poisk_index_open(index_dir, &idx, &err), POISK_OK, "%s", err.message);
    worker w[2] = { { idx, 0, 0, 0 }, { idx, NQ / 2, 0, 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(w[i].errors, 0, "thread %d: %d queries failed", i, w[i].errors);
        cr_expect_eq(w[i].mismatches, 0, "thread %d: %d results differ from a fresh handle's",
                     i, w[i].mismatches);
    }
    poisk_index_close(idx);
    for (size_t i = 0; i < NQ; i++)
        free(expected[i]);
}

Test(search_pool, a_pair_given_back_is_taken_again)
{
    poisk_index *idx;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(index_dir, &idx, &err), POISK_OK, "%s", err.message);
    poisk_analyzer_pair *a, *b, *c;
    cr_assert_eq(poisk_search_pool_take(idx, &a), POISK_OK);
    cr_assert_eq(poisk_search_pool_take(idx, &b), POISK_OK);
    cr_assert_neq(a, b, "two holders never share a pair");
    poisk_search_pool_give(idx, a);
    cr_assert_eq(poisk_search_pool_take(idx, &c), POISK_OK);
    cr_assert_eq(c, a, "the idle pair is reused, not re-created");
    poisk_search_pool_give(idx, b);
    poisk_search_pool_give(idx, c);
    poisk_results_free(NULL);
    poisk_index_close(idx);     /* frees the idle pairs: LSan checks */
}
