/*
 * heaps: realism figures of a corpus for the benchmarks (stage: beside the generator; reads
 * the same text files the indexer reads).  `heaps FILE|DIR...` prints one JSON line:
 * tokens, distinct lowercase tokens, the Heaps' law fit V = K * n^beta (least squares over
 * log-spaced checkpoints), the vocabulary after the first 1.5 MB (the seeds' size, for a
 * like-for-like comparison) and the deflate ratio (libdeflate zlib format, level 6, 1 MB
 * blocks; at most 64 blocks spread over the corpus).
 *
 * A token is a maximal run of [0-9A-Za-zА-Яа-яЁё] as in CORPUS.md; Cyrillic is lowercased
 * and ё folded to е.
 */
#include <dirent.h>
#include <libdeflate.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct { char **v; size_t n; } list_t;

static void list_files(const char *path, list_t *l)
{
    struct stat st;
    if (stat(path, &st)) { fprintf(stderr, "heaps: cannot stat %s\n", path); exit(1); }
    if (S_ISDIR(st.st_mode)) {
        struct dirent **ents;
        int n = scandir(path, &ents, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            if (ents[i]->d_name[0] != '.') {
                char p[4096];
                snprintf(p, sizeof p, "%s/%s", path, ents[i]->d_name);
                size_t k = strlen(p);
                if (stat(p, &st) == 0 && (S_ISDIR(st.st_mode) || (k > 4 && !strcmp(p + k - 4, ".txt"))))
                    list_files(p, l);
            }
            free(ents[i]);
        }
        free(ents);
        return;
    }
    l->v = realloc(l->v, (l->n + 1) * sizeof(char *));
    l->v[l->n++] = strdup(path);
}

/* Hash set of 64-bit token hashes (collisions at 2^-64 do not matter for a count). */
typedef struct { uint64_t *k; size_t cap, n; } hset_t;
static int hset_add(hset_t *s, uint64_t h)
{
    if (!h) h = 1;
    if ((s->n + 1) * 2 > s->cap) {
        hset_t u = { calloc(s->cap ? s->cap * 2 : 1 << 16, 8), s->cap ? s->cap * 2 : 1 << 16, 0 };
        for (size_t i = 0; i < s->cap; i++)
            if (s->k[i]) {
                size_t j = s->k[i] & (u.cap - 1);
                while (u.k[j]) j = (j + 1) & (u.cap - 1);
                u.k[j] = s->k[i]; u.n++;
            }
        free(s->k);
        *s = u;
    }
    size_t j = h & (s->cap - 1);
    while (s->k[j]) { if (s->k[j] == h) return 0; j = (j + 1) & (s->cap - 1); }
    s->k[j] = h;
    s->n++;
    return 1;
}

/* Next token in [p, end): returns its folded hash, advances *pp; 0 at the end. */
static uint64_t next_token(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    uint64_t h = 1469598103934665603ULL;
    int in = 0;
    while (p < end) {
        unsigned c = p[0], cp = 0, adv = 1;
        if (c < 0x80) {
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) cp = c;
            else if (c >= 'A' && c <= 'Z') cp = c + 32;
        } else if ((c == 0xD0 || c == 0xD1) && p + 1 < end) {
            unsigned u = ((c & 0x1F) << 6) | (p[1] & 0x3F);
            adv = 2;
            if (u >= 0x410 && u <= 0x42F) cp = u + 0x20;
            else if (u >= 0x430 && u <= 0x44F) cp = u;
            else if (u == 0x401 || u == 0x451) cp = 0x435;     /* ё -> е */
        } else {
            adv = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : 2;
        }
        if (cp) { h = (h ^ cp) * 1099511628211ULL; in = 1; }
        else if (in) break;
        p += adv;
    }
    *pp = p > end ? end : p;
    return in ? (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fputs("usage: heaps FILE|DIR...\n", stderr); return 2; }
    list_t files = { 0 };
    for (int i = 1; i < argc; i++) list_files(argv[i], &files);
    uint64_t total_bytes = 0;
    for (size_t i = 0; i < files.n; i++) {
        struct stat st;
        if (!stat(files.v[i], &st)) total_bytes += (uint64_t)st.st_size;
    }
    uint64_t block = 1 << 20, stride_blocks = total_bytes / block / 64 + 1;
    struct libdeflate_compressor *cz = libdeflate_alloc_compressor(6);
    unsigned char *zout = malloc(block * 2), *pending = malloc(block);
    size_t pend = 0;
    uint64_t zin = 0, zo = 0, blocks_seen = 0;

    hset_t set = { 0 };
    uint64_t n = 0, next_cp = 1000, bytes = 0, v_at_seed = 0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int npts = 0;
    for (size_t f = 0; f < files.n; f++) {
        FILE *fp = fopen(files.v[f], "rb");
        if (!fp) { fprintf(stderr, "heaps: cannot read %s\n", files.v[f]); return 1; }
        fseek(fp, 0, SEEK_END);
        long len = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        unsigned char *t = malloc((size_t)len + 1);
        if (fread(t, 1, (size_t)len, fp) != (size_t)len) { fprintf(stderr, "heaps: short read %s\n", files.v[f]); return 1; }
        fclose(fp);
        const unsigned char *p = t, *end = t + len;
        uint64_t h;
        while ((h = next_token(&p, end))) {
            hset_add(&set, h);
            n++;
            if (n == next_cp) {
                sx += log((double)n); sy += log((double)set.n);
                sxx += log((double)n) * log((double)n); sxy += log((double)n) * log((double)set.n);
                npts++;
                next_cp = next_cp * 3 / 2;
            }
            if (!v_at_seed && bytes + (uint64_t)(p - t) >= 1525377) v_at_seed = set.n;
        }
        bytes += (uint64_t)len;
        /* deflate sample: whole 1 MB blocks of the concatenated text, every stride-th one */
        for (long off = 0; off < len;) {
            size_t take = (size_t)len - (size_t)off < block - pend ? (size_t)len - (size_t)off : block - pend;
            memcpy(pending + pend, t + off, take);
            pend += take; off += (long)take;
            if (pend == block) {
                if (blocks_seen++ % stride_blocks == 0) {
                    zo += libdeflate_zlib_compress(cz, pending, pend, zout, block * 2);
                    zin += pend;
                }
                pend = 0;
            }
        }
        free(t);
    }
    if (pend && zin == 0) { zo += libdeflate_zlib_compress(cz, pending, pend, zout, block * 2); zin += pend; }
    double beta = npts > 1 ? (npts * sxy - sx * sy) / (npts * sxx - sx * sx) : 0;
    double k = npts > 1 ? exp((sy - beta * sx) / npts) : 0;
    printf("{\"files\":%zu,\"bytes\":%llu,\"tokens\":%llu,\"distinct\":%zu,\"heaps_beta\":%.3f,"
           "\"heaps_k\":%.2f,\"distinct_at_1.5MB\":%llu,\"deflate6_ratio\":%.3f}\n",
           files.n, (unsigned long long)bytes, (unsigned long long)n, set.n, beta, k,
           (unsigned long long)(v_at_seed ? v_at_seed : set.n), zin ? (double)zo / (double)zin : 0.0);
    for (size_t i = 0; i < files.n; i++) free(files.v[i]);
    free(files.v); free(set.k); free(zout); free(pending);
    libdeflate_free_compressor(cz);
    return 0;
}
