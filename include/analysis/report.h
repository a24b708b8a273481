/*
 * report.h — turning a run folder into its report: plots drawn, claims
 * judged, report.md and report.html written into the folder.  The step that
 * ends every run, and the work of `memprobe report`.
 */
#ifndef MEMPROBE_REPORT_H
#define MEMPROBE_REPORT_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Told each thing a report could not write (a plot, the report itself),
 * in one line: the run makes it one of its warnings. */
typedef void (*report_note_fn)(void *ctx, const char *what);

/* Plots (when draw_plots), claims (every claims/NAME.ini of the data
 * folder), report.md and report.html in run_dir, each listed in its
 * machine.json; prints the claims table and the report's path to out.  The
 * report of a run that did not complete says so at the top (a killed run:
 * runfolder_recover first).  0, or -1 when something was not written (a plot that failed,
 * the report: one line on out, and to note when given; the data stays). */
int report_build(const char *run_dir, FILE *out, int draw_plots, report_note_fn note, void *ctx);
/* The end of every run: report_build with plots. */
int report_after_run(const char *run_dir, FILE *out, report_note_fn note, void *ctx);
/* Every claim file of the data folder (claims/NAME.ini), loaded; NULL when
 * there is none or one does not parse, with why in note (the parse error is
 * also printed on out).  Free with claims_free. */
struct claims_set *report_load_claims(char *note, size_t notelen, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
