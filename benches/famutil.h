/*
 * famutil.h — small shapes shared by the alloc, access and passing families
 * (header-only, all static inline, so each family stays one file exporting
 * one descriptor):
 *
 *  - touching memory one store per cache line and reading it back into a
 *    checksum whose expected value is known in closed form, so benchmarks and
 *    tests can prove the memory was really written;
 *  - the timing policy (minimum time and repetitions, quick or full);
 *  - reading this process's rows back from results.csv (median, min, max of
 *    a column over the iteration rows of one benchmark instance), for the
 *    side tables the families compute in their finish() hooks.
 */
#ifndef MEMPROBE_BENCHES_FAMUTIL_H
#define MEMPROBE_BENCHES_FAMUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/output.h"

#define FAMUTIL_NOINLINE __attribute__((noinline, noclone))
#if defined(__clang__)
#undef FAMUTIL_NOINLINE
#define FAMUTIL_NOINLINE __attribute__((noinline))
#endif

/* ---- touching memory ---- */

/* Byte written at line k of a touch with seed; the last byte gets its own mark. */
static inline unsigned char famutil_line_mark(uint64_t seed, size_t k)
{
    return (unsigned char)(seed + k);
}
static inline unsigned char famutil_tail_mark(uint64_t seed)
{
    return (unsigned char)(seed ^ 0xa5u);
}

/* Write one byte every stride bytes from p (so every cache line the block
 * overlaps gets a store, whatever its alignment) plus the last byte, then
 * read them all back.  Returns the sum of the bytes read. */
static inline uint64_t famutil_touch_lines(unsigned char *p, size_t n, size_t stride, uint64_t seed)
{
    if (n == 0)
        return 0;
    size_t k = 0;
    for (size_t off = 0; off < n; off += stride, k++)
        p[off] = famutil_line_mark(seed, k);
    p[n - 1] = famutil_tail_mark(seed);
    cbench_escape(p);
    uint64_t sum = 0;
    for (size_t off = 0; off < n - 1; off += stride)
        sum += p[off];
    return sum + p[n - 1];
}

/* What famutil_touch_lines(p, n, stride, seed) returns when the memory works. */
static inline uint64_t famutil_touch_expected(size_t n, size_t stride, uint64_t seed)
{
    if (n == 0)
        return 0;
    uint64_t sum = 0;
    size_t k = 0;
    for (size_t off = 0; off < n - 1; off += stride, k++)
        sum += famutil_line_mark(seed, k);
    return sum + famutil_tail_mark(seed);
}

/* Sum of famutil_touch_expected over seeds 0..iterations-1 (the marks repeat
 * every 256 seeds, so this is O(256), cheap enough after a timed loop). */
static inline uint64_t famutil_touch_expected_total(size_t n, size_t stride, uint64_t iterations)
{
    uint64_t period = 0, tail = 0;
    for (uint64_t s = 0; s < 256; s++) {
        uint64_t e = famutil_touch_expected(n, stride, s);
        period += e;
        if (s < iterations % 256)
            tail += e;
    }
    return (iterations / 256) * period + tail;
}

/* Report the checksum_errors user counter (0 when the work was done) and
 * fail the run when it is not. */
static inline void famutil_report_checksum(cbench_state *st, uint64_t got, uint64_t expected)
{
    cbench_counter(st, "checksum_errors", got == expected ? 0.0 : 1.0, CBENCH_COUNTER_PLAIN);
    if (got != expected)
        cbench_error(st, "checksum mismatch: the measured work was not done as claimed");
}

/* ---- timing policy ---- */

/* Minimum time per run and repetitions: quick runs once with quick_min_s;
 * a full run uses full_min_s and 3 repetitions (so medians have a spread)
 * unless the user asked for more with --repetitions. */
static inline void famutil_timing(cbench_bench *b, const bench_config *cfg,
                                  double quick_min_s, double full_min_s)
{
    cbench_min_time(b, cfg->quick ? quick_min_s : full_min_s);
    if (cfg->repetitions > 1)
        cbench_repetitions(b, cfg->repetitions);
    else if (!cfg->quick)
        cbench_repetitions(b, 3);
}

/* 1 when this process runs under an alternative allocator (a per-allocator
 * child), 0 for the glibc run that also measures what malloc does not serve. */
static inline int famutil_is_allocator_child(const bench_config *cfg)
{
    return cfg->allocator && *cfg->allocator && strcmp(cfg->allocator, "glibc") != 0;
}

/* ---- reading results back ---- */

/* This process's rows so far.  finish() hooks read them back: this needs
 * the CLI to have filled results.csv before it calls them. */
static inline const output_table *famutil_results(void)
{
    return output_table_get("results.csv");
}

/* Summary of one column over matching iteration rows. */
typedef struct famutil_stats {
    int count;
    double median, min, max;
} famutil_stats;

static inline int famutil_cell_is(const output_table *t, size_t r, const char *col, const char *want)
{
    const char *c = output_table_cell(t, r, col);
    return c && strcmp(c, want) == 0;
}

/* The variant cell may be "by_value" or "by_value/size:64": compare the part before '/'. */
static inline int famutil_variant_is(const output_table *t, size_t r, const char *want)
{
    const char *c = output_table_cell(t, r, "variant");
    size_t n = strlen(want);
    return c && strncmp(c, want, n) == 0 && (c[n] == '\0' || c[n] == '/');
}

static inline int famutil_row_ok(const output_table *t, size_t r)
{
    const char *run_type = output_table_cell(t, r, "run_type");
    const char *status = output_table_cell(t, r, "status");
    return (!run_type || !*run_type || strcmp(run_type, "iteration") == 0) &&
           (!status || !*status || strcmp(status, "ok") == 0);
}

static inline int famutil_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, min and max of column over the iteration rows (status ok) of
 * family/variant with the given allocator and size.  count 0 and NaNs when
 * there is none. */
static inline famutil_stats famutil_row_stats(const output_table *t, const char *family,
                                              const char *variant, const char *allocator,
                                              long long size, const char *column)
{
    famutil_stats s = {0, NAN, NAN, NAN};
    double v[256];
    size_t rows = t ? output_table_row_count(t) : 0;
    for (size_t r = 0; r < rows && s.count < 256; r++) {
        const char *size_cell = output_table_cell(t, r, "size");
        const char *value = output_table_cell(t, r, column);
        if (!famutil_cell_is(t, r, "family", family) || !famutil_variant_is(t, r, variant) ||
            !famutil_cell_is(t, r, "allocator", allocator) || !famutil_row_ok(t, r) ||
            !size_cell || strtoll(size_cell, NULL, 10) != size || !value || !*value)
            continue;
        v[s.count++] = strtod(value, NULL);
    }
    if (s.count == 0)
        return s;
    qsort(v, (size_t)s.count, sizeof v[0], famutil_cmp_double);
    s.min = v[0];
    s.max = v[s.count - 1];
    s.median = s.count % 2 ? v[s.count / 2] : (v[s.count / 2 - 1] + v[s.count / 2]) / 2;
    return s;
}

/* variant / baseline for one column: the ratio of medians and the widest
 * ratio the spread allows (min over max, max over min).  count is the
 * smaller row count, 0 when either side is missing. */
typedef struct famutil_ratio {
    int count;
    double ratio, low, high;
    double value, baseline;   /* the two medians */
} famutil_ratio;

static inline famutil_ratio famutil_row_ratio(const output_table *t, const char *family,
                                              const char *variant, const char *baseline,
                                              const char *allocator, long long size, const char *column)
{
    famutil_ratio r = {0, NAN, NAN, NAN, NAN, NAN};
    famutil_stats v = famutil_row_stats(t, family, variant, allocator, size, column);
    famutil_stats b = famutil_row_stats(t, family, baseline, allocator, size, column);
    if (v.count == 0 || b.count == 0 || !(b.min > 0))
        return r;
    r.count = v.count < b.count ? v.count : b.count;
    r.ratio = v.median / b.median;
    r.low = v.min / b.max;
    r.high = v.max / b.min;
    r.value = v.median;
    r.baseline = b.median;
    return r;
}

/* Write r into the current row of out as <prefix>, <prefix>_low, <prefix>_high. */
static inline void famutil_set_ratio(output_table *out, const char *prefix, famutil_ratio r)
{
    char col[64];
    output_table_set_num(out, prefix, r.ratio);
    snprintf(col, sizeof col, "%s_low", prefix);
    output_table_set_num(out, col, r.low);
    snprintf(col, sizeof col, "%s_high", prefix);
    output_table_set_num(out, col, r.high);
}

/* A side table created with its first row (so nothing is written when
 * nothing ran); starts a new row and returns the table. */
static inline output_table *famutil_side_row(output_table **t, const char *file,
                                             const char *const *cols, int ncols)
{
    if (!*t) {
        *t = output_table_get(file);
        output_table_columns(*t, cols, ncols);
    }
    output_table_row(*t);
    return *t;
}

#endif
