/*
 * allocators.h — alternative malloc implementations (jemalloc, mimalloc,
 * tcmalloc) run by re-executing the suite under LD_PRELOAD.
 *
 * Families flagged BENCH_FAMILY_PER_ALLOCATOR run in-process with glibc, then
 * once more in a child process per installed allocator; the child writes its
 * run folder under <run>/allocators/<name>/ and the parent merges the child's
 * results.csv rows (tagged allocator=<name>) into its own.  A missing
 * allocator is skipped with one line saying how to install it.
 */
#ifndef MEMPROBE_ALLOCATORS_H
#define MEMPROBE_ALLOCATORS_H

#include <stddef.h>

#include "memprobe/bench.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct allocator_info {
    const char *name;        /* "jemalloc" */
    const char *soname;      /* "libjemalloc.so.2" */
    const char *deb_package; /* "libjemalloc2" */
    const char *rpm_package; /* "jemalloc" */
} allocator_info;

/* The alternative allocators we know (glibc is not among them). */
int allocators_count(void);
const allocator_info *allocators_at(int i);
const allocator_info *allocators_find(const char *name);
/* Full path of the allocator's shared library, or NULL when not installed. */
const char *allocators_library(const allocator_info *a, char *path, size_t len);
/* Which allocator really serves malloc in this process, checked from inside:
 * "glibc", "jemalloc", "mimalloc", "tcmalloc", a sanitizer's ("asan",
 * "tsan", "msan", "hwasan"), else the file name of the object that defines
 * malloc ("unknown" only when not even that can be found). */
const char *allocators_active(void);
/* For a BENCH_FAMILY_PER_ALLOCATOR family's register function: 0 in the
 * glibc run (cfg->allocator empty or "glibc"), 1 in a per-allocator child
 * whose allocator really serves malloc, -1 in a child where it does not
 * (LD_PRELOAD did not take effect): then why says so in one line and the
 * family registers nothing. */
int allocators_check_child(const bench_config *cfg, char *why, size_t whylen);
/* Re-run the suite once per installed alternative allocator (see above).
 * argv is this process's command line; run_dir its run folder.  Merges the
 * children's rows into output_table_get("results.csv").  Returns the number
 * of children that failed (each reported with one line on stderr). */
int allocators_run_children(int argc, char **argv, const char *run_dir);

#ifdef __cplusplus
}
#endif
#endif
