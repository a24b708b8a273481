/*
 * fingerprint.h — what makes runs less comparable.  Before `memprobe
 * compare` puts numbers side by side it compares the runs' fingerprints
 * (machine.json) and recorded settings (families.json): VM or bare metal,
 * memprobe revision, build flags and hardening, a debug libbenchmark,
 * governor and boost, transparent huge pages, SMT, load at the start,
 * counter backends, quick or default settings, libraries, kernel.  Each
 * difference becomes one note, most serious first; a family run with other
 * options is named so that its rows can be marked.  The same fields make
 * the side-by-side machine table of compare.html.
 */
#ifndef MEMPROBE_FINGERPRINT_H
#define MEMPROBE_FINGERPRINT_H

#include <stddef.h>
#include "analysis/runfolder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The fields of the side-by-side table, in the order shown. */
size_t fingerprint_field_count(void);
/* The i-th field's name ("CPU", "VM vs bare metal", ...). */
const char *fingerprint_field_label(size_t i);
/* Its text for run r (malloc'd; "unknown" where machine.json says nothing). */
char *fingerprint_field_text(const runfolder *r, size_t i);
/* 1 for a field that differs between any two runs (the start time): not
 * worth marking as a difference. */
int fingerprint_field_differs_by_nature(size_t i);

/* The fields on which runs differ in a way that makes their numbers less
 * comparable, most serious first, each as one line naming the runs by
 * names[i] ("VM vs bare metal: VM (kvm): a, c; bare metal: b").  Returns
 * the count; *notes is malloc'd (free with xalloc_free_list), NULL when 0. */
size_t fingerprint_notes(runfolder *const *runs, const char *const *names, size_t n, char ***notes);

/* 1 when family ran with other option values in run than in base, with the
 * differences in why ("--litmus-delay 16 vs 0"); 0 when the values are the
 * same or either run does not record them. */
int fingerprint_family_options_differ(const runfolder *base, const runfolder *run, const char *family, char *why,
                                      size_t whylen);

#ifdef __cplusplus
}
#endif
#endif
