/*
 * commands.c — the subcommands that read finished run folders and never run
 * a benchmark: `memprobe plot|claims|report|compare`.  Each parses its own
 * arguments (a bad one: one line naming it, exit status 2) and calls the
 * module that does the work (plot, claims, report, compare).
 */
#include "analysis/commands.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memprobe/output.h"
#include "memprobe/paths.h"
#include "memprobe/stats.h"
#include "memprobe/xalloc.h"
#include "analysis/claims.h"
#include "analysis/compare.h"
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
    int drawn = plot_run_all(run, stdout);
    if (drawn >= 0)
        printf("plots: %d drawn in %s\n", drawn, runfolder_dir(run));
    runfolder_free(run);
    return drawn < 0 ? 1 : 0;
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
    runfolder *run = commands_open_run(argv[0], dir);
    if (!run)
        return 2;
    runfolder_free(run);
    return report_build(dir, stdout, !no_plots) == 0 ? 0 : 1;
}

/* "hostA vs hostB" style label from two runs' machine.json key. */
static char *commands_pair_label(runfolder *a, runfolder *b, const char *key)
{
    const char *x = runfolder_machine_get(a, key), *y = runfolder_machine_get(b, key);
    return output_strdupf("%s vs %s", x ? x : "?", y ? y : "?");
}

static void commands_compare_plot(runfolder *a, runfolder *b, const char *out_dir)
{
    if (!plot_gnuplot_available()) {
        printf("%s\n", plot_install_hint());
        return;
    }
    char script[PATH_MAX], err[512];
    snprintf(script, sizeof script, "%s/plots/compare.gp", paths_data_dir());
    char *host = commands_pair_label(a, b, "host"), *cpu = commands_pair_label(a, b, "cpu_model");
    if (plot_run_script(script, out_dir, host, cpu, 120, err, sizeof err) == 0)
        printf("compare: plot %s/compare.png\n", out_dir);
    else
        printf("plots: %s\n", err);
    free(host);
    free(cpu);
}

int commands_compare_main(int argc, char **argv)
{
    const char *cmd = argv[0], *dirs[2] = {NULL, NULL}, *out_dir = ".";
    int ndirs = 0, plot = 1;
    for (int i = 1; i < argc; i++) {
        if (commands_is_help(argv[i])) {
            printf("usage: memprobe compare [--out DIR] [--no-plots] RUN_A RUN_B\n"
                   "Per benchmark in both runs: median real ns of A and B, B/A, and a two-sided Mann-Whitney U\n"
                   "test across repetitions (alpha %.2f, at least %d repetitions per side); geometric mean of B/A\n"
                   "per family; benchmarks found on one side only.  Writes DIR/compare.csv and\n"
                   "DIR/compare_families.csv (DIR: the current folder by default) and draws compare.png.\n",
                   STATS_UTEST_ALPHA, STATS_UTEST_MIN_REPETITIONS);
            return 0;
        }
        if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc || !commands_is_dir(argv[i + 1]))
                return commands_usage_error(cmd, "--out '%s': expected an existing folder",
                                          i + 1 < argc ? argv[i + 1] : "");
            out_dir = argv[++i];
        } else if (strcmp(argv[i], "--no-plots") == 0) {
            plot = 0;
        } else if (argv[i][0] == '-' || ndirs == 2) {
            return commands_usage_error(cmd, "unexpected argument '%s'; usage: memprobe compare [--out DIR] RUN_A RUN_B",
                                      argv[i]);
        } else {
            dirs[ndirs++] = argv[i];
        }
    }
    if (ndirs != 2)
        return commands_usage_error(cmd, "expected two run folders; usage: memprobe compare [--out DIR] RUN_A RUN_B");
    runfolder *a = commands_open_run(cmd, dirs[0]);
    runfolder *b = a ? commands_open_run(cmd, dirs[1]) : NULL;
    if (!b) {
        runfolder_free(a);
        return 2;
    }
    compare_result *c = compare_runs(a, b);
    compare_print(c, dirs[0], dirs[1], stdout);
    char err[1024];
    int rc = compare_write_csv(c, out_dir, err, sizeof err);
    if (rc == 0)
        printf("compare: wrote %s/compare.csv and %s/compare_families.csv\n", out_dir, out_dir);
    else
        fprintf(stderr, "memprobe compare: %s\n", err);
    if (rc == 0 && plot && c->nfamilies > 0)
        commands_compare_plot(a, b, out_dir);
    compare_result_free(c);
    runfolder_free(a);
    runfolder_free(b);
    return rc == 0 ? 0 : 1;
}
