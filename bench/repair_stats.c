/*
 * repair_stats.c: what split-word repair does to each input file: pieces, joins (2-way,
 * 3-way, line ends), glued compounds split, and the hunspell-unknown lower-case words left
 * before and after.  With -j it prints every join as TSV (file, byte, joined, parts) for
 * judging by hand (tests/fixtures/repair_judged.tsv was sampled from it).  With -s it
 * prints the files' sums as one JSON line: bench/run puts them beside Heaps' law in the
 * corpus table, so that a synthetic corpus's split-word and unknown-word rates are shown
 * next to the seeds'.
 *
 *   make build/bench/repair_stats
 *   build/bench/repair_stats corpus/0*.txt       (a line per file)
 *   build/bench/repair_stats -s corpus/0*.txt    (the sums, JSON)
 *   build/bench/repair_stats -j corpus/0*.txt    (every join)
 *   build/bench/repair_stats -u corpus/0*.txt    (words still unknown to the dictionary)
 */
#include "poisk/analyzer.h"
#include "bench_util.h"
#include "lexicon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unknown word: a lower-case WORD token whose exact form the dictionary rejects. */
static int unknown(const poisk_lexicon *lx, const poisk_token *t, const char *text)
{
    unsigned char c0 = (unsigned char)text[t->byte_start], c1 = (unsigned char)text[t->byte_start + 1];
    int lower = (c0 == 0xD0 && c1 >= 0xB0) || c0 == 0xD1;
    return t->kind == POISK_TOKEN_WORD && lower && poisk_lexicon_spell(lx, t->exact, t->exact_len) == 0;
}

int main(int argc, char **argv)
{
    int list = argc > 1 && !strcmp(argv[1], "-j");
    int unk = argc > 1 && !strcmp(argv[1], "-u");
    int sum = argc > 1 && !strcmp(argv[1], "-s");
    list |= unk;
    int first = 1 + (list || sum);
    if (argc <= first) {
        fprintf(stderr, "usage: %s [-s | -j | -u] FILE...\n", argv[0]);
        return 2;
    }
    int n = argc - first;
    char **docs = calloc((size_t)n, sizeof *docs);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    poisk_lexicon *lx;
    poisk_lexicon_create(&lx);
    for (int i = 0; i < n; i++) {
        docs[i] = read_all(argv[first + i], &lens[i]);
        if (!docs[i]) {
            fprintf(stderr, "%s: cannot read\n", argv[first + i]);
            return 1;
        }
        poisk_lexicon_add_text(lx, docs[i], lens[i]);
    }
    poisk_lexicon_freeze(lx);
    poisk_analyzer *plain, *rep;
    poisk_analyzer_options o = { .repair = 1, .lexicon = lx };
    poisk_analyzer_create(NULL, &plain);
    poisk_analyzer_create(&o, &rep);
    if (!list && !sum)
        printf("file\ttokens\trepaired\tjoins\t3way\tline_end\tsplits\tunknown_before\tunknown_after\n");
    size_t total[8] = { 0 };
    for (int i = 0; i < n; i++) {
        const char *name = strrchr(argv[first + i], '/') ? strrchr(argv[first + i], '/') + 1 : argv[first + i];
        poisk_token t;
        size_t tokens = 0, unk0 = 0, unk1 = 0, repaired = 0, joins = 0, three = 0, line = 0, splits = 0;
        poisk_analyzer_reset(plain, docs[i], lens[i]);
        while (poisk_analyzer_next(plain, &t)) {
            tokens += !(t.flags & POISK_TOKEN_SAME_POSITION);
            unk0 += unknown(lx, &t, docs[i]);
        }
        poisk_analyzer_reset(rep, docs[i], lens[i]);
        size_t last_start = (size_t)-1, last_end = 0;
        while (poisk_analyzer_next(rep, &t)) {
            repaired += !(t.flags & POISK_TOKEN_SAME_POSITION);
            unk1 += unknown(lx, &t, docs[i]);
            if (unk && unknown(lx, &t, docs[i])) {
                size_t a = t.byte_start > 30 ? t.byte_start - 30 : 0;
                size_t b = t.byte_end + 30 < lens[i] ? t.byte_end + 30 : lens[i];
                printf("%.3s\t%.*s\t[%.*s]\n", name, (int)t.exact_len, t.exact, (int)(b - a), docs[i] + a);
            }
            const char *s = docs[i] + t.byte_start;
            size_t len = t.byte_end - t.byte_start;
            if (t.byte_start >= last_start && t.byte_end <= last_end)
                continue;                          /* a part or whole of a group seen */
            int spaces = 0, nl = 0;
            for (size_t k = 0; k < len; k++) {
                spaces += s[k] == ' ';
                nl += s[k] == '\n';
            }
            if ((t.flags & POISK_TOKEN_SAME_POSITION) && !spaces && !nl && t.kind == POISK_TOKEN_WORD
                && !memchr(s, '-', len) && t.byte_start < last_start)
                splits++;
            if (t.flags & POISK_TOKEN_SAME_POSITION)
                continue;
            if (!spaces && !nl)
                continue;
            joins++;
            three += spaces + nl >= 2 && !nl;
            line += nl > 0;
            last_start = t.byte_start;
            last_end = t.byte_end;
            if (list && !unk) {
                printf("%.3s\t%zu\t%.*s\t", name, t.byte_start, (int)t.exact_len, t.exact);
                for (size_t k = 0; k < len; k++)
                    putchar(s[k] == '\n' ? '|' : s[k]);
                putchar('\n');
            }
        }
        size_t row[8] = { tokens, repaired, joins, three, line, splits, unk0, unk1 };
        for (int k = 0; k < 8; k++)
            total[k] += row[k];
        if (!list && !sum)
            printf("%.3s\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\n", name, tokens, repaired, joins,
                   three, line, splits, unk0, unk1);
    }
    if (sum)
        printf("{\"files\":%d,\"tokens\":%zu,\"repaired\":%zu,\"joins\":%zu,\"joins_3way\":%zu,"
               "\"joins_line_end\":%zu,\"splits\":%zu,\"unknown_before\":%zu,\"unknown_after\":%zu}\n",
               n, total[0], total[1], total[2], total[3], total[4], total[5], total[6], total[7]);
    poisk_analyzer_free(plain);
    poisk_analyzer_free(rep);
    poisk_lexicon_free(lx);
    for (int i = 0; i < n; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    return 0;
}
