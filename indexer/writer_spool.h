/*
 * writer_spool.h: where the index writer keeps the passages between poisk_writer_add() and
 * the commit (stage: index writer).  Nothing can be analysed before the split-word lexicon
 * is frozen, after the last input, so every passage's record waits here.  The first bytes
 * stay in anonymous memory, up to a cap the writer takes from its budget; the rest go to an
 * unlinked file.  At commit both parts become one read-only range of the same bytes.
 */
#ifndef POISK_WRITER_SPOOL_H
#define POISK_WRITER_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"
#include "codec.h"

typedef struct poisk_spool {
    poisk_buf buf;                  /* records not yet flushed: append here */
    uint64_t len;                   /* bytes appended in all, buf's included */
    int fd;                         /* the unlinked file */
    uint8_t *mem;                   /* the memory part, [0, mem_len) of the spool */
    size_t mem_len, mem_cap;
    uint8_t *view;                  /* poisk_spool_map(): the whole spool */
    size_t view_len;
} poisk_spool;

/*! Create the (unlinked) file in dir and reserve mem_cap bytes of address space for the
 *  memory part (0: everything goes to the file).  @return : POISK_OK or POISK_EIO */
int  poisk_spool_open(poisk_spool *s, const char *dir, uint64_t gen, size_t mem_cap,
                      poisk_error *err);
/*! Whether buf has grown enough to be flushed. */
int  poisk_spool_full(const poisk_spool *s);
/*! Move buf's bytes to the memory part while it has room, then to the file; hook is
 *  called before each write to the file (crash tests).  @return : POISK_OK or POISK_EIO */
int  poisk_spool_flush(poisk_spool *s, void (*hook)(void *), void *ctx, const char *dir,
                       poisk_error *err);
/*! A buffer over the memory part's free room for the next record, when nothing waits in
 *  buf and the room holds at least bound bytes (the record's most): writing there saves
 *  the flush's copy.  The caller keeps its appends within bound (poisk_buf_reserve() would
 *  realloc() the mapping) and hands the buffer to poisk_spool_direct_done().
 *  @return : view, or NULL (append to buf) */
poisk_buf *poisk_spool_direct(poisk_spool *s, size_t bound, poisk_buf *view);
/*! The record written into poisk_spool_direct()'s view is in the memory part now. */
void poisk_spool_direct_done(poisk_spool *s, const poisk_buf *view);
/*! The whole spool as one read-only range (after the last flush); valid until
 *  poisk_spool_close().  @return : NULL when it cannot be mapped */
const uint8_t *poisk_spool_map(poisk_spool *s);
/*! Bytes of the memory part (resident once written). */
size_t poisk_spool_memory(const poisk_spool *s);
void poisk_spool_close(poisk_spool *s);

#endif
