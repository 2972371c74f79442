/*
 * structure_projects.c: the lexicon of project names (structure_projects.h), part of the
 * structure parser (stage: text -> document model).
 *
 * Each name is kept as a key: its words normalised (st_norm: lower case, ё -> е) and
 * concatenated without function words, the way the flattened exports print it
 * («Платформа «Решаем вместе»» -> "платформарешаемвместе").  Matching walks the tokens
 * the same way, so "Реализация суперсер виса" (a word split by wrapping) and
 * "Незаметное граждан удобное" (stop words stripped) match their names.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"             /* poisk_array_reserve */
#include "structure_projects.h"

extern const unsigned char poisk_projects_txt[];
extern const size_t poisk_projects_txt_len;

#define KEY_MAX   256
#define SLACK     4          /* bytes: the last two Cyrillic letters of a name may differ */
#define MAX_TOKS  40

typedef struct entry {
    char *name;              /* as the lexicon spells it */
    char key[KEY_MAX];
    size_t key_len;
} entry;

struct st_projects {
    entry *e;
    uint32_t *pre;           /* per entry: its key's first 4 bytes, big-endian, 0-padded */
    uint64_t *by_pre;        /* pre << 32 | entry index, ascending: the entries sharing a
                                4-byte prefix are one run, in entry order */
    size_t n;
};

/* The first min(len, 4) bytes of s as a big-endian integer, 0-padded: comparing the
 * masked integers is the memcmp of those bytes, over an array 64 times denser than the
 * entries (the match's scan of every name for each candidate token stays in cache). */
static uint32_t prefix4(const char *s, size_t len)
{
    uint32_t v = 0;
    for (size_t j = 0; j < 4; j++)
        v = v << 8 | (j < len ? (unsigned char)s[j] : 0u);
    return v;
}

static const char *const function_words[] = { "и", "в", "во", "на", "для", "по", "с", "со",
    "о", "об", "к", "от", "из", "за", "до", "при", 0 };

static int function_word(const char *w, size_t wl)
{
    if (wl > 6)                          /* (the longest, "для" and "при", are 6 bytes) */
        return 0;
    for (int k = 0; function_words[k]; k++)
        if (!strcmp(w, function_words[k])) return 1;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Key of one lexicon line; 0 when the line holds no word. */
static size_t make_key(const char *line, size_t len, char *key)
{
    st_tokens tk;
    size_t kl = 0;
    if (st_tokenize(line, len, &tk)) return 0;
    for (size_t i = 0; i < tk.n; i++) {
        char w[128];
        size_t wl = st_norm(line, &tk.t[i], w, sizeof w);
        if (function_word(w, wl) || kl + wl >= KEY_MAX) continue;
        memcpy(key + kl, w, wl);
        kl += wl;
    }
    key[kl] = 0;
    st_tokens_free(&tk);
    return kl;
}

st_projects *st_projects_load(void)
{
    st_projects *lx = calloc(1, sizeof *lx);
    if (!lx) return NULL;
    const char *s = (const char *)poisk_projects_txt, *end = s + poisk_projects_txt_len;
    size_t cap = 0;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
        if (len && s[0] != '#') {
            if (poisk_array_reserve((void **)&lx->e, &cap, lx->n + 1, sizeof *lx->e, 64)) {
                st_projects_free(lx);
                return NULL;
            }
            entry *e = &lx->e[lx->n];
            e->key_len = make_key(s, len, e->key);
            if (e->key_len > SLACK) {
                e->name = malloc(len + 1);
                if (!e->name) { st_projects_free(lx); return NULL; }
                memcpy(e->name, s, len);
                e->name[len] = 0;
                lx->n++;
            }
        }
        s += len + 1;
    }
    lx->pre = malloc((lx->n ? lx->n : 1) * sizeof *lx->pre);
    if (!lx->pre) { st_projects_free(lx); return NULL; }
    for (size_t k = 0; k < lx->n; k++)
        lx->pre[k] = prefix4(lx->e[k].key, lx->e[k].key_len);
    lx->by_pre = malloc((lx->n ? lx->n : 1) * sizeof *lx->by_pre);
    if (!lx->by_pre) { st_projects_free(lx); return NULL; }
    for (size_t k = 0; k < lx->n; k++)
        lx->by_pre[k] = (uint64_t)lx->pre[k] << 32 | k;
    qsort(lx->by_pre, lx->n, sizeof *lx->by_pre, cmp_u64);
    return lx;
}

static st_projects *shared;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void shared_build(void)
{
    shared = st_projects_load();
}

const st_projects *st_projects_shared(void)
{
    pthread_once(&shared_once, shared_build);
    return shared;
}

void st_projects_free(st_projects *lx)
{
    if (!lx) return;
    for (size_t i = 0; i < lx->n; i++) free(lx->e[i].name);
    free(lx->e);
    free(lx->pre);
    free(lx->by_pre);
    free(lx);
}

size_t st_projects_count(const st_projects *lx) { return lx ? lx->n : 0; }

/* The normalised words of tokens i, i+1, ... of one st_projects_match call, filled as the
 * candidate names ask for them: every name sharing the first word's prefix walks the same
 * tokens, and normalising them once per call instead of once per name is most of the
 * match's cost. */
typedef struct word_cache {
    const char *text;
    const st_tok *t;
    size_t i, n, filled;
    struct { char w[128]; size_t wl; int function; } word[MAX_TOKS];
} word_cache;

static const char *cached_word(word_cache *wc, size_t j, size_t *wl, int *function)
{
    size_t k = j - wc->i;
    while (wc->filled <= k) {
        size_t f = wc->filled++;
        wc->word[f].wl = st_norm(wc->text, &wc->t[wc->i + f], wc->word[f].w, sizeof wc->word[f].w);
        wc->word[f].function = f > 0 && function_word(wc->word[f].w, wc->word[f].wl);
    }
    *wl = wc->word[k].wl;
    *function = wc->word[k].function;
    return wc->word[k].w;
}

/* How many of the first n bytes of a and b are equal: 8 bytes a step. */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
    size_t c = 0;
    for (; c + 8 <= n; c += 8) {
        uint64_t x, y;
        memcpy(&x, a + c, 8);
        memcpy(&y, b + c, 8);
        if (x != y)
            return c + (size_t)__builtin_ctzll(x ^ y) / 8;      /* (little-endian) */
    }
    while (c < n && a[c] == b[c]) c++;
    return c;
}

/* Does the text from token i spell key?  @return : the token after it, or 0 */
static size_t match_key(const entry *e, word_cache *wc)
{
    size_t got = 0, i = wc->i, n = wc->n;
    for (size_t j = i; j < n && j < i + MAX_TOKS; j++) {
        size_t wl;
        int function;
        const char *w = cached_word(wc, j, &wl, &function);
        if (function) continue;
        size_t c = common_prefix(w, e->key + got, wl < e->key_len - got ? wl : e->key_len - got);
        if (got + c == e->key_len)                      /* the whole name */
            return wl - c <= SLACK ? j + 1 : 0;
        if (c == 0 && j > i && got * 5 >= e->key_len * 4)
            return j;                       /* a cell edge cut the name's last word(s) */
        if (c < wl)                                     /* differs inside this word */
            return got + c + SLACK >= e->key_len && c > 0 ? j + 1 : 0;
        got += wl;
    }
    return 0;
}

size_t st_projects_match(const st_projects *lx, const char *text, const st_tok *t, size_t n,
                         size_t i, const char **name)
{
    if (!lx || i >= n) return 0;
    char w[16];
    size_t wl = st_norm(text, &t[i], w, sizeof w);
    if (wl < 2) return 0;
    size_t best = 0, p = wl < 4 ? wl : 4;
    uint32_t mask = ~0u << (8 * (4 - p)), want = prefix4(w, p);
    word_cache wc;
    wc.text = text;
    wc.t = t;
    wc.i = i;
    wc.n = n;
    wc.filled = 0;
    if (p == 4) {            /* the run of entries whose prefix is want, in entry order */
        size_t lo = 0, hi = lx->n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if ((uint32_t)(lx->by_pre[mid] >> 32) < want) lo = mid + 1; else hi = mid;
        }
        for (size_t j = lo; j < lx->n && (uint32_t)(lx->by_pre[j] >> 32) == want; j++) {
            const entry *e = &lx->e[(uint32_t)lx->by_pre[j]];
            size_t end = match_key(e, &wc);
            if (end > best) { best = end; *name = e->name; }  /* the longest name wins */
        }
        return best;
    }
    for (size_t k = 0; k < lx->n; k++) {
        if ((lx->pre[k] & mask) != want) continue;      /* memcmp(key, w, p) != 0 */
        const entry *e = &lx->e[k];
        size_t end = match_key(e, &wc);
        if (end > best) { best = end; *name = e->name; }  /* the longest name wins */
    }
    return best;
}
