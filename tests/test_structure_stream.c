/* test_structure_stream.c: a huge file parsed in windows (indexer/structure_stream.c)
 * gives the passages of a whole-file parse: same byte ranges, ids, sections, sectors,
 * subsections, projects and texts.  Small windows (4 KiB and up) stand in for the 32 MiB
 * ones, so a seed spans dozens of windows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "structure.h"
#include "structure_stream.h"

/* One passage as a line of text, everything the index receives but its pages (pages: the
 * printed page range, in *pages). */
static char *passage_line(const poisk_passage *p, uint64_t *pages)
{
    *pages = p->n_pages ? ((uint64_t)p->pages[0] << 32 | p->pages[p->n_pages - 1]) : 0;
    size_t cap = p->text_len + 1024;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    int n = snprintf(s, cap, "%s|%s|%d|%s|%s|%s|%llu-%llu|", p->id, p->region,
                     (int)p->section, p->sector ? p->sector : "-",
                     p->subsection ? p->subsection : "-", p->project ? p->project : "-",
                     (unsigned long long)p->byte_start, (unsigned long long)p->byte_end);
    memcpy(s + n, p->text, p->text_len);
    s[n + p->text_len] = 0;
    return s;
}

typedef struct lines { char **l; uint64_t *at, *pg; size_t n, cap; } lines;

static void push(lines *ls, const poisk_passage *p)
{
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? 2 * ls->cap : 256;
        ls->l = realloc(ls->l, ls->cap * sizeof *ls->l);
        ls->at = realloc(ls->at, ls->cap * sizeof *ls->at);
        ls->pg = realloc(ls->pg, ls->cap * sizeof *ls->pg);
        cr_assert(ls->l && ls->at && ls->pg);
    }
    ls->at[ls->n] = p->byte_start;
    ls->l[ls->n] = passage_line(p, &ls->pg[ls->n]);
    ls->n++;
}

static void lines_free(lines *ls)
{
    for (size_t i = 0; i < ls->n; i++) free(ls->l[i]);
    free(ls->l);
    free(ls->at);
    free(ls->pg);
}

static lines whole(const char *path)
{
    size_t len;
    char *text = tu_read_file(path, &len);
    cr_assert_not_null(text, "%s", path);
    poisk_document *d;
    poisk_error err;
    cr_assert_eq(poisk_document_parse(path, text, len, &d, &err), POISK_OK);
    lines ls = { 0 };
    for (size_t i = 0; i < poisk_document_passage_count(d); i++)
        push(&ls, poisk_document_passage(d, i));
    poisk_document_free(d);
    free(text);
    return ls;
}

static lines windowed(const char *path, size_t window, size_t *parts)
{
    poisk_doc_stream *s;
    poisk_error err;
    cr_assert_eq(poisk_doc_stream_open(path, window, &s, &err), POISK_OK);
    lines ls = { 0 };
    *parts = 0;
    for (;;) {
        poisk_document *d;
        const char *text;
        size_t len;
        cr_assert_eq(poisk_doc_stream_next(s, &d, &text, &len, &err), POISK_OK, "%s", err.message);
        if (!d) break;
        ++*parts;
        for (size_t i = 0; i < poisk_document_passage_count(d); i++)
            push(&ls, poisk_document_passage(d, i));
        poisk_document_free(d);
    }
    poisk_doc_stream_close(s);
    return ls;
}

/* Number of passages that differ (printed) between the two parses; *pages: of the same
 * passages, how many have another page range. */
static size_t compare(const char *path, size_t window, size_t *parts, size_t *n, size_t *pages)
{
    lines a = whole(path), b = windowed(path, window, parts);
    size_t diff = 0, i = 0, j = 0;
    *pages = 0;
    while (i < a.n || j < b.n) {          /* merge by byte_start */
        if (i < a.n && j < b.n && !strcmp(a.l[i], b.l[j])) {
            *pages += a.pg[i] != b.pg[j];
            i++; j++;
            continue;
        }
        int left = j >= b.n || (i < a.n && a.at[i] <= b.at[j]);
        int right = i >= a.n || (j < b.n && b.at[j] <= a.at[i]);
        if (diff++ < 3)
            fprintf(stderr, "%s window %zu:\n  whole:    %.200s\n  windowed: %.200s\n", path,
                    window, left ? a.l[i] : "(none)", right ? b.l[j] : "(none)");
        if (left) i++;
        if (right) j++;
    }
    *n = a.n;
    lines_free(&a);
    lines_free(&b);
    return diff;
}

/* The seeds (250-370 KB) in windows of 100-300 KB: 1 to 4 parts each.  Passages are the
 * same; printed page numbers are found per window, so a passage near a window's edge may
 * get another page range (a few in a hundred at these sizes; at 32 MiB windows, a few in
 * a million). */
Test(stream, seeds_in_small_windows_match_the_whole_file_parse, .timeout = 120)
{
    static const char *const files[] = { "corpus/000_6d545a6ce98a1d7f.txt",
        "corpus/001_3861efe6e14c2db8.txt", "corpus/002_9b4cadca6ea1cf96.txt",
        "corpus/003_1226d5db7793b8dd.txt", "corpus/004_c48ce2c96f8ff17a.txt" };
    static const size_t windows[] = { 400000, 300000, 150000, 100000 };
    size_t multi = 0;
    for (size_t f = 0; f < 5; f++)
        for (size_t w = 0; w < 4; w++) {
            size_t parts, n, pages, diff = compare(files[f], windows[w], &parts, &n, &pages);
            cr_assert_eq(diff, 0, "%s, window %zu: %zu of %zu passages differ", files[f],
                         windows[w], diff, n);
            cr_assert_leq(pages * 50, n, "%s, window %zu: %zu page ranges differ", files[f],
                          windows[w], pages);
            if (parts == 1) cr_assert_eq(pages, 0, "%s: one window, pages differ", files[f]);
            multi += parts > 2;
        }
    cr_assert_geq(multi, 5);
}

/* The indexer streams a file over the window (POISK_STRUCTURE_WINDOW): one file in the
 * summary, the same passage ids and texts as a whole-file run, and an index that checks. */
static char *passages_of_dump(const char *cmd, size_t *n)
{
    int st;
    char *out = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", out);
    /* keep the id and text of each passage record, one per line */
    size_t cap = strlen(out) + 1, o = 0;
    char *keep = malloc(cap);
    cr_assert_not_null(keep);
    *n = 0;
    for (char *line = out; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        if (strstr(line, "{\"kind\":\"passage\"") == line) {
            char *id = strstr(line, "\"id\":"), *text = strstr(line, "\"text\":");
            char *region = strstr(line, "\"region\":");
            cr_assert(id && text && region);
            size_t l1 = (size_t)(region - id), l2 = strlen(text);
            memcpy(keep + o, id, l1); o += l1;
            memcpy(keep + o, text, l2); o += l2;
            keep[o++] = '\n';
            ++*n;
        }
        line = nl ? nl + 1 : NULL;
    }
    keep[o] = 0;
    free(out);
    return keep;
}

Test(stream, indexer_streams_a_file_over_the_window, .timeout = 120)
{
    char dir[] = "/tmp/poisk_stream_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp corpus/004_c48ce2c96f8ff17a.txt %s/big.txt", dir);
    cr_assert_eq(system(cmd), 0);
    size_t n0, n1;
    snprintf(cmd, sizeof cmd, "%s --dump-structure %s/big.txt 2>/dev/null", tu_bin("indexer"), dir);
    char *a = passages_of_dump(cmd, &n0);
    snprintf(cmd, sizeof cmd, "POISK_STRUCTURE_WINDOW=90000 %s --dump-structure %s/big.txt 2>/dev/null",
             tu_bin("indexer"), dir);
    char *b = passages_of_dump(cmd, &n1);
    cr_assert_gt(n0, 100);
    cr_assert_eq(n0, n1);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    int st;
    snprintf(cmd, sizeof cmd, "POISK_STRUCTURE_WINDOW=90000 %s --threads 2 -o %s/ix %s/big.txt 2>&1 && "
             "%s -q --check %s/ix 2>&1", tu_bin("indexer"), dir, dir, tu_bin("indexer"), dir);
    char *err = tu_run(cmd, &st);
    cr_assert_eq(st, 0, "%s", err);
    cr_assert(strstr(err, "1 files, 0 skipped, "), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Hostile shapes in tiny windows: one long word (no place to cut), no line breaks,
 * damaged UTF-8, numbers only.  Every part parses; passages come in order, never overlap,
 * stay inside the file and cover its words. */
Test(stream, odd_texts_in_tiny_windows, .timeout = 120)
{
    static const char *const pieces[] = { "ж", "Раздел ", "1 ", "\n", "  ", "\xd0", "\xff",
        "Ставропольский край ", "пп Наименование проекта ", "12 ", "рекомендовано ФОИ ",
        "\xc2\xad", "слово ", "4.1 Образование ", "Цифровой помощник учителя " };
    char path[] = "/tmp/poisk_stream_odd_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unsigned seed = 12345;
    for (int shape = 0; shape < 4; shape++) {
        cr_assert_eq(ftruncate(fd, 0), 0);
        cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
        size_t total = 0;
        while (total < 60000) {
            seed = seed * 1103515245u + 12345u;
            size_t k = shape == 0 ? 0 : shape == 3 ? 8 + (seed >> 16) % 2 * 1 : (seed >> 16) % 15;
            const char *s = pieces[k];
            if (shape == 1 && strchr(s, '\n')) continue;
            size_t l = strlen(s);
            cr_assert_eq(write(fd, s, l), (ssize_t)l);
            total += l;
        }
        poisk_doc_stream *st;
        poisk_error err;
        cr_assert_eq(poisk_doc_stream_open(path, 4096, &st, &err), POISK_OK);
        uint64_t at = 0, covered = 0;
        size_t parts = 0;
        for (;;) {
            poisk_document *d;
            const char *text;
            size_t len;
            int rc = poisk_doc_stream_next(st, &d, &text, &len, &err);
            if (rc == POISK_EINPUT) break;                 /* looked binary: skipped */
            cr_assert_eq(rc, POISK_OK, "%s", err.message);
            if (!d) break;
            parts++;
            covered += len;
            for (size_t i = 0; i < poisk_document_passage_count(d); i++) {
                const poisk_passage *p = poisk_document_passage(d, i);
                cr_assert_geq(p->byte_start, at, "shape %d: passages overlap", shape);
                cr_assert_gt(p->byte_end, p->byte_start);
                cr_assert_leq(p->byte_end, total);
                at = p->byte_end;
            }
            poisk_document_free(d);
        }
        if (parts) cr_assert_eq(covered, total, "shape %d: parts cover %llu of %zu bytes", shape,
                                (unsigned long long)covered, total);
        poisk_doc_stream_close(st);
    }
    close(fd);
    unlink(path);
}
