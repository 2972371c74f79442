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

typedef struct poisk_repair_join {
    char form[POISK_REPAIR_WINDOW * POISK_PIECE_MAX_BYTES];
    size_t len, nchars, start, end;
    int compound;     /* 1: the parts are words; emit them AND the join (social-economic) */
} poisk_repair_join;

/*! poisk_repair_create() : lexicon may be NULL (then nothing is ever joined); forms: the
 *  analyzer's per-form cache, created with the same lexicon (kept, not owned). */
int  poisk_repair_create(const poisk_lexicon *lx, poisk_stemcache *forms, poisk_repair **out);
void poisk_repair_free(poisk_repair *r);

/*! poisk_repair_plan() : should the pieces at the head of the ring (ring[head..], avail of
 *  them, cap the ring size) be joined into one word?  keeps_stop: the text keeps its stop
 *  words (then a stop word is never a fragment).  Caches verdicts in the pieces.
 *  @return : pieces joined (2..3) with *join filled, or 0 */
unsigned poisk_repair_plan(poisk_repair *r, poisk_piece *ring, unsigned cap,
                           unsigned head, unsigned avail, int keeps_stop,
                           poisk_repair_join *join);

/*! poisk_repair_split() : is this piece two words glued where a hyphen was deleted
 *  (социальноэкономического)?  @return : byte length of the first word, or 0 */
size_t poisk_repair_split(poisk_repair *r, poisk_piece *p);

#endif
