/*
 * fuzz_analyzer.c: any bytes -> the analyzer (stage: text -> analyzer), with and without
 * split-word repair.  Promises checked: no crash or out-of-bounds read on any bytes;
 * every token's byte range lies inside the text and is not reversed; terms are non-empty
 * and shorter than the analyzer's term cap; positions never go back and a
 * SAME_POSITION token repeats the previous position; analysing the same text twice with
 * the same analyzer gives the same tokens (no state leaks across reset).
 */
#include "fuzz_common.h"
#include "poisk/analyzer.h"

/* Corpus words for the repair lexicon, so repair has real words to rejoin. */
static const char fuzz_lexicon_text[] =
    "Стратегия цифровой трансформации отраслей экономики социальной сферы и государственного "
    "управления Ставропольского края телемедицина здравоохранение образование цифровой "
    "помощник ученика платформа обратной связи ФОИ ЦОД искусственный интеллект";

static poisk_lexicon *fuzz_lexicon(void)
{
    static poisk_lexicon *lx;
    if (!lx) {
        FUZZ_CHECK(poisk_lexicon_create(&lx) == 0);
        FUZZ_CHECK(poisk_lexicon_add_text(lx, fuzz_lexicon_text, sizeof fuzz_lexicon_text - 1) == 0);
        FUZZ_CHECK(poisk_lexicon_freeze(lx) == 0);
    }
    return lx;
}

/* One pass over the text: invariants per token; returns a hash of what was emitted. */
static uint64_t analyzer_pass(poisk_analyzer *a, const char *text, size_t len, size_t *count)
{
    poisk_analyzer_reset(a, text, len);
    poisk_token t;
    uint64_t h = 1469598103934665603ull;
    uint32_t last_pos = 0;
    size_t n = 0;
    while (poisk_analyzer_next(a, &t)) {
        FUZZ_CHECK(t.term && t.term_len > 0 && t.term_len < 4096);
        FUZZ_CHECK(t.exact && t.exact_len > 0 && t.exact_len < 4096);
        FUZZ_CHECK(t.byte_start <= t.byte_end && t.byte_end <= len);
        FUZZ_CHECK(t.kind <= POISK_TOKEN_ABBREV);
        if (n > 0) {
            FUZZ_CHECK(t.position >= last_pos);
            if (t.flags & POISK_TOKEN_SAME_POSITION)
                FUZZ_CHECK(t.position == last_pos);
        }
        last_pos = t.position;
        for (size_t i = 0; i < t.term_len; i++)
            h = (h ^ (unsigned char)t.term[i]) * 1099511628211ull;
        h = (h ^ t.position ^ (uint64_t)t.byte_start << 32) * 1099511628211ull;
        n++;
        FUZZ_CHECK(n <= 4 * len + 16);         /* bounded: no endless token stream */
    }
    *count = n;
    return h;
}

static int fuzz_analyzer(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int repair = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    /* Analyzers live across inputs, as in the indexer: state left by one text must not
     * change the tokens of the next (checked by the second pass on a fresh analyzer when
     * bit 2 is set, on the same one otherwise). */
    static poisk_analyzer *kept[2];
    if (!kept[repair]) {
        poisk_analyzer_options o = { 0 };
        o.repair = repair;
        o.lexicon = repair ? fuzz_lexicon() : NULL;
        FUZZ_CHECK(poisk_analyzer_create(&o, &kept[repair]) == 0 && kept[repair]);
    }
    poisk_analyzer *a = kept[repair], *fresh = NULL;
    if (data[0] & 4) {
        poisk_analyzer_options o = { 0 };
        o.repair = repair;
        o.lexicon = repair ? fuzz_lexicon() : NULL;
        FUZZ_CHECK(poisk_analyzer_create(&o, &fresh) == 0 && fresh);
    }
    size_t n1, n2;
    uint64_t h1 = analyzer_pass(a, text, len, &n1);
    uint64_t h2 = analyzer_pass(fresh ? fresh : a, text, len, &n2);
    FUZZ_CHECK(n1 == n2 && h1 == h2);
    poisk_analyzer_free(fresh);
    /* The lexicon's own first pass must accept any bytes as well. */
    if (data[0] & 2) {
        poisk_lexicon *lx = NULL;
        FUZZ_CHECK(poisk_lexicon_create(&lx) == 0);
        FUZZ_CHECK(poisk_lexicon_add_text(lx, text, len) == 0);
        poisk_lexicon_free(lx);
    }
    return 0;
}

POISK_FUZZ_ENTRY(fuzz_analyzer)
