/*
 * codec.h: the postings codec (stage: index writer -> files -> reader).  Varints, 128-value
 * bit-packed blocks, and the encoder/decoder of one term's postings (skip entries, doc-gap
 * and tf blocks with a varint tail, positions in a separate stream) as docs/FORMAT.md §6
 * lays them out.  Pure in-memory code: the writer feeds it postings and writes the bytes;
 * the reader hands it checksum-verified byte ranges.  Decoding never reads outside the
 * ranges it is given, whatever the bytes.
 */
#ifndef POISK_CODEC_H
#define POISK_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define POISK_BLOCK_SIZE 128
/* Competitive (tf, dl) pairs kept per skip entry (docs/FORMAT.md §6): at most this many. */
#define POISK_IMPACTS_MAX 8
/* Blocks per group record of the coarse skip level (docs/FORMAT.md §6.2, version 5): a term
 * with more blocks than this has one record per this many blocks. */
#define POISK_SKIP_GROUP 16

/* ---- growable byte buffer ------------------------------------------------------------- */

typedef struct poisk_buf {
    uint8_t *data;
    size_t len, cap;
    int failed;                 /* an allocation failed: the contents are incomplete */
    int mapped;                 /* data is an anonymous mapping of cap bytes (poisk_buf_map) */
} poisk_buf;

/*! poisk_buf_map() : makes the empty buffer b an anonymous mapping of at least n bytes
 *  (whole pages, which come on first touch or are moved in by the owner, writer_mem.h)
 *  instead of heap memory; reserve grows it into a new mapping (a copy: meant for buffers
 *  sized right in advance), free unmaps it.  @return : 0, or -1 (b unchanged) */
int  poisk_buf_map(poisk_buf *b, size_t n);

/*! poisk_buf_reserve() : room for n more bytes.  @return : 0, or -1 (and failed set) */
int  poisk_buf_reserve(poisk_buf *b, size_t n);

/*! poisk_buf_room() : poisk_buf_reserve() with the room checked inline, so that the writer's
 *  per-posting appends call out only to grow. */
static inline int poisk_buf_room(poisk_buf *b, size_t n)
{
    return !b->failed && b->cap - b->len >= n ? 0 : poisk_buf_reserve(b, n);
}

/*! poisk_varint_put() : v as a varint at o (room for 10 bytes).  @return : o past it */
static inline uint8_t *poisk_varint_put(uint8_t *o, uint64_t v)
{
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

static inline void poisk_buf_put(poisk_buf *b, const void *p, size_t n)
{
    if (n == 0 || poisk_buf_room(b, n) != 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void poisk_buf_put_varint(poisk_buf *b, uint64_t v)
{
    if (poisk_buf_room(b, 10) != 0)
        return;
    b->len = (size_t)(poisk_varint_put(b->data + b->len, v) - b->data);
}

void poisk_buf_put_u32(poisk_buf *b, uint32_t v);
void poisk_buf_put_u64(poisk_buf *b, uint64_t v);
void poisk_buf_free(poisk_buf *b);

/*! poisk_array_reserve() : make the array *p of *cap elements of `elem` bytes hold at least
 *  `need`, doubling from `first` (the capacity of an empty array).  The one growth rule of
 *  the indexer's tables and lists.  @return : 0, or -1 (out of memory; *p and *cap kept) */
int  poisk_array_reserve(void **p, size_t *cap, size_t need, size_t elem, size_t first);

/* ---- varints and fixed-width little-endian integers ----------------------------------- */

/*! Writes at most 10 bytes.  @return : bytes written */
static inline size_t poisk_varint_encode(uint8_t *p, uint64_t v)
{
    return (size_t)(poisk_varint_put(p, v) - p);
}
/*! poisk_varint_decode() past its one-byte case. */
int poisk_varint_decode_long(const uint8_t **p, const uint8_t *end, uint64_t *v);

/*! Reads one varint from [*p, end) and advances *p; the common one-byte case inline (the
 *  merge and the positions decoder read one or more per posting).  @return : 0, or -1 when
 *  truncated or longer than 10 bytes */
static inline int poisk_varint_decode(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    if (*p < end && **p < 0x80) {
        *v = *(*p)++;
        return 0;
    }
    return poisk_varint_decode_long(p, end, v);
}

static inline uint32_t poisk_load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t poisk_load_u64(const uint8_t *p)
{
    return (uint64_t)poisk_load_u32(p) | (uint64_t)poisk_load_u32(p + 4) << 32;
}
static inline void poisk_store_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- 128-value bit-packed blocks ------------------------------------------------------ */

/*! Bits needed for the largest of n values (0 when all are 0). */
unsigned poisk_codec_bits(const uint32_t *v, size_t n);
/*! Packs 128 values of at most b bits into 16*b bytes. */
void poisk_codec_pack128(const uint32_t *in, unsigned b, uint8_t *out);
/*! Unpacks 128 values of b bits (b <= 32) from 16*b bytes. */
void poisk_codec_unpack128(const uint8_t *in, unsigned b, uint32_t *out);

/* A full block's first byte when its ids are a bit set (docs/FORMAT.md §6.3, version 7);
 * a packed block's first byte is its gap width, 0..32. */
#define POISK_BLOCK_BITMAP 64u

/*! The id of a bitmap block's bit 0: 0 for a list's first block (its first id may be 0),
 *  else one past the previous block's last id. */
static inline uint32_t poisk_block_bitmap_base(int first_block, uint32_t prev_last)
{
    return first_block ? 0 : prev_last + 1;
}
/*! Bytes of a bitmap block's bit set over ids [base, last]: whole 64-bit words. */
static inline size_t poisk_block_bitmap_bytes(uint32_t base, uint32_t last)
{
    return 8 * (((size_t)last - base + 1 + 63) / 64);
}

/* A bitmap block as its reader (and an evaluator scanning it in place) sees it. */
typedef struct poisk_bitmap_view {
    const uint8_t *bm;               /* the bit set: bit j = id base + j */
    const uint8_t *tfs;              /* the packed tfs - 1, bt bits each */
    uint32_t base, last, bt;         /* last: the block's last id (its highest bit) */
} poisk_bitmap_view;

/*! The first id >= target of a checked bit set (target <= v->last: its bit ends the scan). */
static inline uint32_t poisk_bitmap_next_geq(const poisk_bitmap_view *v, uint32_t target)
{
    uint32_t r = target > v->base ? target - v->base : 0;
    uint32_t k = r / 64;
    uint64_t w = poisk_load_u64(v->bm + 8 * k) & (~(uint64_t)0 << (r % 64));
    while (w == 0)
        w = poisk_load_u64(v->bm + 8 * ++k);
    return v->base + 64 * k + (uint32_t)__builtin_ctzll(w);
}

/*! The tf of id x of a checked bit set (x's bit set): its rank (the bits set below it)
 *  picks its packed value.  Out of line: the rank uses the popcnt instruction when the CPU
 *  has it (the build does not assume it). */
uint32_t poisk_bitmap_tf(const poisk_bitmap_view *v, uint32_t x);

/* ---- one term's postings: encoder ------------------------------------------------------ */

/* A block's impacts: the Pareto frontier of its (tf, passage length) pairs -- no posting of
 * the block has a tf above tf[i] unless its length is above dl[i] -- in ascending tf (and
 * so ascending dl), merged down to POISK_IMPACTS_MAX pairs.  max over the pairs of BM25(tf,
 * dl) is then the block's best score for any k1, b, avgdl (and an upper bound when merged). */
typedef struct poisk_impacts {
    uint32_t n;
    uint32_t tf[POISK_IMPACTS_MAX], dl[POISK_IMPACTS_MAX];
} poisk_impacts;

typedef struct poisk_skip_entry {
    uint32_t last;
    poisk_impacts imp;
    uint64_t blk_bytes, pos_bytes;
} poisk_skip_entry;

typedef struct poisk_plist_writer {
    poisk_skip_entry *entries;       /* one per block so far */
    size_t n_entries, cap_entries;
    poisk_buf skip, blocks;          /* the term's postings, assembled by finish() */
    poisk_buf groups;                /* the group records (version 5), built by finish() */
    poisk_buf *pos;                  /* positions are appended here as they come */
    uint32_t docs[POISK_BLOCK_SIZE], tfs[POISK_BLOCK_SIZE], dls[POISK_BLOCK_SIZE];
    uint32_t n;
    uint32_t prev_last;              /* last doc of the previous block */
    uint32_t last_doc;
    size_t block_pos_start;          /* pos->len when the current block began */
    uint32_t df;
    uint64_t cf;
    int marked;                      /* exact lists (v4): a per-block elision bitmap */
    uint8_t elided[POISK_BLOCK_SIZE / 8];   /* the current block's elided postings */
    int failed;                      /* out of memory somewhere: output incomplete */
} poisk_plist_writer;

/*! Start a term; positions are appended to *pos. */
void poisk_plist_writer_begin(poisk_plist_writer *w, poisk_buf *pos);
/*! Start an exact-form term (docs/FORMAT.md §6, version 4): each block's positions end
 *  with a bitmap of the postings whose positions are not stored (they are the canonical
 *  stem's, added with poisk_plist_writer_add_elided()). */
void poisk_plist_writer_begin_marked(poisk_plist_writer *w, poisk_buf *pos);
/*! Add one posting: docs strictly increasing, tf >= 1 positions strictly increasing. */
void poisk_plist_writer_add(poisk_plist_writer *w, uint32_t doc, uint32_t tf,
                            const uint32_t *positions, uint32_t dl);
/*! Encode the full block of postings the writer holds (the inline adds below call it). */
void poisk_plist_writer_flush_block(poisk_plist_writer *w);

/* The bookkeeping of one posting (the adds below); positions are the caller's. */
static inline void poisk_plist_writer_note_(poisk_plist_writer *w, uint32_t doc, uint32_t tf,
                                            uint32_t dl)
{
    uint32_t n = w->n;
    w->docs[n] = doc;
    w->tfs[n] = tf;
    w->dls[n] = dl;
    w->n = n + 1;
    w->df++;
    w->cf += tf;
    w->last_doc = doc;
}

/*! The same as poisk_plist_writer_add() with the positions already encoded as the positions
 *  stream wants them (tf varint gaps, the first absolute): the writer's runs keep them so,
 *  and the merge copies them instead of decoding and re-encoding every position.  Inline:
 *  the merge calls it once per posting. */
static inline void poisk_plist_writer_add_raw(poisk_plist_writer *w, uint32_t doc, uint32_t tf,
                                              const uint8_t *pos, size_t pos_len, uint32_t dl)
{
    poisk_plist_writer_note_(w, doc, tf, dl);
    poisk_buf *b = w->pos;
    if (pos_len <= 8 && !b->failed && b->cap - b->len >= 8) {  /* mostly 1-3 bytes */
        uint8_t *o = b->data + b->len;
        for (size_t i = 0; i < pos_len; i++)
            o[i] = pos[i];
        b->len += pos_len;
    } else {
        poisk_buf_put(b, pos, pos_len);
    }
    if (w->n == POISK_BLOCK_SIZE)
        poisk_plist_writer_flush_block(w);
}

/*! Add a posting of a marked term without positions: they are its stem's in this doc. */
static inline void poisk_plist_writer_add_elided(poisk_plist_writer *w, uint32_t doc, uint32_t tf,
                                                 uint32_t dl)
{
    if (!w->marked) {               /* only an exact list can say "its stem's positions" */
        w->failed = 1;
        return;
    }
    w->elided[w->n / 8] |= (uint8_t)(1u << (w->n % 8));
    poisk_plist_writer_note_(w, doc, tf, dl);
    if (w->n == POISK_BLOCK_SIZE)
        poisk_plist_writer_flush_block(w);
}

/*! Append the term's postings (skip section + blocks) to *out. */
void poisk_plist_writer_finish(poisk_plist_writer *w, poisk_buf *out);
void poisk_plist_writer_free(poisk_plist_writer *w);

/* ---- one term's postings: decoder ---------------------------------------------------- */

/* A group-record reader (docs/FORMAT.md §6.2): the group last read and where it starts. */
typedef struct poisk_skip_group {
    const uint8_t *p;                /* next group record */
    uint32_t g;                      /* group described; UINT32_MAX before the first */
    uint32_t lprev, llast;           /* last doc before the group, of the group (local) */
    uint32_t prev, last;             /* the same mapped through the doc map */
    const uint8_t *imp_p;            /* the record's impacts, decoded on demand into imp */
    uint32_t imp_g;                  /* group whose impacts imp holds (UINT32_MAX: none) */
    poisk_impacts imp;               /* the group's frontier: dominates its blocks' pairs */
    size_t skip_off, blk_off, pos_off;       /* where the group starts */
    size_t skip_bytes, blk_bytes, pos_bytes; /* its sizes */
} poisk_skip_group;

/* A skip-entry reader: where one block is and what the skip entry says about it. */
typedef struct poisk_skip_pos {
    const uint8_t *p;                /* next skip entry */
    uint32_t idx;                    /* block index this entry describes */
    uint32_t prev_last, last;        /* last doc of the previous block, of this block
                                      * (mapped through the doc map: global ids) */
    uint32_t lprev, llast;           /* the same as stored: section-local ids */
    poisk_impacts imp;               /* the block's competitive (tf, dl) pairs */
    size_t blk_off, blk_bytes;       /* in the blocks area */
    size_t pos_off, pos_bytes;       /* in the term's positions */
} poisk_skip_pos;

typedef struct poisk_plist {
    const uint8_t *skip_begin, *skip_end;        /* the skip entries */
    const uint8_t *grp_begin, *grp_end;          /* the group records (ngroups of them) */
    uint32_t ngroups;                            /* 0: nblocks <= POISK_SKIP_GROUP */
    poisk_skip_group grp;            /* the group reader both skip readers jump with (forward
                                      * only, may be ahead of or behind either) */
    const uint8_t *blocks;  size_t blocks_len;
    const uint8_t *pos;     size_t pos_len;     /* may be NULL until positions are needed */
    uint32_t df, nblocks;
    poisk_skip_pos dec;                          /* the decoded block */
    poisk_skip_pos shallow;                      /* block-max pointer, never behind dec */
    int shallow_end;                             /* shallow moved past the last block */
    uint32_t n, i;                               /* postings in the decoded block; current */
    uint32_t doc;                                /* current doc or UINT32_MAX */
    uint32_t docs[POISK_BLOCK_SIZE + 8];         /* + 8: a bitmap block's decode overshoots */
    uint32_t tfs[POISK_BLOCK_SIZE];
    const uint8_t *pos_p; uint32_t pos_i;        /* positions read up to posting pos_i */
    uint32_t *posbuf; uint32_t posbuf_cap, posbuf_n, posbuf_for;
    uint64_t blocks_decoded;
    int marked;                      /* exact list: positions end each block with a bitmap
                                      * of elided postings (set before open, kept) */
    int pend;                        /* probed: dec's block is a bit set not decoded (n 0),
                                      * doc one of its ids (poisk_plist_probe) */
    poisk_bitmap_view bmv;           /* dec's bit set, when a bitmap block */
    const uint32_t *docmap;          /* stored (local) id -> reported id; NULL: identity */
    uint32_t docmap_n;               /* stored ids must be < docmap_n (0: no bound) */
} poisk_plist;

#define POISK_PLIST_END UINT32_MAX

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*! poisk_block_next_geq() : the first index j >= i of a decoded block's ids (a 128-slot
 *  array, ascending in [0, n)) with docs[j] >= target; the caller knows docs[n - 1] >=
 *  target, so j < n.  Eight ids per step (SSE2, unsigned compares by a bias) while the step
 *  stays inside the 128 slots; slots past n are never reached (docs[n - 1] stops it). */
static inline uint32_t poisk_block_next_geq(const uint32_t *docs, uint32_t i, uint32_t target)
{
    if (docs[i] >= target)
        return i;
#if defined(__SSE2__)
    const __m128i bias = _mm_set1_epi32((int)0x80000000u);
    const __m128i t = _mm_set1_epi32((int)(target ^ 0x80000000u));
    for (i++; i + 8 <= POISK_BLOCK_SIZE; i += 8) {
        __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(docs + i)), bias);
        __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(docs + i + 4)), bias);
        /* lanes below target */
        unsigned lt = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(t, a)))
                    | (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(t, b))) << 4;
        if (lt != 0xff)
            return i + (uint32_t)__builtin_ctz(~lt);
    }
#endif
    while (docs[i] < target)
        i++;
    return i;
}

/* ---- decode helpers for the evaluator (branch eval) ------------------------------------ */

/*! poisk_codec_gaps_to_docs128() : 128 doc gaps -> doc ids in place, starting after prev.
 *  @return : 0, or -1 when a gap is 0 (the first may be when first_may_repeat) or a sum
 *            passes 2^32 - 1 (the ids are then meaningless) */
int poisk_codec_gaps_to_docs128(uint32_t *v, uint32_t prev, int first_may_repeat);
/*! poisk_codec_map_ids() : v[i] = map[v[i]] for i < n (the caller bounds the ids). */
void poisk_codec_map_ids(uint32_t *v, uint32_t n, const uint32_t *map);

/* All return 0, or -1 when the bytes are inconsistent (the caller names the file).
 * Zero a poisk_plist before its first open; it may be reopened, then freed once. */
/*! Doc ids are stored section-local (docs/FORMAT.md §6); map[local] is the id the cursor
 *  reports (ascending in local).  Set before open; kept across reopens.  A stored id >= n
 *  is corrupt (n == 0: unbounded).  Without a map (NULL) ids are reported as stored. */
void poisk_plist_set_docmap(poisk_plist *c, const uint32_t *map, uint32_t n);
int  poisk_plist_open(poisk_plist *c, const uint8_t *post, size_t post_len, uint32_t df);
/*! Lazy open: skip entries are readable (shallow_advance, block_*) but no block is decoded
 *  until the first next() (-> the first posting) or advance(target) (-> decodes only the
 *  block holding target).  Until then doc is 0 and tf 0: not a posting. */
int  poisk_plist_open_lazy(poisk_plist *c, const uint8_t *post, size_t post_len, uint32_t df);
void poisk_plist_set_positions(poisk_plist *c, const uint8_t *pos, size_t pos_len);
int  poisk_plist_next_block(poisk_plist *c);
/* Inline fast path: most steps stay inside the decoded block. */
static inline int poisk_plist_next(poisk_plist *c)
{
    if (c->doc != UINT32_MAX && c->i + 1 < c->n) {
        c->doc = c->docs[++c->i];
        return 0;
    }
    return poisk_plist_next_block(c);
}
int  poisk_plist_advance(poisk_plist *c, uint32_t target);
/*! poisk_plist_probe() : poisk_plist_advance() that leaves a bitmap block (docs/FORMAT.md
 *  §6.3) undecoded: doc is then the first id >= target found by a bit scan, and the block is
 *  decoded only by the next advance() past target or next() (the cursor is "pending": n ==
 *  0, `pend` set; its tf is read by rank, its positions decode the block).  A conjunction's
 *  candidates that are not in a term cost a bit scan instead of a block decode.  Without a
 *  doc map only (with one, it is advance()). */
int  poisk_plist_probe(poisk_plist *c, uint32_t target);
int  poisk_plist_shallow_advance(poisk_plist *c, uint32_t target);
/*! The coarse bound at target (docs/FORMAT.md §6.2): the group of the list holding the first
 *  block that may contain target -- its last doc and, when that is <= limit, its impacts
 *  (the frontier of its blocks' pairs; else *imp is NULL) -- read forward without parsing
 *  skip entries or moving the shallow block.  *last is POISK_PLIST_END (and *imp NULL) when
 *  the list has no groups or target is past its last doc.
 *  @return : 0, or -1 when a group record is corrupt */
int poisk_plist_shallow_group(poisk_plist *c, uint32_t target, uint32_t limit, uint32_t *last,
                              const poisk_impacts **imp);
/*! Checks the group records against the skip entries (indexer --check): each record's last
 *  doc and offsets agree with its blocks' entries, its impacts dominate theirs.
 *  @return : 0, or -1 */
int poisk_plist_check_groups(const poisk_plist *c);
uint32_t poisk_plist_block_last_doc(const poisk_plist *c);
uint32_t poisk_plist_block_max_tf(const poisk_plist *c);
uint32_t poisk_plist_block_min_dl(const poisk_plist *c);
/*! The shallow block's impacts (n == 0 past the last block). */
const poisk_impacts *poisk_plist_block_impacts(const poisk_plist *c);
/*! The frontier of n (tf, dl) pairs, merged to at most POISK_IMPACTS_MAX (the writer's rule;
 *  exposed for tests).  tf and dl are scratch: reordered. */
void poisk_impacts_build(poisk_impacts *out, uint32_t *tf, uint32_t *dl, uint32_t n);
/*! A pending cursor's tf (poisk_plist_probe): its id's rank in the bit set picks its
 *  value in the packed tfs, nothing decoded. */
uint32_t poisk_plist_pending_tf(const poisk_plist *c);
static inline uint32_t poisk_plist_tf(const poisk_plist *c)
{
    if (c->doc == POISK_PLIST_END)
        return 0;
    return c->pend ? poisk_plist_pending_tf(c) : c->tfs[c->i];
}
/*! Marked (exact-form) list: see poisk_plist_writer_begin_marked().  Before open. */
void poisk_plist_set_marked(poisk_plist *c, int marked);
/*! Positions of the current posting; needs poisk_plist_set_positions() first.
 *  @return : 0, -1 corrupt, or 1 when the list is marked and this posting's positions are
 *  elided (they are those of the form's canonical stem in the same passage). */
int  poisk_plist_positions(poisk_plist *c, const uint32_t **pos, uint32_t *n);
void poisk_plist_free(poisk_plist *c);

#endif
