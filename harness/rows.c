/*
 * rows.c — reading this process's results.csv rows back for the families'
 * finish() hooks: per-instance statistics of a column, ratios of two
 * instances with their spread, and side-table rows (see rows.h).
 */
#include "memprobe/rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/results.h"
#include "memprobe/stats.h"

output_table *rows_results(void)
{
    return output_table_get("results.csv");
}

static int rows_cell_is(const output_table *t, size_t r, const char *column, const char *want)
{
    const char *c = output_table_cell(t, r, column);
    return c && strcmp(c, want) == 0;
}

/* The variant cell may be "by_value" or "by_value/size:64": compare the part before '/'. */
static int rows_variant_is(const output_table *t, size_t r, const char *want)
{
    const char *c = output_table_cell(t, r, "variant");
    size_t n = strlen(want);
    return c && strncmp(c, want, n) == 0 && (c[n] == '\0' || c[n] == '/');
}

static int rows_size_is(const output_table *t, size_t r, long long size)
{
    const char *c = output_table_cell(t, r, "size");
    return c && strtoll(c, NULL, 10) == size;
}

/* Row r is an iteration row of the benchmark instance named. */
static int rows_match(const output_table *t, size_t r, const char *family, const char *variant,
                      const char *allocator, long long size)
{
    return rows_cell_is(t, r, "family", family) && rows_variant_is(t, r, variant) &&
           rows_cell_is(t, r, "allocator", allocator) && rows_size_is(t, r, size) &&
           results_row_kind_of(t, r) == RESULTS_ROW_ITERATION;
}

rows_stats rows_stats_of(const output_table *t, const char *family, const char *variant,
                         const char *allocator, long long size, const char *column)
{
    rows_stats s = {0, NAN, NAN, NAN};
    double v[ROWS_STATS_MAX];
    size_t n = 0, rows = t ? output_table_row_count(t) : 0;
    for (size_t r = 0; r < rows && n < ROWS_STATS_MAX; r++)
        if (rows_match(t, r, family, variant, allocator, size) && results_cell_number(t, r, column, &v[n]))
            n++;
    if (n == 0)
        return s;
    s.count = (int)n;
    s.median = stats_median(v, n);
    s.min = stats_min(v, n);
    s.max = stats_max(v, n);
    return s;
}

double rows_median_at(const output_table *t, const char *family, const char *variant, const char *arg, double value,
                      const char *column)
{
    double v[ROWS_STATS_MAX];
    size_t n = 0, rows = t ? output_table_row_count(t) : 0;
    for (size_t r = 0; r < rows && n < ROWS_STATS_MAX; r++)
        if (rows_cell_is(t, r, "family", family) && (!variant || rows_cell_is(t, r, "variant", variant)) &&
            results_row_kind_of(t, r) == RESULTS_ROW_ITERATION && rows_number(t, r, arg) == value &&
            results_cell_number(t, r, column, &v[n]))
            n++;
    return n ? stats_median(v, n) : NAN;
}

rows_ratio rows_ratio_of(const output_table *t, const char *family, const char *variant,
                         const char *baseline, const char *allocator, long long size, const char *column)
{
    rows_ratio r = {0, NAN, NAN, NAN, NAN, NAN};
    rows_stats v = rows_stats_of(t, family, variant, allocator, size, column);
    rows_stats b = rows_stats_of(t, family, baseline, allocator, size, column);
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

int rows_ratio_times(const output_table *t, const char *family, const char *variant, const char *baseline,
                     const char *allocator, long long size, rows_ratio *wall, rows_ratio *cpu)
{
    *wall = rows_ratio_of(t, family, variant, baseline, allocator, size, "real_ns");
    *cpu = rows_ratio_of(t, family, variant, baseline, allocator, size, "cpu_ns");
    return wall->count;
}

void rows_set_ratio(output_table *out, const char *prefix, rows_ratio r)
{
    char col[64];
    output_table_set_num(out, prefix, r.ratio);
    snprintf(col, sizeof col, "%s_low", prefix);
    output_table_set_num(out, col, r.low);
    snprintf(col, sizeof col, "%s_high", prefix);
    output_table_set_num(out, col, r.high);
}

/* Both cells unset, or both set and equal. */
static int rows_cells_equal(const output_table *t, size_t a, size_t b, const char *column)
{
    const char *x = output_table_cell(t, a, column), *y = output_table_cell(t, b, column);
    return x == y || (x && y && strcmp(x, y) == 0);
}

/* Row r can carry a derived value: status ok, one repetition or a mean or
 * median aggregate (a derived stddev or cv would mean nothing). */
static int rows_derivable(const output_table *t, size_t r, const char *family)
{
    const char *agg = output_table_cell(t, r, "aggregate");
    return rows_cell_is(t, r, "family", family) && rows_cell_is(t, r, "status", "ok") &&
           (!agg || !*agg || strcmp(agg, "mean") == 0 || strcmp(agg, "median") == 0);
}

/* The arguments part of row r's benchmark name ("/cpu_a:0/cpu_b:1" of
 * "c2c/cas/cpu_a:0/cpu_b:1"), "" when it has none. */
static const char *rows_args(const output_table *t, size_t r)
{
    const char *b = output_table_cell(t, r, "benchmark"), *f = output_table_cell(t, r, "family");
    const char *v = output_table_cell(t, r, "variant");
    size_t skip = (f ? strlen(f) + 1 : 0) + (v ? strlen(v) : 0);
    return b && strlen(b) >= skip ? b + skip : "";
}

/* The row of variant ref measured like row r (same arguments and CPUs,
 * repetition or aggregate); -1 when there is none. */
static long rows_reference_row(const output_table *t, size_t r, const char *family, const char *ref)
{
    static const char *const same[] = {"cpus", "run_type", "aggregate", "repetition", "allocator", "runtime"};
    for (size_t k = 0; k < output_table_row_count(t); k++) {
        if (k == r || !rows_derivable(t, k, family) || !rows_cell_is(t, k, "variant", ref) ||
            strcmp(rows_args(t, r), rows_args(t, k)) != 0)
            continue;
        int match = 1;
        for (size_t c = 0; match && c < sizeof same / sizeof *same; c++)
            match = rows_cells_equal(t, r, k, same[c]);
        if (match)
            return (long)k;
    }
    return -1;
}

void rows_derive(output_table *t, const char *family, const char *column, rows_reference_fn reference,
                 rows_derive_fn value)
{
    for (size_t r = 0; t && r < output_table_row_count(t); r++) {
        const char *variant = output_table_cell(t, r, "variant");
        char ref[128];
        if (!variant || !rows_derivable(t, r, family) || reference(variant, ref, sizeof ref) != 0)
            continue;
        long k = rows_reference_row(t, r, family, ref);
        double v = k >= 0 ? value(t, r, (size_t)k) : NAN;
        if (isnan(v))
            continue;
        output_table_insert_column(t, column, "label");
        output_table_set_row_num(t, r, column, v);
    }
}

double rows_number(const output_table *t, size_t r, const char *column)
{
    double v;
    return results_cell_number(t, r, column, &v) ? v : NAN;
}

output_table *rows_side_row(output_table **t, const char *file_name, const char *const *cols, int ncols)
{
    if (!*t) {
        *t = output_table_get(file_name);
        output_table_columns(*t, cols, ncols);
    }
    output_table_row(*t);
    return *t;
}
