/*
 * input.c: the indexer's input files (input.h).  Directory order is sorted so an index
 * built twice from the same tree is the same; directories and files are remembered by
 * (device, inode), which makes symlink loops harmless.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "input.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct seen_set {
    dev_t *dev;
    ino_t *ino;
    size_t n, cap;
} seen_set;

/* Was (dev, ino) seen already?  Remembers it if not.  -1 on ENOMEM. */
static int seen_check(seen_set *s, const struct stat *st)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino)
            return 1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        dev_t *d = realloc(s->dev, cap * sizeof *d);
        if (!d) return -1;
        s->dev = d;
        ino_t *n = realloc(s->ino, cap * sizeof *n);
        if (!n) return -1;
        s->ino = n;
        s->cap = cap;
    }
    s->dev[s->n] = st->st_dev;
    s->ino[s->n++] = st->st_ino;
    return 0;
}

static int list_push(poisk_input_list *l, const char *path, int jsonl)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (!p) return POISK_ENOMEM;
        l->paths = p;
        unsigned char *j = realloc(l->jsonl, cap);
        if (!j) return POISK_ENOMEM;
        l->jsonl = j;
        l->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy) return POISK_ENOMEM;
    l->paths[l->n] = copy;
    l->jsonl[l->n++] = (unsigned char)jsonl;
    return POISK_OK;
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

typedef struct walker {
    poisk_input_list *out;
    seen_set seen;
    poisk_input_warn warn;
    void *ctx;
    size_t *skipped;
} walker;

static void walker_warn(walker *w, const char *fmt, const char *path, const char *why)
{
    char msg[1200];
    snprintf(msg, sizeof msg, fmt, path, why);
    if (w->warn) w->warn(w->ctx, msg);
    (*w->skipped)++;
}

static int walk(walker *w, const char *path, int top, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        walker_warn(w, "%s: skipped: %s", path, strerror(errno));
        return POISK_OK;
    }
    if (S_ISREG(st.st_mode)) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        int jsonl = has_ext(base, ".jsonl");
        if (!top && !jsonl && !has_ext(base, ".txt"))
            return POISK_OK;
        int s = seen_check(&w->seen, &st);
        if (s < 0) return POISK_ENOMEM;
        return s ? POISK_OK : list_push(w->out, path, jsonl);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (top) walker_warn(w, "%s: skipped: %s", path, "not a regular file or directory");
        return POISK_OK;
    }
    int s = seen_check(&w->seen, &st);
    if (s < 0) return POISK_ENOMEM;
    if (s || depth > 64)
        return POISK_OK;                       /* a loop, or absurdly deep */
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        walker_warn(w, "%s: skipped: %s", path, strerror(errno));
        return POISK_OK;
    }
    int rc = POISK_OK;
    size_t pl = strlen(path);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (rc == POISK_OK && name[0] != '.') {
            char *child = malloc(pl + strlen(name) + 2);
            if (!child) rc = POISK_ENOMEM;
            else {
                sprintf(child, "%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/", name);
                rc = walk(w, child, 0, depth + 1);
                free(child);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int poisk_input_collect(char *const *args, size_t n_args, poisk_input_list *out,
                        poisk_input_warn warn, void *ctx, size_t *skipped)
{
    size_t dummy = 0;
    memset(out, 0, sizeof *out);
    walker w = { out, { 0 }, warn, ctx, skipped ? skipped : &dummy };
    int rc = POISK_OK;
    for (size_t i = 0; i < n_args && rc == POISK_OK; i++)
        rc = walk(&w, args[i], 1, 0);
    free(w.seen.dev);
    free(w.seen.ino);
    return rc;
}

void poisk_input_list_free(poisk_input_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    free(l->jsonl);
    memset(l, 0, sizeof *l);
}

int poisk_input_is_binary(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t n = len < 65536 ? len : 65536, bad = 0, ctrl = 0;
    for (size_t i = 0; i < n;) {
#ifdef __SSE2__
        /* 16 bytes that count nothing: each printable ASCII, \n, \r, \t, or a Cyrillic
         * lead byte D0/D1 with its continuation byte inside the block (so a continuation
         * byte without its lead, first in the block, goes the byte-wise way), except that
         * the last byte may be a lead, left for the next block */
        while (i + 16 <= n) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            unsigned a = (unsigned)_mm_movemask_epi8(_mm_or_si128(
                _mm_or_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x1F)), _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')))));
            unsigned l = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_and_si128(x, _mm_set1_epi8((char)0xFE)), _mm_set1_epi8((char)0xD0)));
            unsigned c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_and_si128(x, _mm_set1_epi8((char)0xC0)), _mm_set1_epi8((char)0x80)));
            if ((a | l | c) != 0xFFFFu || c != ((l << 1) & 0xFFFFu))
                break;
            i += 16 - (l >> 15);       /* a lead byte last: its pair starts the next block */
        }
        if (i >= n)
            break;
#endif
        if (i + 8 <= n) {           /* 8 bytes of printable ASCII or of 4 Cyrillic letters */
            uint64_t x;
            memcpy(&x, s + i, 8);
            const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
            if ((x & hi) == 0 ? ((x - 0x20 * lo) & hi) == 0
                              : (x & 0xC0FEC0FEC0FEC0FEull) == 0x80D080D080D080D0ull) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c == 0)
            return 1;
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v') {
            ctrl++;
            i++;
            continue;
        }
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
            i += 2;                     /* two-byte sequences: Cyrillic, nearly all of it */
            continue;
        }
        size_t need = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
        size_t k = 1;
        while (need != 9 && k <= need && i + k < n && (s[i + k] & 0xC0) == 0x80) k++;
        if (need == 9 || (k <= need && i + k < n)) { bad++; i++; continue; }
        i += k;
    }
    return n && (ctrl * 100 > n || bad * 20 > n);
}

int poisk_input_refuse_binary(const char *path, const char *buf, size_t len, poisk_error *err)
{
    if (!poisk_input_is_binary(buf, len))
        return POISK_OK;
    return poisk_error_set(err, POISK_EINPUT, "%s: skipped: binary file, not UTF-8 text", path);
}

size_t poisk_input_size_env(const char *name, size_t dflt)
{
    const char *e = getenv(name);
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (!*end && v >= 4096) return (size_t)v;
    }
    return dflt;
}

uint64_t poisk_input_big(const char *path, size_t window)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0)
        return 0;
    return (uint64_t)st.st_size > window ? (uint64_t)st.st_size : 0;
}

int poisk_input_read(const char *path, char **buf, size_t *len, poisk_error *err)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return poisk_error_set(err, POISK_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return poisk_error_set(err, POISK_EIO, "%s: not a regular file", path);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *b = malloc(cap);
    if (!b) {
        fclose(f);
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory reading it", path);
    }
    for (;;) {
        size_t got = fread(b + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
        if (n == cap - 1) {                    /* the file grew while we read it? */
            int c = getc(f);
            if (c == EOF) break;                   /* no: exactly its size, no second buffer */
            ungetc(c, f);
            char *bigger = realloc(b, cap * 2);
            if (!bigger) { free(b); fclose(f); return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path); }
            b = bigger;
            cap *= 2;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(b);
        return poisk_error_set(err, POISK_EIO, "%s: read error", path);
    }
    b[n] = 0;
    int rc = poisk_input_refuse_binary(path, b, n, err);
    if (rc != POISK_OK) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = n;
    return POISK_OK;
}

/* The first line start at or after x (x itself when x is 0 or follows a '\n'), or size
 * when no line starts in [x, size).  @return : 0, or -1 on a read error (errno) */
static int line_start_at(int fd, uint64_t x, uint64_t size, uint64_t *out)
{
    *out = size;
    if (x >= size)
        return 0;
    if (x == 0) {
        *out = 0;
        return 0;
    }
    char b[16384];
    for (uint64_t at = x - 1; at < size;) {
        ssize_t got = pread(fd, b, sizeof b, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;                      /* the file shrank: no more lines */
        const char *nl = memchr(b, '\n', (size_t)got);
        if (nl) {
            *out = at + (uint64_t)(nl - b) + 1;
            return 0;
        }
        at += (uint64_t)got;
    }
    return 0;
}

int poisk_input_read_lines(const char *path, uint64_t from, uint64_t to, int last,
                           char **buf, size_t *len, uint64_t *off, poisk_error *err)
{
    *buf = NULL;
    *len = 0;
    *off = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return poisk_error_set(err, POISK_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    uint64_t s, e = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        close(fd);
        return poisk_error_set(err, POISK_EIO, "%s: not a regular file", path);
    }
    uint64_t size = (uint64_t)st.st_size;
    if (line_start_at(fd, from, size, &s) != 0 || (!last && line_start_at(fd, to, size, &e) != 0)) {
        int e_no = errno;
        close(fd);
        return poisk_error_set(err, POISK_EIO, "%s: read error: %s", path, strerror(e_no));
    }
    if (last)
        e = size;                       /* (else e >= s: line_start_at is monotone in x) */
    char *b = malloc((size_t)(e - s) + 1);
    if (!b) {
        close(fd);
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory reading it", path);
    }
    size_t n = 0;
    while (n < e - s) {
        ssize_t got = pread(fd, b + n, (size_t)(e - s) - n, (off_t)(s + n));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e_no = errno;
            free(b);
            close(fd);
            return poisk_error_set(err, POISK_EIO, "%s: read error: %s", path, strerror(e_no));
        }
        if (got == 0)
            break;                      /* the file shrank while we read it */
        n += (size_t)got;
    }
    close(fd);
    b[n] = 0;
    int rc = s == 0 ? poisk_input_refuse_binary(path, b, n, err) : POISK_OK;
    if (rc != POISK_OK) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = n;
    *off = s;
    return POISK_OK;
}
