/*
 * search_pool.c: a mutex-guarded stack of analyzer pairs attached to an index handle
 * (search_pool.h).  The lock is held only to push or pop a pointer; analysis itself runs
 * unlocked on a pair no other thread holds.  A pair's form caches keep what earlier
 * queries learned (stems, stop flags), which never depends on the text analysed, so
 * results are the same as with fresh analyzers; every text starts with
 * poisk_analyzer_reset(), which restarts positions and the token queue.
 */
#include "search_pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "index_reader.h"
#include "poisk/poisk.h"

#define POOL_CAP     32     /* idle pairs kept: more than any thread pool we run */
#define POOL_MAX_USES 1024  /* then the pair is freed: caches grow with every new form */

typedef struct search_pool {
    pthread_mutex_t lock;
    poisk_analyzer_pair *idle[POOL_CAP];
    unsigned n_idle;
} search_pool;

static void pair_free(poisk_analyzer_pair *p)
{
    if (!p)
        return;
    poisk_analyzer_free(p->query);
    poisk_analyzer_free(p->doc);
    free(p);
}

static void *pool_make(poisk_index *idx)
{
    (void)idx;
    search_pool *sp = calloc(1, sizeof *sp);
    if (sp && pthread_mutex_init(&sp->lock, NULL)) {
        free(sp);
        sp = NULL;
    }
    return sp;
}

static void pool_drop(void *v)
{
    search_pool *sp = v;
    for (unsigned i = 0; i < sp->n_idle; i++)
        pair_free(sp->idle[i]);
    pthread_mutex_destroy(&sp->lock);
    free(sp);
}

static search_pool *pool_of(poisk_index *idx)
{
    return poisk_index_attachment(idx, pool_make, pool_drop);
}

static int is_abbrev_hook(void *ctx, const char *form, size_t len)
{
    return poisk_index_is_abbrev(ctx, form, len);
}

static int pair_create(poisk_index *idx, poisk_analyzer_pair **out)
{
    poisk_index_stats st;
    poisk_index_get_stats(idx, &st);
    poisk_analyzer_options qa = { 0 };
    qa.is_abbrev = is_abbrev_hook;
    qa.is_abbrev_ctx = idx;   /* the pool dies with the index, so the hook never dangles */
    poisk_analyzer_options da = { 0 };
    da.repair = st.repair;
    poisk_analyzer_pair *p = calloc(1, sizeof *p);
    if (!p || poisk_analyzer_create(&qa, &p->query) || poisk_analyzer_create(&da, &p->doc)) {
        pair_free(p);
        return POISK_ENOMEM;
    }
    *out = p;
    return POISK_OK;
}

int poisk_search_pool_take(poisk_index *idx, poisk_analyzer_pair **out)
{
    *out = NULL;
    search_pool *sp = pool_of(idx);
    if (sp) {
        pthread_mutex_lock(&sp->lock);
        if (sp->n_idle)
            *out = sp->idle[--sp->n_idle];
        pthread_mutex_unlock(&sp->lock);
        if (*out)
            return POISK_OK;
    }
    return pair_create(idx, out);
}

void poisk_search_pool_give(poisk_index *idx, poisk_analyzer_pair *p)
{
    if (!p)
        return;
    /* drop the pointers into the caller's query and passages */
    poisk_analyzer_reset(p->query, "", 0);
    poisk_analyzer_reset(p->doc, "", 0);
    search_pool *sp = ++p->uses < POOL_MAX_USES ? pool_of(idx) : NULL;
    if (sp) {
        pthread_mutex_lock(&sp->lock);
        if (sp->n_idle < POOL_CAP) {
            sp->idle[sp->n_idle++] = p;
            p = NULL;
        }
        pthread_mutex_unlock(&sp->lock);
    }
    pair_free(p);
}
