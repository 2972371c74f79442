/* test_output.c: what the searcher prints: JSON lines (parsed with cJSON, every field round-
 * tripped against the C API), text with highlights, TSV, --count, --by-region, --explain,
 * --batch, and the command line's exit codes. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "poisk/search.h"
#include "poisk/analyzer.h"
#include "writer.h"

static char dir[64];

static const struct {
    const char *region, *sector, *subsection, *project, *text;
    poisk_section section;
    uint32_t pages[2];
    size_t n_pages;
} docs[] = {
    { "stavropol", "health", NULL, "3", "Внедрение телемедицинских технологий в медицинских "
      "организациях края.\tОхват\nмедицинские услуги удалённо.", POISK_SECTION_PROEKTY, { 61, 62 }, 2 },
    { "stavropol", NULL, "1.1", NULL, "Основания разработки стратегии: указ Президента.",
      POISK_SECTION_OSNOVNYE, { 3 }, 1 },
    { "tambov", "health", NULL, "Телемедицина", "Медицинская информационная система и "
      "телемедицинские консультации для медицинских работников.", POISK_SECTION_PROEKTY, { 0 }, 0 },
    { "tambov", "edu", NULL, NULL, "Библиотека цифрового образовательного контента для школ.",
      POISK_SECTION_PROEKTY, { 40 }, 1 },
    { "krasnodar", "health", NULL, NULL, "Доля медицинских организаций, подключённых к ЕГИСЗ.",
      POISK_SECTION_POKAZATELI, { 80 }, 1 },
};

static void build(void)
{
    strcpy(dir, "/tmp/poisk-output-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    poisk_writer_options wo = { 0 };
    wo.threads = 1;
    poisk_writer *w;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_writer_create(dir, &wo, &w, &err), POISK_OK, "%s", err.message);
    uint64_t at = 0;
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        char id[64];
        snprintf(id, sizeof id, "corpus/x.txt:%llu", (unsigned long long)at);
        poisk_passage p = { 0 };
        p.id = id;
        p.region = docs[i].region;
        p.section = docs[i].section;
        p.sector = docs[i].sector;
        p.subsection = docs[i].subsection;
        p.project = docs[i].project;
        p.pages = docs[i].pages;
        p.n_pages = docs[i].n_pages;
        p.file = "corpus/x.txt";
        p.byte_start = at;
        p.text = docs[i].text;
        p.text_len = strlen(docs[i].text);
        p.byte_end = at + p.text_len;
        at = p.byte_end + 1;
        cr_assert_eq(poisk_writer_add(w, &p, &err), POISK_OK, "%s", err.message);
    }
    poisk_writer_summary s;
    cr_assert_eq(poisk_writer_commit(w, &s, &err), POISK_OK, "%s", err.message);
    poisk_writer_free(w);
}

static void clean(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(output, .init = build, .fini = clean, .timeout = 60);

static char *searcher(const char *args, int *status)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -i %s %s", tu_bin("searcher"), dir, args);
    return tu_run(cmd, status);
}

static const char *const hit_fields[] = {
    "rank", "score", "id", "region", "region_name", "section", "sector", "subsection",
    "project", "pages", "file", "byte_start", "byte_end", "snippet", "highlights", NULL
};

static void check_str(const cJSON *o, const char *name, const char *want)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    cr_assert_not_null(v, "field %s missing", name);
    if (!want) {
        cr_assert(cJSON_IsNull(v), "%s should be null", name);
        return;
    }
    cr_assert(cJSON_IsString(v), "%s should be a string", name);
    cr_assert_str_eq(v->valuestring, want, "field %s", name);
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    cr_assert(cJSON_IsNumber(v), "field %s should be a number", name);
    return v->valuedouble;
}

Test(output, json_lines_parse_and_round_trip_every_field)
{
    int st;
    char *out = searcher("--json -k 10 'медицинские услуги'", &st);
    cr_assert_eq(st, 0);
    poisk_index *idx;
    cr_assert_eq(poisk_index_open(dir, &idx, NULL), POISK_OK);
    poisk_search_options o;
    poisk_search_options_init(&o);
    poisk_results *r;
    cr_assert_eq(poisk_search(idx, "медицинские услуги", &o, &r, NULL), POISK_OK);
    cr_assert_gt(poisk_results_count(r), 1);
    size_t n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), n++) {
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o, "not JSON: %s", line);
        const poisk_hit *h = poisk_results_hit(r, n);
        cr_assert_not_null(h);
        size_t fields = 0;
        for (const cJSON *f = o->child; f; f = f->next)
            fields++;
        for (size_t i = 0; hit_fields[i]; i++)
            cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(o, hit_fields[i]), "%s", hit_fields[i]);
        cr_assert_eq(fields, 15, "exactly the documented fields");
        cr_assert_eq(num(o, "rank"), (double)n + 1);
        cr_assert_eq(num(o, "score"), h->score, "the score must round-trip exactly: %.17g vs %.17g", num(o, "score"), h->score);
        check_str(o, "id", h->passage.id);
        check_str(o, "region", h->passage.region);
        check_str(o, "region_name", h->region_name);
        check_str(o, "section", poisk_section_id(h->passage.section));
        check_str(o, "sector", h->passage.sector);
        check_str(o, "subsection", h->passage.subsection);
        check_str(o, "project", h->passage.project);
        check_str(o, "file", h->passage.file);
        check_str(o, "snippet", h->snippet);
        cr_assert_eq(num(o, "byte_start"), (double)h->passage.byte_start);
        cr_assert_eq(num(o, "byte_end"), (double)h->passage.byte_end);
        const cJSON *pages = cJSON_GetObjectItemCaseSensitive(o, "pages");
        cr_assert(cJSON_IsArray(pages));
        cr_assert_eq((size_t)cJSON_GetArraySize(pages), h->passage.n_pages);
        for (size_t i = 0; i < h->passage.n_pages; i++)
            cr_assert_eq(cJSON_GetArrayItem(pages, (int)i)->valuedouble, h->passage.pages[i]);
        const cJSON *hl = cJSON_GetObjectItemCaseSensitive(o, "highlights");
        cr_assert_eq((size_t)cJSON_GetArraySize(hl), h->n_highlights);
        for (size_t i = 0; i < h->n_highlights; i++) {
            const cJSON *pair = cJSON_GetArrayItem(hl, (int)i);
            cr_assert_eq(cJSON_GetArrayItem(pair, 0)->valuedouble, h->highlights[i][0]);
            cr_assert_eq(cJSON_GetArrayItem(pair, 1)->valuedouble, h->highlights[i][1]);
        }
        cJSON_Delete(o);
    }
    cr_assert_eq(n, poisk_results_count(r));
    /* the public JSON array holds the same objects */
    size_t len;
    char *arr = poisk_results_json_hits(r, &len);
    cJSON *a = cJSON_Parse(arr);
    cr_assert(cJSON_IsArray(a));
    cr_assert_eq((size_t)cJSON_GetArraySize(a), n);
    cJSON_Delete(a);
    free(arr);
    poisk_results_free(r);
    poisk_index_close(idx);
    free(out);
}

/* Every highlighted span is a surface form whose stem is the query's. */
Test(output, snippets_highlight_every_stemmed_form)
{
    poisk_index *idx;
    cr_assert_eq(poisk_index_open(dir, &idx, NULL), POISK_OK);
    poisk_results *r;
    cr_assert_eq(poisk_search(idx, "медицинские", NULL, &r, NULL), POISK_OK);
    cr_assert_eq(poisk_results_count(r), 3);
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), POISK_OK);
    size_t forms = 0;
    for (size_t i = 0; i < poisk_results_count(r); i++) {
        const poisk_hit *h = poisk_results_hit(r, i);
        cr_assert_gt(h->n_highlights, 0);
        for (size_t j = 0; j < h->n_highlights; j++) {
            const char *s = h->snippet + h->highlights[j][0];
            size_t l = h->highlights[j][1] - h->highlights[j][0];
            poisk_token tok;
            poisk_analyzer_reset(a, s, l);
            cr_assert(poisk_analyzer_next(a, &tok));
            cr_assert_eq(tok.term_len, strlen("медицинск"));
            cr_assert(memcmp(tok.term, "медицинск", tok.term_len) == 0, "%.*s", (int)l, s);
            forms++;
        }
    }
    cr_assert_geq(forms, 4, "медицинских, медицинские, Медицинская ... all highlighted");
    poisk_analyzer_free(a);
    poisk_results_free(r);
    poisk_index_close(idx);
}

Test(output, text_marks_matches_with_brackets_off_a_terminal)
{
    int st;
    char *out = searcher("'телемедицинские технологии'", &st);
    cr_assert_eq(st, 0);
    cr_assert(strstr(out, "[телемедицинских]"), "%s", out);
    cr_assert(strstr(out, "[технологий]"), "%s", out);
    cr_assert(strstr(out, "stavropol (Ставропольский край)"), "%s", out);
    cr_assert_null(strstr(out, "\033["), "no ANSI codes off a terminal");
    free(out);
}

Test(output, tsv_has_seven_columns)
{
    int st;
    char *out = searcher("--tsv медицинских", &st);
    cr_assert_eq(st, 0);
    int lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        int tabs = 0;
        for (char *p = line; *p; p++)
            tabs += *p == '\t';
        cr_assert_eq(tabs, 6, "%s", line);
    }
    cr_assert_eq(lines, 3);
    free(out);
}

Test(output, count_adds_a_total_line)
{
    int st;
    char *out = searcher("--json --count -k 1 медицинских", &st);
    cr_assert_eq(st, 0);
    char *last = strrchr(out, '{');
    cJSON *t = cJSON_Parse(last);
    cr_assert_not_null(t);
    cr_assert_eq(num(t, "total"), 3);
    cJSON_Delete(t);
    free(out);
}

Test(output, by_region_lines)
{
    int st;
    char *out = searcher("--json --by-region медицинских", &st);
    cr_assert_eq(st, 0);
    int n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), n++) {
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o);
        cr_assert(cJSON_IsString(cJSON_GetObjectItem(o, "region")));
        cr_assert(cJSON_IsString(cJSON_GetObjectItem(o, "region_name")));
        cr_assert_geq(num(o, "matches"), 1);
        cr_assert(cJSON_IsArray(cJSON_GetObjectItem(o, "hits")));
        cJSON_Delete(o);
    }
    cr_assert_eq(n, 3, "stavropol, tambov, krasnodar");
    free(out);
}

Test(output, explain_contributions_add_up_to_the_score)
{
    int st;
    char *out = searcher("--json --explain 'медицинских организациях'", &st);
    cr_assert_eq(st, 0);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        const cJSON *e = cJSON_GetObjectItem(o, "explain");
        cr_assert_not_null(e);
        double sum = 0;
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(e, "terms")) {
            cr_assert_gt(num(t, "idf"), 0);
            cr_assert_geq(num(t, "tf"), 1);
            sum += num(t, "contribution");
        }
        cr_assert_float_eq(sum, num(o, "score"), 1e-9);
        cJSON_Delete(o);
    }
    free(out);
}

Test(output, batch_keeps_going_after_a_bad_query)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "printf '%%s\\n' 'медицинских' '\"unbalanced' "
             "'{\"q\": \"медицинских\", \"k\": 1, \"count\": true, \"region\": [\"tambov\"]}' "
             "'{\"q\": 5}' 'и в на' | %s -i %s --batch", tu_bin("searcher"), dir);
    int st;
    char *out = tu_run(cmd, &st);
    cr_assert_eq(st, 0);
    const char *codes[] = { NULL, "syntax", NULL, "invalid", "stopwords_only" };
    int n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), n++) {
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o, "%s", line);
        cr_assert_eq(num(o, "query"), n + 1);
        const cJSON *e = cJSON_GetObjectItem(o, "error");
        if (codes[n]) {
            cr_assert_not_null(e, "%s", line);
            cr_assert_str_eq(cJSON_GetObjectItem(e, "code")->valuestring, codes[n]);
            cr_assert(cJSON_IsString(cJSON_GetObjectItem(e, "message")));
        } else {
            cr_assert_null(e, "%s", line);
            cr_assert(cJSON_IsArray(cJSON_GetObjectItem(o, "hits")));
            cr_assert_geq(num(o, "took_us"), 0);
        }
        if (n == 2) {
            cr_assert_eq(num(o, "total"), 1);
            const cJSON *hits = cJSON_GetObjectItem(o, "hits");
            cr_assert_eq(cJSON_GetArraySize(hits), 1);
            check_str(cJSON_GetArrayItem(hits, 0), "region", "tambov");
        }
        cJSON_Delete(o);
    }
    cr_assert_eq(n, 5);
    free(out);
}

Test(output, exit_codes_and_one_line_errors)
{
    int st;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -i %s '\"open' 2>&1 >/dev/null", tu_bin("searcher"), dir);
    char *err = tu_run(cmd, &st);
    cr_assert_eq(st, 2);
    cr_assert(strstr(err, "syntax"), "%s", err);
    cr_assert_eq(strchr(err, '\n'), strrchr(err, '\n'), "one line: %s", err);
    free(err);
    const char *bad[] = { "'x foo:bar'", "'и в на'", "-- -медицинских", "-k 0 x", "--weight nope=2 x",
                          "-k 20000 x" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(cmd, sizeof cmd, "%s -i %s %s 2>/dev/null", tu_bin("searcher"), dir, bad[i]);
        free(tu_run(cmd, &st));
        cr_assert_eq(st, 2, "%s", bad[i]);
    }
    free(searcher("-- -телемедицина медицинских", &st));
    cr_assert_eq(st, 0, "-- lets a query start with -");
    free(searcher("несуществующееслово", &st));
    cr_assert_eq(st, 0, "no results is not an error");
    snprintf(cmd, sizeof cmd, "%s -i /nonexistent/index x 2>/dev/null", tu_bin("searcher"));
    free(tu_run(cmd, &st));
    cr_assert_eq(st, 1);
    snprintf(cmd, sizeof cmd, "POISK_INDEX=%s %s --count медицинских", dir, tu_bin("searcher"));
    char *out = tu_run(cmd, &st);
    cr_assert_eq(st, 0);
    cr_assert(strstr(out, "total: 3"), "%s", out);
    free(out);
    /* a 100 KB query */
    snprintf(cmd, sizeof cmd, "%s -i %s \"$(head -c 102400 /dev/zero | tr '\\0' 'a')\" 2>&1",
             tu_bin("searcher"), dir);
    out = tu_run(cmd, &st);
    cr_assert_eq(st, 2);
    cr_assert(strstr(out, "too_long"), "%s", out);
    free(out);
}
