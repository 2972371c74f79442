/*
 * index_reader.h: the reader-side internals the query evaluator uses: per-section term
 * dictionaries, postings cursors with block-max skip data, positions, passage lengths and
 * the passage store.  (Stage: files -> reader -> query evaluator.)  Nothing here writes.
 *
 * Doc ids are global passage numbers, assigned in (region, document order) over the whole
 * index, so a region is one contiguous range [lo,hi) in every section; each passage lives
 * in exactly one section index.  Collection statistics for BM25 are whole-index.  A
 * section's passages also have section-local ids 0..n-1 in global order (what postings
 * store): a local cursor (poisk_postings_open_local) reports them, so the query evaluator
 * walks a section without mapping every posting, and converts with local_rank/global_id
 * only where a global id is needed (top-k entry, region bounds, hits).
 *
 * Lifetimes: everything returned stays valid until poisk_index_close().  A cursor is used
 * by one thread; the index itself may be shared.  Functions returning int give poisk_rc
 * (negative never), with *err naming the damaged file when a checksum or bound fails.
 */
#ifndef POISK_INDEX_READER_H
#define POISK_INDEX_READER_H

#include <stdint.h>
#include <stddef.h>
#include "poisk/index.h"

struct poisk_bitmap_view;

#define POISK_DOC_END UINT32_MAX

typedef struct poisk_section_index poisk_section_index;
typedef struct poisk_postings poisk_postings;

/* Which dictionary: stemmed terms (the default) or normalised exact surface forms. */
typedef enum { POISK_DICT_STEM = 0, POISK_DICT_EXACT = 1 } poisk_dict_kind;

typedef struct poisk_term_info {
    uint32_t df;            /* passages containing the term in this section */
    uint64_t cf;            /* occurrences in this section */
    uint64_t ref[4];        /* reader-private location of postings/positions */
    uint64_t dref;          /* reader-private: the dictionary entry (exact positions, v4) */
} poisk_term_info;

/*! poisk_index_section() : the section's index, opened on first use; *out is NULL when the
 *  section has no passages. */
int poisk_index_section(poisk_index *idx, poisk_section s, poisk_section_index **out,
                        poisk_error *err);

/*! Exact lookup.  @return : POISK_OK with *found set (0/1), or an error code. */
int poisk_section_lookup(poisk_section_index *sec, poisk_dict_kind kind,
                         const char *term, size_t len, poisk_term_info *info, int *found,
                         poisk_error *err);

/*! One exact lookup of poisk_section_lookup_many(). */
typedef struct poisk_lookup {
    poisk_section_index *sec;           /* NULL: not found */
    poisk_dict_kind kind;
    const char *term;
    size_t len;
    poisk_term_info info;               /* out */
    int found;                          /* out */
} poisk_lookup;

/*! n exact lookups, each as poisk_section_lookup() would make it, advanced together so
 *  that their cache misses overlap (a query looks each term up in every section).
 *  @return : POISK_OK, or the first error (the lookups' results are then unspecified). */
int poisk_section_lookup_many(poisk_lookup *l, size_t n, poisk_error *err);

/*! Prefix enumeration in sorted order; the callback returns non-zero to stop early. */
typedef int (*poisk_term_visit)(void *ctx, const char *term, size_t len,
                                const poisk_term_info *info);
int poisk_section_prefix(poisk_section_index *sec, poisk_dict_kind kind,
                         const char *prefix, size_t len, poisk_term_visit visit, void *ctx,
                         poisk_error *err);

/*! Is this lower-case form one the indexer saw as an all-caps abbreviation (ФОИ)? */
int poisk_index_is_abbrev(const poisk_index *idx, const char *form, size_t len);

/*! Passage length in indexed terms (exact, not quantised). */
uint32_t poisk_section_doc_length(const poisk_section_index *sec, uint32_t doc);

/*! The same lengths as an array indexed by global passage number: valid (and stable) for
 *  this section's passages until close; entries of other sections' passages are not this
 *  section's (0, or their own length).  Filled on first call (O(passages)); NULL when out
 *  of memory.  A scorer walking a section prefers the local lengths. */
const uint32_t *poisk_section_doc_lengths(const poisk_section_index *sec);

/*! The lengths by section-local id (n entries, read in place from the lengths file): what a
 *  local cursor's ids index, one load per posting. */
const uint32_t *poisk_section_local_lengths(const poisk_section_index *sec);
/*! The section's passages with a global id below doc (doc's local id when doc is in the
 *  section; the section's passage count for doc past the last passage). */
uint32_t poisk_section_local_rank(const poisk_section_index *sec, uint32_t doc);
/*! The global id of local id `local`; POISK_DOC_END when local >= the passage count. */
uint32_t poisk_section_global_id(const poisk_section_index *sec, uint32_t local);

/* ---- postings cursor ------------------------------------------------------------------ */

/*! Open a cursor positioned on the first posting (or POISK_DOC_END if empty). */
int  poisk_postings_open(poisk_section_index *sec, poisk_dict_kind kind,
                         const poisk_term_info *info, poisk_postings **out, poisk_error *err);
/*! Lazy variant: the skip entries are read, no block is decoded until the first
 *  poisk_postings_next() (-> the first posting) or poisk_postings_advance(target) (decodes
 *  only the block that may hold target).  Until then doc() and tf() are 0, not a posting.
 *  A query evaluator that skips blocks by their bounds thus never decodes a block it skips. */
int  poisk_postings_open_lazy(poisk_section_index *sec, poisk_dict_kind kind,
                              const poisk_term_info *info, poisk_postings **out, poisk_error *err);
/*! Lazy, and reporting section-local ids (doc(), advance() targets, block views, block
 *  last docs): no id mapping per decoded block or skip entry.  An exact cursor's elided
 *  positions are read through a local stem cursor too. */
int  poisk_postings_open_local(poisk_section_index *sec, poisk_dict_kind kind,
                               const poisk_term_info *info, poisk_postings **out, poisk_error *err);
void poisk_postings_close(poisk_postings *c);

uint32_t poisk_postings_doc(const poisk_postings *c);   /* POISK_DOC_END when exhausted */
uint32_t poisk_postings_tf(const poisk_postings *c);
int poisk_postings_next(poisk_postings *c, poisk_error *err);
/*! Move to the first posting with doc >= target. */
int poisk_postings_advance(poisk_postings *c, uint32_t target, poisk_error *err);
/*! advance() that may leave the block it lands in undecoded (a bitmap block, codec.h
 *  poisk_plist_probe()): doc() and tf() are right, the block view is empty.  *v is then the
 *  block's bit set, which the caller may scan in place up to v->last (codec.h
 *  poisk_bitmap_next_geq / poisk_bitmap_tf) without moving the cursor; v->last is 0 when the
 *  cursor is decoded (or at the end).  @return : as advance() */
int poisk_postings_probe(poisk_postings *c, uint32_t target, struct poisk_bitmap_view *v,
                         poisk_error *err);

/* Block-max data: skip entries only, no block decoding.  shallow_advance moves the skip
 * pointer to the block that may contain target; block_last_doc/max_tf/impacts
 * describe it.  The impacts (codec.h) give the exact best BM25 contribution of the block for
 * any k1, b (max tf with min dl alone is a looser bound: they may come from two postings). */
int      poisk_postings_shallow_advance(poisk_postings *c, uint32_t target, poisk_error *err);
uint32_t poisk_postings_block_last_doc(const poisk_postings *c);
/*! The coarse level (docs/FORMAT.md §6.2): the group holding the first block that may
 *  contain target, its last doc and, when that is <= limit, its impacts (dominating its
 *  blocks'; else *imp is NULL); *last is POISK_DOC_END when the list has no groups (at
 *  most 16 blocks) or target is past it. */
struct poisk_impacts;
int      poisk_postings_shallow_group(poisk_postings *c, uint32_t target, uint32_t limit,
                                      uint32_t *last, const struct poisk_impacts **imp,
                                      poisk_error *err);
/*! indexer --check: the group records agree with the skip entries and bound them. */
int      poisk_postings_check_groups(poisk_postings *c, poisk_error *err);
uint32_t poisk_postings_block_max_tf(const poisk_postings *c);
const struct poisk_impacts *poisk_postings_block_impacts(const poisk_postings *c);

/*! Positions of the current posting (ascending).  Valid until the cursor moves. */
int poisk_postings_positions(poisk_postings *c, const uint32_t **pos, uint32_t *n,
                             poisk_error *err);

/*! The decoded block, for a caller that walks it without a call per posting: docs[0..n)
 *  (the cursor's ids, ascending) and tfs[0..n), the cursor on docs[*i].  n is 0 when the cursor
 *  is exhausted or lazy and unread.  Valid until the cursor next moves to another block;
 *  walking the view does not move the cursor (advance() it to a doc found there before
 *  asking for positions). */
uint32_t poisk_postings_block_view(const poisk_postings *c, const uint32_t **docs,
                                   const uint32_t **tfs, uint32_t *i);

/*! Postings blocks this cursor has decoded (pruning is measured with it). */
uint64_t poisk_postings_blocks_decoded(const poisk_postings *c);

/* ---- passage store ------------------------------------------------------------------- */

/* Caller-owned buffer reused across calls; poisk_passage fields point into it. */
typedef struct poisk_passage_buf { char *data; size_t cap; uint32_t *pages; size_t pages_cap; } poisk_passage_buf;
void poisk_passage_buf_free(poisk_passage_buf *buf);

/*! Read passage `doc` (metadata and text) into *out, backed by *buf. */
int poisk_index_passage(poisk_index *idx, uint32_t doc, poisk_passage *out,
                        poisk_passage_buf *buf, poisk_error *err);
/*! The same without the text (out->text NULL, text_len 0): only the block's metadata
 *  stream is inflated, a few KiB instead of the block's text (hits without snippets,
 *  sector filters). */
int poisk_index_passage_meta(poisk_index *idx, uint32_t doc, poisk_passage *out,
                             poisk_passage_buf *buf, poisk_error *err);

/*! poisk_index_attachment() : per-index state of a higher layer (the searcher's analyzer
 *  pool), made by make(idx) on first call (thread-safe, once) and freed by drop() at
 *  poisk_index_close().  @return : the state, or NULL when make() returned NULL (the
 *  next call tries again) */
void *poisk_index_attachment(poisk_index *idx, void *(*make)(poisk_index *),
                             void (*drop)(void *));

#endif
