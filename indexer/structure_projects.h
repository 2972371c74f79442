/*
 * structure_projects.h: the lexicon of project names (stage: text -> document model; used
 * by the structure parser, structure.c, to cut and name project rows in sections 5-7).
 *
 * Regional strategies share most project names (the federal "рекомендовано ФОИ" list and
 * common regional ones).  data/projects.txt, embedded at build time as poisk_projects_txt,
 * lists them; a name found at the start of a table row marks a project row even where the
 * export printed no row number and no "рекомендовано ФОИ" (001, 004).
 */
#ifndef POISK_STRUCTURE_PROJECTS_H
#define POISK_STRUCTURE_PROJECTS_H

#include <stddef.h>
#include "structure_token.h"

typedef struct st_projects st_projects;

/*! st_projects_load() : the embedded lexicon.  @return : NULL on ENOMEM */
st_projects *st_projects_load(void);
void st_projects_free(st_projects *lx);
/*! st_projects_shared() : the embedded lexicon, built once per process (pthread_once) and
 *  never changed nor freed after that, so every parse on every thread reads the same one
 *  (a parse of a tiny file cost more in building it than in parsing).  NULL on ENOMEM. */
const st_projects *st_projects_shared(void);
size_t st_projects_count(const st_projects *lx);

/*! st_projects_match() : does a lexicon name start at token i of t[0, n)?  Case, ё/е,
 *  punctuation, quotes, function words (и, в, на, для ...), words split by wrapping and
 *  the last two letters of the name (lost or changed endings) do not matter, and the last
 *  fifth of a name may be missing (a table cell edge cut it off).
 *  @return : the token after the name (0: no match); *name: the name as the lexicon
 *  spells it */
size_t st_projects_match(const st_projects *lx, const char *text, const st_tok *t, size_t n,
                         size_t i, const char **name);

#endif
