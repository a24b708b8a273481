/*
 * measure.h — shapes the single-threaded families (alloc, access, passing)
 * share around a measured operation:
 *
 *  - touching a block one store per cache line and reading it back into a
 *    checksum whose expected value is known in closed form, so benchmarks
 *    and tests can prove the memory was really written;
 *  - reporting such a checksum (the checksum_errors user counter);
 *  - keeping a measured callee out of line (MEASURE_NOINLINE);
 *  - the timing policy: minimum time and repetitions, quick or full.
 *
 * measure_touch_lines and its marks are static inline on purpose: they run
 * inside the timed loop, and a call into the harness library there would be
 * part of what is measured.  Everything else lives in harness/measure.c.
 */
#ifndef MEMPROBE_MEASURE_H
#define MEMPROBE_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "memprobe/bench.h"
#include "memprobe/cbench.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Keep a measured function out of line (and, with gcc, uncloned), so the
 * call it stands for is really made. */
#if defined(__clang__)
#define MEASURE_NOINLINE __attribute__((noinline))
#else
#define MEASURE_NOINLINE __attribute__((noinline, noclone))
#endif

/* ---- touching memory ---- */

/* Byte written at line k of a touch with seed. */
static inline unsigned char measure_line_mark(uint64_t seed, size_t k)
{
    return (unsigned char)(seed + k);
}

/* Byte written at the last byte of a touch with seed. */
static inline unsigned char measure_tail_mark(uint64_t seed)
{
    return (unsigned char)(seed ^ 0xa5u);
}

/* Write one byte every stride bytes from p (so every cache line the block
 * overlaps gets a store, whatever its alignment) plus the last byte, then
 * read them all back.  Returns the sum of the bytes read (0 when n == 0). */
static inline uint64_t measure_touch_lines(unsigned char *p, size_t n, size_t stride, uint64_t seed)
{
    if (n == 0)
        return 0;
    size_t k = 0;
    for (size_t off = 0; off < n; off += stride, k++)
        p[off] = measure_line_mark(seed, k);
    p[n - 1] = measure_tail_mark(seed);
    cbench_escape(p);
    uint64_t sum = 0;
    for (size_t off = 0; off < n - 1; off += stride)
        sum += p[off];
    return sum + p[n - 1];
}

/* malloc(n), measure_touch_lines over it, free it: the sum, or 0 when malloc
 * fails (the caller's checksum then tells). */
static inline uint64_t measure_malloc_touch_free(size_t n, size_t stride, uint64_t seed)
{
    unsigned char *p = malloc(n);
    if (!p)
        return 0;
    uint64_t sum = measure_touch_lines(p, n, stride, seed);
    free(p);
    return sum;
}

/* What measure_touch_lines(p, n, stride, seed) returns when the memory works. */
uint64_t measure_touch_expected(size_t n, size_t stride, uint64_t seed);
/* Sum of measure_touch_expected over seeds 0..iterations-1 (the marks repeat
 * every 256 seeds, so this is O(256), cheap enough after a timed loop). */
uint64_t measure_touch_expected_total(size_t n, size_t stride, uint64_t iterations);

/* ---- reporting ---- */

/* Report the checksum_errors user counter (0 when got == expected) and fail
 * the run with cbench_error when it is not. */
void measure_report_checksum(cbench_state *st, uint64_t got, uint64_t expected);

/* ---- timing policy ---- */

/* Minimum time per repetition and the run's repetitions: a quick run
 * measures once for quick_min_s; a default run repeats
 * BENCH_DEFAULT_REPETITIONS times for full_min_s each (many short
 * repetitions give the U test of `memprobe compare` its power), or
 * --repetitions times. */
void measure_timing(cbench_bench *b, const bench_config *cfg, double quick_min_s, double full_min_s);
/* The repetitions of a benchmark whose one repetition is a fixed amount of
 * work (a fixed iteration count: libbenchmark refuses a minimum time beside
 * one): cfg->fixed_work_repetitions. */
void measure_fixed_work_repetitions(cbench_bench *b, const bench_config *cfg);

#ifdef __cplusplus
}
#endif
#endif
