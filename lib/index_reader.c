/*
 * index_reader.c: opening an index and reading it (stage: files -> reader -> query
 * evaluator).  poisk_index_open() reads CURRENT and the manifest only; a section's lengths
 * file is mapped, size-checked and turned into its doc-id map the first time a query asks
 * for the section, each dictionary kind's dictionary and postings the first time a lookup
 * needs that kind, and its positions the first time a cursor reads positions (each
 * double-checked under a mutex, so a shared index opens every file once); every byte range
 * goes through poisk_file_range(), which verifies each page's checksum on first use.
 * Dictionaries are front-coded blocks searched by binary search; postings cursors wrap
 * codec.c's decoder.
 */
#include "index_reader_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "poisk/analyzer.h"
#include "exact_stem.h"
#include "store.h"

/* ---- open / close ----------------------------------------------------------------------- */

static int read_current(const char *dir, uint64_t *gen, poisk_error *err)
{
    char path[4200], text[64];
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return poisk_error_set(err, POISK_ENOINDEX,
                                   "no index in %s (no CURRENT file); build one with indexer -o %s INPUT...",
                                   dir, dir);
        return poisk_error_set(err, POISK_EIO, "cannot open %s: %s", path, strerror(errno));
    }
    ssize_t n = read(fd, text, sizeof text);
    close(fd);
    if (n < 0)
        return poisk_error_set(err, POISK_EIO, "cannot read %s: %s", path, strerror(errno));
    if (poisk_current_parse(text, (size_t)n, gen) != 0)
        return poisk_error_set(err, POISK_ECORRUPT,
                               "index file %s is damaged; rebuild the index with indexer -o %s",
                               path, dir);
    return POISK_OK;
}

static int check_settings(const poisk_index *idx, poisk_error *err)
{
    const poisk_manifest *m = &idx->m;
    if (m->format_version != POISK_FORMAT_VERSION)
        return poisk_error_set(err, POISK_EVERSION,
                               "index in %s has format version %u, this program reads %u; "
                               "rebuild it with this indexer (indexer -o %s INPUT...)",
                               idx->dir, m->format_version, POISK_FORMAT_VERSION, idx->dir);
    const char *what = NULL;
    if (m->normalization_version != POISK_NORMALIZATION_VERSION)
        what = "normalisation version";
    else if (m->stop_hash != poisk_stop_list_hash())
        what = "stop list";
    else if (m->stemmer_fp != poisk_stemmer_fingerprint())
        what = "stemmer";
    if (what)
        return poisk_error_set(err, POISK_ESETTINGS,
                               "index in %s was built with another %s than this program's; "
                               "rebuild it with this indexer (indexer -o %s INPUT...)",
                               idx->dir, what, idx->dir);
    return POISK_OK;
}

static int open_generation(poisk_index *idx, uint64_t gen, poisk_error *err)
{
    char name[64];
    poisk_name_manifest(name, sizeof name, gen);
    int rc = poisk_file_open(&idx->manifest_file, idx->dir, name, 0, POISK_KIND_MANIFEST, gen,
                             POISK_NO_SECTION, POISK_NO_SECTION, err);
    if (rc)
        return rc;
    poisk_file *f = &idx->manifest_file;
    const uint8_t *p = poisk_file_range(f, 0, f->payload_len, err);
    if (!p)
        return POISK_ECORRUPT;
    if (poisk_manifest_decode(p, (size_t)f->payload_len, &idx->m) != 0 || idx->m.generation != gen)
        return poisk_error_set(err, POISK_ECORRUPT,
                               "index file %s is damaged (malformed manifest); rebuild the index "
                               "with indexer -o %s", f->path, idx->dir);
    idx->generation = gen;
    return check_settings(idx, err);
}

int poisk_index_open(const char *dir, poisk_index **out, poisk_error *err)
{
    *out = NULL;
    poisk_index *idx = calloc(1, sizeof *idx);
    if (!idx)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory opening %s", dir);
    snprintf(idx->dir, sizeof idx->dir, "%s", dir);
    pthread_mutex_init(&idx->lock, NULL);
    pthread_mutex_init(&idx->store_lock, NULL);
    int rc = POISK_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        uint64_t gen;
        if ((rc = read_current(dir, &gen, err)) != POISK_OK)
            break;
        rc = open_generation(idx, gen, err);
        if (rc != POISK_ENOINDEX)
            break;
        /* the manifest vanished: a newer generation was published meanwhile; once more */
        poisk_file_close(&idx->manifest_file);
        poisk_manifest_free(&idx->m);
    }
    if (rc) {
        poisk_index_close(idx);
        return rc;
    }
    *out = idx;
    return POISK_OK;
}

static void dict_files_close(poisk_dict_files *d)
{
    free((void *)d->first_key);
    d->first_key = NULL;
    poisk_file_close(&d->dict);
    poisk_file_close(&d->post);
    poisk_file_close(&d->posn);
}

static void section_free(poisk_section_index *s)
{
    if (!s)
        return;
    poisk_file_close(&s->lens);
    free(s->local_len_copy);
    free(s->select);
    dict_files_close(&s->d[0]);
    dict_files_close(&s->d[1]);
    free(s);
}

void poisk_index_close(poisk_index *idx)
{
    if (!idx)
        return;
    for (int s = 0; s < POISK_SECTION_COUNT; s++)
        section_free(atomic_load(&idx->sections[s]));
    poisk_analyzer_free(idx->canon_an);
    poisk_file *st = atomic_load(&idx->store);
    if (st) {
        poisk_file_close(st);
        free(st);
    }
    poisk_store_cache_free(idx);
    void *att = atomic_load(&idx->attachment);
    if (att && idx->attachment_drop)
        idx->attachment_drop(att);
    if (idx->maps)
        munmap(idx->maps, idx->maps_bytes);
    poisk_file_close(&idx->manifest_file);
    poisk_manifest_free(&idx->m);
    pthread_mutex_destroy(&idx->lock);
    pthread_mutex_destroy(&idx->store_lock);
    free(idx);
}

void *poisk_index_attachment(poisk_index *idx, void *(*make)(poisk_index *),
                             void (*drop)(void *))
{
    void *att = atomic_load_explicit(&idx->attachment, memory_order_acquire);
    if (att)
        return att;
    pthread_mutex_lock(&idx->lock);
    att = atomic_load_explicit(&idx->attachment, memory_order_relaxed);
    if (!att && (att = make(idx))) {
        idx->attachment_drop = drop;
        atomic_store_explicit(&idx->attachment, att, memory_order_release);
    }
    pthread_mutex_unlock(&idx->lock);
    return att;
}

void poisk_index_get_stats(const poisk_index *idx, poisk_index_stats *out)
{
    memset(out, 0, sizeof *out);
    out->generation = idx->generation;
    out->passages = idx->m.passages;
    out->total_length = idx->m.total_length;
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        out->section_passages[s] = idx->m.section_passages[s];
        out->section_length[s] = idx->m.section_length[s];
    }
    out->bytes_on_disk = idx->manifest_file.size;
    for (size_t i = 0; i < idx->m.n_files; i++)
        out->bytes_on_disk += idx->m.files[i].size;
    out->regions = idx->m.n_regions;
    out->repair = (int)idx->m.repair;
}

size_t poisk_index_region_count(const poisk_index *idx)
{
    return idx->m.n_regions;
}

int poisk_index_region_at(const poisk_index *idx, size_t i, const char **slug, uint32_t *lo,
                          uint32_t *hi)
{
    if (i >= idx->m.n_regions)
        return POISK_EINVAL;
    *slug = idx->m.regions[i].slug;
    *lo = idx->m.regions[i].lo;
    *hi = idx->m.regions[i].hi;
    return POISK_OK;
}

int poisk_index_is_abbrev(const poisk_index *idx, const char *form, size_t len)
{
    size_t lo = 0, hi = idx->m.n_abbrevs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *a = idx->m.abbrevs[mid];
        size_t alen = strlen(a), n = alen < len ? alen : len;
        int c = memcmp(a, form, n);
        if (c == 0)
            c = alen < len ? -1 : alen > len ? 1 : 0;
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ---- lazy opens ------------------------------------------------------------------------- */

static int open_member(poisk_index *idx, poisk_file *f, const char *name, uint32_t kind,
                       uint32_t section, uint32_t dict, poisk_error *err)
{
    uint64_t size = poisk_manifest_file_size(&idx->m, name);
    if (size == 0)
        return poisk_error_set(err, POISK_ECORRUPT,
                               "index file %s/%s is not listed in the manifest; rebuild the index "
                               "with indexer -o %s", idx->dir, name, idx->dir);
    return poisk_file_open(f, idx->dir, name, size, kind, idx->generation, section, dict, err);
}

static int sec_corrupt(poisk_error *err, const poisk_file *f, const char *what)
{
    return poisk_error_set(err, POISK_ECORRUPT,
                           "index file %s is damaged (%s); rebuild the index with indexer -o DIR",
                           f->path, what);
}

/* Without -mpopcnt, __builtin_popcountll is a libgcc call (__popcountdi2); the searcher
 * looks a length up per scored passage, so the portable bit trick is inlined instead. */
static inline uint64_t popcount64(uint64_t x)
{
#ifdef __POPCNT__
    return (uint64_t)__builtin_popcountll(x);
#else
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (x * 0x0101010101010101ull) >> 56;
#endif
}

/* The bits set in n <= 8 consecutive words (one rank superblock): bytes' counts summed in
 * one register, then folded once -- a third of a popcount per word, which matters for the
 * open's pass over every section's bitmap. */
static inline __attribute__((always_inline))
uint64_t popcount_words_builtin(const uint8_t *p, uint64_t n)
{
    uint64_t c = 0;
    for (uint64_t k = 0; k < n; k++)
        c += (uint64_t)__builtin_popcountll(poisk_load_u64(p + 8 * k));
    return c;
}

static inline uint64_t popcount_words(const uint8_t *p, uint64_t n)
{
#ifdef __POPCNT__
    return popcount_words_builtin(p, n);
#else
    uint64_t acc = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t x = poisk_load_u64(p + 8 * k);
        x -= (x >> 1) & 0x5555555555555555ull;
        x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
        acc += (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;      /* each byte <= 8 x 8 */
    }
    acc = (acc & 0x00ff00ff00ff00ffull) + ((acc >> 8) & 0x00ff00ff00ff00ffull);
    return (acc * 0x0001000100010001ull) >> 48;             /* <= 512: fits 16 bits */
#endif
}

/* Open's pass over a section's bitmap: with the CPU's popcount instruction where the build
 * does not assume one (x86-64 without -mpopcnt), checked once per open; the SWAR count
 * above is ~6 times the instructions per word, most of a first query's open. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__POPCNT__)
__attribute__((target("popcnt")))
static uint64_t popcount_words_hw(const uint8_t *p, uint64_t n)
{
    return popcount_words_builtin(p, n);            /* inlined here: the popcnt instruction */
}
#define POPCOUNT_WORDS_OPEN(hw, p, n) ((hw) ? popcount_words_hw(p, n) : popcount_words(p, n))
#define POPCOUNT_HW() __builtin_cpu_supports("popcnt")
#else
#define POPCOUNT_WORDS_OPEN(hw, p, n) ((void)(hw), popcount_words(p, n))
#define POPCOUNT_HW() 0
#endif

/* The sections' local -> global maps (n_docs each) and the lengths by global id, in one
 * anonymous mapping of 2 * (N + 1) u32 made by the first cursor that reports global ids
 * (under idx->lock; the searcher's cursors are local and never need it): the sections'
 * passages are disjoint, so the maps take N entries in all, and section s's map starts
 * after the passages of sections 0..s-1 (manifest counts).  One mapping rather than eleven
 * mallocs because filling them dominates that first use: transparent huge pages, where the
 * kernel gives them, fault it in a few 2 MiB steps instead of one fault per 4 KiB page. */
static int maps_alloc(poisk_index *idx)
{
    uint64_t n = idx->m.passages + 1;
    size_t bytes = (size_t)(2 * n * sizeof(uint32_t)), huge = (size_t)2 << 20, extra = 0;
    if (bytes >= huge) {            /* whole 2 MiB pages, 2 MiB-aligned: all of it can be huge */
        bytes = (bytes + huge - 1) & ~(huge - 1);
        extra = huge;
    }
    uint8_t *raw = mmap(NULL, bytes + extra, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return POISK_ENOMEM;
    uint8_t *p = raw;
    if (extra) {
        p = raw + ((huge - (uintptr_t)raw % huge) % huge);
        if (p > raw)
            munmap(raw, (size_t)(p - raw));
        if (p + bytes < raw + bytes + extra)
            munmap(p + bytes, (size_t)(raw + bytes + extra - (p + bytes)));
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE);   /* a hint: without it, 4 KiB pages as before */
#endif
    }
    idx->maps = (uint32_t *)(void *)p;
    idx->maps_bytes = bytes;
    idx->doc_len = idx->maps + n;
    return POISK_OK;
}

/* Where section's docmap starts in idx->maps; UINT64_MAX when the manifest's section
 * counts leave it no room (they must add up to at most N). */
static uint64_t maps_docmap_offset(const poisk_index *idx, unsigned section)
{
    uint64_t off = 0, n = idx->m.passages;
    for (unsigned t = 0; t <= section; t++) {
        if (idx->m.section_passages[t] > n - off)
            return UINT64_MAX;
        if (t < section)
            off += idx->m.section_passages[t];
    }
    return off;
}

/* A section's docmap (local -> global) and its passages' entries of doc_len (by global
 * id), from the bitmap and the lengths in local order; the bitmap is already checked.  The
 * hottest loop of a first query: locals, so the stores cannot force reloads. */
static void lens_fill(const uint8_t *bitmap, uint64_t words, const uint8_t *lengths,
                      uint32_t *restrict docmap, uint32_t *restrict doc_len)
{
    uint32_t r = 0;
    for (uint64_t w = 0; w < words; w++) {
        uint64_t word = poisk_load_u64(bitmap + 8 * w);
        uint32_t base = (uint32_t)(64 * w);
        while (word) {
            uint32_t d = base + (uint32_t)__builtin_ctzll(word);
            word &= word - 1;
            doc_len[d] = poisk_load_u32(lengths + 4 * (uint64_t)r);
            docmap[r++] = d;
        }
    }
}

static int open_lens(poisk_index *idx, poisk_section_index *s, poisk_error *err)
{
    char name[64];
    poisk_name_lens(name, sizeof name, idx->generation, s->section);
    int rc = open_member(idx, &s->lens, name, POISK_KIND_LENS, s->section, POISK_NO_SECTION, err);
    if (rc)
        return rc;
    poisk_file *f = &s->lens;
    const uint8_t *p = poisk_file_range(f, 0, f->payload_len, err);
    if (!p)
        return POISK_ECORRUPT;
    if (f->payload_len < 24)
        return sec_corrupt(err, f, "too short");
    s->n_docs = poisk_load_u64(p);
    s->total_length = poisk_load_u64(p + 8);
    s->n_all = poisk_load_u32(p + 16);
    uint64_t words = ((uint64_t)s->n_all + 63) / 64, supers = ((uint64_t)s->n_all + 511) / 512;
    if (s->n_all != idx->m.passages || s->n_docs != idx->m.section_passages[s->section]
        || 24 + 8 * words + 4 * supers + 4 * s->n_docs != f->payload_len)
        return sec_corrupt(err, f, "sizes disagree with the manifest");
    s->bitmap = p + 24;
    s->rank = s->bitmap + 8 * words;
    s->lengths = s->rank + 4 * supers;
    /* the rank table must agree with the bitmap, or doc_length could index past the end;
     * with no bit at or past N either, the docmap fill (section_maps) needs no check per
     * passage, and global_id's select always ends on a bit */
    s->select = malloc(((s->n_docs + SELECT_STEP - 1) / SELECT_STEP + 1) * sizeof *s->select);
    if (!s->select)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory opening %s", f->path);
    uint64_t count = 0, next = 0;
    int hw = s->popcnt_hw = POPCOUNT_HW();
    for (uint64_t sb = 0; sb < supers; sb++) {
        if (poisk_load_u32(s->rank + 4 * sb) != count)
            return sec_corrupt(err, f, "rank table disagrees with the bitmap");
        uint64_t w = 8 * sb;
        count += POPCOUNT_WORDS_OPEN(hw, s->bitmap + 8 * w, words - w < 8 ? words - w : 8);
        for (; next < count && next < s->n_docs; next += SELECT_STEP)
            s->select[next / SELECT_STEP] = (uint32_t)sb;
    }
    if (count != s->n_docs)
        return sec_corrupt(err, f, "bitmap disagrees with the passage count");
    if (s->n_all % 64 && poisk_load_u64(s->bitmap + 8 * (words - 1)) >> (s->n_all % 64))
        return sec_corrupt(err, f, "bitmap has bits past the last passage");
    s->map_off = maps_docmap_offset(idx, s->section);
    if (s->map_off == UINT64_MAX)
        return sec_corrupt(err, f, "section passage counts exceed the passages");
    /* the lengths by local id, read where they lie: nothing to fill per passage at open */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if ((uintptr_t)s->lengths % sizeof(uint32_t) == 0) {
        s->local_len = (const uint32_t *)(const void *)s->lengths;
        return POISK_OK;
    }
#endif
    s->local_len_copy = malloc(s->n_docs ? s->n_docs * sizeof(uint32_t) : 1);
    if (!s->local_len_copy)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory opening %s", f->path);
    for (uint64_t r = 0; r < s->n_docs; r++)
        s->local_len_copy[r] = poisk_load_u32(s->lengths + 4 * r);
    s->local_len = s->local_len_copy;
    return POISK_OK;
}

/* The section's docmap and doc_len entries, for a cursor reporting global ids (tests, the
 * verifier, explain of old callers): filled on first use under idx->lock. */
static int section_maps(poisk_section_index *s, poisk_error *err)
{
    if (atomic_load_explicit(&s->maps_ready, memory_order_acquire))
        return POISK_OK;
    poisk_index *idx = s->idx;
    int rc = POISK_OK;
    pthread_mutex_lock(&idx->lock);
    if (!atomic_load_explicit(&s->maps_ready, memory_order_relaxed)) {
        if (!idx->maps && maps_alloc(idx) != POISK_OK) {
            rc = poisk_error_set(err, POISK_ENOMEM, "out of memory opening %s", s->lens.path);
        } else {
            /* postings store section-local ids (FORMAT.md §6): local id r is the r-th set
             * bit; open_lens checked the bitmap against the counts */
            s->docmap = idx->maps + s->map_off;
            lens_fill(s->bitmap, ((uint64_t)s->n_all + 63) / 64, s->lengths, s->docmap,
                      idx->doc_len);
            s->doc_len = idx->doc_len;
            atomic_store_explicit(&s->maps_ready, 1, memory_order_release);
        }
    }
    pthread_mutex_unlock(&idx->lock);
    return rc;
}

/* The payload length of an index file of the given size (FORMAT.md §2: size = 64 +
 * payload + 8 x pages of 32 KiB over header + payload, + 32), unique since the size grows
 * with the payload; 0 when no length fits (the file's own open then fails). */
static uint64_t payload_len_of_size(uint64_t size)
{
    if (size < POISK_HEADER_SIZE + 8 + POISK_TRAILER_SIZE)
        return 0;
    uint64_t rest = size - POISK_TRAILER_SIZE;          /* data_len + 8 x n_pages */
    uint64_t n = rest / (POISK_PAGE_SIZE + 8);
    for (uint64_t k = n; k <= n + 1 && 8 * k <= rest; k++) {
        uint64_t data = rest - 8 * k;
        if (data >= POISK_HEADER_SIZE && (data + POISK_PAGE_SIZE - 1) / POISK_PAGE_SIZE == k)
            return data - POISK_HEADER_SIZE;
    }
    return 0;
}

/* The positions file of a dictionary kind, opened on first use under idx->lock. */
static int dict_posn(poisk_section_index *s, poisk_dict_files *d, poisk_error *err)
{
    if (atomic_load_explicit(&d->posn_opened, memory_order_acquire))
        return POISK_OK;
    poisk_index *idx = s->idx;
    unsigned kind = (unsigned)(d - s->d);
    char name[64];
    poisk_name_dict_file(name, sizeof name, idx->generation, s->section, kind, POISK_KIND_POSN);
    pthread_mutex_lock(&idx->lock);
    int rc = POISK_OK;
    if (!atomic_load_explicit(&d->posn_opened, memory_order_relaxed)) {
        rc = open_member(idx, &d->posn, name, POISK_KIND_POSN, s->section, kind, err);
        if (!rc && d->posn.payload_len != d->posn_len) {
            rc = sec_corrupt(err, &d->posn, "payload length disagrees with the file size");
            poisk_file_close(&d->posn);
        }
        if (!rc)
            atomic_store_explicit(&d->posn_opened, 1, memory_order_release);
    }
    pthread_mutex_unlock(&idx->lock);
    return rc;
}

static int open_dict(poisk_index *idx, poisk_section_index *s, unsigned kind, poisk_error *err)
{
    poisk_dict_files *d = &s->d[kind];
    char name[64];
    poisk_name_dict_file(name, sizeof name, idx->generation, s->section, kind, POISK_KIND_DICT);
    if (poisk_manifest_file_size(&idx->m, name) == 0)
        return POISK_OK;                        /* no terms of this kind in the section */
    int rc = open_member(idx, &d->dict, name, POISK_KIND_DICT, s->section, kind, err);
    if (rc)
        return rc;
    poisk_name_dict_file(name, sizeof name, idx->generation, s->section, kind, POISK_KIND_POST);
    if ((rc = open_member(idx, &d->post, name, POISK_KIND_POST, s->section, kind, err)))
        return rc;
    /* the positions file is opened by the first cursor that reads positions (a ranked
     * query of single words never does); its manifest size gives its payload length, which
     * bounds the entries' position ranges meanwhile */
    poisk_name_dict_file(name, sizeof name, idx->generation, s->section, kind, POISK_KIND_POSN);
    uint64_t posn_size = poisk_manifest_file_size(&idx->m, name);
    if (posn_size == 0)
        return poisk_error_set(err, POISK_ECORRUPT,
                               "index file %s/%s is not listed in the manifest; rebuild the index "
                               "with indexer -o %s", idx->dir, name, idx->dir);
    d->posn_len = payload_len_of_size(posn_size);
    poisk_file *f = &d->dict;
    if (f->payload_len < 24)
        return sec_corrupt(err, f, "too short");
    const uint8_t *foot = poisk_file_range(f, f->payload_len - 24, 24, err);
    if (!foot)
        return POISK_ECORRUPT;
    d->n_terms = poisk_load_u64(foot);
    d->n_blocks = poisk_load_u64(foot + 8);
    d->index_off = poisk_load_u64(foot + 16);
    if (d->index_off > f->payload_len - 24 || d->n_blocks != (f->payload_len - 24 - d->index_off) / 8
        || (f->payload_len - 24 - d->index_off) % 8 || d->n_terms < d->n_blocks
        || d->n_terms > 16 * d->n_blocks)
        return sec_corrupt(err, f, "dictionary footer");
    if (d->n_blocks && !(d->first_key = calloc(2 * d->n_blocks, sizeof *d->first_key)))
        return poisk_error_set(err, POISK_ENOMEM, "out of memory opening a dictionary");
    d->present = 1;
    return POISK_OK;
}

int poisk_index_section(poisk_index *idx, poisk_section sec, poisk_section_index **out,
                        poisk_error *err)
{
    *out = NULL;
    if ((unsigned)sec >= POISK_SECTION_COUNT)
        return poisk_error_set(err, POISK_EINVAL, "no such section %d", (int)sec);
    poisk_section_index *s = atomic_load_explicit(&idx->sections[sec], memory_order_acquire);
    if (s) {
        *out = s;
        return POISK_OK;
    }
    if (idx->m.section_passages[sec] == 0)
        return POISK_OK;
    pthread_mutex_lock(&idx->lock);
    s = atomic_load_explicit(&idx->sections[sec], memory_order_acquire);
    int rc = POISK_OK;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) {
            rc = poisk_error_set(err, POISK_ENOMEM, "out of memory opening section %d", (int)sec);
        } else {
            s->idx = idx;
            s->section = (unsigned)sec;
            rc = open_lens(idx, s, err);
            if (rc) {
                section_free(s);
                s = NULL;
            } else {
                atomic_store_explicit(&idx->sections[sec], s, memory_order_release);
            }
        }
    }
    pthread_mutex_unlock(&idx->lock);
    *out = s;
    return rc;
}

int poisk_index_store_file(poisk_index *idx, poisk_file **out, poisk_error *err)
{
    poisk_file *f = atomic_load_explicit(&idx->store, memory_order_acquire);
    if (f) {
        *out = f;
        return POISK_OK;
    }
    pthread_mutex_lock(&idx->lock);
    int rc = POISK_OK;
    f = atomic_load_explicit(&idx->store, memory_order_acquire);
    if (!f) {
        f = calloc(1, sizeof *f);
        char name[64];
        poisk_name_store(name, sizeof name, idx->generation);
        if (!f)
            rc = poisk_error_set(err, POISK_ENOMEM, "out of memory opening the store");
        else
            rc = open_member(idx, f, name, POISK_KIND_STORE, POISK_NO_SECTION, POISK_NO_SECTION, err);
        const uint8_t *foot = NULL;
        if (!rc && f->payload_len < 24)
            rc = sec_corrupt(err, f, "too short");
        if (!rc && !(foot = poisk_file_range(f, f->payload_len - 24, 24, err)))
            rc = POISK_ECORRUPT;
        if (!rc) {
            idx->store_n_blocks = poisk_load_u64(foot);
            idx->store_dir_off = poisk_load_u64(foot + 8);
            idx->store_passages = poisk_load_u64(foot + 16);
            if (idx->store_dir_off > f->payload_len - 24
                || idx->store_n_blocks != (f->payload_len - 24 - idx->store_dir_off) / POISK_STORE_DIR_ENTRY
                || (f->payload_len - 24 - idx->store_dir_off) % POISK_STORE_DIR_ENTRY
                || idx->store_passages != idx->m.passages || (idx->store_passages && !idx->store_n_blocks))
                rc = sec_corrupt(err, f, "store footer");
        }
        if (rc) {
            if (f) {
                poisk_file_close(f);
                free(f);
            }
            f = NULL;
        } else {
            atomic_store_explicit(&idx->store, f, memory_order_release);
        }
    }
    pthread_mutex_unlock(&idx->lock);
    *out = f;
    return rc;
}

/* ---- passage lengths -------------------------------------------------------------------- */

/* Rank and select are written once (the *_body functions, hw a constant) and compiled
 * twice: with the CPU's popcount instruction where open found one (s->popcnt_hw), else
 * with the portable count. */
#define INLINE static inline __attribute__((always_inline))

INLINE uint64_t pc64(uint64_t x, int hw)
{
    return hw ? (uint64_t)__builtin_popcountll(x) : popcount64(x);
}

/* The section's passages below global id doc (doc < n_all): the rank table entry, then at
 * most 8 words' popcounts.  Open_lens checked the table against the bitmap. */
INLINE uint64_t rank_body(const poisk_section_index *s, uint32_t doc, int hw)
{
    uint64_t w = doc >> 6;
    uint64_t r = poisk_load_u32(s->rank + 4 * (doc >> 9));
    for (uint64_t k = (uint64_t)(doc >> 9) * 8; k < w; k++)
        r += pc64(poisk_load_u64(s->bitmap + 8 * k), hw);
    return r + pc64(poisk_load_u64(s->bitmap + 8 * w) & ((1ull << (doc & 63)) - 1), hw);
}

/* The position of the j-th (from 0) set bit of word (j < popcount(word)): halving. */
INLINE unsigned word_select(uint64_t word, uint64_t j, int hw)
{
    unsigned pos = 0;
    for (unsigned width = 32; width >= 8; width /= 2) {
        uint64_t low = pc64(word & ((1ull << width) - 1), hw);
        if (j >= low) {
            j -= low;
            word >>= width;
            pos += width;
        }
    }
    for (; j; j--)
        word &= word - 1;
    return pos + (unsigned)__builtin_ctzll(word);
}

/* The global id of local id `local` (< n_docs): the last superblock (512 passages) whose
 * rank is <= local, from the one holding the sampled id below it; then its words. */
INLINE uint32_t select_body(const poisk_section_index *s, uint32_t local, int hw)
{
    uint64_t words = ((uint64_t)s->n_all + 63) / 64, supers = (words + 7) / 8;
    uint64_t lo = s->select[local / SELECT_STEP];
    while (lo + 1 < supers && poisk_load_u32(s->rank + 4 * (lo + 1)) <= local)
        lo++;
    uint64_t r = poisk_load_u32(s->rank + 4 * lo);
    for (uint64_t w = 8 * lo; w < words; w++) {
        uint64_t word = poisk_load_u64(s->bitmap + 8 * w), c = pc64(word, hw);
        if (local - r < c)
            return (uint32_t)(64 * w + word_select(word, local - r, hw));
        r += c;
    }
    return POISK_DOC_END;       /* not reached: open_lens checked the counts */
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__POPCNT__)
__attribute__((target("popcnt")))
static uint64_t rank_hw(const poisk_section_index *s, uint32_t doc)
{
    return rank_body(s, doc, 1);
}
__attribute__((target("popcnt")))
static uint32_t select_hw(const poisk_section_index *s, uint32_t local)
{
    return select_body(s, local, 1);
}
#else
#define rank_hw(s, doc) rank_body(s, doc, 0)
#define select_hw(s, local) select_body(s, local, 0)
#endif

static uint64_t bitmap_rank(const poisk_section_index *s, uint32_t doc)
{
    return s->popcnt_hw ? rank_hw(s, doc) : rank_body(s, doc, 0);
}

uint32_t poisk_section_doc_length(const poisk_section_index *s, uint32_t doc)
{
    if (!s || doc >= s->n_all || !(poisk_load_u64(s->bitmap + 8 * (doc >> 6)) >> (doc & 63) & 1))
        return 0;
    uint64_t r = bitmap_rank(s, doc);
    return r < s->n_docs ? poisk_load_u32(s->lengths + 4 * r) : 0;
}

const uint32_t *poisk_section_doc_lengths(const poisk_section_index *s)
{
    /* the object is the reader's (calloc'd): filling its maps does not write a const */
    if (section_maps((poisk_section_index *)s, NULL))
        return NULL;
    return s->doc_len;
}

const uint32_t *poisk_section_local_lengths(const poisk_section_index *s)
{
    return s->local_len;
}

uint32_t poisk_section_local_rank(const poisk_section_index *s, uint32_t doc)
{
    return doc >= s->n_all ? (uint32_t)s->n_docs : (uint32_t)bitmap_rank(s, doc);
}

uint32_t poisk_section_global_id(const poisk_section_index *s, uint32_t local)
{
    if (local >= s->n_docs)
        return POISK_DOC_END;
    return s->popcnt_hw ? select_hw(s, local) : select_body(s, local, 0);
}

/* ---- dictionary ------------------------------------------------------------------------- */

#define DICT_TERM_INLINE 96

typedef struct dict_iter {
    poisk_dict_files *d;
    uint64_t block;                 /* current block */
    const uint8_t *p, *end;         /* within the current block */
    int first;                      /* next entry is the block's first */
    uint32_t entry;                 /* entries read in the current block */
    char *term; size_t term_len, term_cap;
    uint64_t df, cf, post_off, post_len, pos_off, pos_len;
    char inline_term[DICT_TERM_INLINE];     /* term's first buffer: a lookup allocates
                                             * nothing unless a term is longer */
} dict_iter;

static void dict_iter_init(dict_iter *it, poisk_dict_files *d)
{
    it->d = d;
    it->term = it->inline_term;
    it->term_len = 0;
    it->term_cap = sizeof it->inline_term;
}

static void dict_iter_free(dict_iter *it)
{
    if (it->term != it->inline_term)
        free(it->term);
}

static int dict_block_range(dict_iter *it, uint64_t b, poisk_error *err)
{
    poisk_dict_files *d = it->d;
    const uint8_t *ix = poisk_file_range(&d->dict, d->index_off + 8 * b, b + 1 < d->n_blocks ? 16 : 8, err);
    if (!ix)
        return POISK_ECORRUPT;
    uint64_t start = poisk_load_u64(ix), end = b + 1 < d->n_blocks ? poisk_load_u64(ix + 8) : d->index_off;
    if (start > end || end > d->index_off)
        return sec_corrupt(err, &d->dict, "dictionary block index");
    const uint8_t *p = poisk_file_range(&d->dict, start, end - start, err);
    if (!p)
        return POISK_ECORRUPT;
    it->block = b;
    it->p = p;
    it->end = p + (end - start);
    it->first = 1;
    it->entry = 0;
    return POISK_OK;
}

/* Next entry of the current block.  @return : 1 entry read, 0 block ended, <0 -rc */
static int dict_next_in_block(dict_iter *it, poisk_error *err)
{
    if (it->p == it->end)
        return 0;
    uint64_t shared, suffix, df, cfx, post_len, pos_len, post_off = 0, pos_off = 0;
    const uint8_t **p = &it->p;
    if (poisk_varint_decode(p, it->end, &shared) || poisk_varint_decode(p, it->end, &suffix)
        || shared > it->term_len || (it->first && shared) || suffix > (uint64_t)(it->end - *p))
        goto bad;
    if (shared + suffix + 1 > it->term_cap) {
        size_t cap = (size_t)(shared + suffix + 64);
        int was_inline = it->term == it->inline_term;
        char *t = was_inline ? malloc(cap) : realloc(it->term, cap);
        if (!t)
            return -poisk_error_set(err, POISK_ENOMEM, "out of memory reading a dictionary");
        if (was_inline)
            memcpy(t, it->inline_term, it->term_len);
        it->term = t;
        it->term_cap = cap;
    }
    memcpy(it->term + shared, *p, (size_t)suffix);
    *p += suffix;
    it->term_len = (size_t)(shared + suffix);
    it->term[it->term_len] = 0;
    if (poisk_varint_decode(p, it->end, &df) || poisk_varint_decode(p, it->end, &cfx))
        goto bad;
    if (it->first && (poisk_varint_decode(p, it->end, &post_off) || poisk_varint_decode(p, it->end, &post_len)
                      || poisk_varint_decode(p, it->end, &pos_off) || poisk_varint_decode(p, it->end, &pos_len)))
        goto bad;
    if (!it->first && (poisk_varint_decode(p, it->end, &post_len) || poisk_varint_decode(p, it->end, &pos_len)))
        goto bad;
    if (!it->first) {
        post_off = it->post_off + it->post_len;
        pos_off = it->pos_off + it->pos_len;
    }
    if (df == 0 || df > UINT32_MAX || cfx > UINT64_MAX - df || post_off > it->d->post.payload_len
        || post_len > it->d->post.payload_len - post_off || pos_off > it->d->posn_len
        || pos_len > it->d->posn_len - pos_off)
        goto bad;
    it->first = 0;
    it->entry++;
    it->df = df;
    it->cf = df + cfx;
    it->post_off = post_off;
    it->post_len = post_len;
    it->pos_off = pos_off;
    it->pos_len = pos_len;
    return 1;
bad:
    return -sec_corrupt(err, &it->d->dict, "malformed dictionary entry");
}

static void dict_fill_info(const dict_iter *it, poisk_term_info *info)
{
    info->df = (uint32_t)it->df;
    info->cf = it->cf;
    info->ref[0] = it->post_off;
    info->ref[1] = it->post_len;
    info->ref[2] = it->pos_off;
    info->ref[3] = it->pos_len;
    info->dref = (it->block << 5 | (it->entry - 1)) + 1;
}

static int term_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (alen < blen ? -1 : alen > blen ? 1 : 0);
}

/* A term's sort key, two words: its first 15 bytes big-endian (zero-padded), then
 * min(length, 16) in the low byte.  Keys order as term_cmp orders the terms, except that
 * two terms of 16 bytes or more that share their first 15 compare equal (then the bytes
 * decide).  A key whose first word is 0 (an empty term) is also first_key's "not read". */
typedef struct dict_key {
    uint64_t hi, lo;
} dict_key;

static dict_key dict_term_key(const char *t, size_t len)
{
    dict_key k = { 0, 0 };
    size_t n = len < 15 ? len : 15;
    for (size_t i = 0; i < n; i++) {
        uint64_t c = (uint8_t)t[i];
        if (i < 8)
            k.hi |= c << (56 - 8 * i);
        else
            k.lo |= c << (56 - 8 * (i - 8));
    }
    k.lo |= len < 16 ? len : 16;
    return k;
}

/* Block b's first term, read in place (the block's index entry and the entry's length
 * fields checked; the rest of the entry is checked when a scan reads it). */
static int dict_block_first(poisk_dict_files *d, uint64_t b, const char **term, size_t *len,
                            poisk_error *err)
{
    dict_iter it = { .d = d };
    int rc = dict_block_range(&it, b, err);
    if (rc)
        return rc;
    uint64_t shared, suffix;
    const uint8_t *p = it.p;
    if (p == it.end)
        return sec_corrupt(err, &d->dict, "empty dictionary block");
    if (poisk_varint_decode(&p, it.end, &shared) || poisk_varint_decode(&p, it.end, &suffix)
        || shared || suffix > (uint64_t)(it.end - p))
        return sec_corrupt(err, &d->dict, "malformed dictionary entry");
    *term = (const char *)p;
    *len = (size_t)suffix;
    return POISK_OK;
}

/* *cmp = term_cmp(block b's first term, key), q being key's dict_term_key.  A lookup's
 * binary search meets the same few blocks for every term, so each block's key is kept
 * (first_key: hi, lo) once read: most probes then compare two integer pairs instead of
 * reading the block. */
static int dict_cmp_first(poisk_dict_files *d, uint64_t b, const char *key, size_t len,
                          dict_key q, int *cmp, poisk_error *err)
{
    dict_key k = { atomic_load_explicit(&d->first_key[2 * b], memory_order_acquire), 0 };
    if (k.hi) {
        k.lo = atomic_load_explicit(&d->first_key[2 * b + 1], memory_order_relaxed);
        if (k.hi != q.hi || k.lo != q.lo) {
            *cmp = k.hi != q.hi ? (k.hi < q.hi ? -1 : 1) : (k.lo < q.lo ? -1 : 1);
            return POISK_OK;
        }
        if ((k.lo & 0xff) < 16) {
            *cmp = 0;                           /* under 16 bytes the key is the term */
            return POISK_OK;
        }
    }
    const char *t = NULL;
    size_t tlen = 0;
    int rc = dict_block_first(d, b, &t, &tlen, err);
    if (rc)
        return rc;
    if (!k.hi) {                                /* lo first: a reader seeing hi sees lo */
        dict_key nk = dict_term_key(t, tlen);
        atomic_store_explicit(&d->first_key[2 * b + 1], nk.lo, memory_order_relaxed);
        atomic_store_explicit(&d->first_key[2 * b], nk.hi, memory_order_release);
    }
    *cmp = term_cmp(t, tlen, key, len);
    return POISK_OK;
}

/* One lookup's binary search over its dictionary's blocks: [lo, hi) holds the last block
 * whose first term is <= key (block 0 if none). */
typedef struct dict_seek {
    poisk_dict_files *d;                        /* NULL: nothing to look up */
    const char *key;
    size_t len;
    dict_key q;
    uint64_t lo, hi;
} dict_seek;

static void dict_seek_init(dict_seek *s, poisk_dict_files *d, const char *key, size_t len)
{
    s->d = d;
    s->key = key;
    s->len = len;
    s->q = dict_term_key(key, len);
    s->lo = 0;
    s->hi = d ? d->n_blocks : 0;
}

/* The n binary searches advanced together, one probe each a round: each probe's key is
 * prefetched before any is compared, so their cache misses overlap (a query looks every
 * term up in every section's dictionary, ~10 dependent misses a search). */
static int dict_seek_many(dict_seek *s, size_t n, poisk_error *err)
{
    for (;;) {
        int active = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i].d && s[i].hi - s[i].lo > 1) {
                __builtin_prefetch(&s[i].d->first_key[2 * (s[i].lo + (s[i].hi - s[i].lo) / 2)]);
                active = 1;
            }
        if (!active)
            return POISK_OK;
        for (size_t i = 0; i < n; i++) {
            if (!s[i].d || s[i].hi - s[i].lo <= 1)
                continue;
            uint64_t mid = s[i].lo + (s[i].hi - s[i].lo) / 2;
            int c, rc = dict_cmp_first(s[i].d, mid, s[i].key, s[i].len, s[i].q, &c, err);
            if (rc)
                return rc;
            if (c <= 0)
                s[i].lo = mid;
            else
                s[i].hi = mid;
        }
    }
}

/* Position it on the last block whose first term is <= key (block 0 if none). */
static int dict_seek_block(dict_iter *it, const char *key, size_t len, poisk_error *err)
{
    dict_seek s;
    dict_seek_init(&s, it->d, key, len);
    int rc = dict_seek_many(&s, 1, err);
    return rc ? rc : dict_block_range(it, s.lo, err);
}

/* A dictionary kind's dictionary and postings files, opened and size-checked by the first
 * call that needs them, under idx->lock like the section itself: a plain word query never
 * reads the exact-form files, so it does not map them (positions: dict_posn).  *out is NULL when the section has no
 * terms of that kind; a damaged file fails every call, naming it. */
static int section_dict(poisk_section_index *s, poisk_dict_kind kind, poisk_dict_files **out,
                        poisk_error *err)
{
    *out = NULL;
    if (!s || (kind != POISK_DICT_STEM && kind != POISK_DICT_EXACT))
        return POISK_OK;
    poisk_dict_files *d = &s->d[kind];
    if (!atomic_load_explicit(&d->opened, memory_order_acquire)) {
        pthread_mutex_lock(&s->idx->lock);
        int rc = POISK_OK;
        if (!atomic_load_explicit(&d->opened, memory_order_relaxed)) {
            rc = open_dict(s->idx, s, kind, err);
            if (rc) {
                dict_files_close(d);
                memset(d, 0, sizeof *d);
            } else {
                atomic_store_explicit(&d->opened, 1, memory_order_release);
            }
        }
        pthread_mutex_unlock(&s->idx->lock);
        if (rc)
            return rc;
    }
    if (d->present)
        *out = d;
    return POISK_OK;
}

/* Scan it's block for term (dict_seek_block put it there). */
static int dict_scan_exact(dict_iter *it, const char *term, size_t len, poisk_term_info *info,
                           int *found, poisk_error *err)
{
    for (;;) {
        int r = dict_next_in_block(it, err);
        if (r <= 0)
            return -r;
        int c = term_cmp(it->term, it->term_len, term, len);
        if (c == 0) {
            dict_fill_info(it, info);
            *found = 1;
        }
        if (c >= 0)
            return POISK_OK;
    }
}

#define LOOKUP_CHUNK 64

/* Up to LOOKUP_CHUNK lookups: their binary searches together (dict_seek_many), then their
 * last blocks' index entries and bytes prefetched before any is scanned. */
static int lookup_chunk(poisk_lookup *l, size_t n, poisk_error *err)
{
    dict_seek s[LOOKUP_CHUNK];
    for (size_t i = 0; i < n; i++) {
        poisk_dict_files *d;
        l[i].found = 0;
        memset(&l[i].info, 0, sizeof l[i].info);
        int rc = section_dict(l[i].sec, l[i].kind, &d, err);
        if (rc)
            return rc;
        dict_seek_init(&s[i], d, l[i].term, l[i].len);
    }
    int rc = dict_seek_many(s, n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (s[i].d)
            __builtin_prefetch(s[i].d->dict.payload + s[i].d->index_off + 8 * s[i].lo);
    dict_iter it[LOOKUP_CHUNK];
    for (size_t i = 0; i < n; i++) {
        if (!s[i].d)
            continue;
        dict_iter_init(&it[i], s[i].d);
        if ((rc = dict_block_range(&it[i], s[i].lo, err)))
            return rc;
        __builtin_prefetch(it[i].p);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        if (!s[i].d)
            continue;
        rc = dict_scan_exact(&it[i], l[i].term, l[i].len, &l[i].info, &l[i].found, err);
        dict_iter_free(&it[i]);
        /* a found term's postings are opened next, their head read first (skip entries):
         * its first line fetched now, together with the other lookups' */
        if (l[i].found && l[i].info.ref[0] < s[i].d->post.payload_len)
            __builtin_prefetch(s[i].d->post.payload + l[i].info.ref[0]);
    }
    return rc;
}

int poisk_section_lookup_many(poisk_lookup *l, size_t n, poisk_error *err)
{
    for (size_t at = 0; at < n; at += LOOKUP_CHUNK) {
        int rc = lookup_chunk(l + at, n - at < LOOKUP_CHUNK ? n - at : LOOKUP_CHUNK, err);
        if (rc)
            return rc;
    }
    return POISK_OK;
}

int poisk_section_lookup(poisk_section_index *sec, poisk_dict_kind kind, const char *term,
                         size_t len, poisk_term_info *info, int *found, poisk_error *err)
{
    poisk_lookup l = { .sec = sec, .kind = kind, .term = term, .len = len };
    int rc = lookup_chunk(&l, 1, err);
    *info = l.info;
    *found = l.found;
    return rc;
}

int poisk_section_prefix(poisk_section_index *sec, poisk_dict_kind kind, const char *prefix,
                         size_t len, poisk_term_visit visit, void *ctx, poisk_error *err)
{
    poisk_dict_files *d;
    int rc = section_dict(sec, kind, &d, err);
    if (rc || !d)
        return rc;
    dict_iter it;
    dict_iter_init(&it, d);
    rc = dict_seek_block(&it, prefix, len, err);
    while (!rc) {
        int r = dict_next_in_block(&it, err);
        if (r < 0) {
            rc = -r;
            break;
        }
        if (r == 0) {
            if (it.block + 1 >= d->n_blocks)
                break;
            rc = dict_block_range(&it, it.block + 1, err);
            continue;
        }
        int c = term_cmp(it.term, it.term_len < len ? it.term_len : len, prefix, len);
        if (c < 0 || (c == 0 && it.term_len < len))
            continue;                           /* before the prefix range */
        if (c > 0)
            break;                              /* past it */
        poisk_term_info info;
        dict_fill_info(&it, &info);
        if (visit(ctx, it.term, it.term_len, &info))
            break;
    }
    dict_iter_free(&it);
    return rc;
}

/* ---- postings cursors ------------------------------------------------------------------- */

struct poisk_postings {
    poisk_plist pl;
    poisk_section_index *sec;
    poisk_dict_files *d;
    poisk_term_info info;
    int pos_ready;
    int local;                      /* reports section-local ids (poisk_postings_open_local) */
    poisk_postings *stem;           /* exact cursor: its canonical stem's (format v4) */
};

static int cursor_corrupt(poisk_postings *c, const poisk_file *f, poisk_error *err)
{
    c->pl.doc = POISK_PLIST_END;
    return sec_corrupt(err, f, "postings do not decode");
}

static int postings_open(poisk_section_index *sec, poisk_dict_kind kind,
                         const poisk_term_info *info, int lazy, int local, poisk_postings **out,
                         poisk_error *err)
{
    *out = NULL;
    int rc = local ? POISK_OK : section_maps(sec, err);
    if (rc)
        return rc;
    poisk_postings *c = calloc(1, sizeof *c);
    if (!c)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory opening postings");
    rc = section_dict(sec, kind, &c->d, err);
    if (rc) {
        free(c);
        return rc;
    }
    c->sec = sec;
    c->local = local;
    c->info = *info;
    poisk_plist_set_marked(&c->pl, kind == POISK_DICT_EXACT);
    if (!c->d || info->df == 0) {
        poisk_plist_open(&c->pl, NULL, 0, 0);
        *out = c;
        return POISK_OK;
    }
    const uint8_t *p = poisk_file_range(&c->d->post, info->ref[0], info->ref[1], err);
    if (!p) {
        free(c);
        return POISK_ECORRUPT;
    }
    /* stored ids are local (FORMAT.md §6), bounded by n_docs either way: a local cursor's
     * ids index the lengths in place */
    poisk_plist_set_docmap(&c->pl, local ? NULL : sec->docmap, (uint32_t)sec->n_docs);
    if ((lazy ? poisk_plist_open_lazy : poisk_plist_open)(&c->pl, p, (size_t)info->ref[1], info->df)) {
        int rc = cursor_corrupt(c, &c->d->post, err);
        poisk_postings_close(c);
        return rc;
    }
    *out = c;
    return POISK_OK;
}

int poisk_postings_open(poisk_section_index *sec, poisk_dict_kind kind,
                        const poisk_term_info *info, poisk_postings **out, poisk_error *err)
{
    return postings_open(sec, kind, info, 0, 0, out, err);
}

int poisk_postings_open_lazy(poisk_section_index *sec, poisk_dict_kind kind,
                             const poisk_term_info *info, poisk_postings **out, poisk_error *err)
{
    return postings_open(sec, kind, info, 1, 0, out, err);
}

int poisk_postings_open_local(poisk_section_index *sec, poisk_dict_kind kind,
                              const poisk_term_info *info, poisk_postings **out, poisk_error *err)
{
    return postings_open(sec, kind, info, 1, 1, out, err);
}

void poisk_postings_close(poisk_postings *c)
{
    if (!c)
        return;
    poisk_postings_close(c->stem);
    poisk_plist_free(&c->pl);
    free(c);
}

uint32_t poisk_postings_doc(const poisk_postings *c) { return c->pl.doc; }
uint32_t poisk_postings_tf(const poisk_postings *c) { return poisk_plist_tf(&c->pl); }

int poisk_postings_next(poisk_postings *c, poisk_error *err)
{
    return poisk_plist_next(&c->pl) ? cursor_corrupt(c, &c->d->post, err) : POISK_OK;
}

int poisk_postings_advance(poisk_postings *c, uint32_t target, poisk_error *err)
{
    return poisk_plist_advance(&c->pl, target) ? cursor_corrupt(c, &c->d->post, err) : POISK_OK;
}

int poisk_postings_probe(poisk_postings *c, uint32_t target, poisk_bitmap_view *v,
                         poisk_error *err)
{
    if (poisk_plist_probe(&c->pl, target))
        return cursor_corrupt(c, &c->d->post, err);
    *v = c->pl.bmv;
    if (!c->pl.pend)
        v->last = 0;
    return POISK_OK;
}

int poisk_postings_shallow_advance(poisk_postings *c, uint32_t target, poisk_error *err)
{
    return poisk_plist_shallow_advance(&c->pl, target) ? cursor_corrupt(c, &c->d->post, err) : POISK_OK;
}

int poisk_postings_shallow_group(poisk_postings *c, uint32_t target, uint32_t limit,
                                 uint32_t *last, const poisk_impacts **imp, poisk_error *err)
{
    return poisk_plist_shallow_group(&c->pl, target, limit, last, imp)
               ? cursor_corrupt(c, &c->d->post, err) : POISK_OK;
}

int poisk_postings_check_groups(poisk_postings *c, poisk_error *err)
{
    return poisk_plist_check_groups(&c->pl) ? cursor_corrupt(c, &c->d->post, err) : POISK_OK;
}

uint32_t poisk_postings_block_last_doc(const poisk_postings *c) { return poisk_plist_block_last_doc(&c->pl); }
uint32_t poisk_postings_block_max_tf(const poisk_postings *c) { return poisk_plist_block_max_tf(&c->pl); }
const poisk_impacts *poisk_postings_block_impacts(const poisk_postings *c) { return poisk_plist_block_impacts(&c->pl); }
uint64_t poisk_postings_blocks_decoded(const poisk_postings *c) { return c->pl.blocks_decoded; }

uint32_t poisk_postings_block_view(const poisk_postings *c, const uint32_t **docs,
                                   const uint32_t **tfs, uint32_t *i)
{
    *docs = c->pl.docs;
    *tfs = c->pl.tfs;
    *i = c->pl.i;
    return c->pl.doc == POISK_PLIST_END ? 0 : c->pl.n;
}

/* The exact form's canonical stem (exact_stem.h), from its dictionary entry. */
static int canonical_stem(poisk_postings *c, char *out, size_t cap, size_t *out_len,
                          poisk_error *err)
{
    if (c->info.dref == 0)
        return sec_corrupt(err, &c->d->posn, "elided positions without a dictionary entry");
    uint64_t b = (c->info.dref - 1) >> 5, e = (c->info.dref - 1) & 31;
    dict_iter it;
    dict_iter_init(&it, c->d);
    int rc = b < c->d->n_blocks ? dict_block_range(&it, b, err)
                                : sec_corrupt(err, &c->d->dict, "dictionary entry reference");
    for (uint64_t k = 0; !rc && k <= e; k++) {
        int r = dict_next_in_block(&it, err);
        if (r <= 0)
            rc = r < 0 ? -r : sec_corrupt(err, &c->d->dict, "dictionary entry reference");
    }
    if (!rc) {
        poisk_index *idx = c->sec->idx;
        pthread_mutex_lock(&idx->lock);
        if (!idx->canon_an && poisk_analyzer_create(NULL, &idx->canon_an))
            rc = poisk_error_set(err, POISK_ENOMEM, "out of memory reading positions");
        else if (!poisk_exact_stem(idx->canon_an, it.term, it.term_len, out, cap, out_len))
            rc = sec_corrupt(err, &c->d->posn, "elided positions of a form without a stem");
        pthread_mutex_unlock(&idx->lock);
    }
    dict_iter_free(&it);
    return rc;
}

/* Format v4: this exact posting's positions are its canonical stem's in the same passage
 * (docs/FORMAT.md §6); a stem cursor kept beside the exact one reads them. */
static int stem_positions(poisk_postings *c, const uint32_t **pos, uint32_t *n,
                          poisk_error *err)
{
    int rc;
    if (!c->stem) {
        char stem[256];
        size_t len = 0;
        poisk_term_info si;
        int found = 0;
        if ((rc = canonical_stem(c, stem, sizeof stem, &len, err))
            || (rc = poisk_section_lookup(c->sec, POISK_DICT_STEM, stem, len, &si, &found, err)))
            return rc;
        if (!found)
            return sec_corrupt(err, &c->d->posn, "elided positions of a stem not indexed");
        if ((rc = postings_open(c->sec, POISK_DICT_STEM, &si, 1, c->local, &c->stem, err)))
            return rc;
    }
    uint32_t doc = c->pl.doc;
    if (poisk_postings_doc(c->stem) != doc || c->stem->pl.n == 0)
        if ((rc = poisk_postings_advance(c->stem, doc, err)))
            return rc;
    if (poisk_postings_doc(c->stem) != doc || poisk_postings_tf(c->stem) != poisk_plist_tf(&c->pl))
        return sec_corrupt(err, &c->d->posn, "elided positions disagree with the stem's");
    return poisk_postings_positions(c->stem, pos, n, err);
}

int poisk_postings_positions(poisk_postings *c, const uint32_t **pos, uint32_t *n,
                             poisk_error *err)
{
    *pos = NULL;
    *n = 0;
    if (c->pl.doc == POISK_PLIST_END || c->pl.n == 0)     /* exhausted, or lazy and unread */
        return POISK_OK;
    if (!c->pos_ready) {
        int rc = dict_posn(c->sec, c->d, err);
        if (rc)
            return rc;
        const uint8_t *p = poisk_file_range(&c->d->posn, c->info.ref[2], c->info.ref[3], err);
        if (!p)
            return POISK_ECORRUPT;
        poisk_plist_set_positions(&c->pl, p, (size_t)c->info.ref[3]);
        c->pos_ready = 1;
    }
    int r = poisk_plist_positions(&c->pl, pos, n);
    if (r == 1)
        return stem_positions(c, pos, n, err);
    if (r)
        return sec_corrupt(err, &c->d->posn, "positions do not decode");
    return POISK_OK;
}
