/*
 * stemcache.h: Snowball stemming (Russian for Cyrillic words, English for Latin ones) behind
 * a per-analyzer cache keyed by XXH3 of the normalised form, so each distinct form is
 * stemmed once: libstemmer runs at ~5 M words/s, the cache probe at ~50 M.
 */
#ifndef POISK_STEMCACHE_H
#define POISK_STEMCACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct poisk_stemcache poisk_stemcache;

/*! poisk_stemcache_create() : @return : poisk_rc */
int  poisk_stemcache_create(poisk_stemcache **out);
void poisk_stemcache_free(poisk_stemcache *c);

/*! poisk_stemcache_stem() : stem of a normalised word (latin != 0: English stemmer).
 *  *stem stays valid until the next call.  @return : poisk_rc (POISK_ENOMEM only) */
int  poisk_stemcache_stem(poisk_stemcache *c, const char *form, size_t len, int latin,
                          const char **stem, size_t *stem_len);

#endif
