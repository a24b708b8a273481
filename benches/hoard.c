/*
 * hoard.c — the "hoard" family: a leak in a garbage-collected program.
 *
 * The explainer's CacheData stores every byte buffer in a global map keyed
 * by string and never deletes: "The GC sees 'globalCache' still pointing to
 * 'data'.  It is FORBIDDEN from cleaning it up.  The memory grows forever
 * until the server crashes."  We run that cache (unbounded) against a
 * bounded one (least recently used entries evicted beyond a byte budget) at
 * the same insert rate, each with malloc/free and with the Boehm collector
 * (libgc, where a global root keeps every entry reachable), and sample the
 * resident set size (/proc/self/statm) and the collector's heap size every
 * few milliseconds into rss_series.csv.
 *
 * Every run is a fresh child process (`memprobe __child hoard ...`), so its
 * memory really returns to the operating system before the next one.  A
 * hard cap on the resident set (--hoard-cap, default the smaller of 512 MiB
 * and a quarter of RAM) ends the unbounded run long before the OOM killer
 * would, and the result says cap_hit=1.  The child also limits its address
 * space, so even a broken cap check cannot press the host.
 */
#include <gc/gc.h>

#include <math.h>
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

#define HOARD_MIB (1024ull * 1024ull)

/* ====================================================================== */
/* The heap the cache lives in: malloc/free or the collector              */
/* ====================================================================== */

typedef struct hoard_heap {
    const char *name;                       /* "malloc" or "gc" */
    void *(*alloc)(size_t n);               /* zeroed memory that may hold pointers */
    void *(*alloc_bytes)(size_t n);         /* memory that holds no pointers */
    void (*release)(void *p);               /* explicit free (no-op for gc) */
} hoard_heap;

static void *hoard_malloc_zeroed(size_t n) { return calloc(1, n); }
static void *hoard_gc_alloc(size_t n) { return GC_MALLOC(n); }
static void *hoard_gc_alloc_bytes(size_t n) { return GC_MALLOC_ATOMIC(n); }
static void hoard_gc_release(void *p) { (void)p; }

enum hoard_heap_kind { HOARD_HEAP_MALLOC, HOARD_HEAP_GC };
static const hoard_heap hoard_heaps[] = {
    [HOARD_HEAP_MALLOC] = {"malloc", hoard_malloc_zeroed, malloc, free},
    [HOARD_HEAP_GC] = {"gc", hoard_gc_alloc, hoard_gc_alloc_bytes, hoard_gc_release},
};
static const char *const hoard_heap_names[] = {"malloc", "gc"};

/* ====================================================================== */
/* The cache: a string-keyed hash table of byte buffers, optionally LRU   */
/* ====================================================================== */

typedef struct hoard_entry {
    struct hoard_entry *chain;            /* next entry in the same bucket */
    struct hoard_entry *newer, *older;    /* recency list */
    char *key;
    unsigned char *data;
    size_t len;
    uint64_t hash;
} hoard_entry;

typedef struct hoard_cache {
    const hoard_heap *heap;
    hoard_entry **buckets;
    size_t nbuckets;           /* a power of two */
    size_t entries;
    size_t bytes;              /* sum of the values' lengths */
    size_t bound;              /* evict least recently used beyond this many bytes; 0: never */
    size_t evicted;
    hoard_entry *newest, *oldest;
} hoard_cache;

/* CacheData's globalCache: a global, so the collector must keep it all. */
static hoard_cache *hoard_global;

static uint64_t hoard_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* A new empty cache (bound 0: unbounded), or NULL when out of memory. */
static hoard_cache *hoard_cache_new(const hoard_heap *heap, size_t bound)
{
    hoard_cache *c = heap->alloc(sizeof *c);
    if (!c)
        return NULL;
    c->heap = heap;
    c->bound = bound;
    c->nbuckets = 1024;
    c->buckets = heap->alloc(c->nbuckets * sizeof(hoard_entry *));
    if (!c->buckets) {
        heap->release(c);
        return NULL;
    }
    return c;
}

static hoard_entry **hoard_slot(hoard_cache *c, uint64_t hash)
{
    return &c->buckets[hash & (c->nbuckets - 1)];
}

static hoard_entry *hoard_find(hoard_cache *c, const char *key, uint64_t hash)
{
    for (hoard_entry *e = *hoard_slot(c, hash); e; e = e->chain)
        if (e->hash == hash && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void hoard_unlink_recency(hoard_cache *c, hoard_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void hoard_link_newest(hoard_cache *c, hoard_entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

/* Double the bucket array when the table is fuller than one entry per
 * bucket.  Keeps the old table when out of memory (lookups stay correct). */
static void hoard_grow(hoard_cache *c)
{
    if (c->entries <= c->nbuckets)
        return;
    size_t n = c->nbuckets * 2;
    hoard_entry **b = c->heap->alloc(n * sizeof(hoard_entry *));
    if (!b)
        return;
    for (size_t i = 0; i < c->nbuckets; i++)
        for (hoard_entry *e = c->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    c->heap->release(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

/* Remove e from the table and the recency list and release it. */
static void hoard_remove(hoard_cache *c, hoard_entry *e)
{
    hoard_entry **p = hoard_slot(c, e->hash);
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    hoard_unlink_recency(c, e);
    c->entries--;
    c->bytes -= e->len;
    c->heap->release(e->data);
    c->heap->release(e->key);
    c->heap->release(e);
}

static void hoard_evict(hoard_cache *c)
{
    while (c->bound && c->bytes > c->bound && c->oldest) {
        hoard_remove(c, c->oldest);
        c->evicted++;
    }
}

/* CacheData(key, data): store data (len bytes, allocated from the cache's
 * heap; the cache takes it over) under a copy of key, replacing any older
 * value, then evict beyond the bound.  0, or -1 when out of memory (data is
 * then released). */
static int hoard_put(hoard_cache *c, const char *key, unsigned char *data, size_t len)
{
    uint64_t hash = hoard_hash(key);
    hoard_entry *e = hoard_find(c, key, hash);
    if (e) {
        c->bytes -= e->len;
        c->heap->release(e->data);
        hoard_unlink_recency(c, e);
    } else {
        size_t klen = strlen(key) + 1;
        e = c->heap->alloc(sizeof *e);
        char *k = e ? c->heap->alloc_bytes(klen) : NULL;
        if (!k) {
            c->heap->release(e);
            c->heap->release(data);
            return -1;
        }
        memcpy(k, key, klen);
        e->key = k;
        e->hash = hash;
        e->chain = *hoard_slot(c, hash);
        *hoard_slot(c, hash) = e;
        c->entries++;
    }
    e->data = data;
    e->len = len;
    c->bytes += len;
    hoard_link_newest(c, e);
    hoard_grow(c);
    hoard_evict(c);
    return 0;
}

/* The value stored under key (marking it most recently used), or NULL. */
static const unsigned char *hoard_get(hoard_cache *c, const char *key, size_t *len)
{
    hoard_entry *e = hoard_find(c, key, hoard_hash(key));
    if (!e)
        return NULL;
    hoard_unlink_recency(c, e);
    hoard_link_newest(c, e);
    *len = e->len;
    return e->data;
}

/* Release everything (malloc heap; the collector reclaims gc caches itself). */
static void hoard_cache_free(hoard_cache *c)
{
    while (c->oldest)
        hoard_remove(c, c->oldest);
    c->heap->release(c->buckets);
    c->heap->release(c);
}

/* ====================================================================== */
/* The paced insert loop (child process)                                  */
/* ====================================================================== */

#define HOARD_CHECK_EVERY 256   /* inserts between resident-set checks */

enum hoard_variant { HOARD_UNBOUNDED, HOARD_BOUNDED };
static const char *const hoard_variant_names[] = {"unbounded", "bounded"};

typedef struct hoard_job {
    int variant, heap;
    unsigned long long value, rate, bound, cap, duration_ns, sample_ns;
    unsigned long long min_entries;   /* go on past duration_ns until this many inserts (tests) */
    /* results */
    unsigned long long entries, inserted_bytes, evicted, elapsed_ns;
    unsigned long long rss_start, rss_max, heap_max;
    int cap_hit, alloc_failed, readback_failed;
} hoard_job;

/* The resident-set bound the bounded variant promises: its start plus
 * twice (malloc) or three times (collector: garbage waits for the next
 * collection) the byte budget, plus 16 MiB for the table and allocator. */
static unsigned long long hoard_rss_bound(const hoard_job *j)
{
    return j->rss_start + (j->heap == HOARD_HEAP_GC ? 3 : 2) * j->bound + 16 * HOARD_MIB;
}

static unsigned long long hoard_heap_bytes(const hoard_job *j)
{
    return j->heap == HOARD_HEAP_GC ? GC_get_heap_size() : 0;
}

/* Print one sample and track the maxima; returns the resident set. */
static unsigned long long hoard_sample(hoard_job *j, uint64_t t_ns, int print)
{
    unsigned long long rss = child_rss_bytes(), heap = hoard_heap_bytes(j);
    if (rss > j->rss_max)
        j->rss_max = rss;
    if (heap > j->heap_max)
        j->heap_max = heap;
    if (print) {
        printf("sample t_ms=%.3f entries=%llu bytes=%llu rss=%llu", (double)t_ns / 1e6, j->entries,
               j->inserted_bytes, rss);
        if (j->heap == HOARD_HEAP_GC)
            printf(" heap=%llu", heap);
        putchar('\n');
    }
    return rss;
}

/* Insert one entry "key-N" with a value of j->value bytes; every
 * HOARD_CHECK_EVERY entries read it back (the cache must hold what it was
 * just given).  0, -1 when out of memory, -2 when the read-back fails. */
static int hoard_insert_one(hoard_job *j, hoard_cache *c)
{
    char key[32];
    snprintf(key, sizeof key, "key-%llu", j->entries);
    unsigned char *data = c->heap->alloc_bytes(j->value);
    if (!data)
        return -1;
    memset(data, (int)(j->entries & 0xff), j->value);
    if (hoard_put(c, key, data, j->value) != 0)
        return -1;
    j->entries++;
    j->inserted_bytes += j->value;
    size_t len = 0;
    if (j->entries % HOARD_CHECK_EVERY == 0 && hoard_get(c, key, &len) != data)
        return -2;
    return 0;
}

/* Insert at j->rate entries per second until the duration ends or the
 * resident set reaches the cap, sampling every j->sample_ns. */
/* How long a run short of min_entries at duration_ns may go on: ten times
 * the duration, at least 60 s (a sanitizer build on a loaded machine). */
static uint64_t hoard_patience_ns(const hoard_job *j)
{
    uint64_t patience = 10 * j->duration_ns, floor_ns = 60000000000ull;
    return patience > floor_ns ? patience : floor_ns;
}

/* Still inserting at elapsed ns?  Until duration_ns, and then until
 * min_entries (within hoard_patience_ns). */
static int hoard_running(const hoard_job *j, uint64_t elapsed)
{
    if (j->cap_hit || j->alloc_failed || j->readback_failed || gcheap_mutator_abandoned())
        return 0;
    if (elapsed < j->duration_ns)
        return 1;
    return j->entries < j->min_entries && elapsed < hoard_patience_ns(j);
}

static void hoard_run(hoard_job *j, hoard_cache *c)
{
    uint64_t t0 = clock_now_ns(), now = t0, next_sample = t0;
    while (hoard_running(j, now - t0)) {
        unsigned long long due = (unsigned long long)((double)(now - t0) * 1e-9 * (double)j->rate) + 1;
        while (j->entries < due && !j->cap_hit) {
            int rc = hoard_insert_one(j, c);
            if (rc != 0) {
                j->alloc_failed = rc == -1;
                j->readback_failed = rc == -2;
                break;
            }
            if (j->entries % HOARD_CHECK_EVERY == 0 && hoard_sample(j, now - t0, 0) >= j->cap)
                j->cap_hit = 1;
        }
        now = clock_now_ns();
        if (now >= next_sample) {
            j->cap_hit |= hoard_sample(j, now - t0, 1) >= j->cap;
            next_sample += j->sample_ns;
        }
        clock_sleep_ns(1000000);
        now = clock_now_ns();
    }
    j->elapsed_ns = now - t0;
    hoard_sample(j, j->elapsed_ns, 1);
    j->evicted = c->evicted;
}

/* The mutator thread: make the cache, hang it on the global root, run. */
static void hoard_mutator(void *arg)
{
    hoard_job *j = arg;
    j->rss_start = child_rss_bytes();
    hoard_cache *c = hoard_cache_new(&hoard_heaps[j->heap], j->variant == HOARD_BOUNDED ? j->bound : 0);
    if (!c) {
        j->alloc_failed = 1;
        return;
    }
    hoard_global = c;
    hoard_run(j, c);
    hoard_global = NULL;
    if (j->heap == HOARD_HEAP_MALLOC)
        hoard_cache_free(c);
}

static int hoard_child_args(int argc, char **argv, hoard_job *j)
{
    unsigned long long duration_ms, sample_ms;
    if (child_arg_choice(argc, argv, "variant", hoard_variant_names, 2, &j->variant) ||
        child_arg_choice(argc, argv, "heap", hoard_heap_names, 2, &j->heap) ||
        child_arg_size(argc, argv, "value", 4000, 1, 64 * HOARD_MIB, &j->value) ||
        child_arg_size(argc, argv, "rate", 40000, 1, 100000000, &j->rate) ||
        child_arg_size(argc, argv, "bound", 32 * HOARD_MIB, 1, 1ull << 40, &j->bound) ||
        child_arg_size(argc, argv, "cap", 512 * HOARD_MIB, HOARD_MIB, 1ull << 44, &j->cap) ||
        child_arg_size(argc, argv, "duration_ms", 4000, 1, 600000, &duration_ms) ||
        child_arg_size(argc, argv, "sample_ms", 50, 1, 60000, &sample_ms) ||
        child_arg_size(argc, argv, "min_entries", 0, 0, 1ull << 40, &j->min_entries))
        return -1;
    if (j->variant == HOARD_BOUNDED && j->bound < j->value) {
        fprintf(stderr, "__child hoard: bound=%llu: expected at least one value (value=%llu bytes)\n", j->bound,
                j->value);
        return -1;
    }
    j->duration_ns = duration_ms * 1000000ull;
    j->sample_ns = sample_ms * 1000000ull;
    return 0;
}

/* `memprobe __child hoard variant=unbounded|bounded heap=malloc|gc
 *  value=BYTES rate=PER_S bound=BYTES cap=BYTES duration_ms=N sample_ms=N
 *  min_entries=N cpus=LIST` — prints "sample ..." lines and one "result ..." line. */
static int hoard_child_main(int argc, char **argv)
{
    hoard_job j = {0};
    if (hoard_child_args(argc, argv, &j))
        return 2;
    topo *t = child_start(argc, argv, "hoard", 2 * j.cap + 512 * HOARD_MIB);
    if (!t)
        return 2;
    if (j.heap == HOARD_HEAP_GC)
        gcheap_start(t, (unsigned)topo_pu_count(t), 0, 0);
    char err[512];
    double timeout_s = 30.0 + (double)(j.min_entries ? hoard_patience_ns(&j) : j.duration_ns) * 1e-9;
    int rc = gcheap_run_mutator(t, topo_pu(t, 0), j.heap == HOARD_HEAP_GC, hoard_mutator, &j, timeout_s,
                                 err, sizeof err);
    topo_free(t);
    if (rc != 0 || j.readback_failed) {
        fprintf(stderr, "__child hoard: %s\n", rc != 0 ? err : "the cache lost an entry it was just given");
        return 1;
    }
    printf("result variant=%s heap=%s entries=%llu bytes_inserted=%llu evicted=%llu elapsed_ns=%llu"
           " cap_bytes=%llu cap_hit=%d alloc_failed=%d rss_start=%llu rss_max=%llu heap_max=%llu",
           hoard_variant_names[j.variant], hoard_heap_names[j.heap], j.entries, j.inserted_bytes, j.evicted,
           j.elapsed_ns, j.cap, j.cap_hit, j.alloc_failed, j.rss_start, j.rss_max, j.heap_max);
    if (j.variant == HOARD_BOUNDED)
        printf(" bound_bytes=%llu rss_bound=%llu within_bound=%d", j.bound, hoard_rss_bound(&j),
               j.rss_max <= hoard_rss_bound(&j));
    putchar('\n');
    return 0;
}

/* ====================================================================== */
/* The parent: registration and the benchmark function                    */
/* ====================================================================== */

/* --hoard-cap (0 until given: then the default below applies). */
static unsigned long long hoard_cap_option;

/* The largest --hoard-cap accepted: half the RAM (no bound when RAM is
 * unknown), so the hoard cannot push the machine into swap or the OOM killer. */
static double hoard_cap_max(void) { return bench_ram_fraction(2); }

static const bench_option hoard_options[] = {
    {"hoard-cap", BENCH_OPT_SIZE, &hoard_cap_option,
     "resident-set cap that ends the unbounded hoard (default min(512M, RAM/4); 64M with --quick; at most RAM/2)",
     4.0 * 1024 * 1024, hoard_cap_max, NULL},
    {0},
};

typedef struct hoard_bench_variant {
    const char *name;     /* "hoard/unbounded_gc" */
    int variant, heap;
} hoard_bench_variant;

static const hoard_bench_variant hoard_bench_variants[] = {
    {"hoard/unbounded_malloc", HOARD_UNBOUNDED, HOARD_HEAP_MALLOC},
    {"hoard/bounded_malloc", HOARD_BOUNDED, HOARD_HEAP_MALLOC},
    {"hoard/unbounded_gc", HOARD_UNBOUNDED, HOARD_HEAP_GC},
    {"hoard/bounded_gc", HOARD_BOUNDED, HOARD_HEAP_GC},
};

static const char *const hoard_arg_names[] = {"value_bytes", "insert_rate", "bound_bytes", "cap_bytes"};

/* The run's settings, fixed at registration. */
static struct {
    int quick;
    char cpus[256];
    char mutator_cpu[16];    /* the child's mutator runs on the first allowed CPU */
    unsigned long long cap, bound, value, rate, sample_ms;
} hoard_run_cfg;

/* The cap: --hoard-cap, else min(512 MiB, RAM/4) (64 MiB with --quick). */
static unsigned long long hoard_default_cap(const bench_config *cfg)
{
    if (hoard_cap_option)
        return hoard_cap_option;
    unsigned long long cap = (cfg->quick ? 64 : 512) * HOARD_MIB;
    if (cfg->ram_bytes && cfg->ram_bytes / 4 < cap)
        cap = cfg->ram_bytes / 4;
    return cap;
}

/* How long a run lasts: the unbounded one until it reaches the cap (with
 * room to spare; it stops there), the bounded one as long as the unbounded
 * one is expected to take, so the two series span the same time. */
static unsigned long long hoard_duration_ms(int variant)
{
    double expect_s = (double)hoard_run_cfg.cap / ((double)hoard_run_cfg.value * (double)hoard_run_cfg.rate);
    double s = variant == HOARD_UNBOUNDED ? 2.0 * expect_s + 1.0 : (expect_s > 0.5 ? expect_s : 0.5);
    return (unsigned long long)((s < 120.0 ? s : 120.0) * 1000.0);
}

/* Write one rss_series.csv row per "sample" line of the child's output. */
static void hoard_write_series(const char *out, const hoard_bench_variant *v, int rep)
{
    static const char *const columns[] = {
        "benchmark", "variant", "allocator", "value_bytes", "insert_rate", "bound_bytes", "cap_bytes",
        "sample_ms", "repetition", "time_ms", "entries", "bytes_inserted", "rss_bytes", "heap_bytes"};
    output_table *t = output_table_get("rss_series.csv");
    output_table_columns(t, columns, (int)(sizeof columns / sizeof *columns));
    for (const char *p = child_line(out, "sample"); p; p = child_next_line(p)) {
        double ms = NAN, entries = NAN, bytes = NAN, rss = NAN, heap = NAN;
        if (strncmp(p, "sample ", 7) != 0 || !child_kv(p, "t_ms", &ms) || !child_kv(p, "entries", &entries) ||
            !child_kv(p, "bytes", &bytes) || !child_kv(p, "rss", &rss))
            continue;
        output_table_row(t);
        output_table_set_str(t, "benchmark", v->name);
        output_table_set_str(t, "variant", hoard_variant_names[v->variant]);
        output_table_set_str(t, "allocator", hoard_heap_names[v->heap]);
        output_table_set_int(t, "value_bytes", (long long)hoard_run_cfg.value);
        output_table_set_int(t, "insert_rate", (long long)hoard_run_cfg.rate);
        output_table_set_int(t, "bound_bytes", v->variant == HOARD_BOUNDED ? (long long)hoard_run_cfg.bound : 0);
        output_table_set_int(t, "cap_bytes", (long long)hoard_run_cfg.cap);
        output_table_set_int(t, "sample_ms", (long long)hoard_run_cfg.sample_ms);
        output_table_set_int(t, "repetition", rep);
        output_table_set_num(t, "time_ms", ms);
        output_table_set_int(t, "entries", (long long)entries);
        output_table_set_int(t, "bytes_inserted", (long long)bytes);
        output_table_set_int(t, "rss_bytes", (long long)rss);
        if (child_kv(p, "heap", &heap))
            output_table_set_int(t, "heap_bytes", (long long)heap);
        output_table_set_str(t, "runtime", "c");   /* Go's series share this file with runtime=go */
    }
}

/* Least-squares slopes of RSS against time (bytes/s) and entries (bytes/entry). */
static void hoard_slopes(const char *out, double *per_s, double *per_entry)
{
    static const char *const keys[] = {"t_ms", "entries", "rss"};
    double *v;
    size_t n = child_columns(out, "sample", keys, 3, &v);
    *per_s = *per_entry = NAN;
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] *= 1e-3;   /* ms -> s */
    *per_s = stats_slope(v, v + 2 * n, n);
    *per_entry = stats_slope(v + n, v + 2 * n, n);
    free(v);
}

/* Report the result line's numbers as user counters. */
static void hoard_report(cbench_state *st, const char *out, const char *result, const hoard_bench_variant *v)
{
    static const char *const plain[] = {"entries", "bytes_inserted", "evicted", "cap_hit", "alloc_failed",
                                        "rss_start", "rss_max", "rss_bound", "within_bound"};
    static const char *const names[] = {"entries", "bytes_inserted", "evicted", "cap_hit", "alloc_failed",
                                        "rss_start_bytes", "rss_max_bytes", "rss_bound_bytes", "within_bound"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        double x = NAN;
        if (child_kv(result, plain[i], &x))
            cbench_counter(st, names[i], x, CBENCH_COUNTER_PLAIN);
    }
    double heap_max = NAN;
    if (v->heap == HOARD_HEAP_GC && child_kv(result, "heap_max", &heap_max))
        cbench_counter(st, "heap_max_bytes", heap_max, CBENCH_COUNTER_PLAIN);
    double per_s, per_entry, entries = 0, bytes = 0;
    hoard_slopes(out, &per_s, &per_entry);
    if (!isnan(per_s))
        cbench_counter(st, "rss_slope_bytes_per_s", per_s, CBENCH_COUNTER_PLAIN);
    if (!isnan(per_entry))
        cbench_counter(st, "rss_slope_bytes_per_entry", per_entry, CBENCH_COUNTER_PLAIN);
    child_kv(result, "entries", &entries);
    child_kv(result, "bytes_inserted", &bytes);
    cbench_set_items_processed(st, (int64_t)entries);
    cbench_set_bytes_processed(st, (int64_t)bytes);
}

/* Run one variant in a child process and report it. */
static void hoard_bench(cbench_state *st)
{
    const hoard_bench_variant *v = cbench_user(st);
    char buf[10][300];
    const char *argv[10];
    snprintf(buf[0], sizeof buf[0], "variant=%s", hoard_variant_names[v->variant]);
    snprintf(buf[1], sizeof buf[1], "heap=%s", hoard_heap_names[v->heap]);
    snprintf(buf[2], sizeof buf[2], "value=%llu", hoard_run_cfg.value);
    snprintf(buf[3], sizeof buf[3], "rate=%llu", hoard_run_cfg.rate);
    snprintf(buf[4], sizeof buf[4], "bound=%llu", hoard_run_cfg.bound);
    snprintf(buf[5], sizeof buf[5], "cap=%llu", hoard_run_cfg.cap);
    snprintf(buf[6], sizeof buf[6], "duration_ms=%llu", hoard_duration_ms(v->variant));
    snprintf(buf[7], sizeof buf[7], "sample_ms=%llu", hoard_run_cfg.sample_ms);
    snprintf(buf[8], sizeof buf[8], "cpus=%s", hoard_run_cfg.cpus);
    for (int i = 0; i < 9; i++)
        argv[i] = buf[i];
    cbench_no_self_counters(st);
    char *out;
    double timeout = 60.0 + (double)hoard_duration_ms(v->variant) / 1e3;
    const char *result = child_run_timed(st, "hoard", argv, 9, timeout, "elapsed_ns", &out);
    if (!result)
        return;
    cbench_tag(st, "cpus", hoard_run_cfg.mutator_cpu);
    cbench_tag(st, "heap", hoard_heap_names[v->heap]);
    hoard_report(st, out, result, v);
    hoard_write_series(out, v, child_repetition(v->name));
    free(out);
}

static void hoard_register(const bench_config *cfg, char *why, size_t whylen)
{
    (void)why;
    (void)whylen;
    hoard_run_cfg.quick = cfg->quick;
    hoard_run_cfg.cap = hoard_default_cap(cfg);
    hoard_run_cfg.bound = (cfg->quick ? 8 : 32) * HOARD_MIB;
    if (hoard_run_cfg.bound > hoard_run_cfg.cap / 4)
        hoard_run_cfg.bound = hoard_run_cfg.cap / 4;
    hoard_run_cfg.value = 4000;
    hoard_run_cfg.rate = 40000;
    hoard_run_cfg.sample_ms = cfg->quick ? 20 : 50;
    topo_format_cpulist(topo_allowed(cfg->topo), hoard_run_cfg.cpus, sizeof hoard_run_cfg.cpus);
    snprintf(hoard_run_cfg.mutator_cpu, sizeof hoard_run_cfg.mutator_cpu, "%d", topo_pu(cfg->topo, 0));
    for (size_t i = 0; i < sizeof hoard_bench_variants / sizeof *hoard_bench_variants; i++) {
        const hoard_bench_variant *v = &hoard_bench_variants[i];
        cbench_bench *b = cbench_register(v->name, hoard_bench, (void *)v);
        if (!b)
            continue;
        cbench_arg_names(b, hoard_arg_names, 4);
        cbench_args(b,
                    (const int64_t[]){(int64_t)hoard_run_cfg.value, (int64_t)hoard_run_cfg.rate,
                                      v->variant == HOARD_BOUNDED ? (int64_t)hoard_run_cfg.bound : 0,
                                      (int64_t)hoard_run_cfg.cap},
                    4);
        cbench_iterations(b, 1);
        cbench_repetitions(b, 1);
        cbench_use_manual_time(b);
        cbench_unit(b, CBENCH_MS);
    }
}

const bench_family bench_family_hoard = {
    .name = "hoard",
    .help = "the hoarding leak: an unbounded global cache vs a bounded one (RSS over time, malloc and libgc)",
    .description =
        "The explainer's CacheData: a global hash table from string keys to byte buffers that never "
        "deletes, against a bounded variant (least recently used entries evicted beyond a byte budget), "
        "both at the same insert rate, with malloc/free and with the Boehm collector (a global root keeps "
        "every entry reachable).  Resident set size and collector heap size are sampled over time "
        "(rss_series.csv).  The unbounded run is stopped at a resident-set cap (--hoard-cap) instead of "
        "by the OOM killer; its result says cap_hit=1.",
    .min_cpus = 1,
    .options = hoard_options,
    .register_benchmarks = hoard_register,
    .child_main = hoard_child_main,
};
