/*
 * compare.c — match the rows of several run folders on what they measure,
 * gather each run's repetitions per row, and judge every run against the
 * baseline (the first): ratio of medians, Mann–Whitney U test (compare.py's
 * rule, alpha 0.05) with the power check, marks for rows that are not
 * comparable, per-family geometric means; print the table and write
 * compare.csv and compare_families.csv.
 *
 * Matching sorts (key, run, row) entries once, so a fleet of many runs with
 * many rows each costs n log n, not a search per row.
 */
#include "analysis/compare.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/fingerprint.h"
#include "memprobe/output.h"
#include "memprobe/results.h"
#include "memprobe/stats.h"
#include "memprobe/xalloc.h"

/* Runs shown side by side on the console; more are in compare.csv/.html. */
#define COMPARE_CONSOLE_RUNS 8
/* Cells not measured everywhere listed on the console; all are in compare.csv. */
#define COMPARE_CONSOLE_GAPS 40
/* Separates the parts of a key (never in a CSV cell memprobe writes). */
#define COMPARE_SEP "\x1f"

static const char *compare_text(const output_table *t, size_t r, const char *column)
{
    const char *c = output_table_cell(t, r, column);
    return c ? c : "";
}

/* ---- the key: what a row measures ---- */

/* The row's arguments without those naming CPUs: the part of its benchmark
 * name after "family/variant/", "name:value" parts whose name is a CPU
 * argument left out. */
static char *compare_args(const output_table *t, size_t r)
{
    const char *bench = compare_text(t, r, "benchmark"), *fam = compare_text(t, r, "family");
    const char *var = compare_text(t, r, "variant");
    size_t fl = strlen(fam), vl = strlen(var);
    const char *rest = bench;
    if (strncmp(bench, fam, fl) == 0 && bench[fl] == '/' && strncmp(bench + fl + 1, var, vl) == 0 &&
        (bench[fl + 1 + vl] == '/' || bench[fl + 1 + vl] == '\0'))
        rest = bench + fl + 1 + vl + (bench[fl + 1 + vl] == '/');
    char *args = xalloc_calloc(1, strlen(rest) + 1);
    for (const char *p = rest; *p;) {
        size_t n = strcspn(p, "/");
        const char *colon = memchr(p, ':', n);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(colon ? (size_t)(colon - p) : 0), p);
        if (!colon || !results_arg_is_cpu(name)) {
            if (*args)
                strcat(args, "/");
            strncat(args, p, n);
        }
        p += n + (p[n] == '/');
    }
    return args;
}

static char *compare_key(const output_table *t, size_t r)
{
    char *args = compare_args(t, r);
    char *key = output_strdupf("%s" COMPARE_SEP "%s" COMPARE_SEP "%s" COMPARE_SEP "%s" COMPARE_SEP "%s" COMPARE_SEP "%s",
                               compare_text(t, r, "family"), compare_text(t, r, "variant"), args,
                               compare_text(t, r, "allocator"), compare_text(t, r, "runtime"),
                               compare_text(t, r, "pair_class"));
    free(args);
    return key;
}

/* One row of one run, under its key. */
typedef struct compare_entry {
    char *key;
    size_t run, row;
} compare_entry;

static int compare_entry_cmp(const void *pa, const void *pb)
{
    const compare_entry *a = pa, *b = pb;
    int k = strcmp(a->key, b->key);
    if (k)
        return k;
    if (a->run != b->run)
        return a->run < b->run ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* Every row of every run that belongs to a benchmark (family-wide skip rows
 * have no benchmark), sorted by key, run, row. */
static compare_entry *compare_entries(runfolder *const *runs, size_t nruns, size_t *n)
{
    compare_entry *e = NULL;
    *n = 0;
    for (size_t i = 0; i < nruns; i++) {
        const output_table *t = runfolder_results(runs[i]);
        size_t rows = output_table_row_count(t);
        e = xalloc_array(e, *n + rows + 1, sizeof *e);
        for (size_t r = 0; r < rows; r++)
            if (*compare_text(t, r, "benchmark"))
                e[(*n)++] = (compare_entry){compare_key(t, r), i, r};
    }
    if (*n)
        qsort(e, *n, sizeof *e, compare_entry_cmp);
    return e;
}

/* ---- one run's cell ---- */

/* real_ns of row r as a measured time: a positive, finite number.  0, or
 * -1 with "FILE:LINE: ..." in err (line 1 is the header). */
static int compare_real_ns(const runfolder *run, size_t r, double *v, char *err, size_t errlen)
{
    const output_table *t = runfolder_results(run);
    const char *s = compare_text(t, r, "real_ns");
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*s && end != s && *end == '\0' && errno != ERANGE && isfinite(d) && d > 0) {
        *v = d;
        return 0;
    }
    snprintf(err, errlen, "%s/results.csv:%zu: real_ns '%s' of %s is not a possible time "
             "(expected a positive, finite number of ns)", runfolder_dir(run), r + 2, s,
             compare_text(t, r, "benchmark"));
    return -1;
}

/* Samples of one CPU set. */
typedef struct compare_set {
    const char *cpus;
    double *v;
    size_t n;
} compare_set;

static void compare_cell_add_row(compare_cell *cell, size_t r)
{
    cell->rows = xalloc_array(cell->rows, cell->nrows + 1, sizeof *cell->rows);
    cell->rows[cell->nrows++] = r;
}

static void compare_set_add(compare_set **sets, size_t *nsets, const char *cpus, double v)
{
    size_t i = 0;
    while (i < *nsets && strcmp((*sets)[i].cpus, cpus) != 0)
        i++;
    if (i == *nsets) {
        *sets = xalloc_array(*sets, *nsets + 1, sizeof **sets);
        (*sets)[(*nsets)++] = (compare_set){cpus, NULL, 0};
    }
    compare_set *s = &(*sets)[i];
    s->v = xalloc_array(s->v, s->n + 1, sizeof *s->v);
    s->v[s->n++] = v;
}

/* Median of the CPU sets' medians (sorts each set's samples). */
static double compare_sets_value(compare_set *sets, size_t nsets)
{
    double *medians = xalloc_malloc((nsets + 1) * sizeof *medians);
    for (size_t i = 0; i < nsets; i++)
        medians[i] = stats_median(sets[i].v, sets[i].n);
    double v = stats_median(medians, nsets);
    free(medians);
    return v;
}

/* Fill cell from the rows e[0..n) of one run.  0, or -1 with err. */
static int compare_fill_cell(compare_cell *cell, const runfolder *run, const compare_entry *e, size_t n, char *err,
                             size_t errlen)
{
    const output_table *t = runfolder_results(run);
    compare_set *sets = NULL;
    size_t nsets = 0;
    long median_row = -1;
    const char *failure = NULL, *failure_kind = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t r = e[i].row;
        results_row_kind kind = results_row_kind_of(t, r);
        double v;
        if (kind == RESULTS_ROW_ITERATION) {
            if ((rc = compare_real_ns(run, r, &v, err, errlen)) != 0)
                break;
            compare_set_add(&sets, &nsets, compare_text(t, r, "cpus"), v);
            cell->samples = xalloc_array(cell->samples, cell->n + 1, sizeof *cell->samples);
            cell->samples[cell->n++] = v;
            compare_cell_add_row(cell, r);
            if (strcmp(compare_text(t, r, "placement"), "changed") == 0)
                cell->marks |= COMPARE_MARK_PLACEMENT;
        } else if (kind == RESULTS_ROW_AGGREGATE && strcmp(compare_text(t, r, "aggregate"), "median") == 0) {
            if ((rc = compare_real_ns(run, r, &v, err, errlen)) == 0 && median_row < 0)
                median_row = (long)r;
        } else if ((kind == RESULTS_ROW_ERROR || kind == RESULTS_ROW_SKIPPED) && !failure) {
            failure = compare_text(t, r, "message");
            failure_kind = kind == RESULTS_ROW_ERROR ? "failed" : "skipped";
        }
    }
    if (rc == 0 && nsets) {
        cell->state = COMPARE_MEASURED;
        cell->value = compare_sets_value(sets, nsets);
        cell->pairs = nsets;
    } else if (rc == 0 && median_row >= 0) {
        cell->state = COMPARE_MEASURED;
        compare_real_ns(run, (size_t)median_row, &cell->value, err, errlen);
        cell->samples = xalloc_array(cell->samples, 1, sizeof *cell->samples);
        cell->samples[0] = cell->value;
        cell->n = cell->pairs = 1;
        cell->from_aggregate = 1;
        compare_cell_add_row(cell, (size_t)median_row);
        if (strcmp(compare_text(t, (size_t)median_row, "placement"), "changed") == 0)
            cell->marks |= COMPARE_MARK_PLACEMENT;
    } else if (rc == 0 && failure) {
        cell->state = COMPARE_FAILED;
        cell->verdict = output_strdupf("%s: %s", failure_kind, *failure ? failure : "no message");
    }
    for (size_t i = 0; i < nsets; i++)
        free(sets[i].v);
    free(sets);
    return rc;
}

/* ---- verdicts ---- */

void compare_u_test(const double *base, size_t nbase, const double *other, size_t nother, double *p, char *buf,
                    size_t len)
{
    *p = NAN;
    if (nbase < STATS_UTEST_MIN_REPETITIONS || nother < STATS_UTEST_MIN_REPETITIONS ||
        !(stats_mann_whitney_min_p(nbase, nother) < STATS_UTEST_ALPHA)) {
        snprintf(buf, len, "too few repetitions (need >= %zu each)", stats_mann_whitney_min_n(STATS_UTEST_ALPHA));
        return;
    }
    *p = stats_mann_whitney_p(base, nbase, other, nother, NULL);
    snprintf(buf, len, "%s", *p < STATS_UTEST_ALPHA ? "significant" : "not significant");
}

static void compare_judge(compare_cell *cell, const compare_cell *base)
{
    cell->ratio = cell->p_value = NAN;
    if (cell->state == COMPARE_FAILED)
        return;
    if (cell->state == COMPARE_MISSING || base->state != COMPARE_MEASURED) {
        cell->verdict = xalloc_strdup(cell->state == COMPARE_MISSING ? "missing" : "no baseline");
        return;
    }
    cell->ratio = cell->value / base->value;
    unsigned marks = cell->marks | base->marks;
    if (marks & COMPARE_MARK_PLACEMENT) {
        cell->verdict = xalloc_strdup("not comparable (placement changed)");
    } else if (marks & COMPARE_MARK_SETTINGS) {
        cell->verdict = xalloc_strdup("not comparable (settings differ)");
    } else {
        char verdict[96];
        if (cell->from_aggregate || base->from_aggregate)
            compare_u_test(NULL, 0, NULL, 0, &cell->p_value, verdict, sizeof verdict);
        else
            compare_u_test(base->samples, base->n, cell->samples, cell->n, &cell->p_value, verdict, sizeof verdict);
        cell->verdict = xalloc_strdup(verdict);
    }
}

/* 1 when the cell's ratio counts in its family's geometric mean. */
static int compare_comparable(const compare_cell *cell, const compare_cell *base)
{
    return cell->state == COMPARE_MEASURED && base->state == COMPARE_MEASURED && cell->ratio > 0 &&
           isfinite(cell->ratio) && !((cell->marks | base->marks) & (COMPARE_MARK_PLACEMENT | COMPARE_MARK_SETTINGS));
}

/* ---- building the result ---- */

/* The folder's name (of its real path: results/latest names its target);
 * a name given twice gets "#2", "#3". */
static void compare_names(compare_result *c)
{
    c->names = xalloc_calloc(c->nruns, sizeof *c->names);
    char **bases = xalloc_calloc(c->nruns, sizeof *bases);
    for (size_t i = 0; i < c->nruns; i++) {
        char real[PATH_MAX];
        const char *dir = runfolder_dir(c->runs[i]);
        if (!realpath(dir, real))
            snprintf(real, sizeof real, "%s", dir);
        bases[i] = xalloc_strdup(basename(real));
        size_t same = 1;
        for (size_t j = 0; j < i; j++)
            same += strcmp(bases[j], bases[i]) == 0;
        c->names[i] = same > 1 ? output_strdupf("%s#%zu", bases[i], same) : xalloc_strdup(bases[i]);
    }
    xalloc_free_list(bases, c->nruns);
}

static void compare_note(compare_result *c, char *note)
{
    c->notes = xalloc_array(c->notes, c->nnotes + 1, sizeof *c->notes);
    c->notes[c->nnotes++] = note;
}

/* Runs that did not complete, and families run with other options than on
 * the baseline: notes, and marks on the cells concerned. */
static void compare_mark_runs(compare_result *c)
{
    for (size_t i = 0; i < c->nruns; i++) {
        const char *completed = runfolder_machine_get(c->runs[i], "completed");
        if (!completed || strcmp(completed, "false") != 0)
            continue;
        compare_note(c, output_strdupf("incomplete run: %s did not complete (\"completed\": false in machine.json); "
                                       "its rows are marked", c->names[i]));
        for (size_t r = 0; r < c->nrows; r++)
            c->rows[r].cells[i].marks |= COMPARE_MARK_INCOMPLETE;
    }
    for (size_t r = 0; r < c->nrows; r++) {
        const char *family = c->rows[r].family;
        if (r > 0 && strcmp(c->rows[r - 1].family, family) == 0)
            continue;
        for (size_t i = 1; i < c->nruns; i++) {
            char why[512];
            if (!fingerprint_family_options_differ(c->runs[0], c->runs[i], family, why, sizeof why))
                continue;
            compare_note(c, output_strdupf("%s settings differ on %s (%s): its %s rows are not comparable", family,
                                           c->names[i], why, family));
            for (size_t k = r; k < c->nrows && strcmp(c->rows[k].family, family) == 0; k++)
                c->rows[k].cells[i].marks |= COMPARE_MARK_SETTINGS;
        }
    }
}

/* Families skipped as a whole on a run ("needs 2 CPUs"): a note each. */
static void compare_family_skips(compare_result *c)
{
    for (size_t i = 0; i < c->nruns; i++) {
        const output_table *t = runfolder_results(c->runs[i]);
        for (size_t r = 0; r < output_table_row_count(t); r++)
            if (!*compare_text(t, r, "benchmark") && results_row_kind_of(t, r) == RESULTS_ROW_SKIPPED)
                compare_note(c, output_strdupf("%s skipped on %s: %s", compare_text(t, r, "family"), c->names[i],
                                               compare_text(t, r, "message")));
    }
}

static char *compare_label(const compare_row *row)
{
    int show_a = *row->allocator && strcmp(row->allocator, "glibc") != 0 && strcmp(row->allocator, row->runtime) != 0;
    int show_rt = *row->runtime && strcmp(row->runtime, "c") != 0, show_p = *row->pair_class != '\0';
    char extra[256] = "";
    const char *parts[] = {show_a ? row->allocator : "", show_rt ? row->runtime : "", show_p ? row->pair_class : ""};
    for (size_t i = 0; i < 3; i++)
        if (*parts[i]) {
            size_t o = strlen(extra);
            snprintf(extra + o, sizeof extra - o, "%s%s", o ? ", " : "", parts[i]);
        }
    return *extra ? output_strdupf("%s [%s]", row->benchmark, extra) : xalloc_strdup(row->benchmark);
}

/* A new row for the key of entry e (its parts from that run's results). */
static compare_row compare_row_new(const compare_result *c, const compare_entry *e)
{
    const output_table *t = runfolder_results(c->runs[e->run]);
    compare_row row = {0};
    row.family = xalloc_strdup(compare_text(t, e->row, "family"));
    row.variant = xalloc_strdup(compare_text(t, e->row, "variant"));
    row.args = compare_args(t, e->row);
    row.allocator = xalloc_strdup(compare_text(t, e->row, "allocator"));
    row.runtime = xalloc_strdup(compare_text(t, e->row, "runtime"));
    row.pair_class = xalloc_strdup(compare_text(t, e->row, "pair_class"));
    row.benchmark = output_strdupf("%s/%s%s%s", row.family, row.variant, *row.args ? "/" : "", row.args);
    row.label = compare_label(&row);
    row.cells = xalloc_calloc(c->nruns, sizeof *row.cells);
    for (size_t i = 0; i < c->nruns; i++)
        row.cells[i] = (compare_cell){.state = COMPARE_MISSING, .value = NAN, .ratio = NAN, .p_value = NAN};
    return row;
}

/* Where a row first appears: (run, row) of its first entry. */
typedef struct compare_order {
    size_t run, row, index;
} compare_order;

static int compare_order_cmp(const void *pa, const void *pb)
{
    const compare_order *a = pa, *b = pb;
    if (a->run != b->run)
        return a->run < b->run ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* Put the rows in the order they first appear (the baseline's order first). */
static void compare_sort_rows(compare_result *c, const compare_order *first)
{
    compare_order *o = xalloc_malloc((c->nrows + 1) * sizeof *o);
    memcpy(o, first, c->nrows * sizeof *o);
    qsort(o, c->nrows, sizeof *o, compare_order_cmp);
    compare_row *sorted = xalloc_malloc((c->nrows + 1) * sizeof *sorted);
    for (size_t i = 0; i < c->nrows; i++)
        sorted[i] = c->rows[o[i].index];
    free(c->rows);
    c->rows = sorted;
    free(o);
}

/* One row per key.  0, or -1 with err. */
static int compare_build_rows(compare_result *c, char *err, size_t errlen)
{
    size_t n;
    compare_entry *e = compare_entries(c->runs, c->nruns, &n);
    compare_order *first = xalloc_malloc((n + 1) * sizeof *first);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        size_t end = i;
        while (end < n && strcmp(e[end].key, e[i].key) == 0)
            end++;
        compare_row row = compare_row_new(c, &e[i]);
        first[c->nrows] = (compare_order){e[i].run, e[i].row, c->nrows};
        for (size_t j = i; j < end && rc == 0;) {
            size_t run_end = j;
            while (run_end < end && e[run_end].run == e[j].run)
                run_end++;
            rc = compare_fill_cell(&row.cells[e[j].run], c->runs[e[j].run], &e[j], run_end - j, err, errlen);
            j = run_end;
        }
        c->rows = xalloc_array(c->rows, c->nrows + 1, sizeof *c->rows);
        c->rows[c->nrows++] = row;
        i = end;
    }
    if (rc == 0)
        compare_sort_rows(c, first);
    for (size_t i = 0; i < n; i++)
        free(e[i].key);
    free(e);
    free(first);
    return rc;
}

static void compare_family_means(compare_result *c)
{
    double *ratios = xalloc_malloc((c->nrows + 1) * sizeof *ratios);
    for (size_t r = 0; r < c->nrows; r++) {
        if (r > 0 && strcmp(c->rows[r - 1].family, c->rows[r].family) == 0)
            continue;
        compare_family f = {xalloc_strdup(c->rows[r].family), xalloc_calloc(c->nruns, sizeof(double)),
                            xalloc_calloc(c->nruns, sizeof(size_t))};
        f.geomean[0] = NAN;
        for (size_t i = 1; i < c->nruns; i++) {
            size_t k = 0;
            for (size_t j = r; j < c->nrows && strcmp(c->rows[j].family, f.family) == 0; j++)
                if (compare_comparable(&c->rows[j].cells[i], &c->rows[j].cells[0]))
                    ratios[k++] = c->rows[j].cells[i].ratio;
            f.geomean[i] = k ? stats_geomean(ratios, k) : NAN;
            f.n[i] = k;
        }
        c->families = xalloc_array(c->families, c->nfamilies + 1, sizeof *c->families);
        c->families[c->nfamilies++] = f;
    }
    free(ratios);
}

/* Rows of one family next to each other (the first appearance decides the
 * family's place), keeping their order within a family. */
static void compare_group_families(compare_result *c)
{
    compare_row *grouped = xalloc_malloc((c->nrows + 1) * sizeof *grouped);
    char *taken = xalloc_calloc(c->nrows + 1, 1);
    size_t k = 0;
    for (size_t r = 0; r < c->nrows; r++) {
        if (taken[r])
            continue;
        for (size_t j = r; j < c->nrows; j++)
            if (!taken[j] && strcmp(c->rows[j].family, c->rows[r].family) == 0) {
                grouped[k++] = c->rows[j];
                taken[j] = 1;
            }
    }
    free(c->rows);
    free(taken);
    c->rows = grouped;
}

compare_result *compare_runs(runfolder *const *runs, size_t n, char *err, size_t errlen)
{
    compare_result *c = xalloc_calloc(1, sizeof *c);
    c->nruns = n;
    c->runs = xalloc_malloc((n + 1) * sizeof(runfolder *));
    memcpy(c->runs, runs, n * sizeof(runfolder *));
    c->min_repetitions = stats_mann_whitney_min_n(STATS_UTEST_ALPHA);
    compare_names(c);
    if (compare_build_rows(c, err, errlen) != 0) {
        compare_result_free(c);
        return NULL;
    }
    compare_group_families(c);
    c->nnotes = fingerprint_notes(c->runs, (const char *const *)c->names, n, &c->notes);
    compare_mark_runs(c);
    compare_family_skips(c);
    for (size_t r = 0; r < c->nrows; r++) {
        compare_cell *base = &c->rows[r].cells[0];
        if (base->state == COMPARE_MEASURED)
            base->verdict = xalloc_strdup("baseline");
        else if (base->state == COMPARE_MISSING)
            base->verdict = xalloc_strdup("missing");
        for (size_t i = 1; i < n; i++)
            compare_judge(&c->rows[r].cells[i], base);
    }
    compare_family_means(c);
    return c;
}

void compare_result_free(compare_result *c)
{
    if (!c)
        return;
    for (size_t r = 0; r < c->nrows; r++) {
        compare_row *row = &c->rows[r];
        for (size_t i = 0; i < c->nruns; i++) {
            free(row->cells[i].samples);
            free(row->cells[i].rows);
            free(row->cells[i].verdict);
        }
        free(row->cells);
        xalloc_free_strings(8, row->family, row->variant, row->args, row->allocator, row->runtime, row->pair_class,
                            row->benchmark, row->label);
    }
    for (size_t f = 0; f < c->nfamilies; f++) {
        free(c->families[f].family);
        free(c->families[f].geomean);
        free(c->families[f].n);
    }
    xalloc_free_list(c->names, c->nruns);
    xalloc_free_list(c->notes, c->nnotes);
    free(c->families);
    free(c->rows);
    free(c->runs);
    free(c);
}

double compare_cell_median(const compare_result *c, size_t run, const compare_cell *cell, const char *column)
{
    const output_table *t = runfolder_results(c->runs[run]);
    double *v = xalloc_malloc((cell->nrows + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < cell->nrows; i++)
        n += results_cell_number(t, cell->rows[i], column, &v[n]);
    double m = stats_median(v, n);
    free(v);
    return m;
}

/* ---- console ---- */

/* What marks a cell beside its ratio in a table of many runs. */
static char compare_mark_char(const compare_cell *cell)
{
    if (cell->state != COMPARE_MEASURED || !cell->verdict)
        return '-';
    if (strncmp(cell->verdict, "not comparable", 14) == 0)
        return '!';
    if (strncmp(cell->verdict, "too few", 7) == 0)
        return '?';
    return strcmp(cell->verdict, "significant") == 0 ? '*' : ' ';
}

/* The marks that are not in the verdict: pair counts, an incomplete run. */
static void compare_cell_notes(const compare_row *row, size_t i, char *buf, size_t len)
{
    const compare_cell *cell = &row->cells[i], *base = &row->cells[0];
    int pairs = cell->state == COMPARE_MEASURED && (cell->pairs > 1 || (i > 0 && base->pairs > 1));
    int incomplete = (cell->marks & COMPARE_MARK_INCOMPLETE) != 0;
    int base_incomplete = i > 0 && (base->marks & COMPARE_MARK_INCOMPLETE);
    buf[0] = '\0';
    size_t o = 0;
    if (pairs)
        o += (size_t)snprintf(buf + o, len - o, "%zu pair%s", cell->pairs, cell->pairs == 1 ? "" : "s");
    if (incomplete && o < len)
        o += (size_t)snprintf(buf + o, len - o, "%sincomplete run", o ? "; " : "");
    if (base_incomplete && o < len)
        snprintf(buf + o, len - o, "%sbaseline incomplete", o ? "; " : "");
}

static void compare_print_two(const compare_result *c, FILE *out)
{
    fprintf(out, "%-60s %12s %12s %8s %8s  %s\n", "benchmark", "A ns", "B ns", "B/A", "p", "difference");
    for (size_t r = 0; r < c->nrows; r++) {
        const compare_row *row = &c->rows[r];
        const compare_cell *a = &row->cells[0], *b = &row->cells[1];
        if (a->state != COMPARE_MEASURED || b->state != COMPARE_MEASURED)
            continue;
        char p[16] = "-", notes[128];
        if (!isnan(b->p_value))
            snprintf(p, sizeof p, "%.4f", b->p_value);
        compare_cell_notes(row, 1, notes, sizeof notes);
        fprintf(out, "%-60s %12.4g %12.4g %8.3f %8s  %s%s%s%s\n", row->label, a->value, b->value, b->ratio, p,
                b->verdict, *notes ? " (" : "", notes, *notes ? ")" : "");
    }
}

static void compare_print_many(const compare_result *c, FILE *out)
{
    size_t shown = c->nruns < COMPARE_CONSOLE_RUNS ? c->nruns : COMPARE_CONSOLE_RUNS;
    fprintf(out, "%-60s %12s", "benchmark", "baseline ns");
    for (size_t i = 1; i < shown; i++)
        fprintf(out, " %12.12s %7s", c->names[i], "ratio");
    fprintf(out, "\n");
    for (size_t r = 0; r < c->nrows; r++) {
        const compare_row *row = &c->rows[r];
        fprintf(out, "%-60s %12.4g", row->label, row->cells[0].value);
        for (size_t i = 1; i < shown; i++) {
            const compare_cell *cell = &row->cells[i];
            if (cell->state == COMPARE_MEASURED)
                fprintf(out, " %12.4g %6.3f%c", cell->value, cell->ratio, compare_mark_char(cell));
            else
                fprintf(out, " %12s %6s%c", "-", "-", '-');
        }
        fprintf(out, "\n");
    }
    fprintf(out, "ratio marks: * significant, blank not significant, ? too few repetitions (need >= %zu each), "
                 "! not comparable, - not measured\n", c->min_repetitions);
    if (shown < c->nruns)
        fprintf(out, "(%zu more runs in compare.csv and compare.html)\n", c->nruns - shown);
}

static void compare_print_families(const compare_result *c, FILE *out)
{
    fprintf(out, "geometric mean of the ratios to the baseline, per family:\n");
    size_t shown = c->nruns < COMPARE_CONSOLE_RUNS ? c->nruns : COMPARE_CONSOLE_RUNS;
    for (size_t f = 0; f < c->nfamilies; f++) {
        fprintf(out, "  %-12s", c->families[f].family);
        for (size_t i = 1; i < shown; i++) {
            if (isnan(c->families[f].geomean[i]))
                fprintf(out, "  %s: -", c->names[i]);
            else
                fprintf(out, "  %s: %.3f (%zu benchmarks)", c->names[i], c->families[f].geomean[i], c->families[f].n[i]);
        }
        fprintf(out, "\n");
    }
}

/* Rows some run lacks or failed, grouped by what happened. */
static void compare_print_gaps(const compare_result *c, FILE *out)
{
    size_t gaps = 0;
    for (size_t r = 0; r < c->nrows; r++)
        for (size_t i = 0; i < c->nruns; i++)
            gaps += c->rows[r].cells[i].state != COMPARE_MEASURED;
    if (!gaps)
        return;
    fprintf(out, "not measured on every run (%zu cells):\n", gaps);
    size_t shown = 0;
    for (size_t r = 0; r < c->nrows && shown < COMPARE_CONSOLE_GAPS; r++) {
        const compare_row *row = &c->rows[r];
        for (size_t i = 0; i < c->nruns && shown < COMPARE_CONSOLE_GAPS; i++) {
            const compare_cell *cell = &row->cells[i];
            if (cell->state == COMPARE_MISSING)
                fprintf(out, "  %s: not in %s\n", row->label, c->names[i]);
            else if (cell->state == COMPARE_FAILED)
                fprintf(out, "  %s: %s on %s\n", row->label, cell->verdict, c->names[i]);
            shown += cell->state != COMPARE_MEASURED;
        }
    }
    if (gaps > shown)
        fprintf(out, "  (%zu more in compare.csv)\n", gaps - shown);
}

void compare_print(const compare_result *c, FILE *out)
{
    fprintf(out, "baseline: %s (%s)\n", c->names[0], runfolder_dir(c->runs[0]));
    for (size_t i = 1; i < c->nruns; i++)
        fprintf(out, "%s: %s (%s)\n", c->nruns == 2 ? "compared" : "run", c->names[i], runfolder_dir(c->runs[i]));
    if (c->nnotes) {
        fprintf(out, "what makes these numbers less comparable (most serious first):\n");
        for (size_t i = 0; i < c->nnotes; i++)
            fprintf(out, "  %zu. %s\n", i + 1, c->notes[i]);
    } else {
        fprintf(out, "comparability: the fingerprints agree on everything that weighs on it\n");
    }
    if (c->nruns == 2)
        compare_print_two(c, out);
    else
        compare_print_many(c, out);
    compare_print_families(c, out);
    compare_print_gaps(c, out);
}

/* ---- files ---- */

static void compare_csv_num(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.17g", v);
}

static int compare_write_rows(const compare_result *c, const char *path, char *err, size_t errlen)
{
    output_file *of = output_file_open(path, err, errlen);
    if (!of)
        return -1;
    FILE *f = output_file_stream(of);
    fprintf(f, "family,benchmark,variant,allocator,runtime,pair_class,run,real_ns,repetitions,pairs,"
               "ratio_to_baseline,p_value,difference,notes\n");
    for (size_t r = 0; r < c->nrows; r++) {
        const compare_row *row = &c->rows[r];
        for (size_t i = 0; i < c->nruns; i++) {
            const compare_cell *cell = &row->cells[i];
            const char *text[] = {row->family, row->benchmark, row->variant, row->allocator, row->runtime,
                                  row->pair_class, c->names[i]};
            for (size_t k = 0; k < sizeof text / sizeof *text; k++) {
                output_csv_field(f, text[k]);
                fputc(',', f);
            }
            compare_csv_num(f, cell->value);
            fprintf(f, ",%zu,%zu,", cell->n, cell->pairs);
            compare_csv_num(f, cell->ratio);
            fputc(',', f);
            compare_csv_num(f, cell->p_value);
            fputc(',', f);
            output_csv_field(f, cell->verdict ? cell->verdict : "");
            fputc(',', f);
            char notes[128];
            compare_cell_notes(row, i, notes, sizeof notes);
            output_csv_field(f, notes);
            fputc('\n', f);
        }
    }
    return output_file_commit(of, err, errlen);
}

static int compare_write_families(const compare_result *c, const char *path, char *err, size_t errlen)
{
    output_file *of = output_file_open(path, err, errlen);
    if (!of)
        return -1;
    FILE *f = output_file_stream(of);
    fputs("family", f);
    for (size_t i = 1; i < c->nruns; i++) {
        fputc(',', f);
        output_csv_field(f, c->names[i]);
    }
    fputc('\n', f);
    for (size_t k = 0; k < c->nfamilies; k++) {
        output_csv_field(f, c->families[k].family);
        for (size_t i = 1; i < c->nruns; i++) {
            fputc(',', f);
            compare_csv_num(f, c->families[k].geomean[i]);
        }
        fputc('\n', f);
    }
    return output_file_commit(of, err, errlen);
}

int compare_write_csv(const compare_result *c, const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/compare.csv", dir);
    if (compare_write_rows(c, path, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/compare_families.csv", dir);
    return compare_write_families(c, path, err, errlen);
}
