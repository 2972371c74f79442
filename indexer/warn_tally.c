/*
 * warn_tally.c: warnings aggregated by kind (warn_tally.h), for the indexer command.
 * A handful of kinds exist (no region, no words, binary file, bad JSON line ...), so a
 * linear list of kinds is enough.
 */
#include <stdlib.h>
#include <string.h>

#include "warn_tally.h"
#include "codec.h"            /* poisk_array_reserve */

typedef struct kind {
    char *text;              /* the message without its file name */
    char *prefix;
    size_t count;
} kind;

struct poisk_warn_tally {
    FILE *out;
    int verbose;
    kind *k;
    size_t n, cap;
    size_t total;
};

poisk_warn_tally *poisk_warn_tally_new(FILE *out, int verbose)
{
    poisk_warn_tally *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->out = out;
    t->verbose = verbose;
    return t;
}

/* The message after "path:", "path:LINE:" and the blank that follows. */
static const char *kind_of(const char *path, const char *message)
{
    const char *s = message;
    if (!path) {                         /* the walker's "PATH: skipped: reason" */
        const char *k = strstr(message, ": skipped");
        return k ? k + 2 : message;
    }
    size_t pl = strlen(path);
    if (pl && !strncmp(s, path, pl) && s[pl] == ':') {
        s += pl + 1;
        const char *d = s;
        while (*d >= '0' && *d <= '9') d++;
        if (d > s && *d == ':') s = d + 1;
        while (*s == ' ') s++;
    }
    return s;
}

static kind *find_kind(poisk_warn_tally *t, const char *text, const char *prefix)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->k[i].text, text) && !strcmp(t->k[i].prefix, prefix)) return &t->k[i];
    if (poisk_array_reserve((void **)&t->k, &t->cap, t->n + 1, sizeof *t->k, 8))
        return NULL;
    kind *k = &t->k[t->n];
    k->text = strdup(text);
    k->prefix = strdup(prefix);
    k->count = 0;
    if (!k->text || !k->prefix) { free(k->text); free(k->prefix); return NULL; }
    t->n++;
    return k;
}

void poisk_warn_tally_add(poisk_warn_tally *t, const char *path, const char *prefix,
                          const char *message)
{
    kind *k = t ? find_kind(t, kind_of(path, message), prefix ? prefix : "") : NULL;
    if (t) t->total++;
    if (k && ++k->count > POISK_WARN_SHOWN && !t->verbose)
        return;
    fprintf(t ? t->out : stderr, "indexer: %s%s\n", prefix ? prefix : "", message);
}

size_t poisk_warn_tally_total(const poisk_warn_tally *t) { return t ? t->total : 0; }

void poisk_warn_tally_finish(poisk_warn_tally *t)
{
    if (!t || t->verbose) return;
    for (size_t i = 0; i < t->n; i++)
        if (t->k[i].count > POISK_WARN_SHOWN)
            fprintf(t->out, "indexer: %s... and %zu more like: %s (--verbose prints every one)\n",
                    t->k[i].prefix, t->k[i].count - POISK_WARN_SHOWN, t->k[i].text);
}

void poisk_warn_tally_free(poisk_warn_tally *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) { free(t->k[i].text); free(t->k[i].prefix); }
    free(t->k);
    free(t);
}
