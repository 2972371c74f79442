/*
 * query.h: the query language (docs/QUERY.md), parsed into a tree the evaluator walks
 * (stage: query text -> query tree -> query evaluator).  Module-private to searcher/.
 *
 * Parsing is two steps so the grammar can be tested without an index:
 *   poisk_query_parse()   text -> raw tree (words as typed, filters collected) or a
 *                         one-line error (syntax, unknown_filter, too_long);
 *   poisk_query_analyze() words -> index terms through the document analyzer (repair off,
 *                         the index's abbreviations); stop words drop out; a word that
 *                         yields several positions becomes a phrase.  Error:
 *                         stopwords_only.
 * Prefix words (word*) keep their normalised prefix; the evaluator expands them over the
 * index's exact-form dictionary.
 *
 * Semantics (also used by the brute-force scorer of the tests): a BOOL node matches when
 * every MUST clause matches, no NOT clause matches and, if it has no MUST clause, at least
 * one SHOULD clause matches; its score is the sum of the scores of its matching MUST and
 * SHOULD clauses.  A TERM scores BM25; a PHRASE matches when its positions occur at the
 * query's relative offsets (any alternative per position) and scores the sum of BM25 of
 * its distinct terms; a PREFIX is a SHOULD-only BOOL of its expansion.
 */
#ifndef POISK_QUERY_H
#define POISK_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"
#include "poisk/analyzer.h"

typedef enum { QN_WORD, QN_EXACT, QN_PREFIX, QN_PHRASE, QN_TERM, QN_BOOL } poisk_qnode_kind;
typedef enum { Q_SHOULD = 0, Q_MUST, Q_NOT } poisk_occur;

/* A term of the index dictionaries: a stem (exact = 0) or a normalised form (exact = 1). */
typedef struct poisk_qterm {
    char *text;
    size_t len;
    int exact;
} poisk_qterm;

/* One phrase position: alternative terms (indexes into the query's term table). */
typedef struct poisk_qpos {
    uint32_t offset;          /* relative to the phrase's first position */
    size_t *alt;
    size_t n_alt;
} poisk_qpos;

typedef struct poisk_qnode poisk_qnode;
typedef struct poisk_qclause { poisk_occur occ; poisk_qnode *node; } poisk_qclause;

struct poisk_qnode {
    poisk_qnode_kind kind;
    char *text;               /* WORD/EXACT/PHRASE: as typed; PREFIX: normalised prefix */
    size_t len;
    size_t offset;            /* byte offset in the query, for messages */
    size_t term;              /* TERM: index into the term table */
    poisk_qpos *pos;          /* PHRASE after analysis */
    size_t n_pos;
    poisk_qclause *cl;        /* BOOL */
    size_t n_cl;
};

typedef enum { QF_SECTION = 0, QF_SECTOR, QF_REGION, QF_KINDS } poisk_qfilter_kind;

typedef struct poisk_qfilter {
    poisk_qfilter_kind kind;
    int negated;
    char *value;              /* section id, sector id or region slug (canonical) */
    int section;              /* QF_SECTION: the poisk_section */
} poisk_qfilter;

typedef struct poisk_query {
    poisk_qnode *root;        /* a BOOL */
    poisk_qfilter *filters;
    size_t n_filters;
    poisk_qterm *terms;       /* distinct terms, after analysis */
    size_t n_terms, cap_terms;
} poisk_query;

typedef struct poisk_query_limits {
    size_t max_query_bytes;
    unsigned max_depth;       /* parentheses nesting */
} poisk_query_limits;

/*! poisk_query_parse() : text -> raw tree.  all = AND is the default operator.
 *  @return : POISK_OK, POISK_ESYNTAX, POISK_EFILTER, POISK_ETOOLONG or POISK_ENOMEM. */
int poisk_query_parse(const char *text, size_t len, int all, const poisk_query_limits *lim,
                      poisk_query **out, poisk_error *err);

/*! poisk_query_analyze() : words -> terms with analyzer `a` (created by the caller with the
 *  query options).  @return : POISK_OK, POISK_ESTOPWORDS or POISK_ENOMEM. */
int poisk_query_analyze(poisk_query *q, poisk_analyzer *a, poisk_error *err);

/*! Add (or find) a term in the query's table. @return : its index, or (size_t)-1 on ENOMEM */
size_t poisk_query_term(poisk_query *q, const char *text, size_t len, int exact);

/*! Add a filter as if written in the query (options of the API and the server). */
int poisk_query_add_filter(poisk_query *q, poisk_qfilter_kind kind, const char *value,
                           int negated, poisk_error *err);

/*! Normalise a prefix the way the analyzer normalises words (lower case, ё -> е) when the
 *  analyzer drops it (stop words): fallback used by prefix expansion.  malloc'd. */
char *poisk_query_fold(const char *s, size_t len, size_t *out_len);

void poisk_qnode_free(poisk_qnode *n);
void poisk_query_free(poisk_query *q);

/*! The names of the known sector ids, NULL-terminated (sector: filter values). */
extern const char *const poisk_query_sectors[];

#endif
