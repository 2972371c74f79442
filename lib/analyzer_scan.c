/*
 * analyzer_scan.c: the tokenizer (see analyzer_scan.h).  One pass over the bytes: blanks
 * and punctuation between runs are summarised into the next piece's glue; a run of letters
 * (or digits) is decoded into code points, homoglyphs are folded when the run has Cyrillic
 * letters, and the run is cut at case changes (ИТспециальностей, ТЭКиЖКХ) into pieces.
 */
#include "analyzer_scan.h"
#include "normalize.h"
#include "utf8.h"

#include <string.h>

void poisk_scanner_reset(poisk_scanner *s, const char *text, size_t len)
{
    uint64_t invalid = s->invalid;
    memset(s, 0, offsetof(poisk_scanner, pend));
    s->text = (const unsigned char *)text;
    s->len = text ? len : 0;
    s->invalid = invalid;
    s->npend = s->ipend = 0;
}

typedef struct {
    int any, space, newline, other, dashes, dash_first;
} sep_summary;

static poisk_glue glue_of(const poisk_scanner *s, const sep_summary *g)
{
    if (!s->have_prev)
        return POISK_GLUE_START;
    if (!g->any)
        return s->cut ? POISK_GLUE_NONE : POISK_GLUE_PUNCT;
    if (g->dashes == 1 && g->dash_first && !g->other)
        return g->newline ? POISK_GLUE_HYPHEN_NL : POISK_GLUE_HYPHEN;
    if (g->other || g->dashes)
        return POISK_GLUE_PUNCT;
    return g->newline ? POISK_GLUE_NEWLINE : POISK_GLUE_SPACE;
}

/* Skips separators; @return : 1 at the first letter/digit, 0 at the end of the text. */
static int skip_separators(poisk_scanner *s, sep_summary *g)
{
    memset(g, 0, sizeof *g);
    while (s->pos < s->len) {
        uint32_t cp;
        size_t n = poisk_utf8_decode(s->text + s->pos, s->len - s->pos, &cp);
        if (cp == POISK_UTF8_BAD) {
            s->invalid++;
            g->any = g->other = 1;
            s->pos += n;
            continue;
        }
        switch (poisk_char_classify(cp)) {
        case POISK_CH_LETTER:
        case POISK_CH_DIGIT:
            return 1;
        case POISK_CH_IGNORE:
        case POISK_CH_COMBINING:
            break;                       /* stray marks outside words: nothing */
        case POISK_CH_SPACE:
            g->any = g->space = 1;
            break;
        case POISK_CH_NEWLINE:
            g->any = g->newline = 1;
            break;
        case POISK_CH_DASH:
            if (!g->any)
                g->dash_first = 1;
            g->any = 1;
            g->dashes++;
            break;
        default:
            g->any = g->other = 1;
            break;
        }
        s->pos += n;
    }
    return 0;
}

typedef struct {
    uint32_t cp[POISK_PIECE_MAX_CP];
    size_t off[POISK_PIECE_MAX_CP + 1];  /* byte offset of each code point; [n] = run end */
    int n, digit;
} run_buf;

/* Reads one run of letters or of digits (at most POISK_PIECE_MAX_CP code points). */
static void read_run(poisk_scanner *s, run_buf *r)
{
    r->n = 0;
    r->digit = -1;
    size_t end = s->pos;
    s->cut = 0;
    while (s->pos < s->len) {
        uint32_t cp;
        size_t n = poisk_utf8_decode(s->text + s->pos, s->len - s->pos, &cp);
        if (cp == POISK_UTF8_BAD)
            break;
        poisk_char_class c = poisk_char_classify(cp);
        if (c == POISK_CH_IGNORE) {
            s->pos += n;
            continue;
        }
        if (c == POISK_CH_COMBINING) {
            uint32_t comp = r->n ? poisk_char_compose(r->cp[r->n - 1], cp) : 0;
            if (comp)
                r->cp[r->n - 1] = comp;
            s->pos += n;
            end = s->pos;
            continue;
        }
        if (c != POISK_CH_LETTER && c != POISK_CH_DIGIT)
            break;
        int digit = c == POISK_CH_DIGIT;
        if (r->n && (digit != r->digit || r->n == POISK_PIECE_MAX_CP)) {
            s->cut = 1;
            break;
        }
        r->digit = digit;
        r->off[r->n] = s->pos;
        r->cp[r->n++] = cp;
        s->pos += n;
        end = s->pos;
    }
    r->off[r->n] = end;
}

/* Latin look-alikes inside a Cyrillic word become Cyrillic (PDF font substitution), but only
 * when every Latin letter of the run has a Cyrillic twin: a real mixed word stays as is. */
static void fold_homoglyphs(run_buf *r)
{
    int cyr = 0, lat = 0, foldable = 1;
    for (int i = 0; i < r->n; i++) {
        if (poisk_char_is_cyrillic(r->cp[i]))
            cyr = 1;
        else if (poisk_char_is_latin(r->cp[i])) {
            lat = 1;
            if (!poisk_char_homoglyph(r->cp[i]))
                foldable = 0;
        }
    }
    if (!cyr || !lat || !foldable)
        return;
    for (int i = 0; i < r->n; i++)
        if (poisk_char_is_latin(r->cp[i]))
            r->cp[i] = poisk_char_homoglyph(r->cp[i]);
}

static void make_piece(poisk_piece *p, const run_buf *r, int from, int to, poisk_glue glue)
{
    int upper = 0, letters = 0, cyr = 0, lat = 0;
    size_t o = 0;
    for (int i = from; i < to; i++) {
        uint32_t cp = r->cp[i];
        if (!r->digit) {
            letters++;
            upper += poisk_char_is_upper(cp);
            cyr |= poisk_char_is_cyrillic(cp);
            lat |= poisk_char_is_latin(cp);
        }
        o += poisk_utf8_encode(poisk_char_fold(cp), p->form + o);
    }
    p->len = (uint16_t)o;
    p->nchars = (uint16_t)(to - from);
    p->start = r->off[from];
    p->end = r->off[to];
    p->digit = (uint8_t)r->digit;
    p->caps = letters >= 2 && upper == letters;
    p->title = !r->digit && poisk_char_is_upper(r->cp[from]);
    p->latin = lat && !cyr;
    p->glue = (uint8_t)glue;
}

/* Cuts a letter run where the case changes: lower -> upper (ТЭКи|ЖКХ), and after two or
 * more capitals that start the run when lower case follows (ИТ|специальностей). */
static void split_run(poisk_scanner *s, const run_buf *r, poisk_glue first_glue)
{
    s->npend = s->ipend = 0;
    int from = 0;
    for (int i = 1; i < r->n && !r->digit; i++) {
        int up = poisk_char_is_upper(r->cp[i]), up_prev = poisk_char_is_upper(r->cp[i - 1]);
        int lower_prev = !up_prev && poisk_char_lower(r->cp[i - 1]) == r->cp[i - 1];
        int cut = 0;
        if (up && lower_prev && i - from >= 1)
            cut = 1;
        else if (!up && up_prev && i - from >= 2) {
            int all_up = 1;
            for (int j = from; j < i; j++)
                all_up &= poisk_char_is_upper(r->cp[j]);
            cut = all_up;
        }
        if (cut) {
            make_piece(&s->pend[s->npend++], r, from, i,
                       from ? POISK_GLUE_CASE : first_glue);
            from = i;
        }
    }
    make_piece(&s->pend[s->npend++], r, from, r->n, from ? POISK_GLUE_CASE : first_glue);
}

int poisk_scanner_next(poisk_scanner *s, poisk_piece *out)
{
    if (s->ipend < s->npend) {
        *out = s->pend[s->ipend++];
        return 1;
    }
    sep_summary g;
    if (!skip_separators(s, &g))
        return 0;
    poisk_glue glue = glue_of(s, &g);
    run_buf r;
    read_run(s, &r);
    fold_homoglyphs(&r);
    split_run(s, &r, glue);
    s->have_prev = 1;
    *out = s->pend[s->ipend++];
    return 1;
}
