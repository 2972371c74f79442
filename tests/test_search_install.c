/* test_search_install.c: `make install` into a scratch PREFIX installs the binaries, headers,
 * libpoisk.a, the shared libpoisk.so (with its soname links) and poisk.pc; a user program
 * (examples/search_example.c) builds with `pkg-config --cflags --libs poisk`, is linked
 * against the shared library, and answers a query from a seed index; `--static` links the
 * archive instead.  Runs the repository's Makefile, so it is slow-ish (a few seconds). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static char *run_ok(const char *cmd)
{
    int st;
    char *out = tu_run(cmd, &st);
    cr_assert_not_null(out);
    cr_assert_eq(st, 0, "failed (%d): %s\n%s", st, cmd, out);
    return out;
}

Test(search_install, shared_library_and_pkg_config, .timeout = 240)
{
    char tmpl[] = "/tmp/poisk-install-XXXXXX";
    char *dir = mkdtemp(tmpl);
    cr_assert_not_null(dir);
    char cmd[4096];
    /* a clean make environment: this may run under `make test` */
    snprintf(cmd, sizeof cmd,
             "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s install PREFIX='%s/p' 2>&1", dir);
    free(run_ok(cmd));
    const char *files[] = { "bin/indexer", "bin/searcher", "lib/libpoisk.a", "lib/libpoisk.so",
                            "lib/libpoisk.so.0", "include/poisk/search.h",
                            "include/poisk/poisk.h", "lib/pkgconfig/poisk.pc" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/p/%s", dir, files[i]);
        cr_assert_eq(access(path, R_OK), 0, "%s not installed", files[i]);
    }
    /* an index of one seed document */
    snprintf(cmd, sizeof cmd, "'%s' -q -o '%s/idx' corpus/000_*.txt 2>&1", tu_bin("indexer"), dir);
    free(run_ok(cmd));
    /* shared: pkg-config --libs links libpoisk.so, and the program records it as NEEDED */
    snprintf(cmd, sizeof cmd,
             "export PKG_CONFIG_PATH='%s/p/lib/pkgconfig'; "
             "cc -o '%s/ex' examples/search_example.c $(pkg-config --cflags --libs poisk) 2>&1 && "
             "readelf -d '%s/ex' | grep NEEDED", dir, dir, dir);
    char *out = run_ok(cmd);
    cr_assert(strstr(out, "libpoisk.so.0"), "not linked to the shared library:\n%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "LD_LIBRARY_PATH='%s/p/lib' '%s/ex' '%s/idx' 'цифровой' 2>&1",
             dir, dir, dir);
    out = run_ok(cmd);
    cr_assert(strncmp(out, "1\t", 2) == 0, "no ranked hit from the shared library:\n%s", out);
    free(out);
    /* static: the same program from the archive, no libpoisk.so needed at run time */
    snprintf(cmd, sizeof cmd,
             "export PKG_CONFIG_PATH='%s/p/lib/pkgconfig'; "
             "cc -o '%s/ex_static' examples/search_example.c "
             "$(pkg-config --cflags poisk) '%s/p/lib/libpoisk.a' $(pkg-config --libs --static poisk | "
             "sed 's/-lpoisk//') 2>&1 && ! readelf -d '%s/ex_static' | grep -q libpoisk && "
             "'%s/ex_static' '%s/idx' 'цифровой' 2>&1", dir, dir, dir, dir, dir, dir);
    out = run_ok(cmd);
    cr_assert(strncmp(out, "1\t", 2) == 0, "no ranked hit from the static archive:\n%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
