/*
 * terms: poisk's own analysis of the benchmark passages and queries, for the BM25-parity
 * run of Lucene (stage: beside the indexer; uses the same analyzer as the indexer and the
 * searcher, include/poisk/analyzer.h).
 *
 *   terms [--no-repair] < PASSAGES.jsonl > TERMS.jsonl
 *       Adds "terms": the passage's index terms in order, space-separated.  With repair (the
 *       indexer's default) a first pass feeds every passage to a poisk_lexicon, as the
 *       indexer does with its input texts.  A token flagged SAME_POSITION (the glued whole
 *       of a compound, a split word's whole) is joined to the one before it by '|', so that
 *       Lucene indexes it at that position (LuceneBench's ws analyzer) and, as poisk does,
 *       does not count it in the passage's length.
 *   terms --speed FILE...
 *       Analyzer speed: analyses every file in memory (no repair, then with repair after a
 *       lexicon pass) on one thread and prints one JSON line of MB/s and tokens.
 *   terms --queries [INDEX_DIR] < QUERIES.tsv > QUERIES_TERMS.tsv
 *       Replaces the words of each query (class TAB op TAB filter TAB words) by their query
 *       terms; PREFIX queries pass through unchanged.  With the poisk index of the same
 *       passages, a word that index has seen as an abbreviation gives what the searcher
 *       asks for it: the abbreviation and its stem as alternatives at one position, written
 *       `abbrev|stem` (фои|фо; bench/peers/LuceneBench.java makes them a group of SHOULD
 *       clauses, which scores the sum of the alternatives present, as poisk does).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "poisk/poisk.h"
#include "poisk/analyzer.h"
#include "poisk/index.h"
#include "index_reader.h"

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

/* Is term one of the '|'-separated terms of g (n bytes)? */
static int in_group(const char *g, size_t n, const char *term, size_t len)
{
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && g[j] != '|')
            j++;
        if (j - i == len && !memcmp(g + i, term, len))
            return 1;
        i = j + 1;
    }
    return 0;
}

/* The terms of one text, space-separated, into b (reset first).  A token flagged
 * SAME_POSITION is an alternative at the previous token's position, joined to it by '|':
 * for a passage every such token (a compound's glued whole, a split word's whole) unless
 * poisk already counts its term at that position; for a query (query = 1) only the stem
 * the searcher adds to an abbreviation (фои|фо), as compounds in queries keep their parts. */
static void analyse(poisk_analyzer *a, const char *text, size_t len, sbuf *b, int query)
{
    b->n = 0;
    sb_put(b, "", 0);
    poisk_analyzer_reset(a, text, len);
    poisk_token t;
    size_t group = 0;                     /* where the current position's terms start */
    int after_abbrev = 0;
    while (poisk_analyzer_next(a, &t)) {
        int alt = (t.flags & POISK_TOKEN_SAME_POSITION) && b->n;
        int keep = !alt || (query ? after_abbrev
                                  : !in_group(b->p + group, b->n - group, t.term, t.term_len));
        after_abbrev = t.kind == POISK_TOKEN_ABBREV;
        if (!keep)
            continue;
        if (b->n) sb_put(b, alt ? "|" : " ", 1);
        if (!alt)
            group = b->n;
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

static int is_abbrev_hook(void *ctx, const char *form, size_t len)
{
    return poisk_index_is_abbrev(ctx, form, len);
}

static int run_queries(const char *index_dir)
{
    poisk_index *idx = NULL;
    poisk_error err = { 0 };
    if (index_dir && poisk_index_open(index_dir, &idx, &err) != POISK_OK) {
        fprintf(stderr, "terms: %s\n", err.message);
        return 1;
    }
    poisk_analyzer_options opt = { .is_abbrev = idx ? is_abbrev_hook : NULL, .is_abbrev_ctx = idx };
    poisk_analyzer *a;
    if (poisk_analyzer_create(&opt, &a) != POISK_OK) { fputs("terms: cannot create the analyzer\n", stderr); poisk_index_close(idx); return 1; }
    sbuf line = { 0 }, out = { 0 };
    for (char *l; (l = read_line(stdin, &line));) {
        char *f[4] = { l, NULL, NULL, NULL };
        for (int i = 1; i < 4 && f[i - 1]; i++) {
            f[i] = strchr(f[i - 1], '\t');
            if (f[i]) *f[i]++ = 0;
        }
        if (!f[3]) continue;
        if (!strcmp(f[1], "PREFIX")) { printf("%s\t%s\t%s\t%s\n", f[0], f[1], f[2], f[3]); continue; }
        analyse(a, f[3], strlen(f[3]), &out, 1);
        printf("%s\t%s\t%s\t%s\n", f[0], f[1], f[2], out.n ? out.p : "-");
    }
    free(line.p); free(out.p);
    poisk_analyzer_free(a);
    poisk_index_close(idx);
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
            analyse(a, t->valuestring, strlen(t->valuestring), &out, 0);
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

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    sbuf b = { 0 };
    char tmp[1 << 16];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) sb_put(&b, tmp, n);
    fclose(f);
    *len = b.n;
    return b.p;
}

/* Tokens of every text with one analyzer; returns seconds. */
static double time_pass(poisk_analyzer *a, char **texts, size_t *lens, int n, uint64_t *tokens)
{
    double t0 = now_s();
    *tokens = 0;
    for (int i = 0; i < n; i++) {
        poisk_analyzer_reset(a, texts[i], lens[i]);
        poisk_token t;
        while (poisk_analyzer_next(a, &t)) (*tokens)++;
    }
    return now_s() - t0;
}

static int run_speed(int n, char **paths)
{
    char **texts = calloc((size_t)n, sizeof *texts);
    size_t *lens = calloc((size_t)n, sizeof *lens), total = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!(texts[m] = slurp(paths[i], &lens[m]))) { fprintf(stderr, "terms: cannot read %s\n", paths[i]); continue; }
        total += lens[m++];
    }
    poisk_analyzer *a;
    uint64_t tok_plain = 0, tok_rep = 0;
    if (poisk_analyzer_create(NULL, &a) != POISK_OK) return 1;
    double plain = time_pass(a, texts, lens, m, &tok_plain);
    poisk_analyzer_free(a);
    poisk_lexicon *lx;
    double t0 = now_s();
    if (poisk_lexicon_create(&lx) != POISK_OK) return 1;
    for (int i = 0; i < m; i++) poisk_lexicon_add_text(lx, texts[i], lens[i]);
    poisk_lexicon_freeze(lx);
    double lex = now_s() - t0;
    poisk_analyzer_options opt = { .repair = 1, .lexicon = lx };
    if (poisk_analyzer_create(&opt, &a) != POISK_OK) return 1;
    double rep = time_pass(a, texts, lens, m, &tok_rep);
    poisk_analyzer_free(a);
    poisk_lexicon_free(lx);
    printf("{\"bytes\":%zu,\"tokens\":%llu,\"mb_s\":%.1f,\"lexicon_mb_s\":%.1f,\"repair_tokens\":%llu,"
           "\"repair_mb_s\":%.1f}\n", total, (unsigned long long)tok_plain, (double)total / 1e6 / plain,
           (double)total / 1e6 / lex, (unsigned long long)tok_rep, (double)total / 1e6 / rep);
    for (int i = 0; i < m; i++) free(texts[i]);
    free(texts); free(lens);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--speed")) return run_speed(argc - 2, argv + 2);
    int repair = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--queries")) return run_queries(i + 1 < argc ? argv[i + 1] : NULL);
        if (!strcmp(argv[i], "--no-repair")) repair = 0;
        else { fputs("usage: terms [--no-repair] < PASSAGES.jsonl | terms --queries [INDEX_DIR] < QUERIES.tsv | terms --speed FILE...\n", stderr); return 2; }
    }
    return run_passages(repair);
}
