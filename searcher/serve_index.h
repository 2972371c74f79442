/*
 * serve_index.h: the index the HTTP server answers from, swapped without downtime
 * (stage: files -> reader, seen from the server).
 *
 * A poisk_serve_slot holds the current generation as a reference-counted
 * poisk_serve_index.  Request threads take a reference with poisk_serve_slot_acquire()
 * (two atomic increments, no lock) and drop it when their response is built; a reload
 * opens the new generation first, swaps the pointer atomically, and drops the slot's own
 * reference to the old one, so queries in flight finish on the old index and the last of
 * them closes it.  Reloads are serialised by the caller (one controller thread).
 */
#ifndef POISK_SERVE_INDEX_H
#define POISK_SERVE_INDEX_H

#include <stdint.h>
#include "poisk/index.h"

typedef struct poisk_serve_index poisk_serve_index;
typedef struct poisk_serve_slot poisk_serve_slot;

/*! poisk_serve_slot_open() : open the index at dir and remember its CURRENT file.
 *  @return : poisk_index_open()'s codes, or POISK_ENOMEM */
int poisk_serve_slot_open(const char *dir, poisk_serve_slot **out, poisk_error *err);
/*! Drop the slot's reference (the index closes when the last request releases it). */
void poisk_serve_slot_close(poisk_serve_slot *s);

/*! A reference to the current generation; never NULL.  Lock-free. */
poisk_serve_index *poisk_serve_slot_acquire(poisk_serve_slot *s);
void poisk_serve_index_release(poisk_serve_index *h);

poisk_index *poisk_serve_index_get(const poisk_serve_index *h);
/*! Stats read once when the generation was opened. */
const poisk_index_stats *poisk_serve_index_stats(const poisk_serve_index *h);

/*! poisk_serve_slot_changed() : has CURRENT changed (content, mtime or inode) since the
 *  live generation was opened?  Cheap: one stat, and a read only when stat differs. */
int poisk_serve_slot_changed(poisk_serve_slot *s);

/*! poisk_serve_slot_reload() : open the index again and make it current.  On failure the
 *  old generation stays live and *err says why.  @return : poisk_rc */
int poisk_serve_slot_reload(poisk_serve_slot *s, poisk_error *err);

/*! Completed reloads since the slot was opened. */
uint64_t poisk_serve_slot_reloads(const poisk_serve_slot *s);

#endif
