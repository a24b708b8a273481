/*
 * results.c — results.csv (see results.h): a row per cbench result or
 * skipped family while the run goes on, then the table in column order;
 * and the row classification that readers of a finished run share.
 */
#include "memprobe/results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/counters.h"
#include "memprobe/xalloc.h"

#define RESULTS_MAX_ARG_COLUMNS 64

static const char *const results_lead[] = {RESULTS_LEAD_COLUMNS};
static const char *const results_middle[] = {RESULTS_MIDDLE_COLUMNS};
static const char *const results_tail[] = {RESULTS_TAIL_COLUMNS};
#define RESULTS_COUNT(a) ((int)(sizeof(a) / sizeof(a)[0]))

struct results {
    output_table *raw;          /* rows as they arrive, columns in order of first use */
    char *arg_columns[RESULTS_MAX_ARG_COLUMNS];
    int n_arg_columns;
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

results *results_new(const char *allocator)
{
    results *r = xalloc_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->raw = output_table_new();
    r->allocator = allocator;
    return r;
}

void results_free(results *r)
{
    if (!r)
        return;
    output_table_free(r->raw);
    for (int i = 0; i < r->n_arg_columns; i++)
        free(r->arg_columns[i]);
    free(r);
}

static void results_remember_arg_column(results *r, const char *name)
{
    if (results_in_list((const char *const *)r->arg_columns, r->n_arg_columns, name))
        return;
    if (r->n_arg_columns < RESULTS_MAX_ARG_COLUMNS)
        r->arg_columns[r->n_arg_columns++] = xalloc_strdup(name);
}

/* "size:64/n:2" -> columns size=64, n=2 ("64/2" -> arg0=64, arg1=2). */
static void results_set_arg_columns(results *r, const char *args)
{
    char *copy = xalloc_strdup(args), *save = NULL;
    int index = 0;
    for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save), index++) {
        char *colon = strchr(part, ':');
        char name[64];
        const char *value = part;
        if (colon) {
            *colon = '\0';
            snprintf(name, sizeof name, "%s", part);
            value = colon + 1;
        } else {
            snprintf(name, sizeof name, "arg%d", index);
        }
        results_remember_arg_column(r, name);
        output_table_set_str(r->raw, name, value);
    }
    free(copy);
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
        output_table_set_str(t, kv, eq + 1);
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
    output_table *t = r->raw;
    output_table_row(t);
    results_set_names(t, res);
    results_set_arg_columns(r, res->args);
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
    for (int i = 0; i < res->n_counters; i++)
        output_table_set_num(t, res->counter_names[i], res->counter_values[i]);
    output_table_set_str(t, "label", res->label);
    static const char *const status_names[] = {[CBENCH_OK] = "ok", [CBENCH_SKIPPED] = "skipped",
                                               [CBENCH_ERROR] = "error"};
    output_table_set_str(t, "status", status_names[res->status]);
    if (res->status != CBENCH_OK)
        output_table_set_str(t, "message", res->message);
}

void results_add_skip(results *r, const char *family, const char *why)
{
    output_table_row(r->raw);
    output_table_set_str(r->raw, "family", family);
    output_table_set_str(r->raw, "allocator", r->allocator);
    output_table_set_str(r->raw, "runtime", "c");
    output_table_set_str(r->raw, "status", "skipped");
    output_table_set_str(r->raw, "message", why);
}

static void results_declare(output_table *t, const char *column)
{
    output_table_columns(t, &column, 1);
}

void results_build_table(results *r)
{
    output_table *t = output_table_get("results.csv");
    output_table_columns(t, results_lead, RESULTS_COUNT(results_lead));
    output_table_columns(t, (const char *const *)r->arg_columns, r->n_arg_columns);
    output_table_columns(t, results_middle, RESULTS_COUNT(results_middle));
    for (int i = 0; i < counters_event_count(); i++)
        results_declare(t, counters_event_column(i));
    for (int i = 0; i < counters_derived_count(); i++)
        results_declare(t, counters_derived_column(i));
    for (size_t i = 0; i < output_table_column_count(r->raw); i++) {
        const char *c = output_table_column(r->raw, i);
        if (!results_column_is_fixed(c) &&
            !results_in_list((const char *const *)r->arg_columns, r->n_arg_columns, c))
            results_declare(t, c);
    }
    output_table_columns(t, results_tail, RESULTS_COUNT(results_tail));
    output_table_append(t, r->raw);
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
    const char *s = output_table_cell(t, r, column);
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end || errno == ERANGE || isnan(d))
        return 0;
    *v = d;
    return 1;
}
