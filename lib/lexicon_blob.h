/*
 * lexicon_blob.h: the embedded precomputed dictionary (lexicon_blob.c), used by lexicon.c.
 */
#ifndef POISK_LEXICON_BLOB_H
#define POISK_LEXICON_BLOB_H

extern const unsigned char poisk_dict_blob[], poisk_dict_blob_end[];

/* The dictionary the blob was made from (Debian's hunspell-ru). */
#define POISK_DICT_BLOB_BASE "/usr/share/hunspell/ru_RU"

#endif
