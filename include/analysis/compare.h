/*
 * compare.h — comparing run folders: two machines, ten, a fleet.
 *
 * Rows are matched on what they measure: family, variant, every benchmark
 * argument except those naming CPUs (results_arg_is_cpu: cpu_a, cpu_b),
 * allocator, runtime and pair class.  So pair rows measured on CPUs (0,1) on
 * one machine and (0,8) on another match when both pairs are of class llc;
 * where a run has several pairs of one class (--c2c-all), the class's value
 * is the median of its pairs' medians and the pair count is kept.
 *
 * The first run is the baseline.  Every other run gets, per row: its value
 * (median real_ns), the ratio to the baseline and a two-sided Mann–Whitney U
 * test of its repetitions against the baseline's (as Google Benchmark's
 * tools/compare.py makes it, alpha 0.05).  When the smallest p the two
 * sample sizes allow is at or above alpha, the verdict says "too few
 * repetitions (need >= N each)" instead of "not significant".  A row is
 * "not comparable" when a pair row was measured while the VM moved its
 * vCPUs (results.csv placement = changed) or its family ran with other
 * options; a row of a run that did not complete is marked.  Impossible
 * values (a measured real_ns that is not a positive, finite number) are
 * refused with the file and line.
 */
#ifndef MEMPROBE_COMPARE_H
#define MEMPROBE_COMPARE_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/runfolder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What one run has for one row. */
typedef enum compare_state {
    COMPARE_MEASURED,   /* repetitions (or a median aggregate) */
    COMPARE_MISSING,    /* no row of this key */
    COMPARE_FAILED,     /* only error or skipped rows (message in verdict) */
} compare_state;

/* Why a cell is marked (bit flags). */
enum compare_mark {
    COMPARE_MARK_PLACEMENT = 1,   /* measured while the placement changed: not comparable */
    COMPARE_MARK_SETTINGS = 2,    /* its family ran with other options than on the baseline: not comparable */
    COMPARE_MARK_INCOMPLETE = 4,  /* the run did not complete ("completed": false) */
};

typedef struct compare_cell {
    compare_state state;
    double value;            /* median real_ns; over several CPU sets, the median of their medians */
    double *samples;         /* real_ns of every repetition of every CPU set */
    size_t n;                /* samples; 1 with from_aggregate */
    int from_aggregate;      /* only an aggregate=median row was found (no test) */
    size_t pairs;            /* CPU sets measured (1 for rows without CPU arguments) */
    size_t *rows;            /* results.csv rows behind value (for other columns) */
    size_t nrows;
    unsigned marks;
    double ratio;            /* value / the baseline's; NaN when either is not measured */
    double p_value;          /* U test against the baseline; NaN when none was made */
    char *verdict;           /* "baseline", "significant", "not significant",
                                "too few repetitions (need >= N each)",
                                "not comparable (placement changed)",
                                "not comparable (settings differ)", "missing", "failed: ..." */
} compare_cell;

typedef struct compare_row {
    char *family, *variant, *args, *allocator, *runtime, *pair_class;
    char *benchmark;         /* family/variant[/args]: the matched name, CPU arguments left out */
    char *label;             /* benchmark [allocator, runtime, pair class], as printed */
    compare_cell *cells;     /* one per run, the baseline first */
} compare_row;

typedef struct compare_family {
    char *family;
    double *geomean;         /* per run: geometric mean of its comparable ratios (NaN: none; baseline NaN) */
    size_t *n;               /* per run: ratios in it */
} compare_family;

typedef struct compare_result {
    size_t nruns;
    runfolder **runs;        /* not owned */
    char **names;            /* per run: a short unique name (its folder's) */
    compare_row *rows;       /* in the baseline's order, then the others' */
    size_t nrows;
    compare_family *families;
    size_t nfamilies;
    char **notes;            /* what makes the runs less comparable, most serious first */
    size_t nnotes;
    size_t min_repetitions;  /* per side, for the U test to be able to reach alpha */
} compare_result;

/* Compare runs[1..n) with runs[0] (n >= 2).  NULL with "FILE:LINE: ..." in
 * err when a results.csv holds an impossible value. */
compare_result *compare_runs(runfolder *const *runs, size_t n, char *err, size_t errlen);
void compare_result_free(compare_result *c);

/* The U test of other's samples against base's: *p (NaN when none is made)
 * and the verdict into buf ("significant", "not significant", "too few
 * repetitions (need >= N each)"). */
void compare_u_test(const double *base, size_t nbase, const double *other, size_t nother, double *p, char *buf,
                    size_t len);

/* The median of column over a cell's rows in run (NaN when no row has a number). */
double compare_cell_median(const compare_result *c, size_t run, const compare_cell *cell, const char *column);

/* Print the notes, the table (ratios to the baseline, significance), the
 * per-family geometric means and the rows some runs lack. */
void compare_print(const compare_result *c, FILE *out);
/* Write dir/compare.csv (one row per benchmark and run) and
 * dir/compare_families.csv (one row per family, one column per run after
 * the baseline), atomically.  0, or -1 with err. */
int compare_write_csv(const compare_result *c, const char *dir, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
