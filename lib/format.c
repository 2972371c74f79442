/*
 * format.c: the file envelope shared by every index file (docs/FORMAT.md §2) and the names
 * of a generation's files.  Writing: payload bytes stream through a one-page buffer, each
 * full page is checksummed and written; page 0 (which holds the header, whose payload
 * length is known only at the end) is written last.  Reading: mmap, cheap checks at open,
 * and each page verified on first use with an atomic flag, so a shared index checks each
 * page once and a damaged byte is reported, naming the file, the first time it is read.
 */
#include "format.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "codec.h"

/* ---- names ------------------------------------------------------------------------------ */

void poisk_name_manifest(char *out, size_t cap, uint64_t gen)
{
    snprintf(out, cap, "g%08" PRIu64 ".manifest", gen);
}

void poisk_name_store(char *out, size_t cap, uint64_t gen)
{
    snprintf(out, cap, "g%08" PRIu64 ".store", gen);
}

void poisk_name_lens(char *out, size_t cap, uint64_t gen, unsigned section)
{
    snprintf(out, cap, "g%08" PRIu64 ".s%02u.lens", gen, section);
}

void poisk_name_dict_file(char *out, size_t cap, uint64_t gen, unsigned section, unsigned dict,
                          uint32_t kind)
{
    const char *ext = kind == POISK_KIND_DICT ? "dict" : kind == POISK_KIND_POST ? "post" : "posn";
    snprintf(out, cap, "g%08" PRIu64 ".s%02u.%s.%s", gen, section, dict ? "exact" : "stem", ext);
}

int poisk_name_generation(const char *name, uint64_t *gen)
{
    if (name[0] != 'g')
        return 0;
    uint64_t g = 0;
    for (int i = 1; i <= 8; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        g = g * 10 + (uint64_t)(name[i] - '0');
    }
    if (name[9] != '.')
        return 0;
    *gen = g;
    return 1;
}

void poisk_current_format(char *out, size_t cap, uint64_t gen)
{
    char g[32];
    snprintf(g, sizeof g, "g%08" PRIu64, gen);
    snprintf(out, cap, "%s %016" PRIx64 "\n", g, (uint64_t)XXH3_64bits(g, 9));
}

int poisk_current_parse(const char *text, size_t len, uint64_t *gen)
{
    char expect[64];
    uint64_t g;
    char name[10];
    if (len != 27 || text[9] != ' ')
        return -1;
    memcpy(name, text, 9);
    name[9] = '.';
    if (!poisk_name_generation(name, &g) || g == 0)
        return -1;
    poisk_current_format(expect, sizeof expect, g);
    if (memcmp(expect, text, len) != 0)
        return -1;
    *gen = g;
    return 0;
}

/* ---- writing ---------------------------------------------------------------------------- */

static int io_fail(poisk_error *err, const char *what, const char *path)
{
    return poisk_error_set(err, POISK_EIO, "cannot %s %s: %s", what, path, strerror(errno));
}

static void io_point(const poisk_fout *f)
{
    if (f->hook)
        f->hook(f->hook_ctx);
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

int poisk_fout_open(poisk_fout *f, const char *dir, const char *name, uint32_t kind,
                    uint64_t gen, uint32_t section, uint32_t dict, poisk_io_hook hook,
                    void *hook_ctx, poisk_error *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    snprintf(f->path, sizeof f->path, "%s/%s", dir, name);
    f->kind = kind;
    f->section = section;
    f->dict = dict;
    f->generation = gen;
    f->hook = hook;
    f->hook_ctx = hook_ctx;
    f->page0 = calloc(1, POISK_PAGE_SIZE);
    f->page = malloc(POISK_PAGE_SIZE);
    if (!f->page0 || !f->page) {
        free(f->page0);
        free(f->page);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory writing %s", f->path);
    }
    f->fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        free(f->page0);
        free(f->page);
        return io_fail(err, "create", f->path);
    }
    f->data_len = POISK_HEADER_SIZE;
    f->page_fill = POISK_HEADER_SIZE;          /* the header's room in page 0 */
    return POISK_OK;
}

static int push_sum(poisk_fout *f, uint64_t sum)
{
    if (f->n_sums == f->cap_sums) {
        size_t cap = f->cap_sums ? 2 * f->cap_sums : 64;
        uint64_t *s = realloc(f->sums, cap * sizeof *s);
        if (!s)
            return -1;
        f->sums = s;
        f->cap_sums = cap;
    }
    f->sums[f->n_sums++] = sum;
    return 0;
}

/* Starts the disk writes of the pages written since the last call, once there are
 * WRITEBACK_STEP bytes of them, without waiting for them: the fsync at close then finds
 * little left to write.  A big file (the store: 200 MB for a 1 GB corpus) was otherwise
 * written to disk at its fsync, with the build waiting.  A hint: failures are left to
 * the fsync. */
#define WRITEBACK_STEP (8u << 20)
static void start_writeback(poisk_fout *f, uint64_t end)
{
#ifdef SYNC_FILE_RANGE_WRITE
    if (end - f->writeback_from < WRITEBACK_STEP)
        return;
    (void)sync_file_range(f->fd, (off_t)f->writeback_from, (off_t)(end - f->writeback_from),
                          SYNC_FILE_RANGE_WRITE);
    f->writeback_from = end;
#else
    (void)f;
    (void)end;
#endif
}

/* A page is full: checksum and write it (page 0 waits for the header). */
static int flush_page(poisk_fout *f, poisk_error *err)
{
    size_t page_no = f->n_sums;
    if (page_no == 0) {
        if (push_sum(f, 0))                    /* filled in at close */
            return poisk_error_set(err, POISK_ENOMEM, "out of memory writing %s", f->path);
        f->page_fill = 0;
        return POISK_OK;
    }
    if (push_sum(f, XXH3_64bits(f->page, f->page_fill)))
        return poisk_error_set(err, POISK_ENOMEM, "out of memory writing %s", f->path);
    io_point(f);
    if (pwrite_all(f->fd, f->page, f->page_fill, (uint64_t)page_no << POISK_PAGE_SHIFT))
        return io_fail(err, "write", f->path);
    start_writeback(f, ((uint64_t)page_no << POISK_PAGE_SHIFT) + f->page_fill);
    f->page_fill = 0;
    return POISK_OK;
}

int poisk_fout_write(poisk_fout *f, const void *p, size_t n, poisk_error *err)
{
    const uint8_t *src = p;
    while (n) {
        uint8_t *page = f->n_sums == 0 ? f->page0 : f->page;
        size_t room = POISK_PAGE_SIZE - f->page_fill, k = n < room ? n : room;
        memcpy(page + f->page_fill, src, k);
        f->page_fill += k;
        f->data_len += k;
        src += k;
        n -= k;
        if (f->page_fill == POISK_PAGE_SIZE) {
            int rc = flush_page(f, err);
            if (rc)
                return rc;
        }
    }
    return POISK_OK;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

int poisk_fout_close(poisk_fout *f, poisk_error *err)
{
    int rc = POISK_OK;
    /* the partial last page (or page 0 when the file is small) */
    if (f->page_fill > 0 || f->n_sums == 0) {
        if (f->n_sums == 0) {
            if (push_sum(f, 0))
                rc = poisk_error_set(err, POISK_ENOMEM, "out of memory writing %s", f->path);
        } else {
            if (push_sum(f, XXH3_64bits(f->page, f->page_fill)))
                rc = poisk_error_set(err, POISK_ENOMEM, "out of memory writing %s", f->path);
            io_point(f);
            if (!rc && pwrite_all(f->fd, f->page, f->page_fill,
                                  (uint64_t)(f->n_sums - 1) << POISK_PAGE_SHIFT))
                rc = io_fail(err, "write", f->path);
        }
    }
    if (rc) {
        poisk_fout_abort(f);
        return rc;
    }
    /* header into page 0, then its checksum */
    uint8_t *h = f->page0;
    memset(h, 0, POISK_HEADER_SIZE);
    memcpy(h, "PSKF", 4);
    put_u32(h + 4, f->kind);
    put_u32(h + 8, POISK_FORMAT_VERSION);
    put_u32(h + 12, POISK_PAGE_SHIFT);
    put_u64(h + 16, f->generation);
    put_u32(h + 24, f->section);
    put_u32(h + 28, f->dict);
    put_u64(h + 32, f->data_len - POISK_HEADER_SIZE);
    size_t page0_len = f->data_len < POISK_PAGE_SIZE ? (size_t)f->data_len : POISK_PAGE_SIZE;
    f->sums[0] = XXH3_64bits(h, page0_len);
    /* table and trailer */
    size_t tail_len = f->n_sums * 8 + POISK_TRAILER_SIZE;
    uint8_t *tail = malloc(tail_len);
    if (!tail) {
        poisk_fout_abort(f);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory writing %s", f->path);
    }
    for (size_t i = 0; i < f->n_sums; i++)
        put_u64(tail + 8 * i, f->sums[i]);
    uint8_t *tr = tail + f->n_sums * 8;
    put_u64(tr, f->data_len);
    put_u64(tr + 8, f->n_sums);
    put_u64(tr + 16, XXH3_64bits(tail, f->n_sums * 8 + 16));
    memcpy(tr + 24, "PSKE", 4);
    put_u32(tr + 28, POISK_FORMAT_VERSION);
    io_point(f);
    if (pwrite_all(f->fd, tail, tail_len, f->data_len))
        rc = io_fail(err, "write", f->path);
    free(tail);
    io_point(f);
    if (!rc && pwrite_all(f->fd, f->page0, page0_len, 0))
        rc = io_fail(err, "write", f->path);
    io_point(f);
    if (!rc && fsync(f->fd) != 0)
        rc = io_fail(err, "fsync", f->path);
    if (rc) {
        poisk_fout_abort(f);
        return rc;
    }
    f->final_size = f->data_len + tail_len;
    close(f->fd);
    f->fd = -1;
    free(f->page0);
    free(f->page);
    free(f->sums);
    f->page0 = f->page = NULL;
    f->sums = NULL;
    return POISK_OK;
}

void poisk_fout_abort(poisk_fout *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        unlink(f->path);
    }
    f->fd = -1;
    free(f->page0);
    free(f->page);
    free(f->sums);
    f->page0 = f->page = NULL;
    f->sums = NULL;
}

int poisk_write_small_file(const char *path, const void *p, size_t n, poisk_io_hook hook,
                           void *hook_ctx, poisk_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_fail(err, "create", path);
    if (hook)
        hook(hook_ctx);
    if (pwrite_all(fd, p, n, 0)) {
        int rc = io_fail(err, "write", path);
        close(fd);
        return rc;
    }
    if (hook)
        hook(hook_ctx);
    if (fsync(fd) != 0) {
        int rc = io_fail(err, "fsync", path);
        close(fd);
        return rc;
    }
    close(fd);
    return POISK_OK;
}

int poisk_fsync_dir(const char *dir, poisk_io_hook hook, void *hook_ctx, poisk_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_fail(err, "open directory", dir);
    if (hook)
        hook(hook_ctx);
    int rc = POISK_OK;
    if (fsync(fd) != 0)
        rc = io_fail(err, "fsync directory", dir);
    close(fd);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------------- */

static int corrupt(poisk_error *err, const poisk_file *f, const char *what)
{
    return poisk_error_set(err, POISK_ECORRUPT,
                           "index file %s is damaged (%s); rebuild the index with indexer -o DIR",
                           f->path, what);
}

static int verify_page(poisk_file *f, uint64_t page, poisk_error *err)
{
    if (atomic_load_explicit(&f->verified[page], memory_order_acquire))
        return POISK_OK;
    uint64_t data_len = f->payload_len + POISK_HEADER_SIZE;
    uint64_t start = page << POISK_PAGE_SHIFT;
    uint64_t len = data_len - start < POISK_PAGE_SIZE ? data_len - start : POISK_PAGE_SIZE;
    if (XXH3_64bits(f->map + start, (size_t)len) != poisk_load_u64(f->table + 8 * page)) {
        char what[64];
        snprintf(what, sizeof what, "checksum of page %" PRIu64 " does not match", page);
        return corrupt(err, f, what);
    }
    atomic_store_explicit(&f->verified[page], 1, memory_order_release);
    return POISK_OK;
}

int poisk_file_open(poisk_file *f, const char *dir, const char *name, uint64_t expect_size,
                    uint32_t kind, uint64_t gen, uint32_t section, uint32_t dict,
                    poisk_error *err)
{
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s/%s", dir, name);
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return poisk_error_set(err, POISK_ENOINDEX,
                                   "index file %s is missing; rebuild the index with indexer -o DIR",
                                   f->path);
        return io_fail(err, "open", f->path);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = io_fail(err, "stat", f->path);
        close(fd);
        return rc;
    }
    f->size = (size_t)st.st_size;
    if (expect_size && (uint64_t)st.st_size != expect_size) {
        close(fd);
        char what[96];
        snprintf(what, sizeof what, "size %" PRIu64 " bytes, the manifest says %" PRIu64,
                 (uint64_t)st.st_size, expect_size);
        return corrupt(err, f, what);
    }
    if (f->size < POISK_HEADER_SIZE + 8 + POISK_TRAILER_SIZE) {
        close(fd);
        return corrupt(err, f, "truncated");
    }
    void *m = mmap(NULL, f->size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return io_fail(err, "map", f->path);
    f->map = m;
    const uint8_t *tr = f->map + f->size - POISK_TRAILER_SIZE;
    uint64_t data_len = poisk_load_u64(tr), n_pages = poisk_load_u64(tr + 8);
    int rc = POISK_OK;
    if (memcmp(tr + 24, "PSKE", 4) != 0)
        rc = corrupt(err, f, "no trailer: truncated or not an index file");
    else if (poisk_load_u32(tr + 28) != POISK_FORMAT_VERSION)
        rc = poisk_error_set(err, POISK_EVERSION,
                             "index file %s has format version %u, this program reads %u; "
                             "rebuild the index with this indexer",
                             f->path, poisk_load_u32(tr + 28), POISK_FORMAT_VERSION);
    else if (data_len < POISK_HEADER_SIZE
             || n_pages != (data_len + POISK_PAGE_SIZE - 1) >> POISK_PAGE_SHIFT
             || data_len + 8 * n_pages + POISK_TRAILER_SIZE != f->size)
        rc = corrupt(err, f, "trailer sizes disagree with the file size");
    else if (XXH3_64bits(f->map + data_len, (size_t)(8 * n_pages + 16)) != poisk_load_u64(tr + 16))
        rc = corrupt(err, f, "checksum table damaged");
    if (rc) {
        poisk_file_close(f);
        return rc;
    }
    f->n_pages = n_pages;
    f->table = f->map + data_len;
    f->payload = f->map + POISK_HEADER_SIZE;
    f->payload_len = data_len - POISK_HEADER_SIZE;
    f->verified = calloc((size_t)n_pages, 1);
    if (!f->verified) {
        poisk_file_close(f);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory opening %s", f->path);
    }
    if ((rc = verify_page(f, 0, err)) != POISK_OK) {
        poisk_file_close(f);
        return rc;
    }
    const uint8_t *h = f->map;
    if (memcmp(h, "PSKF", 4) != 0)
        rc = corrupt(err, f, "bad magic");
    else if (poisk_load_u32(h + 8) != POISK_FORMAT_VERSION)
        rc = poisk_error_set(err, POISK_EVERSION,
                             "index file %s has format version %u, this program reads %u; "
                             "rebuild the index with this indexer",
                             f->path, poisk_load_u32(h + 8), POISK_FORMAT_VERSION);
    else if (poisk_load_u32(h + 4) != kind || poisk_load_u32(h + 12) != POISK_PAGE_SHIFT
             || poisk_load_u64(h + 16) != gen || poisk_load_u32(h + 24) != section
             || poisk_load_u32(h + 28) != dict || poisk_load_u64(h + 32) != f->payload_len)
        rc = corrupt(err, f, "header does not match the file's name and role");
    if (rc)
        poisk_file_close(f);
    return rc;
}

const uint8_t *poisk_file_range(poisk_file *f, uint64_t off, uint64_t len, poisk_error *err)
{
    if (off > f->payload_len || len > f->payload_len - off) {
        corrupt(err, f, "a reference points outside the file");
        return NULL;
    }
    if (len == 0)
        return f->payload + off;
    uint64_t first = (off + POISK_HEADER_SIZE) >> POISK_PAGE_SHIFT;
    uint64_t last = (off + len - 1 + POISK_HEADER_SIZE) >> POISK_PAGE_SHIFT;
    for (uint64_t p = first; p <= last; p++)
        if (verify_page(f, p, err) != POISK_OK)
            return NULL;
    return f->payload + off;
}

int poisk_file_verify_all(poisk_file *f, poisk_error *err)
{
    for (uint64_t p = 0; p < f->n_pages; p++) {
        int rc = verify_page(f, p, err);
        if (rc)
            return rc;
    }
    return POISK_OK;
}

void poisk_file_close(poisk_file *f)
{
    if (f->map)
        munmap((void *)f->map, f->size);
    free((void *)f->verified);
    f->map = NULL;
    f->verified = NULL;
}
