/*
 * lexicon_dict.h: the Russian word list behind split-word repair (lexicon.c asks it whether
 * a form is a word).  Reads a hunspell dictionary (base.aff + base.dic, Debian's hunspell-ru)
 * and answers exactly what Hunspell_spell() answers for the dictionaries repair uses:
 * UTF-8, single-letter flags, suffix rules only (no prefixes, compounds or special flags;
 * anything else makes loading fail, and the caller falls back to libhunspell).
 *
 * Why not libhunspell itself: on the seed corpus it took 80 ms to load, 70 ms to free and
 * ~7 us per rejected word (it builds C++ strings for every affix it tries), which made
 * repair cost 20x the whole analysis of the corpus.  Here the .dic file stays one buffer
 * (stems are offsets into it), loading is one hash insert per line, and a check is one
 * hash probe per candidate stem.  Read-only after load: any number of threads may check.
 */
#ifndef POISK_LEXICON_DICT_H
#define POISK_LEXICON_DICT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct poisk_dict poisk_dict;

/*! poisk_dict_load() : @return : poisk_rc; POISK_EINVAL when the .aff uses a feature this
 *  reader does not implement (then use libhunspell) */
int  poisk_dict_load(const char *aff_path, const char *dic_path, poisk_dict **out);
void poisk_dict_free(poisk_dict *d);

/*! poisk_dict_check() : is this exact UTF-8 word (case as given) in the dictionary, as a
 *  stem or a stem + suffix?  Hunspell's own case folding is the caller's job: hunspell
 *  accepts a Capitalised word when the word or its lower-case form is accepted. */
int  poisk_dict_check(const poisk_dict *d, const char *word, size_t len);

/* One question to a Bloom filter that keeps a key's bits in one 64-bit word: the answer is
 * maybe when all of bits are set in *word.  Split from the test so that a caller with
 * several questions computes them all, loads their words together (their cache misses
 * overlap instead of following each other) and then tests them. */
typedef struct poisk_bloom_probe {
    const uint64_t *word;
    uint64_t bits;
} poisk_bloom_probe;

extern const uint64_t poisk_bloom_all_set, poisk_bloom_none_set;
#define POISK_BLOOM_MAYBE ((poisk_bloom_probe){ &poisk_bloom_all_set, 1 })   /* no filter */
#define POISK_BLOOM_NO ((poisk_bloom_probe){ &poisk_bloom_none_set, 1 })     /* known no */

static inline void poisk_bloom_probe_load(poisk_bloom_probe p)
{
    __builtin_prefetch(p.word);
}

static inline int poisk_bloom_probe_maybe(poisk_bloom_probe p)
{
    return (*p.word & p.bits) == p.bits;
}

/*! poisk_dict_may_check() : 0 only when poisk_dict_check() certainly refuses the word (one
 *  probe of a Bloom filter of every word it accepts, no suffix rule tried). */
int  poisk_dict_may_check(const poisk_dict *d, const char *word, size_t len);
/*! poisk_dict_may_check_any_case() : 1 when poisk_dict_may_check() answers the same for the
 *  word with its first letter in either case (then one question covers both). */
int  poisk_dict_may_check_any_case(const poisk_dict *d);
/*! poisk_dict_may_check_probe() : the same question as a probe (its word not loaded yet). */
poisk_bloom_probe poisk_dict_may_check_probe(const poisk_dict *d, const char *word, size_t len);
/*! poisk_dict_word_key() : the hash the word filter keys a word by (XXH3 of the word with
 *  its first letter in lower case); needs no dictionary, so that the lexicon's filters of
 *  joins key by it too and a join is hashed once for all of them. */
uint64_t poisk_dict_word_key(const char *word, size_t len);
/*! poisk_dict_may_check_probe_key() : poisk_dict_may_check_probe() of a word whose
 *  poisk_dict_word_key() the caller has computed. */
poisk_bloom_probe poisk_dict_may_check_probe_key(const poisk_dict *d, const char *word,
                                                 size_t len, uint64_t key);
/*! poisk_dict_may_start() : 0 only when no stem starts with the word (the word ends on a
 *  character boundary): then poisk_dict_check() refuses every word of len + max_add bytes
 *  or more that starts with it (max_add: poisk_dict_max_add()). */
int  poisk_dict_may_start(const poisk_dict *d, const char *word, size_t len);
/*! poisk_dict_max_add() : the longest suffix a rule adds (bytes), SIZE_MAX without the
 *  stem-prefix filter. */
size_t poisk_dict_max_add(const poisk_dict *d);

/*! poisk_dict_word_filter() : the word filter's bits (*bytes of them), NULL when none. */
const uint64_t *poisk_dict_word_filter(const poisk_dict *d, size_t *bytes);
/*! poisk_dict_use_word_filter() : a dictionary opened from a blob probes copy (the bits of
 *  poisk_dict_word_filter(), kept alive by the caller, not owned) instead of the blob's
 *  own; ignored for a loaded dictionary. */
void poisk_dict_use_word_filter(poisk_dict *d, uint64_t *copy);

/*! poisk_dict_save() : writes the loaded dictionary's tables as one blob (tools/dictgen.c,
 *  at build time), stamped with the size and mtime of the two files.  @return : poisk_rc */
int  poisk_dict_save(const poisk_dict *d, const char *aff_path, const char *dic_path, FILE *out);

/*! poisk_dict_open_blob() : a dictionary that uses a blob of poisk_dict_save() in place
 *  (64-byte aligned, kept alive by the caller), when it was made from these very files.
 *  Answers exactly as poisk_dict_load() of them.  @return : poisk_rc; POISK_EINVAL when
 *  the blob is empty, damaged or stale (then load the files) */
int  poisk_dict_open_blob(const void *blob, size_t len, const char *aff_path,
                          const char *dic_path, poisk_dict **out);

#endif
