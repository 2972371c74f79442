/*
 * lexicon_mem.h: memory for the analysis side's big hash tables (the form cache, the
 * lexicon's form and stem tables, filters and arenas).  They are probed at random, one or
 * two probes per word, and reach tens of MB: in 4 KiB pages nearly every probe also
 * misses the TLB (the indexer's profile showed the prefetch instructions themselves
 * stalling on the page walks), so tables of 2 MiB and more get mappings of their own in
 * transparent huge pages.  Their own mappings, not heap memory: advice on the heap would
 * outlive the table and make every later refault of that range (the writer gives its
 * spool pages back) clear a whole 2 MiB page.
 */
#ifndef POISK_LEXICON_MEM_H
#define POISK_LEXICON_MEM_H

#include <stddef.h>

/*! poisk_table_alloc() : zeroed memory for a table of bytes (> 0), released only by
 *  poisk_table_free() with the same size.  NULL when out of memory. */
void *poisk_table_alloc(size_t bytes);

/*! poisk_table_free() : releases what poisk_table_alloc() (or _resize) gave for bytes;
 *  NULL is fine. */
void poisk_table_free(void *p, size_t bytes);

/*! poisk_table_resize() : the table p of old_bytes (NULL / 0: none) grown to new_bytes,
 *  its first keep bytes kept, the rest unspecified.  NULL (p kept) when out of memory. */
void *poisk_table_resize(void *p, size_t old_bytes, size_t keep, size_t new_bytes);

/*! The same three with the size from which a table gets huge pages (>= 2 MiB; the three
 *  above use 2 MiB), for owners whose smaller tables are better off on the heap (the
 *  writer's inverter: a mostly empty last huge page costs more than its TLB misses).
 *  A table is freed and resized with the huge_from it was allocated with. */
void *poisk_table_alloc_from(size_t bytes, size_t huge_from);
void poisk_table_free_from(void *p, size_t bytes, size_t huge_from);
void *poisk_table_resize_from(void *p, size_t old_bytes, size_t keep, size_t new_bytes,
                              size_t huge_from);

/*! The home slot of a table's entry e (not empty) in a table of mask + 1 slots. */
typedef size_t (*poisk_table_home_fn)(const void *e, size_t mask, void *ctx);

/*! poisk_table_double() : the open-addressing table p of n slots (a power of two, at
 *  least one empty) of elem bytes (a multiple of 8, <= 64; an entry whose first 8 bytes
 *  are zero is empty, and an empty slot is all zero) grown to 2n slots and its
 *  entries rehashed, linear probing from home(); a huge table's pages are moved, not
 *  copied, and its entries rehashed in place.  Slots may differ from a rehash into a new
 *  table.  NULL (p kept) when out of memory. */
void *poisk_table_double(void *p, size_t n, size_t elem, poisk_table_home_fn home, void *ctx);
void *poisk_table_double_from(void *p, size_t n, size_t elem, size_t huge_from,
                              poisk_table_home_fn home, void *ctx);

#endif
