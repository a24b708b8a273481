/*
 * cbench.h — a C API over Google Benchmark (libbenchmark 1.7).
 *
 * Families register plain C functions; harness/cbench.cc (the project's only
 * C++) adapts them to benchmark::State.  The timed loop is batched: a family
 * asks for a batch of iterations with cbench_next_batch() and runs that many
 * in plain C, so there is one cross-language call per batch, never one per
 * iteration.  While a batch runs, the harness counts the PAPI events of the
 * calling thread (see counters.h) and reports them per iteration.
 *
 * Naming contract: a benchmark's name is "<family>/<variant>", e.g.
 * "alloc/heap_malloc".  Argument names given with cbench_arg_names() become
 * their own columns in results.csv ("size:64" -> column size = 64).
 * Tags set with cbench_tag() become columns too (cpus, pair_class, allocator,
 * runtime are the well-known ones; any other key gets its own column).
 */
#ifndef MEMPROBE_CBENCH_H
#define MEMPROBE_CBENCH_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cbench_state cbench_state;      /* one running benchmark */
typedef struct cbench_bench cbench_bench;      /* one registered benchmark */
typedef void (*cbench_fn)(cbench_state *st);

enum cbench_unit { CBENCH_NS, CBENCH_US, CBENCH_MS, CBENCH_S };

/* Counter flags for cbench_counter(); combine with |. */
enum cbench_counter_flags {
    CBENCH_COUNTER_PLAIN = 0,        /* reported as given */
    CBENCH_COUNTER_AVG_ITER = 1,     /* divided by the iteration count */
    CBENCH_COUNTER_RATE = 2,         /* divided by elapsed seconds */
};

/* ---- registration (call before cbench_run) ---- */

/* Register fn under name ("<family>/<variant>"); user is handed back by
 * cbench_user().  Returns NULL (and registers nothing) when the run's
 * --filter does not select this name.  The name is copied. */
cbench_bench *cbench_register(const char *name, cbench_fn fn, void *user);
/* Add one argument tuple (n values). Each call adds one instance. */
void cbench_args(cbench_bench *b, const int64_t *values, int n);
/* Add one single-value argument. */
void cbench_arg(cbench_bench *b, int64_t value);
/* Name the arguments (n names, in order); they become results.csv columns. */
void cbench_arg_names(cbench_bench *b, const char *const *names, int n);
/* Add arguments lo..hi stepping by multiplying with mult (lo and hi included). */
void cbench_range_mult(cbench_bench *b, int64_t lo, int64_t hi, int mult);
/* Report manual time (set with cbench_set_iteration_time) instead of wall time. */
void cbench_use_manual_time(cbench_bench *b);
/* Fix the iteration count (no calibration); for long or side-effecting runs. */
void cbench_iterations(cbench_bench *b, int64_t n);
/* Minimum seconds per run for this benchmark (overrides --benchmark_min_time). */
void cbench_min_time(cbench_bench *b, double seconds);
/* Repetitions for this benchmark (overrides the run's --repetitions). */
void cbench_repetitions(cbench_bench *b, int n);
/* Time unit shown on the console and in gbench.json (results.csv is always ns). */
void cbench_unit(cbench_bench *b, enum cbench_unit unit);

/* ---- inside a running benchmark ---- */

/* Iterations to run now; 0 when the run is over (after which the function
 * must return).  The first call starts the timer and the counters. */
int64_t cbench_next_batch(cbench_state *st);
/* The i-th argument of this instance. */
int64_t cbench_range(const cbench_state *st, int i);
/* Total iterations of this run (known before the first batch). */
int64_t cbench_max_iterations(const cbench_state *st);
void *cbench_user(const cbench_state *st);
/* The name this benchmark was registered under, e.g. "c2c/cas". */
const char *cbench_name(const cbench_state *st);
/* Add seconds of manual time (multi-threaded benchmarks; once per batch is fine). */
void cbench_set_iteration_time(cbench_state *st, double seconds);
void cbench_set_bytes_processed(cbench_state *st, int64_t bytes);
void cbench_set_items_processed(cbench_state *st, int64_t items);
/* A user counter; with CBENCH_COUNTER_AVG_ITER it is reported per iteration. */
void cbench_counter(cbench_state *st, const char *name, double value, int flags);
/* Attach key=value to this run's row (e.g. "cpus","0,1"; "pair_class","llc"). */
void cbench_tag(cbench_state *st, const char *key, const char *value);
/* Skip this run with a message (results.csv: status "skipped"). Return after it.
 * libbenchmark's console and gbench.json show it as the error "skipped: MESSAGE". */
void cbench_skip(cbench_state *st, const char *message);
/* Fail this run with a message (status "error"). Return after it.  The user
 * counters set before it are kept as tags (libbenchmark drops a failed
 * run's counters), so results.csv still shows them in their columns. */
void cbench_error(cbench_state *st, const char *message);
void cbench_pause_timing(cbench_state *st);
void cbench_resume_timing(cbench_state *st);
/* Per-thread counters measured by worker threads: add their values to the
 * ones this run reports (see counters_thread_stop()). values has
 * counters_event_count() entries; NaN marks an unavailable event. */
void cbench_add_thread_counters(cbench_state *st, const double *values);
/* Don't count the calling thread's events for this run (the worker threads
 * that do the work report theirs through cbench_add_thread_counters). */
void cbench_no_self_counters(cbench_state *st);

/* ---- the run ---- */

/* Pass argv to libbenchmark (it consumes --benchmark_* flags); returns the
 * number of arguments left in argv.  Call once, before registration. */
int cbench_init(int argc, char **argv);
/* How a run ended. */
typedef enum cbench_status {
    CBENCH_OK,        /* measured */
    CBENCH_SKIPPED,   /* cbench_skip: cannot run here (message says why) */
    CBENCH_ERROR,     /* cbench_error, or the harness failed it (message says why) */
} cbench_status;

/* Callback receiving every finished run (iteration rows and aggregates). */
typedef struct cbench_result {
    const char *name;          /* full gbench name, e.g. alloc/heap/size:64/repeats:3 */
    const char *function_name; /* the registered name */
    const char *args;          /* "size:64/n:2" (names given) or "64/2" */
    const char *aggregate;     /* "" for an iteration row; "mean", "median", "stddev", "cv" */
    int64_t repetition_index;  /* -1 for aggregates */
    int64_t repetitions;
    int64_t iterations;
    int64_t threads;
    double real_ns;            /* per iteration */
    double cpu_ns;             /* per iteration */
    int manual_time;           /* real_ns is the benchmark's manual time; cpu_ns
                                  is then the waiting main thread's, not the work's */
    const char *label;         /* the tags, "k=v;k=v" */
    cbench_status status;
    const char *message;       /* why it was skipped or failed; "" when ok */
    int n_counters;
    const char *const *counter_names;
    const double *counter_values;  /* already divided as flagged */
} cbench_result;
typedef void (*cbench_result_fn)(const cbench_result *r, void *ctx);
/* Run every registered benchmark; console table on stdout, libbenchmark's
 * JSON into json_path (NULL: none), each run handed to on_result.
 * Returns the number of benchmarks run. */
size_t cbench_run(const char *json_path, cbench_result_fn on_result, void *ctx);
/* Set the filter used by cbench_register (POSIX extended regex, NULL = all). */
void cbench_set_filter(const void *compiled_regex);
/* Number of benchmarks registered so far (after filtering). */
size_t cbench_registered_count(void);
/* Number of registered benchmark instances libbenchmark would run (its own
 * --benchmark_filter applied); runs nothing, writes nothing. */
size_t cbench_selected_count(void);
/* Ask every running benchmark to stop at its next batch (SIGINT). Async-signal-safe. */
void cbench_request_stop(void);
int cbench_stop_requested(void);
/* True when libbenchmark itself was built in debug mode (Debian's is). */
int cbench_library_is_debug(void);
/* libbenchmark's version string as pkg-config saw it at build time. */
const char *cbench_library_version(void);

/* ---- keeping the optimiser honest (same as benchmark::DoNotOptimize) ---- */

/* Force the value of lvalue x to be materialised: the compiler must assume
 * the asm reads it (and, for memory, may modify it). */
#define cbench_do_not_optimize(x) __asm__ volatile("" : : "r,m"(x) : "memory")
/* The read-write form, for a variable the loop assigns: the asm may read
 * and change x, so neither its value nor the assignment can be hoisted out
 * of the loop.  The constraint is libbenchmark's own for a non-const
 * lvalue (benchmark::DoNotOptimize(Tp&): "+r,m" under clang, "+m,r" under
 * gcc), so a C loop and its native C++ twin compile to the same body. */
#if defined(__clang__)
#define cbench_do_not_optimize_rw(x) __asm__ volatile("" : "+r,m"(x) : : "memory")
#else
#define cbench_do_not_optimize_rw(x) __asm__ volatile("" : "+m,r"(x) : : "memory")
#endif
/* Make a pointer's pointee observable (the asm may read and write it). */
static inline void cbench_escape(const void *p) { __asm__ volatile("" : : "g"(p) : "memory"); }
/* All outstanding writes must be considered visible to unknown code. */
static inline void cbench_clobber_memory(void) { __asm__ volatile("" : : : "memory"); }

/* The harness family's native C++ loop, exported for the wrapper benchmark;
 * NULL when --filter deselects it (settings as for cbench_register). */
cbench_bench *cbench_register_native_overhead(const char *name);

#ifdef __cplusplus
}
#endif
#endif
