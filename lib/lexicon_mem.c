/*
 * lexicon_mem.c: huge-page backed tables for the form cache and the lexicon (see
 * lexicon_mem.h).  Below 2 MiB a table is ordinary heap memory (64-byte aligned, so the
 * form cache's 32-byte entries never cross a line); from 2 MiB on it is an
 * anonymous mapping of whole, aligned 2 MiB pages advised MADV_HUGEPAGE before its first
 * touch (a hint: without THP the pages are simply small).  The size tells the two apart,
 * which is why the owners pass it back.  The _from variants move the 2 MiB line up for an
 * owner that wants it elsewhere (the writer's inverter, writer_invert.c).  A huge table
 * that grows keeps its pages: they are moved (mremap) to the head of the bigger mapping,
 * so growth neither copies them nor has the kernel clear as many fresh pages again, and
 * hash tables double in place (poisk_table_double).
 */
#include "lexicon_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

static size_t huge_round(size_t bytes)
{
    return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

static void *huge_map(size_t bytes)
{
    size_t len = huge_round(bytes);
    if (len < bytes || len + HUGE_PAGE < len)
        return NULL;
    /* map a page more, then cut the head and tail so the table starts on a 2 MiB line */
    char *m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    size_t head = start - (uintptr_t)m, tail = HUGE_PAGE - head;
    if (head)
        munmap(m, head);
    if (tail)
        munmap((char *)start + len, tail);
#ifdef MADV_HUGEPAGE
    (void)madvise((void *)start, len, MADV_HUGEPAGE);
#endif
    return (void *)start;
}

void *poisk_table_alloc_from(size_t bytes, size_t huge_from)
{
    if (bytes < huge_from) {                /* cache-line aligned: entries never cross one */
        size_t len = (bytes + 63) & ~(size_t)63;
        void *p = aligned_alloc(64, len ? len : 64);
        if (p)
            memset(p, 0, len ? len : 64);
        return p;
    }
    return huge_map(bytes);                 /* fresh anonymous pages are zero */
}

void poisk_table_free_from(void *p, size_t bytes, size_t huge_from)
{
    if (!p)
        return;
    if (bytes < huge_from)
        free(p);
    else
        munmap(p, huge_round(bytes));
}

/* A huge table p of old_bytes moved, pages and all, to the head of a fresh mapping of
 * new_bytes (> old_bytes): no copy, and its pages are not cleared a second time, as a new
 * table's would be.  NULL (p kept) when it cannot be moved. */
static void *huge_move(void *p, size_t old_bytes, size_t new_bytes)
{
    char *q = huge_map(new_bytes);
    if (!q)
        return NULL;
    size_t len = huge_round(old_bytes);
    if (mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
        munmap(q, huge_round(new_bytes));
        return NULL;
    }
    return q;
}

void *poisk_table_resize_from(void *p, size_t old_bytes, size_t keep, size_t new_bytes,
                              size_t huge_from)
{
    if (!p)
        old_bytes = 0;
    if (new_bytes < huge_from && old_bytes < huge_from)
        return realloc(p, new_bytes ? new_bytes : 1);   /* arenas: no alignment wanted */
    if (old_bytes >= huge_from && huge_round(new_bytes) == huge_round(old_bytes))
        return p;                           /* the mapping already covers it */
    if (old_bytes >= huge_from && new_bytes > old_bytes) {
        void *m = huge_move(p, old_bytes, new_bytes);
        if (m)
            return m;
    }
    void *q = poisk_table_alloc_from(new_bytes, huge_from);
    if (!q)
        return NULL;
    if (keep > old_bytes)
        keep = old_bytes;
    if (keep)
        memcpy(q, p, keep < new_bytes ? keep : new_bytes);
    poisk_table_free_from(p, old_bytes, huge_from);
    return q;
}

/* An entry is empty when its first 8 bytes are (poisk_table_double's contract). */
static inline int slot_empty(const unsigned char *e)
{
    uint64_t w;
    memcpy(&w, e, 8);
    return w == 0;
}

/* Entries are whole 8-byte words (elem % 8 == 0, <= 64): copied and cleared as such, no
 * call; s NULL clears d. */
static inline void slot_copy(unsigned char *d, const unsigned char *s, size_t words)
{
    static const uint64_t zero;
    for (size_t i = 0; i < words; i++)
        memcpy(d + 8 * i, s ? s + 8 * i : (const unsigned char *)&zero, 8);
}

void *poisk_table_double_from(void *p, size_t n, size_t elem, size_t huge_from,
                              poisk_table_home_fn home, void *ctx)
{
    unsigned char tmp[64];
    if (elem > sizeof tmp || elem % 8 || !elem || n < 2)
        return NULL;
    /* grown with its contents and the new half zero: moved when it is a mapping, which its
     * doubling leaves one (a fresh copy's pages would be cleared, then written) */
    size_t old_bytes = n * elem, words = elem / 8;
    unsigned char *t = old_bytes >= huge_from ? huge_move(p, old_bytes, 2 * old_bytes) : NULL;
    if (!t) {
        t = poisk_table_alloc_from(2 * old_bytes, huge_from);
        if (t) {
            memcpy(t, p, old_bytes);
            poisk_table_free_from(p, old_bytes, huge_from);
        }
    }
    if (!t)
        return NULL;
    /* Linear probing, home = hash & mask: an entry's new home is its old one or that plus
     * n.  Taken out and put back one by one, in slot order from just past an empty slot,
     * each entry's probe meets only slots already done, the new half, or its own emptied
     * slot before any slot not yet done, so no later removal opens a hole in front of it. */
    size_t mask = 2 * n - 1, e = 0;
    while (!slot_empty(t + e * elem))
        e++;                                /* the table was never full */
    for (size_t k = 1; k <= n; k++) {
        size_t i = (e + k) & (n - 1);
        unsigned char *s = t + i * elem;
        if (slot_empty(s))
            continue;
        size_t j = home(s, mask, ctx);
        if (j == i)
            continue;                       /* it would land in its own slot again */
        slot_copy(tmp, s, words);
        slot_copy(s, NULL, words);
        while (!slot_empty(t + j * elem))
            j = (j + 1) & mask;
        slot_copy(t + j * elem, tmp, words);
    }
    return t;
}

void *poisk_table_alloc(size_t bytes)
{
    return poisk_table_alloc_from(bytes, HUGE_PAGE);
}

void poisk_table_free(void *p, size_t bytes)
{
    poisk_table_free_from(p, bytes, HUGE_PAGE);
}

void *poisk_table_resize(void *p, size_t old_bytes, size_t keep, size_t new_bytes)
{
    return poisk_table_resize_from(p, old_bytes, keep, new_bytes, HUGE_PAGE);
}

void *poisk_table_double(void *p, size_t n, size_t elem, poisk_table_home_fn home, void *ctx)
{
    return poisk_table_double_from(p, n, elem, HUGE_PAGE, home, ctx);
}
