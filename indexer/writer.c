/*
 * writer.c: the index writer (stage: document model -> index files).  poisk_writer_add()
 * appends each passage to the spool (writer_spool.c: memory, then an unlinked file) and
 * keeps 16 bytes about it.  Commit
 * assigns passage ids in (region slug, order of addition), cuts the ids into store blocks
 * (compressing the first ones on a second thread while the caller's before_inversion hook,
 * the lexicon freeze, runs) and batches, lets N workers analyse and invert batches (each batch: compressed store
 * blocks + one sorted run, spilled to an unlinked temporary file when the memory budget is
 * spent), merges the runs into per-section files (writer_merge.c), writes lengths, store
 * and manifest, fsyncs everything, and publishes by renaming CURRENT.  Nothing depends on
 * the thread count or the budget but the passages, so the output is byte-identical.
 *
 * Crash tests: POISK_FAULT_AT=N in the environment kills the process (SIGKILL) at the Nth
 * write, fsync or rename; POISK_FAULT_AT=count prints the number of points at the end.
 */
#include "writer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "poisk/analyzer.h"
#include "format_manifest.h"
#include "index_reader.h"
#include "store.h"
#include "writer_mem.h"
#include "writer_spool.h"

/* A passage's record in the spool: where, its length there, its region, and its size
 * uncoded (poisk_store_record_encode()), by which store blocks and batches are cut. */
typedef struct prec { uint64_t off; uint32_t len, region, raw; } prec;

struct poisk_writer {
    char dir[4096];
    poisk_writer_options opts;
    size_t budget;
    int threads;
    uint64_t gen;
    poisk_spool spool;              /* the passages' records until the commit */
    prec *recs; size_t n_recs, cap_recs;
    uint64_t raw_len;                   /* the records' sizes uncoded (prec.raw), summed */
    char **regions; size_t n_regions, cap_regions, last_region;
    uint64_t bytes_in;
    long long fault_at;
    atomic_llong fault_count;
    int broken;                         /* an add failed: commit refuses */
};

/* ---- fault injection -------------------------------------------------------------------- */

static void fault_hook(void *ctx)
{
    poisk_writer *w = ctx;
    long long n = atomic_fetch_add(&w->fault_count, 1) + 1;
    if (w->fault_at > 0 && n == w->fault_at) {
        kill(getpid(), SIGKILL);
        _exit(137);
    }
}

/* ---- create / add ----------------------------------------------------------------------- */

static uint64_t current_generation(const char *dir)
{
    char path[4200], text[64];
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, text, sizeof text);
    close(fd);
    uint64_t gen;
    if (n <= 0 || poisk_current_parse(text, (size_t)n, &gen))
        return 0;
    return gen;
}

/* Remove every generation file but keep and keep-1, and every *.tmp. */
static void remove_stale(const char *dir, uint64_t keep)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t g;
        size_t n = strlen(e->d_name);
        int tmp = n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0
                  && (poisk_name_generation(e->d_name, &g) || strcmp(e->d_name, "CURRENT.tmp") == 0);
        int stale = poisk_name_generation(e->d_name, &g) && g != keep && (keep == 0 || g != keep - 1);
        if (tmp || stale)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

int poisk_writer_create(const char *dir, const poisk_writer_options *opts, poisk_writer **out,
                        poisk_error *err)
{
    *out = NULL;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return poisk_error_set(err, POISK_EIO, "cannot create index directory %s: %s", dir,
                               strerror(errno));
    poisk_writer *w = calloc(1, sizeof *w);
    if (!w)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    if (opts)
        w->opts = *opts;
    w->budget = w->opts.mem_budget ? w->opts.mem_budget : (size_t)1 << 30;
    w->threads = w->opts.threads > 0 ? w->opts.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (w->threads < 1)
        w->threads = 1;
    if (w->threads > 256)
        w->threads = 256;
    const char *fa = getenv("POISK_FAULT_AT");
    w->fault_at = fa ? atoll(fa) : 0;
    uint64_t cur = current_generation(dir);
    remove_stale(dir, cur);
    w->gen = cur + 1;
    /* half the budget keeps the first records in memory (the spool is ~0.6 of the input,
     * so up to ~0.8 GB of input at the default 1G): it is given back batch by batch while
     * the finished runs and the analyzers' caches grow, and runs go to disk when the
     * measured total would pass the budget.  A quarter divided by the workers put ~0.5 GB
     * of a 1 GB corpus's spool through the page cache at 2 workers, and that cost 5-9 %
     * of the build; 1 GB peaks stayed at 0.78 / 0.84 GB, and a 4 GB build's fell (1.32 ->
     * 1.17 GB), its spool pages being read from memory rather than mapped from the file */
    int rc = poisk_spool_open(&w->spool, dir, w->gen, w->budget / 2, err);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return POISK_OK;
}

static int spool_flush(poisk_writer *w, poisk_error *err)
{
    return poisk_spool_flush(&w->spool, fault_hook, w, w->dir, err);
}

static int region_index(poisk_writer *w, const char *slug, uint32_t *out)
{
    if (w->last_region < w->n_regions && strcmp(w->regions[w->last_region], slug) == 0) {
        *out = (uint32_t)w->last_region;
        return 0;
    }
    for (size_t i = 0; i < w->n_regions; i++)
        if (strcmp(w->regions[i], slug) == 0) {
            w->last_region = i;
            *out = (uint32_t)i;
            return 0;
        }
    if (w->n_regions == w->cap_regions) {
        size_t cap = w->cap_regions ? 2 * w->cap_regions : 16;
        char **r = realloc(w->regions, cap * sizeof *r);
        if (!r)
            return -1;
        w->regions = r;
        w->cap_regions = cap;
    }
    if (!(w->regions[w->n_regions] = strdup(slug)))
        return -1;
    w->last_region = w->n_regions;
    *out = (uint32_t)w->n_regions++;
    return 0;
}

int poisk_writer_add(poisk_writer *w, const poisk_passage *p, poisk_error *err)
{
    if ((unsigned)p->section >= POISK_SECTION_COUNT || (!p->text && p->text_len))
        return poisk_error_set(err, POISK_EINVAL, "passage %s: bad section or text",
                               p->id ? p->id : "?");
    if (w->n_recs >= UINT32_MAX - 1)
        return poisk_error_set(err, POISK_ETOOLONG, "more than 2^32-2 passages in one index");
    if (p->text_len > UINT32_MAX / 4)     /* its record's sizes (prec) stay 32-bit */
        return poisk_error_set(err, POISK_ETOOLONG, "passage %s: text over 1 GiB",
                               p->id ? p->id : "?");
    uint32_t region;
    if (region_index(w, p->region && *p->region ? p->region : "unknown", &region))
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    if (w->n_recs == w->cap_recs) {
        size_t cap = w->cap_recs ? 2 * w->cap_recs : 1024;
        prec *r = realloc(w->recs, cap * sizeof *r);
        if (!r)
            return poisk_error_set(err, POISK_ENOMEM, "out of memory");
        w->recs = r;
        w->cap_recs = cap;
    }
    /* while the spool's memory part has room, the record is encoded there, not staged */
    poisk_buf view, *b = poisk_spool_direct(&w->spool, poisk_store_record_bound(p), &view);
    if (!b)
        b = &w->spool.buf;
    size_t before = b->len, raw = poisk_store_record_encode(b, p, 0);
    if (b->failed) {
        w->broken = 1;
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    }
    if (b == &view)
        poisk_spool_direct_done(&w->spool, &view);
    prec *r = &w->recs[w->n_recs++];
    r->off = w->spool.len;
    r->len = (uint32_t)(b->len - before);
    r->raw = (uint32_t)raw;
    r->region = region;
    w->spool.len += r->len;
    w->raw_len += raw;
    w->bytes_in += p->text_len;
    if (poisk_spool_full(&w->spool)) {
        int rc = spool_flush(w, err);
        if (rc)
            w->broken = 1;
        return rc;
    }
    return POISK_OK;
}

void poisk_writer_free(poisk_writer *w)
{
    if (!w)
        return;
    poisk_spool_close(&w->spool);
    free(w->recs);
    for (size_t i = 0; i < w->n_regions; i++)
        free(w->regions[i]);
    free(w->regions);
    free(w);
}

/* ---- commit: shared state of the workers ------------------------------------------------ */

typedef struct batch_plan { uint32_t first_block, n_blocks, first_id, end_id; uint64_t bytes; } batch_plan;

struct poisk_writer_ctx {
    poisk_writer *w;
    const uint8_t *spool;
    const uint32_t *order;              /* id -> record */
    const uint32_t *region_rank;        /* add-order region -> table index */
    uint32_t *dl;
    uint8_t *secs;
    const uint32_t *blk_first;          /* store block -> first id; n_blocks+1 entries */
    uint32_t n_blocks;
    batch_plan *batches;
    uint32_t n_batches;
    atomic_uint next_batch;
    atomic_uint recycled;               /* spool page spans moved into runs (spool_release) */
    poisk_batch_out *outs;
    poisk_run *runs;
    pthread_mutex_t lock;               /* below */
    int rc;
    poisk_error err;
    poisk_fout store;
    uint32_t store_next;                /* next batch to append to the store */
    poisk_buf store_dir;
    poisk_buf spare_store;              /* a batch's store bytes once appended, for the next
                                         * batch to fill: its pages are not faulted in and
                                         * cleared again (under lock) */
    size_t run_mem, run_budget;
    size_t headroom;                    /* what the workers' next batches may still add */
    uint8_t *kept;                      /* per batch: its run is finished and in memory */
    size_t table_cap;                   /* per worker: its term tables' share of the budget */
    uint64_t spilled;
    int workers_used;
    uint64_t bytes_done;
    struct timespec t0;
    /* store blocks compressed ahead while the commit's caller was busy (store_ahead) */
    uint8_t *ahead;                     /* mmap'd; block k is [ahead_off[k], ahead_off[k+1]) */
    size_t ahead_cap;
    uint32_t ahead_done;                /* blocks [0, ahead_done) are there */
    uint32_t *ahead_off, *ahead_raw;
};

static void ctx_fail(poisk_writer_ctx *c, int rc, const poisk_error *e)
{
    pthread_mutex_lock(&c->lock);
    if (!c->rc) {
        c->rc = rc;
        if (e)
            c->err = *e;
        else
            poisk_error_set(&c->err, rc, "%s", poisk_strerror(rc));
    }
    pthread_mutex_unlock(&c->lock);
}

/* Wall seconds since *t0 (CLOCK_MONOTONIC). */
static double secs_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress(poisk_writer_ctx *c)
{
    if (!c->w->opts.progress)
        return;
    double s = secs_since(&c->t0);
    double mb = (double)c->bytes_done / 1e6, total = (double)c->w->raw_len / 1e6;
    double rate = s > 0 ? mb / s : 0;
    fprintf(stderr, "\rindexing: %.1f / %.1f MB, %u passages, %.1f MB/s, ETA %.0f s   ",
            mb, total, c->batches[c->store_next - 1].end_id, rate,
            rate > 0 ? (total - mb) / rate : 0.0);
}

/* Append finished batches to the store in order (called with the lock held). */
static int store_append_ready(poisk_writer_ctx *c, poisk_error *err)
{
    while (c->store_next < c->n_batches && c->outs[c->store_next].ready) {
        poisk_batch_out *o = &c->outs[c->store_next];
        uint64_t base = poisk_fout_offset(&c->store);
        int rc = poisk_fout_write(&c->store, o->store.data, o->store.len, err);
        if (rc)
            return rc;
        uint64_t off = base;
        for (size_t k = 0; k + 16 <= o->store_dir.len; k += 16) {
            const uint8_t *e = o->store_dir.data + k;
            uint32_t comp = poisk_load_u32(e + 8);
            poisk_buf_put(&c->store_dir, e, 8);          /* first, n */
            poisk_buf_put_u64(&c->store_dir, off);
            poisk_buf_put(&c->store_dir, e + 8, 8);      /* comp, raw */
            off += comp;
        }
        if (c->store_dir.failed)
            return poisk_error_set(err, POISK_ENOMEM, "out of memory");
        c->bytes_done += c->batches[c->store_next].bytes;
        if (!c->spare_store.data) {
            c->spare_store = o->store;
            c->spare_store.len = 0;
            memset(&o->store, 0, sizeof o->store);
        }
        poisk_buf_free(&o->store);
        poisk_buf_free(&o->store_dir);
        c->store_next++;
        progress(c);
    }
    if (c->store_next == c->n_batches)
        poisk_buf_free(&c->spare_store);    /* not through the merge */
    return POISK_OK;
}

static int spill_run(poisk_writer_ctx *c, poisk_run *r, poisk_error *err)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/g%08llu.run-%u.tmp", c->w->dir, (unsigned long long)c->w->gen,
             r->batch);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return poisk_error_set(err, POISK_EIO, "cannot create %s: %s", path, strerror(errno));
    unlink(path);                       /* gone on any exit; the fd keeps the data */
    fault_hook(c->w);
    const uint8_t *p = r->mem.data;
    size_t n = r->mem.len;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int rc = poisk_error_set(err, POISK_EIO, "cannot write %s: %s", path, strerror(errno));
            close(fd);
            return rc;
        }
        p += k;
        n -= (size_t)k;
    }
    r->fd = fd;
    r->len = r->mem.len;
    poisk_buf_free(&r->mem);
    return POISK_OK;
}

/* Give back the spool pages of a finished batch (its records are contiguous per region),
 * those of the spool's memory part first to the batch's run: moved into its buffer (a
 * mapping as big as the run can get), they spare it as many fresh pages, at 1 GB and one
 * worker 290 MB of the build's 1 GB faulted in.  Each move leaves the run's mapping in one
 * piece more, so spans under RECYCLE_MIN are only given back, and the moves are bounded
 * per run and per build, far below the kernel's 65530 mappings a process. */
#define RECYCLE_MIN ((uint64_t)64 << 10)
#define RECYCLE_RUN 256
#define RECYCLE_BUILD 16384

typedef struct recycle {
    poisk_buf *run;                     /* NULL: nothing is moved */
    size_t filled;                      /* bytes of run->data moved in so far */
    unsigned moves;
} recycle;

static void span_release(poisk_writer_ctx *c, recycle *rcy, uint64_t lo, uint64_t hi)
{
    /* [lo, split): the span's part in the spool's memory part, the only pages that move */
    uint64_t mem = poisk_spool_memory(&c->w->spool), split = hi < mem ? hi : mem;
    if (split < lo)
        split = lo;
    if (rcy->run && split - lo >= RECYCLE_MIN && rcy->moves < RECYCLE_RUN
        && rcy->filled < rcy->run->cap && atomic_load(&c->recycled) < RECYCLE_BUILD) {
        size_t moved = poisk_mem_recycle(rcy->run->data + rcy->filled,
                                         rcy->run->cap - rcy->filled, c->spool + lo,
                                         (size_t)(split - lo));
        rcy->filled += moved;
        if (moved) {
            rcy->moves++;
            atomic_fetch_add(&c->recycled, 1);
        }
        lo = split;
    }
    if (hi > lo)
        poisk_mem_release(c->spool + lo, (size_t)(hi - lo));
}

static void spool_release(poisk_writer_ctx *c, const batch_plan *bp, recycle *rcy)
{
    uint64_t lo = 0, hi = 0;
    for (uint32_t id = bp->first_id; id < bp->end_id; id++) {
        const prec *r = &c->w->recs[c->order[id]];
        if (r->off != hi) {
            if (hi > lo)
                span_release(c, rcy, lo, hi);
            lo = r->off;
        }
        hi = r->off + r->len;
    }
    if (hi > lo)
        span_release(c, rcy, lo, hi);
}

/* Decode passage id's spool record (its text still coded) and its region's rank.
 * @return : 0, or -1 when the record is malformed */
static int spool_record(const poisk_writer_ctx *c, uint32_t id, poisk_store_rec *rec,
                        uint32_t *rank)
{
    const prec *r = &c->w->recs[c->order[id]];
    const uint8_t *p = c->spool + r->off;
    *rank = c->region_rank[r->region];
    return poisk_store_record_decode(&p, p + r->len, rec);
}

static int process_batch(poisk_writer_ctx *c, poisk_inverter *inv,
                         poisk_deflater *comp, uint32_t b, poisk_error *err)
{
    const batch_plan *bp = &c->batches[b];
    poisk_batch_out *o = &c->outs[b];
    poisk_store_block blk = { 0 };
    poisk_buf text = { 0 };             /* a record's text, decoded for the inverter */
    int rc = POISK_OK;
    pthread_mutex_lock(&c->lock);
    if (c->spare_store.data && !o->store.data) {
        o->store = c->spare_store;
        memset(&c->spare_store, 0, sizeof c->spare_store);
    }
    pthread_mutex_unlock(&c->lock);
    for (uint32_t k = bp->first_block; k < bp->first_block + bp->n_blocks && !rc; k++) {
        poisk_store_block_reset(&blk);
        int ahead = k < c->ahead_done;  /* compressed already: only invert */
        uint32_t first = c->blk_first[k], end = c->blk_first[k + 1];
        for (uint32_t id = first; id < end && !rc; id++) {
            poisk_store_rec rec;
            uint32_t rank;
            int bad = spool_record(c, id, &rec, &rank);
            if (!bad && (bad = poisk_store_record_text(&rec, &text)) == -2) {
                rc = poisk_error_set(err, POISK_ENOMEM, "out of memory while inverting");
                break;
            }
            if (bad) {
                rc = poisk_error_set(err, POISK_EIO, "the spool file in %s is damaged", c->w->dir);
                break;
            }
            if (!ahead)
                poisk_store_block_add(&blk, &rec, rank);
            c->secs[id] = (uint8_t)rec.section;
            rc = poisk_inverter_add(inv, id, rec.section, rec.text.ptr, rec.text.len, &c->dl[id]);
            if (rc)
                poisk_error_set(err, rc, "out of memory while inverting");
        }
        if (rc)
            break;
        size_t clen, rlen;
        if (ahead) {
            clen = c->ahead_off[k + 1] - c->ahead_off[k];
            rlen = c->ahead_raw[k];
            poisk_buf_put(&o->store, c->ahead + c->ahead_off[k], clen);
            poisk_mem_release(c->ahead + c->ahead_off[k], clen);
            if (o->store.failed) {
                rc = poisk_error_set(err, POISK_ENOMEM, "out of memory compressing the store");
                break;
            }
        } else {
            size_t bound = poisk_store_block_bound(&blk);
            if (!bound || poisk_buf_reserve(&o->store, bound)
                || (clen = poisk_store_block_compress(comp, &blk, o->store.data + o->store.len,
                                                      bound)) == 0) {
                rc = poisk_error_set(err, POISK_ENOMEM, "out of memory compressing the store");
                break;
            }
            o->store.len += clen;
            rlen = poisk_store_block_raw_len(&blk);
        }
        poisk_buf_put_u32(&o->store_dir, first);
        poisk_buf_put_u32(&o->store_dir, end - first);
        poisk_buf_put_u32(&o->store_dir, (uint32_t)clen);
        poisk_buf_put_u32(&o->store_dir, (uint32_t)rlen);
    }
    poisk_store_block_free(&blk);
    poisk_buf_free(&text);
    if (rc)
        return rc;
    poisk_run *run = &c->runs[b];
    run->batch = b;
    run->first_doc = bp->first_id;
    run->fd = -1;
    recycle rcy = { 0 };
    if (poisk_buf_map(&run->mem, poisk_inverter_run_bound(inv)) == 0)
        rcy.run = &run->mem;
    spool_release(c, bp, &rcy);
    rc = poisk_inverter_flush(inv, bp->first_id, &run->mem, &run->kind_off, &o->abbrevs,
                              &o->n_abbrevs);
    if (rc)
        return poisk_error_set(err, rc, "out of memory while inverting");
    run->len = run->mem.len;
    if (rcy.filled > run->len)          /* moved in, not needed: given back */
        poisk_mem_release(run->mem.data + run->len, rcy.filled - run->len);
    /* keep the run in memory only while the whole process stays within the budget; when
     * it no longer does (the analyzers' caches and term tables grow as batches go by),
     * runs kept earlier go to disk too (finished runs are touched by nobody until merge) */
    size_t resident = poisk_mem_resident(), over = 0;
    if (resident && resident + c->headroom > c->w->budget)
        over = resident + c->headroom - c->w->budget;
    uint32_t victims[16];
    unsigned n_victims = 0;
    pthread_mutex_lock(&c->lock);
    int spill = c->run_mem + run->mem.cap > c->run_budget || over > 0;
    size_t freed = spill ? run->mem.len : 0;
    if (spill)
        c->spilled++;
    else {
        c->run_mem += run->mem.cap;
        c->kept[b] = 1;
    }
    for (uint32_t k = 0; k < c->n_batches && freed < over && n_victims < 16; k++)
        if (c->kept[k]) {
            c->kept[k] = 0;
            c->run_mem -= c->runs[k].mem.cap;
            c->spilled++;
            freed += c->runs[k].mem.len;
            victims[n_victims++] = k;
        }
    o->ready = 1;
    rc = c->rc ? c->rc : store_append_ready(c, err);
    pthread_mutex_unlock(&c->lock);
    if (!rc && spill)
        rc = spill_run(c, run, err);
    for (unsigned v = 0; v < n_victims && !rc; v++)
        rc = spill_run(c, &c->runs[victims[v]], err);
    return rc;
}

/* ---- commit: store blocks compressed ahead ----------------------------------------------- */

/* While the commit's caller is busy before the inversion (main.c freezes the split-word
 * lexicon there, on one core), a second thread compresses store blocks from the first one
 * on: the store needs no lexicon, and a block is the same bytes whoever compresses it.
 * The workers then only invert those blocks.  It stops at the caller's return, at its
 * memory cap, or at any failure (the workers then do the rest, and report the failure). */
typedef struct store_ahead {
    poisk_writer_ctx *c;
    atomic_int stop;
    pthread_t tid;
} store_ahead;

static void *store_ahead_main(void *arg)
{
    store_ahead *sa = arg;
    poisk_writer_ctx *c = sa->c;
    poisk_deflater *comp = poisk_deflater_new();
    poisk_store_block blk = { 0 };
    size_t off = 0;
    for (uint32_t k = 0; comp && k < c->n_blocks && !atomic_load(&sa->stop); k++) {
        poisk_store_block_reset(&blk);
        int bad = 0;
        for (uint32_t id = c->blk_first[k]; id < c->blk_first[k + 1] && !bad; id++) {
            poisk_store_rec rec;
            uint32_t rank;
            bad = spool_record(c, id, &rec, &rank) != 0;
            if (!bad)
                poisk_store_block_add(&blk, &rec, rank);
        }
        size_t bound = poisk_store_block_bound(&blk), rlen = poisk_store_block_raw_len(&blk);
        if (bad || !bound || rlen > UINT32_MAX || bound > c->ahead_cap - off)
            break;
        size_t clen = poisk_store_block_compress(comp, &blk, c->ahead + off, bound);
        if (clen == 0)
            break;
        off += clen;
        c->ahead_off[k + 1] = (uint32_t)off;
        c->ahead_raw[k] = (uint32_t)rlen;
        c->ahead_done = k + 1;          /* read by the caller only after the join */
    }
    poisk_store_block_free(&blk);
    if (comp)
        poisk_deflater_free(comp);
    return NULL;
}

/* Start compressing ahead when there is a second core; 0 when it did not start. */
static int store_ahead_start(poisk_writer_ctx *c, store_ahead *sa)
{
    poisk_writer *w = c->w;
    if (w->threads < 2 || !w->opts.before_inversion || c->n_blocks < 2)
        return 0;
    /* an eighth of the budget, within the compressed size of the whole store */
    size_t cap = w->budget / 8, whole = (size_t)(w->raw_len / 2) + ((size_t)c->n_blocks << 10);
    if (cap > whole)
        cap = whole;
    if (cap >= UINT32_MAX)
        cap = UINT32_MAX - 1;
    c->ahead_off = calloc((size_t)c->n_blocks + 1, sizeof *c->ahead_off);
    c->ahead_raw = calloc(c->n_blocks, sizeof *c->ahead_raw);
    void *m = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
        c->ahead = m;
        c->ahead_cap = cap;
    }
    sa->c = c;
    atomic_store(&sa->stop, 0);
    if (!c->ahead || !c->ahead_off || !c->ahead_raw
        || pthread_create(&sa->tid, NULL, store_ahead_main, sa) != 0)
        return 0;
    return 1;
}

static void store_ahead_free(poisk_writer_ctx *c)
{
    if (c->ahead)
        munmap(c->ahead, c->ahead_cap);
    c->ahead = NULL;
    c->ahead_done = 0;
    free(c->ahead_off);
    free(c->ahead_raw);
    c->ahead_off = c->ahead_raw = NULL;
}

typedef struct worker { poisk_writer_ctx *c; uint32_t first; pthread_t tid; } worker;

static void *worker_main(void *arg)
{
    worker *wk = arg;
    poisk_writer_ctx *c = wk->c;
    poisk_inverter *inv = NULL;
    poisk_deflater *comp = poisk_deflater_new();
    poisk_error err = { 0 };
    int rc = poisk_inverter_create(&c->w->opts, &inv);
    if (!rc)
        poisk_inverter_set_table_cap(inv, c->table_cap);
    if (rc || !comp) {
        ctx_fail(c, rc ? rc : POISK_ENOMEM, NULL);
    } else {
        int did = 0;
        /* the first batches are dealt one per worker, so every worker really runs */
        for (uint32_t b = wk->first; b < c->n_batches; b = atomic_fetch_add(&c->next_batch, 1)) {
            if (c->rc)
                break;
            did = 1;
            if ((rc = process_batch(c, inv, comp, b, &err)) != POISK_OK) {
                ctx_fail(c, rc, &err);
                break;
            }
        }
        if (did) {
            pthread_mutex_lock(&c->lock);
            c->workers_used++;
            pthread_mutex_unlock(&c->lock);
        }
    }
    poisk_inverter_free(inv);
    if (comp)
        poisk_deflater_free(comp);
    return NULL;
}

/* ---- commit: planning ------------------------------------------------------------------- */

static int cmp_region(const void *a, const void *b, void *ctx)
{
    char **names = ctx;
    return strcmp(names[*(const uint32_t *)a], names[*(const uint32_t *)b]);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- commit: the small files ------------------------------------------------------------ */

static int write_lens(poisk_writer_ctx *c, poisk_merge_io *io, unsigned s, uint64_t n_docs,
                      uint64_t total, poisk_error *err)
{
    uint32_t N = (uint32_t)c->w->n_recs;
    uint64_t words = ((uint64_t)N + 63) / 64;
    poisk_buf b = { 0 };
    poisk_buf_put_u64(&b, n_docs);
    poisk_buf_put_u64(&b, total);
    poisk_buf_put_u32(&b, N);
    poisk_buf_put_u32(&b, 0);
    uint64_t *bits = calloc(words ? words : 1, 8);
    if (!bits) {
        poisk_buf_free(&b);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    }
    for (uint32_t id = 0; id < N; id++)
        if (c->secs[id] == s)
            bits[id >> 6] |= 1ull << (id & 63);
    for (uint64_t w = 0; w < words; w++)
        poisk_buf_put_u64(&b, bits[w]);
    uint32_t count = 0;
    for (uint64_t w = 0; w < words; w++) {
        if (w % 8 == 0)
            poisk_buf_put_u32(&b, count);
        count += (uint32_t)__builtin_popcountll(bits[w]);
    }
    free(bits);
    for (uint32_t id = 0; id < N; id++)
        if (c->secs[id] == s)
            poisk_buf_put_u32(&b, c->dl[id]);
    if (b.failed) {
        poisk_buf_free(&b);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    }
    char name[64];
    poisk_name_lens(name, sizeof name, c->w->gen, s);
    poisk_fout f;
    int rc = poisk_fout_open(&f, c->w->dir, name, POISK_KIND_LENS, c->w->gen, s, POISK_NO_SECTION,
                             fault_hook, c->w, err);
    if (!rc && (rc = poisk_fout_write(&f, b.data, b.len, err)))
        poisk_fout_abort(&f);
    else if (!rc && !(rc = poisk_fout_close(&f, err)))
        rc = poisk_merge_add_file(io, name, f.final_size);
    poisk_buf_free(&b);
    return rc;
}

static int publish(poisk_writer *w, poisk_error *err)
{
    int rc = poisk_fsync_dir(w->dir, fault_hook, w, err);
    if (rc)
        return rc;
    char tmp[4200], cur[4200], line[64];
    snprintf(tmp, sizeof tmp, "%s/CURRENT.tmp", w->dir);
    snprintf(cur, sizeof cur, "%s/CURRENT", w->dir);
    poisk_current_format(line, sizeof line, w->gen);
    if ((rc = poisk_write_small_file(tmp, line, strlen(line), fault_hook, w, err)))
        return rc;
    fault_hook(w);
    if (rename(tmp, cur) != 0)
        return poisk_error_set(err, POISK_EIO, "cannot rename %s to %s: %s", tmp, cur, strerror(errno));
    if ((rc = poisk_fsync_dir(w->dir, fault_hook, w, err)))
        return rc;
    remove_stale(w->dir, w->gen);
    return POISK_OK;
}

/* ---- commit ----------------------------------------------------------------------------- */

int poisk_writer_commit(poisk_writer *w, poisk_writer_summary *summary, poisk_error *err)
{
    if (summary)
        memset(summary, 0, sizeof *summary);
    if (w->broken)
        return poisk_error_set(err, POISK_EIO, "an earlier error stopped this build of %s", w->dir);
    if (w->n_recs == 0)
        return poisk_error_set(err, POISK_EEMPTY, "nothing to index: no passages were added");
    int rc = spool_flush(w, err);
    if (rc)
        return rc;
    poisk_writer_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory");
    c->w = w;
    pthread_mutex_init(&c->lock, NULL);
    clock_gettime(CLOCK_MONOTONIC, &c->t0);
    uint32_t N = (uint32_t)w->n_recs;
    const uint8_t *spool = poisk_spool_map(&w->spool);
    uint32_t *order = malloc((size_t)N * sizeof *order);
    uint32_t *by_name = malloc(w->n_regions * sizeof *by_name);
    uint32_t *rank = malloc(w->n_regions * sizeof *rank);
    uint32_t *lo = calloc(w->n_regions + 1, sizeof *lo);
    uint32_t *blk_first = malloc(((size_t)N + 1) * sizeof *blk_first);
    c->dl = calloc(N, sizeof *c->dl);
    c->secs = calloc(N, 1);
    poisk_manifest m = { 0 };
    poisk_merge_io io = { 0 };
    uint32_t *local = NULL;
    char **abbrevs = NULL;
    size_t n_abbrevs = 0;
    if (!spool || !order || !by_name || !rank || !lo || !blk_first || !c->dl || !c->secs) {
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory planning the index");
        goto done;
    }
    c->spool = spool;
    /* passage ids: regions by slug, then order of addition (a stable counting sort) */
    for (uint32_t i = 0; i < w->n_regions; i++)
        by_name[i] = i;
    qsort_r(by_name, w->n_regions, sizeof *by_name, cmp_region, w->regions);
    for (uint32_t i = 0; i < w->n_regions; i++)
        rank[by_name[i]] = i;
    for (uint32_t i = 0; i < N; i++)
        lo[rank[w->recs[i].region] + 1]++;
    for (size_t r = 0; r < w->n_regions; r++)
        lo[r + 1] += lo[r];
    m.n_regions = w->n_regions;
    m.regions = calloc(w->n_regions, sizeof *m.regions);
    if (!m.regions) {
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < w->n_regions; r++) {
        m.regions[r].slug = w->regions[by_name[r]];
        m.regions[r].lo = lo[r];
        m.regions[r].hi = lo[r + 1];
    }
    for (uint32_t i = 0; i < N; i++)
        order[lo[rank[w->recs[i].region]]++] = i;
    c->order = order;
    c->region_rank = rank;
    /* store blocks, then batches of whole blocks */
    uint32_t nb = 0;
    uint64_t acc = 0;
    for (uint32_t id = 0; id < N; id++) {
        if (acc == 0)
            blk_first[nb++] = id;
        acc += w->recs[order[id]].raw;
        if (acc >= POISK_STORE_BLOCK_RAW)
            acc = 0;
    }
    blk_first[nb] = N;
    c->blk_first = blk_first;
    c->n_blocks = nb;
    /* the caller's work before the inversion (the lexicon freeze), overlapped with the
     * first store blocks' compression */
    if (w->opts.before_inversion) {
        store_ahead sa;
        int started = store_ahead_start(c, &sa);
        rc = w->opts.before_inversion(w->opts.before_ctx);
        if (started) {
            atomic_store(&sa.stop, 1);
            pthread_join(sa.tid, NULL);
        }
        if (rc) {
            poisk_error_set(err, rc, "%s", poisk_strerror(rc));
            goto done;
        }
    }
    double freeze_secs = secs_since(&c->t0);
    /* batches from what the budget leaves (writer_mem.c: ~5 bytes per text byte per worker
     * at the peak); the term tables persist per worker, so big batches are cheap; 4 per
     * worker at least keep the cores balanced */
    size_t base = poisk_mem_resident(), avail = w->budget / 4;
    /* the spool's memory part is resident, but given back as the batches read it, as the
     * file's pages are: a batch's text is counted in its share below */
    size_t spool_mem = poisk_spool_memory(&w->spool);
    base = base > spool_mem ? base - spool_mem : 0;
    if (base < w->budget - avail)
        avail = w->budget - base;       /* what the lexicon and tables leave of the budget */
    /* each worker's two analyzers: the share, and a quarter of it (writer_invert.c) */
    size_t caches = (size_t)w->threads * poisk_mem_form_cache_bytes(w->budget, w->threads)
                    / 4 * 5;
    avail = avail > caches + w->budget / 4 ? avail - caches : w->budget / 4;   /* analyzers' */
    uint64_t batch_bytes = poisk_mem_batch_bytes(avail, w->threads, w->raw_len);
    /* a batch in flight adds its spool pages, its run, its store blocks, and at times a
     * doubling of the occurrence arrays: ~3 bytes per text byte over what stays resident */
    c->headroom = (size_t)(3 * batch_bytes * (unsigned)w->threads);
    c->table_cap = avail / (2u * (unsigned)w->threads);
    c->batches = calloc(nb, sizeof *c->batches);
    c->outs = calloc(nb, sizeof *c->outs);
    c->runs = calloc(nb, sizeof *c->runs);
    c->kept = calloc(nb, 1);
    if (c->runs)
        for (uint32_t b = 0; b < nb; b++)
            c->runs[b].fd = -1;
    if (!c->batches || !c->outs || !c->runs || !c->kept) {
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory");
        goto done;
    }
    uint64_t cut = 0, cut_done = 0;     /* this batch's size (writer_mem.c), bytes before it */
    for (uint32_t k = 0; k < nb; k++) {
        batch_plan *bp = c->n_batches ? &c->batches[c->n_batches - 1] : NULL;
        if (!bp || bp->bytes >= cut) {
            if (bp)
                cut_done += bp->bytes;
            cut = poisk_mem_batch_cut(batch_bytes, w->raw_len - cut_done, w->threads);
            bp = &c->batches[c->n_batches++];
            bp->first_block = k;
            bp->first_id = blk_first[k];
        }
        bp->n_blocks++;
        bp->end_id = blk_first[k + 1];
        for (uint32_t id = blk_first[k]; id < blk_first[k + 1]; id++)
            bp->bytes += w->recs[order[id]].raw;
    }
    c->run_budget = w->budget / 2;
    /* the store is written in batch order while the workers run */
    char name[64];
    poisk_name_store(name, sizeof name, w->gen);
    if ((rc = poisk_fout_open(&c->store, w->dir, name, POISK_KIND_STORE, w->gen, POISK_NO_SECTION,
                              POISK_NO_SECTION, fault_hook, w, err)))
        goto done;
    int nthreads = w->threads < (int)c->n_batches ? w->threads : (int)c->n_batches;
    atomic_store(&c->next_batch, (unsigned)nthreads);
    worker *wk = calloc((size_t)nthreads, sizeof *wk);
    if (!wk) {
        poisk_fout_abort(&c->store);
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory");
        goto done;
    }
    int started = 0;
    for (int t = 0; t < nthreads; t++) {
        wk[t].c = c;
        wk[t].first = (uint32_t)t;
        if (t == 0)
            continue;                   /* worker 0 is this thread */
        if (pthread_create(&wk[t].tid, NULL, worker_main, &wk[t]) != 0)
            break;
        started = t;
    }
    if (started + 1 < nthreads)         /* fewer threads: the rest are dealt dynamically */
        atomic_store(&c->next_batch, (unsigned)started + 1);
    worker_main(&wk[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(wk[t].tid, NULL);
    free(wk);
    /* every record is read: what the batches could not give back (pages shared by two
     * batches' records) goes before the merge fills memory again */
    poisk_spool_close(&w->spool);
    c->spool = NULL;
    if (c->w->opts.progress)
        fputc('\n', stderr);
    if (c->rc) {
        poisk_fout_abort(&c->store);
        rc = c->rc;
        if (err)
            *err = c->err;
        goto done;
    }
    /* store directory and footer */
    uint64_t dir_off = poisk_fout_offset(&c->store);
    poisk_buf_put_u64(&c->store_dir, nb);
    poisk_buf_put_u64(&c->store_dir, dir_off);
    poisk_buf_put_u64(&c->store_dir, N);
    if (c->store_dir.failed)
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory");
    if (!rc)
        rc = poisk_fout_write(&c->store, c->store_dir.data, c->store_dir.len, err);
    if (rc) {
        poisk_fout_abort(&c->store);
        goto done;
    }
    if ((rc = poisk_fout_close(&c->store, err)))
        goto done;
    double invert_end = secs_since(&c->t0);
    io.dir = w->dir;
    io.gen = w->gen;
    io.hook = fault_hook;
    io.hook_ctx = w;
    io.dl = c->dl;
    io.secs = c->secs;
    /* postings store section-local ids (FORMAT.md §6): small gaps in every section */
    if (!(local = malloc(((size_t)N + 1) * sizeof *local))) {
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory");
        goto done;
    }
    {
        uint32_t next[POISK_SECTION_COUNT] = { 0 };
        for (uint32_t id = 0; id < N; id++)
            local[id] = next[c->secs[id]]++;
    }
    io.local = local;
    io.n_docs = N;
    io.threads = w->threads;
    if ((rc = poisk_merge_add_file(&io, name, c->store.final_size))) {
        poisk_error_set(err, rc, "out of memory");
        goto done;
    }
    /* runs: map the spilled ones, merge all */
    for (uint32_t b = 0; b < c->n_batches; b++) {
        poisk_run *r = &c->runs[b];
        if (r->fd >= 0 && r->len) {
            r->map = mmap(NULL, r->len, PROT_READ, MAP_PRIVATE, r->fd, 0);
            if (r->map == MAP_FAILED) {
                r->map = NULL;
                rc = poisk_error_set(err, POISK_EIO, "cannot map a spilled run: %s", strerror(errno));
                goto done;
            }
            (void)madvise(r->map, r->len, MADV_SEQUENTIAL);
            r->data = r->map;
        } else {
            r->data = r->mem.data;
        }
    }
    if ((rc = poisk_merge_runs(c->runs, c->n_batches, &io, err)))
        goto done;
    /* per-section lengths and statistics */
    for (uint32_t id = 0; id < N; id++) {
        m.section_passages[c->secs[id]]++;
        m.section_length[c->secs[id]] += c->dl[id];
        m.total_length += c->dl[id];
    }
    for (unsigned s = 0; s < POISK_SECTION_COUNT; s++)
        if (m.section_passages[s]
            && (rc = write_lens(c, &io, s, m.section_passages[s], m.section_length[s], err)))
            goto done;
    /* abbreviations: the union of the batches', sorted, unique */
    for (uint32_t b = 0; b < c->n_batches; b++)
        n_abbrevs += c->outs[b].n_abbrevs;
    abbrevs = malloc((n_abbrevs ? n_abbrevs : 1) * sizeof *abbrevs);
    if (!abbrevs) {
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory");
        goto done;
    }
    n_abbrevs = 0;
    for (uint32_t b = 0; b < c->n_batches; b++)
        for (size_t i = 0; i < c->outs[b].n_abbrevs; i++)
            abbrevs[n_abbrevs++] = c->outs[b].abbrevs[i];
    qsort(abbrevs, n_abbrevs, sizeof *abbrevs, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n_abbrevs; i++)
        if (u == 0 || strcmp(abbrevs[u - 1], abbrevs[i]) != 0)
            abbrevs[u++] = abbrevs[i];
    /* manifest */
    m.format_version = POISK_FORMAT_VERSION;
    m.normalization_version = POISK_NORMALIZATION_VERSION;
    m.stop_hash = poisk_stop_list_hash();
    m.stemmer_fp = poisk_stemmer_fingerprint();
    m.repair = w->opts.repair ? 1 : 0;
    m.generation = w->gen;
    m.passages = N;
    m.abbrevs = abbrevs;
    m.n_abbrevs = u;
    m.n_files = io.n_files;
    m.files = calloc(io.n_files ? io.n_files : 1, sizeof *m.files);
    if (!m.files) {
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory");
        goto done;
    }
    uint64_t bytes_out = 0;
    for (size_t i = 0; i < io.n_files; i++) {
        m.files[i].name = io.names[i];
        m.files[i].size = io.sizes[i];
        bytes_out += io.sizes[i];
    }
    poisk_buf mb = { 0 };
    poisk_manifest_encode(&m, &mb);
    poisk_fout mf;
    poisk_name_manifest(name, sizeof name, w->gen);
    if (mb.failed)
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory");
    if (!rc)
        rc = poisk_fout_open(&mf, w->dir, name, POISK_KIND_MANIFEST, w->gen, POISK_NO_SECTION,
                             POISK_NO_SECTION, fault_hook, w, err);
    if (!rc && (rc = poisk_fout_write(&mf, mb.data, mb.len, err)))
        poisk_fout_abort(&mf);
    else if (!rc)
        rc = poisk_fout_close(&mf, err);
    poisk_buf_free(&mb);
    if (rc)
        goto done;
    bytes_out += mf.final_size;
    if ((rc = publish(w, err)))
        goto done;
    if (summary) {
        summary->passages = N;
        summary->terms = io.terms;
        summary->bytes_in = w->bytes_in;
        summary->bytes_out = bytes_out;
        summary->spilled_runs = c->spilled;
        summary->workers_used = c->workers_used;
        summary->generation = w->gen;
        summary->freeze_secs = freeze_secs;
        summary->invert_secs = invert_end - freeze_secs;
        summary->merge_secs = secs_since(&c->t0) - invert_end;
    }
    if (w->fault_at < 0)
        fprintf(stderr, "fault points: %lld\n", (long long)atomic_load(&w->fault_count));
done:
    if (m.regions)
        free(m.regions);                /* slugs belong to the writer */
    free(m.files);
    free(abbrevs);                      /* the strings belong to the batches */
    if (c->outs)
        for (uint32_t b = 0; b < c->n_batches; b++) {
            for (size_t i = 0; i < c->outs[b].n_abbrevs; i++)
                free(c->outs[b].abbrevs[i]);
            free(c->outs[b].abbrevs);
            poisk_buf_free(&c->outs[b].store);
            poisk_buf_free(&c->outs[b].store_dir);
        }
    if (c->runs)
        for (uint32_t b = 0; b < c->n_batches; b++) {
            poisk_run *r = &c->runs[b];
            poisk_buf_free(&r->mem);
            if (r->map)
                munmap(r->map, r->len);
            if (r->fd >= 0)
                close(r->fd);
        }
    for (size_t i = 0; i < io.n_files; i++)
        free(io.names[i]);
    free(io.names);
    free(io.sizes);
    poisk_buf_free(&c->store_dir);
    poisk_buf_free(&c->spare_store);
    store_ahead_free(c);
    free(c->batches);
    free(c->outs);
    free(c->runs);
    free(c->kept);
    free(c->dl);
    free(c->secs);
    free(local);
    pthread_mutex_destroy(&c->lock);
    free(c);
    free(order);
    free(by_name);
    free(rank);
    free(lo);
    free(blk_first);
    poisk_spool_close(&w->spool);  /* its pages are given back: a commit is tried once */
    if (rc)
        w->broken = 1;
    return rc;
}
