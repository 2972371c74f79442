/*
 * exact_stem.h: the canonical stem of an exact form (docs/FORMAT.md §6, version 4).  The
 * index writer stores an exact form's positions in a passage only when they differ from
 * its canonical stem's there; the reader, asked for the elided positions, recomputes the
 * stem with the same function and reads the stem's.  Both sides call this, so what it
 * answers for a form only has to be deterministic, not linguistically right: the writer
 * elides only after comparing the actual token's stem and positions.
 */
#ifndef POISK_EXACT_STEM_H
#define POISK_EXACT_STEM_H

#include <stddef.h>
#include "poisk/analyzer.h"

/*! poisk_exact_stem() : analyse `form` with `a` (repair off, no abbreviation hook); when it
 *  is exactly one token that is not an abbreviation and whose exact form is `form`, copy
 *  the token's term into out[0..cap) and set *out_len.
 *  @return : 1 found, 0 the form has no canonical stem (or it does not fit in cap) */
int poisk_exact_stem(poisk_analyzer *a, const char *form, size_t len, char *out, size_t cap,
                     size_t *out_len);

#endif
