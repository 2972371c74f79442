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
#include "dump.h"
#include "input.h"
#include "jsonl.h"
#include "structure.h"

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
"      --mem SIZE        memory budget for inversion, e.g. 512M, 2G (default 1G)\n"
"      --threads N       worker threads (default: all cores)\n"
"      --no-repair       do not rejoin words split by PDF wrapping\n"
"  -q, --quiet           no progress, no summary\n"
"  -h, --help            this help\n"
"\n"
"exit codes: 0 ok (skipped inputs are warnings), 1 runtime error, 2 usage error\n";

typedef struct run {
    int quiet, dump, repair;
    const char *output, *check;
    size_t files, skipped;
    uint64_t passages, bytes;
} run;

static void warn_line(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "indexer: %s\n", message);
}

/* Read and parse one input.  @return : poisk_rc; *doc NULL when the file was skipped. */
static int load_document(run *r, const char *path, int jsonl, char **text, size_t *len,
                         poisk_document **doc)
{
    poisk_error err = { 0 };
    *doc = NULL;
    int rc = poisk_input_read(path, text, len, &err);
    if (rc == POISK_EIO || rc == POISK_EINPUT) {
        fprintf(stderr, "indexer: %s\n", err.message);
        r->skipped++;
        return POISK_OK;
    }
    if (rc != POISK_OK) {
        fprintf(stderr, "indexer: %s\n", err.message);
        return rc;
    }
    rc = jsonl ? poisk_jsonl_parse(path, *text, *len, doc, &err)
               : poisk_document_parse(path, *text, *len, doc, &err);
    if (rc != POISK_OK) {
        fprintf(stderr, "indexer: %s\n", err.message);
        free(*text);
        *text = NULL;
        return rc;
    }
    for (size_t i = 0; i < poisk_document_warning_count(*doc); i++)
        fprintf(stderr, "indexer: warning: %s\n", poisk_document_warning(*doc, i));
    r->files++;
    r->bytes += *len;
    r->passages += poisk_document_passage_count(*doc);
    return POISK_OK;
}

static int dump_inputs(run *r, const poisk_input_list *in)
{
    for (size_t i = 0; i < in->n; i++) {
        char *text = NULL;
        size_t len = 0;
        poisk_document *doc;
        int rc = load_document(r, in->paths[i], in->jsonl[i], &text, &len, &doc);
        if (rc != POISK_OK) return 1;
        if (!doc) continue;
        poisk_error err = { 0 };
        rc = poisk_dump_document(stdout, doc, in->paths[i], len, &err);
        poisk_document_free(doc);
        free(text);
        if (rc != POISK_OK) {
            fprintf(stderr, "indexer: %s\n", err.message);
            return 1;
        }
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "indexer: writing to stdout failed\n");
        return 1;
    }
    return 0;
}

static int build_index(run *r, const poisk_input_list *in)
{
    (void)r;
    (void)in;
    fprintf(stderr, "indexer: the index writer is not built yet\n");
    return 1;
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
    while ((c = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'o': r.output = optarg; break;
        case 'D': r.dump = 1; break;
        case 'C': r.check = optarg; break;
        case 'R': r.repair = 0; break;
        case 'q': r.quiet = 1; break;
        case 'm': case 't': break;
        case '?':
            fprintf(stderr, "indexer: unknown option '%s'; see indexer --help\n", argv[optind - 1]);
            return 2;
        default:
            break;
        }
    }
    if (r.check) {
        fprintf(stderr, "indexer: --check is not built yet\n");
        return 1;
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
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    poisk_input_list in;
    if (poisk_input_collect(argv + optind, (size_t)(argc - optind), &in, warn_line, NULL,
                            &r.skipped) != POISK_OK) {
        fprintf(stderr, "indexer: out of memory listing the inputs\n");
        return 1;
    }
    int status = r.dump ? dump_inputs(&r, &in) : build_index(&r, &in);
    poisk_input_list_free(&in);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (status == 0 && r.files == 0) {
        fprintf(stderr, "indexer: nothing indexable in the input (%zu skipped)\n", r.skipped);
        return 1;
    }
    if (!r.quiet && status == 0)
        fprintf(stderr, "indexer: %zu files, %zu skipped, %llu passages, %.1f MB, %.2f s\n",
                r.files, r.skipped, (unsigned long long)r.passages, r.bytes / 1e6,
                (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return status;
}
