/*
 * structure_bench.c: CPU cost of the document-structure parser alone (outside the
 * pipeline; bench tool).  Reads the given .txt files (or every .txt file of a directory)
 * into memory, then parses each one `-r N` times and prints CPU seconds, MB/s and a
 * checksum of the passages found (so two builds can be compared for identical output).
 *
 *   build/bench/structure_bench [-r N] FILE|DIR...
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "structure.h"

typedef struct text { char *path, *buf; size_t len; } text;

static text *texts;
static size_t n_texts, cap_texts;

static void add_file(const char *path)
{
    size_t len;
    char *b = read_all(path, &len);
    if (!b) { fprintf(stderr, "cannot read %s\n", path); return; }
    if (n_texts == cap_texts) {
        cap_texts = cap_texts ? 2 * cap_texts : 64;
        texts = realloc(texts, cap_texts * sizeof *texts);
        if (!texts) exit(1);
    }
    texts[n_texts++] = (text){ strdup(path), b, len };
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(const char *path)
{
    DIR *d = opendir(path);
    if (!d) { add_file(path); return; }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 4, ".txt")) continue;
        if (n == cap) { cap = cap ? 2 * cap : 64; names = realloc(names, cap * sizeof *names); }
        if (!names) exit(1);
        names[n] = malloc(strlen(path) + l + 2);
        sprintf(names[n++], "%s/%s", path, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) { add_file(names[i]); free(names[i]); }
    free(names);
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int reps = 1, a = 1;
    if (a + 1 < argc && !strcmp(argv[a], "-r")) { reps = atoi(argv[a + 1]); a += 2; }
    for (; a < argc; a++) add_path(argv[a]);
    if (!n_texts) { fprintf(stderr, "usage: structure_bench [-r N] FILE|DIR...\n"); return 2; }
    size_t bytes = 0;
    for (size_t i = 0; i < n_texts; i++) bytes += texts[i].len;
    unsigned long long sum = 0;
    size_t passages = 0;
    double t0 = cpu_now();
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < n_texts; i++) {
            poisk_document *doc;
            poisk_error err;
            if (poisk_document_parse(texts[i].path, texts[i].buf, texts[i].len, &doc, &err)) {
                fprintf(stderr, "%s: parse failed\n", texts[i].path);
                return 1;
            }
            size_t np = poisk_document_passage_count(doc);
            passages += np;
            for (size_t k = 0; k < np; k++) {
                const poisk_passage *ps = poisk_document_passage(doc, k);
                sum = sum * 1000003u + ps->byte_start * 31u + ps->byte_end + ps->text_len +
                      (unsigned)ps->section * 7u + ps->n_pages;
            }
            poisk_document_free(doc);
        }
    double t = cpu_now() - t0;
    printf("%zu files, %.1f MB x %d: %.3f s CPU, %.1f MB/s, %zu passages, checksum %016llx\n",
           n_texts, bytes / 1e6, reps, t, bytes * (double)reps / 1e6 / t, passages, sum);
    for (size_t i = 0; i < n_texts; i++) { free(texts[i].path); free(texts[i].buf); }
    free(texts);
    return 0;
}
