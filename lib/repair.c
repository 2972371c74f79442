/*
 * repair.c: split-word repair (see repair.h).  The rules follow the measurements in the
 * corpus notes (CORPUS.md §4):
 *  - join 3, then 2 adjacent lower-case Cyrillic pieces separated by blanks only (never
 *    across a line break or punctuation);
 *  - the joined form must be known: the dictionary accepts it or it occurs whole in the
 *    corpus;
 *  - base rule: at least one part is bad (the dictionary rejects it and it is not an
 *    all-caps abbreviation);
 *  - "+both": two good parts are joined too when the dictionary accepts the join and the
 *    corpus has the join whole often enough (>= 2 with a short part, else >= 3): про граммы,
 *    со кращение, без опасности;
 *  - in texts that keep their stop words no part may be a stop word;
 *  - line ends: государ-⏎ственной joins when the join is known and a part is bad (else it
 *    stays a compound); верифицированны⏎х joins a lone last letter.
 */
#include "repair.h"
#include "normalize.h"
#include "poisk/poisk.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL   /* short keys: an inlined hash is cheaper */
#include <xxhash.h>

struct poisk_repair {
    const poisk_lexicon *lx;
    poisk_stemcache *forms;  /* the analyzer's per-form cache: counts, verdicts, stop flag */
    int dict;                /* dictionary loaded */
    size_t spell_tail;       /* join_refused(): poisk_lexicon_spell_max_add(), 0 = no dict */
};

int poisk_repair_create(const poisk_lexicon *lx, poisk_stemcache *forms, poisk_repair **out)
{
    poisk_repair *r = calloc(1, sizeof *r);
    if (!r)
        return POISK_ENOMEM;
    r->lx = lx;
    r->forms = forms;
    r->dict = poisk_lexicon_has_dictionary(lx);
    r->spell_tail = r->dict ? poisk_lexicon_spell_max_add(lx) : 0;
    *out = r;
    return POISK_OK;
}

void poisk_repair_free(poisk_repair *r)
{
    free(r);
}

/* The cache entry of a piece's form; the piece remembers where it is, so the analyzer's
 * stemming of the same piece costs no second probe. */
static poisk_form *piece_form(poisk_repair *r, poisk_piece *p)
{
    return poisk_stemcache_find_ref(r->forms, p->form, p->len, &p->ref);
}

/* The form with its first letter capitalised (Ставропольского is a proper name). */
static size_t capitalise(const char *form, size_t len, char *out)
{
    uint32_t cp;
    size_t n = poisk_utf8_decode((const unsigned char *)form, len, &cp);
    if (cp - 0x430u < 0x20u)
        cp -= 0x20;
    else if (cp - 'a' < 26u)
        cp -= 0x20;
    size_t o = poisk_utf8_encode(cp, out);
    memcpy(out + o, form + n, len - n);
    return o + len - n;
}

/* Does the dictionary know the form of entry e (title: also try it capitalised)?  The
 * verdicts are kept in the entry, so the dictionary is asked once per form. */
static int entry_ask(poisk_repair *r, poisk_form *e, const char *form, size_t len, int title)
{
    if (!(e->flags & POISK_FORM_SPELL_DONE))
        e->flags |= POISK_FORM_SPELL_DONE
                    | (poisk_lexicon_spell(r->lx, form, len) > 0 ? POISK_FORM_SPELL : 0);
    if (e->flags & POISK_FORM_SPELL)
        return 1;
    if (!title)
        return 0;
    if (!(e->flags & POISK_FORM_CAP_DONE)) {
        char cap[512];
        size_t n = capitalise(form, len, cap);
        e->flags |= POISK_FORM_CAP_DONE
                    | (poisk_lexicon_spell(r->lx, cap, n) > 0 ? POISK_FORM_CAP_SPELL : 0);
    }
    return (e->flags & POISK_FORM_CAP_SPELL) != 0;
}

static inline int entry_spelled(poisk_repair *r, poisk_form *e, const char *form, size_t len,
                                int title)
{
    if (!r->dict || !e || len == 0 || len > 400)
        return 0;
    unsigned f = e->flags;                /* the usual case: the answers are cached */
    if (f & POISK_FORM_SPELL)
        return 1;
    if ((f & POISK_FORM_SPELL_DONE) && (!title || (f & POISK_FORM_CAP_DONE)))
        return title && (f & POISK_FORM_CAP_SPELL);
    return entry_ask(r, e, form, len, title);
}

static int spelled(poisk_repair *r, const char *form, size_t len, int title)
{
    if (!r->dict || len == 0 || len > 400)
        return 0;
    return entry_spelled(r, poisk_stemcache_find(r->forms, form, len, 0), form, len, title);
}

/* A compound's first part: -о (социально; not the adjective endings -ого/-его), or -е
 * after a consonant (средне, обще; not решение, новое).  Cyrillic pieces only (2 bytes a
 * letter). */
static int ends_in_o_or_e(const poisk_piece *p)
{
    if (p->len < 4 || p->len != 2 * p->nchars)
        return 0;
    const unsigned char *e = (const unsigned char *)p->form + p->len - 4;
    if (e[2] != 0xD0 || (e[3] != 0xBE && e[3] != 0xB5))
        return 0;
    if (e[3] == 0xBE)                     /* but not -ого, -его: цифрового, его */
        return !(e[0] == 0xD0 && e[1] == 0xB3 && p->len >= 6 && e[-2] == 0xD0
                 && (e[-1] == 0xBE || e[-1] == 0xB5));
    static const char vowels[] = "аеиоуыэюяй";   /* й: -ее, -ие, -ое ... and -йе */
    for (size_t k = 0; k + 1 < sizeof vowels; k += 2)
        if (e[0] == (unsigned char)vowels[k] && e[1] == (unsigned char)vowels[k + 1])
            return 0;
    return 1;
}

void poisk_repair_note(poisk_repair *r, poisk_piece *p)
{
    p->r_bits = R_KNOWN;
    p->r_count = 0;
    if (p->digit || p->latin || p->caps)
        return;                           /* never a fragment: nothing to look up */
    unsigned b = R_KNOWN | R_FIRST | (p->title ? 0 : R_NEXT);
    poisk_form *e = piece_form(r, p);
    if (e) {
        p->r_count = e->count;
        b |= (e->flags & POISK_FORM_STOP ? R_STOP : 0)
             | (e->flags & POISK_FORM_PREFIX ? R_PREFIX : 0)
             | (e->flags & POISK_FORM_SUFFIX ? R_SUFFIX : 0);
    }
    if (p->nchars >= 4) {                 /* the ending's verdict, once per form */
        if (!e)
            b |= ends_in_o_or_e(p) ? R_OE : 0;
        else {
            if (!(e->flags & POISK_FORM_OE_DONE))
                e->flags |= POISK_FORM_OE_DONE | (ends_in_o_or_e(p) ? POISK_FORM_OE : 0);
            b |= e->flags & POISK_FORM_OE ? R_OE : 0;
        }
    }
    int good = r->dict ? entry_spelled(r, e, p->form, p->len, p->title)
                       : p->r_count >= 3;   /* without a dictionary: seen whole 3+ times */
    p->r_bits = (uint8_t)(b | (good ? 0 : R_BAD));
}

/* What the filters of cannot_be_known() say of every join starting with the form of entry
 * e (first's), asked once per form (the Capitalised form only for a Title piece). */
__attribute__((noinline))
static unsigned start_facts(poisk_repair *r, poisk_form *e, const poisk_piece *first)
{
    unsigned f = e->flags;
    if (!(f & POISK_FORM_START_DONE))
        f |= POISK_FORM_START_DONE
             | (poisk_lexicon_may_start_stem(r->lx, first->form, first->len)
                    ? POISK_FORM_STEM_START : 0)
             | (poisk_lexicon_may_start_spell(r->lx, first->form, first->len, 0)
                    ? POISK_FORM_SPELL_START : 0);
    if (first->title && !(f & POISK_FORM_CAP_START_DONE))
        f |= POISK_FORM_CAP_START_DONE
             | (poisk_lexicon_may_start_spell(r->lx, first->form, first->len, 1)
                    ? POISK_FORM_CAP_SPELL_START : 0);
    e->flags = (uint16_t)f;
    return f;
}

/* Which ways the join of p[0..n-1] (n 2 or 3) could be known (POISK_JOIN_* of the filters
 * that must refuse it, else known_join() asks further), told from the pieces' bits and
 * lengths and the first piece's start facts, before the join is built or hashed; 0: it
 * cannot be known, known_join() says 0.  Exact:
 *  - seen whole in lower case: a corpus form starting with the first piece and ending
 *    with the last would have marked them (R_PREFIX, R_SUFFIX) at freeze, if they are
 *    corpus forms;
 *  - other forms of its word (by_stem): a stem of the join is a prefix of it that holds
 *    the first piece, so some corpus stem must start with the first piece;
 *  - the dictionary: when the later pieces hold the longest suffix a rule adds, every
 *    candidate stem of the join starts with the whole first piece, so some dictionary stem
 *    must (Capitalised too for a Title piece).
 * Four in ten of the joins asked on c20 are refused here, before they are built. */
static unsigned join_asks(poisk_repair *r, poisk_piece *const *p, unsigned n, int by_stem)
{
    poisk_piece *first = p[0];
    const poisk_piece *last = p[n - 1];
    unsigned ask = (first->r_count && !(first->r_bits & R_PREFIX))
                   || (last->r_count && !(last->r_bits & R_SUFFIX)) ? 0 : POISK_JOIN_LOWER;
    if (by_stem && (first->r_bits & R_PREFIX))
        ask |= POISK_JOIN_STEM;
    if (r->dict)
        ask |= POISK_JOIN_SPELL;
    poisk_form *e = ask & (POISK_JOIN_STEM | POISK_JOIN_SPELL) ? piece_form(r, first) : NULL;
    if (!e)
        return ask;
    unsigned f = e->flags;
    if (!(f & POISK_FORM_START_DONE) || (first->title && !(f & POISK_FORM_CAP_START_DONE)))
        f = start_facts(r, e, first);
    if (!(f & POISK_FORM_STEM_START))
        ask &= ~(unsigned)POISK_JOIN_STEM;
    else if (n == 2 && (ask & POISK_JOIN_STEM))
        ask |= POISK_JOIN_STEM_STARTS;    /* the walk's first prefix is the first piece */
    size_t rest = last->len + (n > 2 ? p[1]->len : 0);
    if (rest >= r->spell_tail && !(f & POISK_FORM_SPELL_START)
        && !(first->title && (f & POISK_FORM_CAP_SPELL_START)))
        ask &= ~(unsigned)POISK_JOIN_SPELL;
    return ask;
}

/* Appends the piece's form at dst: 16-byte steps, no library call (joins are built ~2 M
 * times on 20 MB).  It may copy up to 15 bytes past the form, all inside the piece's form
 * buffer (a multiple of 16 bytes); callers' buffers hold 128 bytes per piece, so that the
 * last step of each piece fits too. */
static inline void put_piece(char *dst, const poisk_piece *p)
{
    _Static_assert(POISK_PIECE_MAX_BYTES % 16 == 0, "whole 16-byte steps");
    for (size_t k = 0; k < p->len; k += 16)
        memcpy(dst + k, p->form + k, 16);
}

static void make_join(poisk_repair_join *j, poisk_piece *const *p, unsigned n)
{
    j->len = j->nchars = 0;
    j->ref.hash = 0;
    for (unsigned i = 0; i < n; i++) {
        put_piece(j->form + j->len, p[i]);
        j->len += p[i]->len;
        j->nchars += p[i]->nchars;
    }
    j->start = p[0]->start;
    j->end = p[n - 1]->end;
}

/* The Snowball stem of the form of cache entry e (valid until the next cache call). */
static int form_stem(poisk_repair *r, poisk_form *e, const char **stem, size_t *len)
{
    return e && !poisk_stemcache_stem(r->forms, e, 0, stem, len) && *len;
}

/* A part that ends without an inflection ending (the stemmer leaves it as it is), like
 * the fragment информационнокоммуникацион, unlike проактивное. */
static int no_ending(poisk_repair *r, poisk_piece *p)
{
    const char *stem;
    size_t len;
    return form_stem(r, piece_form(r, p), &stem, &len) && len == p->len;
}

/* Does a bad part stand alone at least as often as the join is attested (evidence)?  Then
 * the glued form is more likely a lost space than a word: проактивное дистанционное, колл
 * центра, фед финансированием stay apart.  Fragments do not count: a part of 1-3 letters
 * beside another bad part (щих in ресурсоснабжаю щих, ин in ин формационнотелеком
 * муникационную), or a part of 4+ letters without an ending when no other part is a word
 * of 4+ letters (информационнокоммуникацион ной). */
static int blocked(poisk_repair *r, poisk_piece *const *p, unsigned n, uint32_t evidence)
{
    unsigned bad = 0, long_words = 0;
    for (unsigned i = 0; i < n; i++) {
        bad += (p[i]->r_bits & R_BAD) != 0;
        long_words += !(p[i]->r_bits & R_BAD) && p[i]->nchars >= 4;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!(p[i]->r_bits & R_BAD) || p[i]->r_count < evidence)
            continue;
        int fragment = p[i]->nchars < 4 ? bad >= 2 : !long_words && no_ending(r, p[i]);
        if (!fragment)
            return 1;
    }
    return 0;
}

/* Lower-case occurrences in the corpus of the forms of the join's word (those with its
 * Snowball stem), less those of the window's own pieces: a fragment such as
 * информационнокоммуникацион, stemmed to itself, is no evidence for its join.
 * stem_tested: 1 when poisk_lexicon_may_stem() already said yes for this join, -1 when it
 * is known to say no (then so is this).  Otherwise (0) it is asked before a first Snowball
 * stem of the join (~1.6 k instructions, nearly every join asked is new): the stem is a
 * prefix of the join that reaches the last piece, so when no such prefix is a corpus stem
 * the count is 0 without stemming. */
static uint32_t stem_evidence(poisk_repair *r, poisk_repair_join *j, poisk_piece *const *p,
                              unsigned n, int stem_tested)
{
    char stem[sizeof j->form];
    const char *st;
    size_t len;
    if (stem_tested < 0)
        return 0;
    poisk_form *e = poisk_stemcache_find_ref(r->forms, j->form, j->len, &j->ref);
    if (!e || (!stem_tested && !e->stem_off
               && !poisk_lexicon_may_stem(r->lx, j->form, j->len, j->len - p[n - 1]->len)))
        return 0;
    if (!form_stem(r, e, &st, &len) || len > sizeof stem)
        return 0;
    if (len < j->len - p[n - 1]->len)
        return 0;             /* the stem ends before the last piece: функци ил is no функция */
    memcpy(stem, st, len);
    if (!(e->flags & POISK_FORM_STEMS_DONE)) {   /* asked once per form */
        e->stem_forms = poisk_lexicon_stem_count(r->lx, stem, len);
        e->flags |= POISK_FORM_STEMS_DONE;
    }
    uint32_t c = e->stem_forms;
    for (unsigned i = 0; i < n && c; i++) {
        poisk_form *e = piece_form(r, p[i]);
        size_t plen;
        if (form_stem(r, e, &st, &plen) && plen == len && !memcmp(st, stem, len)) {
            uint32_t own = e->count - e->caps;
            c = c > own ? c - own : 0;
        }
    }
    return c;
}

/* Most joins asked about are no word at all (a fragment beside the next word): refuse
 * them from filters and the pieces' bits, before the join gets a form cache entry, a
 * dictionary check and a Snowball stem.  Exact: 1 only when known_join() would say 0.
 * ask: join_asks(), the ways it may be known, each of which its filter must refuse:
 *  - seen whole in lower case: the lexicon's filter of such forms;
 *  - other forms of its word: none of the join's prefixes that reach the last piece (its
 *    Snowball stem is one of them) is a corpus stem;
 *  - the dictionary: its filter of the words it accepts refuses the join (and the
 *    Capitalised join).
 * *stem_tested: for stem_evidence(). */
static int cannot_be_known(poisk_repair *r, const poisk_repair_join *j, int title,
                           poisk_piece *const *p, unsigned n, unsigned ask, int *stem_tested)
{
    unsigned maybe = ask ? poisk_lexicon_join_maybe(r->lx, j->form, j->len,
                                                    j->len - p[n - 1]->len, ask, title)
                         : 0;
    *stem_tested = maybe == POISK_JOIN_STEM ? 1 : !(ask & POISK_JOIN_STEM) ? -1 : 0;
    return !maybe;
}

/* known_join() of a join whose join_asks() is ask. */
static int known_join_asked(poisk_repair *r, poisk_repair_join *j, int title,
                            poisk_piece *const *p, unsigned n, int by_stem, unsigned ask);

/* Is the joined form a known word?  The dictionary's word is enough.  A form known only
 * from the corpus must have been seen whole in lower case (ЕГРЗАГС does not make егр загс
 * one word), or (by_stem: pieces apart on one line) other forms of its word must have been
 * (информационнотелекоммуникационн|ой, |ым for ин формационнотелеком муникационную), and
 * no bad part may stand alone as often (blocked). */
static int known_join(poisk_repair *r, poisk_repair_join *j, int title,
                      poisk_piece *const *p, unsigned n, int by_stem)
{
    return known_join_asked(r, j, title, p, n, by_stem, join_asks(r, p, n, by_stem));
}

static int known_join_asked(poisk_repair *r, poisk_repair_join *j, int title,
                            poisk_piece *const *p, unsigned n, int by_stem, unsigned ask)
{
    int stem_tested;
    if (cannot_be_known(r, j, title, p, n, ask, &stem_tested))
        return 0;
    poisk_form *e = poisk_stemcache_find_ref(r->forms, j->form, j->len, &j->ref);
    if (entry_spelled(r, e, j->form, j->len, title))
        return 1;
    uint32_t lower = e ? e->count - e->caps : 0;
    if (lower && !blocked(r, p, n, lower))
        return 1;
    if (!by_stem || !(p[0]->r_bits & R_PREFIX))
        return 0;             /* other forms of the join's word all start with the first piece */
    uint32_t forms = stem_evidence(r, j, p, n, stem_tested);
    return forms > lower && !blocked(r, p, n, forms);
}

static int try_join(poisk_repair *r, poisk_piece *const *p, unsigned n, int keeps_stop,
                    poisk_repair_join *j)
{
    unsigned any = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned b = p[i]->r_bits;
        if (!(b & (i ? R_NEXT : R_FIRST)) || (keeps_stop && (b & R_STOP)))
            return 0;
        any |= b;
    }
    if (any & R_BAD) {
        unsigned ask = join_asks(r, p, n, 1);
        if (!ask)
            return 0;
        make_join(j, p, n);
        return known_join_asked(r, j, p[0]->title, p, n, 1, ask);
    }
    if (n != 2 || !r->dict || !(p[0]->r_bits & R_PREFIX) || !(p[1]->r_bits & R_SUFFIX))
        return 0;                         /* the usual case: two words, nothing to build */
    /* +both: two words that are also one word, when the corpus says so (most pairs asked
     * were never seen glued: the filter answers them without a form cache probe) */
    make_join(j, p, n);
    if (!poisk_lexicon_may_have_twice(r->lx, j->form, j->len))
        return 0;
    poisk_form *e = poisk_stemcache_find_ref(r->forms, j->form, j->len, &j->ref);
    uint32_t c = e ? e->count : 0;
    if (!(c >= 3 || (c >= 2 && (p[0]->nchars <= 4 || p[1]->nchars <= 3))))
        return 0;
    return entry_spelled(r, e, j->form, j->len, p[0]->title);
}

/* социально экономического, written elsewhere in the corpus as социальноэкономического (the
 * export deleted the hyphen), средне душевого, видео наблюдения, широко полосный: both
 * parts are words, the first a compound's first part (-о/-е), so they stay, and the glued
 * form is added as an alternative so that a query for either spelling finds this place,
 * when the corpus has the glued form whole, or other forms of its word. */
static int compound_link(poisk_repair *r, poisk_piece *const *p, poisk_repair_join *j)
{
    unsigned b0 = p[0]->r_bits, b1 = p[1]->r_bits;
    if (!(b0 & R_FIRST) || !(b1 & R_NEXT) || ((b0 | b1) & (R_STOP | R_BAD))
        || !(b0 & R_PREFIX) || !(b0 & R_OE) || p[1]->nchars < 4)
        return 0;                         /* the glued pair cannot be a corpus form */
    make_join(j, p, 2);
    /* neither seen whole in lower case nor other forms of its word: no cache entry needed */
    unsigned maybe = poisk_lexicon_join_maybe(r->lx, j->form, j->len, p[0]->len,
                                              join_asks(r, p, 2, 1)
                                              & ~(unsigned)POISK_JOIN_SPELL, 0);
    if (!maybe)
        return 0;
    poisk_form *e = poisk_stemcache_find_ref(r->forms, j->form, j->len, &j->ref);
    if ((!e || e->count - e->caps == 0)
        && !stem_evidence(r, j, p, 2, maybe == POISK_JOIN_STEM))
        return 0;
    j->compound = 1;
    return 1;
}

/* The rules, once the bits say a join is possible. */
__attribute__((noinline))   /* keeps the common early exit of poisk_repair_plan cheap */
static unsigned plan_join(poisk_repair *r, poisk_piece *const *p, unsigned avail,
                          int keeps_stop, poisk_repair_join *join)
{
    join->compound = 0;
    unsigned b0 = p[0]->r_bits, b1 = p[1]->r_bits;
    switch (p[1]->glue) {
    case POISK_GLUE_SPACE:
        if (avail >= 3 && p[2]->glue == POISK_GLUE_SPACE && try_join(r, p, 3, keeps_stop, join))
            return 3;
        if (try_join(r, p, 2, keeps_stop, join))
            return 2;
        return compound_link(r, p, join) ? 2 : 0;
    case POISK_GLUE_HYPHEN_NL:           /* государ-⏎ственной: hyphenation, or a compound */
        if (!(b0 & R_FIRST) || !(b1 & R_NEXT))
            return 0;
        /* a compound's second half is a word (социально-⏎экономического); a fragment of a
         * hyphenated word is not (государ-⏎ственной), unless the dictionary has the join */
        make_join(join, p, 2);
        if (b1 & R_BAD)
            return known_join(r, join, p[0]->title, p, 2, 0) ? 2 : 0;
        return (b0 & R_BAD) && spelled(r, join->form, join->len, p[0]->title) ? 2 : 0;
    case POISK_GLUE_NEWLINE:             /* верифицированны⏎х: a last letter wrapped */
        if (p[1]->nchars != 1 || !(b0 & R_FIRST) || !(b1 & R_NEXT) || p[0]->nchars < 4
            || (b1 & R_STOP) || !(b0 & R_BAD))
            return 0;
        make_join(join, p, 2);
        return known_join(r, join, p[0]->title, p, 2, 0) ? 2 : 0;
    default:
        return 0;
    }
}

unsigned poisk_repair_plan(poisk_repair *r, poisk_piece *const *p, unsigned avail,
                           int keeps_stop, poisk_repair_join *join)
{
    if (!r->lx || avail < 2)
        return 0;
    switch (p[1]->glue) {                 /* most pieces leave here: nothing can join */
    case POISK_GLUE_SPACE:
        if (!poisk_repair_may_join_spaced(p, avail))
            return 0;
        break;
    case POISK_GLUE_HYPHEN_NL:
    case POISK_GLUE_NEWLINE:
        break;
    default:
        return 0;
    }
    return plan_join(r, p, avail, keeps_stop, join);
}

/* Compound first parts end in -о/-е (социально, информационно, северо): the hyphen that
 * followed was deleted by the export.  Both halves must be dictionary words of 4+ letters. */
__attribute__((noinline))   /* keeps poisk_repair_split's early exit cheap */
static size_t split_at(poisk_repair *r, poisk_piece *p)
{
    poisk_form *v = piece_form(r, p);
    if (!v)
        return 0;
    if (v->flags & POISK_FORM_SPLIT_DONE)
        return v->split;
    size_t best = 0;
    /* every letter is 2 bytes in a Cyrillic piece: try each -о boundary, 4+ letters each */
    for (size_t k = 8; k + 8 <= p->len && !best; k += 2) {
        const unsigned char *e = (const unsigned char *)p->form + k - 2;
        int o_end = e[0] == 0xD0 && e[1] == 0xBE;          /* о */
        if (!o_end)
            continue;
        if (spelled(r, p->form, k, p->title) && spelled(r, p->form + k, p->len - k, 0))
            best = k;
    }
    v = piece_form(r, p);                   /* spelled() may have moved the table */
    if (v) {
        v->flags |= POISK_FORM_SPLIT_DONE;
        v->split = (uint16_t)best;
    }
    return best;
}

size_t poisk_repair_split(poisk_repair *r, poisk_piece *p)
{
    if (!r->dict || (p->r_bits & (R_FIRST | R_BAD)) != (R_FIRST | R_BAD) || p->nchars < 9
        || p->len != 2 * p->nchars)
        return 0;                         /* a word, or too short for two 4-letter words */
    return split_at(r, p);
}
