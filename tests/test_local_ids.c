/* test_local_ids.c: the id-space contract of the reader (index_reader.h) -- a section's
 * local cursor (poisk_postings_open_local) walks the same postings as a global one, in
 * section-local ids, and local_rank / global_id / local_lengths convert between the two
 * exactly as the bitmap says, over a seed-corpus index whose passages span several rank
 * superblocks. */
#include <criterion/criterion.h>
#include "test_index_util.h"
#include "index_reader.h"

static ti_corpus corpus;
static char *dir;

static void setup(void)
{
    ti_corpus_load(&corpus, 0, 20);    /* short passages: N spans several superblocks */
    dir = ti_mkdtemp();
    poisk_writer_summary s;
    poisk_error err = { 0 };
    cr_assert_eq(ti_build(&corpus, dir, 0, 2, &s, &err), 0, "build: %s", err.message);
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
    ti_corpus_free(&corpus);
}

TestSuite(local_ids, .init = setup, .fini = teardown);

/* Every global id, by brute force over the global lengths array: rank counts the section's
 * passages below it, select inverts rank, the local lengths are the global ones. */
Test(local_ids, rank_select_and_lengths_agree_with_the_bitmap)
{
    poisk_index *idx;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    uint32_t n_all = (uint32_t)st.passages;
    cr_assert_gt(n_all, 2048, "only %u passages", n_all);
    uint64_t seen = 0;
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        poisk_section_index *sec;
        cr_assert_eq(poisk_index_section(idx, (poisk_section)s, &sec, &err), 0, "%s", err.message);
        if (!sec)
            continue;
        const uint32_t *local_len = poisk_section_local_lengths(sec);
        uint32_t local = 0;
        for (uint32_t d = 0; d < n_all; d++) {
            cr_assert_eq(poisk_section_local_rank(sec, d), local, "section %d doc %u", s, d);
            uint32_t dl = poisk_section_doc_length(sec, d);
            if (dl == 0)
                continue;           /* not this section's (every passage has a word) */
            cr_assert_eq(poisk_section_global_id(sec, local), d, "section %d local %u", s, local);
            cr_assert_eq(local_len[local], dl);
            local++;
        }
        cr_assert_eq(poisk_section_local_rank(sec, n_all), local);
        cr_assert_eq(poisk_section_local_rank(sec, UINT32_MAX - 1), local);
        cr_assert_eq(poisk_section_global_id(sec, local), POISK_DOC_END);
        cr_assert_eq(st.section_passages[s], local);
        seen += local;
    }
    cr_assert_eq(seen, n_all);
    poisk_index_close(idx);
}

/* A term's local cursor gives the global cursor's postings, mapped by global_id, and
 * advance() to a local target lands where the global cursor lands on its global id. */
Test(local_ids, local_cursor_walks_the_global_postings)
{
    poisk_index *idx;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    static const char *const terms[] = { "цифров", "развит", "регион", "систем" };
    int checked = 0;
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        poisk_section_index *sec;
        cr_assert_eq(poisk_index_section(idx, (poisk_section)s, &sec, &err), 0, "%s", err.message);
        for (size_t t = 0; sec && t < sizeof terms / sizeof *terms; t++) {
            poisk_term_info info;
            int found;
            cr_assert_eq(poisk_section_lookup(sec, POISK_DICT_STEM, terms[t], strlen(terms[t]),
                                              &info, &found, &err), 0);
            if (!found)
                continue;
            poisk_postings *g, *l, *la;
            cr_assert_eq(poisk_postings_open(sec, POISK_DICT_STEM, &info, &g, &err), 0);
            cr_assert_eq(poisk_postings_open_local(sec, POISK_DICT_STEM, &info, &l, &err), 0);
            cr_assert_eq(poisk_postings_open_local(sec, POISK_DICT_STEM, &info, &la, &err), 0);
            cr_assert_eq(poisk_postings_next(l, &err), 0);      /* lazy: to the first */
            uint32_t n = 0;
            while (poisk_postings_doc(g) != POISK_DOC_END) {
                uint32_t gd = poisk_postings_doc(g), ld = poisk_postings_doc(l);
                cr_assert_eq(poisk_section_global_id(sec, ld), gd);
                cr_assert_eq(poisk_postings_tf(l), poisk_postings_tf(g));
                if (n % 7 == 0) {       /* every 7th: the lazy local cursor advanced there */
                    cr_assert_eq(poisk_postings_advance(la, poisk_section_local_rank(sec, gd),
                                                        &err), 0);
                    cr_assert_eq(poisk_postings_doc(la), ld);
                }
                n++;
                cr_assert_eq(poisk_postings_next(g, &err), 0);
                cr_assert_eq(poisk_postings_next(l, &err), 0);
            }
            cr_assert_eq(poisk_postings_doc(l), POISK_DOC_END);
            cr_assert_eq(n, info.df);
            poisk_postings_close(g);
            poisk_postings_close(l);
            poisk_postings_close(la);
            checked++;
        }
    }
    cr_assert_gt(checked, 8);
    poisk_index_close(idx);
}
