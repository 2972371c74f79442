/*
 * regions.h: the 89 federal subjects of Russia (data/regions.tsv, embedded at build time)
 * and recognition of their names in any grammatical case.  Used by the structure parser
 * (region of a document), the JSON-lines reader and the searcher's region: filter.
 */
#ifndef POISK_REGIONS_H
#define POISK_REGIONS_H

#include <stddef.h>

typedef struct poisk_region {
    const char *slug;         /* stable ASCII id, e.g. "stavropol" */
    const char *iso;          /* ISO 3166-2 code or "" */
    const char *nominative;   /* "Ставропольский край" */
    const char *genitive;     /* "Ставропольского края" */
} poisk_region;

/*! Number of known regions and the i-th one (i < count). */
size_t poisk_region_count(void);
const poisk_region *poisk_region_at(size_t i);

/*! poisk_region_lookup() : a region from its slug, ISO code, or name in any case form, or
 *  the first word of its name ("Ставропольский"), case-insensitive.  @return : NULL if none */
const poisk_region *poisk_region_lookup(const char *name, size_t len);

/*! poisk_region_find_in_text() : the region a strategy is about, from its title and first
 *  section (names in the genitive, "Ставропольского края").  @return : NULL if none */
const poisk_region *poisk_region_find_in_text(const char *text, size_t len);

#endif
