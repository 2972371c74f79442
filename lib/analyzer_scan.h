/*
 * analyzer_scan.h: the analyzer's tokenizer (text -> pieces).  A piece is a run of letters
 * or of digits, normalised (NFC, homoglyphs folded, lower case, ё -> е, invisible
 * characters dropped), with its byte range and how it is glued to the piece before it
 * (nothing, a case change, a hyphen, spaces, a line break, punctuation).  The analyzer
 * (analyzer.c) and the lexicon's first pass (lexicon.c) both read text through it, so the
 * two always see the same word forms.
 */
#ifndef POISK_ANALYZER_SCAN_H
#define POISK_ANALYZER_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Where a form's entry sits in the analyzer's per-form cache (stemcache.c): its hash, and
 * the slot, valid while the cache's generation is unchanged (it changes when the table
 * grows or is emptied).  hash 0 = not looked up yet. */
typedef struct poisk_form_ref {
    uint64_t hash;
    uint32_t slot, gen;
} poisk_form_ref;

#define POISK_PIECE_MAX_CP 64                       /* longer runs are cut into pieces */
#define POISK_PIECE_MAX_BYTES (POISK_PIECE_MAX_CP * 2) /* every letter kept is < U+0800 */

typedef enum {
    POISK_GLUE_START = 0,  /* first piece of the text */
    POISK_GLUE_NONE,       /* directly after the previous piece: digit/letter change, cut */
    POISK_GLUE_CASE,       /* case change inside a letter run: ИТ|специальностей, ТЭК|и */
    POISK_GLUE_HYPHEN,     /* one dash right after the previous piece, maybe spaces after */
    POISK_GLUE_HYPHEN_NL,  /* one dash right after the previous piece, then a line break */
    POISK_GLUE_SPACE,      /* blanks only */
    POISK_GLUE_NEWLINE,    /* blanks including a line break */
    POISK_GLUE_PUNCT       /* anything else: punctuation, symbols, damaged bytes */
} poisk_glue;

typedef struct poisk_piece {
    char form[POISK_PIECE_MAX_BYTES];   /* normalised, not NUL-terminated */
    uint16_t len, nchars;
    size_t start, end;                  /* source bytes [start, end) */
    uint8_t digit;                      /* digits only (else letters only) */
    uint8_t caps;                       /* >= 2 letters, all capitals in the source */
    uint8_t title;                      /* first letter a capital */
    uint8_t latin;                      /* has Latin and no Cyrillic letters */
    uint8_t glue;                       /* poisk_glue to the previous piece */
    /* filled lazily by the analyzer and split-word repair, zero from the scanner */
    poisk_form_ref ref;                 /* where the form's cache entry is (stemcache.h) */
    uint8_t r_bits;                     /* split-word repair's facts (repair.c), 0 = none */
    uint32_t r_count;                   /* corpus count of the form (repair) */
} poisk_piece;

typedef struct poisk_scanner {
    const unsigned char *text;
    size_t len, pos;
    uint64_t invalid;                   /* damaged sequences seen (never reset) */
    int have_prev;                      /* a piece was returned since reset */
    int cut;                            /* previous run ended without a separator */
    poisk_piece pend[POISK_PIECE_MAX_CP];
    int npend, ipend;                   /* pieces of the current run not yet returned */
} poisk_scanner;

/*! poisk_form_eq() : are the n bytes at a and b equal?  The tables keyed by forms (form
 *  cache, lexicon) confirm each hash match with it: forms are mostly 4-32 bytes, compared
 *  here with 4- or 8-byte loads (the last one overlapping) instead of a library call. */
static inline int poisk_form_eq(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    if (n < 8) {
        uint32_t u, v, w, z;
        if (n < 4) {
            for (size_t i = 0; i < n; i++)
                if (a[i] != b[i])
                    return 0;
            return 1;
        }
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        memcpy(&w, a + n - 4, 4);
        memcpy(&z, b + n - 4, 4);
        return u == v && w == z;
    }
    if (n > 32)
        return !memcmp(a, b, n);
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
}

void poisk_scanner_reset(poisk_scanner *s, const char *text, size_t len);

/*! poisk_scanner_next() : @return : 1 and fills *out, or 0 at the end of the text */
int  poisk_scanner_next(poisk_scanner *s, poisk_piece *out);

/*! poisk_scanner_next_form() : the lexicon's first pass: the same letter pieces as
 *  poisk_scanner_next() in the same order, but only form, len, digit and caps are set
 *  (the other fields are left as they were or unset), and runs of digits may be skipped
 *  (never a letter piece).  Plain lower-case and Title words (the usual word) are read
 *  straight from the text without the general machinery.
 *  @return : 1 and fills *out, or 0 at the end of the text */
int  poisk_scanner_next_form(poisk_scanner *s, poisk_piece *out);

#endif
