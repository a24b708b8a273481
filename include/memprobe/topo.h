/*
 * topo.h — the machine's topology as seen by this process (hwloc 2).
 *
 * A topo holds the PUs this process may run on (taskset and cgroup cpusets
 * are honoured, --cpus narrows them further), the physical cores they belong
 * to, caches and NUMA nodes, and classifies any pair of PUs by the deepest
 * thing they share.  Synthetic topologies (hwloc description strings) load
 * through the same code so every pair class is testable without hardware.
 * CPU numbers everywhere are OS indices (what taskset and sched_getcpu use).
 */
#ifndef MEMPROBE_TOPO_H
#define MEMPROBE_TOPO_H

#include <stdio.h>
#include <stddef.h>
#include <hwloc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Pair classes, from closest to farthest.  The order is meaningful. */
typedef enum topo_pair_class {
    TOPO_PAIR_SMT = 0,        /* two hardware threads of one core */
    TOPO_PAIR_L2,             /* different cores sharing an L2 */
    TOPO_PAIR_LLC,            /* sharing the last-level cache, not L2 */
    TOPO_PAIR_NUMA,           /* same NUMA node, no shared cache */
    TOPO_PAIR_PACKAGE,        /* same package, different NUMA nodes */
    TOPO_PAIR_CROSS_PACKAGE,  /* different packages */
    TOPO_PAIR_CLASS_COUNT
} topo_pair_class;

typedef struct topo topo;

typedef struct topo_pair {
    int cpu_a, cpu_b;          /* OS indices */
    topo_pair_class pair_class;
} topo_pair;

/* Load the real machine, restricted to the CPUs this process may use and,
 * if cpulist is non-NULL, to that list ("0-3,8").  On error returns NULL
 * and writes one line (naming the input and what is accepted) into err. */
topo *topo_load(const char *cpulist, char *err, size_t errlen);
/* Load a synthetic topology ("pack:2 numa:2 l3:2 core:4 pu:2"); all PUs allowed. */
topo *topo_load_synthetic(const char *description, char *err, size_t errlen);
void topo_free(topo *t);
/* The underlying hwloc topology (read-only use). */
hwloc_topology_t topo_hwloc(const topo *t);
/* Allowed PUs as a hwloc bitmap (owned by t). */
hwloc_const_bitmap_t topo_allowed(const topo *t);

/* Number of allowed PUs, and the i-th (OS index, ascending). */
int topo_pu_count(const topo *t);
int topo_pu(const topo *t, int i);
/* Physical cores with at least one allowed PU; topo_core_pu gives the first
 * allowed PU of core i (so one PU per core). */
int topo_core_count(const topo *t);
int topo_core_pu(const topo *t, int i);
/* 1 when the machine has SMT (more than one PU per core anywhere). */
int topo_has_smt(const topo *t);
int topo_package_count(const topo *t);
int topo_numa_count(const topo *t);
/* Size in bytes of the data/unified cache at level (1..5) seen by cpu, or 0. */
unsigned long long topo_cache_size(const topo *t, int cpu, int level);
/* Deepest cache level present (e.g. 3), and the line size in bytes (64 default). */
int topo_cache_levels(const topo *t);
unsigned topo_cache_line(const topo *t);
/* 1 when cpu is an allowed PU. */
int topo_cpu_allowed(const topo *t, int cpu);

/* Classify a pair of PUs (they may be any PUs of the topology). */
topo_pair_class topo_pair_classify(const topo *t, int cpu_a, int cpu_b);
/* "smt", "l2", "llc", "numa", "package", "cross-package". */
const char *topo_pair_class_name(topo_pair_class c);
/* Parse a class name; returns -1 if unknown. */
int topo_pair_class_parse(const char *name);

/* One representative pair per class present among allowed PUs, closest class
 * first; smt pairs only when the machine has SMT.  Returns the count (<= max). */
int topo_representative_pairs(const topo *t, topo_pair *out, int max);
/* Every unordered pair of allowed PUs (one PU per core unless with_smt).
 * Returns the count; *out is malloc'd, free it. */
int topo_all_pairs(const topo *t, int with_smt, topo_pair **out);

/* Allowed PUs in the order threads that share the memory system should take
 * them: one PU per core first (SMT siblings only once every core has one),
 * cores dealt out in turn over the NUMA nodes (node 0's first core, node 1's
 * first core, ..., node 0's second core, ...).  Writes at most max CPUs into
 * out and returns how many (0 when out of memory). */
int topo_spread_order(const topo *t, int *out, int max);
/* Parse a CPU list ("0-3,8,10-11") into a bitmap.  Returns 0, or -1 with a
 * message in err. */
int topo_parse_cpulist(const char *list, hwloc_bitmap_t out, char *err, size_t errlen);
/* Format a bitmap as a CPU list into buf. */
void topo_format_cpulist(hwloc_const_bitmap_t set, char *buf, size_t len);

/* `memprobe topo`: cores, caches, NUMA nodes, pair classes and the pairs the
 * multi-threaded families use. */
void topo_print(const topo *t, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
