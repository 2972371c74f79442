/*
 * test_util.h: helpers shared by the Criterion suites: reading seed files, running the
 * built binaries (POISK_BIN_DIR, set by tools/run-tests.sh) and capturing their output.
 */
#ifndef POISK_TEST_UTIL_H
#define POISK_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

/* Read a whole file; NULL on failure.  Caller frees. */
static inline char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

/* Path of a built binary ("indexer", "searcher"). */
static inline const char *tu_bin(const char *name)
{
    static char path[4][1024];
    static int slot;
    const char *dir = getenv("POISK_BIN_DIR");
    char *p = path[slot++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir ? dir : "bin", name);
    return p;
}

/* Run a shell command, capture stdout (malloc'd, NUL-terminated) and the exit status. */
static inline char *tu_run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    size_t n;
    while (out && (n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *bigger = realloc(out, cap *= 2);
            if (!bigger) { free(out); out = NULL; break; }
            out = bigger;
        }
    }
    int st = pclose(p);
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (out)
        out[len] = 0;
    return out;
}

/* Remove a flat scratch directory (the index and test directories have no subdirectories). */
static inline void tu_rmrf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    rmdir(dir);
}

#endif
