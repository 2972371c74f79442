/*
 * repair.h: split-word repair, the analyzer's document-side step that rejoins words broken
 * by PDF wrapping (образо вательного, государ-⏎ственной, верифицированны⏎х) using the
 * corpus lexicon and, when loaded, the hunspell dictionary (lexicon.h).
 */
#ifndef POISK_REPAIR_H
#define POISK_REPAIR_H

#include "analyzer_scan.h"
#include "lexicon.h"
#include "stopwords.h"

#define POISK_REPAIR_WINDOW 3   /* pieces looked at from the head of the queue */

typedef struct poisk_repair poisk_repair;

typedef struct poisk_repair_join {
    char form[POISK_REPAIR_WINDOW * POISK_PIECE_MAX_BYTES];
    size_t len, nchars, start, end;
} poisk_repair_join;

/*! poisk_repair_create() : lexicon may be NULL (then nothing is ever joined). */
int  poisk_repair_create(const poisk_lexicon *lx, const poisk_stopset *stop,
                         poisk_repair **out);
void poisk_repair_free(poisk_repair *r);

/*! poisk_repair_plan() : should the pieces at the head of the ring (ring[head..], avail of
 *  them) be joined into one word?  @return : pieces joined (2..3) with *join filled, or 0 */
unsigned poisk_repair_plan(poisk_repair *r, const poisk_piece *ring, unsigned cap,
                           unsigned head, unsigned avail, poisk_repair_join *join);

#endif
