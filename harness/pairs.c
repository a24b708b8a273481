/*
 * pairs.c — the shared shape of the families that run pinned threads on a
 * pair of CPUs (see pairs.h): which pairs, how a run is registered, tagged,
 * started and finished, how the threads run bounded in time, how samples are
 * summarised and how worker counters reach cbench.
 */
#include "memprobe/pairs.h"

#include "memprobe/placement.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/stats.h"
#include "memprobe/xalloc.h"

void *pairs_calloc_lines(size_t size)
{
    size_t rounded = (size + PAIRS_LINE - 1) / PAIRS_LINE * PAIRS_LINE;
    void *p = aligned_alloc(PAIRS_LINE, rounded ? rounded : PAIRS_LINE);
    if (p)
        memset(p, 0, rounded ? rounded : PAIRS_LINE);
    return p;
}

int pairs_select(const topo *t, int all, topo_pair **out)
{
    *out = NULL;
    if (topo_pu_count(t) < 2)
        return 0;
    if (all)
        return topo_all_pairs(t, 1, out);
    topo_pair *p = calloc(TOPO_PAIR_CLASS_COUNT, sizeof *p);
    if (!p)
        return 0;
    int n = topo_representative_pairs(t, p, TOPO_PAIR_CLASS_COUNT);
    *out = p;
    return n;
}

int pairs_require_cpus(const topo *t, int need, char *why, size_t whylen)
{
    int have = topo_pu_count(t);
    if (have >= need)
        return 0;
    snprintf(why, whylen, "needs %d CPUs, %d allowed (taskset, cgroup cpuset or --cpus)", need, have);
    return -1;
}

void pairs_format_cpus(const int *cpus, int n, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%d", i ? "," : "", cpus[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

double pairs_share_s(const bench_config *cfg, double quick_total_s, double default_total_s,
                     int count, double min_s, double max_s)
{
    double total = cfg->quick ? quick_total_s : default_total_s;
    int runs = (count > 0 ? count : 1) * (cfg->repetitions > 1 ? cfg->repetitions : 1);
    double share = total / runs;
    if (share < min_s)
        share = min_s;
    if (share > max_s)
        share = max_s;
    return share;
}

static cbench_bench *pairs_register_args(const char *name, cbench_fn fn, void *user,
                                         const int64_t *args, const char *const *names, int n)
{
    cbench_bench *b = cbench_register(name, fn, user);
    if (!b)
        return NULL;
    cbench_arg_names(b, names, n);
    cbench_args(b, args, n);
    cbench_iterations(b, 1);
    cbench_use_manual_time(b);
    return b;
}

cbench_bench *pairs_register(const char *name, cbench_fn fn, void *user, const topo_pair *p)
{
    static const char *const names[] = {"cpu_a", "cpu_b"};
    const int64_t args[] = {p->cpu_a, p->cpu_b};
    return pairs_register_args(name, fn, user, args, names, 2);
}

cbench_bench *pairs_register_group(const char *name, cbench_fn fn, void *user,
                                   const int *cpus, int n)
{
    static const char *const names[] = {"cpu_a", "cpu_b", "workers"};
    const int64_t args[] = {cpus[0], cpus[n - 1], n};
    return pairs_register_args(name, fn, user, args, names, 3);
}

/* Tag (cpus, pair class when there are two threads or more, and threads = the n pinned threads: the main
 * thread only waits), silence the main thread's counters, start the batch. */
static int pairs_start(cbench_state *st, const char *cpus, int n, topo_pair_class c)
{
    char threads[16];
    snprintf(threads, sizeof threads, "%d", n);
    cbench_tag(st, "threads", threads);
    cbench_tag(st, "cpus", cpus);
    if (n > 1)   /* one thread is no pair */
        cbench_tag(st, "pair_class", topo_pair_class_name(c));
    placement_enter(st);   /* may probe the placement first; tags placement_probe */
    cbench_no_self_counters(st);
    return cbench_next_batch(st) > 0 ? 0 : -1;
}

int pairs_begin(cbench_state *st, const topo *t, topo_pair *p)
{
    p->cpu_a = (int)cbench_range(st, 0);
    p->cpu_b = (int)cbench_range(st, 1);
    p->pair_class = topo_pair_classify(t, p->cpu_a, p->cpu_b);
    char cpus[32];
    pairs_format_cpus((const int[]){p->cpu_a, p->cpu_b}, 2, cpus, sizeof cpus);
    return pairs_start(st, cpus, 2, p->pair_class);
}

topo_pair_class pairs_group_class(const topo *t, const int *cpus, int n)
{
    topo_pair_class widest = TOPO_PAIR_SMT;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            topo_pair_class c = topo_pair_classify(t, cpus[i], cpus[j]);
            if (c > widest)
                widest = c;
        }
    return widest;
}

int pairs_begin_group(cbench_state *st, const topo *t, const int *cpus, int n)
{
    char list[512];
    pairs_format_cpus(cpus, n, list, sizeof list);
    return pairs_start(st, list, n, pairs_group_class(t, cpus, n));
}

void pairs_end(cbench_state *st, double seconds)
{
    cbench_set_iteration_time(st, seconds);
    while (cbench_next_batch(st) > 0)
        ;
}

/* Groups whose threads did not answer in time.  They are never freed (a
 * thread blocked in a system call may still touch their memory and the
 * arguments they carry), but they stay reachable from this list for the
 * life of the process: kept on purpose, so leak checkers do not report them. */
typedef struct pairs_abandoned_group {
    struct pairs_abandoned_group *next;
    pin_group *group;
} pairs_abandoned_group;

static _Atomic(pairs_abandoned_group *) pairs_abandoned_groups;

static void pairs_keep_abandoned(pin_group *g)
{
    pairs_abandoned_group *k = malloc(sizeof *k);
    if (!k)
        return;   /* out of memory: the group is still never freed, only unlisted */
    k->group = g;
    k->next = atomic_load_explicit(&pairs_abandoned_groups, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&pairs_abandoned_groups, &k->next, k,
                                                  memory_order_release, memory_order_relaxed))
        ;
}

pairs_status pairs_run(const topo *t, const int *cpus, int n, pin_thread_fn fn, void *const *args,
                       double timeout_s, char *err, size_t errlen)
{
    pin_group *g = pin_group_start(t, n, cpus, fn, args, err, errlen);
    if (!g)
        return PAIRS_NOT_STARTED;
    if (pin_group_join(g, timeout_s, err, errlen) != 0) {
        pairs_keep_abandoned(g);   /* a thread may still run: kept, never freed */
        return PAIRS_ABANDONED;
    }
    pin_group_free(g);
    return PAIRS_DONE;
}

void *pairs_run_shared(const topo *t, const int *cpus, int n, pin_thread_fn fn, void *run,
                       void (*free_run)(void *), double timeout_s, char *err, size_t errlen)
{
    void **args = xalloc_calloc((size_t)(n > 0 ? n : 1), sizeof *args);
    for (int i = 0; i < n; i++)
        args[i] = run;
    pairs_status status = pairs_run(t, cpus, n, fn, args, timeout_s, err, errlen);
    free(args);
    if (status == PAIRS_NOT_STARTED)
        free_run(run);
    return status == PAIRS_DONE ? run : NULL;
}

void pairs_summarize(double *v, size_t n, pairs_summary *out)
{
    out->n = n;
    if (n == 0) {
        out->min = out->p50 = out->p90 = out->p99 = out->p999 = out->max = out->mean = NAN;
        return;
    }
    stats_sort(v, n);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    out->min = v[0];
    out->max = v[n - 1];
    out->mean = sum / (double)n;
    out->p50 = stats_quantile_sorted(v, n, 0.50);
    out->p90 = stats_quantile_sorted(v, n, 0.90);
    out->p99 = stats_quantile_sorted(v, n, 0.99);
    out->p999 = stats_quantile_sorted(v, n, 0.999);
}

void pairs_report_summary(cbench_state *st, const char *prefix, const pairs_summary *s)
{
    static const char *const names[] = {"median_ns", "min_ns", "p99_ns", "max_ns"};
    const double values[] = {s->p50, s->min, s->p99, s->max};
    for (int i = 0; i < 4; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, names[i]);
        if (!isnan(values[i]))
            cbench_counter(st, name, values[i], CBENCH_COUNTER_PLAIN);
    }
}

pairs_summary pairs_report_samples(cbench_state *st, double *v, size_t n)
{
    pairs_summary s;
    pairs_summarize(v, n, &s);
    pairs_report_summary(st, "", &s);
    cbench_counter(st, "samples", (double)s.n, CBENCH_COUNTER_PLAIN);
    return s;
}

void pairs_counters_start(pairs_counters *c)
{
    int n = counters_event_count();
    c->values = n > 0 ? malloc((size_t)n * sizeof *c->values) : NULL;
    for (int i = 0; c->values && i < n; i++)
        c->values[i] = NAN;
    c->ct = c->values ? counters_thread_start() : NULL;
}

void pairs_counters_stop(pairs_counters *c)
{
    if (c->ct)
        counters_thread_stop(c->ct, c->values);
    c->ct = NULL;
}

void pairs_counters_discard(pairs_counters *c, int n)
{
    for (int i = 0; i < n; i++) {
        free(c[i].values);
        c[i].values = NULL;
    }
}

void pairs_counters_report(cbench_state *st, pairs_counters *c, int n, double ops)
{
    int events = counters_event_count();
    double *sum = events > 0 ? malloc((size_t)events * sizeof *sum) : NULL;
    for (int e = 0; sum && e < events; e++) {
        sum[e] = 0;
        for (int i = 0; i < n; i++)
            sum[e] += c[i].values ? c[i].values[e] : NAN;   /* NaN stays NaN: not counted */
        sum[e] = ops > 0 ? sum[e] / ops : NAN;
    }
    if (sum)
        cbench_add_thread_counters(st, sum);
    free(sum);
    pairs_counters_discard(c, n);
}
