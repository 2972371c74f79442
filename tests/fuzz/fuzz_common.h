/*
 * fuzz_common.h: what every libFuzzer target of poisk shares (tests/fuzz/fuzz_*.c).
 *
 * Each target defines its harness as `static int fuzz_<name>(const uint8_t *, size_t)`
 * and, unless POISK_FUZZ_NO_MAIN is defined, the libFuzzer entry point calling it.
 * tests/test_regress.c defines POISK_FUZZ_NO_MAIN, includes every target and replays the
 * seeds and every past finding (tests/regress/<target>/) through the same harness in
 * `make test`, so a fixed bug stays fixed in both gcc builds.
 *
 * FUZZ_CHECK is an invariant the code under test promises: when it fails the harness
 * aborts, which libFuzzer reports as a crash with the input saved.
 */
#ifndef POISK_FUZZ_COMMON_H
#define POISK_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* A little reader over the fuzz input, to derive structured values from raw bytes. */
typedef struct fuzz_in {
    const uint8_t *p, *end;
} fuzz_in;

static inline unsigned fuzz_u8(fuzz_in *in)
{
    return in->p < in->end ? *in->p++ : 0;
}
static inline uint32_t fuzz_u32(fuzz_in *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)fuzz_u8(in) << (8 * i);
    return v;
}
static inline size_t fuzz_left(const fuzz_in *in)
{
    return (size_t)(in->end - in->p);
}

#ifdef POISK_FUZZ_NO_MAIN
#define POISK_FUZZ_ENTRY(fn)
#else
#define POISK_FUZZ_ENTRY(fn)                                                   \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);              \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)               \
    {                                                                          \
        return fn(data, size);                                                 \
    }
#endif

#endif
