/*
 * main.c — the memprobe command line.
 *
 *   memprobe [run] [options]     run the suite into a run folder, then report
 *   memprobe list | topo | counters | plot | claims | report | compare
 *
 * Every bad input is caught before anything is written: one line naming the
 * input and what is accepted, exit status 2, no run folder left behind.
 */
#include "memprobe/allocators.h"
#include "memprobe/args.h"
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/counters.h"
#include "memprobe/journal.h"
#include "memprobe/output.h"
#include "memprobe/passthru.h"
#include "memprobe/placement.h"
#include "memprobe/results.h"
#include "memprobe/rundir.h"
#include "memprobe/runlock.h"
#include "memprobe/sysinfo.h"
#include "memprobe/topo.h"
#include "memprobe/xalloc.h"

/* the CLI entry is the one file of harness/ that may include analysis headers */
#include "analysis/commands.h"
#include "analysis/report.h"

#include <errno.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_USAGE 2

typedef struct run_options {
    const char *filter;
    int quick;
    int repetitions;
    int repetitions_given;    /* --repetitions was on the command line */
    const char *counters;
    const char *counters_backend;
    const char *cpus;
    const char *out;
    int replace;              /* --replace: the --out run folder's files go first */
    int no_wait;              /* --no-wait: refuse while another run measures */
    const char *child_allocator;
    const char *benchmark_filter;   /* --benchmark_filter's value */
    int nbench_args;
    char *bench_args[64];     /* --benchmark_* flags for libbenchmark ("--benchmark_x=v", malloc'd) */
} run_options;

/* ------------------------------------------------------------ messages */

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("memprobe: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_USAGE);
}

static void print_main_help(FILE *out)
{
    fputs("usage: memprobe [COMMAND] [OPTIONS]\n"
          "\n"
          "Measures what memory costs on this machine: allocation, passing, garbage\n"
          "collection, cache coherence, false sharing, visibility and litmus tests.\n"
          "\n"
          "commands:\n"
          "  run        run the suite (the default command); writes results/<host>-<UTC>/\n"
          "  list       list the benchmark families and their benchmarks\n"
          "  topo       print cores, caches, NUMA nodes and the CPU pairs used\n"
          "  counters   list the counters countable here and why the rest are not\n"
          "  plot RUN   draw the plots of a run folder\n"
          "  claims FILE... [RUN]  evaluate claim files against a run\n"
          "  report [RUN]          rebuild report.md and report.html of a run\n"
          "  compare RUN RUN...    compare run folders (machines), ratios and significance\n"
          "\n"
          "`memprobe COMMAND --help` describes each command; --version prints the version.\n",
          out);
}

static void print_run_help(FILE *out)
{
    fputs("usage: memprobe run [OPTIONS] [--benchmark_* FLAGS]\n"
          "\n"
          "  --filter REGEX       run only benchmarks whose name (family/variant) matches\n"
          "                       (POSIX extended regex)\n"
          "  --quick              a short run of every family (under 60 s on 2 cores)\n"
          "  --repetitions N      repeat each benchmark N times (aggregates: mean, median,\n"
          "                       stddev, cv); default 1 with --quick, else 9 (5 for a\n"
          "                       collected heap of fixed volume)\n"
          "  --counters SPEC      counter groups or PAPI events: core,cache,sw (default),\n"
          "                       none, or names such as PAPI_TOT_CYC,perf::PAGE-FAULTS\n"
          "  --counters-backend B auto (PAPI first, the kernel's generic events where PAPI\n"
          "                       cannot count; the default), papi, or perf\n"
          "  --cpus LIST          use only these CPUs (e.g. 0-3,8); default: all allowed\n"
          "  --out DIR            write the run folder here instead of results/<host>-<UTC>: a new or\n"
          "                       empty folder, or a run folder with --replace\n"
          "  --replace            with --out: remove the files of the run already in DIR first\n"
          "  --no-wait            exit (status 75) instead of waiting while another memprobe\n"
          "                       measures on this machine\n"
          "  --benchmark_*        passed to libbenchmark, checked first: _filter, _min_time,\n"
          "                       _min_warmup_time, _repetitions, _enable_random_interleaving, _out,\n"
          "                       _out_format, _format, _color, _counters_tabular,\n"
          "                       _display_aggregates_only, _time_unit (e.g. --benchmark_min_time=0.1)\n"
          "\nfamily options:\n",
          out);
    for (size_t i = 0; i < bench_family_count(); i++) {
        const bench_family *f = bench_family_at(i);
        for (const bench_option *o = f->options; o && o->name; o++) {
            const char *arg = o->kind == BENCH_OPT_FLAG ? "" : o->kind == BENCH_OPT_SIZE ? " SIZE"
                              : o->kind == BENCH_OPT_STRING ? " TEXT" : " N";
            char left[64];
            snprintf(left, sizeof left, "--%s%s", o->name, arg);
            fprintf(out, "  %-20s %s (%s)\n", left, o->help, f->name);
        }
    }
}

/* ------------------------------------------------------- option parsing */

static const char *take_value(int argc, char **argv, int *i, const char *name)
{
    const char *value = args_value(argc, argv, i);
    if (!value)
        usage_error("%s needs a value", name);
    return value;
}

/* A whole number from min to max given to option, else a usage error. */
static long parse_whole_number(const char *option, const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        usage_error("%s '%s': expected a whole number from %ld to %ld", option, s, min, max);
    return v;
}

static int parse_repetitions(const char *s)
{
    return (int)parse_whole_number("--repetitions", s, 1, 1000);
}

static void parse_family_option(int argc, char **argv, int *i)
{
    const char *arg = argv[*i] + 2;
    char name[128];
    snprintf(name, sizeof name, "%s", arg);
    char *eq = strchr(name, '=');
    if (eq)
        *eq = '\0';
    const bench_option *o = bench_option_find(name, NULL);
    if (!o)
        usage_error("unknown option '%s'; see `memprobe run --help` for the accepted options", argv[*i]);
    const char *value = NULL;
    if (o->kind != BENCH_OPT_FLAG)
        value = take_value(argc, argv, i, argv[*i]);
    else if (eq)
        usage_error("--%s takes no value", name);
    char err[512];
    if (bench_option_set(o, value, err, sizeof err) != 0)
        usage_error("%s", err);
}

/* A libbenchmark flag (passthru.h): checked, kept for cbench_init;
 * --benchmark_repetitions is --repetitions. */
static void parse_benchmark_flag(int argc, char **argv, int *i, run_options *o)
{
    char err[1024], *flag;
    const char *value;
    if (passthru_parse(argc, argv, i, &flag, &value, err, sizeof err) != 0)
        usage_error("%s", err);
    if (passthru_is(flag, PASSTHRU_REPETITIONS)) {
        o->repetitions = (int)strtol(value, NULL, 10);
        free(flag);
        return;
    }
    if (passthru_is(flag, PASSTHRU_FILTER))
        o->benchmark_filter = value;
    if (o->nbench_args == (int)(sizeof o->bench_args / sizeof *o->bench_args)) {
        free(flag);
        usage_error("too many --benchmark_* flags (at most %d)", o->nbench_args);
    }
    o->bench_args[o->nbench_args++] = flag;
}

static void free_run_options(run_options *o)
{
    for (int i = 0; i < o->nbench_args; i++)
        free(o->bench_args[i]);
    o->nbench_args = 0;
}

static void parse_run_options(int argc, char **argv, run_options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_run_help(stdout);
            exit(0);
        } else if (args_option_is(a, "--filter")) {
            o->filter = take_value(argc, argv, &i, "--filter");
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
        } else if (args_option_is(a, "--repetitions")) {
            o->repetitions = parse_repetitions(take_value(argc, argv, &i, "--repetitions"));
            o->repetitions_given = 1;
        } else if (args_option_is(a, "--counters")) {
            o->counters = take_value(argc, argv, &i, "--counters");
        } else if (args_option_is(a, "--counters-backend")) {
            o->counters_backend = take_value(argc, argv, &i, "--counters-backend");
        } else if (args_option_is(a, "--cpus")) {
            o->cpus = take_value(argc, argv, &i, "--cpus");
        } else if (args_option_is(a, "--out")) {
            o->out = take_value(argc, argv, &i, "--out");
        } else if (args_option_is(a, "--child-allocator")) {
            o->child_allocator = take_value(argc, argv, &i, "--child-allocator");
        } else if (strcmp(a, "--replace") == 0) {
            o->replace = 1;
        } else if (strcmp(a, "--no-wait") == 0) {
            o->no_wait = 1;
        } else if (strncmp(a, "--benchmark_", 12) == 0) {
            parse_benchmark_flag(argc, argv, &i, o);
        } else if (strncmp(a, "--", 2) == 0) {
            parse_family_option(argc, argv, &i);
        } else {
            usage_error("unexpected argument '%s'; see `memprobe run --help`", a);
        }
    }
    if (!o->repetitions)
        o->repetitions = o->quick ? 1 : o->child_allocator ? BENCH_ALLOCATOR_REPETITIONS : BENCH_DEFAULT_REPETITIONS;
}

/* Repetitions of benchmarks whose one repetition is a fixed amount of work. */
static int fixed_work_repetitions(const run_options *o)
{
    if (o->repetitions_given || o->repetitions < BENCH_FIXED_WORK_REPETITIONS)
        return o->repetitions;
    return BENCH_FIXED_WORK_REPETITIONS;
}

static void compile_filter(const char *filter, regex_t *re)
{
    int rc = regcomp(re, filter, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[256];
        regerror(rc, re, msg, sizeof msg);
        usage_error("--filter '%s': not a valid POSIX extended regex (%s)", filter, msg);
    }
}

/* ------------------------------------------------------------- signals */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
    cbench_request_stop();
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);   /* a closed terminal or a dropped ssh session */
}

static int stop_requested(void)
{
    return interrupted != 0;
}

/* ------------------------------------------------------------------ run */

static topo *load_topology(const char *cpus)
{
    char err[512];
    topo *t = topo_load(cpus, err, sizeof err);
    if (!t) {
        if (cpus)
            usage_error("%s", err);
        fprintf(stderr, "memprobe: %s\n", err);
        exit(1);
    }
    return t;
}

static void init_counters(const char *spec, const char *backend)
{
    char err[512];
    if (counters_set_backend(backend, err, sizeof err) != 0 || counters_init(spec, err, sizeof err) != 0)
        usage_error("%s", err);
}

/* libbenchmark's argv: our flags for it, then the user's --benchmark_* ones. */
static void init_cbench(const run_options *o, int list_only)
{
    static char *argv[80];
    static char reps[64];
    int argc = 0;
    argv[argc++] = "memprobe";
    snprintf(reps, sizeof reps, "--benchmark_repetitions=%d", o->repetitions);
    argv[argc++] = reps;
    if (list_only)
        argv[argc++] = "--benchmark_list_tests=true";
    for (int i = 0; i < o->nbench_args; i++)
        argv[argc++] = o->bench_args[i];
    argv[argc] = NULL;
    int left = cbench_init(argc, argv);
    if (left > 1)
        usage_error("unknown libbenchmark flag '%s'; see `memprobe run --help` and libbenchmark's --help", argv[1]);
}

static int family_selected(const bench_family *f, const run_options *o)
{
    if (o->child_allocator && !(f->flags & BENCH_FAMILY_PER_ALLOCATOR))
        return 0;
    return 1;
}

/* Register every family; returns how many families registered benchmarks
 * and whether a per-allocator family did. */
/* Under --filter, a family's skip reason matters when the filter names the
 * family ("c2c" or "c2c/..." match "c2c/") or the family registered something. */
static int family_named_by_filter(const bench_family *f, const regex_t *filter)
{
    char probe[96];
    snprintf(probe, sizeof probe, "%s/", f->name);
    return regexec(filter, probe, 0, NULL, 0) == 0 || regexec(filter, f->name, 0, NULL, 0) == 0;
}

static int register_families(const bench_config *cfg, const run_options *o, const regex_t *filter,
                             results *rows, int *per_allocator, int *skipped)
{
    *skipped = 0;
    int registered_families = 0;
    *per_allocator = 0;
    for (size_t i = 0; i < bench_family_count(); i++) {
        const bench_family *f = bench_family_at(i);
        if (!family_selected(f, o))
            continue;
        size_t before = cbench_registered_count();
        char why[512] = "";
        if (topo_pu_count(cfg->topo) < f->min_cpus)
            snprintf(why, sizeof why, "needs %d CPUs, %d allowed here", f->min_cpus, topo_pu_count(cfg->topo));
        else
            f->register_benchmarks(cfg, why, sizeof why);
        if (cbench_registered_count() > before) {
            registered_families++;
            if (f->flags & BENCH_FAMILY_PER_ALLOCATOR)
                *per_allocator = 1;
        }
        int relevant = !filter || cbench_registered_count() > before || family_named_by_filter(f, filter);
        if (*why && relevant) {
            (*skipped)++;
            fprintf(stderr, "%s: skipped: %s\n", f->name, why);
            if (rows)
                results_add_skip(rows, f->name, why);
        }
    }
    return registered_families;
}

/* Apply --filter, register the families; a filter that selects nothing is
 * a usage error, except when it names only families that cannot run here
 * (the run then records why they were skipped).  Returns whether a
 * per-allocator family registered benchmarks. */
static int select_benchmarks(const bench_config *cfg, const run_options *o, const regex_t *re, results *rows)
{
    if (o->filter)
        cbench_set_filter(re);
    int per_allocator, skipped;
    register_families(cfg, o, o->filter ? re : NULL, rows, &per_allocator, &skipped);
    if (o->filter && cbench_registered_count() == 0 && skipped == 0)
        usage_error("--filter '%s' selects no benchmark; `memprobe list` shows the names", o->filter);
    return per_allocator;
}

static void finish_families(const bench_config *cfg, const run_options *o)
{
    for (size_t i = 0; i < bench_family_count(); i++) {
        const bench_family *f = bench_family_at(i);
        if (family_selected(f, o) && f->finish)
            f->finish(cfg);
    }
}

/* What run and list start with: their options, the --filter regex, the
 * topology and the counters (spec; NULL: the --counters option's). */
static topo *start_selection(int argc, char **argv, run_options *o, regex_t *re, const char *counters)
{
    parse_run_options(argc, argv, o);
    if (o->filter)
        compile_filter(o->filter, re);
    topo *t = load_topology(o->cpus);
    init_counters(counters ? counters : o->counters, counters ? NULL : o->counters_backend);
    return t;
}

/* ------------------------------------------------------------ the run */

#define EXIT_BUSY 75   /* --no-wait and another run measures: try again later (EX_TEMPFAIL) */

/* What the steps of a run share. */
typedef struct run_state {
    run_options o;
    regex_t re;
    topo *t;
    results *rows;
    bench_config cfg;
    int per_allocator;        /* a per-allocator family registered benchmarks */
    rundir *dir;
    sysinfo *si;
    journal *journal;
    char family[64];          /* the family of the last row journaled */
    uint64_t family_since_ns;    /* the previous family's last row */
    uint64_t family_last_row_ns; /* the last row */
    json_object *family_wall_s; /* {"family": seconds}: where the run's time went */
    int journal_failed;
    int failed;               /* something the run set out to write was not written */
    size_t rows_written;      /* rows in results.csv */
} run_state;

static char run_dir[PATH_MAX];   /* bench_config.run_dir */

/* Append the rows finished since the last call to the journal (fsync'd at
 * a family boundary).  A journal that cannot be written stops the run:
 * what it measured from then on could not be kept. */
static void run_journal(run_state *s, int sync)
{
    char err[PATH_MAX + 128];
    if (s->journal_failed || journal_flush(s->journal, sync, err, sizeof err) == 0)
        return;
    fprintf(stderr, "memprobe: %s; stopping: rows measured from here on could not be kept\n", err);
    s->journal_failed = s->failed = 1;
    cbench_request_stop();
}

/* Credit to the family of the last row the time from the previous family's
 * last row to its own last row (its setup, probes and every repetition). */
static void run_credit_family_time(run_state *s)
{
    if (s->family[0]) {
        json_object *had;
        double seconds = (double)(s->family_last_row_ns - s->family_since_ns) / 1e9;
        if (json_object_object_get_ex(s->family_wall_s, s->family, &had))
            seconds += json_object_get_double(had);
        json_object_object_add(s->family_wall_s, s->family, json_object_new_double(round(seconds * 100) / 100));
    }
    s->family_since_ns = s->family_last_row_ns;
}

/* cbench's callback: the row, then the journal. */
static void run_on_result(const cbench_result *res, void *ctx)
{
    run_state *s = ctx;
    results_add(res, s->rows);
    size_t len = strcspn(res->function_name, "/");
    int boundary = strncmp(s->family, res->function_name, len) != 0 || s->family[len] != '\0';
    if (boundary)
        run_credit_family_time(s);
    s->family_last_row_ns = clock_now_ns();
    snprintf(s->family, sizeof s->family, "%.*s", (int)len, res->function_name);
    run_journal(s, boundary);
}

typedef struct family_time {
    const char *name;
    double seconds;
} family_time;

static int family_time_slowest_first(const void *a, const void *b)
{
    double x = ((const family_time *)a)->seconds, y = ((const family_time *)b)->seconds;
    return (x < y) - (x > y);
}

/* The run log's line of where the time went, the slowest family first. */
static void run_print_family_times(const run_state *s, FILE *out)
{
    size_t n = (size_t)json_object_object_length(s->family_wall_s), k = 0;
    if (n == 0)
        return;
    family_time *times = xalloc_array(NULL, n, sizeof *times);
    json_object_object_foreach(s->family_wall_s, name, seconds)
        times[k++] = (family_time){name, json_object_get_double(seconds)};
    qsort(times, n, sizeof *times, family_time_slowest_first);
    fprintf(out, "wall time per family:");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s %s %.1f s", i ? "," : "", times[i].name, times[i].seconds);
    fputc('\n', out);
    free(times);
}

/* Write machine.json: the files written so far, completed as given. */
static void run_record(run_state *s, int completed)
{
    char **names, err[PATH_MAX + 128];
    size_t n = rundir_written(s->dir, &names);
    json_object *files = json_object_new_array();
    int has_machine = 0;
    for (size_t i = 0; i < n; i++) {
        has_machine |= strcmp(names[i], "machine.json") == 0;
        json_object_array_add(files, json_object_new_string(names[i]));
    }
    if (!has_machine)
        json_object_array_add(files, json_object_new_string("machine.json"));   /* written just below */
    xalloc_free_list(names, n);
    sysinfo_put(s->si, "files", files);
    if (sysinfo_write_json(s->si, run_dir, completed, err, sizeof err) != 0) {
        fprintf(stderr, "memprobe: %s\n", err);
        s->failed = 1;
    }
}

/* Options, selection and the run folder: every bad input is refused here,
 * before anything is written (exit status 2). */
static void run_prepare(int argc, char **argv, run_state *s)
{
    s->t = start_selection(argc, argv, &s->o, &s->re, NULL);
    init_cbench(&s->o, 0);
    const char *allocator = s->o.child_allocator ? s->o.child_allocator : "glibc";
    s->rows = results_new(allocator);
    s->cfg = (bench_config){.topo = s->t, .quick = s->o.quick, .repetitions = s->o.repetitions,
                            .fixed_work_repetitions = fixed_work_repetitions(&s->o),
                            .ram_bytes = sysinfo_ram_bytes(), .run_dir = run_dir, .allocator = allocator};
    s->per_allocator = select_benchmarks(&s->cfg, &s->o, &s->re, s->rows);
    if (s->o.benchmark_filter && cbench_registered_count() > 0 && cbench_selected_count() == 0)
        usage_error("--benchmark_filter '%s' selects no benchmark (or is not a valid regex); `memprobe list` "
                    "shows the names it is matched against, with their arguments", s->o.benchmark_filter);
    char err[PATH_MAX + 512];
    s->dir = rundir_take("results", s->o.out, s->o.replace, err, sizeof err);
    if (!s->dir)
        usage_error("%s", err);
    snprintf(run_dir, sizeof run_dir, "%s", rundir_path(s->dir));
}

/* Wait for (or, with --no-wait, refuse) another run measuring on this
 * machine; what happened goes into machine.json.  0, or the exit status
 * of a run that ends here. */
static int run_take_lock(run_state *s)
{
    runlock_info info;
    int rc = runlock_acquire(run_dir, !s->o.no_wait, stop_requested, stderr, &info);
    if (rc > 0) {
        fprintf(stderr, "memprobe: another memprobe is measuring on this machine (%s); not waiting (--no-wait)\n",
                *info.holder ? info.holder : "holder unknown");
        return EXIT_BUSY;
    }
    if (rc < 0)
        return 128 + interrupted;
    sysinfo_put(s->si, "measuring_lock", runlock_info_json(&info));
    if (info.waited_s > 0)
        sysinfo_add_warning(s->si, "another memprobe was measuring on this machine (%s): this run waited %.1f s "
                            "for it, then measured alone", info.holder, info.waited_s);
    if (*info.problem)
        sysinfo_add_warning(s->si, "no machine-wide measuring lock (%s): another memprobe measuring at the same "
                            "time would go unnoticed", info.problem);
    return 0;
}

/* The journal, families.json and a first machine.json (completed false):
 * from here on the folder is a run folder, and a kill loses at most the
 * benchmark in flight.  0, or -1 after saying why. */
static int run_open_folder(run_state *s)
{
    char err[PATH_MAX + 128];
    const char *counters[64];
    size_t n = 0;
    for (int i = 0; i < counters_event_count() && n < 64; i++)
        counters[n++] = counters_event_column(i);
    for (int i = 0; i < counters_derived_count() && n < 64; i++)
        counters[n++] = counters_derived_column(i);
    s->journal = journal_create(run_dir, counters, n, err, sizeof err);
    if (!s->journal || bench_families_write_json(run_dir, &s->cfg, err, sizeof err) != 0) {
        fprintf(stderr, "memprobe: %s\n", err);
        return -1;
    }
    run_record(s, 0);
    return s->failed ? -1 : 0;
}

/* Measure: the placement probes around every selected benchmark, the
 * families' finish hooks (which may set cells of earlier rows: journaled as
 * edits), the per-allocator re-runs; rows journaled as they finish. */
static void run_measure(run_state *s, int full_argc, char **full_argv)
{
    char json_tmp[PATH_MAX + 32];
    snprintf(json_tmp, sizeof json_tmp, "%s/gbench.json.tmp.%ld", run_dir, (long)getpid());
    int child = s->o.child_allocator != NULL;
    if (!child)
        placement_begin(s->t, stderr);   /* probes the placement; pair rows get placement_probe */
    s->family_wall_s = json_object_new_object();
    s->family_since_ns = s->family_last_row_ns = clock_now_ns();
    cbench_run(json_tmp, run_on_result, s);
    run_credit_family_time(s);
    sysinfo_put(s->si, "family_wall_s", json_object_get(s->family_wall_s));
    if (!child)
        run_print_family_times(s, stderr);
    if (!child)
        placement_finish(output_table_get(RESULTS_FILE), s->si, !interrupted, stderr);
    finish_families(&s->cfg, &s->o);
    run_journal(s, 1);
    if (s->per_allocator && !s->o.child_allocator && !interrupted && !s->journal_failed) {
        allocators_run_children(full_argc, full_argv, run_dir);
        run_journal(s, 1);
    }
    char json_final[PATH_MAX + 16];
    snprintf(json_final, sizeof json_final, "%s/gbench.json", run_dir);
    if (access(json_tmp, F_OK) != 0) {
        s->failed = 1;      /* cbench_run could not write it and said so */
    } else if (rename(json_tmp, json_final) != 0) {
        fprintf(stderr, "memprobe: cannot write '%s': %s\n", json_final, strerror(errno));
        s->failed = 1;
    }
}

/* results.csv and the side CSVs from the journal, then the journal goes
 * (machine.json lists the CSVs before it is removed). */
static void run_write_tables(run_state *s)
{
    char err[PATH_MAX + 128];
    journal_close(s->journal);
    s->journal = NULL;
    journal_summary sum;
    int rc = journal_write_tables(run_dir, &sum, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "memprobe: %s\n", err);
        s->failed = 1;
    }
    s->rows_written = rc == 0 ? sum.rows : 0;
    journal_summary_free(&sum);
    if (interrupted) {
        const char *name = interrupted == SIGINT ? "SIGINT" : interrupted == SIGTERM ? "SIGTERM" : "SIGHUP";
        sysinfo_put(s->si, "interrupted", json_object_new_string(name));
    }
    run_record(s, 0);
    if (rc == 0) {
        char journal_path[PATH_MAX + 32];
        snprintf(journal_path, sizeof journal_path, "%s/%s", run_dir, JOURNAL_FILE);
        unlink(journal_path);
    }
}

/* A plot or the report that could not be written: a warning of the run. */
static void run_note_problem(void *ctx, const char *what)
{
    run_state *s = ctx;
    sysinfo_add_warning(s->si, "%s", what);
    s->failed = 1;
}

static void run_free(run_state *s)
{
    json_object_put(s->family_wall_s);
    journal_close(s->journal);
    sysinfo_free(s->si);
    results_free(s->rows);
    topo_free(s->t);
    counters_shutdown();
    if (s->o.filter)
        regfree(&s->re);
    free_run_options(&s->o);
}

/* A run that ends before measuring: what it wrote goes, it exits with rc. */
static int run_abandon(run_state *s, int rc)
{
    rundir_release(s->dir, 1);
    run_free(s);
    return rc;
}

static int command_run(int argc, char **argv, int full_argc, char **full_argv)
{
    run_state s;
    memset(&s, 0, sizeof s);
    run_prepare(argc, argv, &s);
    install_signal_handlers();
    s.si = sysinfo_collect(s.t, full_argc, full_argv);
    int child = s.o.child_allocator != NULL;
    int rc = child ? 0 : run_take_lock(&s);
    if (rc != 0)
        return run_abandon(&s, rc);
    if (interrupted)
        return run_abandon(&s, 128 + interrupted);
    if (run_open_folder(&s) != 0)
        return run_abandon(&s, 1);
    if (!child) {
        sysinfo_print_summary(s.si, stderr);
        counters_warn_unavailable(stderr);
        fprintf(stderr, "run folder: %s\n", run_dir);
    }
    run_measure(&s, full_argc, full_argv);
    runlock_release();
    sysinfo_mark_end(s.si);
    run_write_tables(&s);
    if (!child && s.rows_written > 0 && (!s.o.out || rundir_in_base("results", run_dir)))
        rundir_point_latest("results", run_dir);
    if (!child)
        report_after_run(run_dir, stdout, run_note_problem, &s);
    run_record(&s, !interrupted && !s.failed);
    if (interrupted)
        fprintf(stderr, "memprobe: interrupted; what completed is in %s (run marked incomplete)\n", run_dir);
    rc = interrupted ? 128 + interrupted : s.failed ? 1 : 0;
    rundir_release(s.dir, 0);
    run_free(&s);
    return rc;
}

/* --------------------------------------------------- other subcommands */

static int command_list(int argc, char **argv)
{
    run_options o;
    regex_t re;
    topo *t = start_selection(argc, argv, &o, &re, "none");
    printf("families:\n");
    for (size_t i = 0; i < bench_family_count(); i++) {
        const bench_family *f = bench_family_at(i);
        char needs[32] = "";
        if (f->min_cpus > 1)
            snprintf(needs, sizeof needs, " [needs %d CPUs]", f->min_cpus);
        printf("  %-12s %s%s%s\n", f->name, f->help, f->flags & BENCH_FAMILY_PER_ALLOCATOR ? " [per allocator]" : "",
               needs);
    }
    printf("\nbenchmarks%s:\n", o.quick ? " (--quick)" : "");
    fflush(stdout);
    init_cbench(&o, 1);
    bench_config cfg = {.topo = t, .quick = o.quick, .repetitions = 1, .ram_bytes = sysinfo_ram_bytes(),
                        .run_dir = run_dir, .allocator = "glibc"};
    select_benchmarks(&cfg, &o, &re, NULL);
    cbench_run(NULL, NULL, NULL);
    topo_free(t);
    if (o.filter)
        regfree(&re);
    free_run_options(&o);
    return 0;
}

static void no_arguments(int argc, char **argv, const char *help)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts(help);
            exit(0);
        }
        if (args_option_is(argv[i], "--cpus")) {
            take_value(argc, argv, &i, "--cpus");   /* read by find_cpus_option */
            continue;
        }
        usage_error("unexpected argument '%s'; %s", argv[i], help);
    }
}

static const char *find_cpus_option(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (args_option_is(argv[i], "--cpus"))
            return take_value(argc, argv, &i, "--cpus");
    return NULL;
}

static int command_topo(int argc, char **argv)
{
    no_arguments(argc, argv, "usage: memprobe topo [--cpus LIST]");
    topo *t = load_topology(find_cpus_option(argc, argv));
    topo_print(t, stdout);
    topo_free(t);
    return 0;
}

static int command_counters(int argc, char **argv)
{
    static const char usage[] = "usage: memprobe counters [--counters SPEC] [--counters-backend auto|papi|perf] "
                                "[--touch-pages N]";
    const char *spec = NULL, *backend = NULL;
    long touch = -1;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("%s\nLists the counter groups and events, the backend that counts each here, and why the "
                   "rest do not.\n--touch-pages N touches N fresh pages under the counters and prints the "
                   "page_faults count (a check against `perf stat -e page-faults`).\n", usage);
            return 0;
        }
        if (args_option_is(argv[i], "--counters"))
            spec = take_value(argc, argv, &i, "--counters");
        else if (args_option_is(argv[i], "--counters-backend"))
            backend = take_value(argc, argv, &i, "--counters-backend");
        else if (args_option_is(argv[i], "--touch-pages"))
            touch = parse_whole_number("--touch-pages", take_value(argc, argv, &i, "--touch-pages"), 0, 1048576);
        else
            usage_error("unexpected argument '%s'; %s", argv[i], usage);
    }
    init_counters(spec, backend);
    int rc = 0;
    if (touch >= 0)
        rc = counters_touch_pages(touch, stdout);
    else
        counters_print(stdout);
    counters_shutdown();
    return rc == 0 ? 0 : 1;
}

static int command_child(int argc, char **argv)
{
    if (argc < 1)
        usage_error("__child needs a family name");
    const bench_family *f = bench_family_find(argv[0]);
    if (!f || !f->child_main)
        usage_error("__child: family '%s' has no child entry point", argv[0]);
    return f->child_main(argc - 1, argv + 1);
}

typedef struct subcommand {
    const char *name;
    int (*fn)(int argc, char **argv);
} subcommand;

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("memprobe %s (git %s)\n", MEMPROBE_VERSION, MEMPROBE_GIT_REV);
        return 0;
    }
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)) {
        print_main_help(stdout);
        return 0;
    }
    if (argc == 1 || strncmp(argv[1], "--", 2) == 0)
        return command_run(argc - 1, argv + 1, argc, argv);
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return command_run(argc - 2, argv + 2, argc, argv);
    const subcommand subcommands[] = {
        {"list", command_list}, {"topo", command_topo}, {"counters", command_counters},
        {"__child", command_child},
    };
    for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
        if (strcmp(cmd, subcommands[i].name) == 0)
            return subcommands[i].fn(argc - 2, argv + 2);
    const subcommand report_commands[] = {
        {"plot", commands_plot_main}, {"claims", commands_claims_main},
        {"report", commands_report_main}, {"compare", commands_compare_main},
    };
    for (size_t i = 0; i < sizeof report_commands / sizeof *report_commands; i++)
        if (strcmp(cmd, report_commands[i].name) == 0)
            return report_commands[i].fn(argc - 1, argv + 1);
    usage_error("unknown command '%s'; accepted: run, list, topo, counters, plot, claims, report, compare "
                "(see `memprobe --help`)", cmd);
}
