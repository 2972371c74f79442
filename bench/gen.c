/*
 * gen: the synthetic-corpus generator of the benchmarks (stage: before everything; it makes
 * the text files the indexer reads).  `gen --size 100M --seed 1 --out DIR` writes whole
 * strategy documents shaped like the seeds in corpus/ (CORPUS.md): a table of contents, the
 * 8 sections with their real heading forms, sectors numbered as in §3 of CORPUS.md, project
 * rows, indicator rows, page numbers, both export shapes (flattened one-line, 4 in 5
 * documents; line-based with stop words and punctuation, 1 in 5), split words and lost
 * letters at the seeds' rates.
 *
 * The running text is learned from the seeds at start-up: short runs of tokens are copied
 * from the same section of a seed of the same shape (their split words first rejoined by
 * poisk's own repair, so that the export damage comes only from the rates below and not
 * from one fragmented seed copied into every document), and a share of the words is replaced
 * by new forms (a real stem with another real ending) or by words of an open vocabulary
 * whose ranks follow a Pareto law, so the number of distinct words keeps growing with the
 * size of the corpus (Heaps' law) instead of repeating the seeds.  Project names mix the
 * federally recommended ones that recur in every region with new ones per document.
 *
 * Determinism: document i depends only on (seed, i) and the seed files, so the same seed
 * gives the same bytes.  One document per file, named NNNNNN_<region>.txt; regions cycle
 * through data/regions.tsv (every cycle is another year of strategies).
 */
#include "lexicon.h"
#include "poisk/analyzer.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libstemmer.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { SHAPE_FLAT = 0, SHAPE_LINE = 1, N_SHAPES = 2, N_SECT = 8 };

/* ---- small utilities ------------------------------------------------------------------ */

typedef struct { char *p; size_t n, cap; } buf_t;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "gen: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory", NULL);
    return q;
}

static void buf_put(buf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->cap + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void buf_str(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }
static void buf_num(buf_t *b, unsigned long v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%lu", v);
    buf_put(b, t, (size_t)n);
}

/* splitmix64: one state word, good enough statistically and fast. */
typedef struct { uint64_t s; } rng_t;
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static uint64_t rng_next(rng_t *r) { return mix64(r->s += 0x9e3779b97f4a7c15ULL); }
static uint32_t rng_below(rng_t *r, uint32_t n) { return n ? (uint32_t)(rng_next(r) % n) : 0; }
static double rng_unit(rng_t *r) { return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }
static int rng_chance(rng_t *r, double p) { return rng_unit(r) < p; }
static uint32_t rng_range(rng_t *r, uint32_t lo, uint32_t hi) { return lo + rng_below(r, hi - lo + 1); }

/* UTF-8 Cyrillic helpers (the seeds have no Latin letters). */
static int is_cyr_upper(const unsigned char *s)
{
    return (s[0] == 0xD0 && ((s[1] >= 0x90 && s[1] <= 0xAF) || s[1] == 0x81));
}
static int is_cyr(const unsigned char *s)
{
    return (s[0] == 0xD0 && s[1] >= 0x80 && s[1] <= 0xBF) || (s[0] == 0xD1 && s[1] >= 0x80 && s[1] <= 0x9F);
}
/* Lowercase a UTF-8 Cyrillic string into out (same byte length). */
static void cyr_lower(const char *in, size_t n, char *out)
{
    const unsigned char *s = (const unsigned char *)in;
    unsigned char *o = (unsigned char *)out;
    for (size_t i = 0; i < n; i++) {
        o[i] = s[i];
        if (i + 1 < n && s[i] == 0xD0) {
            unsigned c = s[i + 1];
            if (c >= 0x90 && c <= 0x9F) { o[i] = 0xD0; o[i + 1] = (unsigned char)(c + 0x20); i++; }
            else if (c >= 0xA0 && c <= 0xAF) { o[i] = 0xD1; o[i + 1] = (unsigned char)(c - 0x20); i++; }
            else if (c == 0x81) { o[i] = 0xD1; o[i + 1] = 0x91; i++; }
            else { o[i + 1] = (unsigned char)c; i++; }
        }
    }
}
/* Capitalise the first letter in place (lowercase Cyrillic -> uppercase). */
static void cyr_capitalise(char *w)
{
    unsigned char *s = (unsigned char *)w;
    if (s[0] == 0xD0 && s[1] >= 0xB0 && s[1] <= 0xBF) s[1] = (unsigned char)(s[1] - 0x20);
    else if (s[0] == 0xD1 && s[1] >= 0x80 && s[1] <= 0x8F) { s[0] = 0xD0; s[1] = (unsigned char)(s[1] + 0x20); }
}
/* Number of UTF-8 characters. */
static size_t u8_len(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}
/* Byte offset of the k-th character. */
static size_t u8_off(const char *s, size_t n, size_t k)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) { if (c == k) return i; c++; }
    return n;
}
static int all_cyr_lower_word(const char *s, size_t n)
{
    if (n < 2 || n % 2) return 0;
    for (size_t i = 0; i < n; i += 2) {
        const unsigned char *u = (const unsigned char *)s + i;
        if (!is_cyr(u) || is_cyr_upper(u)) return 0;
    }
    return 1;
}

/* ---- string set (open addressing) ------------------------------------------------------ */

typedef struct { char **keys; uint32_t *vals; size_t cap, n; } sset_t;
static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return mix64(h);
}
/* Returns the slot's value pointer, inserting the key (value 0) when new. */
static uint32_t *sset_get(sset_t *t, const char *s, size_t n, int *is_new)
{
    if ((t->n + 1) * 2 > t->cap) {
        sset_t u = { calloc(t->cap ? t->cap * 2 : 1024, sizeof(char *)),
                     calloc(t->cap ? t->cap * 2 : 1024, sizeof(uint32_t)), t->cap ? t->cap * 2 : 1024, 0 };
        if (!u.keys || !u.vals) die("out of memory", NULL);
        for (size_t i = 0; i < t->cap; i++)
            if (t->keys[i]) {
                size_t j = hash_bytes(t->keys[i], strlen(t->keys[i])) & (u.cap - 1);
                while (u.keys[j]) j = (j + 1) & (u.cap - 1);
                u.keys[j] = t->keys[i]; u.vals[j] = t->vals[i]; u.n++;
            }
        free(t->keys); free(t->vals);
        *t = u;
    }
    size_t j = hash_bytes(s, n) & (t->cap - 1);
    while (t->keys[j]) {
        if (strlen(t->keys[j]) == n && !memcmp(t->keys[j], s, n)) { if (is_new) *is_new = 0; return &t->vals[j]; }
        j = (j + 1) & (t->cap - 1);
    }
    t->keys[j] = strndup(s, n);
    if (!t->keys[j]) die("out of memory", NULL);
    t->n++;
    if (is_new) *is_new = 1;
    return &t->vals[j];
}
static void sset_free(sset_t *t)
{
    for (size_t i = 0; i < t->cap; i++) free(t->keys[i]);
    free(t->keys); free(t->vals);
}

/* ---- the model learned from the seeds ---------------------------------------------------- */

typedef struct { uint32_t off, len, stem; } tok_t;   /* stem: byte length of the stem, 0 = keep */
typedef struct { tok_t *t; size_t n, cap; } pool_t;

typedef struct {
    char *arena; size_t arena_n, arena_cap;          /* all token bytes */
    pool_t pool[N_SHAPES][N_SECT];                   /* running text per shape and section */
    char **vocab; size_t n_vocab;                    /* content words, most frequent first */
    char **stems; size_t n_stems;                    /* distinct stems of content words */
    char **endings; size_t n_endings;                /* one entry per occurrence: frequency-weighted */
    sset_t stop;                                     /* data/russian_stop.txt */
    char **reg_slug, **reg_gen; size_t n_regions;    /* data/regions.tsv */
    char **reg_prefix; size_t n_reg_prefix;          /* lowercase name stems of every region */
} model_t;

static uint32_t arena_add(model_t *m, const char *s, size_t n)
{
    if (m->arena_n + n + 1 > m->arena_cap) {
        m->arena_cap = (m->arena_cap + n + 1) * 2;
        m->arena = xrealloc(m->arena, m->arena_cap);
    }
    memcpy(m->arena + m->arena_n, s, n);
    m->arena[m->arena_n + n] = 0;
    uint32_t off = (uint32_t)m->arena_n;
    m->arena_n += n + 1;
    return off;
}
static void pool_add(pool_t *p, tok_t t)
{
    if (p->n == p->cap) { p->cap = p->cap ? p->cap * 2 : 1024; p->t = xrealloc(p->t, p->cap * sizeof *p->t); }
    p->t[p->n++] = t;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    buf_t b = { 0 };
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_put(&b, tmp, n);
    fclose(f);
    if (!b.p) buf_put(&b, "", 0);
    *len = b.n;
    return b.p;
}

/* Stop list and regions: one word a line / TSV with a header. */
static void model_load_data(model_t *m, const char *data_dir)
{
    char path[4096];
    size_t n;
    snprintf(path, sizeof path, "%s/russian_stop.txt", data_dir);
    char *s = read_file(path, &n);
    if (!s) die("cannot read the stop list (give --data DIR)", path);
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
        if (*line) sset_get(&m->stop, line, strlen(line), NULL);
    free(s);
    snprintf(path, sizeof path, "%s/regions.tsv", data_dir);
    s = read_file(path, &n);
    if (!s) die("cannot read the region table (give --data DIR)", path);
    static const char *kinds[] = { "республика", "область", "край", "автономный", "автономная",
                                   "округ", "город", "федерального", "значения", "югра", "кузбасс", "народная",
                                   "северная", 0 };
    char *save = NULL;
    int first = 1;
    for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (first) { first = 0; continue; }
        char *f[5] = { 0 };
        int k = 0;
        for (char *p = line; k < 5; k++) { f[k] = p; p = strchr(p, '\t'); if (!p) break; *p++ = 0; }
        if (!f[3]) continue;
        m->reg_slug = xrealloc(m->reg_slug, (m->n_regions + 1) * sizeof(char *));
        m->reg_gen = xrealloc(m->reg_gen, (m->n_regions + 1) * sizeof(char *));
        m->reg_slug[m->n_regions] = strdup(f[0]);
        m->reg_gen[m->n_regions] = strdup(f[3]);
        m->n_regions++;
        /* Name stems, so copied text never names a seed's region. */
        char name[512];
        snprintf(name, sizeof name, "%s", f[2]);
        for (char *w = strtok(name, " -"); w; w = strtok(NULL, " -")) {
            size_t wl = strlen(w), chars = u8_len(w, wl);
            if (chars < 5) continue;
            char low[512];
            cyr_lower(w, wl, low);
            low[wl] = 0;
            int is_kind = 0;
            for (int i = 0; kinds[i]; i++) if (!strcmp(low, kinds[i])) is_kind = 1;
            if (is_kind) continue;
            low[u8_off(low, wl, chars < 6 ? chars : 6)] = 0;
            m->reg_prefix = xrealloc(m->reg_prefix, (m->n_reg_prefix + 1) * sizeof(char *));
            m->reg_prefix[m->n_reg_prefix++] = strdup(low);
        }
    }
    free(s);
    if (!m->n_regions) die("no regions in the region table", path);
}

/* Offsets of the real start of each section: the last match of `k Раздел` (CORPUS.md §2). */
static void find_sections(const char *t, size_t n, size_t start[N_SECT + 1])
{
    static const char word[] = "Раздел";
    for (int k = 0; k <= N_SECT; k++) start[k] = 0;
    for (const char *p = t; (p = memmem(p, n - (size_t)(p - t), word, sizeof word - 1)); p++) {
        const char *after = p + sizeof word - 1;
        if (after < t + n && *after != ' ' && *after != '\n') continue;
        const char *q = p;
        if (q > t && q[-1] == ' ') q--;
        if (q > t && q[-1] == '.') q--;
        if (q > t && q[-1] >= '1' && q[-1] <= '8' && (q - 1 == t || q[-2] == ' ' || q[-2] == '\n'))
            start[q[-1] - '1'] = (size_t)(q - 1 - t);
    }
    start[N_SECT] = n;
}

static int is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) if (s[i] < '0' || s[i] > '9') return 0;
    return n > 0;
}

/* A token is kept in the pools unless it would fake structure or name a real region. */
static int token_is_allowed(const model_t *m, const char *s, size_t n)
{
    char tok[256], low[256];
    if (n >= sizeof tok) return 0;
    if (is_digits(s, n) && n <= 3) return 0;              /* page, row and column numbers */
    memcpy(tok, s, n);
    tok[n] = 0;
    if (strstr(tok, "Раздел") || strstr(tok, "Приложени") || strstr(tok, "ОГЛАВЛЕНИЕ")
        || strstr(tok, "Оглавление"))
        return 0;
    cyr_lower(tok, n, low);
    low[n] = 0;
    const char *w = low;
    while (*w && !is_cyr((const unsigned char *)w)) w++;
    for (size_t i = 0; i < m->n_reg_prefix; i++)
        if (!strncmp(w, m->reg_prefix[i], strlen(m->reg_prefix[i]))) return 0;
    return 1;
}

/* Membership without insertion. */
static int sset_has(const sset_t *t, const char *s, size_t n)
{
    if (!t->cap) return 0;
    size_t j = hash_bytes(s, n) & (t->cap - 1);
    for (; t->keys[j]; j = (j + 1) & (t->cap - 1))
        if (strlen(t->keys[j]) == n && !memcmp(t->keys[j], s, n)) return 1;
    return 0;
}

typedef struct { char *w; uint32_t count; } wc_t;
static int wc_cmp(const void *a, const void *b)
{
    const wc_t *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->w, y->w);
}
static int str_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The byte ranges [at[2i], at[2i+1]) of a seed's words split by the export (образо
 * вательного, государ-⏎ственной): the groups poisk's repair joins, with the lexicon of all
 * the seeds.  Each seed's own fragmentation would otherwise be copied into every document
 * that draws from its pool. */
typedef struct { size_t *at; size_t n; } joins_t;

static joins_t seed_joins(poisk_analyzer *rep, const char *t, size_t len)
{
    joins_t j = { 0 };
    size_t cap = 0, last_end = 0;
    poisk_token tok;
    poisk_analyzer_reset(rep, t, len);
    while (poisk_analyzer_next(rep, &tok)) {
        if ((tok.flags & POISK_TOKEN_SAME_POSITION) || tok.byte_start < last_end)
            continue;
        if (!memchr(t + tok.byte_start, ' ', tok.byte_end - tok.byte_start)
            && !memchr(t + tok.byte_start, '\n', tok.byte_end - tok.byte_start))
            continue;
        if (j.n + 2 > cap) { cap = cap ? cap * 2 : 256; j.at = xrealloc(j.at, cap * sizeof *j.at); }
        j.at[j.n++] = tok.byte_start;
        j.at[j.n++] = tok.byte_end;
        last_end = tok.byte_end;
    }
    return j;
}

/* The joined word of t[a, b): the separators dropped, and a hyphen before a line break. */
static size_t rejoin(const char *t, size_t a, size_t b, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t k = a; k < b && n < cap; k++) {
        if (t[k] == ' ' || t[k] == '\n' || (t[k] == '-' && k + 1 < b && t[k + 1] == '\n'))
            continue;
        out[n++] = t[k];
    }
    return n;
}

/* Learn the pools, vocabulary, stems and endings from every *.txt in corpus_dir. */
static void model_learn(model_t *m, const char *corpus_dir)
{
    DIR *d = opendir(corpus_dir);
    if (!d) die("cannot open the seed corpus (give --corpus DIR)", corpus_dir);
    char **names = NULL;
    size_t n_names = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".txt")) {
            names = xrealloc(names, (n_names + 1) * sizeof(char *));
            names[n_names++] = strdup(e->d_name);
        }
    }
    closedir(d);
    if (!n_names) die("no *.txt seed files in", corpus_dir);
    qsort(names, n_names, sizeof(char *), str_cmp);

    char **texts = xrealloc(NULL, n_names * sizeof *texts);
    size_t *lens = xrealloc(NULL, n_names * sizeof *lens);
    poisk_lexicon *lx;
    poisk_analyzer *rep;
    if (poisk_lexicon_create(&lx)) die("out of memory", NULL);
    for (size_t f = 0; f < n_names; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", corpus_dir, names[f]);
        texts[f] = read_file(path, &lens[f]);
        if (!texts[f]) die("cannot read", path);
        poisk_lexicon_add_text(lx, texts[f], lens[f]);
    }
    poisk_lexicon_freeze(lx);
    poisk_analyzer_options ro = { .repair = 1, .lexicon = lx };
    if (poisk_analyzer_create(&ro, &rep)) die("cannot create the analyzer", NULL);

    struct sb_stemmer *st = sb_stemmer_new("russian", "UTF_8");
    if (!st) die("libstemmer has no Russian stemmer", NULL);
    sset_t words = { 0 }, stems = { 0 }, ends = { 0 };
    buf_t endings_occ = { 0 };   /* NUL-separated endings, one per occurrence */
    size_t n_end_occ = 0;
    for (size_t f = 0; f < n_names; f++) {
        char *t = texts[f];
        size_t len = lens[f];
        joins_t jn = seed_joins(rep, t, len);
        size_t ji = 0;                    /* the next join at or after p */
        int shape = memchr(t, '\n', len) ? SHAPE_LINE : SHAPE_FLAT;
        size_t sec[N_SECT + 1];
        find_sections(t, len, sec);
        for (int k = 0; k < N_SECT; k++) {
            if (sec[k] == 0 || sec[k + 1] <= sec[k]) continue;
            const char *p = t + sec[k], *end = t + sec[k + 1];
            while (p < end) {
                while (p < end && (*p == ' ' || *p == '\n')) p++;
                const char *q = p;
                while (q < end && *q != ' ' && *q != '\n') q++;
                size_t off = (size_t)(p - t), n = (size_t)(q - p);
                while (ji < jn.n && jn.at[ji] < off) ji += 2;
                char joined[256];
                const char *w = p;
                if (ji < jn.n && jn.at[ji] == off && t + jn.at[ji + 1] <= end) {
                    q = t + jn.at[ji + 1];        /* a split word: one token, rejoined */
                    n = rejoin(t, off, jn.at[ji + 1], joined, sizeof joined);
                    w = joined;
                }
                if (n && n < 200 && token_is_allowed(m, w, n)) {
                    tok_t tk = { arena_add(m, w, n), (uint32_t)n, 0 };
                    char low[256];
                    cyr_lower(w, n, low);
                    if (all_cyr_lower_word(low, n) && !sset_has(&m->stop, low, n)
                        && u8_len(low, n) >= 4) {
                        (*sset_get(&words, low, n, NULL))++;
                        const sb_symbol *sy = sb_stemmer_stem(st, (const sb_symbol *)low, (int)n);
                        int sl = sb_stemmer_length(st);
                        if (sy && sl >= 4 && (size_t)sl < n && !memcmp(sy, low, (size_t)sl)) {
                            tk.stem = (uint32_t)sl;
                            sset_get(&stems, (const char *)sy, (size_t)sl, NULL);
                            buf_put(&endings_occ, low + sl, n - (size_t)sl);
                            buf_put(&endings_occ, "", 1);
                            sset_get(&ends, low + sl, n - (size_t)sl, NULL);
                            n_end_occ++;
                        }
                    }
                    pool_add(&m->pool[shape][k], tk);
                }
                p = q;
            }
        }
        free(jn.at);
        free(t);
    }
    free(texts);
    free(lens);
    poisk_analyzer_free(rep);
    poisk_lexicon_free(lx);
    sb_stemmer_delete(st);
    for (size_t f = 0; f < n_names; f++) free(names[f]);
    free(names);

    /* Vocabulary by frequency (ties by bytes: deterministic). */
    wc_t *wc = xrealloc(NULL, words.n * sizeof *wc);
    size_t k = 0;
    for (size_t i = 0; i < words.cap; i++)
        if (words.keys[i]) { wc[k].w = strdup(words.keys[i]); wc[k].count = words.vals[i]; k++; }
    qsort(wc, k, sizeof *wc, wc_cmp);
    m->vocab = xrealloc(NULL, k * sizeof(char *));
    for (size_t i = 0; i < k; i++) m->vocab[i] = wc[i].w;
    m->n_vocab = k;
    free(wc);
    m->stems = xrealloc(NULL, stems.n * sizeof(char *));
    k = 0;
    for (size_t i = 0; i < stems.cap; i++) if (stems.keys[i]) m->stems[k++] = strdup(stems.keys[i]);
    qsort(m->stems, k, sizeof(char *), str_cmp);
    m->n_stems = k;
    m->endings = xrealloc(NULL, (n_end_occ + 1) * sizeof(char *));
    const char *e = endings_occ.p;
    for (size_t i = 0; i < n_end_occ; i++) { m->endings[i] = (char *)e; e += strlen(e) + 1; }
    m->n_endings = n_end_occ;
    /* endings_occ.p stays alive as the endings' storage (freed with the model). */
    m->endings[n_end_occ] = endings_occ.p;
    sset_free(&words); sset_free(&stems); sset_free(&ends);
    for (int s = 0; s < N_SHAPES; s++)
        for (int j = 0; j < N_SECT; j++)
            if (m->pool[s][j].n < 16) die("a seed section is empty: the seeds do not look like strategies", corpus_dir);
    if (!m->n_stems || !m->n_endings || !m->n_vocab) die("no words learned from", corpus_dir);
}

static void model_free(model_t *m)
{
    free(m->arena);
    for (int s = 0; s < N_SHAPES; s++) for (int j = 0; j < N_SECT; j++) free(m->pool[s][j].t);
    for (size_t i = 0; i < m->n_vocab; i++) free(m->vocab[i]);
    for (size_t i = 0; i < m->n_stems; i++) free(m->stems[i]);
    free(m->vocab); free(m->stems);
    if (m->endings) free(m->endings[m->n_endings]);
    free(m->endings);
    for (size_t i = 0; i < m->n_regions; i++) { free(m->reg_slug[i]); free(m->reg_gen[i]); }
    free(m->reg_slug); free(m->reg_gen);
    for (size_t i = 0; i < m->n_reg_prefix; i++) free(m->reg_prefix[i]);
    free(m->reg_prefix);
    sset_free(&m->stop);
}

/* ---- the open vocabulary ---------------------------------------------------------------- */

static const char *const word_prefixes[] = {
    "пере", "под", "пред", "само", "взаимо", "много", "сверх", "до", "раз", "меж", "нано", "гео",
    "теле", "агро", "био", "эко", "авто", "видео", "радио", "фото", "электро", "нейро", "кибер",
    "медиа", "мульти", "мета", "супер", "квази", "микро", "макро", "гидро", "энерго", "инфо" };
#define N_PREFIXES (sizeof word_prefixes / sizeof word_prefixes[0])

/* Word of rank r: the seeds' own words first (by frequency), then new forms built from a
 * real stem, a real ending and for the rarest ranks a prefix.  Rank -> word is a fixed
 * function, so a rare word recurs wherever its rank is drawn again. */
static size_t open_word(const model_t *m, uint64_t r, char *out, size_t cap)
{
    if (r < m->n_vocab) {
        size_t n = strlen(m->vocab[r]);
        if (n >= cap) n = cap - 1;
        memcpy(out, m->vocab[r], n);
        return n;
    }
    uint64_t h = mix64(r * 0x9e3779b97f4a7c15ULL + 7);
    const char *stem = m->stems[h % m->n_stems];
    const char *end = m->endings[(h >> 24) % m->n_endings];
    const char *pre = "";
    if (r >= (uint64_t)m->n_vocab * 8) pre = word_prefixes[(h >> 48) % N_PREFIXES];
    int n = snprintf(out, cap, "%s%s%s", pre, stem, end);
    return n < 0 ? 0 : ((size_t)n >= cap ? cap - 1 : (size_t)n);
}

/* Pareto-distributed rank: P(R > r) ~ r^-a, so n draws hit about n^a distinct ranks. */
static uint64_t open_rank(rng_t *r, double a)
{
    double u = rng_unit(r);
    if (u < 1e-300) u = 1e-300;
    double x = pow(u, -1.0 / a);
    if (x > 1e15) x = 1e15;
    return (uint64_t)x - 1;
}

/* ---- document writer -------------------------------------------------------------------- */

typedef struct {
    const model_t *m;
    rng_t rng;
    buf_t out;
    int shape;
    int section;              /* 0..7: which pool feeds running text */
    size_t line_len;          /* line-based: characters on the current line */
    size_t width;             /* line-based: wrap width */
    double split_rate;        /* flattened: share of long words split by PDF wrapping */
    double mutate_rate;       /* share of words replaced by another form or an open word */
    unsigned page;            /* current printed page */
    size_t next_page_at;      /* output size at which the next page number goes in */
    size_t pos;               /* cursor in the current pool */
    const char *region_gen;
} doc_t;

/* New line (line-based) or a separator (flattened). */
static void doc_newline(doc_t *d)
{
    if (d->shape == SHAPE_LINE) {
        if (d->out.n >= 2 && d->out.p[d->out.n - 1] == ' ' && d->out.p[d->out.n - 2] == '\n')
            return;                                           /* already at a fresh line */
        if (d->out.n && d->out.p[d->out.n - 1] != '\n') buf_put(&d->out, "\n", 1);
        buf_put(&d->out, " ", 1);
        d->line_len = 1;
    } else if (d->out.n && d->out.p[d->out.n - 1] != ' ') {
        buf_put(&d->out, " ", 1);
    }
}

static void doc_page_number(doc_t *d)
{
    d->page++;
    d->next_page_at = d->out.n + 2600 + rng_below(&d->rng, 1400);
    if (d->shape == SHAPE_LINE) {
        doc_newline(d);
        buf_num(&d->out, d->page);
        doc_newline(d);
    } else {
        if (d->out.n && d->out.p[d->out.n - 1] != ' ') buf_put(&d->out, " ", 1);
        buf_num(&d->out, d->page);
    }
}

/* Append one word as the export would: wrapping, separators and page numbers. */
static void doc_raw_word(doc_t *d, const char *w, size_t n)
{
    if (!n) return;
    if (d->out.n >= d->next_page_at) doc_page_number(d);
    if (d->shape == SHAPE_LINE) {
        size_t chars = u8_len(w, n);
        if (d->line_len > 1 && d->line_len + 1 + chars > d->width) {
            /* Hyphenated wrap at the seeds' rate (≈1 % of long words at a line end). */
            if (chars >= 8 && rng_chance(&d->rng, 0.01) && all_cyr_lower_word(w, n)) {
                size_t cut = u8_off(w, n, chars / 2);
                buf_put(&d->out, " ", 1);
                buf_put(&d->out, w, cut);
                buf_put(&d->out, "-", 1);
                doc_newline(d);
                buf_put(&d->out, w + cut, n - cut);
                d->line_len += u8_len(w + cut, n - cut);
                return;
            }
            doc_newline(d);
        }
        if (d->line_len > 1) { buf_put(&d->out, " ", 1); d->line_len++; }
        buf_put(&d->out, w, n);
        d->line_len += chars;
    } else {
        if (d->out.n && d->out.p[d->out.n - 1] != ' ') buf_put(&d->out, " ", 1);
        if (rng_chance(&d->rng, 0.012)) buf_put(&d->out, " ", 1);   /* removed cell: 2 spaces */
        buf_put(&d->out, w, n);
    }
}
static void doc_words(doc_t *d, const char *s)
{
    while (*s) {
        while (*s == ' ') s++;
        const char *e = s;
        while (*e && *e != ' ') e++;
        doc_raw_word(d, s, (size_t)(e - s));
        s = e;
    }
}

/* A content word after the damage of the export: split by wrapping or a lost last letter. */
static void doc_damaged_word(doc_t *d, const char *w, size_t n)
{
    size_t chars = u8_len(w, n);
    if (d->shape == SHAPE_FLAT && chars >= 6 && d->split_rate > 0 && rng_chance(&d->rng, d->split_rate)) {
        size_t cut = u8_off(w, n, rng_range(&d->rng, 2, (uint32_t)chars - 2));
        doc_raw_word(d, w, cut);
        doc_raw_word(d, w + cut, n - cut);
        return;
    }
    if (chars >= 6 && rng_chance(&d->rng, 0.003)) {          /* last letter lost at a cell edge */
        doc_raw_word(d, w, u8_off(w, n, chars - 1));
        return;
    }
    doc_raw_word(d, w, n);
}

/* One word of running text from the current section's pool, possibly replaced by another
 * form of its stem or by an open-vocabulary word. */
static void doc_text_word(doc_t *d)
{
    const pool_t *p = &d->m->pool[d->shape][d->section];
    if (d->pos >= p->n || rng_chance(&d->rng, 0.16))          /* jump: runs of ~6 tokens */
        d->pos = rng_below(&d->rng, (uint32_t)p->n);
    const tok_t *t = &p->t[d->pos++];
    const char *w = d->m->arena + t->off;
    char tmp[512];
    if (t->stem && rng_chance(&d->rng, d->mutate_rate)) {
        double u = rng_unit(&d->rng);
        size_t n;
        if (u < 0.45) {                                       /* same stem, another ending */
            const char *e = d->m->endings[rng_below(&d->rng, (uint32_t)d->m->n_endings)];
            memcpy(tmp, w, t->stem);
            n = t->stem + (size_t)snprintf(tmp + t->stem, sizeof tmp - t->stem, "%s", e);
            (void)0;   /* the stem keeps the original's capital, if any */
        } else {                                              /* open vocabulary */
            n = open_word(d->m, open_rank(&d->rng, 0.72), tmp, sizeof tmp);
            if (is_cyr_upper((const unsigned char *)w)) cyr_capitalise(tmp);
        }
        doc_damaged_word(d, tmp, n);
        return;
    }
    if (t->stem) doc_damaged_word(d, w, t->len);
    else doc_raw_word(d, w, t->len);
}
static void doc_text(doc_t *d, size_t words)
{
    for (size_t i = 0; i < words; i++) doc_text_word(d);
}

/* ---- template pieces -------------------------------------------------------------------- */

typedef struct { const char *id, *flat, *line; } sector_t;
static const sector_t sectors[] = {
    { "edu", "Образование наука", "Образование и наука" },
    { "health", "Здравоохранение", "Здравоохранение" },
    { "urban", "Развитие городской среды", "Развитие городской среды" },
    { "transport", "Транспорт логистика", "Транспорт и логистика" },
    { "gov", "Государственное управление", "Государственное управление" },
    { "social", "Социальная сфера", "Социальная сфера" },
    { "security", "Безопасность", "Безопасность" },
    { "industry", "Промышленность", "Промышленность" },
    { "ecology", "Экология природопользование", "Экология и природопользование" },
    { "agri", "Сельское хозяйство", "Сельское хозяйство" },
    { "sport", "Физическая культура спорт", "Физическая культура и спорт" },
    { "tourism", "Туризм", "Туризм" },
    { "construction", "Строительство", "Строительство" },
    { "finance", "Финансовые услуги", "Финансовые услуги" },
};
#define N_SECTORS (sizeof sectors / sizeof sectors[0])

static const char *const sect_flat[N_SECT] = {
    "Основные положения", "Карточка стратегии краткое содержание",
    "Приоритеты цели задачи цифровой трансформации", "Проблемы вызовы цифровой трансформации",
    "Взаимосвязь задач проектов стратегии", "Проекты развития отрасли",
    "Показатели развития отрасли", "Ресурсное обеспечение реализации стратегии" };
static const char *const sect_line[N_SECT] = {
    "Основные положения", "Карточка стратегии (краткое содержание)",
    "Приоритеты, цели и задачи цифровой трансформации", "Проблемы и вызовы цифровой трансформации",
    "Взаимосвязь задач и проектов стратегии", "Проекты развития отрасли",
    "Показатели развития отрасли", "Ресурсное обеспечение реализации стратегии" };
static const char *const sect_line_toc[N_SECT] = {
    "Основные положения", "Карточка стратегии (краткое содержание).",
    "Приоритеты, цели и задачи цифровой трансформации.", "Проблемы и вызовы цифровой трансформации.",
    "Взаимосвязь задач и проектов стратегии.", "Проекты стратегии.",
    "Показатели реализации стратегии.", "Ресурсное обеспечение реализации стратегии." };

/* Federally recommended projects recur in every region (CORPUS.md §6). */
static const char *const fed_projects[] = {
    "Библиотека цифрового образовательного контента", "Цифровое портфолио ученика",
    "Система управления образовательной организации", "Цифровой помощник ученика",
    "Цифровой помощник родителя", "Цифровой помощник учителя",
    "Создание медицинских платформенных решений федерального уровня ВИМИ",
    "Внедрение технологий искусственного интеллекта отрасли здравоохранения",
    "Надежная инфраструктура сфере здравоохранения", "Цифровая инфраструктура ЖКХ",
    "Платформа обратной связи", "Платформа «Решаем вместе»", "Цифровизация мировых судов",
    "Система единых регистров", "Создание банков данных льготных категорий граждан ЕГИССО",
    "Перевод мер социальной поддержки формат «Социального казначейства»",
    "Создание Цифровой платформы системы долговременного ухода",
    "Предоставление государственной социальной помощи основании социального контракта",
    "Модернизации государственной службы занятости населения",
    "Развитие «Озера данных» регионального уровня рамках РСЧС" };
#define N_FED (sizeof fed_projects / sizeof fed_projects[0])

static const char *const name_heads[] = {
    "Цифровая платформа", "Создание", "Внедрение", "Развитие", "Модернизация", "Автоматизация",
    "Единая система", "Информационная система", "Региональная платформа", "Цифровой сервис",
    "Государственная информационная система", "Умный", "Электронный", "Интеллектуальная система" };
#define N_HEADS (sizeof name_heads / sizeof name_heads[0])
static const char *const abbrevs[] = {
    "ГИС", "ЕГИСЗ", "ЕПГУ", "ЖКХ", "РСЧС", "ЭСРН", "ЕКЦ", "ОМСУ", "ФГИС", "МСП", "МФЦ", "АИС",
    "НПА", "СМЭВ", "ТЭК", "ЦХЭД", "ГАИС", "ЕГИССО", "ВИМИ", "ГИСП", "ТИМ" };
#define N_ABBR (sizeof abbrevs / sizeof abbrevs[0])

typedef struct { char name[512]; int fed; } project_t;

/* A new project name: a head, 2-4 words (some from the open vocabulary), maybe a code. */
static void make_project(doc_t *d, project_t *p)
{
    if (rng_chance(&d->rng, 0.45)) {
        snprintf(p->name, sizeof p->name, "%s", fed_projects[rng_below(&d->rng, N_FED)]);
        p->fed = 1;
        return;
    }
    p->fed = 0;
    buf_t b = { 0 };
    buf_str(&b, name_heads[rng_below(&d->rng, N_HEADS)]);
    unsigned nw = rng_range(&d->rng, 2, 4);
    for (unsigned i = 0; i < nw; i++) {
        char w[256];
        size_t n = open_word(d->m, open_rank(&d->rng, i == nw - 1 ? 0.55 : 0.9), w, sizeof w);
        buf_put(&b, " ", 1);
        buf_put(&b, w, n);
    }
    if (rng_chance(&d->rng, 0.3)) {
        buf_put(&b, " ", 1);
        buf_str(&b, abbrevs[rng_below(&d->rng, N_ABBR)]);
        if (rng_chance(&d->rng, 0.5)) buf_num(&b, rng_range(&d->rng, 1, 99));
    }
    snprintf(p->name, sizeof p->name, "%s", b.p);
    free(b.p);
}

/* Heading helpers: flattened `N Раздел «Title»` (number sometimes glued), line `N. Раздел Title`. */
static void doc_section_heading(doc_t *d, int k, int toc)
{
    char h[512];
    if (d->shape == SHAPE_FLAT) {
        int glued = !toc ? rng_chance(&d->rng, 0.15) : rng_chance(&d->rng, 0.05);
        snprintf(h, sizeof h, "%d%sРаздел «%s»", k + 1, glued ? "" : " ", sect_flat[k]);
        doc_raw_word(d, h, strlen(h));
    } else {
        doc_newline(d);
        snprintf(h, sizeof h, "%d. Раздел %s", k + 1, toc ? sect_line_toc[k] : sect_line[k]);
        doc_words(d, h);
        doc_newline(d);
    }
}

static void doc_subsection(doc_t *d, int sec, int sub, const char *title)
{
    char h[512];
    if (d->shape == SHAPE_FLAT) {
        snprintf(h, sizeof h, "%d%d%s%s", sec, sub, rng_chance(&d->rng, 0.3) && sec == 8 ? "" : " ", title);
        doc_words(d, h);
    } else {
        doc_newline(d);
        snprintf(h, sizeof h, "%d.%d. %s.", sec, sub, title);
        doc_words(d, h);
        doc_newline(d);
    }
}

static void doc_sector_heading(doc_t *d, int k, int ordinal, const sector_t *s)
{
    char h[512];
    if (d->shape == SHAPE_FLAT) {
        if (k == 3) snprintf(h, sizeof h, "4%d %s", ordinal, s->flat);
        else snprintf(h, sizeof h, "%d %s ", ordinal, s->flat);
        doc_words(d, h);
        if (k != 3) buf_put(&d->out, " ", 1);
    } else {
        doc_newline(d);
        if (k == 3) snprintf(h, sizeof h, "4.%d. %s.", ordinal, s->line);
        else snprintf(h, sizeof h, "%d. %s", ordinal, s->line);
        doc_words(d, h);
        doc_newline(d);
    }
}

static void doc_row_number(doc_t *d, unsigned n)
{
    char h[32];
    if (d->shape == SHAPE_FLAT) {
        snprintf(h, sizeof h, "%u", n);
        doc_raw_word(d, h, strlen(h));
    } else {
        doc_newline(d);
        buf_num(&d->out, n);
        buf_str(&d->out, "\n .");
        doc_newline(d);
    }
}

static const char *const sub_titles_1[3] = {
    "Основания разработки", "Перечень внедряемых отечественных технологий", "Особенности срок реализации" };
static const char *const sub_titles_1_line[3] = {
    "Основания разработки", "Перечень внедряемых отечественных технологий", "Особенности и срок реализации" };
static const char *const card_fields[] = {
    "Наименование", "Срок", "Краткое направление", "Что делаем", "Кто делает", "Результаты",
    "Бенефициары", "Ресурсы", "Эффекты" };

typedef struct {
    int n_sectors;
    int sector_ids[N_SECTORS];
    int n_projects[N_SECTORS];
    project_t *projects[N_SECTORS];
    unsigned year;
} plan_t;

static void plan_make(doc_t *d, plan_t *pl, unsigned year)
{
    pl->year = year;
    pl->n_sectors = 0;
    for (int i = 0; i < 6; i++) pl->sector_ids[pl->n_sectors++] = i;
    for (size_t i = 6; i < N_SECTORS; i++)
        if (rng_chance(&d->rng, 0.3)) pl->sector_ids[pl->n_sectors++] = (int)i;
    for (int s = 0; s < pl->n_sectors; s++) {
        pl->n_projects[s] = (int)rng_range(&d->rng, 1, 11);
        pl->projects[s] = xrealloc(NULL, (size_t)pl->n_projects[s] * sizeof(project_t));
        for (int j = 0; j < pl->n_projects[s]; j++) make_project(d, &pl->projects[s][j]);
    }
}
static void plan_free(plan_t *pl)
{
    for (int s = 0; s < pl->n_sectors; s++) free(pl->projects[s]);
}

static void doc_title_and_toc(doc_t *d, const plan_t *pl)
{
    char h[1024];
    if (d->shape == SHAPE_LINE) {
        buf_str(&d->out, "\n УТВЕРЖДАЮ\n Губернатор\n ");
        buf_str(&d->out, d->region_gen);
        buf_str(&d->out, "\n ");
        buf_num(&d->out, pl->year);
        buf_str(&d->out, " г.\n\n\n\n Стратегия в области цифровой трансформации отраслей экономики, социальной\n"
                         " сферы и государственного управления ");
        buf_str(&d->out, d->region_gen);
        buf_str(&d->out, "\n\n\n ");
        buf_num(&d->out, pl->year);
        buf_str(&d->out, " год\n\n 2\n ОГЛАВЛЕНИЕ\n");
        d->line_len = 0;
        d->page = 2;
    } else {
        buf_put(&d->out, "      ", 3 + rng_below(&d->rng, 4));
        buf_str(&d->out, rng_chance(&d->rng, 0.2) ? "Оглавление " : "ОГЛАВЛЕНИЕ ");
        d->page = 2;
    }
    unsigned pg = 3;
    for (int k = 0; k < N_SECT; k++) {
        doc_section_heading(d, k, 1);
        if (k == 0) for (int j = 0; j < 3; j++) doc_subsection(d, 1, j + 1, d->shape == SHAPE_FLAT ? sub_titles_1[j] : sub_titles_1_line[j]);
        if (k == 2) { doc_subsection(d, 3, 1, "Цель цифровой трансформации"); doc_subsection(d, 3, 2, "Задачи цифровой трансформации"); }
        if (k == 3)
            for (int s = 0; s < pl->n_sectors; s++) {
                doc_sector_heading(d, 3, s + 1, &sectors[pl->sector_ids[s]]);
                if (d->shape == SHAPE_FLAT) { snprintf(h, sizeof h, "%u", pg++); doc_raw_word(d, h, strlen(h)); }
            }
        if (k == 7) { doc_subsection(d, 8, 1, "Участники реализации стратегии"); doc_subsection(d, 8, 2, "Финансовое обеспечение"); }
        pg += 3 + (unsigned)k * 5;
        if (d->shape == SHAPE_FLAT) { snprintf(h, sizeof h, "%u", pg); doc_raw_word(d, h, strlen(h)); }
    }
    if (d->shape == SHAPE_LINE) { doc_newline(d); buf_str(&d->out, "9. Приложение."); }
    doc_newline(d);
    d->next_page_at = d->out.n + 1500;
}

/* Sections 1-3 and 8: short prose and numbered lists. */
static void doc_prose(doc_t *d, size_t words)
{
    unsigned item = 1;
    while (words > 0) {
        size_t w = rng_range(&d->rng, 12, 60);
        if (w > words) w = words;
        if (rng_chance(&d->rng, 0.4)) doc_row_number(d, item++);
        else if (d->shape == SHAPE_LINE && rng_chance(&d->rng, 0.3)) doc_newline(d);
        doc_text(d, w);
        words -= w;
    }
}

static void doc_region_mention(doc_t *d, const char *before)
{
    doc_words(d, before);
    doc_words(d, d->region_gen);
}

static void doc_body(doc_t *d, const plan_t *pl, size_t target)
{
    /* Word budget per section, shares as in the seeds (§6 the largest, then §5 and §7). */
    static const double share[N_SECT] = { 0.035, 0.035, 0.012, 0.09, 0.17, 0.39, 0.23, 0.028 };
    size_t total_words = target / (d->shape == SHAPE_LINE ? 15 : 16);
    char h[1024];
    for (int k = 0; k < N_SECT; k++) {
        d->section = k;
        d->pos = rng_below(&d->rng, (uint32_t)d->m->pool[d->shape][k].n);
        size_t words = (size_t)(share[k] * (double)total_words);
        if (d->shape == SHAPE_FLAT && rng_chance(&d->rng, 0.7)) doc_page_number(d);
        doc_section_heading(d, k, 0);
        switch (k) {
        case 0:
            for (int j = 0; j < 3; j++) {
                doc_subsection(d, 1, j + 1, d->shape == SHAPE_FLAT ? sub_titles_1[j] : sub_titles_1_line[j]);
                if (j == 0) {
                    doc_words(d, "Основаниями разработки стратегии области цифровой трансформации отраслей экономики социальной сферы государственного управления");
                    doc_words(d, d->region_gen);
                }
                doc_prose(d, words / 3);
            }
            break;
        case 1:
            for (size_t j = 0; j < sizeof card_fields / sizeof card_fields[0]; j++) {
                doc_newline(d);
                doc_words(d, card_fields[j]);
                if (j == 0) doc_region_mention(d, "Стратегия цифровой трансформации");
                doc_text(d, words / 9);
            }
            break;
        case 2:
            doc_subsection(d, 3, 1, "Цель цифровой трансформации");
            doc_prose(d, words / 2);
            doc_subsection(d, 3, 2, "Задачи цифровой трансформации");
            doc_prose(d, words / 2);
            break;
        case 3:
            for (int s = 0; s < pl->n_sectors; s++) {
                doc_sector_heading(d, 3, s + 1, &sectors[pl->sector_ids[s]]);
                doc_words(d, "Перечень проблем текущего состояния отрасли направления решаемых цифровизации");
                doc_prose(d, words / (size_t)pl->n_sectors / 2);
                doc_words(d, "Вызовы развития отрасли направления");
                doc_prose(d, words / (size_t)pl->n_sectors / 2);
            }
            break;
        case 4: case 5: case 6: {
            static const char *const headers[3] = {
                "пп Задачи отрасли Наименование проекта Бенефициар Выгоды",
                "пп Наименование проекта Цель проекта Срок реализации проекта Краткое описание проекта Финансирование проекта Роль региона реализации проекта",
                "пп Наименование проекта Ответственный РОИВ Наименование показателя Единица измерения показателя Значения показателя годам 2022 2023 2024" };
            int n_proj = 0;
            for (int s = 0; s < pl->n_sectors; s++) n_proj += pl->n_projects[s];
            size_t per_row = words / (size_t)(n_proj ? n_proj : 1);
            for (int s = 0; s < pl->n_sectors; s++) {
                doc_sector_heading(d, k, s + 1, &sectors[pl->sector_ids[s]]);
                doc_words(d, headers[k - 4]);
                for (int j = 0; j < pl->n_projects[s]; j++) {
                    const project_t *p = &pl->projects[s][j];
                    doc_row_number(d, (unsigned)j + 1);
                    if (k == 4) doc_text(d, per_row / 3);
                    doc_words(d, p->name);
                    if (p->fed) doc_words(d, "рекомендовано ФОИ");
                    if (k == 6) {
                        doc_words(d, "Министерство");
                        doc_text(d, 2);
                        doc_words(d, d->region_gen);
                        unsigned rows = rng_range(&d->rng, 1, 3);
                        for (unsigned r = 0; r < rows; r++) {
                            static const char *const kinds[] = { "Доля", "Процент", "Количество", "Число" };
                            doc_words(d, kinds[rng_below(&d->rng, 4)]);
                            doc_text(d, per_row / rows / 2);
                            unsigned v = rng_range(&d->rng, 0, 60);
                            for (int y = 0; y < 3; y++) {
                                snprintf(h, sizeof h, "%u", v);
                                doc_raw_word(d, h, strlen(h));
                                v += rng_range(&d->rng, 0, 20);
                            }
                        }
                    } else {
                        doc_text(d, k == 4 ? per_row * 2 / 3 : per_row);
                        if (k == 5) {
                            snprintf(h, sizeof h, "%u года", pl->year + rng_range(&d->rng, 1, 9));
                            doc_words(d, h);
                        }
                    }
                }
            }
            break;
        }
        case 7:
            doc_subsection(d, 8, 1, "Участники реализации стратегии");
            doc_region_mention(d, "Правительство");
            doc_prose(d, words / 2);
            doc_subsection(d, 8, 2, "Финансовое обеспечение");
            doc_prose(d, words / 2);
            break;
        }
    }
    if (d->shape == SHAPE_LINE) {
        doc_newline(d);
        buf_str(&d->out, "Приложение ТЕРМИНЫ И ОПРЕДЕЛЕНИЯ");
        doc_newline(d);
        for (int i = 0; i < 8; i++) {
            doc_words(d, abbrevs[rng_below(&d->rng, N_ABBR)]);
            doc_words(d, "-");
            doc_text(d, 6);
            doc_newline(d);
        }
    }
    if (d->shape == SHAPE_LINE) buf_put(&d->out, "\n", 1);
}

/* One whole document: region, year and shape from the document number. */
static void doc_generate(const model_t *m, uint64_t seed, uint64_t i, uint64_t room, buf_t *out,
                         char *slug, size_t slug_cap)
{
    doc_t d = { 0 };
    d.m = m;
    d.rng.s = mix64(seed * 0x100000001b3ULL ^ mix64(i + 1));
    d.out = *out;
    d.out.n = 0;
    d.next_page_at = SIZE_MAX;                                /* no page numbers in the TOC */
    size_t reg = (size_t)(i % m->n_regions);
    unsigned year = 2021 + (unsigned)((i / m->n_regions) % 10);
    d.region_gen = m->reg_gen[reg];
    snprintf(slug, slug_cap, "%s", m->reg_slug[reg]);
    d.shape = rng_chance(&d.rng, 0.2) ? SHAPE_LINE : SHAPE_FLAT;
    d.width = 70 + rng_below(&d.rng, 15);
    d.split_rate = d.shape == SHAPE_FLAT ? (rng_chance(&d.rng, 0.2) ? 0.25 : 0.002) : 0;
    d.mutate_rate = 0.13;
    plan_t pl;
    plan_make(&d, &pl, year);
    size_t target = 240000 + rng_below(&d.rng, 140000);
    if (target > room) target = room < 40000 ? 40000 : (size_t)room;   /* the last one fits the size */
    doc_title_and_toc(&d, &pl);
    doc_body(&d, &pl, target);
    plan_free(&pl);
    *out = d.out;
}

/* ---- command line ------------------------------------------------------------------------ */

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v <= 0) return -1;
    uint64_t mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1000; end++; break;
    case 'm': case 'M': mul = 1000000; end++; break;
    case 'g': case 'G': mul = 1000000000; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end) return -1;
    *out = (uint64_t)(v * (double)mul);
    return 0;
}

static const char usage_text[] =
"usage: gen --size SIZE [--seed S] --out DIR [--corpus DIR] [--data DIR] [--quiet]\n"
"\n"
"Writes a synthetic corpus of strategy documents (one per file, NNNNNN_<region>.txt) of\n"
"about SIZE bytes (100M, 1G, 4G, 500K ...) into DIR, learned from the seeds in --corpus\n"
"(default corpus) with the stop list and regions of --data (default data).  The same\n"
"seed gives the same bytes.\n";

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "size", required_argument, 0, 's' }, { "seed", required_argument, 0, 'S' },
        { "out", required_argument, 0, 'o' }, { "corpus", required_argument, 0, 'c' },
        { "data", required_argument, 0, 'd' }, { "quiet", no_argument, 0, 'q' },
        { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
    uint64_t size = 0, seed = 1;
    const char *out_dir = NULL, *corpus = "corpus", *data = "data";
    int quiet = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "s:S:o:c:d:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 's': if (parse_size(optarg, &size)) { fprintf(stderr, "gen: bad --size '%s' (e.g. 100M, 1G)\n", optarg); return 2; } break;
        case 'S': seed = strtoull(optarg, NULL, 10); break;
        case 'o': out_dir = optarg; break;
        case 'c': corpus = optarg; break;
        case 'd': data = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fprintf(stderr, "gen: unknown option '%s'; see gen --help\n", argv[optind - 1]); return 2;
        }
    }
    if (!size || !out_dir) { fputs(usage_text, stderr); return 2; }
    if (mkdir(out_dir, 0777) && errno != EEXIST) die("cannot create the output directory", out_dir);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    model_t m = { 0 };
    model_load_data(&m, data);
    model_learn(&m, corpus);
    buf_t b = { 0 };
    uint64_t written = 0, docs = 0;
    char slug[256], path[4096];
    while (written < size) {
        doc_generate(&m, seed, docs, size - written, &b, slug, sizeof slug);
        size_t n = b.n;
        snprintf(path, sizeof path, "%s/%06llu_%s.txt", out_dir, (unsigned long long)docs, slug);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(b.p, 1, n, f) != n || fclose(f)) die("cannot write", path);
        written += n;
        docs++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (!quiet)
        fprintf(stderr, "gen: %llu documents, %.1f MB in %.2f s (%.1f MB/s), %zu seed words, %zu stems\n",
                (unsigned long long)docs, (double)written / 1e6, secs, (double)written / 1e6 / secs,
                m.n_vocab, m.n_stems);
    free(b.p);
    model_free(&m);
    return 0;
}
