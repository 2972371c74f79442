/*
 * serve_stats.c: counters and the latency histogram behind GET /stats (serve_stats.h).
 * A bucket's value is its upper bound, so reported percentiles never flatter the server.
 */
#include "serve_stats.h"

static unsigned bucket_of(uint64_t us)
{
    if (us < POISK_LAT_SUB)
        return (unsigned)us;
    unsigned msb = 63u - (unsigned)__builtin_clzll(us);      /* us >= 8 so msb >= 3 */
    unsigned sub = (unsigned)(us >> (msb - 3)) & (POISK_LAT_SUB - 1);
    unsigned b = (msb - 2) * POISK_LAT_SUB + sub;
    return b < POISK_LAT_BUCKETS ? b : POISK_LAT_BUCKETS - 1;
}

/* Largest value that falls in bucket b. */
static uint64_t bucket_top(unsigned b)
{
    if (b < POISK_LAT_SUB)
        return b;
    unsigned msb = b / POISK_LAT_SUB + 2, sub = b % POISK_LAT_SUB;
    uint64_t lo = ((uint64_t)(POISK_LAT_SUB + sub)) << (msb - 3);
    return lo + (1ull << (msb - 3)) - 1;
}

void poisk_serve_stats_init(poisk_serve_stats *s)
{
    atomic_init(&s->queries, 0);
    atomic_init(&s->query_errors, 0);
    atomic_init(&s->requests, 0);
    atomic_init(&s->max_us, 0);
    for (unsigned i = 0; i < POISK_LAT_BUCKETS; i++)
        atomic_init(&s->buckets[i], 0);
}

void poisk_serve_stats_record(poisk_serve_stats *s, uint64_t us)
{
    atomic_fetch_add_explicit(&s->buckets[bucket_of(us)], 1, memory_order_relaxed);
    uint64_t m = atomic_load_explicit(&s->max_us, memory_order_relaxed);
    while (us > m && !atomic_compare_exchange_weak(&s->max_us, &m, us))
        ;
}

uint64_t poisk_serve_stats_percentile(const poisk_serve_stats *s, double p)
{
    uint64_t counts[POISK_LAT_BUCKETS], total = 0;
    for (unsigned i = 0; i < POISK_LAT_BUCKETS; i++) {
        counts[i] = atomic_load_explicit(&((poisk_serve_stats *)s)->buckets[i],
                                         memory_order_relaxed);
        total += counts[i];
    }
    if (!total)
        return 0;
    uint64_t want = (uint64_t)(p * (double)total + 0.999999), seen = 0;
    if (want < 1)
        want = 1;
    for (unsigned i = 0; i < POISK_LAT_BUCKETS; i++) {
        seen += counts[i];
        if (seen >= want) {
            uint64_t top = bucket_top(i), max = atomic_load(&((poisk_serve_stats *)s)->max_us);
            return top < max ? top : max;
        }
    }
    return atomic_load(&((poisk_serve_stats *)s)->max_us);
}
