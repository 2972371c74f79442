/*
 * document.h: the document model: what the indexer finds in a strategy and what every hit
 * carries back.  A document is split into passages, the unit of retrieval; each passage
 * knows its region, template section, sector, subsection, project and pages.
 */
#ifndef POISK_DOCUMENT_H
#define POISK_DOCUMENT_H

#include <stddef.h>
#include <stdint.h>

/* The 8 template sections, the appendix and everything else.  Values are stable: they are
 * stored in index files. */
typedef enum {
    POISK_SECTION_OSNOVNYE = 0,   /* 1 Основные положения */
    POISK_SECTION_KARTOCHKA,      /* 2 Карточка стратегии */
    POISK_SECTION_PRIORITETY,     /* 3 Приоритеты, цели и задачи */
    POISK_SECTION_PROBLEMY,       /* 4 Проблемы и вызовы */
    POISK_SECTION_VZAIMOSVYAZ,    /* 5 Взаимосвязь задач и проектов */
    POISK_SECTION_PROEKTY,        /* 6 Проекты */
    POISK_SECTION_POKAZATELI,     /* 7 Показатели */
    POISK_SECTION_RESURSY,        /* 8 Ресурсное обеспечение */
    POISK_SECTION_PRILOZHENIE,    /* appendix */
    POISK_SECTION_OTHER,          /* outside the template */
    POISK_SECTION_COUNT
} poisk_section;

/*! Stable ASCII id of a section ("osnovnye" ... "other"). */
const char *poisk_section_id(poisk_section s);
/*! Section from its id; -1 when unknown. */
int poisk_section_from_id(const char *id);

/* A passage as the indexer stores it and the searcher returns it.  All strings are
 * NUL-terminated UTF-8; optional ones are NULL when absent. */
typedef struct poisk_passage {
    const char *id;            /* "<path as given>:<byte_start>" or the JSON-lines id */
    const char *region;        /* slug from data/regions.tsv, or "unknown" */
    poisk_section section;
    const char *sector;        /* "edu", "health", ...; NULL outside sections 4-7 */
    const char *subsection;    /* "1.1", "3.2", "8.1" ...; or NULL */
    const char *project;       /* project number or name; or NULL */
    const uint32_t *pages;     /* printed page numbers the passage spans */
    size_t n_pages;
    const char *file;          /* source path as given on the command line */
    uint64_t byte_start, byte_end;   /* range in the source file */
    const char *text;          /* passage text (the source bytes, boilerplate removed) */
    size_t text_len;
} poisk_passage;

/* Room for poisk_passage_id_suffix(): ':', up to 20 digits and the NUL. */
#define POISK_PASSAGE_ID_SUFFIX_MAX 22

/*! The tail of a text file's passage id, ":<byte_start>" in decimal, into buf (room for
 *  POISK_PASSAGE_ID_SUFFIX_MAX bytes), NUL-terminated: the indexer makes ids with it, and
 *  the store leaves out the ids it would make.  @return : its length */
static inline size_t poisk_passage_id_suffix(char *buf, uint64_t byte_start)
{
    char d[20];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + byte_start % 10);
        byte_start /= 10;
    } while (byte_start);
    buf[0] = ':';
    for (size_t k = 0; k < n; k++)
        buf[1 + k] = d[n - 1 - k];
    buf[n + 1] = 0;
    return n + 1;
}

#endif
