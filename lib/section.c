/*
 * section.c: stable ASCII ids of the template sections (include/poisk/document.h).
 * The ids are stored in index files, written in JSON lines and typed in queries
 * (section:proekty), so they never change; the enum order is the template order.
 */
#include <string.h>

#include "poisk/document.h"

static const char *const section_ids[POISK_SECTION_COUNT] = {
    [POISK_SECTION_OSNOVNYE]    = "osnovnye",
    [POISK_SECTION_KARTOCHKA]   = "kartochka",
    [POISK_SECTION_PRIORITETY]  = "prioritety",
    [POISK_SECTION_PROBLEMY]    = "problemy",
    [POISK_SECTION_VZAIMOSVYAZ] = "vzaimosvyaz",
    [POISK_SECTION_PROEKTY]     = "proekty",
    [POISK_SECTION_POKAZATELI]  = "pokazateli",
    [POISK_SECTION_RESURSY]     = "resursy",
    [POISK_SECTION_PRILOZHENIE] = "prilozhenie",
    [POISK_SECTION_OTHER]       = "other",
};

const char *poisk_section_id(poisk_section s)
{
    if ((int)s < 0 || s >= POISK_SECTION_COUNT)
        return "other";
    return section_ids[s];
}

int poisk_section_from_id(const char *id)
{
    if (!id)
        return -1;
    for (int s = 0; s < POISK_SECTION_COUNT; s++)
        if (strcmp(id, section_ids[s]) == 0)
            return s;
    return -1;
}
