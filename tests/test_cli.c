/* test_cli.c: the command-line contract shared by both binaries: usage, help, exit codes. */
#include <criterion/criterion.h>
#include "test_util.h"
#include "poisk/poisk.h"

static int run_status(const char *fmt, const char *bin)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, bin);
    int st = -1;
    free(tu_run(cmd, &st));
    return st;
}

Test(cli, no_arguments_prints_usage_and_exits_2)
{
    cr_assert_eq(run_status("%s 2>/dev/null", tu_bin("indexer")), 2);
    cr_assert_eq(run_status("%s 2>/dev/null", tu_bin("searcher")), 2);
}

Test(cli, help_goes_to_stdout_and_exits_0)
{
    char cmd[2048];
    int st;
    snprintf(cmd, sizeof cmd, "%s --help", tu_bin("indexer"));
    char *out = tu_run(cmd, &st);
    cr_assert_eq(st, 0);
    cr_assert(strstr(out, "usage: indexer"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s --help", tu_bin("searcher"));
    out = tu_run(cmd, &st);
    cr_assert_eq(st, 0);
    cr_assert(strstr(out, "usage: searcher"));
    free(out);
}

Test(cli, unknown_option_is_a_one_line_error_with_exit_2)
{
    char cmd[2048];
    int st;
    snprintf(cmd, sizeof cmd, "%s --bogus 2>&1 >/dev/null", tu_bin("searcher"));
    char *err = tu_run(cmd, &st);
    cr_assert_eq(st, 2);
    cr_assert(strstr(err, "--bogus"));
    cr_assert_eq(strchr(err, '\n'), strrchr(err, '\n'), "one line: %s", err);
    free(err);
    cr_assert_eq(run_status("%s --bogus 2>/dev/null", tu_bin("indexer")), 2);
}

/* --verbose adds the wall time of each phase of a build; they fit in the total. */
Test(cli, indexer_verbose_prints_the_phases_of_the_build)
{
    char dir[] = "/tmp/poisk-cli-XXXXXX", cmd[4096];
    cr_assert(mkdtemp(dir));
    int st;
    snprintf(cmd, sizeof cmd, "%s -v -o %s/idx corpus/000_6d545a6ce98a1d7f.txt 2>&1 >/dev/null",
             tu_bin("indexer"), dir);
    char *err = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", err);
    const char *sum = strstr(err, "MB, "), *ph = strstr(err, "indexer: phases: ");
    cr_assert(sum && ph, "%s", err);
    double total, in, fr, inv, mg;
    cr_assert_eq(sscanf(sum, "MB, %lf s", &total), 1, "%s", err);
    cr_assert_eq(sscanf(ph, "indexer: phases: input %lf s, freeze %lf s, inversion %lf s, "
                            "merge %lf s", &in, &fr, &inv, &mg), 4, "%s", err);
    cr_assert(in >= 0 && fr >= 0 && inv >= 0 && mg >= 0, "%s", err);
    cr_assert_leq(in + fr + inv + mg, total + 0.03, "%s", err);   /* each rounded to 0.01 */
    free(err);
    snprintf(cmd, sizeof cmd, "%s -o %s/idx corpus/000_6d545a6ce98a1d7f.txt 2>&1 >/dev/null",
             tu_bin("indexer"), dir);
    err = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", err);
    cr_assert_null(strstr(err, "phases:"), "only with --verbose: %s", err);
    free(err);
    tu_rmrf(dir);
}

Test(errors, every_code_has_a_name_and_message)
{
    for (int rc = 0; rc < POISK_RC_COUNT; rc++) {
        cr_assert_not_null(poisk_errcode_name(rc));
        cr_assert_neq(strcmp(poisk_strerror(rc), "unknown error"), 0);
    }
    cr_assert_str_eq(poisk_errcode_name(POISK_ESYNTAX), "syntax");
    cr_assert_str_eq(poisk_errcode_name(POISK_ESTOPWORDS), "stopwords_only");
    cr_assert_str_eq(poisk_strerror(-5), "unknown error");
}
