/*
 * lexicon.h: private side of poisk_lexicon (public calls in include/poisk/analyzer.h).
 * The lexicon is what split-word repair knows about words: how often each normalised
 * letter form occurs as a whole piece in the corpus (first pass), and optionally whether
 * the system's Russian hunspell dictionary accepts it.
 */
#ifndef POISK_LEXICON_H
#define POISK_LEXICON_H

#include "poisk/analyzer.h"

#include <stddef.h>
#include <stdint.h>

typedef struct poisk_lexicon_entry {
    uint32_t count;       /* occurrences as a whole piece */
    uint32_t caps;        /* of which all-caps in the source */
    uint16_t prefix;      /* 1: a longer form in the lexicon starts with this one */
    uint16_t suffix;      /* 1: a longer form in the lexicon ends with this one */
} poisk_lexicon_entry;

/*! poisk_lexicon_lookup() : counts of a normalised form; zeros when unseen. */
poisk_lexicon_entry poisk_lexicon_lookup(const poisk_lexicon *lx, const char *form, size_t len);

/*! poisk_lexicon_lookup_stem() : the same, and (*stem_len != 0) the Snowball Russian stem
 *  of the form, which the freeze computed for every Cyrillic form seen in lower case (the
 *  analyzer's form cache takes it instead of stemming the form again). */
poisk_lexicon_entry poisk_lexicon_lookup_stem(const poisk_lexicon *lx, const char *form,
                                              size_t len, const char **stem, size_t *stem_len);

/*! poisk_lexicon_lookup_hashed() : poisk_lexicon_lookup_stem() of a form whose
 *  poisk_form_hash() the caller has already computed (the lexicon hashes forms the same way). */
poisk_lexicon_entry poisk_lexicon_lookup_hashed(const poisk_lexicon *lx, const char *form,
                                                size_t len, uint64_t hash, const char **stem,
                                                size_t *stem_len);

/*! poisk_lexicon_stem_count() : lower-case occurrences of all forms whose Snowball Russian
 *  stem is this one (0 when none, or no stem table). */
uint32_t poisk_lexicon_stem_count(const poisk_lexicon *lx, const char *stem, size_t len);

/*! poisk_lexicon_has_dictionary() : was a hunspell dictionary loaded at freeze time? */
int poisk_lexicon_has_dictionary(const poisk_lexicon *lx);

/*! poisk_lexicon_spell() : does the dictionary accept this normalised form?
 *  -1 when there is no dictionary.  Thread-safe (a lock guards the dictionary). */
int poisk_lexicon_spell(const poisk_lexicon *lx, const char *form, size_t len);

/*! poisk_lexicon_may_spell() : 0 only when poisk_lexicon_spell() certainly refuses the form
 *  and (title) its Capitalised form: a filter probe, no suffix rules tried. */
int poisk_lexicon_may_spell(const poisk_lexicon *lx, const char *form, size_t len, int title);

/*! poisk_lexicon_prefetch() : starts loading the table slot of the form whose
 *  poisk_form_hash() is hash (the lexicon hashes forms the same way); a hint only */
void poisk_lexicon_prefetch(const poisk_lexicon *lx, uint64_t hash);

/*! poisk_lexicon_may_stem() : 0 exactly when no prefix of the form of min_len bytes or more
 *  (ending on a character boundary) is a stem of the stem table (a filter, then the table
 *  for the prefixes it lets pass), so that
 *  poisk_lexicon_stem_count() of the form's Snowball stem (a prefix of it) is 0. */
int poisk_lexicon_may_stem(const poisk_lexicon *lx, const char *form, size_t len,
                           size_t min_len);

/*! poisk_lexicon_may_have_lower() : 0 only when the form was never seen whole in lower
 *  case (count - caps of its entry is 0). */
int poisk_lexicon_may_have_lower(const poisk_lexicon *lx, const char *form, size_t len);

/*! poisk_lexicon_may_have_twice() : 0 only when the form was seen whole less than twice (in
 *  any case: the count of its entry is 0 or 1). */
int poisk_lexicon_may_have_twice(const poisk_lexicon *lx, const char *form, size_t len);

/* The filters poisk_lexicon_join_maybe() is asked about */
enum {
    POISK_JOIN_LOWER = 1,   /* poisk_lexicon_may_have_lower(form, len) */
    POISK_JOIN_STEM = 2,    /* poisk_lexicon_may_stem(form, len, min_len) */
    POISK_JOIN_SPELL = 4,   /* poisk_lexicon_may_spell(form, len, title) */
    /* with POISK_JOIN_STEM: poisk_lexicon_may_start_stem(form, min_len) is known to be 1
     * (min_len at a character boundary), so its filter is not asked again */
    POISK_JOIN_STEM_STARTS = 8
};

/*! poisk_lexicon_join_maybe() : the asked filters (POISK_JOIN_*) of the form, in that order,
 *  computed in one pass over its bytes with their filter words loaded together, so that
 *  their cache misses overlap.  @return : the first of them that says maybe, 0 when all
 *  say no */
unsigned poisk_lexicon_join_maybe(const poisk_lexicon *lx, const char *form, size_t len,
                                  size_t min_len, unsigned ask, int title);

/*! poisk_lexicon_may_start_stem() : 0 only when no stem of the stem table starts with the
 *  form (the stem-prefix filter): then poisk_lexicon_may_stem() is 0 for every longer form
 *  starting with it, with a min_len of len or more. */
int poisk_lexicon_may_start_stem(const poisk_lexicon *lx, const char *form, size_t len);

/*! poisk_lexicon_may_start_spell() : 0 only when poisk_lexicon_spell() refuses every form
 *  that starts with this lower-case one (capitalised 1: with it Capitalised, as
 *  poisk_lexicon_may_spell() asks for title 1) and is poisk_lexicon_spell_max_add() bytes
 *  longer or more.  (poisk_lexicon_may_spell() of such a form may still say maybe: it is
 *  a Bloom filter.) */
int poisk_lexicon_may_start_spell(const poisk_lexicon *lx, const char *form, size_t len,
                                  int capitalised);

/*! poisk_lexicon_spell_max_add() : see poisk_lexicon_may_start_spell(); SIZE_MAX when no
 *  form can be refused so. */
size_t poisk_lexicon_spell_max_add(const poisk_lexicon *lx);

/*! poisk_lexicon_forms() : distinct forms counted (before the freeze, summed over the
 *  feeders' tables, so a form two threads counted counts twice). */
size_t poisk_lexicon_forms(const poisk_lexicon *lx);

#endif
