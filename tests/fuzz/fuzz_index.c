/*
 * fuzz_index.c: any bytes as the payload of one index file -> the reader and the searcher.
 *
 * The first byte picks the file kind (manifest, passage store, lengths, dictionary,
 * postings, positions), the second the section and the dictionary (stem/exact).  The bytes
 * are sealed in a *valid* envelope (right magic, kind, generation, page checksums), and the
 * manifest is rewritten with the new size, so the checksums do not stop them: they reach
 * the payload decoders, which must treat them as untrusted.  The index is then opened,
 * walked through the reader API (every term, postings with positions and lengths, lookups,
 * passages; test_corruption_util.h) and searched with a few real queries.  Promises: no
 * crash, hang, out-of-bounds access or leak; failures are errors with a message.
 */
#include "fuzz_index_common.h"
#include "format.h"
#include "format_manifest.h"
#include "poisk/search.h"

typedef struct fuzz_file { char name[64]; char *data; size_t len; } fuzz_file;

static char *fz_work;
static fuzz_file fz_files[128];
static size_t fz_n;
static poisk_manifest fz_manifest;
static uint64_t fz_gen;

static void fz_write(const char *dir, const fuzz_file *f)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, f->name);
    FILE *o = fopen(path, "wb");
    FUZZ_CHECK(o && fwrite(f->data, 1, f->len, o) == f->len);
    fclose(o);
}

static void fz_cleanup(void)
{
    if (fz_work) {
        tu_rmrf(fz_work);
        free(fz_work);
    }
    for (size_t i = 0; i < fz_n; i++)
        free(fz_files[i].data);
    poisk_manifest_free(&fz_manifest);
}

/* Copy the seed index into a work directory once, keeping every file's bytes. */
static void fz_init(void)
{
    if (fz_work)
        return;
    const char *base = fuzz_index_dir();
    static char names[128][64];
    fz_n = rc_list_files(base, names, 128);
    fz_work = rc_mkdtemp("fuzz-index-work");
    FUZZ_CHECK(fz_work);
    for (size_t i = 0; i < fz_n; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", base, names[i]);
        memcpy(fz_files[i].name, names[i], 64);
        fz_files[i].data = tu_read_file(path, &fz_files[i].len);
        FUZZ_CHECK(fz_files[i].data);
        fz_write(fz_work, &fz_files[i]);
    }
    poisk_index *idx;
    poisk_error err = { 0 };
    FUZZ_CHECK(poisk_index_open(base, &idx, &err) == POISK_OK);
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    fz_gen = st.generation;
    poisk_index_close(idx);
    char mname[64];
    poisk_name_manifest(mname, sizeof mname, fz_gen);
    for (size_t i = 0; i < fz_n; i++)
        if (strcmp(fz_files[i].name, mname) == 0)
            FUZZ_CHECK(poisk_manifest_decode((const uint8_t *)fz_files[i].data + POISK_HEADER_SIZE,
                                             poisk_load_u64((const uint8_t *)fz_files[i].data + 32),
                                             &fz_manifest) == 0);
    FUZZ_CHECK(fz_manifest.n_files > 0);
    atexit(fz_cleanup);
}

static void fz_restore(const char *name)
{
    for (size_t i = 0; i < fz_n; i++)
        if (strcmp(fz_files[i].name, name) == 0)
            fz_write(fz_work, &fz_files[i]);
}

/* Seal payload as file `name` of the given kind; @return : its size */
static uint64_t fz_seal(const char *name, uint32_t kind, uint32_t section, uint32_t dict,
                        const uint8_t *p, size_t n)
{
    poisk_fout f;
    poisk_error err = { 0 };
    FUZZ_CHECK(poisk_fout_open(&f, fz_work, name, kind, fz_gen, section, dict, NULL, NULL, &err) == 0);
    FUZZ_CHECK(poisk_fout_write(&f, p, n, &err) == 0);
    FUZZ_CHECK(poisk_fout_close(&f, &err) == 0);
    return f.final_size;
}

static const char *const fz_queries[] = {
    "цифровая платформа", "телемедицин*", "\"цифровой трансформации\"", "=цифровой",
    "section:proekty проект", "region:stavropol школа OR больница", "ЦОД -образование", "ц*",
};

static void fz_search_all(void)
{
    poisk_index *idx;
    poisk_error err = { 0 };
    if (poisk_index_open(fz_work, &idx, &err) != POISK_OK) {
        FUZZ_CHECK(err.message[0]);
        return;
    }
    for (size_t i = 0; i < sizeof fz_queries / sizeof *fz_queries; i++) {
        poisk_search_options o;
        poisk_search_options_init(&o);
        o.k = 5;
        o.count = i % 2;
        o.by_region = i == 5;
        poisk_results *r = NULL;
        err.message[0] = 0;
        int rc = poisk_search(idx, fz_queries[i], &o, &r, &err);
        if (rc == POISK_OK) {
            char *json = poisk_results_json_hits(r, NULL);
            free(json);
            poisk_results_free(r);
        } else {
            FUZZ_CHECK(err.message[0]);
        }
    }
    poisk_index_close(idx);
}

static int fuzz_index(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    fz_init();
    static const uint32_t kinds[6] = { POISK_KIND_MANIFEST, POISK_KIND_STORE, POISK_KIND_LENS,
                                       POISK_KIND_DICT, POISK_KIND_POST, POISK_KIND_POSN };
    uint32_t kind = kinds[data[0] % 6];
    unsigned section = data[1] % 10, dict = data[1] >> 7;
    const uint8_t *payload = data + 2;
    size_t n = size - 2;
    char name[64], mname[64];
    poisk_name_manifest(mname, sizeof mname, fz_gen);
    if (kind == POISK_KIND_MANIFEST) {
        fz_seal(mname, kind, POISK_NO_SECTION, POISK_NO_SECTION, payload, n);
    } else {
        uint32_t sec = POISK_NO_SECTION, dk = POISK_NO_SECTION;
        if (kind == POISK_KIND_STORE) {
            poisk_name_store(name, sizeof name, fz_gen);
        } else if (kind == POISK_KIND_LENS) {
            poisk_name_lens(name, sizeof name, fz_gen, section);
            sec = section;
        } else {
            poisk_name_dict_file(name, sizeof name, fz_gen, section, dict, kind);
            sec = section;
            dk = dict;
        }
        size_t fi = fz_manifest.n_files;
        for (size_t i = 0; i < fz_manifest.n_files; i++)
            if (strcmp(fz_manifest.files[i].name, name) == 0)
                fi = i;
        if (fi == fz_manifest.n_files)
            return 0;                           /* no such file in the seed index */
        uint64_t old = fz_manifest.files[fi].size;
        fz_manifest.files[fi].size = fz_seal(name, kind, sec, dk, payload, n);
        poisk_buf mb = { 0 };
        poisk_manifest_encode(&fz_manifest, &mb);
        fz_manifest.files[fi].size = old;
        FUZZ_CHECK(!mb.failed);
        fz_seal(mname, POISK_KIND_MANIFEST, POISK_NO_SECTION, POISK_NO_SECTION, mb.data, mb.len);
        poisk_buf_free(&mb);
    }
    uint64_t h;
    poisk_error err = { 0 };
    if (rc_answer(fz_work, 8, 9, &h, &err) != POISK_OK)
        FUZZ_CHECK(err.message[0]);
    fz_search_all();
    if (kind != POISK_KIND_MANIFEST)
        fz_restore(name);
    fz_restore(mname);
    return 0;
}

POISK_FUZZ_ENTRY(fuzz_index)
