/*
 * structure_pages.h: printed page numbers of a strategy text (stage: text -> document
 * model; used by the structure parser, structure.c).
 *
 * Exports keep the printed page numbers as bare numbers inside the text (flattened files)
 * or alone on their line (line-based files).  Numbered list items, table cells and column
 * numbers look the same.  What tells pages apart is the sequence: pages increase by one
 * through a document and are about equally long, so the page numbers are the chain
 * p, p+1, p+2 ... that is longest and most regular.  Rules: docs/CORPUS.md.
 */
#ifndef POISK_STRUCTURE_PAGES_H
#define POISK_STRUCTURE_PAGES_H

#include <stddef.h>
#include "structure_token.h"

typedef struct st_page_mark {
    size_t tok;               /* token of the printed number */
    size_t byte;              /* its offset: the page starts here */
    long value;               /* the printed number */
} st_page_mark;

typedef struct st_pages {
    st_page_mark *m;          /* in text order, values strictly increasing */
    size_t n;
    size_t page_len;          /* typical page length in bytes (0: no pages) */
} st_pages;

/*! st_pages_find() : the page chain of tokens t[0, n) of text, whose ST_DIGIT tokens are
 *  digits[0, n_digits) (st_tokens.digits).  Candidates are bare
 *  numbers not flagged ST_HEADING nor ST_BOILER (except ST_IN_HEADER: a page number inside
 *  a table header split across pages), alone on their line when line_based.  Numbers of a
 *  table of contents are candidates too (the page number printed on the TOC's last page
 *  is a page); the TOC's entry numbers stand too close together to form a chain.
 *  ST_SECTION on the token after a number marks a section start, which begins a new page:
 *  the page before it may be short.  @return : 0, or -1 on ENOMEM (out is then empty) */
int st_pages_find(const char *text, const st_tok *t, size_t n, const uint32_t *digits,
                  size_t n_digits, int line_based, st_pages *out);

/*! st_pages_range() : the printed pages bytes [a, b) lie on.
 *  @return : 1 and *first <= *last, or 0 when no page is known there */
int st_pages_range(const st_pages *pg, size_t a, size_t b, long *first, long *last);

void st_pages_free(st_pages *pg);

#endif
