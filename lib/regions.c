/*
 * regions.c: the 89 federal subjects (data/regions.tsv, embedded at build time as
 * poisk_regions_tsv) and recognition of their names in any grammatical case.
 *
 * Pipeline position: reference data used by the document model (region of a strategy),
 * the JSON-lines reader and the searcher's region: filter.
 *
 * The table only holds the nominative and genitive.  Every other case form is derived
 * from the nominative, word by word: the word's ending decides its declension class
 * (adjective -ский/-ая, noun in -а, -я, -ь, -й, consonant, or indeclinable), the stem is
 * the word minus that ending, and a form matches when it is the stem plus any ending of
 * the class.  So "Ставропольский край" also recognises "Ставропольском крае", and
 * "Республика Адыгея" recognises "Республики Адыгея" and "Республике Адыгее".  Hyphenated
 * words ("Ханты-Мансийский") also get a glued variant, because flattened exports delete
 * hyphens ("Хантымансийского").  Tails after " — " and parentheses are not required.
 *
 * The table is built once (pthread_once) into static storage and never changes after
 * that, so lookups are thread-safe and there is no mutable global state.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "regions.h"
#include "utf8.h"

extern const unsigned char poisk_regions_tsv[];
extern const size_t poisk_regions_tsv_len;

#define MAX_REGIONS   128
#define MAX_WORDS     5
#define MAX_VARIANTS  2
#define STEM_CAP      64
#define NORM_CAP      128

typedef enum { CLS_ADJ, CLS_A, CLS_YA, CLS_SOFT, CLS_J, CLS_CONS, CLS_FIXED } decl_class;

typedef struct word_spec {
    char stem[STEM_CAP];       /* normalised (lower case, ё->е) */
    size_t stem_len;
    decl_class cls;
    int generic;               /* республика, край, область, округ, автономный... */
} word_spec;

typedef struct name_pattern {
    word_spec words[MAX_WORDS];
    int n;
} name_pattern;

typedef struct region_entry {
    poisk_region pub;
    name_pattern variants[MAX_VARIANTS];
    int n_variants;
} region_entry;

#define BUCKETS   512
#define KEY_BYTES 6            /* a bucket key: a word's first three Cyrillic letters */

static struct {
    char text[16384];          /* copy of the TSV with tabs and newlines turned into NULs */
    region_entry regions[MAX_REGIONS];
    size_t count;
    /* regions by the first KEY_BYTES bytes of a name's first word (bucket_of): scanning a
     * text tries only the regions whose name can start with the word at hand, in table
     * order.  A name whose first stem is shorter than that is in every bucket and in the
     * short list, the candidates for a word shorter than a key. */
    unsigned char bucket[BUCKETS][MAX_REGIONS];
    size_t bucket_n[BUCKETS];
    unsigned char short_list[MAX_REGIONS];
    size_t short_n;
    /* fold() of U+0400-U+04FF (lead D0-D3, index ((lead & 3) << 6) | (second & 0x3F)) as
     * its two UTF-8 bytes, lead in the low half: next_word's letters without branches */
    uint16_t fold2[256];
} table;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* ---- normalisation -------------------------------------------------------------------- */

/* Decode one UTF-8 code point at s[*i] (advancing *i); invalid bytes decode as U+FFFD. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    if (c < 0x80) { (*i)++; return c; }
    if ((c & 0xE0) == 0xC0 && *i + 1 < len && (s[*i + 1] & 0xC0) == 0x80) {
        uint32_t cp = ((c & 0x1F) << 6) | (s[*i + 1] & 0x3F);
        *i += 2;
        return cp;
    }
    if ((c & 0xF0) == 0xE0 && *i + 2 < len && (s[*i + 1] & 0xC0) == 0x80 &&
        (s[*i + 2] & 0xC0) == 0x80) {
        uint32_t cp = ((c & 0x0F) << 12) | ((s[*i + 1] & 0x3F) << 6) | (s[*i + 2] & 0x3F);
        *i += 3;
        return cp;
    }
    (*i)++;
    return 0xFFFD;
}

static int is_letter(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0x400 && cp <= 0x4FF);
}

/* Invisible characters that may sit inside a word without splitting it. */
static int is_joiner(uint32_t cp)
{
    return cp == 0xAD || cp == 0x301 || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060;
}

static uint32_t fold(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;
    if (cp == 0x401 || cp == 0x451) return 0x435;   /* ё -> е */
    return cp;
}

static size_t put_utf8(char *out, size_t o, size_t cap, uint32_t cp)
{
    if (cp < 0x80) {
        if (o + 1 < cap) out[o++] = (char)cp;
    } else if (o + 2 < cap) {
        out[o++] = (char)(0xC0 | (cp >> 6));
        out[o++] = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Next word (letter run) of s from *pos, normalised into out.  ASCII and the two-byte
 * Cyrillic block (lead D0-D3: U+0400-U+04FF, letters all) inline, the rest through
 * utf8_next().  @return : 1, or 0 at end */
static int next_word(const char *s, size_t len, size_t *pos, char *out, size_t cap,
                     size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = *pos;
    while (i < len) {                     /* skip to the first letter */
        unsigned c = u[i];
        if (c < 0x80) {
            if ((unsigned)((c | 0x20) - 'a') < 26u) break;
            i++;
            continue;
        }
        if ((c & 0xFC) == 0xD0 && i + 1 < len && (u[i + 1] & 0xC0) == 0x80)
            break;
        size_t at = i;
        uint32_t cp = utf8_next(u, len, &i);
        if (is_letter(cp)) { i = at; break; }
    }
    if (i >= len) { *pos = len; return 0; }
    size_t o = 0;
    while (i < len) {
        poisk_utf8_copy_lower4(u, len, &i, out, cap, &o);   /* а-п, р-я: their own folding */
        if (i >= len)
            break;
        unsigned c = u[i];
        if (c < 0x80) {
            if ((unsigned)((c | 0x20) - 'a') >= 26u) break;
            o = put_utf8(out, o, cap, fold(c));
            i++;
            continue;
        }
        if ((c & 0xFC) == 0xD0 && i + 1 < len && (u[i + 1] & 0xC0) == 0x80) {
            if (o + 2 < cap) {
                uint16_t f = table.fold2[((c & 3u) << 6) | (u[i + 1] & 0x3Fu)];
                out[o++] = (char)(f & 0xFF);
                out[o++] = (char)(f >> 8);
            }
            i += 2;
            continue;
        }
        size_t at = i;
        uint32_t cp = utf8_next(u, len, &i);
        if (is_joiner(cp))
            continue;
        if (!is_letter(cp) || cp > 0x7FF) { i = at; break; }
        o = put_utf8(out, o, cap, fold(cp));
    }
    out[o] = 0;
    *out_len = o;
    *pos = i;
    return 1;
}

/* ---- declension classes --------------------------------------------------------------- */

static const char *const endings_adj[] = { "ий", "ый", "ой", "ая", "яя", "ое", "ее", "ого",
    "его", "ому", "ему", "им", "ым", "ом", "ем", "ую", "юю", "ей", "их", "ых", "ими", "ыми", 0 };
static const char *const endings_a[] = { "а", "ы", "и", "е", "у", "ой", "ою", "ам", "ами",
    "ах", 0 };
static const char *const endings_ya[] = { "я", "и", "е", "ю", "ей", "ею", "й", "ям", "ями",
    "ях", 0 };
static const char *const endings_soft[] = { "ь", "я", "и", "ю", "ем", "е", "ью", "ей", "ям",
    "ями", "ях", 0 };
static const char *const endings_j[] = { "й", "я", "ю", "ем", "е", "ев", "ям", "ями", "ях",
    0 };
static const char *const endings_cons[] = { "", "а", "у", "ом", "е", "и", "ов", "ам", "ами",
    "ах", 0 };
static const char *const endings_fixed[] = { "", 0 };

static const char *const *class_endings(decl_class c)
{
    switch (c) {
    case CLS_ADJ:  return endings_adj;
    case CLS_A:    return endings_a;
    case CLS_YA:   return endings_ya;
    case CLS_SOFT: return endings_soft;
    case CLS_J:    return endings_j;
    case CLS_CONS: return endings_cons;
    default:       return endings_fixed;
    }
}

static int ends_with(const char *w, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(w + n - k, suf, k) == 0;
}

static const char *const generic_words[] = { "республика", "край", "область", "округ",
    "автономный", "автономная", "народная", "город", 0 };

/* Fill spec from one normalised nominative word. */
static void spec_from_word(word_spec *ws, const char *w, size_t n)
{
    static const char *const adj[] = { "ий", "ый", "ой", "ая", "яя", "ое", "ее", 0 };
    size_t cut = 0;
    ws->cls = CLS_FIXED;
    for (int i = 0; adj[i]; i++)
        if (n > 6 && ends_with(w, n, adj[i])) { ws->cls = CLS_ADJ; cut = 4; break; }
    if (ws->cls == CLS_FIXED && n >= 2) {
        const char *last = w + n - 2;        /* every Cyrillic letter is 2 bytes */
        if (!memcmp(last, "а", 2)) { ws->cls = CLS_A; cut = 2; }
        else if (!memcmp(last, "я", 2)) { ws->cls = CLS_YA; cut = 2; }
        else if (!memcmp(last, "ь", 2)) { ws->cls = CLS_SOFT; cut = 2; }
        else if (!memcmp(last, "й", 2)) { ws->cls = CLS_J; cut = 2; }
        else if (!memcmp(last, "е", 2) || !memcmp(last, "и", 2) || !memcmp(last, "о", 2) ||
                 !memcmp(last, "у", 2) || !memcmp(last, "ы", 2) || !memcmp(last, "э", 2) ||
                 !memcmp(last, "ю", 2)) ws->cls = CLS_FIXED;
        else ws->cls = CLS_CONS;
    }
    if (n - cut >= STEM_CAP)
        cut = n - (STEM_CAP - 1);
    memcpy(ws->stem, w, n - cut);
    ws->stem[n - cut] = 0;
    ws->stem_len = n - cut;
    ws->generic = 0;
    for (int i = 0; generic_words[i]; i++)
        if (strlen(generic_words[i]) == n && !memcmp(generic_words[i], w, n))
            ws->generic = 1;
}

/* Does the normalised form w match the spec (stem + an ending of its class)? */
static int spec_matches(const word_spec *ws, const char *w, size_t n)
{
    size_t sl = ws->stem_len;
    if (n < sl || (sl && w[0] != ws->stem[0]) || memcmp(w, ws->stem, sl) != 0)
        return 0;
    const char *const *e = class_endings(ws->cls);
    for (int i = 0; e[i]; i++)
        if (strlen(e[i]) == n - sl && !memcmp(w + sl, e[i], n - sl))
            return 1;
    return 0;
}

/* ---- the table ------------------------------------------------------------------------ */

/* Core of a name: up to " — " or " (" (tails that texts often leave out). */
static size_t name_core_len(const char *name)
{
    size_t n = strlen(name);
    const char *dash = strstr(name, " —");
    const char *par = strchr(name, '(');
    if (dash && (size_t)(dash - name) < n) n = (size_t)(dash - name);
    if (par && (size_t)(par - name) < n) n = (size_t)(par - name);
    return n;
}

static void build_patterns(region_entry *r)
{
    const char *name = r->pub.nominative;
    size_t core = name_core_len(name);
    name_pattern *split = &r->variants[0], *glued = &r->variants[1];
    split->n = glued->n = 0;
    int has_hyphen = 0;
    /* words separated by spaces; hyphenated words split (variant 0) or glued (variant 1) */
    size_t pos = 0;
    while (pos < core) {
        size_t end = pos;
        while (end < core && name[end] != ' ') end++;
        char gl[NORM_CAP];
        size_t gl_len = 0, p = pos;
        char w[NORM_CAP];
        size_t wl;
        int parts = 0;
        while (p < end && next_word(name, end, &p, w, sizeof w, &wl)) {
            if (split->n < MAX_WORDS)
                spec_from_word(&split->words[split->n++], w, wl);
            if (gl_len + wl < sizeof gl) { memcpy(gl + gl_len, w, wl); gl_len += wl; }
            parts++;
        }
        if (parts > 1) has_hyphen = 1;
        if (parts > 0 && glued->n < MAX_WORDS)
            spec_from_word(&glued->words[glued->n++], gl, gl_len);
        pos = end + 1;
    }
    r->n_variants = has_hyphen ? 2 : 1;
}

static void buckets_build(void);

static void table_build(void)
{
    for (uint32_t k = 0; k < 256; k++) {      /* first: next_word() reads it below */
        uint32_t f = fold(0x400 + k);          /* stays in U+0400-U+04FF: two bytes */
        table.fold2[k] = (uint16_t)((0xC0 | f >> 6) | (0x80 | (f & 0x3F)) << 8);
    }
    size_t n = poisk_regions_tsv_len < sizeof table.text - 1 ? poisk_regions_tsv_len
                                                              : sizeof table.text - 1;
    memcpy(table.text, poisk_regions_tsv, n);
    table.text[n] = 0;
    char *line = table.text;
    int header = 1;
    while (line && *line && table.count < MAX_REGIONS) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        char *f[5] = { 0 };
        int nf = 0;
        char *p = line;
        while (nf < 5) {
            f[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab) break;
            *tab = 0;
            p = tab + 1;
        }
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r') line[ll - 1] = 0;
        if (!header && nf >= 4 && *f[0]) {
            region_entry *r = &table.regions[table.count++];
            r->pub.slug = f[0];
            r->pub.iso = f[1];
            r->pub.nominative = f[2];
            r->pub.genitive = f[3];
            build_patterns(r);
        }
        header = 0;
        line = nl ? nl + 1 : NULL;
    }
    buckets_build();
}

/* w has at least KEY_BYTES bytes. */
static size_t bucket_of(const char *w)
{
    uint32_t h = 0;
    for (int i = 0; i < KEY_BYTES; i++) h = h * 131u + (unsigned char)w[i];
    return (h ^ h >> 11) % BUCKETS;
}

/* A region goes into every bucket its first words can start with (all of them, and the
 * short list, when a stem is shorter than a key). */
static void buckets_build(void)
{
    for (size_t i = 0; i < table.count; i++) {
        unsigned char in[BUCKETS] = { 0 };
        const region_entry *r = &table.regions[i];
        for (int v = 0; v < r->n_variants; v++) {
            const word_spec *ws = &r->variants[v].words[0];
            if (r->variants[v].n == 0) continue;
            if (ws->stem_len < KEY_BYTES) memset(in, 1, sizeof in);
            else in[bucket_of(ws->stem)] = 1;
        }
        if (memchr(in, 0, sizeof in) == NULL)
            table.short_list[table.short_n++] = (unsigned char)i;
        for (size_t b = 0; b < BUCKETS; b++)
            if (in[b]) table.bucket[b][table.bucket_n[b]++] = (unsigned char)i;
    }
}

static void table_init(void)
{
    pthread_once(&table_once, table_build);
}

size_t poisk_region_count(void)
{
    table_init();
    return table.count;
}

const poisk_region *poisk_region_at(size_t i)
{
    table_init();
    return i < table.count ? &table.regions[i].pub : NULL;
}

/* ---- matching ------------------------------------------------------------------------- */

#define WINDOW 6

/* A window of normalised words: the matcher compares patterns against it. */
typedef struct word_window {
    char w[WINDOW][NORM_CAP];
    size_t len[WINDOW];
    int n;
} word_window;

/* The same words as pointers (into a window, or into the scanner's ring of slots: shifting
 * the ring moves no text). */
typedef struct word_refs {
    const char *w[WINDOW];
    size_t len[WINDOW];
    int n;
} word_refs;

static word_refs refs_of(const word_window *win)
{
    word_refs r = { .n = win->n };
    for (int i = 0; i < win->n; i++) {
        r.w[i] = win->w[i];
        r.len[i] = win->len[i];
    }
    return r;
}

/* How many words of the window the pattern consumes; 0 if it does not match. */
static int pattern_match_refs(const name_pattern *p, const word_refs *win)
{
    if (p->n > win->n)
        return 0;
    for (int i = 0; i < p->n; i++)
        if (!spec_matches(&p->words[i], win->w[i], win->len[i]))
            return 0;
    return p->n;
}

/* Do the window's words equal the pattern's non-generic words ("Марий Эл", "Адыгея",
 * "Ставропольский" for "Республика Марий Эл", ..., "Ставропольский край")? */
static int distinctive_match(const name_pattern *p, const word_window *win)
{
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        if (p->words[i].generic)
            continue;
        if (k >= win->n || !spec_matches(&p->words[i], win->w[k], win->len[k]))
            return 0;
        k++;
    }
    return k > 0 && k == win->n;
}

static int ascii_ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n || n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return 1;
}

/* Normalised words of s joined by single spaces (for whole-name comparison). */
static size_t normalise_name(const char *s, size_t len, char *out, size_t cap)
{
    size_t pos = 0, o = 0, wl;
    char w[NORM_CAP];
    while (next_word(s, len, &pos, w, sizeof w, &wl)) {
        if (o && o + 1 < cap) out[o++] = ' ';
        if (o + wl < cap) { memcpy(out + o, w, wl); o += wl; }
    }
    out[o < cap ? o : cap - 1] = 0;
    return o;
}

const poisk_region *poisk_region_lookup(const char *name, size_t len)
{
    table_init();
    if (!name)
        return NULL;
    while (len && (name[0] == ' ' || name[0] == '\t')) { name++; len--; }
    while (len && (name[len - 1] == ' ' || name[len - 1] == '\t' || name[len - 1] == '\n' ||
                   name[len - 1] == '\r')) len--;
    if (!len || len > 512)
        return NULL;
    for (size_t i = 0; i < table.count; i++) {
        const poisk_region *r = &table.regions[i].pub;
        if (ascii_ieq(name, len, r->slug) || (*r->iso && ascii_ieq(name, len, r->iso)))
            return r;
    }
    /* the whole name as written in the table, any letter case */
    char norm[1024], cmp[1024];
    normalise_name(name, len, norm, sizeof norm);
    if (!*norm)
        return NULL;
    for (size_t i = 0; i < table.count; i++) {
        const poisk_region *r = &table.regions[i].pub;
        normalise_name(r->nominative, strlen(r->nominative), cmp, sizeof cmp);
        if (!strcmp(norm, cmp)) return r;
        normalise_name(r->genitive, strlen(r->genitive), cmp, sizeof cmp);
        if (!strcmp(norm, cmp)) return r;
    }
    /* any case form: the words must be exactly one pattern (after an optional "город") */
    word_window win = { .n = 0 };
    size_t pos = 0;
    int extra = 0;
    while (next_word(name, len, &pos, win.w[win.n], NORM_CAP, &win.len[win.n])) {
        if (win.n == 0 && (!strcmp(win.w[0], "город") || !strcmp(win.w[0], "г")))
            continue;
        if (++win.n == WINDOW) { extra = 1; break; }
    }
    if (extra || win.n == 0)
        return NULL;
    word_refs refs = refs_of(&win);
    for (size_t i = 0; i < table.count; i++)
        for (int v = 0; v < table.regions[i].n_variants; v++)
            if (pattern_match_refs(&table.regions[i].variants[v], &refs) == win.n)
                return &table.regions[i].pub;
    /* the distinctive words alone, "Ставропольский", "Марий Эл", or glued "Хантымансийский" */
    word_window glued = { .n = 1 };
    size_t gl = 0;
    for (int k = 0; k < win.n; k++)
        if (gl + win.len[k] < NORM_CAP) { memcpy(glued.w[0] + gl, win.w[k], win.len[k]); gl += win.len[k]; }
    glued.w[0][gl] = 0;
    glued.len[0] = gl;
    for (size_t i = 0; i < table.count; i++)
        for (int v = 0; v < table.regions[i].n_variants; v++)
            if (distinctive_match(&table.regions[i].variants[v], &win) ||
                distinctive_match(&table.regions[i].variants[v], &glued))
                return &table.regions[i].pub;
    return NULL;
}

/* Scanning a strategy: the title and section 1 name the region many times; other regions
 * appear too (neighbours, "город Москва" in addresses), so the most frequent wins and ties
 * go to the one named first.  Only the first SCAN_LIMIT bytes are read. */
#define SCAN_LIMIT (256u * 1024u)

const poisk_region *poisk_region_find_in_text(const char *text, size_t len)
{
    table_init();
    if (!text || !len)
        return NULL;
    if (len > SCAN_LIMIT)
        len = SCAN_LIMIT;
    unsigned counts[MAX_REGIONS] = { 0 };
    size_t first[MAX_REGIONS];
    for (size_t i = 0; i < MAX_REGIONS; i++) first[i] = SIZE_MAX;
    char slot[WINDOW][NORM_CAP];
    char *free_slot[WINDOW];             /* the slots not in the window */
    int n_free = WINDOW;
    for (int k = 0; k < WINDOW; k++) free_slot[k] = slot[k];
    word_refs win = { .n = 0 };
    size_t pos = 0, ordinal = 0;
    int at_end = 0;
    for (;;) {
        while (!at_end && win.n < WINDOW) {
            char *w = free_slot[n_free - 1];
            if (next_word(text, len, &pos, w, NORM_CAP, &win.len[win.n])) {
                win.w[win.n++] = w;
                n_free--;
            } else {
                at_end = 1;
            }
        }
        if (win.n == 0)
            break;
        int consumed = 1;
        /* (a word shorter than a key can only match a stem shorter than a key) */
        int shrt = win.len[0] < KEY_BYTES;
        size_t b = shrt ? 0 : bucket_of(win.w[0]);
        const unsigned char *cand = shrt ? table.short_list : table.bucket[b];
        size_t nc = shrt ? table.short_n : table.bucket_n[b];
        for (size_t c = 0; c < nc; c++) {
            size_t i = cand[c];
            int m = 0;
            for (int v = 0; v < table.regions[i].n_variants && !m; v++)
                m = pattern_match_refs(&table.regions[i].variants[v], &win);
            if (m) {
                counts[i]++;
                if (first[i] == SIZE_MAX) first[i] = ordinal;
                consumed = m;
                break;
            }
        }
        /* shift the window: the consumed words' slots become free */
        for (int k = 0; k < consumed; k++)
            free_slot[n_free++] = (char *)win.w[k];
        for (int k = consumed; k < win.n; k++) {
            win.w[k - consumed] = win.w[k];
            win.len[k - consumed] = win.len[k];
        }
        win.n -= consumed;
        ordinal++;
    }
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < table.count; i++) {
        if (!counts[i]) continue;
        if (best == SIZE_MAX || counts[i] > counts[best] ||
            (counts[i] == counts[best] && first[i] < first[best]))
            best = i;
    }
    return best == SIZE_MAX ? NULL : &table.regions[best].pub;
}
