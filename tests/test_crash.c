/*
 * test_crash.c: a killed indexer never damages the live index (docs/RELIABILITY.md).
 *
 * A base index of part of the seed corpus is built in a scratch directory and answered
 * through the reader API (test_corruption_util.h).  Then a child process rebuilds the index
 * in place from a larger part of the corpus and is killed with SIGKILL:
 *   - at every fault-injection point of the writer (POISK_FAULT_AT=N: the Nth write, fsync
 *     or rename, indexer/writer.c), N = 1, 2, ... until a rebuild survives;
 *   - at pseudo-random moments (fixed seed) during a rebuild.
 * After every kill the index must open and answer exactly as the base index did (the
 * previous generation is live and intact, whatever the kill left behind) -- or, when the
 * kill came after the rename of CURRENT (the publishing step), exactly as the new corpus
 * does; never anything in between, and never new-then-old.  After the first
 * rebuild that completes, the index answers like a fresh build of the new corpus, and no
 * temporary file and no generation other than the live one and its predecessor remain.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "test_corruption_util.h"

#define BASE_FILES 3
#define BASE_BYTES 15000
#define NEW_BYTES 30000
#define STRIDE 2
#define PASSAGE_STEP 1

static char *dir;
static uint64_t base_answer, new_answer;

static void setup(void)
{
    poisk_error err = { 0 };
    char *fresh = rc_mkdtemp("crash-fresh");
    dir = rc_mkdtemp("crash");
    cr_assert(dir && fresh);
    cr_assert_eq(rc_build_index(fresh, RC_CORPUS_FILES, NEW_BYTES, 2, &err), POISK_OK, "%s", err.message);
    cr_assert_eq(rc_answer(fresh, STRIDE, PASSAGE_STEP, &new_answer, &err), POISK_OK, "%s", err.message);
    tu_rmrf(fresh);
    free(fresh);
    cr_assert_eq(rc_build_index(dir, BASE_FILES, BASE_BYTES, 2, &err), POISK_OK, "%s", err.message);
    cr_assert_eq(rc_answer(dir, STRIDE, PASSAGE_STEP, &base_answer, &err), POISK_OK, "%s", err.message);
    cr_assert_neq(base_answer, new_answer, "the rebuild must change the answer to be visible");
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
}

/* Fork a child that rebuilds the index in place; fault_at 0 = no injected fault.
 * @return : the child's pid */
static pid_t start_rebuild(long fault_at)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char v[32];
        snprintf(v, sizeof v, "%ld", fault_at);
        if (fault_at)
            setenv("POISK_FAULT_AT", v, 1);
        else
            unsetenv("POISK_FAULT_AT");
        poisk_error err = { 0 };
        int rc = rc_build_index(dir, RC_CORPUS_FILES, NEW_BYTES, 2, &err);
        if (rc)
            fprintf(stderr, "rebuild failed: %s\n", err.message);
        _exit(rc ? 1 : 0);                      /* no atexit handlers of the test runner */
    }
    return pid;
}

static uint64_t answer_now(const char *when)
{
    poisk_error err = { 0 };
    uint64_t h = 0;
    int rc = rc_answer(dir, STRIDE, PASSAGE_STEP, &h, &err);
    cr_assert_eq(rc, POISK_OK, "%s: the index does not open: %s", when, err.message);
    return h;
}

static void assert_answers(uint64_t expect, const char *when)
{
    cr_assert_eq(answer_now(when), expect, "%s: the index answers differently", when);
}

/* After a kill: the old index, or (killed after publishing) the new one.  @return : 1 new */
static int assert_old_or_new(const char *when)
{
    uint64_t h = answer_now(when);
    cr_assert(h == base_answer || h == new_answer,
              "%s: the index answers neither as before nor as the new corpus", when);
    return h == new_answer;
}

/* After a completed rebuild: no *.tmp, only the live generation and its predecessor. */
static void assert_clean(void)
{
    static char names[256][64];
    size_t n = rc_list_files(dir, names, 256);
    uint64_t live = 0;
    char *cur = NULL;
    char path[256];
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    cur = tu_read_file(path, NULL);
    cr_assert_not_null(cur);
    live = strtoull(cur + 1, NULL, 10);
    free(cur);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        cr_assert(!(len > 4 && strcmp(names[i] + len - 4, ".tmp") == 0),
                  "temporary file %s left behind", names[i]);
        if (strcmp(names[i], "CURRENT") == 0)
            continue;
        uint64_t g = strtoull(names[i] + 1, NULL, 10);
        cr_assert(names[i][0] == 'g' && (g == live || g + 1 == live),
                  "%s is neither the live generation %llu nor its predecessor", names[i],
                  (unsigned long long)live);
    }
}

/* Kill at fault points first, first+step, ...; returns how many kills left the old index
 * live (kills after the publishing rename leave the new one). */
static long kill_at_fault_points(long first, long step)
{
    long kills = 0, published_at = 0;
    for (long n = first;; n += step) {
        pid_t pid = start_rebuild(n);
        int st;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        if (WIFEXITED(st)) {
            cr_assert_eq(WEXITSTATUS(st), 0, "the rebuild with fault point %ld beyond the last failed", n);
            assert_answers(new_answer, "after the completed rebuild");
            assert_clean();
            break;
        }
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child ended oddly at point %ld", n);
        char when[64];
        snprintf(when, sizeof when, "killed at fault point %ld", n);
        if (assert_old_or_new(when)) {
            if (!published_at)
                published_at = n;
        } else {
            cr_assert_eq(published_at, 0, "%s: the old index is back after the new one was "
                         "published at point %ld", when, published_at);
            kills++;
        }
        cr_assert_lt(n, 100000, "the fault points never end");
    }
    return kills;
}

TestSuite(crash, .init = setup, .fini = teardown, .timeout = 300);

Test(crash, killed_at_every_odd_fault_point_the_old_index_answers)
{
    cr_assert_gt(kill_at_fault_points(1, 2), 20);
}

Test(crash, killed_at_every_even_fault_point_the_old_index_answers)
{
    cr_assert_gt(kill_at_fault_points(2, 2), 20);
}

Test(crash, killed_at_random_moments_the_old_index_answers)
{
    /* How long does a rebuild take here?  Kill at moments spread over that span. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = start_rebuild(0);
    int st;
    waitpid(pid, &st, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_answers(new_answer, "after an uninterrupted rebuild");
    long span_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
    /* Back to the base index, then kill rebuilds of it at random moments. */
    poisk_error err = { 0 };
    cr_assert_eq(rc_build_index(dir, BASE_FILES, BASE_BYTES, 2, &err), POISK_OK, "%s", err.message);
    assert_answers(base_answer, "base rebuilt");
    uint64_t seed = 0x5EED;
    int killed = 0;
    for (int k = 0; k < 24; k++) {
        long delay = (long)(rc_rand(&seed) % (uint64_t)(span_us + 1));
        pid = start_rebuild(0);
        struct timespec d = { delay / 1000000L, (delay % 1000000L) * 1000L };
        nanosleep(&d, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        char when[64];
        snprintf(when, sizeof when, "killed %ld us into a rebuild", delay);
        if (WIFSIGNALED(st) && !assert_old_or_new(when)) {
            killed++;
        } else {
            /* published before the kill: the new index is live (cleaning up old generations
             * may have been cut short: only a completed run promises that); back to base */
            assert_answers(new_answer, "a rebuild that published before its kill");
            if (WIFEXITED(st))
                assert_clean();
            cr_assert_eq(rc_build_index(dir, BASE_FILES, BASE_BYTES, 2, &err), POISK_OK, "%s", err.message);
        }
    }
    cr_assert_gt(killed, 8, "most kills must land inside a rebuild");
    /* and the next complete rebuild cleans up whatever the kills left */
    pid = start_rebuild(0);
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_answers(new_answer, "the rebuild after the kills");
    assert_clean();
}
