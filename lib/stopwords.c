/*
 * stopwords.c: stop-word lookup (see stopwords.h) and the stop-list fingerprint recorded in
 * index manifests.  The 151 words are matched on whole, normalised forms; a 64-bit XXH3
 * key is exact enough for 151 entries (a false hit needs a 2^-64 collision with one of them).
 */
#include "stopwords.h"
#include "normalize.h"
#include "utf8.h"
#include "poisk/analyzer.h"

#include <string.h>
#define XXH_INLINE_ALL   /* short keys: an inlined hash is cheaper */
#include <xxhash.h>

extern const unsigned char poisk_stop_list[];
extern const size_t poisk_stop_list_len;

uint64_t poisk_stopset_key(const char *form, size_t len)
{
    uint64_t h = XXH3_64bits(form, len);
    return h ? h : 1;
}

static void stopset_insert(poisk_stopset *s, uint64_t key)
{
    size_t i = (size_t)key & (POISK_STOPSET_SLOTS - 1);
    while (s->hash[i] && s->hash[i] != key)
        i = (i + 1) & (POISK_STOPSET_SLOTS - 1);
    if (!s->hash[i]) {
        s->hash[i] = key;
        s->count++;
    }
}

/* Calls fn(ctx, folded word, len) for every word of the embedded list. */
static void stop_list_each(void (*fn)(void *, const char *, size_t), void *ctx)
{
    const char *p = (const char *)poisk_stop_list, *end = p + poisk_stop_list_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *b = p;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        const char *t = e;
        while (t > b && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
            t--;
        char buf[64];
        size_t n = (t > b && *b != '#') ? poisk_fold_utf8(b, (size_t)(t - b), buf, sizeof buf)
                                        : (size_t)-1;
        if (n != (size_t)-1 && n > 0)
            fn(ctx, buf, n);
        p = e + 1;
    }
}

static void insert_word(void *ctx, const char *w, size_t n)
{
    stopset_insert(ctx, poisk_stopset_key(w, n));
}

void poisk_stopset_init(poisk_stopset *s)
{
    memset(s, 0, sizeof *s);
    stop_list_each(insert_word, s);
}

int poisk_stopset_has(const poisk_stopset *s, const char *form, size_t len)
{
    uint64_t key = poisk_stopset_key(form, len);
    size_t i = (size_t)key & (POISK_STOPSET_SLOTS - 1);
    while (s->hash[i]) {
        if (s->hash[i] == key)
            return 1;
        i = (i + 1) & (POISK_STOPSET_SLOTS - 1);
    }
    return 0;
}

size_t poisk_fold_utf8(const char *in, size_t len, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    uint32_t prev = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += poisk_utf8_decode(p + i, len - i, &cp);
        if (cp == POISK_UTF8_BAD)
            return (size_t)-1;
        poisk_char_class cls = poisk_char_classify(cp);
        if (cls == POISK_CH_IGNORE)
            continue;
        if (cls == POISK_CH_COMBINING) {
            uint32_t c = prev ? poisk_char_compose(prev, cp) : 0;
            if (c) {                     /* replace the last letter written */
                o -= prev < 0x80 ? 1 : prev < 0x800 ? 2 : 3;
                cp = c;
            } else {
                continue;
            }
        } else if (cls != POISK_CH_LETTER && cls != POISK_CH_DIGIT) {
            return (size_t)-1;
        }
        uint32_t f = poisk_char_fold(cp);
        if (o + 4 > cap)
            return (size_t)-1;
        o += poisk_utf8_encode(f, out + o);
        prev = f;
    }
    return o;
}

struct stop_find { const char *w; size_t n; int found; };

static void match_word(void *ctx, const char *w, size_t n)
{
    struct stop_find *f = ctx;
    if (n == f->n && !memcmp(w, f->w, n))
        f->found = 1;
}

int poisk_is_stop_word(const char *word, size_t len)
{
    char buf[64];
    size_t n = poisk_fold_utf8(word, len, buf, sizeof buf);
    if (n == (size_t)-1 || n == 0)
        return 0;
    struct stop_find f = { buf, n, 0 };
    stop_list_each(match_word, &f);
    return f.found;
}

uint64_t poisk_stop_list_hash(void)
{
    return XXH3_64bits(poisk_stop_list, poisk_stop_list_len);
}
