/*
 * index_bench: indexing throughput, peak memory and index size by file kind (stage: document
 * model -> index writer -> files).  The inputs are read and parsed into passages once
 * (structure parsing is timed apart: it is not the writer's work, and Lucene's figure in
 * PERFORMANCE.md also starts from exported passages); then each run forks a child that
 * adds every passage to a fresh writer and commits, so the child's peak RSS and wall time
 * are the writer's alone (minus the passages it inherited, reported as the baseline).
 *
 *   make && cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Ilib -Iindexer bench/index_bench.c \
 *       build/rel/libpoisk_indexer.a build/rel/libpoisk.a \
 *       $(pkg-config --libs libxxhash libdeflate hunspell) -lstemmer -lz -lpthread -lm \
 *       -o build/index_bench
 *   build/index_bench [--runs 3] [--threads 1,2] [--mem 1G] [--repair] INPUT...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "poisk/poisk.h"
#include "bench_util.h"
#include "input.h"
#include "lexicon.h"
#include "structure.h"
#include "writer.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static const char *kinds[] = { "store", "stem.dict", "stem.post", "stem.posn", "exact.dict",
                               "exact.post", "exact.posn", "lens", "manifest" };
#define N_KINDS (sizeof kinds / sizeof *kinds)

/* Bytes per file kind in an index directory; the directory is emptied and removed. */
static void sizes_and_remove(const char *dir, unsigned long long *sz)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(p, &st))
            continue;
        size_t n = strlen(e->d_name);
        for (size_t k = 0; k < N_KINDS; k++) {
            size_t m = strlen(kinds[k]);
            if (n > m && strcmp(e->d_name + n - m, kinds[k]) == 0 && e->d_name[n - m - 1] == '.')
                sz[k] += (unsigned long long)st.st_size;
        }
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

typedef struct corpus { poisk_document **docs; char **texts; size_t n; double bytes; } corpus;

int main(int argc, char **argv)
{
    int runs = 3, repair = 0, nthr = 0, thr[8];
    size_t mem = 0;
    const char *tl = "1,2";
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "--runs") && a + 1 < argc) runs = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--threads") && a + 1 < argc) tl = argv[++a];
        else if (!strcmp(argv[a], "--mem") && a + 1 < argc) mem = (size_t)atof(argv[++a]) << 20;
        else if (!strcmp(argv[a], "--repair")) repair = 1;
        else { fprintf(stderr, "index_bench: unknown option %s\n", argv[a]); return 2; }
    }
    for (const char *p = tl; *p && nthr < 8; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p))
        thr[nthr++] = atoi(p);
    if (a >= argc || runs < 1 || runs > 50) {
        fprintf(stderr, "usage: index_bench [--runs R] [--threads 1,2] [--mem MB] [--repair] INPUT...\n");
        return 2;
    }
    poisk_input_list in;
    size_t skipped = 0;
    if (poisk_input_collect(argv + a, (size_t)(argc - a), &in, NULL, NULL, &skipped))
        return 1;
    corpus c = { calloc(in.n + 1, sizeof(void *)), calloc(in.n + 1, sizeof(char *)), 0, 0 };
    poisk_lexicon *lx = NULL;
    if (repair && poisk_lexicon_create(&lx))
        return 1;
    double t0 = now(), text_bytes = 0;
    for (size_t i = 0; i < in.n; i++) {
        size_t len;
        poisk_error err = { 0 };
        if (in.jsonl[i] || poisk_input_read(in.paths[i], &c.texts[c.n], &len, &err))
            continue;
        if (lx)
            poisk_lexicon_add_text(lx, c.texts[c.n], len);
        if (poisk_document_parse(in.paths[i], c.texts[c.n], len, &c.docs[c.n], &err)) {
            free(c.texts[c.n]);
            continue;
        }
        c.bytes += (double)len;
        for (size_t k = 0; k < poisk_document_passage_count(c.docs[c.n]); k++)
            text_bytes += (double)poisk_document_passage(c.docs[c.n], k)->text_len;
        c.n++;
    }
    double t_parse = now() - t0;
    if (lx)
        poisk_lexicon_freeze(lx);
    printf("corpus: %zu files, %.1f MB (passage text %.1f MB); structure parse %.1f MB/s (not timed below)\n",
           c.n, c.bytes / 1e6, text_bytes / 1e6, c.bytes / 1e6 / t_parse);
    long base = rss_kb();
    printf("RSS with the passages loaded: %.1f MB; repair %s\n", base / 1024.0, repair ? "on" : "off");
    printf("| threads | MB/s (wall) | MB/s (CPU) | wall s | CPU s | peak RSS MB (writer: peak - loaded) | spilled runs | workers |\n"
           "|---|---|---|---|---|---|---|---|\n");
    unsigned long long sz[N_KINDS] = { 0 };
    for (int ti = 0; ti < nthr; ti++) {
        double wall[64], rss[64], cpu[64];
        unsigned long long spilled = 0;
        int workers = 0;
        for (int r = 0; r < runs; r++) {
            char dir[] = "/tmp/index_bench.XXXXXX";
            if (!mkdtemp(dir))
                return 1;
            int pfd[2];
            if (pipe(pfd))
                return 1;
            double s = now();
            pid_t pid = fork();
            if (pid == 0) {
                poisk_writer_options o = { 0 };
                o.threads = thr[ti];
                o.mem_budget = mem;
                o.repair = repair;
                o.lexicon = lx;
                poisk_writer *w;
                poisk_error err = { 0 };
                poisk_writer_summary sum = { 0 };
                int rc = poisk_writer_create(dir, &o, &w, &err);
                for (size_t i = 0; i < c.n && !rc; i++)
                    for (size_t k = 0; k < poisk_document_passage_count(c.docs[i]) && !rc; k++)
                        rc = poisk_writer_add(w, poisk_document_passage(c.docs[i], k), &err);
                if (!rc)
                    rc = poisk_writer_commit(w, &sum, &err);
                if (rc)
                    fprintf(stderr, "index_bench: %s\n", err.message);
                if (write(pfd[1], &sum, sizeof sum) != sizeof sum)
                    rc = 1;
                _exit(rc ? 1 : 0);
            }
            close(pfd[1]);
            poisk_writer_summary sum = { 0 };
            if (read(pfd[0], &sum, sizeof sum) != sizeof sum)
                memset(&sum, 0, sizeof sum);
            close(pfd[0]);
            int st;
            struct rusage ru;
            wait4(pid, &st, 0, &ru);
            wall[r] = now() - s;
            rss[r] = (double)ru.ru_maxrss;
            cpu[r] = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
                     + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
            if (!WIFEXITED(st) || WEXITSTATUS(st)) {
                fprintf(stderr, "index_bench: the build failed\n");
                return 1;
            }
            spilled = sum.spilled_runs;
            workers = sum.workers_used;
            memset(sz, 0, sizeof sz);
            sizes_and_remove(dir, sz);
        }
        double w = bench_median(wall, runs), m = bench_median(rss, runs);
        double cp = bench_median(cpu, runs);
        printf("| %d | %.1f | %.1f | %.2f | %.2f | %.0f (%.0f) | %llu | %d |\n", thr[ti],
               c.bytes / 1e6 / w, c.bytes / 1e6 / cp, w, cp,
               m / 1024, (m - (double)base) / 1024, spilled, workers);
        fflush(stdout);
    }
    printf("\n| file kind | bytes | share of input |\n|---|---|---|\n");
    unsigned long long total = 0, stem = 0;
    for (size_t k = 0; k < N_KINDS; k++) {
        printf("| %s | %llu | %.2f %% |\n", kinds[k], sz[k], 100.0 * (double)sz[k] / c.bytes);
        total += sz[k];
        if (!strncmp(kinds[k], "stem", 4))
            stem += sz[k];
    }
    printf("| stem index (dict+post+posn) | %llu | %.2f %% |\n", stem, 100.0 * (double)stem / c.bytes);
    printf("| everything | %llu | %.2f %% |\n", total, 100.0 * (double)total / c.bytes);
    for (size_t i = 0; i < c.n; i++) {
        poisk_document_free(c.docs[i]);
        free(c.texts[i]);
    }
    free(c.docs);
    free(c.texts);
    poisk_lexicon_free(lx);
    poisk_input_list_free(&in);
    return 0;
}
