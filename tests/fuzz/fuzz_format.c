/*
 * fuzz_format.c: the index file layer below the reader (lib/format.c,
 * lib/format_manifest.c, lib/store.c): any bytes as
 *   mode 0  a manifest payload: decode; what decodes re-encodes to bytes that decode to
 *           the same manifest;
 *   mode 1  passage-store records: decode one after another;
 *   mode 2  a whole index file on disk: open (size, trailer, table hash, header) and read
 *           ranges; every failure is an error naming the file, never a crash;
 *   mode 3  a payload sealed in a valid envelope by the writer side: it opens, every range
 *           read returns exactly the payload bytes, and the full verify passes.
 * Files live in a private temporary directory removed at exit.
 */
#include "fuzz_common.h"
#include "format.h"
#include "format_manifest.h"
#include "store.h"

#include <unistd.h>

static char fuzz_dir[64];

static void fuzz_dir_remove(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/f", fuzz_dir);
    unlink(path);
    rmdir(fuzz_dir);
}

static const char *fuzz_tmpdir(void)
{
    if (!fuzz_dir[0]) {
        snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/poisk-fuzz-format-XXXXXX");
        FUZZ_CHECK(mkdtemp(fuzz_dir));
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir;
}

static int manifest_equal(const poisk_manifest *a, const poisk_manifest *b)
{
    if (a->format_version != b->format_version || a->normalization_version != b->normalization_version
        || a->stop_hash != b->stop_hash || a->stemmer_fp != b->stemmer_fp || a->repair != b->repair
        || a->generation != b->generation || a->passages != b->passages
        || a->total_length != b->total_length || a->n_regions != b->n_regions
        || a->n_abbrevs != b->n_abbrevs || a->n_files != b->n_files)
        return 0;
    for (int s = 0; s < POISK_SECTION_COUNT; s++)
        if (a->section_passages[s] != b->section_passages[s] || a->section_length[s] != b->section_length[s])
            return 0;
    for (size_t i = 0; i < a->n_regions; i++)
        if (strcmp(a->regions[i].slug, b->regions[i].slug) || a->regions[i].lo != b->regions[i].lo
            || a->regions[i].hi != b->regions[i].hi)
            return 0;
    for (size_t i = 0; i < a->n_abbrevs; i++)
        if (strcmp(a->abbrevs[i], b->abbrevs[i]))
            return 0;
    for (size_t i = 0; i < a->n_files; i++)
        if (strcmp(a->files[i].name, b->files[i].name) || a->files[i].size != b->files[i].size)
            return 0;
    return 1;
}

static void mode_manifest(const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n + 1);            /* exact size: ASan sees any overread */
    memcpy(copy, p, n);
    poisk_manifest m;
    memset(&m, 0, sizeof m);
    if (poisk_manifest_decode(copy, n, &m) == 0) {
        poisk_buf b = { 0 };
        poisk_manifest_encode(&m, &b);
        FUZZ_CHECK(!b.failed);
        poisk_manifest m2;
        memset(&m2, 0, sizeof m2);
        FUZZ_CHECK(poisk_manifest_decode(b.data, b.len, &m2) == 0);
        FUZZ_CHECK(manifest_equal(&m, &m2));
        poisk_manifest_free(&m2);
        poisk_buf_free(&b);
        for (size_t i = 0; i < m.n_files; i++)
            (void)poisk_manifest_file_size(&m, m.files[i].name);
    }
    poisk_manifest_free(&m);
    free(copy);
}

static void mode_store(const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n + 1);
    memcpy(copy, p, n);
    const uint8_t *q = copy, *end = copy + n;
    poisk_store_rec r;
    poisk_buf text = { 0 };
    while (q < end && poisk_store_record_decode(&q, end, &r) == 0) {
        FUZZ_CHECK(q <= end);
        FUZZ_CHECK(r.section < POISK_SECTION_COUNT);
        FUZZ_CHECK(r.code.ptr + r.code.len <= (const char *)end);
        FUZZ_CHECK(r.id.ptr + r.id.len <= (const char *)end);
        /* a decoded record put in a store block gives a metadata record that decodes the
         * same, and its code in the block's text */
        poisk_store_block b = { 0 };
        poisk_store_block_add(&b, &r, r.region);
        const uint8_t *bq = b.meta.data;
        poisk_store_rec r2 = { 0 };
        FUZZ_CHECK(poisk_store_meta_decode(&bq, b.meta.data + b.meta.len, &r2) == 0);
        FUZZ_CHECK(bq == b.meta.data + b.meta.len && r2.text.len == r.text.len
                   && r2.n_pages == r.n_pages && r2.byte_start == r.byte_start
                   && r2.byte_end == r.byte_end && b.text.len == r.code.len
                   && poisk_store_block_raw_len(&b) == b.meta.len + r.text.len);
        poisk_store_block_free(&b);
        /* the code decodes to exactly the text's length, or is refused */
        int rc = poisk_store_record_text(&r, &text);
        FUZZ_CHECK(rc == 0 || rc == -1);
        FUZZ_CHECK(rc || (r.text.ptr && text.len == r.text.len));
    }
    poisk_buf_free(&text);
    free(copy);
}

static void write_raw(const char *dir, const uint8_t *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/f", dir);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f);
    FUZZ_CHECK(fwrite(p, 1, n, f) == n);
    fclose(f);
}

static void read_ranges(poisk_file *f, fuzz_in *in, const uint8_t *expect, size_t expect_len)
{
    for (int k = 0; k < 8 && fuzz_left(in) >= 2; k++) {
        uint64_t off = f->payload_len ? fuzz_u32(in) % (f->payload_len + 2) : 0;
        uint64_t len = fuzz_u8(in) * 97u;
        poisk_error err = { 0 };
        const uint8_t *r = poisk_file_range(f, off, len, &err);
        if (off + len <= f->payload_len) {
            FUZZ_CHECK(r || (err.rc == POISK_ECORRUPT && strstr(err.message, f->path)));
            if (r && expect)
                FUZZ_CHECK(memcmp(r, expect + off, (size_t)len) == 0);
        } else {
            FUZZ_CHECK(!r && err.rc == POISK_ECORRUPT && strstr(err.message, f->path));
        }
    }
    (void)expect_len;
}

static void mode_file(const uint8_t *p, size_t n, fuzz_in *in)
{
    const char *dir = fuzz_tmpdir();
    write_raw(dir, p, n);
    uint32_t kind = n >= 8 ? (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24 : 0;
    uint64_t gen = n >= 24 ? (uint64_t)p[16] : 0;
    poisk_file f;
    poisk_error err = { 0 };
    int rc = poisk_file_open(&f, dir, "f", 0, kind, gen, POISK_NO_SECTION, 0xFFFFFFFFu, &err);
    if (rc != POISK_OK) {
        FUZZ_CHECK(err.rc == rc && strstr(err.message, "/f"));
        return;
    }
    read_ranges(&f, in, NULL, 0);
    err.rc = 0;
    rc = poisk_file_verify_all(&f, &err);
    FUZZ_CHECK(rc == POISK_OK || strstr(err.message, "/f"));
    poisk_file_close(&f);
}

static void mode_sealed(const uint8_t *p, size_t n, fuzz_in *in)
{
    const char *dir = fuzz_tmpdir();
    poisk_fout out;
    poisk_error err = { 0 };
    /* Repeat the payload so multi-page files (32 KiB pages) are reached too. */
    unsigned copies = 1 + (n ? p[0] % 4 : 0) * 40;
    FUZZ_CHECK(poisk_fout_open(&out, dir, "f", POISK_KIND_DICT, 7, 3, 1, NULL, NULL, &err) == 0);
    for (unsigned c = 0; c < copies; c++)
        FUZZ_CHECK(poisk_fout_write(&out, p, n, &err) == 0);
    FUZZ_CHECK(poisk_fout_close(&out, &err) == 0);
    uint8_t *expect = malloc(n * copies + 1);
    for (unsigned c = 0; c < copies; c++)
        memcpy(expect + (size_t)c * n, p, n);
    poisk_file f;
    FUZZ_CHECK(poisk_file_open(&f, dir, "f", out.final_size, POISK_KIND_DICT, 7, 3, 1, &err) == 0);
    FUZZ_CHECK(f.payload_len == (uint64_t)n * copies);
    read_ranges(&f, in, expect, n * copies);
    FUZZ_CHECK(poisk_file_verify_all(&f, &err) == 0);
    poisk_file_close(&f);
    /* Wrong expectations are clean errors. */
    FUZZ_CHECK(poisk_file_open(&f, dir, "f", out.final_size + 1, POISK_KIND_DICT, 7, 3, 1, &err) == POISK_ECORRUPT);
    FUZZ_CHECK(poisk_file_open(&f, dir, "f", out.final_size, POISK_KIND_POST, 7, 3, 1, &err) == POISK_ECORRUPT);
    free(expect);
}

static int fuzz_format(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    fuzz_in in = { data + 1, data + size };
    switch (data[0] % 4) {
    case 0: mode_manifest(p, n); break;
    case 1: mode_store(p, n); break;
    case 2: mode_file(p, n, &in); break;
    default: mode_sealed(p, n, &in); break;
    }
    return 0;
}

POISK_FUZZ_ENTRY(fuzz_format)
