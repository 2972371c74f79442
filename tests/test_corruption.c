/*
 * test_corruption.c: a damaged index never crashes, hangs or lies (docs/RELIABILITY.md).
 *
 * A real index of the seed corpus is built in-process (structure parser + writer).  Then,
 * for every file of it (CURRENT, manifest, store, and every section's lengths, dictionary,
 * postings and positions files), bits are flipped and the file is truncated at points
 * drawn from a fixed seed, one variant at a time, and the index is opened and answered
 * through the reader API (test_corruption_util.h: every term, a share of the postings with
 * positions and lengths, lookups of real query words, a sample of passages).  Every variant
 * must either give exactly the intact index's answer or fail with a clean error that names
 * the damaged file; and poisk_index_verify (`indexer --check`) must reject every flipped
 * bit and every truncation.  Criterion runs each test in its own process with a timeout,
 * so a crash or a hang fails the test.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include "test_corruption_util.h"

#define STRIDE 4          /* answer: postings of every 4th term */
#define PASSAGE_STEP 5    /* answer: every 5th passage */

typedef struct fixture {
    char *dir;
    uint64_t intact;
    char names[128][64];
    size_t n_files;
} fixture;

static fixture fx;

static void setup(void)
{
    poisk_error err = { 0 };
    fx.dir = rc_mkdtemp("corrupt");
    cr_assert_not_null(fx.dir);
    int rc = rc_build_index(fx.dir, RC_CORPUS_FILES, 0, 2, &err);
    cr_assert_eq(rc, POISK_OK, "building the seed index: %s", err.message);
    rc = rc_answer(fx.dir, STRIDE, PASSAGE_STEP, &fx.intact, &err);
    cr_assert_eq(rc, POISK_OK, "answering the intact index: %s", err.message);
    fx.n_files = rc_list_files(fx.dir, fx.names, 128);
    cr_assert_gt(fx.n_files, 8, "a seed index has a manifest, a store and section files");
    cr_assert_eq(poisk_index_verify(fx.dir, &err), POISK_OK, "%s", err.message);
}

static void teardown(void)
{
    tu_rmrf(fx.dir);
    free(fx.dir);
}

/* Which files a test damages: name contains one of the patterns. */
static int wanted(const char *name, const char *const *patterns)
{
    for (; *patterns; patterns++)
        if (strstr(name, *patterns))
            return 1;
    return 0;
}

static void check_variant(const char *name, const char *what, int must_fail_verify)
{
    poisk_error err = { 0 };
    uint64_t h = 0;
    int rc = rc_answer(fx.dir, STRIDE, PASSAGE_STEP, &h, &err);
    if (rc == POISK_OK)
        cr_assert_eq(h, fx.intact, "%s of %s: the index answered, but differently", what, name);
    else
        cr_assert(strstr(err.message, name) && err.rc == rc,
                  "%s of %s: error does not name the file: rc %d, %s", what, name, rc, err.message);
    cr_assert(rc == POISK_OK || rc == POISK_ECORRUPT || rc == POISK_EVERSION || rc == POISK_ENOINDEX,
              "%s of %s: unexpected error code %d (%s)", what, name, rc, err.message);
    if (must_fail_verify) {
        poisk_error verr = { 0 };
        cr_assert_neq(poisk_index_verify(fx.dir, &verr), POISK_OK,
                      "%s of %s: indexer --check did not notice", what, name);
        cr_assert(strstr(verr.message, name), "%s of %s: --check names another file: %s", what,
                  name, verr.message);
    }
}

/* Flip `per_file` single bits in every wanted file: the first and last bytes (header,
 * trailer) always, then positions drawn uniformly. */
static size_t flip_bits(const char *const *patterns, unsigned per_file, uint64_t seed)
{
    size_t variants = 0;
    for (size_t i = 0; i < fx.n_files; i++) {
        const char *name = fx.names[i];
        if (!wanted(name, patterns))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", fx.dir, name);
        int fd = open(path, O_RDWR);
        cr_assert_geq(fd, 0);
        struct stat st;
        fstat(fd, &st);
        size_t size = (size_t)st.st_size;
        uint64_t s = seed ^ (i + 1) * 0x9E3779B97F4A7C15ull;
        for (unsigned k = 0; k < per_file; k++) {
            size_t at;
            if (k < 4)
                at = k % 2 == 0 ? rc_rand(&s) % (size < 64 ? size : 64)          /* header */
                                : size - 1 - rc_rand(&s) % (size < 32 ? size : 32); /* trailer */
            else
                at = rc_rand(&s) % size;
            unsigned bit = (unsigned)(rc_rand(&s) % 8);
            unsigned char orig, bad;
            cr_assert_eq(pread(fd, &orig, 1, (off_t)at), 1);
            bad = orig ^ (unsigned char)(1u << bit);
            cr_assert_eq(pwrite(fd, &bad, 1, (off_t)at), 1);
            char what[96];
            snprintf(what, sizeof what, "bit %u of byte %zu", bit, at);
            check_variant(name, what, 1);
            cr_assert_eq(pwrite(fd, &orig, 1, (off_t)at), 1);
            variants++;
        }
        close(fd);
    }
    return variants;
}

/* Truncate every wanted file at `per_file` points (0, 1, inside the header, just before
 * the trailer, size-1, and uniform ones), then restore it. */
static size_t truncate_files(const char *const *patterns, unsigned per_file, uint64_t seed)
{
    size_t variants = 0;
    for (size_t i = 0; i < fx.n_files; i++) {
        const char *name = fx.names[i];
        if (!wanted(name, patterns))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", fx.dir, name);
        size_t size;
        char *orig = tu_read_file(path, &size);
        cr_assert_not_null(orig);
        uint64_t s = seed ^ (i + 1) * 0xC2B2AE3D27D4EB4Full;
        for (unsigned k = 0; k < per_file; k++) {
            size_t fixed[] = { 0, 1, 40, size > 40 ? size - 40 : 0, size - 1 };
            size_t at = k < 5 ? fixed[k] : rc_rand(&s) % size;
            if (at >= size)
                continue;
            cr_assert_eq(truncate(path, (off_t)at), 0);
            char what[64];
            snprintf(what, sizeof what, "truncation at %zu of %zu", at, size);
            check_variant(name, what, 1);
            FILE *f = fopen(path, "wb");
            cr_assert_eq(fwrite(orig, 1, size, f), size);
            fclose(f);
            variants++;
        }
        free(orig);
    }
    return variants;
}

static const char *const small_files[] = { "CURRENT", ".manifest", ".lens", NULL };
static const char *const store_files[] = { ".store", NULL };
static const char *const dict_files[] = { ".dict", NULL };
static const char *const postings_files[] = { ".post", ".posn", NULL };
static const char *const all_files[] = { "CURRENT", ".", NULL };

TestSuite(corruption, .init = setup, .fini = teardown, .timeout = 240);

Test(corruption, flipped_bits_in_current_manifest_and_lengths)
{
    size_t n = flip_bits(small_files, 40, 1);
    cr_assert_gt(n, 100);
}

Test(corruption, flipped_bits_in_the_passage_store)
{
    size_t n = flip_bits(store_files, 300, 2);
    cr_assert_geq(n, 300);
}

Test(corruption, flipped_bits_in_dictionaries)
{
    size_t n = flip_bits(dict_files, 25, 3);
    cr_assert_gt(n, 200);
}

Test(corruption, flipped_bits_in_postings_and_positions)
{
    size_t n = flip_bits(postings_files, 14, 4);
    cr_assert_gt(n, 200);
}

Test(corruption, truncated_files)
{
    size_t n = truncate_files(all_files, 9, 5);
    cr_assert_gt(n, 200);
}

/* The command line: `indexer --check` exits 1 naming the damaged file, and so does a
 * search that reads it; both exit 0 on the intact index. */
Test(corruption, indexer_check_and_searcher_cli_name_the_damaged_file)
{
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "%s --check %s 2>&1", tu_bin("indexer"), fx.dir);
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0, "intact index: indexer --check exit %d", st);
    const char *victims[] = { ".s05.stem.post", ".store", ".manifest" };
    for (size_t v = 0; v < 3; v++) {
        const char *name = NULL;
        for (size_t i = 0; i < fx.n_files && !name; i++)
            if (strstr(fx.names[i], victims[v]))
                name = fx.names[i];
        cr_assert_not_null(name, "no %s file in the seed index", victims[v]);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", fx.dir, name);
        size_t size;
        char *orig = tu_read_file(path, &size);
        cr_assert_not_null(orig);
        FILE *f = fopen(path, "r+b");
        fseek(f, (long)(size / 2), SEEK_SET);
        fputc(orig[size / 2] ^ 0x10, f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "%s --check %s 2>&1", tu_bin("indexer"), fx.dir);
        char *out = tu_run(cmd, &st);
        cr_assert_eq(st, 1, "indexer --check on damaged %s: exit %d", name, st);
        cr_assert(strstr(out, name), "indexer --check does not name %s: %s", name, out);
        free(out);
        snprintf(cmd, sizeof cmd, "%s -i %s -k 3 --count -- 'цифровая платформа' 2>&1 >/dev/null",
                 tu_bin("searcher"), fx.dir);
        out = tu_run(cmd, &st);
        cr_assert(st == 0 || (st == 1 && strstr(out, name)),
                  "searcher on damaged %s: exit %d: %s", name, st, out);
        free(out);
        f = fopen(path, "wb");
        fwrite(orig, 1, size, f);
        fclose(f);
        free(orig);
    }
}
