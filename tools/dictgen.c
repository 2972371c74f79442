/* dictgen: loads the hunspell dictionary split-word repair uses (lib/lexicon_dict.c) once at
 * build time and writes its tables as a blob, which lib/lexicon_blob.c embeds, so an indexer
 * run needs no 20 ms parse of the .dic.  No dictionary (or one the reader refuses): an empty
 * blob, and the indexer loads the files at run time as before.
 * usage: dictgen BASE OUT.bin   (BASE.aff + BASE.dic) */
#include "lexicon_dict.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: dictgen BASE OUT.bin\n");
        return 2;
    }
    char aff[4096], dic[4096];
    snprintf(aff, sizeof aff, "%s.aff", argv[1]);
    snprintf(dic, sizeof dic, "%s.dic", argv[1]);
    FILE *out = fopen(argv[2], "wb");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    poisk_dict *d = NULL;
    if (poisk_dict_load(aff, dic, &d) == 0 && poisk_dict_save(d, aff, dic, out) != 0) {
        fprintf(stderr, "dictgen: cannot write %s\n", argv[2]);
        fclose(out);
        remove(argv[2]);
        return 1;
    }
    poisk_dict_free(d);
    return fclose(out) ? 1 : 0;
}
