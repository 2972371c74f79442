/*
 * repair.h: split-word repair, the analyzer's document-side step that rejoins words broken
 * by PDF wrapping (образо вательного, государ-⏎ственной, верифицированны⏎х) and splits
 * compounds whose hyphen the export deleted (социальноэкономического), using the corpus
 * lexicon and, when loaded, the hunspell dictionary (lexicon.h).  Counts and verdicts about
 * a word form live in the analyzer's per-form cache (stemcache.h): one probe per piece.
 */
#ifndef POISK_REPAIR_H
#define POISK_REPAIR_H

#include "analyzer_scan.h"
#include "lexicon.h"
#include "stemcache.h"

#define POISK_REPAIR_WINDOW 3   /* pieces looked at from the head of the queue */

typedef struct poisk_repair poisk_repair;

/* What repair knows about a piece (poisk_piece.r_bits): computed once by
 * poisk_repair_note(), when the piece enters the analyzer's queue, from its form's cache
 * entry, so that deciding whether a window of pieces could join is a few bit tests. */
enum {
    R_KNOWN = 1,      /* the bits are valid */
    R_FIRST = 2,      /* may be the first part of a join: Cyrillic letters, not all-caps */
    R_NEXT = 4,       /* may be a later part: as R_FIRST and lower case */
    R_BAD = 8,        /* not a word in its own right (a possible fragment) */
    R_STOP = 16,      /* a stop word */
    R_PREFIX = 32,    /* the corpus has a longer form starting with it */
    R_SUFFIX = 64,    /* the corpus has a longer form ending with it */
    R_OE = 128        /* 4+ letters ending in -о/-е: may be a compound's first part */
};

typedef struct poisk_repair_join {
    char form[POISK_REPAIR_WINDOW * POISK_PIECE_MAX_BYTES];
    size_t len, nchars, start, end;
    int compound;     /* 1: the parts are words; emit them AND the join (social-economic) */
    poisk_form_ref ref;   /* where the join's form cache entry is */
} poisk_repair_join;

/*! poisk_repair_create() : lexicon may be NULL (then nothing is ever joined); forms: the
 *  analyzer's per-form cache, created with the same lexicon (kept, not owned). */
int  poisk_repair_create(const poisk_lexicon *lx, poisk_stemcache *forms, poisk_repair **out);
void poisk_repair_free(poisk_repair *r);

/*! poisk_repair_note() : looks up what repair needs to know about a piece (its form's
 *  corpus counts and dictionary verdict) when it enters the analyzer's queue. */
void poisk_repair_note(poisk_repair *r, poisk_piece *p);

/*! poisk_repair_plan() : should the pieces p[0..avail-1] at the head of the analyzer's
 *  queue (avail <= POISK_REPAIR_WINDOW) be joined into one word?  keeps_stop: the text
 *  keeps its stop words (then a stop word is never a fragment).  Every piece must
 *  have been noted.  @return : pieces joined (2..3) with *join filled, or 0 */
unsigned poisk_repair_plan(poisk_repair *r, poisk_piece *const *p, unsigned avail,
                           int keeps_stop, poisk_repair_join *join);

/* Could any rule join pieces separated by blanks?  Every rule needs the first two pieces
 * to be joinable; then either some part is not a word (the base rule), or both parts are
 * words and the pair must have been seen glued in the corpus (+both, compound link), which
 * needs the first to be a corpus prefix and the second a corpus suffix, or the glued pair
 * is a compound another form of which was seen (the first part ends in -о/-е).  Decided from the
 * bits of noted pieces, without building or hashing any joined form. */
static inline int poisk_repair_may_join_spaced(poisk_piece *const *p, unsigned avail)
{
    unsigned b0 = p[0]->r_bits, b1 = p[1]->r_bits;
    if (!(b0 & R_FIRST) || !(b1 & R_NEXT))
        return 0;
    if ((b0 | b1) & R_BAD)
        return 1;
    if (avail >= 3 && p[2]->glue == POISK_GLUE_SPACE
        && (p[2]->r_bits & (R_NEXT | R_BAD)) == (R_NEXT | R_BAD))
        return 1;
    return (b0 & R_PREFIX) && ((b1 & R_SUFFIX) || (b0 & R_OE));
}

/*! poisk_repair_may_act() : could poisk_repair_plan() or poisk_repair_split() do anything
 *  with the noted pieces p[0..avail-1]?  No for nearly every window of ordinary words. */
static inline int poisk_repair_may_act(poisk_piece *const *p, unsigned avail)
{
    if ((p[0]->r_bits & (R_FIRST | R_BAD)) == (R_FIRST | R_BAD) && p[0]->nchars >= 9)
        return 1;                         /* a glued compound to split, perhaps */
    if (avail < 2)
        return 0;
    switch (p[1]->glue) {
    case POISK_GLUE_SPACE:
        return poisk_repair_may_join_spaced(p, avail);
    case POISK_GLUE_HYPHEN_NL:
    case POISK_GLUE_NEWLINE:
        return 1;
    default:
        return 0;
    }
}

/*! poisk_repair_split() : is this piece two words glued where a hyphen was deleted
 *  (социальноэкономического)?  @return : byte length of the first word, or 0 */
size_t poisk_repair_split(poisk_repair *r, poisk_piece *p);

#endif
