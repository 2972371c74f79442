/*
 * writer_invert.c: in-memory inversion of one batch of passages (stage: analyzer -> index
 * writer).  Each worker owns one inverter, which lives across the batches it processes:
 *
 * - a term table (bytes -> term id, per dictionary kind) and a form table ((surface form,
 *   stem) -> both term ids) that persist from batch to batch, so a token costs one probe of
 *   the form table once its form has been seen, and a term's bytes are stored once; and in
 *   front of them an array by the analyzer's form id (poisk_token.form_id), so a token whose
 *   form-cache entry was met before in the cache's epoch costs one array load, no hash;
 * - per batch, a flat array of occurrences (term id, position) in arrival order, the
 *   passages' boundaries, and a count per term;
 * - at the end of the batch, only the distinct terms of the batch are sorted (by kind, then
 *   bytes, with a 16-byte big-endian prefix as the first keys), a counting sort scatters the
 *   occurrences into sorted-term order (stable, so each term's postings stay in (doc,
 *   position) order), and the run is serialised (writer_int.h).
 *
 * No per-term vectors, no per-occurrence malloc, no sort of anything but distinct terms.
 */
#include "writer_int.h"

#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "poisk/analyzer.h"
#include "analyzer_scan.h"          /* poisk_form_eq */
#include "exact_stem.h"
#include "index_reader.h"
#include "lexicon_mem.h"
#include "writer_mem.h"

/* 8 bytes: the flush's counts live apart (poisk_inverter.cnt), so that its two random
 * passes over the batch's terms touch 4 bytes a term, not a whole entry. */
typedef struct term_info {
    uint32_t off;                   /* bytes in the arena */
    uint32_t len : 31;              /* <= UINT16_MAX (form_get) */
    uint32_t kind : 1;
} term_info;

/* A token of the passage being added, waiting for its form lookup (see add_pending); its
 * two occurrences are kept in text order at occ[at], occ[at + 1] meanwhile. */
typedef struct pending {
    uint64_t h;                     /* form hash, high 32 bits | its home slot */
    uint32_t eoff, soff, elen, slen;
    uint32_t pos, rec;              /* rec: candidate form record + 1, 0 none */
    uint32_t form_id, form_epoch;   /* the token's (poisk_token), to learn its ids */
    size_t at;
} pending;

/* A known (surface form, stem) pair in the form arena, 4-byte aligned:
 *   u32 exact id, u32 stem id, u16 exact_len, u16 stem_len, u32 canon, exact bytes, stem bytes
 * so a hit reads one slot and one record (no trip to the term table).  canon: the stem is
 * the form's canonical stem (exact_stem.h), so the form's positions may be elided. */
typedef struct form_info { uint32_t exact, stem; uint16_t elen, slen; uint32_t canon; } form_info;

/* Format v4 (docs/FORMAT.md §6): an exact occurrence whose positions in its passage are its
 * canonical stem's carries this bit in its position until the run is written. */
#define OCC_ELIDED 0x80000000u

/* Open-addressing set of ids: slot = (hash high 32 bits << 32) | (id + 1); 0 = empty. */
typedef struct id_table { uint64_t *slot; size_t cap, count; } id_table;

/* A term in the passage being added (mark_elided): the passage's stamp when count and want
 * are the passage's, its occurrences, and for an exact form the stem all its occurrences
 * came with (UINT32_MAX: none or several); bcount: its occurrences in the batch so far,
 * which the flush's counting sort starts from (zero between batches). */
typedef struct pstate { uint32_t stamp, count, want, bcount; } pstate;

struct poisk_inverter {
    poisk_analyzer *an;
    poisk_analyzer *canon_an;       /* repair off: canonical stems of new forms */
    /* persistent across batches */
    poisk_buf arena;                /* term bytes */
    term_info *terms; uint32_t n_terms; size_t cap_terms;
    uint32_t *cnt; size_t cap_cnt;  /* flush: per term, its count, then its scatter cursor;
                                     * all zero between batches */
    id_table term_tab[2];           /* per dictionary kind */
    poisk_buf forms;                /* form records */
    id_table form_tab;
    /* per analyzer form id (poisk_token.form_id - 1), for the analyzer's form_epoch:
     * (stem id + 1) << 32 | exact id | canon << 31 of its (exact, stem) pair, 0 = not yet;
     * a token whose form id is known here costs no hash, no probe and no compare */
    uint64_t *form_ids; size_t cap_form_ids;
    uint32_t form_epoch;
    /* the batch */
    uint64_t *occ; size_t n_occ, cap_occ;          /* (term id << 32) | position */
    uint64_t *scat; size_t cap_scat;                /* flush: occurrences by term */
    pending *pend_tok; size_t n_pend, cap_pend;     /* the passage's tokens */
    poisk_buf scratch;                              /* their bytes */
    poisk_buf post;                                 /* flush: one term's postings */
    uint32_t *pdoc; size_t *pend; size_t n_pass, cap_pass;
    pstate *pst; size_t cap_pst;    /* mark_elided: per term (persistent, like terms) */
    uint32_t pstamp;                /* the passage's stamp in pst */
    uint32_t *tall; size_t n_tall, cap_tall;        /* the batch's terms (bcount > 0) */
    uint32_t *elid; size_t cap_elid;    /* mark_elided: the passage's OCC_ELIDED occurrences */
    uint32_t *touched[2]; size_t n_touched[2], cap_touched[2];
    char **abbrevs; size_t n_abbrevs, cap_abbrevs;
    uint64_t *abbrev_hashes;        /* set over abbrevs: hash high 32 bits | index + 1 */
    size_t abbrev_set_cap;
    double run_per_occ;             /* run bytes per occurrence of the last batch */
    size_t table_cap;               /* persistent tables past this are dropped; 0 = never */
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    return poisk_array_reserve(p, cap, need, elem, 64);
}

/* What is probed or scattered into at random -- the tables' slots, the form records, the
 * per-term arrays, the term bytes, the flush's scatter array -- reaches tens of MB at 1 GB,
 * and in 4 KiB pages nearly every access also missed the TLB (add_pending's prefetches
 * stalled on the page walks), so from BIG_TABLE on it lives in huge pages
 * (lexicon_mem.h's tables, from that size); below, on the heap, where a table's last huge
 * page, mostly empty, would cost more memory than its TLB misses cost time. */
#define BIG_TABLE ((size_t)8 << 20)

/* Zeroed memory for a table of bytes (big_free() releases it). */
static void *big_alloc_zeroed(size_t bytes)
{
    return poisk_table_alloc_from(bytes, BIG_TABLE);
}

static void big_free(void *p, size_t cap, size_t elem)
{
    poisk_table_free_from(p, cap * elem, BIG_TABLE);
}

/* Grow *p (huge pages from huge_from bytes) to need elements by doubling; keep: its
 * contents are kept (else unspecified); the new part is unspecified. */
static int grow_from(void **p, size_t *cap, size_t need, size_t elem, int keep, size_t huge_from)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64, old = *cap * elem;
    while (n < need)
        n *= 2;
    void *q = poisk_table_resize_from(*p, old, keep ? old : 0, n * elem, huge_from);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int big_grow(void **p, size_t *cap, size_t need, size_t elem, int keep)
{
    return grow_from(p, cap, need, elem, keep, BIG_TABLE);
}

/* The form id array (poisk_inverter.form_ids) is read at every token at random, like the
 * tables above, but from its first huge page on: its ids are dense, so that page is mostly
 * used (1 MB at c100; at most POISK_FORM_ID_MAX ids, 8 MB). */
#define FORM_IDS_HUGE ((size_t)2 << 20)

/* A byte arena (a poisk_buf whose data is big_grow()'s): room for n more bytes, made here
 * so that poisk_buf_put() never reallocates it. */
static int arena_room(poisk_buf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return 0;
    if (b->len + n < n || big_grow((void **)&b->data, &b->cap, b->len + n, 1, 1)) {
        b->failed = 1;
        return -1;
    }
    return 0;
}

static void arena_free(poisk_buf *b)
{
    big_free(b->data, b->cap, 1);
    memset(b, 0, sizeof *b);
}

int poisk_inverter_create(const poisk_writer_options *opts, poisk_inverter **out)
{
    poisk_inverter *inv = calloc(1, sizeof *inv);
    if (!inv)
        return POISK_ENOMEM;
    poisk_analyzer_options ao = { 0 };
    ao.repair = opts->repair;
    ao.lexicon = opts->lexicon;
    ao.form_cache_bytes = poisk_mem_form_cache_bytes(opts->mem_budget, opts->threads);
    int rc = poisk_analyzer_create(&ao, &inv->an);
    /* the canonical-stem analyzer (format v4) sees only the forms the main one has seen:
     * a quarter of the share is plenty, and writer.c counts it in the budget */
    poisk_analyzer_options co = { 0 };
    co.form_cache_bytes = ao.form_cache_bytes / 4;
    co.lexicon = opts->lexicon;     /* its precomputed stems (no repair) */
    if (!rc)
        rc = poisk_analyzer_create(&co, &inv->canon_an);
    if (rc) {
        poisk_inverter_free(inv);
        return rc;
    }
    *out = inv;
    return POISK_OK;
}

static void reset_batch(poisk_inverter *inv)
{
    inv->n_occ = 0;
    inv->n_pass = 0;
    inv->n_touched[0] = inv->n_touched[1] = 0;
    inv->n_tall = 0;
    inv->n_abbrevs = 0;
    free(inv->abbrev_hashes);
    inv->abbrev_hashes = NULL;
    inv->abbrev_set_cap = 0;
}

void poisk_inverter_set_table_cap(poisk_inverter *inv, size_t bytes)
{
    inv->table_cap = bytes;
}

/* Bytes of the tables that live from batch to batch. */
static size_t table_memory(const poisk_inverter *inv)
{
    return inv->arena.cap + (size_t)inv->cap_terms * sizeof(term_info)
           + inv->cap_cnt * sizeof(uint32_t) + inv->cap_pst * sizeof(pstate)
           + (inv->term_tab[0].cap + inv->term_tab[1].cap + inv->form_tab.cap) * 8
           + inv->forms.cap + inv->cap_form_ids * sizeof *inv->form_ids;
}

/* Between batches, term ids mean nothing outside the inverter (runs are written by term
 * bytes), so the tables can start afresh when they outgrow their share of the budget. */
static void drop_tables(poisk_inverter *inv)
{
    arena_free(&inv->arena);
    arena_free(&inv->forms);
    big_free(inv->terms, inv->cap_terms, sizeof *inv->terms);
    inv->terms = NULL;
    inv->n_terms = 0;
    inv->cap_terms = 0;
    big_free(inv->cnt, inv->cap_cnt, sizeof *inv->cnt);
    inv->cnt = NULL;
    inv->cap_cnt = 0;
    big_free(inv->pst, inv->cap_pst, sizeof *inv->pst);
    inv->pst = NULL;
    inv->cap_pst = 0;
    poisk_table_free_from(inv->form_ids, inv->cap_form_ids * sizeof *inv->form_ids,
                          FORM_IDS_HUGE);
    inv->form_ids = NULL;
    inv->cap_form_ids = 0;
    id_table *t[3] = { &inv->term_tab[0], &inv->term_tab[1], &inv->form_tab };
    for (int i = 0; i < 3; i++) {
        big_free(t[i]->slot, t[i]->cap, sizeof *t[i]->slot);
        t[i]->slot = NULL;
        t[i]->cap = t[i]->count = 0;
    }
}

void poisk_inverter_free(poisk_inverter *inv)
{
    if (!inv)
        return;
    reset_batch(inv);
    for (size_t i = 0; i < inv->n_abbrevs; i++)
        free(inv->abbrevs[i]);
    free(inv->abbrevs);
    drop_tables(inv);
    free(inv->occ);
    big_free(inv->scat, inv->cap_scat, sizeof *inv->scat);
    free(inv->pend_tok);
    poisk_buf_free(&inv->scratch);
    poisk_buf_free(&inv->post);
    free(inv->pdoc);
    free(inv->pend);
    free(inv->tall);
    free(inv->elid);
    free(inv->touched[0]);
    free(inv->touched[1]);
    poisk_analyzer_free(inv->an);
    poisk_analyzer_free(inv->canon_an);
    free(inv);
}

size_t poisk_inverter_memory(const poisk_inverter *inv)
{
    return table_memory(inv) + (inv->cap_occ + inv->cap_scat) * 8
           + inv->cap_pend * sizeof(pending) + inv->scratch.cap + inv->post.cap
           + (inv->cap_touched[0] + inv->cap_touched[1] + inv->cap_tall + inv->cap_elid)
              * sizeof(uint32_t)
           + inv->cap_pass * (sizeof(uint32_t) + sizeof(size_t));
}

/* ---- tables ----------------------------------------------------------------------------- */

/* The stored high hash bits spread as well as the full hash (table_home). */
static size_t slot_home(const void *e, size_t mask, void *ctx)
{
    (void)ctx;
    return (size_t)((*(const uint64_t *)e >> 32) * 0x9E3779B97F4A7C15ull >> 20) & mask;
}

static int table_grow(id_table *t)
{
    uint64_t *s = t->cap ? poisk_table_double_from(t->slot, t->cap, sizeof *s, BIG_TABLE,
                                                   slot_home, NULL)
                         : big_alloc_zeroed(((size_t)1 << 12) * sizeof *s);
    if (!s)
        return -1;
    t->slot = s;
    t->cap = t->cap ? t->cap * 2 : 1 << 12;
    return 0;
}

static inline size_t table_home(const id_table *t, uint64_t h)
{
    return slot_home(&h, t->cap - 1, NULL);
}

static inline int term_is(const poisk_inverter *inv, uint32_t id, const char *s, size_t len)
{
    const term_info *ti = &inv->terms[id];
    return ti->len == len && memcmp(inv->arena.data + ti->off, s, len) == 0;
}

/* Term id of (kind, bytes), added when new.  @return : id, or UINT32_MAX out of memory */
static uint32_t term_get(poisk_inverter *inv, unsigned kind, const char *s, size_t len)
{
    id_table *t = &inv->term_tab[kind];
    if ((t->count + 1) * 2 > t->cap && table_grow(t))
        return UINT32_MAX;
    uint64_t h = XXH3_64bits(s, len) & 0xFFFFFFFF00000000ull;
    size_t i = table_home(t, h);
    for (uint64_t v; (v = t->slot[i]) != 0; i = (i + 1) & (t->cap - 1))
        if ((v & 0xFFFFFFFF00000000ull) == h && term_is(inv, (uint32_t)v - 1, s, len))
            return (uint32_t)v - 1;
    if (len > 0x7FFFFFFF || inv->arena.len > UINT32_MAX - len || inv->n_terms >= UINT32_MAX - 2
        || big_grow((void **)&inv->terms, &inv->cap_terms, inv->n_terms + 1, sizeof *inv->terms, 1)
        || arena_room(&inv->arena, len))
        return UINT32_MAX;
    uint32_t id = inv->n_terms++;
    term_info *ti = &inv->terms[id];
    ti->off = (uint32_t)inv->arena.len;
    ti->len = (uint32_t)len & 0x7FFFFFFFu;
    ti->kind = kind & 1;
    poisk_buf_put(&inv->arena, s, len);
    if (inv->arena.failed)
        return UINT32_MAX;
    t->slot[i] = h | (id + 1);
    t->count++;
    return id;
}

/* The form table's hash of (surface form, stem length); the table keeps the high 32 bits. */
static inline uint64_t form_hash(const char *form, size_t len, size_t slen)
{
    return XXH3_64bits_withSeed(form, len, slen);
}

/* Both term ids of a (surface form, stem) pair: one probe once the pair is known. */
static const form_info *form_get(poisk_inverter *inv, const poisk_token *tk)
{
    id_table *t = &inv->form_tab;
    if ((t->count + 1) * 2 > t->cap && table_grow(t))
        return NULL;
    size_t el = tk->exact_len, sl = tk->term_len;
    uint64_t h = form_hash(tk->exact, el, sl) & 0xFFFFFFFF00000000ull;
    size_t i = table_home(t, h);
    for (uint64_t v; (v = t->slot[i]) != 0; i = (i + 1) & (t->cap - 1)) {
        if ((v & 0xFFFFFFFF00000000ull) != h)
            continue;
        const uint8_t *r = inv->forms.data + (size_t)((uint32_t)v - 1) * 4;
        const form_info *f = (const form_info *)r;
        if (f->elen == el && f->slen == sl
            && poisk_form_eq((const char *)r + sizeof *f, tk->exact, el)
            && poisk_form_eq((const char *)r + sizeof *f + el, tk->term, sl))
            return f;
    }
    if (el > UINT16_MAX || sl > UINT16_MAX || inv->forms.len / 4 >= UINT32_MAX - 2)
        return NULL;
    size_t pad_len = (4 - (el + sl) % 4) % 4;
    uint32_t e = term_get(inv, POISK_DICT_EXACT, tk->exact, el);
    uint32_t s = term_get(inv, POISK_DICT_STEM, tk->term, sl);
    if (e == UINT32_MAX || s == UINT32_MAX)
        return NULL;
    size_t off = inv->forms.len;
    char cs[256];
    size_t cl = 0;
    uint32_t canon = poisk_exact_stem(inv->canon_an, tk->exact, el, cs, sizeof cs, &cl)
                     && cl == sl && memcmp(cs, tk->term, sl) == 0;
    form_info f = { e, s, (uint16_t)el, (uint16_t)sl, canon };
    static const uint8_t pad[4];
    if (arena_room(&inv->forms, sizeof f + el + sl + pad_len))
        return NULL;
    poisk_buf_put(&inv->forms, &f, sizeof f);
    poisk_buf_put(&inv->forms, tk->exact, el);
    poisk_buf_put(&inv->forms, tk->term, sl);
    poisk_buf_put(&inv->forms, pad, pad_len);
    if (inv->forms.failed)
        return NULL;
    t->slot[i] = h | (off / 4 + 1);
    t->count++;
    return (const form_info *)(inv->forms.data + off);
}

/* ---- adding passages -------------------------------------------------------------------- */

static inline void occur(poisk_inverter *inv, uint32_t id, uint32_t pos)
{
    inv->occ[inv->n_occ++] = (uint64_t)id << 32 | pos;
}

/* The batch's abbreviations, each once.  The set's slots hold the high 32 bits of the
 * hash and the abbreviation's index + 1, so a repeat (nearly every call) compares one
 * string, not all of them. */
static int add_abbrev(poisk_inverter *inv, const char *s, size_t len)
{
    uint64_t h = XXH3_64bits(s, len) & 0xFFFFFFFF00000000ull;
    if ((inv->n_abbrevs + 1) * 2 > inv->abbrev_set_cap) {
        size_t cap = inv->abbrev_set_cap ? inv->abbrev_set_cap * 2 : 64;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < inv->abbrev_set_cap; i++) {
            uint64_t v = inv->abbrev_hashes[i];
            if (!v)
                continue;
            size_t j = (size_t)(v >> 32) & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = v;
        }
        free(inv->abbrev_hashes);
        inv->abbrev_hashes = t;
        inv->abbrev_set_cap = cap;
    }
    size_t j = (size_t)(h >> 32) & (inv->abbrev_set_cap - 1);
    for (uint64_t v; (v = inv->abbrev_hashes[j]) != 0; j = (j + 1) & (inv->abbrev_set_cap - 1)) {
        if ((v & 0xFFFFFFFF00000000ull) != h)
            continue;
        const char *a = inv->abbrevs[(uint32_t)v - 1];
        if (strlen(a) == len && memcmp(a, s, len) == 0)
            return 0;
    }
    if (inv->n_abbrevs >= UINT32_MAX - 1
        || grow((void **)&inv->abbrevs, &inv->cap_abbrevs, inv->n_abbrevs + 1, sizeof(char *)))
        return -1;
    char *c = strndup(s, len);
    if (!c)
        return -1;
    inv->abbrevs[inv->n_abbrevs++] = c;
    inv->abbrev_hashes[j] = h | (uint32_t)inv->n_abbrevs;
    return 0;
}

/* ---- tokens known by their form id --------------------------------------------------- */

/* A form's entry in form_ids. */
static inline uint64_t form_value(const form_info *f)
{
    return (uint64_t)(f->stem + 1) << 32 | f->exact | (f->canon ? 0x80000000u : 0);
}

/* The ids of a token with a form id, as form_value() put them, or 0 when not known yet.
 * A new epoch (the analyzer emptied its form cache; growth keeps ids) forgets them all. */
static inline uint64_t form_ids_of(poisk_inverter *inv, const poisk_token *t)
{
    if (t->form_epoch != inv->form_epoch) {
        if (inv->cap_form_ids)
            memset(inv->form_ids, 0, inv->cap_form_ids * sizeof *inv->form_ids);
        inv->form_epoch = t->form_epoch;
    }
    return t->form_id <= inv->cap_form_ids ? inv->form_ids[t->form_id - 1] : 0;
}

/* The next tokens with pd's form id and epoch have f's ids (a cache: out of memory or
 * with ids past 31 bits, they are looked up again). */
static void learn_form(poisk_inverter *inv, const pending *pd, const form_info *f)
{
    if (!pd->form_id || pd->form_epoch != inv->form_epoch || f->exact >= 0x80000000u
        || f->stem >= UINT32_MAX - 1)
        return;
    if (pd->form_id > inv->cap_form_ids) {
        size_t old = inv->cap_form_ids;
        if (grow_from((void **)&inv->form_ids, &inv->cap_form_ids, pd->form_id,
                      sizeof *inv->form_ids, 1, FORM_IDS_HUGE))
            return;
        memset(inv->form_ids + old, 0, (inv->cap_form_ids - old) * sizeof *inv->form_ids);
    }
    inv->form_ids[pd->form_id - 1] = form_value(f);
}

/* A token's two occurrences at occ[at]: stem, then exact form (canon: its positions may be
 * elided). */
static inline void put_pair(poisk_inverter *inv, size_t at, uint32_t stem, uint32_t exact,
                            int canon, uint32_t pos)
{
    /* mark_elided counts this passage's terms once the passage is in; a prefetch never
     * faults, so a new term's entry past the array (grown there) needs no test here, and
     * the address is formed as an integer so that it is no out-of-bounds pointer */
    uintptr_t pst = (uintptr_t)inv->pst;
    __builtin_prefetch((const void *)(pst + (uintptr_t)stem * sizeof(pstate)));
    __builtin_prefetch((const void *)(pst + (uintptr_t)exact * sizeof(pstate)));
    inv->occ[at] = (uint64_t)stem << 32 | pos;
    inv->occ[at + 1] = (uint64_t)exact << 32
                       | pos | (canon && pos < OCC_ELIDED ? OCC_ELIDED : 0);
}

/* How many tokens ahead the form table's slot, then the record, is prefetched: enough to
 * cover a miss, few enough that the prefetches in flight do not queue behind each other
 * (prefetching a whole passage's slots first stalled on the full miss queue). */
#define FORM_AHEAD 8

/* Probe the form table for a token (hv: its 32 hash bits over its home slot): the candidate
 * record (its 32 hash bits match), or 0. */
static inline uint32_t pending_probe(const id_table *t, uint64_t hv)
{
    uint64_t h = hv & 0xFFFFFFFF00000000ull;
    for (size_t i = (uint32_t)hv;; i = (i + 1) & (t->cap - 1)) {
        uint64_t v = t->slot[i];
        if (!v)
            return 0;
        if ((v & 0xFFFFFFFF00000000ull) == h)
            return (uint32_t)v;
    }
}

/* The lookups of a passage's tokens, software-pipelined so that the cache misses of the
 * form table (slot, then record) of several tokens overlap instead of following one
 * another: token k + 2 * FORM_AHEAD has its slot prefetched, token k + FORM_AHEAD is probed
 * and its record prefetched, token k is verified and recorded.  A probe may see a pair
 * that an earlier token of the passage added, which only saves that token the slow path:
 * ids are given out in token order either way. */
static int add_pending(poisk_inverter *inv)
{
    id_table *t = &inv->form_tab;
    size_t n = inv->n_pend;
    pending *pd = inv->pend_tok;
    const uint8_t *sc = inv->scratch.data;
    if ((t->count + n + 1) * 2 > t->cap && table_grow(t))
        return -1;
    /* the table cannot grow below (room was made above): each token's home slot is
     * computed once, kept in the low half of its hash */
    for (size_t k = 0; k < n; k++) {
        uint64_t h = form_hash((const char *)sc + pd[k].eoff, pd[k].elen, pd[k].slen)
                     & 0xFFFFFFFF00000000ull;
        pd[k].h = h | table_home(t, h);
    }
    for (size_t k = 0; k < n && k < 2 * FORM_AHEAD; k++)
        __builtin_prefetch(&t->slot[(uint32_t)pd[k].h]);
    for (size_t k = 0; k < n && k < FORM_AHEAD; k++)
        if ((pd[k].rec = pending_probe(t, pd[k].h)))
            __builtin_prefetch(inv->forms.data + (size_t)(pd[k].rec - 1) * 4);
    for (size_t k = 0; k < n; k++) {
        if (k + 2 * FORM_AHEAD < n)
            __builtin_prefetch(&t->slot[(uint32_t)pd[k + 2 * FORM_AHEAD].h]);
        if (k + FORM_AHEAD < n) {
            pending *a = &pd[k + FORM_AHEAD];
            if ((a->rec = pending_probe(t, a->h)))
                __builtin_prefetch(inv->forms.data + (size_t)(a->rec - 1) * 4);
        }
        const uint8_t *e = sc + pd[k].eoff, *st = sc + pd[k].soff;
        const form_info *f = NULL;
        if (pd[k].rec) {
            const uint8_t *r = inv->forms.data + (size_t)(pd[k].rec - 1) * 4;
            f = (const form_info *)r;
            if (!(f->elen == pd[k].elen && f->slen == pd[k].slen
                  && poisk_form_eq((const char *)r + sizeof *f, (const char *)e, pd[k].elen)
                  && poisk_form_eq((const char *)r + sizeof *f + pd[k].elen, (const char *)st,
                                   pd[k].slen)))
                f = NULL;
        }
        if (!f) {                   /* new pair, or a collision of the 32 hash bits */
            poisk_token tk = { 0 };
            tk.exact = (const char *)e;
            tk.exact_len = pd[k].elen;
            tk.term = (const char *)st;
            tk.term_len = pd[k].slen;
            if (!(f = form_get(inv, &tk)))
                return -1;
        }
        learn_form(inv, &pd[k], f);
        put_pair(inv, pd[k].at, f->stem, f->exact, f->canon != 0, pd[k].pos);
    }
    inv->n_pend = 0;
    inv->scratch.len = 0;
    return 0;
}

/* Format v4: which exact forms of the passage just added keep OCC_ELIDED.  A form's
 * positions are its canonical stem's when every occurrence of it came paired with that
 * stem (add_pending writes the stem's occurrence just before, at the same position) and
 * the stem occurs no more often in the passage: the form's occurrences are then stem
 * occurrences at the same positions, and equal counts make the lists equal.  The counts
 * live in a per-term array stamped with the passage (so nothing is cleared between
 * passages); add_pending prefetched the entries of the passage's terms as it met them, so
 * the two passes here find them in cache (a hash table of the passage's terms, which this
 * replaced, cost three times the instructions in probes and clearing). */
static int mark_elided(poisk_inverter *inv, size_t start)
{
    if (inv->cap_pst < inv->n_terms) {
        size_t old = inv->cap_pst;
        if (big_grow((void **)&inv->pst, &inv->cap_pst, inv->n_terms, sizeof *inv->pst, 1))
            return -1;
        memset(inv->pst + old, 0, (inv->cap_pst - old) * sizeof *inv->pst);
    }
    if (++inv->pstamp == 0) {       /* wrapped: no entry may look current */
        memset(inv->pst, 0, inv->cap_pst * sizeof *inv->pst);
        inv->pstamp = 1;
    }
    if (grow((void **)&inv->tall, &inv->cap_tall, inv->n_tall + (inv->n_occ - start) + 1,
             sizeof *inv->tall))
        return -1;
    size_t n = inv->n_occ - start;
    if (n > UINT32_MAX || grow((void **)&inv->elid, &inv->cap_elid, n + 1, sizeof *inv->elid))
        return -1;
    uint32_t cur = inv->pstamp, n_elid = 0, *elid = inv->elid;
    pstate *t = inv->pst;
    uint64_t *occ = inv->occ + start;
    for (size_t o = 0; o < n; o++) {
        uint32_t id = (uint32_t)(occ[o] >> 32);
        /* want: the stem all the form's occurrences came with (a stem's is never read);
         * an OCC_ELIDED occurrence's stem is the one just before it (put_pair) */
        uint32_t want = UINT32_MAX;
        if ((uint32_t)occ[o] & OCC_ELIDED) {
            want = o ? (uint32_t)(occ[o - 1] >> 32) : UINT32_MAX;
            elid[n_elid++] = (uint32_t)o;
        }
        pstate *p = &t[id];
        if (p->stamp != cur) {
            p->stamp = cur;
            p->count = 0;
            p->want = want;
            if (p->bcount == 0)     /* the flush's list of the batch's terms */
                inv->tall[inv->n_tall++] = id;
        } else if (p->want != want) {
            p->want = UINT32_MAX;
        }
        p->count++;
        p->bcount++;
    }
    /* only the OCC_ELIDED occurrences (the pass above listed them) are looked at again */
    for (uint32_t i = 0; i < n_elid; i++) {
        uint64_t *v = &occ[elid[i]];
        const pstate *p = &t[(uint32_t)(*v >> 32)];
        if (p->want == UINT32_MAX || t[p->want].count != p->count)
            *v &= ~(uint64_t)OCC_ELIDED;
    }
    return 0;
}

/* memcpy() of a token's bytes (nearly always 4-32) without the call: two overlapping
 * fixed-size copies, which the compiler inlines; reads stay within [s, s + n). */
static inline void copy_token(uint8_t *d, const char *s, size_t n)
{
    if (n >= 16 && n <= 32) {
        memcpy(d, s, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8 && n < 16) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n > 0 && n < 4) {
        d[0] = (uint8_t)s[0];
        d[n / 2] = (uint8_t)s[n / 2];
        d[n - 1] = (uint8_t)s[n - 1];
    } else {
        memcpy(d, s, n);
    }
}

int poisk_inverter_add(poisk_inverter *inv, uint32_t doc, unsigned section, const char *text,
                       size_t len, uint32_t *dl)
{
    size_t start = inv->n_occ;
    (void)section;                  /* the merge splits sections by passage id */
    poisk_analyzer_reset(inv->an, text, len);
    poisk_token t;
    uint32_t n = 0;
    int bad = 0;
    if (inv->n_pass == inv->cap_pass) {
        size_t c1 = inv->cap_pass, c2 = inv->cap_pass;
        if (grow((void **)&inv->pdoc, &c1, inv->n_pass + 1, sizeof(uint32_t))
            || grow((void **)&inv->pend, &c2, inv->n_pass + 1, sizeof(size_t)))
            return POISK_ENOMEM;
        inv->cap_pass = c1 < c2 ? c1 : c2;
    }
    inv->n_pend = 0;
    inv->scratch.len = 0;
    while (!bad && poisk_analyzer_next(inv->an, &t)) {
        if (!(t.flags & POISK_TOKEN_SAME_POSITION))
            n++;
        if (inv->n_occ + 2 > inv->cap_occ
            && grow((void **)&inv->occ, &inv->cap_occ, inv->n_occ + 2, sizeof(uint64_t))) {
            bad = 1;
            break;
        }
        uint64_t ids = t.form_id ? form_ids_of(inv, &t) : 0;
        if (ids) {                          /* the usual token: its ids are known */
            put_pair(inv, inv->n_occ, (uint32_t)(ids >> 32) - 1, (uint32_t)ids & 0x7FFFFFFFu,
                     (ids & 0x80000000u) != 0, t.position);
            inv->n_occ += 2;
            continue;
        }
        if (t.kind == POISK_TOKEN_ABBREV)
            bad |= add_abbrev(inv, t.term, t.term_len);
        if (t.term_len && t.exact_len && t.term_len <= UINT16_MAX && t.exact_len <= UINT16_MAX) {
            if (inv->n_pend == inv->cap_pend
                && grow((void **)&inv->pend_tok, &inv->cap_pend, inv->n_pend + 1, sizeof(pending))) {
                bad = 1;
                break;
            }
            /* the token's bytes live only until the next call: copy both at once */
            poisk_buf *sc = &inv->scratch;
            if (sc->cap - sc->len < t.exact_len + t.term_len
                && poisk_buf_reserve(sc, t.exact_len + t.term_len)) {
                bad = 1;
                break;
            }
            pending *pd = &inv->pend_tok[inv->n_pend++];
            pd->eoff = (uint32_t)sc->len;
            pd->elen = (uint32_t)t.exact_len;
            copy_token(sc->data + sc->len, t.exact, t.exact_len);
            sc->len += t.exact_len;
            pd->soff = (uint32_t)sc->len;
            pd->slen = (uint32_t)t.term_len;
            copy_token(sc->data + sc->len, t.term, t.term_len);
            sc->len += t.term_len;
            pd->pos = t.position;
            pd->form_id = t.form_id;
            pd->form_epoch = t.form_epoch;
            pd->at = inv->n_occ;            /* its place in text order, filled by add_pending */
            inv->n_occ += 2;
            if (inv->n_pend >= 4096 || inv->scratch.len >= (1u << 20))
                bad |= add_pending(inv);
        } else if (t.term_len || t.exact_len) {
            /* rare: one side empty, or absurdly long (room for it was made above) */
            unsigned kind = t.term_len ? POISK_DICT_STEM : POISK_DICT_EXACT;
            uint32_t id = t.term_len ? term_get(inv, kind, t.term, t.term_len)
                                     : term_get(inv, kind, t.exact, t.exact_len);
            if (id == UINT32_MAX)
                bad = 1;
            else
                occur(inv, id, t.position);
        }
    }
    if (!bad)
        bad |= add_pending(inv);
    if (!bad)
        bad |= mark_elided(inv, start);
    inv->pdoc[inv->n_pass] = doc;
    inv->pend[inv->n_pass++] = inv->n_occ;
    *dl = n;
    return bad ? POISK_ENOMEM : POISK_OK;
}

/* ---- flushing: sort distinct terms, scatter, serialise ---------------------------------- */

/* A term's first 16 bytes as two big-endian integers: with Cyrillic's two bytes a letter,
 * 8 bytes left a tie (and a trip to the arena) in a large part of the comparisons. */
typedef struct sort_key { uint64_t p0, p1; uint32_t id, pad; } sort_key;

/* Bytewise order of two distinct terms whose first 16 bytes (the prefix) are equal. */
static int tail_cmp(const poisk_inverter *inv, uint32_t a, uint32_t b)
{
    const term_info *s = &inv->terms[a], *t = &inv->terms[b];
    size_t n = s->len < t->len ? s->len : t->len;
    int c = n > 16 ? memcmp(inv->arena.data + s->off + 16, inv->arena.data + t->off + 16, n - 16)
                   : 0;
    return c ? c : (s->len < t->len ? -1 : s->len > t->len);
}

static inline int key_less(const poisk_inverter *inv, const sort_key *x, const sort_key *y)
{
    if (x->p0 != y->p0)
        return x->p0 < y->p0;
    if (x->p1 != y->p1)
        return x->p1 < y->p1;
    return tail_cmp(inv, x->id, y->id) < 0;
}

static int key_cmp(const void *a, const void *b, void *ctx)
{
    const sort_key *x = a, *y = b;
    if (x->p0 != y->p0)
        return x->p0 < y->p0 ? -1 : 1;
    if (x->p1 != y->p1)
        return x->p1 < y->p1 ? -1 : 1;
    return tail_cmp(ctx, x->id, y->id);
}

/* Quicksort with the comparison inline (qsort's call per comparison and its copying of
 * the elements cost more than the comparisons), insertion sort for short ranges, and
 * qsort_r past a depth limit so that no input can make it quadratic.  The terms are
 * distinct, so the order is total and the result does not depend on the algorithm. */
static void sort_keys(const poisk_inverter *inv, sort_key *k, size_t n, unsigned depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            qsort_r(k, n, sizeof *k, key_cmp, (void *)inv);
            return;
        }
        sort_key *a = &k[0], *m = &k[n / 2], *z = &k[n - 1], t;
        if (key_less(inv, m, a)) { t = *m; *m = *a; *a = t; }
        if (key_less(inv, z, m)) {
            t = *z; *z = *m; *m = t;
            if (key_less(inv, m, a)) { t = *m; *m = *a; *a = t; }
        }
        sort_key pivot = *m;
        size_t i = 0, j = n - 1;
        for (;;) {
            while (key_less(inv, &k[i], &pivot)) i++;
            while (key_less(inv, &pivot, &k[j])) j--;
            if (i >= j)
                break;
            t = k[i]; k[i] = k[j]; k[j] = t;
            i++;
            j--;
        }
        /* [0, j] <= pivot <= [j + 1, n): recurse into the smaller part */
        size_t left = j + 1;
        if (left < n - left) {
            sort_keys(inv, k, left, depth);
            k += left;
            n -= left;
        } else {
            sort_keys(inv, k + left, n - left, depth);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        sort_key v = k[i];
        size_t j = i;
        for (; j > 0 && key_less(inv, &v, &k[j - 1]); j--)
            k[j] = k[j - 1];
        k[j] = v;
    }
}

/* The batch's terms of one kind, sorted bytewise (the first 16 bytes as two integers). */
static int sort_terms(poisk_inverter *inv, unsigned kind, sort_key **out)
{
    size_t n = inv->n_touched[kind];
    sort_key *k = malloc((n ? n : 1) * sizeof *k);
    if (!k)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const term_info *ti = &inv->terms[inv->touched[kind][i]];
        const uint8_t *t = inv->arena.data + ti->off;
        k[i].p0 = poisk_term_prefix(t, ti->len);
        k[i].p1 = ti->len > 8 ? poisk_term_prefix(t + 8, ti->len - 8) : 0;
        k[i].id = inv->touched[kind][i];
        k[i].pad = 0;
    }
    unsigned depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    sort_keys(inv, k, n, depth + 4);
    *out = k;
    return 0;
}

/* One term's postings as the run stores them (writer_int.h): per doc varint delta, then
 * varint (tf << 1 | 1) when every position gap takes one byte (the positions are tf bytes),
 * else varint (tf << 1) and varint byte count, then the positions (varint gaps, first
 * absolute), so that the merge copies them without looking for their end; the same term
 * twice at one position counts once.  An exact form whose positions in the doc are its
 * canonical stem's (OCC_ELIDED, the same on all its occurrences there) is varint delta,
 * varint 0, varint tf, and no positions.  One pass over a doc's occurrences: the positions
 * are written after a one-byte hole for the header, moved only when it is longer. */
static uint32_t encode_term(const uint64_t *e, size_t n, uint32_t base, poisk_buf *post)
{
    uint32_t prev = base, ndocs = 0;
    if (poisk_buf_reserve(post, n * 15 + 16))
        return 0;
    uint8_t *o = post->data + post->len;
    for (size_t i = 0; i < n;) {
        uint32_t doc = (uint32_t)(e[i] >> 32);
        uint32_t last = (uint32_t)e[i], tf = 1;
        size_t j = i + 1;
        o = poisk_varint_put(o, doc - prev);
        prev = doc;
        ndocs++;
        if (last & OCC_ELIDED) {
            for (; j < n && (uint32_t)(e[j] >> 32) == doc; j++)
                if ((uint32_t)e[j] != last) {
                    tf++;
                    last = (uint32_t)e[j];
                }
            *o++ = 0;
            o = poisk_varint_put(o, tf);
            i = j;
            continue;
        }
        uint8_t *hdr = o++;
        uint32_t big = last;                /* any gap >= 128: a varint of two bytes */
        o = poisk_varint_put(o, last);
        for (; j < n && (uint32_t)(e[j] >> 32) == doc; j++) {
            uint32_t pos = (uint32_t)e[j];
            if (pos == last)
                continue;
            big |= pos - last;
            o = poisk_varint_put(o, pos - last);
            last = pos;
            tf++;
        }
        if (big < 128 && tf < 64) {
            *hdr = (uint8_t)(tf << 1 | 1);
        } else {
            uint8_t h[20], *q = poisk_varint_put(h, (uint64_t)tf << 1);
            size_t plen = (size_t)(o - hdr - 1);
            q = poisk_varint_put(q, plen);
            size_t hl = (size_t)(q - h);
            memmove(hdr + hl, hdr + 1, plen);
            memcpy(hdr, h, hl);
            o += hl - 1;
        }
        i = j;
    }
    post->len = (size_t)(o - post->data);
    return ndocs;
}

size_t poisk_inverter_run_bound(const poisk_inverter *inv)
{
    /* a first batch has no ratio yet: 3.5 is above the ~3 of the 1 GB bench corpus, so
     * its run is not copied into a bigger mapping (codec.h, poisk_buf_map) */
    double per = inv->run_per_occ > 0 ? inv->run_per_occ * 1.1 : 3.5;
    return (size_t)((double)inv->n_occ * per) + 4096;
}

int poisk_inverter_flush(poisk_inverter *inv, uint32_t first_doc, poisk_buf *out,
                         size_t *kind_off, char ***abbrevs, size_t *n_abbrevs)
{
    sort_key *keys[2] = { NULL, NULL };
    int failed = big_grow((void **)&inv->scat, &inv->cap_scat, inv->n_occ + 1, sizeof(uint64_t), 0);
    if (!failed && inv->cap_cnt < inv->n_terms) {
        size_t old = inv->cap_cnt;
        failed = big_grow((void **)&inv->cnt, &inv->cap_cnt, inv->n_terms, sizeof(uint32_t), 1);
        if (!failed)
            memset(inv->cnt + old, 0, (inv->cap_cnt - old) * sizeof(uint32_t));
    }
    uint32_t *cnt = inv->cnt;
    /* mark_elided counted the batch's terms as the passages came (no pass over the
     * occurrences here): split them by kind, their counts into the compact array */
    for (size_t i = 0; i < inv->n_tall && !failed; i++) {
        uint32_t id = inv->tall[i];
        unsigned k = inv->terms[id].kind;
        if (inv->n_touched[k] == inv->cap_touched[k]
            && grow((void **)&inv->touched[k], &inv->cap_touched[k], inv->n_touched[k] + 1,
                    sizeof(uint32_t)))
            failed = 1;
        else
            inv->touched[k][inv->n_touched[k]++] = id;
        cnt[id] = inv->pst[id].bcount;
    }
    uint64_t *scat = inv->scat;
    /* the run's buffer sized once from the last batch's ratio: growing it by doubling
     * would copy it and fault in pages that are then thrown away */
    failed = failed || poisk_buf_reserve(out, poisk_inverter_run_bound(inv)) != 0;
    size_t out_start = out->len;
    failed = failed || sort_terms(inv, 0, &keys[0]) || sort_terms(inv, 1, &keys[1]);
    poisk_buf *post = &inv->post;
    if (!failed) {
        size_t acc = 0;
        for (unsigned k = 0; k < 2; k++)
            for (size_t i = 0; i < inv->n_touched[k]; i++) {
                uint32_t id = keys[k][i].id, c = cnt[id];
                cnt[id] = (uint32_t)acc;
                acc += c;
            }
        size_t o = 0;
        for (size_t p = 0; p < inv->n_pass; p++) {
            uint64_t doc = (uint64_t)inv->pdoc[p] << 32;
            for (; o < inv->pend[p]; o++) {
                uint64_t v = inv->occ[o];
                scat[cnt[v >> 32]++] = doc | (uint32_t)v;
            }
        }
        const uint64_t *e = scat;
        for (unsigned k = 0; k < 2 && !failed; k++) {
            if (k == 1)
                *kind_off = out->len;
            for (size_t i = 0; i < inv->n_touched[k]; i++) {
                uint32_t id = keys[k][i].id;
                const term_info *ti = &inv->terms[id];
                /* its cursor ended at the end of its occurrences in scat */
                size_t count = cnt[id] - (size_t)(e - scat);
                cnt[id] = 0;
                /* the postings go through a scratch buffer that stays in cache (their
                 * length precedes them); the entry is then written in one piece */
                post->len = 0;
                uint32_t ndocs = encode_term(e, count, first_doc, post);
                if (post->failed || poisk_buf_reserve(out, 31 + ti->len + post->len)) {
                    failed = 1;
                    break;
                }
                uint8_t *o = out->data + out->len;
                *o++ = (uint8_t)k;
                o = poisk_varint_put(o, ti->len);
                memcpy(o, inv->arena.data + ti->off, ti->len);
                o += ti->len;
                o = poisk_varint_put(o, ndocs);
                o = poisk_varint_put(o, post->len);
                memcpy(o, post->data, post->len);
                out->len = (size_t)(o + post->len - out->data);
                e += count;
            }
        }
        failed = failed || out->failed;
        if (inv->n_occ)
            inv->run_per_occ = (double)(out->len - out_start) / (double)inv->n_occ;
    }
    /* counts must be zero for the next batch whatever happened */
    for (unsigned k = 0; k < 2; k++)
        for (size_t i = 0; i < inv->n_touched[k]; i++)
            cnt[inv->touched[k][i]] = 0;
    for (size_t i = 0; i < inv->n_tall; i++)
        inv->pst[inv->tall[i]].bcount = 0;
    free(keys[0]);
    free(keys[1]);
    *abbrevs = inv->abbrevs;
    *n_abbrevs = inv->n_abbrevs;
    inv->abbrevs = NULL;
    inv->cap_abbrevs = 0;
    reset_batch(inv);
    if (inv->table_cap && table_memory(inv) > inv->table_cap)
        drop_tables(inv);
    return failed ? POISK_ENOMEM : POISK_OK;
}
