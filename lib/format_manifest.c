/*
 * format_manifest.c: encoding and bounds-checked decoding of a generation's manifest
 * (docs/FORMAT.md §3).  The writer fills a poisk_manifest; the reader decodes it at open
 * after the envelope has verified every page.
 */
#include "format_manifest.h"

#include <stdlib.h>
#include <string.h>

static void put_str16(poisk_buf *b, const char *s)
{
    size_t n = strlen(s);
    uint8_t l[2] = { (uint8_t)n, (uint8_t)(n >> 8) };
    poisk_buf_put(b, l, 2);
    poisk_buf_put(b, s, n);
}

void poisk_manifest_encode(const poisk_manifest *m, poisk_buf *out)
{
    poisk_buf_put_u32(out, m->format_version);
    poisk_buf_put_u32(out, m->normalization_version);
    poisk_buf_put_u64(out, m->stop_hash);
    poisk_buf_put_u64(out, m->stemmer_fp);
    poisk_buf_put_u32(out, m->repair);
    poisk_buf_put_u32(out, POISK_SECTION_COUNT);
    poisk_buf_put_u64(out, m->generation);
    poisk_buf_put_u64(out, m->passages);
    poisk_buf_put_u64(out, m->total_length);
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        poisk_buf_put_u64(out, m->section_passages[s]);
        poisk_buf_put_u64(out, m->section_length[s]);
    }
    poisk_buf_put_u32(out, (uint32_t)m->n_regions);
    for (size_t i = 0; i < m->n_regions; i++) {
        put_str16(out, m->regions[i].slug);
        poisk_buf_put_u32(out, m->regions[i].lo);
        poisk_buf_put_u32(out, m->regions[i].hi);
    }
    poisk_buf_put_u32(out, (uint32_t)m->n_abbrevs);
    for (size_t i = 0; i < m->n_abbrevs; i++)
        put_str16(out, m->abbrevs[i]);
    poisk_buf_put_u32(out, (uint32_t)m->n_files);
    for (size_t i = 0; i < m->n_files; i++) {
        put_str16(out, m->files[i].name);
        poisk_buf_put_u64(out, m->files[i].size);
    }
}

typedef struct { const uint8_t *p, *end; int bad; } rd;

static uint32_t rd_u32(rd *r)
{
    if (r->end - r->p < 4) { r->bad = 1; return 0; }
    uint32_t v = poisk_load_u32(r->p);
    r->p += 4;
    return v;
}

static uint64_t rd_u64(rd *r)
{
    if (r->end - r->p < 8) { r->bad = 1; return 0; }
    uint64_t v = poisk_load_u64(r->p);
    r->p += 8;
    return v;
}

static char *rd_str16(rd *r)
{
    if (r->end - r->p < 2) { r->bad = 1; return NULL; }
    size_t n = (size_t)r->p[0] | (size_t)r->p[1] << 8;
    r->p += 2;
    if ((size_t)(r->end - r->p) < n) { r->bad = 1; return NULL; }
    char *s = malloc(n + 1);
    if (!s) { r->bad = 1; return NULL; }
    memcpy(s, r->p, n);
    s[n] = 0;
    if (memchr(s, 0, n)) { free(s); r->bad = 1; return NULL; }
    r->p += n;
    return s;
}

/* A count of entries of at least min_bytes each that must fit in what is left. */
static size_t rd_count(rd *r, size_t min_bytes)
{
    uint32_t n = rd_u32(r);
    if (r->bad || (uint64_t)n * min_bytes > (uint64_t)(r->end - r->p)) { r->bad = 1; return 0; }
    return n;
}

int poisk_manifest_decode(const uint8_t *p, size_t len, poisk_manifest *m)
{
    memset(m, 0, sizeof *m);
    rd r = { p, p + len, 0 };
    m->format_version = rd_u32(&r);
    m->normalization_version = rd_u32(&r);
    m->stop_hash = rd_u64(&r);
    m->stemmer_fp = rd_u64(&r);
    m->repair = rd_u32(&r);
    if (rd_u32(&r) != POISK_SECTION_COUNT)
        return -1;
    m->generation = rd_u64(&r);
    m->passages = rd_u64(&r);
    m->total_length = rd_u64(&r);
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        m->section_passages[s] = rd_u64(&r);
        m->section_length[s] = rd_u64(&r);
    }
    size_t n = rd_count(&r, 10);
    if (!r.bad && n && !(m->regions = calloc(n, sizeof *m->regions)))
        r.bad = 1;
    for (size_t i = 0; i < n && !r.bad; i++, m->n_regions++) {
        m->regions[i].slug = rd_str16(&r);
        m->regions[i].lo = rd_u32(&r);
        m->regions[i].hi = rd_u32(&r);
        if (m->regions[i].lo > m->regions[i].hi || m->regions[i].hi > m->passages
            || (i > 0 && m->regions[i].lo != m->regions[i - 1].hi))
            r.bad = 1;
    }
    n = r.bad ? 0 : rd_count(&r, 2);
    if (!r.bad && n && !(m->abbrevs = calloc(n, sizeof *m->abbrevs)))
        r.bad = 1;
    for (size_t i = 0; i < n && !r.bad; i++, m->n_abbrevs++)
        m->abbrevs[i] = rd_str16(&r);
    n = r.bad ? 0 : rd_count(&r, 10);
    if (!r.bad && n && !(m->files = calloc(n, sizeof *m->files)))
        r.bad = 1;
    for (size_t i = 0; i < n && !r.bad; i++, m->n_files++) {
        m->files[i].name = rd_str16(&r);
        m->files[i].size = rd_u64(&r);
    }
    if (r.bad || r.p != r.end) {
        poisk_manifest_free(m);
        return -1;
    }
    return 0;
}

void poisk_manifest_free(poisk_manifest *m)
{
    for (size_t i = 0; i < m->n_regions; i++)
        free(m->regions[i].slug);
    for (size_t i = 0; i < m->n_abbrevs; i++)
        free(m->abbrevs[i]);
    for (size_t i = 0; i < m->n_files; i++)
        free(m->files[i].name);
    free(m->regions);
    free(m->abbrevs);
    free(m->files);
    memset(m, 0, sizeof *m);
}

uint64_t poisk_manifest_file_size(const poisk_manifest *m, const char *name)
{
    for (size_t i = 0; i < m->n_files; i++)
        if (strcmp(m->files[i].name, name) == 0)
            return m->files[i].size;
    return 0;
}
