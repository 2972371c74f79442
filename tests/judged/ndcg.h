/*
 * ndcg.h: nDCG@10 of the searcher over the judged analyst queries (tests/judged/queries.tsv).
 * Shared by tests/test_search_judged.c (no regression below tests/judged/baseline.txt) and
 * examples/ndcg.c (the number `make bench` reports).  Gains are 2^grade - 1, discounts
 * log2(rank + 1); the ideal ranking is computed from every passage of the index.
 */
#ifndef POISK_NDCG_H
#define POISK_NDCG_H

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poisk/search.h"
#include "index_reader.h"
#include "query.h"

typedef struct ndcg_row { char *query, *pattern, *region; int grade; regex_t re; } ndcg_row;

typedef struct ndcg_set { ndcg_row *rows; size_t n; } ndcg_set;

static inline void ndcg_set_free(ndcg_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        regfree(&s->rows[i].re);
        free(s->rows[i].query);
        free(s->rows[i].pattern);
        free(s->rows[i].region);
    }
    free(s->rows);
}

/*! Load the judged set.  @return : 0, or -1 with a message on stderr. */
static inline int ndcg_load(const char *path, ndcg_set *s)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ndcg: cannot open %s\n", path);
        return -1;
    }
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *q = strtok(line, "\t"), *p = strtok(NULL, "\t"), *g = strtok(NULL, "\t"),
             *r = strtok(NULL, "\t");
        if (!q || !p || !g)
            continue;
        s->rows = realloc(s->rows, (s->n + 1) * sizeof *s->rows);
        ndcg_row *row = &s->rows[s->n];
        if (regcomp(&row->re, p, REG_EXTENDED | REG_NOSUB)) {
            fprintf(stderr, "ndcg: bad pattern %s\n", p);
            fclose(f);
            return -1;
        }
        row->query = strdup(q);
        row->pattern = strdup(p);
        row->region = r ? strdup(r) : NULL;
        row->grade = atoi(g);
        s->n++;
    }
    fclose(f);
    return 0;
}

/* Passage text lower-cased (ё -> е) with whitespace runs collapsed. */
static inline char *ndcg_norm(const char *text, size_t len)
{
    size_t n;
    char *f = poisk_query_fold(text, len, &n);
    if (!f)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = f[i] == '\n' || f[i] == '\t' || f[i] == '\r' ? ' ' : f[i];
        if (c == ' ' && (k == 0 || f[k - 1] == ' '))
            continue;
        f[k++] = c;
    }
    f[k] = 0;
    return f;
}

/*! Mean nDCG@10 over the distinct queries; per-query values to `log` when not NULL. */
static inline double ndcg_run(poisk_index *idx, const ndcg_set *s, FILE *log, size_t *n_queries)
{
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    /* grades[q][doc] computed once per distinct query */
    size_t nq = 0;
    const char **queries = calloc(s->n + 1, sizeof *queries);
    for (size_t i = 0; i < s->n; i++) {
        size_t j = 0;
        while (j < nq && strcmp(queries[j], s->rows[i].query) != 0)
            j++;
        if (j == nq)
            queries[nq++] = s->rows[i].query;
    }
    unsigned char *grades = calloc(nq * st.passages + 1, 1);
    poisk_passage_buf buf = { 0 };
    for (uint32_t d = 0; d < st.passages; d++) {
        poisk_passage p;
        if (poisk_index_passage(idx, d, &p, &buf, NULL))
            continue;
        char *t = ndcg_norm(p.text, p.text_len);
        for (size_t i = 0; t && i < s->n; i++) {
            if (s->rows[i].region && strcmp(s->rows[i].region, p.region) != 0)
                continue;
            if (regexec(&s->rows[i].re, t, 0, NULL, 0) != 0)
                continue;
            size_t q = 0;
            while (strcmp(queries[q], s->rows[i].query) != 0)
                q++;
            unsigned char *g = &grades[q * st.passages + d];
            if (*g < s->rows[i].grade)
                *g = (unsigned char)s->rows[i].grade;
        }
        free(t);
    }
    poisk_passage_buf_free(&buf);
    double sum = 0;
    for (size_t q = 0; q < nq; q++) {
        const unsigned char *g = &grades[q * st.passages];
        int count[8] = { 0 };
        for (uint32_t d = 0; d < st.passages; d++)
            count[g[d] & 7]++;
        double idcg = 0;
        int rank = 0;
        for (int gr = 7; gr > 0 && rank < 10; gr--)
            for (int c = 0; c < count[gr] && rank < 10; c++, rank++)
                idcg += (pow(2, gr) - 1) / log2(rank + 2);
        double dcg = 0;
        poisk_search_options o;
        poisk_search_options_init(&o);
        o.k = 10;
        o.no_snippets = 1;
        poisk_results *r;
        if (poisk_search(idx, queries[q], &o, &r, NULL) == POISK_OK) {
            for (size_t i = 0; i < poisk_results_count(r); i++) {
                int gr = g[poisk_results_hit(r, i)->doc];
                dcg += (pow(2, gr) - 1) / log2((double)i + 2);
            }
            poisk_results_free(r);
        }
        double v = idcg > 0 ? dcg / idcg : 0;
        if (log)
            fprintf(log, "%.4f\t%s\n", v, queries[q]);
        sum += v;
    }
    free(grades);
    free(queries);
    if (n_queries)
        *n_queries = nq;
    return nq ? sum / (double)nq : 0;
}

#endif
