/*
 * keynumbers.c — the key numbers of a run (keynumbers.h).  Most are one
 * entry of keynumbers_entries: a term of the claim syntax reduced over the
 * run's rows (claims_measure), whole or per group of a column.  The cache
 * levels of the latency ladder need the machine's cache sizes as well, so
 * they are the one entry computed by a function.
 */
#include "analysis/keynumbers.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/xalloc.h"
#include "analysis/claims.h"

typedef struct keynumbers_list {
    keynumbers_line *v;
    size_t n;
} keynumbers_list;

/* One key number: TERM per group of BY ("" for one value); unit "ns" for
 * times, else the value is printed as a plain number with unit after it. */
typedef struct keynumbers_entry {
    const char *what;
    const char *term;
    const char *by;
    const char *unit;
    void (*custom)(runfolder *run, keynumbers_list *out);   /* instead of term */
} keynumbers_entry;

static void keynumbers_ladder(runfolder *run, keynumbers_list *out);

static const keynumbers_entry keynumbers_entries[] = {
    {"load latency, L1 to DRAM (latency ladder)", NULL, NULL, NULL, keynumbers_ladder},
    {"one-way core-to-core latency, CAS (by pair class)", "median(real_ns){family=c2c variant=cas}", "pair_class",
     "ns", NULL},
    {"one-way core-to-core latency, load/store (by pair class)", "median(real_ns){family=c2c variant=load_store}",
     "pair_class", "ns", NULL},
    {"a store seen by another core (median, by pair class)",
     "median(median_ns){family=visibility variant=store_to_load runtime=c}", "pair_class", "ns", NULL},
    {"64 B on the stack, allocated and touched", "median(real_ns){family=alloc variant=stack_fixed size=64}", NULL,
     "ns", NULL},
    {"64 B malloc + free (by allocator)", "median(real_ns){family=alloc variant=heap_malloc_free size=64}",
     "allocator", "ns", NULL},
    {"64 B from libgc (GC_MALLOC, collections included)", "median(real_ns){family=alloc variant=gc_malloc size=64}",
     NULL, "ns", NULL},
    {"libgc: p99 time held per collection (by live set)",
     "p99(collection_ns){file=gc_pauses.csv heap=gc markers=1 incremental=0 work_per_alloc=0}", "live_bytes", "ns",
     NULL},
    {"Go: p99 stop-the-world pause (by live set)", "p99(pause_ns){file=gc_pauses.csv heap=go gogc=100}", "live_bytes",
     "ns", NULL},
    {"litmus weak outcomes per million, relaxed (by test)",
     "median(per_million){file=litmus.csv variant=relaxed weak=1}", "test", "", NULL},
};

char *keynumbers_ns_text(double ns)
{
    if (fabs(ns) >= 1e9)
        return output_strdupf("%.3g s", ns / 1e9);
    if (fabs(ns) >= 1e6)
        return output_strdupf("%.3g ms", ns / 1e6);
    if (fabs(ns) >= 1e3)
        return output_strdupf("%.3g µs", ns / 1e3);
    return output_strdupf("%.3g ns", ns);
}

static char *keynumbers_value_text(double v, const char *unit)
{
    return strcmp(unit, "ns") == 0 ? keynumbers_ns_text(v) : output_strdupf("%.6g%s%s", v, *unit ? " " : "", unit);
}

static void keynumbers_add(keynumbers_list *out, const char *what, char *value, char *source)
{
    out->v = xalloc_array(out->v, out->n + 1, sizeof *out->v);
    out->v[out->n++] = (keynumbers_line){xalloc_strdup(what), value, source};
}

/* Append "; " and one to *value. */
static void keynumbers_join(char **value, char *one)
{
    char *joined = output_strdupf("%s%s%s", *value ? *value : "", *value ? "; " : "", one);
    free(*value);
    free(one);
    *value = joined;
}

/* An entry of the table: its term, per group when it has a column. */
static void keynumbers_measure(runfolder *run, const keynumbers_entry *e, keynumbers_list *out)
{
    claims_quantity *q;
    char err[512];
    size_t n = claims_measure(run, e->term, e->by, &q, err, sizeof err);
    if (n == 0)
        return;
    char *value = NULL;
    for (size_t i = 0; i < n; i++) {
        char *number = keynumbers_value_text(q[i].value, e->unit);
        keynumbers_join(&value, e->by ? output_strdupf("%s: %s", *q[i].label ? q[i].label : "(none)", number)
                                      : xalloc_strdup(number));
        free(number);
    }
    keynumbers_add(out, e->what, value, xalloc_strdup(e->term));
    claims_quantities_free(q, n);
}

/* The machine's cache sizes, measured (machine.json caches_inferred) where
 * the run has them, else hwloc's (caches): level i's at sizes[i - 1]. */
static int keynumbers_cache_sizes(runfolder *run, double *sizes, int max, const char **source)
{
    json_object *m = runfolder_machine(run), *inferred, *list = NULL;
    *source = "hwloc";
    if (m && json_object_object_get_ex(m, "caches_inferred", &inferred) &&
        json_object_object_get_ex(inferred, "levels", &list) && json_object_array_length(list) > 0)
        *source = "measured";
    else if (!m || !json_object_object_get_ex(m, "caches", &list))
        return 0;
    int n = 0;
    for (size_t i = 0; json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++) {
        json_object *c = json_object_array_get_idx(list, i), *level, *size, *type;
        if (!json_object_object_get_ex(c, "level", &level) || !json_object_object_get_ex(c, "size_bytes", &size))
            continue;
        int l = json_object_get_int(level);
        if (json_object_object_get_ex(c, "type", &type) && strcmp(json_object_get_string(type), "instruction") == 0)
            continue;
        if (l >= 1 && l <= max) {
            sizes[l - 1] = json_object_get_double(size);
            n = l > n ? l : n;
        }
    }
    return n;
}

/* L1 (smallest working set), each further cache level (the largest working
 * set at most half its size, above the level before), DRAM (the largest). */
static void keynumbers_ladder(runfolder *run, keynumbers_list *out)
{
    claims_quantity *q;
    char err[512];
    size_t n = claims_measure(run, "median(real_ns){family=latency variant=chase}", "working_set", &q, err, sizeof err);
    if (n == 0)
        return;
    double sizes[4] = {0};
    const char *source;
    int levels = keynumbers_cache_sizes(run, sizes, 4, &source);
    char *ns = keynumbers_ns_text(q[0].value), *value = output_strdupf("L1 %s (%s)", ns, q[0].label);
    free(ns);
    for (int l = 2; l <= levels; l++) {
        size_t pick = n;
        for (size_t i = 0; i < n; i++) {
            double ws = strtod(q[i].group, NULL);
            if (ws <= sizes[l - 1] / 2 && ws > sizes[l - 2])
                pick = i;
        }
        if (pick == n)
            continue;
        ns = keynumbers_ns_text(q[pick].value);
        keynumbers_join(&value, output_strdupf("L%d %s (%s)", l, ns, q[pick].label));
        free(ns);
    }
    ns = keynumbers_ns_text(q[n - 1].value);
    keynumbers_join(&value, output_strdupf("DRAM %s (%s)", ns, q[n - 1].label));
    free(ns);
    keynumbers_add(out, keynumbers_entries[0].what, value,
                   output_strdupf("median(real_ns){family=latency variant=chase} by working_set; cache sizes: %s",
                                  levels ? source : "none recorded"));
    claims_quantities_free(q, n);
}

size_t keynumbers_collect(runfolder *run, keynumbers_line **out)
{
    keynumbers_list list = {0};
    for (size_t i = 0; i < sizeof keynumbers_entries / sizeof keynumbers_entries[0]; i++) {
        const keynumbers_entry *e = &keynumbers_entries[i];
        if (e->custom)
            e->custom(run, &list);
        else
            keynumbers_measure(run, e, &list);
    }
    *out = list.v;
    return list.n;
}

void keynumbers_free(keynumbers_line *lines, size_t n)
{
    for (size_t i = 0; lines && i < n; i++)
        xalloc_free_strings(3, lines[i].what, lines[i].value, lines[i].source);
    free(lines);
}

void keynumbers_print(const keynumbers_line *lines, size_t n, FILE *out)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-58s %s\n", lines[i].what, lines[i].value);
}
