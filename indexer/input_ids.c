/*
 * input_ids.c: passage ids seen in one indexer run (input_ids.h).  An open-addressing hash
 * table of (id, where) string pairs, grown at 1/2 load.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input_ids.h"

struct poisk_idset {
    char **id, **where;
    size_t cap, n;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;                 /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

poisk_idset *poisk_idset_new(void)
{
    poisk_idset *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cap = 1024;
    s->id = calloc(s->cap, sizeof *s->id);
    s->where = calloc(s->cap, sizeof *s->where);
    if (!s->id || !s->where) { poisk_idset_free(s); return NULL; }
    return s;
}

void poisk_idset_free(poisk_idset *s)
{
    if (!s) return;
    for (size_t i = 0; s->id && i < s->cap; i++) { free(s->id[i]); free(s->where[i]); }
    free(s->id);
    free(s->where);
    free(s);
}

static size_t slot(const poisk_idset *s, const char *id)
{
    size_t i = (size_t)hash(id) & (s->cap - 1);
    while (s->id[i] && strcmp(s->id[i], id)) i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(poisk_idset *s)
{
    poisk_idset g = { calloc(s->cap * 2, sizeof(char *)), calloc(s->cap * 2, sizeof(char *)), s->cap * 2, s->n };
    if (!g.id || !g.where) { free(g.id); free(g.where); return -1; }
    for (size_t i = 0; i < s->cap; i++)
        if (s->id[i]) {
            size_t k = slot(&g, s->id[i]);
            g.id[k] = s->id[i];
            g.where[k] = s->where[i];
        }
    free(s->id);
    free(s->where);
    *s = g;
    return 0;
}

int poisk_idset_add(poisk_idset *s, const char *id, const char *where, const char **first)
{
    size_t k = slot(s, id);
    if (s->id[k]) { *first = s->where[k]; return 1; }
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
