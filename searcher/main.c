/*
 * searcher: the command that answers queries over an index (stage: reader -> query
 * evaluator -> ranked hits -> output), for people (text), scripts (--json, --tsv, --batch)
 * and services (`searcher serve`).
 *
 * Exit codes: 0 results or none, 1 runtime error (missing/damaged index, I/O), 2 usage or
 * query syntax error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poisk/poisk.h"

static const char usage_text[] =
"usage: searcher [options] -i INDEX_DIR [--] QUERY...\n"
"       searcher serve -i INDEX_DIR [--listen ADDR:PORT]\n"
"\n"
"options:\n"
"  -i, --index DIR     index directory (default: $POISK_INDEX)\n"
"  -k N                number of hits (default 10, at most 10000)\n"
"      --json          JSON lines, one object per hit\n"
"      --tsv           tab-separated: rank score region section sector id snippet\n"
"      --count         also print the exact number of matching passages\n"
"      --by-region     one line per region with its best passages and match count\n"
"      --explain       show how each hit's score was computed\n"
"      --all           AND instead of the default ranked OR\n"
"      --batch         read queries from stdin, one per line; JSON output\n"
"  -h, --help          this help\n"
"\n"
"exit codes: 0 results or none, 1 runtime error, 2 usage or query syntax error\n";

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "index", required_argument, 0, 'i' },
        { "json", no_argument, 0, 'J' },
        { "tsv", no_argument, 0, 'T' },
        { "count", no_argument, 0, 'c' },
        { "by-region", no_argument, 0, 'r' },
        { "explain", no_argument, 0, 'e' },
        { "all", no_argument, 0, 'a' },
        { "batch", no_argument, 0, 'b' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+i:k:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case '?':
            fprintf(stderr, "searcher: unknown option '%s'; see searcher --help\n", argv[optind - 1]);
            return 2;
        default:
            break;
        }
    }
    fprintf(stderr, "searcher: not built yet\n");
    return 1;
}
