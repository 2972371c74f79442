/*
 * bench_util.h: small helpers shared by the analyzer benchmark tools in bench/ (outside
 * the pipeline; nothing here is linked into poisk).
 */
#ifndef POISK_BENCH_UTIL_H
#define POISK_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>

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
