/*
 * warn_tally.h: the indexer's warnings, aggregated by kind (stage: command line output,
 * after the document model).  100,000 tiny files without a region must not print 100,000
 * lines: the first few of each kind are printed, the rest only counted, and one closing
 * line per kind says how many were left out.  The kind of a message is its text after the
 * file name (and a JSON-lines line number), so "a.txt: no region ..." and "b.txt: no
 * region ..." are one kind.
 */
#ifndef POISK_WARN_TALLY_H
#define POISK_WARN_TALLY_H

#include <stddef.h>
#include <stdio.h>

#define POISK_WARN_SHOWN 5           /* messages printed per kind before aggregating */

typedef struct poisk_warn_tally poisk_warn_tally;

/*! A tally printing to out; verbose: print every message.  NULL on ENOMEM. */
poisk_warn_tally *poisk_warn_tally_new(FILE *out, int verbose);

/*! Print (or count) one message about path; prefix goes before it ("warning: " or "").
 *  On ENOMEM the message is printed, never lost. */
void poisk_warn_tally_add(poisk_warn_tally *t, const char *path, const char *prefix,
                          const char *message);

/*! Messages added so far (all kinds). */
size_t poisk_warn_tally_total(const poisk_warn_tally *t);

/*! One line per kind that had messages left out: "... and N more like: <kind>". */
void poisk_warn_tally_finish(poisk_warn_tally *t);
void poisk_warn_tally_free(poisk_warn_tally *t);

#endif
