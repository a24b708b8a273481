/*
 * measure.c — the out-of-line part of measure.h: the closed-form value of a
 * cache-line touch, the checksum report, and the timing policy the
 * single-threaded families share.
 */
#include "memprobe/measure.h"

uint64_t measure_touch_expected(size_t n, size_t stride, uint64_t seed)
{
    if (n == 0)
        return 0;
    uint64_t sum = 0;
    size_t k = 0;
    for (size_t off = 0; off < n - 1; off += stride, k++)
        sum += measure_line_mark(seed, k);
    return sum + measure_tail_mark(seed);
}

uint64_t measure_touch_expected_total(size_t n, size_t stride, uint64_t iterations)
{
    uint64_t period = 0, tail = 0;
    for (uint64_t s = 0; s < 256; s++) {
        uint64_t e = measure_touch_expected(n, stride, s);
        period += e;
        if (s < iterations % 256)
            tail += e;
    }
    return (iterations / 256) * period + tail;
}

void measure_report_checksum(cbench_state *st, uint64_t got, uint64_t expected)
{
    cbench_counter(st, "checksum_errors", got == expected ? 0.0 : 1.0, CBENCH_COUNTER_PLAIN);
    if (got != expected)
        cbench_error(st, "checksum mismatch: the measured work was not done as claimed");
}

void measure_fixed_work_repetitions(cbench_bench *b, const bench_config *cfg)
{
    if (bench_fixed_work_repetitions(cfg) > 1)
        cbench_repetitions(b, bench_fixed_work_repetitions(cfg));
}

void measure_timing(cbench_bench *b, const bench_config *cfg, double quick_min_s, double full_min_s)
{
    cbench_min_time(b, cfg->quick ? quick_min_s : full_min_s);
    if (cfg->repetitions > 1)
        cbench_repetitions(b, cfg->repetitions);
}
