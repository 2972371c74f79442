/*
 * lexicon_dict.c: hunspell-format dictionary reader and checker (see lexicon_dict.h), used
 * by the lexicon (lexicon.c) for split-word repair.
 *
 * Hunspell's check, for the dictionaries accepted here: a word is good when it is a stem of
 * the .dic, or when for some suffix rule "SFX flag strip add cond" the word ends in add,
 * something is left before it, and word-minus-add plus strip is a stem that carries the
 * flag and whose end matches cond (a sequence of letters, '.' and [set] / [^set]).
 */
#include "lexicon_dict.h"
#include "poisk/poisk.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL   /* short keys: an inlined hash is cheaper */
#include <xxhash.h>

#define COND_MAX  16      /* elements of one condition */
#define AFFIX_MAX 64      /* bytes of strip / add */

typedef struct {          /* one element of a condition: a letter, '.', or a set */
    uint16_t off, len;    /* the set's letters in the rule's cond text (UTF-8) */
    uint8_t any, neg;
} cond_elem;

typedef struct {
    uint32_t flag;        /* bit of the flag letter */
    uint8_t strip_len, add_len, ncond;
    char strip[AFFIX_MAX], add[AFFIX_MAX];
    char cond_text[AFFIX_MAX];
    cond_elem cond[COND_MAX];
    int32_t next;         /* next rule with the same add, -1 = none */
} sfx_rule;

typedef struct {          /* stem table slot; hash 0 = empty */
    uint32_t hash, off;   /* off: the stem in the .dic buffer */
    uint32_t flags;
    uint32_t len;
} stem_slot;

typedef struct {          /* rules grouped by their add string; hash 0 = empty */
    uint64_t hash;
    int32_t first;
} add_slot;

struct poisk_dict {
    char *dic;            /* the whole .dic file: stems are offsets into it */
    stem_slot *stems;
    size_t nstems_slots;
    sfx_rule *rules;
    size_t nrules, rules_cap;
    add_slot *adds;
    size_t nadds_slots;
    size_t max_add;       /* longest add, bytes */
    /* Bloom filter over the stem hashes: most candidate stems that suffix stripping
     * produces are not in the dictionary, and the filter (8 bits per slot, in L2) answers
     * those without a cache-missing probe of the stem table. */
    uint64_t *bloom;
    size_t bloom_mask;    /* bits - 1 */
};

static int bloom_build(poisk_dict *d);

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = NULL;
    if (!fseek(f, 0, SEEK_END)) {
        long n = ftell(f);
        if (n >= 0 && !fseek(f, 0, SEEK_SET) && (b = malloc((size_t)n + 1))) {
            if (fread(b, 1, (size_t)n, f) != (size_t)n) {
                free(b);
                b = NULL;
            } else {
                b[n] = 0;
                *len = (size_t)n;
            }
        }
    }
    fclose(f);
    return b;
}

static uint32_t flag_bit(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? 1u << (c - 'A') : 0;   /* rules with others are refused */
}

/* ---- stems ----------------------------------------------------------------------------- */

static uint32_t stem_hash(const char *s, size_t len)
{
    uint32_t h = (uint32_t)XXH3_64bits(s, len);
    return h ? h : 1;
}

static stem_slot *stem_find(const poisk_dict *d, const char *s, size_t len, uint32_t h)
{
    size_t mask = d->nstems_slots - 1, i = h & mask;
    for (; d->stems[i].hash; i = (i + 1) & mask) {
        stem_slot *e = &d->stems[i];
        if (e->hash == h && e->len == len && !memcmp(d->dic + e->off, s, len))
            return e;
    }
    return &d->stems[i];
}

/* One line "stem[/FLAGS][ morphology]"; homonyms are merged (any of them may match). */
static int add_stem(poisk_dict *d, size_t off, size_t len, uint32_t flags)
{
    if (!len || len > UINT32_MAX)
        return POISK_OK;
    uint32_t h = stem_hash(d->dic + off, len);
    stem_slot *e = stem_find(d, d->dic + off, len, h);
    if (!e->hash) {
        e->hash = h;
        e->off = (uint32_t)off;
        e->len = (uint32_t)len;
    }
    e->flags |= flags;
    return POISK_OK;
}

static int load_dic(poisk_dict *d, size_t n)
{
    char *p = d->dic, *end = d->dic + n;
    char *nl = memchr(p, '\n', n);                /* first line: the approximate count */
    size_t count = strtoul(p, NULL, 10);
    size_t slots = 1u << 10;
    while (slots < count + count / 2 + 1024)
        slots <<= 1;
    d->stems = calloc(slots, sizeof *d->stems);
    if (!d->stems)
        return POISK_ENOMEM;
    d->nstems_slots = slots;
    size_t used = 0;
    for (p = nl ? nl + 1 : end; p < end;) {
        char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        char *w = p, *stop = w;
        while (stop < e && *stop != '/' && *stop != ' ' && *stop != '\t' && *stop != '\r')
            stop++;
        uint32_t flags = 0;
        if (stop < e && *stop == '/')
            for (char *f = stop + 1; f < e && *f != ' ' && *f != '\t' && *f != '\r'; f++)
                flags |= flag_bit((unsigned char)*f);
        if (stop > w) {
            if (++used * 4 > slots * 3)
                return POISK_EINVAL;              /* the count line lied badly */
            add_stem(d, (size_t)(w - d->dic), (size_t)(stop - w), flags);
        }
        p = e + 1;
    }
    return POISK_OK;
}

/* ---- suffix rules ---------------------------------------------------------------------- */

static int parse_cond(sfx_rule *r, const char *c, size_t len)
{
    if (len == 1 && c[0] == '.') {
        r->ncond = 0;                             /* "." alone: no condition */
        return POISK_OK;
    }
    if (len >= sizeof r->cond_text)
        return POISK_EINVAL;
    memcpy(r->cond_text, c, len);
    size_t i = 0;
    r->ncond = 0;
    while (i < len) {
        if (r->ncond == COND_MAX)
            return POISK_EINVAL;
        cond_elem *el = &r->cond[r->ncond++];
        memset(el, 0, sizeof *el);
        if (c[i] == '.') {
            el->any = 1;
            i++;
        } else if (c[i] == '[') {
            size_t j = i + 1;
            if (j < len && c[j] == '^') {
                el->neg = 1;
                j++;
            }
            size_t k = j;
            while (k < len && c[k] != ']')
                k++;
            if (k == len)
                return POISK_EINVAL;
            el->off = (uint16_t)j;
            el->len = (uint16_t)(k - j);
            i = k + 1;
        } else {
            uint32_t cp;
            size_t n = poisk_utf8_decode((const unsigned char *)c + i, len - i, &cp);
            if (cp == POISK_UTF8_BAD || c[i] == ']' || c[i] == '^')
                return POISK_EINVAL;
            el->off = (uint16_t)i;
            el->len = (uint16_t)n;
            i += n;
        }
    }
    return POISK_OK;
}

static uint64_t add_hash(const char *s, size_t len)
{
    uint64_t h = XXH3_64bits(s, len);
    return h ? h : 1;
}

static add_slot *add_find(const poisk_dict *d, uint64_t h)
{
    size_t mask = d->nadds_slots - 1, i = (size_t)h & mask;
    while (d->adds[i].hash && d->adds[i].hash != h)
        i = (i + 1) & mask;
    return &d->adds[i];
}

/* "strip" and "add" fields: "0" means empty; add may not carry continuation flags. */
static int affix_field(const char *s, size_t len, char *out, uint8_t *out_len)
{
    if (len == 1 && s[0] == '0')
        len = 0;
    if (len >= AFFIX_MAX || memchr(s, '/', len))
        return POISK_EINVAL;
    memcpy(out, s, len);
    *out_len = (uint8_t)len;
    return POISK_OK;
}

/* Splits a line into blank-separated fields; @return : number of fields (<= max) */
static int split_fields(char *line, char *end, char **f, size_t *fl, int max)
{
    int n = 0;
    char *p = line;
    while (p < end && n < max) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p == end)
            break;
        f[n] = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        fl[n] = (size_t)(p - f[n]);
        n++;
    }
    return n;
}

static int add_rule(poisk_dict *d, char **f, size_t *fl)
{
    if (fl[1] != 1 || !flag_bit((unsigned char)f[1][0]))
        return POISK_EINVAL;
    if (d->nrules == d->rules_cap) {
        size_t cap = d->rules_cap ? d->rules_cap * 2 : 1024;
        sfx_rule *r = realloc(d->rules, cap * sizeof *r);
        if (!r)
            return POISK_ENOMEM;
        d->rules = r;
        d->rules_cap = cap;
    }
    sfx_rule *r = &d->rules[d->nrules];
    memset(r, 0, sizeof *r);
    r->flag = flag_bit((unsigned char)f[1][0]);
    int rc = affix_field(f[2], fl[2], r->strip, &r->strip_len);
    if (!rc)
        rc = affix_field(f[3], fl[3], r->add, &r->add_len);
    if (!rc)
        rc = parse_cond(r, f[4], fl[4]);
    if (rc)
        return rc;
    d->nrules++;
    if (r->add_len > d->max_add)
        d->max_add = r->add_len;
    return POISK_OK;
}

/* Settings this reader knows to be harmless for checking (suggestion-only or defaults). */
static int harmless_setting(const char *s, size_t len)
{
    static const char *const ok[] = { "TRY", "KEY", "REP", "MAP", "WORDCHARS", "NAME",
                                      "VERSION", "HOME", "LANG", "AUTHOR", "LICENSE" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strlen(ok[i]) == len && !memcmp(s, ok[i], len))
            return 1;
    return 0;
}

static int rule_order(const void *a, const void *b)
{
    const sfx_rule *x = *(const sfx_rule *const *)a, *y = *(const sfx_rule *const *)b;
    if (x->add_len != y->add_len)
        return x->add_len < y->add_len ? -1 : 1;
    int c = memcmp(x->add, y->add, x->add_len);
    if (c)
        return c;
    if (x->strip_len != y->strip_len)
        return x->strip_len < y->strip_len ? -1 : 1;
    c = memcmp(x->strip, y->strip, x->strip_len);
    if (c)
        return c;
    return x < y ? -1 : 1;                        /* then the file's order */
}

static int load_aff(poisk_dict *d, char *text, size_t n)
{
    char *p = text, *end = text + n;
    int utf8 = 0;
    while (p < end) {
        char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        char *f[6];
        size_t fl[6];
        int nf = split_fields(p, e, f, fl, 6);
        p = e + 1;
        if (!nf || f[0][0] == '#')
            continue;
        if (fl[0] == 3 && !memcmp(f[0], "SET", 3)) {
            utf8 = nf >= 2 && fl[1] == 5 && !memcmp(f[1], "UTF-8", 5);
            continue;
        }
        if (fl[0] == 3 && !memcmp(f[0], "SFX", 3)) {
            if (nf == 4)
                continue;                         /* header: SFX flag cross count */
            if (nf < 5)
                return POISK_EINVAL;
            int rc = add_rule(d, f, fl);
            if (rc)
                return rc;
            continue;
        }
        if (!harmless_setting(f[0], fl[0]))
            return POISK_EINVAL;                  /* PFX, FLAG, COMPOUND..., NEEDAFFIX... */
    }
    if (!utf8)
        return POISK_EINVAL;
    size_t slots = 64;
    while (slots < d->nrules * 2)
        slots <<= 1;
    d->adds = calloc(slots, sizeof *d->adds);
    if (!d->adds)
        return POISK_ENOMEM;
    d->nadds_slots = slots;
    /* each add's list sorted by strip, so a check looks each candidate stem up once */
    sfx_rule **order = malloc(d->nrules * sizeof *order);
    if (!order)
        return POISK_ENOMEM;
    for (size_t i = 0; i < d->nrules; i++)
        order[i] = &d->rules[i];
    qsort(order, d->nrules, sizeof *order, rule_order);
    for (size_t k = d->nrules; k-- > 0;) {
        sfx_rule *r = order[k];
        uint64_t h = add_hash(r->add, r->add_len);
        add_slot *s = add_find(d, h);
        if (!s->hash) {
            s->hash = h;
            s->first = -1;
        }
        r->next = s->first;
        s->first = (int32_t)(r - d->rules);
    }
    free(order);
    return POISK_OK;
}

int poisk_dict_load(const char *aff_path, const char *dic_path, poisk_dict **out)
{
    *out = NULL;
    poisk_dict *d = calloc(1, sizeof *d);
    if (!d)
        return POISK_ENOMEM;
    size_t aff_len = 0, dic_len = 0;
    char *aff = read_file(aff_path, &aff_len);
    d->dic = read_file(dic_path, &dic_len);
    int rc = !aff || !d->dic ? POISK_EIO : load_aff(d, aff, aff_len);
    free(aff);
    if (!rc)
        rc = load_dic(d, dic_len);
    if (!rc)
        rc = bloom_build(d);
    if (rc) {
        poisk_dict_free(d);
        return rc;
    }
    *out = d;
    return POISK_OK;
}

void poisk_dict_free(poisk_dict *d)
{
    if (!d)
        return;
    free(d->dic);
    free(d->stems);
    free(d->bloom);
    free(d->rules);
    free(d->adds);
    free(d);
}

/* ---- checking -------------------------------------------------------------------------- */

static void bloom_bits(uint32_t h, size_t mask, size_t *a, size_t *b)
{
    *a = h & mask;
    *b = ((uint32_t)(h * 0x9E3779B1u) >> 7 ^ h >> 16) & mask;
}

static int bloom_build(poisk_dict *d)
{
    size_t bits = d->nstems_slots * 8;
    d->bloom = calloc(bits / 64, sizeof *d->bloom);
    if (!d->bloom)
        return POISK_ENOMEM;
    d->bloom_mask = bits - 1;
    for (size_t i = 0; i < d->nstems_slots; i++) {
        if (!d->stems[i].hash)
            continue;
        size_t a, b;
        bloom_bits(d->stems[i].hash, d->bloom_mask, &a, &b);
        d->bloom[a / 64] |= 1ull << (a % 64);
        d->bloom[b / 64] |= 1ull << (b % 64);
    }
    return POISK_OK;
}

/* A stem in the dictionary, or NULL.  The Bloom filter has no false negatives (it holds
 * every stem's hash), so it only saves the probe when the answer is no. */
static const stem_slot *stem_lookup(const poisk_dict *d, const char *s, size_t len)
{
    uint32_t h = stem_hash(s, len);
    size_t a, b;
    bloom_bits(h, d->bloom_mask, &a, &b);
    if (!(d->bloom[a / 64] >> (a % 64) & 1) || !(d->bloom[b / 64] >> (b % 64) & 1))
        return NULL;
    const stem_slot *e = stem_find(d, s, len, h);
    return e->hash ? e : NULL;
}

/* Is the letter cp one of the letters of set (UTF-8)? */
static int in_set(const char *set, size_t len, uint32_t cp)
{
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += poisk_utf8_decode((const unsigned char *)set + i, len - i, &c);
        if (c == cp)
            return 1;
    }
    return 0;
}

/* Does the end of stem (UTF-8) match the rule's condition? */
static int cond_matches(const sfx_rule *r, const char *stem, size_t len)
{
    size_t pos = len;
    for (int k = r->ncond - 1; k >= 0; k--) {
        if (pos == 0)
            return 0;
        size_t b = pos - 1;                       /* back to the start of the last letter */
        while (b > 0 && ((unsigned char)stem[b] & 0xC0) == 0x80)
            b--;
        uint32_t cp;
        poisk_utf8_decode((const unsigned char *)stem + b, pos - b, &cp);
        pos = b;
        const cond_elem *el = &r->cond[k];
        if (el->any)
            continue;
        if (in_set(r->cond_text + el->off, el->len, cp) == el->neg)
            return 0;
    }
    return 1;
}

int poisk_dict_check(const poisk_dict *d, const char *word, size_t len)
{
    char stem[512];
    if (!d || !len || len + AFFIX_MAX > sizeof stem)
        return 0;
    if (stem_lookup(d, word, len))
        return 1;
    size_t digits = 0;
    while (digits < len && (unsigned)word[digits] - '0' < 10u)
        digits++;
    if (digits == len)
        return 1;                                 /* hunspell accepts numbers */
    memcpy(stem, word, len);
    for (size_t add = 0; add <= d->max_add && add < len; add++) {
        size_t keep = len - add;                  /* something must be left before add */
        if (add && ((unsigned char)word[keep] & 0xC0) == 0x80)
            continue;                             /* not a letter boundary */
        add_slot *s = add_find(d, add_hash(word + keep, add));
        if (!s->hash)
            continue;
        const sfx_rule *prev = NULL;          /* rules with one strip are adjacent */
        const stem_slot *e = NULL;
        for (int32_t i = s->first; i >= 0; i = d->rules[i].next) {
            const sfx_rule *r = &d->rules[i];
            if (r->add_len != add || memcmp(r->add, word + keep, add))
                continue;
            if (!prev || prev->strip_len != r->strip_len
                || memcmp(prev->strip, r->strip, r->strip_len)) {
                memcpy(stem + keep, r->strip, r->strip_len);
                e = stem_lookup(d, stem, keep + r->strip_len);
            }
            prev = r;
            if (e && (e->flags & r->flag) && cond_matches(r, stem, keep + r->strip_len))
                return 1;
        }
    }
    return 0;
}
