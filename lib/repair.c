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
};

int poisk_repair_create(const poisk_lexicon *lx, poisk_stemcache *forms, poisk_repair **out)
{
    poisk_repair *r = calloc(1, sizeof *r);
    if (!r)
        return POISK_ENOMEM;
    r->lx = lx;
    r->forms = forms;
    r->dict = poisk_lexicon_has_dictionary(lx);
    *out = r;
    return POISK_OK;
}

void poisk_repair_free(poisk_repair *r)
{
    free(r);
}

/* The cache entry of a piece's form; the piece keeps the hash, so it is computed once. */
static poisk_form *piece_form(poisk_repair *r, poisk_piece *p)
{
    if (!p->hash)
        p->hash = poisk_form_hash(p->form, p->len);
    return poisk_stemcache_find(r->forms, p->form, p->len, p->hash);
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
static int entry_spelled(poisk_repair *r, poisk_form *e, const char *form, size_t len,
                         int title)
{
    if (!r->dict || !e || len == 0 || len > 400)
        return 0;
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

static int spelled(poisk_repair *r, const char *form, size_t len, int title)
{
    if (!r->dict || len == 0 || len > 400)
        return 0;
    return entry_spelled(r, poisk_stemcache_find(r->forms, form, len, 0), form, len, title);
}

static uint32_t corpus_count(const poisk_repair *r, const char *form, size_t len)
{
    poisk_form *e = poisk_stemcache_find(r->forms, form, len, 0);
    return e ? e->count : 0;
}

/* Corpus counts and dictionary verdict of a piece, computed once per piece (a piece is
 * looked at up to three times, as first, second and third part). */
static void piece_info(poisk_repair *r, poisk_piece *p)
{
    if (p->r_known)
        return;
    poisk_form *e = piece_form(r, p);
    p->r_count = e ? e->count : 0;
    p->r_caps = e ? e->caps : 0;
    p->r_prefix = e && (e->flags & POISK_FORM_PREFIX);
    p->r_stop = e && (e->flags & POISK_FORM_STOP);
    if (p->caps)
        p->r_good = 1;
    else if (!r->dict)
        p->r_good = p->r_count >= 3;   /* without a dictionary: seen whole 3+ times */
    else
        p->r_good = (uint8_t)entry_spelled(r, e, p->form, p->len, p->title);
    p->r_known = 1;
}

/* A part that is a word in its own right. */
static int good_part(poisk_repair *r, poisk_piece *p)
{
    piece_info(r, p);
    return p->r_good;
}

/* Pieces that may be fragments: Cyrillic letters; parts after the first in lower case. */
static int joinable(const poisk_piece *p, int first)
{
    if (p->digit || p->latin || p->caps)
        return 0;
    return first || !p->title;
}

static int is_stop(poisk_repair *r, poisk_piece *p)
{
    if (p->r_known)
        return p->r_stop;
    poisk_form *e = piece_form(r, p);     /* no dictionary question for this one */
    return e && (e->flags & POISK_FORM_STOP);
}

static void make_join(poisk_repair_join *j, poisk_piece *const *p, unsigned n)
{
    j->len = j->nchars = 0;
    for (unsigned i = 0; i < n; i++) {
        memcpy(j->form + j->len, p[i]->form, p[i]->len);
        j->len += p[i]->len;
        j->nchars += p[i]->nchars;
    }
    j->start = p[0]->start;
    j->end = p[n - 1]->end;
}

/* Is the joined form a known word?  The dictionary's word is enough.  A form known only
 * from the corpus must have been seen whole in lower case (ЕГРЗАГС does not make егр загс
 * one word) more often than its rarest-known bad part stands alone: проактивное
 * дистанционное stays apart because проактивное alone is commoner than the glued pair. */
static int known_join(poisk_repair *r, const poisk_repair_join *j, int title,
                      poisk_piece *const *p, unsigned n)
{
    poisk_form *e = poisk_stemcache_find(r->forms, j->form, j->len, 0);
    if (entry_spelled(r, e, j->form, j->len, title))
        return 1;
    uint32_t lower = e ? e->count - e->caps : 0;
    if (lower == 0)
        return 0;
    for (unsigned i = 0; i < n; i++)
        if (!good_part(r, p[i]) && p[i]->r_count >= lower)
            return 0;
    return 1;
}

static int try_join(poisk_repair *r, poisk_piece *const *p, unsigned n, int keeps_stop,
                    poisk_repair_join *j)
{
    int any_bad = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!joinable(p[i], i == 0))
            return 0;
        if (keeps_stop && is_stop(r, p[i]))
            return 0;
    }
    for (unsigned i = 0; i < n && !any_bad; i++)
        any_bad = !good_part(r, p[i]);
    if (any_bad) {
        make_join(j, p, n);
        return known_join(r, j, p[0]->title, p, n);
    }
    if (n != 2 || !r->dict || !p[0]->r_prefix)
        return 0;                         /* the usual case: two words, nothing to build */
    /* +both: two words that are also one word, when the corpus says so */
    make_join(j, p, n);
    uint32_t c = corpus_count(r, j->form, j->len);
    if (!(c >= 3 || (c >= 2 && (p[0]->nchars <= 4 || p[1]->nchars <= 3))))
        return 0;
    return spelled(r, j->form, j->len, p[0]->title);
}

/* социально экономического, written elsewhere in the corpus as социальноэкономического (the
 * export deleted the hyphen): both parts are words, so they stay, and the glued form is
 * added as an alternative so that a query for either spelling finds this place. */
static int ends_in_o(const poisk_piece *p)
{
    return p->len >= 2 && (unsigned char)p->form[p->len - 2] == 0xD0
           && (unsigned char)p->form[p->len - 1] == 0xBE;
}

static int compound_link(poisk_repair *r, poisk_piece *const *p, poisk_repair_join *j)
{
    if (!joinable(p[0], 1) || !joinable(p[1], 0) || !ends_in_o(p[0]) || p[0]->nchars < 4
        || p[1]->nchars < 4 || is_stop(r, p[0]) || is_stop(r, p[1]))
        return 0;
    piece_info(r, p[0]);
    if (!p[0]->r_prefix)
        return 0;
    make_join(j, p, 2);
    poisk_form *e = poisk_stemcache_find(r->forms, j->form, j->len, 0);
    if (!e || e->count - e->caps == 0 || !good_part(r, p[0]) || !good_part(r, p[1]))
        return 0;
    j->compound = 1;
    return 1;
}

unsigned poisk_repair_plan(poisk_repair *r, poisk_piece *ring, unsigned cap,
                           unsigned head, unsigned avail, int keeps_stop,
                           poisk_repair_join *join)
{
    if (!r->lx || avail < 2)
        return 0;
    poisk_piece *p[POISK_REPAIR_WINDOW];
    for (unsigned i = 0; i < POISK_REPAIR_WINDOW && i < avail; i++)
        p[i] = &ring[(head + i) % cap];
    join->compound = 0;
    switch (p[1]->glue) {
    case POISK_GLUE_HYPHEN_NL:           /* государ-⏎ственной: hyphenation, or a compound */
        if (!joinable(p[0], 1) || !joinable(p[1], 0))
            return 0;
        /* a compound's second half is a word (социально-⏎экономического); a fragment of a
         * hyphenated word is not (государ-⏎ственной), unless the dictionary has the join */
        make_join(join, p, 2);
        if (!good_part(r, p[1]))
            return known_join(r, join, p[0]->title, p, 2) ? 2 : 0;
        return !good_part(r, p[0]) && spelled(r, join->form, join->len, p[0]->title) ? 2 : 0;
    case POISK_GLUE_NEWLINE:             /* верифицированны⏎х: a last letter wrapped */
        if (p[1]->nchars != 1 || !joinable(p[0], 1) || !joinable(p[1], 0) || p[0]->nchars < 4
            || is_stop(r, p[1]))
            return 0;
        make_join(join, p, 2);
        return !good_part(r, p[0]) && known_join(r, join, p[0]->title, p, 2) ? 2 : 0;
    case POISK_GLUE_SPACE:
        join->compound = 0;
        if (avail >= 3 && p[2]->glue == POISK_GLUE_SPACE && try_join(r, p, 3, keeps_stop, join))
            return 3;
        if (try_join(r, p, 2, keeps_stop, join))
            return 2;
        return compound_link(r, p, join) ? 2 : 0;
    default:
        return 0;
    }
}

/* Compound first parts end in -о/-е (социально, информационно, северо): the hyphen that
 * followed was deleted by the export.  Both halves must be dictionary words of 4+ letters. */
size_t poisk_repair_split(poisk_repair *r, poisk_piece *p)
{
    if (!r->dict || p->digit || p->latin || p->caps || p->nchars < 9 || p->len != 2 * p->nchars)
        return 0;
    if (good_part(r, p))
        return 0;
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
