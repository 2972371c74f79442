/* test_query.c: the query language (searcher/query.c): grammar, precedence, signs, filters,
 * every error kind, and the analysis of words into index terms. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "query.h"
#include "poisk/search.h"

/* The tree as a compact string: BOOL "(...)", +MUST, -NOT, PREFIX "x*", EXACT "=x",
 * PHRASE "\"..\"" (analysed: positions joined by " ", alternatives by "|", "_" gaps). */
static void dump(const poisk_query *q, const poisk_qnode *n, char *out, size_t cap)
{
    size_t l = strlen(out);
    switch (n->kind) {
    case QN_WORD:   snprintf(out + l, cap - l, "%s", n->text); break;
    case QN_EXACT:  snprintf(out + l, cap - l, "=%s", n->text); break;
    case QN_PREFIX: snprintf(out + l, cap - l, "%s*", n->text); break;
    case QN_TERM:
        snprintf(out + l, cap - l, "%s%s", q->terms[n->term].exact ? "=" : "",
                 q->terms[n->term].text);
        break;
    case QN_PHRASE:
        if (!n->n_pos) {
            snprintf(out + l, cap - l, "\"%s\"", n->text);
            break;
        }
        strncat(out, "\"", cap - l - 1);
        for (size_t i = 0; i < n->n_pos; i++) {
            if (i) {
                uint32_t gap = n->pos[i].offset - n->pos[i - 1].offset;
                strncat(out, gap > 1 ? " _ " : " ", cap - strlen(out) - 1);
            }
            for (size_t j = 0; j < n->pos[i].n_alt; j++) {
                if (j)
                    strncat(out, "|", cap - strlen(out) - 1);
                strncat(out, q->terms[n->pos[i].alt[j]].text, cap - strlen(out) - 1);
            }
        }
        strncat(out, "\"", cap - strlen(out) - 1);
        break;
    case QN_BOOL:
        strncat(out, "(", cap - l - 1);
        for (size_t i = 0; i < n->n_cl; i++) {
            if (i)
                strncat(out, " ", cap - strlen(out) - 1);
            if (n->cl[i].occ == Q_MUST)
                strncat(out, "+", cap - strlen(out) - 1);
            if (n->cl[i].occ == Q_NOT)
                strncat(out, "-", cap - strlen(out) - 1);
            dump(q, n->cl[i].node, out, cap);
        }
        strncat(out, ")", cap - strlen(out) - 1);
        break;
    }
}

static char dumped[4096];

static const char *parse(const char *text, int all, int *rc, poisk_error *err)
{
    poisk_query *q;
    poisk_query_limits lim = { 8192, 32 };
    dumped[0] = 0;
    *rc = poisk_query_parse(text, strlen(text), all, &lim, &q, err);
    if (*rc)
        return NULL;
    dump(q, q->root, dumped, sizeof dumped);
    for (size_t i = 0; i < q->n_filters; i++) {
        size_t l = strlen(dumped);
        snprintf(dumped + l, sizeof dumped - l, " %s%s:%s", q->filters[i].negated ? "-" : "",
                 q->filters[i].kind == QF_SECTION ? "section"
                 : q->filters[i].kind == QF_SECTOR ? "sector" : "region",
                 q->filters[i].value);
    }
    poisk_query_free(q);
    return dumped;
}

static void expect(const char *text, int all, const char *tree)
{
    int rc;
    poisk_error err = { 0 };
    const char *got = parse(text, all, &rc, &err);
    cr_assert_eq(rc, POISK_OK, "'%s': %s", text, err.message);
    cr_assert_str_eq(got, tree, "'%s' parsed as %s, expected %s", text, got, tree);
}

static void expect_error(const char *text, int code)
{
    int rc;
    poisk_error err = { 0 };
    parse(text, 0, &rc, &err);
    cr_assert_eq(rc, code, "'%s' gave %d (%s), expected %s", text, rc, err.message,
                 poisk_errcode_name(code));
    cr_assert(err.message[0], "an error needs a message");
    cr_assert_null(strchr(err.message, '\n'), "one line: %s", err.message);
}

Test(query_parse, words_are_ranked_or_by_default_and_and_with_all)
{
    expect("цифровая платформа", 0, "(цифровая платформа)");
    expect("цифровая платформа", 1, "(+цифровая +платформа)");
}

Test(query_parse, and_binds_tighter_than_or)
{
    expect("a AND b OR c", 0, "(((+a +b) c))");
    expect("a OR b AND c", 0, "((a (+b +c)))");
    expect("a OR b OR c d", 0, "((a b c) d)");
    expect("(a OR b) AND c", 0, "((+(a b) +c))");
    expect("x (a OR b) y", 1, "(+x +(a b) +y)");
}

Test(query_parse, lower_case_and_or_are_words)
{
    expect("a and b or c", 0, "(a and b or c)");
}

Test(query_parse, signs_mark_required_and_excluded)
{
    expect("+a -b c", 0, "(+a -b c)");
    expect("a AND -b", 0, "((+a -b))");
    expect("-(a b) c", 0, "(-(a b) c)");
    expect("a - b", 0, "(a b)");   /* a lone dash is punctuation */
}

Test(query_parse, phrases_prefixes_and_exact_forms)
{
    expect("\"цифровой помощник ученика\" телемедицин* =Цифровой", 0,
           "(\"цифровой помощник ученика\" телемедицин* =Цифровой)");
    expect("телемедицин**", 0, "(телемедицин*)");
}

Test(query_parse, filters_are_collected_canonical_and_negatable)
{
    expect("x section:proekty sector:HEALTH region:stavropol", 0,
           "(x) section:proekty sector:health region:stavropol");
    expect("x region:Ставропольский -region:tambov section:6", 0,
           "(x) region:stavropol -region:tambov section:proekty");
    expect("x region:\"Ставропольский край\" region:Ставропольского", 0,
           "(x) region:stavropol region:stavropol");
    expect("x (region:stavropol)", 0, "(x) region:stavropol");
}

Test(query_parse, colon_words_that_are_not_filters_stay_words)
{
    expect("12:00 x", 0, "(12:00 x)");
}

Test(query_parse, syntax_errors)
{
    expect_error("\"цифровой помощник", POISK_ESYNTAX);
    expect_error("(a b", POISK_ESYNTAX);
    expect_error("a b)", POISK_ESYNTAX);
    expect_error("a AND", POISK_ESYNTAX);
    expect_error("AND a", POISK_ESYNTAX);
    expect_error("a OR OR b", POISK_ESYNTAX);
    expect_error("*", POISK_ESYNTAX);
    expect_error("теле*медицина", POISK_ESYNTAX);
    expect_error("=", POISK_ESYNTAX);
    expect_error("=abc*", POISK_ESYNTAX);
    expect_error("--a b", POISK_ESYNTAX);
    expect_error("+a OR b", POISK_ESYNTAX);
    expect_error("", POISK_ESYNTAX);
    expect_error("   ", POISK_ESYNTAX);
    expect_error("region:stavropol", POISK_ESYNTAX);   /* filters alone do not rank */
}

Test(query_parse, only_exclusions_is_a_syntax_error)
{
    expect_error("-цифровой", POISK_ESYNTAX);
    expect_error("-a -b", POISK_ESYNTAX);
    expect_error("-a AND -b", POISK_ESYNTAX);
    expect_error("x (-a)", POISK_ESYNTAX);
}

Test(query_parse, unknown_filters_and_values)
{
    expect_error("x foo:bar", POISK_EFILTER);
    expect_error("x section:nowhere", POISK_EFILTER);
    expect_error("x sector:space", POISK_EFILTER);
    expect_error("x region:atlantis", POISK_EFILTER);
}

Test(query_parse, limits)
{
    size_t n = 100 * 1024;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 10 == 9 ? ' ' : 'a';
    big[n] = 0;
    expect_error(big, POISK_ETOOLONG);
    free(big);
    char deep[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "(");
    strcat(deep, "a");
    for (int i = 0; i < 40; i++)
        strcat(deep, ")");
    expect_error(deep, POISK_ETOOLONG);
    char nul[] = "a\0b";
    int rc;
    poisk_query *q;
    cr_assert_eq(poisk_query_parse(nul, 3, 0, NULL, &q, NULL), POISK_ESYNTAX);
    (void)rc;
}

Test(query_parse, garbage_never_crashes)
{
    /* every byte pattern ends in OK or a query error */
    unsigned seed = 7;
    const char *alphabet[] = { "a", " ", "(", ")", "\"", "*", "=", "+", "-", ":", "AND", "OR",
                               "region:", "section:", "ц", "\xD0", "\xFF", "x" };
    for (int round = 0; round < 3000; round++) {
        char text[128] = "";
        int n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 12;
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            strcat(text, alphabet[(seed >> 16) % (sizeof alphabet / sizeof *alphabet)]);
        }
        int rc;
        poisk_error err = { 0 };
        parse(text, round & 1, &rc, &err);
        cr_assert(rc == POISK_OK || rc == POISK_ESYNTAX || rc == POISK_EFILTER ||
                  rc == POISK_ETOOLONG, "'%s' -> %d", text, rc);
    }
}

/* ---- analysis ---------------------------------------------------------------------------- */

static int abbrev_foi(void *ctx, const char *form, size_t len)
{
    (void)ctx;
    return len == strlen("фои") && memcmp(form, "фои", len) == 0;
}

static const char *analyse(const char *text, int all, int *rc, poisk_error *err)
{
    poisk_query *q;
    dumped[0] = 0;
    *rc = poisk_query_parse(text, strlen(text), all, NULL, &q, err);
    if (*rc)
        return NULL;
    poisk_analyzer_options o = { 0 };
    o.is_abbrev = abbrev_foi;
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(&o, &a), POISK_OK);
    *rc = poisk_query_analyze(q, a, err);
    if (!*rc)
        dump(q, q->root, dumped, sizeof dumped);
    poisk_analyzer_free(a);
    poisk_query_free(q);
    return *rc ? NULL : dumped;
}

static void expect_analysed(const char *text, const char *tree)
{
    int rc;
    poisk_error err = { 0 };
    const char *got = analyse(text, 0, &rc, &err);
    cr_assert_eq(rc, POISK_OK, "'%s': %s", text, err.message);
    cr_assert_str_eq(got, tree, "'%s' analysed as %s, expected %s", text, got, tree);
}

Test(query_analyze, every_case_form_meets_the_same_stem)
{
    int rc;
    poisk_error err;
    char a[256], b[256], c[256];
    strcpy(a, analyse("Телемедицинские", 0, &rc, &err));
    strcpy(b, analyse("ТЕЛЕМЕДИЦИНСКИЕ", 0, &rc, &err));
    strcpy(c, analyse("телемедицинских", 0, &rc, &err));
    cr_assert_str_eq(a, c);
    cr_assert_str_eq(b, c);
    cr_assert_str_neq(c, "(телемедицинских)", "the word must be stemmed");
}

Test(query_analyze, stop_words_drop_out_and_phrase_positions_close_up)
{
    expect_analysed("\"образование и наука\"", "(\"образован наук\")");
    expect_analysed("в области цифровой", "(област цифров)");
    expect_analysed("\"цифровой помощник ученика\"", "(\"цифров помощник ученик\")");
}

Test(query_analyze, exact_forms_are_normalised_not_stemmed)
{
    expect_analysed("=Цифровой =ёлка", "(=цифровой =елка)");
}

Test(query_analyze, prefixes_are_normalised)
{
    expect_analysed("Телемедицин*", "(телемедицин*)");
    expect_analysed("ПО*", "(по*)");   /* a stop word is still a prefix */
}

Test(query_analyze, compounds_become_phrases_with_alternatives)
{
    expect_analysed("социально-экономический", "(\"социальн экономическ|социальноэкономическ\")");
}

Test(query_analyze, index_abbreviations_are_met)
{
    expect_analysed("фои", "(\"фои|фо\")");
}

Test(query_analyze, stop_words_only_is_an_error)
{
    int rc;
    poisk_error err = { 0 };
    cr_assert_null(analyse("и в на", 0, &rc, &err));
    cr_assert_eq(rc, POISK_ESTOPWORDS);
    cr_assert_null(analyse("\"и в\" цифровой", 0, &rc, &err));
    cr_assert_eq(rc, POISK_ESTOPWORDS);
    cr_assert_null(analyse("и -цифровой", 0, &rc, &err));
    cr_assert_eq(rc, POISK_ESTOPWORDS);
    /* a stop word among content words just drops out */
    cr_assert_not_null(analyse("+и цифровой", 0, &rc, &err));
    cr_assert_str_eq(dumped, "(цифров)");
}
