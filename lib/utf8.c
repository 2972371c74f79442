/*
 * utf8.c: the analyzer's UTF-8 decoder lives inline in utf8.h (it runs once per input
 * byte); this file holds the out-of-line helpers.
 */
#include "utf8.h"

size_t poisk_utf8_count_bad(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t bad = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += poisk_utf8_decode(p + i, n - i, &cp);
        bad += cp == POISK_UTF8_BAD;
    }
    return bad;
}
