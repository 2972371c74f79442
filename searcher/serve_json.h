/*
 * serve_json.h: the small JSON writer of the HTTP server (stage: ranked hits -> output):
 * a growable byte buffer, JSON string escaping that never emits invalid UTF-8, and a
 * UTF-8 validator for request parameters.  The hit objects themselves come from
 * poisk_results_json_hits(), so they are byte-identical to `searcher --json`.
 */
#ifndef POISK_SERVE_JSON_H
#define POISK_SERVE_JSON_H

#include <stddef.h>

/* A growable buffer; on allocation failure it sets .failed and drops further writes, so
 * callers check once at the end instead of after every append. */
typedef struct poisk_strbuf {
    char *data;
    size_t len, cap;
    int failed;
} poisk_strbuf;

void poisk_strbuf_append(poisk_strbuf *b, const char *s, size_t n);
void poisk_strbuf_puts(poisk_strbuf *b, const char *s);
void poisk_strbuf_printf(poisk_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*! Append s as a quoted JSON string; bytes that are not valid UTF-8 become U+FFFD. */
void poisk_strbuf_json_string(poisk_strbuf *b, const char *s, size_t n);
/*! Take the NUL-terminated contents (caller frees); NULL if any append failed. */
char *poisk_strbuf_take(poisk_strbuf *b, size_t *len);
void poisk_strbuf_free(poisk_strbuf *b);

/*! poisk_utf8_valid() : 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or
 *  code points above U+10FFFF) with no NUL byte, else 0. */
int poisk_utf8_valid(const char *s, size_t n);

/*! poisk_json_error() : the error body {"error":{"code":..,"message":..}}, malloc'd. */
char *poisk_json_error(const char *code, const char *message, size_t *len);

#endif
