/* test_search.c: the query evaluator against a brute-force scorer (tests/test_search_brute.h,
 * analyzer output counted in memory, no reader or codec) over random queries on a synthetic
 * corpus and on the seed corpus; pruning measured in decoded blocks; filters; --count. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "test_search_brute.h"
#include "poisk/search.h"
#include "index_reader.h"
#include "structure.h"
#include "writer.h"

/* ---- corpora ------------------------------------------------------------------------------ */

static const char *const stems[] = {
    "цифров", "платформ", "телемедицин", "образовательн", "контент", "библиотек", "проект",
    "систем", "услуг", "медицинск", "организац", "государствен", "регион", "данн", "сервис",
    "развит", "управлен", "транспорт", "школ", "ученик", "портфоли", "обратн", "связ",
    "муниципальн", "информацион", "электрон", "документ", "обеспечен", "безопасн", "сеть",
    "интеллект", "искусствен", "мониторинг", "аналитик", "инфраструктур", "реестр", "отчет",
    "показател", "финансирован", "внедрен", "автоматизац", "ведомств", "гражданин", "бизнес",
};
static const char *const endings[] = { "а", "ы", "е", "ой", "ого", "ому", "ых", "ие", "ия", "ами", "" };
static const char *const regions[] = { "altai-krai", "krasnodar", "stavropol", "tambov", "tatarstan" };
static const char *const sectors[] = { "edu", "health", "urban", "gov" };

static unsigned rnd_state;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) & 0xFFFFFF;
}

/* Zipf-like pick: small indexes far more often. */
static size_t zipf(size_t n)
{
    double u = (rnd() + 1) / 16777217.0;
    size_t i = (size_t)(pow(u, 2.5) * (double)n);
    return i < n ? i : n - 1;
}

static char *synthetic_text(void)
{
    size_t words = 8 + rnd() % 60;
    char *t = malloc(words * 48 + 1);
    t[0] = 0;
    for (size_t i = 0; i < words; i++) {
        if (i)
            strcat(t, rnd() % 9 ? " " : (rnd() % 2 ? " и " : ", "));
        strcat(t, stems[zipf(sizeof stems / sizeof *stems)]);
        strcat(t, endings[rnd() % (sizeof endings / sizeof *endings)]);
        if (rnd() % 40 == 0)
            strcat(t, " ФОИ");
        if (rnd() % 50 == 0)
            strcat(t, " 2024");
    }
    return t;
}

static char *scratch_dir(void)
{
    char tmpl[] = "/tmp/poisk-search-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return strdup(d);
}

static void remove_dir(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Build a synthetic index of n passages with the writer. */
static void build_synthetic(const char *dir, size_t n, unsigned seed)
{
    rnd_state = seed;
    poisk_writer_options wo = { 0 };
    wo.threads = 1;
    poisk_writer *w;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_writer_create(dir, &wo, &w, &err), POISK_OK, "%s", err.message);
    for (size_t i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof id, "syn:%zu", i);
        char *text = synthetic_text();
        int r = rnd() % 10;
        poisk_section s = r < 5 ? POISK_SECTION_PROEKTY
                        : r < 7 ? POISK_SECTION_POKAZATELI
                        : (poisk_section)(rnd() % POISK_SECTION_COUNT);
        poisk_passage p = { 0 };
        p.id = id;
        p.region = regions[(i * 5) / n];     /* contiguous regions, in slug order */
        p.section = s;
        p.sector = s >= POISK_SECTION_PROBLEMY && s <= POISK_SECTION_POKAZATELI
                 ? sectors[rnd() % 4] : NULL;
        p.file = "synthetic.jsonl";
        p.byte_start = i * 100;
        p.byte_end = i * 100 + strlen(text);
        p.text = text;
        p.text_len = strlen(text);
        cr_assert_eq(poisk_writer_add(w, &p, &err), POISK_OK, "%s", err.message);
        free(text);
    }
    poisk_writer_summary sum;
    cr_assert_eq(poisk_writer_commit(w, &sum, &err), POISK_OK, "%s", err.message);
    poisk_writer_free(w);
}

/* ---- comparing the engine with brute force ---------------------------------------------- */

static void compare(poisk_index *idx, bf_corpus *c, const char *query, int all, unsigned k)
{
    bf_params bp = { 1.2, 0.75, { 0 } };
    for (int s = 0; s < POISK_SECTION_COUNT; s++)
        bp.weight[s] = 1.0;
    bf_hit *bh;
    int brc;
    long nb = bf_search(c, query, all, &bp, POISK_MAX_PREFIX_TERMS, &bh, &brc);

    poisk_search_options o;
    poisk_search_options_init(&o);
    o.k = k;
    o.all = all;
    o.no_snippets = 1;
    poisk_results *r;
    poisk_error err = { 0 };
    int rc = poisk_search(idx, query, &o, &r, &err);
    if (nb < 0) {
        cr_assert_eq(rc, brc, "'%s': engine %d, brute force %d", query, rc, brc);
        free(bh);
        return;
    }
    cr_assert_eq(rc, POISK_OK, "'%s': %s", query, err.message);
    size_t want = (size_t)nb < k ? (size_t)nb : k;
    cr_assert_eq(poisk_results_count(r), want, "'%s': %zu hits, brute force %zu", query,
                 poisk_results_count(r), want);
    for (size_t i = 0; i < want; i++) {
        const poisk_hit *h = poisk_results_hit(r, i);
        cr_assert(fabs(h->score - bh[i].score) < 1e-6, "'%s' rank %zu: score %.9f, brute %.9f",
                  query, i + 1, h->score, bh[i].score);
        if (h->doc != bh[i].doc) {
            /* only a float-level tie may reorder: the doc must score the same in brute force */
            long j = 0;
            while (j < nb && bh[j].doc != h->doc)
                j++;
            cr_assert(j < nb && fabs(bh[j].score - h->score) < 1e-9,
                      "'%s' rank %zu: doc %u, brute force doc %u", query, i + 1, h->doc, bh[i].doc);
        }
        if (i > 0) {
            const poisk_hit *p = poisk_results_hit(r, i - 1);
            cr_assert(p->score > h->score || (p->score == h->score && p->doc < h->doc),
                      "'%s': ties must be ordered by passage number", query);
        }
    }
    poisk_results_free(r);
    /* the exact count when asked, and the same top-k without pruning */
    o.count = 1;
    cr_assert_eq(poisk_search(idx, query, &o, &r, &err), POISK_OK);
    cr_assert_eq(poisk_results_total(r), nb, "'%s': total %lld, brute force %ld", query,
                 (long long)poisk_results_total(r), nb);
    cr_assert_eq(poisk_results_count(r), want);
    poisk_results_free(r);
    free(bh);
}

/* A random exact form from the corpus (a surface word the analyzer kept). */
static const char *random_form(bf_corpus *c, size_t *doc, size_t *tok)
{
    for (;;) {
        size_t d = rnd() % c->n;
        if (!c->d[d].n)
            continue;
        size_t t = rnd() % c->d[d].n;
        if (doc) *doc = d;
        if (tok) *tok = t;
        return c->d[d].t[t].exact;
    }
}

/* Appends n random forms, each followed by a space, to the query q (len of its cap bytes
 * used).  @return : the new length */
static size_t append_forms(bf_corpus *c, char *q, size_t cap, size_t len, int n)
{
    for (int t = 0; t < n; t++)
        len += (size_t)snprintf(q + len, cap - len, "%s ", random_form(c, NULL, NULL));
    return len;
}

/* Bytes of the first chars characters of the UTF-8 word f (all of it when shorter): the
 * stem of a prefix query. */
static size_t first_chars_bytes(const char *f, size_t chars)
{
    size_t i = 0;
    for (size_t n = 0; f[i] && n < chars; n++) {
        i++;
        while (((unsigned char)f[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static void random_query(bf_corpus *c, char *q, size_t cap, int *all)
{
    *all = 0;
    q[0] = 0;
    size_t d, t;
    int kind = (int)(rnd() % 10);
    switch (kind) {
    case 0: case 1: {           /* ranked OR, maybe AND */
        int n = 1 + (int)(rnd() % 4);
        for (int i = 0; i < n; i++) {
            strncat(q, random_form(c, NULL, NULL), cap - strlen(q) - 2);
            strcat(q, " ");
        }
        *all = kind == 1;
        break;
    }
    case 2:                     /* required, optional, excluded */
        snprintf(q, cap, "+%s %s -%s", random_form(c, NULL, NULL), random_form(c, NULL, NULL),
                 random_form(c, NULL, NULL));
        break;
    case 3: {                   /* a phrase of consecutive tokens */
        random_form(c, &d, &t);
        strcat(q, "\"");
        uint32_t pos = c->d[d].t[t].pos;
        int added = 0;
        for (size_t j = t; j < c->d[d].n && added < 3; j++) {
            if (c->d[d].t[j].pos < pos || c->d[d].t[j].pos > pos + 2 ||
                (j > t && c->d[d].t[j].pos == c->d[d].t[j - 1].pos))
                continue;
            strncat(q, c->d[d].t[j].exact, cap - strlen(q) - 4);
            strcat(q, " ");
            added++;
        }
        strcat(q, "\"");
        break;
    }
    case 4: {                   /* prefix of 3-6 letters */
        const char *f = random_form(c, NULL, NULL);
        size_t i = first_chars_bytes(f, 3 + rnd() % 4);
        snprintf(q, cap, "%.*s* %s", (int)i, f, rnd() % 2 ? random_form(c, NULL, NULL) : "");
        break;
    }
    case 5:                     /* exact form */
        snprintf(q, cap, "=%s %s", random_form(c, NULL, NULL), random_form(c, NULL, NULL));
        break;
    case 6:                     /* boolean with parentheses */
        snprintf(q, cap, "(%s OR %s) AND %s", random_form(c, NULL, NULL),
                 random_form(c, NULL, NULL), random_form(c, NULL, NULL));
        break;
    case 7:                     /* filters */
        random_form(c, &d, &t);
        snprintf(q, cap, "%s %s %sregion:%s", c->d[d].t[t].exact, random_form(c, NULL, NULL),
                 rnd() % 3 ? "" : "-", c->d[d].region);
        break;
    case 8:
        random_form(c, &d, &t);
        snprintf(q, cap, "%s %s section:%s", c->d[d].t[t].exact, random_form(c, NULL, NULL),
                 poisk_section_id((poisk_section)c->d[d].section));
        break;
    default:                    /* OR of ANDs */
        snprintf(q, cap, "%s AND %s OR %s %s", random_form(c, NULL, NULL),
                 random_form(c, NULL, NULL), random_form(c, NULL, NULL),
                 random_form(c, NULL, NULL));
        break;
    }
}

static void random_queries(poisk_index *idx, bf_corpus *c, int n, unsigned seed)
{
    rnd_state = seed;
    for (int i = 0; i < n; i++) {
        char q[1024];
        int all;
        random_query(c, q, sizeof q, &all);
        compare(idx, c, q, all, 1 + (i % 3 ? 10 : rnd() % 40));
    }
}

/* ---- synthetic corpus --------------------------------------------------------------------- */

static char *syn_dir;
static poisk_index *syn_idx;
static bf_corpus syn_bf;

static void syn_setup(void)
{
    syn_dir = scratch_dir();
    build_synthetic(syn_dir, 4000, 12345);
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(syn_dir, &syn_idx, &err), POISK_OK, "%s", err.message);
    cr_assert_eq(bf_load_index(&syn_bf, syn_idx, NULL, 0), 0, "brute-force corpus from the index");
    poisk_index_stats st;
    poisk_index_get_stats(syn_idx, &st);
    cr_assert_eq(syn_bf.total_len, st.total_length, "passage lengths differ from the index's");
}

static void syn_teardown(void)
{
    poisk_index_close(syn_idx);
    bf_free(&syn_bf);
    remove_dir(syn_dir);
    free(syn_dir);
}

TestSuite(search_synthetic, .init = syn_setup, .fini = syn_teardown, .timeout = 120);

static void specific_features(void)
{
    const char *qs[] = {
        "цифровой", "цифровая платформа", "+платформа цифровой", "цифровой -платформа",
        "\"цифровая платформа\"", "телемедицин*", "цифр* платф*", "=цифровой",
        "(цифровой OR платформа) AND услуги", "цифровой AND платформа OR телемедицина",
        "фои", "2024 цифровой", "цифровой region:stavropol", "цифровой -region:stavropol",
        "цифровой region:tambov region:krasnodar", "цифровой section:proekty",
        "цифровой -section:proekty", "цифровой sector:health", "цифровой -sector:health",
        "услуги region:Ставропольский", "\"и\" цифровой", "-цифровой",
    };
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        compare(syn_idx, &syn_bf, qs[i], 0, 10);
        compare(syn_idx, &syn_bf, qs[i], 1, 7);
    }
}

Test(search_synthetic, ranking_equals_brute_force)
{
    specific_features();
    random_queries(syn_idx, &syn_bf, 150, 99);
}

/* Phrases of 2-5 consecutive tokens, and the same with two words swapped (mostly no match
 * where they co-occur): the evaluator reads the positions in ascending tf, any of them
 * first, and stops once no start survives, so every order and early stop must agree. */
static void long_phrases(bf_corpus *c, int n, unsigned seed)
{
    rnd_state = seed;
    for (int i = 0; i < n; i++) {
        size_t d, t;
        random_form(c, &d, &t);
        const char *w[5];
        int want = 2 + (int)(rnd() % 4), got = 0;
        uint32_t pos = c->d[d].t[t].pos;
        for (size_t j = t; j < c->d[d].n && got < want; j++) {
            if (c->d[d].t[j].pos != pos + (uint32_t)got)
                continue;
            if (j > t && c->d[d].t[j].pos == c->d[d].t[j - 1].pos)
                continue;
            w[got++] = c->d[d].t[j].exact;
        }
        char q[1024] = "\"";
        for (int k = 0; k < got; k++) {
            int from = i % 2 && got > 1 && k < 2 ? 1 - k : k;   /* odd: the first two swapped */
            strncat(q, w[from], sizeof q - strlen(q) - 4);
            strcat(q, " ");
        }
        strcat(q, "\"");
        compare(syn_idx, c, q, 0, 1 + (unsigned)(rnd() % 12));
    }
}

Test(search_synthetic, long_phrases_equal_brute_force)
{
    long_phrases(&syn_bf, 120, 7);
}

static uint64_t blocks_for(const char *q, int count, const char *const *regions_opt)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.no_snippets = 1;
    o.count = count;
    o.regions = regions_opt;
    poisk_results *r;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_search(syn_idx, q, &o, &r, &err), POISK_OK, "%s", err.message);
    uint64_t b = poisk_results_blocks_decoded(r);
    poisk_results_free(r);
    return b;
}

static void pruning_decodes_fewer_blocks_than_exhaustive(void)
{
    const char *q = "цифровой платформа проекта системы";
    uint64_t pruned = blocks_for(q, 0, NULL), all = blocks_for(q, 1, NULL);
    cr_log_info("OR top-10 of frequent terms: %llu blocks pruned, %llu exhaustive",
                (unsigned long long)pruned, (unsigned long long)all);
    cr_assert_lt(pruned, all, "pruned %llu, exhaustive %llu", (unsigned long long)pruned,
                 (unsigned long long)all);
}

/* Blocks of one term's list in one section that overlap [lo,hi): skip entries only. */
static uint64_t overlapping_blocks(poisk_section_index *sec, const char *term, uint32_t lo,
                                   uint32_t hi)
{
    poisk_term_info info;
    int found;
    cr_assert_eq(poisk_section_lookup(sec, POISK_DICT_STEM, term, strlen(term), &info, &found,
                                      NULL), POISK_OK);
    if (!found)
        return 0;
    poisk_postings *c;
    cr_assert_eq(poisk_postings_open_lazy(sec, POISK_DICT_STEM, &info, &c, NULL), POISK_OK);
    cr_assert_eq(poisk_postings_blocks_decoded(c), 0, "a lazy cursor decodes nothing at open");
    uint64_t n = 0;   /* the evaluator's cursors are lazy: only blocks overlapping [lo,hi) */
    uint32_t t = lo;
    while (t < hi) {
        cr_assert_eq(poisk_postings_shallow_advance(c, t, NULL), POISK_OK);
        uint32_t last = poisk_postings_block_last_doc(c);
        if (last == POISK_DOC_END || last < t)
            break;
        n++;
        t = last + 1;
    }
    cr_assert_eq(poisk_postings_blocks_decoded(c), 0, "shallow_advance decodes nothing");
    poisk_postings_close(c);
    return n;
}

static void region_filter_decodes_only_blocks_of_the_region(void)
{
    size_t ri = 0;
    const char *slug = NULL;
    uint32_t lo = 0, hi = 0;
    for (; ri < poisk_index_region_count(syn_idx); ri++) {
        cr_assert_eq(poisk_index_region_at(syn_idx, ri, &slug, &lo, &hi), POISK_OK);
        if (strcmp(slug, "stavropol") == 0)
            break;
    }
    cr_assert_str_eq(slug, "stavropol");
    cr_assert(lo > 0 && hi > lo, "a region in the middle of the id space");
    const char *terms[] = { "цифров", "платформ" };
    uint64_t bound = 0;
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        poisk_section_index *sec;
        cr_assert_eq(poisk_index_section(syn_idx, (poisk_section)s, &sec, NULL), POISK_OK);
        for (int t = 0; sec && t < 2; t++)
            bound += overlapping_blocks(sec, terms[t], lo, hi);
    }
    const char *only[] = { "stavropol", NULL };
    cr_assert_gt(bound, 0);
    uint64_t filtered = blocks_for("цифровой платформа", 1, only);
    uint64_t everything = blocks_for("цифровой платформа", 1, NULL);
    cr_log_info("region filter: %llu blocks (bound %llu), unfiltered %llu",
                (unsigned long long)filtered, (unsigned long long)bound,
                (unsigned long long)everything);
    cr_assert_leq(filtered, bound);
    cr_assert_lt(filtered, everything);
}

static void scores_do_not_change_with_filters(void)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.no_snippets = 1;
    o.k = 50;
    poisk_results *all, *one;
    cr_assert_eq(poisk_search(syn_idx, "цифровой сервис", &o, &all, NULL), POISK_OK);
    cr_assert_eq(poisk_search(syn_idx, "цифровой сервис region:tambov", &o, &one, NULL), POISK_OK);
    cr_assert_gt(poisk_results_count(one), 0);
    for (size_t i = 0; i < poisk_results_count(one); i++) {
        const poisk_hit *h = poisk_results_hit(one, i);
        cr_assert_str_eq(h->passage.region, "tambov");
        for (size_t j = 0; j < poisk_results_count(all); j++)
            if (poisk_results_hit(all, j)->doc == h->doc)
                cr_assert_eq(poisk_results_hit(all, j)->score, h->score);
    }
    poisk_results_free(all);
    poisk_results_free(one);
}

static void section_weights_multiply_scores(void)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.no_snippets = 1;
    o.k = 20;
    poisk_results *a, *b;
    cr_assert_eq(poisk_search(syn_idx, "цифровой section:proekty", &o, &a, NULL), POISK_OK);
    o.section_weight[POISK_SECTION_PROEKTY] = 2.0;
    cr_assert_eq(poisk_search(syn_idx, "цифровой section:proekty", &o, &b, NULL), POISK_OK);
    cr_assert_eq(poisk_results_count(a), poisk_results_count(b));
    for (size_t i = 0; i < poisk_results_count(a); i++)
        cr_assert_float_eq(poisk_results_hit(b, i)->score, 2 * poisk_results_hit(a, i)->score, 1e-9);
    poisk_results_free(a);
    poisk_results_free(b);
}

static void by_region_counts_every_match_per_region(void)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.no_snippets = 1;
    o.by_region = 1;
    o.k = 3;
    poisk_results *r;
    cr_assert_eq(poisk_search(syn_idx, "телемедицина", &o, &r, NULL), POISK_OK);
    cr_assert_eq(poisk_results_group_count(r), 3, "-k counts regions");
    bf_params bp = { 1.2, 0.75, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 } };
    bf_hit *bh;
    int brc;
    long nb = bf_search(&syn_bf, "телемедицина", 0, &bp, 1000, &bh, &brc);
    for (size_t g = 0; g < poisk_results_group_count(r); g++) {
        const poisk_region_group *gr = poisk_results_group(r, g);
        uint64_t want = 0;
        for (long i = 0; i < nb; i++)
            want += strcmp(syn_bf.d[bh[i].doc].region, gr->region) == 0;
        cr_assert_eq(gr->matches, want, "%s", gr->region);
        cr_assert_gt(gr->n_hits, 0);
        if (g)
            cr_assert_geq(poisk_results_group(r, g - 1)->hits[0].score, gr->hits[0].score);
    }
    free(bh);
    poisk_results_free(r);
}

static void query_errors_are_reported_not_matched(void)
{
    poisk_results *r;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_search(syn_idx, "\"цифровой", NULL, &r, &err), POISK_ESYNTAX);
    cr_assert_eq(poisk_search(syn_idx, "и в на", NULL, &r, &err), POISK_ESTOPWORDS);
    cr_assert_eq(poisk_search(syn_idx, "x region:mars", NULL, &r, &err), POISK_EFILTER);
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.k = POISK_MAX_K + 1;
    cr_assert_eq(poisk_search(syn_idx, "цифровой", &o, &r, &err), POISK_ETOOLONG);
}

static void prefix_expansion_is_bounded_with_a_notice(void)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.no_snippets = 1;
    o.max_prefix_terms = 2;
    poisk_results *r;
    cr_assert_eq(poisk_search(syn_idx, "с*", &o, &r, NULL), POISK_OK);
    cr_assert_not_null(poisk_results_notice(r));
    cr_assert(strstr(poisk_results_notice(r), "с*"));
    poisk_results_free(r);
    bf_params bp = { 1.2, 0.75, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 } };
    bf_hit *bh;
    int brc;
    long nb = bf_search(&syn_bf, "с*", 0, &bp, 2, &bh, &brc);
    o.count = 1;
    cr_assert_eq(poisk_search(syn_idx, "с*", &o, &r, NULL), POISK_OK);
    cr_assert_eq(poisk_results_total(r), nb);
    poisk_results_free(r);
    free(bh);
}

/* A lazily opened cursor walks, advances and reports positions exactly like an eager one,
 * whatever mix of shallow_advance/advance/next comes first. */
static void lazy_cursors_match_eager_ones(void)
{
    const char *terms[] = { "цифров", "платформ", "телемедицин", "проект", "систем", "сеть" };
    rnd_state = 4242;
    for (int s = 0; s < POISK_SECTION_COUNT; s++) {
        poisk_section_index *sec;
        cr_assert_eq(poisk_index_section(syn_idx, (poisk_section)s, &sec, NULL), POISK_OK);
        for (size_t t = 0; sec && t < sizeof terms / sizeof *terms; t++) {
            poisk_term_info info;
            int found;
            cr_assert_eq(poisk_section_lookup(sec, POISK_DICT_STEM, terms[t], strlen(terms[t]),
                                              &info, &found, NULL), POISK_OK);
            if (!found)
                continue;
            for (int trial = 0; trial < 6; trial++) {
                poisk_postings *eager, *lazy;
                cr_assert_eq(poisk_postings_open(sec, POISK_DICT_STEM, &info, &eager, NULL), 0);
                cr_assert_eq(poisk_postings_open_lazy(sec, POISK_DICT_STEM, &info, &lazy, NULL), 0);
                uint32_t target = trial == 0 ? 0 : rnd() % 4000;
                if (trial % 2) {
                    cr_assert_eq(poisk_postings_shallow_advance(lazy, target + rnd() % 500, NULL), 0);
                    cr_assert_eq(poisk_postings_blocks_decoded(lazy), 0);
                }
                if (trial == 5) {     /* next() first: the first posting */
                    cr_assert_eq(poisk_postings_next(lazy, NULL), 0);
                } else {
                    cr_assert_eq(poisk_postings_advance(eager, target, NULL), 0);
                    cr_assert_eq(poisk_postings_advance(lazy, target, NULL), 0);
                }
                while (poisk_postings_doc(eager) != POISK_DOC_END) {
                    cr_assert_eq(poisk_postings_doc(lazy), poisk_postings_doc(eager));
                    cr_assert_eq(poisk_postings_tf(lazy), poisk_postings_tf(eager));
                    /* the block view and the length array the evaluator walks */
                    const uint32_t *vd, *vt;
                    uint32_t vi, vn = poisk_postings_block_view(lazy, &vd, &vt, &vi);
                    cr_assert(vn > 0 && vi < vn && vd[vi] == poisk_postings_doc(lazy)
                              && vt[vi] == poisk_postings_tf(lazy));
                    for (uint32_t j = 1; j < vn; j++)
                        cr_assert_gt(vd[j], vd[j - 1]);
                    cr_assert_eq(poisk_section_doc_lengths(sec)[vd[vn - 1]],
                                 poisk_section_doc_length(sec, vd[vn - 1]));
                    cr_assert_gt(poisk_section_doc_length(sec, vd[vi]), 0);
                    const uint32_t *pa, *pb;
                    uint32_t na, nb;
                    cr_assert_eq(poisk_postings_positions(eager, &pa, &na, NULL), 0);
                    cr_assert_eq(poisk_postings_positions(lazy, &pb, &nb, NULL), 0);
                    cr_assert_eq(na, nb);
                    cr_assert_eq(memcmp(pa, pb, na * sizeof *pa), 0);
                    uint32_t next = poisk_postings_doc(eager) + 1 + rnd() % 300;
                    if (rnd() % 2) {
                        cr_assert_eq(poisk_postings_next(eager, NULL), 0);
                        cr_assert_eq(poisk_postings_next(lazy, NULL), 0);
                    } else {
                        cr_assert_eq(poisk_postings_advance(eager, next, NULL), 0);
                        cr_assert_eq(poisk_postings_advance(lazy, next, NULL), 0);
                    }
                }
                cr_assert_eq(poisk_postings_doc(lazy), POISK_DOC_END);
                cr_assert_leq(poisk_postings_blocks_decoded(lazy), poisk_postings_blocks_decoded(eager));
                poisk_postings_close(eager);
                poisk_postings_close(lazy);
            }
        }
    }
}

Test(search_synthetic, lazy_cursors)
{
    lazy_cursors_match_eager_ones();
}

/* The eval/fetch split of poisk_results_timing(): both parts measured, fetch only with hits. */
static void timing_splits_evaluation_from_fetch(void)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    poisk_results *r;
    poisk_error err = { 0 };
    uint64_t ev = 1, fe = 1;
    poisk_results_timing(NULL, &ev, &fe);
    cr_assert(ev == 0 && fe == 0);
    cr_assert_eq(poisk_search(syn_idx, "цифровой платформа", &o, &r, &err), POISK_OK, "%s",
                 err.message);
    cr_assert_gt(poisk_results_count(r), 0);
    poisk_results_timing(r, &ev, &fe);
    cr_assert_gt(ev, 0);
    cr_assert_gt(fe, 0, "snippets and passages take time");
    cr_assert_lt(ev + fe, 60ull * 1000000000ull);
    poisk_results_free(r);
}

Test(search_synthetic, pruning_is_real_and_measured)
{
    timing_splits_evaluation_from_fetch();
    pruning_decodes_fewer_blocks_than_exhaustive();
    region_filter_decodes_only_blocks_of_the_region();
}

Test(search_synthetic, filters_weights_groups_errors_and_bounds)
{
    scores_do_not_change_with_filters();
    section_weights_multiply_scores();
    by_region_counts_every_match_per_region();
    query_errors_are_reported_not_matched();
    prefix_expansion_is_bounded_with_a_notice();
}

/* ---- the seed corpus ---------------------------------------------------------------------- */

static char *seed_dir;
static poisk_index *seed_idx;
static bf_corpus seed_bf;
static int seed_missing;   /* the indexer's pipeline is not wired yet */

static void seed_setup(void)
{
    seed_dir = scratch_dir();
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -o %s/index corpus 2>&1", tu_bin("indexer"), seed_dir);
    int st = -1;
    char *out = tu_run(cmd, &st);
    seed_missing = st != 0 && out && strstr(out, "not built yet");
    free(out);
    if (seed_missing)
        return;
    cr_assert_eq(st, 0, "indexer failed on the seed corpus");
    char path[1024];
    snprintf(path, sizeof path, "%s/index", seed_dir);
    poisk_error err = { 0 };
    cr_assert_eq(poisk_index_open(path, &seed_idx, &err), POISK_OK, "%s", err.message);
}

static void seed_teardown(void)
{
    if (seed_idx)
        poisk_index_close(seed_idx);
    bf_free(&seed_bf);
    remove_dir(seed_dir);
    free(seed_dir);
}

TestSuite(search_seed, .init = seed_setup, .fini = seed_teardown, .timeout = 120);

/* Region set of the hits of a query (k large). */
static int regions_of(const char *q, int by_region, char found[][32], int max)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.k = 200;
    o.by_region = by_region;
    poisk_results *r;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_search(seed_idx, q, &o, &r, &err), POISK_OK, "%s", err.message);
    int n = 0;
    size_t count = by_region ? poisk_results_group_count(r) : poisk_results_count(r);
    for (size_t i = 0; i < count; i++) {
        const char *reg = by_region ? poisk_results_group(r, i)->region
                                    : poisk_results_hit(r, i)->passage.region;
        int seen = 0;
        for (int j = 0; j < n; j++)
            seen |= strcmp(found[j], reg) == 0;
        if (!seen && n < max)
            snprintf(found[n++], 32, "%s", reg);
    }
    poisk_results_free(r);
    return n;
}

static void telemedicine_prefix_reaches_all_five_regions(void)
{
    char found[8][32];
    cr_assert_eq(regions_of("телемедицин*", 0, found, 8), 5);
    cr_assert_eq(regions_of("телемедицин*", 1, found, 8), 5);
}

static void library_phrase_finds_the_project_row_in_every_region(void)
{
    poisk_search_options o;
    poisk_search_options_init(&o);
    o.by_region = 1;
    o.k = 10;
    poisk_results *r;
    poisk_error err = { 0 };
    cr_assert_eq(poisk_search(seed_idx, "\"библиотека цифрового образовательного контента\"",
                              &o, &r, &err), POISK_OK, "%s", err.message);
    cr_assert_eq(poisk_results_group_count(r), 5, "regions with the phrase: %zu",
                 poisk_results_group_count(r));
    int stavropol = 0;
    for (size_t g = 0; g < poisk_results_group_count(r); g++) {
        const poisk_region_group *gr = poisk_results_group(r, g);
        stavropol |= strcmp(gr->region, "stavropol") == 0;
        int project_section = 0;
        for (size_t i = 0; i < gr->n_hits; i++)
            project_section |= gr->hits[i].passage.section == POISK_SECTION_PROEKTY ||
                               gr->hits[i].passage.section == POISK_SECTION_VZAIMOSVYAZ ||
                               gr->hits[i].passage.section == POISK_SECTION_POKAZATELI;
        cr_assert(project_section, "%s: the phrase should be in a project table", gr->region);
    }
    cr_assert(stavropol, "Ставропольский край needs split-word repair");
    poisk_results_free(r);
}

Test(search_seed, acceptance_queries)
{
    if (seed_missing)
        cr_skip_test("indexer pipeline not built yet");
    telemedicine_prefix_reaches_all_five_regions();
    library_phrase_finds_the_project_row_in_every_region();
}

Test(search_seed, random_queries_rank_like_brute_force)
{
    if (seed_missing)
        cr_skip_test("indexer pipeline not built yet");
    poisk_index_stats st;
    poisk_index_get_stats(seed_idx, &st);
    /* the indexer's first pass: every input text goes into the repair lexicon */
    poisk_lexicon *lx = bf_seed_lexicon();
    cr_assert_not_null(lx, "the seed corpus's lexicon: run from the repository root");
    cr_assert_eq(bf_load_index(&seed_bf, seed_idx, lx, st.repair), 0,
                 "brute-force corpus from the index");
    cr_assert_eq(seed_bf.total_len, st.total_length, "passage lengths differ from the index's");
    random_queries(seed_idx, &seed_bf, 120, 4242);
    poisk_lexicon_free(lx);
}

/* The OR paths (branch orq): sections evaluated likeliest-first into the shared top-k, a
 * window with one essential term walked in its block, several essential terms accumulated;
 * k from 1 (the k-th score rises at once) to 40, with exclusions and filters. */
Test(search_synthetic, or_windows_rank_like_brute_force)
{
    const char *qs[] = {
        "цифровой", "услуги", "платформа", "цифровой платформа", "услуги телемедицина",
        "цифровой платформа услуги", "цифровой платформа проекта системы услуги",
        "цифровой -платформа", "услуги платформа -цифровой", "цифровой услуги region:tambov",
        "цифровой платформа section:proekty", "телемедицина фои 2024 цифровой",
    };
    const unsigned ks[] = { 1, 2, 5, 10, 40 };
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++)
        for (size_t j = 0; j < sizeof ks / sizeof *ks; j++)
            compare(syn_idx, &syn_bf, qs[i], 0, ks[j]);
}

/* Conjunctions with a small k, so the top-k fills early and the bounded leapfrog
 * (and_lead_out, and_next: candidates bounded before a term decodes a block) and the
 * section order do the work; frequent forms (drawn by occurrence) give
 * terms with many blocks.  Two and three terms (and_next), five (bool_advance), some
 * with a NOT clause. */
Test(search_synthetic, conjunctions_rank_like_brute_force)
{
    rnd_state = 4242;
    for (int i = 0; i < 90; i++) {
        char q[1024];
        int n = i % 3 == 2 ? 5 : 2 + i % 2;
        size_t len = 0;
        len = append_forms(&syn_bf, q, sizeof q, len, n);
        if (i % 7 == 0)
            snprintf(q + len, sizeof q - len, "-%s", random_form(&syn_bf, NULL, NULL));
        compare(syn_idx, &syn_bf, q, 1, 1 + (unsigned)(i % 4) * 3);
    }
}

/* Roots of one or two frequent terms at a small k: windows that cannot enter are followed
 * by sc_shallow_skip's run of skipped blocks (the limiting term stepping on alone, loose
 * then exact bound), also with a region filter and a NOT clause beside it. */
Test(search_synthetic, skipped_block_runs_rank_like_brute_force)
{
    rnd_state = 777;
    for (int i = 0; i < 60; i++) {
        char q[1024];
        size_t len = 0;
        int n = 1 + i % 2;
        len = append_forms(&syn_bf, q, sizeof q, len, n);
        if (i % 5 == 3)
            snprintf(q + len, sizeof q - len, "-%s", random_form(&syn_bf, NULL, NULL));
        else if (i % 5 == 4)
            snprintf(q + len, sizeof q - len, "region:tambov");
        compare(syn_idx, &syn_bf, q, i % 3 == 0, 1 + (unsigned)(i % 3));
    }
}

/* One required term and nothing optional (`--all` of one word, `+word`), alone or beside a
 * NOT clause or a filter: the evaluator runs it as an optional term (bool_scorer), which
 * must match and score exactly as the conjunction of one term did. */
Test(search_synthetic, one_required_term_ranks_like_brute_force)
{
    rnd_state = 6061;
    const char *tails[] = { "", "-%s", "region:tambov", "-section:proekty", "sector:health" };
    for (int i = 0; i < 75; i++) {
        char q[1024];
        size_t len = (size_t)snprintf(q, sizeof q, "%s%s ", i % 2 ? "+" : "",
                                      random_form(&syn_bf, NULL, NULL));
        snprintf(q + len, sizeof q - len, tails[i % 5], random_form(&syn_bf, NULL, NULL));
        compare(syn_idx, &syn_bf, q, i % 2 == 0, 1 + (unsigned)(i % 4) * 3);
    }
}

static void wide_optional_roots(unsigned seed, int n, int small_k)
{
    rnd_state = seed;
    for (int i = 0; i < n; i++) {
        char q[2048];
        size_t len = 0;
        if (i % 3 == 2) {           /* a prefix of 2-3 letters, maybe beside a word */
            const char *f = random_form(&syn_bf, NULL, NULL);
            size_t at = first_chars_bytes(f, 2 + (size_t)(i % 2));
            len = (size_t)snprintf(q, sizeof q, "%.*s* ", (int)at, f);
        } else {
            len = append_forms(&syn_bf, q, sizeof q, len, 8 + (int)(rnd() % 9));
        }
        if (i % 6 == 1)
            snprintf(q + len, sizeof q - len, "-%s", random_form(&syn_bf, NULL, NULL));
        else if (i % 6 == 4)
            snprintf(q + len, sizeof q - len, "region:tambov");
        unsigned k = small_k ? (i % 5 == 4 ? 10 : 1 + (unsigned)(i % 3)) : 1 + (unsigned)(i % 4) * 3;
        compare(syn_idx, &syn_bf, q, 0, k);
    }
}

/* Roots of many optional terms (WIDE_OR and more: long queries, short prefixes of many
 * stems): only the last window's essential clauses end a window, the others are
 * bounded over it by their blocks' largest bound (term_range_bound), and a clause that turns
 * essential ends the window at its decoded block (essential_blocks_end), and a range bound
 * is never taken for one block's impacts (impact_bound_at).  Frequent forms drawn by
 * occurrence give lists of many blocks; k 1-10, then mostly 1-3 (the top-k fills early and prunes);
 * some with a NOT clause or a filter. */
Test(search_synthetic, wide_optional_roots_rank_like_brute_force)
{
    wide_optional_roots(8080, 90, 0);
    wide_optional_roots(8080, 200, 1);
}

/* Two-term conjunctions at k 1-3 whose lead walks its decoded block by passage length alone
 * (and_lead_out's dl_limits: one slot per tf 1..8, filled on first use, and slot 0 for tfs
 * above 8, never out), and three-term ones whose first candidate after the walk is not
 * bounded again by and_next.  Forms drawn by occurrence: frequent leads with long blocks,
 * high tfs among them. */
Test(search_synthetic, lead_walk_limits_rank_like_brute_force)
{
    rnd_state = 9191;
    for (int i = 0; i < 80; i++) {
        char q[1024];
        size_t len = 0;
        int n = 2 + (i % 4 == 3);
        len = append_forms(&syn_bf, q, sizeof q, len, n);
        compare(syn_idx, &syn_bf, q, 1, 1 + (unsigned)(i % 3));
    }
}

/* Conjunctions of a passage's words with frequent forms, at k 1-3: a frequent term whose
 * cap is a small part of the rarer terms' is bounded by its cap, not per block (and_loose):
 * its blocks do not end the windows, its skip pointer is not kept on the candidates, and
 * a window that cannot enter does not run sc_shallow_skip.  Two to four terms. */
Test(search_synthetic, loose_frequent_terms_rank_like_brute_force)
{
    rnd_state = 31337;
    for (int i = 0; i < 120; i++) {
        char q[1024];
        size_t d, t;
        random_form(&syn_bf, &d, &t);
        size_t len = (size_t)snprintf(q, sizeof q, "%s ", syn_bf.d[d].t[t].exact);
        if (i % 2)                  /* a second word of the same passage: matches exist */
            len += (size_t)snprintf(q + len, sizeof q - len, "%s ",
                                    syn_bf.d[d].t[rnd() % syn_bf.d[d].n].exact);
        int n = 1 + (i % 3 == 2);
        len = append_forms(&syn_bf, q, sizeof q, len, n);
        compare(syn_idx, &syn_bf, q, 1, 1 + (unsigned)(i % 3));
    }
}

/* The SSE2 block unpackers (lib/codec.c: widths 1, 2, 4, 8 by byte fields, the others one
 * lane per 32-value group): frequent and rare forms drawn by occurrence give doc-gap widths
 * from 1 bit (dense lists) to over 10 and tf widths 0-3; compare()'s --count run decodes
 * every block of every list, the ranked run the conjunction's and the OR's.  One to three
 * terms, AND and OR, k 10. */
Test(search_synthetic, simd_unpacked_blocks_rank_like_brute_force)
{
    rnd_state = 2718;
    for (int i = 0; i < 40; i++) {
        char q[1024];
        size_t len = 0;
        int n = 1 + i % 3;
        len = append_forms(&syn_bf, q, sizeof q, len, n);
        compare(syn_idx, &syn_bf, q, i % 2, 10);
    }
}
