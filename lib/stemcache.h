/*
 * stemcache.h: the analyzer's per-form cache.  Every distinct normalised word form seen by
 * one analyzer gets one entry holding everything the analyzer and split-word repair ever
 * ask about it: its Snowball stem (Russian for Cyrillic, English for Latin; computed on
 * first use: libstemmer runs at ~5 M words/s, a probe at ~50 M), whether it is a stop
 * word, its corpus counts from the lexicon and the dictionary's verdicts.  So a repeated
 * piece costs one hash probe, not one per question (stem cache, stop list, lexicon,
 * dictionary verdicts were four tables before).
 */
#ifndef POISK_STEMCACHE_H
#define POISK_STEMCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer_scan.h"
#include "lexicon.h"
#include "stopwords.h"

typedef struct poisk_stemcache poisk_stemcache;

enum {
    POISK_FORM_STOP = 1 << 0,        /* one of the stop words */
    POISK_FORM_PREFIX = 1 << 1,      /* the lexicon has a longer form starting with it */
    POISK_FORM_SPELL_DONE = 1 << 2,  /* dictionary asked about the lower-case form */
    POISK_FORM_SPELL = 1 << 3,       /*   and accepted it */
    POISK_FORM_CAP_DONE = 1 << 4,    /* dictionary asked about the Capitalised form */
    POISK_FORM_CAP_SPELL = 1 << 5,   /*   and accepted it */
    POISK_FORM_SPLIT_DONE = 1 << 6,  /* split holds poisk_repair_split()'s answer */
    POISK_FORM_SUFFIX = 1 << 7,      /* the lexicon has a longer form ending with it */
    POISK_FORM_STEMS_DONE = 1 << 8,  /* stem_forms holds the lexicon's count for its stem */
    /* what split-word repair's filters say of the joins that start with the form */
    POISK_FORM_START_DONE = 1 << 9,  /* the next two are set */
    POISK_FORM_STEM_START = 1 << 10, /*   a corpus stem may start with it */
    POISK_FORM_SPELL_START = 1 << 11, /*  a dictionary stem may start with it */
    POISK_FORM_CAP_START_DONE = 1 << 12,  /* the next one is set */
    POISK_FORM_CAP_SPELL_START = 1 << 13, /* one may start with it Capitalised */
    POISK_FORM_OE_DONE = 1 << 14,    /* the next one is set */
    POISK_FORM_OE = 1 << 15          /*   a compound's first part by its ending (repair.c) */
};

/* 32 bytes, and the tables are 32-byte aligned, so an entry never crosses a cache line:
 * one line per probe (at 40 bytes half the entries crossed one, and the table was larger) */
typedef struct poisk_form {
    uint32_t tag : 12;               /* poisk_form_tag() of its hash, never 0; 0 = empty */
    uint32_t id : 20;                /* poisk_stemcache_id(), 0 = not given yet */
    uint32_t off, stem_off;          /* form and stem in the arena; stem_off 0 = not yet */
    uint16_t len, stem_len;
    uint16_t flags;                  /* POISK_FORM_* */
    uint16_t split;                  /* bytes of the first half of a glued compound */
    uint32_t count, caps;            /* lexicon: occurrences whole / of them all-caps */
    uint32_t stem_forms;             /* lexicon: lower-case occurrences of its stem's forms */
} poisk_form;

/*! poisk_stemcache_create() : stop: the stop set (kept, not copied); lexicon: corpus counts
 *  copied into each entry, NULL = none.  @return : poisk_rc */
int  poisk_stemcache_create(const poisk_stopset *stop, const poisk_lexicon *lexicon,
                            poisk_stemcache **out);
void poisk_stemcache_free(poisk_stemcache *c);

/*! poisk_stemcache_set_budget() : bytes the cache may keep resident (slot table and arena;
 *  it is emptied at the next trim once past them).  0 = the default (1 M forms or 64 MB of
 *  arena, ~150 MB).  Emptying changes no answer, only what is computed again. */
void poisk_stemcache_set_budget(poisk_stemcache *c, size_t bytes);

/*! poisk_stemcache_reserve() : sizes the empty cache's slot table for about forms/2 forms
 *  (within the budget), so that it grows at most once: every doubling on the way rehashed
 *  the table and faulted in a fresh one.  The analyzer passes the lexicon's distinct forms.
 *  A hint: out of memory, or a cache in use, it keeps the table it has. */
void poisk_stemcache_reserve(poisk_stemcache *c, size_t forms);

/*! poisk_form_hash() : the key of a form (pieces keep it so it is computed once). */
uint64_t poisk_form_hash(const char *form, size_t len);

#define POISK_FORM_ID_MAX ((1u << 20) - 1)

/* What an entry keeps of its form's hash: 12 bits far above the slot index (a table of
 * 2^24 slots uses bits 8..31), never 0.  Equal forms have equal tags; the form bytes
 * decide (a tag matches another form's in 1 probe of 2048: a length test, rarely a
 * compare). */
static inline uint32_t poisk_form_tag(uint64_t hash)
{
    return (uint32_t)(hash >> 52) | 1;
}

/*! poisk_stemcache_find() : the entry of a form, added when new (hash: poisk_form_hash()
 *  of it, or 0 to compute it here).  The pointer is valid until the next find or stem
 *  call on the cache; offsets into the arena until the next poisk_stemcache_trim().  @return : NULL only when out of memory or the form is > 64 KB */
poisk_form *poisk_stemcache_find(poisk_stemcache *c, const char *form, size_t len,
                                 uint64_t hash);

/* The first member of every poisk_stemcache: what an inline ref lookup needs. */
typedef struct poisk_stemcache_view {
    poisk_form *slots;
    size_t mask;                     /* slots - 1 */
    char *arena;                     /* the bytes that off / stem_off index (may move) */
    uint32_t gen;                    /* bumped whenever entries move (grow, clear) */
    uint32_t epoch;                  /* bumped whenever the cache is emptied */
    uint32_t ids;                    /* ids given out in this epoch (poisk_stemcache_id) */
    int full;                        /* past the budget: poisk_stemcache_trim() empties it */
    const poisk_lexicon *lexicon;    /* asked about every new form (may be NULL) */
} poisk_stemcache_view;

/* Is entry e of view v the form (tag: poisk_form_tag() of its hash)?  The tag and length
 * decide nearly every miss without touching the arena. */
static inline int poisk_stemcache_holds(const poisk_stemcache_view *v, const poisk_form *e,
                                        uint32_t tag, const char *form, size_t len)
{
    return e->tag == tag && e->len == len && poisk_form_eq(v->arena + e->off, form, len);
}

poisk_form *poisk_stemcache_find_ref_slow(poisk_stemcache *c, const char *form, size_t len,
                                          poisk_form_ref *ref);

/*! poisk_stemcache_prefetch() : starts loading the slot where a form with this hash is
 *  looked for first: the table is larger than the fast caches, so the analyzer asks for a
 *  piece's slot when the piece is read, a piece or two before it needs it. */
static inline void poisk_stemcache_prefetch(const poisk_stemcache *c, uint64_t hash)
{
    const poisk_stemcache_view *v = (const poisk_stemcache_view *)(const void *)c;
    __builtin_prefetch(&v->slots[(hash >> 8) & v->mask]);   /* one line (32-byte entries) */
}

/*! poisk_stemcache_prefetch_form() : the second step: once the slot has arrived, starts
 *  loading the form's bytes, which the lookup compares. */
static inline void poisk_stemcache_prefetch_form(const poisk_stemcache *c, uint64_t hash)
{
    const poisk_stemcache_view *v = (const poisk_stemcache_view *)(const void *)c;
    const poisk_form *e = &v->slots[(hash >> 8) & v->mask];
    if (e->tag == poisk_form_tag(hash)) {   /* a quarter of the forms cross a line */
        __builtin_prefetch(v->arena + e->off);
        __builtin_prefetch(v->arena + e->off + e->len - 1);
    } else if (v->lexicon)                /* new, most likely: the lexicon will be asked */
        poisk_lexicon_prefetch(v->lexicon, hash);
}

/*! poisk_stemcache_find_ref() : like poisk_stemcache_find(), remembering in *ref where the
 *  entry is: a second call with the same ref costs no hash and no probe while the table
 *  has not moved.  ref->hash 0 = not known yet.  A form found in its home slot (most of
 *  them, the table is at most half full) is found here, inlined: the call and the
 *  general probe's saved registers cost more than the look.  @return : as
 *  poisk_stemcache_find() */
static inline __attribute__((always_inline)) poisk_form *
poisk_stemcache_find_ref(poisk_stemcache *c, const char *form, size_t len, poisk_form_ref *ref)
{
    const poisk_stemcache_view *v = (const poisk_stemcache_view *)(void *)c;
    if (ref->hash && ref->gen == v->gen)
        return &v->slots[ref->slot];
    if (ref->hash) {                      /* the usual first look: in the home slot */
        size_t i = (size_t)(ref->hash >> 8) & v->mask;
        poisk_form *e = &v->slots[i];
        if (poisk_stemcache_holds(v, e, poisk_form_tag(ref->hash), form, len)) {
            ref->slot = (uint32_t)i;
            ref->gen = v->gen;
            return e;
        }
    }
    return poisk_stemcache_find_ref_slow(c, form, len, ref);
}

/*! poisk_stemcache_id() : the entry's id, valid while poisk_stemcache_epoch() says the
 *  same (the table's growth keeps it): given at the first call, from 1, so the ids are
 *  dense over the entries asked (the forms handed out as tokens, not the many joins repair
 *  only looks up); 0 = none (POISK_FORM_ID_MAX given since the cache was emptied). */
static inline uint32_t poisk_stemcache_id(poisk_stemcache *c, poisk_form *e)
{
    poisk_stemcache_view *v = (poisk_stemcache_view *)(void *)c;
    if (!e->id && v->ids < POISK_FORM_ID_MAX)
        e->id = ++v->ids & POISK_FORM_ID_MAX;
    return e->id;
}

static inline uint32_t poisk_stemcache_epoch(const poisk_stemcache *c)
{
    return ((const poisk_stemcache_view *)(const void *)c)->epoch;
}

void poisk_stemcache_clear(poisk_stemcache *c);

/*! poisk_stemcache_trim() : empties the cache when it has passed its budget
 *  (poisk_stemcache_set_budget(); it may grow past that in between).  Call it only when no pointer or offset into
 *  it is held: the analyzer does so between two groups of tokens. */
static inline void poisk_stemcache_trim(poisk_stemcache *c)
{
    if (((const poisk_stemcache_view *)(void *)c)->full)
        poisk_stemcache_clear(c);
}

/*! poisk_stemcache_arena() : the bytes that stem_off / off index (moves when it grows). */
static inline const char *poisk_stemcache_arena(const poisk_stemcache *c)
{
    return ((const poisk_stemcache_view *)(const void *)c)->arena;
}

/*! poisk_stemcache_stem() : stem of the entry's form (latin != 0: English stemmer).
 *  *stem stays valid until the next call.  @return : poisk_rc (POISK_ENOMEM only) */
int  poisk_stemcache_stem(poisk_stemcache *c, poisk_form *e, int latin, const char **stem,
                          size_t *stem_len);

#endif
