/*
 * results.c — results.csv (see results.h): a row per cbench result or
 * skipped family while the run goes on, then the table in column order;
 * and the row classification that readers of a finished run share.
 */
#include "memprobe/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/xalloc.h"

static const char *const results_lead[] = {RESULTS_LEAD_COLUMNS};
static const char *const results_middle[] = {RESULTS_MIDDLE_COLUMNS};
static const char *const results_tail[] = {RESULTS_TAIL_COLUMNS};
static const char *const results_numeric[] = {RESULTS_NUMERIC_COLUMNS};
#define RESULTS_COUNT(a) ((int)(sizeof(a) / sizeof(a)[0]))

struct results {
    const char *allocator;
};

static int results_in_list(const char *const *list, int n, const char *column)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], column) == 0)
            return 1;
    return 0;
}

int results_column_is_fixed(const char *column)
{
    return results_in_list(results_lead, RESULTS_COUNT(results_lead), column) ||
           results_in_list(results_middle, RESULTS_COUNT(results_middle), column) ||
           results_in_list(results_tail, RESULTS_COUNT(results_tail), column);
}

int results_column_is_numeric(const char *column)
{
    return results_in_list(results_numeric, RESULTS_COUNT(results_numeric), column);
}

results *results_new(const char *allocator)
{
    results *r = xalloc_calloc(1, sizeof *r);
    r->allocator = allocator;
    return r;
}

void results_free(results *r)
{
    free(r);
}

/* The arguments of a benchmark name, "size:64/n:2" (or positional "64/2"):
 * each call takes the next one from *p into name (arg<index> when
 * positional) and value; 0 when there is none left. */
static int results_next_arg(const char **p, int index, char *name, size_t namelen, char *value, size_t valuelen)
{
    if (!**p)
        return 0;
    size_t len = strcspn(*p, "/");
    const char *colon = memchr(*p, ':', len);
    if (colon) {
        snprintf(name, namelen, "%.*s", (int)(colon - *p), *p);
        snprintf(value, valuelen, "%.*s", (int)(len - (size_t)(colon - *p) - 1), colon + 1);
    } else {
        snprintf(name, namelen, "arg%d", index);
        snprintf(value, valuelen, "%.*s", (int)len, *p);
    }
    *p += len + ((*p)[len] == '/');
    return 1;
}

/* Declare column (when new) just before the first of the tail columns
 * (label, status, message) that t has, so that they stay last while rows
 * are added: a column derived when the run ends (placement, rows_derive),
 * declared just before "label", then follows every family's column, as in
 * results.csv. */
static void results_declare_before_tail(output_table *t, const char *column)
{
    for (size_t i = 0; i < output_table_column_count(t); i++)
        if (results_in_list(results_tail, RESULTS_COUNT(results_tail), output_table_column(t, i))) {
            output_table_insert_column(t, column, output_table_column(t, i));
            return;
        }
    output_table_insert_column(t, column, NULL);
}

/* Set a column that is not one of the tail's (see above). */
static void results_set_before_tail(output_table *t, const char *column, const char *value)
{
    results_declare_before_tail(t, column);
    output_table_set_str(t, column, value);
}

/* The fixed columns before the tail (lead, middle), declared before it. */
static void results_declare_fixed(output_table *t)
{
    for (int i = 0; i < RESULTS_COUNT(results_lead); i++)
        results_declare_before_tail(t, results_lead[i]);
    for (int i = 0; i < RESULTS_COUNT(results_middle); i++)
        results_declare_before_tail(t, results_middle[i]);
}

/* "size:64/n:2" -> columns size=64, n=2 ("64/2" -> arg0=64, arg1=2). */
static void results_set_arg_columns(output_table *t, const char *args)
{
    char name[64], value[256];
    for (int i = 0; results_next_arg(&args, i, name, sizeof name, value, sizeof value); i++)
        results_set_before_tail(t, name, value);
}

/* label "k=v;k=v" -> one column per key */
static void results_set_tag_columns(output_table *t, const char *label)
{
    char *copy = xalloc_strdup(label), *save = NULL;
    for (char *kv = strtok_r(copy, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
            continue;
        *eq = '\0';
        results_set_before_tail(t, kv, eq + 1);
    }
    free(copy);
}

/* family, benchmark and variant from the registered name "<family>/<variant>". */
static void results_set_names(output_table *t, const cbench_result *res)
{
    const char *slash = strchr(res->function_name, '/');
    int family_len = slash ? (int)(slash - res->function_name) : (int)strlen(res->function_name);
    char family[64], bench[1024];
    snprintf(family, sizeof family, "%.*s", family_len, res->function_name);
    output_table_set_str(t, "family", family);
    snprintf(bench, sizeof bench, "%s%s%s", res->function_name, *res->args ? "/" : "", res->args);
    output_table_set_str(t, "benchmark", bench);
    output_table_set_str(t, "variant", slash ? slash + 1 : res->function_name);
}

void results_add(const cbench_result *res, void *ctx)
{
    results *r = ctx;
    output_table *t = output_table_get(RESULTS_FILE);
    output_table_row(t);
    results_declare_fixed(t);
    results_set_names(t, res);
    results_set_arg_columns(t, res->args);
    output_table_set_int(t, "threads", res->threads);
    output_table_set_str(t, "allocator", r->allocator);
    output_table_set_str(t, "runtime", "c");
    results_set_tag_columns(t, res->label);    /* may override allocator/runtime */
    output_table_set_str(t, "run_type", *res->aggregate ? "aggregate" : "iteration");
    output_table_set_str(t, "aggregate", res->aggregate);
    if (res->repetition_index >= 0)
        output_table_set_int(t, "repetition", res->repetition_index);
    output_table_set_int(t, "iterations", res->iterations);
    if (res->status == CBENCH_OK) {
        output_table_set_num(t, "real_ns", res->real_ns);
        /* with manual time the work ran on other threads or processes:
         * the main thread's CPU time would describe only its waiting */
        if (!res->manual_time)
            output_table_set_num(t, "cpu_ns", res->cpu_ns);
    }
    for (int i = 0; i < res->n_counters; i++) {
        results_declare_before_tail(t, res->counter_names[i]);
        output_table_set_num(t, res->counter_names[i], res->counter_values[i]);
    }
    output_table_set_str(t, "label", res->label);
    static const char *const status_names[] = {[CBENCH_OK] = "ok", [CBENCH_SKIPPED] = "skipped",
                                               [CBENCH_ERROR] = "error"};
    output_table_set_str(t, "status", status_names[res->status]);
    if (res->status != CBENCH_OK)
        output_table_set_str(t, "message", res->message);
}

void results_add_skip(results *r, const char *family, const char *why)
{
    output_table *t = output_table_get(RESULTS_FILE);
    output_table_row(t);
    results_declare_fixed(t);
    output_table_set_str(t, "family", family);
    output_table_set_str(t, "allocator", r->allocator);
    output_table_set_str(t, "runtime", "c");
    output_table_set_str(t, "status", "skipped");
    output_table_set_str(t, "message", why);
}

static void results_declare(output_table *t, const char *column)
{
    output_table_columns(t, &column, 1);
}

/* Declare, in order of first appearance, the argument columns the rows'
 * benchmark names carry ("latency/chase/working_set:16384" under family
 * latency, variant chase: working_set). */
static void results_declare_arg_columns(output_table *t, const output_table *rows)
{
    for (size_t r = 0; r < output_table_row_count(rows); r++) {
        const char *family = output_table_cell(rows, r, "family"), *variant = output_table_cell(rows, r, "variant");
        const char *bench = output_table_cell(rows, r, "benchmark");
        if (!family || !variant || !bench)
            continue;
        size_t fl = strlen(family), vl = strlen(variant);
        if (strncmp(bench, family, fl) != 0 || bench[fl] != '/' || strncmp(bench + fl + 1, variant, vl) != 0 ||
            bench[fl + 1 + vl] != '/')
            continue;
        const char *args = bench + fl + vl + 2;
        char name[64], value[256];
        for (int i = 0; results_next_arg(&args, i, name, sizeof name, value, sizeof value); i++)
            results_declare(t, name);
    }
}

output_table *results_table_ordered(const output_table *rows, const char *const *counter_columns, size_t n)
{
    output_table *t = output_table_new();
    output_table_columns(t, results_lead, RESULTS_COUNT(results_lead));
    results_declare_arg_columns(t, rows);
    output_table_columns(t, results_middle, RESULTS_COUNT(results_middle));
    output_table_columns(t, counter_columns, (int)n);
    for (size_t i = 0; i < output_table_column_count(rows); i++) {   /* the families' own, in order of first use */
        const char *c = output_table_column(rows, i);
        if (!results_in_list(results_tail, RESULTS_COUNT(results_tail), c))
            results_declare(t, c);
    }
    output_table_columns(t, results_tail, RESULTS_COUNT(results_tail));
    output_table_append(t, rows);
    return t;
}

/* ---- reading rows back ---- */

results_row_kind results_row_kind_of(const output_table *t, size_t r)
{
    const char *status = output_table_cell(t, r, "status");
    if (status && strcmp(status, "skipped") == 0)
        return RESULTS_ROW_SKIPPED;
    if (status && strcmp(status, "error") == 0)
        return RESULTS_ROW_ERROR;
    const char *type = output_table_cell(t, r, "run_type");
    const char *agg = output_table_cell(t, r, "aggregate");
    if ((type && strcmp(type, "aggregate") == 0) || (agg && *agg))
        return RESULTS_ROW_AGGREGATE;
    return RESULTS_ROW_ITERATION;
}

int results_arg_is_cpu(const char *name)
{
    return strcmp(name, "cpu") == 0 || strncmp(name, "cpu_", 4) == 0;
}

int results_cell_number(const output_table *t, size_t r, const char *column, double *v)
{
    return output_parse_number(output_table_cell(t, r, column), v);
}
