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
    /* filled lazily by split-word repair and the analyzer, zero from the scanner */
    uint64_t hash;                      /* poisk_form_hash() of form, 0 = not yet */
    uint8_t r_known;                    /* the fields below are valid */
    uint8_t r_stop;                     /* a stop word */
    uint8_t r_good;                     /* a word in its own right */
    uint8_t r_prefix;                   /* the corpus has a longer form starting with it */
    uint32_t r_count, r_caps;           /* corpus counts of the form */
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

void poisk_scanner_reset(poisk_scanner *s, const char *text, size_t len);

/*! poisk_scanner_next() : @return : 1 and fills *out, or 0 at the end of the text */
int  poisk_scanner_next(poisk_scanner *s, poisk_piece *out);

#endif
