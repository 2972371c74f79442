/* test_structure.c: the document model on the five seeds (indexer/structure.c), on copies
 * re-exported differently, and on damaged documents.  Expected offsets, sector lists and
 * TOC positions are the measured facts of docs/CORPUS.md. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_rng.h"
#include "test_util.h"
#include "structure.h"
#include "structure_token.h"
#include "input.h"

typedef struct seed {
    const char *file, *region;
    size_t toc;                  /* byte of the TOC heading */
    size_t sec[8];               /* byte of the section digit, real heading */
    const char *sectors[12];
} seed;

static const seed seeds[5] = {
    { "corpus/000_6d545a6ce98a1d7f.txt", "stavropol", 3,
      { 1485, 11311, 22044, 24154, 57726, 106920, 199768, 243831 },
      { "edu", "health", "urban", "transport", "gov", "social", "industry", "finance" } },
    { "corpus/001_3861efe6e14c2db8.txt", "tambov", 6,
      { 1561, 12643, 18250, 23253, 55953, 104041, 215921, 280502 },
      { "edu", "health", "urban", "transport", "gov", "social", "security", "industry", "ecology" } },
    { "corpus/002_9b4cadca6ea1cf96.txt", "orenburg", 3,
      { 1451, 6925, 14370, 23623, 60818, 152485, 292236, 362338 },
      { "edu", "health", "urban", "transport", "gov", "social", "agri", "industry" } },
    { "corpus/003_1226d5db7793b8dd.txt", "khabarovsk", 488,
      { 1944, 10892, 17938, 23224, 46386, 90399, 192773, 248342 },
      { "edu", "health", "urban", "transport", "gov", "social" } },
    { "corpus/004_c48ce2c96f8ff17a.txt", "kaluga", 3,
      { 1533, 9298, 19654, 22110, 76536, 152452, 301792, 368348 },
      { "edu", "health", "urban", "transport", "gov", "social", "ecology", "sport", "tourism",
        "construction", "industry" } },
};

/* ---- helpers -------------------------------------------------------------------------- */

/* white space for the invariant: ASCII, NBSP, BOM */
static size_t space_len(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') return 1;
    if (i + 1 < len && s[i] == 0xC2 && s[i + 1] == 0xA0) return 2;
    if (i + 2 < len && s[i] == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF) return 3;
    return 0;
}

/* words: runs of Cyrillic/ASCII letters or digits (soft hyphens inside do not split) */
static size_t count_words(const char *t, size_t n)
{
    const unsigned char *s = (const unsigned char *)t;
    size_t w = 0;
    int in = 0;
    for (size_t i = 0; i < n;) {
        int alnum = 0, joiner = 0, step = 1;
        if (s[i] < 0x80) alnum = (s[i] >= '0' && s[i] <= '9') || ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z');
        else if ((s[i] == 0xD0 || s[i] == 0xD1) && i + 1 < n) { alnum = 1; step = 2; }
        else if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0xAD) { joiner = 1; step = 2; }
        else if ((s[i] & 0xE0) == 0xC0) step = 2;
        else if ((s[i] & 0xF0) == 0xE0) step = 3;
        if (alnum && !in) w++;
        if (!joiner) in = alnum;
        i += (size_t)step;
    }
    return w;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* A text with a map from original to new byte offsets (for re-exported copies). */
typedef struct mapped {
    char *text;
    size_t len;
    size_t *map;                 /* map[i]: new offset of original byte i */
} mapped;

static mapped identity(const char *text, size_t len)
{
    mapped m = { malloc(len + 1), len, malloc((len + 1) * sizeof(size_t)) };
    memcpy(m.text, text, len + 1);
    for (size_t i = 0; i <= len; i++) m.map[i] = i;
    return m;
}

static void mapped_free(mapped *m) { free(m->text); free(m->map); }

/* Rewrite m byte by byte: fn returns how many input bytes it consumed and appends output. */
typedef size_t (*rewrite_fn)(const unsigned char *s, size_t len, size_t i, char *out, size_t *o,
                             size_t *state);

static void rewrite(mapped *m, rewrite_fn fn)
{
    char *out = malloc(m->len * 2 + 16);
    size_t *pos = malloc((m->len + 1) * sizeof *pos);  /* old offset -> new offset */
    size_t o = 0, state = 0;
    for (size_t i = 0; i < m->len;) {
        size_t before = o;
        size_t consumed = fn((const unsigned char *)m->text, m->len, i, out, &o, &state);
        cr_assert(consumed > 0);
        /* a BOM written before byte 0 belongs to nothing: byte 0 maps past it */
        if (i == 0 && o > before && consumed == 1 && o - before > 1 && !memcmp(out + before, "\xEF\xBB\xBF", 3))
            before += 3;
        for (size_t k = 0; k < consumed; k++) pos[i + k] = before;
        i += consumed;
    }
    pos[m->len] = o;
    for (size_t i = 0; i <= m->len; i++) m->map[i] = pos[m->map[i]];
    out[o] = 0;
    free(m->text);
    free(pos);
    m->text = out;
    m->len = o;
}

static size_t rw_crlf(const unsigned char *s, size_t len, size_t i, char *out, size_t *o, size_t *st)
{
    (void)len;
    if (*st == 0) { memcpy(out + *o, "\xEF\xBB\xBF", 3); *o += 3; *st = 1; }
    if (s[i] == '\n') { out[(*o)++] = '\r'; out[(*o)++] = '\n'; return 1; }
    out[(*o)++] = (char)s[i];
    return 1;
}

static int cyr(const unsigned char *s, size_t len, size_t i)
{
    return i + 1 < len && (s[i] == 0xD0 || s[i] == 0xD1);
}

/* NBSP for every 4th space between letters; a soft hyphen after the 3rd letter of every
 * 5th word of 8+ letters. */
static size_t rw_nbsp(const unsigned char *s, size_t len, size_t i, char *out, size_t *o, size_t *st)
{
    if (s[i] == ' ' && i > 1 && cyr(s, len, i + 1) && (s[i - 1] & 0x80)) {
        if (++*st % 4 == 0) { memcpy(out + *o, "\xC2\xA0", 2); *o += 2; return 1; }
    }
    if (cyr(s, len, i) && (i < 2 || !cyr(s, len, i - 2)) && i + 16 <= len) {
        size_t k = i;
        while (k < len && cyr(s, len, k)) k += 2;
        if (k - i >= 16 && (*st += 1000) % 5000 == 0) {
            memcpy(out + *o, s + i, 6); *o += 6;
            memcpy(out + *o, "\xC2\xAD", 2); *o += 2;
            return 6;
        }
    }
    out[(*o)++] = (char)s[i];
    return 1;
}

/* «» -> “”, " - " -> " — " */
static size_t rw_typo(const unsigned char *s, size_t len, size_t i, char *out, size_t *o, size_t *st)
{
    (void)st;
    if (i + 1 < len && s[i] == 0xC2 && s[i + 1] == 0xAB) { memcpy(out + *o, "\xE2\x80\x9C", 3); *o += 3; return 2; }
    if (i + 1 < len && s[i] == 0xC2 && s[i + 1] == 0xBB) { memcpy(out + *o, "\xE2\x80\x9D", 3); *o += 3; return 2; }
    if (s[i] == '-' && i > 0 && s[i - 1] == ' ' && i + 1 < len && s[i + 1] == ' ') {
        memcpy(out + *o, "\xE2\x80\x94", 3); *o += 3; return 1;
    }
    out[(*o)++] = (char)s[i];
    return 1;
}

/* flatten the way 000-002 and 004 were: one line, . , ; : ( ) - deleted */
static size_t rw_flat(const unsigned char *s, size_t len, size_t i, char *out, size_t *o, size_t *st)
{
    (void)len; (void)st;
    if (s[i] == '\n') { out[(*o)++] = ' '; return 1; }
    if (strchr(".,;:()-", s[i]) && s[i]) return 1;
    out[(*o)++] = (char)s[i];
    return 1;
}

/* ---- the assertions of issue 4 -------------------------------------------------------- */

static const poisk_span *find_span(const poisk_document *d, poisk_span_kind kind, int section, size_t i0)
{
    for (size_t i = i0; i < poisk_document_span_count(d); i++) {
        const poisk_span *s = poisk_document_span(d, i);
        if (s->kind == kind && (section < 0 || (int)s->section == section)) return s;
    }
    return NULL;
}

/* The invariants every parse must satisfy, whatever the document. */
static void check_invariants(const poisk_document *d, const char *text, size_t len, const char *path,
                             int whole_seed)
{
    const unsigned char *s = (const unsigned char *)text;
    unsigned char *boiler = calloc(len + 1, 1), *toc = calloc(len + 1, 1), *cover = calloc(len + 1, 1);
    size_t boiler_bytes = 0;
    for (size_t i = 0; i < poisk_document_span_count(d); i++) {
        const poisk_span *sp = poisk_document_span(d, i);
        cr_assert(sp->byte_start <= sp->byte_end && sp->byte_end <= len);
        if (sp->kind == POISK_SPAN_BOILERPLATE) {
            boiler_bytes += sp->byte_end - sp->byte_start;
            memset(boiler + sp->byte_start, 1, sp->byte_end - sp->byte_start);
        } else if (sp->kind == POISK_SPAN_TOC) {
            memset(toc + sp->byte_start, 1, sp->byte_end - sp->byte_start);
        }
    }
    if (whole_seed)   /* a 40 KB excerpt of a table section may hold more headers */
        cr_assert(boiler_bytes * 100 < len * 15, "%s: boilerplate %zu of %zu bytes", path, boiler_bytes, len);
    size_t prev_end = 0;
    for (size_t i = 0; i < poisk_document_passage_count(d); i++) {
        const poisk_passage *p = poisk_document_passage(d, i);
        cr_assert(p->byte_start < p->byte_end && p->byte_end <= len);
        cr_assert(p->byte_start >= prev_end, "%s: passages overlap at %llu", path, (unsigned long long)p->byte_start);
        prev_end = p->byte_end;
        char id[4096];
        snprintf(id, sizeof id, "%s:%llu", path, (unsigned long long)p->byte_start);
        cr_assert_str_eq(p->id, id);
        cr_assert_str_eq(p->region, poisk_document_region(d));
        /* the text is the source range minus boilerplate: same non-space bytes */
        size_t ti = 0;
        for (size_t b = p->byte_start; b < p->byte_end; b++) {
            if (boiler[b]) continue;
            cover[b]++;
            size_t sl = space_len(s, len, b);
            if (sl) { b += sl - 1; continue; }
            while (ti < p->text_len && space_len((const unsigned char *)p->text, p->text_len, ti))
                ti += space_len((const unsigned char *)p->text, p->text_len, ti);
            cr_assert(ti < p->text_len && p->text[ti] == text[b], "%s: text of passage %zu differs at byte %zu", path, i, b);
            ti++;
        }
        /* never across a section or sector boundary */
        const poisk_span *sec = NULL;
        for (size_t k = 0; k < poisk_document_span_count(d); k++) {
            const poisk_span *sp = poisk_document_span(d, k);
            if (sp->kind == POISK_SPAN_SECTION && sp->byte_start <= p->byte_start && p->byte_start < sp->byte_end) sec = sp;
            if (sp->kind == POISK_SPAN_SECTOR && sp->byte_start < p->byte_end && p->byte_start < sp->byte_end) {
                /* a section's bare heading before its first sector joins that sector's first
                 * passage: the only passage that may start before its sector */
                int heading = 0;
                for (size_t h = 0; h < poisk_document_span_count(d); h++) {
                    const poisk_span *hs = poisk_document_span(d, h);
                    if (hs->kind == POISK_SPAN_SECTION && hs->byte_start == p->byte_start && hs->byte_end > sp->byte_start) {
                        heading = 1;
                        for (size_t o = 0; o < poisk_document_span_count(d); o++) {
                            const poisk_span *os = poisk_document_span(d, o);
                            if (os->kind == POISK_SPAN_SECTOR && os->byte_start >= hs->byte_start && os->byte_start < sp->byte_start)
                                heading = 0;          /* not the section's first sector */
                        }
                        char *h = malloc(sp->byte_start - p->byte_start + 1);
                        size_t hl = 0;
                        for (size_t b = p->byte_start; b < sp->byte_start; b++)
                            h[hl++] = boiler[b] ? ' ' : text[b];      /* table headers do not count */
                        cr_assert(count_words(h, hl) < 15,
                                  "%s: passage %zu: more than a heading before sector %s", path, i, sp->sector);
                        free(h);
                    }
                }
                cr_assert(p->sector && !strcmp(p->sector, sp->sector) && (heading || sp->byte_start <= p->byte_start) &&
                          p->byte_end <= sp->byte_end, "%s: passage %zu crosses sector %s", path, i, sp->sector);
            }
        }
        cr_assert(sec, "%s: passage %zu outside every section", path, i);
        cr_assert_eq((int)sec->section, (int)p->section);
        cr_assert(p->byte_end <= sec->byte_end, "%s: passage %zu crosses a section end", path, i);
    }
    /* no text lost: every content byte is in exactly one passage, or boilerplate, or TOC */
    for (size_t b = 0; b < len; b++) {
        size_t sl = space_len(s, len, b);
        if (sl) { b += sl - 1; continue; }
        if ((s[b] & 0xC0) == 0x80) continue;
        if (toc[b]) cr_assert_eq(cover[b], 0, "%s: TOC byte %zu in a passage", path, b);
        else if (!boiler[b]) cr_assert_eq(cover[b], 1, "%s: byte %zu in %d passages", path, b, cover[b]);
    }
    free(boiler); free(toc); free(cover);
}

static void check_seed(const seed *sd, const mapped *m, const char *path)
{
    poisk_document *d;
    poisk_error err;
    cr_assert_eq(poisk_document_parse(path, m->text, m->len, &d, &err), POISK_OK, "%s", err.message);
    cr_assert_str_eq(poisk_document_region(d), sd->region, "%s", path);
    for (int k = 0; k < 8; k++) {
        const poisk_span *s = find_span(d, POISK_SPAN_SECTION, k, 0);
        cr_assert(s, "%s: section %d missing", path, k + 1);
        cr_assert_eq(s->byte_start, m->map[sd->sec[k]], "%s: section %d at %llu, expected %zu", path,
                     k + 1, (unsigned long long)s->byte_start, m->map[sd->sec[k]]);
    }
    const poisk_span *toc = find_span(d, POISK_SPAN_TOC, -1, 0);
    cr_assert(toc, "%s: no TOC", path);
    cr_assert_eq(toc->byte_start, m->map[sd->toc], "%s: TOC at %llu", path, (unsigned long long)toc->byte_start);
    cr_assert_eq(toc->byte_end, m->map[sd->sec[0]]);
    for (int sec = POISK_SECTION_PROBLEMY; sec <= POISK_SECTION_POKAZATELI; sec++) {
        int k = 0;
        const poisk_span *ss = find_span(d, POISK_SPAN_SECTION, sec, 0);
        for (size_t i = 0; i < poisk_document_span_count(d); i++) {
            const poisk_span *s = poisk_document_span(d, i);
            if (s->kind != POISK_SPAN_SECTOR || (int)s->section != sec) continue;
            cr_assert(sd->sectors[k], "%s: false sector %s in section %d", path, s->sector, sec + 1);
            cr_assert_str_eq(s->sector, sd->sectors[k], "%s: section %d sector %d", path, sec + 1, k + 1);
            cr_assert(s->byte_start > ss->byte_start && s->byte_end <= ss->byte_end);
            /* a heading starts with its printed number */
            cr_assert(m->text[s->byte_start] >= '0' && m->text[s->byte_start] <= '9');
            k++;
        }
        cr_assert_null(sd->sectors[k], "%s: section %d: sector %s not found", path, sec + 1, sd->sectors[k]);
    }
    size_t n = poisk_document_passage_count(d);
    cr_assert(n >= 120 && n <= 350, "%s: %zu passages", path, n);
    size_t *words = malloc(n * sizeof *words);
    for (size_t i = 0; i < n; i++) {
        const poisk_passage *p = poisk_document_passage(d, i);
        words[i] = count_words(p->text, p->text_len);
    }
    /* no passage is a bare heading: a passage under 15 words is a whole section (the
     * empty appendix "9 Приложения") */
    for (size_t i = 0; i < n; i++) {
        if (words[i] >= 15) continue;
        const poisk_passage *p = poisk_document_passage(d, i);
        const poisk_span *sec = find_span(d, POISK_SPAN_SECTION, (int)p->section, 0);
        cr_assert(sec && sec->byte_start == p->byte_start &&
                  (i + 1 == n || poisk_document_passage(d, i + 1)->byte_start >= sec->byte_end),
                  "%s: passage at %llu has %zu words", path, (unsigned long long)p->byte_start, words[i]);
    }
    qsort(words, n, sizeof *words, cmp_size);
    cr_assert(words[n / 2] >= 40 && words[n / 2] <= 130, "%s: median %zu words", path, words[n / 2]);
    cr_assert(words[n - 1] <= 230, "%s: a passage of %zu words", path, words[n - 1]);
    free(words);
    check_invariants(d, m->text, m->len, path, 1);
    poisk_document_free(d);
}

static mapped load_seed(int i)
{
    size_t len = 0;
    char *t = tu_read_file(seeds[i].file, &len);
    cr_assert(t, "cannot read %s (run from the repository root)", seeds[i].file);
    mapped m = identity(t, len);
    free(t);
    return m;
}

/* ---- tests ---------------------------------------------------------------------------- */

Test(structure, seeds_sections_sectors_region_passages_invariant)
{
    for (int i = 0; i < 5; i++) {
        mapped m = load_seed(i);
        check_seed(&seeds[i], &m, seeds[i].file);
        mapped_free(&m);
    }
}

Test(structure, seed_metadata_subsections_pages_projects_appendix)
{
    mapped m = load_seed(3);
    poisk_document *d;
    cr_assert_eq(poisk_document_parse("x", m.text, m.len, &d, NULL), POISK_OK);
    int subs[9] = { 0 }, pages = 0, projects = 0;
    for (size_t i = 0; i < poisk_document_passage_count(d); i++) {
        const poisk_passage *p = poisk_document_passage(d, i);
        if (p->subsection) subs[(p->subsection[0] - '0')] |= 1 << (p->subsection[2] - '0');
        if (p->n_pages) { pages++; cr_assert(p->pages[0] >= 1 && p->pages[0] < 200); }
        if (p->project) projects++;
        if (p->subsection) cr_assert(strchr("138", p->subsection[0]));
        if (p->sector) cr_assert(p->section >= POISK_SECTION_PROBLEMY && p->section <= POISK_SECTION_POKAZATELI);
    }
    cr_assert_eq(subs[1], 0xE);      /* 1.1 1.2 1.3 */
    cr_assert_eq(subs[3], 0x6);
    cr_assert_eq(subs[8], 0x6);
    cr_assert(pages > 200, "%d passages with pages", pages);
    cr_assert(projects > 30);
    const poisk_span *app = find_span(d, POISK_SPAN_SECTION, POISK_SECTION_PRILOZHENIE, 0);
    cr_assert(app);
    cr_assert_eq(app->byte_start, 252486);
    poisk_document_free(d);
    mapped_free(&m);
}

Test(structure, reexported_copies_under_opaque_names)
{
    char dir[] = "/tmp/poisk_struct_XXXXXX";
    cr_assert(mkdtemp(dir));
    for (int i = 0; i < 5; i++) {
        for (int variant = 0; variant < 4; variant++) {
            if (variant == 3 && i != 3) continue;
            mapped m = load_seed(i);
            if (variant == 0) rewrite(&m, rw_crlf);
            if (variant == 1) rewrite(&m, rw_nbsp);
            if (variant == 2) rewrite(&m, rw_typo);
            if (variant == 3) rewrite(&m, rw_flat);
            char path[256];
            snprintf(path, sizeof path, "%s/q%dz%d.txt", dir, variant * 7 + 3, (i * 31) % 17);
            FILE *f = fopen(path, "wb");
            cr_assert(f);
            fwrite(m.text, 1, m.len, f);
            fclose(f);
            char *buf = NULL;
            size_t len = 0;
            cr_assert_eq(poisk_input_read(path, &buf, &len, NULL), POISK_OK);
            cr_assert_eq(len, m.len);
            mapped r = { buf, len, m.map };
            check_seed(&seeds[i], &r, path);
            free(buf);
            unlink(path);
            mapped_free(&m);
        }
    }
    rmdir(dir);
}

static mapped cut_join(const mapped *src, const size_t *ranges, int n)
{
    mapped m = { malloc(src->len + 1), 0, malloc((src->len + 1) * sizeof(size_t)) };
    for (size_t i = 0; i <= src->len; i++) m.map[i] = (size_t)-1;
    for (int r = 0; r < n; r++) {
        for (size_t b = ranges[2 * r]; b < ranges[2 * r + 1]; b++) {
            m.map[b] = m.len;
            m.text[m.len++] = src->text[b];
        }
    }
    m.text[m.len] = 0;
    return m;
}

Test(structure, missing_section)
{
    mapped s = load_seed(2);
    const size_t *o = seeds[2].sec;
    size_t ranges[] = { 0, o[4], o[5], s.len };           /* section 5 cut out */
    mapped m = cut_join(&s, ranges, 2);
    poisk_document *d;
    cr_assert_eq(poisk_document_parse("m.txt", m.text, m.len, &d, NULL), POISK_OK);
    for (int k = 0; k < 8; k++) {
        const poisk_span *sp = find_span(d, POISK_SPAN_SECTION, k, 0);
        if (k == 4) { cr_assert_null(sp, "section 5 found though it was cut"); continue; }
        cr_assert(sp);
        cr_assert_eq(sp->byte_start, m.map[o[k]]);
    }
    cr_assert_str_eq(poisk_document_region(d), "orenburg");
    check_invariants(d, m.text, m.len, "m.txt", 1);
    poisk_document_free(d);
    mapped_free(&m);
    mapped_free(&s);
}

Test(structure, sections_out_of_order)
{
    mapped s = load_seed(1);
    const size_t *o = seeds[1].sec;
    size_t ranges[] = { 0, o[2], o[3], o[4], o[2], o[3], o[4], s.len };   /* 1 2 4 3 5 ... */
    mapped m = cut_join(&s, ranges, 4);
    poisk_document *d;
    cr_assert_eq(poisk_document_parse("o.txt", m.text, m.len, &d, NULL), POISK_OK);
    for (int k = 0; k < 8; k++) {
        const poisk_span *sp = find_span(d, POISK_SPAN_SECTION, k, 0);
        cr_assert(sp, "section %d", k + 1);
        cr_assert_eq(sp->byte_start, m.map[o[k]], "section %d", k + 1);
    }
    int sectors4 = 0;
    for (size_t i = 0; i < poisk_document_span_count(d); i++) {
        const poisk_span *sp = poisk_document_span(d, i);
        if (sp->kind == POISK_SPAN_SECTOR && sp->section == POISK_SECTION_PROBLEMY) sectors4++;
    }
    cr_assert_eq(sectors4, 9);
    check_invariants(d, m.text, m.len, "o.txt", 1);
    poisk_document_free(d);
    mapped_free(&m);
    mapped_free(&s);
}

Test(structure, no_sections_is_one_other_section)
{
    mapped s = load_seed(4);
    size_t a = 160000, b = 200000;
    while (s.text[a] != ' ') a++;
    while (s.text[b] != ' ') b++;
    size_t ranges[] = { a, b };
    mapped m = cut_join(&s, ranges, 1);
    poisk_document *d;
    cr_assert_eq(poisk_document_parse("n.txt", m.text, m.len, &d, NULL), POISK_OK);
    int sections = 0;
    for (size_t i = 0; i < poisk_document_span_count(d); i++) {
        const poisk_span *sp = poisk_document_span(d, i);
        cr_assert_neq(sp->kind, POISK_SPAN_TOC);
        if (sp->kind == POISK_SPAN_SECTION) {
            sections++;
            cr_assert_eq(sp->section, POISK_SECTION_OTHER);
            cr_assert_eq(sp->byte_start, 0);
            cr_assert_eq(sp->byte_end, m.len);
        }
    }
    cr_assert_eq(sections, 1);
    cr_assert(poisk_document_passage_count(d) >= 8, "%zu passages", poisk_document_passage_count(d));
    for (size_t i = 0; i < poisk_document_passage_count(d); i++)
        cr_assert_eq(poisk_document_passage(d, i)->section, POISK_SECTION_OTHER);
    cr_assert_str_eq(poisk_document_region(d), "kaluga");
    check_invariants(d, m.text, m.len, "n.txt", 0);
    poisk_document_free(d);
    mapped_free(&m);
    mapped_free(&s);
}

Test(structure, empty_and_regionless_texts)
{
    poisk_document *d;
    cr_assert_eq(poisk_document_parse("e.txt", "", 0, &d, NULL), POISK_OK);
    cr_assert_eq(poisk_document_passage_count(d), 0);
    cr_assert_str_eq(poisk_document_region(d), "unknown");
    poisk_document_free(d);
    const char *t = "Проекты цифровой трансформации отраслей экономики и социальной сферы.";
    cr_assert_eq(poisk_document_parse("r.txt", t, strlen(t), &d, NULL), POISK_OK);
    cr_assert_eq(poisk_document_passage_count(d), 1);
    cr_assert_str_eq(poisk_document_region(d), "unknown");
    cr_assert_eq(poisk_document_warning_count(d), 1);
    cr_assert(strstr(poisk_document_warning(d, 0), "r.txt"));
    cr_assert(strstr(poisk_document_warning(d, 0), "unknown"));
    poisk_document_free(d);
}

/* ---- printed page numbers ------------------------------------------------------------ */

/* Read by hand in each seed: the byte offset of the printed number of consecutive pages
 * first, first+1, ... (a page starts at its number). */
typedef struct page_truth { int seed; long first; size_t n; size_t at[12]; } page_truth;
static const page_truth page_truths[5] = {
    { 0, 10, 10, { 24151, 28094, 32333, 36515, 40517, 44774, 48504, 52739, 56514, 57723 } },
    { 1, 10, 11, { 23250, 26344, 29835, 33449, 36933, 40264, 43164, 47038, 50287, 52963, 55950 } },
    { 2, 10, 11, { 18399, 22691, 23620, 26724, 30007, 33420, 37512, 41186, 44900, 49550, 53385 } },
    { 3, 2, 10, { 485, 1941, 6366, 10889, 15164, 17935, 22510, 23221, 27352, 31717 } },
    { 4, 10, 11, { 19651, 22107, 25537, 30342, 34731, 38511, 42535, 46660, 50925, 54867, 59119 } },
};

/* The page of sections 4-8 as the TOC of 000, 001 and 004 prints it (0: the seed's TOC
 * has no page numbers). */
static const long toc_pages[5][5] = {
    { 10, 19, 38, 93, 127 }, { 10, 20, 41, 103, 139 }, { 0 }, { 0 }, { 11, 25, 58, 145, 194 },
};

static long truth_page(const page_truth *pt, size_t b)
{
    long v = -1;
    for (size_t k = 0; k < pt->n; k++)
        if (pt->at[k] <= b) v = pt->first + (long)k;
    return v;
}

Test(structure, page_numbers_exact_on_every_seed)
{
    for (int s = 0; s < 5; s++) {
        const page_truth *pt = &page_truths[s];
        mapped m = load_seed(s);
        poisk_document *d;
        cr_assert_eq(poisk_document_parse("p.txt", m.text, m.len, &d, NULL), POISK_OK);
        size_t checked = 0;
        for (size_t i = 0; i < poisk_document_passage_count(d); i++) {
            const poisk_passage *p = poisk_document_passage(d, i);
            if (p->byte_start < pt->at[0] || p->byte_end > pt->at[pt->n - 1]) continue;
            long first = truth_page(pt, p->byte_start), last = truth_page(pt, p->byte_end - 1);
            cr_assert_eq(p->n_pages, (size_t)(last - first + 1), "seed %d passage at %llu: %zu pages, expected %ld-%ld",
                         s, (unsigned long long)p->byte_start, p->n_pages, first, last);
            for (size_t k = 0; k < p->n_pages; k++)
                cr_assert_eq((long)p->pages[k], first + (long)k, "seed %d passage at %llu: page %u, expected %ld",
                             s, (unsigned long long)p->byte_start, p->pages[k], first + (long)k);
            checked++;
        }
        cr_assert(checked >= 8, "seed %d: only %zu passages inside the judged pages", s, checked);
        /* section starts on the pages the TOC names */
        for (int k = 0; k < 5 && toc_pages[s][0]; k++) {
            size_t at = seeds[s].sec[k + 3];
            int found = 0;
            for (size_t i = 0; i < poisk_document_passage_count(d); i++) {
                const poisk_passage *p = poisk_document_passage(d, i);
                if (p->byte_start != at) continue;
                cr_assert(p->n_pages >= 1, "seed %d section %d: no page", s, k + 4);
                cr_assert_eq((long)p->pages[0], toc_pages[s][k], "seed %d section %d on page %u, TOC says %ld",
                             s, k + 4, p->pages[0], toc_pages[s][k]);
                found = 1;
            }
            cr_assert(found, "seed %d: no passage starts section %d", s, k + 4);
        }
        /* numbered list items before the first printed page are not pages: no page there */
        if (s != 3)
            for (size_t i = 0; i < poisk_document_passage_count(d); i++) {
                const poisk_passage *p = poisk_document_passage(d, i);
                if (p->byte_end < pt->at[0] - 6000)
                    cr_assert_eq(p->n_pages, 0, "seed %d passage at %llu has page %u before the first printed page",
                                 s, (unsigned long long)p->byte_start, p->n_pages ? p->pages[0] : 0);
            }
        poisk_document_free(d);
        mapped_free(&m);
    }
}

Test(structure, page_numbers_survive_reexport)
{
    /* 003 flattened to one line: the page numbers lose their own lines and must still be
     * found by the sequence alone */
    mapped m = load_seed(3);
    rewrite(&m, rw_flat);
    const page_truth *pt = &page_truths[3];
    poisk_document *d;
    cr_assert_eq(poisk_document_parse("f.txt", m.text, m.len, &d, NULL), POISK_OK);
    size_t checked = 0;
    for (size_t i = 0; i < poisk_document_passage_count(d); i++) {
        const poisk_passage *p = poisk_document_passage(d, i);
        size_t a = (size_t)-1, b = (size_t)-1;
        for (size_t o = 0; o <= seeds[3].sec[3] + 10000 && o < 260000; o++) {   /* new -> old offsets */
            if (m.map[o] == p->byte_start && a == (size_t)-1) a = o;
            if (m.map[o] == p->byte_end) { b = o; break; }
        }
        if (a == (size_t)-1 || b == (size_t)-1 || a < pt->at[1] || b > pt->at[pt->n - 1]) continue;
        long first = truth_page(pt, a), last = truth_page(pt, b - 1);
        cr_assert(p->n_pages >= 1, "flattened 003 passage at %zu: no pages", a);
        cr_assert_eq((long)p->pages[0], first, "flattened 003 passage at %zu: page %u, expected %ld", a, p->pages[0], first);
        cr_assert_eq((long)p->pages[p->n_pages - 1], last);
        checked++;
    }
    cr_assert(checked >= 5, "%zu passages checked", checked);
    poisk_document_free(d);
    mapped_free(&m);
}

/* ---- projects ------------------------------------------------------------------------ */

/* Regional rows of 001 and 004 with neither a row number nor "рекомендовано ФОИ": only the
 * lexicon of names (data/projects.txt) delimits them.  Each: the project as the lexicon spells
 * it and words the row's first passage must contain. */
static const struct { int seed; const char *project, *words; } known_projects[] = {
    { 1, "Новый умный дом", "Новый умный дом" },
    { 1, "Электронный документооборот", "Электронный документооборот" },
    { 1, "Платформа региональной контрольно-надзорной деятельности в сфере экологии", "Платформа региональной" },
    { 1, "Инициатива «Достижение цифровой зрелости в сфере общественного транспорта", "Достижение цифровой зрелости" },
    { 4, "Новый умный дом", "Новый умный дом" },
    { 4, "Система управления региональными ООПТ", "Система управления региональными ООПТ" },
    { 4, "Цифровизация процесса оказания финансовой помощи населению, пострадавшему в результате "
         "чрезвычайных ситуаций", "Цифровизация процесса оказания" },
    { 4, "Инициатива «Цифровое управление транспортным комплексом РФ»", "Цифровое управление транспортным" },
};

Test(structure, projects_in_sections_5_to_7)
{
    for (int s = 0; s < 5; s++) {
        mapped m = load_seed(s);
        poisk_document *d;
        cr_assert_eq(poisk_document_parse("j.txt", m.text, m.len, &d, NULL), POISK_OK);
        size_t n6 = 0, with = 0, named = 0;
        for (size_t i = 0; i < poisk_document_passage_count(d); i++) {
            const poisk_passage *p = poisk_document_passage(d, i);
            if (p->project) cr_assert(p->section >= POISK_SECTION_VZAIMOSVYAZ && p->section <= POISK_SECTION_POKAZATELI);
            if (p->section != POISK_SECTION_PROEKTY) continue;
            n6++;
            if (p->project) with++;
            if (p->project && !(p->project[0] >= '0' && p->project[0] <= '9')) named++;
        }
        /* every §6 passage after a sector's first row belongs to a row: only the sector
         * headings before a table may lack a project */
        cr_assert(with * 100 >= n6 * 90, "seed %d: %zu of %zu §6 passages with a project", s, with, n6);
        cr_assert(named * 100 >= n6 * 40, "seed %d: %zu of %zu §6 passages with a named project", s, named, n6);
        for (size_t k = 0; k < sizeof known_projects / sizeof *known_projects; k++) {
            if (known_projects[k].seed != s) continue;
            int found = 0;
            for (size_t i = 0; i < poisk_document_passage_count(d) && !found; i++) {
                const poisk_passage *p = poisk_document_passage(d, i);
                if ((p->section != POISK_SECTION_PROEKTY && p->section != POISK_SECTION_POKAZATELI) ||
                    !p->project || strcmp(p->project, known_projects[k].project))
                    continue;
                found = 1;
                cr_assert(memmem(p->text, p->text_len, known_projects[k].words, strlen(known_projects[k].words)),
                          "seed %d: the first passage of %s does not name it", s, known_projects[k].project);
            }
            cr_assert(found, "seed %d: project %s not found in sections 6-7", s, known_projects[k].project);
        }
        poisk_document_free(d);
        mapped_free(&m);
    }
}

/* ---- the 50 MB single-line file ------------------------------------------------------- */

Test(structure, fifty_megabytes_single_line_bounded_memory, .timeout = 120)
{
    char dir[] = "/tmp/poisk_big_XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[256], out[256];
    snprintf(path, sizeof path, "%s/big.txt", dir);
    snprintf(out, sizeof out, "%s/out.jsonl", dir);
    FILE *f = fopen(path, "wb");
    size_t total = 0, target = 50u << 20;
    for (int round = 0; total < target; round++) {
        mapped m = load_seed(round % 5);
        if (round % 5 == 3) rewrite(&m, rw_flat);
        fwrite(m.text, 1, m.len, f);
        fputc(' ', f);
        total += m.len + 1;
        mapped_free(&m);
    }
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(out, "w", stdout)) _exit(99);
        execl(tu_bin("indexer"), "indexer", "-q", "--dump-structure", path, (char *)NULL);
        _exit(98);
    }
    int status;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &status, 0, &ru), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    size_t rss = (size_t)ru.ru_maxrss * 1024;
#if defined(__SANITIZE_ADDRESS__)
    size_t bound = 12 * total;
#else
    /* the file itself, 8 bytes per token (~0.46 x the file for Russian text) and a few MB
     * of process: measured 85 MB for 52.7 MB */
    size_t bound = total * 17 / 10 + (8u << 20);
#endif
    cr_assert(rss < bound, "peak memory %zu MB for a %zu MB file", rss >> 20, total >> 20);
    /* passages: ordered, disjoint, <= ~200 words, covering nearly all of the file */
    FILE *in = fopen(out, "r");
    cr_assert(in);
    char *line = NULL;
    size_t cap = 0, passages = 0, covered = 0, prev_end = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) > 0) {
        if (!strstr(line, "\"kind\":\"passage\"")) continue;
        passages++;
        const char *bs = strstr(line, "\"byte_start\":"), *be = strstr(line, "\"byte_end\":");
        cr_assert(bs && be);
        size_t s = strtoull(bs + 13, NULL, 10), e = strtoull(be + 11, NULL, 10);
        cr_assert(s >= prev_end && e > s && e <= total);
        prev_end = e;
        covered += e - s;
        const char *tx = strstr(line, "\"text\":\"");
        cr_assert(tx);
        cr_assert(count_words(tx, strlen(tx)) <= 240);
    }
    free(line);
    fclose(in);
    cr_assert(passages > total / 3000, "%zu passages", passages);
    cr_assert(covered > total * 9 / 10, "passages cover %zu of %zu bytes", covered, total);
    unlink(path);
    unlink(out);
    rmdir(dir);
}

/* st_tokens.digits lists exactly the ST_DIGIT tokens, in order: glued to words on either
 * side, at the start and the end of the text, after other separators. */
Test(structure, token_digit_list)
{
    static const char *texts[] = {
        "12 Раздел 8Раздел 20222024 годам «3» 4.5. и ЕГИСЗ2 7",
        "Раздел",
        "1",
        " 2 3\n4;5 слово 6",
    };
    static const size_t want[] = { 8, 0, 1, 5 };
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        st_tokens tk;
        cr_assert_eq(st_tokenize(texts[k], strlen(texts[k]), &tk), 0);
        size_t q = 0;
        for (size_t i = 0; i < tk.n; i++)
            if (st_flags(&tk.t[i]) & ST_DIGIT) {
                cr_assert_lt(q, tk.n_digits, "text %zu: token %zu not listed", k, i);
                cr_assert_eq(tk.digits[q], i, "text %zu: digit %zu", k, q);
                q++;
            }
        cr_assert_eq(q, tk.n_digits, "text %zu: extra entries", k);
        cr_assert_eq(tk.n_digits, want[k], "text %zu: %zu digit tokens", k, tk.n_digits);
        st_tokens_free(&tk);
    }
}

/* ---- st_tokenize against a plain reference ------------------------------------------- */

/* The rules of structure_token.h one code point at a time, without any fast path. */
static uint32_t ref_decode(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    if (c < 0x80) { (*i)++; return c; }
    if (c >= 0xC2 && c < 0xE0 && *i + 1 < len && (s[*i + 1] & 0xC0) == 0x80) {
        uint32_t cp = ((c & 0x1Fu) << 6) | (s[*i + 1] & 0x3Fu);
        *i += 2;
        return cp;
    }
    if ((c & 0xF0) == 0xE0 && *i + 2 < len && (s[*i + 1] & 0xC0) == 0x80 && (s[*i + 2] & 0xC0) == 0x80) {
        uint32_t cp = ((c & 0x0Fu) << 12) | ((s[*i + 1] & 0x3Fu) << 6) | (s[*i + 2] & 0x3Fu);
        *i += 3;
        return cp < 0x800 ? 0xFFFD : cp;
    }
    if ((c & 0xF8) == 0xF0 && *i + 3 < len && (s[*i + 1] & 0xC0) == 0x80 &&
        (s[*i + 2] & 0xC0) == 0x80 && (s[*i + 3] & 0xC0) == 0x80) {
        *i += 4;
        return 0x10000;
    }
    (*i)++;
    return 0xFFFD;
}

static int ref_kind(uint32_t cp)           /* 1 letter, 2 digit, 0 other */
{
    if (cp >= '0' && cp <= '9') return 2;
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x400 && cp <= 0x52F);
}

static int ref_upper(uint32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 0x400 && cp <= 0x42F) || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7);
}

static int ref_space(uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0xFEFF ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

static int ref_joiner(uint32_t cp)
{
    return cp == 0xAD || cp == 0x301 || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060;
}

/* Tokens as (start, len_flags) pairs into out (room for len + 1); @return : their count */
static size_t ref_tokenize(const char *text, size_t len, st_tok *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0, i = 0, start = 0, end = 0;
    int kind = 0;
    unsigned pending = 0, flags = 0, spaces = 0, letters = 0, lower = 0;
    while (i < len) {
        size_t at = i;
        uint32_t cp = ref_decode(s, len, &i);
        int k = ref_kind(cp);
        if (!k && kind && ref_joiner(cp)) { end = i; continue; }
        if (k && k == kind) {
            end = i;
            if (k == 1) { letters++; lower |= !ref_upper(cp); }
            continue;
        }
        int glued = 0;
        if (kind) {
            if (letters >= 2 && !lower) flags |= ST_ALLCAPS;
            out[n].start = (uint32_t)start;
            out[n++].len_flags = (uint32_t)(end - start) | flags << 19;
            glued = k != 0;
            kind = 0;
        }
        if (k) {
            kind = k;
            start = at;
            end = i;
            flags = pending | (glued ? ST_GLUED : 0) | (k == 2 ? ST_DIGIT : 0);
            letters = k == 1;
            lower = k == 1 && !ref_upper(cp);
            if (k == 1 && !lower) flags |= ST_UPPER;
            pending = spaces = 0;
            continue;
        }
        if (cp == '\n') pending |= ST_NL_BEFORE;
        if (ref_space(cp)) { if (++spaces >= 2) pending |= ST_WIDE_BEFORE; }
        else if (cp == '.') pending |= ST_DOT_BEFORE | ST_PUNCT_BEFORE;
        else if (cp == ';') pending |= ST_SEMI_BEFORE | ST_PUNCT_BEFORE;
        else pending |= ST_PUNCT_BEFORE;
    }
    if (kind) {
        if (letters >= 2 && !lower) flags |= ST_ALLCAPS;
        out[n].start = (uint32_t)start;
        out[n++].len_flags = (uint32_t)(end - start) | flags << 19;
    }
    return n;
}

/* Random texts, mostly Cyrillic words between single spaces (the tokenizer's fast paths)
 * with every other kind of character mixed in at varying rates, tokenized both ways. */
Test(structure, tokenize_matches_reference)
{
    static const char *const pieces[] = { "а", "б", "я", "п", "р", "ё", "А", "Б", "Я", "П",
        "Р", "Ё", "Ѐ", "ѐ", "Ѣ", "ѣ", "Ӂ", "z", "Q", "é", "É", "×", "0", "7", " ", " ", " ",
        "  ", "\n", ".", ";", "«", "»", "-", "\xC2\xAD", "\xC2\xA0", "\xE2\x80\x8B",
        "\xCC\x81", "\xEF\xBB\xBF", "\xE2\x80\x94", "\xF0\x9F\x98\x80", "\xD0",
        "\xD1", "\x80", "\xFF", "\xE0\x80\x80", "\r", "\t" };
    const size_t np = sizeof pieces / sizeof *pieces;
    uint64_t rng = 0x5eed5eedULL;
    char *buf = malloc(8192);
    st_tok *want = malloc(8193 * sizeof *want);
    cr_assert(buf && want);
    for (int round = 0; round < 3000; round++) {
        unsigned rare = 1 + (unsigned)(test_xorshift64(&rng) % 40);   /* 1 in rare: any piece */
        size_t len = 0, target = (size_t)(test_xorshift64(&rng) % 4000);
        while (len < target) {
            uint64_t r = test_xorshift64(&rng);
            const char *piece;
            if (r % rare == 0) piece = pieces[(r >> 8) % np];
            else if ((r >> 8) % 7 == 0) piece = " ";
            else if ((r >> 32) % 9 == 0) piece = pieces[6 + (r >> 44) % 6];    /* capitals */
            else piece = pieces[(r >> 16) % 6];
            size_t pl = strlen(piece);
            memcpy(buf + len, piece, pl);
            len += pl;
        }
        st_tokens tk;
        cr_assert_eq(st_tokenize(buf, len, &tk), 0);
        size_t n = ref_tokenize(buf, len, want);
        cr_assert_eq(tk.n, n, "round %d: %zu tokens, want %zu", round, tk.n, n);
        for (size_t k = 0; k < n; k++)
            cr_assert(tk.t[k].start == want[k].start && tk.t[k].len_flags == want[k].len_flags,
                      "round %d token %zu: start %u len %u flags %#x, want %u %u %#x", round, k,
                      tk.t[k].start, st_len(&tk.t[k]), st_flags(&tk.t[k]), want[k].start,
                      st_len(&want[k]), st_flags(&want[k]));
        st_tokens_free(&tk);
    }
    free(buf);
    free(want);
}

/* st_find_len: the first token of the length asked for, at odd and even places, at the last
 * token and not at all. */
Test(structure, find_token_by_length)
{
    const char *text = "а бб вв г дддд е жж ззззз и";
    st_tokens tk;
    cr_assert_eq(st_tokenize(text, strlen(text), &tk), 0);
    cr_assert_eq(tk.n, 9);
    cr_assert_eq(st_find_len(tk.t, 0, tk.n, 4), 1);
    cr_assert_eq(st_find_len(tk.t, 2, tk.n, 4), 2);
    cr_assert_eq(st_find_len(tk.t, 3, tk.n, 4), 6);
    cr_assert_eq(st_find_len(tk.t, 0, tk.n, 8), 4);
    cr_assert_eq(st_find_len(tk.t, 0, tk.n, 10), 7);
    cr_assert_eq(st_find_len(tk.t, 1, tk.n, 2), 3);
    cr_assert_eq(st_find_len(tk.t, 4, tk.n, 2), 5);
    cr_assert_eq(st_find_len(tk.t, 6, tk.n, 2), 8);
    cr_assert_eq(st_find_len(tk.t, 0, tk.n, 6), tk.n);
    cr_assert_eq(st_find_len(tk.t, 0, 6, 10), 6);
    st_tokens_free(&tk);
}

/* st_norm against st_fold one code point at a time (joiners dropped, a character that would
 * not fit whole left out), on the tokens of random texts, at every output size. */
Test(structure, norm_matches_reference)
{
    static const char *const letters[] = { "а", "п", "р", "я", "ё", "А", "П", "Р", "Я", "Ё",
        "Ѐ", "ѐ", "Ѣ", "ѣ", "Ӂ", "z", "Q", "é", "É", "0", "\xC2\xAD", "\xE2\x80\x8B",
        "\xCC\x81", "б", "в", "о", "с", "т", "ю", "э" };
    const size_t nl = sizeof letters / sizeof *letters;
    uint64_t rng = 0x40c0ffeeULL;
    char text[512], got[128], want[160];
    for (int round = 0; round < 4000; round++) {
        size_t len = 0, words = 1 + test_xorshift64(&rng) % 4;
        unsigned rare = 1 + (unsigned)(test_xorshift64(&rng) % 30);
        for (size_t w = 0; w < words; w++) {
            size_t n = 1 + test_xorshift64(&rng) % 30;
            for (size_t k = 0; k < n; k++) {
                uint64_t r = test_xorshift64(&rng);
                const char *l = r % rare == 0 ? letters[(r >> 8) % nl] : letters[23 + (r >> 8) % 7];
                memcpy(text + len, l, strlen(l));
                len += strlen(l);
            }
            text[len++] = ' ';
        }
        st_tokens tk;
        cr_assert_eq(st_tokenize(text, len, &tk), 0);
        for (size_t i = 0; i < tk.n; i++) {
            size_t cap = 1 + test_xorshift64(&rng) % sizeof got, o = 0;
            const unsigned char *s = (const unsigned char *)text + tk.t[i].start;
            for (size_t j = 0; j < st_len(&tk.t[i]);) {
                uint32_t cp = ref_decode(s, st_len(&tk.t[i]), &j);
                if (ref_joiner(cp)) continue;
                cp = st_fold(cp);
                size_t cl = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
                if (o + cl >= cap) break;
                if (cl == 1) want[o++] = (char)cp;
                else if (cl == 2) { want[o++] = (char)(0xC0 | cp >> 6); want[o++] = (char)(0x80 | (cp & 0x3F)); }
                else { want[o++] = (char)(0xE0 | cp >> 12); want[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
                       want[o++] = (char)(0x80 | (cp & 0x3F)); }
            }
            want[o] = 0;
            size_t n = st_norm(text, &tk.t[i], got, cap);
            cr_assert(n == o && !strcmp(got, want), "round %d token %zu cap %zu: '%s', want '%s'",
                      round, i, cap, got, want);
        }
        st_tokens_free(&tk);
    }
}
