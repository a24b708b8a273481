/*
 * rng.h — the one pseudo-random generator: xorshift64* (Vigna), small and
 * deterministic from its seed, for shuffles (the latency chase, the order
 * blocks are freed in) and irregular delays (litmus, visibility).  Not for
 * anything that must be unpredictable.  The state must not be 0.
 */
#ifndef MEMPROBE_RNG_H
#define MEMPROBE_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The next 64-bit value; advances *state. */
static inline uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

#ifdef __cplusplus
}
#endif
#endif
