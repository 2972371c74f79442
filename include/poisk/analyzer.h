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
 *
 * Token rules (what the index writer and the searcher rely on):
 * - Tokens come in text order.  A token without POISK_TOKEN_SAME_POSITION takes the next
 *   position (0, 1, 2 ... per text, stop words removed first: no gaps).  A token WITH the
 *   flag has the position of the token just before it: it is an alternative term for the
 *   same place.  The flag never appears on the first token of a text.
 * - Compounds: parts joined by one dash of the family - ‐ ‑ ‒ – — ― − ﹣ － written right
 *   after a part (spaces or a line break may follow the dash), or glued with a case change
 *   (ИТспециальностей, ТЭКиЖКХ), give every part at its own position and then the whole,
 *   written together, flagged SAME_POSITION (so it sits at the LAST part's position):
 *     социально-экономического -> социальн@p экономическ@p+1 социальноэкономическ@p+1=
 *   The whole exists when all parts are letters or all are years.  Stop-word parts are
 *   dropped like any stop word; if no part was kept, the whole takes a position of its own.
 * - Glued year ranges (20222024: two years 1900-2099, ascending) give 2022@p 2024@p+1 and
 *   20222024@p+1= exactly like the dashed 2022-2024.
 * - Searcher: a query analysed by this analyzer matches a document when, for each query
 *   position, the document has at that place the term of one of the tokens at that query
 *   position (the token and its SAME_POSITION followers are alternatives).  Thus the
 *   three spellings социально-экономического / социально экономического /
 *   социальноэкономического each find the others (the glued and the spaced form are linked
 *   in documents by repair, which adds the parts / the whole there).
 * - Digits glued to letters (8Раздел, 189ФЗ) are separate tokens at consecutive positions,
 *   no whole.  Numbers keep their digits (leading zeros too) and are not stemmed.
 * - kind ABBREV: 2-6 letters all capitals in the source (ФОИ, ЕГИССО, ПО, IT); the term is
 *   the lower-cased form, never stemmed, never a stop word.  The index writer should record
 *   the set of ABBREV terms so the searcher's is_abbrev hook can answer it: a query word in
 *   lower case for which is_abbrev() says yes gives the ABBREV term and, if different, its
 *   stem as a SAME_POSITION alternative (фои -> фои:a, фо=).
 * - term: the index term (stem; or the lower-cased number/abbreviation); exact: the
 *   normalised surface form (NFC, lower case, ё->е, homoglyphs folded, invisible
 *   characters dropped, no hyphens), for =word and prefix queries.
 */
#ifndef POISK_ANALYZER_H
#define POISK_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

typedef struct poisk_analyzer poisk_analyzer;
typedef struct poisk_lexicon poisk_lexicon;

/* Bumped whenever a change to the analyzer changes the terms it emits for some text. */
#define POISK_NORMALIZATION_VERSION 2   /* 2: repair recall rules (stem-known joins, compound links) */

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
    /* The identity of the (exact, term) pair, so that a consumer can map a token to its own
     * ids without hashing its bytes: two tokens of one analyzer with the same form_id != 0
     * and the same form_epoch have the same exact and term bytes (kind WORD).  0 = none
     * (numbers, abbreviations, a stem the analyzer could not keep); a new epoch means the
     * ids of the old ones may now stand for other pairs. */
    uint32_t form_id, form_epoch;
} poisk_token;

typedef struct poisk_analyzer_options {
    int repair;                     /* rejoin words split by PDF wrapping (documents only) */
    const poisk_lexicon *lexicon;   /* corpus statistics for repair (without repair: only
                                     * its precomputed stems are used); NULL = none */
    /* Query side: tells whether a lower-case form was seen as an abbreviation in the
     * index, so `фои` meets ФОИ.  NULL = never. */
    int (*is_abbrev)(void *ctx, const char *form, size_t len);
    void *is_abbrev_ctx;
    /* Bytes the per-form cache (stems, stop flags, repair's verdicts) may keep resident;
     * past them it is emptied, which changes no token, only what is computed again.
     * 0 = the default (1 M forms or 64 MB of forms, ~150 MB). */
    size_t form_cache_bytes;
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
/*! poisk_lexicon_add_text_from() : the same, counted in the table of feeder f (0 <= f <
 *  POISK_LEXICON_FEEDERS; feeder 0 is poisk_lexicon_add_text's), so that threads feeding
 *  the first pass at once take no lock: each feeder is one thread at a time.  The freeze
 *  adds the tables up; what a lookup answers does not depend on which fed what. */
#define POISK_LEXICON_FEEDERS 128
int  poisk_lexicon_add_text_from(poisk_lexicon *lx, unsigned f, const char *text, size_t len);
/*! poisk_lexicon_freeze() : done adding; after this the lexicon is read-only and shareable. */
int  poisk_lexicon_freeze(poisk_lexicon *lx);
void poisk_lexicon_free(poisk_lexicon *lx);

#endif
