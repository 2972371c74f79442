/*
 * analyzer_prof.c: instruction counts of the analyzer's phases under callgrind, the
 * repeatable measure on a shared machine (clock times vary by ~1.3x between runs).  One
 * round over the given files per phase; each phase ends with a callgrind dump named after
 * it, so `callgrind_annotate` or the totals of the dump files give its cost:
 *
 *   cc -O2 -g -std=c11 -D_GNU_SOURCE -Iinclude -Ilib -o build/analyzer_prof \
 *       bench/analyzer_prof.c build/rel/libpoisk.a $(pkg-config --libs libxxhash hunspell) \
 *       -lstemmer -lpthread -lm
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p build/analyzer_prof corpus/0*.txt
 *   grep -H '^totals:' /tmp/cg.*      (one file per phase, in the order below)
 *
 * Phases: lexicon (first pass), freeze, cold-plain, cold-repair (fresh caches), warm-plain,
 * warm-repair (second round, caches filled).  Without callgrind it just runs.
 */
#include "poisk/analyzer.h"
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>

static size_t run(poisk_analyzer *a, char **docs, size_t *lens, int ndocs)
{
    size_t tokens = 0;
    poisk_token t;
    for (int d = 0; d < ndocs; d++) {
        poisk_analyzer_reset(a, docs[d], lens[d]);
        while (poisk_analyzer_next(a, &t))
            tokens++;
    }
    return tokens;
}

int main(int argc, char **argv)
{
    int ndocs = argc - 1;
    if (ndocs < 1) {
        fprintf(stderr, "usage: %s corpus/0*.txt\n", argv[0]);
        return 2;
    }
    char **docs = calloc((size_t)ndocs, sizeof *docs);
    size_t *lens = calloc((size_t)ndocs, sizeof *lens);
    for (int i = 0; i < ndocs; i++)
        if (!(docs[i] = read_all(argv[i + 1], &lens[i]))) {
            fprintf(stderr, "%s: cannot read\n", argv[i + 1]);
            return 1;
        }
    poisk_lexicon *lx;
    poisk_analyzer *plain, *repair;
    poisk_analyzer_options o = { .repair = 1, .lexicon = NULL };
    poisk_lexicon_create(&lx);
    poisk_analyzer_create(NULL, &plain);
    CALLGRIND_DUMP_STATS_AT("setup");
    for (int d = 0; d < ndocs; d++)
        poisk_lexicon_add_text(lx, docs[d], lens[d]);
    CALLGRIND_DUMP_STATS_AT("lexicon");
    poisk_lexicon_freeze(lx);
    CALLGRIND_DUMP_STATS_AT("freeze");
    o.lexicon = lx;
    poisk_analyzer_create(&o, &repair);
    CALLGRIND_DUMP_STATS_AT("create");
    size_t n1 = run(plain, docs, lens, ndocs);
    CALLGRIND_DUMP_STATS_AT("cold-plain");
    size_t n2 = run(repair, docs, lens, ndocs);
    CALLGRIND_DUMP_STATS_AT("cold-repair");
    run(plain, docs, lens, ndocs);
    CALLGRIND_DUMP_STATS_AT("warm-plain");
    run(repair, docs, lens, ndocs);
    CALLGRIND_DUMP_STATS_AT("warm-repair");
    printf("tokens: plain %zu, repair %zu\n", n1, n2);
    poisk_analyzer_free(plain);
    poisk_analyzer_free(repair);
    poisk_lexicon_free(lx);
    for (int i = 0; i < ndocs; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    return 0;
}
