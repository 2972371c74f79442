/*
 * lexicon.c: corpus statistics for split-word repair (see lexicon.h).  The first pass runs
 * every input text through the analyzer's tokenizer (its first-pass entry, which reads the
 * usual word straight from the text) and counts each letter piece in a compact table of
 * its own (lexicon_pass.c); the freeze moves the counts into the lookup table, an open-addressing
 * hash keyed by XXH3 (the form cache's hash) over an arena of forms.  After freeze the
 * table is read-only, so any number of analyzers (threads) may share it.
 */
#include "lexicon.h"
#include "analyzer_scan.h"
#include "lexicon_blob.h"
#include "lexicon_dict.h"
#include "lexicon_mem.h"
#include "lexicon_pass.h"
#include "poisk/poisk.h"

#include <hunspell.h>
/* libhunspell is optional at link time: the indexer links it, bin/searcher (which never
 * repairs) does not, so it need not load libhunspell and libstdc++ at each start; unlinked,
 * these are NULL and a dictionary our reader cannot read counts as none. */
#pragma weak Hunspell_create
#pragma weak Hunspell_destroy
#pragma weak Hunspell_spell
#include <libstemmer.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#define XXH_INLINE_ALL   /* short keys: an inlined hash is cheaper */
#include <xxhash.h>

typedef struct {
    uint64_t hash;            /* 0 = empty */
    uint32_t off;             /* form in the arena */
    uint16_t len;
    poisk_lexicon_entry e;
    uint32_t stem;            /* form table: its stem's slot in the stem table + 1, 0 = none */
} lex_slot;

struct poisk_lexicon {
    lex_slot *slots;
    size_t nslots, used;
    char *arena;
    size_t arena_len, arena_cap;
    int frozen;
    /* the first pass counts here until freeze, in a table per feeder (all NULL once
     * settled; feeder 0's made at create, the others at their first text) */
    poisk_lexpass *pass[POISK_LEXICON_FEEDERS];
    poisk_dict *dict;         /* the word list (lexicon_dict.c), or NULL */
    /* Snowball stems of the forms seen in lower case, with the summed lower-case counts
     * of their forms (built at freeze): "a form of this word was seen whole" */
    lex_slot *stems;
    size_t nstems, stems_used;
    char *stem_arena;
    size_t stem_arena_len, stem_arena_cap;
    /* Bloom filter over the stem table's stems, hashed so that every prefix of a word is
     * tested in one pass (stem_bloom_*): repair asks whether any prefix of a join could be
     * a corpus stem before it pays for Snowball on the join */
    uint64_t *stem_bloom;
    size_t stem_bloom_mask;   /* bits - 1 */
    /* the same over every prefix of those stems (ending on a character boundary): once a
     * prefix of a join is no stem's prefix, no longer prefix is a stem, so the prefix walk
     * of poisk_lexicon_may_stem() stops there, usually at its first test */
    uint64_t *pre_bloom;
    size_t pre_bloom_mask;
    /* the same over the forms seen whole in lower case at least once: "was this join seen
     * whole?" without a probe of the (large) form table */
    uint64_t *form_bloom;
    size_t form_bloom_mask;
    /* the same (same size) over the forms seen whole twice or more in any case: repair's
     * "+both" rule joins two words only when the corpus has the join that often, and most
     * pairs it asks about were never seen glued */
    uint64_t *twice_bloom;
    uint64_t *dict_words;     /* the dictionary's word filter moved onto huge pages */
    size_t dict_words_bytes;
    void *hun;                /* libhunspell handle when dict cannot read the files */
    pthread_mutex_t dict_lock;  /* guards hun */
};

int poisk_lexicon_create(poisk_lexicon **out)
{
    *out = NULL;
    poisk_lexicon *lx = calloc(1, sizeof *lx);
    if (!lx)
        return POISK_ENOMEM;
    lx->nslots = 1u << 14;
    lx->slots = poisk_table_alloc(lx->nslots * sizeof *lx->slots);
    lx->arena_cap = 1u << 18;
    lx->arena = poisk_table_alloc(lx->arena_cap);
    if (!lx->slots || !lx->arena || poisk_lexpass_create(&lx->pass[0])
        || pthread_mutex_init(&lx->dict_lock, NULL)) {
        poisk_table_free(lx->slots, lx->nslots * sizeof *lx->slots);
        poisk_table_free(lx->arena, lx->arena_cap);
        poisk_lexpass_free(lx->pass[0]);
        free(lx);
        return POISK_ENOMEM;
    }
    *out = lx;
    return POISK_OK;
}

/* The same as poisk_form_hash(): the analyzer prefetches a new form's slot with it. */
static uint64_t lex_hash(const char *form, size_t len)
{
    return XXH3_64bits(form, len) | 1;
}

/* Inlined: the first pass calls it once per piece, and the call frame cost a third of it. */
static inline __attribute__((always_inline)) lex_slot *lex_find(const poisk_lexicon *lx,
                                                                const char *form, size_t len,
                                                                uint64_t h)
{
    size_t i = (size_t)(h >> 8) & (lx->nslots - 1);
    for (; lx->slots[i].hash; i = (i + 1) & (lx->nslots - 1)) {
        lex_slot *s = &lx->slots[i];
        if (s->hash == h && s->len == len && poisk_form_eq(lx->arena + s->off, form, len))
            return s;
    }
    return &lx->slots[i];
}

/* A new entry for the form (not in the table) with its counts, its bytes appended to the
 * arena; pass_settle() has made room for every form.  The order of these calls decides
 * the table's layout and the arena's, never what a lookup answers (with two parsing
 * threads the first pass always counted texts in no fixed order, and the index stayed
 * the same). */
static int lex_insert(poisk_lexicon *lx, const char *form, size_t len, uint64_t h,
                      uint32_t count, uint32_t caps)
{
    if (lx->arena_len + len > UINT32_MAX)
        return POISK_ENOMEM;
    lex_slot *s = lex_find(lx, form, len, h);
    memcpy(lx->arena + lx->arena_len, form, len);
    s->hash = h;
    s->off = (uint32_t)lx->arena_len;
    s->len = (uint16_t)len;
    s->e.count = count;
    s->e.caps = caps;
    lx->arena_len += len;
    lx->used++;
    return POISK_OK;
}

int poisk_lexicon_add_text(poisk_lexicon *lx, const char *text, size_t len)
{
    return poisk_lexicon_add_text_from(lx, 0, text, len);
}

int poisk_lexicon_add_text_from(poisk_lexicon *lx, unsigned f, const char *text, size_t len)
{
    if (!lx || lx->frozen || f >= POISK_LEXICON_FEEDERS || !lx->pass[0])
        return POISK_EINVAL;
    if (!lx->pass[f] && poisk_lexpass_create(&lx->pass[f]) != POISK_OK)
        return POISK_ENOMEM;
    return poisk_lexpass_add_text(lx->pass[f], text, len);
}

/* The feeders' tables added into feeder 0's, and freed.  A merge that fails changes no
 * count (poisk_lexpass_merge), so a later freeze can try again. */
static int pass_merge(poisk_lexicon *lx)
{
    for (unsigned f = 1; f < POISK_LEXICON_FEEDERS; f++) {
        if (!lx->pass[f])
            continue;
        if (poisk_lexpass_merge(lx->pass[0], lx->pass[f]) != POISK_OK)
            return POISK_ENOMEM;
        poisk_lexpass_free(lx->pass[f]);
        lx->pass[f] = NULL;
    }
    return POISK_OK;
}

/* lex_insert() for poisk_lexpass_each(). */
static int settle_one(void *ctx, const char *form, size_t len, uint32_t count, uint32_t caps)
{
    return lex_insert(ctx, form, len, lex_hash(form, len), count, caps);
}

/* The lookup table from the pass's forms in the order they were first seen (the arena
 * then starts with the most frequent forms, as the first pass used to leave it); the
 * pass's table and arena are released.  Called on an empty lookup table. */
static int pass_settle(poisk_lexicon *lx)
{
    if (!lx->pass[0])
        return POISK_OK;                  /* settled already (a freeze that failed later) */
    if (pass_merge(lx) != POISK_OK)
        return POISK_ENOMEM;
    size_t forms = poisk_lexpass_forms(lx->pass[0]), n = lx->nslots, cap = lx->arena_cap;
    /* the table at most 3/4 full and the arena as they would have grown to, allocated at
     * once: no rehash on the way */
    while (forms * 4 > n * 3)
        n *= 2;
    while (cap < poisk_lexpass_form_bytes(lx->pass[0]))
        cap *= 2;
    if (n != lx->nslots || cap != lx->arena_cap) {
        lex_slot *t = poisk_table_alloc(n * sizeof *t);
        char *a = poisk_table_alloc(cap);
        if (!t || !a) {
            poisk_table_free(t, n * sizeof *t);
            poisk_table_free(a, cap);
            return POISK_ENOMEM;
        }
        poisk_table_free(lx->slots, lx->nslots * sizeof *lx->slots);
        poisk_table_free(lx->arena, lx->arena_cap);
        lx->slots = t;
        lx->nslots = n;
        lx->arena = a;
        lx->arena_cap = cap;
    }
    lx->used = 0;
    if (poisk_lexpass_each(lx->pass[0], settle_one, lx)) {
        memset(lx->slots, 0, lx->nslots * sizeof *lx->slots);   /* settled again next time */
        lx->used = lx->arena_len = 0;
        return POISK_ENOMEM;
    }
    poisk_lexpass_free(lx->pass[0]);
    lx->pass[0] = NULL;
    return POISK_OK;
}

/* Debian's hunspell-ru; POISK_HUNSPELL_DICT=/path/base (base.aff + base.dic) overrides it,
 * POISK_HUNSPELL_DICT=none turns the dictionary off (repair then uses corpus counts only). */
#define DEFAULT_DICT POISK_DICT_BLOB_BASE

static void load_dictionary(poisk_lexicon *lx)
{
    const char *base = getenv("POISK_HUNSPELL_DICT");
    if (!base || !*base)
        base = DEFAULT_DICT;
    if (!strcmp(base, "none"))
        return;
    char aff[4096], dic[4096];
    if ((size_t)snprintf(aff, sizeof aff, "%s.aff", base) >= sizeof aff
        || (size_t)snprintf(dic, sizeof dic, "%s.dic", base) >= sizeof dic)
        return;
    if (access(aff, R_OK) || access(dic, R_OK)) {
        fprintf(stderr, "poisk: no hunspell dictionary at %s.{aff,dic}: split-word repair "
                        "uses corpus counts only (install hunspell-ru)\n", base);
        return;
    }
    /* the tables `make` precomputed from these very files, when it did */
    if (!strcmp(base, DEFAULT_DICT)
        && poisk_dict_open_blob(poisk_dict_blob, (size_t)(poisk_dict_blob_end - poisk_dict_blob),
                                aff, dic, &lx->dict) == POISK_OK) {
        /* the blob's pages are the binary's, 4 KB each: the word filter (4 MB), probed
         * for nearly every join repair asks about, is copied onto huge pages, so that a
         * probe no longer also misses the TLB (the copy: a few ms at freeze) */
        size_t n;
        const uint64_t *w = poisk_dict_word_filter(lx->dict, &n);
        lx->dict_words = w ? poisk_table_alloc(n) : NULL;
        if (lx->dict_words) {
            memcpy(lx->dict_words, w, n);
            lx->dict_words_bytes = n;
            poisk_dict_use_word_filter(lx->dict, lx->dict_words);
        }
        return;
    }
    /* our reader first: 4x faster to load, ~10x faster per word, nothing to tear down */
    if (poisk_dict_load(aff, dic, &lx->dict) == POISK_EINVAL && Hunspell_create)
        lx->hun = Hunspell_create(aff, dic);   /* features it does not implement */
}

/* Adds count to the stem's entry of the stem table; *slot: its slot + 1 (0 = none). */
static int stem_add(poisk_lexicon *lx, const char *stem, size_t len, uint32_t count,
                    uint32_t *slot)
{
    *slot = 0;
    if (len > UINT16_MAX)
        return POISK_OK;
    uint64_t h = lex_hash(stem, len);
    size_t mask = lx->nstems - 1, i = (size_t)(h >> 8) & mask;
    for (; lx->stems[i].hash; i = (i + 1) & mask) {
        lex_slot *t = &lx->stems[i];
        if (t->hash == h && t->len == len && !memcmp(lx->stem_arena + t->off, stem, len)) {
            t->e.count = t->e.count > UINT32_MAX - count ? UINT32_MAX : t->e.count + count;
            *slot = (uint32_t)i + 1;
            return POISK_OK;
        }
    }
    if (lx->stem_arena_len + len > lx->stem_arena_cap) {
        size_t cap = lx->stem_arena_cap ? lx->stem_arena_cap : 1u << 16;
        while (lx->stem_arena_len + len > cap)
            cap *= 2;
        char *a = poisk_table_resize(lx->stem_arena, lx->stem_arena_cap, lx->stem_arena_len,
                                     cap);
        if (!a)
            return POISK_ENOMEM;
        lx->stem_arena = a;
        lx->stem_arena_cap = cap;
    }
    memcpy(lx->stem_arena + lx->stem_arena_len, stem, len);
    lex_slot *t = &lx->stems[i];
    t->hash = h;
    t->off = (uint32_t)lx->stem_arena_len;
    t->len = (uint16_t)len;
    t->e.count = count;
    lx->stem_arena_len += len;
    lx->stems_used++;
    *slot = (uint32_t)i + 1;
    return POISK_OK;
}

/* FNV-1a, byte by byte, so the hashes of all prefixes of a word come in one pass; mixed
 * before use (fmix64). */
#define STEM_BLOOM_SEED 14695981039346656037ull

#define PRE_BLOOM_SALT 0x5bd1e9955bd1e995ull   /* the stem-prefix filter's bits differ */

static inline uint64_t stem_bloom_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * 1099511628211ull;
}

/* The running hash's final mix (fmix64), before its bits are used. */
static inline uint64_t bloom_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static inline int bloom_test(uint64_t *bloom, size_t mask, uint64_t h, int set)
{
    h = bloom_mix(h);
    size_t word = (size_t)(h >> 20) & (mask >> 6);     /* both bits in one word */
    size_t a = word * 64 + (h & 63), b = word * 64 + (h >> 6 & 63);
    if (set) {
        bloom[a / 64] |= 1ull << (a % 64);
        bloom[b / 64] |= 1ull << (b % 64);
        return 1;
    }
    return (bloom[a / 64] >> (a % 64) & 1) && (bloom[b / 64] >> (b % 64) & 1);
}

static inline int stem_bloom_test(const poisk_lexicon *lx, uint64_t h, int set)
{
    return bloom_test(lx->stem_bloom, lx->stem_bloom_mask, h, set);
}

/* The running hash h of some bytes continued over s[0..len). */
static inline uint64_t bloom_hash_on(uint64_t h, const char *s, size_t len)
{
    for (size_t k = 0; k < len; k++)
        h = stem_bloom_step(h, (unsigned char)s[k]);
    return h;
}

static uint64_t bloom_hash(const char *s, size_t len)
{
    return bloom_hash_on(STEM_BLOOM_SEED, s, len);
}

/* bloom_test()'s question (set 0) as a probe, its word not loaded yet. */
static inline poisk_bloom_probe bloom_probe(const uint64_t *bloom, size_t mask, uint64_t h)
{
    h = bloom_mix(h);
    size_t word = (size_t)(h >> 20) & (mask >> 6);
    return (poisk_bloom_probe){ &bloom[word], 1ull << (h & 63) | 1ull << (h >> 6 & 63) };
}

static void build_form_bloom(poisk_lexicon *lx)
{
    size_t bits = 1u << 12;
    while (bits < lx->used * 16)
        bits <<= 1;
    lx->form_bloom = poisk_table_alloc(bits / 8);
    lx->twice_bloom = lx->form_bloom ? poisk_table_alloc(bits / 8) : NULL;
    if (!lx->form_bloom)
        return;                           /* then every question answers "maybe" */
    lx->form_bloom_mask = bits - 1;
    for (size_t i = 0; i < lx->nslots; i++) {
        const lex_slot *s = &lx->slots[i];
        if (!s->hash || (s->e.count == s->e.caps && (s->e.count < 2 || !lx->twice_bloom)))
            continue;
        uint64_t h = poisk_dict_word_key(lx->arena + s->off, s->len);
        if (s->e.count > s->e.caps)
            bloom_test(lx->form_bloom, lx->form_bloom_mask, h, 1);
        if (s->e.count >= 2 && lx->twice_bloom)
            bloom_test(lx->twice_bloom, lx->form_bloom_mask, h, 1);
    }
}

/* poisk_lexicon_may_have_lower()'s question about the form whose poisk_dict_word_key() is
 * h: the form filters key forms as the dictionary's word filter does, so that a join asked
 * of both is hashed once (bloom_test() mixes the key: the bits differ from the word
 * filter's). */
static poisk_bloom_probe lower_probe(const poisk_lexicon *lx, uint64_t h)
{
    return lx->form_bloom ? bloom_probe(lx->form_bloom, lx->form_bloom_mask, h)
                          : POISK_BLOOM_MAYBE;
}

int poisk_lexicon_may_have_lower(const poisk_lexicon *lx, const char *form, size_t len)
{
    return lx && poisk_bloom_probe_maybe(lower_probe(lx, poisk_dict_word_key(form, len)));
}

int poisk_lexicon_may_have_twice(const poisk_lexicon *lx, const char *form, size_t len)
{
    return lx && (!lx->twice_bloom
                  || bloom_test(lx->twice_bloom, lx->form_bloom_mask,
                                poisk_dict_word_key(form, len), 0));
}

/* The stem-prefix filter (pre_bloom); without memory for it the walk never stops early. */
static void build_pre_bloom(poisk_lexicon *lx)
{
    size_t prefixes = 0;
    for (size_t i = 0; i < lx->nstems; i++)
        if (lx->stems[i].hash)
            prefixes += lx->stems[i].len;  /* bytes: at least the prefixes */
    size_t bits = 1u << 12;
    while (bits < prefixes * 8)           /* ~2 bytes a letter: ~16 bits a prefix */
        bits <<= 1;
    lx->pre_bloom = poisk_table_alloc(bits / 8);
    if (!lx->pre_bloom)
        return;
    lx->pre_bloom_mask = bits - 1;
    for (size_t i = 0; i < lx->nstems; i++) {
        const lex_slot *t = &lx->stems[i];
        if (!t->hash)
            continue;
        const unsigned char *f = (const unsigned char *)lx->stem_arena + t->off;
        uint64_t h = STEM_BLOOM_SEED;
        for (size_t k = 0; k < t->len; k++) {
            h = stem_bloom_step(h, f[k]);
            if (k + 1 == t->len || (f[k + 1] & 0xC0) != 0x80)
                bloom_test(lx->pre_bloom, lx->pre_bloom_mask, h ^ PRE_BLOOM_SALT, 1);
        }
    }
}

static void build_stem_bloom(poisk_lexicon *lx)
{
    size_t bits = 1u << 12;
    while (bits < lx->stems_used * 16)
        bits <<= 1;
    lx->stem_bloom = poisk_table_alloc(bits / 8);
    if (!lx->stem_bloom)
        return;                           /* then every question answers "maybe" */
    lx->stem_bloom_mask = bits - 1;
    for (size_t i = 0; i < lx->nstems; i++) {
        const lex_slot *t = &lx->stems[i];
        if (!t->hash)
            continue;
        uint64_t h = STEM_BLOOM_SEED;
        for (size_t k = 0; k < t->len; k++)
            h = stem_bloom_step(h, (unsigned char)lx->stem_arena[t->off + k]);
        stem_bloom_test(lx, h, 1);
    }
    build_pre_bloom(lx);
}

/* The first prefix poisk_lexicon_may_stem() tests: min_len (>= 1) bytes or more, up to a
 * character boundary or the end. */
static inline size_t stem_walk_start(const unsigned char *f, size_t len, size_t min_len)
{
    size_t k = min_len;
    while (k < len && (f[k] & 0xC0) == 0x80)
        k++;
    return k;
}

/* The end of the character of form[0..len) that starts at k (k < len). */
static inline size_t next_boundary(const unsigned char *f, size_t len, size_t k)
{
    do
        k++;
    while (k < len && (f[k] & 0xC0) == 0x80);
    return k;
}

/* poisk_lexicon_may_stem()'s walk (a stem filter exists) from the prefix form[0..k) of
 * bloom_hash() h, k at a character boundary or len, over every longer such prefix.
 * started: the stem-prefix filter is known to pass form[0..k). */
static int stem_walk(const poisk_lexicon *lx, const char *form, size_t len, size_t k,
                     uint64_t h, int started)
{
    const unsigned char *f = (const unsigned char *)form;
    for (;; started = 0) {
        if (!started && lx->pre_bloom
            && !bloom_test(lx->pre_bloom, lx->pre_bloom_mask, h ^ PRE_BLOOM_SALT, 0))
            return 0;                     /* no stem starts so: none is longer either */
        /* a filter hit is confirmed in the stem table: a false "maybe" would cost the
         * caller a form cache entry, a dictionary check and a Snowball stem of the join */
        if (stem_bloom_test(lx, h, 0) && poisk_lexicon_stem_count(lx, form, k))
            return 1;
        if (k >= len)
            return 0;
        size_t end = next_boundary(f, len, k);
        h = bloom_hash_on(h, form + k, end - k);
        k = end;
    }
}

int poisk_lexicon_may_stem(const poisk_lexicon *lx, const char *form, size_t len,
                           size_t min_len)
{
    if (!lx || !lx->stems)
        return 0;                         /* no stem table: every count is 0 */
    if (!lx->stem_bloom)
        return 1;
    if (min_len < 1)
        min_len = 1;
    if (min_len > len)
        return 0;
    size_t k = stem_walk_start((const unsigned char *)form, len, min_len);
    return stem_walk(lx, form, len, k, bloom_hash(form, k), 0);
}

/* The stem table was sized for one stem per form; there are ~5x fewer (a word's forms share
 * one): rehashed into a table at most half full, the forms' stem slots moved along. */
static void compact_stems(poisk_lexicon *lx)
{
    size_t n = 16;
    while (n < lx->stems_used * 2)
        n *= 2;
    if (n >= lx->nstems)
        return;
    lex_slot *t = poisk_table_alloc(n * sizeof *t);
    uint32_t *moved = malloc(lx->nstems * sizeof *moved);
    if (!t || !moved) {
        poisk_table_free(t, n * sizeof *t);
        free(moved);
        return;                           /* keeps the larger table */
    }
    for (size_t i = 0; i < lx->nstems; i++) {
        if (!lx->stems[i].hash)
            continue;
        size_t j = (size_t)(lx->stems[i].hash >> 8) & (n - 1);
        while (t[j].hash)
            j = (j + 1) & (n - 1);
        t[j] = lx->stems[i];
        moved[i] = (uint32_t)j + 1;
    }
    for (size_t i = 0; i < lx->nslots; i++)
        if (lx->slots[i].stem)
            lx->slots[i].stem = moved[lx->slots[i].stem - 1];
    free(moved);
    poisk_table_free(lx->stems, lx->nstems * sizeof *lx->stems);
    lx->stems = t;
    lx->nstems = n;
}

/* The stem table: every Cyrillic form seen in lower case, stemmed once.  Split-word repair
 * asks it whether a join it cannot find whole is a form of a word the corpus has
 * (информационнотелекоммуникационную, when only -ной and -ным occur whole).  Without
 * memory for it repair simply does without. */
static void build_stems(poisk_lexicon *lx)
{
    struct sb_stemmer *ru = sb_stemmer_new("russian", "UTF_8");
    size_t n = 1;
    while (n < lx->used * 2)
        n *= 2;
    lx->stems = ru ? poisk_table_alloc(n * sizeof *lx->stems) : NULL;
    lx->nstems = n;
    for (size_t i = 0; lx->stems && i < lx->nslots; i++) {
        lex_slot *s = &lx->slots[i];
        const unsigned char *f = (const unsigned char *)lx->arena + s->off;
        if (!s->hash || s->e.count == s->e.caps || (f[0] & 0xFE) != 0xD0)
            continue;
        const sb_symbol *st = sb_stemmer_stem(ru, f, s->len);
        if (!st || stem_add(lx, (const char *)st, (size_t)sb_stemmer_length(ru),
                            s->e.count - s->e.caps, &s->stem)) {
            poisk_table_free(lx->stems, lx->nstems * sizeof *lx->stems);   /* no memory */
            lx->stems = NULL;
        }
    }
    if (!lx->stems)                       /* the forms' stem slots are void then */
        for (size_t i = 0; i < lx->nslots; i++)
            lx->slots[i].stem = 0;
    if (ru)
        sb_stemmer_delete(ru);
    if (lx->stems) {
        compact_stems(lx);
        build_stem_bloom(lx);
    }
}

/* Marks every form that is a proper prefix or a proper suffix of a longer form: two
 * pieces glued can be a corpus word only when the first is such a prefix and the second
 * such a suffix, so repair asks for the glued form only then, which spares a hash lookup
 * for nearly every pair of ordinary words.
 *
 * In byte order the forms that start with a form F come right after it, so F is a proper
 * prefix of some form exactly when the next form in that order starts with F; reading the
 * forms backwards gives the suffixes.  (Forms are whole UTF-8 characters, so the rest of
 * a longer form starts on a character boundary.)  Two sorts of the forms, instead of one
 * table lookup per prefix and suffix of every form: in this corpus most of those are forms
 * too, each an XXH3 and a probe that misses the cache. */
typedef struct {
    uint64_t k0, k1;          /* the first 16 bytes, big-endian, zero-padded (no form has 0) */
    const unsigned char *f;
    lex_slot *s;
} mark_key;

static int mark_cmp(const void *pa, const void *pb)
{
    const mark_key *a = pa, *b = pb;
    if (a->k0 != b->k0)
        return a->k0 < b->k0 ? -1 : 1;
    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    size_t la = a->s->len, lb = b->s->len, m = la < lb ? la : lb;
    int c = m > 16 ? memcmp(a->f + 16, b->f + 16, m - 16) : 0;   /* equal keys: both >= 16 */
    return c ? c : (la > lb) - (la < lb);
}

/* keys (n >= 1) sorted by k0 (least significant byte first, a pass skipped when all keys
 * share its byte, as the D0/D1 lead bytes of Cyrillic letters do), then each run of equal
 * k0 by mark_cmp(): the bulk of the sort without a comparison.  tmp: room for n keys. */
static void mark_sort(mark_key *keys, mark_key *tmp, size_t n)
{
    mark_key *a = keys, *b = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[256] = { 0 }, at = 0;
        for (size_t i = 0; i < n; i++)
            count[a[i].k0 >> shift & 255]++;
        if (count[a[0].k0 >> shift & 255] == n)
            continue;
        for (int d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            b[count[a[i].k0 >> shift & 255]++] = a[i];
        mark_key *t = a;
        a = b;
        b = t;
    }
    if (a != keys)
        memcpy(keys, a, n * sizeof *keys);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && keys[j].k0 == keys[i].k0; j++)
            ;
        if (j - i > 1)
            qsort(keys + i, j - i, sizeof *keys, mark_cmp);
    }
}

/* Sorts the n forms (bytes at text + each slot's off) and marks (suffix 0: prefix, 1:
 * suffix) each one the next starts with. */
static void mark_sorted(mark_key *keys, mark_key *tmp, size_t n, const char *text, int suffix)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b[16] = { 0 };
        keys[i].f = (const unsigned char *)text + keys[i].s->off;
        memcpy(b, keys[i].f, keys[i].s->len < 16 ? keys[i].s->len : 16);
        uint64_t w[2];
        memcpy(w, b, 16);
        keys[i].k0 = __builtin_bswap64(w[0]);
        keys[i].k1 = __builtin_bswap64(w[1]);
    }
    if (n)
        mark_sort(keys, tmp, n);
    for (size_t i = 0; i + 1 < n; i++) {
        const mark_key *a = &keys[i], *b = &keys[i + 1];
        if (a->s->len < b->s->len && !memcmp(a->f, b->f, a->s->len)) {
            if (suffix)
                a->s->e.suffix = 1;
            else
                a->s->e.prefix = 1;
        }
    }
}

static int mark_prefixes(poisk_lexicon *lx)
{
    mark_key *keys = malloc((lx->used ? lx->used : 1) * 2 * sizeof *keys);
    char *rev = malloc(lx->arena_len ? lx->arena_len : 1);
    if (!keys || !rev) {
        free(keys);
        free(rev);
        return POISK_ENOMEM;
    }
    mark_key *tmp = keys + (lx->used ? lx->used : 1);
    size_t n = 0;
    for (size_t i = 0; i < lx->nslots; i++) {
        lex_slot *s = &lx->slots[i];
        if (!s->hash)
            continue;
        keys[n++].s = s;
        const char *f = lx->arena + s->off;
        for (size_t k = 0; k < s->len; k++)
            rev[s->off + k] = f[s->len - 1 - k];
    }
    mark_sorted(keys, tmp, n, lx->arena, 0);
    mark_sorted(keys, tmp, n, rev, 1);
    free(rev);
    free(keys);
    return POISK_OK;
}

int poisk_lexicon_freeze(poisk_lexicon *lx)
{
    if (!lx)
        return POISK_EINVAL;
    if (!lx->frozen) {
        if (pass_settle(lx) || mark_prefixes(lx))
            return POISK_ENOMEM;
        build_form_bloom(lx);
        build_stems(lx);
        load_dictionary(lx);
    }
    lx->frozen = 1;
    return POISK_OK;
}

void poisk_lexicon_free(poisk_lexicon *lx)
{
    if (!lx)
        return;
    poisk_dict_free(lx->dict);
    poisk_table_free(lx->dict_words, lx->dict_words_bytes);
    if (lx->hun)
        Hunspell_destroy(lx->hun);
    pthread_mutex_destroy(&lx->dict_lock);
    poisk_table_free(lx->stems, lx->nstems * sizeof *lx->stems);
    if (lx->stem_bloom)
        poisk_table_free(lx->stem_bloom, (lx->stem_bloom_mask + 1) / 8);
    if (lx->pre_bloom)
        poisk_table_free(lx->pre_bloom, (lx->pre_bloom_mask + 1) / 8);
    if (lx->form_bloom)
        poisk_table_free(lx->form_bloom, (lx->form_bloom_mask + 1) / 8);
    if (lx->twice_bloom)
        poisk_table_free(lx->twice_bloom, (lx->form_bloom_mask + 1) / 8);
    poisk_table_free(lx->stem_arena, lx->stem_arena_cap);
    poisk_table_free(lx->slots, lx->nslots * sizeof *lx->slots);
    poisk_table_free(lx->arena, lx->arena_cap);
    for (unsigned f = 0; f < POISK_LEXICON_FEEDERS; f++)
        poisk_lexpass_free(lx->pass[f]);
    free(lx);
}

poisk_lexicon_entry poisk_lexicon_lookup(const poisk_lexicon *lx, const char *form, size_t len)
{
    return poisk_lexicon_lookup_stem(lx, form, len, NULL, NULL);
}

void poisk_lexicon_prefetch(const poisk_lexicon *lx, uint64_t hash)
{
    if (lx && lx->slots)
        __builtin_prefetch(&lx->slots[(hash >> 8) & (lx->nslots - 1)]);
}

poisk_lexicon_entry poisk_lexicon_lookup_stem(const poisk_lexicon *lx, const char *form,
                                              size_t len, const char **stem, size_t *stem_len)
{
    return poisk_lexicon_lookup_hashed(lx, form, len, lex_hash(form, len), stem, stem_len);
}

poisk_lexicon_entry poisk_lexicon_lookup_hashed(const poisk_lexicon *lx, const char *form,
                                                size_t len, uint64_t hash, const char **stem,
                                                size_t *stem_len)
{
    poisk_lexicon_entry none = { 0, 0, 0, 0 };
    if (stem_len)
        *stem_len = 0;
    if (!lx || len > UINT16_MAX)
        return none;
    lex_slot *s = lex_find(lx, form, len, hash);
    if (s->hash && s->stem && stem && lx->frozen) {
        const lex_slot *t = &lx->stems[s->stem - 1];
        *stem = lx->stem_arena + t->off;
        *stem_len = t->len;
    }
    return s->hash ? s->e : none;
}

uint32_t poisk_lexicon_stem_count(const poisk_lexicon *lx, const char *stem, size_t len)
{
    if (!lx || !lx->stems || len > UINT16_MAX)
        return 0;
    uint64_t h = lex_hash(stem, len);
    size_t mask = lx->nstems - 1;
    for (size_t i = (size_t)(h >> 8) & mask; lx->stems[i].hash; i = (i + 1) & mask) {
        const lex_slot *t = &lx->stems[i];
        if (t->hash == h && t->len == len && !memcmp(lx->stem_arena + t->off, stem, len))
            return t->e.count;
    }
    return 0;
}

int poisk_lexicon_has_dictionary(const poisk_lexicon *lx)
{
    return lx && (lx->dict || lx->hun);
}

int poisk_lexicon_spell(const poisk_lexicon *lx, const char *form, size_t len)
{
    if (!lx || !(lx->dict || lx->hun))
        return -1;
    char word[512];
    if (lx->dict) {                       /* read-only: no lock */
        if (poisk_dict_check(lx->dict, form, len))
            return 1;
        /* hunspell also accepts a Capitalised word whose lower-case form is a word */
        const unsigned char *u = (const unsigned char *)form;
        if (len < 2 || len > sizeof word || u[0] != 0xD0 || u[1] < 0x90 || u[1] > 0xAF)
            return 0;
        memcpy(word, form, len);
        word[0] = (char)(u[1] < 0xA0 ? 0xD0 : 0xD1);
        word[1] = (char)(u[1] < 0xA0 ? u[1] + 0x20 : u[1] - 0x20);
        return poisk_dict_check(lx->dict, word, len);
    }
    if (len == 0 || len >= sizeof word)
        return 0;
    memcpy(word, form, len);
    word[len] = 0;
    /* hunspell's spell() keeps per-call state in the handle: one caller at a time */
    poisk_lexicon *mut = (poisk_lexicon *)lx;
    pthread_mutex_lock(&mut->dict_lock);
    int ok = Hunspell_spell(lx->hun, word) != 0;
    pthread_mutex_unlock(&mut->dict_lock);
    return ok;
}

/* Is the form's first letter А-Я?  (len >= 2) */
static inline int upper_cyrillic_first(const unsigned char *u)
{
    return u[0] == 0xD0 && u[1] >= 0x90 && u[1] <= 0xAF;
}

/* The form (2..512 bytes) with its first letter а-я or a-z capitalised into w, as
 * poisk_lexicon_spell() is asked for a Title piece.  @return : 0 when it has no such
 * letter (the form stays as it is) */
static int capitalise_first(const unsigned char *u, size_t len, char *w)
{
    memcpy(w, u, len);
    if (u[0] == 0xD0 && u[1] >= 0xB0 && u[1] <= 0xBF)         /* а-п -> А-П */
        w[1] = (char)(u[1] - 0x20);
    else if (u[0] == 0xD1 && u[1] >= 0x80 && u[1] <= 0x8F) {  /* р-я -> Р-Я */
        w[0] = (char)0xD0;
        w[1] = (char)(u[1] + 0x20);
    } else if (u[0] >= 'a' && u[0] <= 'z')
        w[0] = (char)(u[0] - 0x20);
    else
        return 0;
    return 1;
}

/* poisk_lexicon_may_spell()'s questions: maybe when either probe says so.  key: the form's
 * poisk_dict_word_key(). */
static void spell_probes(const poisk_lexicon *lx, const char *form, size_t len, uint64_t key,
                         int title, poisk_bloom_probe q[2])
{
    q[0] = q[1] = POISK_BLOOM_NO;
    if (!lx || !(lx->dict || lx->hun))
        return;
    if (!lx->dict) {
        q[0] = POISK_BLOOM_MAYBE;
        return;
    }
    q[0] = poisk_dict_may_check_probe_key(lx->dict, form, len, key);
    /* poisk_lexicon_spell() also tries a Capitalised word in lower case, and the caller
     * may ask about the form Capitalised: those must be refused too */
    const unsigned char *u = (const unsigned char *)form;
    char w[512];
    if (len < 2 || len > sizeof w) {
        if (len > sizeof w)
            q[1] = POISK_BLOOM_MAYBE;     /* too long to tell here */
        return;
    }
    if (poisk_dict_may_check_any_case(lx->dict))
        return;                           /* the same question */
    if (upper_cyrillic_first(u)) {        /* А-Я: its lower case */
        memcpy(w, form, len);
        w[0] = (char)(u[1] < 0xA0 ? 0xD0 : 0xD1);
        w[1] = (char)(u[1] < 0xA0 ? u[1] + 0x20 : u[1] - 0x20);
        q[1] = poisk_dict_may_check_probe(lx->dict, w, len);
    } else if (title && capitalise_first(u, len, w))
        q[1] = poisk_dict_may_check_probe(lx->dict, w, len);
    /* else the usual case: nothing else to ask */
}

int poisk_lexicon_may_spell(const poisk_lexicon *lx, const char *form, size_t len, int title)
{
    poisk_bloom_probe q[2];
    spell_probes(lx, form, len, poisk_dict_word_key(form, len), title, q);
    return poisk_bloom_probe_maybe(q[0]) || poisk_bloom_probe_maybe(q[1]);
}

unsigned poisk_lexicon_join_maybe(const poisk_lexicon *lx, const char *form, size_t len,
                                  size_t min_len, unsigned ask, int title)
{
    if (!lx)
        return 0;                         /* every filter says no */
    if ((ask & POISK_JOIN_STEM) && lx->stems && (!lx->stem_bloom || !lx->pre_bloom)) {
        ask &= ~(unsigned)POISK_JOIN_STEM;   /* short of memory at freeze: no early probe */
        if (poisk_lexicon_may_stem(lx, form, len, min_len))
            return POISK_JOIN_STEM;
    }
    if (min_len < 1)
        min_len = 1;
    if (!lx->stems || min_len > len)
        ask &= ~(unsigned)POISK_JOIN_STEM;   /* poisk_lexicon_may_stem() says 0 */
    /* the stem walk's running hash covers its first prefix only; the whole form is keyed
     * once (XXH3, several bytes a step) for the form and word filters */
    size_t k = 0;
    uint64_t h = STEM_BLOOM_SEED, key = 0;
    poisk_bloom_probe lower = POISK_BLOOM_NO, pre = POISK_BLOOM_NO, spell[2];
    if (ask & POISK_JOIN_STEM) {
        k = stem_walk_start((const unsigned char *)form, len, min_len);
        h = bloom_hash(form, k);
        if (ask & POISK_JOIN_STEM_STARTS)
            pre = POISK_BLOOM_MAYBE;
        else {
            pre = bloom_probe(lx->pre_bloom, lx->pre_bloom_mask, h ^ PRE_BLOOM_SALT);
            poisk_bloom_probe_load(pre);
        }
        /* the walk's next two questions, usually its last (is the first prefix a stem;
         * does a stem start with one letter more), loaded now rather than one after the
         * other */
        poisk_bloom_probe_load(bloom_probe(lx->stem_bloom, lx->stem_bloom_mask, h));
        if (k < len) {
            size_t end = next_boundary((const unsigned char *)form, len, k);
            poisk_bloom_probe_load(bloom_probe(lx->pre_bloom, lx->pre_bloom_mask,
                                               bloom_hash_on(h, form + k, end - k)
                                               ^ PRE_BLOOM_SALT));
        }
    }
    if (ask & (POISK_JOIN_LOWER | POISK_JOIN_SPELL))
        key = poisk_dict_word_key(form, len);
    if (ask & POISK_JOIN_LOWER) {
        lower = lower_probe(lx, key);
        poisk_bloom_probe_load(lower);
    }
    spell[0] = spell[1] = POISK_BLOOM_NO;
    if (ask & POISK_JOIN_SPELL) {
        spell_probes(lx, form, len, key, title, spell);
        poisk_bloom_probe_load(spell[0]);
        poisk_bloom_probe_load(spell[1]);
    }
    if (poisk_bloom_probe_maybe(lower))
        return POISK_JOIN_LOWER;
    if (poisk_bloom_probe_maybe(pre) && stem_walk(lx, form, len, k, h, 1))
        return POISK_JOIN_STEM;
    if (poisk_bloom_probe_maybe(spell[0]) || poisk_bloom_probe_maybe(spell[1]))
        return POISK_JOIN_SPELL;
    return 0;
}

int poisk_lexicon_may_start_stem(const poisk_lexicon *lx, const char *form, size_t len)
{
    if (!lx || !lx->stems || !lx->stem_bloom || !lx->pre_bloom || !len)
        return 1;
    uint64_t h = bloom_hash(form, len);
    return bloom_test(lx->pre_bloom, lx->pre_bloom_mask, h ^ PRE_BLOOM_SALT, 0);
}

int poisk_lexicon_may_start_spell(const poisk_lexicon *lx, const char *form, size_t len,
                                  int capitalised)
{
    if (!lx || !lx->dict)
        return 1;
    const unsigned char *u = (const unsigned char *)form;
    char w[512];
    if (len < 2 || len > sizeof w || upper_cyrillic_first(u))
        return 1;                         /* А-Я: poisk_lexicon_may_spell() asks more */
    if (!capitalised)
        return poisk_dict_may_start(lx->dict, form, len);
    /* no letter to capitalise: poisk_lexicon_may_spell() asks nothing more */
    return capitalise_first(u, len, w) && poisk_dict_may_start(lx->dict, w, len);
}

size_t poisk_lexicon_spell_max_add(const poisk_lexicon *lx)
{
    return lx && lx->dict ? poisk_dict_max_add(lx->dict) : SIZE_MAX;
}

size_t poisk_lexicon_forms(const poisk_lexicon *lx)
{
    if (!lx)
        return 0;
    if (!lx->pass[0])
        return lx->used;
    size_t n = 0;                         /* before freeze: forms in two tables count twice */
    for (unsigned f = 0; f < POISK_LEXICON_FEEDERS; f++)
        n += lx->pass[f] ? poisk_lexpass_forms(lx->pass[f]) : 0;
    return n;
}
