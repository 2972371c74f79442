/*
 * serve_index.c: reference-counted index generations and their lock-free swap (see
 * serve_index.h).
 *
 * Why the `entering` counter: a reader loads the current pointer and then increments that
 * handle's reference count; between the two, a reload could swap the pointer and drop the
 * last reference, freeing the handle under the reader.  Readers therefore announce
 * themselves in `entering` around those two steps, and the reloader, after the swap, waits
 * until it sees `entering` at zero once.  Every reader that could have loaded the old
 * pointer has incremented its count by then, so dropping the slot's reference is safe.
 * The window is a few instructions, so the wait is short even under full load; readers
 * never wait at all.
 */
#include "serve_index.h"
#include "index_reader.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct poisk_serve_index {
    poisk_index *idx;
    poisk_index_stats stats;
    atomic_uint refs;
};

/* What CURRENT looked like when the live generation was opened. */
typedef struct current_mark {
    struct stat st;
    int exists;
    char content[256];
    size_t len;
} current_mark;

struct poisk_serve_slot {
    char *dir;
    _Atomic(poisk_serve_index *) cur;
    atomic_uint entering;
    atomic_uint_fast64_t reloads;
    current_mark mark;
};

static void current_mark_read(const char *dir, current_mark *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    if (fstat(fileno(f), &m->st) == 0) {
        m->exists = 1;
        m->len = fread(m->content, 1, sizeof m->content, f);
    }
    fclose(f);
}

static int stat_same(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int index_handle_open(const char *dir, poisk_serve_index **out, poisk_error *err)
{
    poisk_serve_index *h = calloc(1, sizeof *h);
    if (!h)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory opening %s", dir);
    int rc = poisk_index_open(dir, &h->idx, err);
    if (rc) {
        free(h);
        return rc;
    }
    /* Open every section now instead of on first use: the indexer deletes a generation's
     * files once two newer ones are published (docs/FORMAT.md), and files already open
     * stay readable, so a generation kept alive by slow queries must not open files late.
     * It also keeps the open cost out of the first queries after a reload. */
    for (int sec = 0; sec < POISK_SECTION_COUNT; sec++) {
        poisk_section_index *si;
        if ((rc = poisk_index_section(h->idx, (poisk_section)sec, &si, err)) != POISK_OK) {
            poisk_index_close(h->idx);
            free(h);
            return rc;
        }
    }
    poisk_index_get_stats(h->idx, &h->stats);
    atomic_init(&h->refs, 1);
    *out = h;
    return POISK_OK;
}

int poisk_serve_slot_open(const char *dir, poisk_serve_slot **out, poisk_error *err)
{
    poisk_serve_slot *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    }
    /* Mark before opening: if CURRENT changes in between, the next poll reloads again,
     * which is harmless; marking after could miss a generation. */
    current_mark_read(dir, &s->mark);
    poisk_serve_index *h;
    int rc = index_handle_open(dir, &h, err);
    if (rc) {
        free(s->dir);
        free(s);
        return rc;
    }
    atomic_init(&s->cur, h);
    atomic_init(&s->entering, 0);
    atomic_init(&s->reloads, 0);
    *out = s;
    return POISK_OK;
}

poisk_serve_index *poisk_serve_slot_acquire(poisk_serve_slot *s)
{
    atomic_fetch_add(&s->entering, 1);
    poisk_serve_index *h = atomic_load(&s->cur);
    atomic_fetch_add(&h->refs, 1);
    atomic_fetch_sub(&s->entering, 1);
    return h;
}

void poisk_serve_index_release(poisk_serve_index *h)
{
    if (h && atomic_fetch_sub(&h->refs, 1) == 1) {
        poisk_index_close(h->idx);
        free(h);
    }
}

poisk_index *poisk_serve_index_get(const poisk_serve_index *h)
{
    return h->idx;
}

const poisk_index_stats *poisk_serve_index_stats(const poisk_serve_index *h)
{
    return &h->stats;
}

int poisk_serve_slot_changed(poisk_serve_slot *s)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/CURRENT", s->dir);
    int exists = stat(path, &st) == 0;
    if (!exists)
        return 0;   /* mid-publish or removed: keep serving what we have */
    if (s->mark.exists && stat_same(&st, &s->mark.st))
        return 0;
    current_mark m;
    current_mark_read(s->dir, &m);
    if (!m.exists)
        return 0;
    return !s->mark.exists || m.len != s->mark.len || memcmp(m.content, s->mark.content, m.len) != 0
           || !stat_same(&m.st, &s->mark.st);
}

int poisk_serve_slot_reload(poisk_serve_slot *s, poisk_error *err)
{
    current_mark m;
    current_mark_read(s->dir, &m);
    poisk_serve_index *h;
    int rc = index_handle_open(s->dir, &h, err);
    s->mark = m;   /* a broken generation is not retried until CURRENT changes again */
    if (rc)
        return rc;
    poisk_serve_index *old = atomic_exchange(&s->cur, h);
    while (atomic_load(&s->entering) != 0)
        sched_yield();
    poisk_serve_index_release(old);
    atomic_fetch_add(&s->reloads, 1);
    return POISK_OK;
}

uint64_t poisk_serve_slot_reloads(const poisk_serve_slot *s)
{
    return atomic_load(&((poisk_serve_slot *)s)->reloads);
}

void poisk_serve_slot_close(poisk_serve_slot *s)
{
    if (!s)
        return;
    poisk_serve_index_release(atomic_load(&s->cur));
    free(s->dir);
    free(s);
}
