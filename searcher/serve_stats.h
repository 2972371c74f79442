/*
 * serve_stats.h: the server's request counters and a lock-free latency histogram for
 * GET /stats (queries served, errors, p50/p90/p99).  Every request thread records into
 * the same atomic buckets; nothing is ever locked or allocated.
 */
#ifndef POISK_SERVE_STATS_H
#define POISK_SERVE_STATS_H

#include <stdatomic.h>
#include <stdint.h>

/* Log-linear buckets: 8 per power of two, so a percentile is within 12.5 %. */
#define POISK_LAT_SUB 8
#define POISK_LAT_BUCKETS (40 * POISK_LAT_SUB)

typedef struct poisk_serve_stats {
    atomic_uint_fast64_t queries, query_errors, requests;
    atomic_uint_fast64_t buckets[POISK_LAT_BUCKETS];
    atomic_uint_fast64_t max_us;
} poisk_serve_stats;

void poisk_serve_stats_init(poisk_serve_stats *s);
/*! Record one answered /search (its latency in microseconds). */
void poisk_serve_stats_record(poisk_serve_stats *s, uint64_t us);
/*! The latency below which a fraction p (0..1) of recorded queries fall; 0 if none. */
uint64_t poisk_serve_stats_percentile(const poisk_serve_stats *s, double p);

#endif
