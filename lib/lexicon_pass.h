/*
 * lexicon_pass.h: the lexicon's first pass, a count table of word forms (stage: input
 * texts -> counts, before the lexicon's freeze).  Split-word repair needs to know how often
 * each letter form occurs whole in the corpus; this table counts them while the inputs are
 * read (poisk_lexicon_add_text() feeds the lexicon's own), and the freeze (lexicon.c) turns
 * the counts into its lookup table.
 */
#ifndef POISK_LEXICON_PASS_H
#define POISK_LEXICON_PASS_H

#include <stddef.h>
#include <stdint.h>

typedef struct poisk_lexpass poisk_lexpass;

/*! poisk_lexpass_create() : an empty count table.  @return : poisk_rc */
int poisk_lexpass_create(poisk_lexpass **out);

void poisk_lexpass_free(poisk_lexpass *p);

/*! poisk_lexpass_add_text() : counts every letter piece of the text (the analyzer's
 *  tokenizer, analyzer_scan.h), each as one occurrence of its normalised form, and as
 *  all-caps when it was so in the text.  @return : POISK_OK or POISK_ENOMEM */
int poisk_lexpass_add_text(poisk_lexpass *p, const char *text, size_t len);

/*! poisk_lexpass_merge() : adds every form's counts in src to dst (forms new to dst are
 *  appended in src's order): threads count into tables of their own, merged at freeze.
 *  @return : POISK_OK, or POISK_ENOMEM with no count of dst changed */
int poisk_lexpass_merge(poisk_lexpass *dst, const poisk_lexpass *src);

/*! poisk_lexpass_forms() : distinct forms counted. */
size_t poisk_lexpass_forms(const poisk_lexpass *p);

/*! poisk_lexpass_form_bytes() : the bytes of all the distinct forms together. */
size_t poisk_lexpass_form_bytes(const poisk_lexpass *p);

/*! Called for each form: its bytes, length, count and all-caps count; non-zero stops. */
typedef int (*poisk_lexpass_fn)(void *ctx, const char *form, size_t len, uint32_t count,
                                uint32_t caps);

/*! poisk_lexpass_each() : fn for every form, in the order they were first counted (the most
 *  frequent forms come early).  @return : 0, or fn's first non-zero result */
int poisk_lexpass_each(const poisk_lexpass *p, poisk_lexpass_fn fn, void *ctx);

#endif
