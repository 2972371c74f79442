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

#define VERDICT_MAX (1u << 20)     /* cached verdicts before the cache is emptied */

enum {
    V_PRESENT = 1 << 0,
    V_SPELL = 1 << 1,      /* dictionary accepts the lower-case form */
    V_CAP_DONE = 1 << 2,
    V_CAP_SPELL = 1 << 3,  /* dictionary accepts the capitalised form */
    V_SPLIT_DONE = 1 << 4
};

typedef struct {
    uint64_t key;          /* 0 = empty */
    uint16_t flags;
    uint16_t split;        /* poisk_repair_split() answer, bytes */
} verdict;

struct poisk_repair {
    const poisk_lexicon *lx;
    const poisk_stopset *stop;
    int dict;              /* dictionary loaded */
    verdict *v;
    size_t nv, used;
};

int poisk_repair_create(const poisk_lexicon *lx, const poisk_stopset *stop, poisk_repair **out)
{
    poisk_repair *r = calloc(1, sizeof *r);
    if (!r)
        return POISK_ENOMEM;
    r->lx = lx;
    r->stop = stop;
    r->dict = poisk_lexicon_has_dictionary(lx);
    r->nv = 1u << 12;
    r->v = calloc(r->nv, sizeof *r->v);
    if (!r->v) {
        free(r);
        return POISK_ENOMEM;
    }
    *out = r;
    return POISK_OK;
}

void poisk_repair_free(poisk_repair *r)
{
    if (!r)
        return;
    free(r->v);
    free(r);
}

/* The cache slot for a form (inserted empty when new); NULL only when out of memory. */
static verdict *verdict_slot(poisk_repair *r, const char *form, size_t len)
{
    uint64_t key = XXH3_64bits(form, len) | 1;
    size_t i = (size_t)(key >> 8) & (r->nv - 1);
    for (; r->v[i].key; i = (i + 1) & (r->nv - 1))
        if (r->v[i].key == key)
            return &r->v[i];
    if (r->used >= VERDICT_MAX) {
        memset(r->v, 0, r->nv * sizeof *r->v);
        r->used = 0;
        i = (size_t)(key >> 8) & (r->nv - 1);
    } else if ((r->used + 1) * 2 > r->nv) {
        size_t n = r->nv * 2;
        verdict *nv = calloc(n, sizeof *nv);
        if (!nv)
            return NULL;
        for (size_t j = 0; j < r->nv; j++) {
            if (!r->v[j].key)
                continue;
            size_t k = (size_t)(r->v[j].key >> 8) & (n - 1);
            while (nv[k].key)
                k = (k + 1) & (n - 1);
            nv[k] = r->v[j];
        }
        free(r->v);
        r->v = nv;
        r->nv = n;
        i = (size_t)(key >> 8) & (n - 1);
        while (r->v[i].key)
            i = (i + 1) & (n - 1);
    }
    r->v[i].key = key;
    r->v[i].flags = 0;
    r->v[i].split = 0;
    r->used++;
    return &r->v[i];
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

/* Does the dictionary know this form (title: also try it capitalised)? */
static int spelled(poisk_repair *r, const char *form, size_t len, int title)
{
    if (!r->dict || len == 0 || len > 400)
        return 0;
    verdict *v = verdict_slot(r, form, len);
    if (!v)
        return 0;
    if (!(v->flags & V_PRESENT))
        v->flags |= V_PRESENT | (poisk_lexicon_spell(r->lx, form, len) > 0 ? V_SPELL : 0);
    if (v->flags & V_SPELL)
        return 1;
    if (!title)
        return 0;
    if (!(v->flags & V_CAP_DONE)) {
        char cap[512];
        size_t n = capitalise(form, len, cap);
        v->flags |= V_CAP_DONE | (poisk_lexicon_spell(r->lx, cap, n) > 0 ? V_CAP_SPELL : 0);
    }
    return (v->flags & V_CAP_SPELL) != 0;
}

static uint32_t corpus_count(const poisk_repair *r, const char *form, size_t len)
{
    return poisk_lexicon_lookup(r->lx, form, len).count;
}

/* Corpus counts and dictionary verdict of a piece, computed once per piece (a piece is
 * looked at up to three times, as first, second and third part). */
static void piece_info(poisk_repair *r, poisk_piece *p)
{
    if (p->r_known)
        return;
    poisk_lexicon_entry e = poisk_lexicon_lookup(r->lx, p->form, p->len);
    p->r_count = e.count;
    p->r_caps = e.caps;
    p->r_prefix = (uint8_t)e.prefix;
    if (p->caps)
        p->r_good = 1;
    else if (!r->dict)
        p->r_good = e.count >= 3;      /* without a dictionary: seen whole 3+ times */
    else
        p->r_good = (uint8_t)spelled(r, p->form, p->len, p->title);
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

static int is_stop(const poisk_repair *r, const poisk_piece *p)
{
    return poisk_stopset_has(r->stop, p->form, p->len);
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
    if (spelled(r, j->form, j->len, title))
        return 1;
    poisk_lexicon_entry e = poisk_lexicon_lookup(r->lx, j->form, j->len);
    uint32_t lower = e.count - e.caps;
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
    make_join(j, p, n);
    if (any_bad)
        return known_join(r, j, p[0]->title, p, n);
    if (n != 2 || !r->dict || !p[0]->r_prefix)
        return 0;
    /* +both: two words that are also one word, when the corpus says so */
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
    poisk_lexicon_entry e = poisk_lexicon_lookup(r->lx, j->form, j->len);
    if (e.count - e.caps == 0 || !good_part(r, p[0]) || !good_part(r, p[1]))
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
    verdict *v = verdict_slot(r, p->form, p->len);
    if (!v)
        return 0;
    if (v->flags & V_SPLIT_DONE)
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
    v = verdict_slot(r, p->form, p->len);   /* spelled() may have moved the table */
    if (v) {
        v->flags |= V_SPLIT_DONE;
        v->split = (uint16_t)best;
    }
    return best;
}
