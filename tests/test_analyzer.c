/*
 * test_analyzer.c: the analyzer's rules on real fragments of the seed documents: damaged
 * UTF-8, the dash family, homoglyphs, NFC, invisible characters, glued digits and year
 * ranges, abbreviations, stop words and positions, byte offsets and exact forms.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poisk/analyzer.h"
#include "test_util.h"

/* Tokens as "term@pos" (with '=' for SAME_POSITION, ':a' abbreviation, ':n' number). */
static char *dump_opts(const char *text, size_t len, const poisk_analyzer_options *o)
{
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(o, &a), 0);
    poisk_analyzer_reset(a, text, len);
    size_t cap = 4096 + len * 4, n = 0;
    char *out = calloc(1, cap);
    poisk_token t;
    while (poisk_analyzer_next(a, &t)) {
        const char *kind = t.kind == POISK_TOKEN_ABBREV ? ":a" : t.kind == POISK_TOKEN_NUMBER ? ":n" : "";
        n += (size_t)snprintf(out + n, cap - n, "%s%.*s@%u%s%s", n ? " " : "", (int)t.term_len,
                              t.term, t.position, (t.flags & POISK_TOKEN_SAME_POSITION) ? "=" : "",
                              kind);
        cr_assert_lt(n, cap);
    }
    poisk_analyzer_free(a);
    return out;
}

static char *dump(const char *text)
{
    return dump_opts(text, strlen(text), NULL);
}

#define EXPECT(text, want) do {                                     \
        char *got_ = dump(text);                                    \
        cr_expect_str_eq(got_, want, "text: %s", text);             \
        free(got_);                                                 \
    } while (0)

Test(analyzer, plain_words_are_stemmed_and_positioned)
{
    EXPECT("Стратегия в области цифровой трансформации",
           "стратег@0 област@1 цифров@2 трансформац@3");
}

Test(analyzer, stop_words_leave_no_gaps)
{
    char *a = dump("в области цифровой трансформации");
    char *b = dump("области цифровой трансформации");
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
    /* 003 keeps stop words, the flattened files lost them: same phrase either way */
    char *c = dump("Образование и наука");
    cr_expect_str_eq(c, "образован@0 наук@1");
    free(c);
}

Test(analyzer, one_capital_letter_is_a_stop_word)
{
    EXPECT("К концу 2024 года", "конц@0 2024@1:n год@2");
    EXPECT("В ходе реализации", "ход@0 реализац@1");
}

Test(analyzer, all_caps_is_an_abbreviation_not_a_stop_word)
{
    /* 000: «базе отечественного ПО числе программное обеспечение» */
    EXPECT("базе отечественного ПО числе", "баз@0 отечествен@1 по@2:a числ@3");
    EXPECT("программы по развитию", "программ@0 развит@1");
}

Test(analyzer, stop_only_text_gives_nothing)
{
    EXPECT("и в на по для не к", "");
    EXPECT("", "");
    EXPECT("   «» .,; ", "");
}

Test(analyzer, abbreviations_are_not_stemmed)
{
    EXPECT("рекомендовано ФОИ ЕГИССО ЖКХ ИИ", "рекомендова@0 фои@1:a егиссо@2:a жкх@3:a ии@4:a");
    /* longer all-caps words are headings, stemmed as words */
    EXPECT("ОГЛАВЛЕНИЕ", "оглавлен@0");
    EXPECT("УТВЕРЖДАЮ", "утвержда@0");
}

static int seen_as_abbrev(void *ctx, const char *form, size_t len)
{
    (void)ctx;
    return (len == 6 && !memcmp(form, "фои", 6)) || (len == 12 && !memcmp(form, "егиссо", 12));
}

Test(analyzer, query_hook_meets_lower_case_abbreviations)
{
    poisk_analyzer_options o = { .is_abbrev = seen_as_abbrev };
    char *q = dump_opts("фои егиссо", strlen("фои егиссо"), &o);
    cr_expect_str_eq(q, "фои@0:a фо@0= егиссо@1:a егисс@1=");
    free(q);
    char *plain = dump("фои");
    cr_expect_str_eq(plain, "фо@0");
    free(plain);
}

Test(analyzer, digits_glued_to_letters_split)
{
    EXPECT("8Раздел", "8@0:n раздел@1");
    EXPECT("закона 13072020г 189ФЗ", "закон@0 13072020@1:n г@2 189@3:n фз@4:a");
    EXPECT("31 октября 2018695пр", "31@0:n октябр@1 2018695@2:n пр@3");
    EXPECT("детей ОГ02 Обеспечение", "дет@0 ог@1:a 02@2:n обеспечен@3");
    EXPECT("государственно1й", "государствен@0 1@1:n й@2");
}

Test(analyzer, glued_and_dashed_year_ranges_yield_both_years)
{
    EXPECT("Период 20222024 годов", "период@0 2022@1:n 2024@2:n 20222024@2=:n год@3");
    EXPECT("2022-2024", "2022@0:n 2024@1:n 20222024@1=:n");
    EXPECT("2022\u20132024", "2022@0:n 2024@1:n 20222024@1=:n");
    /* a date is not a range */
    EXPECT("31122020", "31122020@0:n");
}

Test(analyzer, every_dash_joins_a_compound)
{
    static const char *dashes[] = { "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014",
                                    "\u2015", "\u2212", "\ufe63", "\uff0d" };
    for (size_t i = 0; i < sizeof dashes / sizeof *dashes; i++) {
        char text[128];
        snprintf(text, sizeof text, "социально%sэкономического развития", dashes[i]);
        EXPECT(text, "социальн@0 экономическ@1 социальноэкономическ@1= развит@2");
    }
}

Test(analyzer, spaced_dash_is_punctuation)
{
    EXPECT("2022 \u2013 2024", "2022@0:n 2024@1:n");
    EXPECT("Применение -технологий", "применен@0 технолог@1");
}

Test(analyzer, hyphen_then_space_is_still_a_compound)
{
    /* 003: «ИТ- специальностей», «жилищно- коммунального» */
    EXPECT("жилищно- коммунального", "жилищн@0 коммунальн@1 жилищнокоммунальн@1=");
}

Test(analyzer, case_change_splits_glued_words)
{
    /* flattened files glued «ИТ-специальностей» and «ТЭК и ЖКХ» */
    EXPECT("популяризации ИТспециальностей", "популяризац@0 ит@1:a специальн@2 итспециальн@2=");
    char *a = dump("ИТспециальностей");
    char *b = dump("ИТ-специальностей");
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
    EXPECT("ТЭКиЖКХ", "тэк@0:a жкх@1:a тэкижкх@1=");
}

Test(analyzer, nfc_composes_pdf_decompositions)
{
    /* й as и + U+0306, ё as е + U+0308 */
    EXPECT("цифрови\u0306 трансформации", "цифров@0 трансформац@1");
    EXPECT("Дегтяре\u0308в", "дегтяр@0");
    char *a = dump("Дегтярёв счёт");
    char *b = dump("Дегтярев счет");
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
}

Test(analyzer, invisible_characters_and_nbsp)
{
    EXPECT("цифро\u00ADвой транс\u200Bформации", "цифров@0 трансформац@1");
    EXPECT("цифровой\u00A0трансформации", "цифров@0 трансформац@1");
    EXPECT("\ufeffСтратегия", "стратег@0");
}

Test(analyzer, latin_homoglyphs_fold_to_cyrillic)
{
    /* «Стратегия» with a Latin C, «цифровой» with a Latin o, «ФОИ» with a Latin O */
    EXPECT("Cтратегия цифрoвой ФOИ", "стратег@0 цифров@1 фои@2:a");
    /* a real Latin word stays Latin and gets the English stemmer */
    EXPECT("services", "servic@0");
    /* a Latin letter without a Cyrillic twin keeps the word as written */
    EXPECT("Wi", "wi@0");
}

Test(analyzer, letters_of_other_languages_are_letters)
{
    EXPECT("Україна їжак әлеп ҡала", "україн@0 їжак@1 әлеп@2 ҡал@3");
}

Test(analyzer, damaged_utf8_becomes_separators_and_is_counted)
{
    /* 000: «Федерального закона 13072020г 189ФЗ» with damage inserted */
    static const char text[] = "Федерального\xff закона\xc0\xaf 13072020г\xed\xa0\x80 189\0ФЗ \xd0";
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), 0);
    poisk_analyzer_reset(a, text, sizeof text - 1);
    poisk_token t;
    int n = 0;
    while (poisk_analyzer_next(a, &t)) {
        cr_expect_leq(t.byte_end, sizeof text - 1);
        n++;
    }
    cr_expect_eq(n, 6);
    cr_expect_eq(poisk_analyzer_invalid_sequences(a), 5);   /* ff, c0 af, ed a0 80, nul, d0 */
    poisk_analyzer_free(a);
}

Test(analyzer, random_bytes_never_crash_and_stay_in_bounds)
{
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), 0);
    unsigned seed = 12345;
    char buf[512];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(rand_r(&seed) % (int)sizeof buf);
        for (size_t i = 0; i < len; i++) {
            int r = rand_r(&seed);
            /* mostly Cyrillic lead/continuation bytes, dashes and digits */
            static const unsigned char pool[] = { 0xd0, 0xd1, 0xb0, 0xbe, 0x80, 0x2d, ' ', '\n',
                                                  '1', '2', 'A', 0xe2, 0x80, 0x93, 0xcc, 0x86 };
            buf[i] = (char)(r & 1 ? pool[(r >> 1) % sizeof pool] : (r >> 8));
        }
        poisk_analyzer_reset(a, buf, len);
        poisk_token t;
        uint32_t last = 0;
        int first = 1;
        while (poisk_analyzer_next(a, &t)) {
            cr_assert_leq(t.byte_start, t.byte_end);
            cr_assert_leq(t.byte_end, len);
            cr_assert_gt(t.term_len, 0);
            if (t.flags & POISK_TOKEN_SAME_POSITION)
                cr_assert_eq(t.position, last);
            else
                cr_assert_eq(t.position, first ? 0 : last + 1);
            last = t.position;
            first = 0;
        }
    }
    poisk_analyzer_free(a);
}

Test(analyzer, byte_offsets_and_exact_forms)
{
    const char *text = " органы государственной власти Хабаровского края Счёт";
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), 0);
    poisk_analyzer_reset(a, text, strlen(text));
    poisk_token t;
    static const char *surface[] = { "органы", "государственной", "власти", "Хабаровского",
                                     "края", "Счёт" };
    static const char *exact[] = { "органы", "государственной", "власти", "хабаровского",
                                   "края", "счет" };
    for (int i = 0; i < 6; i++) {
        cr_assert(poisk_analyzer_next(a, &t));
        cr_expect_eq(t.byte_end - t.byte_start, strlen(surface[i]));
        cr_expect(!memcmp(text + t.byte_start, surface[i], strlen(surface[i])));
        cr_expect_eq(t.exact_len, strlen(exact[i]));
        cr_expect(!memcmp(t.exact, exact[i], t.exact_len));
        cr_expect_eq(t.position, (uint32_t)i);
    }
    cr_expect_not(poisk_analyzer_next(a, &t));
    poisk_analyzer_free(a);
}

Test(analyzer, reset_restarts_positions)
{
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), 0);
    poisk_token t;
    poisk_analyzer_reset(a, "цифровой помощник", strlen("цифровой помощник"));
    cr_assert(poisk_analyzer_next(a, &t));
    poisk_analyzer_reset(a, "ученика", strlen("ученика"));
    cr_assert(poisk_analyzer_next(a, &t));
    cr_expect_eq(t.position, 0);
    cr_expect_eq(t.term_len, strlen("ученик"));
    poisk_analyzer_free(a);
}

Test(analyzer, is_stop_word_is_case_insensitive)
{
    cr_expect(poisk_is_stop_word("Между", strlen("Между")));
    cr_expect(poisk_is_stop_word("ЕЩЁ", strlen("ЕЩЁ")));
    cr_expect(poisk_is_stop_word("в", strlen("в")));
    cr_expect_not(poisk_is_stop_word("также", strlen("также")));
    cr_expect_not(poisk_is_stop_word("жизнь", strlen("жизнь")));   /* Snowball-only */
    cr_expect_not(poisk_is_stop_word("", 0));
}

Test(analyzer, fingerprints_are_stable)
{
    cr_expect_neq(poisk_stop_list_hash(), 0);
    cr_expect_eq(poisk_stop_list_hash(), poisk_stop_list_hash());
    cr_expect_neq(poisk_stemmer_fingerprint(), 0);
    cr_expect_eq(poisk_stemmer_fingerprint(), poisk_stemmer_fingerprint());
}

Test(analyzer, whole_seed_files_analyse_cleanly)
{
    static const char *files[] = { "corpus/000_6d545a6ce98a1d7f.txt", "corpus/003_1226d5db7793b8dd.txt" };
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), 0);
    for (int f = 0; f < 2; f++) {
        size_t n;
        char *buf = tu_read_file(files[f], &n);
        cr_assert(buf, "run from the repository root");
        poisk_analyzer_reset(a, buf, n);
        poisk_token t;
        size_t tokens = 0, abbrevs = 0, words = 0, as_written = 0;
        while (poisk_analyzer_next(a, &t)) {
            tokens++;
            abbrevs += t.kind == POISK_TOKEN_ABBREV;
            cr_assert_leq(t.byte_end, n);
            /* the exact form stays readable until the next call (tokens are made a few
             * groups at a time): most words are written in lower case as they are */
            if (t.kind == POISK_TOKEN_WORD) {
                words++;
                as_written += t.exact_len == t.byte_end - t.byte_start
                              && !memcmp(t.exact, buf + t.byte_start, t.exact_len);
            }
        }
        cr_expect_gt(tokens, 12000);
        cr_expect_gt(abbrevs, 200);
        cr_expect_gt(as_written * 10, words * 8, "%zu of %zu words as written", as_written,
                     words);
        free(buf);
    }
    cr_expect_eq(poisk_analyzer_invalid_sequences(a), 0);
    poisk_analyzer_free(a);
}

/* form_id (analyzer.h): within one epoch an id names one (exact, term) pair, for word
 * tokens only; checked over a seed file with the default cache and one so small that it
 * is emptied many times (new epochs reuse the ids). */
typedef struct seen_form { uint32_t epoch; char *pair; } seen_form;

static void check_form_ids(size_t cache_bytes)
{
    static const char *files[] = { "corpus/000_6d545a6ce98a1d7f.txt", "corpus/001_3861efe6e14c2db8.txt",
                                   "corpus/002_9b4cadca6ea1cf96.txt", "corpus/003_1226d5db7793b8dd.txt",
                                   "corpus/004_c48ce2c96f8ff17a.txt" };
    poisk_analyzer_options o = { .form_cache_bytes = cache_bytes };
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(&o, &a), 0);
    size_t cap = 0, words = 0, with_id = 0, repeats = 0;
    uint32_t epochs = 0, last_epoch = 0;
    seen_form *seen = NULL;
    for (int f = 0; f < 5; f++) {
        size_t n;
        char *buf = tu_read_file(files[f], &n);
        cr_assert(buf, "run from the repository root");
        poisk_analyzer_reset(a, buf, n);
        poisk_token t;
        while (poisk_analyzer_next(a, &t)) {
            words += t.kind == POISK_TOKEN_WORD;
            if (!t.form_id)
                continue;
            cr_assert_eq(t.kind, POISK_TOKEN_WORD);
            with_id++;
            if (t.form_epoch != last_epoch) {
                cr_assert_gt(t.form_epoch, last_epoch, "epochs only grow");
                last_epoch = t.form_epoch;
                epochs++;
            }
            if (t.form_id > cap) {
                size_t c = cap ? cap : 1024;
                while (c < t.form_id)
                    c *= 2;
                seen = realloc(seen, c * sizeof *seen);
                memset(seen + cap, 0, (c - cap) * sizeof *seen);
                cap = c;
            }
            char pair[1100];
            snprintf(pair, sizeof pair, "%.*s|%.*s", (int)t.exact_len, t.exact, (int)t.term_len,
                     t.term);
            seen_form *s = &seen[t.form_id - 1];
            if (s->pair && s->epoch == t.form_epoch) {
                cr_assert_str_eq(s->pair, pair, "form id %u, epoch %u", t.form_id, t.form_epoch);
                repeats++;
            } else {
                free(s->pair);
                s->pair = strdup(pair);
                s->epoch = t.form_epoch;
            }
        }
        free(buf);
    }
    cr_expect_gt(with_id * 10, words * 9, "most word tokens carry an id");
    cr_expect_gt(repeats * 2, with_id, "the ids repeat");
    if (cache_bytes)
        cr_expect_gt(epochs, 2, "the small cache was emptied (%u epochs)", epochs);
    for (size_t i = 0; i < cap; i++)
        free(seen[i].pair);
    free(seen);
    poisk_analyzer_free(a);
}

Test(analyzer, a_form_id_names_one_pair_per_epoch)
{
    check_form_ids(0);
    check_form_ids(64 << 10);
}

/* ---- analyzer_scan.c: the lexicon's first-pass entry ---------------------------------- */

#include "analyzer_scan.h"

/* The letter pieces (form, caps) of poisk_scanner_next_form() are those of
 * poisk_scanner_next(), in order.  @return : letter pieces compared */
static size_t same_letter_pieces(const char *text, size_t len)
{
    static poisk_scanner a, b;
    poisk_piece pa, pb;
    size_t n = 0;
    poisk_scanner_reset(&a, text, len);
    poisk_scanner_reset(&b, text, len);
    for (;;) {
        int ra, rb;
        do
            ra = poisk_scanner_next(&a, &pa);
        while (ra && pa.digit);
        do
            rb = poisk_scanner_next_form(&b, &pb);
        while (rb && pb.digit);
        cr_assert_eq(ra, rb, "piece %zu: one entry ended first", n);
        if (!ra)
            return n;
        cr_assert(pa.len == pb.len && !memcmp(pa.form, pb.form, pa.len) && pa.caps == pb.caps,
                  "piece %zu at byte %zu: '%.*s' vs '%.*s'", n, pa.start, (int)pa.len, pa.form,
                  (int)pb.len, pb.form);
        n++;
    }
}

/* Plain words of every length around the shortcut's 16 letters, Title, CAPS, ё, digits,
 * with every kind of neighbour, and a seed file with bytes that leave the shortcut
 * (marks, soft hyphens, dashes, quotes, NBSP, damaged UTF-8, Latin, NUL) sprinkled in. */
Test(scanner, first_pass_entry_reads_the_same_letter_pieces)
{
    static const char *heads[] = { "", "П", "Ё", "ё", "ИТ", "5", "a" };
    static const char *tails[] = { " ", ", ", ".\n", "-", "\xC2\xAB", "\xC2\xBB", "\xC2\xA0",
                                   "\xC2\xAD", "\xCC\x81", "5", "x", "Я", "ё", "\0", "\xFF" };
    char text[4096];
    size_t compared = 0;
    for (size_t h = 0; h < sizeof heads / sizeof *heads; h++)
        for (size_t t = 0; t < sizeof tails / sizeof *tails; t++)
            for (int letters = 0; letters <= 40; letters++) {
                size_t o = 0;
                o += (size_t)sprintf(text + o, "%s", "начало 2024 ");
                o += (size_t)sprintf(text + o, "%s", heads[h]);
                for (int i = 0; i < letters; i++)
                    o += (size_t)sprintf(text + o, "%s", "ж");
                size_t tl = tails[t][0] ? strlen(tails[t]) : 1;
                memcpy(text + o, tails[t], tl);
                o += tl;
                o += (size_t)sprintf(text + o, "%s", " конец текста, длинный хвост здесь 77 да");
                for (size_t cut = o - 50; cut <= o; cut += 7)   /* near the end, too */
                    compared += same_letter_pieces(text, cut);
            }
    cr_expect_gt(compared, 10000);

    size_t n;
    char *buf = tu_read_file("corpus/000_6d545a6ce98a1d7f.txt", &n);
    cr_assert(buf, "run from the repository root");
    cr_expect_gt(same_letter_pieces(buf, n), 12000);
    static const char *odd[] = { "\xC2\xAD", "\xCC\x81", "\xD1\x91", "\xD0\x81", "-", "\xC2\xAB",
                                 "\xC2\xA0", "7", "Q", "\xFF", "\xD0", "\xD0\x9F", "\xE2\x80\x94" };
    char *m = malloc(n + 4096);
    cr_assert(m);
    unsigned seed = 7;
    size_t ml = n;
    memcpy(m, buf, n);
    for (int k = 0; k < 1000; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 8) % ml;
        const char *ins = odd[(seed >> 4) % (sizeof odd / sizeof *odd)];
        size_t il = strlen(ins);
        memmove(m + at + il, m + at, ml - at);
        memcpy(m + at, ins, il);
        ml += il;
    }
    cr_expect_gt(same_letter_pieces(m, ml), 12000);
    free(m);
    free(buf);
}

/* The piece that starts at byte `at` of text[0, len) (its fields, zeroed when none). */
static poisk_piece piece_at(const char *text, size_t len, size_t at)
{
    static poisk_scanner s;
    poisk_piece p;
    poisk_scanner_reset(&s, text, len);
    while (poisk_scanner_next(&s, &p))
        if (p.start == at)
            return p;
    memset(&p, 0, sizeof p);
    return p;
}

/* poisk_scanner_next() reads the plain word (33 bytes readable) through a shortcut and the
 * same word near the end of the text through fast_run() or the general path: every field
 * of the piece must agree. */
Test(scanner, plain_word_shortcut_fills_the_piece_as_the_slow_paths_do)
{
    static const char *heads[] = { "", "П", "Ё", "ё", "ИТ", "Я", "д" };
    static const char *tails[] = { " ", ", ", ".\n", "-", "\xC2\xAB", "\xC2\xA0", "5", "x", "ё" };
    char text[512];
    int checked = 0;
    for (size_t h = 0; h < sizeof heads / sizeof *heads; h++)
        for (size_t t = 0; t < sizeof tails / sizeof *tails; t++)
            for (int letters = 0; letters <= 20; letters++) {
                size_t o = (size_t)sprintf(text, "%s", "начало, ");
                size_t at = o;
                o += (size_t)sprintf(text + o, "%s", heads[h]);
                for (int i = 0; i < letters; i++)
                    o += (size_t)sprintf(text + o, "%s", i % 3 ? "ж" : "п");
                if (o == at)
                    continue;
                o += (size_t)sprintf(text + o, "%s", tails[t]);
                size_t cut = o;
                o += (size_t)sprintf(text + o, "%s", " конец текста, длинный хвост здесь и там");
                poisk_piece a = piece_at(text, o, at), b = piece_at(text, cut, at);
                cr_assert(a.len && a.len == b.len && !memcmp(a.form, b.form, a.len)
                          && a.nchars == b.nchars && a.end == b.end && a.digit == b.digit
                          && a.caps == b.caps && a.title == b.title && a.latin == b.latin
                          && a.glue == b.glue && a.r_bits == b.r_bits && !a.ref.hash
                          && !b.ref.hash, "'%.*s'", (int)(cut - at), text + at);
                checked++;
            }
    cr_expect_gt(checked, 1000);
}

/* ---- lexicon_mem.c: poisk_table_double ------------------------------------------------ */

#include "lexicon_mem.h"

static size_t high_home(const void *e, size_t mask, void *ctx)
{
    (void)ctx;
    return (size_t)(*(const uint64_t *)e >> 32) & mask;
}

/* n slots filled 7/8 with entries whose homes crowd the end (clusters wrap past the last
 * slot), doubled, then every entry must be found by probing from its new home. */
static void double_and_find(size_t n)
{
    uint64_t *t = poisk_table_alloc(n * sizeof *t);
    cr_assert_not_null(t);
    uint64_t x = 88172645463325252ull;
    size_t count = n / 8 * 7;
    for (size_t k = 0; k < count; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t hi = (uint32_t)(x >> 32);
        if (k % 3 == 0)
            hi |= (uint32_t)(n - 1) & ~(uint32_t)7;   /* home near the end of n slots */
        uint64_t v = (uint64_t)hi << 32 | (k + 1);
        size_t i = high_home(&v, n - 1, NULL);
        while (t[i])
            i = (i + 1) & (n - 1);
        t[i] = v;
    }
    uint64_t *d = poisk_table_double(t, n, sizeof *t, high_home, NULL);
    cr_assert_not_null(d);
    size_t seen = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        if (!d[i])
            continue;
        seen++;
        size_t j = high_home(&d[i], 2 * n - 1, NULL);
        while (j != i) {
            cr_assert(d[j], "a hole between an entry's home and its slot (n %zu)", n);
            j = (j + 1) & (2 * n - 1);
        }
    }
    cr_assert_eq(seen, count);
    poisk_table_free(d, 2 * n * sizeof *d);
}

Test(table_mem, doubling_in_place_keeps_every_entry_reachable)
{
    double_and_find(64);                /* heap: copied, then rehashed */
    double_and_find((size_t)1 << 18);   /* 2 MiB: a mapping, its pages moved */
    double_and_find((size_t)1 << 19);
}

/* ---- stemcache.c: lookups by ref ------------------------------------------------------ */

#include "stemcache.h"

/* Many forms (the table grows, and many are displaced from their home slot), then every
 * form is looked up three ways: poisk_stemcache_find(), a fresh ref (the home-slot look
 * or the general probe), and a ref of an older table generation.  All must name the one
 * entry that holds the form's bytes. */
Test(stemcache, refs_find_the_entry_of_their_form)
{
    poisk_stopset stop;
    poisk_stopset_init(&stop);
    poisk_stemcache *c;
    cr_assert_eq(poisk_stemcache_create(&stop, NULL, &c), 0);
    enum { N = 20000 };
    static char forms[N][16];
    static poisk_form_ref old[N];
    for (int i = 0; i < N; i++) {
        snprintf(forms[i], sizeof forms[i], "ф%05dz", i);
        size_t len = strlen(forms[i]);
        old[i].hash = 0;
        cr_assert_not_null(poisk_stemcache_find_ref(c, forms[i], len, &old[i]));
    }
    size_t in_home = 0;
    for (int i = 0; i < N; i++) {
        size_t len = strlen(forms[i]);
        poisk_form *e = poisk_stemcache_find(c, forms[i], len, 0);
        cr_assert_not_null(e);
        cr_assert_eq(e->len, len);
        cr_assert(!memcmp(poisk_stemcache_arena(c) + e->off, forms[i], len), "form %d", i);
        poisk_form_ref fresh = { poisk_form_hash(forms[i], len), 0, 0 };
        cr_assert_eq(poisk_stemcache_find_ref(c, forms[i], len, &fresh), e, "form %d", i);
        cr_assert_eq(poisk_stemcache_find_ref(c, forms[i], len, &fresh), e, "again, %d", i);
        cr_assert_eq(poisk_stemcache_find_ref(c, forms[i], len, &old[i]), e, "old ref %d", i);
        const poisk_stemcache_view *v = (const poisk_stemcache_view *)(const void *)c;
        in_home += fresh.slot == ((fresh.hash >> 8) & v->mask);
    }
    cr_expect(in_home > N / 2 && in_home < N, "home slots %zu of %d", in_home, N);
    poisk_stemcache_free(c);
}
