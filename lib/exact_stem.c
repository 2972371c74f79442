/*
 * exact_stem.c: the canonical stem of an exact form, shared by the index writer (which
 * elides an exact form's positions when they are its canonical stem's) and the reader
 * (which then reads the stem's positions instead); see exact_stem.h and docs/FORMAT.md §6.
 */
#include "exact_stem.h"

#include <string.h>

int poisk_exact_stem(poisk_analyzer *a, const char *form, size_t len, char *out, size_t cap,
                     size_t *out_len)
{
    poisk_token t;
    poisk_analyzer_reset(a, form, len);
    if (!poisk_analyzer_next(a, &t) || t.kind == POISK_TOKEN_ABBREV || t.exact_len != len
        || memcmp(t.exact, form, len) != 0 || t.term_len == 0 || t.term_len > cap)
        return 0;
    memcpy(out, t.term, t.term_len);        /* the token's strings end at the next call */
    *out_len = t.term_len;
    if (poisk_analyzer_next(a, &t))         /* more than one token: not one word */
        return 0;
    return 1;
}
