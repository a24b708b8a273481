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
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/counters.h"
#include "memprobe/output.h"
#include "memprobe/placement.h"
#include "memprobe/results.h"
#include "memprobe/sysinfo.h"
#include "memprobe/topo.h"

/* the CLI entry is the one file of harness/ that may include analysis headers */
#include "analysis/commands.h"
#include "analysis/report.h"

#include <errno.h>
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
    const char *child_allocator;
    int nbench_args;
    char *bench_args[64];     /* --benchmark_* flags for libbenchmark */
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
          "  --out DIR            write the run folder here instead of results/<host>-<UTC>\n"
          "  --benchmark_*        passed to libbenchmark (e.g. --benchmark_min_time=0.1)\n"
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
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc)
        usage_error("%s needs a value", name);
    return argv[++*i];
}

static int option_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
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

static void parse_run_options(int argc, char **argv, run_options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_run_help(stdout);
            exit(0);
        } else if (option_is(a, "--filter")) {
            o->filter = take_value(argc, argv, &i, "--filter");
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
        } else if (option_is(a, "--repetitions")) {
            o->repetitions = parse_repetitions(take_value(argc, argv, &i, "--repetitions"));
            o->repetitions_given = 1;
        } else if (option_is(a, "--counters")) {
            o->counters = take_value(argc, argv, &i, "--counters");
        } else if (option_is(a, "--counters-backend")) {
            o->counters_backend = take_value(argc, argv, &i, "--counters-backend");
        } else if (option_is(a, "--cpus")) {
            o->cpus = take_value(argc, argv, &i, "--cpus");
        } else if (option_is(a, "--out")) {
            o->out = take_value(argc, argv, &i, "--out");
        } else if (option_is(a, "--child-allocator")) {
            o->child_allocator = take_value(argc, argv, &i, "--child-allocator");
        } else if (strncmp(a, "--benchmark_", 12) == 0) {
            if (o->nbench_args < 60)
                o->bench_args[o->nbench_args++] = argv[i];
        } else if (strncmp(a, "--", 2) == 0) {
            parse_family_option(argc, argv, &i);
        } else {
            usage_error("unexpected argument '%s'; see `memprobe run --help`", a);
        }
    }
    if (!o->repetitions)
        o->repetitions = o->quick ? 1 : BENCH_DEFAULT_REPETITIONS;
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

static int write_run_folder(const char *dir, const bench_config *cfg, sysinfo *si, int completed)
{
    char err[512];
    int rc = output_tables_write_all(dir, err, sizeof err);
    if (rc == 0)
        rc = bench_families_write_json(dir, cfg, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "memprobe: %s\n", err);
    if (sysinfo_write_json(si, dir, completed && rc == 0, err, sizeof err) != 0) {
        fprintf(stderr, "memprobe: %s\n", err);
        rc = -1;
    }
    return rc;
}

/* 1 when dir sits directly in ./results (so results/latest may point at it:
 * a run written elsewhere with --out, a test's scratch folder say, does not
 * take results/latest away from the user's last run). */
static int in_results_folder(const char *dir)
{
    char parent[PATH_MAX], results[PATH_MAX], copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", dir);
    if (!realpath(dirname(copy), parent) || !realpath("results", results))
        return 0;
    return strcmp(parent, results) == 0;
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

static int command_run(int argc, char **argv, int full_argc, char **full_argv)
{
    run_options o;
    regex_t re;
    topo *t = start_selection(argc, argv, &o, &re, NULL);
    init_cbench(&o, 0);

    static char run_dir[PATH_MAX];
    const char *allocator = o.child_allocator ? o.child_allocator : "glibc";
    results *rows = results_new(allocator);
    bench_config cfg = {.topo = t, .quick = o.quick, .repetitions = o.repetitions,
                        .fixed_work_repetitions = fixed_work_repetitions(&o),
                        .ram_bytes = sysinfo_ram_bytes(), .run_dir = run_dir, .allocator = allocator};
    int per_allocator = select_benchmarks(&cfg, &o, &re, rows);

    char err[512];
    if (output_run_dir_create("results", o.out, run_dir, sizeof run_dir, err, sizeof err) != 0)
        usage_error("%s", err);

    sysinfo *si = sysinfo_collect(t, full_argc, full_argv);
    if (!o.child_allocator) {
        sysinfo_print_summary(si, stderr);
        counters_warn_unavailable(stderr);
        fprintf(stderr, "run folder: %s\n", run_dir);
    }
    install_signal_handlers();

    char json_tmp[PATH_MAX + 32];
    snprintf(json_tmp, sizeof json_tmp, "%s/gbench.json.tmp.%ld", run_dir, (long)getpid());
    if (!o.child_allocator)
        placement_begin(t, stderr);  /* probes the placement; pair rows get placement_probe */
    cbench_run(json_tmp, results_add, rows);
    results_build_table(rows);       /* finish hooks read results.csv back */
    if (!o.child_allocator)
        placement_finish(output_table_get("results.csv"), si, !interrupted, stderr);
    finish_families(&cfg, &o);

    if (per_allocator && !o.child_allocator && !interrupted)
        allocators_run_children(full_argc, full_argv, run_dir);

    char json_final[PATH_MAX + 16];
    snprintf(json_final, sizeof json_final, "%s/gbench.json", run_dir);
    int json_failed = 0;
    if (interrupted)
        unlink(json_tmp);   /* libbenchmark's JSON is incomplete after a stop */
    else if (access(json_tmp, F_OK) != 0)
        json_failed = 1;    /* cbench_run could not write it and said so */
    else if (rename(json_tmp, json_final) != 0) {
        fprintf(stderr, "memprobe: cannot write '%s': %s\n", json_final, strerror(errno));
        json_failed = 1;
    }

    int rc = write_run_folder(run_dir, &cfg, si, !interrupted);
    if (json_failed && rc == 0)
        rc = -1;
    if (!o.child_allocator && (!o.out || in_results_folder(run_dir)))
        output_point_latest("results", run_dir);
    if (!o.child_allocator && !interrupted && rc == 0)
        report_after_run(run_dir, stdout);
    if (interrupted) {
        fprintf(stderr, "memprobe: interrupted; completed rows kept in %s (run marked incomplete)\n", run_dir);
        rc = 128 + interrupted;
    }
    sysinfo_free(si);
    results_free(rows);
    topo_free(t);
    counters_shutdown();
    if (o.filter)
        regfree(&re);
    return rc == 0 ? 0 : rc > 0 ? rc : 1;
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
    static char run_dir[PATH_MAX] = "";
    bench_config cfg = {.topo = t, .quick = o.quick, .repetitions = 1, .ram_bytes = sysinfo_ram_bytes(),
                        .run_dir = run_dir, .allocator = "glibc"};
    select_benchmarks(&cfg, &o, &re, NULL);
    cbench_run(NULL, NULL, NULL);
    topo_free(t);
    return 0;
}

static void no_arguments(int argc, char **argv, const char *help)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts(help);
            exit(0);
        }
        if (option_is(argv[i], "--cpus")) {
            take_value(argc, argv, &i, "--cpus");   /* read by find_cpus_option */
            continue;
        }
        usage_error("unexpected argument '%s'; %s", argv[i], help);
    }
}

static const char *find_cpus_option(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (option_is(argv[i], "--cpus"))
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
        if (option_is(argv[i], "--counters"))
            spec = take_value(argc, argv, &i, "--counters");
        else if (option_is(argv[i], "--counters-backend"))
            backend = take_value(argc, argv, &i, "--counters-backend");
        else if (option_is(argv[i], "--touch-pages"))
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
