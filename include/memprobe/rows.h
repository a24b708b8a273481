/*
 * rows.h — a family's finish() hook reading this process's results.csv rows
 * back: median, min and max of a column over the iteration rows of one
 * benchmark instance, the ratio of two instances with the spread the rows
 * allow, columns derived from a row and its reference row (falseshare's
 * slowdown, litmus's control rate), and starting rows of the side tables
 * (access_summary.csv, passing_ratios.csv, ...) built from them.
 *
 * The order statistics are stats.h's; what counts as an iteration row is
 * results.h's (results_row_kind_of), so a finished run folder and a
 * running process read rows alike.
 */
#ifndef MEMPROBE_ROWS_H
#define MEMPROBE_ROWS_H

#include "memprobe/output.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Summary of one column over matching rows; count 0 and NaNs when none. */
typedef struct rows_stats {
    int count;
    double median, min, max;
} rows_stats;

/* variant / baseline for one column: the ratio of medians and the widest
 * ratio the spread allows (min over max, max over min).  count is the
 * smaller row count, 0 (and NaNs) when either side is missing or the
 * baseline is not positive. */
typedef struct rows_ratio {
    int count;
    double ratio, low, high;
    double value, baseline;   /* the two medians */
} rows_ratio;

/* Most rows one rows_stats_of reads (later matches are ignored). */
#define ROWS_STATS_MAX 256

/* This process's rows so far: a finish() hook reads them back (the CLI fills
 * results.csv before it calls the hooks). */
output_table *rows_results(void);

/* Median, min and max of column over the iteration rows (status ok, value
 * set) of family/variant with the given allocator and size argument.  The
 * variant cell may carry arguments ("by_value/size:64"): the part before the
 * first '/' is compared.  t may be NULL. */
rows_stats rows_stats_of(const output_table *t, const char *family, const char *variant,
                         const char *allocator, long long size, const char *column);

/* Median of column over the iteration rows (status ok, value set) of family
 * (and variant, unless NULL: the whole variant cell) whose column arg holds
 * the number value; NaN when none.  For families whose instances differ by
 * an argument other than size (mlp's chains, tlb's pages, ...). */
double rows_median_at(const output_table *t, const char *family, const char *variant, const char *arg, double value,
                      const char *column);
/* rows_stats_of for variant and for baseline, as a ratio (see rows_ratio). */
rows_ratio rows_ratio_of(const output_table *t, const char *family, const char *variant,
                         const char *baseline, const char *allocator, long long size, const char *column);

/* rows_ratio_of for real_ns into *wall and cpu_ns into *cpu; returns
 * wall->count (0: no row to compare, nothing to write). */
int rows_ratio_times(const output_table *t, const char *family, const char *variant, const char *baseline,
                     const char *allocator, long long size, rows_ratio *wall, rows_ratio *cpu);

/* Write r into the current row of out as <prefix>, <prefix>_low and
 * <prefix>_high (NaN cells stay empty). */
void rows_set_ratio(output_table *out, const char *prefix, rows_ratio r);

/* Derived columns (a value computed from a row and the row of its reference
 * variant measured alike: same family, CPUs, repetition or aggregate). */
/* Name the reference variant of variant into ref: 0, or -1 when the variant
 * has none. */
typedef int (*rows_reference_fn)(const char *variant, char *ref, size_t len);
/* The derived value of row from its cells and its reference row's; NaN
 * leaves the cell empty. */
typedef double (*rows_derive_fn)(const output_table *t, size_t row, size_t ref);
/* Set column on every row of family (status ok; one repetition, or a mean or
 * median aggregate) whose reference row exists, so that a value compares
 * rows of the same repetition, or medians with medians, whatever order the
 * runs had.  The column is declared just before "label" when new. */
void rows_derive(output_table *t, const char *family, const char *column, rows_reference_fn reference,
                 rows_derive_fn value);
/* A cell as a number; NaN when empty or not a number. */
double rows_number(const output_table *t, size_t r, const char *column);

/* Start a new row in the side table *t, getting file_name's table and
 * declaring its columns on the first call (so nothing is written when no
 * row ever is).  Returns *t. */
output_table *rows_side_row(output_table **t, const char *file_name, const char *const *cols, int ncols);

#ifdef __cplusplus
}
#endif
#endif
