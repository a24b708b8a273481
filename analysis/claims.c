/*
 * claims.c — judging claims (parsed by claims_parse.c) against a run folder.
 *
 * A term selects rows of a table (results.csv or a side CSV) by column
 * filters and reduces one column with a statistic; a check compares one
 * term, or the ratio of two, with a bound — whole, or per group of a column
 * (`by`), after its control (a second comparison that must show the effect
 * for the check to mean anything).  The rules a verdict keeps:
 *   - what is absent (table, family, runtime, column, counter) or was
 *     skipped is "not measurable here", with the reason; a count or sum
 *     over no matching row of a table that is there is 0, a measurement;
 *   - errored rows the filters match are evidence: listed, their values
 *     (counts a row made before it stopped) reduced with the rest, and a
 *     row that errored for the reason the check is about (its message
 *     names the column) fails the check;
 *   - a ratio of two sides whose repetitions overlap (min-max ranges) is
 *     "within noise" and counts as exactly 1;
 *   - the claim holds when every measurable check holds, does not hold when
 *     every one fails, is partly true when they disagree, and coverage says
 *     how many checks could be judged and why the others could not.
 */
#include "analysis/claims.h"
#include "analysis/claims_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/results.h"
#include "memprobe/stats.h"
#include "memprobe/xalloc.h"

#define CLAIMS_WHY_LEN 320
#define CLAIMS_ERRORED_SHOWN 3

static const char *const claims_op_text[] = {"<", "<=", ">", ">=", "==", "!=", "in"};

const char *claims_outcome_name(claims_outcome o)
{
    switch (o) {
    case CLAIMS_HOLDS: return "holds";
    case CLAIMS_DOES_NOT_HOLD: return "does not hold";
    case CLAIMS_PARTLY: return "partly";
    case CLAIMS_NOT_MEASURABLE: return "not measurable here";
    }
    return "?";
}

/* ------------------------------------------------------------ selecting */

/* The rows one term selects from its table. */
typedef struct claims_selection {
    runfolder *run;
    const output_table *table;    /* NULL: not measurable, why says so */
    const char *table_name;
    claims_filter *f;             /* the effective filters (borrowed) */
    size_t nf;
    size_t *rows, n;              /* rows whose values are reduced */
    size_t *errored, nerrored;    /* errored rows the filters match */
    const char *basis;            /* "", or ", aggregate=median rows" */
    const char *skip_message;     /* a matching row was skipped: its message */
    int metric_missing;           /* the table has no column to reduce: why says so */
    char why[CLAIMS_WHY_LEN];
} claims_selection;

static void claims_selection_free(claims_selection *s)
{
    free(s->f);
    free(s->rows);
    free(s->errored);
}

static int claims_value_matches(const char *cell, const char *want)
{
    const char *c = cell ? cell : "";
    if (strcmp(c, want) == 0)
        return 1;
    char *e1, *e2;
    double a = strtod(c, &e1), b = strtod(want, &e2);
    return *c && *want && !*e1 && !*e2 && a == b;
}

/* Whether row r passes every value filter (@max/@min are applied later). */
static int claims_row_matches(const output_table *t, size_t r, const claims_filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].extreme)
            continue;
        const char *cell = output_table_cell(t, r, f[i].column);
        int any = 0;
        for (size_t j = 0; j < f[i].nvalues && !any; j++)
            any = claims_value_matches(cell, f[i].values[j]);
        if (any == f[i].negate)
            return 0;
    }
    return 1;
}

static int claims_has_column(const output_table *t, const char *column)
{
    for (size_t c = 0; c < output_table_column_count(t); c++)
        if (strcmp(output_table_column(t, c), column) == 0)
            return 1;
    return 0;
}

/* The where filters of the claim (results.csv only) under the term's own. */
static size_t claims_effective_filters(const claims_claim *c, const claims_term *t, claims_filter **out)
{
    size_t n = 0, nwhere = c ? c->where.n : 0;
    *out = xalloc_malloc((nwhere + t->filters.n + 1) * sizeof **out);
    for (size_t i = 0; !t->file && i < nwhere; i++)
        if (!claims_filters_mention(t->filters.v, t->filters.n, c->where.v[i].column))
            (*out)[n++] = c->where.v[i];
    for (size_t i = 0; i < t->filters.n; i++)
        (*out)[n++] = t->filters.v[i];
    return n;
}

/* The value a single positive filter on column asks for, if any. */
static const char *claims_single_value(const claims_filter *f, size_t n, const char *column)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].column, column) == 0 && !f[i].negate && f[i].nvalues == 1)
            return f[i].values[0];
    return NULL;
}

/* In a file= term, family=X names the family writing the file; it filters
 * only when the file has a family column.  Returns the new filter count. */
static size_t claims_drop_owner_family(const output_table *table, claims_filter *f, size_t nf)
{
    if (claims_has_column(table, "family"))
        return nf;
    size_t kept = 0;
    for (size_t i = 0; i < nf; i++)
        if (strcmp(f[i].column, "family") != 0)
            f[kept++] = f[i];
    return kept;
}

/* Why a column the term needs is not in its table. */
static void claims_why_missing_column(runfolder *run, const char *column, const char *table_name, char *why)
{
    const char *reason = NULL;
    if (runfolder_counter_state(run, column, &reason) == 0)
        snprintf(why, CLAIMS_WHY_LEN, "counters unavailable: %s%s%s%s", column, reason && *reason ? " (" : "",
                 reason ? reason : "", reason && *reason ? ")" : "");
    else
        snprintf(why, CLAIMS_WHY_LEN, "column %s absent from %s in this run", column, table_name);
}

/* The message of a skipped row of results.csv whose family is name. */
static const char *claims_skip_of_family(runfolder *run, const char *name)
{
    const output_table *t = runfolder_results(run);
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *f = output_table_cell(t, r, "family"), *m = output_table_cell(t, r, "message");
        if (f && strcmp(f, name) == 0 && results_row_kind_of(t, r) == RESULTS_ROW_SKIPPED && m && *m)
            return m;
    }
    return NULL;
}

/* "runtime X absent" when results.csv has no row of the runtime asked for. */
static int claims_runtime_absent(runfolder *run, const claims_filter *f, size_t nf, char *why)
{
    const char *rt = claims_single_value(f, nf, "runtime");
    const output_table *t = runfolder_results(run);
    for (size_t r = 0; rt && r < output_table_row_count(t); r++) {
        const char *cell = output_table_cell(t, r, "runtime");
        if (cell && strcmp(cell, rt) == 0)
            return 0;
    }
    if (!rt)
        return 0;
    const char *skip = claims_skip_of_family(run, rt);
    snprintf(why, CLAIMS_WHY_LEN, "runtime %s absent from this run%s%s", rt, skip ? ": " : "", skip ? skip : "");
    return 1;
}

/* Keep the rows whose value of each @max/@min column is the extreme one. */
static void claims_apply_extremes(claims_selection *s)
{
    for (size_t i = 0; i < s->nf; i++) {
        if (!s->f[i].extreme)
            continue;
        double best = NAN, v;
        for (size_t k = 0; k < s->n; k++)
            if (results_cell_number(s->table, s->rows[k], s->f[i].column, &v) &&
                (isnan(best) || (s->f[i].extreme > 0 ? v > best : v < best)))
                best = v;
        size_t kept = 0;
        for (size_t k = 0; k < s->n; k++)
            if (results_cell_number(s->table, s->rows[k], s->f[i].column, &v) && v == best)
                s->rows[kept++] = s->rows[k];
        s->n = kept;
    }
}

/* Sort the matching rows: measurements (and errored rows with a value of
 * metric) to rows, errored ones also to errored, median aggregates kept
 * for when no measurement matches, the first skipped one's message. */
static void claims_collect_rows(claims_selection *s, const char *metric)
{
    int explicit_kind = claims_filters_mention(s->f, s->nf, "run_type") ||
                        claims_filters_mention(s->f, s->nf, "aggregate") || claims_filters_mention(s->f, s->nf, "status");
    int is_results = strcmp(s->table_name, "results.csv") == 0;
    size_t total = output_table_row_count(s->table), nagg = 0;
    size_t *agg = xalloc_malloc((total + 1) * sizeof *agg);
    s->rows = xalloc_malloc((total + 1) * sizeof *s->rows);
    s->errored = xalloc_malloc((total + 1) * sizeof *s->errored);
    for (size_t r = 0; r < total; r++) {
        if (!claims_row_matches(s->table, r, s->f, s->nf))
            continue;
        results_row_kind kind = is_results ? results_row_kind_of(s->table, r) : RESULTS_ROW_ITERATION;
        double v;
        if (kind == RESULTS_ROW_ERROR)
            s->errored[s->nerrored++] = r;
        if (explicit_kind || kind == RESULTS_ROW_ITERATION ||
            (kind == RESULTS_ROW_ERROR && results_cell_number(s->table, r, metric, &v))) {
            s->rows[s->n++] = r;
        } else if (kind == RESULTS_ROW_AGGREGATE) {
            const char *a = output_table_cell(s->table, r, "aggregate");
            if (a && strcmp(a, "median") == 0)
                agg[nagg++] = r;
        } else if (kind == RESULTS_ROW_SKIPPED && !s->skip_message) {
            const char *m = output_table_cell(s->table, r, "message");
            s->skip_message = m && *m ? m : "skipped";
        }
    }
    if (s->n == 0 && nagg > 0) {
        memcpy(s->rows, agg, nagg * sizeof *agg);
        s->n = nagg;
        s->basis = ", aggregate=median rows";
    }
    free(agg);
}

/* The rows term t of claim c selects in run; s->table NULL with s->why
 * when its table, a column it filters or reduces, or its family is absent. */
static void claims_select(const claims_claim *c, const claims_term *t, runfolder *run, claims_selection *s)
{
    memset(s, 0, sizeof *s);
    s->run = run;
    s->basis = "";
    s->table_name = t->file ? t->file : "results.csv";
    s->nf = claims_effective_filters(c, t, &s->f);
    const char *family = claims_single_value(s->f, s->nf, "family");
    char err[256];
    const output_table *table = runfolder_table(run, s->table_name, err, sizeof err);
    if (!table) {
        if (*err)
            snprintf(s->why, sizeof s->why, "%s", err);
        else if (family && !runfolder_family_present(run, family))
            snprintf(s->why, sizeof s->why, "family %s absent from this run (no %s)", family, s->table_name);
        else
            snprintf(s->why, sizeof s->why, "%s absent from this run", s->table_name);
        return;
    }
    if (t->file)
        s->nf = claims_drop_owner_family(table, s->f, s->nf);
    if (!t->file && family && !runfolder_family_present(run, family)) {
        snprintf(s->why, sizeof s->why, "family %s absent from this run", family);
        return;
    }
    if (!t->file && claims_runtime_absent(run, s->f, s->nf, s->why))
        return;
    for (size_t i = 0; i < s->nf; i++)
        if (!claims_has_column(table, s->f[i].column)) {
            claims_why_missing_column(run, s->f[i].column, s->table_name, s->why);
            return;
        }
    s->table = table;
    claims_collect_rows(s, t->metric);
    claims_apply_extremes(s);
    /* a column to reduce that is absent: not measurable, though the rows
     * matched (an errored one may still refute the check) */
    const char *need[] = {t->metric, t->metric_x};
    for (size_t i = 0; i < 2 && !s->metric_missing; i++)
        if (need[i] && !claims_has_column(table, need[i])) {
            claims_why_missing_column(run, need[i], s->table_name, s->why);
            s->metric_missing = 1;
        }
}

/* A matching errored row whose message names metric ("stale_payloads",
 * or its words: "stale payloads"), or -1. */
static long claims_errored_for(const claims_selection *s, const char *metric)
{
    char words[128];
    snprintf(words, sizeof words, "%s", metric);
    for (char *p = words; *p; p++)
        if (*p == '_')
            *p = ' ';
    for (size_t i = 0; s->table && i < s->nerrored; i++) {
        const char *m = output_table_cell(s->table, s->errored[i], "message");
        if (m && (strstr(m, metric) || strstr(m, words)))
            return (long)s->errored[i];
    }
    return -1;
}

/* "BENCHMARK: MESSAGE" of an errored row. */
static char *claims_errored_row_text(const output_table *t, size_t r)
{
    const char *b = output_table_cell(t, r, "benchmark"), *m = output_table_cell(t, r, "message");
    return output_strdupf("%s: %s", b && *b ? b : "?", m && *m ? m : "error");
}

/* Append "; errored rows matched: ..." for the errored rows of s. */
static void claims_note_errored(const claims_selection *s, char **evidence)
{
    if (!s->table || s->nerrored == 0)
        return;
    char *list = output_strdupf("%zu errored row%s matched", s->nerrored, s->nerrored == 1 ? "" : "s");
    for (size_t i = 0; i < s->nerrored && i < CLAIMS_ERRORED_SHOWN; i++) {
        char *one = claims_errored_row_text(s->table, s->errored[i]);
        claims_append(&list, i ? "; " : ": ", one);
        free(one);
    }
    if (s->nerrored > CLAIMS_ERRORED_SHOWN) {
        char *more = output_strdupf("and %zu more", s->nerrored - CLAIMS_ERRORED_SHOWN);
        claims_append(&list, "; ", more);
        free(more);
    }
    claims_append(evidence, "; ", list);
    free(list);
}

/* ------------------------------------------------------------- reducing */

/* A term reduced to one number, or why it could not be. */
typedef struct claims_value {
    int ok;
    double value;
    size_t nrows;             /* rows whose values entered the statistic */
    double lo, hi;            /* the least and largest of those values */
    int spread;               /* a median or mean of >= 2 values: lo..hi is their spread */
    const char *basis;
    char why[CLAIMS_WHY_LEN];
} claims_value;

static double claims_reduce(const claims_term *t, double *y, double *x, size_t n)
{
    switch (t->stat) {
    case CLAIMS_STAT_MEDIAN: return stats_median(y, n);
    case CLAIMS_STAT_MEAN: return stats_mean(y, n);
    case CLAIMS_STAT_MIN: return stats_min(y, n);
    case CLAIMS_STAT_MAX: return stats_max(y, n);
    case CLAIMS_STAT_COUNT: return (double)n;
    case CLAIMS_STAT_PERCENTILE: return stats_percentile(y, n, t->percentile);
    case CLAIMS_STAT_SLOPE: return stats_slope(x, y, n);
    case CLAIMS_STAT_SUM: {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += y[i];
        return s;
    }
    }
    return NAN;
}

/* Why nothing was selected: a skip, only errored rows, or no match — or
 * no reason at all for a count or a sum, which are then 0. */
static int claims_why_empty(const claims_term *t, const claims_selection *s, char *why)
{
    if (s->skip_message) {
        snprintf(why, CLAIMS_WHY_LEN, "skipped: %s", s->skip_message);
    } else if (s->nerrored) {
        char *row = claims_errored_row_text(s->table, s->errored[0]);
        snprintf(why, CLAIMS_WHY_LEN, "errored: %s", row);
        free(row);
    } else if (t->stat == CLAIMS_STAT_COUNT || t->stat == CLAIMS_STAT_SUM) {
        return 0;
    } else {
        snprintf(why, CLAIMS_WHY_LEN, "rows missing: no row of %s matches %s", s->table_name, t->text);
    }
    return 1;
}

/* Reduce t's metric over the n rows listed (a subset of s's). */
static claims_value claims_value_of(const claims_term *t, const claims_selection *s, const size_t *rows, size_t n)
{
    claims_value out = {.basis = s->basis};
    if (!s->table || s->metric_missing) {
        snprintf(out.why, sizeof out.why, "%s", s->why);
        return out;
    }
    if (n == 0) {
        out.ok = !claims_why_empty(t, s, out.why);
        return out;
    }
    double *y = xalloc_malloc(n * sizeof *y), *x = xalloc_malloc(n * sizeof *x);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double vy, vx = 0;
        if (results_cell_number(s->table, rows[i], t->metric, &vy) &&
            (!t->metric_x || results_cell_number(s->table, rows[i], t->metric_x, &vx))) {
            y[m] = vy;
            x[m++] = vx;
        }
    }
    const char *reason = NULL;
    if (m == 0 && runfolder_counter_state(s->run, t->metric, &reason) == 0) {
        claims_why_missing_column(s->run, t->metric, s->table_name, out.why);
    } else if (m == 0 || (t->stat == CLAIMS_STAT_SLOPE && m < 2)) {
        snprintf(out.why, sizeof out.why, "rows missing: %s has no value of %s in the %zu matching row%s",
                 s->table_name, m == 0 ? t->metric : t->metric_x, n, n == 1 ? "" : "s");
    } else {
        out.value = claims_reduce(t, y, x, m);
        out.nrows = m;
        out.lo = stats_min(y, m);
        out.hi = stats_max(y, m);
        out.spread = m >= 2 && (t->stat == CLAIMS_STAT_MEDIAN || t->stat == CLAIMS_STAT_MEAN);
        out.ok = isfinite(out.value);
        if (!out.ok)
            snprintf(out.why, sizeof out.why, "%s of %s is undefined over %zu rows", t->stat_name, t->metric, m);
    }
    free(x);
    free(y);
    return out;
}

/* ------------------------------------------------------------- grouping */

typedef struct claims_groups {
    char **keys;
    size_t n;
} claims_groups;

static int claims_key_cmp(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    char *ex, *ey;
    double dx = strtod(x, &ex), dy = strtod(y, &ey);
    if (*x && *y && !*ex && !*ey)
        return dx < dy ? -1 : dx > dy;
    return strcmp(x, y);
}

/* The distinct non-empty values of column in s's rows, sorted. */
static claims_groups claims_group_keys(const claims_selection *s, const char *column)
{
    claims_groups g = {0};
    for (size_t i = 0; s->table && i < s->n; i++) {
        const char *cell = output_table_cell(s->table, s->rows[i], column);
        size_t k = 0;
        while (cell && *cell && k < g.n && !claims_value_matches(cell, g.keys[k]))
            k++;
        if (!cell || !*cell || k < g.n)
            continue;
        g.keys = xalloc_array(g.keys, g.n + 1, sizeof *g.keys);
        g.keys[g.n++] = xalloc_strdup(cell);
    }
    if (g.n > 1)
        qsort(g.keys, g.n, sizeof *g.keys, claims_key_cmp);
    return g;
}

/* The value of t over s's rows whose column equals key (all rows when
 * the table has no such column). */
static claims_value claims_group_value(const claims_term *t, const claims_selection *s, const char *column,
                                       const char *key)
{
    if (!s->table || !claims_has_column(s->table, column))
        return claims_value_of(t, s, s->rows, s->n);
    size_t *rows = xalloc_malloc((s->n + 1) * sizeof *rows), n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (claims_value_matches(output_table_cell(s->table, s->rows[i], column), key))
            rows[n++] = s->rows[i];
    claims_value v = claims_value_of(t, s, rows, n);
    free(rows);
    return v;
}

/* A group's value as a reader says it: sizes of *bytes, size and
 * working_set columns in binary units. */
static char *claims_group_label(const char *column, const char *key)
{
    size_t len = strlen(column);
    int bytes = (len >= 5 && strcmp(column + len - 5, "bytes") == 0) || strcmp(column, "size") == 0 ||
                strcmp(column, "working_set") == 0;
    char *end;
    double v = strtod(key, &end);
    if (bytes && !*end && v >= 1 && v < 1e18 && v == floor(v)) {
        char text[32];
        return xalloc_strdup(output_bytes_text(text, sizeof text, (unsigned long long)v));
    }
    return xalloc_strdup(key);
}

/* ------------------------------------------------------------- judging */

static int claims_compare(const claims_expr *e, double v)
{
    switch (e->op) {
    case CLAIMS_LT: return v < e->lo;
    case CLAIMS_LE: return v <= e->lo;
    case CLAIMS_GT: return v > e->lo;
    case CLAIMS_GE: return v >= e->lo;
    case CLAIMS_EQ: return v == e->lo;
    case CLAIMS_NE: return v != e->lo;
    case CLAIMS_IN: return v >= e->lo && v <= e->hi;
    }
    return 0;
}

static char *claims_bound_text(const claims_expr *e)
{
    return e->op == CLAIMS_IN ? output_strdupf("in %g..%g", e->lo, e->hi)
                              : output_strdupf("%s %g", claims_op_text[e->op], e->lo);
}

/* " ns" for a statistic of a *_ns column that keeps its unit, else "". */
static const char *claims_unit(const claims_term *t)
{
    size_t len = strlen(t->metric);
    return len > 3 && strcmp(t->metric + len - 3, "_ns") == 0 && t->stat != CLAIMS_STAT_COUNT &&
                   t->stat != CLAIMS_STAT_SLOPE ? " ns" : "";
}

/* "median(real_ns){variant=x} = 12.3 ns (3 rows, 11-14)" */
static char *claims_describe_value(const claims_term *t, const claims_value *v)
{
    char spread[64] = "";
    if (v->spread)
        snprintf(spread, sizeof spread, ", %.4g-%.4g", v->lo, v->hi);
    return output_strdupf("%s(%s%s%s)%s = %.4g%s (%zu row%s%s%s)", t->stat_name, t->metric, t->metric_x ? ", " : "",
                         t->metric_x ? t->metric_x : "", strchr(t->text, '{'), v->value, claims_unit(t), v->nrows,
                         v->nrows == 1 ? "" : "s", spread, v->basis);
}

/* Two sides whose repetitions' ranges overlap cannot be told apart. */
static int claims_within_noise(const claims_value *a, const claims_value *b)
{
    return a->spread && b->spread && (a->lo > b->lo ? a->lo : b->lo) <= (a->hi < b->hi ? a->hi : b->hi);
}

/* Judge a (or a / b) against e's bound: the outcome, and the comparison in
 * words (in *text).  Both values are measured (ok). */
static claims_outcome claims_judge(const claims_expr *e, const claims_value *a, const claims_value *b, char **text)
{
    char *bound = claims_bound_text(e);
    char *da = claims_describe_value(&e->num, a);
    claims_outcome o;
    if (!b) {
        o = claims_compare(e, a->value) ? CLAIMS_HOLDS : CLAIMS_DOES_NOT_HOLD;
        *text = output_strdupf("%s, %s %s", da, o == CLAIMS_HOLDS ? "meets" : "fails", bound);
    } else {
        char *db = claims_describe_value(&e->den, b);
        if (b->value == 0) {
            o = CLAIMS_NOT_MEASURABLE;
            *text = output_strdupf("%s / %s: the denominator is 0", da, db);
        } else if (claims_within_noise(a, b)) {
            /* indistinguishable: the ratio counts as 1 */
            o = claims_compare(e, 1.0) ? CLAIMS_HOLDS : CLAIMS_DOES_NOT_HOLD;
            *text = output_strdupf("%s / %s: ratio %.3g, within noise (the ranges overlap: counts as 1), %s %s", da,
                                   db, a->value / b->value, o == CLAIMS_HOLDS ? "meets" : "fails", bound);
        } else {
            double ratio = a->value / b->value;
            o = claims_compare(e, ratio) ? CLAIMS_HOLDS : CLAIMS_DOES_NOT_HOLD;
            *text = output_strdupf("%s / %s: ratio %.3g, %s %s", da, db, ratio, o == CLAIMS_HOLDS ? "meets" : "fails",
                                   bound);
        }
        free(db);
    }
    free(da);
    free(bound);
    return o;
}

/* One group's outcome and short text: "1 MiB: 1.8e+06 ns (871 rows) fails". */
static claims_outcome claims_judge_group(const claims_expr *e, const claims_selection *sa, const claims_selection *sb,
                                         const char *key, char **text)
{
    claims_value a = claims_group_value(&e->num, sa, e->by, key), b = {.ok = 1, .value = 1};
    if (e->has_den)
        b = claims_group_value(&e->den, sb, e->by, key);
    char *label = claims_group_label(e->by, key);
    claims_outcome o = CLAIMS_NOT_MEASURABLE;
    if (!a.ok || !b.ok) {
        *text = output_strdupf("%s: %s", label, !a.ok ? a.why : b.why);
    } else {
        char *full;
        o = claims_judge(e, &a, e->has_den ? &b : NULL, &full);
        const char *word = o == CLAIMS_HOLDS ? "meets" : o == CLAIMS_DOES_NOT_HOLD ? "fails" : "not measurable";
        if (e->has_den)
            *text = output_strdupf("%s: ratio %.3g%s %s", label, a.value / b.value,
                                   claims_within_noise(&a, &b) ? " (within noise)" : "", word);
        else
            *text = output_strdupf("%s: %.4g%s (%zu row%s) %s", label, a.value, claims_unit(&e->num), a.nrows,
                                   a.nrows == 1 ? "" : "s", word);
        free(full);
    }
    free(label);
    return o;
}

/* Judge e per group of e->by: every group's value, then the rule (all
 * groups must pass, or any one) and the largest and smallest passing. */
static claims_outcome claims_judge_groups(const claims_expr *e, const claims_selection *sa,
                                          const claims_selection *sb, char **text)
{
    claims_groups g = claims_group_keys(sa, e->by);
    if (g.n == 0) {
        *text = output_strdupf("no value of %s in the rows of %s", e->by, e->num.text);
        return CLAIMS_NOT_MEASURABLE;
    }
    size_t held = 0, failed = 0;
    const char *smallest = NULL, *largest = NULL, *first_fail = NULL;
    char *bound = claims_bound_text(e);
    char *list = output_strdupf("%s%s%s by %s (%s group must meet %s)", e->num.text, e->has_den ? " / " : "",
                                e->has_den ? e->den.text : "", e->by, e->rule == CLAIMS_RULE_ALL ? "every" : "one",
                                bound);
    for (size_t i = 0; i < g.n; i++) {
        char *one;
        claims_outcome o = claims_judge_group(e, sa, sb, g.keys[i], &one);
        claims_append(&list, i ? "; " : ": ", one);
        free(one);
        held += o == CLAIMS_HOLDS;
        failed += o == CLAIMS_DOES_NOT_HOLD;
        if (o == CLAIMS_HOLDS) {
            smallest = smallest ? smallest : g.keys[i];
            largest = g.keys[i];
        } else if (o == CLAIMS_DOES_NOT_HOLD && !first_fail) {
            first_fail = g.keys[i];
        }
    }
    char *lo = smallest ? claims_group_label(e->by, smallest) : xalloc_strdup("none");
    char *hi = largest ? claims_group_label(e->by, largest) : xalloc_strdup("none");
    char *ff = first_fail ? claims_group_label(e->by, first_fail) : xalloc_strdup("none");
    *text = output_strdupf("%s; %zu of %zu groups meet it (smallest that does: %s; largest that does: %s; "
                           "smallest that does not: %s)", list, held, g.n, lo, hi, ff);
    xalloc_free_strings(5, lo, hi, ff, list, bound);
    xalloc_free_list(g.keys, g.n);
    if (held + failed == 0)
        return CLAIMS_NOT_MEASURABLE;
    if (e->rule == CLAIMS_RULE_ANY)
        return held ? CLAIMS_HOLDS : CLAIMS_DOES_NOT_HOLD;
    return failed ? CLAIMS_DOES_NOT_HOLD : CLAIMS_HOLDS;
}

/* Evaluate one comparison of claim c: outcome and evidence; *why: the
 * reason alone when it is not measurable (else NULL); *refuted set when a
 * matching row errored for the reason the comparison is about. */
static claims_outcome claims_eval_expr(const claims_claim *c, const claims_expr *e, runfolder *run, char **evidence,
                                       char **why, int *refuted)
{
    claims_selection sa, sb;
    claims_select(c, &e->num, run, &sa);
    memset(&sb, 0, sizeof sb);
    if (e->has_den)
        claims_select(c, &e->den, run, &sb);
    long bad = claims_errored_for(&sa, e->num.metric);
    const claims_selection *bad_sel = &sa;
    if (bad < 0 && e->has_den) {
        bad = claims_errored_for(&sb, e->den.metric);
        bad_sel = &sb;
    }
    claims_outcome o;
    if (e->by && sa.table && (!e->has_den || sb.table)) {
        o = claims_judge_groups(e, &sa, &sb, evidence);
    } else {
        claims_value a = claims_value_of(&e->num, &sa, sa.rows, sa.n), b = {.ok = 1};
        if (a.ok && e->has_den)
            b = claims_value_of(&e->den, &sb, sb.rows, sb.n);
        if (a.ok && b.ok) {
            o = claims_judge(e, &a, e->has_den ? &b : NULL, evidence);
        } else {
            o = CLAIMS_NOT_MEASURABLE;
            *evidence = xalloc_strdup(!a.ok ? a.why : b.why);
        }
    }
    if (bad >= 0) {
        /* a correctness failure the row reported by erroring */
        char *row = claims_errored_row_text(bad_sel->table, (size_t)bad);
        char *text = output_strdupf("a matching row errored for this reason: %s; %s", row, *evidence);
        free(row);
        free(*evidence);
        *evidence = text;
        o = CLAIMS_DOES_NOT_HOLD;
    }
    *refuted = bad >= 0;
    *why = o == CLAIMS_NOT_MEASURABLE ? xalloc_strdup(*evidence) : NULL;
    if (bad < 0) {
        claims_note_errored(&sa, evidence);
        if (e->has_den)
            claims_note_errored(&sb, evidence);
    }
    claims_selection_free(&sa);
    claims_selection_free(&sb);
    return o;
}

/* A check, and its control: a check that is measurable and not refuted
 * by a row that errored means something only when its control holds. */
static claims_check_result claims_eval_check(const claims_claim *c, const claims_check *ch, runfolder *run)
{
    claims_check_result res = {.label = xalloc_strdup(ch->label)};
    int refuted, control_refuted;
    res.outcome = claims_eval_expr(c, &ch->expr, run, &res.evidence, &res.why, &refuted);
    if (!ch->control || refuted || res.outcome == CLAIMS_NOT_MEASURABLE)
        return res;
    char *control = NULL, *control_why = NULL;
    claims_outcome co = claims_eval_expr(c, ch->control, run, &control, &control_why, &control_refuted);
    char *text;
    if (co == CLAIMS_HOLDS) {
        text = output_strdupf("%s; control: %s", res.evidence, control);
    } else {
        res.outcome = CLAIMS_NOT_MEASURABLE;
        res.why = co == CLAIMS_NOT_MEASURABLE ? output_strdupf("control not measurable: %s", control_why)
                                              : output_strdupf("control shows no effect%s%s", ch->control_reason ? ": " : "",
                                                               ch->control_reason ? ch->control_reason : "");
        text = co == CLAIMS_NOT_MEASURABLE ? xalloc_strdup(res.why)
                                           : output_strdupf("%s (control: %s; the check: %s)", res.why, control, res.evidence);
    }
    xalloc_free_strings(3, res.evidence, control, control_why);
    res.evidence = text;
    return res;
}

/* Requirements of the claim itself; the reasons it cannot be measured. */
static char *claims_unmet_requirements(const claims_claim *c, runfolder *run)
{
    char *reasons = NULL;
    for (size_t i = 0; i < c->nfamilies; i++)
        if (!runfolder_family_present(run, c->families[i])) {
            char *r = output_strdupf("family %s absent from this run", c->families[i]);
            claims_append(&reasons, "; ", r);
            free(r);
        }
    int cpus = runfolder_cpu_count(run);
    if (c->min_cpus > 0 && cpus >= 0 && cpus < c->min_cpus) {
        char *r = output_strdupf("too few CPUs: needs %ld, this run had %d", c->min_cpus, cpus);
        claims_append(&reasons, "; ", r);
        free(r);
    }
    for (size_t i = 0; i < c->ncounters; i++) {
        const char *why = NULL;
        int state = runfolder_counter_state(run, c->counters[i], &why);
        int any = 0;
        const output_table *t = runfolder_results(run);
        for (size_t r = 0; state < 0 && r < output_table_row_count(t) && !any; r++) {
            const char *cell = output_table_cell(t, r, c->counters[i]);
            any = cell && *cell;
        }
        if (state == 0 || (state < 0 && !any)) {
            char *r = output_strdupf("counters unavailable: %s (%s)", c->counters[i],
                                    state == 0 && why && *why ? why : "no values in results.csv");
            claims_append(&reasons, "; ", r);
            free(r);
        }
    }
    return reasons;
}

/* Why the checks that could not be judged could not: each reason once,
 * after the labels of the checks it stopped ("a, b: runtime go absent"). */
static char *claims_unmeasured_reasons(const claims_verdict *v)
{
    char *why = NULL;
    for (size_t i = 0; i < v->ncheck; i++) {
        const claims_check_result *ci = &v->checks[i];
        if (ci->outcome != CLAIMS_NOT_MEASURABLE)
            continue;
        size_t first = 0;
        while (first < i && !(v->checks[first].outcome == CLAIMS_NOT_MEASURABLE &&
                              strcmp(v->checks[first].why, ci->why) == 0))
            first++;
        if (first < i)
            continue;
        char *labels = xalloc_strdup(ci->label);
        for (size_t j = i + 1; j < v->ncheck; j++)
            if (v->checks[j].outcome == CLAIMS_NOT_MEASURABLE && strcmp(v->checks[j].why, ci->why) == 0)
                claims_append(&labels, ", ", v->checks[j].label);
        char *one = output_strdupf("%s: %s", labels, ci->why);
        claims_append(&why, "; ", one);
        xalloc_free_strings(2, one, labels);
    }
    return why;
}

/* Combine check outcomes into the claim's verdict, its reason and its
 * coverage. */
static void claims_conclude(claims_verdict *v)
{
    size_t held = 0, failed = 0;
    for (size_t i = 0; i < v->ncheck; i++) {
        held += v->checks[i].outcome == CLAIMS_HOLDS;
        failed += v->checks[i].outcome == CLAIMS_DOES_NOT_HOLD;
    }
    char *why = claims_unmeasured_reasons(v);
    v->nmeasurable = held + failed;
    v->nheld = held;
    v->coverage = output_strdupf("%zu of %zu checks measurable%s%s", v->nmeasurable, v->ncheck, why ? ": " : "",
                                 why ? why : "");
    if (v->nmeasurable == 0) {
        v->outcome = CLAIMS_NOT_MEASURABLE;
        v->reason = xalloc_strdup(why ? why : "");
    } else {
        v->outcome = failed == 0 ? CLAIMS_HOLDS : held == 0 ? CLAIMS_DOES_NOT_HOLD : CLAIMS_PARTLY;
        v->reason = failed && held ? output_strdupf("%zu of %zu measurable checks hold", held, v->nmeasurable)
                                   : xalloc_strdup("");
    }
    free(why);
}

static void claims_verdict_begin(claims_verdict *v, const claims_claim *c)
{
    *v = (claims_verdict){.id = xalloc_strdup(c->id), .document = xalloc_strdup(c->document),
                          .claim = xalloc_strdup(c->text), .note = xalloc_strdup(c->note ? c->note : ""),
                          .file = xalloc_strdup(c->file), .line = c->line, .ncheck = c->nchecks};
    v->checks = xalloc_calloc(c->nchecks + 1, sizeof *v->checks);
}

claims_verdict *claims_evaluate(const claims_set *s, runfolder *run, size_t *n)
{
    *n = s ? s->n : 0;
    claims_verdict *out = xalloc_calloc(*n + 1, sizeof *out);
    for (size_t i = 0; i < *n; i++) {
        const claims_claim *c = &s->claims[i];
        claims_verdict *v = &out[i];
        claims_verdict_begin(v, c);
        char *unmet = claims_unmet_requirements(c, run);
        for (size_t j = 0; j < c->nchecks; j++)
            v->checks[j] = unmet ? (claims_check_result){xalloc_strdup(c->checks[j].label), CLAIMS_NOT_MEASURABLE,
                                                         xalloc_strdup(unmet), xalloc_strdup(unmet)}
                                 : claims_eval_check(c, &c->checks[j], run);
        if (unmet) {
            v->outcome = CLAIMS_NOT_MEASURABLE;
            v->reason = unmet;
            v->coverage = output_strdupf("0 of %zu checks measurable: %s", c->nchecks, unmet);
        } else {
            claims_conclude(v);
        }
    }
    return out;
}

void claims_verdicts_free(claims_verdict *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < v[i].ncheck; j++)
            xalloc_free_strings(3, v[i].checks[j].label, v[i].checks[j].evidence, v[i].checks[j].why);
        free(v[i].checks);
        xalloc_free_strings(7, v[i].id, v[i].document, v[i].claim, v[i].note, v[i].file, v[i].reason, v[i].coverage);
    }
    free(v);
}

/* ------------------------------------------------------------ measuring */

size_t claims_measure(runfolder *run, const char *term, const char *by, claims_quantity **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    claims_term t = {0};
    const char *p = term;
    char why[256] = "unexpected text after it";
    if (claims_parse_term(&p, &t, why, sizeof why) != 0 || *p) {
        snprintf(err, errlen, "term '%s': %s", term, why);
        claims_term_free(&t);
        return 0;
    }
    claims_selection s;
    claims_select(NULL, &t, run, &s);
    claims_groups g = {0};
    if (by && s.table)
        g = claims_group_keys(&s, by);
    size_t n = 0, want = by ? g.n : 1;
    *out = xalloc_calloc(want + 1, sizeof **out);
    snprintf(err, errlen, "%s", s.why);
    for (size_t i = 0; i < want; i++) {
        claims_value v = by ? claims_group_value(&t, &s, by, g.keys[i]) : claims_value_of(&t, &s, s.rows, s.n);
        if (!v.ok) {
            snprintf(err, errlen, "%s", v.why);
            continue;
        }
        (*out)[n++] = (claims_quantity){xalloc_strdup(by ? g.keys[i] : ""),
                                        by ? claims_group_label(by, g.keys[i]) : xalloc_strdup(""), v.value, v.nrows};
    }
    if (by && !g.n && s.table)
        snprintf(err, errlen, "no value of %s in the rows of %s", by, t.text);
    xalloc_free_list(g.keys, g.n);
    claims_selection_free(&s);
    claims_term_free(&t);
    if (n == 0) {
        free(*out);
        *out = NULL;
    }
    return n;
}

void claims_quantities_free(claims_quantity *q, size_t n)
{
    for (size_t i = 0; q && i < n; i++)
        xalloc_free_strings(2, q[i].group, q[i].label);
    free(q);
}

/* ---------------------------------------------------------------- table */

static const char *claims_mark(claims_outcome o)
{
    switch (o) {
    case CLAIMS_HOLDS: return "ok ";
    case CLAIMS_DOES_NOT_HOLD: return "NO ";
    case CLAIMS_PARTLY: return "~  ";
    case CLAIMS_NOT_MEASURABLE: return "-- ";
    }
    return "   ";
}

void claims_print_table(const claims_verdict *v, size_t n, FILE *out)
{
    size_t counts[4] = {0};
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i].file, v[i - 1].file) != 0) {
            fprintf(out, "claims of %s:\n", v[i].file);
            fprintf(out, "%-28s %-20s %s\n", "CLAIM", "VERDICT", "WHAT IT SAYS / COVERAGE / EVIDENCE");
        }
        counts[v[i].outcome]++;
        fprintf(out, "%-28s %-20s %s\n", v[i].id, claims_outcome_name(v[i].outcome), v[i].claim);
        fprintf(out, "%-28s %-20s   coverage: %s\n", "", "", v[i].coverage);
        if (v[i].reason && *v[i].reason && v[i].outcome != CLAIMS_NOT_MEASURABLE)
            fprintf(out, "%-28s %-20s   why: %s\n", "", "", v[i].reason);
        for (size_t j = 0; j < v[i].ncheck; j++)
            fprintf(out, "%-28s %-20s   %s%s: %s\n", "", "", claims_mark(v[i].checks[j].outcome),
                    v[i].checks[j].label, v[i].checks[j].evidence);
    }
    fprintf(out, "%zu claims: %zu hold, %zu do not hold, %zu partly, %zu not measurable here\n", n,
            counts[CLAIMS_HOLDS], counts[CLAIMS_DOES_NOT_HOLD], counts[CLAIMS_PARTLY], counts[CLAIMS_NOT_MEASURABLE]);
}
