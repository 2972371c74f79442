/*
 * input_pipeline.h: reading and parsing the indexer's inputs on worker threads (stage:
 * files -> text -> document model, feeding the split-word lexicon on the way).  Workers
 * read, parse and count words of files ahead of the caller; the caller receives every file
 * in input-list order, so whatever it does with them (the index writer's add order, id
 * checks, warnings) is the same for any thread count.  Memory is bounded: at most a window
 * of files (16 per worker), and no new file is started while the files waiting for the
 * caller hold more than the byte cap (their text and parsed passages).  A JSON-lines file
 * over poisk_jsonl_part_size() comes in parts of whole lines, parsed on any worker and
 * handed over in order like files of their own (part 0, 1, ...).
 */
#ifndef POISK_INPUT_PIPELINE_H
#define POISK_INPUT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"
#include "poisk/analyzer.h"
#include "input.h"
#include "structure.h"

/* One input as the caller receives it.  text and doc are freed after the callback. */
typedef struct poisk_parsed {
    size_t index;               /* in the input list */
    const char *path;
    int jsonl;
    char *text;
    size_t len;
    poisk_document *doc;        /* NULL unless rc == POISK_OK */
    int rc;                     /* POISK_OK, or the error (message in err) */
    int skipped;                /* rc is a read error that only skips this input */
    poisk_error err;
    /* a JSON-lines file in parts: this part's number (0 for a whole file), and where its
     * text starts in the file (byte, line from 1); a part after the first of a file that
     * was skipped is skipped too, and only the first says so */
    uint32_t part;
    uint64_t base_off, base_line;
    /* structure engineer: a text file over the structure window is neither read nor parsed
     * here (big = its size, doc NULL); the caller streams it (structure_stream.h) and feeds
     * the lexicon with poisk_input_pipeline_count() */
    uint64_t big;
    void *owner;
} poisk_parsed;

/* Called once per input, in order; a non-zero return stops the run and is returned. */
typedef int (*poisk_parsed_fn)(void *ctx, poisk_parsed *p);

typedef struct poisk_pipeline_options {
    int threads;                /* parsing workers; 1 = everything on the calling thread */
    uint64_t byte_cap;          /* bytes parsed ahead of the caller; 0 = 256 MiB */
    poisk_lexicon *lexicon;     /* first-pass word counts of every parsed input; may be NULL */
} poisk_pipeline_options;

/*! poisk_input_pipeline_run() : read, parse (text or JSON lines) and count every input of
 *  `in`, handing each to fn in order.  @return : 0, fn's first non-zero result, or
 *  POISK_ENOMEM when the workers cannot start (message on stderr) */
int poisk_input_pipeline_run(const poisk_input_list *in, const poisk_pipeline_options *opts,
                             poisk_parsed_fn fn, void *ctx);

/*! Count the words of text (a window of a streamed big input) into the run's lexicon,
 *  like the workers do for whole files; from the thread that runs poisk_input_pipeline_run
 *  (its callback), whose lexicon table no worker uses.  @return : poisk_rc */
int poisk_input_pipeline_count(poisk_parsed *p, const char *text, size_t len);

#endif
