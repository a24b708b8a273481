/*
 * caches.c — effective cache levels from a latency ladder.
 *
 * The fit works on log(ns): a running median of three removes single
 * outliers; stretches where the curve rises faster than 50% per doubling of
 * the working set are steps, kept when they rise 1.5x or more in all; the
 * points between two steps are a plateau (its median is the level's
 * latency), and a level's size is where its step is a quarter of the way up
 * (interpolated in log2 of the size).  The probe is a dependent chase over a
 * pseudo-random cyclic order of 64-byte lines (a bijective hash over the
 * next power of two, so building it needs no shuffle array), timed as the
 * best of three short passes per working set.
 */
#include "memprobe/caches.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memprobe/clock.h"
#include "memprobe/sysinfo.h"
#include "memprobe/topo.h"

#define CACHES_MAX_POINTS 128
#define CACHES_STEP_SLOPE 0.4054651081081644    /* log(1.5): rise per doubling that makes a step */
#define CACHES_STEP_RISE 0.4054651081081644     /* log(1.5): the least rise a step must have in all */
#define CACHES_MEMORY_NS 50.0                   /* a plateau this slow is memory, not a cache */
#define CACHES_LINE 64
#define CACHES_PROBE_LOADS 32768
#define CACHES_PROBE_MAX_BYTES (512ull << 20)
#define CACHES_PROBE_BUDGET_MS 400.0
#define CACHES_MIB (1ull << 20)

/* ---------- the fit ---------- */

typedef struct ladder {
    size_t n;
    double x[CACHES_MAX_POINTS];   /* log2(bytes) */
    double y[CACHES_MAX_POINTS];   /* log(ns), smoothed */
} ladder;

static int caches_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double caches_median(const double *v, size_t n)
{
    double tmp[CACHES_MAX_POINTS];
    memcpy(tmp, v, n * sizeof *v);
    qsort(tmp, n, sizeof *tmp, caches_cmp_double);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

/* Usable points sorted by size, log-transformed and median-of-3 smoothed. */
static void caches_prepare(const unsigned long long *bytes, const double *ns, size_t n, ladder *l)
{
    size_t order[CACHES_MAX_POINTS], m = 0;
    for (size_t i = 0; i < n && m < CACHES_MAX_POINTS; i++)
        if (bytes[i] > 0 && isfinite(ns[i]) && ns[i] > 0)
            order[m++] = i;
    for (size_t i = 1; i < m; i++)   /* insertion sort by size: a ladder is short */
        for (size_t j = i; j > 0 && bytes[order[j]] < bytes[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    double raw[CACHES_MAX_POINTS];
    l->n = 0;
    for (size_t i = 0; i < m; i++) {
        if (l->n && bytes[order[i]] == bytes[order[i - 1]])
            continue;   /* one point per size */
        l->x[l->n] = log2((double)bytes[order[i]]);
        raw[l->n++] = log(ns[order[i]]);
    }
    for (size_t i = 0; i < l->n; i++)
        l->y[i] = i == 0 || i + 1 == l->n ? raw[i] : caches_median(raw + i - 1, 3);
}

/* A step: points s..e, rising over intervals steeper than the threshold. */
typedef struct step {
    size_t s, e;
} step;

static size_t caches_find_steps(const ladder *l, step *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < l->n && n < max;) {
        double slope = (l->y[i + 1] - l->y[i]) / (l->x[i + 1] - l->x[i]);
        if (slope < CACHES_STEP_SLOPE) {
            i++;
            continue;
        }
        size_t e = i + 1;
        while (e + 1 < l->n && (l->y[e + 1] - l->y[e]) / (l->x[e + 1] - l->x[e]) >= CACHES_STEP_SLOPE)
            e++;
        if (l->y[e] - l->y[i] >= CACHES_STEP_RISE)
            out[n++] = (step){i, e};
        i = e;
    }
    return n;
}

/* log2(size) where step st is a quarter of the way up. */
static double caches_quarter_point(const ladder *l, step st)
{
    double t = l->y[st.s] + 0.25 * (l->y[st.e] - l->y[st.s]);
    for (size_t j = st.s; j < st.e; j++) {
        if (l->y[j + 1] < t)
            continue;
        double f = l->y[j + 1] > l->y[j] ? (t - l->y[j]) / (l->y[j + 1] - l->y[j]) : 0;
        return l->x[j] + f * (l->x[j + 1] - l->x[j]);
    }
    return l->x[st.e];
}

/* A ladder point's size (log2 of bytes) in KiB. */
static unsigned long long caches_kib(double log2_bytes)
{
    return (unsigned long long)llround(exp2(log2_bytes) / 1024);
}

/* Median latency of the points from..to (inclusive), in ns. */
static double caches_plateau_ns(const ladder *l, size_t from, size_t to)
{
    return exp(caches_median(l->y + from, to - from + 1));
}

int caches_fit_ladder(const unsigned long long *bytes, const double *ns, size_t n, caches_levels *out)
{
    memset(out, 0, sizeof *out);
    out->memory_ns = NAN;
    ladder l;
    caches_prepare(bytes, ns, n, &l);
    if (l.n < 4) {
        snprintf(out->note, sizeof out->note, "too few working sets to fit (%zu usable, at least 4 needed)", l.n);
        return -1;
    }
    step steps[CACHES_MAX_LEVELS];
    size_t k = caches_find_steps(&l, steps, CACHES_MAX_LEVELS);
    if (k == 0) {
        snprintf(out->note, sizeof out->note, "no step of 1.5x or more between %llu KiB (%.3g ns) and %llu KiB "
                 "(%.3g ns)", caches_kib(l.x[0]), exp(l.y[0]), caches_kib(l.x[l.n - 1]), exp(l.y[l.n - 1]));
        return -1;
    }
    /* levels up to the first plateau slow enough to be memory; steps past
     * it (TLB reach, page walks, remote memory) are not caches */
    size_t from = 0, i = 0;
    for (; i < k; i++) {
        double ns_here = caches_plateau_ns(&l, from, steps[i].s);
        if (i > 0 && ns_here >= CACHES_MEMORY_NS)
            break;
        out->level[i].bytes = (unsigned long long)llround(exp2(caches_quarter_point(&l, steps[i])));
        out->level[i].ns = ns_here;
        from = steps[i].e;
    }
    out->n = (int)i;
    size_t to = i < k ? steps[i].s : l.n - 1;
    out->memory_ns = caches_plateau_ns(&l, from, to);
    if (i < k)
        snprintf(out->note, sizeof out->note, "memory from %llu KiB; %zu further step%s past it (TLB reach, page "
                 "walks or remote memory) not counted as caches", caches_kib(l.x[from]), k - i, k - i > 1 ? "s" : "");
    return 0;
}

/* ---------- the probe ---------- */

/* A bijection on [0, 2^bits): three rounds of multiply-add and xorshift. */
static uint64_t caches_scramble(uint64_t v, unsigned bits)
{
    uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    unsigned shift = bits / 2 ? bits / 2 : 1;
    static const uint64_t mul[3] = {0x9E3779B97F4A7C15ull, 0xBF58476D1CE4E5B9ull, 0x94D049BB133111EBull};
    for (int r = 0; r < 3; r++) {
        v = (v * mul[r] + 0x632BE59BD9B4E019ull) & mask;
        v ^= v >> shift;
    }
    return v;
}

/* Link the first `lines` lines of buf into one cycle in scrambled order. */
static void caches_link(char *buf, size_t lines)
{
    unsigned bits = 1;
    while ((1ull << bits) < lines)
        bits++;
    size_t first = SIZE_MAX, prev = SIZE_MAX;
    for (uint64_t j = 0; j < (1ull << bits); j++) {
        size_t cur = (size_t)caches_scramble(j, bits);
        if (cur >= lines)
            continue;   /* cycle-walking: keep the values inside the set */
        if (prev == SIZE_MAX)
            first = cur;
        else
            *(void **)(buf + prev * CACHES_LINE) = buf + cur * CACHES_LINE;
        prev = cur;
    }
    *(void **)(buf + prev * CACHES_LINE) = buf + first * CACHES_LINE;
}

/* Best of three passes of `loads` dependent loads from buf: ns per load. */
static double caches_chase(char *buf, size_t loads)
{
    void *p = buf;
    double best = INFINITY;
    for (int pass = 0; pass < 3; pass++) {
        uint64_t t0 = clock_now_ns();
        for (size_t i = 0; i < loads; i++)
            p = *(void **)p;
        uint64_t t1 = clock_now_ns();
        __asm__ volatile("" : : "r"(p) : "memory");   /* the chase is the work: keep it */
        double ns = (double)(t1 - t0) / (double)loads;
        best = ns < best ? ns : best;
    }
    return best;
}

/* In memory for two doublings: the last five sqrt(2)-spaced points within
 * 10% of each other, and as slow as memory. */
static int caches_memory_reached(const double *ns, size_t n)
{
    if (n < 5)
        return 0;
    double lo = ns[n - 5], hi = ns[n - 5];
    for (size_t i = n - 4; i < n; i++) {
        lo = ns[i] < lo ? ns[i] : lo;
        hi = ns[i] > hi ? ns[i] : hi;
    }
    return hi <= 1.1 * lo && lo >= CACHES_MEMORY_NS;
}

size_t caches_probe_ladder(unsigned long long *bytes, double *ns, size_t max_points,
                           unsigned long long max_bytes, double budget_ms)
{
    unsigned long long ram_cap = sysinfo_ram_bytes() / 8;
    if (ram_cap && max_bytes > ram_cap)
        max_bytes = ram_cap;
    if (max_bytes < 64 * 1024)
        return 0;
    char *buf = mmap(NULL, (size_t)max_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 0;
    madvise(buf, (size_t)max_bytes, MADV_HUGEPAGE);   /* fewer faults and TLB misses where THP allows */
    uint64_t start = clock_now_ns();
    size_t n = 0;
    for (double size = 4096; n < max_points && size <= (double)max_bytes; size *= M_SQRT2) {
        size_t lines = (size_t)(size / CACHES_LINE);
        caches_link(buf, lines);
        bytes[n] = (unsigned long long)lines * CACHES_LINE;
        ns[n] = caches_chase(buf, CACHES_PROBE_LOADS);
        n++;
        double spent = (double)(clock_now_ns() - start) / 1e6;
        if (spent > budget_ms || caches_memory_reached(ns, n))
            break;
    }
    munmap(buf, (size_t)max_bytes);
    return n;
}

/* ---------- effective levels, once per process ---------- */

static caches_levels effective;
static pthread_once_t effective_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t ladder_lock = PTHREAD_MUTEX_INITIALIZER;
static caches_levels ladder_levels;
static int ladder_recorded;

/* hwloc's data/unified caches as seen by the first allowed CPU. */
static void caches_from_hwloc(caches_levels *out)
{
    char err[256];
    topo *t = topo_load(NULL, err, sizeof err);
    out->n = 0;
    for (int level = 1; t && level <= topo_cache_levels(t) && out->n < CACHES_MAX_LEVELS; level++) {
        unsigned long long size = topo_cache_size(t, topo_pu(t, 0), level);
        if (size)
            out->level[out->n++] = (caches_level){size, NAN};
    }
    topo_free(t);
    out->memory_ns = NAN;
    snprintf(out->source, sizeof out->source, "hwloc");
}

static void caches_measure(void)
{
    unsigned long long bytes[CACHES_MAX_POINTS];
    double ns[CACHES_MAX_POINTS];
    size_t n = caches_probe_ladder(bytes, ns, CACHES_MAX_POINTS, CACHES_PROBE_MAX_BYTES, CACHES_PROBE_BUDGET_MS);
    if (caches_fit_ladder(bytes, ns, n, &effective) == 0) {
        snprintf(effective.source, sizeof effective.source, "probe");
        return;
    }
    char why[sizeof effective.note];
    memcpy(why, effective.note, sizeof why);
    caches_from_hwloc(&effective);
    snprintf(effective.note, sizeof effective.note, "the probe found no step (%.180s): hwloc's sizes stand in", why);
}

const caches_levels *caches_effective(void)
{
    pthread_once(&effective_once, caches_measure);
    return &effective;
}

void caches_record_ladder(const caches_levels *levels)
{
    pthread_mutex_lock(&ladder_lock);
    ladder_levels = *levels;
    ladder_recorded = 1;
    pthread_mutex_unlock(&ladder_lock);
}

const caches_levels *caches_inferred(void)
{
    pthread_mutex_lock(&ladder_lock);
    int recorded = ladder_recorded;
    pthread_mutex_unlock(&ladder_lock);
    return recorded ? &ladder_levels : caches_effective();
}

unsigned long long caches_llc_bytes(void)
{
    const caches_levels *c = caches_inferred();
    return c->n ? c->level[c->n - 1].bytes : 0;
}

unsigned long long caches_dram_bytes(void)
{
    unsigned long long want = 4 * caches_llc_bytes();
    if (want < 64 * CACHES_MIB)
        want = 64 * CACHES_MIB;
    unsigned long long cap = sysinfo_ram_bytes() / 8;
    return cap && want > cap ? cap : want;
}

int caches_disagreement(const caches_levels *inferred, unsigned long long hwloc_llc_bytes, char *buf, size_t len)
{
    if (!inferred || !inferred->n || !hwloc_llc_bytes || strcmp(inferred->source, "hwloc") == 0)
        return 0;
    double ours = (double)inferred->level[inferred->n - 1].bytes, theirs = (double)hwloc_llc_bytes;
    if (ours <= 2 * theirs && theirs <= 2 * ours)
        return 0;
    snprintf(buf, len, "hwloc reports a %.1f MiB last-level cache, but the latency ladder measured by the %s steps "
             "to memory at about %.1f MiB: the caches reported are not the caches this process gets (a VM shows "
             "what the host chose); working sets are sized from the measured one",
             theirs / (double)CACHES_MIB, inferred->source, ours / (double)CACHES_MIB);
    return 1;
}
