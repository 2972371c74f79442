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
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
        if (s->text[s->pos] == ' ') {    /* fast path: the usual single space */
            g->any = g->space = 1;
            s->pos++;
            continue;
        }
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
    uint32_t fold[POISK_PIECE_MAX_CP];   /* lower case, ё -> е (filled by classify_run) */
    uint8_t upper[POISK_PIECE_MAX_CP];
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
        const unsigned char *p = s->text + s->pos;
        uint32_t cp;
        size_t n;
        /* fast path: the basic Russian alphabet, D0 90 .. D1 8F */
        if ((p[0] & 0xFE) == 0xD0 && s->pos + 1 < s->len && (p[1] & 0xC0) == 0x80) {
            cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            if (cp - 0x410u < 0x40u && r->n && !r->digit && r->n < POISK_PIECE_MAX_CP) {
                r->off[r->n] = s->pos;
                r->cp[r->n++] = cp;
                s->pos += 2;
                end = s->pos;
                continue;
            }
        }
        n = poisk_utf8_decode(p, s->len - s->pos, &cp);
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

/* Case and folded form of every code point, computed once per run. */
static void classify_run(run_buf *r)
{
    for (int i = 0; i < r->n; i++) {
        uint32_t cp = r->cp[i], lower = poisk_char_lower(cp);
        r->upper[i] = lower != cp;
        r->fold[i] = lower == 0x451 ? 0x435 : lower;
    }
}

static void make_piece(poisk_piece *p, const run_buf *r, int from, int to, poisk_glue glue)
{
    int upper = 0, letters = 0, cyr = 0, lat = 0;
    size_t o = 0;
    for (int i = from; i < to; i++) {
        uint32_t f = r->fold[i];
        if (!r->digit) {
            letters++;
            upper += r->upper[i];
            cyr |= poisk_char_is_cyrillic(f);
            lat |= poisk_char_is_latin(f);
        }
        if (f < 0x80)
            p->form[o++] = (char)f;
        else
            o += poisk_utf8_encode(f, p->form + o);
    }
    p->len = (uint16_t)o;
    p->nchars = (uint16_t)(to - from);
    p->start = r->off[from];
    p->end = r->off[to];
    p->digit = (uint8_t)r->digit;
    p->caps = letters >= 2 && upper == letters;
    p->title = !r->digit && r->upper[from];
    p->latin = lat && !cyr;
    p->glue = (uint8_t)glue;
    p->r_bits = 0;
    p->ref.hash = 0;
}

/* Cuts a letter run where the case changes: lower -> upper (ТЭКи|ЖКХ), and after two or
 * more capitals that start the run when lower case follows (ИТ|специальностей). */
static void split_run(poisk_scanner *s, const run_buf *r, poisk_glue first_glue)
{
    s->npend = s->ipend = 0;
    int from = 0;
    int caps_from_start = r->n > 0 && r->upper[0];   /* run so far all capitals */
    for (int i = 1; i < r->n && !r->digit; i++) {
        int up = r->upper[i], up_prev = r->upper[i - 1];
        int cut = 0;
        if (up && !up_prev)
            cut = 1;                             /* lower -> upper */
        else if (!up && up_prev && caps_from_start && i - from >= 2)
            cut = 1;                             /* CAPS -> lower */
        caps_from_start = caps_from_start && up;
        if (cut) {
            make_piece(&s->pend[s->npend++], r, from, i,
                       from ? POISK_GLUE_CASE : first_glue);
            from = i;
            caps_from_start = up;
        }
    }
    make_piece(&s->pend[s->npend++], r, from, r->n, from ? POISK_GLUE_CASE : first_glue);
}

/* Bytes by kind: 1 = an ASCII byte that is neither a letter nor a digit (every path of the
 * scanner takes it for a separator, poisk_char_classify(): it ends a run), 2 = an ASCII
 * digit, 0 = anything else.  One load a byte. */
static const uint8_t ascii_kind[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static inline int ascii_sep(unsigned char b)
{
    return ascii_kind[b] == 1;
}

/* Can the byte at t[i] (i < n) follow a run without continuing it?  Only bytes known to
 * be separators: ASCII other than letters and digits, «, », NBSP.  Anything else sends the
 * run to the general path, which knows about marks, invisible characters and dashes. */
static inline __attribute__((always_inline)) int ends_run(const unsigned char *t, size_t i,
                                                        size_t n)
{
    unsigned b = t[i];
    if (b < 0x80)                         /* the usual end: inlined, one load */
        return ascii_sep((unsigned char)b);
    return b == 0xC2 && i + 1 < n && (t[i + 1] == 0xAB || t[i + 1] == 0xBB || t[i + 1] == 0xA0);
}

/* The basic Russian alphabet in UTF-8 (D0 80..D1 BF) indexed by (lead & 1) << 6 | (second
 * byte & 0x3F): bit 15 = capital, bit 8 = lead byte of the folded letter is D1, low byte =
 * its second byte; 0 = not a basic letter.  Folding is lower case plus ё -> е. */
#define RU_LOWER(lead1, b2) ((uint16_t)(((lead1) << 8) | (b2)))
#define RU_UPPER(lead1, b2) ((uint16_t)(0x8000 | ((lead1) << 8) | (b2)))
static const uint16_t russian_fold[128] = {
    /* D0 80..8F: Ѐ Ё Ђ ... only Ё is basic */
    [0x01] = RU_UPPER(0, 0xB5),
    /* D0 90..9F: А..П -> D0 B0..BF */
    [0x10] = RU_UPPER(0, 0xB0), [0x11] = RU_UPPER(0, 0xB1), [0x12] = RU_UPPER(0, 0xB2),
    [0x13] = RU_UPPER(0, 0xB3), [0x14] = RU_UPPER(0, 0xB4), [0x15] = RU_UPPER(0, 0xB5),
    [0x16] = RU_UPPER(0, 0xB6), [0x17] = RU_UPPER(0, 0xB7), [0x18] = RU_UPPER(0, 0xB8),
    [0x19] = RU_UPPER(0, 0xB9), [0x1A] = RU_UPPER(0, 0xBA), [0x1B] = RU_UPPER(0, 0xBB),
    [0x1C] = RU_UPPER(0, 0xBC), [0x1D] = RU_UPPER(0, 0xBD), [0x1E] = RU_UPPER(0, 0xBE),
    [0x1F] = RU_UPPER(0, 0xBF),
    /* D0 A0..AF: Р..Я -> D1 80..8F */
    [0x20] = RU_UPPER(1, 0x80), [0x21] = RU_UPPER(1, 0x81), [0x22] = RU_UPPER(1, 0x82),
    [0x23] = RU_UPPER(1, 0x83), [0x24] = RU_UPPER(1, 0x84), [0x25] = RU_UPPER(1, 0x85),
    [0x26] = RU_UPPER(1, 0x86), [0x27] = RU_UPPER(1, 0x87), [0x28] = RU_UPPER(1, 0x88),
    [0x29] = RU_UPPER(1, 0x89), [0x2A] = RU_UPPER(1, 0x8A), [0x2B] = RU_UPPER(1, 0x8B),
    [0x2C] = RU_UPPER(1, 0x8C), [0x2D] = RU_UPPER(1, 0x8D), [0x2E] = RU_UPPER(1, 0x8E),
    [0x2F] = RU_UPPER(1, 0x8F),
    /* D0 B0..BF: а..п */
    [0x30] = RU_LOWER(0, 0xB0), [0x31] = RU_LOWER(0, 0xB1), [0x32] = RU_LOWER(0, 0xB2),
    [0x33] = RU_LOWER(0, 0xB3), [0x34] = RU_LOWER(0, 0xB4), [0x35] = RU_LOWER(0, 0xB5),
    [0x36] = RU_LOWER(0, 0xB6), [0x37] = RU_LOWER(0, 0xB7), [0x38] = RU_LOWER(0, 0xB8),
    [0x39] = RU_LOWER(0, 0xB9), [0x3A] = RU_LOWER(0, 0xBA), [0x3B] = RU_LOWER(0, 0xBB),
    [0x3C] = RU_LOWER(0, 0xBC), [0x3D] = RU_LOWER(0, 0xBD), [0x3E] = RU_LOWER(0, 0xBE),
    [0x3F] = RU_LOWER(0, 0xBF),
    /* D1 80..8F: р..я */
    [0x40] = RU_LOWER(1, 0x80), [0x41] = RU_LOWER(1, 0x81), [0x42] = RU_LOWER(1, 0x82),
    [0x43] = RU_LOWER(1, 0x83), [0x44] = RU_LOWER(1, 0x84), [0x45] = RU_LOWER(1, 0x85),
    [0x46] = RU_LOWER(1, 0x86), [0x47] = RU_LOWER(1, 0x87), [0x48] = RU_LOWER(1, 0x88),
    [0x49] = RU_LOWER(1, 0x89), [0x4A] = RU_LOWER(1, 0x8A), [0x4B] = RU_LOWER(1, 0x8B),
    [0x4C] = RU_LOWER(1, 0x8C), [0x4D] = RU_LOWER(1, 0x8D), [0x4E] = RU_LOWER(1, 0x8E),
    [0x4F] = RU_LOWER(1, 0x8F),
    /* D1 91: ё -> е */
    [0x51] = RU_LOWER(0, 0xB5),
};

/* How many basic lower-case Russian letters (а..я without ё) start the 8 bytes at t: 0..4.
 * Each letter is a 16-bit lane (lead byte low, little-endian): а..п are D0 B0..BF, р..я
 * D1 80..8F, so lead byte plus the trail's high nibble is B0D0 or 80D1.  The lane tests
 * are exact (no carry crosses a lane).  These letters are their own normalised form, so
 * the bytes can be copied as they are. */
static unsigned lower_prefix(const unsigned char *t)
{
    uint64_t x;
    memcpy(&x, t, 8);
    const uint64_t low = 0x7FFF7FFF7FFF7FFFull, high = 0x8000800080008000ull;
    uint64_t m = x & 0xF0FFF0FFF0FFF0FFull;
    uint64_t a = m ^ 0xB0D0B0D0B0D0B0D0ull, b = m ^ 0x80D180D180D180D1ull;
    uint64_t za = ~(((a & low) + low) | a) & high;   /* high bit set where a's lane is 0 */
    uint64_t zb = ~(((b & low) + low) | b) & high;
    uint64_t bad = ~(za | zb) & high;
    return bad ? (unsigned)__builtin_ctzll(bad) >> 4 : 4;
}

/* Is lower_prefix(t) > 0, i.e. is the letter at t one of а..я (not ё)?  Two byte tests
 * instead of the 8-byte lane arithmetic: most pieces start with such a letter. */
static inline int lower_first(const unsigned char *t)
{
    return (t[0] == 0xD0 && (t[1] & 0xF0) == 0xB0) || (t[0] == 0xD1 && (t[1] & 0xF0) == 0x80);
}

/* Which of the 8 two-byte lanes at t hold a basic lower-case letter (а-я but ё, D0 B0..BF,
 * D1 80..8F): bit 2l and 2l+1 set for lane l. */
static inline unsigned lower_lanes16(const unsigned char *t)
{
#ifdef __SSE2__
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)t);
    __m128i m = _mm_and_si128(x, _mm_set1_epi16((short)0xF0FF));
    __m128i ok = _mm_or_si128(_mm_cmpeq_epi16(m, _mm_set1_epi16((short)0xB0D0)),
                              _mm_cmpeq_epi16(m, _mm_set1_epi16((short)0x80D1)));
    return (unsigned)_mm_movemask_epi8(ok);
#else
    unsigned ok = 0;
    for (int l = 0; l < 8; l++)
        if (lower_first(t + 2 * l))
            ok |= 3u << (2 * l);
    return ok;
#endif
}

/* lower_prefix() over the 16 bytes at t: 0..8 letters, one step of the lower-case loop for
 * the usual 5-8 letter word instead of two (SSE2 compares the 8 lanes at once). */
static unsigned lower_prefix16(const unsigned char *t)
{
    unsigned bad = ~lower_lanes16(t) & 0xFFFFu;
    return bad ? (unsigned)__builtin_ctz(bad) >> 1 : 8;
}

/* Folded entry of the basic Russian letter at t[i] (0 when it is not one). */
static uint16_t russian_at(const unsigned char *t, size_t i, size_t n)
{
    if (i + 1 >= n || (t[i] & 0xFE) != 0xD0 || (t[i + 1] & 0xC0) != 0x80)
        return 0;
    return russian_fold[((t[i] & 1) << 6) | (t[i + 1] & 0x3F)];
}

static void put_letter(poisk_piece *p, size_t o, uint16_t e)
{
    p->form[o] = (char)(0xD0 | ((e >> 8) & 1));
    p->form[o + 1] = (char)(e & 0xFF);
}

/* The piece the fast paths read from s->pos to end (len bytes of form, nch letters, no
 * Latin): its fields, and the scanner moved past it with nothing pending. */
static inline void fast_piece_end(poisk_scanner *s, poisk_piece *p, size_t len, unsigned nch,
                                  size_t end, unsigned digit, unsigned caps, unsigned title,
                                  poisk_glue glue)
{
    p->len = (uint16_t)len;
    p->nchars = (uint16_t)nch;
    p->start = s->pos;
    p->end = end;
    p->digit = (uint8_t)digit;
    p->caps = (uint8_t)caps;
    p->title = (uint8_t)title;
    p->latin = 0;
    p->glue = (uint8_t)glue;
    p->r_bits = 0;
    p->ref.hash = 0;
    s->pos = end;
    s->cut = 0;
    s->npend = s->ipend = 0;
}

/* Fast path for the common run: basic Russian letters (with ё) or ASCII digits, no case
 * change inside (lower case, Title case or ALL CAPS), ended by a plain separator.  Writes
 * the piece straight into *p.  @return : 0 when the run needs the general path (nothing
 * consumed; *p may have been scribbled on) */
static inline __attribute__((always_inline)) int fast_run(poisk_scanner *s, poisk_glue glue,
                                                      poisk_piece *p)
{
    const unsigned char *t = s->text;
    size_t i = s->pos, n = s->len, o = 0;
    int nch = 0, up0 = 0, caps = 0;
    int digit = (unsigned)t[i] - (unsigned)'0' < 10u;
    if (digit) {
        while (i < n && (unsigned)t[i] - (unsigned)'0' < 10u && nch < POISK_PIECE_MAX_CP) {
            p->form[o++] = (char)t[i++];
            nch++;
        }
    } else {
        uint16_t e = 0;
        if (i + 8 > n || !lower_first(t + i)) {    /* not a lower-case word: first letter */
            e = russian_at(t, i, n);
            if (!e)
                return 0;
            up0 = e >> 15;
            put_letter(p, 0, e);
            o = 2;
            i += 2;
            nch = 1;
            e = russian_at(t, i, n);
        }
        if (up0 && e && (e >> 15)) {      /* ALL CAPS: every letter must be a capital */
            caps = 1;
            while (e && nch < POISK_PIECE_MAX_CP) {
                if (!(e >> 15))
                    return 0;             /* a case cut: ИТспециальностей */
                put_letter(p, o, e);
                o += 2;
                i += 2;
                nch++;
                e = russian_at(t, i, n);
            }
        } else {
            for (;;) {                    /* lower case from here on */
                if (nch + 8 < POISK_PIECE_MAX_CP && i + 16 <= n) {
                    unsigned k = lower_prefix16(t + i);
                    memcpy(p->form + o, t + i, 16);  /* o + 16 <= 2 * (nch + 8) fits */
                    o += 2 * k;
                    i += 2 * k;
                    nch += (int)k;
                    if (k == 8)
                        continue;
                    if (t[i] < 0x80)
                        break;            /* the usual end: a blank or punctuation */
                } else if (nch + 4 < POISK_PIECE_MAX_CP && i + 8 <= n) {
                    unsigned k = lower_prefix(t + i);
                    memcpy(p->form + o, t + i, 8);   /* o + 8 <= 2 * (nch + 4) fits */
                    o += 2 * k;
                    i += 2 * k;
                    nch += (int)k;
                    if (k == 4)
                        continue;
                    if (t[i] < 0x80)
                        break;            /* the usual end: a blank or punctuation */
                }
                e = russian_at(t, i, n);
                if (!e || nch == POISK_PIECE_MAX_CP)
                    break;
                if (e >> 15)
                    return 0;             /* a case cut: ТЭКиЖКХ */
                put_letter(p, o, e);      /* ё, or a letter near the end of the text */
                o += 2;
                i += 2;
                nch++;
            }
        }
    }
    if (!nch || nch == POISK_PIECE_MAX_CP || (i < n && !ends_run(t, i, n)))
        return 0;
    fast_piece_end(s, p, o, (unsigned)nch, i, digit, caps && nch >= 2, up0, glue);
    return 1;
}

/* Fast path for the usual separators: ASCII blanks and punctuation (no dash, no NUL).
 * @return : 1 with s->pos moved past them and *glue set, 0 when the general path is
 * needed (nothing consumed) */
static int fast_separators(poisk_scanner *s, poisk_glue *glue)
{
    const unsigned char *t = s->text;
    size_t i = s->pos, n = s->len;
    if (i + 1 < n && t[i] == ' ' && (t[i + 1] & 0xFE) == 0xD0) {
        *glue = POISK_GLUE_SPACE;         /* the usual case: one space before a word */
        s->pos = i + 1;
        return 1;
    }
    int newline = 0, other = 0;
    for (; i < n; i++) {
        unsigned b = t[i];
        if (b == ' ' || b == '\t')
            continue;
        if (b == '\n' || b == '\r' || b == '\f' || b == '\v') {
            newline = 1;
            continue;
        }
        if (b >= 0x80 || b == 0 || b == '-' || (b | 0x20) - 'a' < 26u || b - '0' < 10u)
            break;
        other = 1;
    }
    if (i == s->pos || i == n || ((t[i] & 0xFE) != 0xD0 && (unsigned)t[i] - '0' >= 10u))
        return 0;                         /* no separator, the end, or not a run we know */
    *glue = other ? POISK_GLUE_PUNCT : newline ? POISK_GLUE_NEWLINE : POISK_GLUE_SPACE;
    s->pos = i;
    return 1;
}

/* The general path: any separators, any run (out of line, so that the fast path of
 * poisk_scanner_next() saves fewer registers and has no large frame). */
__attribute__((noinline)) static int scan_general(poisk_scanner *s, poisk_piece *out)
{
    poisk_glue glue;
    sep_summary g;
    if (!skip_separators(s, &g))
        return 0;
    glue = glue_of(s, &g);
    s->have_prev = 1;
    if (fast_run(s, glue, out))
        return 1;
    run_buf r;
    read_run(s, &r);
    fold_homoglyphs(&r);
    classify_run(&r);
    split_run(s, &r, glue);
    s->have_prev = 1;
    *out = s->pend[s->ipend++];
    return 1;
}

/* The plain word at t (33 bytes readable): 1..16 basic Russian letters, lower case but
 * for maybe the first (Title), no ё, then an ASCII separator.  fast_run() reads such a run
 * as exactly this piece: its bytes, the first letter folded, caps 0.  Copies the form
 * into p (32 bytes written) and sets p->title.  Two 16-byte classifications and a count
 * of trailing ones instead of fast_run()'s letter loop: the usual word, for the analyzer
 * and the first pass alike.  @return : its length in bytes, 0 when it is no plain word */
static inline size_t plain_word(const unsigned char *t, poisk_piece *p)
{
    unsigned ok = lower_lanes16(t) | lower_lanes16(t + 16) << 16;
    memcpy(p->form, t, 32);
    p->title = !(ok & 1);
    if (!(ok & 1)) {
        uint16_t e = russian_at(t, 0, 2);
        if (!(e >> 15))
            return 0;                     /* not a letter, or a lower-case ё */
        put_letter(p, 0, e);              /* Title: its first letter folded */
        ok |= 3;
    }
    size_t len = ~ok ? (size_t)__builtin_ctz(~ok) : 32;
    return ascii_sep(t[len]) ? len : 0;
}

int poisk_scanner_next(poisk_scanner *s, poisk_piece *out)
{
    if (s->ipend < s->npend) {
        *out = s->pend[s->ipend++];
        return 1;
    }
    size_t from = s->pos;
    poisk_glue glue;
    if (s->have_prev && fast_separators(s, &glue)) {
        size_t i = s->pos, len;
        if (i + 32 < s->len && (len = plain_word(s->text + i, out)) != 0) {
            fast_piece_end(s, out, len, (unsigned)(len / 2), i + len, 0, 0, out->title, glue);
            return 1;
        }
        if (fast_run(s, glue, out))
            return 1;
        s->pos = from;                    /* not a simple run: start again, slowly */
    }
    return scan_general(s, out);
}

/* ---- The lexicon's first pass: forms only ---- */

int poisk_scanner_next_form(poisk_scanner *s, poisk_piece *out)
{
    if (s->ipend < s->npend)
        return poisk_scanner_next(s, out);
    const unsigned char *t = s->text;
    size_t i = s->pos, n = s->len;
    for (;;) {
        while (i < n && ascii_sep(t[i]))
            i++;
        if (i + 32 >= n)
            break;                        /* near the end: the scanner knows its bounds */
        if (ascii_kind[t[i]] == 2) {      /* a run of digits: no form to count */
            size_t d = i + 1;
            while (d < n && ascii_kind[t[d]] == 2)
                d++;
            if (d == n || !ascii_sep(t[d]))
                break;
            s->pos = i = d;               /* a run boundary, as after any run */
            s->have_prev = 1;
            continue;
        }
        size_t len = plain_word(t + i, out);
        if (!len)
            break;
        out->len = (uint16_t)len;
        out->digit = 0;
        out->caps = 0;
        s->pos = i + len;
        s->have_prev = 1;
        s->cut = 0;
        return 1;
    }
    return poisk_scanner_next(s, out);   /* from s->pos, a run boundary */
}
