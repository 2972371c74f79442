/*
 * searcher: the command that answers queries over an index (stage: reader -> query
 * evaluator -> ranked hits -> output), for people (text), scripts (--json, --tsv, --batch)
 * and services (`searcher serve`).
 *
 * Exit codes: 0 results or none, 1 runtime error (missing/damaged index, I/O), 2 usage or
 * query syntax error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "poisk/poisk.h"
#include "poisk/search.h"
#include "output.h"

#include "serve.h"   /* `searcher serve ...`: the HTTP server module */

static const char usage_text[] =
"usage: searcher [options] -i INDEX_DIR [--] QUERY...\n"
"       searcher serve -i INDEX_DIR [--listen ADDR:PORT]\n"
"\n"
"Ranked (BM25) search over a poisk index.  Several QUERY arguments are joined with spaces.\n"
"\n"
"query language (docs/QUERY.md):\n"
"  цифровая платформа      ranked OR of the words (stemmed: any form matches)\n"
"  +word  -word            the word is required / excluded\n"
"  a AND b, a OR b, ( )    boolean operators (upper case); AND binds tighter than OR\n"
"  \"цифровой помощник\"     phrase (consecutive words; stop words are skipped)\n"
"  телемедицин*            prefix: every indexed word form starting so (bounded)\n"
"  =word                   this exact (lower-cased) form, no stemming\n"
"  section:proekty sector:health region:stavropol   filters (region by slug or name,\n"
"                          e.g. region:Ставропольский); repeat = OR, -region:x excludes\n"
"\n"
"options:\n"
"  -i, --index DIR         index directory (default: $POISK_INDEX)\n"
"  -k N                    number of hits, or regions with --by-region (default 10)\n"
"      --json              JSON lines, one object per hit (fields in docs/QUERY.md)\n"
"      --tsv               tab-separated: rank score region section sector id snippet\n"
"      --count             also print the exact number of matching passages\n"
"      --by-region         one entry per region: its best passages and match count\n"
"      --explain           show each term's idf, tf, length and contribution\n"
"      --all               AND instead of the default ranked OR\n"
"      --batch             queries from stdin, one per line (or a JSON object with\n"
"                          q, k, all, section, sector, region, count, explain, by_region);\n"
"                          one JSON line per query: {\"query\":N,\"hits\":[...],\"took_us\":T,...}\n"
"      --no-snippets       skip snippets (faster)\n"
"      --k1 X, --b X       BM25 parameters (default 1.2 and 0.75)\n"
"      --weight SECTION=W  multiply scores of passages of SECTION by W (repeatable)\n"
"      --max-query-bytes N   limit on the query length (default 8192)\n"
"      --max-k N             limit on -k (default 10000)\n"
"      --max-prefix-terms N  terms one prefix may expand to (default 1000)\n"
"  -h, --help              this help\n"
"      --version           print the version\n"
"\n"
"exit codes: 0 results or none, 1 runtime error, 2 usage or query syntax error\n";

enum { OPT_JSON = 256, OPT_TSV, OPT_COUNT, OPT_BYREGION, OPT_EXPLAIN, OPT_ALL, OPT_BATCH,
       OPT_NOSNIP, OPT_K1, OPT_B, OPT_WEIGHT, OPT_MAXQ, OPT_MAXK, OPT_MAXP, OPT_VERSION };

typedef struct cli {
    const char *index;
    int json, tsv, batch;
    poisk_search_options o;
} cli;

static int usage_error(const char *fmt, const char *arg)
{
    fputs("searcher: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("; see searcher --help\n", stderr);
    return 2;
}

static int parse_unsigned(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!s[0] || s[0] == '-')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > 1e6)
        return -1;
    *out = v;
    return 0;
}

static int parse_weight(poisk_search_options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    char name[64];
    size_t n = (size_t)(eq - arg);
    if (n == 0 || n >= sizeof name)
        return -1;
    memcpy(name, arg, n);
    name[n] = 0;
    int s = poisk_section_from_id(name);
    if (s < 0 && n == 1 && name[0] >= '1' && name[0] <= '8')
        s = name[0] - '1';
    double w;
    if (s < 0 || parse_double(eq + 1, &w))
        return -1;
    o->section_weight[s] = w;
    return 0;
}

static int is_query_error(int rc)
{
    return rc == POISK_ESYNTAX || rc == POISK_ESTOPWORDS || rc == POISK_EFILTER ||
           rc == POISK_ETOOLONG || rc == POISK_EINVAL;
}

static int use_color(void)
{
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
}

static int run_one(poisk_index *idx, const cli *c, const char *query)
{
    poisk_results *r;
    poisk_error err = { 0 };
    int rc = poisk_search(idx, query, &c->o, &r, &err);
    if (rc) {
        fprintf(stderr, "searcher: %s: %s\n", poisk_errcode_name(rc),
                err.message[0] ? err.message : poisk_strerror(rc));
        return is_query_error(rc) ? 2 : 1;
    }
    if (poisk_results_notice(r))
        fprintf(stderr, "searcher: notice: %s\n", poisk_results_notice(r));
    int w = c->json ? poisk_output_json(stdout, r)
          : c->tsv  ? poisk_output_tsv(stdout, r)
                    : poisk_output_text(stdout, r, use_color());
    poisk_results_free(r);
    if (w || fflush(stdout)) {
        fprintf(stderr, "searcher: cannot write the results: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* ---- --batch ------------------------------------------------------------------------- */

/* A string or an array of strings -> NULL-terminated list (pointers into the cJSON). */
static int json_list(const cJSON *v, const char ***out)
{
    *out = NULL;
    if (!v)
        return 0;
    size_t n = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 1;
    const char **l = calloc(n + 1, sizeof *l);
    if (!l)
        return -1;
    if (cJSON_IsString(v)) {
        l[0] = v->valuestring;
    } else if (cJSON_IsArray(v)) {
        size_t i = 0;
        for (const cJSON *e = v->child; e; e = e->next) {
            if (!cJSON_IsString(e)) {
                free(l);
                return -1;
            }
            l[i++] = e->valuestring;
        }
    } else {
        free(l);
        return -1;
    }
    *out = l;
    return 0;
}

static int json_bool(const cJSON *obj, const char *name, int dflt, int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v)
        return dflt;
    if (!cJSON_IsBool(v)) {
        *bad = 1;
        return dflt;
    }
    return cJSON_IsTrue(v);
}

static char *batch_error(unsigned long n, int rc, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "query", (double)n);
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", poisk_errcode_name(rc));
    cJSON_AddStringToObject(e, "message", msg && msg[0] ? msg : poisk_strerror(rc));
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One batch line -> one output line (malloc'd).  *fatal set for runtime errors. */
static char *batch_line(poisk_index *idx, const cli *c, unsigned long n, const char *line,
                        int *fatal)
{
    poisk_search_options o = c->o;
    const char *q = line;
    cJSON *obj = NULL;
    const char **sections = NULL, **sectors = NULL, **regions = NULL;
    char *out = NULL;
    if (line[0] == '{') {
        obj = cJSON_Parse(line);
        const cJSON *jq = obj ? cJSON_GetObjectItemCaseSensitive(obj, "q") : NULL;
        const cJSON *jk = obj ? cJSON_GetObjectItemCaseSensitive(obj, "k") : NULL;
        int bad = !obj || !cJSON_IsObject(obj) || !cJSON_IsString(jq);
        if (!bad && jk) {
            if (!cJSON_IsNumber(jk) || jk->valuedouble < 1 || jk->valuedouble > 4294967295.0)
                bad = 1;
            else
                o.k = (unsigned)jk->valuedouble;
        }
        if (!bad) {
            o.all = json_bool(obj, "all", o.all, &bad);
            o.count = json_bool(obj, "count", o.count, &bad);
            o.explain = json_bool(obj, "explain", o.explain, &bad);
            o.by_region = json_bool(obj, "by_region", o.by_region, &bad);
            bad |= json_list(cJSON_GetObjectItemCaseSensitive(obj, "section"), &sections) ||
                   json_list(cJSON_GetObjectItemCaseSensitive(obj, "sector"), &sectors) ||
                   json_list(cJSON_GetObjectItemCaseSensitive(obj, "region"), &regions);
        }
        if (bad) {
            out = batch_error(n, POISK_EINVAL,
                              "bad JSON query object: need {\"q\": string} and optional k "
                              "(number), all/count/explain/by_region (booleans), "
                              "section/sector/region (string or array of strings)");
            goto done;
        }
        q = jq->valuestring;
        o.sections = sections;
        o.sectors = sectors;
        o.regions = regions;
    }
    double t0 = now_us();
    poisk_results *r;
    poisk_error err = { 0 };
    int rc = poisk_search(idx, q, &o, &r, &err);
    if (rc) {
        *fatal = !is_query_error(rc);
        out = batch_error(n, rc, err.message);
        goto done;
    }
    double took = now_us() - t0;
    cJSON *res = cJSON_CreateObject();
    cJSON_AddNumberToObject(res, "query", (double)n);
    cJSON_AddItemToObject(res, "hits", poisk_results_json_array(r));
    if (poisk_results_total(r) >= 0)
        cJSON_AddNumberToObject(res, "total", (double)poisk_results_total(r));
    if (poisk_results_notice(r))
        cJSON_AddStringToObject(res, "notice", poisk_results_notice(r));
    cJSON_AddNumberToObject(res, "took_us", (double)(long long)took);
    uint64_t eval_ns, fetch_ns;
    poisk_results_timing(r, &eval_ns, &fetch_ns);
    cJSON_AddNumberToObject(res, "eval_us", (double)(long long)(eval_ns / 1000));
    cJSON_AddNumberToObject(res, "fetch_us", (double)(long long)(fetch_ns / 1000));
    out = cJSON_PrintUnformatted(res);
    cJSON_Delete(res);
    poisk_results_free(r);
done:
    free(sections);
    free(sectors);
    free(regions);
    cJSON_Delete(obj);
    return out;
}

static int run_batch(poisk_index *idx, const cli *c)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long n = 0;
    int status = 0;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        n++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        int fatal = 0;
        char *out = batch_line(idx, c, n, line, &fatal);
        if (!out || fputs(out, stdout) < 0 || fputc('\n', stdout) == EOF || fflush(stdout)) {
            free(out);
            fprintf(stderr, "searcher: cannot write the results: %s\n", strerror(errno));
            status = 1;
            break;
        }
        free(out);
        if (fatal) {
            status = 1;
            break;
        }
    }
    if (ferror(stdin)) {
        fprintf(stderr, "searcher: reading queries from stdin failed: %s\n", strerror(errno));
        status = 1;
    }
    free(line);
    return status;
}

/* ---- main ------------------------------------------------------------------------------ */

static int parse_args(int argc, char **argv, cli *c)
{
    static const struct option longopts[] = {
        { "index", required_argument, 0, 'i' },
        { "json", no_argument, 0, OPT_JSON },
        { "tsv", no_argument, 0, OPT_TSV },
        { "count", no_argument, 0, OPT_COUNT },
        { "by-region", no_argument, 0, OPT_BYREGION },
        { "explain", no_argument, 0, OPT_EXPLAIN },
        { "all", no_argument, 0, OPT_ALL },
        { "batch", no_argument, 0, OPT_BATCH },
        { "no-snippets", no_argument, 0, OPT_NOSNIP },
        { "k1", required_argument, 0, OPT_K1 },
        { "b", required_argument, 0, OPT_B },
        { "weight", required_argument, 0, OPT_WEIGHT },
        { "max-query-bytes", required_argument, 0, OPT_MAXQ },
        { "max-k", required_argument, 0, OPT_MAXK },
        { "max-prefix-terms", required_argument, 0, OPT_MAXP },
        { "help", no_argument, 0, 'h' },
        { "version", no_argument, 0, OPT_VERSION },
        { 0, 0, 0, 0 }
    };
    unsigned long k = POISK_DEFAULT_K, v;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "+i:k:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'i': c->index = optarg; break;
        case 'k':
            if (parse_unsigned(optarg, 0xFFFFFFFFul, &k) || k == 0)
                return usage_error("-k needs a positive number, not '%s'", optarg);
            break;
        case OPT_JSON: c->json = 1; break;
        case OPT_TSV: c->tsv = 1; break;
        case OPT_COUNT: c->o.count = 1; break;
        case OPT_BYREGION: c->o.by_region = 1; break;
        case OPT_EXPLAIN: c->o.explain = 1; break;
        case OPT_ALL: c->o.all = 1; break;
        case OPT_BATCH: c->batch = 1; break;
        case OPT_NOSNIP: c->o.no_snippets = 1; break;
        case OPT_K1:
            if (parse_double(optarg, &c->o.k1))
                return usage_error("--k1 needs a number >= 0, not '%s'", optarg);
            break;
        case OPT_B:
            if (parse_double(optarg, &c->o.b) || c->o.b > 1)
                return usage_error("--b needs a number in [0, 1], not '%s'", optarg);
            break;
        case OPT_WEIGHT:
            if (parse_weight(&c->o, optarg))
                return usage_error("--weight needs SECTION=W (e.g. proekty=1.5), not '%s'", optarg);
            break;
        case OPT_MAXQ:
            if (parse_unsigned(optarg, 1ul << 30, &v) || v == 0)
                return usage_error("--max-query-bytes needs a positive number, not '%s'", optarg);
            c->o.max_query_bytes = v;
            break;
        case OPT_MAXK:
            if (parse_unsigned(optarg, 10000000ul, &v) || v == 0)
                return usage_error("--max-k needs a positive number, not '%s'", optarg);
            c->o.max_k = (unsigned)v;
            break;
        case OPT_MAXP:
            if (parse_unsigned(optarg, 1000000ul, &v) || v == 0)
                return usage_error("--max-prefix-terms needs a positive number, not '%s'", optarg);
            c->o.max_prefix_terms = (unsigned)v;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        case OPT_VERSION:
            printf("searcher (poisk) %s\n", POISK_VERSION);
            return -1;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    c->o.k = (unsigned)k;
    if (c->json + c->tsv > 1)
        return usage_error("%s", "--json and --tsv exclude each other");
    if (!c->index)
        c->index = getenv("POISK_INDEX");
    if (!c->index || !c->index[0])
        return usage_error("%s", "no index: give -i INDEX_DIR or set POISK_INDEX");
    return 0;
}

static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *q = malloc(len);
    if (!q)
        return NULL;
    q[0] = 0;
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(q, " ");
        strcat(q, argv[i]);
    }
    return q;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (strcmp(argv[1], "serve") == 0)
        return poisk_serve_main(argc - 1, argv + 1);
    cli c = { 0 };
    poisk_search_options_init(&c.o);
    int rc = parse_args(argc, argv, &c);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!c.batch && optind >= argc)
        return usage_error("%s", "no query given (use --batch to read queries from stdin)");
    if (c.batch && optind < argc)
        return usage_error("%s", "--batch reads queries from stdin; drop the QUERY arguments");
    poisk_index *idx;
    poisk_error err = { 0 };
    if ((rc = poisk_index_open(c.index, &idx, &err))) {
        fprintf(stderr, "searcher: %s: %s\n", c.index,
                err.message[0] ? err.message : poisk_strerror(rc));
        return 1;
    }
    if (c.batch) {
        rc = run_batch(idx, &c);
    } else {
        char *q = join_args(argc - optind, argv + optind);
        rc = q ? run_one(idx, &c, q) : 1;
        free(q);
    }
    poisk_index_close(idx);
    return rc;
}
