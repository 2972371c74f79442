/*
 * writer_merge.c: the last step of inversion (stage: index writer -> files).  A k-way merge
 * of the sorted runs (in memory or spilled) by (section, kind, term); a term's postings are
 * the concatenation of its runs' postings in batch order, which is passage-id order.  Each
 * (section, kind) group becomes a dictionary, a postings and a positions file
 * (docs/FORMAT.md §5-6).  The output depends only on the passages, never on how they were
 * batched, so spilled, unspilled and multi-threaded builds are byte-identical.
 */
#include "writer_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_reader.h"
#include "lexicon_mem.h"
#include "writer_mem.h"

#define DICT_BLOCK_TERMS 16
#define RELEASE_CHUNK (1u << 20)    /* a spilled run gives back what it has read, per MiB */

typedef struct run_cur {
    const uint8_t *p, *end;
    uint32_t batch, base;
    const uint8_t *key; size_t key_len;
    uint64_t prefix;                /* the key's first 8 bytes, big-endian, zero-padded */
    uint32_t ndocs;
    const uint8_t *post; size_t post_len;
    const uint8_t *kept;            /* spilled runs: pages before this were given back */
} run_cur;

/* Read the next entry of a run.  @return : 1 entry, 0 run done, -1 malformed */
static int cur_next(run_cur *c)
{
    if (c->p == c->end)
        return 0;
    /* the merge reads a spilled run once, front to back: its pages need not stay resident
     * (a key still in use in a given-back page is read again from the file) */
    if (c->kept && (size_t)(c->p - c->kept) >= RELEASE_CHUNK) {
        poisk_mem_release(c->kept, (size_t)(c->p - c->kept));
        c->kept = c->p;
    }
    uint64_t klen, nd, plen;
    c->p++;                             /* kind: the cursor's range holds one kind only */
    if (poisk_varint_decode(&c->p, c->end, &klen) || klen > (uint64_t)(c->end - c->p))
        return -1;
    c->key = c->p;
    c->key_len = (size_t)klen;
    c->prefix = poisk_term_prefix(c->p, (size_t)klen);
    c->p += klen;
    if (poisk_varint_decode(&c->p, c->end, &nd) || poisk_varint_decode(&c->p, c->end, &plen)
        || plen > (uint64_t)(c->end - c->p) || nd > UINT32_MAX)
        return -1;
    c->ndocs = (uint32_t)nd;
    c->post = c->p;
    c->post_len = (size_t)plen;
    c->p += plen;
    return 1;
}

/* (key bytewise, then batch): the prefixes decide most comparisons without a call */
static int cur_cmp(const run_cur *a, const run_cur *b)
{
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix ? -1 : 1;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = n > 8 ? memcmp(a->key + 8, b->key + 8, n - 8) : 0;
    if (c)
        return c;
    if (a->key_len != b->key_len)
        return a->key_len < b->key_len ? -1 : 1;
    return a->batch < b->batch ? -1 : a->batch > b->batch;
}

/* ---- min-heap of run cursors ------------------------------------------------------------ */

typedef struct heap { run_cur **v; size_t n; } heap;

static void heap_down(heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && cur_cmp(h->v[l], h->v[m]) < 0)
            m = l;
        if (r < h->n && cur_cmp(h->v[r], h->v[m]) < 0)
            m = r;
        if (m == i)
            return;
        run_cur *t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
}

/* ---- one (section, kind) group of output files --------------------------------------- */

typedef struct group {
    int open;
    unsigned section, kind;
    poisk_fout dict, post, posn;
    poisk_buf block;                /* dictionary block being built */
    unsigned in_block;
    uint64_t *block_offs; size_t n_blocks, cap_blocks;
    uint64_t n_terms;
    char *prev; size_t prev_len, prev_cap;
    /* the postings and positions of the group's last terms, written out together (a
     * write per term cost more than the copy); the current term's start at *_start */
    poisk_buf term_post, term_pos;
    size_t post_start, pos_start;
    poisk_plist_writer pw;
    int active;                     /* has postings of the current term */
} group;

static int group_open(group *g, poisk_merge_io *io, unsigned section, unsigned kind,
                      poisk_error *err)
{
    char name[64];
    g->section = section;
    g->kind = kind;
    g->in_block = 0;
    g->n_blocks = 0;
    g->n_terms = 0;
    g->block.len = 0;
    g->prev_len = 0;
    g->term_post.len = 0;
    g->term_pos.len = 0;
    poisk_name_dict_file(name, sizeof name, io->gen, section, kind, POISK_KIND_DICT);
    int rc = poisk_fout_open(&g->dict, io->dir, name, POISK_KIND_DICT, io->gen, section, kind,
                             io->hook, io->hook_ctx, err);
    if (rc)
        return rc;
    poisk_name_dict_file(name, sizeof name, io->gen, section, kind, POISK_KIND_POST);
    rc = poisk_fout_open(&g->post, io->dir, name, POISK_KIND_POST, io->gen, section, kind,
                         io->hook, io->hook_ctx, err);
    if (rc) {
        poisk_fout_abort(&g->dict);
        return rc;
    }
    poisk_name_dict_file(name, sizeof name, io->gen, section, kind, POISK_KIND_POSN);
    rc = poisk_fout_open(&g->posn, io->dir, name, POISK_KIND_POSN, io->gen, section, kind,
                         io->hook, io->hook_ctx, err);
    if (rc) {
        poisk_fout_abort(&g->dict);
        poisk_fout_abort(&g->post);
        return rc;
    }
    g->open = 1;
    return POISK_OK;
}

static int flush_dict_block(group *g, poisk_error *err)
{
    if (g->in_block == 0)
        return POISK_OK;
    if (g->n_blocks == g->cap_blocks) {
        size_t cap = g->cap_blocks ? 2 * g->cap_blocks : 256;
        uint64_t *b = realloc(g->block_offs, cap * sizeof *b);
        if (!b)
            return poisk_error_set(err, POISK_ENOMEM, "out of memory merging runs");
        g->block_offs = b;
        g->cap_blocks = cap;
    }
    g->block_offs[g->n_blocks++] = poisk_fout_offset(&g->dict);
    int rc = poisk_fout_write(&g->dict, g->block.data, g->block.len, err);
    g->block.len = 0;
    g->in_block = 0;
    return rc;
}

#define TERMS_FLUSH (256u << 10)    /* pending postings or positions written past this */

/* Write the group's pending postings and positions (between terms). */
static int group_flush_terms(group *g, poisk_error *err)
{
    int rc = poisk_fout_write(&g->post, g->term_post.data, g->term_post.len, err);
    if (!rc)
        rc = poisk_fout_write(&g->posn, g->term_pos.data, g->term_pos.len, err);
    g->term_post.len = 0;
    g->term_pos.len = 0;
    return rc;
}

static int group_close(group *g, poisk_merge_io *io, poisk_error *err)
{
    int rc = group_flush_terms(g, err);
    if (!rc)
        rc = flush_dict_block(g, err);
    uint64_t index_off = poisk_fout_offset(&g->dict);
    poisk_buf tail = { 0 };
    for (size_t i = 0; i < g->n_blocks; i++)
        poisk_buf_put_u64(&tail, g->block_offs[i]);
    poisk_buf_put_u64(&tail, g->n_terms);
    poisk_buf_put_u64(&tail, g->n_blocks);
    poisk_buf_put_u64(&tail, index_off);
    if (!rc && tail.failed)
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory merging runs");
    if (!rc)
        rc = poisk_fout_write(&g->dict, tail.data, tail.len, err);
    poisk_buf_free(&tail);
    poisk_fout *fs[3] = { &g->dict, &g->post, &g->posn };
    for (int i = 0; i < 3; i++) {
        if (rc) {
            poisk_fout_abort(fs[i]);
            continue;
        }
        rc = poisk_fout_close(fs[i], err);
        if (!rc) {
            const char *slash = strrchr(fs[i]->path, '/');
            rc = poisk_merge_add_file(io, slash ? slash + 1 : fs[i]->path, fs[i]->final_size);
            if (rc)
                poisk_error_set(err, rc, "out of memory merging runs");
        }
    }
    if (g->kind == POISK_DICT_STEM)
        io->terms += g->n_terms;
    g->open = 0;
    return rc;
}

/* Append one finished term to the dictionary block. */
static int dict_add(group *g, const uint8_t *key, size_t len, uint32_t df, uint64_t cf,
                    uint64_t post_off, uint64_t post_len, uint64_t pos_off, uint64_t pos_len,
                    poisk_error *err)
{
    size_t shared = 0;
    if (g->in_block > 0)
        while (shared < len && shared < g->prev_len && g->prev[shared] == (char)key[shared])
            shared++;
    poisk_buf *b = &g->block;
    poisk_buf_put_varint(b, shared);
    poisk_buf_put_varint(b, len - shared);
    poisk_buf_put(b, key + shared, len - shared);
    poisk_buf_put_varint(b, df);
    poisk_buf_put_varint(b, cf - df);
    if (g->in_block == 0) {
        poisk_buf_put_varint(b, post_off);
        poisk_buf_put_varint(b, post_len);
        poisk_buf_put_varint(b, pos_off);
        poisk_buf_put_varint(b, pos_len);
    } else {
        poisk_buf_put_varint(b, post_len);
        poisk_buf_put_varint(b, pos_len);
    }
    if (len + 1 > g->prev_cap) {
        char *p = realloc(g->prev, len + 64);
        if (!p)
            return poisk_error_set(err, POISK_ENOMEM, "out of memory merging runs");
        g->prev = p;
        g->prev_cap = len + 64;
    }
    memcpy(g->prev, key, len);
    g->prev_len = len;
    g->n_terms++;
    if (b->failed)
        return poisk_error_set(err, POISK_ENOMEM, "out of memory merging runs");
    if (++g->in_block == DICT_BLOCK_TERMS)
        return flush_dict_block(g, err);
    return POISK_OK;
}

/* What the merge needs of a passage, together: the postings visit passages in no order a
 * cache likes (a rare term's docs are far apart), and three arrays cost three misses. */
typedef struct doc_info { uint32_t local, dl_sec; } doc_info;

/* dl_sec: the passage's length << 4 | its section; a length too long for 28 bits is read
 * from the full table (no real passage has one) */
#define DL_CLAMP 0x0FFFFFFFu
_Static_assert(POISK_SECTION_COUNT <= 16, "a section takes 4 bits of doc_info");

/* The merge of one dictionary kind: every section's group of files. */
typedef struct kind_merge {
    unsigned kind;
    const doc_info *docs;
    poisk_run *runs; size_t n_runs;
    poisk_merge_io io;              /* the caller's settings; its own list of files */
    group g[POISK_SECTION_COUNT];
    unsigned touched[POISK_SECTION_COUNT], n_touched;
    int rc;
    poisk_error err;
} kind_merge;

/* A posting decoded ahead of its use.  The merge's cost per posting was one cache miss, on
 * its passage's doc_info (a rare term's passages are far apart, and the runs streaming
 * through evict the table), and the next posting's passage is not known before this one's
 * bytes are decoded; so the decoding runs MERGE_AHEAD postings ahead of the encoding and
 * prefetches each posting's doc_info, and the misses of that many postings overlap. */
typedef struct staged {
    const uint8_t *pos;             /* the positions (NULL: elided); a term's end: its key */
    uint32_t doc, tf, plen;         /* tf 0: the term ends here (plen: its key's length) */
} staged;

#define MERGE_AHEAD 32              /* a power of two: the ring's size */

/* The decoding side: the heap of run cursors and the entry being read. */
typedef struct feeder {
    heap h;
    run_cur *c;                     /* the heap's top, whose entry is being read; or NULL */
    const uint8_t *p, *end;
    uint32_t doc, left;             /* the last passage read, postings left in the entry */
    const uint8_t *key; size_t key_len;
    uint64_t prefix;                /* key's (run_cur.prefix) */
    int in_term;                    /* key is the term being read */
} feeder;

/* Whether the cursor's entry is of f's term: the prefixes decide most without a call. */
static inline int same_term(const feeder *f, const run_cur *c)
{
    return c->prefix == f->prefix && c->key_len == f->key_len
           && (f->key_len <= 8 || memcmp(c->key + 8, f->key + 8, f->key_len - 8) == 0);
}

/* A varint read: the position past it (NULL: malformed or cut short) and its value,
 * returned in registers so that the decoding loop's pointer never goes through memory. */
typedef struct vread { const uint8_t *p; uint64_t v; } vread;

static __attribute__((noinline)) vread varint_slow(const uint8_t *p, const uint8_t *end)
{
    vread r = { NULL, 0 };
    if (poisk_varint_decode_long(&p, end, &r.v) == 0)
        r.p = p;
    return r;
}

static inline vread varint_at(const uint8_t *p, const uint8_t *end)
{
    if (p < end && *p < 0x80)
        return (vread){ p + 1, *p };
    return varint_slow(p, end);
}

/* Decode the next n postings of the entry being read into ring[head..] (modulo its size)
 * and prefetch their doc_info.  @return : 0, or -1 when the run is malformed */
static int decode_postings(kind_merge *k, feeder *f, staged *ring, size_t head, uint32_t n)
{
    const uint8_t *p = f->p, *end = f->end;     /* in registers for the loop */
    uint32_t doc = f->doc;
    const doc_info *docs = k->docs;
    uint64_t n_docs = k->io.n_docs;
    int exact = k->kind == POISK_DICT_EXACT;
    for (uint32_t i = 0; i < n; i++) {
        vread d = varint_at(p, end);
        if (!d.p || d.v >= n_docs - doc)
            return -1;
        vread v = varint_at(d.p, end);
        if (!v.p)
            return -1;
        p = v.p;
        /* v: tf << 1 | 1 (tf bytes of positions), tf << 1 (their byte count follows), or
         * 0 (exact form: tf follows, no positions, they are its stem's) */
        uint64_t tf = v.v >> 1, plen = tf;
        if (v.v == 0) {
            vread t = varint_at(p, end);
            if (!exact || !t.p || t.v > UINT32_MAX)
                return -1;
            p = t.p;
            tf = t.v;
            plen = 0;
        } else if (!(v.v & 1)) {
            vread l = varint_at(p, end);
            if (!l.p || l.v < tf)
                return -1;
            p = l.p;
            plen = l.v;
        }
        /* tf >= 1; positions within the entry, their last varint complete */
        if (tf == 0 || plen > (uint64_t)(end - p) || plen > UINT32_MAX
            || (plen && (p[plen - 1] & 0x80)))
            return -1;
        doc += (uint32_t)d.v;
        __builtin_prefetch(&docs[doc]);
        staged *s = &ring[(head + i) % MERGE_AHEAD];
        s->doc = doc;
        s->tf = (uint32_t)tf;
        s->pos = v.v == 0 ? NULL : p;
        s->plen = (uint32_t)plen;
        p += plen;
    }
    f->p = p;
    f->doc = doc;
    f->left -= n;
    return 0;
}

/* Fill the ring up to MERGE_AHEAD postings and term ends, in merge order: runs' entries of
 * one term come in batch order (the heap's tie-break), which is passage-id order.
 * @return : 1 more to come, 0 the merge is read to its end, -1 a run is malformed */
static int produce(kind_merge *k, feeder *f, staged *ring, size_t *head, size_t tail)
{
    while (*head - tail < MERGE_AHEAD) {
        size_t room = MERGE_AHEAD - (*head - tail);
        if (f->left) {
            uint32_t n = f->left < room ? f->left : (uint32_t)room;
            if (decode_postings(k, f, ring, *head, n))
                return -1;
            *head += n;
            continue;
        }
        if (f->c) {                 /* its entry is read: on to the cursor's next */
            run_cur *c = f->c;
            f->c = NULL;
            int r = cur_next(c);
            if (r < 0)
                return -1;
            if (r == 0)
                f->h.v[0] = f->h.v[--f->h.n];
            if (f->h.n)
                heap_down(&f->h, 0);
        }
        const run_cur *top = f->h.n ? f->h.v[0] : NULL;
        if (f->in_term && (!top || !same_term(f, top))) {
            /* key still points into a live run buffer (runs are never freed while merging) */
            staged *s = &ring[*head % MERGE_AHEAD];
            s->pos = f->key;
            s->plen = (uint32_t)f->key_len;
            s->tf = 0;
            ++*head;
            f->in_term = 0;
            continue;
        }
        if (!top)
            return 0;
        if (!f->in_term) {
            f->key = top->key;
            f->key_len = top->key_len;
            f->prefix = top->prefix;
            f->in_term = 1;
        }
        f->c = f->h.v[0];
        f->p = top->post;
        f->end = top->post + top->post_len;
        f->doc = top->base;
        f->left = top->ndocs;
    }
    return 1;
}

/* Hand one decoded posting to the encoder of its passage's section. */
static inline int feed_posting(kind_merge *k, const staged *s, poisk_error *err)
{
    const doc_info *di = &k->docs[s->doc];
    unsigned sec = di->dl_sec & 15;
    uint32_t dl = di->dl_sec >> 4;
    if (dl == DL_CLAMP)
        dl = k->io.dl[s->doc];
    group *g = &k->g[sec];
    if (!g->active) {
        int rc;
        if (!g->open && (rc = group_open(g, &k->io, sec, k->kind, err)))
            return rc;
        g->post_start = g->term_post.len;
        g->pos_start = g->term_pos.len;
        if (k->kind == POISK_DICT_EXACT)
            poisk_plist_writer_begin_marked(&g->pw, &g->term_pos);
        else
            poisk_plist_writer_begin(&g->pw, &g->term_pos);
        g->active = 1;
        k->touched[k->n_touched++] = sec;
    }
    if (!s->pos)
        poisk_plist_writer_add_elided(&g->pw, di->local, s->tf, dl);
    else        /* the run holds the positions as the positions file wants them: copy them */
        poisk_plist_writer_add_raw(&g->pw, di->local, s->tf, s->pos, s->plen, dl);
    return POISK_OK;
}

/* Finish the current term in every section that had postings of it. */
static int finish_term(kind_merge *k, const uint8_t *key, size_t key_len, poisk_error *err)
{
    int rc = POISK_OK;
    for (unsigned t = 0; t < k->n_touched && !rc; t++) {
        group *g = &k->g[k->touched[t]];
        g->active = 0;
        poisk_plist_writer_finish(&g->pw, &g->term_post);
        if (g->pw.failed || g->term_post.failed)
            return poisk_error_set(err, POISK_ENOMEM, "out of memory merging runs");
        uint64_t post_off = poisk_fout_offset(&g->post) + g->post_start;
        uint64_t pos_off = poisk_fout_offset(&g->posn) + g->pos_start;
        /* key still points into a live run buffer (runs are never freed while merging) */
        rc = dict_add(g, key, key_len, g->pw.df, g->pw.cf, post_off,
                      g->term_post.len - g->post_start, pos_off, g->term_pos.len - g->pos_start,
                      err);
        if (!rc && (g->term_post.len >= TERMS_FLUSH || g->term_pos.len >= TERMS_FLUSH))
            rc = group_flush_terms(g, err);
    }
    k->n_touched = 0;
    return rc;
}

static int merge_kind(kind_merge *k, poisk_error *err)
{
    run_cur *curs = calloc(k->n_runs ? k->n_runs : 1, sizeof *curs);
    heap h = { calloc(k->n_runs ? k->n_runs : 1, sizeof(run_cur *)), 0 };
    int rc = POISK_OK;
    if (!curs || !h.v) {
        rc = poisk_error_set(err, POISK_ENOMEM, "out of memory merging runs");
        goto done;
    }
    for (size_t i = 0; i < k->n_runs; i++) {
        const poisk_run *r = &k->runs[i];
        size_t lo = k->kind == 0 ? 0 : r->kind_off, hi = k->kind == 0 ? r->kind_off : r->len;
        if (lo > hi || hi > r->len) {
            rc = poisk_error_set(err, POISK_EIO, "a sorted run of the build is damaged");
            goto done;
        }
        curs[i].p = r->data + lo;
        curs[i].end = r->data + hi;
        curs[i].batch = r->batch;
        curs[i].base = r->first_doc;
        curs[i].kept = r->map ? curs[i].p : NULL;
        int n = cur_next(&curs[i]);
        if (n < 0) {
            rc = poisk_error_set(err, POISK_EIO, "a sorted run of the build is damaged");
            goto done;
        }
        if (n > 0)
            h.v[h.n++] = &curs[i];
    }
    for (size_t i = h.n; i-- > 0;)
        heap_down(&h, i);
    /* decode MERGE_AHEAD postings ahead of their encoding (see staged): fill the ring,
     * encode half of it, fill again */
    feeder f = { .h = h };
    staged ring[MERGE_AHEAD];
    size_t head = 0, tail = 0;
    int more = 1;
    while (!rc) {
        if (more && (more = produce(k, &f, ring, &head, tail)) < 0) {
            rc = poisk_error_set(err, POISK_EIO, "a sorted run of the build is damaged");
            break;
        }
        if (tail == head)
            break;
        size_t stop = more ? head - MERGE_AHEAD / 2 : head;
        while (tail < stop && !rc) {
            const staged *s = &ring[tail++ % MERGE_AHEAD];
            rc = s->tf ? feed_posting(k, s, err) : finish_term(k, s->pos, s->plen, err);
        }
    }
    for (unsigned s = 0; s < POISK_SECTION_COUNT; s++) {
        group *g = &k->g[s];
        if (g->open && !rc)
            rc = group_close(g, &k->io, err);
    }
done:
    for (unsigned s = 0; s < POISK_SECTION_COUNT; s++) {
        group *g = &k->g[s];
        if (g->open) {
            poisk_fout_abort(&g->dict);
            poisk_fout_abort(&g->post);
            poisk_fout_abort(&g->posn);
        }
        poisk_buf_free(&g->block);
        poisk_buf_free(&g->term_post);
        poisk_buf_free(&g->term_pos);
        poisk_plist_writer_free(&g->pw);
        free(g->block_offs);
        free(g->prev);
    }
    free(h.v);
    free(curs);
    return rc;
}

static void *merge_thread(void *arg)
{
    kind_merge *k = arg;
    k->rc = merge_kind(k, &k->err);
    return NULL;
}

int poisk_merge_add_file(poisk_merge_io *io, const char *name, uint64_t size)
{
    if (io->n_files == io->cap_files) {
        size_t cap = io->cap_files ? 2 * io->cap_files : 64;
        char **n = realloc(io->names, cap * sizeof *n);
        if (!n)
            return POISK_ENOMEM;
        io->names = n;
        uint64_t *s = realloc(io->sizes, cap * sizeof *s);
        if (!s)
            return POISK_ENOMEM;
        io->sizes = s;
        io->cap_files = cap;
    }
    char *c = strdup(name);
    if (!c)
        return POISK_ENOMEM;
    io->names[io->n_files] = c;
    io->sizes[io->n_files++] = size;
    return POISK_OK;
}

int poisk_merge_runs(poisk_run *runs, size_t n_runs, poisk_merge_io *io, poisk_error *err)
{
    kind_merge *k = calloc(2, sizeof *k);
    /* read at random, one posting at a time: from 2 MiB on (256 k passages) in huge pages,
     * so the prefetch of a posting's doc_info does not stall on a page walk */
    size_t docs_bytes = ((size_t)io->n_docs + 1) * sizeof(doc_info);
    doc_info *docs = poisk_table_alloc(docs_bytes);
    if (!k || !docs) {
        free(k);
        poisk_table_free(docs, docs_bytes);
        return poisk_error_set(err, POISK_ENOMEM, "out of memory merging runs");
    }
    for (uint32_t d = 0; d < io->n_docs; d++) {
        docs[d].local = io->local[d];
        docs[d].dl_sec = (io->dl[d] < DL_CLAMP ? io->dl[d] : DL_CLAMP) << 4 | io->secs[d];
    }
    for (unsigned i = 0; i < 2; i++) {
        k[i].kind = i;
        k[i].docs = docs;
        k[i].runs = runs;
        k[i].n_runs = n_runs;
        k[i].io = *io;
        k[i].io.names = NULL;
        k[i].io.sizes = NULL;
        k[i].io.n_files = k[i].io.cap_files = 0;
        k[i].io.terms = 0;
    }
    /* stems and exact forms write disjoint files: one thread each when there are two */
    pthread_t tid;
    int threaded = io->threads >= 2 && pthread_create(&tid, NULL, merge_thread, &k[1]) == 0;
    merge_thread(&k[0]);
    if (threaded)
        pthread_join(tid, NULL);
    else
        merge_thread(&k[1]);
    int rc = POISK_OK;
    for (unsigned i = 0; i < 2; i++) {
        if (k[i].rc && !rc) {
            rc = k[i].rc;
            if (err)
                *err = k[i].err;
        }
        for (size_t f = 0; f < k[i].io.n_files; f++) {
            if (!rc && (rc = poisk_merge_add_file(io, k[i].io.names[f], k[i].io.sizes[f])))
                poisk_error_set(err, rc, "out of memory merging runs");
            free(k[i].io.names[f]);
        }
        free(k[i].io.names);
        free(k[i].io.sizes);
        io->terms += k[i].io.terms;
    }
    poisk_table_free(docs, docs_bytes);
    free(k);
    return rc;
}
