/*
 * repair.c: split-word repair (see repair.h).  First version: nothing is joined yet.
 */
#include "repair.h"
#include "poisk/poisk.h"

#include <stdlib.h>

struct poisk_repair {
    const poisk_lexicon *lx;
    const poisk_stopset *stop;
};

int poisk_repair_create(const poisk_lexicon *lx, const poisk_stopset *stop, poisk_repair **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return POISK_ENOMEM;
    (*out)->lx = lx;
    (*out)->stop = stop;
    return POISK_OK;
}

void poisk_repair_free(poisk_repair *r)
{
    free(r);
}

unsigned poisk_repair_plan(poisk_repair *r, const poisk_piece *ring, unsigned cap,
                           unsigned head, unsigned avail, poisk_repair_join *join)
{
    (void)r; (void)ring; (void)cap; (void)head; (void)avail; (void)join;
    return 0;
}
