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
    POISK_FORM_SPLIT_DONE = 1 << 6   /* split holds poisk_repair_split()'s answer */
};

typedef struct poisk_form {
    uint64_t hash;                   /* XXH3 of the form, never 0; 0 = empty slot */
    uint32_t off, stem_off;          /* form and stem in the arena; stem_off 0 = not yet */
    uint16_t len, stem_len;
    uint16_t flags;                  /* POISK_FORM_* */
    uint16_t split;                  /* bytes of the first half of a glued compound */
    uint32_t count, caps;            /* lexicon: occurrences whole / of them all-caps */
} poisk_form;

/*! poisk_stemcache_create() : stop: the stop set (kept, not copied); lexicon: corpus counts
 *  copied into each entry, NULL = none.  @return : poisk_rc */
int  poisk_stemcache_create(const poisk_stopset *stop, const poisk_lexicon *lexicon,
                            poisk_stemcache **out);
void poisk_stemcache_free(poisk_stemcache *c);

/*! poisk_form_hash() : the key of a form (pieces keep it so it is computed once). */
uint64_t poisk_form_hash(const char *form, size_t len);

/*! poisk_stemcache_find() : the entry of a form, added when new (hash: poisk_form_hash()
 *  of it, or 0 to compute it here).  The pointer is valid until the next find or stem
 *  call on the cache.  @return : NULL only when out of memory or the form is > 64 KB */
poisk_form *poisk_stemcache_find(poisk_stemcache *c, const char *form, size_t len,
                                 uint64_t hash);

/*! poisk_stemcache_stem() : stem of the entry's form (latin != 0: English stemmer).
 *  *stem stays valid until the next call.  @return : poisk_rc (POISK_ENOMEM only) */
int  poisk_stemcache_stem(poisk_stemcache *c, poisk_form *e, int latin, const char **stem,
                          size_t *stem_len);

#endif
