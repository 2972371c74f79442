/*
 * output.c: results for people and scripts (stage: ranked hits -> output).
 *
 * JSON field names and meanings are a stable interface (docs/QUERY.md): scripts and the
 * HTTP server rely on them, so fields are only ever added.  Scores are printed at full
 * double precision (%.17g), so they parse back to the same double.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "results.h"

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* cJSON prints 15 significant digits; scores must round-trip exactly: %.17g does. */
static cJSON *exact_number(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", isfinite(v) ? v : 0.0);
    return cJSON_CreateRaw(buf);
}

static cJSON *explain_json(const poisk_hit *h)
{
    cJSON *e = cJSON_CreateObject();
    cJSON *terms = cJSON_AddArrayToObject(e, "terms");
    for (size_t i = 0; i < h->n_explain; i++) {
        const poisk_explain_term *t = &h->explain[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "term", t->term);
        cJSON_AddItemToObject(o, "idf", exact_number(t->idf));
        cJSON_AddNumberToObject(o, "tf", t->tf);
        cJSON_AddNumberToObject(o, "dl", t->dl);
        cJSON_AddItemToObject(o, "avgdl", exact_number(t->avgdl));
        cJSON_AddItemToObject(o, "contribution", exact_number(t->contribution));
        cJSON_AddItemToArray(terms, o);
    }
    cJSON_AddNumberToObject(e, "doc", h->doc);
    return e;
}

cJSON *poisk_hit_json(const poisk_hit *h, int explain)
{
    const poisk_passage *p = &h->passage;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "rank", h->rank);
    cJSON_AddItemToObject(o, "score", exact_number(h->score));
    cJSON_AddItemToObject(o, "id", str_or_null(p->id));
    cJSON_AddItemToObject(o, "region", str_or_null(p->region));
    cJSON_AddItemToObject(o, "region_name", str_or_null(h->region_name));
    cJSON_AddStringToObject(o, "section", poisk_section_id(p->section));
    cJSON_AddItemToObject(o, "sector", str_or_null(p->sector));
    cJSON_AddItemToObject(o, "subsection", str_or_null(p->subsection));
    cJSON_AddItemToObject(o, "project", str_or_null(p->project));
    cJSON *pages = cJSON_AddArrayToObject(o, "pages");
    for (size_t i = 0; pages && i < p->n_pages; i++)
        cJSON_AddItemToArray(pages, cJSON_CreateNumber(p->pages[i]));
    cJSON_AddItemToObject(o, "file", str_or_null(p->file));
    cJSON_AddNumberToObject(o, "byte_start", (double)p->byte_start);
    cJSON_AddNumberToObject(o, "byte_end", (double)p->byte_end);
    cJSON_AddItemToObject(o, "snippet", str_or_null(h->snippet));
    cJSON *hl = cJSON_AddArrayToObject(o, "highlights");
    for (size_t i = 0; hl && i < h->n_highlights; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateNumber(h->highlights[i][0]));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber(h->highlights[i][1]));
        cJSON_AddItemToArray(hl, pair);
    }
    if (explain)
        cJSON_AddItemToObject(o, "explain", explain_json(h));
    return o;
}

static cJSON *group_json(const poisk_region_group *g, int explain)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "region", str_or_null(g->region));
    cJSON_AddItemToObject(o, "region_name", str_or_null(g->region_name));
    cJSON_AddNumberToObject(o, "matches", (double)g->matches);
    cJSON *hits = cJSON_AddArrayToObject(o, "hits");
    for (size_t i = 0; i < g->n_hits; i++)
        cJSON_AddItemToArray(hits, poisk_hit_json(&g->hits[i], explain));
    return o;
}

cJSON *poisk_results_json_array(const poisk_results *r)
{
    cJSON *a = cJSON_CreateArray();
    if (!a)
        return NULL;
    if (r->by_region)
        for (size_t i = 0; i < r->n_groups; i++)
            cJSON_AddItemToArray(a, group_json(&r->groups[i], r->explain));
    else
        for (size_t i = 0; i < r->n_hits; i++)
            cJSON_AddItemToArray(a, poisk_hit_json(&r->hits[i], r->explain));
    return a;
}

char *poisk_results_json_hits(const poisk_results *r, size_t *len)
{
    cJSON *a = poisk_results_json_array(r);
    char *s = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    if (s && len)
        *len = strlen(s);
    return s;
}

static int print_json_line(FILE *f, cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!s)
        return -1;
    int rc = fputs(s, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
    free(s);
    return rc;
}

int poisk_output_json(FILE *f, const poisk_results *r)
{
    int rc = 0;
    if (r->by_region)
        for (size_t i = 0; i < r->n_groups && !rc; i++)
            rc = print_json_line(f, group_json(&r->groups[i], r->explain));
    else
        for (size_t i = 0; i < r->n_hits && !rc; i++)
            rc = print_json_line(f, poisk_hit_json(&r->hits[i], r->explain));
    if (!rc && r->total >= 0) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddNumberToObject(t, "total", (double)r->total);
        rc = print_json_line(f, t);
    }
    return rc;
}

/* Text with tabs, newlines and other control characters turned into spaces. */
static void put_flat(FILE *f, const char *s)
{
    for (; s && *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7F ? ' ' : *s, f);
}

static void put_tsv_hit(FILE *f, const poisk_hit *h)
{
    fprintf(f, "%u\t%.6f\t", h->rank, h->score);
    put_flat(f, h->passage.region);
    fprintf(f, "\t%s\t", poisk_section_id(h->passage.section));
    put_flat(f, h->passage.sector ? h->passage.sector : "");
    fputc('\t', f);
    put_flat(f, h->passage.id);
    fputc('\t', f);
    put_flat(f, h->snippet ? h->snippet : "");
    fputc('\n', f);
}

int poisk_output_tsv(FILE *f, const poisk_results *r)
{
    if (r->by_region)
        for (size_t g = 0; g < r->n_groups; g++)
            for (size_t i = 0; i < r->groups[g].n_hits; i++)
                put_tsv_hit(f, &r->groups[g].hits[i]);
    else
        for (size_t i = 0; i < r->n_hits; i++)
            put_tsv_hit(f, &r->hits[i]);
    if (r->total >= 0)
        fprintf(f, "total\t%lld\n", (long long)r->total);
    return ferror(f) ? -1 : 0;
}

static void put_snippet(FILE *f, const poisk_hit *h, int tty)
{
    const char *s = h->snippet;
    size_t at = 0, len = strlen(s);
    const char *on = tty ? "\033[1m" : "[", *off = tty ? "\033[0m" : "]";
    for (size_t i = 0; i < h->n_highlights; i++) {
        uint32_t a = h->highlights[i][0], b = h->highlights[i][1];
        if (a < at || b > len || a > b)
            continue;
        fwrite(s + at, 1, a - at, f);
        fputs(on, f);
        fwrite(s + a, 1, b - a, f);
        fputs(off, f);
        at = b;
    }
    fputs(s + at, f);
}

static void put_text_hit(FILE *f, const poisk_hit *h, int tty, int explain, const char *indent)
{
    const poisk_passage *p = &h->passage;
    fprintf(f, "%s%u. %.4f  %s (%s)  %s", indent, h->rank, h->score, p->region,
            h->region_name ? h->region_name : "", poisk_section_id(p->section));
    if (p->sector)
        fprintf(f, "  %s", p->sector);
    if (p->subsection)
        fprintf(f, "  %s", p->subsection);
    if (p->project)
        fprintf(f, "  project %s", p->project);
    fputc('\n', f);
    if (h->snippet) {
        fprintf(f, "%s   ", indent);
        put_snippet(f, h, tty);
        fputc('\n', f);
    }
    fprintf(f, "%s   %s", indent, p->id);
    if (p->n_pages) {
        fprintf(f, "  p. %u", p->pages[0]);
        if (p->n_pages > 1)
            fprintf(f, "-%u", p->pages[p->n_pages - 1]);
    }
    fputc('\n', f);
    if (explain) {
        fprintf(f, "%s   explain: doc %u, sum of term contributions:\n", indent, h->doc);
        for (size_t i = 0; i < h->n_explain; i++) {
            const poisk_explain_term *t = &h->explain[i];
            fprintf(f, "%s     %-24s idf=%.4f tf=%u dl=%u avgdl=%.2f -> %.4f\n", indent,
                    t->term, t->idf, t->tf, t->dl, t->avgdl, t->contribution);
        }
    }
}

int poisk_output_text(FILE *f, const poisk_results *r, int tty)
{
    if (r->by_region) {
        for (size_t g = 0; g < r->n_groups; g++) {
            const poisk_region_group *gr = &r->groups[g];
            fprintf(f, "%zu. %s (%s): %llu matching passage%s\n", g + 1, gr->region,
                    gr->region_name ? gr->region_name : "", (unsigned long long)gr->matches,
                    gr->matches == 1 ? "" : "s");
            for (size_t i = 0; i < gr->n_hits; i++)
                put_text_hit(f, &gr->hits[i], tty, r->explain, "    ");
        }
        if (!r->n_groups)
            fputs("no region matches\n", f);
    } else {
        for (size_t i = 0; i < r->n_hits; i++)
            put_text_hit(f, &r->hits[i], tty, r->explain, "");
        if (!r->n_hits)
            fputs("no matches\n", f);
    }
    if (r->total >= 0)
        fprintf(f, "total: %lld matching passages\n", (long long)r->total);
    if (r->explain)
        fprintf(f, "postings blocks decoded: %llu\n", (unsigned long long)r->blocks);
    return ferror(f) ? -1 : 0;
}
