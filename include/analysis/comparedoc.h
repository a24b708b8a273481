/*
 * comparedoc.h — what `memprobe compare` leaves behind: one folder
 * (results/compare-<A>-vs-<B>/ by default) holding compare.csv and
 * compare_families.csv (compare.h), the plots' tables compare-NAME.csv and
 * their images (plots/compare.gp), compare.md and compare.html (what makes
 * the machines less comparable, each claim's verdict per machine with the
 * claims that differ first, the fingerprints side by side, the plots, the
 * table) and compare.json (which runs were compared, which files were
 * written).  Nothing is written outside that folder, and every file is
 * written under a temporary name and renamed.
 */
#ifndef MEMPROBE_COMPAREDOC_H
#define MEMPROBE_COMPAREDOC_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/compare.h"

#ifdef __cplusplus
extern "C" {
#endif

/* base/compare-<baseline>-vs-<second run>[-and-N-more] (malloc'd). */
char *comparedoc_default_dir(const compare_result *c, const char *base);

/* Make dir ready for a comparison: create it (and, for the default folder,
 * its parent results/), or reuse a folder that holds an earlier comparison
 * (the files its compare.json lists are removed first).  A folder that is
 * not empty and holds no comparison is refused.  0, or -1 with err naming
 * the folder. */
int comparedoc_prepare_dir(const char *dir, int create_parent, char *err, size_t errlen);

/* Write every file of the comparison into dir (the plots when draw_plots
 * and gnuplot is installed; what could not be drawn is said on out).
 * 0, or -1 with err. */
int comparedoc_write(const compare_result *c, const char *dir, int draw_plots, FILE *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
