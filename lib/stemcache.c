/*
 * stemcache.c: the per-form cache (see stemcache.h): open addressing over poisk_form
 * entries, form and stem bytes in one growing arena.  When the cache passes its budget it
 * is simply emptied (a corpus has a few hundred thousand forms, so this almost never
 * happens, and a bounded cache keeps a long-running indexer's memory flat), and only
 * between two groups of tokens (poisk_stemcache_trim()), since the analyzer's tokens refer
 * to stems by arena offset until their group is complete; callers copy what they need out
 * of an entry, so emptying never leaves them with stale answers.
 */
#include "stemcache.h"
#include "lexicon_mem.h"
#include "poisk/poisk.h"
#include "poisk/analyzer.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL   /* short keys: an inlined hash is cheaper */
#include <xxhash.h>

#define CACHE_MAX_ENTRIES (1u << 20)   /* the default budget (poisk_stemcache_set_budget) */
#define CACHE_MAX_ARENA   (64u << 20)
#define CACHE_MIN_SLOTS   (1u << 12)
#define STOP_MAX_BYTES    14   /* the longest stop word (никогда, впрочем) is 7 letters */

struct poisk_stemcache {
    poisk_stemcache_view view;           /* slots and generation, for inline ref lookups */
    struct sb_stemmer *ru, *en;
    const poisk_stopset *stop;
    const poisk_lexicon *lexicon;
    poisk_form *slots;
    size_t nslots, used;
    uint32_t gen;                        /* bumped when entries move (grow, clear) */
    size_t arena_len, arena_cap;
    /* the budget: full (emptied at the next trim) past max_entries entries or max_arena
     * arena bytes; the slot table never grows past max_slots unless 7/8 full */
    size_t max_entries, max_arena, max_slots;
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
    c->view.lexicon = lexicon;
    c->ru = sb_stemmer_new("russian", "UTF_8");
    c->en = sb_stemmer_new("english", "UTF_8");
    c->view.gen = 1;                          /* zeroed refs are never current */
    c->view.epoch = 1;
    poisk_stemcache_set_budget(c, 0);
    c->nslots = 1u << 12;
    c->view.slots = poisk_table_alloc(c->nslots * sizeof *c->view.slots);
    c->view.mask = c->nslots - 1;
    c->arena_cap = 1u << 16;
    c->view.arena = poisk_table_alloc(c->arena_cap);
    c->arena_len = 1;                    /* offset 0 means "no stem yet" */
    if (!c->ru || !c->en || !c->view.slots || !c->view.arena) {
        poisk_stemcache_free(c);
        return POISK_ENOMEM;
    }
    *out = c;
    return POISK_OK;
}

_Static_assert(sizeof(poisk_form) == 32, "a form cache entry is half a cache line");

/* An entry costs two slots (the table is kept at most half full, 64 bytes) plus its form
 * and stem in the arena (~44 bytes on the synthetic corpora): the slots get 2/3. */
void poisk_stemcache_set_budget(poisk_stemcache *c, size_t bytes)
{
    if (!bytes) {
        c->max_entries = CACHE_MAX_ENTRIES;
        c->max_arena = CACHE_MAX_ARENA;
        c->max_slots = (size_t)CACHE_MAX_ENTRIES * 2;
    } else {
        size_t slots = CACHE_MIN_SLOTS;
        while (slots * 2 * sizeof(poisk_form) <= bytes / 3 * 2)
            slots *= 2;
        c->max_slots = slots;
        c->max_entries = slots / 2;
        size_t table = slots * sizeof(poisk_form);
        c->max_arena = bytes > 2 * table ? bytes - table : table;
    }
    c->view.full = c->used >= c->max_entries || c->arena_len > c->max_arena;
}

void poisk_stemcache_free(poisk_stemcache *c)
{
    if (!c)
        return;
    if (c->ru)
        sb_stemmer_delete(c->ru);
    if (c->en)
        sb_stemmer_delete(c->en);
    poisk_table_free(c->view.slots, c->nslots * sizeof *c->view.slots);
    poisk_table_free(c->view.arena, c->arena_cap);
    free(c);
}

uint64_t poisk_form_hash(const char *form, size_t len)
{
    return XXH3_64bits(form, len) | 1;   /* never 0 */
}

static void cache_clear(poisk_stemcache *c)
{
    memset(c->view.slots, 0, c->nslots * sizeof *c->view.slots);
    c->used = 0;
    c->view.full = 0;
    c->arena_len = 1;
    c->view.gen++;
    c->view.epoch++;
    c->view.ids = 0;
}

/* An entry keeps only a tag of its hash: its form is hashed again. */
static size_t entry_home(const void *e, size_t mask, void *ctx)
{
    const poisk_form *f = e;
    const char *arena = ctx;
    return (size_t)(poisk_form_hash(arena + f->off, f->len) >> 8) & mask;
}

static int cache_grow(poisk_stemcache *c)
{
    poisk_form *s = poisk_table_double(c->view.slots, c->nslots, sizeof *s, entry_home,
                                       c->view.arena);
    if (!s)
        return POISK_ENOMEM;
    c->view.slots = s;
    c->nslots *= 2;
    c->view.mask = c->nslots - 1;
    c->view.gen++;
    return POISK_OK;
}

void poisk_stemcache_reserve(poisk_stemcache *c, size_t forms)
{
    size_t n = c->nslots;
    while (n < forms && n < c->max_slots)
        n *= 2;
    if (n <= c->nslots || c->used)
        return;
    poisk_form *s = poisk_table_alloc(n * sizeof *s);
    if (!s)
        return;
    poisk_table_free(c->view.slots, c->nslots * sizeof *c->view.slots);
    c->view.slots = s;
    c->nslots = n;
    c->view.mask = n - 1;
    c->view.gen++;
}

static int arena_reserve(poisk_stemcache *c, size_t need)
{
    if (c->arena_len + need <= c->arena_cap)
        return POISK_OK;
    size_t cap = c->arena_cap;
    while (c->arena_len + need > cap)
        cap *= 2;
    char *a = poisk_table_resize(c->view.arena, c->arena_cap, c->arena_len, cap);
    if (!a)
        return POISK_ENOMEM;
    c->view.arena = a;
    c->arena_cap = cap;
    return POISK_OK;
}

/* What is known about a new form from the stop list and the lexicon. */
static void form_facts(poisk_stemcache *c, poisk_form *e, const char *form, size_t len,
                       uint64_t h)
{
    if (len <= STOP_MAX_BYTES && poisk_stopset_has(c->stop, form, len))
        e->flags |= POISK_FORM_STOP;
    if (!c->lexicon)
        return;
    const char *stem = NULL;
    size_t slen;
    poisk_lexicon_entry l = poisk_lexicon_lookup_hashed(c->lexicon, form, len, h, &stem, &slen);
    e->count = l.count;
    e->caps = l.caps;
    if (l.prefix)
        e->flags |= POISK_FORM_PREFIX;
    if (l.suffix)
        e->flags |= POISK_FORM_SUFFIX;
    /* the lexicon stemmed every Cyrillic form seen in lower case at freeze (Russian
     * Snowball, which is what poisk_stemcache_stem() runs on a form starting with a
     * Cyrillic letter): take that stem rather than stem the form again */
    if (slen && slen <= UINT16_MAX && c->arena_len + slen <= UINT32_MAX
        && !arena_reserve(c, slen)) {
        memcpy(c->view.arena + c->arena_len, stem, slen);
        e->stem_off = (uint32_t)c->arena_len;
        e->stem_len = (uint16_t)slen;
        c->arena_len += slen;
    }
}

/* Adds the form with hash h at slot i, the empty slot its probe ended at (out of line:
 * the probe that finds the entry, nearly every call, saves no registers for this). */
__attribute__((noinline)) static poisk_form *add_entry(poisk_stemcache *c, const char *form,
                                                       size_t len, uint64_t h, size_t i)
{
    if ((c->used + 1) * 2 > c->nslots
        && (c->nslots < c->max_slots || (c->used + 1) * 8 > c->nslots * 7)) {
        if (cache_grow(c))
            return NULL;
        size_t mask = c->nslots - 1;
        i = (size_t)(h >> 8) & mask;
        while (c->view.slots[i].tag)
            i = (i + 1) & mask;
    }
    if (c->arena_len + len > UINT32_MAX || arena_reserve(c, len))
        return NULL;
    poisk_form *e = &c->view.slots[i];
    memset(e, 0, sizeof *e);
    e->tag = poisk_form_tag(h) & 0xFFFu;
    e->off = (uint32_t)c->arena_len;
    e->len = (uint16_t)len;
    memcpy(c->view.arena + c->arena_len, form, len);
    c->arena_len += len;
    c->used++;
    form_facts(c, e, form, len, h);   /* the lexicon hashes forms as poisk_form_hash() */
    c->view.full = c->used >= c->max_entries || c->arena_len > c->max_arena;
    return e;
}

/* The entry of the form with hash h, added when new (inlined into both finds). */
static inline __attribute__((always_inline)) poisk_form *find_entry(poisk_stemcache *c,
                                                                    const char *form,
                                                                    size_t len, uint64_t h)
{
    if (len > UINT16_MAX)
        return NULL;
    poisk_form *slots = c->view.slots;
    size_t mask = c->view.mask, i = (size_t)(h >> 8) & mask;
    uint32_t tag = poisk_form_tag(h);
    for (; slots[i].tag; i = (i + 1) & mask) {
        poisk_form *e = &slots[i];
        if (poisk_stemcache_holds(&c->view, e, tag, form, len))
            return e;
    }
    return add_entry(c, form, len, h, i);
}

void poisk_stemcache_clear(poisk_stemcache *c)
{
    cache_clear(c);
}

poisk_form *poisk_stemcache_find(poisk_stemcache *c, const char *form, size_t len,
                                 uint64_t hash)
{
    return find_entry(c, form, len, hash ? hash : poisk_form_hash(form, len));
}

poisk_form *poisk_stemcache_find_ref_slow(poisk_stemcache *c, const char *form, size_t len,
                                          poisk_form_ref *ref)
{
    if (!ref->hash)
        ref->hash = poisk_form_hash(form, len);
    poisk_form *e = find_entry(c, form, len, ref->hash);
    if (e) {
        ref->slot = (uint32_t)(e - c->view.slots);
        ref->gen = c->view.gen;
    }
    return e;
}

int poisk_stemcache_stem(poisk_stemcache *c, poisk_form *e, int latin, const char **stem,
                         size_t *stem_len)
{
    if (e->stem_off) {
        *stem = c->view.arena + e->stem_off;
        *stem_len = e->stem_len;
        return POISK_OK;
    }
    struct sb_stemmer *st = latin ? c->en : c->ru;
    const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)(c->view.arena + e->off), e->len);
    if (!s)
        return POISK_ENOMEM;
    size_t slen = (size_t)sb_stemmer_length(st);
    if (slen > UINT16_MAX || c->arena_len + slen > UINT32_MAX || arena_reserve(c, slen)) {
        *stem = (const char *)s;          /* not cached: the stemmer's buffer is fine */
        *stem_len = slen;
        return POISK_OK;
    }
    memcpy(c->view.arena + c->arena_len, s, slen);
    e->stem_off = (uint32_t)c->arena_len;
    e->stem_len = (uint16_t)slen;
    c->arena_len += slen;
    c->view.full = c->used >= c->max_entries || c->arena_len > c->max_arena;
    *stem = c->view.arena + e->stem_off;
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
