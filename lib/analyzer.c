/*
 * analyzer.c: text -> index terms (include/poisk/analyzer.h), the first stage of both the
 * indexer and the query parser.  Pieces come from the tokenizer (analyzer_scan.c); this
 * file groups them (hyphen and case-change compounds, glued year ranges, split words
 * rejoined by repair.c), drops stop words, stems through the per-form cache (stemcache.c,
 * which also holds what repair knows about each form) and assigns positions.  The tokens
 * of a few groups are produced together into a small array, handed out one by one.
 */
#include "poisk/analyzer.h"
#include "poisk/poisk.h"
#include "analyzer_scan.h"
#include "lexicon.h"
#include "repair.h"
#include "stemcache.h"
#include "stopwords.h"

#include <stdlib.h>
#include <string.h>

#define QUEUE_CAP   32    /* pieces: a compound (<= CHAIN_MAX + 1) or repair's window, and
                           * the pieces read ahead (read in batches, up to a full queue) */
#define OUT_CAP     64    /* tokens of one batch of groups */
#define BATCH_TOKENS 16   /* a batch takes no more groups once it has this many tokens */
#define TERM_CAP    512   /* longest term or exact form; longer compound wholes are skipped */
#define NOTE_AHEAD  2     /* pieces noted before they enter repair's window */
#define FORM_AHEAD  6     /* the piece whose form is prefetched: its slot was a batch ago */
#define CHAIN_MAX   8     /* parts of one hyphen compound */
#define READ_AHEAD  8     /* pieces read before they are needed: their cache slots load */
#define SCRATCH_CAP (2 * TERM_CAP * OUT_CAP)   /* built strings of one batch: never full */

struct poisk_analyzer {
    poisk_analyzer_options opts;
    poisk_scanner scan;
    poisk_stopset stop;
    poisk_stemcache *stems;
    poisk_repair *repair;                /* NULL when repair is off */
    poisk_piece queue[QUEUE_CAP];
    unsigned qhead, qcount;
    unsigned qnoted;                     /* pieces at the head repair has noted (r_bits) */
    /* qptr[i] = &queue[i % QUEUE_CAP]: qptr + qhead is repair's window of pieces at any
     * head, without building an array of pointers each group */
    poisk_piece *qptr[2 * QUEUE_CAP];
    int eof;
    /* The tokens of one batch of groups, handed out as they are.  Their strings point into
     * the pieces of the queue (a piece's slot is not reused before the next batch), into
     * scratch (strings built here: compound wholes, joins), or into the form cache's
     * arena: that may move while the group is built, so those terms are kept as offsets
     * (term_off, 0 = none) and pointed to as they are handed out. */
    poisk_token out[OUT_CAP];
    uint32_t term_off[OUT_CAP];
    int nout, iout;
    int group_emitted;                   /* tokens emitted by the current group */
    uint32_t next_position;
    uint32_t words_seen, stops_seen;     /* letter pieces / stop words in this text */
    size_t scratch_len;
    char scratch[SCRATCH_CAP];
};

int poisk_analyzer_create(const poisk_analyzer_options *opts, poisk_analyzer **out)
{
    if (!out)
        return POISK_EINVAL;
    *out = NULL;
    poisk_analyzer *a = calloc(1, sizeof *a);
    if (!a)
        return POISK_ENOMEM;
    if (opts)
        a->opts = *opts;
    for (unsigned i = 0; i < 2 * QUEUE_CAP; i++)
        a->qptr[i] = &a->queue[i % QUEUE_CAP];
    poisk_stopset_init(&a->stop);
    /* Without repair the lexicon still serves the Snowball stems its freeze computed (the
     * writer's canonical-stem analyzer meets every new exact form once: a probe instead
     * of a stem); its counts are then never asked. */
    const poisk_lexicon *lx = a->opts.lexicon;
    int rc = poisk_stemcache_create(&a->stop, lx, &a->stems);
    if (!rc) {
        poisk_stemcache_set_budget(a->stems, a->opts.form_cache_bytes);
        if (a->opts.repair)
            poisk_stemcache_reserve(a->stems, poisk_lexicon_forms(lx));   /* NULL: 0 */
    }
    if (!rc && a->opts.repair)
        rc = poisk_repair_create(lx, a->stems, &a->repair);
    if (rc) {
        poisk_analyzer_free(a);
        return rc;
    }
    poisk_analyzer_reset(a, "", 0);
    *out = a;
    return POISK_OK;
}

void poisk_analyzer_free(poisk_analyzer *a)
{
    if (!a)
        return;
    poisk_stemcache_free(a->stems);
    poisk_repair_free(a->repair);
    free(a);
}

void poisk_analyzer_reset(poisk_analyzer *a, const char *text, size_t len)
{
    poisk_scanner_reset(&a->scan, text, len);
    a->qhead = a->qcount = a->qnoted = 0;
    a->eof = 0;
    a->nout = a->iout = 0;
    a->next_position = 0;
    a->words_seen = a->stops_seen = 0;
}

uint64_t poisk_analyzer_invalid_sequences(const poisk_analyzer *a)
{
    return a ? a->scan.invalid : 0;
}

/* ---- the piece queue ------------------------------------------------------------------ */

static poisk_piece *queue_at(poisk_analyzer *a, unsigned i)
{
    return &a->queue[(a->qhead + i) & (QUEUE_CAP - 1)];
}

/* Reads pieces until the queue is full (one call per batch, not one per piece: the
 * analyzer asks for a piece or two a group). */
static unsigned queue_read(poisk_analyzer *a)
{
    while (a->qcount < QUEUE_CAP && !a->eof) {
        poisk_piece *p = queue_at(a, a->qcount);
        if (!poisk_scanner_next(&a->scan, p)) {
            a->eof = 1;
            break;
        }
        a->qcount++;
        if (!p->digit) {                  /* its cache slot is wanted soon: load it now */
            p->ref.hash = poisk_form_hash(p->form, p->len);
            p->ref.gen = 0;               /* the slot is not known yet */
            poisk_stemcache_prefetch(a->stems, p->ref.hash);
        }
    }
    return a->qcount;
}

/* The pieces a group may look at: repair's window, and those read ahead so that their
 * cache slots have loaded by the time they are used. */
static inline unsigned pieces_wanted(const poisk_analyzer *a)
{
    return a->repair ? POISK_REPAIR_WINDOW + READ_AHEAD : READ_AHEAD;
}

/* Makes at least n (<= QUEUE_CAP) pieces available when the text has them; @return :
 * pieces available */
static inline unsigned queue_fill(poisk_analyzer *a, unsigned n)
{
    return a->qcount >= n ? a->qcount : queue_read(a);
}

static void queue_pop(poisk_analyzer *a, unsigned n)
{
    a->qhead = (a->qhead + n) & (QUEUE_CAP - 1);
    a->qcount -= n;
    a->qnoted = a->qnoted > n ? a->qnoted - n : 0;
}

/* ---- emitting tokens ------------------------------------------------------------------ */

/* A copy of s that stays valid until the next batch (scratch never fills: a group copies
 * at most 2 * TERM_CAP bytes, and a batch takes no group once it is half full). */
static const char *scratch_copy(poisk_analyzer *a, const char *s, size_t len)
{
    if (len > TERM_CAP || a->scratch_len + len > SCRATCH_CAP)
        return NULL;
    char *d = a->scratch + a->scratch_len;
    memcpy(d, s, len);
    a->scratch_len += len;
    return d;
}

/* term: stable bytes, or (term_off != 0) the offset of the term in the form cache's arena;
 * exact: stable bytes. */
static poisk_token *push_token(poisk_analyzer *a, const char *term, size_t term_len,
                               uint32_t term_off, const char *exact, size_t exact_len,
                               size_t start, size_t end, poisk_token_kind kind,
                               int same_position)
{
    if (a->nout >= OUT_CAP || term_len == 0 || term_len > TERM_CAP || exact_len > TERM_CAP)
        return NULL;
    a->term_off[a->nout] = term_off;
    poisk_token *t = &a->out[a->nout++];
    t->term = term;
    t->term_len = term_len;
    t->exact = exact;
    t->exact_len = exact_len;
    t->byte_start = start;
    t->byte_end = end;
    t->kind = kind;
    if (same_position && a->group_emitted) {
        t->flags = POISK_TOKEN_SAME_POSITION;
        t->position = a->next_position - 1;
    } else {
        t->flags = 0;
        t->position = a->next_position++;
    }
    t->form_id = 0;
    a->group_emitted++;
    return t;
}

/* The token's (exact, term) pair is the form of entry e and its cached stem: the entry's
 * id says so (poisk_token.form_id). */
static inline void set_form_id(poisk_analyzer *a, poisk_token *t, poisk_form *e)
{
    t->form_id = poisk_stemcache_id(a->stems, e);
    t->form_epoch = poisk_stemcache_epoch(a->stems);
}

/* The word token of a form with cache entry e (stable form bytes). */
static void push_stemmed(poisk_analyzer *a, poisk_form *e, const char *form, size_t len,
                         int latin, size_t start, size_t end, int same_position)
{
    if (e && e->stem_off) {               /* the usual case: stemmed before */
        poisk_token *t = push_token(a, NULL, e->stem_len, e->stem_off, form, len, start, end,
                                    POISK_TOKEN_WORD, same_position);
        if (t)
            set_form_id(a, t, e);
        return;
    }
    const char *stem;
    size_t stem_len;
    if (!e || poisk_stemcache_stem(a->stems, e, latin, &stem, &stem_len) || !stem_len) {
        stem = form;                      /* out of memory: the form is a usable term */
        stem_len = len;
    } else if (e->stem_off) {
        poisk_token *t = push_token(a, NULL, e->stem_len, e->stem_off, form, len, start, end,
                                    POISK_TOKEN_WORD, same_position);
        if (t)
            set_form_id(a, t, e);
        return;
    } else if (!(stem = scratch_copy(a, stem, stem_len))) {
        return;                           /* a stem the cache could not keep: copied */
    }
    push_token(a, stem, stem_len, 0, form, len, start, end, POISK_TOKEN_WORD, same_position);
}

static int year_of(const char *d)
{
    int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    return y >= 1900 && y <= 2099 ? y : 0;
}

/* 20222024: two years glued by the export (the dash was deleted). */
static int is_year_range(const char *d, size_t len)
{
    if (len != 8)
        return 0;
    int y1 = year_of(d), y2 = year_of(d + 4);
    return y1 && y2 && y2 >= y1 && y2 - y1 <= 100;
}

static void emit_number(poisk_analyzer *a, const char *d, size_t len, size_t start, size_t end,
                        int same_position)
{
    if (is_year_range(d, len)) {
        size_t mid = start + 4 <= end ? start + 4 : start;
        push_token(a, d, 4, 0, d, 4, start, mid, POISK_TOKEN_NUMBER, same_position);
        push_token(a, d + 4, 4, 0, d + 4, 4, mid, end, POISK_TOKEN_NUMBER, 0);
        push_token(a, d, len, 0, d, len, start, end, POISK_TOKEN_NUMBER, 1);
        return;
    }
    push_token(a, d, len, 0, d, len, start, end, POISK_TOKEN_NUMBER, same_position);
}

/* One word form (a piece, a repaired join or a compound whole; its bytes stable until the
 * next group) -> 0..2 tokens.  ref: where the form's cache entry is when known (a piece, a
 * join repair looked up), else NULL. */
static void emit_word(poisk_analyzer *a, const char *form, size_t len, int caps, size_t nchars,
                      int latin, size_t start, size_t end, int same_position,
                      poisk_form_ref *ref)
{
    if (caps && nchars <= 6) {
        push_token(a, form, len, 0, form, len, start, end, POISK_TOKEN_ABBREV, same_position);
        return;
    }
    a->words_seen++;
    poisk_form_ref none = { 0, 0, 0 };
    poisk_form *e = poisk_stemcache_find_ref(a->stems, form, len, ref ? ref : &none);
    if (!caps && (e ? (e->flags & POISK_FORM_STOP) != 0 : poisk_stopset_has(&a->stop, form, len))) {
        a->stops_seen++;
        return;
    }
    if (!caps && a->opts.is_abbrev && a->opts.is_abbrev(a->opts.is_abbrev_ctx, form, len)) {
        /* the index saw this form in capitals: meet the abbreviation, keep the word too */
        push_token(a, form, len, 0, form, len, start, end, POISK_TOKEN_ABBREV, same_position);
        push_stemmed(a, e, form, len, latin, start, end, 1);
        const poisk_token *t = &a->out[a->nout - 1];
        const char *term = a->term_off[a->nout - 1]
                           ? poisk_stemcache_arena(a->stems) + a->term_off[a->nout - 1] : t->term;
        if (a->group_emitted >= 2 && t->term_len == len && !memcmp(term, form, len)) {
            a->nout--;                    /* the stem is the form itself: no alternative */
            a->group_emitted--;
        }
        return;
    }
    push_stemmed(a, e, form, len, latin, start, end, same_position);
}

/* The usual token, without the general path's questions: a word piece that is no
 * abbreviation, stemmed before; a known stop word, counted and dropped here (emit_word()
 * asks the same entry first, whatever is_abbrev says); a number (not 8 digits, which may be
 * a glued year range).  @return : 0 when the general path must decide */
static inline int emit_plain_word(poisk_analyzer *a, poisk_piece *p)
{
    if (p->digit) {                       /* a number that is no glued year range */
        if (p->len == 8)
            return 0;
        push_token(a, p->form, p->len, 0, p->form, p->len, p->start, p->end, POISK_TOKEN_NUMBER,
                   0);
        return 1;
    }
    if (p->caps)
        return 0;
    poisk_form *e = poisk_stemcache_find_ref(a->stems, p->form, p->len, &p->ref);
    if (!e)
        return 0;
    if (e->flags & POISK_FORM_STOP) {
        a->words_seen++;
        a->stops_seen++;
        return 1;
    }
    if (!e->stem_off || !e->stem_len || a->opts.is_abbrev || a->nout >= OUT_CAP)
        return 0;
    a->words_seen++;
    a->term_off[a->nout] = e->stem_off;
    poisk_token *t = &a->out[a->nout++];
    t->term_len = e->stem_len;
    t->exact = p->form;
    t->exact_len = p->len;
    t->byte_start = p->start;
    t->byte_end = p->end;
    t->kind = POISK_TOKEN_WORD;
    t->flags = 0;
    t->position = a->next_position++;
    set_form_id(a, t, e);
    a->group_emitted++;
    return 1;
}

static void emit_piece(poisk_analyzer *a, poisk_piece *p, int same_position)
{
    if (p->digit)
        emit_number(a, p->form, p->len, p->start, p->end, same_position);
    else
        emit_word(a, p->form, p->len, p->caps, p->nchars, p->latin, p->start, p->end,
                  same_position, &p->ref);
}

static int is_chain_glue(int glue)
{
    return glue == POISK_GLUE_HYPHEN || glue == POISK_GLUE_HYPHEN_NL || glue == POISK_GLUE_CASE;
}

/* A compound (социально-экономического, ИТспециальностей, 2022-2024): every part at its
 * own position, then the whole, written together, as an alternative at the last part's
 * position.  The whole exists only for all-letter compounds and year ranges. */
static void emit_chain(poisk_analyzer *a, unsigned k)
{
    int letters = 1, years = 1, caps = 1, latin = 1;
    size_t whole_len = 0, nchars = 0;
    for (unsigned i = 0; i < k; i++) {
        poisk_piece *p = queue_at(a, i);
        emit_piece(a, p, 0);
        letters &= !p->digit;
        years &= p->digit && p->len == 4 && year_of(p->form);
        caps &= p->caps || (p->nchars == 1 && p->title);
        latin &= p->latin;
        whole_len += p->len;
        nchars += p->nchars;
    }
    if (!(letters || years) || whole_len > TERM_CAP || a->scratch_len + whole_len > SCRATCH_CAP)
        return;
    char *whole = a->scratch + a->scratch_len;
    size_t o = 0;
    for (unsigned i = 0; i < k; i++) {
        const poisk_piece *p = queue_at(a, i);
        memcpy(whole + o, p->form, p->len);
        o += p->len;
    }
    a->scratch_len += o;
    size_t start = queue_at(a, 0)->start, end = queue_at(a, k - 1)->end;
    if (years)
        push_token(a, whole, o, 0, whole, o, start, end, POISK_TOKEN_NUMBER, 1);
    else
        emit_word(a, whole, o, caps, nchars, latin, start, end, 1, NULL);
}

/* Does this text keep its stop words (like the line-based seed, 15 % stop words) or were
 * they stripped (flattened seeds, < 3 %)?  Until 50 words are seen, assume it keeps them:
 * that is the cautious side for repair, which then never treats a stop word as a fragment. */
static int keeps_stop_words(const poisk_analyzer *a)
{
    return a->words_seen < 50 || a->stops_seen * 100 > a->words_seen * 6;
}

/* What repair decided for the window at the head of the queue, emitted.  @return : 1 when
 * it emitted the group */
__attribute__((noinline))   /* keeps repair_group's common early exit cheap */
static int repair_act(poisk_analyzer *a, poisk_piece *const *win, unsigned avail)
{
    poisk_repair_join join;
    unsigned n = poisk_repair_plan(a->repair, win, avail, keeps_stop_words(a), &join);
    if (n) {
        const char *form = scratch_copy(a, join.form, join.len);
        if (join.compound) {
            emit_piece(a, win[0], 0);
            emit_piece(a, win[1], 0);
        }
        if (form)
            emit_word(a, form, join.len, 0, join.nchars, 0, join.start, join.end,
                      join.compound, &join.ref);
        queue_pop(a, n);
        return 1;
    }
    poisk_piece *p = win[0];
    if (avail > 1 && is_chain_glue(win[1]->glue))
        return 0;                         /* a hyphen compound: emit_chain's job */
    size_t k = poisk_repair_split(a->repair, p);
    if (!k)
        return 0;
    size_t mid = p->start + k <= p->end ? p->start + k : p->end;
    size_t first_chars = k / 2;           /* split only happens in 2-byte Cyrillic pieces */
    emit_word(a, p->form, k, 0, first_chars, 0, p->start, mid, 0, NULL);
    emit_word(a, p->form + k, p->len - k, 0, p->nchars - first_chars, 0, mid, p->end, 0, NULL);
    emit_word(a, p->form, p->len, 0, p->nchars, 0, p->start, p->end, 1, &p->ref);
    queue_pop(a, 1);
    return 1;
}

/* Split-word repair at the head of the queue: a join of 2-3 pieces, or a glued compound
 * split into its parts (plus the whole).  @return : 1 when it emitted the group */
static int repair_group(poisk_analyzer *a)
{
    unsigned avail = queue_fill(a, POISK_REPAIR_WINDOW + NOTE_AHEAD);
    unsigned lim = avail < POISK_REPAIR_WINDOW + NOTE_AHEAD ? avail
                                                           : POISK_REPAIR_WINDOW + NOTE_AHEAD;
    _Static_assert(POISK_REPAIR_WINDOW + NOTE_AHEAD <= QUEUE_CAP, "the window fits qptr");
    poisk_piece *const *win = a->qptr + a->qhead;
    /* pieces are noted in queue order, each once: usually one new piece a group */
    /* (the dictionary filter words and join slots the window's joins would read are not
     * prefetched: building and hashing the joins for it cost 10 % of the analyzer's
     * instructions and saved no CPU time, bench/NOTES.md analyzer) */
    for (unsigned i = a->qnoted; i < lim; i++)
        poisk_repair_note(a->repair, win[i]);
    if (a->qnoted < lim)
        a->qnoted = lim;
    avail = avail < POISK_REPAIR_WINDOW ? avail : POISK_REPAIR_WINDOW;
    return poisk_repair_may_act(win, avail) && repair_act(a, win, avail);
}

/* Emits the tokens of the next group of pieces; @return : 0 at the end of the text */
static int analyze_group(poisk_analyzer *a)
{
    if (!queue_fill(a, pieces_wanted(a)))
        return 0;
    if (a->qcount > FORM_AHEAD) {         /* the form bytes of a piece needed a few groups on */
        const poisk_piece *q = queue_at(a, FORM_AHEAD);
        if (!q->digit)
            poisk_stemcache_prefetch_form(a->stems, q->ref.hash);
    }
    a->group_emitted = 0;
    if (a->repair && repair_group(a))
        return 1;
    unsigned k = 1;
    while (k < CHAIN_MAX && queue_fill(a, k + 1) > k && is_chain_glue(queue_at(a, k)->glue))
        k++;
    if (k == 1) {
        poisk_piece *p = queue_at(a, 0);
        if (!emit_plain_word(a, p))
            emit_piece(a, p, 0);
    } else
        emit_chain(a, k);
    queue_pop(a, k);
    return 1;
}

/* Analyses the next groups into out[]: as many as fit (a group emits at most ~26 tokens:
 * 8 chained parts of up to 3, and the whole) without reading pieces, which would reuse the
 * queue slots that the tokens' exact forms point into.  One call per batch saves the
 * per-group call and the check that the form cache needs emptying (it may pass its
 * budget by a batch).  @return : 0 at the end of the text */
__attribute__((noinline)) static int next_batch(poisk_analyzer *a)
{
    a->nout = a->iout = 0;
    a->scratch_len = 0;
    poisk_stemcache_trim(a->stems);       /* between groups: no term points into it */
    unsigned want = pieces_wanted(a);
    do {
        if (!analyze_group(a))
            return a->nout > 0;
    } while (a->nout < BATCH_TOKENS && a->scratch_len <= SCRATCH_CAP / 2
             && (a->qcount >= want || a->eof));
    return 1;
}

int poisk_analyzer_next(poisk_analyzer *a, poisk_token *tok)
{
    while (a->iout >= a->nout)
        if (!next_batch(a))
            return 0;
    int i = a->iout++;
    *tok = a->out[i];
    /* the arena stays put from the end of a batch to the start of the next one */
    if (a->term_off[i])
        tok->term = poisk_stemcache_arena(a->stems) + a->term_off[i];
    return 1;
}
