/*
 * commands.c — the subcommands that read finished run folders and never run
 * a benchmark: `memprobe plot|claims|report|compare`.  Each parses its own
 * arguments (a bad one: one line naming it, exit status 2) and calls the
 * module that does the work (plot, claims, report, compare).
 */
#include "analysis/commands.h"

#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memprobe/args.h"
#include "memprobe/output.h"
#include "memprobe/paths.h"
#include "memprobe/rundir.h"
#include "memprobe/stats.h"
#include "memprobe/xalloc.h"
#include "analysis/claims.h"
#include "analysis/compare.h"
#include "analysis/comparedoc.h"
#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/runfolder.h"

#define COMMANDS_DEFAULT_RUN "results/latest"

static int commands_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int commands_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "memprobe %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int commands_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static int commands_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Open a run folder given on the command line; NULL after the usage line. */
static runfolder *commands_open_run(const char *cmd, const char *dir)
{
    char err[1024];
    runfolder *run = runfolder_open(dir, err, sizeof err);
    if (!run)
        commands_usage_error(cmd, "%s", err);
    return run;
}

/* The arguments [--no-plots] [RUN] of plot and report (no_plots NULL:
 * --no-plots is not accepted): the run folder (COMMANDS_DEFAULT_RUN when
 * none is given), or NULL with *status 0 after printing help (a format with
 * one %s, the default run) or 2 after a usage line. */
static const char *commands_run_argument(int argc, char **argv, const char *usage, const char *help,
                                         int *no_plots, int *status)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (commands_is_help(argv[i])) {
            printf("usage: %s\n", usage);
            printf(help, COMMANDS_DEFAULT_RUN);
            *status = 0;
            return NULL;
        }
        if (no_plots && strcmp(argv[i], "--no-plots") == 0) {
            *no_plots = 1;
            continue;
        }
        if (argv[i][0] == '-' || dir) {
            *status = commands_usage_error(argv[0], "unexpected argument '%s'; usage: %s", argv[i], usage);
            return NULL;
        }
        dir = argv[i];
    }
    return dir ? dir : COMMANDS_DEFAULT_RUN;
}

int commands_plot_main(int argc, char **argv)
{
    int status;
    const char *dir = commands_run_argument(argc, argv, "memprobe plot [RUN]",
                                            "Run every plots/NAME.gp that applies to the run folder RUN (default %s) "
                                            "with gnuplot,\nwriting NAME.png and NAME.svg into RUN.\n",
                                            NULL, &status);
    if (!dir)
        return status;
    runfolder *run = commands_open_run(argv[0], dir);
    if (!run)
        return 2;
    char **failures;
    size_t nfailures;
    int drawn = plot_run_all(run, stdout, &failures, &nfailures);
    if (drawn >= 0)
        printf("plots: %d drawn in %s\n", drawn, runfolder_dir(run));
    xalloc_free_list(failures, nfailures);
    runfolder_free(run);
    return drawn < 0 || nfailures ? 1 : 0;
}

int commands_claims_main(int argc, char **argv)
{
    const char *cmd = argv[0], *dir = NULL;
    const char **files = xalloc_calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (commands_is_help(argv[i])) {
            printf("usage: memprobe claims FILE.ini... [RUN]\n"
                   "Judge the claims in each FILE against the run folder RUN (default %s) and print\n"
                   "one verdict per claim (holds, does not hold, partly, not measurable here) with its\n"
                   "coverage and evidence.  The format is in the README (Claim files).\n",
                   COMMANDS_DEFAULT_RUN);
            free(files);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            free(files);
            return commands_usage_error(cmd, "unknown option '%s'; usage: memprobe claims FILE.ini... [RUN]", argv[i]);
        }
        if (commands_is_dir(argv[i])) {
            if (dir) {
                free(files);
                return commands_usage_error(cmd, "two run folders ('%s', '%s'); give claim files and at most one RUN",
                                          dir, argv[i]);
            }
            dir = argv[i];
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) {
        free(files);
        return commands_usage_error(cmd, "no claim file given; usage: memprobe claims FILE.ini... [RUN]");
    }
    char err[1024];
    claims_set *set = claims_load(files, nfiles, err, sizeof err);
    free(files);
    if (!set)
        return commands_usage_error(cmd, "%s", err);
    runfolder *run = commands_open_run(cmd, dir ? dir : COMMANDS_DEFAULT_RUN);
    if (!run) {
        claims_free(set);
        return 2;
    }
    size_t n;
    claims_verdict *v = claims_evaluate(set, run, &n);
    printf("claims against %s:\n", runfolder_dir(run));
    claims_print_table(v, n, stdout);
    claims_verdicts_free(v, n);
    claims_free(set);
    runfolder_free(run);
    return 0;
}

int commands_report_main(int argc, char **argv)
{
    int status, no_plots = 0;
    const char *dir = commands_run_argument(argc, argv, "memprobe report [--no-plots] [RUN]",
                                            "Redraw the plots of RUN (default %s), judge every claims/NAME.ini, "
                                            "and write\nRUN/report.md and RUN/report.html.\n",
                                            &no_plots, &status);
    if (!dir)
        return status;
    char note[512], err[1024];
    int recovered = runfolder_recover(dir, note, sizeof note, err, sizeof err);
    if (recovered < 0)
        return commands_usage_error(argv[0], "%s", err);
    if (recovered > 0)
        printf("report: %s\n", note);
    runfolder *run = commands_open_run(argv[0], dir);
    if (!run)
        return 2;
    runfolder_free(run);
    return report_build(dir, stdout, !no_plots, NULL, NULL) == 0 ? 0 : 1;
}

/* ---- compare ---- */

#define COMMANDS_COMPARE_USAGE "memprobe compare [--out DIR] [--baseline RUN] [--no-plots] RUN RUN [RUN...] | FOLDER"

/* The run folders of a comparison, in order. */
typedef struct commands_runs {
    runfolder **v;
    size_t n;
} commands_runs;

static void commands_runs_free(commands_runs *runs)
{
    for (size_t i = 0; i < runs->n; i++)
        runfolder_free(runs->v[i]);
    free(runs->v);
}

static int commands_is_run(const char *dir)
{
    char *path = output_strdupf("%s/results.csv", dir);
    struct stat st;
    int yes = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    return yes;
}

/* Open dir and put it at position at (runs->n: the end).  0, or 2 after the usage line. */
static int commands_runs_insert(const char *cmd, commands_runs *runs, const char *dir, size_t at)
{
    runfolder *run = commands_open_run(cmd, dir);
    if (!run)
        return 2;
    runs->v = xalloc_array(runs->v, runs->n + 1, sizeof(runfolder *));
    memmove(runs->v + at + 1, runs->v + at, (runs->n - at) * sizeof(runfolder *));
    runs->v[at] = run;
    runs->n++;
    return 0;
}

/* The run folder arg, or every run folder directly inside arg (by name;
 * links such as results/latest are left out, their targets are there).
 * 0, or 2 after the usage line. */
static int commands_add_runs(const char *cmd, commands_runs *runs, const char *arg)
{
    if (commands_is_run(arg) || !commands_is_dir(arg))
        return commands_runs_insert(cmd, runs, arg, runs->n);
    struct dirent **list;
    int n = scandir(arg, &list, NULL, alphasort), found = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", arg, list[i]->d_name);
        if (rc == 0 && list[i]->d_name[0] != '.' && lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
            commands_is_run(path)) {
            rc = commands_runs_insert(cmd, runs, path, runs->n);
            found++;
        }
        free(list[i]);
    }
    free(list);
    if (rc == 0 && found == 0)
        rc = commands_usage_error(cmd, "'%s': neither a run folder (no results.csv) nor a folder holding run "
                                       "folders; usage: " COMMANDS_COMPARE_USAGE, arg);
    return rc;
}

/* Put the run folder dir first: moved there when it is among the runs,
 * else opened and added.  0, or 2 after the usage line. */
static int commands_set_baseline(const char *cmd, commands_runs *runs, const char *dir)
{
    char want[PATH_MAX], have[PATH_MAX];
    if (!realpath(dir, want))
        return commands_usage_error(cmd, "--baseline '%s': not a run folder", dir);
    for (size_t i = 0; i < runs->n; i++)
        if (realpath(runfolder_dir(runs->v[i]), have) && strcmp(have, want) == 0) {
            runfolder *base = runs->v[i];
            memmove(runs->v + 1, runs->v, i * sizeof(runfolder *));
            runs->v[0] = base;
            return 0;
        }
    return commands_runs_insert(cmd, runs, dir, 0);
}

static void commands_compare_help(void)
{
    printf("usage: " COMMANDS_COMPARE_USAGE "\n"
           "Compare run folders (or every run folder inside FOLDER): rows matched on what they measure (family,\n"
           "variant, arguments other than CPU numbers, allocator, runtime, pair class); per row each run's median\n"
           "real ns, its ratio to the baseline (the first run, or --baseline RUN) and a two-sided Mann-Whitney U\n"
           "test of the repetitions (alpha %.2f; at least %zu repetitions per side); per family the geometric\n"
           "mean of the ratios; before that, what makes the runs less comparable.  Writes compare.csv,\n"
           "compare_families.csv, plots, compare.html and compare.json into DIR (default\n"
           "results/compare-<A>-vs-<B>/, also results/latest-compare), never the current folder.\n",
           STATS_UTEST_ALPHA, stats_mann_whitney_min_n(STATS_UTEST_ALPHA));
}

/* Compare, then prepare the folder and write into it; the exit status. */
static int commands_compare_write(const char *cmd, commands_runs *runs, const char *out_dir, int plot)
{
    char err[1024];
    compare_result *c = compare_runs(runs->v, runs->n, err, sizeof err);
    if (!c)
        return commands_usage_error(cmd, "%s", err);
    char *dir = out_dir ? xalloc_strdup(out_dir) : comparedoc_default_dir(c, "results");
    int rc = comparedoc_prepare_dir(dir, !out_dir, err, sizeof err) == 0 ? 0 : 2;
    if (rc != 0) {
        commands_usage_error(cmd, "%s%s", out_dir ? "--out " : "", err);
    } else {
        compare_print(c, stdout);
        rc = comparedoc_write(c, dir, plot, stdout, err, sizeof err) == 0 ? 0 : 1;
        if (rc != 0)
            fprintf(stderr, "memprobe compare: %s\n", err);
        if (rundir_in_base("results", dir))
            rundir_point_link("results", "latest-compare", dir);
        printf("compare: %s/compare.html\n", dir);
    }
    free(dir);
    compare_result_free(c);
    return rc;
}

int commands_compare_main(int argc, char **argv)
{
    const char *cmd = argv[0], *out_dir = NULL, *baseline = NULL;
    int plot = 1, rc = 0;
    commands_runs runs = {0};
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *v = NULL, *option = argv[i];
        if (commands_is_help(argv[i])) {
            commands_compare_help();
            commands_runs_free(&runs);
            return 0;
        } else if (args_option_is(argv[i], "--out") || args_option_is(argv[i], "--baseline")) {
            const char **target = args_option_is(argv[i], "--out") ? &out_dir : &baseline;
            v = args_value(argc, argv, &i);
            *target = v = v ? v : "";
        } else if (strcmp(argv[i], "--no-plots") == 0) {
            plot = 0;
        } else if (argv[i][0] == '-') {
            rc = commands_usage_error(cmd, "unexpected argument '%s'; usage: " COMMANDS_COMPARE_USAGE, argv[i]);
        } else {
            rc = commands_add_runs(cmd, &runs, argv[i]);
        }
        if (rc == 0 && v && !*v)
            rc = commands_usage_error(cmd, "%s needs a folder; usage: " COMMANDS_COMPARE_USAGE, option);
    }
    if (rc == 0 && baseline)
        rc = commands_set_baseline(cmd, &runs, baseline);
    if (rc == 0 && runs.n < 2)
        rc = commands_usage_error(cmd, "expected at least two run folders (found %zu); usage: " COMMANDS_COMPARE_USAGE,
                                  runs.n);
    if (rc == 0)
        rc = commands_compare_write(cmd, &runs, out_dir, plot);
    commands_runs_free(&runs);
    return rc;
}
