/*
 * input.h: finding and reading the indexer's input (stage: files -> text).  Arguments are
 * files or directories; directories are walked recursively in name order, taking *.txt
 * (strategy texts) and *.jsonl (pre-split passages) and nothing else; symlink loops and
 * files reached twice are visited once.  A file named on the command line is read
 * whatever its name (*.jsonl as JSON lines, anything else as text).
 */
#ifndef POISK_INPUT_H
#define POISK_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include "poisk/poisk.h"

typedef struct poisk_input_list {
    char **paths;
    unsigned char *jsonl;      /* 1: JSON lines, 0: text */
    size_t n, cap;
} poisk_input_list;

/* Called with one line for each input that cannot be used (it is also counted). */
typedef void (*poisk_input_warn)(void *ctx, const char *message);

/*! poisk_input_collect() : the files to index, in order.  *skipped counts arguments that
 *  do not exist or cannot be opened.  @return : poisk_rc (ENOMEM only) */
int poisk_input_collect(char *const *args, size_t n_args, poisk_input_list *out,
                        poisk_input_warn warn, void *ctx, size_t *skipped);
void poisk_input_list_free(poisk_input_list *l);

/*! poisk_input_read() : the whole file, NUL-terminated, malloc'd.  @return : POISK_EIO
 *  (unreadable), POISK_EINPUT (binary, not text), POISK_ENOMEM, with a message in *err */
int poisk_input_read(const char *path, char **buf, size_t *len, poisk_error *err);

/*! poisk_input_read_lines() : the lines of the regular file at path that start in
 *  [from, to), or from `from` to the end of the file when `last`; NUL-terminated, malloc'd,
 *  *off their offset in the file.  A line starts at byte 0 and after every '\n', so the
 *  parts [0, W), [W, 2W), ... cut a file at the same places whoever reads which part, and
 *  together hold every byte once: a JSON-lines file too big to read at once is read in
 *  such parts (input_pipeline.c).  A line that runs past `to` is read whole.  The part
 *  that starts the file is tested as poisk_input_read() tests a whole file.
 *  @return : POISK_EIO (unreadable), POISK_EINPUT (binary), POISK_ENOMEM, with a message
 *  in *err */
int poisk_input_read_lines(const char *path, uint64_t from, uint64_t to, int last,
                           char **buf, size_t *len, uint64_t *off, poisk_error *err);

/*! The size in bytes named by environment variable `name` (decimal, at least 4096), else
 *  dflt: how tests shrink the parts big inputs are read in. */
size_t poisk_input_size_env(const char *name, size_t dflt);

/*! poisk_input_big() : the size of the regular file at path when it is over `window`
 *  bytes (to be parsed in windows: structure_stream.h), else 0 (also when it cannot be
 *  examined: reading it will say why). */
uint64_t poisk_input_big(const char *path, size_t window);

/*! Does this look like a binary file (NUL bytes, control characters, mostly invalid
 *  UTF-8 in its first 64 KiB)? */
int poisk_input_is_binary(const char *buf, size_t len);

/*! The readers' verdict on the first bytes of a file: POISK_EINPUT with the skip message in
 *  *err when poisk_input_is_binary() says so, else POISK_OK. */
int poisk_input_refuse_binary(const char *path, const char *buf, size_t len, poisk_error *err);

#endif
