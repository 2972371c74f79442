/*
 * input_ids.c: passage ids seen in one indexer run (input_ids.h).
 *
 * JSON-lines ids are arbitrary strings: an open-addressing hash table of (id, where)
 * pairs, grown at 1/2 load.  Text passages' ids are "path:offset", unique by construction
 * within a file and across files (paths are distinct), so they can only collide with a
 * JSON-lines id: they are looked up in the table but not stored as strings; each text
 * file keeps its passages' offsets (8 bytes a passage instead of ~130), and a JSON-lines
 * id of the form "<text path>:<offset>" is checked against them.  A 2 GB text file's
 * 1.4 million passages need 11 MB here, not 180 MB.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_ids.h"
#include "codec.h"            /* poisk_array_reserve */

typedef struct text_file {
    char *path;
    uint64_t *off;           /* passage offsets, increasing */
    size_t n, cap;
} text_file;

struct poisk_idset {
    char **id, **where;      /* JSON-lines ids */
    size_t cap, n;
    text_file *files;        /* text files, by path through fslot */
    size_t n_files, cap_files;
    size_t *fslot, fcap;     /* index + 1 into files; 0 empty */
    size_t last;             /* the file passages came from last (+1), 0 none */
    char first[4200];        /* "path:offset" of a text passage, for *first */
};

static uint64_t hash_n(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;                 /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

poisk_idset *poisk_idset_new(void)
{
    poisk_idset *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cap = 1024;
    s->fcap = 64;
    s->id = calloc(s->cap, sizeof *s->id);
    s->where = calloc(s->cap, sizeof *s->where);
    s->fslot = calloc(s->fcap, sizeof *s->fslot);
    if (!s->id || !s->where || !s->fslot) { poisk_idset_free(s); return NULL; }
    return s;
}

void poisk_idset_free(poisk_idset *s)
{
    if (!s) return;
    for (size_t i = 0; s->id && i < s->cap; i++) { free(s->id[i]); free(s->where[i]); }
    free(s->id);
    free(s->where);
    for (size_t i = 0; i < s->n_files; i++) { free(s->files[i].path); free(s->files[i].off); }
    free(s->files);
    free(s->fslot);
    free(s);
}

/* ---- JSON-lines ids ------------------------------------------------------------------- */

static size_t slot(const poisk_idset *s, const char *id)
{
    size_t i = (size_t)hash_n(id, strlen(id)) & (s->cap - 1);
    while (s->id[i] && strcmp(s->id[i], id)) i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(poisk_idset *s)
{
    char **id = calloc(s->cap * 2, sizeof(char *)), **where = calloc(s->cap * 2, sizeof(char *));
    if (!id || !where) { free(id); free(where); return -1; }
    char **old_id = s->id, **old_where = s->where;
    size_t old_cap = s->cap;
    s->id = id;
    s->where = where;
    s->cap *= 2;
    for (size_t i = 0; i < old_cap; i++)
        if (old_id[i]) {
            size_t k = slot(s, old_id[i]);
            s->id[k] = old_id[i];
            s->where[k] = old_where[i];
        }
    free(old_id);
    free(old_where);
    return 0;
}

/* ---- text files ----------------------------------------------------------------------- */

static size_t fslot_of(const poisk_idset *s, const char *path, size_t n)
{
    size_t i = (size_t)hash_n(path, n) & (s->fcap - 1);
    while (s->fslot[i]) {
        const char *p = s->files[s->fslot[i] - 1].path;
        if (!strncmp(p, path, n) && !p[n]) break;
        i = (i + 1) & (s->fcap - 1);
    }
    return i;
}

/* The text file at path[0, n), or NULL. */
static text_file *file_find(const poisk_idset *s, const char *path, size_t n)
{
    size_t i = fslot_of(s, path, n);
    return s->fslot[i] ? &s->files[s->fslot[i] - 1] : NULL;
}

static text_file *file_add(poisk_idset *s, const char *path)
{
    if (s->last && !strcmp(s->files[s->last - 1].path, path))
        return &s->files[s->last - 1];
    size_t n = strlen(path), k = fslot_of(s, path, n);
    if (s->fslot[k]) { s->last = s->fslot[k]; return &s->files[s->last - 1]; }
    if (poisk_array_reserve((void **)&s->files, &s->cap_files, s->n_files + 1, sizeof *s->files,
                            64))
        return NULL;
    text_file *f = &s->files[s->n_files];
    memset(f, 0, sizeof *f);
    if (!(f->path = strdup(path))) return NULL;
    s->fslot[k] = ++s->n_files;
    s->last = s->n_files;
    if (s->n_files * 2 > s->fcap) {                  /* grow the path table */
        size_t *old = s->fslot, old_cap = s->fcap;
        size_t *g = calloc(old_cap * 2, sizeof *g);
        if (!g) return NULL;
        s->fslot = g;
        s->fcap = old_cap * 2;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i]) {
                const char *p = s->files[old[i] - 1].path;
                s->fslot[fslot_of(s, p, strlen(p))] = old[i];
            }
        free(old);
    }
    return &s->files[s->n_files - 1];
}

static int has_offset(const text_file *f, uint64_t off)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->off[mid] < off) lo = mid + 1; else hi = mid;
    }
    return lo < f->n && f->off[lo] == off;
}

/* Is id "<text path>:<offset>" of a text passage seen so far? */
static int text_id_seen(poisk_idset *s, const char *id)
{
    const char *colon = strrchr(id, ':');
    if (!colon || !colon[1] || !s->n_files) return 0;
    char *end;
    unsigned long long off = strtoull(colon + 1, &end, 10);
    if (*end || colon[1] < '0' || colon[1] > '9') return 0;
    const text_file *f = file_find(s, id, (size_t)(colon - id));
    if (!f || !has_offset(f, off)) return 0;
    snprintf(s->first, sizeof s->first, "%s", id);
    return 1;
}

int poisk_idset_add(poisk_idset *s, const char *id, const char *where, const char **first)
{
    size_t k = slot(s, id);
    if (s->id[k]) { *first = s->where[k]; return 1; }
    if (text_id_seen(s, id)) { *first = s->first; return 1; }
    s->id[k] = strdup(id);
    s->where[k] = strdup(where);
    if (!s->id[k] || !s->where[k]) {
        free(s->id[k]); free(s->where[k]);
        s->id[k] = s->where[k] = NULL;
        return -1;
    }
    if (++s->n * 2 > s->cap && grow(s)) return -1;
    return 0;
}

int poisk_idset_add_text(poisk_idset *s, const char *path, uint64_t offset, const char *id,
                         const char **first)
{
    size_t k = slot(s, id);
    if (s->id[k]) { *first = s->where[k]; return 1; }
    text_file *f = file_add(s, path);
    if (!f) return -1;
    if (f->n && f->off[f->n - 1] >= offset) {        /* never for a parse: kept exact anyway */
        if (has_offset(f, offset)) { snprintf(s->first, sizeof s->first, "%s", id); *first = s->first; return 1; }
        return -1;
    }
    /* from 2: most small files have a few */
    if (poisk_array_reserve((void **)&f->off, &f->cap, f->n + 1, sizeof *f->off, 2))
        return -1;
    f->off[f->n++] = offset;
    return 0;
}
