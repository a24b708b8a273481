/*
 * stats.c — order statistics, slope, geometric mean and the two-sided
 * Mann–Whitney U test used by claims, report and compare.  The U test
 * follows scipy.stats.mannwhitneyu (method "auto", continuity correction),
 * which is what Google Benchmark's tools/compare.py calls.
 */
#include "memprobe/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/xalloc.h"

static int stats_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void stats_sort(double *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, stats_cmp_double);
}

double stats_quantile_sorted(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    if (q <= 0)
        return sorted[0];
    if (q >= 1)
        return sorted[n - 1];
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    double frac = pos - (double)lo;
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

double stats_percentile(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    stats_sort(v, n);
    return stats_quantile_sorted(v, n, q / 100.0);
}

double stats_median(double *v, size_t n)
{
    return stats_percentile(v, n, 50);
}

double stats_mean(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

double stats_min(const double *v, size_t n)
{
    double m = n ? v[0] : NAN;
    for (size_t i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

double stats_max(const double *v, size_t n)
{
    double m = n ? v[0] : NAN;
    for (size_t i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

double stats_slope(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double mx = stats_mean(x, n), my = stats_mean(y, n), sxy = 0, sxx = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    return sxx > 0 ? sxy / sxx : NAN;
}

double stats_geomean(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] > 0))
            return NAN;
        s += log(v[i]);
    }
    return exp(s / (double)n);
}

/* ---- Mann–Whitney U ---- */

typedef struct stats_ranked {
    double value;
    int from_a;
} stats_ranked;

static int stats_cmp_ranked(const void *a, const void *b)
{
    return stats_cmp_double(&((const stats_ranked *)a)->value, &((const stats_ranked *)b)->value);
}

/* Rank a and b together (mid-ranks for ties).  Returns the rank sum of a;
 * *tie_term receives sum(t^3 - t) over tie groups of size t. */
static double stats_rank_sum(const double *a, size_t na, const double *b, size_t nb, double *tie_term)
{
    size_t n = na + nb;
    stats_ranked *all = malloc(n * sizeof *all);
    for (size_t i = 0; i < na; i++)
        all[i] = (stats_ranked){a[i], 1};
    for (size_t i = 0; i < nb; i++)
        all[na + i] = (stats_ranked){b[i], 0};
    qsort(all, n, sizeof *all, stats_cmp_ranked);
    double rank_sum = 0;
    *tie_term = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && all[j + 1].value == all[i].value)
            j++;
        double t = (double)(j - i + 1);
        double mid_rank = ((double)i + (double)j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++)
            if (all[k].from_a)
                rank_sum += mid_rank;
        *tie_term += t * t * t - t;
        i = j + 1;
    }
    free(all);
    return rank_sum;
}

/* P(U >= u) under the null for sample sizes m, n: the coefficients of the
 * Gaussian binomial [m+n choose m]_q count the arrangements with U = k. */
static double stats_mwu_exact_sf(long u, size_t m, size_t n)
{
    if (m > n) {
        size_t t = m;
        m = n;
        n = t;
    }
    size_t deg = m * n;
    long double *c = calloc(deg + 1, sizeof *c);
    c[0] = 1;
    for (size_t i = 1; i <= m; i++) {
        size_t top = i * n;            /* degree after this step */
        for (size_t k = top; k >= n + i && k <= top; k--)   /* multiply by (1 - q^(n+i)) */
            c[k] -= c[k - (n + i)];
        for (size_t k = i; k <= top; k++)                   /* divide by (1 - q^i) */
            c[k] += c[k - i];
    }
    long double total = 0, tail = 0;
    for (size_t k = 0; k <= deg; k++) {
        total += c[k];
        if ((long)k >= u)
            tail += c[k];
    }
    free(c);
    return (double)(tail / total);
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb, double *u)
{
    if (na == 0 || nb == 0)
        return NAN;
    double tie_term;
    double r1 = stats_rank_sum(a, na, b, nb, &tie_term);
    double n1 = (double)na, n2 = (double)nb, n = n1 + n2;
    double u1 = r1 - n1 * (n1 + 1) / 2;
    double u2 = n1 * n2 - u1;
    double big = u1 > u2 ? u1 : u2;
    if (u)
        *u = u1;
    double p;
    if ((na <= 8 || nb <= 8) && tie_term == 0) {
        p = 2 * stats_mwu_exact_sf(lround(big), na, nb);
    } else {
        double s = sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))));
        if (!(s > 0))
            return 1.0;
        double z = (big - n1 * n2 / 2 - 0.5) / s;
        p = erfc(z / sqrt(2.0));       /* 2 * normal survival function */
    }
    return p > 1 ? 1 : p < 0 ? 0 : p;
}

double stats_mann_whitney_min_p(size_t na, size_t nb)
{
    if (na == 0 || nb == 0)
        return NAN;
    double *v = xalloc_malloc((na + nb) * sizeof *v);
    for (size_t i = 0; i < na + nb; i++)
        v[i] = (double)i;
    double p = stats_mann_whitney_p(v, na, v + na, nb, NULL);
    free(v);
    return p;
}

size_t stats_mann_whitney_min_n(double alpha)
{
    size_t n = 1;
    while (n < 64 && !(stats_mann_whitney_min_p(n, n) < alpha))
        n++;
    return n;
}
