/*
 * commands.h — the subcommands that read finished run folders:
 * `memprobe plot|claims|report|compare`.  argv[0] is the subcommand's name;
 * each returns the exit status (2 for bad input, after one line naming it).
 */
#ifndef MEMPROBE_COMMANDS_H
#define MEMPROBE_COMMANDS_H

#ifdef __cplusplus
extern "C" {
#endif

/* `memprobe plot [RUN]`: run every plots/<family>.gp whose inputs are in RUN. */
int commands_plot_main(int argc, char **argv);
/* `memprobe claims FILE... [RUN]`: print the verdict table with evidence. */
int commands_claims_main(int argc, char **argv);
/* `memprobe report [--no-plots] [RUN]`: (re)build plots, report.md and report.html. */
int commands_report_main(int argc, char **argv);
/* `memprobe compare [--out DIR] [--no-plots] RUN_A RUN_B`: table, compare.csv, plot. */
int commands_compare_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
