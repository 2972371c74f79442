/*
 * test_corruption_util.h: shared by the reliability suites (test_corruption.c,
 * test_crash.c): build a real index of the seed corpus through the structure parser and
 * the writer, in-process; and a deterministic "answer" of an index through the reader API
 * (every term of every dictionary with df and cf, the postings, tfs, lengths and positions
 * of a fixed share of the terms, exact lookups of real query words, and a sample of stored
 * passages) folded into one 64-bit hash, so two indexes answer the same iff the hashes
 * agree (up to hash collisions).
 */
#ifndef POISK_TEST_CORRUPTION_UTIL_H
#define POISK_TEST_CORRUPTION_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test_util.h"
#include "poisk/index.h"
#include "index_reader.h"
#include "structure.h"
#include "writer.h"

static const char *const rc_corpus[] = {
    "corpus/000_6d545a6ce98a1d7f.txt", "corpus/001_3861efe6e14c2db8.txt",
    "corpus/002_9b4cadca6ea1cf96.txt", "corpus/003_1226d5db7793b8dd.txt",
    "corpus/004_c48ce2c96f8ff17a.txt",
};
#define RC_CORPUS_FILES (sizeof rc_corpus / sizeof *rc_corpus)

/*! Build (or replace) the index in dir from the first n_files seed documents, each cut to
 *  max_bytes (0: whole).  @return : poisk_rc with *err */
static inline int rc_build_index(const char *dir, size_t n_files, size_t max_bytes, int threads,
                                 poisk_error *err)
{
    poisk_writer_options o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    poisk_writer *w;
    int rc = poisk_writer_create(dir, &o, &w, err);
    if (rc)
        return rc;
    for (size_t f = 0; f < n_files && !rc; f++) {
        size_t len;
        char *text = tu_read_file(rc_corpus[f], &len);
        if (!text)
            return poisk_error_set(err, POISK_EIO, "cannot read %s (run from the repository root)",
                                   rc_corpus[f]);
        if (max_bytes && len > max_bytes) {
            len = max_bytes;
            while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
                len--;                          /* cut on a character boundary */
        }
        poisk_document *doc;
        rc = poisk_document_parse(rc_corpus[f], text, len, &doc, err);
        for (size_t i = 0; !rc && i < poisk_document_passage_count(doc); i++)
            rc = poisk_writer_add(w, poisk_document_passage(doc, i), err);
        if (doc)
            poisk_document_free(doc);
        free(text);
    }
    if (!rc)
        rc = poisk_writer_commit(w, NULL, err);
    poisk_writer_free(w);
    return rc;
}

typedef struct rc_hash { uint64_t h; } rc_hash;
static inline void rc_mix(rc_hash *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h->h = (h->h ^ b[i]) * 1099511628211ull;
    h->h = (h->h ^ n) * 1099511628211ull;
}
static inline void rc_mix64(rc_hash *h, uint64_t v) { rc_mix(h, &v, sizeof v); }

/* Terms whose postings the answer walks: every `stride`-th term of each dictionary. */
typedef struct rc_walk {
    rc_hash *h;
    unsigned stride, seen;
    poisk_term_info *infos;
    size_t n, cap;
} rc_walk;

static inline int rc_visit(void *ctx, const char *term, size_t len, const poisk_term_info *info)
{
    rc_walk *w = ctx;
    rc_mix(w->h, term, len);
    rc_mix64(w->h, info->df);
    rc_mix64(w->h, info->cf);
    if (w->seen++ % w->stride == 0) {
        if (w->n == w->cap)
            w->infos = realloc(w->infos, (w->cap = w->cap ? 2 * w->cap : 256) * sizeof *w->infos);
        w->infos[w->n++] = *info;
    }
    return 0;
}

static inline int rc_walk_postings(poisk_section_index *sec, poisk_dict_kind kind,
                                   const poisk_term_info *info, rc_hash *h, poisk_error *err)
{
    poisk_postings *c;
    int rc = poisk_postings_open(sec, kind, info, &c, err);
    if (rc)
        return rc;
    uint32_t k = 0;
    while (!rc && poisk_postings_doc(c) != POISK_DOC_END) {
        uint32_t doc = poisk_postings_doc(c);
        rc_mix64(h, doc);
        rc_mix64(h, poisk_postings_tf(c));
        rc_mix64(h, poisk_section_doc_length(sec, doc));
        rc_mix64(h, poisk_postings_block_max_tf(c));
        if (k++ % 2 == 0) {
            const uint32_t *pos;
            uint32_t n;
            if ((rc = poisk_postings_positions(c, &pos, &n, err)))
                break;
            rc_mix(h, pos, n * sizeof *pos);
        }
        rc = poisk_postings_next(c, err);
    }
    poisk_postings_close(c);
    return rc;
}

/* Real query words: stems and exact forms as the analyzer gives them. */
static const char *const rc_lookups[] = {
    "телемедицин", "цифров", "трансформац", "образован", "здравоохранен", "цод", "гис",
    "платформ", "проект", "показател", "искусствен", "интеллект", "2030", "школ",
};

/*! The answer of the index in dir: hash in *out.  stride: walk every stride-th term's
 *  postings; passage_step: read every passage_step-th passage.  @return : poisk_rc */
static inline int rc_answer(const char *dir, unsigned stride, unsigned passage_step,
                            uint64_t *out, poisk_error *err)
{
    poisk_index *idx;
    int rc = poisk_index_open(dir, &idx, err);
    if (rc)
        return rc;
    rc_hash h = { 1469598103934665603ull };
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    rc_mix64(&h, st.passages);
    rc_mix64(&h, st.total_length);
    for (size_t i = 0; i < poisk_index_region_count(idx); i++) {
        const char *slug;
        uint32_t lo, hi;
        poisk_index_region_at(idx, i, &slug, &lo, &hi);
        rc_mix(&h, slug, strlen(slug));
        rc_mix64(&h, (uint64_t)lo << 32 | hi);
    }
    rc_walk w = { &h, stride, 0, NULL, 0, 0 };
    for (int s = 0; s < POISK_SECTION_COUNT && !rc; s++) {
        poisk_section_index *sec;
        if ((rc = poisk_index_section(idx, (poisk_section)s, &sec, err)) || !sec)
            continue;
        for (int kind = 0; kind < 2 && !rc; kind++) {
            w.n = 0;
            w.seen = (unsigned)s;               /* vary which terms get walked per section */
            rc = poisk_section_prefix(sec, (poisk_dict_kind)kind, "", 0, rc_visit, &w, err);
            for (size_t i = 0; i < w.n && !rc; i++)
                rc = rc_walk_postings(sec, (poisk_dict_kind)kind, &w.infos[i], &h, err);
            for (size_t i = 0; i < sizeof rc_lookups / sizeof *rc_lookups && !rc; i++) {
                poisk_term_info info;
                int found = 0;
                rc = poisk_section_lookup(sec, (poisk_dict_kind)kind, rc_lookups[i],
                                          strlen(rc_lookups[i]), &info, &found, err);
                rc_mix64(&h, found ? info.df : 0);
            }
        }
    }
    free(w.infos);
    poisk_passage_buf buf = { 0 };
    for (uint32_t d = 0; d < st.passages && !rc; d += passage_step) {
        poisk_passage p;
        if ((rc = poisk_index_passage(idx, d, &p, &buf, err)))
            break;
        rc_mix(&h, p.id, strlen(p.id));
        rc_mix(&h, p.region, strlen(p.region));
        rc_mix64(&h, p.section);
        rc_mix(&h, p.text, p.text_len);
        rc_mix64(&h, p.byte_start);
    }
    poisk_passage_buf_free(&buf);
    poisk_index_close(idx);
    *out = h.h;
    return rc;
}

/* The files of a directory, sorted by name (names only). */
static inline size_t rc_list_files(const char *dir, char names[][64], size_t cap)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < cap)
        if (e->d_name[0] != '.')
            snprintf(names[n++], 64, "%.63s", e->d_name);
    if (d)
        closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            memcpy(t, names[j], 64);
            memcpy(names[j], names[j - 1], 64);
            memcpy(names[j - 1], t, 64);
        }
    return n;
}

/* Scratch directories go to /dev/shm when it exists: the writer fsyncs every file, and
 * on tmpfs an fsync costs nothing, which keeps these suites within seconds. */
static inline char *rc_mkdtemp(const char *what)
{
    char *d = malloc(128);
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                       ? "/dev/shm" : "/tmp";
    snprintf(d, 128, "%s/poisk-%s-XXXXXX", base, what);
    if (!mkdtemp(d)) {
        free(d);
        return NULL;
    }
    return d;
}

/* Deterministic pseudo-random numbers (xorshift64*), so every run tests the same damage. */
static inline uint64_t rc_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

#endif
