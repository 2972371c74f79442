/*
 * analyzer_bench.c: analyzer throughput on the seed corpus repeated to >= 100 MB, one core,
 * with and without split-word repair (the lexicon's first pass is timed separately).
 *
 *   make build/bench/analyzer_bench
 *   build/bench/analyzer_bench [-m MB] corpus/0*.txt   (one line per mode; default 100 MB)
 *   build/bench/analyzer_bench --json [-m MB] FILE...  (one JSON object; `bench/run analyzer`)
 *
 * The lexicon line is the first pass alone;
 * freeze (prefix marks, the stem table, the dictionary) is timed on its own line since it
 * runs once per indexer run, not per byte.  Times are CPU time of this thread.
 */
#include "poisk/analyzer.h"
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Analyses every document of every round; @return : tokens seen */
static size_t run(poisk_analyzer *a, char **docs, size_t *lens, int ndocs, int rounds)
{
    size_t tokens = 0;
    poisk_token t;
    for (int r = 0; r < rounds; r++)
        for (int d = 0; d < ndocs; d++) {
            poisk_analyzer_reset(a, docs[d], lens[d]);
            while (poisk_analyzer_next(a, &t))
                tokens++;
        }
    return tokens;
}

/* The people's table: t = analysis without / with repair, lexicon pass, freeze; c = one
 * cold round without / with repair (seconds). */
static void print_table(double mb, int ndocs, int rounds, const double *t, const double *c,
                        size_t n_plain, size_t n_repair)
{
    printf("input            %.1f MB (%d docs x %d rounds)\n", mb, ndocs, rounds);
    printf("no repair        %.1f MB/s  %.2f s  %zu tokens\n", mb / t[0], t[0], n_plain);
    printf("repair           %.1f MB/s  %.2f s  %zu tokens  (repair +%.0f%% analysis time)\n",
           mb / t[1], t[1], n_repair, 100.0 * (t[1] - t[0]) / t[0]);
    printf("lexicon pass     %.1f MB/s  %.2f s\n", mb / t[2], t[2]);
    printf("lexicon freeze   %.3f s (once per run: prefix marks, hunspell load)\n", t[3]);
    printf("repair+lexicon   %.1f MB/s (both passes)\n", mb / (t[1] + t[2]));
    printf("cold, 1 round    no repair %.1f ms, repair %.1f ms, lexicon pass %.1f ms, freeze %.1f ms"
           " (%.1f MB, fresh caches)\n", c[0] * 1e3, c[1] * 1e3, t[2] * 1e3 / rounds,
           t[3] * 1e3, mb / rounds);
}

int main(int argc, char **argv)
{
    double target_mb = 100;
    int json = argc > 1 && !strcmp(argv[1], "--json");
    if (json) {
        argv++;
        argc--;
    }
    int first = 1;
    if (argc > 2 && !strcmp(argv[1], "-m")) {
        target_mb = atof(argv[2]);
        first = 3;
    }
    if (argc <= first || target_mb <= 0) {
        fprintf(stderr, "usage: %s [--json] [-m MB] corpus/0*.txt\n", argv[0]);
        return 2;
    }
    argv += first - 1;
    argc -= first - 1;
    int ndocs = argc - 1;
    char **docs = calloc((size_t)ndocs, sizeof *docs);
    size_t *lens = calloc((size_t)ndocs, sizeof *lens), total = 0;
    for (int i = 0; i < ndocs; i++) {
        docs[i] = read_all(argv[i + 1], &lens[i]);
        if (!docs[i]) {
            fprintf(stderr, "%s: cannot read\n", argv[i + 1]);
            return 1;
        }
        total += lens[i];
    }
    double target = target_mb * (1u << 20);
    int rounds = (int)((target + (double)total - 1) / (double)total);
    double mb = (double)total * rounds / 1e6;

    double t0 = bench_cpu_seconds();
    poisk_lexicon *lx;
    poisk_lexicon_create(&lx);
    for (int r = 0; r < rounds; r++)
        for (int d = 0; d < ndocs; d++)
            poisk_lexicon_add_text(lx, docs[d], lens[d]);
    double t_lex = bench_lap(&t0);
    poisk_lexicon_freeze(lx);
    double t_freeze = bench_lap(&t0);

    poisk_analyzer *plain, *repair;
    poisk_analyzer_options o = { .repair = 1, .lexicon = lx };
    /* cold: one pass with fresh caches, what one indexer run over the corpus pays */
    poisk_analyzer_create(NULL, &plain);
    poisk_analyzer_create(&o, &repair);
    t0 = bench_cpu_seconds();
    run(plain, docs, lens, ndocs, 1);
    double c_plain = bench_lap(&t0);
    run(repair, docs, lens, ndocs, 1);
    double c_repair = bench_lap(&t0);

    size_t n_plain = run(plain, docs, lens, ndocs, rounds);
    double t_plain = bench_lap(&t0);
    size_t n_repair = run(repair, docs, lens, ndocs, rounds);
    double t_repair = bench_lap(&t0);

    if (json)
        printf("{\"mb\":%.1f,\"docs\":%d,\"rounds\":%d,\"mb_s\":%.1f,\"repair_mb_s\":%.1f,"
               "\"lexicon_mb_s\":%.1f,\"both_passes_mb_s\":%.1f,\"tokens\":%zu,"
               "\"repair_tokens\":%zu,\"freeze_ms\":%.1f,\"cold_ms\":{\"plain\":%.1f,"
               "\"repair\":%.1f,\"lexicon\":%.1f,\"mb\":%.2f}}\n",
               mb, ndocs, rounds, mb / t_plain, mb / t_repair, mb / t_lex,
               mb / (t_repair + t_lex), n_plain, n_repair, t_freeze * 1e3, c_plain * 1e3,
               c_repair * 1e3, t_lex * 1e3 / rounds, mb / rounds);
    else
        print_table(mb, ndocs, rounds, (double[]){ t_plain, t_repair, t_lex, t_freeze },
                    (double[]){ c_plain, c_repair }, n_plain, n_repair);
    poisk_analyzer_free(plain);
    poisk_analyzer_free(repair);
    poisk_lexicon_free(lx);
    for (int i = 0; i < ndocs; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    return 0;
}
