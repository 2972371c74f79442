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

#include "poisk/poisk.h"
#include "poisk/index.h"

/* ---- --check, --mem, --threads (index engineer) ------------------------------------------ */

/* "512M", "2G", "65536": bytes; 0 on a malformed or zero size. */
static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (end == s || *end || v == 0 || v > (~0ull >> shift))
        return 0;
    return (size_t)(v << shift);
}

static int run_check(const char *dir)
{
    poisk_error err = { 0 };
    int rc = poisk_index_verify(dir, &err);
    if (rc) {
        fprintf(stderr, "indexer: %s\n", err.message);
        return 1;
    }
    poisk_index *idx;
    if (poisk_index_open(dir, &idx, &err) != POISK_OK) {
        fprintf(stderr, "indexer: %s\n", err.message);
        return 1;
    }
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    printf("%s: ok (generation %llu, %llu passages, %llu bytes)\n", dir,
           (unsigned long long)st.generation, (unsigned long long)st.passages,
           (unsigned long long)st.bytes_on_disk);
    poisk_index_close(idx);
    return 0;
}

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
    opterr = 0;
    int c;
    const char *check_dir = NULL;
    size_t mem_budget = 0;          /* poisk_writer_options.mem_budget */
    int threads = 0;                /* poisk_writer_options.threads */
    while ((c = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'C':
            check_dir = optarg;
            break;
        case 'm':
            if (!(mem_budget = parse_size(optarg))) {
                fprintf(stderr, "indexer: bad --mem '%s' (e.g. 512M, 2G)\n", optarg);
                return 2;
            }
            break;
        case 't':
            threads = atoi(optarg);
            if (threads < 1 || threads > 256) {
                fprintf(stderr, "indexer: bad --threads '%s' (1-256)\n", optarg);
                return 2;
            }
            break;
        case '?':
            fprintf(stderr, "indexer: unknown option '%s'; see indexer --help\n", argv[optind - 1]);
            return 2;
        default:
            break;
        }
    }
    if (check_dir)
        return run_check(check_dir);
    (void)mem_budget;               /* handed to poisk_writer_create() by the pipeline */
    (void)threads;
    fprintf(stderr, "indexer: not built yet\n");
    return 1;
}
