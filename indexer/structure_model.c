/*
 * structure_model.c: the poisk_document container (structure.h, structure_model.h):
 * passages, spans and warnings in growable arrays, their strings in an arena freed at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "structure_model.h"

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
} arena_block;

struct poisk_document {
    char *path;
    const char *region;
    poisk_passage *passages;
    size_t n_passages, cap_passages;
    poisk_span *spans;
    size_t n_spans, cap_spans;
    char **warnings;
    size_t n_warnings, cap_warnings;
    arena_block *arena;
};

poisk_document *poisk_document_new(const char *path)
{
    poisk_document *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->path = strdup(path ? path : "");
    if (!d->path) {
        free(d);
        return NULL;
    }
    d->region = "unknown";
    return d;
}

void poisk_document_free(poisk_document *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_warnings; i++)
        free(d->warnings[i]);
    free(d->warnings);
    free(d->passages);
    free(d->spans);
    while (d->arena) {
        arena_block *next = d->arena->next;
        free(d->arena);
        d->arena = next;
    }
    free(d->path);
    free(d);
}

void *poisk_document_alloc(poisk_document *d, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    arena_block *b = d->arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 60000 ? n : 60000;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        if (n > 60000 && d->arena) {      /* a big block: keep filling the current one */
            b->next = d->arena->next;
            d->arena->next = b;
            b->used = n;
            return (char *)b->data;
        }
        b->next = d->arena;
        d->arena = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

char *poisk_document_strndup(poisk_document *d, const char *s, size_t n)
{
    char *p = poisk_document_alloc(d, n + 1);
    if (p) {
        if (n) memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

#define GROW(arr, n, cap)                                                     \
    do {                                                                      \
        if ((n) == (cap)) {                                                   \
            size_t c_ = (cap) ? (cap) * 2 : 16;                               \
            void *p_ = realloc((arr), c_ * sizeof *(arr));                    \
            if (!p_) return POISK_ENOMEM;                                     \
            (arr) = p_;                                                       \
            (cap) = c_;                                                       \
        }                                                                     \
    } while (0)

int poisk_document_push_passage(poisk_document *d, const poisk_passage *p)
{
    GROW(d->passages, d->n_passages, d->cap_passages);
    d->passages[d->n_passages++] = *p;
    return POISK_OK;
}

int poisk_document_push_span(poisk_document *d, const poisk_span *s)
{
    GROW(d->spans, d->n_spans, d->cap_spans);
    d->spans[d->n_spans++] = *s;
    return POISK_OK;
}

int poisk_document_add_warning(poisk_document *d, const char *fmt, ...)
{
    GROW(d->warnings, d->n_warnings, d->cap_warnings);
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *w = strdup(buf);
    if (!w)
        return POISK_ENOMEM;
    d->warnings[d->n_warnings++] = w;
    return POISK_OK;
}

void poisk_document_set_region(poisk_document *d, const char *slug)
{
    d->region = slug ? slug : "unknown";
}

const char *poisk_document_path(const poisk_document *d) { return d->path; }
const char *poisk_document_region(const poisk_document *d) { return d->region; }
size_t poisk_document_passage_count(const poisk_document *d) { return d->n_passages; }
const poisk_passage *poisk_document_passage(const poisk_document *d, size_t i)
{
    return i < d->n_passages ? &d->passages[i] : NULL;
}
size_t poisk_document_span_count(const poisk_document *d) { return d->n_spans; }
const poisk_span *poisk_document_span(const poisk_document *d, size_t i)
{
    return i < d->n_spans ? &d->spans[i] : NULL;
}
size_t poisk_document_warning_count(const poisk_document *d) { return d->n_warnings; }
const char *poisk_document_warning(const poisk_document *d, size_t i)
{
    return i < d->n_warnings ? d->warnings[i] : NULL;
}
