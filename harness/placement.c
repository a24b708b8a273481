/*
 * placement.c — short c2c probes of one pair at the start, between the pair
 * families and at the end of a run; the placement_probe tag on every pair
 * row, the placement column derived from the probes around it, the record
 * in machine.json and the warning when the probes disagree (placement.h).
 */
#include "memprobe/placement.h"

#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memprobe/pairs.h"
#include "memprobe/pingpong.h"

#define PLACEMENT_MAX_SAMPLES 65536
#define PLACEMENT_MAX_FAMILIES 32

typedef struct placement_probe {
    char when[64];            /* "start", "before visibility", "end" */
    char utc[32];
    double median_ns, min_ns; /* NaN when the probe failed */
    size_t samples;
    char error[256];
} placement_probe;

static struct {
    int active;
    const topo *topo;
    topo_pair pair;
    char skipped[256];        /* why there are no probes */
    placement_probe probes[PLACEMENT_MAX_PROBES];
    int n_probes;
    char families[PLACEMENT_MAX_FAMILIES][32];
    int n_families;
} placement;

static void placement_utc(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Run one probe now and append it under the label when. */
static void placement_take(const char *when)
{
    if (placement.n_probes == PLACEMENT_MAX_PROBES)
        return;
    placement_probe *p = &placement.probes[placement.n_probes++];
    memset(p, 0, sizeof *p);
    snprintf(p->when, sizeof p->when, "%s", when);
    placement_utc(p->utc, sizeof p->utc);
    p->median_ns = p->min_ns = NAN;
    pingpong_run *r = pingpong_measure(placement.topo, &placement.pair, PINGPONG_LOAD_STORE, PLACEMENT_PROBE_S,
                                       PLACEMENT_MAX_SAMPLES, p->error, sizeof p->error);
    if (!r)
        return;
    if (pingpong_verify(r, p->error, sizeof p->error) == 0) {
        pairs_summary s;
        pairs_summarize(r->samples, r->n_samples, &s);
        p->median_ns = s.p50;
        p->min_ns = s.min;
        p->samples = s.n;
    }
    pingpong_free(r);
}

void placement_begin(const topo *t, FILE *out)
{
    memset(&placement, 0, sizeof placement);
    topo_pair *pairs;
    int n = pairs_select(t, 0, &pairs);
    if (n < 1) {
        pairs_require_cpus(t, 2, placement.skipped, sizeof placement.skipped);
        if (!*placement.skipped)
            snprintf(placement.skipped, sizeof placement.skipped, "no pair of allowed CPUs");
        free(pairs);
        return;
    }
    placement.topo = t;
    placement.pair = pairs[0];
    free(pairs);
    placement.active = 1;
    placement_take("start");
    const placement_probe *p = &placement.probes[0];
    if (out && !*p->error)
        fprintf(out, "placement: start probe of CPUs %d,%d (c2c load_store): %.1f ns median one-way\n",
                placement.pair.cpu_a, placement.pair.cpu_b, p->median_ns);
    else if (out)
        fprintf(out, "placement: start probe of CPUs %d,%d failed: %s\n", placement.pair.cpu_a,
                placement.pair.cpu_b, p->error);
}

/* 1 the first time family is seen (remembered), else 0. */
static int placement_new_family(const char *family)
{
    for (int i = 0; i < placement.n_families; i++)
        if (strcmp(placement.families[i], family) == 0)
            return 0;
    if (placement.n_families < PLACEMENT_MAX_FAMILIES)
        snprintf(placement.families[placement.n_families++], sizeof placement.families[0], "%s", family);
    return 1;
}

void placement_enter(cbench_state *st)
{
    if (!placement.active)
        return;
    const char *name = cbench_name(st), *slash = strchr(name, '/');
    char family[32];
    snprintf(family, sizeof family, "%.*s", slash ? (int)(slash - name) : (int)strlen(name), name);
    if (placement_new_family(family) && placement.n_families > 1) {
        char when[64];
        snprintf(when, sizeof when, "before %s", family);
        placement_take(when);
    }
    char index[16];
    snprintf(index, sizeof index, "%d", placement.n_probes - 1);
    cbench_tag(st, "placement_probe", index);
}

int placement_probe_count(void)
{
    return placement.n_probes;
}

double placement_probe_ns(int i)
{
    return i >= 0 && i < placement.n_probes ? placement.probes[i].median_ns : NAN;
}

int placement_differs(double a_ns, double b_ns)
{
    if (!(a_ns > 0) || !(b_ns > 0))
        return -1;
    double ratio = a_ns > b_ns ? a_ns / b_ns : b_ns / a_ns;
    return ratio > PLACEMENT_CHANGE_RATIO;
}

/* "stable" < "unknown" < "changed": the worse of two marks. */
static int placement_rank(const char *mark)
{
    return !mark ? -1 : strcmp(mark, "changed") == 0 ? 2 : strcmp(mark, "unknown") == 0 ? 1 : 0;
}

/* The mark of rows tagged with probe k. */
static const char *placement_interval_mark(const double *ns, int n, int k)
{
    int d = k >= 0 && k + 1 < n ? placement_differs(ns[k], ns[k + 1]) : -1;
    return d < 0 ? "unknown" : d ? "changed" : "stable";
}

void placement_mark_rows(output_table *results, const double *ns, int n)
{
    size_t rows = output_table_row_count(results);
    for (size_t r = 0; r < rows; r++) {        /* iteration rows: the probes around them */
        const char *tag = output_table_cell(results, r, "placement_probe");
        const char *agg = output_table_cell(results, r, "aggregate");
        if (!tag || (agg && *agg))
            continue;
        char *end;
        long k = strtol(tag, &end, 10);
        output_table_insert_column(results, "placement", "label");
        output_table_set_row_str(results, r, "placement",
                                 placement_interval_mark(ns, n, *end || k > INT_MAX ? -1 : (int)k));
    }
    for (size_t r = 0; r < rows; r++) {        /* aggregates: the worst of their repetitions */
        const char *agg = output_table_cell(results, r, "aggregate"), *bench = output_table_cell(results, r, "benchmark");
        if (!agg || !*agg || !bench)
            continue;   /* (libbenchmark may leave an aggregate's tags out: matched by benchmark) */
        const char *worst = NULL;
        for (size_t i = 0; i < rows; i++) {
            const char *b = output_table_cell(results, i, "benchmark"), *a = output_table_cell(results, i, "aggregate");
            const char *mark = output_table_cell(results, i, "placement");
            if (b && strcmp(b, bench) == 0 && (!a || !*a) && placement_rank(mark) > placement_rank(worst))
                worst = mark;
        }
        if (worst)   /* none: not a pair benchmark */
            output_table_set_row_str(results, r, "placement", worst);
    }
}

static json_object *placement_json(double max_ratio, int changed)
{
    json_object *o = json_object_new_object();
    if (*placement.skipped) {
        json_object_object_add(o, "skipped", json_object_new_string(placement.skipped));
        return o;
    }
    json_object_object_add(o, "probe", json_object_new_string("c2c/load_store median one-way latency"));
    json_object_object_add(o, "cpu_a", json_object_new_int(placement.pair.cpu_a));
    json_object_object_add(o, "cpu_b", json_object_new_int(placement.pair.cpu_b));
    json_object_object_add(o, "pair_class", json_object_new_string(topo_pair_class_name(placement.pair.pair_class)));
    json_object_object_add(o, "seconds_per_probe", json_object_new_double(PLACEMENT_PROBE_S));
    json_object *arr = json_object_new_array();
    for (int i = 0; i < placement.n_probes; i++) {
        const placement_probe *p = &placement.probes[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "index", json_object_new_int(i));
        json_object_object_add(e, "when", json_object_new_string(p->when));
        json_object_object_add(e, "utc", json_object_new_string(p->utc));
        json_object_object_add(e, "median_ns", isnan(p->median_ns) ? NULL : json_object_new_double(p->median_ns));
        json_object_object_add(e, "min_ns", isnan(p->min_ns) ? NULL : json_object_new_double(p->min_ns));
        json_object_object_add(e, "samples", json_object_new_int64((int64_t)p->samples));
        if (*p->error)
            json_object_object_add(e, "error", json_object_new_string(p->error));
        json_object_array_add(arr, e);
    }
    json_object_object_add(o, "probes", arr);
    json_object_object_add(o, "max_ratio", isnan(max_ratio) ? NULL : json_object_new_double(max_ratio));
    json_object_object_add(o, "changed", json_object_new_boolean(changed));
    return o;
}

int placement_finish(output_table *results, sysinfo *si, int take_end_probe, FILE *out)
{
    if (!placement.active && !*placement.skipped)
        return 0;
    if (placement.active && take_end_probe)
        placement_take("end");
    double ns[PLACEMENT_MAX_PROBES] = {0}, lo = INFINITY, hi = 0;
    int lo_i = -1, hi_i = -1;
    for (int i = 0; i < placement.n_probes; i++) {
        ns[i] = placement.probes[i].median_ns;
        if (ns[i] > 0 && ns[i] < lo)
            lo = ns[i], lo_i = i;
        if (ns[i] > 0 && ns[i] > hi)
            hi = ns[i], hi_i = i;
    }
    double max_ratio = lo_i >= 0 ? hi / lo : NAN;
    int changed = lo_i >= 0 && placement_differs(lo, hi) == 1;
    if (results && placement.active)
        placement_mark_rows(results, ns, placement.n_probes);
    if (changed) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "placement changed during the run: the c2c probe of CPUs %d,%d (load_store, median one-way) was "
                 "%.1f ns %s and %.1f ns %s, %.1fx apart (more than %.0fx): the host may have moved the vCPUs; pair "
                 "rows measured between differing probes are marked placement=changed in results.csv",
                 placement.pair.cpu_a, placement.pair.cpu_b, lo, placement.probes[lo_i].when, hi,
                 placement.probes[hi_i].when, max_ratio, PLACEMENT_CHANGE_RATIO);
        sysinfo_add_warning(si, "%s", msg);
        if (out)
            fprintf(out, "warning: %s\n", msg);
    } else if (out && placement.active && lo_i >= 0) {
        fprintf(out, "placement: %d c2c probes of CPUs %d,%d, median one-way %.1f to %.1f ns\n", placement.n_probes,
                placement.pair.cpu_a, placement.pair.cpu_b, lo, hi);
    } else if (out && placement.active && placement.n_probes > 0) {
        fprintf(out, "placement: the c2c probes of CPUs %d,%d failed: %s\n", placement.pair.cpu_a,
                placement.pair.cpu_b, placement.probes[0].error);
    }
    sysinfo_put(si, "placement", placement_json(max_ratio, changed));
    placement.active = 0;
    return changed;
}
