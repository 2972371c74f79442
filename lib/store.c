/*
 * store.c: the passage store (docs/FORMAT.md §7): record encoding and block building for
 * the writer (a block's metadata and texts as two streams; store_pack.c compresses them),
 * and poisk_index_passage() for the reader: binary search of the block directory, inflate
 * the metadata stream, and, only when the text is asked for, the text chunk holding it
 * (zlib format: deflater.c writes it, libdeflate inflates it), undo the byte code
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

size_t poisk_store_record_bound(const poisk_passage *p)
{
    const char *s[5] = { p->id, p->sector, p->subsection, p->project, p->file };
    /* the strings with a varint each, the text's code, and 10 bytes for each other varint
     * (region, section, page count, pages, byte range, text length) */
    size_t n = poisk_store_code_bound(p->text_len) + 10 * (12 + p->n_pages);
    for (unsigned i = 0; i < 5; i++)
        n += s[i] ? strlen(s[i]) : 0;
    return n;
}

size_t poisk_store_put_code(poisk_buf *b, const void *raw, size_t n)
{
    if (poisk_buf_room(b, poisk_store_code_bound(n) + 1) != 0)
        return 0;
    size_t clen = poisk_store_code_encode(raw, n, b->data + b->len);
    b->len += clen;
    return clen;
}

/* The text's length, then its code (the code's length, the bytes): the code is written in
 * place, after room for the varint of its bound, and moved up only when its own length's
 * varint is shorter (rarely: the code of a text over 64 bytes is more than a third of it).
 * @return : the bytes the code took, its length's varint included (0 when out of memory) */
static size_t put_coded(poisk_buf *b, const char *text, size_t n)
{
    poisk_buf_put_varint(b, n);
    uint8_t room[10];
    size_t gap = poisk_varint_encode(room, poisk_store_code_bound(n));
    if (poisk_buf_room(b, gap) != 0)
        return 0;
    size_t at = b->len;
    b->len += gap;
    size_t clen = poisk_store_put_code(b, text, n);
    if (b->failed)
        return 0;
    size_t vlen = poisk_varint_encode(b->data + at, clen);
    if (vlen < gap)
        memmove(b->data + at + vlen, b->data + at + gap, clen);
    b->len = at + vlen + clen;
    return vlen + clen;
}

size_t poisk_store_record_encode(poisk_buf *b, const poisk_passage *p, uint32_t region)
{
    size_t start = b->len;
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
    size_t n = p->text ? p->text_len : 0, coded = put_coded(b, p->text ? p->text : "", n);
    return b->len - start - coded + n;      /* the text's length is written either way */
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

/* The metadata fields between the id and the file. */
static int decode_middle(const uint8_t **pp, const uint8_t *end, poisk_store_rec *r)
{
    const uint8_t *p = *pp;
    if (get_u32(&p, end, &r->region) || get_u32(&p, end, &r->section)
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
    *pp = p;
    return 0;
}

int poisk_store_record_decode(const uint8_t **pp, const uint8_t *end, poisk_store_rec *r)
{
    const uint8_t *p = *pp;
    uint64_t text_len;
    if (get_str(&p, end, &r->id, 0) || decode_middle(&p, end, r) || get_str(&p, end, &r->file, 0)
        || poisk_varint_decode(&p, end, &r->byte_start)
        || poisk_varint_decode(&p, end, &r->byte_end) || poisk_varint_decode(&p, end, &text_len)
        || get_str(&p, end, &r->code, 0))
        return -1;
    /* a code byte stands for at most 3 bytes of text, and a byte of text takes at most 2 */
    if (text_len > 3 * (uint64_t)r->code.len || r->code.len > 2 * text_len)
        return -1;
    r->text.ptr = NULL;
    r->text.len = (size_t)text_len;
    *pp = p;
    return 0;
}

int poisk_store_record_text(poisk_store_rec *r, poisk_buf *buf)
{
    buf->len = 0;
    if (poisk_buf_reserve(buf, r->text.len + 1))
        return -2;
    if (poisk_store_code_decode((const uint8_t *)r->code.ptr, r->code.len, buf->data,
                                r->text.len))
        return -1;
    buf->len = r->text.len;
    r->text.ptr = (const char *)buf->data;
    return 0;
}

int poisk_store_meta_decode(const uint8_t **pp, const uint8_t *end, poisk_store_rec *r)
{
    const uint8_t *p = *pp;
    poisk_store_str file;
    uint32_t text_len;
    /* id and file: 0 for "<file>:<byte_start>" and for the previous record's file */
    if (get_str(&p, end, &r->id, 1) || decode_middle(&p, end, r) || get_str(&p, end, &file, 1)
        || (!file.ptr && !r->file.ptr) || poisk_varint_decode(&p, end, &r->byte_start)
        || poisk_varint_decode(&p, end, &r->byte_end) || get_u32(&p, end, &text_len))
        return -1;
    if (file.ptr)
        r->file = file;
    r->text.ptr = NULL;
    r->text.len = text_len;
    *pp = p;
    return 0;
}

/* ---- streams (the compressing side is store_pack.c) ---------------------------------- */

int poisk_store_stream_inflate(struct libdeflate_decompressor *d, const uint8_t *comp,
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

/* ---- blocks ----------------------------------------------------------------------------- */

/* Is the id "<file>:<byte_start>", as the indexer makes it for a text file's passages? */
static int id_is_derived(const poisk_store_rec *r)
{
    char tail[POISK_PASSAGE_ID_SUFFIX_MAX];
    size_t f = r->file.len, n = poisk_passage_id_suffix(tail, r->byte_start);
    return r->id.len == f + n && memcmp(r->id.ptr, r->file.ptr, f) == 0
           && memcmp(r->id.ptr + f, tail, n) == 0;
}

/* The file, or 0 when it is the previous record's (most of a block's passages share it). */
static void put_file(poisk_store_block *b, const poisk_store_rec *r)
{
    const poisk_store_str *last = &b->last_file;
    if (last->ptr && last->len == r->file.len && memcmp(last->ptr, r->file.ptr, r->file.len) == 0)
        poisk_buf_put_varint(&b->meta, 0);
    else
        put_ostr(&b->meta, r->file.ptr, r->file.len);
    b->last_file = r->file;
}

/* Close the texts' current chunk after a record once it holds chunk_raw bytes: chunks end
 * between passages, so a passage's text is inside one.  The last chunk of the table is
 * left open (poisk_store_block_compress ends the last chunk). */
static void close_chunk(poisk_store_block *b)
{
    size_t start = b->n_cuts ? b->cut[b->n_cuts - 1].raw : 0;
    size_t size = b->chunk_raw ? b->chunk_raw : POISK_STORE_CHUNK_RAW;
    if (b->text_raw - start < size || b->n_cuts + 1 >= POISK_STORE_MAX_CHUNKS)
        return;
    b->cut[b->n_cuts].code = b->text.len;
    b->cut[b->n_cuts].raw = b->text_raw;
    b->n_cuts++;
}

void poisk_store_block_add(poisk_store_block *b, const poisk_store_rec *r, uint32_t region)
{
    poisk_buf *m = &b->meta;
    if (id_is_derived(r))
        poisk_buf_put_varint(m, 0);
    else
        put_ostr(m, r->id.ptr, r->id.len);
    poisk_buf_put_varint(m, region);
    poisk_buf_put_varint(m, r->section);
    put_ostr(m, r->sector.ptr, r->sector.len);
    put_ostr(m, r->subsection.ptr, r->subsection.len);
    put_ostr(m, r->project.ptr, r->project.len);
    poisk_buf_put_varint(m, r->n_pages);
    poisk_buf_put(m, r->pages, r->pages_len);
    put_file(b, r);
    poisk_buf_put_varint(m, r->byte_start);
    poisk_buf_put_varint(m, r->byte_end);
    poisk_buf_put_varint(m, r->text.len);
    b->text_raw += r->text.len;
    if (r->code.ptr)
        poisk_buf_put(&b->text, r->code.ptr, r->code.len);
    else
        poisk_store_put_code(&b->text, r->text.ptr, r->text.len);
    close_chunk(b);
}

size_t poisk_store_block_raw_len(const poisk_store_block *b)
{
    return b->meta.len + b->text_raw;
}

void poisk_store_block_reset(poisk_store_block *b)
{
    b->meta.len = b->text.len = b->text_raw = 0;
    b->last_file.ptr = NULL;
    b->n_cuts = 0;
}

void poisk_store_block_free(poisk_store_block *b)
{
    poisk_buf_free(&b->meta);
    poisk_buf_free(&b->text);
    poisk_buf_free(&b->code);
}

int poisk_store_block_parse(const uint8_t *comp, size_t comp_len, uint32_t raw_len,
                            poisk_store_block_view *v)
{
    if (comp_len < POISK_STORE_BLOCK_HEAD + 4)
        return -1;
    v->meta_raw = poisk_load_u32(comp);
    v->text_raw = poisk_load_u32(comp + 8);
    uint32_t mc = poisk_load_u32(comp + 4);
    size_t rest = comp_len - POISK_STORE_BLOCK_HEAD - 4;
    if (mc > rest || (uint64_t)v->meta_raw + v->text_raw != raw_len)
        return -1;
    v->meta = comp + POISK_STORE_BLOCK_HEAD;
    v->meta_len = mc;
    rest -= mc;
    v->n_chunks = poisk_load_u32(v->meta + mc);
    v->chunks = v->meta + mc + 4;
    if (v->n_chunks > POISK_STORE_MAX_CHUNKS || (v->n_chunks == 0) != (v->text_raw == 0)
        || rest < 8 * (size_t)v->n_chunks)
        return -1;
    rest -= 8 * (size_t)v->n_chunks;
    v->text = v->chunks + 8 * (size_t)v->n_chunks;
    /* every chunk holds text, and the chunks add up to the texts and to the block */
    uint64_t raw = 0, comp_sum = 0;
    for (uint32_t i = 0; i < v->n_chunks; i++) {
        uint32_t r = poisk_load_u32(v->chunks + 8 * (size_t)i);
        if (r == 0)
            return -1;
        raw += r;
        comp_sum += poisk_load_u32(v->chunks + 8 * (size_t)i + 4);
    }
    return raw == v->text_raw && comp_sum == rest ? 0 : -1;
}

void poisk_store_chunk_next(const poisk_store_block_view *v, uint32_t i, poisk_store_chunk *c)
{
    const uint8_t *e = v->chunks + 8 * (size_t)i;
    if (i == 0) {
        c->raw_off = 0;
        c->comp = v->text;
    } else {
        c->raw_off += c->raw_len;
        c->comp += c->comp_len;
    }
    c->raw_len = poisk_load_u32(e);
    c->comp_len = poisk_load_u32(e + 4);
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

/* Copy the record's id into o, NUL-terminated ("<file>:<byte_start>" when id.ptr is NULL);
 * returns the end of the copy. */
static char *put_id(char *o, const poisk_store_rec *r)
{
    const poisk_store_str *id = r->id.ptr ? &r->id : &r->file;
    if (id->len)
        memcpy(o, id->ptr, id->len);
    o += id->len;
    if (!r->id.ptr)
        return o + poisk_passage_id_suffix(o, r->byte_start) + 1;
    *o = 0;
    return o + 1;
}

/* Copy the record's strings, NUL-terminated, into buf and point *out at them. */
static int record_to_passage(const poisk_store_rec *r, const poisk_index *idx, poisk_passage *out,
                             poisk_passage_buf *buf)
{
    size_t id_len = r->id.ptr ? r->id.len : r->file.len + POISK_PASSAGE_ID_SUFFIX_MAX - 1;
    size_t need = id_len + r->sector.len + r->subsection.len + r->project.len + r->file.len
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
    char *o = put_id(buf->data, r);
    const poisk_store_str *src[6] = { NULL, &r->sector, &r->subsection, &r->project, &r->file,
                                      &r->text };
    const char *dst[6] = { buf->data };
    for (int i = 1; i < 6; i++) {
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

/* Every metadata record of an inflated block decodes, exactly fills its stream, and
 * their texts add up to the text stream's size: checked once per inflated block. */
static int block_meta_ok(const uint8_t *meta, uint32_t meta_len, uint32_t n_docs,
                         uint32_t text_raw)
{
    const uint8_t *p = meta, *end = meta + meta_len;
    uint64_t text = 0;
    poisk_store_rec r = { 0 };
    for (uint32_t i = 0; i < n_docs; i++) {
        if (poisk_store_meta_decode(&p, end, &r))
            return 0;
        text += r.text.len;
    }
    return p == end && text == text_raw;
}

/* Decode the metadata records first..doc of an inflated block (checked by block_meta_ok)
 * into *r, and the offset of doc's text in the block's texts into *at.
 * @return : 0, or -1 when a record is malformed */
static int find_record(const poisk_store_slot *sl, uint32_t first, uint32_t doc,
                       poisk_store_rec *r, uint64_t *at)
{
    const uint8_t *p = sl->meta, *end = sl->meta + sl->view.meta_raw;
    *r = (poisk_store_rec){ 0 };
    *at = 0;
    for (uint32_t i = first;; i++) {
        if (poisk_store_meta_decode(&p, end, r))
            return -1;
        if (i == doc)
            return 0;
        *at += r->text.len;
    }
}

/* Does chunk c hold any of the texts' bytes [at, at + len)? */
static int chunk_overlaps(const poisk_store_chunk *c, uint64_t at, uint64_t len)
{
    return len && at < (uint64_t)c->raw_off + c->raw_len && c->raw_off < at + len;
}

/* Are the texts' bytes [at, at + len) inflated in sl (every chunk holding some of them)? */
static int slot_has_text(const poisk_store_slot *sl, uint64_t at, uint64_t len)
{
    if (!sl->text || at + len > sl->view.text_raw)
        return len == 0;
    poisk_store_chunk c;
    for (uint32_t i = 0; i < sl->view.n_chunks; i++) {
        poisk_store_chunk_next(&sl->view, i, &c);
        if (chunk_overlaps(&c, at, len) && !(sl->have & (1ull << i)))
            return 0;
    }
    return 1;
}

/* What read_passage() is asked for, and where the answer goes. */
typedef struct passage_ask {
    uint32_t doc;
    int with_text;
    poisk_passage *out;
    poisk_passage_buf *buf;
    poisk_error *err;
} passage_ask;

/* Copy record r, decoded from sl's metadata with its text at offset at of the block's
 * texts, into the ask's buffer: with its text when asked (sl holds it then). */
static int record_out(const poisk_index *idx, const poisk_file *f, const poisk_store_slot *sl,
                      poisk_store_rec r, uint64_t at, const passage_ask *q)
{
    if (q->with_text && r.text.len && slot_has_text(sl, at, r.text.len))
        r.text.ptr = (const char *)sl->text + at;
    else
        r.text.len = 0;
    if (record_to_passage(&r, idx, q->out, q->buf))
        return poisk_error_set(q->err, POISK_ENOMEM, "out of memory reading %s", f->path);
    return POISK_OK;
}

/* The directory entry of the block holding doc (the last whose first_doc <= doc). */
typedef struct store_entry { uint64_t block, off; uint32_t first, n_docs, comp_len, raw_len; } store_entry;

static int find_block(poisk_index *idx, poisk_file *f, uint32_t doc, store_entry *b,
                      poisk_error *err)
{
    if (doc >= idx->store_passages)
        return poisk_error_set(err, POISK_EINVAL, "passage %u does not exist (the index has %llu)",
                               doc, (unsigned long long)idx->store_passages);
    const uint8_t *dir = poisk_file_range(f, idx->store_dir_off,
                                          idx->store_n_blocks * POISK_STORE_DIR_ENTRY, err);
    if (!dir)
        return POISK_ECORRUPT;
    uint64_t lo = 0, hi = idx->store_n_blocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (poisk_load_u32(dir + mid * POISK_STORE_DIR_ENTRY) <= doc)
            lo = mid;
        else
            hi = mid;
    }
    const uint8_t *e = dir + lo * POISK_STORE_DIR_ENTRY;
    *b = (store_entry){ lo, poisk_load_u64(e + 8), poisk_load_u32(e), poisk_load_u32(e + 4),
                        poisk_load_u32(e + 16), poisk_load_u32(e + 20) };
    if (doc < b->first || doc - b->first >= b->n_docs || b->off > idx->store_dir_off
        || b->comp_len > idx->store_dir_off - b->off || b->raw_len > (64u << 20))
        return store_corrupt(err, f, "block directory entry out of range");
    return POISK_OK;
}

/* Inflate the chunks of sl's block holding the texts' bytes [at, at + len) that sl lacks.
 * @return : 0, -1 when a chunk is damaged, -2 when out of memory */
static int inflate_text(struct libdeflate_decompressor *d, poisk_store_slot *sl, uint64_t at,
                        uint64_t len)
{
    if (!sl->text && !(sl->text = malloc(sl->view.text_raw ? sl->view.text_raw : 1)))
        return -2;
    poisk_store_chunk c;
    for (uint32_t i = 0; i < sl->view.n_chunks; i++) {
        poisk_store_chunk_next(&sl->view, i, &c);
        if (!chunk_overlaps(&c, at, len) || (sl->have & (1ull << i)))
            continue;
        int st = poisk_store_stream_inflate(d, c.comp, c.comp_len, sl->text + c.raw_off,
                                            c.raw_len);
        if (st)
            return st;
        sl->have |= 1ull << i;
    }
    return 0;
}

/* Inflate and check block b's metadata into sl (sl->block and sl->view set). */
static int inflate_meta(poisk_file *f, struct libdeflate_decompressor *d, const store_entry *b,
                        poisk_store_slot *sl, poisk_error *err)
{
    const uint8_t *comp = poisk_file_range(f, b->off, b->comp_len, err);
    if (!comp)
        return POISK_ECORRUPT;
    if (poisk_store_block_parse(comp, b->comp_len, b->raw_len, &sl->view))
        return store_corrupt(err, f, "a block's header disagrees with the directory");
    sl->block = b->block;
    uint32_t n = sl->view.meta_raw;
    if (!(sl->meta = malloc(n ? n : 1)))
        return poisk_error_set(err, POISK_ENOMEM, "out of memory reading %s", f->path);
    int st = poisk_store_stream_inflate(d, sl->view.meta, sl->view.meta_len, sl->meta, n);
    if (st == -2)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory reading %s", f->path);
    if (st)
        return store_corrupt(err, f, "a compressed block does not inflate");
    if (!block_meta_ok(sl->meta, n, b->n_docs, sl->view.text_raw))
        return store_corrupt(err, f, "malformed passage record");
    return POISK_OK;
}

/* sl becomes a copy of cached's metadata (inflated and checked already), without text.
 * @return : 0, or -1 when out of memory */
static int slot_copy_meta(poisk_store_slot *sl, const poisk_store_slot *cached)
{
    uint32_t n = cached->view.meta_raw;
    if (!(sl->meta = malloc(n ? n : 1)))
        return -1;
    memcpy(sl->meta, cached->meta, n);
    sl->view = cached->view;
    sl->block = cached->block;
    return 0;
}

static void slot_free(poisk_store_slot *sl)
{
    free(sl->meta);
    free(sl->text);
    memset(sl, 0, sizeof *sl);
}

/* Give c the text chunks of sl (the same block) that it lacks. */
static void slot_merge_text(poisk_store_slot *c, poisk_store_slot *sl)
{
    if (!(sl->have & ~c->have))
        return;
    if (!c->text) {
        c->text = sl->text;
        c->have = sl->have;
        sl->text = NULL;
        return;
    }
    poisk_store_chunk ch;
    for (uint32_t i = 0; i < sl->view.n_chunks; i++) {
        poisk_store_chunk_next(&sl->view, i, &ch);
        if ((sl->have & ~c->have) & (1ull << i))
            memcpy(c->text + ch.raw_off, sl->text + ch.raw_off, ch.raw_len);
    }
    c->have |= sl->have;
}

/* Keep a freshly inflated block in the cache: its text chunks join a slot that holds the
 * block already, else it takes the least recently used slot.  Under store_lock; takes
 * sl's memory or frees it. */
static void cache_keep(poisk_index *idx, poisk_store_slot *sl)
{
    poisk_store_slot *victim = &idx->store_cache[0];
    for (int i = 0; i < POISK_STORE_CACHE_SLOTS; i++) {
        poisk_store_slot *c = &idx->store_cache[i];
        if (c->meta && c->block == sl->block) {   /* another call inflated it meanwhile */
            slot_merge_text(c, sl);
            c->used = ++idx->store_clock;
            slot_free(sl);
            return;
        }
        if (!c->meta || (victim->meta && c->used < victim->used))
            victim = c;
    }
    slot_free(victim);
    *victim = *sl;
    victim->used = ++idx->store_clock;
    memset(sl, 0, sizeof *sl);
}

/* Under store_lock: answer q from a cached slot of block b that holds what is asked
 * (return 1, *rc the result).  A slot that holds b without the chunk of the asked text
 * lends priv its metadata, so that only the chunk is left to inflate (return 0). */
static int read_cached(poisk_index *idx, const poisk_file *f, const store_entry *b,
                       const passage_ask *q, poisk_store_slot *priv, int *rc)
{
    for (int i = 0; i < POISK_STORE_CACHE_SLOTS; i++) {
        poisk_store_slot *c = &idx->store_cache[i];
        if (!c->meta || c->block != b->block)
            continue;
        c->used = ++idx->store_clock;
        poisk_store_rec r;
        uint64_t at;
        if (find_record(c, b->first, q->doc, &r, &at))
            *rc = store_corrupt(q->err, f, "malformed passage record");
        else if (!q->with_text || slot_has_text(c, at, r.text.len))
            *rc = record_out(idx, f, c, r, at, q);
        else if (slot_copy_meta(priv, c) == 0)
            return 0;
        else
            *rc = poisk_error_set(q->err, POISK_ENOMEM, "out of memory reading %s", f->path);
        return 1;
    }
    return 0;
}

/* Inflate what the cache did not hold (the block's metadata unless priv has it, and the
 * asked text's chunk) into priv, and answer q from it. */
static int read_inflated(poisk_index *idx, poisk_file *f, struct libdeflate_decompressor *d,
                         const store_entry *b, const passage_ask *q, poisk_store_slot *priv)
{
    int rc = priv->meta ? POISK_OK : inflate_meta(f, d, b, priv, q->err);
    if (rc)
        return rc;
    poisk_store_rec r;
    uint64_t at;
    if (find_record(priv, b->first, q->doc, &r, &at))
        return store_corrupt(q->err, f, "malformed passage record");
    int st = q->with_text ? inflate_text(d, priv, at, r.text.len) : 0;
    if (st == -2)
        return poisk_error_set(q->err, POISK_ENOMEM, "out of memory reading %s", f->path);
    if (st)
        return store_corrupt(q->err, f, "a compressed block does not inflate");
    return record_out(idx, f, priv, r, at, q);
}

static int read_passage(poisk_index *idx, uint32_t doc, int with_text, poisk_passage *out,
                        poisk_passage_buf *buf, poisk_error *err)
{
    const passage_ask q = { doc, with_text, out, buf, err };
    poisk_file *f;
    store_entry b = { 0 };
    int rc = poisk_index_store_file(idx, &f, err);
    if (!rc)
        rc = find_block(idx, f, doc, &b, err);
    if (rc)
        return rc;
    poisk_store_slot sl = { 0 };
    pthread_mutex_lock(&idx->store_lock);
    if (read_cached(idx, f, &b, &q, &sl, &rc)) {
        pthread_mutex_unlock(&idx->store_lock);
        return rc;
    }
    struct libdeflate_decompressor *d = idx->n_inflaters ? idx->inflaters[--idx->n_inflaters] : NULL;
    pthread_mutex_unlock(&idx->store_lock);
    if (!d)
        d = libdeflate_alloc_decompressor();
    rc = d ? read_inflated(idx, f, d, &b, &q, &sl)
           : poisk_error_set(err, POISK_ENOMEM, "out of memory reading %s", f->path);
    /* keep the block and the decompressor */
    pthread_mutex_lock(&idx->store_lock);
    if (!rc)
        cache_keep(idx, &sl);
    if (d && idx->n_inflaters < POISK_STORE_INFLATERS) {
        idx->inflaters[idx->n_inflaters++] = d;
        d = NULL;
    }
    pthread_mutex_unlock(&idx->store_lock);
    slot_free(&sl);
    libdeflate_free_decompressor(d);
    return rc;
}

int poisk_index_passage(poisk_index *idx, uint32_t doc, poisk_passage *out,
                        poisk_passage_buf *buf, poisk_error *err)
{
    return read_passage(idx, doc, 1, out, buf, err);
}

int poisk_index_passage_meta(poisk_index *idx, uint32_t doc, poisk_passage *out,
                             poisk_passage_buf *buf, poisk_error *err)
{
    return read_passage(idx, doc, 0, out, buf, err);
}

void poisk_store_cache_free(poisk_index *idx)
{
    for (int i = 0; i < POISK_STORE_CACHE_SLOTS; i++)
        slot_free(&idx->store_cache[i]);
    for (size_t i = 0; i < idx->n_inflaters; i++)
        libdeflate_free_decompressor(idx->inflaters[i]);
    idx->n_inflaters = 0;
}

