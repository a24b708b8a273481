/*
 * report.h — turning a run folder into plots, claim verdicts, report.md and
 * report.html, and comparing two runs.  Entry points of the CLI subcommands
 * `memprobe plot|claims|report|compare` and the step that ends every run.
 */
#ifndef MEMPROBE_REPORT_H
#define MEMPROBE_REPORT_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* `memprobe plot RUN`: run every plots/<family>.gp whose input CSV is in RUN. */
int report_plot_main(int argc, char **argv);
/* `memprobe claims FILE... [RUN]`: print the verdict table with evidence. */
int report_claims_main(int argc, char **argv);
/* `memprobe report [RUN]`: (re)build plots, report.md and report.html. */
int report_report_main(int argc, char **argv);
/* `memprobe compare RUN_A RUN_B`: table + compare.csv. */
int report_compare_main(int argc, char **argv);
/* Called at the end of every run: plots, claims (the claim files in claims/), report.md and
 * report.html in run_dir; prints the claims table and the report path to out.
 * Returns 0, or -1 when the report could not be written (the run's data stays). */
int report_after_run(const char *run_dir, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
