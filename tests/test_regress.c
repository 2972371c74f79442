/*
 * test_regress.c: every fuzz target's harness (tests/fuzz/fuzz_*.c), replayed in
 * `make test` over its seed corpus (tests/fuzz/seeds/<target>/) and over every input that
 * ever made a target fail (tests/regress/<target>/<finding>), in the release and the
 * ASan+UBSan builds.  A fuzz finding is fixed for good once its input is in
 * tests/regress/ and this suite passes.  (docs/RELIABILITY.md)
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sys/stat.h>
#include "test_util.h"

#define POISK_FUZZ_NO_MAIN
#include "fuzz/fuzz_analyzer.c"
#include "fuzz/fuzz_codec.c"
#include "fuzz/fuzz_format.c"
#include "fuzz/fuzz_serve_request.c"
#include "fuzz/fuzz_structure.c"
#include "fuzz/fuzz_query.c"
#include "fuzz/fuzz_index.c"
#include "fuzz/fuzz_http.c"

typedef int (*harness_fn)(const uint8_t *, size_t);

/* Run the harness on every regular file of dir; returns the number of files. */
static size_t replay_dir(const char *dir, harness_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        size_t len = 0;
        char *data = tu_read_file(path, &len);
        cr_assert_not_null(data, "cannot read %s", path);
        fn((const uint8_t *)data, len);     /* aborts (test fails) on a broken invariant */
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *name, harness_fn fn)
{
    char seeds[256], regress[256];
    snprintf(seeds, sizeof seeds, "tests/fuzz/seeds/%s", name);
    snprintf(regress, sizeof regress, "tests/regress/%s", name);
    size_t n = replay_dir(seeds, fn);
    replay_dir(regress, fn);
    cr_assert_gt(n, 0, "no seeds in %s: run from the repository root", seeds);
    /* Edge inputs every harness must take. */
    fn((const uint8_t *)"", 0);
    for (unsigned b = 0; b < 8; b++) {
        uint8_t one[2] = { (uint8_t)b, 0xFF };
        fn(one, 1);
        fn(one, 2);
    }
}

Test(regress, analyzer) { replay("analyzer", fuzz_analyzer); }
Test(regress, codec) { replay("codec", fuzz_codec); }
Test(regress, format) { replay("format", fuzz_format); }
Test(regress, serve_request) { replay("serve_request", fuzz_serve_request); }
Test(regress, structure) { replay("structure", fuzz_structure); }
Test(regress, query) { replay("query", fuzz_query); }
Test(regress, index, .timeout = 120) { replay("index", fuzz_index); }
/* The server runs in a thread of this test process, on the seed index (fuzz_http.c). */
Test(regress, http, .timeout = 120) { replay("http", fuzz_http); }

/* Found by make valgrind: passages' sector and subsection (and sector spans' sector)
 * pointed into the parser's stack frame, so after poisk_document_parse() returned they read whatever the next call left
 * there (garbage metadata in the index).  Clobber the stack, then check every passage. */
static __attribute__((noinline)) void clobber_stack(void)
{
    volatile char junk[64 * 1024];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)0xA5;
}

Test(regress, passage_metadata_outlives_the_parser_stack)
{
    size_t len;
    char *text = tu_read_file("corpus/004_c48ce2c96f8ff17a.txt", &len);
    cr_assert_not_null(text);
    poisk_document *doc;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_document_parse("corpus/004.txt", text, len, &doc, &err), POISK_OK, "%s", err.message);
    clobber_stack();
    size_t sectors = 0, subsections = 0;
    for (size_t i = 0; i < poisk_document_passage_count(doc); i++) {
        const poisk_passage *p = poisk_document_passage(doc, i);
        if (p->sector) {
            sectors++;
            cr_assert(strlen(p->sector) > 0 && strlen(p->sector) < 32, "passage %zu: sector garbage", i);
            for (const char *c = p->sector; *c; c++)
                cr_assert((*c >= 'a' && *c <= 'z') || *c == '_', "passage %zu: sector '%s'", i, p->sector);
        }
        if (p->subsection) {
            subsections++;
            cr_assert(strlen(p->subsection) == 3 && p->subsection[1] == '.', "passage %zu: subsection garbage", i);
        }
    }
    size_t sector_spans = 0;
    for (size_t i = 0; i < poisk_document_span_count(doc); i++) {
        const poisk_span *sp = poisk_document_span(doc, i);
        if (sp->kind != POISK_SPAN_SECTOR)
            continue;
        sector_spans++;
        cr_assert(sp->sector && strlen(sp->sector) > 0 && strlen(sp->sector) < 32, "span %zu: sector garbage", i);
        for (const char *c = sp->sector; *c; c++)
            cr_assert((*c >= 'a' && *c <= 'z') || *c == '_', "span %zu: sector '%s'", i, sp->sector);
    }
    cr_assert_gt(sector_spans, 0, "the seed has sector spans");
    cr_assert_gt(sectors, 0, "the seed has sector passages");
    cr_assert_gt(subsections, 0, "the seed has subsection passages");
    poisk_document_free(doc);
    free(text);
}
