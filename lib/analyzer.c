/*
 * analyzer.c: text -> index terms (include/poisk/analyzer.h), the first stage of both the
 * indexer and the query parser.  Pieces come from the tokenizer (analyzer_scan.c); this
 * file groups them (hyphen and case-change compounds, glued year ranges, split words
 * rejoined by repair.c), drops stop words, stems through the per-form cache (stemcache.c,
 * which also holds what repair knows about each form) and assigns positions.  Tokens of one group are produced together into a small queue.
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

#define QUEUE_CAP   256   /* pieces: one whole run (<= 64) plus repair look-ahead */
#define OUT_CAP     64    /* tokens of one group */
#define TERM_CAP    512   /* longest term or exact form; longer compound wholes are skipped */
#define CHAIN_MAX   8     /* parts of one hyphen compound */

typedef struct out_token {
    char term[TERM_CAP], exact[TERM_CAP];
    size_t term_len, exact_len, start, end;
    uint32_t position;
    poisk_token_kind kind;
    unsigned flags;
} out_token;

struct poisk_analyzer {
    poisk_analyzer_options opts;
    poisk_scanner scan;
    poisk_stopset stop;
    poisk_stemcache *stems;
    poisk_repair *repair;                /* NULL when repair is off */
    poisk_piece queue[QUEUE_CAP];
    unsigned qhead, qcount;
    int eof;
    out_token out[OUT_CAP];
    int nout, iout;
    int group_emitted;                   /* tokens emitted by the current group */
    uint32_t next_position;
    uint32_t words_seen, stops_seen;     /* letter pieces / stop words in this text */
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
    poisk_stopset_init(&a->stop);
    const poisk_lexicon *lx = a->opts.repair ? a->opts.lexicon : NULL;
    int rc = poisk_stemcache_create(&a->stop, lx, &a->stems);
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
    a->qhead = a->qcount = 0;
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
    return &a->queue[(a->qhead + i) % QUEUE_CAP];
}

/* Makes at least n pieces available when the text has them; @return : pieces available */
static unsigned queue_fill(poisk_analyzer *a, unsigned n)
{
    while (a->qcount < n && !a->eof && a->qcount < QUEUE_CAP) {
        if (poisk_scanner_next(&a->scan, queue_at(a, a->qcount)))
            a->qcount++;
        else
            a->eof = 1;
    }
    return a->qcount;
}

static void queue_pop(poisk_analyzer *a, unsigned n)
{
    a->qhead = (a->qhead + n) % QUEUE_CAP;
    a->qcount -= n;
}

/* ---- emitting tokens ------------------------------------------------------------------ */

static void push_token(poisk_analyzer *a, const char *term, size_t term_len, const char *exact,
                       size_t exact_len, size_t start, size_t end, poisk_token_kind kind,
                       int same_position)
{
    if (a->nout >= OUT_CAP || term_len == 0 || term_len > TERM_CAP || exact_len > TERM_CAP)
        return;
    out_token *t = &a->out[a->nout++];
    memcpy(t->term, term, term_len);
    memcpy(t->exact, exact, exact_len);
    t->term_len = term_len;
    t->exact_len = exact_len;
    t->start = start;
    t->end = end;
    t->kind = kind;
    t->flags = 0;
    if (same_position && a->group_emitted) {
        t->flags = POISK_TOKEN_SAME_POSITION;
        t->position = a->next_position - 1;
    } else {
        t->position = a->next_position++;
    }
    a->group_emitted++;
}

static void push_stemmed(poisk_analyzer *a, poisk_form *e, const char *form, size_t len,
                         int latin, size_t start, size_t end, int same_position)
{
    const char *stem;
    size_t stem_len;
    if (!e || poisk_stemcache_stem(a->stems, e, latin, &stem, &stem_len) || !stem_len) {
        stem = form;                      /* out of memory: the form is a usable term */
        stem_len = len;
    }
    push_token(a, stem, stem_len, form, len, start, end, POISK_TOKEN_WORD, same_position);
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
        push_token(a, d, 4, d, 4, start, mid, POISK_TOKEN_NUMBER, same_position);
        push_token(a, d + 4, 4, d + 4, 4, mid, end, POISK_TOKEN_NUMBER, 0);
        push_token(a, d, len, d, len, start, end, POISK_TOKEN_NUMBER, 1);
        return;
    }
    push_token(a, d, len, d, len, start, end, POISK_TOKEN_NUMBER, same_position);
}

/* One word form (a piece, a repaired join or a compound whole) -> 0..2 tokens.  hash:
 * poisk_form_hash() of the form when known, else 0. */
static void emit_word(poisk_analyzer *a, const char *form, size_t len, int caps, size_t nchars,
                      int latin, size_t start, size_t end, int same_position, uint64_t hash)
{
    if (caps && nchars <= 6) {
        push_token(a, form, len, form, len, start, end, POISK_TOKEN_ABBREV, same_position);
        return;
    }
    a->words_seen++;
    poisk_form *e = poisk_stemcache_find(a->stems, form, len, hash);
    if (!caps && (e ? (e->flags & POISK_FORM_STOP) != 0 : poisk_stopset_has(&a->stop, form, len))) {
        a->stops_seen++;
        return;
    }
    if (!caps && a->opts.is_abbrev && a->opts.is_abbrev(a->opts.is_abbrev_ctx, form, len)) {
        /* the index saw this form in capitals: meet the abbreviation, keep the word too */
        push_token(a, form, len, form, len, start, end, POISK_TOKEN_ABBREV, same_position);
        push_stemmed(a, e, form, len, latin, start, end, 1);
        if (a->nout >= 2 && a->out[a->nout - 1].term_len == len
            && !memcmp(a->out[a->nout - 1].term, form, len)) {
            a->nout--;                    /* the stem is the form itself: no alternative */
            a->group_emitted--;
        }
        return;
    }
    push_stemmed(a, e, form, len, latin, start, end, same_position);
}

static void emit_piece(poisk_analyzer *a, const poisk_piece *p, int same_position)
{
    if (p->digit)
        emit_number(a, p->form, p->len, p->start, p->end, same_position);
    else
        emit_word(a, p->form, p->len, p->caps, p->nchars, p->latin, p->start, p->end,
                  same_position, p->hash);
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
        const poisk_piece *p = queue_at(a, i);
        emit_piece(a, p, 0);
        letters &= !p->digit;
        years &= p->digit && p->len == 4 && year_of(p->form);
        caps &= p->caps || (p->nchars == 1 && p->title);
        latin &= p->latin;
        whole_len += p->len;
        nchars += p->nchars;
    }
    if (!(letters || years) || whole_len > TERM_CAP)
        return;
    char whole[TERM_CAP];
    size_t o = 0;
    for (unsigned i = 0; i < k; i++) {
        const poisk_piece *p = queue_at(a, i);
        memcpy(whole + o, p->form, p->len);
        o += p->len;
    }
    size_t start = queue_at(a, 0)->start, end = queue_at(a, k - 1)->end;
    if (years)
        push_token(a, whole, o, whole, o, start, end, POISK_TOKEN_NUMBER, 1);
    else
        emit_word(a, whole, o, caps, nchars, latin, start, end, 1, 0);
}

/* Does this text keep its stop words (like the line-based seed, 15 % stop words) or were
 * they stripped (flattened seeds, < 3 %)?  Until 50 words are seen, assume it keeps them:
 * that is the cautious side for repair, which then never treats a stop word as a fragment. */
static int keeps_stop_words(const poisk_analyzer *a)
{
    return a->words_seen < 50 || a->stops_seen * 100 > a->words_seen * 6;
}

/* Split-word repair at the head of the queue: a join of 2-3 pieces, or a glued compound
 * split into its parts (plus the whole).  @return : 1 when it emitted the group */
static int repair_group(poisk_analyzer *a)
{
    poisk_repair_join join;
    unsigned avail = queue_fill(a, POISK_REPAIR_WINDOW);
    unsigned n = poisk_repair_plan(a->repair, a->queue, QUEUE_CAP, a->qhead, avail,
                                   keeps_stop_words(a), &join);
    if (n && join.compound) {
        emit_piece(a, queue_at(a, 0), 0);
        emit_piece(a, queue_at(a, 1), 0);
        emit_word(a, join.form, join.len, 0, join.nchars, 0, join.start, join.end, 1, 0);
        queue_pop(a, n);
        return 1;
    }
    if (n) {
        emit_word(a, join.form, join.len, 0, join.nchars, 0, join.start, join.end, 0, 0);
        queue_pop(a, n);
        return 1;
    }
    poisk_piece *p = queue_at(a, 0);
    if (avail > 1 && is_chain_glue(queue_at(a, 1)->glue))
        return 0;                         /* a hyphen compound: emit_chain's job */
    size_t k = poisk_repair_split(a->repair, p);
    if (!k)
        return 0;
    size_t mid = p->start + k <= p->end ? p->start + k : p->end;
    size_t first_chars = k / 2;           /* split only happens in 2-byte Cyrillic pieces */
    emit_word(a, p->form, k, 0, first_chars, 0, p->start, mid, 0, 0);
    emit_word(a, p->form + k, p->len - k, 0, p->nchars - first_chars, 0, mid, p->end, 0, 0);
    emit_word(a, p->form, p->len, 0, p->nchars, 0, p->start, p->end, 1, p->hash);
    queue_pop(a, 1);
    return 1;
}

/* Emits the tokens of the next group of pieces; @return : 0 at the end of the text */
static int analyze_group(poisk_analyzer *a)
{
    if (!queue_fill(a, 1))
        return 0;
    a->group_emitted = 0;
    if (a->repair && repair_group(a))
        return 1;
    unsigned k = 1;
    while (k < CHAIN_MAX && queue_fill(a, k + 1) > k && is_chain_glue(queue_at(a, k)->glue))
        k++;
    if (k == 1)
        emit_piece(a, queue_at(a, 0), 0);
    else
        emit_chain(a, k);
    queue_pop(a, k);
    return 1;
}

int poisk_analyzer_next(poisk_analyzer *a, poisk_token *tok)
{
    while (a->iout >= a->nout) {
        a->nout = a->iout = 0;
        if (!analyze_group(a))
            return 0;
    }
    const out_token *t = &a->out[a->iout++];
    tok->term = t->term;
    tok->term_len = t->term_len;
    tok->exact = t->exact;
    tok->exact_len = t->exact_len;
    tok->position = t->position;
    tok->byte_start = t->start;
    tok->byte_end = t->end;
    tok->kind = t->kind;
    tok->flags = t->flags;
    return 1;
}
