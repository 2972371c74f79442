/*
 * analyzer.h: Russian text analysis, shared by the indexer and the searcher.
 *
 * Text -> tokens: UTF-8 decoding that never fails (damaged bytes become separators and are
 * counted), normalisation (NFC, lower case, ё->е, homoglyph folding, invisible characters
 * dropped), stop-word removal (data/russian_stop.txt), Snowball stemming with a stem
 * cache, abbreviation and number handling, and optional split-word repair driven by a
 * poisk_lexicon of corpus statistics gathered in a first pass.  The same analyzer (repair
 * off) analyses queries, so a query word and a document word always meet.
 *
 * Thread safety: one poisk_analyzer per thread.  A poisk_lexicon is read-only once built
 * and may be shared by any number of analyzers.
 */
#ifndef POISK_ANALYZER_H
#define POISK_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

typedef struct poisk_analyzer poisk_analyzer;
typedef struct poisk_lexicon poisk_lexicon;

/* Bumped whenever a change to the analyzer changes the terms it emits for some text. */
#define POISK_NORMALIZATION_VERSION 1

typedef enum {
    POISK_TOKEN_WORD = 0,   /* stemmed word (Cyrillic: Snowball Russian; Latin: English) */
    POISK_TOKEN_NUMBER,     /* digits, not stemmed */
    POISK_TOKEN_ABBREV      /* all-caps 2-6 letters in the source, lower-cased, not stemmed */
} poisk_token_kind;

/* The token does not advance the position: it is an extra term for the same place as the
 * previous token (e.g. the whole of a hyphenated compound, a year of a glued range). */
#define POISK_TOKEN_SAME_POSITION 1u

/* One term occurrence.  Strings are NOT NUL-terminated and stay valid until the next call
 * of poisk_analyzer_next() or poisk_analyzer_reset() on the same analyzer. */
typedef struct poisk_token {
    const char *term;  size_t term_len;   /* index term: stem, or lower-cased number/abbrev */
    const char *exact; size_t exact_len;  /* normalised surface form, for =word and prefix */
    uint32_t position;                    /* after stop-word removal, from 0 per text */
    size_t byte_start, byte_end;          /* surface form in the text given to reset, [start,end) */
    poisk_token_kind kind;
    unsigned flags;                       /* POISK_TOKEN_* flags */
} poisk_token;

typedef struct poisk_analyzer_options {
    int repair;                     /* rejoin words split by PDF wrapping (documents only) */
    const poisk_lexicon *lexicon;   /* corpus statistics for repair; NULL = none */
    /* Query side: tells whether a lower-case form was seen as an abbreviation in the
     * index, so `фои` meets ФОИ.  NULL = never. */
    int (*is_abbrev)(void *ctx, const char *form, size_t len);
    void *is_abbrev_ctx;
} poisk_analyzer_options;

/*! poisk_analyzer_create() : opts may be NULL (defaults: no repair). @return : poisk_rc */
int  poisk_analyzer_create(const poisk_analyzer_options *opts, poisk_analyzer **out);
void poisk_analyzer_free(poisk_analyzer *a);

/*! poisk_analyzer_reset() : start analysing a new text; positions restart at 0.
 *  The text must stay valid while tokens are read from it. */
void poisk_analyzer_reset(poisk_analyzer *a, const char *text, size_t len);

/*! poisk_analyzer_next() : @return : 1 and fills *tok, or 0 at the end of the text */
int  poisk_analyzer_next(poisk_analyzer *a, poisk_token *tok);

/*! Damaged UTF-8 sequences (invalid, overlong, surrogate, NUL) seen since create. */
uint64_t poisk_analyzer_invalid_sequences(const poisk_analyzer *a);

/*! Is this word (any case) one of the stop words?  (query validation, phrase checks) */
int poisk_is_stop_word(const char *word, size_t len);

/* Fingerprints recorded in an index manifest; an index is refused when they differ. */
uint64_t poisk_stop_list_hash(void);
uint64_t poisk_stemmer_fingerprint(void);   /* hash of the stems of a fixed word list */

/* ---- corpus statistics for split-word repair ------------------------------------------- */

/*! poisk_lexicon_create() : an empty lexicon; feed it every input text, then freeze it. */
int  poisk_lexicon_create(poisk_lexicon **out);
/*! poisk_lexicon_add_text() : first pass: count whole word forms of one text. */
int  poisk_lexicon_add_text(poisk_lexicon *lx, const char *text, size_t len);
/*! poisk_lexicon_freeze() : done adding; after this the lexicon is read-only and shareable. */
int  poisk_lexicon_freeze(poisk_lexicon *lx);
void poisk_lexicon_free(poisk_lexicon *lx);

#endif
