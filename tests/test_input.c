/* test_input.c: input walking and reading (indexer/input.c), JSON-lines passages
 * (indexer/jsonl.c) and `indexer --dump-structure` (indexer/dump.c, indexer/main.c). */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "input.h"
#include "jsonl.h"
#include "structure.h"

static char dir[64];

static void write_file(const char *rel, const char *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "%s", path);
    fwrite(data, 1, len, f);
    fclose(f);
}

static void setup(void)
{
    strcpy(dir, "/tmp/poisk_input_XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void count_warning(void *ctx, const char *msg)
{
    (void)msg;
    (*(int *)ctx)++;
}

Test(input, walk_is_recursive_sorted_and_safe_from_symlink_loops, .init = setup, .fini = teardown)
{
    char path[256];
    snprintf(path, sizeof path, "%s/sub", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/sub/deeper", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    write_file("b.txt", "текст", 10);
    write_file("a.jsonl", "{}", 2);
    write_file("c.pdf", "%PDF", 4);
    write_file("README", "x", 1);
    write_file("sub/d.TXT", "текст", 10);
    write_file("sub/deeper/e.txt", "текст", 10);
    snprintf(path, sizeof path, "%s/sub/deeper/loop", dir);
    cr_assert_eq(symlink("../..", path), 0);           /* back to the top: a loop */
    snprintf(path, sizeof path, "%s/sub/same.txt", dir);
    cr_assert_eq(symlink("../b.txt", path), 0);        /* the same file twice */
    char missing[256];
    snprintf(missing, sizeof missing, "%s/nope", dir);
    char *args[] = { dir, missing };
    poisk_input_list l;
    size_t skipped = 0;
    int warnings = 0;
    cr_assert_eq(poisk_input_collect(args, 2, &l, count_warning, &warnings, &skipped), POISK_OK);
    cr_assert_eq(l.n, 4);
    const char *want[] = { "a.jsonl", "b.txt", "sub/d.TXT", "sub/deeper/e.txt" };
    for (size_t i = 0; i < 4; i++) {
        char full[256];
        snprintf(full, sizeof full, "%s/%s", dir, want[i]);
        cr_assert_str_eq(l.paths[i], full);
        cr_assert_eq(l.jsonl[i], i == 0);
    }
    cr_assert_eq(skipped, 1);
    cr_assert_eq(warnings, 1);
    poisk_input_list_free(&l);
}

Test(input, read_rejects_binary_and_accepts_bom_crlf, .init = setup, .fini = teardown)
{
    unsigned char bin[4096];
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (unsigned char)(i * 7919 % 251);
    write_file("bin.txt", (const char *)bin, sizeof bin);
    write_file("ok.txt", "\xEF\xBB\xBF" "Строка\r\nвторая\r\n", 30);
    char path[256], *buf;
    size_t len;
    poisk_error err;
    snprintf(path, sizeof path, "%s/bin.txt", dir);
    cr_assert_eq(poisk_input_read(path, &buf, &len, &err), POISK_EINPUT);
    cr_assert(strstr(err.message, "bin.txt") && strstr(err.message, "binary"));
    cr_assert_null(buf);
    snprintf(path, sizeof path, "%s/ok.txt", dir);
    cr_assert_eq(poisk_input_read(path, &buf, &len, &err), POISK_OK);
    cr_assert_eq(len, 30);
    free(buf);
    snprintf(path, sizeof path, "%s/none.txt", dir);
    cr_assert_eq(poisk_input_read(path, &buf, &len, &err), POISK_EIO);
    cr_assert(strstr(err.message, "none.txt"));
    cr_assert(poisk_input_is_binary("a\0b", 3));
    cr_assert(!poisk_input_is_binary("привет\n", 13));
}

Test(jsonl, fields_defaults_unknown_fields_and_case_forms)
{
    const char *t =
        "{\"id\":\"p1\",\"region\":\"stavropol\",\"section\":\"proekty\",\"sector\":\"edu\",\"text\":\"Библиотека контента\",\"extra\":[1,2]}\n"
        "\r\n"
        "{\"region\":\"Тамбовской области\",\"section\":3,\"text\":\"Цель\",\"subsection\":\"3.1\",\"project\":7,\"pages\":[4,5]}\r\n"
        "not json\n"
        "{\"id\":\"p3\",\"region\":\"Атлантида\",\"text\":\"нет региона\"}\n"
        "{\"id\":\"p4\",\"region\":\"RU-KLU\"}\n";
    poisk_document *d;
    poisk_error err;
    cr_assert_eq(poisk_jsonl_parse("in.jsonl", t, strlen(t), &d, &err), POISK_OK, "%s", err.message);
    cr_assert_eq(poisk_document_passage_count(d), 3);
    const poisk_passage *p = poisk_document_passage(d, 0);
    cr_assert_str_eq(p->id, "p1");
    cr_assert_str_eq(p->region, "stavropol");
    cr_assert_eq(p->section, POISK_SECTION_PROEKTY);
    cr_assert_str_eq(p->sector, "edu");
    cr_assert_null(p->subsection);
    p = poisk_document_passage(d, 1);
    cr_assert_str_eq(p->id, "in.jsonl:3");
    cr_assert_str_eq(p->region, "tambov");
    cr_assert_eq(p->section, POISK_SECTION_PRIORITETY);
    cr_assert_str_eq(p->subsection, "3.1");
    cr_assert_str_eq(p->project, "7");
    cr_assert_eq(p->n_pages, 2);
    cr_assert_eq(p->pages[1], 5);
    cr_assert_null(p->sector);
    p = poisk_document_passage(d, 2);
    cr_assert_str_eq(p->region, "unknown");
    cr_assert_eq(p->section, POISK_SECTION_OTHER);
    cr_assert_eq(poisk_document_warning_count(d), 3);   /* not json, unknown region, no text */
    poisk_document_free(d);
}

Test(jsonl, duplicate_id_is_an_error_naming_both_lines)
{
    const char *t = "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n{\"id\":\"a\",\"text\":\"z\"}\n";
    poisk_document *d = (poisk_document *)1;
    poisk_error err;
    cr_assert_eq(poisk_jsonl_parse("dup.jsonl", t, strlen(t), &d, &err), POISK_EINPUT);
    cr_assert_null(d);
    cr_assert(strstr(err.message, "dup.jsonl:3"), "%s", err.message);
    cr_assert(strstr(err.message, "line 1"), "%s", err.message);
}

/* Ids are unique across all inputs of a run, not only within one file: the second file's
 * duplicate is an error naming both files and lines, in the dump and when indexing. */
Test(jsonl, duplicate_id_across_files_names_both_places, .init = setup, .fini = teardown)
{
    char a[256], b[256], c[256], cmd[1200];
    snprintf(a, sizeof a, "%s/a.jsonl", dir);
    snprintf(b, sizeof b, "%s/b.jsonl", dir);
    snprintf(c, sizeof c, "%s/c.jsonl", dir);
    FILE *f = fopen(a, "w");
    fputs("{\"id\":\"p1\",\"text\":\"Цифровой помощник учителя\"}\n"
          "{\"id\":\"p2\",\"text\":\"Платформа обратной связи\"}\n", f);
    fclose(f);
    f = fopen(b, "w");
    fputs("{\"id\":\"q1\",\"text\":\"Новый умный дом\"}\n\n"
          "{\"id\":\"p2\",\"text\":\"Цифровизация мировых судов\"}\n", f);
    fclose(f);
    f = fopen(c, "w");
    fputs("{\"id\":\"c1\",\"text\":\"Умные города\"}\n", f);
    fclose(f);
    for (int mode = 0; mode < 2; mode++) {
        int st;
        if (mode == 0)
            snprintf(cmd, sizeof cmd, "%s -q --dump-structure %s %s 2>&1 >/dev/null", tu_bin("indexer"), a, b);
        else
            snprintf(cmd, sizeof cmd, "%s -q -o %s/idx %s %s 2>&1 >/dev/null", tu_bin("indexer"), dir, a, b);
        char *err = tu_run(cmd, &st);
        cr_assert_eq(st, 1, "mode %d: status %d: %s", mode, st, err);
        char want[600];
        snprintf(want, sizeof want, "%s:3: duplicate id 'p2' (first at %s:2)", b, a);
        cr_assert(strstr(err, want), "mode %d: %s", mode, err);
        free(err);
    }
    /* distinct ids in different files are fine */
    int st;
    snprintf(cmd, sizeof cmd, "%s -q --dump-structure %s %s > /dev/null 2>&1", tu_bin("indexer"), a, c);
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0);
    unlink(a); unlink(b); unlink(c);
}

/* A text passage's id ("file:byte") and a JSON-lines id can collide, in either order; the
 * text side is kept as offsets, not strings (input_ids.c), and still caught. */
Test(jsonl, text_id_and_jsonl_id_collide_in_either_order, .init = setup, .fini = teardown)
{
    char t[256], j[256], cmd[1500];
    snprintf(t, sizeof t, "%s/t.txt", dir);
    FILE *f = fopen(t, "w");
    fputs("Цифровой помощник учителя в Ставропольском крае\n", f);
    fclose(f);
    for (int order = 0; order < 2; order++) {
        /* order 0: the text first (t.txt < u.jsonl); order 1: the JSON lines first */
        snprintf(j, sizeof j, "%s/%s.jsonl", dir, order ? "a" : "u");
        f = fopen(j, "w");
        fprintf(f, "{\"id\":\"q1\",\"text\":\"Умные города\"}\n"
                   "{\"id\":\"%s:0\",\"text\":\"Новый умный дом\"}\n", t);
        fclose(f);
        int st;
        snprintf(cmd, sizeof cmd, "%s -q --dump-structure %s 2>&1 >/dev/null", tu_bin("indexer"), dir);
        char *err = tu_run(cmd, &st);
        cr_assert_eq(st, 1, "order %d: %s", order, err);
        char want[1400];
        if (order == 0)
            snprintf(want, sizeof want, "%s:2: duplicate id '%s:0' (first at %s:0)", j, t, t);
        else
            snprintf(want, sizeof want, "%s:0: duplicate id '%s:0' (first at %s:2)", t, t, j);
        cr_assert(strstr(err, want), "order %d: %s", order, err);
        free(err);
        unlink(j);
    }
    /* other offsets of the same file are no collision */
    snprintf(j, sizeof j, "%s/u.jsonl", dir);
    f = fopen(j, "w");
    fprintf(f, "{\"id\":\"%s:7\",\"text\":\"Новый умный дом\"}\n", t);
    fclose(f);
    int st;
    snprintf(cmd, sizeof cmd, "%s -q --dump-structure %s >/dev/null 2>&1", tu_bin("indexer"), dir);
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0);
    unlink(j);
    unlink(t);
}

/* The dump: JSON lines with the four kinds; its passage records index back unchanged. */
Test(dump, seed_dump_is_json_lines_and_valid_jsonl_input, .init = setup, .fini = teardown)
{
    char cmd[1024], dump1[256], dump2[256];
    snprintf(dump1, sizeof dump1, "%s/d1.jsonl", dir);
    snprintf(dump2, sizeof dump2, "%s/d2.jsonl", dir);
    int st;
    snprintf(cmd, sizeof cmd, "%s -q --dump-structure corpus/003_1226d5db7793b8dd.txt > %s",
             tu_bin("indexer"), dump1);
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0);
    size_t len = 0;
    char *out = tu_read_file(dump1, &len);
    cr_assert(out);
    int kinds[4] = { 0 }, passages = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        cr_assert(o, "not JSON: %.80s", line);
        const char *kind = cJSON_GetObjectItem(o, "kind")->valuestring;
        if (!strcmp(kind, "document")) kinds[0]++;
        if (!strcmp(kind, "section")) kinds[1]++;
        if (!strcmp(kind, "sector")) kinds[2]++;
        if (!strcmp(kind, "passage")) {
            kinds[3]++;
            passages++;
            const char *fields[] = { "id", "region", "region_name", "section", "sector", "subsection",
                                     "project", "pages", "file", "byte_start", "byte_end", "text" };
            for (int f = 0; f < 12; f++) cr_assert(cJSON_GetObjectItem(o, fields[f]), "%s", fields[f]);
            cr_assert_str_eq(cJSON_GetObjectItem(o, "region")->valuestring, "khabarovsk");
            cr_assert_str_eq(cJSON_GetObjectItem(o, "region_name")->valuestring, "Хабаровский край");
        }
        cJSON_Delete(o);
    }
    free(out);
    cr_assert_eq(kinds[0], 1);
    cr_assert_eq(kinds[1], 10);              /* other, 8 sections, appendix */
    cr_assert_eq(kinds[2], 24);              /* 6 sectors x sections 4-7 */
    cr_assert(kinds[3] >= 120);
    /* feed the dump back: same passages, same ids and texts */
    snprintf(cmd, sizeof cmd, "%s -q --dump-structure %s > %s", tu_bin("indexer"), dump1, dump2);
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0);
    char *a = tu_read_file(dump1, &len), *b = tu_read_file(dump2, &len);
    int again = 0;
    char *sa, *sb;
    char *la = strtok_r(a, "\n", &sa);
    for (char *lb = strtok_r(b, "\n", &sb); lb; lb = strtok_r(NULL, "\n", &sb)) {
        cJSON *ob = cJSON_Parse(lb);
        if (!strcmp(cJSON_GetObjectItem(ob, "kind")->valuestring, "passage")) {
            cJSON *oa = NULL;
            while (la && (!(oa = cJSON_Parse(la)) || strcmp(cJSON_GetObjectItem(oa, "kind")->valuestring, "passage"))) {
                cJSON_Delete(oa); oa = NULL;
                la = strtok_r(NULL, "\n", &sa);
            }
            cr_assert(oa);
            const char *keys[] = { "id", "region", "section", "sector", "subsection", "project", "text" };
            for (int k = 0; k < 7; k++) {
                char *x = cJSON_PrintUnformatted(cJSON_GetObjectItem(oa, keys[k]));
                char *y = cJSON_PrintUnformatted(cJSON_GetObjectItem(ob, keys[k]));
                cr_assert_str_eq(x, y, "%s", keys[k]);
                free(x); free(y);
            }
            cJSON_Delete(oa);
            la = strtok_r(NULL, "\n", &sa);
            again++;
        }
        cJSON_Delete(ob);
    }
    cr_assert_eq(again, passages);
    free(a);
    free(b);
}

Test(dump, binary_skipped_with_warning_empty_file_ok, .init = setup, .fini = teardown)
{
    unsigned char bin[2048];
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (unsigned char)(i % 7 ? i : 0);
    write_file("bin.txt", (const char *)bin, sizeof bin);
    write_file("empty.txt", "", 0);
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "cp corpus/001_3861efe6e14c2db8.txt %s/x.txt && %s --dump-structure %s 2>&1 >/dev/null",
             dir, tu_bin("indexer"), dir);
    char *err = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", err);
    cr_assert(strstr(err, "bin.txt") && strstr(err, "binary"), "%s", err);
    cr_assert(strstr(err, "2 files, 1 skipped"), "%s", err);
    free(err);
    /* only unusable input: exit 1 */
    snprintf(cmd, sizeof cmd, "%s --dump-structure %s/bin.txt 2>&1 >/dev/null", tu_bin("indexer"), dir);
    err = tu_run(cmd, &st);
    cr_assert_eq(st, 1, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s --dump-structure 2>/dev/null", tu_bin("indexer"));
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 2);
}

/* Many files with the same warning: the first few are printed, the rest counted in one
 * line per kind; the summary's counts stay exact; --verbose prints every one. */
static size_t count_lines(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

Test(dump, repeated_warnings_are_aggregated, .init = setup, .fini = teardown, .timeout = 60)
{
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%02d.txt", i);
        write_file(name, "просто несколько слов без названия\n", strlen("просто несколько слов без названия\n"));
    }
    for (int i = 0; i < 7; i++) {
        char name[32];
        snprintf(name, sizeof name, "b%d.txt", i);
        write_file(name, "\x01\x02\x00\x00binary", 10);
    }
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "%s --dump-structure %s 2>&1 >/dev/null", tu_bin("indexer"), dir);
    char *err = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", err);
    cr_assert_eq(count_lines(err, "no region named"), 5 + 1, "%s", err);
    cr_assert(strstr(err, "... and 35 more like: no region named"), "%s", err);
    cr_assert_eq(count_lines(err, "binary file"), 5 + 1, "%s", err);
    cr_assert(strstr(err, "... and 2 more like: skipped: binary file"), "%s", err);
    cr_assert(strstr(err, "40 files, 7 skipped, "), "%s", err);
    cr_assert(strstr(err, "47 warnings"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s --verbose --dump-structure %s 2>&1 >/dev/null", tu_bin("indexer"), dir);
    err = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", err);
    cr_assert_eq(count_lines(err, "no region named"), 40, "%s", err);
    cr_assert_null(strstr(err, "more like"), "%s", err);
    free(err);
}

/* The whole pipeline: walk, lexicon, parse, writer, commit, summary; --check agrees. */
Test(pipeline, index_the_seeds_then_check, .init = setup, .fini = teardown, .timeout = 120)
{
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "%s -o %s/ix corpus 2>&1", tu_bin("indexer"), dir);
    char *err = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", err);
    cr_assert(strstr(err, "5 files, 0 skipped, "), "%s", err);
    cr_assert_eq(strchr(err, '\n'), strrchr(err, '\n'), "one summary line: %s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s -q --check %s/ix 2>&1", tu_bin("indexer"), dir);
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 0);
    snprintf(cmd, sizeof cmd, "%s -q --no-repair -o %s/ix2 corpus/003_1226d5db7793b8dd.txt 2>&1", tu_bin("indexer"), dir);
    err = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", err);
    cr_assert_str_eq(err, "");
    free(err);
    write_file("bin.txt", "\x01\x02\0\0\0\x7f", 6);
    snprintf(cmd, sizeof cmd, "%s -o %s/ix3 %s/bin.txt 2>&1", tu_bin("indexer"), dir, dir);
    err = tu_run(cmd, &st);
    cr_assert_eq(st, 1, "%s", err);
    cr_assert(strstr(err, "nothing indexable"), "%s", err);
    free(err);
}

/* poisk_input_read_lines: for any part size W, the parts [kW, (k+1)W) hold whole lines
 * and, put together, every byte of the file once, whatever the shape: no final newline, a
 * line longer than W (the parts it covers are empty), CRLF, an empty file. */
Test(input, parts_of_lines_cover_the_file_once, .init = setup, .fini = teardown)
{
    static const char *files[] = {
        "a\nbb\nccc\n", "no final newline\nlast", "\n\n\n", "",
        "short\nthis line is much longer than any of the part sizes tried here\nx\r\ny\r\n",
    };
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n = strlen(files[f]);
        write_file("p.jsonl", files[f], n);
        char path[256];
        snprintf(path, sizeof path, "%s/p.jsonl", dir);
        for (uint64_t w = 1; w <= n + 2; w++) {
            uint64_t parts = n ? (n + w - 1) / w : 1;
            char got[256] = "";
            size_t at = 0;
            for (uint64_t k = 0; k < parts; k++) {
                char *buf;
                size_t len;
                uint64_t off;
                poisk_error err;
                cr_assert_eq(poisk_input_read_lines(path, k * w, (k + 1) * w, k + 1 == parts,
                                                    &buf, &len, &off, &err), POISK_OK);
                cr_assert_eq(off, at, "file %zu w %llu part %llu", f, (unsigned long long)w,
                             (unsigned long long)k);
                cr_assert(len == 0 || off == 0 || files[f][off - 1] == '\n');
                cr_assert(len == 0 || buf[len - 1] == '\n' || off + len == n);
                cr_assert_eq(buf[len], 0);
                memcpy(got + at, buf, len);
                at += len;
                free(buf);
            }
            cr_assert_eq(at, n, "file %zu w %llu", f, (unsigned long long)w);
            cr_assert_eq(memcmp(got, files[f], n), 0);
        }
    }
    char *buf;
    size_t len;
    uint64_t off;
    poisk_error err;
    char path[256];
    snprintf(path, sizeof path, "%s/none.jsonl", dir);
    cr_assert_eq(poisk_input_read_lines(path, 0, 10, 0, &buf, &len, &off, &err), POISK_EIO);
    cr_assert(strstr(err.message, "none.jsonl"), "%s", err.message);
}

/* A JSON-lines file over the part size (POISK_JSONL_PART) is read and parsed in parts on
 * every thread: the same passages, ids (a missing one is "<file>:<line>"), offsets and
 * warnings (with their lines) as one whole read, one file in the summary, and the same
 * index, byte for byte.  A duplicate id in two parts names both lines; a big binary file
 * is skipped once. */
Test(jsonl, a_big_file_in_parts_matches_the_whole_file, .init = setup, .fini = teardown,
     .timeout = 120)
{
    char path[256], cmd[2048];
    snprintf(path, sizeof path, "%s/big.jsonl", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("\xEF\xBB\xBF", f);
    for (int i = 0; i < 600; i++) {
        if (i % 97 == 5)
            fputs("not json\n", f);
        else if (i % 89 == 3)
            fputs("\r\n", f);
        else if (i % 7 == 0)            /* no id: "<file>:<line>" */
            fprintf(f, "{\"region\":\"tambov\",\"section\":6,\"text\":\"телемедицина %d "
                    "цифровая платформа здравоохранения\"}\r\n", i);
        else
            fprintf(f, "{\"id\":\"p%d\",\"region\":\"%s\",\"section\":\"proekty\",\"text\":\""
                    "проект %d образовательной платформы региона\"}\n", i,
                    i % 50 == 1 ? "Марс" : "orenburg", i);
    }
    fprintf(f, "{\"id\":\"last\",\"text\":\"без перевода строки\"}");
    fclose(f);
    int st;
    char *whole[2], want[800];
    for (int out = 0; out < 2; out++) {     /* stdout: the passages; stderr: the messages */
        snprintf(cmd, sizeof cmd, "%s --dump-structure %s %s | grep -v '\"kind\":\"document\"' "
                 "| sed 's/, [0-9.]* s,/,/'", tu_bin("indexer"), path,
                 out ? "2>&1 >/dev/null" : "2>/dev/null");
        whole[out] = tu_run(cmd, &st);
        cr_assert_eq(st, 0, "%s", whole[out]);
    }
    snprintf(want, sizeof want, "\"id\":\"%s:8\"", path);
    cr_assert(strstr(whole[0], want), "a default id by line: %s", want);
    snprintf(want, sizeof want, "%s:6: not a JSON object", path);
    cr_assert(strstr(whole[1], want), "%s", whole[1]);
    cr_assert(strstr(whole[1], "1 files, 0 skipped, "), "%s", whole[1]);
    for (int t = 1; t <= 3; t++)
        for (int out = 0; out < 2; out++) {
            snprintf(cmd, sizeof cmd, "POISK_JSONL_PART=4096 %s --threads %d --dump-structure %s "
                     "%s | grep -v '\"kind\":\"document\"' | sed 's/, [0-9.]* s,/,/'",
                     tu_bin("indexer"), t, path, out ? "2>&1 >/dev/null" : "2>/dev/null");
            char *parts = tu_run(cmd, &st);
            cr_assert_eq(st, 0, "%s", parts);
            cr_assert_str_eq(parts, whole[out], "threads %d, %s", t, out ? "stderr" : "stdout");
            free(parts);
        }
    free(whole[0]);
    free(whole[1]);
    snprintf(cmd, sizeof cmd, "%s -q -o %s/ix1 %s && POISK_JSONL_PART=4096 %s -q --threads 2 "
             "-o %s/ix2 %s && diff -r %s/ix1 %s/ix2 && %s -q --check %s/ix2", tu_bin("indexer"),
             dir, path, tu_bin("indexer"), dir, path, dir, dir, tu_bin("indexer"), dir);
    char *out = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    /* a duplicate id far apart: found across parts */
    f = fopen(path, "a");
    fputs("\n{\"id\":\"p1\",\"text\":\"повтор\"}\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "POISK_JSONL_PART=4096 %s -q --threads 2 -o %s/ix3 %s 2>&1",
             tu_bin("indexer"), dir, path);
    out = tu_run(cmd, &st);
    cr_assert_eq(st, 1, "%s", out);
    snprintf(want, sizeof want, "%s:602: duplicate id 'p1' (first at %s:2)", path, path);
    cr_assert(strstr(out, want), "%s", out);
    free(out);
    /* binary: skipped once, however many parts */
    unsigned char bin[20000];
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (unsigned char)(i * 7919 % 251);
    write_file("bin.jsonl", (const char *)bin, sizeof bin);
    snprintf(cmd, sizeof cmd, "POISK_JSONL_PART=4096 %s --threads 2 --dump-structure %s/bin.jsonl "
             "corpus/003_1226d5db7793b8dd.txt 2>&1 >/dev/null", tu_bin("indexer"), dir);
    out = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "1 files, 1 skipped, "), "%s", out);
    char *first = strstr(out, "binary");
    cr_assert(first && !strstr(first + 1, "binary"), "one skip message: %s", out);
    free(out);
}
