/*
 * lexicon_blob.c: the hunspell dictionary's tables precomputed at build time
 * (tools/dictgen.c -> build/gen/ru_dict.bin, see poisk_dict_open_blob() in lexicon_dict.h),
 * embedded in the binary's read-only data: pages are mapped from the binary on first use,
 * nothing is parsed or copied.  Empty when the build machine had no dictionary.
 */
#include "lexicon_blob.h"

__asm__(".section .rodata\n"
        ".balign 64\n"
        ".globl poisk_dict_blob\n"
        ".hidden poisk_dict_blob\n"
        "poisk_dict_blob:\n"
        ".incbin \"build/gen/ru_dict.bin\"\n"
        ".globl poisk_dict_blob_end\n"
        ".hidden poisk_dict_blob_end\n"
        "poisk_dict_blob_end:\n"
        ".previous\n");
