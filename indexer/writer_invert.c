/*
 * writer_invert.c: in-memory inversion of one batch of passages (stage: analyzer -> index
 * writer).  Each worker owns one inverter: it analyses passages, appends (doc, tf,
 * positions) to a per-term vector in an open-addressing hash table keyed by (section,
 * dictionary kind, term), and at the end of the batch sorts the terms and serialises them
 * as one sorted run (writer_int.h).  No sort per passage: positions arrive in order, so a
 * term's tf slot is bumped in place.
 */
#include "writer_int.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "poisk/analyzer.h"
#include "index_reader.h"

typedef struct term_ent {
    uint64_t hash;
    uint32_t key_off, key_len;      /* in the arena */
    uint8_t section, kind, used;
    uint32_t last_doc;              /* doc + 1 of the last posting, 0 none */
    uint32_t tf_slot, last_pos;
    uint32_t *v;                    /* doc, tf, positions... per posting */
    uint32_t n, cap;
} term_ent;

struct poisk_inverter {
    poisk_analyzer *an;
    term_ent *tab;
    size_t cap, count;              /* cap: power of two */
    poisk_buf arena;                /* term bytes */
    size_t vec_bytes;
    char **abbrevs; size_t n_abbrevs, cap_abbrevs;
    uint64_t *abbrev_hashes;        /* small open-addressing set over abbrevs */
    size_t abbrev_set_cap;
    int failed;
};

int poisk_inverter_create(const poisk_writer_options *opts, poisk_inverter **out)
{
    poisk_inverter *inv = calloc(1, sizeof *inv);
    if (!inv)
        return POISK_ENOMEM;
    poisk_analyzer_options ao = { 0 };
    ao.repair = opts->repair;
    ao.lexicon = opts->lexicon;
    int rc = poisk_analyzer_create(&ao, &inv->an);
    inv->cap = 1 << 14;
    inv->tab = calloc(inv->cap, sizeof *inv->tab);
    if (rc || !inv->tab) {
        poisk_inverter_free(inv);
        return rc ? rc : POISK_ENOMEM;
    }
    *out = inv;
    return POISK_OK;
}

static void reset_tables(poisk_inverter *inv)
{
    for (size_t i = 0; i < inv->cap; i++)
        free(inv->tab[i].v);
    memset(inv->tab, 0, inv->cap * sizeof *inv->tab);
    inv->count = 0;
    inv->arena.len = 0;
    inv->vec_bytes = 0;
    inv->n_abbrevs = 0;
    free(inv->abbrev_hashes);
    inv->abbrev_hashes = NULL;
    inv->abbrev_set_cap = 0;
}

void poisk_inverter_free(poisk_inverter *inv)
{
    if (!inv)
        return;
    if (inv->tab)
        reset_tables(inv);
    free(inv->tab);
    for (size_t i = 0; i < inv->n_abbrevs; i++)
        free(inv->abbrevs[i]);
    free(inv->abbrevs);
    poisk_buf_free(&inv->arena);
    poisk_analyzer_free(inv->an);
    free(inv);
}

size_t poisk_inverter_memory(const poisk_inverter *inv)
{
    return inv->cap * sizeof(term_ent) + inv->arena.cap + inv->vec_bytes;
}

static int grow_table(poisk_inverter *inv)
{
    size_t cap = inv->cap * 2;
    term_ent *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < inv->cap; i++) {
        if (!inv->tab[i].used)
            continue;
        size_t j = inv->tab[i].hash & (cap - 1);
        while (t[j].used)
            j = (j + 1) & (cap - 1);
        t[j] = inv->tab[i];
    }
    free(inv->tab);
    inv->tab = t;
    inv->cap = cap;
    return 0;
}

static term_ent *lookup(poisk_inverter *inv, unsigned section, unsigned kind, const char *term,
                        size_t len)
{
    uint64_t h = XXH3_64bits_withSeed(term, len, section * 2u + kind + 1);
    size_t i = h & (inv->cap - 1);
    for (;;) {
        term_ent *e = &inv->tab[i];
        if (!e->used)
            break;
        if (e->hash == h && e->key_len == len && e->section == section && e->kind == kind
            && memcmp(inv->arena.data + e->key_off, term, len) == 0)
            return e;
        i = (i + 1) & (inv->cap - 1);
    }
    if ((inv->count + 1) * 4 > inv->cap * 3) {      /* keep the load under 3/4 */
        if (grow_table(inv))
            return NULL;
        return lookup(inv, section, kind, term, len);
    }
    size_t off = inv->arena.len;
    poisk_buf_put(&inv->arena, term, len);
    if (inv->arena.failed || len > UINT32_MAX || off > UINT32_MAX)
        return NULL;
    term_ent *e = &inv->tab[i];
    e->used = 1;
    e->hash = h;
    e->key_off = (uint32_t)off;
    e->key_len = (uint32_t)len;
    e->section = (uint8_t)section;
    e->kind = (uint8_t)kind;
    inv->count++;
    return e;
}

static int vec_push(poisk_inverter *inv, term_ent *e, uint32_t v)
{
    if (e->n == e->cap) {
        uint32_t cap = e->cap ? e->cap * 2 : 8;
        uint32_t *nv = realloc(e->v, (size_t)cap * sizeof *nv);
        if (!nv)
            return -1;
        inv->vec_bytes += (size_t)(cap - e->cap) * sizeof *nv;
        e->v = nv;
        e->cap = cap;
    }
    e->v[e->n++] = v;
    return 0;
}

static int add_occurrence(poisk_inverter *inv, uint32_t doc, unsigned section, unsigned kind,
                          const char *term, size_t len, uint32_t pos)
{
    if (len == 0)
        return 0;
    term_ent *e = lookup(inv, section, kind, term, len);
    if (!e)
        return -1;
    if (e->last_doc != doc + 1) {
        e->last_doc = doc + 1;
        e->tf_slot = e->n + 1;
        e->last_pos = pos;
        return vec_push(inv, e, doc) | vec_push(inv, e, 1) | vec_push(inv, e, pos);
    }
    if (pos <= e->last_pos)             /* the same term twice at one place: once */
        return 0;
    e->last_pos = pos;
    e->v[e->tf_slot]++;
    return vec_push(inv, e, pos);
}

static int add_abbrev(poisk_inverter *inv, const char *s, size_t len)
{
    uint64_t h = XXH3_64bits(s, len) | 1;
    if ((inv->n_abbrevs + 1) * 2 > inv->abbrev_set_cap) {
        size_t cap = inv->abbrev_set_cap ? inv->abbrev_set_cap * 2 : 64;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < inv->n_abbrevs; i++) {
            uint64_t hh = XXH3_64bits(inv->abbrevs[i], strlen(inv->abbrevs[i])) | 1;
            size_t j = hh & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = hh;
        }
        free(inv->abbrev_hashes);
        inv->abbrev_hashes = t;
        inv->abbrev_set_cap = cap;
    }
    size_t j = h & (inv->abbrev_set_cap - 1);
    while (inv->abbrev_hashes[j]) {
        if (inv->abbrev_hashes[j] == h) {
            for (size_t i = 0; i < inv->n_abbrevs; i++)
                if (strlen(inv->abbrevs[i]) == len && memcmp(inv->abbrevs[i], s, len) == 0)
                    return 0;
        }
        j = (j + 1) & (inv->abbrev_set_cap - 1);
    }
    if (inv->n_abbrevs == inv->cap_abbrevs) {
        size_t cap = inv->cap_abbrevs ? inv->cap_abbrevs * 2 : 32;
        char **a = realloc(inv->abbrevs, cap * sizeof *a);
        if (!a)
            return -1;
        inv->abbrevs = a;
        inv->cap_abbrevs = cap;
    }
    char *c = strndup(s, len);
    if (!c)
        return -1;
    inv->abbrevs[inv->n_abbrevs++] = c;
    inv->abbrev_hashes[j] = h;
    return 0;
}

int poisk_inverter_add(poisk_inverter *inv, uint32_t doc, unsigned section, const char *text,
                       size_t len, uint32_t *dl)
{
    poisk_analyzer_reset(inv->an, text, len);
    poisk_token t;
    uint32_t n = 0;
    int bad = 0;
    while (poisk_analyzer_next(inv->an, &t)) {
        if (!(t.flags & POISK_TOKEN_SAME_POSITION))
            n++;
        bad |= add_occurrence(inv, doc, section, POISK_DICT_STEM, t.term, t.term_len, t.position);
        bad |= add_occurrence(inv, doc, section, POISK_DICT_EXACT, t.exact, t.exact_len, t.position);
        if (t.kind == POISK_TOKEN_ABBREV)
            bad |= add_abbrev(inv, t.term, t.term_len);
    }
    *dl = n;
    return bad ? POISK_ENOMEM : POISK_OK;
}

/* Order of a run: (section, kind, term bytes); ctx is the inverter's arena. */
static int ent_cmp(const void *a, const void *b, void *ctx)
{
    const term_ent *x = *(term_ent *const *)a, *y = *(term_ent *const *)b;
    if (x->section != y->section)
        return x->section < y->section ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    const uint8_t *base = ctx;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(base + x->key_off, base + y->key_off, n);
    return c ? c : (x->key_len < y->key_len ? -1 : x->key_len > y->key_len ? 1 : 0);
}

int poisk_inverter_flush(poisk_inverter *inv, uint32_t first_doc, poisk_buf *out,
                         char ***abbrevs, size_t *n_abbrevs)
{
    term_ent **v = malloc((inv->count ? inv->count : 1) * sizeof *v);
    if (!v)
        return POISK_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < inv->cap; i++)
        if (inv->tab[i].used)
            v[n++] = &inv->tab[i];
    qsort_r(v, n, sizeof *v, ent_cmp, inv->arena.data);
    poisk_buf post = { 0 };
    for (size_t k = 0; k < n; k++) {
        term_ent *e = v[k];
        uint8_t hdr[2] = { e->section, e->kind };
        poisk_buf_put(out, hdr, 2);
        poisk_buf_put_varint(out, e->key_len);
        poisk_buf_put(out, inv->arena.data + e->key_off, e->key_len);
        post.len = 0;
        uint32_t prev = first_doc, ndocs = 0;
        for (uint32_t i = 0; i < e->n;) {
            uint32_t doc = e->v[i], tf = e->v[i + 1];
            poisk_buf_put_varint(&post, doc - prev);
            poisk_buf_put_varint(&post, tf);
            uint32_t pp = 0;
            for (uint32_t j = 0; j < tf; j++) {
                poisk_buf_put_varint(&post, e->v[i + 2 + j] - pp);
                pp = e->v[i + 2 + j];
            }
            prev = doc;
            ndocs++;
            i += 2 + tf;
        }
        poisk_buf_put_varint(out, ndocs);
        poisk_buf_put_varint(out, post.len);
        poisk_buf_put(out, post.data, post.len);
    }
    int failed = out->failed || post.failed;
    poisk_buf_free(&post);
    free(v);
    *abbrevs = inv->abbrevs;
    *n_abbrevs = inv->n_abbrevs;
    inv->abbrevs = NULL;
    inv->cap_abbrevs = 0;
    reset_tables(inv);
    return failed ? POISK_ENOMEM : POISK_OK;
}
