/* test_index.c: the seed corpus, written by the writer and read back by the reader, gives
 * exactly the terms, frequencies, positions, lengths and passages of an in-memory reference
 * built here from the analyzer; batched lookups find what a scan of the dictionaries has; a
 * section reads alone; damaged files fail cleanly, naming the file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include "test_index_util.h"
#include "index_reader.h"
#include "poisk/analyzer.h"

/* ---- the reference: every (section, kind, term, doc, position), sorted ------------------ */

typedef struct occ { uint8_t section, kind; char *term; uint32_t doc, pos; } occ;

static int occ_cmp(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    if (x->section != y->section) return x->section - y->section;
    if (x->kind != y->kind) return x->kind - y->kind;
    int c = strcmp(x->term, y->term);
    if (c) return c;
    if (x->doc != y->doc) return x->doc < y->doc ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

typedef struct ref { occ *v; size_t n, cap; uint32_t *dl; } ref;

static void ref_add(ref *r, uint8_t s, uint8_t k, const char *t, size_t len, uint32_t doc, uint32_t pos)
{
    if (r->n == r->cap)
        r->v = realloc(r->v, (r->cap = r->cap ? 2 * r->cap : 1 << 16) * sizeof *r->v);
    r->v[r->n++] = (occ){ s, k, strndup(t, len), doc, pos };
}

static void ref_build(ref *r, const ti_corpus *c, const size_t *order)
{
    memset(r, 0, sizeof *r);
    r->dl = calloc(c->n, sizeof *r->dl);
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), 0);
    for (uint32_t id = 0; id < c->n; id++) {
        poisk_passage p = ti_passage_of(c, order[id]);
        poisk_analyzer_reset(a, p.text, p.text_len);
        poisk_token t;
        while (poisk_analyzer_next(a, &t)) {
            if (!(t.flags & POISK_TOKEN_SAME_POSITION))
                r->dl[id]++;
            ref_add(r, (uint8_t)p.section, 0, t.term, t.term_len, id, t.position);
            ref_add(r, (uint8_t)p.section, 1, t.exact, t.exact_len, id, t.position);
        }
    }
    poisk_analyzer_free(a);
    qsort(r->v, r->n, sizeof *r->v, occ_cmp);
    size_t u = 0;                   /* one occurrence per (term, doc, position) */
    for (size_t i = 0; i < r->n; i++) {
        if (u && occ_cmp(&r->v[u - 1], &r->v[i]) == 0) {
            free(r->v[i].term);
            continue;
        }
        r->v[u++] = r->v[i];
    }
    r->n = u;
}

static void ref_free(ref *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].term);
    free(r->v);
    free(r->dl);
}

static int count_terms(void *ctx, const char *t, size_t l, const poisk_term_info *i)
{
    (void)t; (void)l; (void)i;
    (*(size_t *)ctx)++;
    return 0;
}

static ti_corpus corpus;
static size_t *order;
static char *dir;

static void setup(void)
{
    ti_corpus_load(&corpus, 0, 100);
    order = ti_id_order(&corpus);
    dir = ti_mkdtemp();
    poisk_writer_summary s;
    poisk_error err = { 0 };
    int rc = ti_build(&corpus, dir, 0, 2, &s, &err);
    cr_assert_eq(rc, 0, "build: %s", err.message);
    cr_assert_eq(s.passages, corpus.n);
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
    free(order);
    ti_corpus_free(&corpus);
}

TestSuite(index, .init = setup, .fini = teardown);

Test(index, seed_corpus_reads_back_like_the_reference)
{
    ref r;
    ref_build(&r, &corpus, order);
    poisk_index *idx;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    cr_assert_eq(st.passages, corpus.n);
    cr_assert_eq(st.regions, 4);
    uint64_t total = 0;
    for (size_t i = 0; i < corpus.n; i++)
        total += r.dl[i];
    cr_assert_eq(st.total_length, total);
    /* every term of the reference, with its postings and positions */
    size_t terms[POISK_SECTION_COUNT][2] = { { 0 } };
    size_t i = 0;
    while (i < r.n) {
        size_t j = i;
        while (j < r.n && r.v[j].section == r.v[i].section && r.v[j].kind == r.v[i].kind
               && strcmp(r.v[j].term, r.v[i].term) == 0)
            j++;
        poisk_section_index *sec;
        cr_assert_eq(poisk_index_section(idx, r.v[i].section, &sec, &err), 0, "%s", err.message);
        cr_assert_not_null(sec);
        poisk_term_info info;
        int found;
        cr_assert_eq(poisk_section_lookup(sec, r.v[i].kind, r.v[i].term, strlen(r.v[i].term), &info,
                                          &found, &err), 0);
        cr_assert(found, "term %s missing", r.v[i].term);
        cr_assert_eq(info.cf, j - i, "cf of %s", r.v[i].term);
        terms[r.v[i].section][r.v[i].kind]++;
        poisk_postings *c;
        cr_assert_eq(poisk_postings_open(sec, r.v[i].kind, &info, &c, &err), 0);
        uint32_t df = 0;
        size_t k = i;
        while (k < j) {
            uint32_t doc = r.v[k].doc;
            size_t e = k;
            while (e < j && r.v[e].doc == doc)
                e++;
            cr_assert_eq(poisk_postings_doc(c), doc, "term %s", r.v[i].term);
            cr_assert_eq(poisk_postings_tf(c), e - k);
            const uint32_t *pos;
            uint32_t np;
            cr_assert_eq(poisk_postings_positions(c, &pos, &np, &err), 0);
            cr_assert_eq(np, e - k);
            for (uint32_t q = 0; q < np; q++)
                cr_assert_eq(pos[q], r.v[k + q].pos);
            cr_assert_eq(poisk_postings_next(c, &err), 0);
            df++;
            k = e;
        }
        cr_assert_eq(poisk_postings_doc(c), POISK_DOC_END);
        cr_assert_eq(info.df, df);
        poisk_postings_close(c);
        i = j;
    }
    /* ... and no term the reference does not have; lengths and passages exact */
    poisk_passage_buf buf = { 0 };
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        poisk_section_index *sec;
        cr_assert_eq(poisk_index_section(idx, s, &sec, &err), 0);
        if (!sec)
            continue;
        for (int k = 0; k < 2; k++) {
            size_t n = 0;
            cr_assert_eq(poisk_section_prefix(sec, k, "", 0, count_terms, &n, &err), 0);
            cr_assert_eq(n, terms[s][k], "section %d kind %d", s, k);
        }
    }
    for (uint32_t id = 0; id < corpus.n; id++) {
        poisk_passage want = ti_passage_of(&corpus, order[id]), got;
        poisk_section_index *sec;
        cr_assert_eq(poisk_index_section(idx, want.section, &sec, &err), 0);
        cr_assert_eq(poisk_section_doc_length(sec, id), r.dl[id]);
        cr_assert_eq(poisk_index_passage(idx, id, &got, &buf, &err), 0, "%s", err.message);
        cr_assert_str_eq(got.id, want.id);
        cr_assert_str_eq(got.file, want.file);
        cr_assert_str_eq(got.region, want.region);
        cr_assert_eq(got.section, want.section);
        cr_assert_eq(got.text_len, want.text_len);
        cr_assert_eq(memcmp(got.text, want.text, want.text_len), 0);
        cr_assert_eq(got.n_pages, 1);
        cr_assert_eq(got.pages[0], want.pages[0]);
        cr_assert_eq(got.byte_start, want.byte_start);
        if (want.sector) cr_assert_str_eq(got.sector, want.sector); else cr_assert_null(got.sector);
        if (want.project) cr_assert_str_eq(got.project, want.project); else cr_assert_null(got.project);
    }
    poisk_passage_buf_free(&buf);
    /* regions are contiguous id ranges in slug order */
    const char *slug;
    uint32_t lo, hi, prev_hi = 0;
    for (size_t k = 0; k < poisk_index_region_count(idx); k++) {
        cr_assert_eq(poisk_index_region_at(idx, k, &slug, &lo, &hi), 0);
        cr_assert_eq(lo, prev_hi);
        for (uint32_t id = lo; id < hi; id++)
            cr_assert_str_eq(ti_regions[corpus.p[order[id]].file], slug);
        prev_hi = hi;
    }
    cr_assert_eq(prev_hi, corpus.n);
    cr_assert(poisk_index_is_abbrev(idx, "фои", strlen("фои")));
    cr_assert_not(poisk_index_is_abbrev(idx, "проект", strlen("проект")));
    poisk_index_close(idx);
    ref_free(&r);
    cr_assert_eq(poisk_index_verify(dir, &err), 0, "%s", err.message);
}

/* ---- batched lookups: every term, and near misses, as a scan of the dictionary finds ---- */

typedef struct dict_terms { char **t; size_t *len; poisk_term_info *info; size_t n, cap; } dict_terms;

static int collect_term(void *ctx, const char *t, size_t l, const poisk_term_info *i)
{
    dict_terms *d = ctx;
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 256;
        d->t = realloc(d->t, d->cap * sizeof *d->t);
        d->len = realloc(d->len, d->cap * sizeof *d->len);
        d->info = realloc(d->info, d->cap * sizeof *d->info);
    }
    d->t[d->n] = malloc(l + 1);
    memcpy(d->t[d->n], t, l);
    d->len[d->n] = l;
    d->info[d->n++] = *i;
    return 0;
}

/* The enumerated term equal to (t, l), or -1 (the enumeration is in bytewise order). */
static long dict_terms_find(const dict_terms *d, const char *t, size_t l)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, n = d->len[mid] < l ? d->len[mid] : l;
        int c = n ? memcmp(d->t[mid], t, n) : 0;
        if (!c)
            c = d->len[mid] < l ? -1 : d->len[mid] > l;
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Each term of every section's dictionaries, the term without its last byte and with one
 * more (a two-byte letter, 0x01, 0xff), looked up in batches mixing sections and kinds, twice
 * (the first pass reads the blocks' first terms, the second compares their kept keys):
 * found exactly when the enumeration has it, with its entry. */
Test(index, batched_lookups_find_what_the_enumeration_has)
{
    poisk_index *idx;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    static const char *const tails[] = { "", "\xd1\x8f", "\x01", "\xff" };
    enum { BATCH = 77 };            /* not a multiple of the reader's chunk */
    for (int pass = 0; pass < 2; pass++) {
        poisk_lookup l[BATCH];
        char *keys[BATCH];
        const dict_terms *of[BATCH];
        size_t n = 0, checked = 0;
        dict_terms all[POISK_SECTION_COUNT][2] = { { { 0 } } };
        for (int s = 0; s < POISK_SECTION_COUNT; s++) {
            poisk_section_index *sec;
            cr_assert_eq(poisk_index_section(idx, s, &sec, &err), 0);
            for (int k = 0; sec && k < 2; k++)
                cr_assert_eq(poisk_section_prefix(sec, k, "", 0, collect_term, &all[s][k], &err), 0);
        }
        size_t most = 0;
        for (int s = 0; s < POISK_SECTION_COUNT; s++)
            for (int k = 0; k < 2; k++)
                most = all[s][k].n > most ? all[s][k].n : most;
        /* round-robin over the dictionaries, so a batch mixes them */
        for (size_t i = 0; i <= most; i++)
            for (int s = 0; s < POISK_SECTION_COUNT; s++)
                for (int k = 0; k < 2; k++)
                    for (size_t v = 0; v < 5; v++) {
                        const dict_terms *d = &all[s][k];
                        if (i < d->n) {
                            size_t l0 = d->len[i], tl = v < 4 ? strlen(tails[v]) : 0;
                            if (v == 4 && l0 == 0)
                                continue;
                            char *key = malloc(l0 + tl + 1);
                            memcpy(key, d->t[i], l0);
                            memcpy(key + l0, v < 4 ? tails[v] : "", tl);
                            size_t kl = v == 4 ? l0 - 1 : l0 + tl;
                            poisk_section_index *sec;
                            cr_assert_eq(poisk_index_section(idx, s, &sec, &err), 0);
                            keys[n] = key;
                            of[n] = d;
                            l[n++] = (poisk_lookup){ .sec = sec, .kind = k, .term = key, .len = kl };
                        }
                        if (n == BATCH || (n && i == most && s == POISK_SECTION_COUNT - 1 && k == 1
                                           && v == 4)) {
                            cr_assert_eq(poisk_section_lookup_many(l, n, &err), 0, "%s", err.message);
                            for (size_t j = 0; j < n; j++) {
                                long at = dict_terms_find(of[j], l[j].term, l[j].len);
                                cr_assert_eq(l[j].found, at >= 0, "%.*s", (int)l[j].len, l[j].term);
                                const poisk_term_info *w = at >= 0 ? &of[j]->info[at] : NULL;
                                if (w)
                                    cr_assert(l[j].info.df == w->df && l[j].info.cf == w->cf
                                              && l[j].info.dref == w->dref
                                              && !memcmp(l[j].info.ref, w->ref, sizeof w->ref));
                                free(keys[j]);
                            }
                            checked += n;
                            n = 0;
                        }
                    }
        cr_assert_gt(checked, 1000);
        for (int s = 0; s < POISK_SECTION_COUNT; s++)
            for (int k = 0; k < 2; k++) {
                for (size_t i = 0; i < all[s][k].n; i++)
                    free(all[s][k].t[i]);
                free(all[s][k].t);
                free(all[s][k].len);
                free(all[s][k].info);
            }
    }
    poisk_index_close(idx);
}

Test(index, a_section_reads_without_the_other_sections_files)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".s") && !strstr(e->d_name, ".s05."))
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    poisk_index *idx;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    poisk_section_index *sec;
    cr_assert_eq(poisk_index_section(idx, 5, &sec, &err), 0, "%s", err.message);
    poisk_term_info info;
    int found;
    cr_assert_eq(poisk_section_lookup(sec, POISK_DICT_STEM, "цифров", strlen("цифров"), &info, &found, &err), 0);
    cr_assert(found);
    poisk_postings *c;
    cr_assert_eq(poisk_postings_open(sec, POISK_DICT_STEM, &info, &c, &err), 0);
    uint32_t n = 0;
    while (poisk_postings_doc(c) != POISK_DOC_END) {
        cr_assert_gt(poisk_section_doc_length(sec, poisk_postings_doc(c)), 0);
        n++;
        cr_assert_eq(poisk_postings_next(c, &err), 0);
    }
    cr_assert_eq(n, info.df);
    poisk_postings_close(c);
    /* another section's files are gone: a clear error naming the file */
    int rc = poisk_index_section(idx, 3, &sec, &err);
    cr_assert_neq(rc, 0);
    cr_assert(strstr(err.message, ".s03."), "%s", err.message);
    poisk_index_close(idx);
}

/* Read everything an index holds through the query-time path (not verify). */
static int read_everything(const char *d, poisk_error *err)
{
    poisk_index *idx;
    int rc = poisk_index_open(d, &idx, err);
    if (rc)
        return rc;
    poisk_passage_buf buf = { 0 };
    for (int s = 0; s < POISK_SECTION_COUNT && !rc; s++) {
        poisk_section_index *sec;
        rc = poisk_index_section(idx, s, &sec, err);
        if (rc || !sec)
            continue;
        for (uint32_t id = 0; id < corpus.n; id++)
            (void)poisk_section_doc_length(sec, id);
        rc = poisk_index_verify(d, err);     /* walks every term through cursors */
    }
    for (uint32_t id = 0; id < corpus.n && !rc; id++) {
        poisk_passage p;
        rc = poisk_index_passage(idx, id, &p, &buf, err);
    }
    poisk_passage_buf_free(&buf);
    poisk_index_close(idx);
    return rc;
}

static void copy_file(const char *from, const char *to)
{
    size_t n = 0;
    char *b = tu_read_file(from, &n);
    FILE *f = fopen(to, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    free(b);
}

Test(index, damaged_files_fail_cleanly_naming_the_file)
{
    const char *kinds[] = { "CURRENT", ".manifest", ".store", ".s05.lens", ".s05.stem.dict",
                            ".s05.stem.post", ".s05.stem.posn", ".s02.exact.dict" };
    DIR *d = opendir(dir);
    struct dirent *e;
    char names[16][256];
    int nk = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        rewinddir(d);
        while ((e = readdir(d)) != NULL)
            if (strstr(e->d_name, kinds[k])) {
                snprintf(names[nk++], 256, "%s", e->d_name);
                break;
            }
    }
    closedir(d);
    cr_assert_eq(nk, (int)(sizeof kinds / sizeof kinds[0]));
    uint64_t seed = 12345;
    for (int k = 0; k < nk; k++) {
        char path[8192], saved[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        snprintf(saved, sizeof saved, "%s/saved.bak", dir);
        copy_file(path, saved);
        size_t len = 0;
        char *orig = tu_read_file(path, &len);
        for (int t = 0; t < 12; t++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)(seed >> 33) % len;
            int fd = open(path, O_WRONLY);
            if (t % 3 == 2) {
                cr_assert_eq(ftruncate(fd, (off_t)at), 0);
            } else {
                char ch = (char)(orig[at] ^ (1 << (t % 8)));
                cr_assert_eq(pwrite(fd, &ch, 1, (off_t)at), 1);
            }
            close(fd);
            poisk_error err = { 0 };
            int rc = read_everything(dir, &err);
            cr_assert_neq(rc, 0, "damage at %zu of %s went unnoticed", at, names[k]);
            cr_assert(rc == POISK_ECORRUPT || rc == POISK_ENOINDEX || rc == POISK_EVERSION,
                      "rc %d: %s", rc, err.message);
            cr_assert(strstr(err.message, names[k]), "message does not name %s: %s", names[k],
                      err.message);
            copy_file(saved, path);
        }
        free(orig);
        unlink(saved);
    }
    poisk_error err = { 0 };
    cr_assert_eq(read_everything(dir, &err), 0, "%s", err.message);
}

Test(index, indexer_check_reports_ok_and_damage)
{
    char cmd[8192];
    int st;
    snprintf(cmd, sizeof cmd, "%s --check %s 2>&1", tu_bin("indexer"), dir);
    char *out = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "ok"), "%s", out);
    free(out);
    /* flip one bit in the middle of the store: --check finds it and names the file */
    char path[8192];
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".store"))
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    closedir(d);
    int fd = open(path, O_RDWR);
    off_t size = lseek(fd, 0, SEEK_END);
    char ch;
    cr_assert_eq(pread(fd, &ch, 1, size / 2), 1);
    ch ^= 0x10;
    cr_assert_eq(pwrite(fd, &ch, 1, size / 2), 1);
    close(fd);
    out = tu_run(cmd, &st);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, ".store"), "%s", out);
    free(out);
}

/* A version-4 index (before the coarse skip level, docs/FORMAT.md §6.2) is not read: the
 * user is told to rebuild it. */
Test(index, an_older_format_version_asks_for_a_rebuild)
{
    char path[8192] = "", saved[8192];
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".manifest"))
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    closedir(d);
    snprintf(saved, sizeof saved, "%s/saved.bak", dir);
    copy_file(path, saved);
    int fd = open(path, O_RDWR);
    off_t size = lseek(fd, 0, SEEK_END);
    uint8_t v[4] = { 4, 0, 0, 0 };             /* the trailer's version, its last 4 bytes */
    cr_assert_eq(pwrite(fd, v, 4, size - 4), 4);
    close(fd);
    poisk_index *idx = NULL;
    poisk_error err = { 0 };
    int rc = poisk_index_open(dir, &idx, &err);
    cr_assert_eq(rc, POISK_EVERSION, "rc %d: %s", rc, err.message);
    cr_assert(strstr(err.message, "version 4") && strstr(err.message, "rebuild"), "%s", err.message);
    copy_file(saved, path);
    unlink(saved);
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    poisk_index_close(idx);
}
