/*
 * plot.h — running the gnuplot scripts (plots/NAME.gp) over a run folder.
 *
 * A script runs with the run's files in its working directory and the
 * strings host and cpu set with -e; it reads the CSVs there and writes
 * NAME.png and NAME.svg (more images as NAME-WHAT.png).  Which scripts run:
 * a first-line comment "# inputs: a.csv b.csv" lists the files a script
 * needs, and it runs when all are present ("results.csv" counts as present
 * when the family NAME has rows in it); a script without that line runs
 * when family NAME has rows in results.csv.
 */
#ifndef MEMPROBE_PLOT_H
#define MEMPROBE_PLOT_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/runfolder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Whether gnuplot can be started (found on PATH). */
int plot_gnuplot_available(void);
/* The line telling how to install gnuplot. */
const char *plot_install_hint(void);
/* The files a script declares on its first line (# inputs: ...);
 * 0 when it declares none.  Free with xalloc_free_list. */
size_t plot_script_inputs(const char *script, char ***inputs);
/* Whether the script should run for this run folder (see above). */
int plot_script_applies(const char *script, runfolder *run);
/* Run one script, killed after timeout_s, with cwd a scratch folder inside
 * dir that links to the inputs (file names in dir) and nothing else, and
 * TMPDIR there; when it succeeds, the images it drew are renamed into dir
 * and their names added to *drawn (*ndrawn of them; xalloc_free_list).
 * 0, or -1 with one line in err (gnuplot's last error line); then nothing
 * in dir changed. */
int plot_run_script(const char *script, const char *dir, char *const *inputs, size_t ninputs, const char *host,
                    const char *cpu, double timeout_s, char ***drawn, size_t *ndrawn, char *err, size_t errlen);
/* Run every applicable script of datadir/plots over run (its files as the
 * inputs; one gnuplot per CPU at once, at most 4), list what they drew in
 * its machine.json, print one line per
 * script that failed and hand that line back in *failures (*nfailures;
 * xalloc_free_list).  Returns scripts run successfully, or -1 when gnuplot
 * is missing (the install hint printed). */
int plot_run_all(runfolder *run, FILE *out, char ***failures, size_t *nfailures);
/* Non-empty images dir/NAME.png and dir/NAME-WHAT.png, sorted (file names
 * only; free with xalloc_free_list). */
size_t plot_images(const char *dir, const char *name, char ***files);

#ifdef __cplusplus
}
#endif
#endif
