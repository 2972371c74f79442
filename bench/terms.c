/*
 * terms: poisk's own analysis of the benchmark passages and queries, for the BM25-parity
 * run of Lucene (stage: beside the indexer; uses the same analyzer as the indexer and the
 * searcher, include/poisk/analyzer.h).
 *
 *   terms [--no-repair] < PASSAGES.jsonl > TERMS.jsonl
 *       Adds "terms": the passage's index terms in order, space-separated.  With repair (the
 *       indexer's default) a first pass feeds every passage to a poisk_lexicon, as the
 *       indexer does with its input texts.  Tokens flagged SAME_POSITION (the glued whole
 *       of a compound) are left out, so the term count equals the positions poisk counts.
 *   terms --queries < QUERIES.tsv > QUERIES_TERMS.tsv
 *       Replaces the words of each query (class TAB op TAB filter TAB words) by their query
 *       terms; PREFIX queries pass through unchanged.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poisk/poisk.h"
#include "poisk/analyzer.h"

typedef struct { char *p; size_t n, cap; } sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        char *q = realloc(b->p, b->cap);
        if (!q) { fputs("terms: out of memory\n", stderr); exit(1); }
        b->p = q;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

/* The terms of one text, space-separated, into b (reset first). */
static void analyse(poisk_analyzer *a, const char *text, size_t len, sbuf *b)
{
    b->n = 0;
    sb_put(b, "", 0);
    poisk_analyzer_reset(a, text, len);
    poisk_token t;
    while (poisk_analyzer_next(a, &t)) {
        if (t.flags & POISK_TOKEN_SAME_POSITION)
            continue;
        if (b->n) sb_put(b, " ", 1);
        sb_put(b, t.term, t.term_len);
    }
}

static char *read_line(FILE *f, sbuf *line)
{
    line->n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        char ch = (char)c;
        sb_put(line, &ch, 1);
    }
    if (c == EOF && line->n == 0) return NULL;
    sb_put(line, "", 0);
    return line->p;
}

static int run_queries(void)
{
    poisk_analyzer *a;
    if (poisk_analyzer_create(NULL, &a) != POISK_OK) { fputs("terms: cannot create the analyzer\n", stderr); return 1; }
    sbuf line = { 0 }, out = { 0 };
    for (char *l; (l = read_line(stdin, &line));) {
        char *f[4] = { l, NULL, NULL, NULL };
        for (int i = 1; i < 4 && f[i - 1]; i++) {
            f[i] = strchr(f[i - 1], '\t');
            if (f[i]) *f[i]++ = 0;
        }
        if (!f[3]) continue;
        if (!strcmp(f[1], "PREFIX")) { printf("%s\t%s\t%s\t%s\n", f[0], f[1], f[2], f[3]); continue; }
        analyse(a, f[3], strlen(f[3]), &out);
        printf("%s\t%s\t%s\t%s\n", f[0], f[1], f[2], out.n ? out.p : "-");
    }
    free(line.p); free(out.p);
    poisk_analyzer_free(a);
    return 0;
}

static int run_passages(int repair)
{
    /* Keep every line: repair needs the lexicon of the whole corpus before the first text. */
    char **lines = NULL;
    size_t n = 0, cap = 0;
    sbuf line = { 0 };
    for (char *l; (l = read_line(stdin, &line));) {
        if (n == cap) { cap = cap ? cap * 2 : 4096; lines = realloc(lines, cap * sizeof *lines); }
        if (!lines || !(lines[n++] = strdup(l))) { fputs("terms: out of memory\n", stderr); return 1; }
    }
    free(line.p);
    poisk_lexicon *lx = NULL;
    if (repair) {
        if (poisk_lexicon_create(&lx) != POISK_OK) return 1;
        for (size_t i = 0; i < n; i++) {
            cJSON *o = cJSON_Parse(lines[i]);
            cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "text");
            if (cJSON_IsString(t)) poisk_lexicon_add_text(lx, t->valuestring, strlen(t->valuestring));
            cJSON_Delete(o);
        }
        poisk_lexicon_freeze(lx);
    }
    poisk_analyzer_options opt = { .repair = repair, .lexicon = lx };
    poisk_analyzer *a;
    if (poisk_analyzer_create(&opt, &a) != POISK_OK) { fputs("terms: cannot create the analyzer\n", stderr); return 1; }
    sbuf out = { 0 };
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_Parse(lines[i]);
        cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "text");
        if (cJSON_IsString(t)) {
            analyse(a, t->valuestring, strlen(t->valuestring), &out);
            cJSON_AddStringToObject(o, "terms", out.p ? out.p : "");
            cJSON_DeleteItemFromObjectCaseSensitive(o, "text");
            char *s = cJSON_PrintUnformatted(o);
            if (s) { puts(s); free(s); }
        }
        cJSON_Delete(o);
        free(lines[i]);
    }
    free(lines); free(out.p);
    poisk_analyzer_free(a);
    poisk_lexicon_free(lx);
    return 0;
}

int main(int argc, char **argv)
{
    int repair = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--queries")) return run_queries();
        if (!strcmp(argv[i], "--no-repair")) repair = 0;
        else { fputs("usage: terms [--no-repair] < PASSAGES.jsonl | terms --queries < QUERIES.tsv\n", stderr); return 2; }
    }
    return run_passages(repair);
}
