/*
 * writer_spool.c: the index writer's spool (writer_spool.h).  The passages' records are
 * about 0.6 of the input, their texts in the store's byte code (0.61 GB for the 1 GB
 * corpus; 1.07 GB with plain texts, which took a 1 GB build 6-12 % longer), and written
 * to a file they are copied into the page cache, given blocks, written back and faulted in
 * again at commit: that was most of the build's disk writes.  So the first mem_cap bytes
 * go to an anonymous
 * mapping instead, reserved up front and touched only as it fills (a record is encoded
 * straight into it when nothing is staged, poisk_spool_direct; else copied); the writer
 * sizes mem_cap from its budget, and the workers give the pages back batch by batch
 * (poisk_mem_release), as they do the file's, or move them into the batch's run
 * (poisk_mem_recycle).  When the memory part is full (its length
 * then is whole pages), the rest goes to the file; at commit the memory part is moved in
 * front of the file's mapping, so a record's offset is its address in one range.
 */
#include "writer_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FLUSH_MEM (256u << 10)      /* while copying to memory: the staging stays in cache */
#define FLUSH_FILE (4u << 20)       /* writes: few, large calls */

int poisk_spool_open(poisk_spool *s, const char *dir, uint64_t gen, size_t mem_cap,
                     poisk_error *err)
{
    memset(s, 0, sizeof *s);
    /* the file is unlinked at once: a crash can leave nothing behind */
    char path[4200];
    snprintf(path, sizeof path, "%s/g%08llu.spool.tmp", dir, (unsigned long long)gen);
    s->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s->fd < 0)
        return poisk_error_set(err, POISK_EIO, "cannot create %s: %s", path, strerror(errno));
    unlink(path);
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0)
        mem_cap &= ~((size_t)page - 1);
    if (mem_cap) {                  /* address space only: pages come as it fills */
        void *m = mmap(NULL, mem_cap, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m != MAP_FAILED) {
            s->mem = m;
            s->mem_cap = mem_cap;
        }
    }
    return POISK_OK;
}

int poisk_spool_full(const poisk_spool *s)
{
    return s->buf.len >= (s->mem_len < s->mem_cap ? FLUSH_MEM : FLUSH_FILE);
}

int poisk_spool_flush(poisk_spool *s, void (*hook)(void *), void *ctx, const char *dir,
                      poisk_error *err)
{
    const uint8_t *p = s->buf.data;
    size_t n = s->buf.len;
    if (n && s->mem_len < s->mem_cap) {
        size_t take = s->mem_cap - s->mem_len < n ? s->mem_cap - s->mem_len : n;
        memcpy(s->mem + s->mem_len, p, take);
        s->mem_len += take;
        p += take;
        n -= take;
    }
    if (n)
        hook(ctx);
    while (n) {
        ssize_t k = write(s->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return poisk_error_set(err, POISK_EIO, "cannot write the spool file in %s: %s",
                                   dir, strerror(errno));
        p += k;
        n -= (size_t)k;
    }
    s->buf.len = 0;
    return POISK_OK;
}

poisk_buf *poisk_spool_direct(poisk_spool *s, size_t bound, poisk_buf *view)
{
    if (s->buf.len || !s->mem || s->mem_cap - s->mem_len < bound)
        return NULL;
    memset(view, 0, sizeof *view);
    view->data = s->mem + s->mem_len;
    view->cap = s->mem_cap - s->mem_len;
    return view;
}

void poisk_spool_direct_done(poisk_spool *s, const poisk_buf *view)
{
    s->mem_len += view->len;
}

const uint8_t *poisk_spool_map(poisk_spool *s)
{
    if (s->view)
        return s->view;
    size_t file_len = (size_t)(s->len - s->mem_len);
    if (file_len == 0) {            /* all in memory: the part is the view */
        s->view = s->mem;
        s->view_len = s->mem_cap;
    } else if (s->mem_len == 0) {
        void *m = mmap(NULL, file_len, PROT_READ, MAP_PRIVATE, s->fd, 0);
        if (m == MAP_FAILED)
            return NULL;
        s->view = m;
        s->view_len = file_len;
    } else {
        /* the memory part is full (mem_len == mem_cap, whole pages): move it to the front
         * of a fresh range (page tables only, no copy) and map the file right after it */
        size_t len = s->mem_len + file_len;
        uint8_t *r = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                          -1, 0);
        if (r == MAP_FAILED)
            return NULL;
        if (mremap(s->mem, s->mem_cap, s->mem_cap, MREMAP_MAYMOVE | MREMAP_FIXED, r)
            == MAP_FAILED) {
            munmap(r, len);
            return NULL;
        }
        s->mem = NULL;              /* r's now, whatever happens below */
        s->mem_cap = 0;
        if (mmap(r + s->mem_len, file_len, PROT_READ, MAP_PRIVATE | MAP_FIXED, s->fd, 0)
            == MAP_FAILED) {
            munmap(r, len);
            return NULL;
        }
        s->view = r;
        s->view_len = len;
    }
    s->mem = NULL;                  /* the view owns the memory part now */
    s->mem_cap = 0;
    return s->view;
}

size_t poisk_spool_memory(const poisk_spool *s)
{
    return s->mem_len;
}

void poisk_spool_close(poisk_spool *s)
{
    if (s->view)
        munmap(s->view, s->view_len);
    if (s->mem)
        munmap(s->mem, s->mem_cap);
    if (s->fd >= 0)
        close(s->fd);
    poisk_buf_free(&s->buf);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
