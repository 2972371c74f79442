/*
 * jsonl.c: JSON-lines input (jsonl.h), parsed with cJSON line by line; every string the
 * passages keep is copied into the document, so the file buffer may be freed after.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "jsonl.h"
#include "regions.h"
#include "structure_model.h"

/* ids seen in this file, with their line, for the duplicate check */
typedef struct id_set {
    const char **id;
    size_t *line;
    size_t cap, n;
} id_set;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* @return : the line of an earlier equal id, 0 if new, (size_t)-1 on ENOMEM */
static size_t id_set_add(id_set *s, const char *id, size_t line)
{
    if (s->n * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        const char **ids = calloc(cap, sizeof *ids);
        size_t *lines = calloc(cap, sizeof *lines);
        if (!ids || !lines) { free(ids); free(lines); return (size_t)-1; }
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->id[i]) continue;
            size_t h = hash_str(s->id[i]) & (cap - 1);
            while (ids[h]) h = (h + 1) & (cap - 1);
            ids[h] = s->id[i];
            lines[h] = s->line[i];
        }
        free(s->id);
        free(s->line);
        s->id = ids;
        s->line = lines;
        s->cap = cap;
    }
    size_t h = hash_str(id) & (s->cap - 1);
    while (s->id[h]) {
        if (!strcmp(s->id[h], id)) return s->line[h];
        h = (h + 1) & (s->cap - 1);
    }
    s->id[h] = id;
    s->line[h] = line;
    s->n++;
    return 0;
}

static const char *get_string(poisk_document *d, const cJSON *o, const char *key,
                              int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) return NULL;
    if (cJSON_IsString(v) && v->valuestring)
        return poisk_document_strndup(d, v->valuestring, strlen(v->valuestring));
    if (cJSON_IsNumber(v)) {
        char num[32];
        snprintf(num, sizeof num, "%.0f", v->valuedouble);
        return poisk_document_strndup(d, num, strlen(num));
    }
    *bad = 1;
    return NULL;
}

static int section_of(const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) return POISK_SECTION_OTHER;
    if (cJSON_IsNumber(v)) {
        int k = (int)v->valuedouble;
        return k >= 1 && k <= 9 ? k - 1 : -1;
    }
    if (!cJSON_IsString(v) || !v->valuestring) return -1;
    int s = poisk_section_from_id(v->valuestring);
    if (s >= 0) return s;
    const char *t = v->valuestring;
    if (t[0] >= '1' && t[0] <= '9' && (!t[1] || (t[1] == '.' && !t[2]))) return t[0] - '1';
    return -1;
}

static int parse_line(poisk_document *d, const char *path, uint64_t line_no, const char *line,
                      size_t n, uint64_t off, id_set *ids, poisk_error *err)
{
    cJSON *o = cJSON_ParseWithLength(line, n);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return poisk_document_add_warning(d, "%s:%llu: not a JSON object; line skipped", path,
                                          (unsigned long long)line_no);
    }
    /* the dump's document/section/sector records describe, they are not passages */
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
    if (cJSON_IsString(kind) && kind->valuestring && strcmp(kind->valuestring, "passage")) {
        cJSON_Delete(o);
        return POISK_OK;
    }
    int bad = 0, rc = POISK_OK;
    poisk_passage p = { 0 };
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(o, "text");
    if (!cJSON_IsString(text) || !text->valuestring || !*text->valuestring) {
        cJSON_Delete(o);
        return poisk_document_add_warning(d, "%s:%llu: no \"text\"; line skipped", path,
                                          (unsigned long long)line_no);
    }
    p.text = poisk_document_strndup(d, text->valuestring, strlen(text->valuestring));
    p.text_len = p.text ? strlen(p.text) : 0;
    p.id = get_string(d, o, "id", &bad);
    if (!p.id) {
        char id[64];
        snprintf(id, sizeof id, ":%llu", (unsigned long long)line_no);
        size_t pl = strlen(path);
        char *full = poisk_document_alloc(d, pl + strlen(id) + 1);
        if (full) { memcpy(full, path, pl); strcpy(full + pl, id); }
        p.id = full;
    }
    const char *region = get_string(d, o, "region", &bad);
    const poisk_region *r = region ? poisk_region_lookup(region, strlen(region)) : NULL;
    p.region = r ? r->slug : "unknown";
    if (!r)
        rc = poisk_document_add_warning(d, "%s:%llu: region '%s' not recognised; indexed as "
                                        "'unknown'", path, (unsigned long long)line_no,
                                        region ? region : "");
    int s = section_of(cJSON_GetObjectItemCaseSensitive(o, "section"));
    if (s < 0 && rc == POISK_OK) {
        rc = poisk_document_add_warning(d, "%s:%llu: unknown section; indexed as 'other'", path,
                                        (unsigned long long)line_no);
        s = POISK_SECTION_OTHER;
    }
    p.section = (poisk_section)(s < 0 ? POISK_SECTION_OTHER : s);
    p.sector = get_string(d, o, "sector", &bad);
    p.subsection = get_string(d, o, "subsection", &bad);
    p.project = get_string(d, o, "project", &bad);
    const cJSON *pages = cJSON_GetObjectItemCaseSensitive(o, "pages");
    if (cJSON_IsArray(pages) || cJSON_IsNumber(pages)) {
        size_t np = cJSON_IsArray(pages) ? (size_t)cJSON_GetArraySize(pages) : 1;
        uint32_t *pg = poisk_document_alloc(d, (np ? np : 1) * sizeof *pg);
        size_t k = 0;
        const cJSON *it;
        if (pg && cJSON_IsNumber(pages) && pages->valuedouble >= 0) pg[k++] = (uint32_t)pages->valuedouble;
        else if (pg) cJSON_ArrayForEach(it, pages)
            if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble < 4e9) pg[k++] = (uint32_t)it->valuedouble;
        p.pages = pg;
        p.n_pages = k;
    }
    p.file = poisk_document_path(d);
    p.byte_start = off;
    p.byte_end = off + n;
    cJSON_Delete(o);
    if (!p.text || !p.id)
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path);
    if (bad && rc == POISK_OK)
        rc = poisk_document_add_warning(d, "%s:%llu: a field has the wrong type; ignored", path,
                                        (unsigned long long)line_no);
    size_t prev = id_set_add(ids, p.id, (size_t)line_no);
    if (prev == (size_t)-1)
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path);
    if (prev)
        return poisk_error_set(err, POISK_EINPUT, "%s:%llu: duplicate id '%s' (first at line %zu); "
                               "give every passage its own id", path,
                               (unsigned long long)line_no, p.id, prev);
    if (rc == POISK_OK && poisk_document_passage_count(d) == 0)
        poisk_document_set_region(d, p.region);
    return rc ? rc : poisk_document_push_passage(d, &p);
}

size_t poisk_jsonl_part_size(void)
{
    return poisk_input_size_env("POISK_JSONL_PART", POISK_JSONL_PART_DEFAULT);
}

int poisk_jsonl_parse(const char *path, const char *text, size_t len,
                      poisk_document **out, poisk_error *err)
{
    return poisk_jsonl_parse_part(path, text, len, 0, 1, out, err);
}

int poisk_jsonl_parse_part(const char *path, const char *text, size_t len, uint64_t off,
                           uint64_t line, poisk_document **out, poisk_error *err)
{
    *out = NULL;
    if (err) err->rc = POISK_OK;
    poisk_document *d = poisk_document_new(path);
    if (!d)
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory", path);
    id_set ids = { 0 };
    size_t pos = 0;
    uint64_t line_no = line - 1;
    int rc = POISK_OK;
    if (off == 0 && len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) pos = 3;
    while (pos < len && rc == POISK_OK) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len, e = end;
        line_no++;
        while (e > pos && (text[e - 1] == '\r' || text[e - 1] == ' ' || text[e - 1] == '\t')) e--;
        size_t s = pos;
        while (s < e && (text[s] == ' ' || text[s] == '\t')) s++;
        if (e > s)
            rc = parse_line(d, path, line_no, text + s, e - s, off + s, &ids, err);
        pos = end + 1;
    }
    free(ids.id);
    free(ids.line);
    if (rc != POISK_OK) {
        poisk_document_free(d);
        if (err && err->rc == POISK_OK) poisk_error_set(err, rc, "%s: %s", path, poisk_strerror(rc));
        return rc;
    }
    *out = d;
    return POISK_OK;
}
