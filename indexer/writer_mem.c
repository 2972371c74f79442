/*
 * writer_mem.c: the index writer's memory budget (writer_mem.h).  Resident memory is read
 * from /proc/self/statm rather than tallied, so allocations the writer does not see (the
 * analyzer's caches, the lexicon, glibc's arenas) count too; the analyzers' form caches,
 * which grow while the workers run, get a fixed share of the budget here.
 */
#include "writer_mem.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

size_t poisk_mem_resident(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? (size_t)resident * (size_t)page : 0;
}

uint64_t poisk_mem_batch_bytes(size_t avail, int threads, uint64_t corpus_bytes)
{
    unsigned t = threads > 0 ? (unsigned)threads : 1;
    /* per worker at its peak: occurrences and their scattered copy (~2.8 bytes per text
     * byte), the run and the compressed store blocks being built (~0.7), the spool pages
     * being read (1); half the budget stays for finished runs kept in memory */
    uint64_t b = avail / (2u * 5u * t);
    if (b > (64u << 20))
        b = 64u << 20;
    if (b < (256u << 10))
        b = 256u << 10;             /* below this, per-batch costs dominate */
    if (b > corpus_bytes / (4u * t))
        b = corpus_bytes / (4u * t);
    return b < (16u << 10) ? 16u << 10 : b;
}

uint64_t poisk_mem_batch_cut(uint64_t batch_bytes, uint64_t left, int threads)
{
    if (threads < 2)
        return batch_bytes;         /* one worker: nothing to balance, fewer runs to merge */
    uint64_t b = left / (2u * (unsigned)threads);
    if (b < (4u << 20))
        b = 4u << 20;               /* below this the per-batch costs (sort, run) show */
    return b < batch_bytes ? b : batch_bytes;
}

size_t poisk_mem_form_cache_bytes(size_t budget, int threads)
{
    if (!budget)
        budget = (size_t)1 << 30;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    /* an eighth of the budget: at 1 GiB and 2 workers 64 MiB each, ~500 k forms, which
     * a 1 GB corpus empties about twice (each time its verdicts are computed again) */
    size_t b = budget / 8 / (size_t)threads;
    if (b < (4u << 20))
        b = 4u << 20;
    if (b > (128u << 20))
        b = 128u << 20;
    return b;
}

/* The whole pages inside [p, p+len) are [*lo, *hi) (empty when *hi <= *lo); *mask: the
 * page size - 1.  @return : 0 when the page size is unknown or there is no range */
static int inner_pages(const void *p, size_t len, uintptr_t *lo, uintptr_t *hi, uintptr_t *mask)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || !p || !len)
        return 0;
    *mask = (uintptr_t)page - 1;
    *lo = ((uintptr_t)p + *mask) & ~*mask;
    *hi = ((uintptr_t)p + len) & ~*mask;
    return 1;
}

void poisk_mem_release(const void *p, size_t len)
{
    uintptr_t lo, hi, m;
    if (inner_pages(p, len, &lo, &hi, &m) && hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

size_t poisk_mem_recycle(void *dst, size_t room, const void *src, size_t len)
{
    uintptr_t lo, hi, m;
    if (!inner_pages(src, len, &lo, &hi, &m) || hi <= lo)
        return 0;
    size_t moved = hi - lo < (room & ~m) ? hi - lo : room & ~m;
    /* DONTUNMAP: src stays mapped, as if fresh.  A hole there could be handed out by the
     * next mmap, and then unmapped with the spool. */
    if (moved && mremap((void *)lo, moved, moved,
                        MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, dst) == MAP_FAILED)
        moved = 0;                  /* (a kernel before 5.7) the pages stay; given back below */
    poisk_mem_release((const void *)(lo + moved), hi - lo - moved);
    return moved;
}
