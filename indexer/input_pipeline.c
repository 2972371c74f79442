/*
 * input_pipeline.c: inputs read, parsed and counted on worker threads, delivered in order
 * (input_pipeline.h).  Workers claim files in list order from a shared counter, so the file
 * the caller waits for is always the oldest one in progress; each finished file waits in
 * its slot of a ring of 16 x workers slots until the caller has taken it (16, so that one
 * long file does not leave the other workers idle: at 4, 2 workers on the 1 GB bench
 * corpus's 2945 files waited for room ~650 times each, and the input took 2.40 s instead
 * of 2.28, medians of 4), and no file is started while those
 * waiting hold more than the byte cap (text and parsed passages, ~2 bytes per text byte).  The lexicon is
 * one shared table (its counts do not depend on the order texts arrive in), fed under a
 * lock: counting takes about half as long as parsing, and 2 workers found the lock taken
 * for about a fifth of their files (1 GB bench corpus).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_pipeline.h"
#include "jsonl.h"
#include "structure_stream.h"

typedef struct pipe_state {
    const poisk_input_list *in;
    poisk_lexicon *lx;
    pthread_mutex_t lock, lx_lock;
    pthread_cond_t cv_done, cv_room;
    poisk_parsed *slots;                /* index % window */
    unsigned char *done;
    size_t window, next_start, next_take;
    uint64_t ahead, cap;                /* bytes held by files parsed and not yet taken */
    int stop;
    int lx_lock_needed;                 /* more than one worker */
} pipe_state;

/* First pass for split-word repair: the words of every passage of this input. */
static int count_words(pipe_state *ps, poisk_parsed *p)
{
    int rc = POISK_OK;
    if (ps->lx_lock_needed)
        pthread_mutex_lock(&ps->lx_lock);
    if (p->jsonl) {
        for (size_t k = 0; k < poisk_document_passage_count(p->doc) && rc == POISK_OK; k++) {
            const poisk_passage *q = poisk_document_passage(p->doc, k);
            rc = poisk_lexicon_add_text(ps->lx, q->text, q->text_len);
        }
    } else {
        rc = poisk_lexicon_add_text(ps->lx, p->text, p->len);
    }
    if (ps->lx_lock_needed)
        pthread_mutex_unlock(&ps->lx_lock);
    return rc;
}

static void parse_one(pipe_state *ps, poisk_parsed *p)
{
    if (!p->jsonl && (p->big = poisk_input_big(p->path, poisk_structure_window())) > 0)
        return;                         /* the caller streams it (structure_stream.h) */
    int rc = poisk_input_read(p->path, &p->text, &p->len, &p->err);
    if (rc == POISK_EIO || rc == POISK_EINPUT) {
        p->rc = rc;
        p->skipped = 1;
        return;
    }
    if (rc == POISK_OK)
        rc = p->jsonl ? poisk_jsonl_parse(p->path, p->text, p->len, &p->doc, &p->err)
                      : poisk_document_parse(p->path, p->text, p->len, &p->doc, &p->err);
    if (rc == POISK_OK && ps->lx && (rc = count_words(ps, p)) != POISK_OK)
        poisk_error_set(&p->err, rc, "%s: %s", p->path, poisk_strerror(rc));
    p->rc = rc;
}

static void parsed_init(pipe_state *ps, poisk_parsed *p, size_t i)
{
    memset(p, 0, sizeof *p);
    p->index = i;
    p->path = ps->in->paths[i];
    p->jsonl = ps->in->jsonl[i];
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
    pipe_state *ps = arg;
    pthread_mutex_lock(&ps->lock);
    for (;;) {
        while (!ps->stop && ps->next_start < ps->in->n
               && (ps->next_start - ps->next_take >= ps->window
                   || (ps->ahead >= ps->cap && ps->next_start > ps->next_take)))
            pthread_cond_wait(&ps->cv_room, &ps->lock);
        if (ps->stop || ps->next_start >= ps->in->n)
            break;
        size_t i = ps->next_start++;
        poisk_parsed *p = &ps->slots[i % ps->window];
        pthread_mutex_unlock(&ps->lock);
        parsed_init(ps, p, i);
        parse_one(ps, p);
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
    for (size_t i = 0; i < ps->in->n && !rc; i++) {
        poisk_parsed p;
        parsed_init(ps, &p, i);
        parse_one(ps, &p);
        rc = fn(ctx, &p);
        parsed_clear(&p);
    }
    return rc;
}

static int run_threaded(pipe_state *ps, int threads, poisk_parsed_fn fn, void *ctx)
{
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    ps->slots = calloc(ps->window, sizeof *ps->slots);
    ps->done = calloc(ps->window, 1);
    int started = 0, rc = 0;
    if (tid && ps->slots && ps->done)
        for (; started < threads; started++)
            if (pthread_create(&tid[started], NULL, worker_main, ps) != 0)
                break;
    if (started == 0) {
        free(tid);
        free(ps->slots);
        free(ps->done);
        fprintf(stderr, "indexer: out of memory starting the parsing threads\n");
        return POISK_ENOMEM;
    }
    for (size_t i = 0; i < ps->in->n && !rc; i++) {
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
    free(ps->slots);
    free(ps->done);
    return rc;
}

int poisk_input_pipeline_run(const poisk_input_list *in, const poisk_pipeline_options *opts,
                             poisk_parsed_fn fn, void *ctx)
{
    pipe_state ps;
    memset(&ps, 0, sizeof ps);
    ps.in = in;
    ps.lx = opts->lexicon;
    ps.cap = opts->byte_cap ? opts->byte_cap : (uint64_t)256 << 20;
    int threads = opts->threads > 0 ? opts->threads : 1;
    if ((size_t)threads > in->n)
        threads = (int)in->n;
    if (threads <= 1)
        return run_inline(&ps, fn, ctx);
    ps.window = 16 * (size_t)threads;
    ps.lx_lock_needed = 1;
    pthread_mutex_init(&ps.lock, NULL);
    pthread_mutex_init(&ps.lx_lock, NULL);
    pthread_cond_init(&ps.cv_done, NULL);
    pthread_cond_init(&ps.cv_room, NULL);
    int rc = run_threaded(&ps, threads, fn, ctx);
    pthread_cond_destroy(&ps.cv_room);
    pthread_cond_destroy(&ps.cv_done);
    pthread_mutex_destroy(&ps.lx_lock);
    pthread_mutex_destroy(&ps.lock);
    return rc;
}

int poisk_input_pipeline_count(poisk_parsed *p, const char *text, size_t len)
{
    pipe_state *ps = p->owner;
    if (!ps || !ps->lx)
        return POISK_OK;
    if (ps->lx_lock_needed)
        pthread_mutex_lock(&ps->lx_lock);
    int rc = poisk_lexicon_add_text(ps->lx, text, len);
    if (ps->lx_lock_needed)
        pthread_mutex_unlock(&ps->lx_lock);
    return rc;
}
