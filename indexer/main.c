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
    while ((c = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case '?':
            fprintf(stderr, "indexer: unknown option '%s'; see indexer --help\n", argv[optind - 1]);
            return 2;
        default:
            break;
        }
    }
    fprintf(stderr, "indexer: not built yet\n");
    return 1;
}
