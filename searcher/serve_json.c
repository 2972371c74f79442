/*
 * serve_json.c: growable buffer, JSON string escaping and UTF-8 validation for the HTTP
 * server (see serve_json.h).  Escaping replaces malformed UTF-8 instead of copying it,
 * because a single bad byte would make the whole response unparsable for the client.
 */
#include "serve_json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int strbuf_reserve(poisk_strbuf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void poisk_strbuf_append(poisk_strbuf *b, const char *s, size_t n)
{
    if (!strbuf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void poisk_strbuf_puts(poisk_strbuf *b, const char *s)
{
    poisk_strbuf_append(b, s, strlen(s));
}

void poisk_strbuf_printf(poisk_strbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        poisk_strbuf_append(b, small, (size_t)n);
        return;
    }
    if (!strbuf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0 if malformed. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int poisk_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] == 0)
            return 0;
        size_t l = utf8_seq_len(p + i, n - i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

void poisk_strbuf_json_string(poisk_strbuf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    poisk_strbuf_append(b, "\"", 1);
    size_t i = 0, run = 0;   /* run: start of bytes copied verbatim */
    while (i < n) {
        unsigned c = p[i];
        size_t l = utf8_seq_len(p + i, n - i);
        int plain = l > 1 || (l == 1 && c >= 0x20 && c != '"' && c != '\\');
        if (plain) {
            i += l;
            continue;
        }
        poisk_strbuf_append(b, s + run, i - run);
        if (!l)
            poisk_strbuf_append(b, "\xEF\xBF\xBD", 3);   /* U+FFFD */
        else if (c == '"')
            poisk_strbuf_append(b, "\\\"", 2);
        else if (c == '\\')
            poisk_strbuf_append(b, "\\\\", 2);
        else if (c == '\n')
            poisk_strbuf_append(b, "\\n", 2);
        else if (c == '\t')
            poisk_strbuf_append(b, "\\t", 2);
        else if (c == '\r')
            poisk_strbuf_append(b, "\\r", 2);
        else
            poisk_strbuf_printf(b, "\\u%04x", c);
        i += 1;
        run = i;
    }
    poisk_strbuf_append(b, s + run, n - run);
    poisk_strbuf_append(b, "\"", 1);
}

char *poisk_strbuf_take(poisk_strbuf *b, size_t *len)
{
    if (!b->failed && !b->data)
        strbuf_reserve(b, 0);
    if (b->failed) {
        poisk_strbuf_free(b);
        return NULL;
    }
    char *d = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void poisk_strbuf_free(poisk_strbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

char *poisk_json_error(const char *code, const char *message, size_t *len)
{
    poisk_strbuf b = { 0 };
    poisk_strbuf_puts(&b, "{\"error\":{\"code\":");
    poisk_strbuf_json_string(&b, code, strlen(code));
    poisk_strbuf_puts(&b, ",\"message\":");
    poisk_strbuf_json_string(&b, message, strlen(message));
    poisk_strbuf_puts(&b, "}}\n");
    return poisk_strbuf_take(&b, len);
}
