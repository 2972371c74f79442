/*
 * structure_stream.c: a huge text file parsed window by window (structure_stream.h), so
 * indexing it needs memory for one window, whatever the file's size (issue #9).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "structure_stream.h"

struct poisk_doc_stream {
    char *path;
    int fd;
    uint64_t size, pos;      /* file size; where the next window starts */
    size_t window;
    char *buf;               /* window + 1 bytes: the current window, NUL-terminated */
    int started, done;
    st_carry carry;
};

size_t poisk_structure_window(void)
{
    return poisk_input_size_env("POISK_STRUCTURE_WINDOW", POISK_STRUCTURE_WINDOW_DEFAULT);
}

int poisk_doc_stream_open(const char *path, size_t window, poisk_doc_stream **out,
                          poisk_error *err)
{
    *out = NULL;
    if (window < 4096) window = 4096;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return poisk_error_set(err, POISK_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return poisk_error_set(err, POISK_EIO, "%s: not a regular file", path);
    }
    poisk_doc_stream *s = calloc(1, sizeof *s);
    if (s) s->path = strdup(path);
    if (s) s->buf = malloc(window + 1);
    if (!s || !s->path || !s->buf) {
        if (s) { free(s->path); free(s->buf); free(s); }
        close(fd);
        return poisk_error_set(err, POISK_ENOMEM, "%s: out of memory reading it", path);
    }
    s->fd = fd;
    s->size = (uint64_t)st.st_size;
    s->window = window;
    *out = s;
    return POISK_OK;
}

void poisk_doc_stream_close(poisk_doc_stream *s)
{
    if (!s) return;
    close(s->fd);
    free(s->path);
    free(s->buf);
    free(s);
}

/* Where to cut a window that more text follows: after its last line break, else after
 * its last blank, in its second half; else at a character boundary. */
static size_t safe_cut(const char *b, size_t n)
{
    for (size_t i = n; i > n / 2; i--)
        if (b[i - 1] == '\n') return i;
    for (size_t i = n; i > n / 2; i--)
        if (b[i - 1] == ' ') return i;
    size_t i = n;
    while (i > 1 && ((unsigned char)b[i] & 0xC0) == 0x80) i--;
    return i;
}

/* Fill the window from the file at s->pos.  @return : bytes read, or (size_t)-1 */
static size_t fill(poisk_doc_stream *s)
{
    uint64_t left = s->size > s->pos ? s->size - s->pos : 0;
    size_t want = left < s->window ? (size_t)left : s->window, n = 0;
    while (n < want) {
        ssize_t got = pread(s->fd, s->buf + n, want - n, (off_t)(s->pos + n));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return (size_t)-1;
        if (got == 0) break;             /* the file shrank: what is there is all */
        n += (size_t)got;
    }
    if (n < want) s->size = s->pos + n;
    return n;
}

int poisk_doc_stream_next(poisk_doc_stream *s, poisk_document **doc, const char **text,
                          size_t *len, poisk_error *err)
{
    *doc = NULL;
    *text = NULL;
    *len = 0;
    if (s->done || (s->started && s->pos >= s->size))
        return POISK_OK;
    size_t n = fill(s);
    if (n == (size_t)-1)
        return poisk_error_set(err, POISK_EIO, "%s: read error", s->path);
    if (!s->started && poisk_input_refuse_binary(s->path, s->buf, n, err) != POISK_OK) {
        s->done = 1;
        return POISK_EINPUT;
    }
    s->started = 1;
    int last = s->pos + n >= s->size;
    size_t cut = last ? n : safe_cut(s->buf, n), consumed = 0;
    s->buf[cut] = 0;
    int rc = poisk_document_parse_part(s->path, s->buf, cut, s->pos, last, &s->carry,
                                       &consumed, doc, err);
    if (rc != POISK_OK) {
        s->done = 1;
        return rc;
    }
    if (last || consumed == 0) consumed = cut;     /* always move on */
    *text = s->buf;
    *len = consumed;
    s->pos += consumed;
    if (last) s->done = 1;
    return POISK_OK;
}
