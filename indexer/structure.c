/*
 * structure.c: the document-structure parser (stage: text -> document model).
 *
 * Reads one strategy text and finds, in this order (rules and their evidence:
 * docs/CORPUS.md):
 *   1. section heading candidates "N Раздел" (N = 1..8, glued "8Раздел", dotted "1. Раздел");
 *   2. the table of contents: its heading (ОГЛАВЛЕНИЕ/Содержание) up to the first
 *      candidate whose number repeats, i.e. the real start of the body;
 *   3. the real start of each section: its first candidate after the TOC (one followed by
 *      the section's title word preferred), and the appendix after section 8;
 *   4. subsections 1.1-1.3, 3.1-3.2, 8.1-8.2 (metadata and passage boundaries);
 *   5. the document's sector list from its TOC (entries 4.N between TOC-4 and TOC-5), then
 *      each sector's heading in sections 4-7, accepted only when the printed number encodes
 *      the expected ordinal, searched in order;
 *   6. boilerplate: repeated table headers ("пп Наименование проекта ...") and printed page
 *      numbers (structure_pages.c: the most regular chain p, p+1, p+2 ...);
 *   7. passages: hard boundaries (TOC, sections, sectors, subsections), soft cuts at
 *      numbered rows/items, "рекомендовано ФОИ" project names and line-based paragraph
 *      ends, packed to >= 40 words and cut above 200 into 150-word pieces;
 *   8. the region from the title and section 1 (lib/regions.c).
 * The file name is never used for meaning; it only goes into passage ids.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "codec.h"             /* poisk_array_reserve */
#include "regions.h"
#include "structure.h"
#include "structure_model.h"
#include "structure_token.h"
#include "structure_pages.h"
#include "structure_projects.h"
#include "structure_stream.h"

#define NONE          ((size_t)-1)
#define MAX_SECTORS   ST_MAX_SECTORS
#define MAX_HEADS     (MAX_SECTORS * 4)
#define MIN_WORDS     40     /* pack soft segments up to at least this many words */
#define MAX_WORDS     200    /* cut passages longer than this ... */
#define CUT_WORDS     150    /* ... into pieces of this many words */
#define HEADING_WORDS 15     /* a unit this short is a bare heading */
#define ROW_FIRST_WORDS 30   /* the first numbered row follows its heading within this */
#define ROW_MIN_WORDS 40     /* numbered rows closer than this are list items in a cell */
#define APPENDIX      9      /* index of the appendix in sec_tok[] */
#define CARRIED_SUB   8      /* index in subs[] of the subsection a part starts in */

typedef st_sector_def sector_def;

typedef struct heading {     /* a sector heading found in sections 4-7 */
    size_t tok;
    int section;             /* poisk_section */
    int sector;              /* index into sectors[] */
} heading;

typedef struct subsection {
    size_t tok;
    char label[4];           /* "1.1" */
} subsection;

typedef struct bspan { size_t start, end; } bspan;

typedef struct unit {        /* text between two hard boundaries */
    size_t a, b;             /* bytes */
    int section, sector, sub;
    size_t words;
} unit;

typedef struct planned {     /* a passage to emit: bytes [a, b) of unit u */
    unit u;
    size_t a, b;
    const char *project;
} planned;

typedef struct piece {       /* a passage-to-be: tokens [t0, t1) of one unit */
    size_t t0, t1, words;
    const char *project;
} piece;

typedef struct parser {
    const char *src;
    size_t len;
    st_tok *t;
    size_t n;
    const uint32_t *dig;     /* the digit tokens (st_tokens.digits), ascending */
    size_t n_dig;
    int line_based;
    int joiners;             /* st_tokens.joiners: a token may be longer than its word */
    poisk_document *doc;
    size_t *cands;           /* token index of each section candidate */
    int *cand_k;
    size_t n_cands;
    size_t toc_start, toc_end;             /* bytes; toc_end == 0: no TOC */
    size_t toc_entry[10];                  /* token of the TOC entry of section k */
    size_t sec_tok[10];                    /* real heading of section k (1..8), appendix */
    sector_def sectors[MAX_SECTORS];
    int n_sectors;
    heading heads[MAX_HEADS];
    int n_heads;
    subsection subs[9];      /* [CARRIED_SUB]: the one a windowed part starts in */
    int n_subs;
    /* document-owned copies of sector ids and subsection labels: passages and spans
     * outlive this parser (a stack frame), so they must not point into it */
    const char *sector_copy[MAX_SECTORS], *sub_copy[9];
    /* windowed parsing of a huge file (structure_stream.h); cin NULL: a whole file */
    const st_carry *cin;     /* state from the previous part; NULL or !started: first */
    st_carry *cout;
    uint64_t base;           /* file offset of src[0] */
    int last;                /* no text after this part */
    size_t consumed;         /* bytes of src the emitted passages cover */
    bspan *boiler;
    size_t n_boiler, cap_boiler;
    uint32_t *btok;          /* the tokens flagged ST_BOILER, sorted once all are marked */
    size_t n_btok, cap_btok;
    st_pages pages;
    const st_projects *lex;  /* project names (data/projects.txt) */
    planned *plan;
    size_t n_plan, cap_plan;
} parser;

/* ---- small token helpers -------------------------------------------------------------- */

/* A later part of a windowed file: the document began in an earlier window. */
static int continued(const parser *p) { return p->cin && p->cin->started; }

static unsigned F(const parser *p, size_t i) { return i < p->n ? st_flags(&p->t[i]) : 0; }
static int is_digit_tok(const parser *p, size_t i) { return i < p->n && (F(p, i) & ST_DIGIT); }
static int is_word_tok(const parser *p, size_t i) { return i < p->n && !(F(p, i) & ST_DIGIT); }
/* Inline, so that the word's length is a constant: the rules ask it of nearly every token.
 * Without joiners in the text a token equals its word only at the word's length. */
static inline __attribute__((always_inline)) int tok_is(const parser *p, size_t i, const char *w)
{
    size_t wl = strlen(w);
    return i < p->n && (p->joiners || st_len(&p->t[i]) == wl) && st_is_n(p->src, &p->t[i], w, wl);
}
static long tok_value(const parser *p, size_t i)
{
    return i < p->n ? st_value(p->src, &p->t[i]) : -1;
}
/* A number standing alone: not glued to a word on either side. */
static int standalone_number(const parser *p, size_t i)
{
    return is_digit_tok(p, i) && !(F(p, i) & ST_GLUED) && !(F(p, i + 1) & ST_GLUED);
}
/* Is token i the second half of a dotted number "a.b" (or "a.b.")? */
static int dotted_second(const parser *p, size_t i)
{
    return i > 0 && is_digit_tok(p, i) && is_digit_tok(p, i - 1) && (F(p, i) & ST_DOT_BEFORE) &&
           !(F(p, i) & ST_NL_BEFORE) && p->t[i].start - st_end(&p->t[i - 1]) <= 2;
}

/* How many of the n ascending token indexes in a are below token i. */
static size_t below(const uint32_t *a, size_t n, size_t i)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid] < i) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Index into p->dig of the first digit token at or after token i. */
static size_t dig_from(const parser *p, size_t i)
{
    return below(p->dig, p->n_dig, i);
}

static void mark_heading(parser *p, size_t t0, size_t t1)
{
    for (size_t i = t0; i < t1 && i < p->n; i++)
        st_set_flag(&p->t[i], ST_HEADING);
}

/* ---- 1-3: sections and the table of contents ------------------------------------------ */

static const char *const title_word[9] = { 0, "основн", "карточк", "приоритет", "проблем",
    "взаимосвяз", "проект", "показател", "ресурс" };

static inline int one_digit(const parser *p, size_t i)
{
    return is_digit_tok(p, i) && st_len(&p->t[i]) == 1;
}

/* candidate_at() past its one-digit test. */
static __attribute__((noinline)) long candidate_rules(const parser *p, size_t i)
{
    /* "N Раздел", "N. Раздел", "NРаздел" */
    if (one_digit(p, i) && !(F(p, i) & ST_GLUED) && !dotted_second(p, i) &&
        tok_is(p, i + 1, "раздел"))
        return tok_value(p, i);
    /* "Раздел N" (other exports); the next token's flags first, the word test is dearer */
    if (one_digit(p, i + 1) && tok_is(p, i, "раздел") && !is_digit_tok(p, i - (i > 0)) &&
        !(F(p, i + 2) & ST_GLUED && is_digit_tok(p, i + 2)))
        return tok_value(p, i + 1);
    return -1;
}

/* The section number of a heading candidate at token pair (i, i + 1), or -1.  Both rules
 * need a one-digit token at i or i + 1: most digit tokens asked (years, sums) are longer,
 * and are rejected inline. */
static inline long candidate_at(const parser *p, size_t i)
{
    return one_digit(p, i) || one_digit(p, i + 1) ? candidate_rules(p, i) : -1;
}

static int find_candidates(parser *p)
{
    size_t cap = 64;
    p->cands = malloc(cap * sizeof *p->cands);
    p->cand_k = malloc(cap * sizeof *p->cand_k);
    if (!p->cands || !p->cand_k)
        return POISK_ENOMEM;
    /* both rules need a digit token at i or i + 1: the pairs (d - 1, d) and (d, d + 1) of
     * each digit token d, in order, each once */
    size_t next = 0;                     /* the pairs before it are done */
    for (size_t q = 0; q < p->n_dig; q++) {
        size_t d = p->dig[q];
        for (size_t i = d > next ? d - 1 : next; i <= d && i + 1 < p->n; i++) {
            next = i + 1;
            long k = candidate_at(p, i);
            if (k < 1 || k > 8)
                continue;
            if (p->n_cands == cap) {
                cap *= 2;
                size_t *c = realloc(p->cands, cap * sizeof *c);
                if (!c) return POISK_ENOMEM;
                p->cands = c;
                int *ck = realloc(p->cand_k, cap * sizeof *ck);
                if (!ck) return POISK_ENOMEM;
                p->cand_k = ck;
            }
            p->cands[p->n_cands] = i;
            p->cand_k[p->n_cands++] = (int)k;
        }
    }
    return POISK_OK;
}

/* The TOC: from its heading to the first candidate whose number was already listed. */
static void find_toc(parser *p)
{
    for (int k = 0; k < 10; k++) p->toc_entry[k] = NONE;
    if (continued(p))
        return;                          /* a TOC comes first: in the first window */
    size_t head = NONE, c0 = 0;
    for (size_t i = 0; i < p->n && head == NONE; i++) {
        if (!tok_is(p, i, "оглавление") && !tok_is(p, i, "содержание"))
            continue;
        for (size_t c = 0; c < p->n_cands; c++)
            if (p->cands[c] > i && p->cands[c] < i + 40) { head = i; c0 = c; break; }
    }
    if (head == NONE) {
        /* no heading: a dense run of candidates 1, 2, ... followed by a second 1 */
        size_t first1 = NONE;
        for (size_t c = 0; c < p->n_cands; c++) {
            if (p->cand_k[c] != 1) continue;
            if (first1 == NONE) { first1 = c; continue; }
            size_t between = c - first1, toks = p->cands[c] - p->cands[first1];
            if (between >= 3 && toks / between < 40) { head = p->cands[first1]; c0 = first1; }
            break;
        }
        if (head == NONE)
            return;
    }
    unsigned seen = 0;
    for (size_t c = c0; c < p->n_cands; c++) {
        int k = p->cand_k[c];
        if (seen & (1u << k)) {
            p->toc_start = p->t[head].start;
            p->toc_end = p->t[p->cands[c]].start;
            return;
        }
        seen |= 1u << k;
        p->toc_entry[k] = p->cands[c];
    }
    for (int k = 0; k < 10; k++) p->toc_entry[k] = NONE;   /* no body after it: no TOC */
}

static int followed_by_title(const parser *p, size_t tok, int k)
{
    for (size_t j = tok + 1; j < tok + 9 && j < p->n; j++)
        if (st_starts(p->src, &p->t[j], title_word[k]))
            return 1;
    return 0;
}

static void find_appendix(parser *p)
{
    size_t from = 0;
    for (int k = 1; k <= 8; k++)
        if (p->sec_tok[k] != NONE && p->sec_tok[k] > from) from = p->sec_tok[k];
    size_t i0 = from + 2;
    if (continued(p) && (p->cin->found & (1u << APPENDIX)))
        return;
    if (from == 0 && continued(p) && p->cin->found)
        i0 = 0;                          /* the sections began in an earlier window */
    else if (from == 0)
        return;
    for (size_t i = i0; i < p->n; i++) {
        if (!(F(p, i) & ST_UPPER) ||
            !(tok_is(p, i, "приложение") || tok_is(p, i, "приложения")))
            continue;
        if (i > 0 && tok_is(p, i - 1, "9") && !(F(p, i - 1) & ST_GLUED) && !dotted_second(p, i - 1)) {
            p->sec_tok[APPENDIX] = i - 1;
            st_set_flag(&p->t[i - 1], ST_HEADING | ST_SECTION);
            return;
        }
        int line_start = (F(p, i) & ST_NL_BEFORE) && (i + 1 >= p->n || (F(p, i + 1) & ST_NL_BEFORE));
        int caps_next = i + 1 < p->n && (F(p, i + 1) & ST_ALLCAPS) && !(F(p, i + 1) & ST_DIGIT);
        if (line_start || caps_next) {
            p->sec_tok[APPENDIX] = i;
            st_set_flag(&p->t[i], ST_SECTION);
            return;
        }
    }
}

static void find_sections(parser *p)
{
    for (int k = 0; k < 10; k++) p->sec_tok[k] = NONE;
    size_t body = 0;
    if (p->toc_end)
        for (size_t c = 0; c < p->n_cands; c++)
            if (p->t[p->cands[c]].start >= p->toc_end) { body = p->cands[c]; break; }
    for (int k = 1; k <= 8; k++) {
        size_t first = NONE;
        if (continued(p) && (p->cin->found & (1u << k))) {   /* found in an earlier window */
            p->sec_tok[k] = NONE;
            continue;
        }
        for (size_t c = 0; c < p->n_cands; c++) {
            if (p->cand_k[c] != k || p->cands[c] < body) continue;
            if (p->toc_end && p->t[p->cands[c]].start < p->toc_end) continue;
            if (first == NONE) first = p->cands[c];
            if (followed_by_title(p, p->cands[c], k)) { first = p->cands[c]; break; }
        }
        p->sec_tok[k] = first;
        if (first != NONE) st_set_flag(&p->t[first], ST_HEADING | ST_SECTION);
    }
    find_appendix(p);
}

/* ---- 4: subsections ------------------------------------------------------------------- */

static const char *const sub_words[] = { "основани", "перечен", "особенност", "цел", "задач",
    "участник", "финансов", 0 };

/* Does token i print the number "k.j" ("kj", "k.j", "k.j.")?  *next: the token after it. */
static int prints_pair(const parser *p, size_t i, int k, int j, size_t *next)
{
    if (!is_digit_tok(p, i) || (F(p, i) & ST_GLUED) || dotted_second(p, i))
        return 0;
    long v = tok_value(p, i);
    if (v == k * 10 + j && st_len(&p->t[i]) == 2) { *next = i + 1; return 1; }
    if (v == k && dotted_second(p, i + 1) && tok_value(p, i + 1) == j) { *next = i + 2; return 1; }
    return 0;
}

static size_t section_end_tok(const parser *p, size_t from)
{
    size_t end = p->n;
    for (int k = 1; k <= 9; k++)
        if (p->sec_tok[k] != NONE && p->sec_tok[k] > from && p->sec_tok[k] < end)
            end = p->sec_tok[k];
    return end;
}

static void find_subsections(parser *p)
{
    static const int plan[][2] = { {1, 3}, {3, 2}, {8, 2} };
    for (int s = 0; s < 3; s++) {
        int k = plan[s][0];
        if (p->sec_tok[k] == NONE) continue;
        size_t i = p->sec_tok[k] + 2, end = section_end_tok(p, p->sec_tok[k]);
        for (int j = 1; j <= plan[s][1]; j++) {
            for (size_t q = dig_from(p, i); q < p->n_dig && p->dig[q] < end; q++) {
                size_t x = p->dig[q], nx;       /* (prints_pair needs a digit token) */
                if (!prints_pair(p, x, k, j, &nx) || nx >= p->n) continue;
                int ok = 0;
                for (int w = 0; sub_words[w] && !ok; w++)
                    ok = st_starts(p->src, &p->t[nx], sub_words[w]);
                if (!ok) continue;
                subsection *sb = &p->subs[p->n_subs++];
                sb->tok = x;
                mark_heading(p, x, nx);
                sb->label[0] = (char)('0' + k); sb->label[1] = '.';
                sb->label[2] = (char)('0' + j); sb->label[3] = 0;
                i = nx;
                break;
            }
        }
    }
}

/* ---- 5: sectors ----------------------------------------------------------------------- */

static const struct { const char *id, *w1, *w2, *key; } known_sectors[] = {
    { "edu", "образован", 0, "образованиенаука" },
    { "health", "здравоохран", 0, "здравоохранение" },
    { "urban", "развити", "городск", "развитиегородскойсреды" },
    { "transport", "транспорт", 0, "транспортлогистика" },
    { "gov", "государствен", 0, "государственноеуправление" },
    { "social", "социальн", 0, "социальнаясфера" },
    { "security", "безопасн", 0, "безопасность" },
    { "industry", "промышлен", 0, "промышленность" },
    { "ecology", "экологи", 0, "экологияприродопользование" },
    { "agri", "сельск", 0, "сельскоехозяйство" },
    { "sport", "физическ", 0, "физическаякультураспорт" },
    { "sport", "спорт", 0, "спорт" },
    { "tourism", "туризм", 0, "туризм" },
    { "construction", "строительств", 0, "строительство" },
    { "finance", "финансов", 0, "финансовыеуслуги" },
    { 0, 0, 0, 0 }
};

/* ASCII slug of a Cyrillic word, for sectors outside the known list ("Культура" -> kultura). */
static void translit(const char *w, char *out, size_t cap)
{
    static const char *const tab[] = { "a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k",
        "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "",
        "y", "", "e", "yu", "ya" };
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)w;
    while (*s && o + 5 < cap) {
        unsigned cp = *s;
        if (cp < 0x80) {
            if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) out[o++] = (char)cp;
            s++;
            continue;
        }
        if ((cp & 0xE0) == 0xC0 && s[1]) {
            cp = ((cp & 0x1F) << 6) | (s[1] & 0x3F);
            s += 2;
        } else {
            s++;
            continue;
        }
        if (cp >= 0x430 && cp <= 0x44F) {
            const char *r = tab[cp - 0x430];
            size_t rl = strlen(r);
            memcpy(out + o, r, rl);
            o += rl;
        }
    }
    out[o] = 0;
    if (!o) { memcpy(out, "sector", 7); }
}

/* Add a sector named by tokens [a, b). */
static void sector_add(parser *p, size_t a, size_t b)
{
    if (p->n_sectors >= MAX_SECTORS || a >= b)
        return;
    sector_def *s = &p->sectors[p->n_sectors];
    char w1[128] = "", w2[128] = "";
    s->key_len = 0;
    int nw = 0;
    for (size_t i = a; i < b; i++) {
        char w[128];
        size_t wl = st_norm(p->src, &p->t[i], w, sizeof w);
        if (!strcmp(w, "и")) continue;
        if (nw == 0) memcpy(w1, w, wl + 1);
        else if (nw == 1) memcpy(w2, w, wl + 1);
        nw++;
        if (s->key_len + wl < sizeof s->key) {
            memcpy(s->key + s->key_len, w, wl);
            s->key_len += wl;
        }
    }
    s->key[s->key_len] = 0;
    if (!s->key_len) return;
    s->id[0] = 0;
    for (int k = 0; known_sectors[k].id && !s->id[0]; k++) {
        if (strncmp(w1, known_sectors[k].w1, strlen(known_sectors[k].w1))) continue;
        if (known_sectors[k].w2 && strncmp(w2, known_sectors[k].w2, strlen(known_sectors[k].w2)))
            continue;
        strcpy(s->id, known_sectors[k].id);
    }
    if (!s->id[0])
        translit(w1, s->id, sizeof s->id - 4);
    for (int k = 0; k < p->n_sectors; k++)            /* ids stay unique in a document */
        if (!strcmp(p->sectors[k].id, s->id)) {
            size_t l = strlen(s->id);
            s->id[l] = '-'; s->id[l + 1] = (char)('2' + p->n_sectors % 8); s->id[l + 2] = 0;
        }
    p->n_sectors++;
}

/* Does the printed number at token i encode ordinal n in section s?  Forms: "n", "sn"
 * (4.N with the dot lost; also "5.6" typos: any section digit 4-7), "x.n".
 * *name: the first token after the number. */
static int prints_ordinal_rest(const parser *p, size_t i, int s, long n, size_t *name)
{
    if ((F(p, i) & ST_GLUED) || dotted_second(p, i) ||
        st_len(&p->t[i]) > 3)
        return 0;
    if (dotted_second(p, i + 1)) {
        *name = i + 2;
        return tok_value(p, i + 1) == n;
    }
    *name = i + 1;
    long v = tok_value(p, i);
    if (v == n) return 1;
    (void)s;
    long lead = n < 10 ? v / 10 : v / 100, rest = n < 10 ? v % 10 : v % 100;
    return v >= 10 && lead >= 4 && lead <= 7 && rest == n && (n < 10 || v >= 100);
}

/* Asked of every token of the headings' search: most are words or numbers of more than
 * three digits (years), rejected inline. */
static inline int prints_ordinal(const parser *p, size_t i, int s, long n, size_t *name)
{
    return is_digit_tok(p, i) && st_len(&p->t[i]) <= 3 && prints_ordinal_rest(p, i, s, n, name);
}

/* Do the tokens from i spell key (ignoring «и», tolerating words split by wrapping)?
 * @return : the token after the name, or 0 */
static size_t name_matches(const parser *p, size_t i, const char *key, size_t key_len)
{
    size_t got = 0;
    for (size_t j = i; j < p->n && j < i + 16; j++) {
        if (!is_word_tok(p, j)) return 0;
        char w[128];
        size_t wl = st_norm(p->src, &p->t[j], w, sizeof w);
        if (!strcmp(w, "и") && got < key_len) continue;
        if (got + wl > key_len || memcmp(key + got, w, wl)) return 0;
        got += wl;
        if (got == key_len) return j + 1;
    }
    return 0;
}

/* Sector list from the TOC entries "4.N Name" between TOC-4 and TOC-5. */
static void sectors_from_toc(parser *p)
{
    size_t a = p->toc_entry[4], b = p->toc_entry[5];
    if (a == NONE || b == NONE || b <= a)
        return;
    size_t i = a + 2;
    for (long n = 1; n <= MAX_SECTORS; n++) {
        size_t name = 0;
        int found = 0;
        for (; i < b; i++) {
            size_t nx;
            if (prints_pair(p, i, 4, (int)n, &nx) && n < 10) { name = nx; found = 1; break; }
            if (n >= 10 && is_digit_tok(p, i) && tok_value(p, i) == 400 + n) { name = i + 1; found = 1; break; }
        }
        if (!found) break;
        size_t e = name;
        while (e < b && is_word_tok(p, e) && e < name + 10 &&
               !(e > name && p->line_based && (F(p, e) & ST_NL_BEFORE)))
            e++;
        sector_add(p, name, e);
        i = e;
    }
}

/* Without a TOC list: the known sector names headed "4N" in section 4, in order. */
static void sectors_from_section4(parser *p)
{
    if (p->sec_tok[4] == NONE) return;
    size_t i = p->sec_tok[4] + 2, end = section_end_tok(p, p->sec_tok[4]);
    for (long n = 1; n <= MAX_SECTORS && i < end; n++) {
        int found = 0;
        for (; i < end && !found; i++) {
            size_t name;
            if (!prints_ordinal(p, i, 4, n, &name) || tok_value(p, i) == n) continue;
            for (int k = 0; known_sectors[k].id; k++) {
                const char *key = known_sectors[k].key;
                size_t e = name_matches(p, name, key, strlen(key));
                if (e) { sector_add(p, name, e); found = 1; i = e; break; }
            }
        }
        if (!found) break;
    }
}

static void find_sector_headings(parser *p)
{
    if (continued(p)) {                  /* the list came from the first window's TOC */
        memcpy(p->sectors, p->cin->sectors, sizeof p->sectors);
        p->n_sectors = p->cin->n_sectors;
    } else {
        sectors_from_toc(p);
    }
    if (!p->n_sectors)
        sectors_from_section4(p);
    for (int s = 4; s <= 7; s++) {
        size_t from, end;
        int k0 = 0;
        if (p->sec_tok[s] != NONE) {
            from = p->sec_tok[s] + 2;
            end = section_end_tok(p, p->sec_tok[s]);
        } else if (continued(p) && p->cin->section == s - 1) {
            from = 0;                    /* the section began in an earlier window */
            end = section_end_tok(p, 0);
            for (int k = 1; k <= 9; k++)
                if (p->sec_tok[k] != NONE && p->sec_tok[k] < end) end = p->sec_tok[k];
            k0 = p->cin->next_sector;
        } else {
            continue;
        }
        for (int k = k0; k < p->n_sectors && p->n_heads < MAX_HEADS; k++) {
            for (size_t q = dig_from(p, from); q < p->n_dig && p->dig[q] < end; q++) {
                size_t i = p->dig[q], name, e;  /* (prints_ordinal needs a digit token) */
                if (!prints_ordinal(p, i, s, k + 1, &name)) continue;
                e = name_matches(p, name, p->sectors[k].key, p->sectors[k].key_len);
                if (!e) continue;
                heading *h = &p->heads[p->n_heads++];
                h->tok = i;
                h->section = s - 1;
                h->sector = k;
                mark_heading(p, i, name);
                from = e;
                break;
            }
        }
    }
}

/* ---- 6: boilerplate ------------------------------------------------------------------- */

/* The words of table headers; distinct: a distinctive one (at least two per header).  At
 * most 64 words, each under 32 bytes: header_lookup() indexes them by length.  The words
 * are distinct, so their order decides nothing (a word with a lost last letter may fit
 * two, "задач", but then both agree). */
typedef struct header_word { const char *w; unsigned char len, distinct; } header_word;
#define HW(w, d) { w, sizeof w - 1 + 0 * sizeof(char[sizeof w <= 32 ? 1 : -1]), d }
static const header_word header_words[] = { HW("проекта", 0), HW("наименование", 1),
    HW("показателя", 0), HW("реализации", 0), HW("цель", 0), HW("срок", 0),
    HW("краткое", 0), HW("описание", 1), HW("финансирование", 1), HW("роль", 0),
    HW("региона", 0), HW("задачи", 1), HW("отрасли", 0), HW("бенефициар", 1),
    HW("выгоды", 1), HW("ответственный", 1), HW("роив", 1), HW("единица", 1),
    HW("измерения", 0), HW("значения", 0), HW("по", 0), HW("годам", 0), HW("пп", 0),
    HW("п", 0), HW("задача", 1), HW("проектов", 0), HW("бенефициара", 1),
    HW("бенефициаров", 1), HW("показатели", 0), HW("значение", 0), HW("для", 0), HW("в", 0),
    HW("базовое", 0), { 0, 0, 0 } };
#undef HW

/* header_lookup()'s index, built once for every parser */
static uint64_t header_by_len[32];       /* bit k: header_words[k] is that many bytes long */
static pthread_once_t header_by_len_once = PTHREAD_ONCE_INIT;

static void header_by_len_init(void)
{
    _Static_assert(sizeof header_words / sizeof *header_words <= 65, "one bit per word");
    for (size_t k = 0; header_words[k].w; k++)
        header_by_len[header_words[k].len] |= (uint64_t)1 << k;
}

/* The header word w (wl bytes), or NULL.  Asked for most words of table-header candidates:
 * only the words of its length are compared (the words are distinct, so which of them is
 * tried first decides nothing). */
static const header_word *header_lookup(const char *w, size_t wl)
{
    for (uint64_t m = wl < 32 ? header_by_len[wl] : 0; m; m &= m - 1) {
        const header_word *h = &header_words[__builtin_ctzll(m)];
        if (h->w[0] == w[0] && (wl < 2 || h->w[1] == w[1]) && !memcmp(h->w, w, wl))
            return h;
    }
    return NULL;
}

/* How many tokens from i form one header word (1, or 2 for a split word); 0 if none.
 * *distinct is set when it is a distinctive header word. */
static int header_word_at(const parser *p, size_t i, int *distinct)
{
    if (!is_word_tok(p, i)) return 0;
    char w[160];
    size_t wl = st_norm(p->src, &p->t[i], w, 128);
    const header_word *h = header_lookup(w, wl);
    if (h) { *distinct = h->distinct; return 1; }
    if (is_word_tok(p, i + 1) && !(F(p, i + 1) & ST_NL_BEFORE && p->line_based)) {
        char w2[128];
        size_t l2 = st_norm(p->src, &p->t[i + 1], w2, sizeof w2);
        if (wl + l2 < sizeof w) {
            memcpy(w + wl, w2, l2 + 1);
            if (wl >= 4 && (h = header_lookup(w, wl + l2))) { *distinct = h->distinct; return 2; }
            w[wl] = 0;
        }
    }
    /* a lost final letter at a cell edge: "отрасл" */
    if (wl >= 10)
        for (h = header_words; h->w; h++)
            if (h->len == wl + 2 && !memcmp(h->w, w, wl)) {
                *distinct = h->distinct;
                return 1;
            }
    return 0;
}

static int boiler_push(parser *p, size_t start, size_t end)
{
    if (p->n_boiler == p->cap_boiler) {
        size_t cap = p->cap_boiler ? p->cap_boiler * 2 : 64;
        bspan *b = realloc(p->boiler, cap * sizeof *b);
        if (!b) return POISK_ENOMEM;
        p->boiler = b;
        p->cap_boiler = cap;
    }
    p->boiler[p->n_boiler].start = start;
    p->boiler[p->n_boiler++].end = end;
    return POISK_OK;
}

/* Flag tokens [t0, t1) as boilerplate, listing each once in p->btok. */
static int mark_boiler(parser *p, size_t t0, size_t t1)
{
    for (size_t i = t0; i < t1 && i < p->n; i++) {
        if (F(p, i) & ST_BOILER) continue;
        if (poisk_array_reserve((void **)&p->btok, &p->cap_btok, p->n_btok + 1,
                                sizeof *p->btok, 256))
            return POISK_ENOMEM;
        p->btok[p->n_btok++] = (uint32_t)i;
        st_set_flag(&p->t[i], ST_BOILER);
    }
    return POISK_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static size_t key_u32(const void *e) { return *(const uint32_t *)e; }
static size_t key_span(const void *e) { return ((const bspan *)e)->start; }

/* Merge the ascending runs x[0, m) and x[m, n) of elements of `size` bytes by key (the
 * left run first on ties); 0 when they are not both ascending or there is no memory, and
 * the caller sorts instead.  Table headers and page numbers are each found in text order,
 * nearly always, so two runs replace a sort. */
static int merge_runs(void *x, size_t m, size_t n, size_t size, size_t (*key)(const void *))
{
    char *out = x;
    for (size_t i = 1; i < n; i++)
        if (i != m && key(out + (i - 1) * size) > key(out + i * size)) return 0;
    if (m == 0 || m >= n || key(out + (m - 1) * size) <= key(out + m * size)) return 1;
    char *tmp = malloc(m * size);
    if (!tmp) return 0;
    memcpy(tmp, x, m * size);
    size_t a = 0, b = m, o = 0;            /* o = a + (b - m) <= b: out never overtakes b */
    while (a < m && b < n) {
        if (key(tmp + a * size) <= key(out + b * size)) memcpy(out + o++ * size, tmp + a++ * size, size);
        else memcpy(out + o++ * size, out + b++ * size, size);
    }
    memcpy(out + o * size, tmp + a * size, (m - a) * size);
    free(tmp);
    return 1;
}

/* Sort p->btok (table headers' tokens, p->btok[0, m), then page numbers'). */
static void btok_sort(parser *p, size_t m)
{
    if (p->n_btok > 1 && !merge_runs(p->btok, m, p->n_btok, sizeof *p->btok, key_u32))
        qsort(p->btok, p->n_btok, sizeof *p->btok, cmp_u32);
}

/* How many entries of the sorted p->btok are below token i. */
static size_t btok_below(const parser *p, size_t i)
{
    return below(p->btok, p->n_btok, i);
}

/* Table headers: "пп" followed by header words (split words and a lost last letter
 * tolerated), the years of an indicator table, a page number inside a repeated header and
 * the column-number row "1 2 3 4 5" of line-based exports. */
static int find_table_headers(parser *p)
{
    pthread_once(&header_by_len_once, header_by_len_init);
    for (size_t i = 0; i < p->n; i++) {
        if (!p->joiners) {               /* then "пп" is a 4-byte token: skip the others */
            i = st_find_len(p->t, i, p->n, 4);
            if (i >= p->n) break;
        }
        if (!tok_is(p, i, "пп") || (F(p, i) & ST_GLUED)) continue;
        if (p->toc_end && p->t[i].start >= p->toc_start && p->t[i].start < p->toc_end) continue;
        size_t j = i + 1;
        int words = 0, distinct = 0, prev_years = 0;
        for (;;) {
            int d = 0, k = header_word_at(p, j, &d);
            if (k) {
                prev_years = tok_is(p, j, "годам");
                j += (size_t)k; words++; distinct += d;
                continue;
            }
            long v = tok_value(p, j);
            if (prev_years && v >= 2015 && v <= 2040) { j++; continue; }
            if (standalone_number(p, j) && st_len(&p->t[j]) <= 3 && header_word_at(p, j + 1, &d)) {
                st_set_flag(&p->t[j], ST_IN_HEADER);
                j++;            /* a page number inside a header split across pages */
                continue;
            }
            break;
        }
        if (words < 4 || distinct < 2) continue;
        /* column numbers 1 2 3 ... right after the header */
        if (tok_value(p, j) == 1 && tok_value(p, j + 1) == 2 && tok_value(p, j + 2) == 3) {
            long want = 1;
            while (j < p->n && standalone_number(p, j) && tok_value(p, j) == want) { j++; want++; }
        }
        size_t t0 = i;
        /* the first half of a header interrupted by a page number: "... Роль региона 79 пп" */
        if (i >= 2 && standalone_number(p, i - 1)) {
            size_t b = i - 1;
            int bw = 0, bd = 0;
            while (b > 0) {
                int d = 0;
                if (!header_word_at(p, b - 1, &d) || tok_is(p, b - 1, "в") || tok_is(p, b - 1, "по")) break;
                b--; bw++; bd += d;
            }
            if (bw >= 3 && bd >= 1) {
                t0 = b;
                st_set_flag(&p->t[i - 1], ST_IN_HEADER);
            }
        }
        size_t start = p->t[t0].start;
        /* a "№" right before the header belongs to it */
        if (start >= 3 && !memcmp(p->src + start - 3, "№", 3)) start -= 3;
        else {
            size_t s = start;
            while (s > 0 && (p->src[s - 1] == ' ' || p->src[s - 1] == '\n' || p->src[s - 1] == '\r')) s--;
            if (s >= 3 && !memcmp(p->src + s - 3, "№", 3) && (t0 == 0 || st_end(&p->t[t0 - 1]) <= s - 3))
                start = s - 3;
        }
        if (mark_boiler(p, t0, j)) return POISK_ENOMEM;
        if (boiler_push(p, start, st_end(&p->t[j - 1]))) return POISK_ENOMEM;
        i = j - 1;
    }
    return POISK_OK;
}

/* Page numbers (structure_pages.c): the chain p, p+1, ... of bare numbers; each becomes a
 * boilerplate span. */
static int find_page_numbers(parser *p)
{
    if (st_pages_find(p->src, p->t, p->n, p->dig, p->n_dig, p->line_based, &p->pages))
        return POISK_ENOMEM;
    for (size_t k = 0; k < p->pages.n; k++) {
        size_t i = p->pages.m[k].tok;
        if (mark_boiler(p, i, i + 1)) return POISK_ENOMEM;
        if (boiler_push(p, p->t[i].start, st_end(&p->t[i]))) return POISK_ENOMEM;
    }
    return POISK_OK;
}

static int cmp_bspan(const void *a, const void *b)
{
    const bspan *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort the boilerplate spans (table headers', p->boiler[0, m), then page numbers') and
 * join those that overlap (in any order among equal starts). */
static void boiler_sort(parser *p, size_t m)
{
    if (!p->n_boiler) return;
    if (!merge_runs(p->boiler, m, p->n_boiler, sizeof *p->boiler, key_span))
        qsort(p->boiler, p->n_boiler, sizeof *p->boiler, cmp_bspan);
    size_t o = 0;
    for (size_t i = 0; i < p->n_boiler; i++) {
        if (o && p->boiler[i].start <= p->boiler[o - 1].end) {
            if (p->boiler[i].end > p->boiler[o - 1].end) p->boiler[o - 1].end = p->boiler[i].end;
        } else {
            p->boiler[o++] = p->boiler[i];
        }
    }
    p->n_boiler = o;
}

/* The boilerplate span containing byte b, or NULL. */
static const bspan *boiler_at(const parser *p, size_t b)
{
    size_t lo = 0, hi = p->n_boiler;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->boiler[mid].end <= b) lo = mid + 1; else hi = mid;
    }
    return lo < p->n_boiler && p->boiler[lo].start <= b ? &p->boiler[lo] : NULL;
}

/* ---- 7: passages ---------------------------------------------------------------------- */

static size_t tok_at_byte(const parser *p, size_t b)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->t[mid].start < b) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Words in tokens [t0, t1): the tokens less the boilerplate ones (p->btok, sorted). */
static size_t count_words(const parser *p, size_t t0, size_t t1)
{
    if (t1 > p->n) t1 = p->n;
    if (t0 >= t1) return 0;
    return (t1 - t0) - (btok_below(p, t1) - btok_below(p, t0));
}

/* Words in tokens [t0, t1), counted back from t1 and no further than cap + 1: O(cap). */
static size_t words_back(const parser *p, size_t t0, size_t t1, size_t cap)
{
    size_t w = 0;
    for (size_t i = t1; i > t0 && w <= cap; i--)
        if (!(F(p, i - 1) & ST_BOILER)) w++;
    return w;
}

/* Only a control/space byte or one of 4 lead bytes (U+0085, U+00A0: C2; U+2000-U+205F:
 * E2; U+3000: E3; U+FEFF: EF) can start a space.  @return : how many bytes from s[i]
 * (i < n) are none of those: plain text, copied as it is */
static size_t plain_run(const unsigned char *s, size_t i, size_t n)
{
    size_t i0 = i;
#ifdef __SSE2__
    const __m128i sp = _mm_set1_epi8(0x20), c2 = _mm_set1_epi8((char)0xC2),
                  e2 = _mm_set1_epi8((char)0xE2), e3 = _mm_set1_epi8((char)0xE3),
                  ef = _mm_set1_epi8((char)0xEF);
    while (i + 16 <= n) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, sp), x),
                                              _mm_cmpeq_epi8(x, c2)),
                                 _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, e2), _mm_cmpeq_epi8(x, e3)),
                                              _mm_cmpeq_epi8(x, ef)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) return i + (size_t)__builtin_ctz(bits) - i0;
        i += 16;
    }
#endif
    while (i < n && s[i] > 0x20 && s[i] != 0xC2 && s[i] != 0xE2 && s[i] != 0xE3 && s[i] != 0xEF)
        i++;
    return i - i0;
}

/* Copy of bytes [a, b) with white-space runs collapsed to one space (project names). */
static const char *collapsed_copy(parser *p, size_t a, size_t b)
{
    char *out = poisk_document_alloc(p->doc, b - a + 1);
    if (!out) return NULL;
    const unsigned char *s = (const unsigned char *)p->src;
    size_t o = 0;
    int space = 0;
    for (size_t i = a; i < b;) {
        size_t k = plain_run(s, i, b);
        if (!k) {
            size_t sl = st_space_len(p->src, b, i);
            if (sl) { space = 1; i += sl; continue; }
            k = 1;                       /* a lead byte of something else */
        }
        if (space && o) out[o++] = ' ';
        space = 0;
        memcpy(out + o, s + i, k);
        o += k;
        i += k;
    }
    out[o] = 0;
    return out;
}

/* A project name ending right before "рекомендовано ФОИ" at token r: from the last
 * capitalised (not all-caps) word within 12 tokens.  @return : its first token or NONE */
static size_t project_name_start(const parser *p, size_t lo, size_t r)
{
    for (size_t j = r; j > lo && j + 12 > r; j--) {
        size_t i = j - 1;
        if (F(p, i) & ST_BOILER) return NONE;
        if (is_word_tok(p, i) && (F(p, i) & ST_UPPER) && !(F(p, i) & ST_ALLCAPS)) return i;
    }
    return NONE;
}

/* A two-byte Cyrillic letter (lead D0/D1) folded as st_norm folds it (lower case, ё -> е). */
static inline unsigned fold2(const unsigned char *s)
{
    return st_fold(((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu));
}

/* Do the token's first three characters rule out "рек..."?  Within a token a D0/D1 byte at
 * a character boundary always starts a two-byte letter (anything else ends the token), so
 * when bytes 0, 2 and 4 are such leads they are the first three characters, none dropped
 * by st_norm.  Otherwise (a joiner, another script) the full test decides. */
static inline int not_rek(const unsigned char *s)
{
    if ((s[0] & 0xFE) != 0xD0 || (s[2] & 0xFE) != 0xD0 || (s[4] & 0xFE) != 0xD0)
        return 0;
    return fold2(s) != 0x440 || fold2(s + 2) != 0x435 || fold2(s + 4) != 0x43A;
}

/* recommended_at() past its length and first-letter tests. */
static __attribute__((noinline)) int recommended_rest(const parser *p, size_t i)
{
    const unsigned char *s = (const unsigned char *)p->src + p->t[i].start;
    /* the usual spelling, lower case after the first letter (tested by the caller), is
     * already its normalised form: compared as bytes */
    int spelled = !memcmp(s + 2, "екомендо", sizeof "екомендо" - 1);
    return (spelled || (!not_rek(s) && st_starts(p->src, &p->t[i], "рекомендо"))) && i + 1 < p->n &&
           (tok_is(p, i + 1, "фои") || st_starts(p->src, &p->t[i + 1], "вано"));
}

/* Asked of nearly every token of sections 5-7: the length test and the first letter, which
 * reject nearly all, inline.  A token starts with a letter or a digit (never a dropped
 * character), and only Р (D0 A0) and р (D1 80) fold to р. */
static inline __attribute__((always_inline)) int recommended_at(const parser *p, size_t i)
{
    if (__builtin_expect(st_len(&p->t[i]) < sizeof "рекомендо" - 1, 1))
        return 0;
    const unsigned char *s = (const unsigned char *)p->src + p->t[i].start;
    /* the first two bytes as one little-endian load: р is D1 80, Р is D0 A0 */
    uint16_t b;
    memcpy(&b, s, 2);
    if (b != 0x80D1 && b != 0xA0D0)
        return 0;
    /* "р" then two plain letters that are not "ек" ("реализации", "региональный"):
     * recommended_rest() would say no, without the call */
    if (not_rek(s))
        return 0;
    return recommended_rest(p, i);
}

typedef struct seg { size_t t0; const char *project; } seg;

/* Soft cut points of a unit's tokens [t0, t1): numbered rows/items in order, project names
 * before "рекомендовано ФОИ" (sections 5-7), line-based paragraph ends. */
/* The soft-cut state after token `tok` of a unit, for the next window of a huge file. */
typedef struct cut_snap {
    size_t tok;
    int taken;
    long expect, named_end;
    size_t last_row, row_extra;
} cut_snap;

/* Soft cut points of a unit's tokens [t0, t1): numbered rows/items in order, project names
 * before "рекомендовано ФОИ" (sections 5-7), line-based paragraph ends.  c: the state a
 * windowed part starts in (the unit began in the previous window), or NULL; snap: record
 * the state after token snap->tok, or NULL. */
static size_t soft_cuts(parser *p, const unit *u, size_t t0, size_t t1, seg *out, size_t cap,
                        const st_carry *c, cut_snap *snap)
{
    size_t n = 0;
    out[n].t0 = t0;
    out[n++].project = NULL;
    long expect = 1;
    int projects = (u->section >= POISK_SECTION_VZAIMOSVYAZ && u->section <= POISK_SECTION_POKAZATELI) ||
                   u->section == POISK_SECTION_OTHER;
    long named_end = 0;          /* end of the last project name found (lexicon, row, ФОИ) */
    size_t last_row = t0;        /* the last numbered project row */
    size_t row_extra = 0, unit_extra = 0;    /* words before t0 (a continued unit) */
    const char *lexname = NULL;
    if (c) {
        expect = c->expect;
        named_end = (long)t0 + c->named_rel;
        if (c->row_rel >= 0) last_row = t0 + (size_t)c->row_rel;
        else row_extra = c->row_words;
        unit_extra = c->unit_words;
    } else if (projects && (F(p, t0) & ST_UPPER)) {    /* a row right at the unit's start */
        size_t e = st_projects_match(p->lex, p->src, p->t, t1, t0, &lexname);
        if (e) { out[0].project = poisk_document_strndup(p->doc, lexname, strlen(lexname)); named_end = (long)e; }
    }
    for (size_t i = t0 + 1; i < t1 && n < cap; i++) {
        if (!snap) {
            /* a word neither capitalised nor a number cuts nothing, unless it is
             * "рекомендовано": most tokens, skipped here */
            const st_tok *t = p->t;
            if (!projects)
                while (i < t1 && !(st_flags(&t[i]) & (ST_DIGIT | ST_UPPER)))
                    i++;
            else
                while (i < t1 && !(st_flags(&t[i]) & (ST_DIGIT | ST_UPPER)) &&
                       !recommended_at(p, i))
                    i++;
            if (i >= t1) break;
        }
        if (snap && i == snap->tok + 1) {
            *snap = (cut_snap){ snap->tok, 1, expect, named_end, last_row, row_extra };
            snap = NULL;
        }
        unsigned f = F(p, i);
        if (f & ST_BOILER) continue;
        int cut = 0;
        const char *project = NULL;
        size_t e;
        if ((f & ST_DIGIT) && !(f & ST_GLUED) && !dotted_second(p, i) && !dotted_second(p, i + 1) &&
            i + 1 < t1 && is_word_tok(p, i + 1) && (F(p, i + 1) & ST_UPPER) && !(F(p, i + 1) & ST_GLUED)) {
            long v = tok_value(p, i);
            if (v == expect || (v == 1 && expect > 2)) {
                expect = v + 1;
                cut = 1;
                /* a project row, or a numbered list inside a cell: rows are far apart, the
                 * first one right after the heading; list items follow each other closely */
                size_t since = words_back(p, v == 1 ? t0 : last_row, i, ROW_MIN_WORDS) +
                               (v == 1 ? unit_extra : row_extra);
                int row = v == 1 ? since <= ROW_FIRST_WORDS : since >= ROW_MIN_WORDS;
                if (row) { last_row = i; row_extra = 0; }
                if (projects && (e = st_projects_match(p->lex, p->src, p->t, t1, i + 1, &lexname))) {
                    project = poisk_document_strndup(p->doc, lexname, strlen(lexname));
                    named_end = (long)e;
                } else if (projects && row) {
                    for (size_t r = i + 2; r < i + 14 && r < t1; r++)
                        if (recommended_at(p, r)) {
                            project = collapsed_copy(p, p->t[i + 1].start, st_end(&p->t[r - 1]));
                            named_end = (long)r;
                            break;
                        }
                    if (!project) {
                        char num[16];
                        size_t l = st_len(&p->t[i]) < 15 ? st_len(&p->t[i]) : 15;
                        memcpy(num, p->src + p->t[i].start, l);
                        num[l] = 0;
                        project = poisk_document_strndup(p->doc, num, l);
                    }
                }
            }
        } else if (projects && !p->line_based && (long)i >= named_end && (f & ST_UPPER) &&
                   ((f & ST_WIDE_BEFORE) || (F(p, i - 1) & ST_BOILER)) &&
                   (e = st_projects_match(p->lex, p->src, p->t, t1, i, &lexname))) {
            /* a known project name at the start of a table cell (a row without number) */
            cut = 1;
            project = poisk_document_strndup(p->doc, lexname, strlen(lexname));
            named_end = (long)e;
        } else if (projects && recommended_at(p, i)) {
            if (named_end + 2 >= (long)i && named_end <= (long)i) continue;   /* its name is known */
            size_t s = project_name_start(p, out[n - 1].t0 + 1, i);
            if (s != NONE && s > out[n - 1].t0 + 3) {
                out[n].t0 = s;
                out[n++].project = collapsed_copy(p, p->t[s].start, st_end(&p->t[i - 1]));
            }
            continue;
        } else if (p->line_based && (f & ST_NL_BEFORE) && (f & (ST_DOT_BEFORE | ST_SEMI_BEFORE)) &&
                   (f & (ST_UPPER | ST_DIGIT))) {
            cut = 1;
        }
        if (cut && i > out[n - 1].t0) {
            out[n].t0 = i;
            out[n++].project = project;
        } else if (cut && project && i == out[n - 1].t0 + 1 && !out[n - 1].project) {
            out[n - 1].project = project;
        }
    }
    if (snap)
        *snap = (cut_snap){ snap->tok, 1, expect, named_end, last_row, row_extra };
    return n;
}

/* Turn bytes [a, b) into a passage: trimmed to content, boilerplate removed from the text. */
/* s copied once into the document's arena (*slot caches it); NULL on ENOMEM. */
static const char *doc_copy(parser *p, const char **slot, const char *s)
{
    if (!*slot)
        *slot = poisk_document_strndup(p->doc, s, strlen(s));
    return *slot;
}

static int emit_passage(parser *p, const unit *u, size_t a, size_t b, const char *project)
{
    for (;;) {                                         /* trim the front */
        const bspan *bs;
        size_t sl;
        if (a >= b) return POISK_OK;
        if ((bs = boiler_at(p, a))) { a = bs->end; continue; }
        if ((sl = st_space_len(p->src, b, a))) { a += sl; continue; }
        break;
    }
    for (;;) {                                         /* trim the back */
        const bspan *bs;
        if (b <= a) return POISK_OK;
        if ((bs = boiler_at(p, b - 1))) { b = bs->start; continue; }
        size_t k = b - 1;
        while (k > a && ((unsigned char)p->src[k] & 0xC0) == 0x80) k--;
        if (st_space_len(p->src, b, k) == b - k) { b = k; continue; }
        break;
    }
    poisk_passage ps = { 0 };
    char idbuf[POISK_PASSAGE_ID_SUFFIX_MAX];
    size_t pl = strlen(poisk_document_path(p->doc));
    size_t il = poisk_passage_id_suffix(idbuf, p->base + a);
    char *id = poisk_document_alloc(p->doc, pl + il + 1);
    if (!id) return POISK_ENOMEM;
    memcpy(id, poisk_document_path(p->doc), pl);
    memcpy(id + pl, idbuf, il + 1);
    ps.id = id;
    ps.region = poisk_document_region(p->doc);
    ps.section = (poisk_section)u->section;
    ps.sector = u->sector >= 0 ? doc_copy(p, &p->sector_copy[u->sector], p->sectors[u->sector].id) : NULL;
    ps.subsection = u->sub >= 0 ? doc_copy(p, &p->sub_copy[u->sub], p->subs[u->sub].label) : NULL;
    if ((u->sector >= 0 && !ps.sector) || (u->sub >= 0 && !ps.subsection)) return POISK_ENOMEM;
    ps.project = project;
    ps.file = poisk_document_path(p->doc);
    ps.byte_start = p->base + a;
    ps.byte_end = p->base + b;
    /* text: source bytes, boilerplate inside cut out and joined by one space */
    const bspan *bs = boiler_at(p, a);
    size_t lo = 0, hi = p->n_boiler;
    while (lo < hi) { size_t m = (lo + hi) / 2; if (p->boiler[m].end <= a) lo = m + 1; else hi = m; }
    (void)bs;
    if (lo >= p->n_boiler || p->boiler[lo].start >= b) {
        ps.text = p->src + a;
        ps.text_len = b - a;
    } else {
        char *txt = poisk_document_alloc(p->doc, b - a + 1);
        if (!txt) return POISK_ENOMEM;
        size_t o = 0, at = a;
        for (size_t k = lo; k < p->n_boiler && p->boiler[k].start < b; k++) {
            if (p->boiler[k].start > at) {
                if (o && txt[o - 1] != ' ') txt[o++] = ' ';
                memcpy(txt + o, p->src + at, p->boiler[k].start - at);
                o += p->boiler[k].start - at;
            }
            if (p->boiler[k].end > at) at = p->boiler[k].end;
        }
        if (at < b) {
            if (o && txt[o - 1] != ' ') txt[o++] = ' ';
            memcpy(txt + o, p->src + at, b - at);
            o += b - at;
        }
        txt[o] = 0;
        ps.text = txt;
        ps.text_len = o;
    }
    long p0, p1;
    if (st_pages_range(&p->pages, a, b, &p0, &p1)) {
        size_t np = (size_t)(p1 - p0 + 1);
        if (np > 64) np = 64;
        uint32_t *pg = poisk_document_alloc(p->doc, np * sizeof *pg);
        if (!pg) return POISK_ENOMEM;
        for (size_t k = 0; k < np; k++) pg[k] = (uint32_t)(p0 + (long)k);
        ps.pages = pg;
        ps.n_pages = np;
    }
    return poisk_document_push_passage(p->doc, &ps);
}

/* The token where a run of `words` counted words starting at t0 ends. */
static size_t advance_words(const parser *p, size_t t0, size_t t1, size_t words)
{
    size_t i = t0, w = 0;
    for (; i < t1 && w < words; i++)
        if (!(F(p, i) & ST_BOILER)) w++;
    return i;
}

/* A passage decided but not yet emitted: passages are planned while the tokens exist and
 * emitted (their texts copied without boilerplate) after the tokens are freed, so the
 * token array and the copies are never in memory at the same time. */
static int plan_passage(parser *p, const unit *u, size_t a, size_t b, const char *project)
{
    if (poisk_array_reserve((void **)&p->plan, &p->cap_plan, p->n_plan + 1, sizeof *p->plan,
                            256))
        return POISK_ENOMEM;
    p->plan[p->n_plan++] = (planned){ *u, a, b, project };
    return POISK_OK;
}

static int passages_of_unit(parser *p, const unit *u)
{
    size_t t0 = tok_at_byte(p, u->a), t1 = tok_at_byte(p, u->b);
    if (t0 >= t1)
        return plan_passage(p, u, u->a, u->b, NULL);
    size_t cap = (t1 - t0) / 2 + 2;
    seg *segs = malloc(cap * sizeof *segs);
    piece *pieces = malloc((t1 - t0 + 2) * sizeof *pieces);
    if (!segs || !pieces) { free(segs); free(pieces); return POISK_ENOMEM; }
    const st_carry *c = u->a == 0 && continued(p) && p->cin->cuts ? p->cin : NULL;
    size_t ns = soft_cuts(p, u, t0, t1, segs, cap, c, NULL), np = 0;
    /* in the project and indicator tables every passage after a row start belongs to
     * that row: passages without a row start of their own keep the row's project */
    int inherit = u->section == POISK_SECTION_PROEKTY || u->section == POISK_SECTION_POKAZATELI;
    const char *row = NULL;
    if (u->a == 0 && continued(p) && p->cin->project[0] && !segs[0].project) {
        /* the passage in progress at the previous window's edge, and its row */
        segs[0].project = poisk_document_strndup(p->doc, p->cin->project, strlen(p->cin->project));
        if (!segs[0].project) { free(segs); free(pieces); return POISK_ENOMEM; }
    }
    piece cur = { segs[0].t0, segs[0].t0, 0, segs[0].project };
    for (size_t s = 0; s < ns; s++) {
        size_t e = s + 1 < ns ? segs[s + 1].t0 : t1;
        size_t w = count_words(p, segs[s].t0, e);
        if (cur.words >= MIN_WORDS) {
            pieces[np++] = cur;
            cur.t0 = segs[s].t0;
            cur.words = 0;
            cur.project = segs[s].project ? segs[s].project : inherit ? row : NULL;
        }
        if (segs[s].project) row = segs[s].project;
        if (!cur.project && segs[s].project) cur.project = segs[s].project;   /* heading + row */
        cur.t1 = e;
        cur.words += w;
        while (cur.words > MAX_WORDS) {
            size_t cut = advance_words(p, cur.t0, cur.t1, CUT_WORDS);
            piece head = { cur.t0, cut, CUT_WORDS, cur.project };
            pieces[np++] = head;
            cur.t0 = cut;
            cur.words -= CUT_WORDS;
        }
    }
    if (np && cur.words < MIN_WORDS && pieces[np - 1].words + cur.words <= MAX_WORDS) {
        pieces[np - 1].t1 = cur.t1;
        pieces[np - 1].words += cur.words;
    } else {
        pieces[np++] = cur;
    }
    int rc = POISK_OK;
    for (size_t k = 0; k < np && rc == POISK_OK; k++) {
        size_t a = k == 0 ? u->a : p->t[pieces[k].t0].start;
        size_t b = k + 1 < np ? p->t[pieces[k + 1].t0].start : u->b;
        rc = plan_passage(p, u, a, b, pieces[k].project);
    }
    free(segs);
    free(pieces);
    return rc;
}

/* ---- assembling the model ------------------------------------------------------------- */

typedef struct mark { size_t byte; int kind; int idx; } mark;   /* kind: 0 sec, 1 sector, 2 sub */

static int cmp_mark(const void *a, const void *b)
{
    const mark *x = a, *y = b;
    if (x->byte != y->byte) return x->byte < y->byte ? -1 : 1;
    return x->kind - y->kind;
}

static int section_of(int k) { return k == APPENDIX ? POISK_SECTION_PRILOZHENIE : k - 1; }

/* A heading's title as found: to the end of its line or closing quote, at most 200 bytes. */
static const char *heading_title(parser *p, size_t tok, size_t limit)
{
    size_t a = p->t[tok].start, b = a;
    size_t max = a + 200 < limit ? a + 200 : limit;
    int quoted = 0;
    while (b < max) {
#ifdef __SSE2__
        if (b + 16 <= max) {       /* to the next ASCII or C2 byte, 16 bytes a step */
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p->src + b));
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(-1)),
                             _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xC2))));
            if (!m) { b += 16; continue; }
            b += (size_t)__builtin_ctz(m);
        }
#endif
        unsigned char c = (unsigned char)p->src[b];
        if (c >= 0x80 && c != 0xC2) { b++; continue; }     /* (no test below can hold) */
        if (c == '\n' || c == '\r') break;
        if (!memcmp(p->src + b, "«", 2)) quoted = 1;
        if (!memcmp(p->src + b, "»", 2)) { b += 2; break; }
        if (!quoted && b > a + 12 && c >= '0' && c <= '9' && p->src[b - 1] == ' ') break;
        if (!quoted && b > a + 60 && p->src[b] == ' ' && p->src[b + 1] == ' ') break;
        b++;
    }
    while (b > a && (unsigned char)p->src[b - 1] == ' ') b--;
    if (b > max) b = max;
    while (b > a && ((unsigned char)p->src[b] & 0xC0) == 0x80 && b < limit) b--;
    return collapsed_copy(p, a, b);
}

/* The soft-cut state of the held passage's unit after the passage's first token: its unit
 * is cut again, up to there.  @return : poisk_rc */
static int carry_cuts(parser *p, const planned *held, const st_carry *in, st_carry *c)
{
    size_t t0 = tok_at_byte(p, held->u.a), t1 = tok_at_byte(p, held->u.b);
    size_t ta = tok_at_byte(p, held->a);
    if (ta < t0 || ta >= t1)
        return POISK_EINVAL;
    size_t cap = (t1 - t0) / 2 + 2;
    seg *segs = malloc(cap * sizeof *segs);
    if (!segs)
        return POISK_ENOMEM;
    const st_carry *cc = held->u.a == 0 && in && in->cuts ? in : NULL;
    cut_snap snap = { .tok = ta };
    soft_cuts(p, &held->u, t0, t1, segs, cap, cc, &snap);
    free(segs);
    c->expect = snap.expect;
    c->named_rel = snap.named_end - (long)ta;
    if (snap.last_row >= ta) {
        c->row_rel = (long)(snap.last_row - ta);
        c->row_words = 0;
    } else {
        c->row_rel = -1;
        c->row_words = (unsigned)(words_back(p, snap.last_row, ta, ROW_MIN_WORDS) + snap.row_extra);
    }
    c->unit_words = (unsigned)(words_back(p, t0, ta, ROW_MIN_WORDS) + (cc ? cc->unit_words : 0));
    return POISK_OK;
}

/* A windowed part: hold back the passage running into the window's edge (the next window
 * starts where it starts) and hand on the state the text is in there. */
static void carry_out(parser *p)
{
    st_carry *c = p->cout;
    const st_carry *in = continued(p) ? p->cin : NULL;
    planned *held = NULL;
    /* a passage longer than 3/4 of the window (giant tokens, boilerplate) is cut at the
     * window's edge instead: re-reading it would make the windows quadratic */
    if (!p->last && p->n_plan && p->plan[p->n_plan - 1].a > 0 &&
        p->plan[p->n_plan - 1].a >= p->len / 4) {
        held = &p->plan[--p->n_plan];
        p->consumed = held->a;
    }
    c->started = 1;
    c->line_based = p->line_based;
    if (!in)
        snprintf(c->region, sizeof c->region, "%s", strcmp(poisk_document_region(p->doc), "unknown")
                 ? poisk_document_region(p->doc) : "");
    c->found = in ? in->found : 0;
    for (int k = 1; k <= 9; k++)
        if (p->sec_tok[k] != NONE) c->found |= 1u << k;
    memcpy(c->sectors, p->sectors, sizeof c->sectors);
    c->n_sectors = p->n_sectors;
    /* the state at the held passage (or at the end): that of its unit */
    int section = in ? in->section : POISK_SECTION_OTHER, sector = in ? in->sector : -1;
    int next = in ? in->next_sector : 0;
    const char *sub = in ? in->sub : "";
    if (held) {
        section = held->u.section;
        sector = held->u.sector;
        sub = held->u.sub >= 0 ? p->subs[held->u.sub].label : "";
    } else if (p->n_plan) {
        const unit *u = &p->plan[p->n_plan - 1].u;
        section = u->section; sector = u->sector;
        sub = u->sub >= 0 ? p->subs[u->sub].label : "";
    }
    if (!in || section != in->section) next = 0;
    for (int h = 0; h < p->n_heads; h++)       /* the last sector heading of this section */
        if (p->heads[h].section == section && p->heads[h].sector + 1 > next)
            next = p->heads[h].sector + 1;
    char subcopy[4];
    snprintf(subcopy, sizeof subcopy, "%s", sub);
    c->section = section;
    c->sector = sector;
    memcpy(c->sub, subcopy, sizeof c->sub);
    c->next_sector = next;
    snprintf(c->project, sizeof c->project, "%s", held && held->project ? held->project : "");
    c->cuts = held && carry_cuts(p, held, in, c) == POISK_OK;
}

static int build_model(parser *p)
{
    mark marks[10 + MAX_HEADS + 8];
    size_t nm = 0;
    for (int k = 1; k <= 9; k++)
        if (p->sec_tok[k] != NONE)
            marks[nm++] = (mark){ p->t[p->sec_tok[k]].start, 0, k };
    for (int h = 0; h < p->n_heads; h++)
        marks[nm++] = (mark){ p->t[p->heads[h].tok].start, 1, h };
    for (int s = 0; s < p->n_subs; s++)
        marks[nm++] = (mark){ p->t[p->subs[s].tok].start, 2, s };
    qsort(marks, nm, sizeof *marks, cmp_mark);

    /* spans: TOC, sections (with "other" before the first), sectors, boilerplate */
    int rc;
    if (p->toc_end) {
        poisk_span sp = { POISK_SPAN_TOC, POISK_SECTION_OTHER, NULL, NULL, p->base + p->toc_start,
                          p->base + p->toc_end };
        if ((rc = poisk_document_push_span(p->doc, &sp))) return rc;
    }
    size_t first_sec = p->len;
    for (size_t m = 0; m < nm; m++)
        if (marks[m].kind == 0) { first_sec = marks[m].byte; break; }
    if (first_sec > 0) {
        poisk_span sp = { POISK_SPAN_SECTION, POISK_SECTION_OTHER, NULL, NULL, p->base,
                          p->base + first_sec };
        if (continued(p)) sp.section = (poisk_section)p->cin->section;
        if ((rc = poisk_document_push_span(p->doc, &sp))) return rc;
    }
    for (size_t m = 0; m < nm; m++) {
        if (marks[m].kind == 2) continue;
        size_t end = p->len;
        for (size_t x = m + 1; x < nm; x++)
            if (marks[x].kind == 0 || (marks[m].kind == 1 && marks[x].kind == 1)) { end = marks[x].byte; break; }
        poisk_span sp = { 0 };
        sp.byte_start = p->base + marks[m].byte;
        sp.byte_end = p->base + end;
        if (marks[m].kind == 0) {
            sp.kind = POISK_SPAN_SECTION;
            sp.section = (poisk_section)section_of(marks[m].idx);
            sp.title = heading_title(p, p->sec_tok[marks[m].idx], end);
        } else {
            const heading *h = &p->heads[marks[m].idx];
            sp.kind = POISK_SPAN_SECTOR;
            sp.section = (poisk_section)h->section;
            sp.sector = doc_copy(p, &p->sector_copy[h->sector], p->sectors[h->sector].id);
            if (!sp.sector) return POISK_ENOMEM;
            sp.title = heading_title(p, h->tok, end);
        }
        if ((rc = poisk_document_push_span(p->doc, &sp))) return rc;
    }
    for (size_t b = 0; b < p->n_boiler; b++) {
        poisk_span sp = { POISK_SPAN_BOILERPLATE, POISK_SECTION_OTHER, NULL, NULL,
                          p->base + p->boiler[b].start, p->base + p->boiler[b].end };
        if ((rc = poisk_document_push_span(p->doc, &sp))) return rc;
    }

    /* units between hard boundaries; the TOC is skipped */
    unit units[2 * (10 + MAX_HEADS + 8) + 4];
    size_t nu = 0;
    size_t bounds[10 + MAX_HEADS + 8 + 4];
    size_t nb = 0;
    bounds[nb++] = 0;
    if (p->toc_end) { bounds[nb++] = p->toc_start; bounds[nb++] = p->toc_end; }
    for (size_t m = 0; m < nm; m++) bounds[nb++] = marks[m].byte;
    bounds[nb++] = p->len;
    for (size_t x = 1; x < nb; x++)           /* insertion sort: a handful of entries */
        for (size_t y = x; y > 0 && bounds[y - 1] > bounds[y]; y--) {
            size_t tmp = bounds[y]; bounds[y] = bounds[y - 1]; bounds[y - 1] = tmp;
        }
    int section = POISK_SECTION_OTHER, sector = -1, sub = -1;
    if (continued(p)) {                  /* where the previous window left the text */
        section = p->cin->section;
        sector = p->cin->sector < p->n_sectors ? p->cin->sector : -1;
        if (p->cin->sub[0]) {
            memcpy(p->subs[CARRIED_SUB].label, p->cin->sub, sizeof p->subs[CARRIED_SUB].label);
            p->subs[CARRIED_SUB].tok = NONE;
            sub = CARRIED_SUB;
        }
    }
    size_t mi = 0;
    for (size_t x = 0; x + 1 < nb; x++) {
        size_t a = bounds[x], b = bounds[x + 1];
        for (; mi < nm && marks[mi].byte <= a; mi++) {
            if (marks[mi].kind == 0) { section = section_of(marks[mi].idx); sector = -1; sub = -1; }
            else if (marks[mi].kind == 1) sector = p->heads[marks[mi].idx].sector;
            else sub = marks[mi].idx;
        }
        if (a >= b || (p->toc_end && a >= p->toc_start && b <= p->toc_end)) continue;
        if (a == 0 && p->toc_end && p->toc_start == 0 && b <= p->toc_end) continue;
        size_t t0 = tok_at_byte(p, a), t1 = tok_at_byte(p, b);
        unit u = { a, b, section, sector, sub, count_words(p, t0, t1) };
        /* a bare heading joins the next unit when only a subsection boundary separates them,
         * or when it is a section's heading before the section's first sector: the heading
         * belongs to the section, the passage takes the sector of its content */
        if (nu && units[nu - 1].words < HEADING_WORDS && units[nu - 1].b == a &&
            units[nu - 1].section == section &&
            (units[nu - 1].sector == sector || (units[nu - 1].sector < 0 && sector >= 0))) {
            units[nu - 1].b = b;
            units[nu - 1].sub = sub;
            units[nu - 1].sector = sector;
            units[nu - 1].words += u.words;
            continue;
        }
        units[nu++] = u;
    }
    for (size_t x = 0; x < nu; x++)
        if ((rc = passages_of_unit(p, &units[x]))) return rc;
    p->consumed = p->len;
    if (p->cout)
        carry_out(p);
    return POISK_OK;
}

/* ---- entry point ---------------------------------------------------------------------- */

static void detect_region(parser *p)
{
    if (continued(p)) {                  /* named (or not) in the first window */
        const poisk_region *r = p->cin->region[0] ?
            poisk_region_lookup(p->cin->region, strlen(p->cin->region)) : NULL;
        if (r) poisk_document_set_region(p->doc, r->slug);
        return;
    }
    size_t end = p->len < 65536 ? p->len : 65536;
    if (p->sec_tok[2] != NONE && p->t[p->sec_tok[2]].start > 2048)
        end = p->t[p->sec_tok[2]].start;
    const poisk_region *r = poisk_region_find_in_text(p->src, end);
    if (!r && end < p->len)
        r = poisk_region_find_in_text(p->src, p->len);
    if (r) {
        poisk_document_set_region(p->doc, r->slug);
    } else if (p->n) {
        poisk_document_add_warning(p->doc, "%s: no region named in the title or section 1; "
                                   "indexed as region 'unknown'", poisk_document_path(p->doc));
    }
}

static int parse(const char *path, const char *text, size_t len, uint64_t base, int last,
                 st_carry *carry, size_t *consumed, poisk_document **out, poisk_error *err)
{
    *out = NULL;
    if (!text && len)
        return poisk_error_set(err, POISK_EINVAL, "%s: no text", path ? path : "?");
    if (len >= UINT32_MAX)
        return poisk_error_set(err, POISK_EINPUT, "%s: file over 4 GiB; split it", path);
    parser p;
    memset(&p, 0, sizeof p);
    p.src = text ? text : "";
    p.len = len;
    p.base = base;
    p.last = last;
    st_carry cin;                        /* the state in; *carry becomes the state out */
    if (carry) cin = *carry;
    p.cin = carry ? &cin : NULL;
    p.cout = carry;
    p.doc = poisk_document_new(path);
    if (!p.doc)
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path);
    st_tokens tk;
    const st_projects *lex = NULL;
    size_t tk_count = 0;
    int rc = POISK_ENOMEM;
    if (st_tokenize(p.src, len, &tk)) goto fail;
    p.t = tk.t;
    p.n = tk.n;
    p.dig = tk.digits;
    p.n_dig = tk.n_digits;
    tk_count = tk.n;
    p.joiners = tk.joiners;
    p.line_based = continued(&p) ? carry->line_based : tk.newlines > 20 && tk.newlines * 40 > tk.n;
    if (!(lex = st_projects_shared())) goto fail;
    p.lex = lex;
    if ((rc = find_candidates(&p))) goto fail;
    find_toc(&p);
    find_sections(&p);
    find_subsections(&p);
    find_sector_headings(&p);
    if ((rc = find_table_headers(&p))) goto fail;
    size_t header_btok = p.n_btok, header_spans = p.n_boiler;
    if ((rc = find_page_numbers(&p))) goto fail;
    btok_sort(&p, header_btok);
    boiler_sort(&p, header_spans);
    detect_region(&p);
    if ((rc = build_model(&p))) goto fail;
    st_tokens_free(&tk);                 /* not needed to emit: frees ~8 bytes per token */
    p.t = NULL;
    p.n = 0;
    p.dig = NULL;
    p.n_dig = 0;
    for (size_t k = 0; k < p.n_plan && rc == POISK_OK; k++)
        rc = emit_passage(&p, &p.plan[k].u, p.plan[k].a, p.plan[k].b, p.plan[k].project);
    if (rc) goto fail;
    if (len && !tk_count)
        poisk_document_add_warning(p.doc, "%s: no words in the file", path);
    free(p.cands); free(p.cand_k); free(p.boiler); free(p.btok); free(p.plan); st_pages_free(&p.pages);
    st_tokens_free(&tk);
    if (consumed) *consumed = p.consumed;
    *out = p.doc;
    return POISK_OK;
fail:
    free(p.cands); free(p.cand_k); free(p.boiler); free(p.btok); free(p.plan); st_pages_free(&p.pages);
    st_tokens_free(&tk);
    poisk_document_free(p.doc);
    return poisk_error_set(err, rc, "%s: %s", path, poisk_strerror(rc));
}

int poisk_document_parse(const char *path, const char *text, size_t len,
                         poisk_document **out, poisk_error *err)
{
    return parse(path, text, len, 0, 1, NULL, NULL, out, err);
}

int poisk_document_parse_part(const char *path, const char *text, size_t len, uint64_t base,
                              int last, st_carry *carry, size_t *consumed,
                              poisk_document **out, poisk_error *err)
{
    return parse(path, text, len, base, last, carry, consumed, out, err);
}
