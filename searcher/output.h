/*
 * output.h: printing results for people (text) and scripts (JSON lines, TSV) (stage: ranked
 * hits -> output).  Module-private to searcher/; the JSON array of hits is public
 * (poisk_results_json_hits in include/poisk/search.h) because the server sends it too.
 */
#ifndef POISK_OUTPUT_H
#define POISK_OUTPUT_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "poisk/search.h"

/*! One hit as the stable JSON object of docs/QUERY.md (explain adds "explain"). */
cJSON *poisk_hit_json(const poisk_hit *h, int explain);
/*! The hits (or, with by_region, the region groups) as a JSON array. */
cJSON *poisk_results_json_array(const poisk_results *r);

/* Each returns 0, or -1 when writing failed (errno set). */
int poisk_output_json(FILE *f, const poisk_results *r);
int poisk_output_tsv(FILE *f, const poisk_results *r);
/*! Text for a terminal; `tty` selects ANSI bold over [brackets] for highlights. */
int poisk_output_text(FILE *f, const poisk_results *r, int tty);

#endif
