/*
 * bench_util.h: small helpers shared by the benchmark tools in bench/ (outside the
 * pipeline; nothing here is linked into poisk).
 */
#ifndef POISK_BENCH_UTIL_H
#define POISK_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU seconds of the calling thread: steadier than wall time on a shared machine. */
static inline double bench_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds since *mark (a bench_cpu_seconds() reading), which moves on to now: one
 * call ends a timed step and starts the next. */
static inline double bench_lap(double *mark)
{
    double now = bench_cpu_seconds(), t = now - *mark;
    *mark = now;
    return t;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (n > 0), which it sorts. */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Read a whole file into a malloc'd, NUL-terminated buffer; NULL on failure. */
static inline char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        *len = (size_t)n;
    }
    return b;
}

#endif
