/*
 * test_rng.h: the suites' deterministic pseudo-random numbers (xorshift64), so that a
 * failing draw replays exactly.  Each suite keeps its own state and seed.
 */
#ifndef POISK_TEST_RNG_H
#define POISK_TEST_RNG_H

#include <stdint.h>

static inline uint64_t test_xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

#endif
