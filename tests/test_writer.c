/* test_writer.c: the index writer's promises: a build that spills sorted runs and a build
 * on 2 threads are byte-identical to a one-thread in-memory build; a kill at any write,
 * fsync or rename leaves the previous index intact; only two generations are kept and no
 * temporary file survives; the spool gives back the bytes it was given whether they went
 * to memory, to its file or to both, and its pages move into a run with their bytes. */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_index_util.h"
#include "index_reader.h"
#include "writer_mem.h"
#include "writer_spool.h"

Test(writer, spilled_and_threaded_builds_are_byte_identical)
{
    ti_corpus c;
    ti_corpus_load(&c, 0, 100);
    char *plain = ti_mkdtemp(), *spilled = ti_mkdtemp(), *threaded = ti_mkdtemp();
    poisk_writer_summary s1, s2, s3;
    poisk_error err = { 0 };
    cr_assert_eq(ti_build(&c, plain, 0, 1, &s1, &err), 0, "%s", err.message);
    cr_assert_eq(s1.spilled_runs, 0);
    cr_assert_eq(s1.workers_used, 1);
    cr_assert_eq(ti_build(&c, spilled, 256 << 10, 1, &s2, &err), 0, "%s", err.message);
    cr_assert_geq(s2.spilled_runs, 2, "only %llu runs spilled", (unsigned long long)s2.spilled_runs);
    cr_assert_eq(ti_build(&c, threaded, 4 << 20, 2, &s3, &err), 0, "%s", err.message);
    cr_assert_eq(s3.workers_used, 2);
    cr_assert_eq(s1.passages, c.n);
    cr_assert_gt(s1.terms, 1000);
    ti_assert_same_dirs(plain, spilled);
    ti_assert_same_dirs(plain, threaded);
    cr_assert_eq(poisk_index_verify(spilled, &err), 0, "%s", err.message);
    tu_rmrf(plain);
    tu_rmrf(spilled);
    tu_rmrf(threaded);
    free(plain);
    free(spilled);
    free(threaded);
    ti_corpus_free(&c);
}

/* A fingerprint of what an index answers: stats, a term's postings, a passage. */
static uint64_t index_answers(const char *dir)
{
    poisk_index *idx;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(dir, &idx, &err), 0, "%s", err.message);
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    uint64_t h = st.passages * 1000003u + st.total_length;
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        poisk_section_index *sec;
        cr_assert_eq(poisk_index_section(idx, s, &sec, &err), 0, "%s", err.message);
        if (!sec)
            continue;
        poisk_term_info info;
        int found;
        cr_assert_eq(poisk_section_lookup(sec, POISK_DICT_STEM, "цифров", strlen("цифров"), &info, &found, &err), 0);
        if (!found)
            continue;
        poisk_postings *p;
        cr_assert_eq(poisk_postings_open(sec, POISK_DICT_STEM, &info, &p, &err), 0);
        while (poisk_postings_doc(p) != POISK_DOC_END) {
            h = h * 31 + poisk_postings_doc(p) * 7 + poisk_postings_tf(p);
            cr_assert_eq(poisk_postings_next(p, &err), 0);
        }
        poisk_postings_close(p);
    }
    poisk_passage_buf buf = { 0 };
    poisk_passage ps;
    cr_assert_eq(poisk_index_passage(idx, (uint32_t)(st.passages / 2), &ps, &buf, &err), 0);
    h = h * 31 + ps.text_len;
    poisk_passage_buf_free(&buf);
    poisk_index_close(idx);
    return h;
}

static int count_files(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, needle) != NULL;
    closedir(d);
    return n;
}

Test(writer, a_kill_at_any_io_point_leaves_the_previous_index_intact)
{
    ti_corpus small, other;
    ti_corpus_load_n(&small, 6000, 60, 2);
    ti_corpus_load_n(&other, 9000, 40, 3);  /* the rebuild indexes something else */
    char *dir = ti_mkdtemp();
    poisk_error err = { 0 };
    poisk_writer_summary s;
    cr_assert_eq(ti_build(&small, dir, 0, 1, &s, &err), 0, "%s", err.message);
    uint64_t before = index_answers(dir);
    char *ref = ti_mkdtemp();                /* what the rebuild answers once published */
    cr_assert_eq(ti_build(&other, ref, 0, 1, &s, &err), 0, "%s", err.message);
    uint64_t after = index_answers(ref);
    tu_rmrf(ref);
    free(ref);
    cr_assert_neq(before, after);
    int completed = 0, point;
    for (point = 1; point < 2000 && !completed; point++) {
        pid_t pid = fork();
        if (pid == 0) {
            char v[32];
            snprintf(v, sizeof v, "%d", point);
            setenv("POISK_FAULT_AT", v, 1);
            poisk_error e2;
            _exit(ti_build(&other, dir, 64 << 10, 1, NULL, &e2) == 0 ? 0 : 3);
        }
        int st;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            completed = 1;
            break;
        }
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "point %d: status %d", point, st);
        /* killed before the rename of CURRENT: the old index; after it: the new one */
        uint64_t now = index_answers(dir);
        cr_assert(now == before || now == after, "point %d left a mixed index", point);
        before = now;
        cr_assert_eq(poisk_index_verify(dir, &err), 0, "point %d: %s", point, err.message);
    }
    cr_assert(completed, "the build never finished");
    cr_assert_gt(point, 20, "too few fault points (%d)", point);
    /* the finished build is live; only it and the previous generation remain */
    cr_assert_eq(index_answers(dir), after);
    cr_assert_eq(poisk_index_verify(dir, &err), 0, "%s", err.message);
    cr_assert_eq(count_files(dir, ".tmp"), 0);
    cr_assert_eq(ti_build(&small, dir, 0, 1, &s, &err), 0, "%s", err.message);
    char g[32];
    for (uint64_t k = 1; k + 1 < s.generation; k++) {
        snprintf(g, sizeof g, "g%08llu.", (unsigned long long)k);
        cr_assert_eq(count_files(dir, g), 0, "generation %llu kept", (unsigned long long)k);
    }
    snprintf(g, sizeof g, "g%08llu.", (unsigned long long)s.generation - 1);
    cr_assert_gt(count_files(dir, g), 0);
    cr_assert_eq(index_answers(dir), index_answers(dir));
    cr_assert_neq(index_answers(dir), after);
    tu_rmrf(dir);
    free(dir);
    ti_corpus_free(&small);
    ti_corpus_free(&other);
}

static void count_write(void *ctx)
{
    ++*(int *)ctx;
}

/* Records of uneven lengths through a spool whose memory part takes none, part (not a
 * whole number of flushes) or all of them, every other one offered straight to the memory
 * part (poisk_spool_direct: taken only while nothing is staged and the room holds it): one
 * range with the same bytes, written to the file only past the memory part; pages given
 * back in the middle do not disturb the rest. */
Test(writer, spool_reads_back_what_it_was_given_from_memory_and_file)
{
    const size_t total = 3u << 20;
    size_t caps[] = { 0, 4096, (1u << 20) + 12345, 8u << 20 };
    char *dir = ti_mkdtemp();
    for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
        poisk_spool sp;
        poisk_error err = { 0 };
        int writes = 0, direct = 0;
        cr_assert_eq(poisk_spool_open(&sp, dir, 1, caps[c], &err), 0, "%s", err.message);
        uint32_t x = 12345;
        for (size_t n = 0; n < total;) {
            uint8_t rec[700];
            size_t len = 1 + (x = x * 1103515245u + 12345u) % sizeof rec;
            for (size_t i = 0; i < len; i++)
                rec[i] = (uint8_t)((n + i) * 7 + (n + i) / 251);
            poisk_buf view, *b = (x & 1) ? poisk_spool_direct(&sp, len, &view) : NULL;
            if (b) {
                cr_assert_eq(sp.buf.len, 0);
                cr_assert_geq(view.cap, len);
                poisk_buf_put(b, rec, len);
                poisk_spool_direct_done(&sp, &view);
                direct++;
            } else {
                poisk_buf_put(&sp.buf, rec, len);
            }
            sp.len += len;
            n += len;
            if (poisk_spool_full(&sp))
                cr_assert_eq(poisk_spool_flush(&sp, count_write, &writes, dir, &err), 0);
        }
        cr_assert_eq(poisk_spool_flush(&sp, count_write, &writes, dir, &err), 0);
        cr_assert_eq(writes == 0, caps[c] >= total, "cap %zu: %d writes", caps[c], writes);
        cr_assert_eq(direct > 0, caps[c] > 4096, "cap %zu: %d direct", caps[c], direct);
        const uint8_t *v = poisk_spool_map(&sp);
        cr_assert(v != NULL);
        poisk_mem_release(v + 100000, 200000);  /* a batch's pages, read already */
        for (size_t i = 0; i < sp.len; i++)
            if (i < 100000 || i >= 300000)
                cr_assert_eq(v[i], (uint8_t)(i * 7 + i / 251), "cap %zu: byte %zu", caps[c], i);
        poisk_spool_close(&sp);
    }
    tu_rmrf(dir);
    free(dir);
}

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* A finished batch's spool pages move into its run's buffer with their bytes: the run
 * then writes into pages the process has, not fresh ones. */
Test(writer, recycled_spool_pages_keep_their_bytes_and_need_no_fresh_pages)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE), len = 256 * page;
    uint8_t *src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(src != MAP_FAILED);
    for (size_t i = 0; i < len; i++)
        src[i] = (uint8_t)(i * 7 + i / 251);
    poisk_buf run = { 0 };
    cr_assert_eq(poisk_buf_map(&run, 100 * page + 1), 0);
    cr_assert(run.mapped);
    cr_assert_eq(run.cap, 101 * page);
    /* a span starting inside a page: its first whole page on moves, up to the room */
    size_t moved = poisk_mem_recycle(run.data, 60 * page + 5, src + 100, len - 100);
    cr_assert_eq(moved, 60 * page);
    long before = minor_faults();
    for (size_t i = 0; i < moved; i++)
        cr_assert_eq(run.data[i], (uint8_t)((i + page) * 7 + (i + page) / 251), "byte %zu", i);
    cr_assert_lt(minor_faults() - before, 10, "moved pages were faulted in afresh");
    cr_assert_eq(src[100], (uint8_t)(100 * 7));        /* the partial first page stays */
    /* the moved pages stay mapped (a hole there could be handed out to another mapping),
     * as zero pages; the rest of the span is given back: zero pages too */
    for (size_t i = page; i < len; i += page)
        cr_assert_eq(src[i], 0, "byte %zu", i);
    /* a span without a whole page moves nothing */
    cr_assert_eq(poisk_mem_recycle(run.data + moved, page, src + 10, page - 20), 0);
    /* a mapped buffer outgrown keeps its bytes (copied into a new mapping) */
    run.len = moved;
    cr_assert_eq(poisk_buf_reserve(&run, 200 * page), 0);
    cr_assert_geq(run.cap - run.len, 200 * page);
    for (size_t i = 0; i < moved; i += 97)
        cr_assert_eq(run.data[i], (uint8_t)((i + page) * 7 + (i + page) / 251), "byte %zu", i);
    poisk_buf_free(&run);
    cr_assert(!run.data && !run.mapped);
    munmap(src, len);
}

Test(writer, nothing_to_index_is_an_error_and_publishes_nothing)
{
    char *dir = ti_mkdtemp();
    poisk_writer *w;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_writer_create(dir, NULL, &w, &err), 0);
    cr_assert_eq(poisk_writer_commit(w, NULL, &err), POISK_EEMPTY);
    poisk_writer_free(w);
    poisk_index *idx;
    cr_assert_eq(poisk_index_open(dir, &idx, &err), POISK_ENOINDEX);
    cr_assert(strstr(err.message, dir));
    tu_rmrf(dir);
    free(dir);
}

/* The indexer parses files on worker threads and hands them to the writer in input order:
 * an index (and the dump) built from texts, JSON lines and a skipped binary file must be
 * byte-identical for 1, 2 and 3 parsing threads, with repair on (the lexicon is fed from
 * the workers) and with a small budget. */
Test(writer, indexer_pipeline_is_byte_identical_for_any_thread_count, .timeout = 240)
{
    char *in = ti_mkdtemp(), *out[3];
    char cmd[8192], path[4200];
    int st;
    snprintf(cmd, sizeof cmd, "cp corpus/000_*.txt corpus/002_*.txt corpus/004_*.txt %s/", in);
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0);
    snprintf(path, sizeof path, "%s/z.jsonl", in);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 40; i++)
        fprintf(f, "{\"id\":\"j%d\",\"region\":\"%s\",\"section\":%d,\"text\":\"Цифровая "
                "платформа %d умного города и цифро вой экономики\"}\n", i,
                i % 2 ? "moscow" : "adygea", 1 + i % 8, i);
    fclose(f);
    snprintf(path, sizeof path, "%s/b.txt", in);
    f = fopen(path, "wb");
    for (int i = 0; i < 4096; i++)
        fputc(i % 5 ? i & 0xff : 0, f);
    fclose(f);
    char *dumps[3];
    for (int t = 0; t < 3; t++) {
        out[t] = ti_mkdtemp();
        snprintf(cmd, sizeof cmd, "%s --threads %d --mem 2M -o %s/idx %s 2>&1", tu_bin("indexer"),
                 t + 1, out[t], in);
        char *err = tu_run(cmd, &st);
        cr_assert_eq(st, 0, "threads %d: %s", t + 1, err);
        cr_assert(strstr(err, "4 files, 1 skipped"), "%s", err);
        free(err);
        snprintf(cmd, sizeof cmd, "%s -q --threads %d --dump-structure %s", tu_bin("indexer"),
                 t + 1, in);
        dumps[t] = tu_run(cmd, &st);
        cr_assert_eq(st, 0);
        cr_assert(strstr(dumps[t], "\"sector\":\"health\""), "sectors lost");
    }
    for (int t = 1; t < 3; t++) {
        char a[4300], b[4300];
        snprintf(a, sizeof a, "%s/idx", out[0]);
        snprintf(b, sizeof b, "%s/idx", out[t]);
        ti_assert_same_dirs(a, b);
        cr_assert_str_eq(dumps[0], dumps[t], "dump differs with %d threads", t + 1);
    }
    for (int t = 0; t < 3; t++) {
        free(dumps[t]);
        tu_rmrf(out[t]);
        free(out[t]);
    }
    tu_rmrf(in);
    free(in);
}
