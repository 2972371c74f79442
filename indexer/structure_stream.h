/*
 * structure_stream.h: one huge strategy text parsed in windows (stage: text -> document
 * model), so the memory of indexing it does not grow with its size (issue #9).
 *
 * A file larger than the window (POISK_STRUCTURE_WINDOW bytes, default 32 MiB) is never
 * read whole.  It is read a window at a time, cut after the last line break (or blank) of
 * the window, and parsed by the structure parser (structure.c) as one *part*: a
 * poisk_document whose byte offsets and passage ids are those of the whole file.  The part
 * does not emit its last passage (the one running into the cut); the next window starts
 * where that passage starts, so passages are packed across window edges exactly as in one
 * piece.  What the parser knows about the document travels from part to part in an
 * st_carry: region, export shape, sectors listed in the TOC, the sections already found,
 * the section, sector and subsection the text is in, the sector heading looked for next
 * and the row's project.  The TOC is only looked for in the first window, page numbers
 * are found per window.  Files up to the window size take the ordinary whole-file path
 * (poisk_document_parse) and are not affected at all.
 */
#ifndef POISK_STRUCTURE_STREAM_H
#define POISK_STRUCTURE_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "structure.h"

#define ST_MAX_SECTORS 32
#define POISK_STRUCTURE_WINDOW_DEFAULT ((size_t)32 << 20)

typedef struct st_sector_def {
    char id[32];
    char key[192];           /* normalised letters of the name without «и» */
    size_t key_len;
} st_sector_def;

/* The document state from one part to the next (zeroed before the first part). */
typedef struct st_carry {
    int started;             /* a part has been parsed */
    int line_based;
    char region[64];         /* slug, or "" when the first part named none */
    unsigned found;          /* sections 1..8 and the appendix (bit 9) found so far */
    int section, sector;     /* where the text is (poisk_section, sector index or -1) */
    char sub[4];             /* subsection label, or "" */
    int next_sector;         /* ordinal (0-based) of the sector heading looked for next */
    char project[256];       /* project of the passage in progress, or "" */
    /* the soft-cut state of its unit (structure.c, soft_cuts) after its first token;
     * token positions relative to that token, word counts capped */
    int cuts;                /* set: the part starts inside a unit */
    long expect, named_rel, row_rel;
    unsigned row_words, unit_words;
    st_sector_def sectors[ST_MAX_SECTORS];
    int n_sectors;
} st_carry;

/*! poisk_document_parse_part() : parse text[0, len) as the part of a file that starts at
 *  byte `base`.  carry: state in (zeroed for the first part) and out.  last: no text
 *  follows.  *consumed: bytes of text the part's passages cover; the next part starts at
 *  base + *consumed (len when last).  @return : poisk_rc */
int poisk_document_parse_part(const char *path, const char *text, size_t len, uint64_t base,
                              int last, st_carry *carry, size_t *consumed,
                              poisk_document **out, poisk_error *err);

/*! The window size: POISK_STRUCTURE_WINDOW from the environment (bytes, at least 4096;
 *  meant for tests), else POISK_STRUCTURE_WINDOW_DEFAULT. */
size_t poisk_structure_window(void);

typedef struct poisk_doc_stream poisk_doc_stream;

/*! poisk_doc_stream_open() : start streaming the text file at path.  @return : POISK_EIO
 *  (unreadable), POISK_ENOMEM, with a message in *err */
int poisk_doc_stream_open(const char *path, size_t window, poisk_doc_stream **out,
                          poisk_error *err);

/*! poisk_doc_stream_next() : the next part.  *doc: NULL at the end; the caller frees it
 *  (before the next call: its passages point into the stream's window).  *text, *len:
 *  the bytes of the file the part's passages cover (for the split-word lexicon).
 *  @return : POISK_OK, POISK_EINPUT (binary file, first call only), POISK_EIO,
 *  POISK_ENOMEM, with a message in *err */
int poisk_doc_stream_next(poisk_doc_stream *s, poisk_document **doc, const char **text,
                          size_t *len, poisk_error *err);

void poisk_doc_stream_close(poisk_doc_stream *s);

#endif
