/*
 * index_reader_verify.c: poisk_index_verify(), behind `indexer --check DIR`.  Checks every
 * page checksum and size of every file of the live generation, then decodes everything
 * through the reader: every dictionary term, its postings and positions (counts against
 * df and cf, docs inside the section, positions inside the passage), every stored passage.
 */
#include "index_reader_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct walk {
    poisk_section_index *sec;
    poisk_dict_kind kind;
    poisk_error *err;
    int rc;
    uint64_t terms;
} walk;

static int walk_term(void *ctx, const char *term, size_t len, const poisk_term_info *info)
{
    walk *w = ctx;
    poisk_postings *c;
    int rc = poisk_postings_open(w->sec, w->kind, info, &c, w->err);
    if (rc) {
        w->rc = rc;
        return 1;
    }
    uint64_t n = 0, cf = 0;
    uint32_t prev = 0;
    const char *bad = NULL;
    /* the coarse level (version 5): records agree with the entries and bound them */
    rc = poisk_postings_check_groups(c, w->err);
    while (!rc && poisk_postings_doc(c) != POISK_DOC_END) {
        uint32_t doc = poisk_postings_doc(c), dl = poisk_section_doc_length(w->sec, doc);
        const uint32_t *pos;
        uint32_t np;
        if ((n > 0 && doc <= prev) || dl == 0)
            bad = "postings name a passage outside the section";
        rc = poisk_postings_positions(c, &pos, &np, w->err);
        if (!rc && (np != poisk_postings_tf(c) || (np && pos[np - 1] >= dl)))
            bad = "positions disagree with the postings";
        /* the block's impacts (its skip entry) must bound every posting: queries skip
         * blocks by them */
        const poisk_impacts *im = poisk_postings_block_impacts(c);
        uint32_t k = 0;
        while (k < im->n && im->tf[k] < poisk_postings_tf(c))
            k++;
        if (!bad && (k == im->n || im->dl[k] > dl))
            bad = "a block's impacts do not bound its postings";
        if (bad)
            break;
        prev = doc;
        n++;
        cf += poisk_postings_tf(c);
        if (!rc)
            rc = poisk_postings_next(c, w->err);
    }
    if (!rc && !bad && (n != info->df || cf != info->cf))
        bad = "document or occurrence counts disagree with the dictionary";
    if (!rc && bad)
        rc = poisk_error_set(w->err, POISK_ECORRUPT,
                             "index file %s/g%08llu.s%02u.%s.post is damaged (term \"%.*s\": %s); "
                             "rebuild the index with indexer -o DIR",
                             w->sec->idx->dir, (unsigned long long)w->sec->idx->generation,
                             w->sec->section, w->kind ? "exact" : "stem", (int)(len > 64 ? 64 : len),
                             term, bad);
    poisk_postings_close(c);
    w->terms++;
    w->rc = rc;
    return rc != 0;
}

static int verify_files(poisk_index *idx, poisk_error *err)
{
    for (size_t i = 0; i < idx->m.n_files; i++) {
        poisk_file f;
        /* kind, section and dictionary come from the name: parse them back */
        const char *name = idx->m.files[i].name;
        uint32_t kind = 0, section = POISK_NO_SECTION, dict = POISK_NO_SECTION;
        unsigned s;
        char a[16], b[16];
        if (strstr(name, ".store"))
            kind = POISK_KIND_STORE;
        else if (sscanf(name + 9, ".s%2u.%15[a-z].%15[a-z]", &s, a, b) == 3) {
            section = s;
            dict = strcmp(a, "exact") == 0;
            kind = strcmp(b, "dict") == 0 ? POISK_KIND_DICT : strcmp(b, "post") == 0 ? POISK_KIND_POST
                                                                                    : POISK_KIND_POSN;
        } else if (sscanf(name + 9, ".s%2u.%15[a-z]", &s, a) == 2 && strcmp(a, "lens") == 0) {
            section = s;
            kind = POISK_KIND_LENS;
        }
        int rc = poisk_file_open(&f, idx->dir, name, idx->m.files[i].size, kind, idx->generation,
                                 section, dict, err);
        if (rc)
            return rc;
        rc = poisk_file_verify_all(&f, err);
        poisk_file_close(&f);
        if (rc)
            return rc;
    }
    return POISK_OK;
}

int poisk_index_verify(const char *dir, poisk_error *err)
{
    poisk_index *idx;
    int rc = poisk_index_open(dir, &idx, err);
    if (rc)
        return rc;
    if ((rc = poisk_file_verify_all(&idx->manifest_file, err)) || (rc = verify_files(idx, err)))
        goto done;
    for (int s = 0; s < POISK_SECTION_COUNT && !rc; s++) {
        poisk_section_index *sec;
        if ((rc = poisk_index_section(idx, (poisk_section)s, &sec, err)) || !sec)
            continue;
        for (int k = 0; k < 2 && !rc; k++) {
            walk w = { sec, (poisk_dict_kind)k, err, POISK_OK, 0 };
            rc = poisk_section_prefix(sec, w.kind, "", 0, walk_term, &w, err);
            if (!rc)
                rc = w.rc;
            if (!rc && w.terms != sec->d[k].n_terms)
                rc = poisk_error_set(err, POISK_ECORRUPT,
                                     "index file %s is damaged (term count); rebuild the index "
                                     "with indexer -o DIR", sec->d[k].dict.path);
        }
    }
    poisk_passage_buf buf = { 0 };
    for (uint32_t d = 0; d < idx->m.passages && !rc; d++) {
        poisk_passage p;
        rc = poisk_index_passage(idx, d, &p, &buf, err);
        if (rc)
            break;
        poisk_section_index *sec;
        rc = poisk_index_section(idx, p.section, &sec, err);
        if (!rc && (!sec || !((sec->bitmap[d >> 3] >> (d & 7)) & 1)))
            rc = poisk_error_set(err, POISK_ECORRUPT,
                                 "index in %s is damaged (passage %u is stored in section %d but "
                                 "not indexed there); rebuild it with indexer -o %s",
                                 dir, d, (int)p.section, dir);
    }
    poisk_passage_buf_free(&buf);
done:
    poisk_index_close(idx);
    return rc;
}
