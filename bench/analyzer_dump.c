/*
 * analyzer_dump.c: every token the analyzer emits for each input file, one per line
 * (file, position, flags, kind, byte range, term, exact), with or without repair.  Used to
 * check that a speed change leaves the output byte-identical:
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Ilib -o build/analyzer_dump bench/analyzer_dump.c \
 *       build/rel/libpoisk.a $(pkg-config --libs libxxhash hunspell) -lstemmer -lpthread -lm
 *   build/analyzer_dump [-r] corpus/0*.txt > tokens.tsv    (-r: repair on)
 */
#include "poisk/analyzer.h"
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int repair = argc > 1 && !strcmp(argv[1], "-r");
    int first = 1 + repair, n = argc - first;
    if (n < 1) {
        fprintf(stderr, "usage: %s [-r] file...\n", argv[0]);
        return 2;
    }
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
    poisk_analyzer_options o = { .repair = repair, .lexicon = lx };
    poisk_analyzer *a;
    poisk_analyzer_create(&o, &a);
    for (int i = 0; i < n; i++) {
        poisk_token t;
        poisk_analyzer_reset(a, docs[i], lens[i]);
        while (poisk_analyzer_next(a, &t))
            printf("%d\t%u\t%u\t%d\t%zu\t%zu\t%.*s\t%.*s\n", i, t.position, t.flags, (int)t.kind,
                   t.byte_start, t.byte_end, (int)t.term_len, t.term, (int)t.exact_len, t.exact);
    }
    poisk_analyzer_free(a);
    poisk_lexicon_free(lx);
    for (int i = 0; i < n; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    return 0;
}
