/* test_pipeline.c: the indexing pipeline's promises: a budget so small that every batch
 * spills gives the same index as an unbounded one-thread build, for 1 to 3 workers; the
 * input pipeline hands every file over once, in input order, whatever its thread count and
 * however small its parse-ahead cap; the memory helpers never sit outside their bounds. */
#include <criterion/criterion.h>
#include <sys/mman.h>
#include "test_index_util.h"
#include "input_pipeline.h"
#include "writer_mem.h"
#include "poisk/index.h"

Test(pipeline, a_budget_that_spills_every_batch_gives_the_same_index, .timeout = 120)
{
    ti_corpus c;
    ti_corpus_load(&c, 0, 60);
    char *plain = ti_mkdtemp();
    poisk_writer_summary s0;
    poisk_error err = { 0 };
    cr_assert_eq(ti_build(&c, plain, 0, 1, &s0, &err), 0, "%s", err.message);
    cr_assert_eq(s0.spilled_runs, 0);
    for (int t = 1; t <= 3; t++) {
        char *tiny = ti_mkdtemp();
        poisk_writer_summary s;
        cr_assert_eq(ti_build(&c, tiny, 64 << 10, t, &s, &err), 0, "%s", err.message);
        /* 64 KiB is less than the process already holds: every run goes to disk */
        cr_assert_geq(s.spilled_runs, 4, "threads %d: only %llu runs spilled", t,
                      (unsigned long long)s.spilled_runs);
        cr_assert_eq(s.passages, s0.passages);
        ti_assert_same_dirs(plain, tiny);
        cr_assert_eq(poisk_index_verify(tiny, &err), 0, "%s", err.message);
        tu_rmrf(tiny);
        free(tiny);
    }
    tu_rmrf(plain);
    free(plain);
    ti_corpus_free(&c);
}

typedef struct order_check { size_t next, n; int bad; } order_check;

static int take_in_order(void *ctx, poisk_parsed *p)
{
    order_check *o = ctx;
    if (p->index != o->next || p->rc != POISK_OK || !p->doc)
        o->bad = 1;
    o->next++;
    return 0;
}

Test(pipeline, inputs_arrive_once_and_in_order_under_any_cap, .timeout = 120)
{
    poisk_input_list in = { 0 };
    char *paths[TI_FILES * 2];
    unsigned char jsonl[TI_FILES * 2] = { 0 };
    for (int i = 0; i < TI_FILES * 2; i++)
        paths[i] = (char *)ti_paths[i % TI_FILES];
    in.paths = paths;
    in.jsonl = jsonl;
    in.n = TI_FILES * 2;
    uint64_t caps[] = { 1, 100 << 10, 0 };
    for (int t = 1; t <= 3; t++)
        for (size_t k = 0; k < sizeof caps / sizeof *caps; k++) {
            poisk_pipeline_options po = { .threads = t, .byte_cap = caps[k] };
            order_check o = { 0, in.n, 0 };
            cr_assert_eq(poisk_input_pipeline_run(&in, &po, take_in_order, &o), 0);
            cr_assert_eq(o.next, in.n, "threads %d cap %llu: %zu of %zu files", t,
                         (unsigned long long)caps[k], o.next, in.n);
            cr_assert_eq(o.bad, 0, "threads %d cap %llu: out of order or failed", t,
                         (unsigned long long)caps[k]);
        }
}

Test(pipeline, batch_sizes_stay_within_their_bounds)
{
    cr_assert_eq(poisk_mem_batch_bytes((size_t)1 << 30, 1, (uint64_t)1 << 40), 64u << 20);
    cr_assert_eq(poisk_mem_batch_bytes(0, 2, (uint64_t)1 << 40), 256u << 10);
    cr_assert_eq(poisk_mem_batch_bytes((size_t)1 << 30, 2, 1000), 16u << 10);
    uint64_t b = poisk_mem_batch_bytes((size_t)256 << 20, 2, (uint64_t)1 << 40);
    cr_assert(b * 2 * 5 <= (256u << 20) && b >= (256u << 10), "%llu", (unsigned long long)b);
    cr_assert_gt(poisk_mem_resident(), 0);
    /* giving back pages of a file mapping loses nothing: they are read again */
    char path[] = "/tmp/poisk-pipe-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    size_t n = 1 << 20;
    char *buf = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(i * 7);
    cr_assert_eq(write(fd, buf, n), (ssize_t)n);
    const char *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    cr_assert_neq(m, MAP_FAILED);
    cr_assert_eq(memcmp(m, buf, n), 0);
    poisk_mem_release(m + 1, n - 2);
    cr_assert_eq(memcmp(m, buf, n), 0);
    munmap((void *)m, n);
    close(fd);
    free(buf);
}
