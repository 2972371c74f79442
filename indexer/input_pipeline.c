/*
 * input_pipeline.c: inputs read, parsed and counted on worker threads, delivered in order
 * (input_pipeline.h).  Workers claim files in list order from a shared counter, so the file
 * the caller waits for is always the oldest one in progress; each finished file waits in
 * its slot of a ring of 16 x workers slots until the caller has taken it (16, so that one
 * long file does not leave the other workers idle: at 4, 2 workers on the 1 GB bench
 * corpus's 2945 files waited for room ~650 times each, and the input took 2.40 s instead
 * of 2.28, medians of 4), and no file is started while those
 * waiting hold more than the byte cap (text and parsed passages, ~2 bytes per text byte).  Each
 * worker counts the words into its own table of the lexicon (feeder 1, 2, ...; the caller,
 * for streamed big texts, is feeder 0), added up at freeze: counting takes about half as
 * long as parsing, and behind one lock 2 workers found it taken for about a fifth of their
 * files (1 GB bench corpus).
 *
 * A JSON-lines file over the part size is several units of work: part k holds the lines
 * that start in [kW, (k+1)W) (poisk_input_read_lines), so workers read and parse parts of
 * one file at once, and a 1 GB file holds about W ahead instead of its whole text and
 * passages.  Only its line numbers (in default ids and messages) depend on the parts
 * before: each part counts its own lines and passes the total on, in part order, before
 * it parses (counting is ~1 % of parsing, so the parts barely wait for each other).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_pipeline.h"
#include "jsonl.h"
#include "structure_stream.h"

/* A unit of work: a whole file, or part `part` of `parts` of a big JSON-lines file. */
typedef struct unit {
    size_t file;
    uint32_t part, parts;
} unit;

typedef struct pipe_state {
    const poisk_input_list *in;
    unit *units;
    size_t n_units;
    uint64_t part_size;
    /* per file read in parts: the part whose turn it is to take the line it starts on,
     * that line, and whether part 0 was skipped (so the rest are, silently) */
    uint32_t *turn;
    uint64_t *next_line;
    unsigned char *first_skipped;
    poisk_lexicon *lx;
    pthread_mutex_t lock;
    pthread_cond_t cv_done, cv_room, cv_turn;
    poisk_parsed *slots;                /* index % window */
    unsigned char *done;
    size_t window, next_start, next_take;
    uint64_t ahead, cap;                /* bytes held by files parsed and not yet taken */
    int stop;
} pipe_state;

/* A worker thread: the pipeline and the lexicon feeder it counts as. */
typedef struct worker {
    pipe_state *ps;
    unsigned feeder;
} worker;

/* First pass for split-word repair: the words of every passage of this input. */
static int count_words(pipe_state *ps, unsigned feeder, poisk_parsed *p)
{
    int rc = POISK_OK;
    if (p->jsonl) {
        for (size_t k = 0; k < poisk_document_passage_count(p->doc) && rc == POISK_OK; k++) {
            const poisk_passage *q = poisk_document_passage(p->doc, k);
            rc = poisk_lexicon_add_text_from(ps->lx, feeder, q->text, q->text_len);
        }
    } else {
        rc = poisk_lexicon_add_text_from(ps->lx, feeder, p->text, p->len);
    }
    return rc;
}

static uint64_t count_lines(const char *s, size_t n)
{
    uint64_t k = 0;
    for (const char *e = s + n; (s = memchr(s, '\n', (size_t)(e - s))) != NULL; s++)
        k++;
    return k;
}

/* Part u's turn in its file's line count: wait for the parts before it, take the line it
 * starts on, pass on the line after its own.  @return : 1 when part 0 was skipped */
static int take_turn(pipe_state *ps, const unit *u, uint64_t lines, int skipped,
                     uint64_t *line)
{
    pthread_mutex_lock(&ps->lock);
    while (ps->turn[u->file] != u->part)
        pthread_cond_wait(&ps->cv_turn, &ps->lock);
    if (u->part == 0)
        ps->first_skipped[u->file] = (unsigned char)skipped;
    *line = ps->next_line[u->file];
    ps->next_line[u->file] += lines;
    ps->turn[u->file]++;
    int first_skipped = ps->first_skipped[u->file];
    pthread_cond_broadcast(&ps->cv_turn);
    pthread_mutex_unlock(&ps->lock);
    return first_skipped;
}

/* Part u of a big JSON-lines file into p (text, base_off, base_line).  A later part of a
 * file skipped at part 0 is skipped too, silently (p->skipped set, POISK_EINPUT).
 * @return : poisk_rc, as poisk_input_read's */
static int read_part(pipe_state *ps, poisk_parsed *p, const unit *u)
{
    uint64_t from = u->part * ps->part_size;
    int rc = poisk_input_read_lines(p->path, from, from + ps->part_size, u->part + 1 == u->parts,
                                    &p->text, &p->len, &p->base_off, &p->err);
    uint64_t lines = rc == POISK_OK ? count_lines(p->text, p->len) : 0;
    int skip0 = u->part == 0 && (rc == POISK_EIO || rc == POISK_EINPUT);
    if (take_turn(ps, u, lines, skip0, &p->base_line) && u->part > 0) {
        p->skipped = 1;
        return POISK_EINPUT;
    }
    return rc;
}

/* Read (a whole file or a part), parse and count one unit.  A read error skips a file or
 * part 0 of one; after part 0 it fails the run (the file would be half indexed). */
static void parse_one(pipe_state *ps, unsigned feeder, poisk_parsed *p, const unit *u)
{
    int rc;
    if (u->parts > 1) {
        rc = read_part(ps, p, u);
    } else {
        if (!p->jsonl && (p->big = poisk_input_big(p->path, poisk_structure_window())) > 0)
            return;                     /* the caller streams it (structure_stream.h) */
        rc = poisk_input_read(p->path, &p->text, &p->len, &p->err);
    }
    if (rc == POISK_EIO || rc == POISK_EINPUT) {
        p->rc = rc;
        p->skipped |= u->part == 0;
        return;
    }
    if (rc == POISK_OK)
        rc = p->jsonl ? poisk_jsonl_parse_part(p->path, p->text, p->len, p->base_off,
                                               p->base_line, &p->doc, &p->err)
                      : poisk_document_parse(p->path, p->text, p->len, &p->doc, &p->err);
    if (rc == POISK_OK && ps->lx && (rc = count_words(ps, feeder, p)) != POISK_OK)
        poisk_error_set(&p->err, rc, "%s: %s", p->path, poisk_strerror(rc));
    p->rc = rc;
}

static void parsed_init(pipe_state *ps, poisk_parsed *p, const unit *u)
{
    memset(p, 0, sizeof *p);
    p->index = u->file;
    p->path = ps->in->paths[u->file];
    p->jsonl = ps->in->jsonl[u->file];
    p->part = u->part;
    p->base_line = 1;
    p->owner = ps;
}

static void parsed_clear(poisk_parsed *p)
{
    poisk_document_free(p->doc);
    free(p->text);
    p->doc = NULL;
    p->text = NULL;
}

/* What a parsed file holds until it is taken: its text and the passages copied from it. */
static uint64_t held_bytes(const poisk_parsed *p)
{
    return 2 * (uint64_t)p->len;
}

static void *worker_main(void *arg)
{
    const worker *me = arg;
    pipe_state *ps = me->ps;
    pthread_mutex_lock(&ps->lock);
    for (;;) {
        while (!ps->stop && ps->next_start < ps->n_units
               && (ps->next_start - ps->next_take >= ps->window
                   || (ps->ahead >= ps->cap && ps->next_start > ps->next_take)))
            pthread_cond_wait(&ps->cv_room, &ps->lock);
        if (ps->stop || ps->next_start >= ps->n_units)
            break;
        size_t i = ps->next_start++;
        poisk_parsed *p = &ps->slots[i % ps->window];
        pthread_mutex_unlock(&ps->lock);
        parsed_init(ps, p, &ps->units[i]);
        parse_one(ps, me->feeder, p, &ps->units[i]);
        pthread_mutex_lock(&ps->lock);
        ps->ahead += held_bytes(p);
        ps->done[i % ps->window] = 1;
        pthread_cond_broadcast(&ps->cv_done);
    }
    pthread_mutex_unlock(&ps->lock);
    return NULL;
}

static int run_inline(pipe_state *ps, poisk_parsed_fn fn, void *ctx)
{
    int rc = 0;
    for (size_t i = 0; i < ps->n_units && !rc; i++) {
        poisk_parsed p;
        parsed_init(ps, &p, &ps->units[i]);
        parse_one(ps, 0, &p, &ps->units[i]);
        rc = fn(ctx, &p);
        parsed_clear(&p);
    }
    return rc;
}

static int run_threaded(pipe_state *ps, int threads, poisk_parsed_fn fn, void *ctx)
{
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    worker *wk = calloc((size_t)threads, sizeof *wk);
    ps->slots = calloc(ps->window, sizeof *ps->slots);
    ps->done = calloc(ps->window, 1);
    int started = 0, rc = 0;
    if (tid && wk && ps->slots && ps->done)
        for (; started < threads; started++) {
            wk[started] = (worker){ ps, (unsigned)started + 1 };
            if (pthread_create(&tid[started], NULL, worker_main, &wk[started]) != 0)
                break;
        }
    if (started == 0) {
        free(tid);
        free(wk);
        free(ps->slots);
        free(ps->done);
        fprintf(stderr, "indexer: out of memory starting the parsing threads\n");
        return POISK_ENOMEM;
    }
    for (size_t i = 0; i < ps->n_units && !rc; i++) {
        size_t s = i % ps->window;
        pthread_mutex_lock(&ps->lock);
        while (!ps->done[s])
            pthread_cond_wait(&ps->cv_done, &ps->lock);
        pthread_mutex_unlock(&ps->lock);
        poisk_parsed *p = &ps->slots[s];
        rc = fn(ctx, p);
        uint64_t len = held_bytes(p);
        parsed_clear(p);
        pthread_mutex_lock(&ps->lock);
        ps->done[s] = 0;
        ps->ahead -= len;
        ps->next_take = i + 1;
        if (rc)
            ps->stop = 1;
        pthread_cond_broadcast(&ps->cv_room);
        pthread_mutex_unlock(&ps->lock);
    }
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    /* after a stop: files parsed ahead and never taken */
    for (size_t s = 0; s < ps->window; s++)
        if (ps->done[s])
            parsed_clear(&ps->slots[s]);
    free(tid);
    free(wk);
    free(ps->slots);
    free(ps->done);
    return rc;
}

/* The units of work: one per file, several per JSON-lines file over the part size (its
 * size now; a last part reads to the end, however far that has moved). */
static int plan_units(pipe_state *ps)
{
    const poisk_input_list *in = ps->in;
    size_t n = 0, split = 0;
    uint32_t *parts = calloc(in->n ? in->n : 1, sizeof *parts);
    if (!parts)
        return POISK_ENOMEM;
    for (size_t i = 0; i < in->n; i++) {
        uint64_t size = in->jsonl[i] ? poisk_input_big(in->paths[i], ps->part_size) : 0;
        uint64_t k = size ? (size + ps->part_size - 1) / ps->part_size : 1;
        parts[i] = k > UINT32_MAX ? UINT32_MAX : (uint32_t)k;
        n += parts[i];
        split |= parts[i] > 1;
    }
    ps->units = malloc((n ? n : 1) * sizeof *ps->units);
    if (split) {
        ps->turn = calloc(in->n, sizeof *ps->turn);
        ps->next_line = malloc(in->n * sizeof *ps->next_line);
        ps->first_skipped = calloc(in->n, 1);
    }
    if (!ps->units || (split && (!ps->turn || !ps->next_line || !ps->first_skipped))) {
        free(parts);
        return POISK_ENOMEM;
    }
    ps->n_units = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (split)
            ps->next_line[i] = 1;       /* lines count from 1 */
        for (uint32_t k = 0; k < parts[i]; k++)
            ps->units[ps->n_units++] = (unit){ i, k, parts[i] };
    }
    free(parts);
    return POISK_OK;
}

int poisk_input_pipeline_run(const poisk_input_list *in, const poisk_pipeline_options *opts,
                             poisk_parsed_fn fn, void *ctx)
{
    pipe_state ps;
    memset(&ps, 0, sizeof ps);
    ps.in = in;
    ps.lx = opts->lexicon;
    ps.cap = opts->byte_cap ? opts->byte_cap : (uint64_t)256 << 20;
    ps.part_size = poisk_jsonl_part_size();
    int rc = plan_units(&ps);
    if (rc != POISK_OK) {
        fprintf(stderr, "indexer: out of memory planning the inputs\n");
    } else {
        int threads = opts->threads > 0 ? opts->threads : 1;
        if ((size_t)threads > ps.n_units)
            threads = (int)ps.n_units;
        if (threads >= POISK_LEXICON_FEEDERS)   /* a lexicon feeder each, and the caller's */
            threads = POISK_LEXICON_FEEDERS - 1;
        pthread_mutex_init(&ps.lock, NULL);
        pthread_cond_init(&ps.cv_done, NULL);
        pthread_cond_init(&ps.cv_room, NULL);
        pthread_cond_init(&ps.cv_turn, NULL);
        if (threads <= 1) {
            rc = run_inline(&ps, fn, ctx);
        } else {
            ps.window = 16 * (size_t)threads;
            rc = run_threaded(&ps, threads, fn, ctx);
        }
        pthread_cond_destroy(&ps.cv_turn);
        pthread_cond_destroy(&ps.cv_room);
        pthread_cond_destroy(&ps.cv_done);
        pthread_mutex_destroy(&ps.lock);
    }
    free(ps.units);
    free(ps.turn);
    free(ps.next_line);
    free(ps.first_skipped);
    return rc;
}

int poisk_input_pipeline_count(poisk_parsed *p, const char *text, size_t len)
{
    pipe_state *ps = p->owner;
    if (!ps || !ps->lx)
        return POISK_OK;
    return poisk_lexicon_add_text_from(ps->lx, 0, text, len);   /* the caller's feeder */
}
