/*
 * test_index_util.h: builds test indexes from the seed corpus without the structure
 * parser: each file is cut into ~100-word passages (the bytes from the first word to the
 * last), regions and sections are assigned deterministically, and the passages go through
 * the real writer.  Shared by test_index.c, test_writer.c and test_pipeline.c.
 */
#ifndef POISK_TEST_INDEX_UTIL_H
#define POISK_TEST_INDEX_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test_util.h"
#include "writer.h"

#define TI_FILES 5
static const char *const ti_paths[TI_FILES] = {
    "corpus/000_6d545a6ce98a1d7f.txt", "corpus/001_3861efe6e14c2db8.txt",
    "corpus/002_9b4cadca6ea1cf96.txt", "corpus/003_1226d5db7793b8dd.txt",
    "corpus/004_c48ce2c96f8ff17a.txt",
};
/* two files share a region, and add order differs from slug order */
static const char *const ti_regions[TI_FILES] = { "zeta", "alpha", "mid", "alpha", "beta" };

typedef struct ti_passage {
    char id[64];
    int file;
    size_t start, end;
    int section;
    uint32_t page;
} ti_passage;

typedef struct ti_corpus {
    char *text[TI_FILES];
    size_t len[TI_FILES];
    ti_passage *p;
    size_t n;
} ti_corpus;

/* Cut the first max_bytes of each file (0 = all) into passages of `words` words, spread
 * over `sections` sections. */
static inline void ti_corpus_load_n(ti_corpus *c, size_t max_bytes, int words, int sections)
{
    memset(c, 0, sizeof *c);
    size_t cap = 4096;
    c->p = malloc(cap * sizeof *c->p);
    for (int f = 0; f < TI_FILES; f++) {
        c->text[f] = tu_read_file(ti_paths[f], &c->len[f]);
        if (!c->text[f])
            continue;
        if (max_bytes && c->len[f] > max_bytes)
            c->len[f] = max_bytes;
        const char *t = c->text[f];
        size_t i = 0, n = c->len[f];
        int chunk = 0;
        while (i < n) {
            while (i < n && (t[i] == ' ' || t[i] == '\n'))
                i++;
            if (i >= n)
                break;
            size_t start = i, end = i;
            for (int w = 0; w < words && i < n; w++) {
                while (i < n && t[i] != ' ' && t[i] != '\n')
                    i++;
                end = i;
                while (i < n && (t[i] == ' ' || t[i] == '\n'))
                    i++;
            }
            if (c->n == cap)
                c->p = realloc(c->p, (cap *= 2) * sizeof *c->p);
            ti_passage *p = &c->p[c->n++];
            snprintf(p->id, sizeof p->id, "%s:%zu", ti_paths[f], start);
            p->file = f;
            p->start = start;
            p->end = end;
            p->section = (chunk * 7 + f) % sections;
            p->page = (uint32_t)(chunk / 3 + 1);
            chunk++;
        }
    }
}

static inline void ti_corpus_load(ti_corpus *c, size_t max_bytes, int words)
{
    ti_corpus_load_n(c, max_bytes, words, 10);
}

static inline void ti_corpus_free(ti_corpus *c)
{
    for (int f = 0; f < TI_FILES; f++)
        free(c->text[f]);
    free(c->p);
}

static inline poisk_passage ti_passage_of(const ti_corpus *c, size_t i)
{
    static const char *const sectors[3] = { "edu", NULL, "health" };
    const ti_passage *tp = &c->p[i];
    poisk_passage p;
    memset(&p, 0, sizeof p);
    p.id = tp->id;
    p.region = ti_regions[tp->file];
    p.section = (poisk_section)tp->section;
    p.sector = sectors[i % 3];
    p.subsection = i % 5 == 0 ? "1.1" : NULL;
    p.project = i % 4 == 0 ? "Библиотека цифрового контента" : NULL;
    p.pages = &tp->page;
    p.n_pages = 1;
    p.file = ti_paths[tp->file];
    p.byte_start = tp->start;
    p.byte_end = tp->end;
    p.text = c->text[tp->file] + tp->start;
    p.text_len = tp->end - tp->start;
    return p;
}

/* Expected passage ids: by region slug, then order of addition. */
static inline size_t *ti_id_order(const ti_corpus *c)
{
    size_t *order = malloc((c->n + 1) * sizeof *order), k = 0;
    const char *slugs[4] = { "alpha", "beta", "mid", "zeta" };
    for (int r = 0; r < 4; r++)
        for (size_t i = 0; i < c->n; i++)
            if (strcmp(ti_regions[c->p[i].file], slugs[r]) == 0)
                order[k++] = i;
    return order;
}

static inline int ti_build(const ti_corpus *c, const char *dir, size_t mem, int threads,
                           poisk_writer_summary *sum, poisk_error *err)
{
    poisk_writer_options o;
    memset(&o, 0, sizeof o);
    o.mem_budget = mem;
    o.threads = threads;
    poisk_writer *w;
    int rc = poisk_writer_create(dir, &o, &w, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < c->n && !rc; i++) {
        poisk_passage p = ti_passage_of(c, i);
        rc = poisk_writer_add(w, &p, err);
    }
    if (!rc)
        rc = poisk_writer_commit(w, sum, err);
    poisk_writer_free(w);
    return rc;
}

static inline char *ti_mkdtemp(void)
{
    char *d = strdup("/tmp/poisk-index-XXXXXX");
    return mkdtemp(d);
}

/* Index files: generation files (gNNNNNNNN.*) and CURRENT. */
static inline int ti_is_index_file(const char *name)
{
    return name[0] == 'g' || strcmp(name, "CURRENT") == 0;
}

/* Every index file of dir a equals the file of the same name in b, and b has no other
 * (needs criterion/criterion.h included before this header). */
static inline void ti_assert_same_dirs(const char *a, const char *b)
{
    DIR *d = opendir(a);
    struct dirent *e;
    int files = 0, other = 0;
    while ((e = readdir(d)) != NULL) {
        if (!ti_is_index_file(e->d_name))
            continue;
        char pa[8192], pb[8192];
        snprintf(pa, sizeof pa, "%s/%s", a, e->d_name);
        snprintf(pb, sizeof pb, "%s/%s", b, e->d_name);
        size_t la = 0, lb = 0;
        char *x = tu_read_file(pa, &la), *y = tu_read_file(pb, &lb);
        cr_assert_not_null(y, "%s missing in the other build", e->d_name);
        cr_assert_eq(la, lb, "%s differs in size", e->d_name);
        cr_assert_eq(memcmp(x, y, la), 0, "%s differs", e->d_name);
        free(x);
        free(y);
        files++;
    }
    closedir(d);
    d = opendir(b);
    while ((e = readdir(d)) != NULL)
        other += ti_is_index_file(e->d_name);
    closedir(d);
    cr_assert_eq(files, other);
    cr_assert_gt(files, 10);
}

#endif
