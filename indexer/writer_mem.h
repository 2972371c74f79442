/*
 * writer_mem.h: the index writer's memory budget (stage: index writer, commit).  --mem
 * bounds the whole process's resident memory while it builds: the writer measures what is
 * already resident (the split-word lexicon, dictionaries, passage tables), sizes batches
 * from the rest, keeps a finished run in memory only while the resident total stays under
 * the budget, and gives back the pages of the spool and of spilled runs once they are read
 * (the spool's, where it can, to the runs, which then need no fresh pages).
 */
#ifndef POISK_WRITER_MEM_H
#define POISK_WRITER_MEM_H

#include <stddef.h>
#include <stdint.h>

/*! Bytes resident in this process now (Linux /proc/self/statm); 0 when unknown. */
size_t poisk_mem_resident(void);

/*! Text bytes per batch for `threads` workers sharing `avail` bytes (a worker holds about
 *  5 bytes per byte of its batch's text at its peak), clamped to [256 KiB, 64 MiB], then to
 *  a quarter of the corpus per worker so that every worker gets batches (16 KiB at least). */
uint64_t poisk_mem_batch_bytes(size_t avail, int threads, uint64_t corpus_bytes);

/*! Text bytes of the next batch when `left` bytes of the corpus are still to be cut into
 *  batches of `batch_bytes` (poisk_mem_batch_bytes()): with two or more workers the last
 *  batches shrink to a 2*threads-th of what is left (4 MiB at least), so the workers
 *  finish together instead of one running the last big batch alone. */
uint64_t poisk_mem_batch_cut(uint64_t batch_bytes, uint64_t left, int threads);

/*! Bytes each of `threads` workers' analyzer form cache may keep (its share of an eighth
 *  of the budget, 4-128 MiB; poisk_analyzer_options.form_cache_bytes); budget 0 = 1 GiB,
 *  threads 0 = all cores.  The writer counts them out of what batches may use. */
size_t poisk_mem_form_cache_bytes(size_t budget, int threads);

/*! Drop the pages wholly inside [p, p+len) of a read-only file mapping: a later read
 *  faults them in again from the file, so this only ever costs time, never correctness. */
void poisk_mem_release(const void *p, size_t len);

/*! Gives back the pages wholly inside [src, src+len) of a private anonymous mapping whose
 *  contents are no longer needed, as poisk_mem_release() does, except the first of them,
 *  up to room bytes: those are moved, page tables only, to dst (page aligned, inside an
 *  anonymous mapping of the caller's), where they replace pages never touched.  A page the
 *  process already has costs nothing to reuse; a fresh one is cleared by the kernel and,
 *  on a VM that hands freed memory back to its host, faulted in by the host too.  src's
 *  range stays mapped, its moved pages as if never touched.  @return : bytes moved (whole
 *  pages; 0 on kernels before Linux 5.7, which lack MREMAP_DONTUNMAP) */
size_t poisk_mem_recycle(void *dst, size_t room, const void *src, size_t len);

#endif
