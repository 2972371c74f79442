/*
 * store.c: the passage store (docs/FORMAT.md §7): record encoding and block compression
 * for the writer, and poisk_index_passage() for the reader: binary search of the block
 * directory, inflate the block (libdeflate, zlib format) and undo the byte code
 * (store_code.h), decode the record, copy it NUL-terminated into the caller's buffer.
 * Every offset and length read from the file is checked.
 */
#include "store.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "index_reader_int.h"
#include "store_code.h"

/* ---- records ---------------------------------------------------------------------------- */

static void put_str(poisk_buf *b, const char *s, size_t n)
{
    poisk_buf_put_varint(b, n);
    poisk_buf_put(b, s, n);
}

static void put_ostr(poisk_buf *b, const char *s, size_t n)
{
    if (!s) {
        poisk_buf_put_varint(b, 0);
        return;
    }
    poisk_buf_put_varint(b, (uint64_t)n + 1);
    poisk_buf_put(b, s, n);
}

void poisk_store_record_encode(poisk_buf *b, const poisk_passage *p, uint32_t region)
{
    put_str(b, p->id ? p->id : "", p->id ? strlen(p->id) : 0);
    poisk_buf_put_varint(b, region);
    poisk_buf_put_varint(b, (uint64_t)p->section);
    put_ostr(b, p->sector, p->sector ? strlen(p->sector) : 0);
    put_ostr(b, p->subsection, p->subsection ? strlen(p->subsection) : 0);
    put_ostr(b, p->project, p->project ? strlen(p->project) : 0);
    poisk_buf_put_varint(b, p->n_pages);
    for (size_t i = 0; i < p->n_pages; i++)
        poisk_buf_put_varint(b, p->pages[i]);
    put_str(b, p->file ? p->file : "", p->file ? strlen(p->file) : 0);
    poisk_buf_put_varint(b, p->byte_start);
    poisk_buf_put_varint(b, p->byte_end);
    put_str(b, p->text ? p->text : "", p->text ? p->text_len : 0);
}

void poisk_store_record_reencode(poisk_buf *b, const poisk_store_rec *r, uint32_t region)
{
    put_str(b, r->id.ptr, r->id.len);
    poisk_buf_put_varint(b, region);
    poisk_buf_put_varint(b, r->section);
    put_ostr(b, r->sector.ptr, r->sector.len);
    put_ostr(b, r->subsection.ptr, r->subsection.len);
    put_ostr(b, r->project.ptr, r->project.len);
    poisk_buf_put_varint(b, r->n_pages);
    poisk_buf_put(b, r->pages, r->pages_len);
    put_str(b, r->file.ptr, r->file.len);
    poisk_buf_put_varint(b, r->byte_start);
    poisk_buf_put_varint(b, r->byte_end);
    put_str(b, r->text.ptr, r->text.len);
}

static int get_str(const uint8_t **p, const uint8_t *end, poisk_store_str *s, int optional)
{
    uint64_t n;
    if (poisk_varint_decode(p, end, &n))
        return -1;
    if (optional) {
        if (n == 0) {
            s->ptr = NULL;
            s->len = 0;
            return 0;
        }
        n--;
    }
    if (n > (uint64_t)(end - *p))
        return -1;
    s->ptr = (const char *)*p;
    s->len = (size_t)n;
    *p += n;
    return 0;
}

static int get_u32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    uint64_t x;
    if (poisk_varint_decode(p, end, &x) || x > UINT32_MAX)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

int poisk_store_record_decode(const uint8_t **pp, const uint8_t *end, poisk_store_rec *r)
{
    const uint8_t *p = *pp;
    if (get_str(&p, end, &r->id, 0) || get_u32(&p, end, &r->region) || get_u32(&p, end, &r->section)
        || r->section >= POISK_SECTION_COUNT || get_str(&p, end, &r->sector, 1)
        || get_str(&p, end, &r->subsection, 1) || get_str(&p, end, &r->project, 1)
        || get_u32(&p, end, &r->n_pages) || r->n_pages > (uint64_t)(end - p))
        return -1;
    r->pages = p;
    for (uint32_t i = 0; i < r->n_pages; i++) {
        uint32_t v;
        if (get_u32(&p, end, &v))
            return -1;
    }
    r->pages_len = (size_t)(p - r->pages);
    if (get_str(&p, end, &r->file, 0) || poisk_varint_decode(&p, end, &r->byte_start)
        || poisk_varint_decode(&p, end, &r->byte_end) || get_str(&p, end, &r->text, 0))
        return -1;
    *pp = p;
    return 0;
}

/* ---- blocks ----------------------------------------------------------------------------- */

size_t poisk_store_block_bound(struct libdeflate_compressor *c, size_t n)
{
    return libdeflate_zlib_compress_bound(c, poisk_store_code_bound(n));
}

size_t poisk_store_block_compress(struct libdeflate_compressor *c, const uint8_t *raw, size_t n,
                                  poisk_buf *code, uint8_t *out, size_t out_cap)
{
    code->len = 0;
    if (poisk_buf_reserve(code, poisk_store_code_bound(n) + 1))
        return 0;
    code->len = poisk_store_code_encode(raw, n, code->data);
    return libdeflate_zlib_compress(c, code->data, code->len, out, out_cap);
}

int poisk_store_block_inflate(struct libdeflate_decompressor *d, const uint8_t *comp,
                              size_t comp_len, uint8_t *raw, size_t raw_len)
{
    /* the code of raw_len bytes takes at most twice as many */
    size_t cap = poisk_store_code_bound(raw_len), got = 0;
    uint8_t *code = malloc(cap ? cap : 1);
    if (!code)
        return -2;
    int ok = libdeflate_zlib_decompress(d, comp, comp_len, code, cap, &got) == LIBDEFLATE_SUCCESS
             && poisk_store_code_decode(code, got, raw, raw_len) == 0;
    free(code);
    return ok ? 0 : -1;
}

/* ---- reading ---------------------------------------------------------------------------- */

void poisk_passage_buf_free(poisk_passage_buf *buf)
{
    free(buf->data);
    free(buf->pages);
    memset(buf, 0, sizeof *buf);
}

static int store_corrupt(poisk_error *err, const poisk_file *f, const char *what)
{
    return poisk_error_set(err, POISK_ECORRUPT,
                           "index file %s is damaged (%s); rebuild the index with indexer -o DIR",
                           f->path, what);
}

/* Copy the record's strings, NUL-terminated, into buf and point *out at them. */
static int record_to_passage(const poisk_store_rec *r, const poisk_index *idx, poisk_passage *out,
                             poisk_passage_buf *buf)
{
    size_t need = r->id.len + r->sector.len + r->subsection.len + r->project.len + r->file.len
                  + r->text.len + 6;
    if (need > buf->cap) {
        char *d = realloc(buf->data, need);
        if (!d)
            return -1;
        buf->data = d;
        buf->cap = need;
    }
    if (r->n_pages > buf->pages_cap) {
        uint32_t *pg = realloc(buf->pages, r->n_pages * sizeof *pg);
        if (!pg)
            return -1;
        buf->pages = pg;
        buf->pages_cap = r->n_pages;
    }
    char *o = buf->data;
    const poisk_store_str *src[6] = { &r->id, &r->sector, &r->subsection, &r->project, &r->file,
                                      &r->text };
    const char *dst[6];
    for (int i = 0; i < 6; i++) {
        dst[i] = src[i]->ptr ? o : NULL;
        if (src[i]->len)
            memcpy(o, src[i]->ptr, src[i]->len);
        o += src[i]->len;
        *o++ = 0;
    }
    const uint8_t *pp = r->pages, *pend = r->pages + r->pages_len;
    for (uint32_t i = 0; i < r->n_pages; i++) {
        uint64_t v = 0;
        (void)poisk_varint_decode(&pp, pend, &v);   /* checked by record_decode */
        buf->pages[i] = (uint32_t)v;
    }
    memset(out, 0, sizeof *out);
    out->id = dst[0];
    out->region = r->region < idx->m.n_regions ? idx->m.regions[r->region].slug : "unknown";
    out->section = (poisk_section)r->section;
    out->sector = dst[1];
    out->subsection = dst[2];
    out->project = dst[3];
    out->pages = buf->pages;
    out->n_pages = r->n_pages;
    out->file = dst[4];
    out->byte_start = r->byte_start;
    out->byte_end = r->byte_end;
    out->text = dst[5];
    out->text_len = r->text.len;
    return 0;
}

/* Decode records first..doc of an inflated block and copy doc's into buf. */
static int block_record(const poisk_index *idx, const poisk_file *f, const uint8_t *raw,
                        uint32_t raw_len, uint32_t first, uint32_t doc, poisk_passage *out,
                        poisk_passage_buf *buf, poisk_error *err)
{
    const uint8_t *p = raw, *end = raw + raw_len;
    poisk_store_rec r;
    for (uint32_t i = first; i <= doc; i++)
        if (poisk_store_record_decode(&p, end, &r))
            return store_corrupt(err, f, "malformed passage record");
    if (record_to_passage(&r, idx, out, buf))
        return poisk_error_set(err, POISK_ENOMEM, "out of memory reading %s", f->path);
    return POISK_OK;
}

int poisk_index_passage(poisk_index *idx, uint32_t doc, poisk_passage *out,
                        poisk_passage_buf *buf, poisk_error *err)
{
    poisk_file *f;
    int rc = poisk_index_store_file(idx, &f, err);
    if (rc)
        return rc;
    if (doc >= idx->store_passages)
        return poisk_error_set(err, POISK_EINVAL, "passage %u does not exist (the index has %llu)",
                               doc, (unsigned long long)idx->store_passages);
    const uint8_t *dir = poisk_file_range(f, idx->store_dir_off,
                                          idx->store_n_blocks * POISK_STORE_DIR_ENTRY, err);
    if (!dir)
        return POISK_ECORRUPT;
    /* last block whose first_doc <= doc */
    uint64_t lo = 0, hi = idx->store_n_blocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (poisk_load_u32(dir + mid * POISK_STORE_DIR_ENTRY) <= doc)
            lo = mid;
        else
            hi = mid;
    }
    const uint8_t *e = dir + lo * POISK_STORE_DIR_ENTRY;
    uint32_t first = poisk_load_u32(e), n_docs = poisk_load_u32(e + 4);
    uint64_t off = poisk_load_u64(e + 8);
    uint32_t comp_len = poisk_load_u32(e + 16), raw_len = poisk_load_u32(e + 20);
    if (doc < first || doc - first >= n_docs || off > idx->store_dir_off
        || comp_len > idx->store_dir_off - off || raw_len > (64u << 20))
        return store_corrupt(err, f, "block directory entry out of range");
    /* a cached block: decode the record and copy it out under the lock */
    pthread_mutex_lock(&idx->store_lock);
    for (int i = 0; i < POISK_STORE_CACHE_SLOTS; i++) {
        poisk_store_slot *sl = &idx->store_cache[i];
        if (sl->raw && sl->block == lo) {
            sl->used = ++idx->store_clock;
            rc = block_record(idx, f, sl->raw, sl->len, first, doc, out, buf, err);
            pthread_mutex_unlock(&idx->store_lock);
            return rc;
        }
    }
    struct libdeflate_decompressor *d = idx->n_inflaters ? idx->inflaters[--idx->n_inflaters] : NULL;
    pthread_mutex_unlock(&idx->store_lock);
    const uint8_t *comp = poisk_file_range(f, off, comp_len, err);
    if (!comp) {
        libdeflate_free_decompressor(d);
        return POISK_ECORRUPT;
    }
    uint8_t *raw = malloc(raw_len ? raw_len : 1);
    if (!d)
        d = libdeflate_alloc_decompressor();
    int st = raw && d ? poisk_store_block_inflate(d, comp, comp_len, raw, raw_len) : -2;
    if (st == -2) {
        free(raw);
        libdeflate_free_decompressor(d);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory reading %s", f->path);
    }
    if (st) {
        free(raw);
        libdeflate_free_decompressor(d);
        return store_corrupt(err, f, "a compressed block does not inflate");
    }
    rc = block_record(idx, f, raw, raw_len, first, doc, out, buf, err);
    /* keep the block (evicting the least recently used) and the decompressor */
    pthread_mutex_lock(&idx->store_lock);
    poisk_store_slot *victim = &idx->store_cache[0];
    for (int i = 0; i < POISK_STORE_CACHE_SLOTS; i++) {
        poisk_store_slot *sl = &idx->store_cache[i];
        if (sl->raw && sl->block == lo) {       /* another thread inflated it meanwhile */
            victim = NULL;
            break;
        }
        if (!sl->raw || (victim->raw && sl->used < victim->used))
            victim = sl;
    }
    if (victim && !rc) {
        free(victim->raw);
        *victim = (poisk_store_slot){ raw, lo, raw_len, ++idx->store_clock };
        raw = NULL;
    }
    if (idx->n_inflaters < POISK_STORE_INFLATERS) {
        idx->inflaters[idx->n_inflaters++] = d;
        d = NULL;
    }
    pthread_mutex_unlock(&idx->store_lock);
    free(raw);
    libdeflate_free_decompressor(d);
    return rc;
}

void poisk_store_cache_free(poisk_index *idx)
{
    for (int i = 0; i < POISK_STORE_CACHE_SLOTS; i++) {
        free(idx->store_cache[i].raw);
        idx->store_cache[i].raw = NULL;
    }
    for (size_t i = 0; i < idx->n_inflaters; i++)
        libdeflate_free_decompressor(idx->inflaters[i]);
    idx->n_inflaters = 0;
}

