/*
 * topo.c — the machine's topology as this process sees it (hwloc 2).
 *
 * topo_load reads the real machine and keeps the PUs this process may run
 * on: hwloc's allowed cpuset (cgroup cpusets) intersected with the process
 * binding (taskset), narrowed by an optional --cpus list.  The whole hwloc
 * topology stays loaded so any pair of PUs can be classified by the deepest
 * thing they share: a core (smt), an L1/L2 cache (l2), a deeper cache (llc),
 * a NUMA node (numa), a package (package), or nothing (cross-package).
 * Synthetic description strings load through the same code, which is how
 * the tests cover every class without the hardware.
 */
#include "memprobe/topo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/quiet.h"

/* CPU numbers a list may name (Linux NR_CPUS is at most 8192 today). */
#define TOPO_MAX_CPU 65535
#define TOPO_LIST_ACCEPTED "accepted: CPU numbers and ranges separated by commas, e.g. 0-3,8"

struct topo {
    hwloc_topology_t hw;
    hwloc_bitmap_t allowed;   /* PUs this process may use (OS indices) */
    int npu;                  /* allowed PUs, ascending */
    int *pus;
    int ncore;                /* first allowed PU of each core, ascending */
    int *core_pus;
    int max_os;               /* largest PU OS index in the topology */
    hwloc_obj_t *pu_by_os;    /* PU objects indexed by OS index (may be NULL) */
};

/* ------------------------------------------------------------------ */
/* CPU lists                                                           */

/* Parse one decimal CPU number at *p (advancing it); -1 when there is none
 * or it is out of range, with the message in err. */
static int topo_parse_cpu(const char **p, const char *label, const char *list,
                          int *cpu, char *err, size_t errlen)
{
    const char *s = *p;
    unsigned long v = 0;
    while (*s >= '0' && *s <= '9') {
        if (v <= TOPO_MAX_CPU)
            v = v * 10 + (unsigned long)(*s - '0');
        s++;
    }
    if (s == *p)
        return -1;
    if (v > TOPO_MAX_CPU) {
        snprintf(err, errlen, "%s '%s': CPU %.*s is out of range; accepted: CPUs 0-%d",
                 label, list, (int)(s - *p), *p, TOPO_MAX_CPU);
        return -1;
    }
    *cpu = (int)v;
    *p = s;
    return 0;
}

/* Parse one item ("N" or "N-M") ending at ',' or the end of the list. */
static int topo_parse_item(const char **p, const char *label, const char *list,
                           hwloc_bitmap_t out, char *err, size_t errlen)
{
    const char *item = *p;
    int lo = 0, hi = 0;
    err[0] = '\0';
    int rc = topo_parse_cpu(p, label, list, &lo, err, errlen);
    hi = lo;
    if (rc == 0 && **p == '-') {
        (*p)++;
        rc = topo_parse_cpu(p, label, list, &hi, err, errlen);
    }
    if (rc == 0 && **p != ',' && **p != '\0')
        rc = -1;
    if (rc < 0) {
        if (!err[0])
            snprintf(err, errlen, "%s '%s': '%.*s' is not a CPU number or range; " TOPO_LIST_ACCEPTED,
                     label, list, (int)strcspn(item, ","), item);
        return -1;
    }
    if (hi < lo) {
        snprintf(err, errlen, "%s '%s': range %d-%d is reversed; " TOPO_LIST_ACCEPTED, label, list, lo, hi);
        return -1;
    }
    hwloc_bitmap_set_range(out, (unsigned)lo, hi);
    return 0;
}

static int topo_parse_labelled(const char *list, const char *label, hwloc_bitmap_t out,
                               char *err, size_t errlen)
{
    hwloc_bitmap_zero(out);
    if (!list || !*list) {
        snprintf(err, errlen, "%s '%s': empty list; " TOPO_LIST_ACCEPTED, label, list ? list : "");
        return -1;
    }
    const char *p = list;
    for (;;) {
        if (*p == ',' || *p == '\0') {
            snprintf(err, errlen, "%s '%s': empty item; " TOPO_LIST_ACCEPTED, label, list);
            return -1;
        }
        if (topo_parse_item(&p, label, list, out, err, errlen) < 0)
            return -1;
        if (*p == '\0')
            return 0;
        p++; /* the ',' */
    }
}

int topo_parse_cpulist(const char *list, hwloc_bitmap_t out, char *err, size_t errlen)
{
    return topo_parse_labelled(list, "CPU list", out, err, errlen);
}

void topo_format_cpulist(hwloc_const_bitmap_t set, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (!hwloc_bitmap_iszero(set))
        hwloc_bitmap_list_snprintf(buf, len, set);
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

static int topo_cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The core a PU belongs to; a PU without a Core ancestor is its own core. */
static hwloc_obj_t topo_core_of(hwloc_obj_t pu)
{
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(NULL, HWLOC_OBJ_CORE, pu);
    return core ? core : pu;
}

static hwloc_obj_t topo_pu_obj(const topo *t, int cpu)
{
    if (cpu < 0 || cpu > t->max_os)
        return NULL;
    return t->pu_by_os[cpu];
}

/* Fill the PU index, the allowed PU list and the per-core first PUs. */
static int topo_index(topo *t)
{
    t->max_os = -1;
    hwloc_obj_t pu = NULL;
    while ((pu = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_PU, pu)))
        if ((int)pu->os_index > t->max_os)
            t->max_os = (int)pu->os_index;
    size_t slots = (size_t)(t->max_os >= 0 ? t->max_os + 1 : 1);
    t->pu_by_os = calloc(slots, sizeof *t->pu_by_os);   /* NOLINT(bugprone-sizeof-expression): array of hwloc_obj_t */
    int npu = hwloc_bitmap_weight(t->allowed);
    t->pus = calloc((size_t)(npu > 0 ? npu : 1), sizeof *t->pus);
    t->core_pus = calloc((size_t)(npu > 0 ? npu : 1), sizeof *t->core_pus);
    if (!t->pu_by_os || !t->pus || !t->core_pus)
        return -1;
    while ((pu = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_PU, pu)))
        t->pu_by_os[pu->os_index] = pu;

    hwloc_bitmap_t in_core = hwloc_bitmap_alloc();
    if (!in_core)
        return -1;
    int cpu;
    hwloc_bitmap_foreach_begin(cpu, t->allowed) {
        hwloc_obj_t obj = topo_pu_obj(t, cpu);
        if (!obj)
            continue;
        t->pus[t->npu++] = cpu;
        hwloc_bitmap_and(in_core, topo_core_of(obj)->cpuset, t->allowed);
        if (hwloc_bitmap_first(in_core) == cpu)
            t->core_pus[t->ncore++] = cpu;
    }
    hwloc_bitmap_foreach_end();
    hwloc_bitmap_free(in_core);
    qsort(t->core_pus, (size_t)t->ncore, sizeof *t->core_pus, topo_cmp_int);
    return 0;
}

/* CPUs, caches and NUMA nodes only: no I/O, GPU or accelerator discovery
 * (whose libraries may print, and which memprobe never uses). */
static void topo_skip_devices(hwloc_topology_t hw)
{
    static const char *const devices[] = {"cuda", "nvml", "rsmi", "levelzero", "opencl", "gl", "pci", "linux:io"};
    hwloc_topology_set_io_types_filter(hw, HWLOC_TYPE_FILTER_KEEP_NONE);
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
        hwloc_topology_set_components(hw, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, devices[i]);
}

static topo *topo_new(char *err, size_t errlen)
{
    topo *t = calloc(1, sizeof *t);
    if (!t || hwloc_topology_init(&t->hw) < 0) {
        snprintf(err, errlen, "topology: out of memory");
        free(t);
        return NULL;
    }
    topo_skip_devices(t->hw);
    t->allowed = hwloc_bitmap_alloc();
    return t;
}

/* The CPUs this process may use: hwloc's allowed set (cgroup cpusets) and
 * the process binding (taskset). */
static void topo_process_cpus(topo *t)
{
    hwloc_bitmap_copy(t->allowed, hwloc_topology_get_allowed_cpuset(t->hw));
    hwloc_bitmap_and(t->allowed, t->allowed, hwloc_topology_get_topology_cpuset(t->hw));
    hwloc_bitmap_t bound = hwloc_bitmap_alloc();
    if (bound && hwloc_get_cpubind(t->hw, bound, HWLOC_CPUBIND_PROCESS) == 0 &&
        hwloc_bitmap_intersects(bound, t->allowed))
        hwloc_bitmap_and(t->allowed, t->allowed, bound);
    hwloc_bitmap_free(bound);
}

/* Narrow t->allowed to list; every CPU named must already be allowed. */
static int topo_narrow(topo *t, const char *list, char *err, size_t errlen)
{
    hwloc_bitmap_t want = hwloc_bitmap_alloc();
    hwloc_bitmap_t missing = hwloc_bitmap_alloc();
    int rc = topo_parse_labelled(list, "--cpus", want, err, errlen);
    if (rc == 0) {
        hwloc_bitmap_andnot(missing, want, t->allowed);
        if (!hwloc_bitmap_iszero(missing)) {
            char miss[256], ok[256];
            topo_format_cpulist(missing, miss, sizeof miss);
            topo_format_cpulist(t->allowed, ok, sizeof ok);
            snprintf(err, errlen, "--cpus '%s': CPU%s %s %s not available to this process; allowed: %s",
                     list, hwloc_bitmap_weight(missing) > 1 ? "s" : "", miss,
                     hwloc_bitmap_weight(missing) > 1 ? "are" : "is", ok);
            rc = -1;
        } else {
            hwloc_bitmap_copy(t->allowed, want);
        }
    }
    hwloc_bitmap_free(want);
    hwloc_bitmap_free(missing);
    return rc;
}

static topo *topo_finish(topo *t, char *err, size_t errlen)
{
    if (hwloc_bitmap_iszero(t->allowed)) {
        snprintf(err, errlen, "topology: this process may not run on any CPU");
        topo_free(t);
        return NULL;
    }
    if (topo_index(t) < 0) {
        snprintf(err, errlen, "topology: out of memory");
        topo_free(t);
        return NULL;
    }
    return t;
}

topo *topo_load(const char *cpulist, char *err, size_t errlen)
{
    topo *t = topo_new(err, errlen);
    if (!t)
        return NULL;
    quiet_capture q;
    quiet_begin(&q);   /* what a plugin prints is not memprobe's to say */
    int rc = hwloc_topology_load(t->hw), load_errno = errno;
    quiet_end(&q, NULL, 0);
    if (rc < 0) {
        snprintf(err, errlen, "topology: hwloc cannot read this machine: %s", strerror(load_errno));
        topo_free(t);
        return NULL;
    }
    topo_process_cpus(t);
    if (cpulist && topo_narrow(t, cpulist, err, errlen) < 0) {
        topo_free(t);
        return NULL;
    }
    return topo_finish(t, err, errlen);
}

topo *topo_load_synthetic(const char *description, char *err, size_t errlen)
{
    topo *t = topo_new(err, errlen);
    if (!t)
        return NULL;
    if (hwloc_topology_set_synthetic(t->hw, description) < 0 || hwloc_topology_load(t->hw) < 0) {
        snprintf(err, errlen, "synthetic topology '%s': not a valid hwloc description, "
                 "e.g. 'pack:2 numa:2 l3:2 core:4 pu:2'", description);
        topo_free(t);
        return NULL;
    }
    hwloc_bitmap_copy(t->allowed, hwloc_topology_get_topology_cpuset(t->hw));
    return topo_finish(t, err, errlen);
}

void topo_free(topo *t)
{
    if (!t)
        return;
    hwloc_bitmap_free(t->allowed);
    hwloc_topology_destroy(t->hw);
    free(t->pus);
    free(t->core_pus);
    free(t->pu_by_os);
    free(t);
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

hwloc_topology_t topo_hwloc(const topo *t) { return t->hw; }
hwloc_const_bitmap_t topo_allowed(const topo *t) { return t->allowed; }
int topo_pu_count(const topo *t) { return t->npu; }
int topo_core_count(const topo *t) { return t->ncore; }

int topo_pu(const topo *t, int i)
{
    return i >= 0 && i < t->npu ? t->pus[i] : -1;
}

int topo_core_pu(const topo *t, int i)
{
    return i >= 0 && i < t->ncore ? t->core_pus[i] : -1;
}

int topo_cpu_allowed(const topo *t, int cpu)
{
    return cpu >= 0 && topo_pu_obj(t, cpu) && hwloc_bitmap_isset(t->allowed, (unsigned)cpu);
}

int topo_has_smt(const topo *t)
{
    hwloc_obj_t core = NULL;
    while ((core = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_CORE, core)))
        if (hwloc_bitmap_weight(core->cpuset) > 1)
            return 1;
    return 0;
}

/* Objects of a type whose CPUs meet the allowed set (at least 1: the
 * machine itself is one package and one NUMA node when hwloc has none). */
static int topo_count_allowed(const topo *t, hwloc_obj_type_t type)
{
    int n = 0;
    hwloc_obj_t obj = NULL;
    while ((obj = hwloc_get_next_obj_by_type(t->hw, type, obj)))
        n += obj->cpuset && hwloc_bitmap_intersects(obj->cpuset, t->allowed);
    return n > 0 ? n : 1;
}

int topo_package_count(const topo *t) { return topo_count_allowed(t, HWLOC_OBJ_PACKAGE); }
int topo_numa_count(const topo *t) { return topo_count_allowed(t, HWLOC_OBJ_NUMANODE); }

unsigned long long topo_cache_size(const topo *t, int cpu, int level)
{
    hwloc_obj_t obj = topo_pu_obj(t, cpu);
    for (; obj; obj = obj->parent)
        if (hwloc_obj_type_is_dcache(obj->type) && (int)obj->attr->cache.depth == level)
            return obj->attr->cache.size;
    return 0;
}

int topo_cache_levels(const topo *t)
{
    int deepest = 0;
    for (hwloc_obj_type_t type = HWLOC_OBJ_L1CACHE; type <= HWLOC_OBJ_L5CACHE; type++) {
        hwloc_obj_t obj = hwloc_get_next_obj_by_type(t->hw, type, NULL);
        if (obj && (int)obj->attr->cache.depth > deepest)
            deepest = (int)obj->attr->cache.depth;
    }
    return deepest;
}

unsigned topo_cache_line(const topo *t)
{
    for (hwloc_obj_type_t type = HWLOC_OBJ_L1CACHE; type <= HWLOC_OBJ_L5CACHE; type++) {
        hwloc_obj_t obj = hwloc_get_next_obj_by_type(t->hw, type, NULL);
        if (obj && obj->attr->cache.linesize > 0)
            return obj->attr->cache.linesize;
    }
    return 64;
}

/* ------------------------------------------------------------------ */
/* Pair classes                                                        */

static const char *const topo_class_names[TOPO_PAIR_CLASS_COUNT] = {
    "smt", "l2", "llc", "numa", "package", "cross-package",
};

const char *topo_pair_class_name(topo_pair_class c)
{
    return (unsigned)c < TOPO_PAIR_CLASS_COUNT ? topo_class_names[c] : "unknown";
}

int topo_pair_class_parse(const char *name)
{
    for (int c = 0; name && c < TOPO_PAIR_CLASS_COUNT; c++)
        if (strcmp(name, topo_class_names[c]) == 0)
            return c;
    return -1;
}

/* Deepest data/unified cache containing obj (obj included), or NULL. */
static hwloc_obj_t topo_cache_above(hwloc_obj_t obj)
{
    for (; obj; obj = obj->parent)
        if (hwloc_obj_type_is_dcache(obj->type))
            return obj;
    return NULL;
}

static int topo_same_numa(const topo *t, int cpu_a, int cpu_b)
{
    hwloc_obj_t node = NULL;
    int nodes = 0;
    while ((node = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_NUMANODE, node))) {
        nodes++;
        if (hwloc_bitmap_isset(node->cpuset, (unsigned)cpu_a) &&
            hwloc_bitmap_isset(node->cpuset, (unsigned)cpu_b))
            return 1;
    }
    return nodes == 0;
}

static int topo_same_package(const topo *t, hwloc_obj_t common)
{
    if (hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_PACKAGE) == 0)
        return 1; /* no package objects: the machine is one package */
    return common->type == HWLOC_OBJ_PACKAGE ||
           hwloc_get_ancestor_obj_by_type(t->hw, HWLOC_OBJ_PACKAGE, common) != NULL;
}

/* Unknown CPUs classify as TOPO_PAIR_CLASS_COUNT. */
topo_pair_class topo_pair_classify(const topo *t, int cpu_a, int cpu_b)
{
    hwloc_obj_t a = topo_pu_obj(t, cpu_a), b = topo_pu_obj(t, cpu_b);
    if (!a || !b)
        return TOPO_PAIR_CLASS_COUNT;
    if (topo_core_of(a) == topo_core_of(b))
        return TOPO_PAIR_SMT;
    hwloc_obj_t common = hwloc_get_common_ancestor_obj(t->hw, a, b);
    hwloc_obj_t cache = topo_cache_above(common);
    if (cache)
        return cache->attr->cache.depth <= 2 ? TOPO_PAIR_L2 : TOPO_PAIR_LLC;
    if (!topo_same_package(t, common))
        return TOPO_PAIR_CROSS_PACKAGE;
    return topo_same_numa(t, cpu_a, cpu_b) ? TOPO_PAIR_NUMA : TOPO_PAIR_PACKAGE;
}

/* The CPUs pairs are drawn from: every allowed PU, or one per core. */
static const int *topo_pair_cpus(const topo *t, int with_smt, int *n)
{
    *n = with_smt ? t->npu : t->ncore;
    return with_smt ? t->pus : t->core_pus;
}

/* First pair (ascending) of class c among cpus[0..n), or 0 if none. */
static int topo_first_pair(const topo *t, const int *cpus, int n, topo_pair_class c, topo_pair *out)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (topo_pair_classify(t, cpus[i], cpus[j]) == c) {
                *out = (topo_pair){cpus[i], cpus[j], c};
                return 1;
            }
    return 0;
}

int topo_representative_pairs(const topo *t, topo_pair *out, int max)
{
    int count = 0;
    for (int c = 0; c < TOPO_PAIR_CLASS_COUNT && count < max; c++) {
        int n;
        const int *cpus = topo_pair_cpus(t, c == TOPO_PAIR_SMT, &n);
        count += topo_first_pair(t, cpus, n, (topo_pair_class)c, &out[count]);
    }
    return count;
}

int topo_all_pairs(const topo *t, int with_smt, topo_pair **out)
{
    int n;
    const int *cpus = topo_pair_cpus(t, with_smt, &n);
    size_t total = n > 1 ? (size_t)n * (size_t)(n - 1) / 2 : 0;
    *out = malloc((total ? total : 1) * sizeof **out);
    if (!*out)
        return 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            (*out)[k++] = (topo_pair){cpus[i], cpus[j], topo_pair_classify(t, cpus[i], cpus[j])};
    return k;
}

/* ------------------------------------------------------------------ */
/* `memprobe topo`                                                     */

/* The allowed part of a cpuset, as a CPU list. */
static void topo_print_obj_cpus(const topo *t, FILE *out, hwloc_const_bitmap_t cpuset)
{
    char buf[1024];
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_bitmap_and(set, cpuset, t->allowed);
    topo_format_cpulist(set, buf, sizeof buf);
    fputs(buf, out);
    hwloc_bitmap_free(set);
}

/* "[0-1] [2-3] ...": the allowed CPUs of each object of a type that has
 * some, wrapped at 78 columns.  For PUs, the objects are their cores. */
static void topo_print_groups(const topo *t, FILE *out, hwloc_obj_type_t type)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_obj_t obj = NULL;
    int col = 0, printed = 0;
    while ((obj = hwloc_get_next_obj_by_type(t->hw, type, obj))) {
        if (type == HWLOC_OBJ_PU && topo_core_of(obj) != obj && topo_core_of(obj)->type == HWLOC_OBJ_CORE)
            continue; /* PUs stand for cores only where hwloc has no cores */
        hwloc_bitmap_and(set, obj->cpuset, t->allowed);
        if (hwloc_bitmap_iszero(set))
            continue;
        char buf[256];
        topo_format_cpulist(set, buf, sizeof buf);
        if (!printed || col + (int)strlen(buf) + 3 > 78) {
            fputs(printed ? "\n   " : "   ", out);
            col = 3;
        }
        col += fprintf(out, " [%s]", buf);
        printed = 1;
    }
    if (printed)
        fputc('\n', out);
    hwloc_bitmap_free(set);
}

static void topo_print_cores(const topo *t, FILE *out)
{
    int has_cores = hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_CORE) > 0;
    fprintf(out, "physical cores: %d (the PUs of each)\n", t->ncore);
    topo_print_groups(t, out, has_cores ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU);
}

/* Caches of one level: count, size, line, sharing, and (when shared) the
 * CPUs of each. */
static void topo_print_cache_level(const topo *t, FILE *out, int level)
{
    hwloc_obj_type_t type = (hwloc_obj_type_t)(HWLOC_OBJ_L1CACHE + level - 1);
    hwloc_obj_t obj = NULL, first = NULL;
    int count = 0, uniform = 1;
    while ((obj = hwloc_get_next_obj_by_type(t->hw, type, obj))) {
        if (!hwloc_bitmap_intersects(obj->cpuset, t->allowed))
            continue;
        if (!first)
            first = obj;
        count++;
        uniform &= obj->attr->cache.size == first->attr->cache.size &&
                   hwloc_bitmap_weight(obj->cpuset) == hwloc_bitmap_weight(first->cpuset);
    }
    if (!first)
        return;
    int sharing = hwloc_bitmap_weight(first->cpuset);
    fprintf(out, "  L%d%s: %d x ", level, first->attr->cache.type == HWLOC_OBJ_CACHE_DATA ? "d" : "", count);
    char size[32];
    fputs(output_bytes_text(size, sizeof size, first->attr->cache.size), out);
    fprintf(out, ", line %u B, %s%d PU%s%s\n", first->attr->cache.linesize,
            sharing > 1 ? "shared by " : "", sharing, sharing > 1 ? "s each:" : " each (private)",
            uniform ? "" : " (not all alike: first shown)");
    if (sharing > 1)
        topo_print_groups(t, out, type);
}

static void topo_print_objs(const topo *t, FILE *out, hwloc_obj_type_t type, const char *label)
{
    hwloc_obj_t obj = NULL;
    while ((obj = hwloc_get_next_obj_by_type(t->hw, type, obj))) {
        if (!hwloc_bitmap_intersects(obj->cpuset, t->allowed))
            continue;
        fprintf(out, "  %s %u: CPUs ", label, obj->os_index);
        topo_print_obj_cpus(t, out, obj->cpuset);
        if (type == HWLOC_OBJ_NUMANODE && obj->attr->numanode.local_memory) {
            char size[32];
            fprintf(out, ", %s", output_bytes_text(size, sizeof size, obj->attr->numanode.local_memory));
        }
        const char *model = hwloc_obj_get_info_by_name(obj, "CPUModel");
        if (model)
            fprintf(out, ", %s", model);
        fputc('\n', out);
    }
}

static void topo_print_pairs(const topo *t, FILE *out)
{
    topo_pair rep[TOPO_PAIR_CLASS_COUNT];
    int nrep = topo_representative_pairs(t, rep, TOPO_PAIR_CLASS_COUNT);
    fprintf(out, "pair classes found (one representative pair each):%s\n", nrep ? "" : " none (one CPU)");
    for (int i = 0; i < nrep; i++)
        fprintf(out, "  %-13s CPUs %d,%d\n", topo_pair_class_name(rep[i].pair_class), rep[i].cpu_a, rep[i].cpu_b);
    fputs("pairs the multi-threaded families use:", out);
    for (int i = 0; i < nrep; i++)
        fprintf(out, " %d,%d (%s)", rep[i].cpu_a, rep[i].cpu_b, topo_pair_class_name(rep[i].pair_class));
    int n = t->ncore;
    int all = n > 1 ? n * (n - 1) / 2 : 0;
    fprintf(out, "%s\n  --c2c-all uses all %d pair%s of cores\n", nrep ? "" : " none", all, all == 1 ? "" : "s");
}

void topo_print(const topo *t, FILE *out)
{
    char buf[1024];
    topo_format_cpulist(t->allowed, buf, sizeof buf);
    fprintf(out, "allowed PUs: %d (%s)\n", t->npu, buf);
    fprintf(out, "SMT: %s\n", topo_has_smt(t) ? "on" : "off");
    topo_print_cores(t, out);
    fprintf(out, "caches (data/unified):%s\n", topo_cache_levels(t) ? "" : " none reported");
    for (int level = 1; level <= topo_cache_levels(t); level++)
        topo_print_cache_level(t, out, level);
    fprintf(out, "NUMA nodes: %d\n", topo_numa_count(t));
    topo_print_objs(t, out, HWLOC_OBJ_NUMANODE, "node");
    fprintf(out, "packages: %d\n", topo_package_count(t));
    topo_print_objs(t, out, HWLOC_OBJ_PACKAGE, "package");
    topo_print_pairs(t, out);
}

/* ------------------------------------------------------------------ */
/* Spread placement                                                    */

typedef struct topo_spread_key {
    int smt_rank;    /* 0 for a core's first allowed PU, 1 for its second, ... */
    int core_rank;   /* the core's place among its NUMA node's cores */
    int node;        /* the NUMA node's place (0 without NUMA nodes) */
    int cpu;
} topo_spread_key;

static int topo_spread_cmp(const void *a, const void *b)
{
    const topo_spread_key *x = a, *y = b;
    if (x->smt_rank != y->smt_rank)
        return x->smt_rank - y->smt_rank;
    if (x->core_rank != y->core_rank)
        return x->core_rank - y->core_rank;
    if (x->node != y->node)
        return x->node - y->node;
    return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

/* The place of cpu's NUMA node among the nodes (0 when none holds it). */
static int topo_node_rank(const topo *t, int cpu)
{
    hwloc_obj_t node = NULL;
    for (int i = 0; (node = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_NUMANODE, node)); i++)
        if (hwloc_bitmap_isset(node->cpuset, (unsigned)cpu))
            return i;
    return 0;
}

/* Allowed PUs before cpu in the same core, and allowed first-PUs of cores
 * of the same NUMA node before cpu's core. */
static void topo_spread_ranks(const topo *t, int cpu, topo_spread_key *k)
{
    hwloc_obj_t core = topo_core_of(topo_pu_obj(t, cpu));
    k->cpu = cpu;
    k->node = topo_node_rank(t, cpu);
    k->smt_rank = 0;
    for (int i = 0; i < t->npu && t->pus[i] < cpu; i++)
        k->smt_rank += hwloc_bitmap_isset(core->cpuset, (unsigned)t->pus[i]);
    int first = hwloc_bitmap_first(core->cpuset);
    k->core_rank = 0;
    for (int i = 0; i < t->ncore; i++) {
        hwloc_obj_t other = topo_core_of(topo_pu_obj(t, t->core_pus[i]));
        if (other != core && topo_node_rank(t, t->core_pus[i]) == k->node &&
            hwloc_bitmap_first(other->cpuset) < first)
            k->core_rank++;
    }
}

int topo_spread_order(const topo *t, int *out, int max)
{
    topo_spread_key *keys = calloc((size_t)(t->npu > 0 ? t->npu : 1), sizeof *keys);
    if (!keys)
        return 0;
    for (int i = 0; i < t->npu; i++)
        topo_spread_ranks(t, t->pus[i], &keys[i]);
    qsort(keys, (size_t)t->npu, sizeof *keys, topo_spread_cmp);
    int n = t->npu < max ? t->npu : max;
    for (int i = 0; i < n; i++)
        out[i] = keys[i].cpu;
    free(keys);
    return n;
}
