/*
 * stats.h — the few statistics the report needs: order statistics (median,
 * percentiles), least-squares slope, geometric mean, and the two-sided
 * Mann–Whitney U test as scipy.stats.mannwhitneyu (>= 1.7) computes it for
 * Google Benchmark's tools/compare.py.
 */
#ifndef MEMPROBE_STATS_H
#define MEMPROBE_STATS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* compare.py's thresholds: fewer repetitions per side than this and no
 * test is made (with more, stats_mann_whitney_min_p says whether the test
 * can reach alpha at all). */
#define STATS_UTEST_MIN_REPETITIONS 2
#define STATS_UTEST_ALPHA 0.05

/* Sort v ascending (the one comparator of doubles). */
void stats_sort(double *v, size_t n);
/* The one percentile definition of the project, used by every percentile
 * column a benchmark writes (C and the Go companion's alike), the claims'
 * pNN and compare: linear interpolation between the closest ranks, numpy's
 * default (position q * (n - 1) in the sorted values). */
/* Quantile q in [0, 1] of already sorted values.  NaN when n == 0. */
double stats_quantile_sorted(const double *sorted, size_t n, double q);
/* Percentile q in [0, 100] of v[0..n); v is sorted in place.  NaN when n == 0. */
double stats_percentile(double *v, size_t n, double q);
/* The median (percentile 50); sorts v in place.  NaN when n == 0. */
double stats_median(double *v, size_t n);
double stats_mean(const double *v, size_t n);
double stats_min(const double *v, size_t n);
double stats_max(const double *v, size_t n);
/* Least-squares slope of y against x; NaN when n < 2 or x is constant. */
double stats_slope(const double *x, const double *y, size_t n);
/* Geometric mean of positive values; NaN when n == 0 or any v <= 0. */
double stats_geomean(const double *v, size_t n);

/* Two-sided Mann–Whitney U test of samples a and b.  Exact null
 * distribution when either sample has at most 8 values and there are no
 * ties, otherwise the normal approximation with tie and continuity
 * correction.  Returns the p-value in [0, 1], NaN when either sample is
 * empty; *u (may be NULL) receives U of sample a. */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb, double *u);
/* The smallest p-value stats_mann_whitney_p can give samples of na and nb
 * values (no overlap at all): when it is at or above alpha, no difference
 * can be significant whatever was measured.  NaN when either is 0. */
double stats_mann_whitney_min_p(size_t na, size_t nb);
/* The fewest values per side (n against n) for which stats_mann_whitney_p
 * can fall below alpha (4 for alpha 0.05: 3 against 3 cannot go below 0.1). */
size_t stats_mann_whitney_min_n(double alpha);

#ifdef __cplusplus
}
#endif
#endif
