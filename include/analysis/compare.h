/*
 * compare.h — comparing two run folders (two machines, two builds, two
 * allocators): per benchmark the median real_ns of A and B, B/A, and a
 * two-sided Mann–Whitney U test across repetitions as Google Benchmark's
 * tools/compare.py makes it; the geometric mean of B/A per family; and the
 * benchmarks present on one side only.
 */
#ifndef MEMPROBE_COMPARE_H
#define MEMPROBE_COMPARE_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/runfolder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One benchmark, keyed by benchmark name + allocator + runtime + pair class
 * (CPU numbers are not part of the key, so machines of different sizes
 * compare). */
typedef struct compare_row {
    char *family, *benchmark, *allocator, *runtime, *pair_class;
    double a_ns, b_ns;        /* median real_ns; NaN on the side it is missing */
    size_t a_n, b_n;          /* repetitions found */
    double ratio;             /* b_ns / a_ns; NaN when one side is missing */
    double p_value;           /* NaN when not tested */
    const char *verdict;      /* "significant", "not significant", "too few repetitions",
                                 "only in A", "only in B" */
} compare_row;

typedef struct compare_family {
    char *family;
    double geomean_ratio;     /* over its benchmarks present in both */
    size_t n;
} compare_family;

typedef struct compare_result {
    compare_row *rows;
    size_t nrows;
    compare_family *families;
    size_t nfamilies;
} compare_result;

/* Compare every benchmark of a and b (A is the baseline). */
compare_result *compare_runs(runfolder *a, runfolder *b);
void compare_result_free(compare_result *c);
/* Print the table, the per-family geometric means and the one-sided lists. */
void compare_print(const compare_result *c, const char *name_a, const char *name_b, FILE *out);
/* Write dir/compare.csv (one row per benchmark, one-sided ones included)
 * and dir/compare_families.csv atomically.  0, or -1 with err. */
int compare_write_csv(const compare_result *c, const char *dir, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
