/*
 * bench.h — benchmark families, their options, and the registry.
 *
 * A family is one file in benches/ exporting one bench_family descriptor and
 * nothing else; harness/registry.c lists the descriptors (one line each in
 * MEMPROBE_FAMILIES).  The harness knows no family: it parses the family's
 * options, calls its register function with the run's configuration, and
 * lets cbench run what was registered.
 */
#ifndef MEMPROBE_BENCH_H
#define MEMPROBE_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include "memprobe/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kinds of family option (--name or --name VALUE on the command line). */
typedef enum bench_option_kind {
    BENCH_OPT_FLAG,    /* --name; sets *(int *)target = 1 */
    BENCH_OPT_INT,     /* --name N; long long, min..max; 2e7 accepted for 20000000 */
    BENCH_OPT_SIZE,    /* --name 512M; bytes with optional K/M/G suffix (1024-based) */
    BENCH_OPT_DOUBLE,  /* --name 0.5 */
    BENCH_OPT_STRING,  /* --name text; *(const char **)target */
} bench_option_kind;

typedef struct bench_option {
    const char *name;        /* without the leading dashes, e.g. "hoard-cap" */
    bench_option_kind kind;
    void *target;            /* int*, long long*, unsigned long long*, double*, const char** */
    const char *help;        /* one line, shown by `memprobe run --help` */
    double min;              /* lowest accepted value for numeric kinds */
    /* The highest accepted value, asked when the option is parsed (a bound
     * may depend on the machine, e.g. half the RAM); a larger value is a
     * usage error.  Required for the numeric kinds (test_cli checks it):
     * a value the family cannot run with must be refused, not wrapped or
     * run until killed.  NULL only for flags and strings. */
    double (*max)(void);
    /* Optional for BENCH_OPT_STRING (NULL: any text): the accepted values, a
     * NULL-terminated list; another value is a usage error naming them. */
    const char *const *choices;
} bench_option;

/* Repetitions of a default run (no --repetitions, no --quick): enough for
 * `memprobe compare` to call a real 10 % difference between two default runs
 * significant (two-sided Mann-Whitney U, alpha 0.05; 3 against 3 cannot go
 * below p = 0.1).  Families keep a default run's time by making each
 * repetition shorter. */
#define BENCH_DEFAULT_REPETITIONS 9
/* Repetitions of a default run for benchmarks whose repetition is a fixed
 * amount of work that cannot be made shorter without changing what is
 * measured (a collected heap of fixed volume in a child process): fewer,
 * still enough for the U test (5 against 5 reaches p = 0.008). */
#define BENCH_FIXED_WORK_REPETITIONS 5
/* Repetitions of a default run's re-runs under the other allocators
 * (jemalloc, mimalloc, tcmalloc: a third of a default run's time at 9): as
 * many as the fixed-work benchmarks, enough for the U test. */
#define BENCH_ALLOCATOR_REPETITIONS 5

/* What the run gives a family. */
typedef struct bench_config {
    const topo *topo;        /* allowed CPUs, pair classes */
    int quick;               /* --quick: keep the family within the quick budget */
    int repetitions;         /* --repetitions (BENCH_DEFAULT_REPETITIONS when not
                                given, 1 with --quick) */
    int fixed_work_repetitions;  /* for benchmarks whose one repetition is a fixed
                                    amount of work: --repetitions when given, else
                                    at most BENCH_FIXED_WORK_REPETITIONS */
    unsigned long long ram_bytes;   /* physical RAM, for caps */
    const char *run_dir;     /* the run folder being written */
    const char *allocator;   /* "glibc" or the LD_PRELOADed allocator's name */
} bench_config;

/* cfg->fixed_work_repetitions, or cfg->repetitions where it was left 0. */
static inline int bench_fixed_work_repetitions(const bench_config *cfg)
{
    int n = cfg->fixed_work_repetitions > 0 ? cfg->fixed_work_repetitions : cfg->repetitions;
    return n > 0 ? n : 1;
}

/* Family flags. */
enum bench_family_flags {
    BENCH_FAMILY_PER_ALLOCATOR = 1,  /* re-run under each installed allocator (LD_PRELOAD) */
};

typedef struct bench_family {
    const char *name;        /* "latency"; first component of its benchmark names */
    const char *help;        /* one line for `memprobe list` */
    const char *description; /* a short paragraph for the report: what is measured */
    int min_cpus;            /* needs at least this many allowed CPUs (1 for single-threaded) */
    unsigned flags;
    const bench_option *options;   /* terminated by {0}; may be NULL */
    /* Register the family's benchmarks with cbench_register().  A family that
     * cannot run here registers nothing and writes why into why (one line). */
    void (*register_benchmarks)(const bench_config *cfg, char *why, size_t whylen);
    /* Optional: called after every benchmark ran, before the run folder is
     * written: write side tables (output_table_*), free memory. */
    void (*finish)(const bench_config *cfg);
    /* Optional: an entry point run in a fresh process by
     * `memprobe __child <family> ARGS...` (child_spawn, child.h), for work that
     * needs a process of its own (per-process collector settings, say).
     * Returns the exit status. */
    int (*child_main)(int argc, char **argv);
} bench_family;

/* For a size option's max: RAM/divisor, or INFINITY (no bound) where the
 * RAM size is unknown; a size the machine cannot hold is refused. */
double bench_ram_fraction(unsigned divisor);

/* The registry (harness/registry.c). */
size_t bench_family_count(void);
const bench_family *bench_family_at(size_t i);
const bench_family *bench_family_find(const char *name);

/* Write dir/families.json: each family's name, help, description, min_cpus,
 * per_allocator flag and the value of each of its options in this run
 * ("options"), and the run's settings (cfg: quick, repetitions), so that
 * what reads the run folder later describes the families as the build that
 * ran them did (the report) and can tell runs made with other settings apart
 * (compare).  0, or -1 with err. */
int bench_families_write_json(const char *dir, const bench_config *cfg, char *err, size_t errlen);

/* Find a family option by name across all families (NULL if none). */
const bench_option *bench_option_find(const char *name, const bench_family **owner);
/* Parse value for option o into its target.  0, or -1 with one line in err
 * naming the option and what is accepted (below min, above o->max()). */
int bench_option_set(const bench_option *o, const char *value, char *err, size_t errlen);
/* Parse "512M", "2G", "4096" into bytes.  0 or -1. */
int bench_parse_size(const char *s, unsigned long long *out);

#ifdef __cplusplus
}
#endif
#endif
