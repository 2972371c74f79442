/*
 * normalize.h: character rules of the analyzer (second stage: code point -> class and
 * normalised letter).  Which code points are letters, digits, dashes, invisible or
 * combining; lower-casing of Cyrillic and Latin; canonical composition of the PDF
 * decompositions (и + U+0306 -> й, е + U+0308 -> ё); ё -> е; Latin homoglyphs -> Cyrillic.
 * Everything is a pure function: no tables are built at run time.
 */
#ifndef POISK_NORMALIZE_H
#define POISK_NORMALIZE_H

#include <stdint.h>

typedef enum {
    POISK_CH_SEP = 0,   /* punctuation, symbols: ends a word */
    POISK_CH_SPACE,     /* space, tab, NBSP and other blanks (not newline) */
    POISK_CH_NEWLINE,   /* \n, \r, U+2028/2029, form feed, vertical tab */
    POISK_CH_DASH,      /* - and the dash family ‐ ‑ ‒ – — ― − ﹣ － */
    POISK_CH_LETTER,
    POISK_CH_DIGIT,
    POISK_CH_IGNORE,    /* soft hyphen, zero-width characters, BOM: dropped, word goes on */
    POISK_CH_COMBINING  /* combining mark: composes with the previous letter or is dropped */
} poisk_char_class;

poisk_char_class poisk_char_classify_slow(uint32_t cp);
uint32_t poisk_char_lower_slow(uint32_t cp);

/* The fast paths below cover the basic Russian alphabet, which is nearly all of the text:
 * the analyzer calls these once or twice per input character. */

/*! poisk_char_classify() : class of a valid code point. */
static inline poisk_char_class poisk_char_classify(uint32_t cp)
{
    if (cp - 0x410u < 0x40u)
        return POISK_CH_LETTER;
    if (cp == ' ')
        return POISK_CH_SPACE;
    return poisk_char_classify_slow(cp);
}

/*! poisk_char_lower() : Unicode simple lower case for Latin and Cyrillic; others as is. */
static inline uint32_t poisk_char_lower(uint32_t cp)
{
    if (cp - 0x410u < 0x20u)
        return cp + 0x20;
    if (cp - 0x430u < 0x20u || cp < 'A')
        return cp;
    return poisk_char_lower_slow(cp);
}

/*! poisk_char_is_upper() : a capital Latin or Cyrillic letter. */
static inline int poisk_char_is_upper(uint32_t cp)
{
    return poisk_char_lower(cp) != cp;
}

/*! poisk_char_is_cyrillic() / poisk_char_is_latin() : script of a letter. */
static inline int poisk_char_is_cyrillic(uint32_t cp) { return cp >= 0x400 && cp <= 0x52F; }
static inline int poisk_char_is_latin(uint32_t cp)
{
    return (cp | 0x20) - 'a' < 26u || (cp >= 0xC0 && cp <= 0x24F);
}

/*! poisk_char_compose() : NFC of base + combining mark, or 0 when they do not compose. */
uint32_t poisk_char_compose(uint32_t base, uint32_t mark);

/*! poisk_char_homoglyph() : the Cyrillic letter a Latin letter imitates (same case), or 0. */
uint32_t poisk_char_homoglyph(uint32_t cp);

/*! poisk_char_fold() : lower case plus ё -> е (what every term letter goes through). */
static inline uint32_t poisk_char_fold(uint32_t cp)
{
    cp = poisk_char_lower(cp);
    return cp == 0x451 ? 0x435 : cp;
}

#endif
