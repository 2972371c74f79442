/*
 * snippet.h: the best-matching window of a hit's passage, with the surface forms that
 * matched a query term marked (stage: ranked hits -> snippets -> output).  Module-private.
 */
#ifndef POISK_SNIPPET_H
#define POISK_SNIPPET_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/analyzer.h"
#include "query.h"

#define POISK_SNIPPET_BYTES 320   /* about 160 Cyrillic letters */

typedef struct poisk_snippet {
    char *text;                   /* valid UTF-8, whitespace collapsed, "…" at cut ends */
    uint32_t (*hl)[2];            /* [start,end) byte offsets in text, ascending, disjoint */
    size_t n_hl;
} poisk_snippet;

/*! poisk_snippet_make() : analyse `text` with `a` (the document analyzer), find tokens whose
 *  term or exact form is one of the query's positive terms, pick the window of at most
 *  `window` bytes with the most distinct matched terms and cut it at word boundaries.
 *  @return : poisk_rc */
int poisk_snippet_make(poisk_analyzer *a, const char *text, size_t len, const poisk_query *q,
                       const unsigned char *positive, size_t window, poisk_snippet *out);
void poisk_snippet_free(poisk_snippet *s);

#endif
