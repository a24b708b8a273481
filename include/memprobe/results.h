/*
 * results.h — results.csv, the run's main table: its columns (the one place
 * they are spelled out), the rows a run builds from cbench's results, and
 * what a row is when it is read back.
 *
 * Columns, in order:
 *   family, benchmark, variant                     (RESULTS_LEAD_COLUMNS)
 *   one column per argument name, in order of first appearance
 *                                                  ("size:64" -> size = 64)
 *   threads ... items_per_second                   (RESULTS_MIDDLE_COLUMNS)
 *   one column per counter event, then per derived metric (counters.h)
 *   the families' user counters and tags, in order of first use
 *   columns derived when the run ends: placement (placement.h) and the
 *   families' comparisons with a reference row (rows_derive, rows.h)
 *   label, status, message                         (RESULTS_TAIL_COLUMNS)
 * A cell that was never set stays empty (an unavailable counter is empty,
 * never 0).  status is ok, skipped or error; message says why for the last two.
 */
#ifndef MEMPROBE_RESULTS_H
#define MEMPROBE_RESULTS_H

#include <stddef.h>

#include "memprobe/cbench.h"
#include "memprobe/output.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RESULTS_LEAD_COLUMNS "family", "benchmark", "variant"
#define RESULTS_MIDDLE_COLUMNS                                                                             \
    "threads", "cpus", "pair_class", "allocator", "runtime", "run_type", "aggregate", "repetition",        \
        "iterations", "real_ns", "cpu_ns", "bytes_per_second", "items_per_second"
#define RESULTS_TAIL_COLUMNS "label", "status", "message"
#define RESULTS_NUMERIC_COLUMNS                                                                            \
    "threads", "repetition", "iterations", "real_ns", "cpu_ns", "bytes_per_second", "items_per_second"

/* 1 when column is one of the fixed columns above (lead, middle or tail). */
int results_column_is_fixed(const char *column);
/* 1 when column is a fixed column that holds numbers (threads, repetition,
 * iterations, real_ns, cpu_ns, bytes_per_second, items_per_second). */
int results_column_is_numeric(const char *column);
/* 1 when a benchmark argument of this name holds an OS CPU number: "cpu"
 * or "cpu_" followed by anything (cpu_a, cpu_b).  The name contract lets
 * `memprobe compare` match rows measured on other CPU numbers (their pair
 * class is compared instead). */
int results_arg_is_cpu(const char *name);

/* ---- building a run's rows ---- */

/* The file, and the name of the run's table (output_table_get), of the rows. */
#define RESULTS_FILE "results.csv"

typedef struct results results;
/* Rows of one run; allocator is the allocator cell of every row ("glibc" or
 * the LD_PRELOADed allocator's name) unless a row's tags say otherwise. */
results *results_new(const char *allocator);
void results_free(results *r);
/* cbench's result callback (ctx: a results *): one row per run, appended
 * to the run's RESULTS_FILE table (columns in order of first use). */
void results_add(const cbench_result *res, void *ctx);
/* A row saying that family could not run here, and why. */
void results_add_skip(results *r, const char *family, const char *why);
/* rows (results.csv rows, columns in any order) as a new table in the
 * column order above: the argument columns found in the benchmark names,
 * the counter columns given (events, then derived metrics), the families'
 * own columns in order of first use.  Free it with output_table_free. */
output_table *results_table_ordered(const output_table *rows, const char *const *counter_columns, size_t n);

/* ---- reading rows back ---- */

/* What a results.csv row is. */
typedef enum results_row_kind {
    RESULTS_ROW_ITERATION,   /* a measurement (one repetition) */
    RESULTS_ROW_AGGREGATE,   /* mean/median/stddev/cv over repetitions */
    RESULTS_ROW_SKIPPED,     /* status skipped: message says why */
    RESULTS_ROW_ERROR,       /* status error */
} results_row_kind;

/* Classify row r of a results table. */
results_row_kind results_row_kind_of(const output_table *t, size_t r);
/* A cell as a number; 0 when empty or not a number, 1 with *v set. */
int results_cell_number(const output_table *t, size_t r, const char *column, double *v);

#ifdef __cplusplus
}
#endif
#endif
