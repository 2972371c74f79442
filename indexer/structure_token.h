/*
 * structure_token.h: the token stream the structure parser reads (stage: text -> document
 * model).  A token is a maximal run of letters or of digits ("8Раздел" is "8" + "Раздел",
 * glued); soft hyphens and zero-width characters inside a word do not split it; everything
 * else separates tokens.  Each token remembers what separated it from the previous one
 * (newline, dot, semicolon, two or more spaces), which is all the layout the rules need, so
 * CRLF, BOM, NBSP, typographic quotes and dashes make no difference to them.
 */
#ifndef POISK_STRUCTURE_TOKEN_H
#define POISK_STRUCTURE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

enum {
    ST_DIGIT      = 1 << 0,   /* digits only */
    ST_UPPER      = 1 << 1,   /* starts with an upper-case letter */
    ST_GLUED      = 1 << 2,   /* no separator before it (letter/digit change) */
    ST_NL_BEFORE  = 1 << 3,   /* a line break before it */
    ST_DOT_BEFORE = 1 << 4,   /* a '.' between it and the previous token */
    ST_SEMI_BEFORE= 1 << 5,   /* a ';' between it and the previous token */
    ST_WIDE_BEFORE= 1 << 6,   /* two or more white-space characters before it */
    ST_ALLCAPS    = 1 << 7,   /* two or more letters, all upper case */
    ST_BOILER     = 1 << 8,   /* set by the parser: part of a boilerplate span */
    ST_PUNCT_BEFORE = 1 << 9, /* some other non-space character before it («, №, -, ...) */
    ST_HEADING    = 1 << 10,  /* set by the parser: the number of a section/sector heading */
    ST_SECTION    = 1 << 11,  /* set by the parser: first token of a section/appendix heading */
    ST_IN_HEADER  = 1 << 12   /* set by the parser: a bare number inside a table header split
                                 across pages (the page number there) */
};

/* 8 bytes per token keeps a 50 MB file's token array near its size. */
typedef struct st_tok {
    uint32_t start;           /* byte offset in the text */
    uint32_t len_flags;       /* length in bytes (low 19 bits) | flags << 19 */
} st_tok;

#define ST_MAX_TOKEN_LEN ((1u << 19) - 1)

static inline uint32_t st_len(const st_tok *t) { return t->len_flags & ST_MAX_TOKEN_LEN; }
static inline unsigned st_flags(const st_tok *t) { return t->len_flags >> 19; }
static inline uint32_t st_end(const st_tok *t) { return t->start + st_len(t); }
static inline void st_set_flag(st_tok *t, unsigned f) { t->len_flags |= (uint32_t)f << 19; }

typedef struct st_tokens {
    st_tok *t;
    size_t n, cap;
    size_t newlines;
} st_tokens;

/*! st_tokenize() : tokens of text[0,len) (len < 4 GiB).  @return : 0, or -1 on ENOMEM */
int st_tokenize(const char *text, size_t len, st_tokens *out);
void st_tokens_free(st_tokens *tk);

/*! st_norm() : the token lower-cased, ё->е, invisible characters dropped, into out
 *  (NUL-terminated, truncated to cap-1 bytes).  @return : length written */
size_t st_norm(const char *text, const st_tok *t, char *out, size_t cap);

/*! Is the normalised token equal to word (normalised, lower case)? */
int st_is(const char *text, const st_tok *t, const char *word);
/*! st_is() with the word's length known (wl = strlen(word)). */
int st_is_n(const char *text, const st_tok *t, const char *word, size_t wl);
/*! Does the normalised token start with prefix? */
int st_starts(const char *text, const st_tok *t, const char *prefix);
/*! Value of a digit token of at most 9 digits; -1 otherwise. */
long st_value(const char *text, const st_tok *t);

/*! Is the byte at text[i] the start of white space (ASCII, NBSP, BOM, Unicode spaces)?
 *  @return : its length in bytes, or 0 */
size_t st_space_len(const char *text, size_t len, size_t i);

#endif
