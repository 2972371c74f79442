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
#include <sys/stat.h>
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
    /* rules with one add and one strip are adjacent in that list (a group: one candidate
     * stem): the rule after the group, -1 = none, and the flags of the group's rules */
    int32_t group_end;
    uint32_t group_flags;
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
    /* Bloom filter over every prefix of 4+ letters (PREFIX_MIN bytes) of every stem: a
     * word can only be accepted when some stem starts with all of it but its longest
     * possible suffix, so a word whose first len - max_add bytes begin no stem (nearly
     * every join candidate of repair that is not a word) is refused after one probe,
     * without trying each suffix rule. */
    uint64_t *pbloom;
    size_t pbloom_mask;   /* bits - 1 */
    /* Bloom filter over every word the check accepts but numbers (each stem and each of
     * its suffixed forms, wbloom_build()): split-word repair asks about many joins of 11
     * letters or fewer, too short for the prefix filter to tell anything (it tests the
     * word less the longest suffix), and nearly all of them are no word: one probe says
     * so, where the check would try every ending. */
    uint64_t *wbloom;
    size_t wbloom_mask;   /* bits - 1, 0 = none */
    size_t str_len;       /* bytes of dic (a compact stem area when from a blob) */
    int borrowed;         /* arrays point into a precomputed blob: not freed */
};

#define PREFIX_MIN 8      /* bytes: 4 Cyrillic letters */

static int bloom_build(poisk_dict *d);
static int pbloom_build(poisk_dict *d);
static int wbloom_build(poisk_dict *d);

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

static int same_group(const sfx_rule *a, const sfx_rule *b)
{
    return a->add_len == b->add_len && !memcmp(a->add, b->add, a->add_len)
           && a->strip_len == b->strip_len && !memcmp(a->strip, b->strip, a->strip_len);
}

/* Sets group_end and group_flags along one add's list. */
static void mark_groups(poisk_dict *d, int32_t first)
{
    for (int32_t g = first; g >= 0;) {
        int32_t end = g;
        uint32_t flags = 0;
        while (end >= 0 && same_group(&d->rules[g], &d->rules[end])) {
            flags |= d->rules[end].flag;
            end = d->rules[end].next;
        }
        for (int32_t k = g; k != end; k = d->rules[k].next) {
            d->rules[k].group_end = end;
            d->rules[k].group_flags = flags;
        }
        g = end;
    }
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
    for (size_t i = 0; i < d->nadds_slots; i++)
        if (d->adds[i].hash)
            mark_groups(d, d->adds[i].first);
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
    if (!rc)
        rc = pbloom_build(d);
    if (!rc)
        rc = wbloom_build(d);
    d->str_len = dic_len;
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
    if (!d->borrowed) {
        free(d->dic);
        free(d->stems);
        free(d->bloom);
        free(d->pbloom);
        free(d->wbloom);
        free(d->rules);
        free(d->adds);
    }
    free(d);
}

/* ---- checking -------------------------------------------------------------------------- */

/* Are the n bytes at a and b equal?  (Endings are short: no library call.) */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* Both bits of a stem in one 64-bit word: a query costs at most one cache miss, and
 * poisk_dict_check() can prefetch that word for all its candidate stems at once. */
static inline size_t bloom_word(uint32_t h, size_t mask)
{
    return (size_t)((uint32_t)(h * 0x9E3779B1u) >> 4) & (mask >> 6);
}

static void bloom_bits(uint32_t h, size_t mask, size_t *a, size_t *b)
{
    size_t w = bloom_word(h, mask);
    *a = w * 64 + (h >> 26);
    *b = w * 64 + (h >> 20 & 63);
}

/* A 2-bit filter's bits a and b (bloom_bits(), pbloom_bits()): set them, or are both set? */
static inline void bits_put(uint64_t *bloom, size_t a, size_t b)
{
    bloom[a / 64] |= 1ull << (a % 64);
    bloom[b / 64] |= 1ull << (b % 64);
}

static inline int bits_have(const uint64_t *bloom, size_t a, size_t b)
{
    return (bloom[a / 64] >> (a % 64) & 1) && (bloom[b / 64] >> (b % 64) & 1);
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
        bits_put(d->bloom, a, b);
    }
    return POISK_OK;
}

/* Both bits of a prefix in one 64-bit word: a query costs one cache miss, not two. */
static void pbloom_bits(uint64_t h, size_t mask, size_t *a, size_t *b)
{
    size_t word = (size_t)(h >> 20) & (mask >> 6);
    *a = word * 64 + (h & 63);
    *b = word * 64 + (h >> 6 & 63);
}

static uint64_t prefix_hash(const char *s, size_t len)
{
    return XXH3_64bits_withSeed(s, len, 0x70726566);
}

static int pbloom_build(poisk_dict *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nstems_slots; i++)
        if (d->stems[i].hash && d->stems[i].len >= PREFIX_MIN)
            n += d->stems[i].len - PREFIX_MIN + 1;   /* at most, counting every byte */
    size_t bits = 1u << 16;
    while (bits < n * 8)
        bits <<= 1;
    d->pbloom = calloc(bits / 64, sizeof *d->pbloom);
    if (!d->pbloom)
        return POISK_ENOMEM;
    d->pbloom_mask = bits - 1;
    for (size_t i = 0; i < d->nstems_slots; i++) {
        const stem_slot *e = &d->stems[i];
        const unsigned char *s = (const unsigned char *)d->dic + e->off;
        for (size_t k = PREFIX_MIN; e->hash && k <= e->len; k++) {
            if (k < e->len && (s[k] & 0xC0) == 0x80)
                continue;                         /* not a character boundary */
            size_t a, b;
            pbloom_bits(prefix_hash((const char *)s, k), d->pbloom_mask, &a, &b);
            bits_put(d->pbloom, a, b);
        }
    }
    return POISK_OK;
}

/* May some stem start with word[0..k)?  (k at a character boundary, >= PREFIX_MIN.) */
static inline int pbloom_has(const poisk_dict *d, const char *word, size_t k)
{
    size_t a, b;
    pbloom_bits(prefix_hash(word, k), d->pbloom_mask, &a, &b);
    return bits_have(d->pbloom, a, b);
}

/* The shortest keep of any candidate stem of the word (len - max_add), back to a character
 * boundary: the prefix the filter is asked about first; 0 when the filter cannot tell (no
 * filter, or the word too short). */
static size_t filter_keep(const poisk_dict *d, const char *word, size_t len)
{
    if (!d->pbloom || len < PREFIX_MIN + d->max_add)
        return 0;
    size_t k = len - d->max_add;
    while (k > 0 && ((unsigned char)word[k] & 0xC0) == 0x80)
        k--;                                      /* back to a character boundary */
    return k < PREFIX_MIN ? 0 : k;
}

/* Can some stem start with word[0..len - max_add)?  (Every candidate stem does: it is the
 * word less at most max_add bytes of suffix, plus a strip.)  No false "no". */
static int may_have_stem(const poisk_dict *d, const char *word, size_t len)
{
    size_t k = filter_keep(d, word, len);
    return !k || pbloom_has(d, word, k);
}

/* The longest keep (len - max_add <= keep <= len) for which some stem may start with
 * word[0..keep): every candidate stem of a longer keep starts with a prefix no stem starts
 * with (no false "no": PREFIX_MIN bytes or more at a character boundary are all in the
 * filter), so poisk_dict_check() need not gather it.  Walked up from the shortest keep,
 * which may_have_stem() has already let pass: a word that is none stops after a step or
 * two.  Without the filter (or a word too short for it): len. */
static size_t stem_prefix_end(const poisk_dict *d, const char *word, size_t len)
{
    size_t ok = filter_keep(d, word, len);        /* passed may_have_stem() */
    if (!ok)
        return len;
    for (size_t k = ok + 1; k <= len; k++) {
        if (k < len && ((unsigned char)word[k] & 0xC0) == 0x80)
            continue;                             /* not a character boundary */
        if (!pbloom_has(d, word, k))
            break;
        ok = k;
    }
    return ok;
}

/* A stem in the dictionary, or NULL.  The Bloom filter has no false negatives (it holds
 * every stem's hash), so it only saves the probe when the answer is no. */
static const stem_slot *stem_lookup(const poisk_dict *d, const char *s, size_t len)
{
    uint32_t h = stem_hash(s, len);
    size_t a, b;
    bloom_bits(h, d->bloom_mask, &a, &b);
    if (!bits_have(d->bloom, a, b))
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

/* A candidate stem of poisk_dict_check(): word[0..keep) + the strip of rule group first. */
typedef struct {
    int32_t first;
    uint32_t keep, hash;
} dict_cand;

#define DICT_CANDS 8

/* Tests the candidates gathered (their Bloom words were prefetched when gathered, so the
 * misses overlap instead of coming one after another).  In gathering order: keep never
 * grows, so the bytes before each keep in stem are still the word's. */
static int check_cands(const poisk_dict *d, const char *word, size_t len, char *stem,
                       const dict_cand *c, unsigned n)
{
    memcpy(stem, word, len);
    for (unsigned k = 0; k < n; k++) {
        size_t a, b;
        bloom_bits(c[k].hash, d->bloom_mask, &a, &b);
        if (!bits_have(d->bloom, a, b))
            continue;
        int32_t i = c[k].first;
        const sfx_rule *g = &d->rules[i];
        size_t keep = c[k].keep;
        memcpy(stem + keep, g->strip, g->strip_len);
        const stem_slot *e = stem_find(d, stem, keep + g->strip_len, c[k].hash);
        if (!e->hash)
            continue;
        for (int32_t end = g->group_end; (e->flags & g->group_flags) && i != end;
             i = d->rules[i].next) {
            const sfx_rule *r = &d->rules[i];
            if ((e->flags & r->flag) && cond_matches(r, stem, keep + r->strip_len))
                return 1;
        }
    }
    return 0;
}

/* wbloom's key: the word with its first letter in lower case (A-Z, А-Я, Ё), so that one
 * probe answers for the word, its Capitalised form and its lower-case form (hunspell's
 * case variants that split-word repair asks about). */
uint64_t poisk_dict_word_key(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    char w[512];
    if (len < 1 || len > sizeof w)
        return XXH3_64bits_withSeed(s, len, 0x776f7264);
    if (u[0] >= 'A' && u[0] <= 'Z') {
        memcpy(w, s, len);
        w[0] = (char)(u[0] + 0x20);
    } else if (len >= 2 && u[0] == 0xD0 && u[1] >= 0x80 && u[1] <= 0xAF) {
        memcpy(w, s, len);
        if (u[1] < 0x90) {                        /* Ѐ-Џ -> ѐ-џ */
            w[0] = (char)0xD1;
            w[1] = (char)(u[1] + 0x10);
        } else if (u[1] < 0xA0)                   /* А-П -> а-п */
            w[1] = (char)(u[1] + 0x20);
        else {                                    /* Р-Я -> р-я */
            w[0] = (char)0xD1;
            w[1] = (char)(u[1] - 0x20);
        }
    } else
        return XXH3_64bits_withSeed(s, len, 0x776f7264);
    return XXH3_64bits_withSeed(w, len, 0x776f7264);
}

/* Might poisk_dict_check() accept the word (not a number), or the word with its first
 * letter in the other case?  No false "no". */
static int wbloom_has(const poisk_dict *d, const char *word, size_t len)
{
    size_t a, b;
    pbloom_bits(poisk_dict_word_key(word, len), d->wbloom_mask, &a, &b);
    return bits_have(d->wbloom, a, b);
}

/* Puts a word into wbloom (when there is one yet).  @return : 1 */
static size_t word_put(poisk_dict *d, const char *w, size_t len)
{
    if (d->wbloom) {
        size_t a, b;
        pbloom_bits(poisk_dict_word_key(w, len), d->wbloom_mask, &a, &b);
        bits_put(d->wbloom, a, b);
    }
    return 1;
}

/* Every word poisk_dict_check() accepts but numbers: each stem, and each stem less a rule's
 * strip plus its add, where the stem carries the rule's flag, ends with the strip with
 * something before it, and meets the rule's condition (the check's candidate stem of that
 * word is then this stem).  Counted, and put into wbloom when there is one.  by_flag[f]:
 * the rules of flag letter f, ending with -1.  @return : words */
static size_t each_word(poisk_dict *d, int32_t *const by_flag[26])
{
    char w[512];
    size_t n = 0;
    for (size_t i = 0; i < d->nstems_slots; i++) {
        const stem_slot *e = &d->stems[i];
        if (!e->hash)
            continue;
        const char *s = d->dic + e->off;
        n += word_put(d, s, e->len);
        for (uint32_t fl = e->flags; fl; fl &= fl - 1)
            for (const int32_t *k = by_flag[__builtin_ctz(fl)]; *k >= 0; k++) {
                const sfx_rule *r = &d->rules[*k];
                if (r->strip_len >= e->len || e->len - r->strip_len + r->add_len > sizeof w
                    || !same_bytes(s + e->len - r->strip_len, r->strip, r->strip_len)
                    || !cond_matches(r, s, e->len))
                    continue;
                size_t keep = e->len - r->strip_len;
                memcpy(w, s, keep);
                memcpy(w + keep, r->add, r->add_len);
                n += word_put(d, w, keep + r->add_len);
            }
    }
    return n;
}

/* wbloom, 16 bits a word (its words counted first). */
static int wbloom_build(poisk_dict *d)
{
    int32_t *lists = malloc((d->nrules + 26) * sizeof *lists), *by_flag[26];
    if (!lists)
        return POISK_ENOMEM;
    size_t o = 0;
    for (int f = 0; f < 26; f++) {
        by_flag[f] = lists + o;
        for (size_t i = 0; i < d->nrules; i++)
            if (d->rules[i].flag == 1u << f)
                lists[o++] = (int32_t)i;
        lists[o++] = -1;
    }
    size_t words = each_word(d, by_flag), bits = 1u << 16;
    while (bits < words * 16)
        bits <<= 1;
    d->wbloom = calloc(bits / 64, sizeof *d->wbloom);
    if (d->wbloom) {
        d->wbloom_mask = bits - 1;
        each_word(d, by_flag);
    }
    free(lists);
    return d->wbloom ? POISK_OK : POISK_ENOMEM;
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
    if (d->wbloom ? !wbloom_has(d, word, len) : !may_have_stem(d, word, len))
        return 0;
    size_t max_keep = stem_prefix_end(d, word, len);
    dict_cand cand[DICT_CANDS];
    unsigned n = 0;
    memcpy(stem, word, len);
    for (size_t add = len - max_keep; add <= d->max_add && add < len; add++) {
        size_t keep = len - add;                  /* something must be left before add */
        if (add && ((unsigned char)word[keep] & 0xC0) == 0x80)
            continue;                             /* not a letter boundary */
        add_slot *s = add_find(d, add_hash(word + keep, add));
        if (!s->hash)
            continue;
        for (int32_t i = s->first; i >= 0;) {     /* one candidate stem per group */
            const sfx_rule *g = &d->rules[i];
            int32_t end = g->group_end;
            if (g->add_len != add || !same_bytes(g->add, word + keep, add)) {
                i = end;
                continue;
            }
            if (n == DICT_CANDS) {
                if (check_cands(d, word, len, stem, cand, n))
                    return 1;
                n = 0;
            }
            memcpy(stem + keep, g->strip, g->strip_len);
            uint32_t h = stem_hash(stem, keep + g->strip_len);
            __builtin_prefetch(&d->bloom[bloom_word(h, d->bloom_mask)]);
            cand[n++] = (dict_cand){ i, (uint32_t)keep, h };
            i = end;
        }
    }
    return n && check_cands(d, word, len, stem, cand, n);
}

/* ---- precomputed form -------------------------------------------------------------------
 * Loading parses ~150 000 .dic lines into a 4 MB hash table: ~20 ms and ~2 000 page faults
 * per indexer run, more than the rest of repair costs on a small corpus.  So `make` loads
 * the system dictionary once (tools/dictgen.c) and embeds the tables (lexicon_blob.c); an
 * indexer that finds the same files (size and mtime of .aff and .dic) uses them in place. */

#define BLOB_MAGIC "PDICT07"
#define BLOB_ALIGN 64

typedef struct {
    char magic[8];
    uint64_t aff_size, aff_mtime, dic_size, dic_mtime;
    uint64_t sizes[4];                /* of stem_slot, sfx_rule, add_slot, the header */
    uint64_t nstems_slots, nrules, nadds_slots, max_add, bloom_mask, pbloom_mask, str_len;
    uint64_t wbloom_mask;
} blob_header;

static size_t blob_pad(size_t n)
{
    return (n + BLOB_ALIGN - 1) & ~(size_t)(BLOB_ALIGN - 1);
}

static int file_id(const char *path, uint64_t *size, uint64_t *mtime)
{
    struct stat st;
    if (stat(path, &st))
        return POISK_EIO;
    *size = (uint64_t)st.st_size;
    *mtime = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
    return POISK_OK;
}

static int blob_header_of(const poisk_dict *d, const char *aff_path, const char *dic_path,
                          blob_header *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, BLOB_MAGIC, 8);
    if (file_id(aff_path, &h->aff_size, &h->aff_mtime)
        || file_id(dic_path, &h->dic_size, &h->dic_mtime))
        return POISK_EIO;
    h->sizes[0] = sizeof(stem_slot);
    h->sizes[1] = sizeof(sfx_rule);
    h->sizes[2] = sizeof(add_slot);
    h->sizes[3] = sizeof(blob_header);
    if (d) {
        h->nstems_slots = d->nstems_slots;
        h->nrules = d->nrules;
        h->nadds_slots = d->nadds_slots;
        h->max_add = d->max_add;
        h->bloom_mask = d->bloom_mask;
        h->pbloom_mask = d->pbloom_mask;
        h->wbloom_mask = d->wbloom_mask;
    }
    return POISK_OK;
}

#define BLOB_SECTIONS 7

/* Section sizes in blob order: stems, rules, adds, bloom, prefix bloom, stem bytes, word
 * bloom. */
static void blob_sections(const blob_header *h, size_t sz[BLOB_SECTIONS])
{
    sz[0] = h->nstems_slots * sizeof(stem_slot);
    sz[1] = h->nrules * sizeof(sfx_rule);
    sz[2] = h->nadds_slots * sizeof(add_slot);
    sz[3] = (h->bloom_mask + 1) / 8;
    sz[4] = (h->pbloom_mask + 1) / 8;
    sz[5] = h->str_len;
    sz[6] = (h->wbloom_mask + 1) / 8;
}

static int write_padded(FILE *f, const void *p, size_t n)
{
    static const char zeros[BLOB_ALIGN];
    if (n && fwrite(p, 1, n, f) != n)
        return POISK_EIO;
    size_t pad = blob_pad(n) - n;
    return pad && fwrite(zeros, 1, pad, f) != pad ? POISK_EIO : POISK_OK;
}

int poisk_dict_save(const poisk_dict *d, const char *aff_path, const char *dic_path, FILE *out)
{
    blob_header h;
    if (!d || !d->pbloom || !d->wbloom || blob_header_of(d, aff_path, dic_path, &h))
        return POISK_EINVAL;
    /* the stems' bytes, compacted (the .dic buffer also holds flags and morphology) */
    stem_slot *stems = malloc(d->nstems_slots * sizeof *stems);
    char *str = malloc(d->str_len + 1);
    int rc = stems && str ? POISK_OK : POISK_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; !rc && i < d->nstems_slots; i++) {
        stems[i] = d->stems[i];
        if (!stems[i].hash)
            continue;
        memcpy(str + o, d->dic + stems[i].off, stems[i].len);
        stems[i].off = (uint32_t)o;
        o += stems[i].len;
    }
    h.str_len = o;
    size_t sz[BLOB_SECTIONS];
    blob_sections(&h, sz);
    const void *sec[BLOB_SECTIONS] = { stems, d->rules, d->adds, d->bloom, d->pbloom, str,
                                       d->wbloom };
    if (!rc)
        rc = write_padded(out, &h, sizeof h);
    for (int i = 0; i < BLOB_SECTIONS && !rc; i++)
        rc = write_padded(out, sec[i], sz[i]);
    free(stems);
    free(str);
    return rc;
}

int poisk_dict_open_blob(const void *blob, size_t len, const char *aff_path,
                         const char *dic_path, poisk_dict **out)
{
    *out = NULL;
    blob_header want;
    const blob_header *h = blob;
    if (!blob || len < sizeof *h || ((uintptr_t)blob & (BLOB_ALIGN - 1))
        || blob_header_of(NULL, aff_path, dic_path, &want)
        || memcmp(h->magic, want.magic, 8) || memcmp(h->sizes, want.sizes, sizeof h->sizes)
        || h->aff_size != want.aff_size || h->aff_mtime != want.aff_mtime
        || h->dic_size != want.dic_size || h->dic_mtime != want.dic_mtime)
        return POISK_EINVAL;                      /* none, or not for these files */
    size_t sz[BLOB_SECTIONS], total = blob_pad(sizeof *h);
    blob_sections(h, sz);
    const char *sec[BLOB_SECTIONS];
    for (int i = 0; i < BLOB_SECTIONS; i++) {
        sec[i] = (const char *)blob + total;
        total += blob_pad(sz[i]);
    }
    if (total != len)
        return POISK_EINVAL;
    poisk_dict *d = calloc(1, sizeof *d);
    if (!d)
        return POISK_ENOMEM;
    d->borrowed = 1;                              /* read-only: never written through */
    d->stems = (stem_slot *)(uintptr_t)sec[0];
    d->nstems_slots = h->nstems_slots;
    d->rules = (sfx_rule *)(uintptr_t)sec[1];
    d->nrules = d->rules_cap = h->nrules;
    d->adds = (add_slot *)(uintptr_t)sec[2];
    d->nadds_slots = h->nadds_slots;
    d->bloom = (uint64_t *)(uintptr_t)sec[3];
    d->bloom_mask = h->bloom_mask;
    d->pbloom = (uint64_t *)(uintptr_t)sec[4];
    d->pbloom_mask = h->pbloom_mask;
    d->dic = (char *)(uintptr_t)sec[5];
    d->wbloom = (uint64_t *)(uintptr_t)sec[6];
    d->wbloom_mask = h->wbloom_mask;
    d->str_len = h->str_len;
    d->max_add = h->max_add;
    *out = d;
    return POISK_OK;
}

const uint64_t poisk_bloom_all_set = ~0ull, poisk_bloom_none_set = 0;

static poisk_bloom_probe probe_of(const uint64_t *bloom, size_t a, size_t b)
{
    return (poisk_bloom_probe){ &bloom[a / 64], 1ull << (a % 64) | 1ull << (b % 64) };
}

poisk_bloom_probe poisk_dict_may_check_probe(const poisk_dict *d, const char *word, size_t len)
{
    return poisk_dict_may_check_probe_key(d, word, len,
                                          d && d->wbloom ? poisk_dict_word_key(word, len) : 0);
}

poisk_bloom_probe poisk_dict_may_check_probe_key(const poisk_dict *d, const char *word,
                                                 size_t len, uint64_t key)
{
    if (!d || !len || len + AFFIX_MAX > 512)
        return POISK_BLOOM_NO;                /* poisk_dict_check() refuses these */
    size_t digits = 0;
    while (digits < len && (unsigned)word[digits] - '0' < 10u)
        digits++;
    size_t a, b;
    if (digits == len)
        return POISK_BLOOM_MAYBE;             /* a number */
    if (d->wbloom) {                          /* the word itself */
        pbloom_bits(key, d->wbloom_mask, &a, &b);
        return probe_of(d->wbloom, a, b);
    }
    size_t k = filter_keep(d, word, len);
    if (!k)
        return POISK_BLOOM_MAYBE;             /* too short for the filter; a stem itself
                                               * passes the filter too */
    pbloom_bits(prefix_hash(word, k), d->pbloom_mask, &a, &b);   /* may_have_stem()'s */
    return probe_of(d->pbloom, a, b);
}

const uint64_t *poisk_dict_word_filter(const poisk_dict *d, size_t *bytes)
{
    *bytes = d && d->wbloom ? (d->wbloom_mask + 1) / 8 : 0;
    return *bytes ? d->wbloom : NULL;
}

void poisk_dict_use_word_filter(poisk_dict *d, uint64_t *copy)
{
    if (d && d->borrowed && d->wbloom && copy)
        d->wbloom = copy;
}

int poisk_dict_may_check(const poisk_dict *d, const char *word, size_t len)
{
    return poisk_bloom_probe_maybe(poisk_dict_may_check_probe(d, word, len));
}

int poisk_dict_may_check_any_case(const poisk_dict *d)
{
    return d && d->wbloom;
}

int poisk_dict_may_start(const poisk_dict *d, const char *word, size_t len)
{
    return !d || !d->pbloom || len < PREFIX_MIN || pbloom_has(d, word, len);
}

size_t poisk_dict_max_add(const poisk_dict *d)
{
    return d && d->pbloom ? d->max_add : SIZE_MAX;
}
