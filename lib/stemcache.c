/*
 * stemcache.c: the per-form cache (see stemcache.h): open addressing over poisk_form
 * entries, form and stem bytes in one growing arena.  When the cache passes its budget it
 * is simply emptied (a corpus has a few hundred thousand forms, so this almost never
 * happens, and a bounded cache keeps a long-running indexer's memory flat); callers copy
 * what they need out of an entry, so emptying never leaves them with stale answers.
 */
#include "stemcache.h"
#include "poisk/poisk.h"
#include "poisk/analyzer.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL   /* short keys: an inlined hash is cheaper */
#include <xxhash.h>

#define CACHE_MAX_ENTRIES (1u << 20)
#define CACHE_MAX_ARENA   (64u << 20)
#define STOP_MAX_BYTES    14   /* the longest stop word (никогда, впрочем) is 7 letters */

struct poisk_stemcache {
    struct sb_stemmer *ru, *en;
    const poisk_stopset *stop;
    const poisk_lexicon *lexicon;
    poisk_form *slots;
    size_t nslots, used;
    char *arena;
    size_t arena_len, arena_cap;
};

int poisk_stemcache_create(const poisk_stopset *stop, const poisk_lexicon *lexicon,
                           poisk_stemcache **out)
{
    *out = NULL;
    poisk_stemcache *c = calloc(1, sizeof *c);
    if (!c)
        return POISK_ENOMEM;
    c->stop = stop;
    c->lexicon = lexicon;
    c->ru = sb_stemmer_new("russian", "UTF_8");
    c->en = sb_stemmer_new("english", "UTF_8");
    c->nslots = 1u << 12;
    c->slots = calloc(c->nslots, sizeof *c->slots);
    c->arena_cap = 1u << 16;
    c->arena = malloc(c->arena_cap);
    c->arena_len = 1;                    /* offset 0 means "no stem yet" */
    if (!c->ru || !c->en || !c->slots || !c->arena) {
        poisk_stemcache_free(c);
        return POISK_ENOMEM;
    }
    *out = c;
    return POISK_OK;
}

void poisk_stemcache_free(poisk_stemcache *c)
{
    if (!c)
        return;
    if (c->ru)
        sb_stemmer_delete(c->ru);
    if (c->en)
        sb_stemmer_delete(c->en);
    free(c->slots);
    free(c->arena);
    free(c);
}

uint64_t poisk_form_hash(const char *form, size_t len)
{
    return XXH3_64bits(form, len) | 1;   /* never 0 */
}

static void cache_clear(poisk_stemcache *c)
{
    memset(c->slots, 0, c->nslots * sizeof *c->slots);
    c->used = 0;
    c->arena_len = 1;
}

static int cache_grow(poisk_stemcache *c)
{
    size_t n = c->nslots * 2;
    poisk_form *s = calloc(n, sizeof *s);
    if (!s)
        return POISK_ENOMEM;
    for (size_t i = 0; i < c->nslots; i++) {
        if (!c->slots[i].hash)
            continue;
        size_t j = (size_t)(c->slots[i].hash >> 8) & (n - 1);
        while (s[j].hash)
            j = (j + 1) & (n - 1);
        s[j] = c->slots[i];
    }
    free(c->slots);
    c->slots = s;
    c->nslots = n;
    return POISK_OK;
}

static int arena_reserve(poisk_stemcache *c, size_t need)
{
    if (c->arena_len + need <= c->arena_cap)
        return POISK_OK;
    size_t cap = c->arena_cap;
    while (c->arena_len + need > cap)
        cap *= 2;
    char *a = realloc(c->arena, cap);
    if (!a)
        return POISK_ENOMEM;
    c->arena = a;
    c->arena_cap = cap;
    return POISK_OK;
}

/* What is known about a new form from the stop list and the lexicon. */
static void form_facts(poisk_stemcache *c, poisk_form *e, const char *form, size_t len)
{
    if (len <= STOP_MAX_BYTES && poisk_stopset_has(c->stop, form, len))
        e->flags |= POISK_FORM_STOP;
    if (!c->lexicon)
        return;
    poisk_lexicon_entry l = poisk_lexicon_lookup(c->lexicon, form, len);
    e->count = l.count;
    e->caps = l.caps;
    if (l.prefix)
        e->flags |= POISK_FORM_PREFIX;
}

poisk_form *poisk_stemcache_find(poisk_stemcache *c, const char *form, size_t len,
                                 uint64_t hash)
{
    if (len > UINT16_MAX)
        return NULL;
    uint64_t h = hash ? hash : poisk_form_hash(form, len);
    size_t mask = c->nslots - 1, i = (size_t)(h >> 8) & mask;
    for (; c->slots[i].hash; i = (i + 1) & mask) {
        poisk_form *e = &c->slots[i];
        if (e->hash == h && e->len == len && !memcmp(c->arena + e->off, form, len))
            return e;
    }
    if (c->used >= CACHE_MAX_ENTRIES || c->arena_len + len > CACHE_MAX_ARENA) {
        cache_clear(c);
        i = (size_t)(h >> 8) & (c->nslots - 1);
    } else if ((c->used + 1) * 2 > c->nslots) {
        if (cache_grow(c))
            return NULL;
        mask = c->nslots - 1;
        i = (size_t)(h >> 8) & mask;
        while (c->slots[i].hash)
            i = (i + 1) & mask;
    }
    if (arena_reserve(c, len))
        return NULL;
    poisk_form *e = &c->slots[i];
    memset(e, 0, sizeof *e);
    e->hash = h;
    e->off = (uint32_t)c->arena_len;
    e->len = (uint16_t)len;
    memcpy(c->arena + c->arena_len, form, len);
    c->arena_len += len;
    c->used++;
    form_facts(c, e, form, len);
    return e;
}

int poisk_stemcache_stem(poisk_stemcache *c, poisk_form *e, int latin, const char **stem,
                         size_t *stem_len)
{
    if (e->stem_off) {
        *stem = c->arena + e->stem_off;
        *stem_len = e->stem_len;
        return POISK_OK;
    }
    struct sb_stemmer *st = latin ? c->en : c->ru;
    const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)(c->arena + e->off), e->len);
    if (!s)
        return POISK_ENOMEM;
    size_t slen = (size_t)sb_stemmer_length(st);
    if (slen > UINT16_MAX || c->arena_len + slen > UINT32_MAX || arena_reserve(c, slen)) {
        *stem = (const char *)s;          /* not cached: the stemmer's buffer is fine */
        *stem_len = slen;
        return POISK_OK;
    }
    memcpy(c->arena + c->arena_len, s, slen);
    e->stem_off = (uint32_t)c->arena_len;
    e->stem_len = (uint16_t)slen;
    c->arena_len += slen;
    *stem = c->arena + e->stem_off;
    *stem_len = slen;
    return POISK_OK;
}

/* A fixed word list whose stems change whenever the Snowball version's rules do. */
static const char *const fingerprint_words[] = {
    "цифровой", "трансформации", "государственного", "организаций", "медицинских",
    "обеспечения", "услуги", "электронного", "рекомендовано", "здравоохранения",
    "повышение", "бенефициары", "показателей", "реализуется", "обучающихся",
    "является", "платформы", "муниципальных", "ставропольского", "управления",
    "running", "generalization", "services", "digital", "transformation",
};

uint64_t poisk_stemmer_fingerprint(void)
{
    struct sb_stemmer *ru = sb_stemmer_new("russian", "UTF_8");
    struct sb_stemmer *en = sb_stemmer_new("english", "UTF_8");
    char buf[2048];
    size_t o = (size_t)snprintf(buf, sizeof buf, "v%d|", POISK_NORMALIZATION_VERSION);
    size_t n = sizeof fingerprint_words / sizeof *fingerprint_words;
    for (size_t i = 0; i < n && ru && en; i++) {
        const char *w = fingerprint_words[i];
        struct sb_stemmer *s = (unsigned char)w[0] < 0x80 ? en : ru;
        const sb_symbol *r = sb_stemmer_stem(s, (const sb_symbol *)w, (int)strlen(w));
        size_t len = r ? (size_t)sb_stemmer_length(s) : 0;
        if (o + len + 1 > sizeof buf)
            break;
        memcpy(buf + o, r, len);
        o += len;
        buf[o++] = '|';
    }
    if (ru)
        sb_stemmer_delete(ru);
    if (en)
        sb_stemmer_delete(en);
    return XXH3_64bits(buf, o);
}
