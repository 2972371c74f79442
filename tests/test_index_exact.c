/* test_index_exact.c: exact-form positions (format v4, docs/FORMAT.md §6).  The writer
 * stores an exact form's positions in a passage only when they are not its canonical
 * stem's; the reader gives the stem's in their place.  Checked against the analyzer's own
 * output on the seed corpus (tests/test_search_brute.h, counted in memory): every exact
 * form of every passage, walked and skipped through like a phrase evaluator would, has
 * exactly the positions the analyzer gave it; and elision really happens. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_util.h"
#include "test_search_brute.h"
#include "index_reader.h"

static char *dir;
static poisk_index *idx;
static bf_corpus bf;

static void setup(void)
{
    char tmpl[] = "/tmp/poisk-exact-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    dir = strdup(tmpl);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -q -o %s/index corpus 2>&1", tu_bin("indexer"), dir);
    int st = -1;
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0, "indexer failed on the seed corpus");
    char path[1024];
    snprintf(path, sizeof path, "%s/index", dir);
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(path, &idx, &err), POISK_OK, "%s", err.message);

    /* the documents' analysis: repair with the seeds' lexicon, as the indexer does */
    poisk_lexicon *lx = bf_seed_lexicon();
    cr_assert_not_null(lx, "the seed corpus's lexicon: run from the repository root");
    poisk_index_stats st2;
    poisk_index_get_stats(idx, &st2);
    cr_assert_eq(bf_load_index(&bf, idx, lx, st2.repair), 0, "brute-force corpus from the index");
    poisk_lexicon_free(lx);
}

static void teardown(void)
{
    if (idx)
        poisk_index_close(idx);
    bf_free(&bf);
    if (dir) {
        tu_rmrf(dir);
        free(dir);
    }
}

TestSuite(index_exact, .init = setup, .fini = teardown, .timeout = 300);

/* The analyzer's positions of `form` in passage d, ascending, each once. */
static uint32_t brute_positions(uint32_t d, const char *form, size_t len, uint32_t *out, uint32_t cap)
{
    uint32_t n = 0;
    const bf_doc *doc = &bf.d[d];
    for (size_t k = 0; k < doc->n; k++)
        if (strlen(doc->t[k].exact) == len && memcmp(doc->t[k].exact, form, len) == 0
            && (n == 0 || out[n - 1] != doc->t[k].pos) && n < cap)
            out[n++] = doc->t[k].pos;
    return n;
}

typedef struct walk {
    poisk_section_index *sec;
    uint64_t terms, postings, checked, mismatches;
} walk;

static int walk_term(void *ctx, const char *term, size_t len, const poisk_term_info *info)
{
    walk *w = ctx;
    poisk_postings *c;
    poisk_error err = { 0 };
    int lazy = w->terms % 2;
    cr_assert_eq((lazy ? poisk_postings_open_lazy : poisk_postings_open)(w->sec, POISK_DICT_EXACT,
                 info, &c, &err), POISK_OK, "%s", err.message);
    if (lazy)
        cr_assert_eq(poisk_postings_next(c, &err), POISK_OK);
    /* ask for the positions of some postings only, so the stem cursor beside the exact one
     * is advanced over gaps, as a phrase evaluator does */
    for (uint32_t i = 0; poisk_postings_doc(c) != POISK_DOC_END; i++) {
        w->postings++;
        if ((i + w->terms) % 3 != 1) {
            const uint32_t *pos;
            uint32_t n;
            cr_assert_eq(poisk_postings_positions(c, &pos, &n, &err), POISK_OK, "%s: %s",
                         term, err.message);
            uint32_t want[4096];
            uint32_t nw = brute_positions(poisk_postings_doc(c), term, len, want, 4096);
            cr_assert_eq(n, poisk_postings_tf(c));
            if (n != nw || memcmp(pos, want, n * sizeof *pos) != 0)
                w->mismatches++;
            w->checked++;
        }
        cr_assert_eq(poisk_postings_next(c, &err), POISK_OK, "%s", err.message);
    }
    poisk_postings_close(c);
    w->terms++;
    return 0;
}

static off_t kind_bytes(const char *suffix)
{
    char path[1024];
    off_t total = 0;
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        struct stat sb;
        snprintf(path, sizeof path, "%s/index/g00000001.s%02d.%s", dir, s, suffix);
        if (stat(path, &sb) == 0)
            total += sb.st_size;
    }
    return total;
}

Test(index_exact, positions_equal_the_analyzers)
{
    walk w = { 0 };
    poisk_error err = { 0 };
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        cr_assert_eq(poisk_index_section(idx, (poisk_section)s, &w.sec, &err), POISK_OK, "%s",
                     err.message);
        if (w.sec)
            cr_assert_eq(poisk_section_prefix(w.sec, POISK_DICT_EXACT, "", 0, walk_term, &w, &err),
                         POISK_OK, "%s", err.message);
    }
    /* every (form, passage) of the analyzer's output is a posting */
    uint64_t pairs = 0;
    for (size_t d = 0; d < bf.n; d++)
        for (size_t k = 0; k < bf.d[d].n; k++) {
            int seen = 0;
            for (size_t j = 0; j < k && !seen; j++)
                seen = strcmp(bf.d[d].t[j].exact, bf.d[d].t[k].exact) == 0;
            pairs += !seen;
        }
    cr_assert_eq(w.postings, pairs, "postings %llu, analyzer's (form, passage) pairs %llu",
                 (unsigned long long)w.postings, (unsigned long long)pairs);
    cr_assert_gt(w.checked, 10000);
    cr_assert_eq(w.mismatches, 0, "%llu of %llu postings have other positions",
                 (unsigned long long)w.mismatches, (unsigned long long)w.checked);
    /* most exact positions are their stem's and are not stored twice */
    off_t ex = kind_bytes("exact.posn"), st = kind_bytes("stem.posn");
    cr_assert(ex > 0 && ex * 2 < st, "exact positions %lld bytes, stem positions %lld",
              (long long)ex, (long long)st);
}
