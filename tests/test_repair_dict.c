/*
 * test_repair_dict.c: the word list behind split-word repair (lib/lexicon_dict.c) answers
 * exactly what libhunspell answers for Debian's ru_RU dictionary, on real word forms of a
 * seed document, their glued neighbours (the joins repair asks about) and their prefixes
 * and suffixes (the halves of glued compounds); dictionaries with features it does not
 * implement are refused so the lexicon falls back to libhunspell.
 */
#include <criterion/criterion.h>
#include <hunspell.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lexicon_dict.h"
#include "poisk/analyzer.h"
#include "poisk/poisk.h"
#include "test_util.h"

#define AFF "/usr/share/hunspell/ru_RU.aff"
#define DIC "/usr/share/hunspell/ru_RU.dic"

typedef struct {
    Hunhandle *h;
    poisk_dict *d;
    poisk_dict *blob;     /* the same dictionary through its precomputed blob */
    long words, accepted;
} pair;

/* Same answer for the word as given and, if it starts with a lower-case Russian letter,
 * Capitalised (hunspell then also accepts the lower-case word). */
static void same(pair *p, const char *w, size_t n)
{
    char b[512];
    if (!n || n >= sizeof b - 1)
        return;
    memcpy(b, w, n);
    b[n] = 0;
    int hun = Hunspell_spell(p->h, b) != 0, mine = poisk_dict_check(p->d, b, n);
    cr_assert_eq(mine, hun, "%s: hunspell %d, poisk_dict %d", b, hun, mine);
    cr_assert_eq(poisk_dict_check(p->blob, b, n), mine, "%s: blob differs", b);
    p->words++;
    p->accepted += hun;
    unsigned char *u = (unsigned char *)b;
    if (u[0] == 0xD0 && u[1] >= 0xB0 && u[1] <= 0xBF)
        u[1] -= 0x20;
    else if (u[0] == 0xD1 && u[1] >= 0x80 && u[1] <= 0x8F) {
        u[0] = 0xD0;
        u[1] += 0x20;
    } else
        return;
    hun = Hunspell_spell(p->h, b) != 0;
    mine = poisk_dict_check(p->d, b, n) || poisk_dict_check(p->d, w, n);
    cr_assert_eq(mine, hun, "%s: hunspell %d, poisk_dict %d", b, hun, mine);
    cr_assert_eq(poisk_dict_check(p->blob, b, n), poisk_dict_check(p->d, b, n), "%s: blob", b);
}

/* The loaded dictionary saved as a blob (what `make` embeds) and opened in place. */
static poisk_dict *via_blob(const poisk_dict *d, void **mem)
{
    char path[] = "/tmp/poisk_blob_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w+b");
    cr_assert_eq(poisk_dict_save(d, AFF, DIC, f), POISK_OK);
    long n = ftell(f);
    cr_assert(n > 0);
    *mem = aligned_alloc(64, ((size_t)n + 63) & ~(size_t)63);
    rewind(f);
    cr_assert_eq(fread(*mem, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    unlink(path);
    poisk_dict *b = NULL;
    cr_assert_eq(poisk_dict_open_blob(*mem, (size_t)n - 1, AFF, DIC, &b), POISK_EINVAL);
    cr_assert_eq(poisk_dict_open_blob(*mem, (size_t)n, AFF, "/etc/hostname", &b),
                 POISK_EINVAL, "a blob of other files is refused");
    cr_assert_eq(poisk_dict_open_blob(*mem, (size_t)n, AFF, DIC, &b), POISK_OK);
    return b;
}

Test(repair_dict, answers_like_libhunspell_on_a_seed)
{
    if (access(AFF, R_OK) || access(DIC, R_OK))
        cr_skip_test("hunspell-ru is not installed");
    pair p = { Hunspell_create(AFF, DIC), NULL, NULL, 0, 0 };
    cr_assert(p.h);
    cr_assert_eq(poisk_dict_load(AFF, DIC, &p.d), POISK_OK);
    void *blob_mem;
    p.blob = via_blob(p.d, &blob_mem);
    /* the lexicon probes a copy of the blob's word filter (on huge pages): so do we */
    size_t wn;
    const uint64_t *w = poisk_dict_word_filter(p.blob, &wn);
    cr_assert(w && wn >= 8);
    uint64_t *words = malloc(wn);
    cr_assert(words);
    memcpy(words, w, wn);
    poisk_dict_use_word_filter(p.blob, words);
    cr_assert_eq(poisk_dict_word_filter(p.blob, &wn), words);
    size_t len;
    char *text = tu_read_file("corpus/000_6d545a6ce98a1d7f.txt", &len);
    cr_assert(text, "run the tests from the repository root");
    len = len < 30000 ? len : 30000;              /* an eighth of the split-heavy seed */
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), POISK_OK);
    poisk_analyzer_reset(a, text, len);
    poisk_token t;
    char prev[2][256];
    size_t pl[2] = { 0, 0 };
    while (poisk_analyzer_next(a, &t)) {
        if (t.exact_len >= 200)
            continue;
        char j[600];
        same(&p, t.exact, t.exact_len);
        memcpy(j, prev[1], pl[1]);                       /* two pieces glued */
        memcpy(j + pl[1], t.exact, t.exact_len);
        same(&p, j, pl[1] + t.exact_len);
        memcpy(j, prev[0], pl[0]);                       /* three */
        memcpy(j + pl[0], prev[1], pl[1]);
        memcpy(j + pl[0] + pl[1], t.exact, t.exact_len);
        same(&p, j, pl[0] + pl[1] + t.exact_len);
        for (size_t k = 6; k + 6 <= t.exact_len; k += 4) {  /* halves */
            same(&p, t.exact, k);
            same(&p, t.exact + k, t.exact_len - k);
        }
        memcpy(prev[0], prev[1], pl[1]);
        pl[0] = pl[1];
        memcpy(prev[1], t.exact, t.exact_len);
        pl[1] = t.exact_len;
    }
    cr_assert_gt(p.words, 10000, "compared %ld words", p.words);
    cr_assert(p.accepted > p.words / 10 && p.accepted < p.words * 9 / 10,
              "both accept %ld of %ld: the sample must mix words and non-words", p.accepted,
              p.words);
    const char *fixed[] = { "является", "образовательного", "ставропольского",
                            "образо", "вательного", "государственной", "верифицированных",
                            "2024", "программы", "про", "граммы", "социальноэкономического" };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        same(&p, fixed[i], strlen(fixed[i]));
    poisk_analyzer_free(a);
    free(text);
    poisk_dict_free(p.d);
    poisk_dict_free(p.blob);
    free(words);
    free(blob_mem);
    Hunspell_destroy(p.h);
}

/* The word filter a blob's dictionary probes is the copy it was given, not the blob's. */
Test(repair_dict, a_blob_probes_the_word_filter_it_is_given)
{
    if (access(AFF, R_OK) || access(DIC, R_OK))
        cr_skip_test("hunspell-ru is not installed");
    poisk_dict *d, *b;
    cr_assert_eq(poisk_dict_load(AFF, DIC, &d), POISK_OK);
    void *mem;
    b = via_blob(d, &mem);
    const char *junk = "щъыщъызкщ";
    size_t wn;
    cr_assert(poisk_dict_word_filter(b, &wn));
    cr_assert(!poisk_dict_may_check(b, junk, strlen(junk)), "the filter refuses it");
    uint64_t *all = malloc(wn);
    cr_assert(all);
    memset(all, 0xFF, wn);
    poisk_dict_use_word_filter(b, all);
    cr_assert(poisk_dict_may_check(b, junk, strlen(junk)), "an all-ones copy lets it pass");
    cr_assert(!poisk_dict_check(b, junk, strlen(junk)), "and the check still refuses it");
    poisk_dict_use_word_filter(d, all);           /* a loaded dictionary keeps its own */
    cr_assert_eq(poisk_dict_word_filter(d, &wn) != all, 1);
    poisk_dict_free(b);
    poisk_dict_free(d);
    free(all);
    free(mem);
}

/* Split-word repair refuses a join from its first piece alone (repair.c join_asks) when
 * no stem starts with that piece and the rest holds the longest added suffix: then the
 * word list must refuse the join, whatever follows (its filter, a Bloom filter, may still
 * let the join pass; repair then asks the word list, which refuses it). */
static void start_refusal_holds(const poisk_dict *d, const char *w, size_t n, long *refused)
{
    size_t max_add = poisk_dict_max_add(d);
    for (size_t i = 1; i < n && n - i >= max_add; i++) {
        if (((unsigned char)w[i] & 0xC0) == 0x80 || poisk_dict_may_start(d, w, i))
            continue;
        cr_assert(!poisk_dict_check(d, w, n), "%.*s | %.*s: accepted", (int)i, w,
                  (int)(n - i), w + i);
        (*refused)++;
    }
}

Test(repair_dict, no_stem_start_refuses_every_longer_word)
{
    if (access(AFF, R_OK) || access(DIC, R_OK))
        cr_skip_test("hunspell-ru is not installed");
    poisk_dict *d;
    cr_assert_eq(poisk_dict_load(AFF, DIC, &d), POISK_OK);
    cr_assert_lt(poisk_dict_max_add(d), 64);
    size_t len;
    char *text = tu_read_file("corpus/000_6d545a6ce98a1d7f.txt", &len);
    cr_assert(text, "run the tests from the repository root");
    len = len < 30000 ? len : 30000;
    poisk_analyzer *a;
    cr_assert_eq(poisk_analyzer_create(NULL, &a), POISK_OK);
    poisk_analyzer_reset(a, text, len);
    poisk_token t;
    char j[600], prev[2][256];
    size_t pl[2] = { 0, 0 };
    long refused = 0;
    while (poisk_analyzer_next(a, &t)) {
        if (t.exact_len >= 200)
            continue;
        memcpy(j, prev[0], pl[0]);                       /* three pieces glued */
        memcpy(j + pl[0], prev[1], pl[1]);
        memcpy(j + pl[0] + pl[1], t.exact, t.exact_len);
        start_refusal_holds(d, j, pl[0] + pl[1] + t.exact_len, &refused);
        start_refusal_holds(d, j + pl[0], pl[1] + t.exact_len, &refused);   /* two */
        memcpy(prev[0], prev[1], pl[1]);
        pl[0] = pl[1];
        memcpy(prev[1], t.exact, t.exact_len);
        pl[1] = t.exact_len;
    }
    cr_assert_gt(refused, 1000, "refused %ld", refused);
    cr_assert(poisk_dict_may_start(d, "образо", strlen("образо")), "short: maybe");
    cr_assert(poisk_dict_may_start(d, "образовательн", strlen("образовательн")));
    poisk_analyzer_free(a);
    free(text);
    poisk_dict_free(d);
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    return path;
}

Test(repair_dict, small_dictionary_rules_and_refusals)
{
    char dir[] = "/tmp/poisk_dict_XXXXXX";
    cr_assert(mkdtemp(dir));
    char *aff = write_tmp(dir, "t.aff", "SET UTF-8\nTRY абв\n\nSFX A Y 2\nSFX A а ы [^к]а\n"
                                        "SFX A а и ка\n# comment\nSFX B Y 1\nSFX B 0 ом .\n");
    char *dic = write_tmp(dir, "t.dic", "3\nпапа/A\nрука/A\nдом/B\nМосква/A\n");
    poisk_dict *d;
    cr_assert_eq(poisk_dict_load(aff, dic, &d), POISK_OK);
    cr_assert(poisk_dict_check(d, "папа", strlen("папа")));
    cr_assert(poisk_dict_check(d, "папы", strlen("папы")));      /* [^к]а */
    cr_assert(!poisk_dict_check(d, "папи", strlen("папи")));
    cr_assert(poisk_dict_check(d, "руки", strlen("руки")));      /* ка */
    cr_assert(!poisk_dict_check(d, "рукы", strlen("рукы")));
    cr_assert(poisk_dict_check(d, "домом", strlen("домом")));
    cr_assert(!poisk_dict_check(d, "ом", strlen("ом")));         /* nothing left before add */
    cr_assert(poisk_dict_check(d, "Москвы", strlen("Москвы")));
    cr_assert(!poisk_dict_check(d, "москвы", strlen("москвы"))); /* case as given */
    cr_assert(!poisk_dict_check(d, "\xD0", 1));                  /* damaged UTF-8 */
    cr_assert(!poisk_dict_check(d, "", 0));
    poisk_dict_free(d);
    /* prefixes (or compounds, flag types ...) are not implemented: refused, not misread */
    char *pfx = write_tmp(dir, "p.aff", "SET UTF-8\nPFX C Y 1\nPFX C 0 не .\n");
    cr_assert_eq(poisk_dict_load(pfx, dic, &d), POISK_EINVAL);
    char *latin = write_tmp(dir, "l.aff", "SET KOI8-R\n");
    cr_assert_eq(poisk_dict_load(latin, dic, &d), POISK_EINVAL);
    cr_assert_eq(poisk_dict_load("/nonexistent.aff", dic, &d), POISK_EIO);
    char *paths[] = { aff, dic, pfx, latin };
    for (int i = 0; i < 4; i++) {
        unlink(paths[i]);
        free(paths[i]);
    }
    rmdir(dir);
}
