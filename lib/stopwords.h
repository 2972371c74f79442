/*
 * stopwords.h: the stop list (data/russian_stop.txt, embedded at build time as
 * poisk_stop_list) as a small hash set that lives in each analyzer handle.  Lookups take a
 * normalised form (lower case, ё -> е), so the list is case-insensitive.
 */
#ifndef POISK_STOPWORDS_H
#define POISK_STOPWORDS_H

#include <stddef.h>
#include <stdint.h>

#define POISK_STOPSET_SLOTS 1024u   /* power of two, > 4x the 151 words: short probes */

typedef struct poisk_stopset {
    uint64_t hash[POISK_STOPSET_SLOTS];          /* 0 = empty */
    uint32_t count;
} poisk_stopset;

/*! poisk_stopset_init() : fill the set from the embedded list. */
void poisk_stopset_init(poisk_stopset *s);

/*! poisk_stopset_has() : is this normalised form a stop word? */
int poisk_stopset_has(const poisk_stopset *s, const char *form, size_t len);

/*! poisk_stopset_key() : the hash the set stores (never 0). */
uint64_t poisk_stopset_key(const char *form, size_t len);

/*! poisk_fold_utf8() : lower-case + ё->е + NFC of a short UTF-8 word into out (cap bytes).
 *  @return : length written, or (size_t)-1 if it does not fit or is not a clean word */
size_t poisk_fold_utf8(const char *in, size_t len, char *out, size_t cap);

#endif
