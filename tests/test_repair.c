/*
 * test_repair.c: split-word repair on the seed documents: the hand-judged sample of joins
 * (tests/fixtures/repair_judged.tsv), fragments that must join and pairs that must not,
 * line-end hyphenation, the three spellings of a compound, and repair switched off.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"
#include "poisk/analyzer.h"
#include "poisk/poisk.h"
#include "test_util.h"

static const char *const seeds[] = {
    "corpus/000_6d545a6ce98a1d7f.txt", "corpus/001_3861efe6e14c2db8.txt",
    "corpus/002_9b4cadca6ea1cf96.txt", "corpus/003_1226d5db7793b8dd.txt",
    "corpus/004_c48ce2c96f8ff17a.txt",
};
#define NSEEDS 5

static char *seed_text[NSEEDS];
static size_t seed_len[NSEEDS];

/* The first pass over the five seeds, as the indexer does it. */
static poisk_lexicon *seed_lexicon(void)
{
    poisk_lexicon *lx;
    cr_assert_eq(poisk_lexicon_create(&lx), POISK_OK);
    for (int i = 0; i < NSEEDS; i++) {
        if (!seed_text[i])
            seed_text[i] = tu_read_file(seeds[i], &seed_len[i]);
        cr_assert(seed_text[i], "%s: run the tests from the repository root", seeds[i]);
        cr_assert_eq(poisk_lexicon_add_text(lx, seed_text[i], seed_len[i]), POISK_OK);
    }
    cr_assert_eq(poisk_lexicon_freeze(lx), POISK_OK);
    cr_assert_eq(poisk_lexicon_add_text(lx, "поздно", strlen("поздно")), POISK_EINVAL);
    return lx;
}

static void free_seeds(void)
{
    for (int i = 0; i < NSEEDS; i++) {
        free(seed_text[i]);
        seed_text[i] = NULL;
    }
}

/* Tokens of text as "exact@pos" ('=' for SAME_POSITION), repair on with lx. */
static char *dump(const poisk_lexicon *lx, int repair, const char *text)
{
    poisk_analyzer_options o = { .repair = repair, .lexicon = lx };
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(&o, &a), POISK_OK);
    poisk_analyzer_reset(a, text, strlen(text));
    size_t cap = 4096, n = 0;
    char *out = calloc(1, cap);
    poisk_token t;
    while (poisk_analyzer_next(a, &t))
        n += (size_t)snprintf(out + n, cap - n, "%s%.*s@%u%s", n ? " " : "", (int)t.exact_len,
                              t.exact, t.position,
                              (t.flags & POISK_TOKEN_SAME_POSITION) ? "=" : "");
    poisk_analyzer_free(a);
    return out;
}

#define EXPECT(lx, repair, text, want) do {                         \
        char *got_ = dump(lx, repair, text);                        \
        cr_expect_str_eq(got_, want, "text: %s", text);             \
        free(got_);                                                 \
    } while (0)

Test(repair, judged_sample_matches_the_analyzer)
{
    poisk_lexicon *lx = seed_lexicon();
    size_t flen;
    char *fix = tu_read_file("tests/fixtures/repair_judged.tsv", &flen);
    cr_assert(fix);
    poisk_analyzer_options o = { .repair = 1, .lexicon = lx };
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(&o, &a), POISK_OK);
    int rows = 0, yes = 0, agree = 0;
    for (char *line = strtok(fix, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char file[8], joined[256], parts[256], correct[8];
        size_t off;
        cr_assert_eq(sscanf(line, "%7[^\t]\t%zu\t%255[^\t]\t%255[^\t]\t%7s", file, &off, joined,
                            parts, correct), 5, "bad fixture line: %s", line);
        int f = atoi(file);
        cr_assert(f >= 0 && f < NSEEDS);
        poisk_analyzer_reset(a, seed_text[f], seed_len[f]);
        poisk_token t;
        /* yes/no: a token of its own; link/nolink: an alternative (SAME_POSITION) */
        int link = !strcmp(correct, "link") || !strcmp(correct, "nolink");
        int joined_here = 0;
        while (poisk_analyzer_next(a, &t)) {
            if (t.byte_start > off + 1024)
                break;                    /* a compound's whole follows its parts */
            if (t.byte_start == off && !(t.flags & POISK_TOKEN_SAME_POSITION) == !link
                && t.exact_len == strlen(joined) && !memcmp(t.exact, joined, t.exact_len))
                joined_here = 1;
        }
        int want = !strcmp(correct, "yes") || !strcmp(correct, "link");
        cr_expect_eq(joined_here, want, "%s@%zu %s (%s): judged %s", file, off, joined, parts,
                     correct);
        rows++;
        yes += !strcmp(correct, "yes");
        agree += joined_here == want;
    }
    cr_expect_geq(yes, 100, "the sample has 100 judged joins");
    cr_expect_eq(agree, rows);
    poisk_analyzer_free(a);
    free(fix);
    poisk_lexicon_free(lx);
    free_seeds();
}

Test(repair, fragments_from_the_stavropol_seed_join)
{
    poisk_lexicon *lx = seed_lexicon();
    /* 000: prose and table fragments */
    EXPECT(lx, 1, "Российской Фе дерации", "российской@0 федерации@1");
    EXPECT(lx, 1, "библиотека цифрового образо вательного контента",
           "библиотека@0 цифрового@1 образовательного@2 контента@3");
    EXPECT(lx, 1, "Ставро польского края", "ставропольского@0 края@1");
    EXPECT(lx, 1, "рекомен довано ФОИ", "рекомендовано@0 фои@1");
    /* +both: исполни and тельной are both words, but so is исполнительной, often */
    EXPECT(lx, 1, "органов исполни тельной власти", "органов@0 исполнительной@1 власти@2");
    /* про is a stop word too; in 000, which lost its stop words, it is a fragment */
    const char *hit = strstr(seed_text[0], "про граммы");
    cr_assert(hit && hit - seed_text[0] > 1200);
    char window[1400];
    memcpy(window, hit - 1200, 1210 + strlen(" граммы") - 1);
    window[1200 + strlen("про граммы")] = 0;
    char *got = dump(lx, 1, strchr(window, ' ') + 1);   /* start at a word boundary */
    cr_expect(strstr(got, "программы@"), "%s", got);
    cr_expect_not(strstr(got, " граммы@"), "%s", got + strlen(got) - 60);
    free(got);
    poisk_lexicon_free(lx);
    free_seeds();
}

Test(repair, line_ends_of_the_line_based_seed)
{
    poisk_lexicon *lx = seed_lexicon();
    /* 003: hyphenation joins, a compound stays a compound, a wrapped last letter joins */
    EXPECT(lx, 1, " органы государ-\n ственной власти", "органы@0 государственной@1 власти@2");
    EXPECT(lx, 1, " опережающего социально-\n экономического развития",
           "опережающего@0 социально@1 экономического@2 социальноэкономического@2= развития@3");
    EXPECT(lx, 1, " верифицированны\n х", "верифицированных@0");
    /* table cells: never join across a line break otherwise */
    EXPECT(lx, 1, " образо\n вательного", "образо@0 вательного@1");
    poisk_lexicon_free(lx);
    free_seeds();
}

Test(repair, must_not_join)
{
    poisk_lexicon *lx = seed_lexicon();
    /* 001/004: two real words, glued elsewhere only by the export */
    EXPECT(lx, 1, "проактивное дистанционное", "проактивное@0 дистанционное@1");
    /* 001: ЕГРЗАГС is an abbreviation; егр загс is not one word */
    EXPECT(lx, 1, "егр загс", "егр@0 загс@1");
    /* never after punctuation */
    EXPECT(lx, 1, "образо. вательного", "образо@0 вательного@1");
    EXPECT(lx, 1, "образо» вательного", "образо@0 вательного@1");
    /* abbreviations are not fragments */
    EXPECT(lx, 1, "ФОИ ЕГИССО", "фои@0 егиссо@1");
    /* in a text that keeps its stop words (003), a stop word is never a fragment */
    EXPECT(lx, 1, "работы по строительству и по ремонту в рамках программы и по ним",
           "работы@0 строительству@1 ремонту@2 рамках@3 программы@4");
    poisk_lexicon_free(lx);
    free_seeds();
}

/* The searcher's rule (analyzer.h): a query position matches a document place when the
 * document has there the term of any token at that query position. */
typedef struct { char term[64]; uint32_t pos; } term_at;

static int collect(const poisk_lexicon *lx, int repair, const char *text, term_at *out, int max)
{
    poisk_analyzer_options o = { .repair = repair, .lexicon = lx };
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(&o, &a), POISK_OK);
    poisk_analyzer_reset(a, text, strlen(text));
    poisk_token t;
    int n = 0;
    while (n < max && poisk_analyzer_next(a, &t)) {
        snprintf(out[n].term, sizeof out[n].term, "%.*s", (int)t.term_len, t.term);
        out[n++].pos = t.position;
    }
    poisk_analyzer_free(a);
    return n;
}

static int phrase_matches(const term_at *q, int nq, const term_at *d, int nd)
{
    uint32_t qlen = nq ? q[nq - 1].pos + 1 : 0;
    for (int s = 0; s < nd; s++) {
        uint32_t base = d[s].pos;
        int ok = 1;
        for (uint32_t qp = 0; qp < qlen && ok; qp++) {
            int hit = 0;
            for (int i = 0; i < nq && !hit; i++)
                for (int j = 0; j < nd && !hit && q[i].pos == qp; j++)
                    hit = d[j].pos == base + qp && !strcmp(d[j].term, q[i].term);
            ok = hit;
        }
        if (ok)
            return 1;
    }
    return 0;
}

Test(repair, three_spellings_of_a_compound_find_each_other)
{
    poisk_lexicon *lx = seed_lexicon();
    static const char *spell[] = { "развития социально-экономического", "развития социальноэкономического",
                                   "развития социально экономического" };
    for (int di = 0; di < 3; di++) {
        term_at d[16], q[16];
        int nd = collect(lx, 1, spell[di], d, 16);
        for (int qi = 0; qi < 3; qi++) {
            int nq = collect(NULL, 0, spell[qi] + strlen("развития "), q, 16);
            cr_expect(phrase_matches(q, nq, d, nd), "query «%s» misses document «%s»",
                      spell[qi], spell[di]);
        }
    }
    /* and year ranges: 2022 finds 20222024 */
    term_at d[8], q[8];
    int nd = collect(lx, 1, "Период 20222024 годов", d, 8);
    int nq = collect(NULL, 0, "2024 годов", q, 8);
    cr_expect(phrase_matches(q, nq, d, nd));
    nq = collect(NULL, 0, "2022-2024", q, 8);
    cr_expect(phrase_matches(q, nq, d, nd));
    poisk_lexicon_free(lx);
    free_seeds();
}

Test(repair, off_or_without_lexicon_leaves_fragments)
{
    poisk_lexicon *lx = seed_lexicon();
    EXPECT(lx, 0, "Российской Фе дерации", "российской@0 фе@1 дерации@2");
    EXPECT(NULL, 1, "Российской Фе дерации", "российской@0 фе@1 дерации@2");
    poisk_lexicon_free(lx);
    free_seeds();
}

Test(repair, repair_shrinks_the_stavropol_seed_like_the_corpus_notes)
{
    /* CORPUS.md: repair takes 000 from 15,959 to 13,429 tokens (before stop removal) */
    poisk_lexicon *lx = seed_lexicon();
    size_t counts[2] = { 0, 0 };
    for (int repair = 0; repair < 2; repair++) {
        poisk_analyzer_options o = { .repair = repair, .lexicon = lx };
        poisk_analyzer *a;
        cr_assert_eq(poisk_analyzer_create(&o, &a), POISK_OK);
        poisk_analyzer_reset(a, seed_text[0], seed_len[0]);
        poisk_token t;
        while (poisk_analyzer_next(a, &t))
            counts[repair] += !(t.flags & POISK_TOKEN_SAME_POSITION);
        poisk_analyzer_free(a);
    }
    cr_expect_gt(counts[0], 15000);
    cr_expect_lt(counts[1], 13700);
    cr_expect_gt(counts[1], 13000);
    poisk_lexicon_free(lx);
    free_seeds();
}

/* The analyzers of options a and b give the same tokens on every seed. */
static void expect_same_tokens(poisk_analyzer_options oa, poisk_analyzer_options ob)
{
    for (int i = 0; i < NSEEDS; i++) {
        poisk_analyzer *a[2];
        cr_assert_eq(poisk_analyzer_create(&oa, &a[0]), POISK_OK);
        cr_assert_eq(poisk_analyzer_create(&ob, &a[1]), POISK_OK);
        for (int k = 0; k < 2; k++)
            poisk_analyzer_reset(a[k], seed_text[i], seed_len[i]);
        poisk_token t[2];
        size_t n = 0;
        int more;
        do {
            more = poisk_analyzer_next(a[0], &t[0]);
            cr_assert_eq(poisk_analyzer_next(a[1], &t[1]), more, "%s: token %zu", seeds[i], n);
            if (!more)
                break;
            cr_assert(t[0].term_len == t[1].term_len
                      && !memcmp(t[0].term, t[1].term, t[0].term_len)
                      && t[0].exact_len == t[1].exact_len
                      && !memcmp(t[0].exact, t[1].exact, t[0].exact_len)
                      && t[0].position == t[1].position && t[0].flags == t[1].flags
                      && t[0].kind == t[1].kind && t[0].byte_start == t[1].byte_start
                      && t[0].byte_end == t[1].byte_end, "%s: token %zu", seeds[i], n);
            n++;
        } while (more);
        cr_expect_gt(n, 10000);
        poisk_analyzer_free(a[0]);
        poisk_analyzer_free(a[1]);
    }
}

/* A form cache far smaller than the seeds' vocabulary is emptied again and again while a
 * text is analysed (the indexer sizes it from --mem): every token must stay the same. */
Test(repair, a_tiny_form_cache_changes_no_token)
{
    poisk_lexicon *lx = seed_lexicon();
    poisk_analyzer_options o = { .repair = 1, .lexicon = lx }, tiny = o;
    tiny.form_cache_bytes = 64 << 10;
    expect_same_tokens(o, tiny);
    poisk_lexicon_free(lx);
    free_seeds();
}

/* Threads feed the first pass into tables of their own (poisk_lexicon_add_text_from),
 * added up at freeze: the seeds cut at blanks into pieces fed by four feeders give every
 * form the counts of one feeder's pass, and repair the same tokens. */
Test(repair, feeders_count_like_one_table)
{
    poisk_lexicon *one = seed_lexicon(), *four;
    cr_assert_eq(poisk_lexicon_create(&four), POISK_OK);
    cr_assert_eq(poisk_lexicon_add_text_from(four, POISK_LEXICON_FEEDERS, "а", 2), POISK_EINVAL);
    unsigned turn = 0;
    for (int i = 0; i < NSEEDS; i++)
        for (size_t at = 0; at < seed_len[i];) {
            size_t end = at + 5000 < seed_len[i] ? at + 5000 : seed_len[i];
            while (end < seed_len[i] && seed_text[i][end] != ' ' && seed_text[i][end] != '\n')
                end++;
            unsigned f = (turn++ % 4) * 7;        /* feeders 0, 7, 14, 21 */
            cr_assert_eq(poisk_lexicon_add_text_from(four, f, seed_text[i] + at, end - at),
                         POISK_OK);
            at = end;
        }
    cr_assert_gt(poisk_lexicon_forms(four), poisk_lexicon_forms(one), "forms in two tables");
    cr_assert_eq(poisk_lexicon_freeze(four), POISK_OK);
    cr_assert_eq(poisk_lexicon_forms(four), poisk_lexicon_forms(one));
    poisk_analyzer_options o = { .repair = 0 };
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(&o, &a), POISK_OK);
    size_t seen = 0;
    for (int i = 0; i < NSEEDS; i++) {
        poisk_analyzer_reset(a, seed_text[i], seed_len[i]);
        poisk_token t;
        while (poisk_analyzer_next(a, &t)) {
            poisk_lexicon_entry x = poisk_lexicon_lookup(one, t.exact, t.exact_len);
            poisk_lexicon_entry y = poisk_lexicon_lookup(four, t.exact, t.exact_len);
            cr_assert(x.count == y.count && x.caps == y.caps && x.prefix == y.prefix
                      && x.suffix == y.suffix, "%.*s: %u/%u against %u/%u", (int)t.exact_len,
                      t.exact, x.count, x.caps, y.count, y.caps);
            seen += x.count > 0;
        }
    }
    poisk_analyzer_free(a);
    cr_assert_gt(seen, 50000);
    poisk_analyzer_options ro = { .repair = 1, .lexicon = one }, rf = ro;
    rf.lexicon = four;
    expect_same_tokens(ro, rf);
    poisk_lexicon_free(one);
    poisk_lexicon_free(four);
    free_seeds();
}

/* What poisk_lexicon_join_maybe() answers for a join (first part part bytes), given each
 * filter's own answer in its order. */
static unsigned filters_in_order(const poisk_lexicon *lx, const char *j, size_t len,
                                 size_t part, unsigned ask, int title)
{
    if ((ask & POISK_JOIN_LOWER) && poisk_lexicon_may_have_lower(lx, j, len))
        return POISK_JOIN_LOWER;
    if ((ask & POISK_JOIN_STEM) && poisk_lexicon_may_stem(lx, j, len, part))
        return POISK_JOIN_STEM;
    if ((ask & POISK_JOIN_SPELL) && poisk_lexicon_may_spell(lx, j, len, title))
        return POISK_JOIN_SPELL;
    return 0;
}

/* Repair asks a join's filters together (poisk_lexicon_join_maybe, one hash pass, their
 * words loaded at once) and the "+both" rule a filter of forms seen twice: the same answers
 * as the filters one by one, and no form seen twice refused, on the seeds' word pairs and
 * triples. */
Test(repair, a_join_is_asked_like_each_filter)
{
    poisk_lexicon *lx = seed_lexicon();
    poisk_analyzer *a;
    poisk_analyzer_options o = { .lexicon = lx };
    cr_assert_eq(poisk_analyzer_create(&o, &a), POISK_OK);
    poisk_analyzer_reset(a, seed_text[0], seed_len[0]);
    char prev[2][128], j[400];
    size_t pl[2] = { 0, 0 };
    long asked = 0, maybe = 0, twice = 0, started = 0;
    poisk_token t;
    while (poisk_analyzer_next(a, &t)) {
        if (t.exact_len >= 128 || t.kind != POISK_TOKEN_WORD)
            continue;
        if (poisk_lexicon_lookup(lx, t.exact, t.exact_len).count >= 2) {
            cr_assert(poisk_lexicon_may_have_twice(lx, t.exact, t.exact_len), "%.*s",
                      (int)t.exact_len, t.exact);
            twice++;
        }
        for (int n = 1; n <= 2; n++) {            /* the previous n words + this one */
            size_t part = 0;
            for (int k = 2 - n; k < 2; k++) {
                memcpy(j + part, prev[k], pl[k]);
                part += pl[k];
            }
            if (!pl[0] || !pl[1])
                continue;
            memcpy(j + part, t.exact, t.exact_len);
            size_t len = part + t.exact_len;
            for (unsigned ask = 1; ask < 8; ask++)
                for (int title = 0; title < 2; title++) {
                    unsigned want = filters_in_order(lx, j, len, part, ask, title);
                    cr_assert_eq(poisk_lexicon_join_maybe(lx, j, len, part, ask, title), want,
                                 "%.*s (%zu) ask %u title %d", (int)len, j, part, ask, title);
                    /* told that the stem walk's first prefix passes its filter (repair
                     * knows so of a pair's first piece), it answers the same */
                    if ((ask & POISK_JOIN_STEM) && poisk_lexicon_may_start_stem(lx, j, part)) {
                        cr_assert_eq(poisk_lexicon_join_maybe(lx, j, len, part,
                                                              ask | POISK_JOIN_STEM_STARTS,
                                                              title),
                                     want, "%.*s (%zu) ask %u title %d, stem starts",
                                     (int)len, j, part, ask, title);
                        started++;
                    }
                    asked++;
                    maybe += want != 0;
                }
        }
        memcpy(prev[0], prev[1], pl[1]);
        pl[0] = pl[1];
        memcpy(prev[1], t.exact, t.exact_len);
        pl[1] = t.exact_len;
    }
    cr_expect(asked > 100000 && maybe > asked / 20 && maybe < asked * 19 / 20,
              "%ld asked, %ld maybe: the sample must mix", asked, maybe);
    cr_expect_gt(twice, 1000);
    cr_expect_gt(started, asked / 20);
    poisk_analyzer_free(a);
    poisk_lexicon_free(lx);
    free_seeds();
}
