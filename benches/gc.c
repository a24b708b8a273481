/*
 * gc.c — the "gc" family: what a tracing garbage collector costs.
 *
 * The explainer claims a collector "briefly pauses your application ...
 * generally less than a millisecond" and that under heavy allocation it
 * "will start stealing your actual CPU cores".  We measure both with the
 * Boehm–Demers–Weiser collector (libgc) against glibc malloc/free running
 * the same workload: a live set of L bytes of linked, pointer-rich objects
 * stays reachable while garbage objects of a chosen size are allocated at
 * full speed (optionally with some mutator work between allocations).
 *
 * Every configuration runs in a fresh child process (`memprobe __child gc
 * key=value...`) because the marker count and incremental mode are per
 * process and must precede GC_INIT.  In the child, a collection-event
 * callback stores (event, timestamp) pairs into a preallocated log (no
 * allocation, no I/O); afterwards the log becomes one pause per
 * stop-the-world (PRE_STOP_WORLD .. POST_START_WORLD) with its mark time
 * (MARK_START .. MARK_END) and the collection around it (START .. END).
 * The child prints one "pause" line per pause and one "result" line; the
 * parent reports the result through cbench (manual time = mutator wall
 * time) and writes the pauses into gc_pauses.csv.
 *
 * libgc sweeps lazily: reclaiming happens inside later allocations, outside
 * the pauses, so the collector's full cost shows in the throughput
 * (allocs_per_second against gc/malloc), not in the pauses alone.
 *
 * gc_cpu_fraction's exact scope: the time inside the collector's event
 * windows (START..END of each collection; outside one, each stop-the-world
 * pause and each RECLAIM_START..RECLAIM_END) over the loop's wall time.  It
 * leaves out what libgc does in small steps inside allocations, which no
 * event brackets: lazy sweeping (both modes) and, in incremental mode, the
 * marking steps between the first attempt at a world-stopped mark and the
 * final one.  throughput_vs_malloc (against the median of the malloc
 * baseline's repetitions) includes everything.
 */
#include <gc/gc.h>

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/child.h"
#include "memprobe/clock.h"
#include "memprobe/gcheap.h"
#include "memprobe/output.h"
#include "memprobe/stats.h"
#include "memprobe/topo.h"

#define GC_MIB (1024ull * 1024ull)

/* ====================================================================== */
/* The collection-event recorder (child process, and tests)               */
/* ====================================================================== */

typedef struct gc_event {
    uint64_t t_ns;   /* clock_now_ns() when the collector reported it */
    int type;        /* GC_EventType */
} gc_event;

static gc_event *gc_event_log;          /* malloc'd: not scanned by the collector */
static size_t gc_event_cap;
static atomic_size_t gc_event_count;    /* events offered while armed (some may be dropped) */
static atomic_size_t gc_marks_seen;     /* MARK_END events while armed */
static atomic_int gc_recorder_armed;

/* The collector calls this with its lock held: store and return. */
static void GC_CALLBACK gc_recorder_on_event(GC_EventType type)
{
    if (!atomic_load_explicit(&gc_recorder_armed, memory_order_relaxed))
        return;
    uint64_t now = clock_now_ns();
    size_t i = atomic_fetch_add_explicit(&gc_event_count, 1, memory_order_relaxed);
    if (i < gc_event_cap) {
        gc_event_log[i].t_ns = now;
        gc_event_log[i].type = (int)type;
    }
    if (type == GC_EVENT_MARK_END)
        atomic_fetch_add_explicit(&gc_marks_seen, 1, memory_order_relaxed);
}

/* Preallocate room for cap events and install the callback (after GC_INIT).
 * The recorder starts disarmed.  0, or -1 when out of memory. */
static int gc_recorder_init(size_t cap)
{
    free(gc_event_log);
    gc_event_log = calloc(cap, sizeof *gc_event_log);
    gc_event_cap = gc_event_log ? cap : 0;
    atomic_store(&gc_event_count, 0);
    atomic_store(&gc_marks_seen, 0);
    atomic_store(&gc_recorder_armed, 0);
    GC_set_on_collection_event(gc_recorder_on_event);
    return gc_event_log ? 0 : -1;
}

static void gc_recorder_arm(int on)
{
    atomic_store_explicit(&gc_recorder_armed, on, memory_order_seq_cst);
}

/* Events stored (at most the capacity) and events dropped for lack of room. */
static size_t gc_recorder_stored(void)
{
    size_t n = atomic_load(&gc_event_count);
    return n < gc_event_cap ? n : gc_event_cap;
}

static size_t gc_recorder_dropped(void)
{
    return atomic_load(&gc_event_count) - gc_recorder_stored();
}

/* ====================================================================== */
/* From events to pauses                                                  */
/* ====================================================================== */

typedef struct gc_pause {
    uint64_t start_ns;       /* PRE_STOP_WORLD timestamp */
    uint64_t pause_ns;       /* PRE_STOP_WORLD .. POST_START_WORLD */
    int64_t mark_ns;         /* MARK_START .. MARK_END inside the pause; -1 if none */
    int64_t collection_ns;   /* START .. END of the collection around it; -1 if none */
} gc_pause;

typedef struct gc_totals {
    size_t pauses;           /* complete stop-the-world pauses */
    size_t collections;      /* completed mark phases (MARK_END) */
    uint64_t collector_ns;   /* time the collector held the triggering thread */
    uint64_t mark_ns;        /* sum of mark phases */
} gc_totals;

/* The state of the walk through the event log. */
typedef struct gc_walk {
    uint64_t collection_start, stop_start, mark_start, reclaim_start;
    int in_collection, in_pause, in_mark, in_reclaim;
    int64_t pause_mark_ns;
    size_t first_pause_of_collection;
} gc_walk;

/* A pause ends: append it (room permitting) and count it. */
static void gc_walk_end_pause(gc_walk *w, uint64_t t, gc_pause *out, size_t max, gc_totals *tot)
{
    if (!w->in_pause)
        return;
    w->in_pause = 0;
    if (tot->pauses < max)
        out[tot->pauses] = (gc_pause){.start_ns = w->stop_start, .pause_ns = t - w->stop_start,
                                      .mark_ns = w->pause_mark_ns, .collection_ns = -1};
    tot->pauses++;
    if (!w->in_collection)
        tot->collector_ns += t - w->stop_start;
}

/* A collection (START .. END) ends: its duration goes to every pause inside it. */
static void gc_walk_end_collection(gc_walk *w, uint64_t t, gc_pause *out, size_t max, gc_totals *tot)
{
    if (!w->in_collection)
        return;
    w->in_collection = 0;
    uint64_t d = t - w->collection_start;
    tot->collector_ns += d;
    for (size_t i = w->first_pause_of_collection; i < tot->pauses && i < max; i++)
        out[i].collection_ns = (int64_t)d;
}

/* Turn n events into pauses (at most max stored in out) and totals.
 * Collector time is START..END for whole collections, plus any pause or
 * reclaim phase that happens outside one (incremental mode reports those
 * without START/END).  Returns the number of pauses stored. */
static size_t gc_pauses_from_events(const gc_event *ev, size_t n, gc_pause *out, size_t max, gc_totals *tot)
{
    gc_walk w = {0};
    *tot = (gc_totals){0};
    for (size_t i = 0; i < n; i++) {
        uint64_t t = ev[i].t_ns;
        switch (ev[i].type) {
        case GC_EVENT_START:
            w.in_collection = 1;
            w.collection_start = t;
            w.first_pause_of_collection = tot->pauses;
            break;
        case GC_EVENT_END:
            gc_walk_end_collection(&w, t, out, max, tot);
            break;
        case GC_EVENT_PRE_STOP_WORLD:
            w.in_pause = 1;
            w.stop_start = t;
            w.pause_mark_ns = -1;
            break;
        case GC_EVENT_POST_START_WORLD:
            gc_walk_end_pause(&w, t, out, max, tot);
            break;
        case GC_EVENT_MARK_START:
            w.in_mark = 1;
            w.mark_start = t;
            break;
        case GC_EVENT_MARK_END:
            if (!w.in_mark)
                break;
            w.in_mark = 0;
            tot->collections++;
            tot->mark_ns += t - w.mark_start;
            if (w.in_pause)
                w.pause_mark_ns = (int64_t)(t - w.mark_start);
            break;
        case GC_EVENT_RECLAIM_START:
            w.in_reclaim = 1;
            w.reclaim_start = t;
            break;
        case GC_EVENT_RECLAIM_END:
            if (w.in_reclaim && !w.in_collection)
                tot->collector_ns += t - w.reclaim_start;
            w.in_reclaim = 0;
            break;
        default:
            break;
        }
    }
    return tot->pauses < max ? tot->pauses : max;
}

/* ====================================================================== */
/* The workload (child process)                                           */
/* ====================================================================== */

/* A pointer-rich object: two child links, then payload words. */
typedef struct gc_node {
    struct gc_node *left;
    struct gc_node *right;
    uint64_t payload[];
} gc_node;

#define GC_RING 64          /* short-lived objects kept for a moment (power of 2) */
#define GC_BATCH 256        /* allocations between clock reads */
#define GC_COLLECTION_PATIENCE 10   /* how much longer than max_ms to wait for min_collections */
#define GC_PATIENCE_FLOOR_NS 60000000000ull   /* ... but at least 60 s (a TSan build on a loaded machine) */
#define GC_EVENT_CAP (1u << 18)

enum gc_heap { GC_HEAP_COLLECTED, GC_HEAP_MALLOC };
static const char *const gc_heap_names[] = {"gc", "malloc"};

/* One child run: its parameters and what it measured. */
typedef struct gc_job {
    int heap;                       /* enum gc_heap */
    unsigned long long live, object, work;
    unsigned long long min_ns, max_ns, min_collections;
    /* results */
    unsigned long long live_objects, build_ns, allocs, wall_ns;
    unsigned long long mutator_cpu_ns, process_cpu_ns, heap_bytes, gc_no_delta;
    uint64_t t0_ns;
    const char *error;
} gc_job;

/* The live set's root: a global, so the collector sees it as reachable. */
static gc_node *gc_live_root;

static gc_node *gc_alloc(const gc_job *j)
{
    return j->heap == GC_HEAP_COLLECTED ? GC_MALLOC(j->object) : malloc(j->object);
}

/* Mutator work between allocations: a dependent xorshift chain. */
static uint64_t gc_work(uint64_t x, unsigned long long rounds)
{
    for (unsigned long long r = 0; r < rounds; r++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

static void gc_fill(gc_node *o, size_t words, uint64_t x)
{
    for (size_t w = 0; w < words; w++)
        o->payload[w] = x + w;
}

/* Build a binary tree of n nodes depth first (the shape of GCBench's live
 * data: marking follows real pointers, the mark stack stays log n deep).
 * *x is the payload generator.  NULL (and j->error) when out of memory. */
static gc_node *gc_build_tree(gc_job *j, size_t n, size_t words, uint64_t *x)
{
    if (n == 0 || j->error)
        return NULL;
    gc_node *o = gc_alloc(j);
    if (!o) {
        j->error = "out of memory while building the live set";
        return NULL;
    }
    *x = gc_work(*x, 1);
    gc_fill(o, words, *x);
    j->live_objects++;
    size_t rest = n - 1;
    o->left = gc_build_tree(j, rest / 2, words, x);
    o->right = gc_build_tree(j, rest - rest / 2, words, x);
    return o;
}

/* Build the live set of live/object nodes; the collector stays off meanwhile. */
static gc_node *gc_build_live(gc_job *j)
{
    size_t n = j->live / j->object ? j->live / j->object : 1;
    size_t words = (j->object - sizeof(gc_node)) / sizeof(uint64_t);
    uint64_t x = 88172645463325252ull;
    gc_live_root = gc_build_tree(j, n, words, &x);
    return gc_live_root;
}

static void gc_free_tree(gc_node *o)
{
    if (!o)
        return;
    gc_free_tree(o->left);
    gc_free_tree(o->right);
    free(o);
}

/* Should the garbage loop stop now?  Once min_ns and min_collections are
 * both reached (within max_ns on a machine as fast as intended).  A
 * collected heap still short of min_collections at max_ns (a slow or busy
 * machine, a sanitizer build) goes on for them, up to
 * gc_patience_ns: a run without its collections
 * measures no pauses. */
static uint64_t gc_patience_ns(const gc_job *j)
{
    uint64_t patience = GC_COLLECTION_PATIENCE * j->max_ns;
    return patience > GC_PATIENCE_FLOOR_NS ? patience : GC_PATIENCE_FLOOR_NS;
}

static int gc_churn_done(const gc_job *j, uint64_t elapsed)
{
    if (gcheap_mutator_abandoned() || j->error || elapsed >= gc_patience_ns(j))
        return 1;
    int collected = j->heap == GC_HEAP_MALLOC || atomic_load(&gc_marks_seen) >= j->min_collections;
    return collected && elapsed >= j->min_ns;
}

/* Allocate garbage at full speed: each object is filled, points into the
 * live set, and lives in a small ring until GC_RING later allocations
 * replace it (malloc: then it is freed; gc: then it is garbage). */
static void gc_churn(gc_job *j, gc_node *live)
{
    gc_node *ring[GC_RING] = {0};
    size_t words = (j->object - sizeof(gc_node)) / sizeof(uint64_t);
    uint64_t x = 0x9E3779B97F4A7C15ull, elapsed = 0;
    unsigned long long allocs = 0;
    j->t0_ns = clock_now_ns();
    while (!gc_churn_done(j, elapsed)) {
        for (int k = 0; k < GC_BATCH; k++) {
            gc_node *o = gc_alloc(j);
            if (!o) {
                j->error = "out of memory while allocating garbage";
                break;
            }
            x = gc_work(x, j->work) + 1;
            o->left = live;
            o->right = NULL;
            gc_fill(o, words, x);
            size_t slot = allocs++ & (GC_RING - 1);
            if (j->heap == GC_HEAP_MALLOC)
                free(ring[slot]);
            ring[slot] = o;
        }
        cbench_escape(ring);
        elapsed = clock_now_ns() - j->t0_ns;
    }
    j->wall_ns = elapsed;
    j->allocs = allocs;
    if (j->heap == GC_HEAP_MALLOC)
        for (int s = 0; s < GC_RING; s++)
            free(ring[s]);
}

/* The mutator thread: build, settle, then allocate garbage while recording. */
static void gc_mutator(void *arg)
{
    gc_job *j = arg;
    uint64_t b0 = clock_now_ns();
    if (j->heap == GC_HEAP_COLLECTED)
        GC_disable();
    gc_node *live = gc_build_live(j);
    if (j->heap == GC_HEAP_COLLECTED) {
        GC_enable();
        GC_gcollect();   /* settle the heap size around the live set, unrecorded */
    }
    j->build_ns = clock_now_ns() - b0;
    GC_word gc_no0 = j->heap == GC_HEAP_COLLECTED ? GC_get_gc_no() : 0;
    unsigned long long p0 = child_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    unsigned long long m0 = child_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    gc_recorder_arm(j->heap == GC_HEAP_COLLECTED);
    if (!j->error)
        gc_churn(j, live);
    gc_recorder_arm(0);
    j->mutator_cpu_ns = child_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - m0;
    j->process_cpu_ns = child_cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - p0;
    if (j->heap == GC_HEAP_COLLECTED) {
        j->gc_no_delta = GC_get_gc_no() - gc_no0;
        j->heap_bytes = GC_get_heap_size();
    } else {
        gc_free_tree(live);
    }
    gc_live_root = NULL;
}

/* Print the pauses and the result line (the protocol the parent parses). */
static void gc_child_report(const gc_job *j)
{
    size_t n = gc_recorder_stored();
    gc_pause *pauses = calloc(n / 2 + 1, sizeof *pauses);
    gc_totals tot = {0};
    size_t stored = pauses ? gc_pauses_from_events(gc_event_log, n, pauses, n / 2 + 1, &tot) : 0;
    for (size_t i = 0; i < stored; i++) {
        printf("pause i=%zu start_ns=%llu pause_ns=%llu", i,
               (unsigned long long)(pauses[i].start_ns - j->t0_ns), (unsigned long long)pauses[i].pause_ns);
        if (pauses[i].mark_ns >= 0)
            printf(" mark_ns=%lld", (long long)pauses[i].mark_ns);
        if (pauses[i].collection_ns >= 0)
            printf(" collection_ns=%lld", (long long)pauses[i].collection_ns);
        putchar('\n');
    }
    printf("result heap=%s allocs=%llu wall_ns=%llu mutator_cpu_ns=%llu process_cpu_ns=%llu build_ns=%llu"
           " live_objects=%llu collections=%zu pauses=%zu collector_ns=%llu mark_ns=%llu heap_bytes=%llu"
           " gc_no_delta=%llu events_dropped=%zu markers_running=%d incremental_mode=%d\n",
           gc_heap_names[j->heap], j->allocs, j->wall_ns, j->mutator_cpu_ns, j->process_cpu_ns, j->build_ns,
           j->live_objects, tot.collections, tot.pauses, (unsigned long long)tot.collector_ns,
           (unsigned long long)tot.mark_ns, j->heap_bytes, j->gc_no_delta, gc_recorder_dropped(),
           j->heap == GC_HEAP_COLLECTED ? GC_get_parallel() + 1 : 0,
           j->heap == GC_HEAP_COLLECTED ? GC_is_incremental_mode() : 0);
    free(pauses);
}

/* Parse the child's arguments into job, markers, divisor, incremental. */
static int gc_child_args(int argc, char **argv, gc_job *j, unsigned long long *markers,
                         unsigned long long *divisor, unsigned long long *incremental)
{
    unsigned long long min_ms, max_ms;
    if (child_arg_choice(argc, argv, "heap", gc_heap_names, 2, &j->heap) ||
        child_arg_size(argc, argv, "live", GC_MIB, 0, 1ull << 40, &j->live) ||
        child_arg_size(argc, argv, "object", 64, sizeof(gc_node), 1ull << 20, &j->object) ||
        child_arg_size(argc, argv, "work", 0, 0, 1ull << 20, &j->work) ||
        child_arg_size(argc, argv, "divisor", 3, 1, 1000, divisor) ||
        child_arg_size(argc, argv, "markers", 1, 1, 1024, markers) ||
        child_arg_size(argc, argv, "incremental", 0, 0, 1, incremental) ||
        child_arg_size(argc, argv, "min_ms", 200, 1, 600000, &min_ms) ||
        child_arg_size(argc, argv, "max_ms", 1000, 1, 600000, &max_ms) ||
        child_arg_size(argc, argv, "min_collections", 2, 0, 1000000, &j->min_collections))
        return -1;
    j->min_ns = min_ms * 1000000ull;
    j->max_ns = (max_ms > min_ms ? max_ms : min_ms) * 1000000ull;
    return 0;
}

/* `memprobe __child gc heap=gc|malloc live=BYTES object=BYTES work=N
 *  divisor=N markers=N incremental=0|1 min_ms=N max_ms=N min_collections=N
 *  cpus=LIST` */
static int gc_child_main(int argc, char **argv)
{
    gc_job j = {0};
    unsigned long long markers, divisor, incremental;
    if (gc_child_args(argc, argv, &j, &markers, &divisor, &incremental))
        return 2;
    topo *t = child_start(argc, argv, "gc", 4 * j.live + 512 * GC_MIB);
    if (!t)
        return 2;
    if (j.heap == GC_HEAP_COLLECTED) {
        gcheap_start(t, (unsigned)markers, (unsigned long)divisor, (int)incremental);
        if (gc_recorder_init(GC_EVENT_CAP) != 0) {
            fprintf(stderr, "__child gc: out of memory for the event log\n");
            topo_free(t);
            return 1;
        }
    }
    char err[512];
    double timeout_s = 60.0 + (double)gc_patience_ns(&j) * 1e-9 + (double)j.live / (8.0 * GC_MIB);
    int rc = gcheap_run_mutator(t, topo_pu(t, 0), j.heap == GC_HEAP_COLLECTED, gc_mutator, &j, timeout_s,
                                 err, sizeof err);
    topo_free(t);
    if (rc != 0 || j.error) {
        fprintf(stderr, "__child gc: %s\n", rc != 0 ? err : j.error);
        return 1;
    }
    gc_child_report(&j);
    return 0;
}

/* ====================================================================== */
/* The parent: registration and the benchmark function                    */
/* ====================================================================== */

/* One configuration: the argument tuple of a gc/collected instance (a
 * gc/malloc instance uses live, object and work only). */
typedef struct gc_case {
    int64_t live, object, divisor, markers, incremental, work;
} gc_case;

typedef struct gc_variant {
    const char *name;   /* "gc/collected" */
    int heap;           /* enum gc_heap */
} gc_variant;

static const gc_variant gc_variant_collected = {"gc/collected", GC_HEAP_COLLECTED};
static const gc_variant gc_variant_malloc = {"gc/malloc", GC_HEAP_MALLOC};

static const char *const gc_collected_args[] = {"live_bytes", "object_bytes", "divisor",
                                                "markers", "incremental", "work_per_alloc"};
static const char *const gc_malloc_args[] = {"live_bytes", "object_bytes", "work_per_alloc"};

#define GC_BASELINE_RUNS 512

/* What the benchmark function needs from the run's configuration. */
static struct {
    const topo *topo;
    int quick;
    int repetitions;         /* of the live sets below GC_BIG_LIVE (fixed work) */
    char cpus[256];          /* allowed CPUs, passed to the child */
    struct gc_baseline {     /* allocs/s of every gc/malloc run (each repetition) so far */
        int64_t live, object, work;
        double allocs_per_s;
    } baseline[GC_BASELINE_RUNS];
    int baselines;
} gc_run;

/* Live sets from this size on run once per run (not --repetitions times):
 * each run still yields several pauses, and a 1 GiB run takes ~20 s here. */
#define GC_BIG_LIVE (256 * (int64_t)GC_MIB)
/* The malloc baseline stops at this live set: building 1 GiB of small
 * objects costs ~9 s here and malloc's throughput hardly depends on it. */
#define GC_BASELINE_MAX (256 * (int64_t)GC_MIB)

#define GC_CHILD_ARGS 11
#define GC_CHILD_ARG_LEN 300

/* The case's arguments as passed to the child, the timing bounds and the
 * CPUs; buf holds the strings argv points to.  Returns the count. */
static int gc_child_argv(const gc_case *c, int heap, char buf[][GC_CHILD_ARG_LEN], const char **argv)
{
    int quick = gc_run.quick;
    snprintf(buf[0], GC_CHILD_ARG_LEN, "heap=%s", gc_heap_names[heap]);
    snprintf(buf[1], GC_CHILD_ARG_LEN, "live=%lld", (long long)c->live);
    snprintf(buf[2], GC_CHILD_ARG_LEN, "object=%lld", (long long)c->object);
    snprintf(buf[3], GC_CHILD_ARG_LEN, "work=%lld", (long long)c->work);
    snprintf(buf[4], GC_CHILD_ARG_LEN, "divisor=%lld", (long long)c->divisor);
    snprintf(buf[5], GC_CHILD_ARG_LEN, "markers=%lld", (long long)c->markers);
    snprintf(buf[6], GC_CHILD_ARG_LEN, "incremental=%lld", (long long)c->incremental);
    /* at least min_ms and min_collections, at most max_ms: a 1 GiB live set
     * needs ~4 s of allocation per collection here (lazy sweeping of a full
     * heap slows allocation), so the limit grows with the live set */
    long long live_mib = (long long)(c->live / (int64_t)GC_MIB);
    snprintf(buf[7], GC_CHILD_ARG_LEN, "min_ms=150");
    snprintf(buf[8], GC_CHILD_ARG_LEN, "max_ms=%lld", quick ? 600 : 3000 + 10 * live_mib);
    snprintf(buf[9], GC_CHILD_ARG_LEN, "min_collections=%d", quick || c->live >= GC_BIG_LIVE ? 2 : 3);
    snprintf(buf[10], GC_CHILD_ARG_LEN, "cpus=%s", gc_run.cpus);
    for (int i = 0; i < GC_CHILD_ARGS; i++)
        argv[i] = buf[i];
    return GC_CHILD_ARGS;
}

/* The case of the running instance (its arguments in registration order). */
static gc_case gc_case_of(const cbench_state *st, int heap)
{
    gc_case c = {.divisor = 3, .markers = 1};
    c.live = cbench_range(st, 0);
    c.object = cbench_range(st, 1);
    if (heap == GC_HEAP_MALLOC) {
        c.work = cbench_range(st, 2);
    } else {
        c.divisor = cbench_range(st, 2);
        c.markers = cbench_range(st, 3);
        c.incremental = cbench_range(st, 4);
        c.work = cbench_range(st, 5);
    }
    return c;
}

/* The CPUs a case runs on ("0" or "0,1"): the mutator's, then the markers'. */
static void gc_case_cpus(const gc_case *c, char *buf, size_t len, const char **pair_class)
{
    int n = (int)c->markers < topo_pu_count(gc_run.topo) ? (int)c->markers : topo_pu_count(gc_run.topo);
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%d", i ? "," : "", topo_pu(gc_run.topo, i));
    *pair_class = n > 1 ? topo_pair_class_name(topo_pair_classify(gc_run.topo, topo_pu(gc_run.topo, 0),
                                                                  topo_pu(gc_run.topo, 1)))
                        : NULL;
}

/* allocs/s of the gc/malloc runs with c's live set, object size and work:
 * the median of their repetitions (NaN if none ran). */
static double gc_baseline_find(const gc_case *c)
{
    double rates[GC_BASELINE_RUNS];
    size_t n = 0;
    for (int i = 0; i < gc_run.baselines; i++) {
        const struct gc_baseline *b = &gc_run.baseline[i];
        if (b->live == c->live && b->object == c->object && b->work == c->work)
            rates[n++] = b->allocs_per_s;
    }
    return n ? stats_median(rates, n) : NAN;
}

static void gc_baseline_store(const gc_case *c, double allocs_per_s)
{
    if (gc_run.baselines < GC_BASELINE_RUNS)
        gc_run.baseline[gc_run.baselines++] =
            (struct gc_baseline){.live = c->live, .object = c->object, .work = c->work, .allocs_per_s = allocs_per_s};
}

/* A nanosecond count as a whole number; NaN (not measured) leaves it empty. */
static void gc_set_ns(output_table *t, const char *column, double ns)
{
    if (!isnan(ns))
        output_table_set_int(t, column, (long long)ns);
}

/* Write one gc_pauses.csv row per "pause" line of the child's output. */
static void gc_write_pauses(const char *out, const char *bench, const gc_case *c, const char *cpus, int rep)
{
    static const char *const columns[] = {
        "benchmark", "heap", "live_bytes", "object_bytes", "divisor", "markers", "incremental",
        "work_per_alloc", "cpus", "repetition", "pause", "start_ms", "pause_ns", "mark_ns", "collection_ns"};
    output_table *t = output_table_get("gc_pauses.csv");
    output_table_columns(t, columns, (int)(sizeof columns / sizeof *columns));
    for (const char *p = child_line(out, "pause"); p; p = child_next_line(p)) {
        double i = NAN, start = NAN, pause = NAN, mark = NAN, coll = NAN;
        if (strncmp(p, "pause ", 6) != 0 || !child_kv(p, "i", &i) || !child_kv(p, "start_ns", &start) ||
            !child_kv(p, "pause_ns", &pause))
            continue;
        child_kv(p, "mark_ns", &mark);
        child_kv(p, "collection_ns", &coll);
        output_table_row(t);
        output_table_set_str(t, "benchmark", bench);
        output_table_set_str(t, "heap", "gc");
        output_table_set_int(t, "live_bytes", c->live);
        output_table_set_int(t, "object_bytes", c->object);
        output_table_set_int(t, "divisor", c->divisor);
        output_table_set_int(t, "markers", c->markers);
        output_table_set_int(t, "incremental", c->incremental);
        output_table_set_int(t, "work_per_alloc", c->work);
        output_table_set_str(t, "cpus", cpus);
        output_table_set_int(t, "repetition", rep);
        output_table_set_int(t, "pause", (long long)i);
        output_table_set_num(t, "start_ms", start / 1e6);
        gc_set_ns(t, "pause_ns", pause);
        gc_set_ns(t, "mark_ns", mark);
        gc_set_ns(t, "collection_ns", coll);
        output_table_set_str(t, "runtime", "c");   /* Go's pauses share this file with runtime=go */
    }
}

/* Report the result line's numbers as user counters. */
static void gc_report(cbench_state *st, const char *out, const char *result, const gc_case *c, int heap)
{
    double allocs = 0, wall = 1, proc_cpu = 0, heap_bytes = NAN, coll = 0, collector = 0, mark = 0, build = 0;
    child_kv(result, "allocs", &allocs);
    child_kv(result, "wall_ns", &wall);
    child_kv(result, "process_cpu_ns", &proc_cpu);
    child_kv(result, "build_ns", &build);
    double rate = allocs / (wall * 1e-9);
    cbench_set_items_processed(st, (int64_t)allocs);
    cbench_set_bytes_processed(st, (int64_t)(allocs * (double)c->object));
    cbench_counter(st, "allocs_per_second", rate, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "cpu_per_wall", proc_cpu / wall, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "build_s", build * 1e-9, CBENCH_COUNTER_PLAIN);
    if (heap == GC_HEAP_MALLOC) {
        gc_baseline_store(c, rate);
        return;
    }
    child_kv(result, "heap_bytes", &heap_bytes);
    child_kv(result, "collections", &coll);
    child_kv(result, "collector_ns", &collector);
    child_kv(result, "mark_ns", &mark);
    static const char *const pause_key[] = {"pause_ns"};
    double *p;
    size_t n = child_columns(out, "pause", pause_key, 1, &p);
    cbench_counter(st, "collections", coll, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "pauses", (double)n, CBENCH_COUNTER_PLAIN);
    if (p && n) {
        cbench_counter(st, "pause_p50_ns", stats_percentile(p, n, 50), CBENCH_COUNTER_PLAIN);
        cbench_counter(st, "pause_p99_ns", stats_percentile(p, n, 99), CBENCH_COUNTER_PLAIN);
        cbench_counter(st, "pause_max_ns", stats_max(p, n), CBENCH_COUNTER_PLAIN);
    }
    free(p);
    cbench_counter(st, "mark_ns_total", mark, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "gc_ns_total", collector, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "gc_cpu_fraction", collector / wall, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "heap_bytes", heap_bytes, CBENCH_COUNTER_PLAIN);
    double base = gc_baseline_find(c);
    if (!isnan(base))
        cbench_counter(st, "throughput_vs_malloc", rate / base, CBENCH_COUNTER_PLAIN);
}

/* Run one configuration in a child process and report it. */
static void gc_bench(cbench_state *st)
{
    const gc_variant *v = cbench_user(st);
    gc_case c = gc_case_of(st, v->heap);
    char buf[GC_CHILD_ARGS][GC_CHILD_ARG_LEN], cpus[256], key[200];
    const char *argv[GC_CHILD_ARGS], *pair_class;
    int argc = gc_child_argv(&c, v->heap, buf, argv);
    gc_case_cpus(&c, cpus, sizeof cpus, &pair_class);
    cbench_no_self_counters(st);
    char *out;
    double timeout = 180.0 + (double)c.live / (4.0 * GC_MIB);   /* above the child's own limit */
    const char *result = child_run_timed(st, "gc", argv, argc, timeout, "wall_ns", &out);
    if (!result)
        return;
    cbench_tag(st, "cpus", cpus);
    if (pair_class)
        cbench_tag(st, "pair_class", pair_class);
    cbench_tag(st, "heap", gc_heap_names[v->heap]);
    gc_report(st, out, result, &c, v->heap);
    snprintf(key, sizeof key, "%s/%lld/%lld/%lld/%lld/%lld/%lld", v->name, (long long)c.live,
             (long long)c.object, (long long)c.divisor, (long long)c.markers, (long long)c.incremental,
             (long long)c.work);
    if (v->heap == GC_HEAP_COLLECTED)
        gc_write_pauses(out, v->name, &c, cpus, child_repetition(key));
    free(out);
}

/* ---- the plan: which configurations a run measures ---- */

typedef struct gc_plan {
    gc_case cases[64];
    int n;
} gc_plan;

static void gc_plan_add(gc_plan *p, gc_case c)
{
    for (int i = 0; i < p->n; i++)
        if (memcmp(&p->cases[i], &c, sizeof c) == 0)
            return;
    if (p->n < 64)
        p->cases[p->n++] = c;
}

/* --gc-live-max: the largest live set asked for (0: the default). */
static unsigned long long gc_live_max_option;

static double gc_live_max_bound(void) { return bench_ram_fraction(8); }

static const bench_option gc_options[] = {
    {"gc-live-max", BENCH_OPT_SIZE, &gc_live_max_option,
     "largest live set (default 256M, 16M with --quick; 1G adds the 1 GiB set, ~20 s; at most RAM/8)",
     1.0 * 1024 * 1024, gc_live_max_bound, NULL},
    {0},
};

/* The largest live set: --gc-live-max, else 256 MiB (16 MiB with --quick;
 * the 1 GiB set costs ~20 s, a twentieth of a default run), capped at RAM/8. */
static int64_t gc_live_max(const bench_config *cfg)
{
    int64_t want = gc_live_max_option ? (int64_t)gc_live_max_option
                   : cfg->quick       ? 16 * (int64_t)GC_MIB
                                      : 256 * (int64_t)GC_MIB;
    int64_t cap = (int64_t)(cfg->ram_bytes / 8);
    if (cap > 0 && cap < want) {
        fprintf(stderr, "gc: live set capped at %lld MiB (RAM/8) instead of %lld MiB\n",
                (long long)(cap / (int64_t)GC_MIB), (long long)(want / (int64_t)GC_MIB));
        return cap;
    }
    return want;
}

/* Sweeps around a base case: live set with one marker (and with all CPUs
 * marking at every 16th size), then, at a middle live set, incremental
 * mode, object size, free-space divisor and mutator work per allocation. */
static void gc_plan_build(const bench_config *cfg, gc_plan *p)
{
    int64_t lmax = gc_live_max(cfg), all = topo_pu_count(cfg->topo), mib = (int64_t)GC_MIB;
    gc_case base = {.live = (cfg->quick ? 4 : 16) * mib, .object = 64, .divisor = 3, .markers = 1};
    p->n = 0;
    for (int64_t l = mib; l <= lmax; l *= 4) {
        gc_plan_add(p, (gc_case){l, 64, 3, 1, 0, 0});
        if (l * 4 > lmax && l != lmax)
            gc_plan_add(p, (gc_case){lmax, 64, 3, 1, 0, 0});
    }
    for (int64_t l = 4 * mib; l <= lmax && l <= 256 * mib && all > 1; l *= (cfg->quick ? 4 : 16))
        gc_plan_add(p, (gc_case){l, 64, 3, all, 0, 0});
    gc_case inc = base;
    inc.incremental = 1;
    gc_plan_add(p, inc);
    static const int64_t objects[] = {16, 1024}, divisors[] = {1, 16}, works[] = {16, 128};
    for (int i = 0; i < (cfg->quick ? 1 : 2); i++) {
        gc_case o = base, d = base, w = base;
        o.object = objects[i];
        d.divisor = divisors[i];
        w.work = works[(i + 1) % 2];
        if (!cfg->quick) {
            gc_plan_add(p, o);
            gc_plan_add(p, d);
        }
        gc_plan_add(p, w);
    }
}

static cbench_bench *gc_register_variant(const gc_variant *v, const char *const *names, int nnames, int big)
{
    cbench_bench *b = cbench_register(v->name, gc_bench, (void *)v);
    if (!b)
        return NULL;
    cbench_arg_names(b, names, nnames);
    cbench_iterations(b, 1);
    cbench_use_manual_time(b);
    cbench_unit(b, CBENCH_MS);
    cbench_repetitions(b, big ? 1 : gc_run.repetitions);
    return b;
}

/* Register the plan's cases with live sets below (big = 0) or from
 * GC_BIG_LIVE on (big = 1); the malloc baselines first, so collected runs
 * can report their throughput against them. */
static void gc_register_cases(const gc_plan *plan, int big)
{
    cbench_bench *m = NULL, *c = NULL;
    gc_plan seen = {.n = 0};
    for (int i = 0; i < plan->n; i++) {
        const gc_case *k = &plan->cases[i];
        gc_case b = {k->live, k->object, 0, 0, 0, k->work};
        int before = seen.n;
        gc_plan_add(&seen, b);
        if ((k->live >= GC_BIG_LIVE) != big || seen.n == before || k->live > GC_BASELINE_MAX)
            continue;
        if (!m && !(m = gc_register_variant(&gc_variant_malloc, gc_malloc_args, 3, big)))
            break;
        cbench_args(m, (const int64_t[]){b.live, b.object, b.work}, 3);
    }
    for (int i = 0; i < plan->n; i++) {
        const gc_case *k = &plan->cases[i];
        if ((k->live >= GC_BIG_LIVE) != big)
            continue;
        if (!c && !(c = gc_register_variant(&gc_variant_collected, gc_collected_args, 6, big)))
            break;
        cbench_args(c, (const int64_t[]){k->live, k->object, k->divisor, k->markers, k->incremental, k->work}, 6);
    }
}

static void gc_register(const bench_config *cfg, char *why, size_t whylen)
{
    (void)why;
    (void)whylen;
    gc_run.topo = cfg->topo;
    gc_run.quick = cfg->quick;
    gc_run.repetitions = bench_fixed_work_repetitions(cfg);
    topo_format_cpulist(topo_allowed(cfg->topo), gc_run.cpus, sizeof gc_run.cpus);
    gc_plan plan;
    gc_plan_build(cfg, &plan);
    gc_register_cases(&plan, 0);
    gc_register_cases(&plan, 1);
}

const bench_family bench_family_gc = {
    .name = "gc",
    .help = "garbage-collector pauses, mark time, CPU share and throughput (libgc vs malloc/free)",
    .description =
        "A live set (a binary tree of pointer-rich objects, 1 MiB to 256 MiB, or to --gc-live-max, capped at RAM/8) "
        "stays reachable "
        "while garbage is allocated at full speed, under the Boehm-Demers-Weiser collector (libgc) and "
        "under malloc/free.  Each configuration (live set, object size, free-space divisor, marker "
        "threads, incremental mode, mutator work per allocation) runs in a fresh process.  Reported: "
        "every stop-the-world pause and mark phase (gc_pauses.csv), pause percentiles, the collector's "
        "share of wall time and allocations per second against malloc.  libgc sweeps lazily, inside "
        "later allocations, so its full cost shows in throughput rather than in pauses.",
    .min_cpus = 1,
    .register_benchmarks = gc_register,
    .options = gc_options,
    .child_main = gc_child_main,
};
