/*
 * gcheap.c — the Boehm collector in a family's child process (see gcheap.h):
 * start-up with pinned marker threads, a pinned mutator thread registered
 * with the collector, and both sides of a collected-heap benchmark that runs
 * each batch of iterations in a fresh, identically configured heap.
 */
#include "memprobe/gcheap.h"

#include <gc/gc.h>

#include <dirent.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/child.h"
#include "memprobe/clock.h"
#include "memprobe/measure.h"
#include "memprobe/pin.h"
#include "memprobe/procfs.h"

void gcheap_start(const topo *t, unsigned markers, unsigned long divisor, int incremental)
{
    if (markers)
        GC_set_markers_count(markers);
    if (divisor)
        GC_set_free_space_divisor((GC_word)divisor);
    GC_INIT();
    if (incremental)
        GC_enable_incremental();
    GC_allow_register_threads();
    gcheap_pin_markers(t);
}

/* The name of thread tid of this process (/proc/self/task/tid/comm) into
 * comm.  0, or -1 when the thread is gone. */
static int gcheap_thread_name(const char *tid, char *comm, size_t len)
{
    char path[300];
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", tid);
    return procfs_read_line(path, comm, len);
}

int gcheap_pin_markers(const topo *t)
{
    DIR *d = opendir("/proc/self/task");
    int pinned = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char comm[64] = "";
        if (gcheap_thread_name(e->d_name, comm, sizeof comm) != 0 || strncmp(comm, "GC-marker-", 10) != 0)
            continue;
        int cpu = topo_pu(t, (int)((strtol(comm + 10, NULL, 10) + 1) % topo_pu_count(t)));
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        pinned += sched_setaffinity((pid_t)strtol(e->d_name, NULL, 10), sizeof set, &set) == 0;
    }
    if (d)
        closedir(d);
    return pinned;
}

/* One mutator thread: pinned by pin_group_start, registered with the
 * collector around fn when with_gc is set. */
typedef struct gcheap_mutator {
    void (*fn)(void *arg);
    void *arg;
    int with_gc;
} gcheap_mutator;

static void gcheap_mutator_main(void *arg, int index)
{
    (void)index;
    gcheap_mutator *m = arg;
    struct GC_stack_base sb;
    int registered = m->with_gc && GC_get_stack_base(&sb) == GC_SUCCESS &&
                     GC_register_my_thread(&sb) == GC_SUCCESS;
    m->fn(m->arg);
    if (registered)
        GC_unregister_my_thread();
}

int gcheap_run_mutator(const topo *t, int cpu, int with_gc, void (*fn)(void *), void *arg, double timeout_s,
                       char *err, size_t errlen)
{
    gcheap_mutator m = {.fn = fn, .arg = arg, .with_gc = with_gc};
    void *args[1] = {&m};
    pin_group *g = pin_group_start(t, 1, &cpu, gcheap_mutator_main, args, err, errlen);
    if (!g)
        return -1;
    int rc = pin_group_join(g, timeout_s, err, errlen);
    pin_group_free(g);
    return rc;
}

int gcheap_mutator_abandoned(void)
{
    const _Atomic int *flag = pin_current_abandon_flag();
    return flag && atomic_load_explicit(flag, memory_order_acquire);
}

/* ---- collected-heap benchmarks in a fresh child per run ---- */

#define GCHEAP_BENCH_TIMEOUT_S 120.0
#define GCHEAP_PREFAULT_CHUNK (64u << 10)
#define GCHEAP_PREFAULT_MAX (GCHEAP_BENCH_HEAP_BYTES / GCHEAP_PREFAULT_CHUNK)

#define GCHEAP_BENCH_MIN_ITERATIONS 64

void gcheap_bench_register(const bench_config *cfg, const char *name, cbench_fn fn, void *user,
                           const int64_t *sizes, size_t n, int64_t max_size)
{
    static const char *const names[] = {"size"};
    for (size_t i = 0; i < n; i++) {
        if (sizes[i] <= 0 || (max_size > 0 && sizes[i] > max_size))
            continue;
        cbench_bench *b = cbench_register(name, fn, user);
        if (!b)
            return;
        int64_t iterations = (int64_t)(GCHEAP_BENCH_RUN_BYTES / (unsigned long long)sizes[i]);
        cbench_arg_names(b, names, 1);
        cbench_arg(b, sizes[i]);
        cbench_use_manual_time(b);
        measure_fixed_work_repetitions(b, cfg);
        cbench_iterations(b, iterations > GCHEAP_BENCH_MIN_ITERATIONS ? iterations : GCHEAP_BENCH_MIN_ITERATIONS);
    }
}

void gcheap_bench_run(cbench_state *st, const char *family, const topo *t, const char *variant, size_t size,
                      size_t line)
{
    static const char *const counters[] = {"gc_heap_start_bytes", "gc_heap_bytes", "gc_collections", "gc_markers"};
    char args[4][80];
    const char *argv[4] = {args[0], args[1], args[2], args[3]};
    int nargs = 3;
    snprintf(args[0], sizeof args[0], "variant=%s", variant);
    snprintf(args[1], sizeof args[1], "size=%zu", size);
    snprintf(args[2], sizeof args[2], "line=%zu", line);
    if (t) {
        snprintf(args[nargs++], sizeof args[3], "cpus=%d", topo_pu(t, 0));
        cbench_tag(st, "cpus", args[3] + 5);
    }
    cbench_no_self_counters(st);   /* the work is the child's, not this thread's */
    char *out;
    const char *result = child_run_batched(st, family, argv, nargs, GCHEAP_BENCH_TIMEOUT_S, "ns", &out);
    if (!result)
        return;
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
        double v;
        if (child_kv(result, counters[i], &v))
            cbench_counter(st, counters[i], v, CBENCH_COUNTER_PLAIN);
    }
    double cpu_ns;
    if (child_kv(result, "cpu_ns", &cpu_ns))   /* the child's last batch: per iteration of it */
        cbench_counter(st, "mutator_cpu_ns", cpu_ns, CBENCH_COUNTER_AVG_ITER);
    double errors = 1;
    child_kv(result, "checksum_errors", &errors);
    measure_report_checksum(st, errors == 0 ? 0 : 1, 0);
    free(out);
}

int gcheap_bench_parse(int argc, char **argv, const char *const *variants, int n, gcheap_bench_args *out)
{
    unsigned long long size, line;
    if (child_arg_choice(argc, argv, "variant", variants, n, &out->variant) ||
        child_arg_size(argc, argv, "size", 64, 1, 1ull << 30, &size) ||
        child_arg_size(argc, argv, "line", 64, 8, 4096, &line))
        return -1;
    out->size = (size_t)size;
    out->line = (size_t)line;
    return 0;
}

/* One child's run. */
typedef struct gcheap_bench_job {
    const gcheap_bench_ops *ops;
    uint64_t iterations, ns, cpu_ns;
    size_t heap_start, heap_end;
    unsigned long collections;
    int checksum_errors;
} gcheap_bench_job;

/* The first pass over a fresh heap takes a page fault per page, which would
 * be the kernel's cost inside the allocator's: touch every page of the heap
 * once (pointer-free chunks, held while the collector is off), then let
 * them go and collect, so the run starts with the configured heap all
 * present and all free. */
static void *gcheap_prefault_held[GCHEAP_PREFAULT_MAX];

static void gcheap_bench_prefault(void)
{
    size_t n = 0;
    GC_disable();
    while (n < GCHEAP_PREFAULT_MAX && GC_get_free_bytes() >= 2 * GCHEAP_PREFAULT_CHUNK) {
        unsigned char *p = GC_MALLOC_ATOMIC(GCHEAP_PREFAULT_CHUNK);
        if (!p)
            break;
        memset(p, 0xa5, GCHEAP_PREFAULT_CHUNK);
        gcheap_prefault_held[n++] = p;
    }
    GC_enable();
    memset(gcheap_prefault_held, 0, sizeof gcheap_prefault_held);
    GC_gcollect();
}

static void gcheap_bench_mutator(void *arg)
{
    gcheap_bench_job *j = arg;
    const gcheap_bench_ops *ops = j->ops;
    gcheap_bench_prefault();
    j->heap_start = GC_get_heap_size();
    if (ops->setup)
        ops->setup(ops->arg);
    GC_word gc0 = GC_get_gc_no();
    unsigned long long c0 = child_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t t0 = clock_now_ns();
    uint64_t checksum = ops->loop(ops->arg, j->iterations);
    j->ns = clock_now_ns() - t0;
    j->cpu_ns = child_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    j->collections = (unsigned long)(GC_get_gc_no() - gc0);
    j->heap_end = GC_get_heap_size();
    j->checksum_errors = ops->check(ops->arg, j->iterations, checksum) != 0;
}

int gcheap_bench_child(int argc, char **argv, const char *family, const gcheap_bench_ops *ops)
{
    unsigned long long iterations;
    if (child_arg_size(argc, argv, "iterations", 1, 1, 1ull << 40, &iterations))
        return 2;
    topo *t = child_arg_topo(argc, argv, family);
    if (!t)
        return 2;
    child_limit_memory(4 * GCHEAP_BENCH_HEAP_BYTES + (512ull << 20));
    gcheap_start(t, GCHEAP_BENCH_MARKERS, 0, 0);
    size_t have = GC_get_heap_size();
    if (have < GCHEAP_BENCH_HEAP_BYTES)
        GC_expand_hp((size_t)GCHEAP_BENCH_HEAP_BYTES - have);
    gcheap_bench_job j = {.ops = ops, .iterations = iterations};
    char err[512];
    int rc = gcheap_run_mutator(t, topo_pu(t, 0), 1, gcheap_bench_mutator, &j, GCHEAP_BENCH_TIMEOUT_S - 10, err,
                                sizeof err);
    topo_free(t);
    if (rc != 0) {
        fprintf(stderr, "__child %s: %s\n", family, err);
        return 1;
    }
    printf("result ns=%llu cpu_ns=%llu iterations=%llu gc_heap_start_bytes=%zu gc_heap_bytes=%zu"
           " gc_collections=%lu gc_markers=%d checksum_errors=%d\n",
           (unsigned long long)j.ns, (unsigned long long)j.cpu_ns, iterations, j.heap_start, j.heap_end,
           j.collections, GC_get_parallel() + 1, j.checksum_errors);
    return 0;
}
