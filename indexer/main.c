/*
 * indexer: the command that builds an index (stage: files -> analyzer -> document model ->
 * index writer).  Also --dump-structure (print the document model as JSON lines) and
 * --check (verify every checksum of an index).
 *
 * Exit codes: 0 success (skipped inputs are warnings), 1 runtime error, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "poisk/poisk.h"
#include "poisk/analyzer.h"
#include "poisk/index.h"
#include "dump.h"
#include "input.h"
#include "input_ids.h"
#include "input_pipeline.h"
#include "jsonl.h"
#include "structure.h"
#include "structure_stream.h"
#include "warn_tally.h"
#include "writer.h"

static const char usage_text[] =
"usage: indexer [options] -o INDEX_DIR INPUT...\n"
"       indexer --dump-structure INPUT...\n"
"       indexer --check INDEX_DIR\n"
"\n"
"Builds (or atomically replaces) the index in INDEX_DIR from INPUT files and directories.\n"
"Directories are walked recursively; *.txt files are strategy texts, *.jsonl files are\n"
"pre-split passages; everything else is skipped.\n"
"\n"
"options:\n"
"  -o, --output DIR      index directory (default: $POISK_INDEX)\n"
"      --dump-structure  print the document model as JSON lines; build nothing\n"
"      --check DIR       verify every checksum and size of an index\n"
"      --mem SIZE        memory budget of the whole build, e.g. 256M, 2G (default 1G)\n"
"      --threads N       worker threads (default: all cores)\n"
"      --no-repair       do not rejoin words split by PDF wrapping\n"
"  -q, --quiet           no progress, no summary\n"
"  -v, --verbose         print every warning (default: the first 5 of each kind, then a\n"
"                        count of the rest), and the wall time of each phase of the build\n"
"  -h, --help            this help\n"
"\n"
"exit codes: 0 ok (skipped inputs are warnings), 1 runtime error, 2 usage error\n";

typedef struct run {
    int quiet, dump, repair, threads, verbose;
    poisk_warn_tally *warns;      /* warnings, aggregated by kind */
    size_t mem;
    const char *output, *check;
    size_t files, skipped;
    uint64_t passages, bytes;
    double input_secs;            /* reading, parsing and counting the inputs */
    poisk_writer_summary sum;     /* of the commit */
    poisk_idset *ids;             /* passage ids of all inputs so far */
} run;

/* Wall seconds since *t0 (CLOCK_MONOTONIC). */
static double secs_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void warn_line(void *ctx, const char *message)
{
    run *r = ctx;
    poisk_warn_tally_add(r->warns, NULL, "", message);
}

/* Ids are unique across all inputs: a duplicate is an error naming both places (for JSON
 * lines "file:line", for texts the id itself, which is "file:byte"). */
static int check_ids(run *r, const poisk_parsed *in)
{
    const char *path = in->path, *text = in->text;
    const poisk_document *doc = in->doc;
    uint64_t line = in->base_line, at = 0;     /* text[0] is the file's byte base_off */
    for (size_t i = 0; i < poisk_document_passage_count(doc); i++) {
        const poisk_passage *p = poisk_document_passage(doc, i);
        char where[4200];
        if (in->jsonl) {
            for (; at < p->byte_start - in->base_off; at++)
                if (text[at] == '\n') line++;
            snprintf(where, sizeof where, "%s:%llu", path, (unsigned long long)line);
        } else {
            snprintf(where, sizeof where, "%s", p->id);
        }
        const char *first = NULL;
        int seen = in->jsonl ? poisk_idset_add(r->ids, p->id, where, &first)
                         : poisk_idset_add_text(r->ids, path, p->byte_start, p->id, &first);
        if (seen < 0) {
            fprintf(stderr, "indexer: out of memory\n");
            return POISK_ENOMEM;
        }
        if (seen) {
            fprintf(stderr, "indexer: %s: duplicate id '%s' (first at %s); give every passage "
                    "its own id\n", where, p->id, first);
            return POISK_EINPUT;
        }
    }
    return POISK_OK;
}

/* What every input goes through, in input order, whatever the thread count: skip
 * messages, warnings, the id check and the counters.  A JSON-lines file read in parts
 * counts once, at its part 0, which alone reports its skip.  @return : poisk_rc; *use 0
 * when the input was skipped. */
static int take_document(run *r, poisk_parsed *p, int *use)
{
    *use = 0;
    if (p->skipped) {
        if (p->part == 0) {
            poisk_warn_tally_add(r->warns, p->path, "", p->err.message);
            r->skipped++;
        }
        return POISK_OK;
    }
    if (p->rc != POISK_OK) {
        fprintf(stderr, "indexer: %s\n", p->err.message);
        return p->rc;
    }
    for (size_t i = 0; i < poisk_document_warning_count(p->doc); i++)
        poisk_warn_tally_add(r->warns, p->path, "warning: ", poisk_document_warning(p->doc, i));
    int rc = check_ids(r, p);
    if (rc != POISK_OK)
        return rc;
    r->files += p->part == 0;
    r->bytes += p->len;
    r->passages += poisk_document_passage_count(p->doc);
    *use = 1;
    return POISK_OK;
}

/* A text file over the structure window: parsed a window at a time (structure_stream.h),
 * each part handed to `part` like a file of its own (warnings, ids, counters, then dump or
 * writer), so memory stays at about one window whatever the file's size.  The file counts
 * once. */
static int stream_big(run *r, poisk_parsed *p, poisk_parsed_fn part, void *ctx)
{
    poisk_doc_stream *s;
    poisk_parsed q = *p;
    q.big = 0;
    int rc = poisk_doc_stream_open(p->path, poisk_structure_window(), &s, &q.err);
    size_t parts = 0;
    while (rc == POISK_OK) {
        const char *text;
        q.doc = NULL;
        rc = poisk_doc_stream_next(s, &q.doc, &text, &q.len, &q.err);
        if (rc != POISK_OK || !q.doc)
            break;
        q.text = (char *)text;
        parts++;
        if ((rc = poisk_input_pipeline_count(p, text, q.len)) != POISK_OK) {
            poisk_error_set(&q.err, rc, "%s: %s", p->path, poisk_strerror(rc));
            poisk_document_free(q.doc);
            break;
        }
        rc = part(ctx, &q);              /* reports its own errors */
        poisk_document_free(q.doc);
        if (rc != POISK_OK) {
            poisk_doc_stream_close(s);
            return rc;
        }
    }
    poisk_doc_stream_close(s);
    if (parts > 1) r->files -= parts - 1;
    if (rc == POISK_OK) return rc;
    if (parts) {                         /* failed in the middle of the file */
        fprintf(stderr, "indexer: %s\n", q.err.message);
        return rc;
    }
    q.doc = NULL;                        /* unreadable or binary: skipped like any file */
    q.rc = rc;
    q.skipped = rc == POISK_EIO || rc == POISK_EINPUT;
    return part(ctx, &q);
}

static int dump_one(void *ctx, poisk_parsed *p)
{
    run *r = ctx;
    if (p->big)
        return stream_big(r, p, dump_one, ctx);
    int use, rc = take_document(r, p, &use);
    if (rc != POISK_OK || !use)
        return rc;
    poisk_error err = { 0 };
    if ((rc = poisk_dump_document(stdout, p->doc, p->path, p->len, &err)) != POISK_OK)
        fprintf(stderr, "indexer: %s\n", err.message);
    return rc;
}

/* Parsing threads: the writer's own workers start only at commit, so the same cores
 * parse first; 0 means all cores. */
static int parse_threads(const run *r)
{
    long n = r->threads > 0 ? r->threads : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static int dump_inputs(run *r, const poisk_input_list *in)
{
    poisk_pipeline_options po = { .threads = parse_threads(r), .byte_cap = r->mem / 4 };
    if (poisk_input_pipeline_run(in, &po, dump_one, r) != POISK_OK)
        return 1;
    if (fflush(stdout) != 0) {
        fprintf(stderr, "indexer: writing to stdout failed\n");
        return 1;
    }
    return 0;
}

typedef struct build_ctx { run *r; poisk_writer *w; poisk_lexicon *lx; int freeze_failed; } build_ctx;

/* The writer calls this at commit, between planning and inversion, and meanwhile starts
 * compressing the passage store on the other cores (the freeze runs on one). */
static int freeze_lexicon(void *ctx)
{
    build_ctx *b = ctx;
    int rc = poisk_lexicon_freeze(b->lx);
    b->freeze_failed = rc != POISK_OK;
    return rc;
}

static int add_one(void *ctx, poisk_parsed *p)
{
    build_ctx *b = ctx;
    if (p->big)
        return stream_big(b->r, p, add_one, ctx);
    int use, rc = take_document(b->r, p, &use);
    if (rc != POISK_OK || !use)
        return rc;
    poisk_error err = { 0 };
    for (size_t k = 0; k < poisk_document_passage_count(p->doc) && rc == POISK_OK; k++)
        rc = poisk_writer_add(b->w, poisk_document_passage(p->doc, k), &err);
    if (rc != POISK_OK)
        fprintf(stderr, "indexer: %s\n", err.message);
    return rc;
}

/* One pass over the inputs: workers read, parse and count words for split-word repair;
 * this thread adds the passages to the writer in input order (the writer only spools them
 * until commit, so the lexicon need not be frozen yet).  Then commit, which freezes the
 * lexicon through freeze_lexicon() before its analyzers start. */
static int build_index(run *r, const poisk_input_list *in)
{
    poisk_lexicon *lx = NULL;
    poisk_writer *w = NULL;
    int status = 1;
    if (r->repair && poisk_lexicon_create(&lx) != POISK_OK) {
        fprintf(stderr, "indexer: out of memory\n");
        goto out;
    }
    poisk_writer_options opts = { 0 };
    opts.mem_budget = r->mem;
    opts.threads = r->threads;
    opts.repair = r->repair;
    opts.lexicon = lx;                   /* used from commit on, frozen by freeze_lexicon */
    opts.progress = !r->quiet && isatty(STDERR_FILENO);
    build_ctx b = { r, NULL, lx, 0 };
    if (lx) {
        opts.before_inversion = freeze_lexicon;
        opts.before_ctx = &b;
    }
    poisk_error err = { 0 };
    if (poisk_writer_create(r->output, &opts, &w, &err) != POISK_OK) {
        fprintf(stderr, "indexer: %s\n", err.message);
        goto out;
    }
    size_t mem = r->mem ? r->mem : (size_t)1 << 30;
    poisk_pipeline_options po = { .threads = parse_threads(r), .byte_cap = mem / 4,
                                  .lexicon = lx };
    b.w = w;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (poisk_input_pipeline_run(in, &po, add_one, &b) != POISK_OK)
        goto out;
    r->input_secs = secs_since(&t0);
    if (r->passages == 0) {
        status = 0;                      /* main() reports "nothing indexable" */
        r->files = 0;
        goto out;
    }
    if (poisk_writer_commit(w, &r->sum, &err) != POISK_OK) {
        if (b.freeze_failed)
            fprintf(stderr, "indexer: out of memory building the lexicon\n");
        else
            fprintf(stderr, "indexer: %s\n", err.message);
        goto out;
    }
    status = 0;
out:
    poisk_writer_free(w);
    poisk_lexicon_free(lx);
    return status;
}

/* "512M", "2G", "800K", "1048576" -> bytes; 0 on a bad value. */
static size_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0) return 0;
    switch (*end) {
    case 'k': case 'K': v *= 1024; end++; break;
    case 'm': case 'M': v *= 1024 * 1024; end++; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    return *end ? 0 : (size_t)v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, 0, 'o' },
        { "dump-structure", no_argument, 0, 'D' },
        { "check", required_argument, 0, 'C' },
        { "mem", required_argument, 0, 'm' },
        { "threads", required_argument, 0, 't' },
        { "no-repair", no_argument, 0, 'R' },
        { "quiet", no_argument, 0, 'q' },
        { "verbose", no_argument, 0, 'v' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    run r = { .repair = 1 };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+o:qvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'o': r.output = optarg; break;
        case 'D': r.dump = 1; break;
        case 'C': r.check = optarg; break;
        case 'R': r.repair = 0; break;
        case 'q': r.quiet = 1; break;
        case 'v': r.verbose = 1; break;
        case 'm':
            if (!(r.mem = parse_size(optarg))) {
                fprintf(stderr, "indexer: bad --mem '%s'; use e.g. 512M or 2G\n", optarg);
                return 2;
            }
            break;
        case 't': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1024) {
                fprintf(stderr, "indexer: bad --threads '%s'; give a number from 1\n", optarg);
                return 2;
            }
            r.threads = (int)n;
            break;
        }
        case '?':
            fprintf(stderr, "indexer: unknown option '%s'; see indexer --help\n", argv[optind - 1]);
            return 2;
        default:
            break;
        }
    }
    if (r.check) {
        poisk_error err = { 0 };
        if (poisk_index_verify(r.check, &err) != POISK_OK) {
            fprintf(stderr, "indexer: %s\n", err.message);
            return 1;
        }
        if (!r.quiet) fprintf(stderr, "indexer: %s: ok, every checksum and size is right\n", r.check);
        return 0;
    }
    if (!r.dump && !r.output)
        r.output = getenv("POISK_INDEX");
    if (!r.dump && (!r.output || !*r.output)) {
        fprintf(stderr, "indexer: no index directory: give -o DIR or set POISK_INDEX\n");
        return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "indexer: no INPUT files or directories; see indexer --help\n");
        return 2;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!(r.warns = poisk_warn_tally_new(stderr, r.verbose))) {
        fprintf(stderr, "indexer: out of memory\n");
        return 1;
    }
    poisk_input_list in;
    if (poisk_input_collect(argv + optind, (size_t)(argc - optind), &in, warn_line, &r,
                            &r.skipped) != POISK_OK) {
        fprintf(stderr, "indexer: out of memory listing the inputs\n");
        poisk_warn_tally_free(r.warns);
        return 1;
    }
    int status = 1;
    if (!(r.ids = poisk_idset_new()))
        fprintf(stderr, "indexer: out of memory\n");
    else
        status = r.dump ? dump_inputs(&r, &in) : build_index(&r, &in);
    poisk_idset_free(r.ids);
    poisk_input_list_free(&in);
    poisk_warn_tally_finish(r.warns);
    size_t n_warn = poisk_warn_tally_total(r.warns);
    poisk_warn_tally_free(r.warns);
    double total = secs_since(&t0);
    if (status == 0 && r.files == 0) {
        fprintf(stderr, "indexer: nothing indexable in the input (%zu skipped)\n", r.skipped);
        return 1;
    }
    if (!r.quiet && status == 0) {
        fprintf(stderr, "indexer: %zu files, %zu skipped, %llu passages, %.1f MB, %.2f s",
                r.files, r.skipped, (unsigned long long)r.passages, r.bytes / 1e6, total);
        if (n_warn) fprintf(stderr, ", %zu warning%s", n_warn, n_warn == 1 ? "" : "s");
        fputc('\n', stderr);
        if (r.verbose && !r.dump)
            fprintf(stderr, "indexer: phases: input %.2f s, freeze %.2f s, inversion %.2f s, "
                    "merge %.2f s\n", r.input_secs, r.sum.freeze_secs, r.sum.invert_secs,
                    r.sum.merge_secs);
    }
    return status;
}
