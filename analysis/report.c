/*
 * report.c — the step that ends every run, and `memprobe report`: draw the
 * plots, judge the claims, and write report.md and report.html (through the
 * document writer, doc.h), self-contained apart from the images, which are
 * referenced relative to the run folder.  A reader comes for the verdicts
 * and this machine's numbers, so the sections are, in order: the summary
 * (what ran, warnings, one claims table per claim file with verdicts and
 * coverage, the key numbers: keynumbers.h), the plots per family, and the
 * details (each claim's evidence, how the key numbers were computed, the
 * per-benchmark tables and the machine, collapsed, and what could not be
 * measured here).  The terminal gets the same short summary above the
 * claims table.
 */
#include "analysis/report.h"

#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/paths.h"
#include "memprobe/results.h"
#include "memprobe/stats.h"
#include "memprobe/xalloc.h"
#include "analysis/claims.h"
#include "analysis/doc.h"
#include "analysis/keynumbers.h"
#include "analysis/plot.h"
#include "analysis/runfolder.h"

#define REPORT_MAX_KEY_ROWS 60
#define REPORT_MAX_USER_COUNTERS 4

/* One cache level as a reader says it: "L1d 48 KiB x2, 1 CPU each",
 * "L3 32 MiB, shared by 2 CPUs", "L2 1 MiB: 3.6 ns". */
static char *report_cache_text(json_object *c)
{
    json_object *v;
    char bytes[32] = "?", times[24] = "", sharing[48] = "";
    if (json_object_object_get_ex(c, "size_bytes", &v))
        output_bytes_text(bytes, sizeof bytes, (unsigned long long)json_object_get_int64(v));
    const char *type = json_object_object_get_ex(c, "type", &v) ? json_object_get_string(v) : "";
    int level = json_object_object_get_ex(c, "level", &v) ? json_object_get_int(v) : 0;
    int count = json_object_object_get_ex(c, "count", &v) ? json_object_get_int(v) : 0;
    int by = json_object_object_get_ex(c, "shared_by_pus", &v) ? json_object_get_int(v) : 0;
    if (count > 1)
        snprintf(times, sizeof times, " x%d", count);
    if (by > 0)
        snprintf(sharing, sizeof sharing, by > 1 ? ", shared by %d CPUs" : ", %d CPU each", by);
    char *ns = json_object_object_get_ex(c, "ns", &v) && v ? keynumbers_ns_text(json_object_get_double(v)) : NULL;
    char *text = output_strdupf("L%d%s %s%s%s%s%s", level, strcmp(type, "data") == 0 ? "d"
                                : strcmp(type, "instruction") == 0 ? "i" : "", bytes, times, sharing,
                                ns ? ": " : "", ns ? ns : "");
    free(ns);
    return text;
}

/* machine.json's caches (a list of levels) or caches_inferred (an object
 * with its levels and their source) as a readable list; NULL for another
 * shape. */
static char *report_caches_text(json_object *val)
{
    json_object *levels = val, *source = NULL, *memory = NULL;
    if (json_object_is_type(val, json_type_object) && !json_object_object_get_ex(val, "levels", &levels))
        return NULL;
    if (json_object_is_type(val, json_type_object)) {
        json_object_object_get_ex(val, "source", &source);
        json_object_object_get_ex(val, "memory_ns", &memory);
    }
    if (!json_object_is_type(levels, json_type_array))
        return NULL;
    char *text = NULL;
    for (size_t i = 0; i < json_object_array_length(levels); i++) {
        char *one = report_cache_text(json_object_array_get_idx(levels, i));
        char *joined = output_strdupf("%s%s%s", text ? text : "", text ? "; " : "", one);
        xalloc_free_strings(2, text, one);
        text = joined;
    }
    if (memory) {
        char *ns = keynumbers_ns_text(json_object_get_double(memory));
        char *joined = output_strdupf("%s; memory: %s", text ? text : "", ns);
        xalloc_free_strings(2, text, ns);
        text = joined;
    }
    if (source) {
        char *joined = output_strdupf("%s (source: %s)", text ? text : "", json_object_get_string(source));
        free(text);
        text = joined;
    }
    return text ? text : xalloc_strdup("none");
}

/* The machine table, collapsed: every field of machine.json but the counter
 * list and the warnings (shown elsewhere); caches as a readable list. */
static void report_machine(doc *d, runfolder *run)
{
    doc_subheading(d, "Machine");
    json_object *m = runfolder_machine(run);
    if (!m) {
        doc_paragraph(d, "No machine.json in this run folder: the machine is not described.");
        return;
    }
    const char *cpu = runfolder_machine_get(run, "cpu_model");
    char *summary = output_strdupf("machine.json: %s, %d CPUs allowed", cpu ? cpu : "an undescribed CPU",
                                   runfolder_cpu_count(run));
    doc_details_begin(d, summary);
    free(summary);
    const char *heads[] = {"field", "value"};
    doc_table_begin(d, heads, 2);
    json_object_object_foreach(m, key, val) {
        if (strcmp(key, "counters") == 0 || strcmp(key, "warnings") == 0)
            continue;
        char *caches = strncmp(key, "caches", 6) == 0 && val ? report_caches_text(val) : NULL;
        const char *text = caches ? caches : !val ? "" : json_object_is_type(val, json_type_string)
                                   ? json_object_get_string(val) : json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);
        char shown[600];
        snprintf(shown, sizeof shown, "%.590s%s", text, strlen(text) > 590 ? "..." : "");
        const char *cells[] = {key, shown};
        doc_table_row(d, cells, 2, 0);
        free(caches);
    }
    doc_table_end(d);
    doc_details_end(d);
}

static void report_warnings(doc *d, runfolder *run)
{
    size_t nw = runfolder_warning_count(run);
    if (nw == 0)
        return;
    const char **items = xalloc_malloc(nw * sizeof *items);
    for (size_t i = 0; i < nw; i++)
        items[i] = runfolder_warning(run, i);
    doc_list(d, items, nw, "warn");
    free(items);
}

static const char *report_verdict_class(claims_outcome o)
{
    switch (o) {
    case CLAIMS_HOLDS: return "holds";
    case CLAIMS_DOES_NOT_HOLD: return "does-not-hold";
    case CLAIMS_PARTLY: return "partly";
    case CLAIMS_NOT_MEASURABLE: return "not-measurable-here";
    }
    return "";
}

/* The verdicts of one claim file run from first to the returned end. */
static size_t report_file_end(const claims_verdict *v, size_t n, size_t first)
{
    size_t end = first + 1;
    while (end < n && strcmp(v[end].file, v[first].file) == 0)
        end++;
    return end;
}

static const char *report_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The verdict cell: the word (classed in HTML) and, small, what qualifies it. */
static void report_verdict_cell(doc *d, const char *word, claims_outcome o, const char *small)
{
    fprintf(d->md, " %s", word);
    if (small && *small) {
        fprintf(d->md, ": ");
        doc_md_text(d->md, small);
    }
    fprintf(d->md, " |");
    fprintf(d->html, "<td class=\"%s\">%s", report_verdict_class(o), word);
    if (small && *small) {
        fprintf(d->html, "<br><small>");
        doc_html_text(d->html, small);
        fprintf(d->html, "</small>");
    }
    fprintf(d->html, "</td>");
}

/* "| **id**: claim" and its HTML cell (with the document and note when full). */
static void report_claim_cell(doc *d, const claims_verdict *c, int full)
{
    fprintf(d->md, "| **%s**: ", c->id);
    doc_md_text(d->md, c->claim);
    if (full) {
        fprintf(d->md, " (");
        doc_md_text(d->md, c->document);
        fprintf(d->md, ")");
    }
    fprintf(d->md, " |");
    fprintf(d->html, "<tr><td><b>");
    doc_html_text(d->html, c->id);
    fprintf(d->html, "</b>: ");
    doc_html_text(d->html, c->claim);
    if (full) {
        fprintf(d->html, "<br><small>");
        doc_html_text(d->html, c->document);
        if (c->note && *c->note) {
            fprintf(d->html, "<br>");
            doc_html_text(d->html, c->note);
        }
        fprintf(d->html, "</small>");
    }
    fprintf(d->html, "</td>");
}

/* The head of a claims table: claim, verdict, and third. */
static void report_claims_table_begin(doc *d, const char *css_class, const char *third)
{
    fprintf(d->md, "| claim | verdict | %s |\n| --- | --- | --- |\n", third);
    fprintf(d->html, "<table%s%s%s>\n<tr><th>claim</th><th>verdict</th><th>%s</th></tr>\n", css_class ? " class=\"" : "",
            css_class ? css_class : "", css_class ? "\"" : "", third);
}

/* The summary's table for the verdicts first..end of one claim file:
 * claim, verdict, coverage. */
static void report_claims_summary_table(doc *d, const claims_verdict *v, size_t first, size_t end)
{
    report_claims_table_begin(d, "claims", "coverage");
    for (size_t i = first; i < end; i++) {
        const claims_verdict *c = &v[i];
        report_claim_cell(d, c, 0);
        report_verdict_cell(d, claims_outcome_name(c->outcome), c->outcome, NULL);
        size_t failed = c->nmeasurable - c->nheld;
        char *cov = output_strdupf("%zu hold, %zu fail%s; %s", c->nheld, failed, failed == 1 ? "s" : "", c->coverage);
        fprintf(d->md, " ");
        doc_md_text(d->md, cov);
        fprintf(d->md, " |\n");
        fprintf(d->html, "<td class=\"cov\">");
        doc_html_text(d->html, cov);
        fprintf(d->html, "</td></tr>\n");
        free(cov);
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</table>\n");
}

/* The details' table for the verdicts first..end of one claim file: the
 * claim with its document and note, the verdict, every check's evidence. */
static void report_claims_evidence_table(doc *d, const claims_verdict *v, size_t first, size_t end)
{
    report_claims_table_begin(d, NULL, "evidence");
    for (size_t i = first; i < end; i++) {
        const claims_verdict *c = &v[i];
        report_claim_cell(d, c, 1);
        report_verdict_cell(d, claims_outcome_name(c->outcome), c->outcome, c->coverage);
        fprintf(d->html, "<td><ul class=\"ev\">");
        for (size_t j = 0; j < c->ncheck; j++) {
            fprintf(d->md, "%s%s (%s): ", j ? "<br>" : " ", c->checks[j].label,
                    claims_outcome_name(c->checks[j].outcome));
            doc_md_text(d->md, c->checks[j].evidence);
            fprintf(d->html, "<li><b>");
            doc_html_text(d->html, c->checks[j].label);
            fprintf(d->html, "</b> <span class=\"%s\">%s</span>: ", report_verdict_class(c->checks[j].outcome),
                    claims_outcome_name(c->checks[j].outcome));
            doc_html_text(d->html, c->checks[j].evidence);
            fprintf(d->html, "</li>");
        }
        fprintf(d->md, " |\n");
        fprintf(d->html, "</ul></td></tr>\n");
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</table>\n");
}

/* One table per claim file, under a heading naming the file. */
static void report_claims(doc *d, const claims_verdict *v, size_t n, const char *claims_note, int evidence)
{
    if (claims_note && *claims_note)
        doc_paragraph(d, claims_note);
    if (n == 0) {
        doc_paragraph(d, "No claims were checked.");
        return;
    }
    for (size_t first = 0, end; first < n; first = end) {
        end = report_file_end(v, n, first);
        char *title = output_strdupf("%s: %s", evidence ? "Evidence" : "Claims", report_base_name(v[first].file));
        doc_subheading(d, title);
        free(title);
        if (evidence)
            report_claims_evidence_table(d, v, first, end);
        else
            report_claims_summary_table(d, v, first, end);
    }
}

static const char report_verdict_words[] =
    "A check reduces the rows it selects with the statistic shown (the median of the repetitions unless "
    "stated) and compares the result with its bound; a ratio whose two sides' repetitions overlap is within "
    "noise and counts as 1. A check is not measurable here when what it needs is absent from this run, or "
    "its control shows no effect. A claim holds when every measurable check holds, does not hold when every "
    "measurable check fails, is partly true when they disagree, and is not measurable here when no check "
    "could be judged; its coverage says how many checks could be, and why the others could not.";

/* Columns that are not a family's own counters: results.csv's fixed columns
 * and the run's counter columns. */
static int report_is_fixed_column(runfolder *run, const char *c)
{
    return results_column_is_fixed(c) || runfolder_is_counter_column(run, c);
}

/* The family's own numeric counters: columns after items_per_second with
 * a number in some row of the family and nothing but numbers. */
static size_t report_user_counters(runfolder *run, const char *family, const char **out, size_t max)
{
    const output_table *t = runfolder_results(run);
    size_t n = 0, first = 0;
    for (size_t c = 0; c < output_table_column_count(t); c++)
        if (strcmp(output_table_column(t, c), "items_per_second") == 0)
            first = c + 1;
    for (size_t c = first; c < output_table_column_count(t) && n < max && first; c++) {
        const char *col = output_table_column(t, c);
        if (report_is_fixed_column(run, col))
            continue;
        int numbers = 0, other = 0;
        for (size_t r = 0; r < output_table_row_count(t) && !other; r++) {
            const char *f = output_table_cell(t, r, "family"), *cell = output_table_cell(t, r, col);
            double v;
            if (!f || strcmp(f, family) != 0 || !cell || !*cell)
                continue;
            if (results_cell_number(t, r, col, &v))
                numbers++;
            else
                other++;
        }
        if (numbers && !other)
            out[n++] = col;
    }
    return n;
}

/* "benchmark [allocator, pair class]" for a row. */
static char *report_row_label(const output_table *t, size_t r)
{
    const char *b = output_table_cell(t, r, "benchmark"), *a = output_table_cell(t, r, "allocator");
    const char *p = output_table_cell(t, r, "pair_class"), *rt = output_table_cell(t, r, "runtime");
    int show_a = a && *a && strcmp(a, "glibc") != 0, show_p = p && *p, show_rt = rt && *rt && strcmp(rt, "c") != 0;
    return output_strdupf("%s%s%s%s%s%s%s%s", b ? b : "?", show_a || show_p || show_rt ? " [" : "",
                         show_a ? a : "", show_a && (show_p || show_rt) ? ", " : "", show_p ? p : "",
                         show_p && show_rt ? ", " : "", show_rt ? rt : "", show_a || show_p || show_rt ? "]" : "");
}

static char *report_number(double v)
{
    return isnan(v) ? xalloc_strdup("") : output_strdupf("%.4g", v);
}

/* Median of column over the rows listed (NaN when none has a value). */
static double report_median_of(const output_table *t, const size_t *rows, size_t n, const char *col, double *lo,
                               double *hi)
{
    double *v = xalloc_malloc((n + 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (results_cell_number(t, rows[i], col, &v[m]))
            m++;
    double med = stats_median(v, m);
    if (lo)
        *lo = stats_min(v, m);
    if (hi)
        *hi = stats_max(v, m);
    free(v);
    return med;
}

/* Compact table: per benchmark, the median real_ns with its spread and
 * the medians of up to four family counters. */
static void report_family_table(doc *d, runfolder *run, const char *family)
{
    const output_table *t = runfolder_results(run);
    const char *counters[REPORT_MAX_USER_COUNTERS];
    size_t nc = report_user_counters(run, family, counters, REPORT_MAX_USER_COUNTERS);
    size_t total = output_table_row_count(t), nlabels = 0, shown = 0;
    char **labels = xalloc_calloc(total + 1, sizeof *labels);
    int *use_agg = xalloc_calloc(total + 1, sizeof *use_agg);
    for (size_t r = 0; r < total; r++) {
        const char *f = output_table_cell(t, r, "family");
        results_row_kind k = results_row_kind_of(t, r);
        if (!f || strcmp(f, family) != 0 || (k != RESULTS_ROW_ITERATION && k != RESULTS_ROW_AGGREGATE))
            continue;
        char *label = report_row_label(t, r);
        size_t i = 0;
        while (i < nlabels && strcmp(labels[i], label) != 0)
            i++;
        if (i == nlabels)
            labels[nlabels++] = label;
        else
            free(label);
    }
    if (nlabels == 0) {
        doc_paragraph(d, "No measured rows (see below for skipped ones).");
        free(labels);
        free(use_agg);
        return;
    }
    const char *heads[4 + REPORT_MAX_USER_COUNTERS] = {"benchmark", "median real ns", "min-max ns", "reps"};
    for (size_t c = 0; c < nc; c++)
        heads[4 + c] = counters[c];
    doc_table_begin(d, heads, 4 + nc);
    size_t *rows = xalloc_malloc((total + 1) * sizeof *rows);
    for (size_t i = 0; i < nlabels && shown < REPORT_MAX_KEY_ROWS; i++, shown++) {
        size_t n = 0, nagg = 0;
        for (size_t r = 0; r < total; r++) {
            const char *f = output_table_cell(t, r, "family");
            if (!f || strcmp(f, family) != 0)
                continue;
            char *label = report_row_label(t, r);
            int same = strcmp(label, labels[i]) == 0;
            free(label);
            results_row_kind k = results_row_kind_of(t, r);
            const char *agg = output_table_cell(t, r, "aggregate");
            if (same && k == RESULTS_ROW_ITERATION)
                rows[n++] = r;
            else if (same && k == RESULTS_ROW_AGGREGATE && agg && strcmp(agg, "median") == 0 && n == 0)
                nagg = r + 1;
        }
        if (n == 0 && nagg)
            rows[n++] = nagg - 1;
        double lo, hi, med = report_median_of(t, rows, n, "real_ns", &lo, &hi);
        char *cells[4 + REPORT_MAX_USER_COUNTERS];
        cells[0] = xalloc_strdup(labels[i]);
        cells[1] = report_number(med);
        cells[2] = n > 1 ? output_strdupf("%.4g-%.4g", lo, hi) : xalloc_strdup("");
        cells[3] = output_strdupf("%zu", n);
        for (size_t c = 0; c < nc; c++)
            cells[4 + c] = report_number(report_median_of(t, rows, n, counters[c], NULL, NULL));
        doc_table_row(d, (const char *const *)cells, 4 + nc, 1);
        for (size_t c = 0; c < 4 + nc; c++)
            free(cells[c]);
    }
    doc_table_end(d);
    if (nlabels > shown) {
        char *more = output_strdupf("%zu more benchmarks of this family: every row is in ", nlabels - shown);
        doc_link(d, more, "results.csv", "results.csv");
        free(more);
    }
    for (size_t i = 0; i < nlabels; i++)
        free(labels[i]);
    free(labels);
    free(use_agg);
    free(rows);
}

/* Per family: what it measures (as the build that ran it said) and its plots. */
static void report_plot_sections(doc *d, runfolder *run)
{
    doc_heading(d, "Plots: what was measured");
    if (runfolder_family_count(run) == 0)
        doc_paragraph(d, "results.csv holds no rows.");
    for (size_t i = 0; i < runfolder_family_count(run); i++) {
        const char *name = runfolder_family(run, i);
        const char *description = runfolder_family_description(run, name);
        doc_subheading(d, name);
        doc_paragraph(d, description ? description : "(not described: the run folder's families.json does not name it)");
        char **images;
        size_t ni = plot_images(runfolder_dir(run), name, &images);
        for (size_t k = 0; k < ni; k++) {
            if (!runfolder_has_file(run, images[k]))   /* not drawn for this run */
                continue;
            char svg[256];
            size_t len = strlen(images[k]);
            snprintf(svg, sizeof svg, "%.*s.svg", (int)(len - 4), images[k]);   /* plot_images: NAME.png */
            doc_image(d, images[k], runfolder_has_file(run, svg));
        }
        xalloc_free_list(images, ni);
    }
}

/* Per family, collapsed: the median of every benchmark with its spread. */
static void report_family_tables(doc *d, runfolder *run)
{
    doc_subheading(d, "Per-benchmark numbers");
    doc_link(d, "Median real ns per benchmark with the min-max over repetitions, per family; every row is in ",
             "results.csv", "results.csv");
    for (size_t i = 0; i < runfolder_family_count(run); i++) {
        const char *name = runfolder_family(run, i);
        char *summary = output_strdupf("%s: per-benchmark table", name);
        doc_details_begin(d, summary);
        free(summary);
        report_family_table(d, run, name);
        doc_details_end(d);
    }
}

/* Append s to the list unless already there. */
static void report_add_unique(char ***list, size_t *n, char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], s) == 0) {
            free(s);
            return;
        }
    *list = xalloc_array(*list, *n + 1, sizeof **list);
    (*list)[(*n)++] = s;
}

/* What the report says could not be done: plots, with the reason. */
typedef struct report_notes {
    char **lines;
    size_t n;
} report_notes;

static void report_note(report_notes *notes, const char *line)
{
    xalloc_list_push(&notes->lines, &notes->n, line);
}

static void report_unmeasured(doc *d, runfolder *run, const claims_verdict *v, size_t nv,
                              const report_notes *notes)
{
    doc_subheading(d, "What could not be measured here");
    char **items = NULL;
    size_t n = 0;
    json_object *m = runfolder_machine(run), *counters;
    if (m && json_object_object_get_ex(m, "counters", &counters) && json_object_is_type(counters, json_type_array))
        for (size_t i = 0; i < json_object_array_length(counters); i++) {
            json_object *c = json_object_array_get_idx(counters, i), *col, *papi, *avail, *why;
            if (json_object_object_get_ex(c, "available", &avail) && json_object_get_boolean(avail))
                continue;
            json_object_object_get_ex(c, "column", &col);
            json_object_object_get_ex(c, "papi_name", &papi);
            json_object_object_get_ex(c, "reason", &why);
            report_add_unique(&items, &n, output_strdupf("counter %s (%s): %s", json_object_get_string(col),
                                                        papi ? json_object_get_string(papi) : "?",
                                                        why ? json_object_get_string(why) : "unavailable"));
        }
    const output_table *t = runfolder_results(run);
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        results_row_kind k = results_row_kind_of(t, r);
        if (k != RESULTS_ROW_SKIPPED && k != RESULTS_ROW_ERROR)
            continue;
        const char *b = output_table_cell(t, r, "benchmark"), *msg = output_table_cell(t, r, "message");
        report_add_unique(&items, &n, output_strdupf("%s %s: %s", b ? b : output_table_cell(t, r, "family"),
                                                    k == RESULTS_ROW_SKIPPED ? "skipped" : "failed",
                                                    msg ? msg : "no message"));
    }
    char *absent = NULL;
    for (size_t i = 0; i < runfolder_known_family_count(run); i++) {
        const char *name = runfolder_known_family(run, i);
        if (!name || runfolder_family_present(run, name))
            continue;
        char *more = output_strdupf("%s%s%s", absent ? absent : "", absent ? ", " : "", name);
        free(absent);
        absent = more;
    }
    if (absent)
        report_add_unique(&items, &n, output_strdupf("families not in this run: %s", absent));
    free(absent);
    for (size_t i = 0; i < nv; i++)
        if (v[i].outcome == CLAIMS_NOT_MEASURABLE)
            report_add_unique(&items, &n, output_strdupf("claim %s: %s", v[i].id, v[i].reason));
    for (size_t i = 0; i < notes->n; i++)
        report_add_unique(&items, &n, xalloc_strdup(notes->lines[i]));
    if (n == 0)
        doc_paragraph(d, "Everything asked for was measured.");
    else
        doc_list(d, (const char *const *)items, n, NULL);
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

/* One paragraph: what ran and how the claims came out. */
static void report_overview(doc *d, runfolder *run, const claims_verdict *v, size_t nv)
{
    size_t counts[4] = {0};
    for (size_t i = 0; i < nv; i++)
        counts[v[i].outcome]++;
    const char *cpu = runfolder_machine_get(run, "cpu_model");
    char *text = output_strdupf("Run folder %s on %s: %zu famil%s measured, %zu rows in results.csv. Claims: %zu hold, "
                               "%zu do not hold, %zu partly, %zu not measurable here.",
                               runfolder_dir(run), cpu ? cpu : "an undescribed CPU", runfolder_family_count(run),
                               runfolder_family_count(run) == 1 ? "y" : "ies",
                               output_table_row_count(runfolder_results(run)), counts[CLAIMS_HOLDS],
                               counts[CLAIMS_DOES_NOT_HOLD], counts[CLAIMS_PARTLY], counts[CLAIMS_NOT_MEASURABLE]);
    doc_paragraph(d, text);
    free(text);
}

/* Why the run in run did not complete, for the report's first line; NULL
 * when it did (or is completing now: the report that ends a run is written
 * before machine.json says "completed": true). */
static char *report_incomplete_reason(const runfolder *run)
{
    const char *signal = runfolder_machine_get(run, "interrupted");
    const char *rebuilt = runfolder_machine_get(run, "rebuilt_from_journal");
    const char *completed = runfolder_machine_get(run, "completed");
    if (signal && *signal)
        return output_strdupf("This run was interrupted (%s) and did not complete: only the benchmarks it "
                              "finished are reported.", signal);
    if (rebuilt && strcmp(rebuilt, "true") == 0)
        return xalloc_strdup("This run stopped before it finished (killed?) and did not complete: results.csv was "
                             "written afterwards from its journal, so only the benchmarks it finished are reported.");
    if (completed && strcmp(completed, "false") == 0 && !runfolder_machine_get(run, "files"))
        return xalloc_strdup("This run did not complete (interrupted): only the rows it finished are reported.");
    return NULL;
}

/* The key numbers: what, value (and, in the details, where each comes from). */
static void report_key_numbers(doc *d, const keynumbers_line *k, size_t nk, int sources)
{
    if (nk == 0) {
        doc_paragraph(d, "None: the families that give them did not run.");
        return;
    }
    const char *heads[] = {"quantity", sources ? "computed as" : "this machine"};
    fprintf(d->html, "<div class=\"keys\">\n");
    doc_table_begin(d, heads, 2);
    for (size_t i = 0; i < nk; i++) {
        const char *cells[] = {k[i].what, sources ? k[i].source : k[i].value};
        doc_table_row(d, cells, 2, 0);
    }
    doc_table_end(d);
    fprintf(d->html, "</div>\n");
}

/* Everything a report holds, with what it needs to say it. */
typedef struct report_parts {
    runfolder *run;
    const claims_verdict *v;
    size_t nv;
    const keynumbers_line *keys;
    size_t nkeys;
    const char *claims_note;
    const report_notes *notes;   /* what could not be drawn */
} report_parts;

/* The one screen a reader came for. */
static void report_summary(doc *d, const report_parts *p)
{
    doc_heading(d, "Summary");
    report_overview(d, p->run, p->v, p->nv);
    report_claims(d, p->v, p->nv, p->claims_note, 0);
    doc_subheading(d, "Key numbers");
    report_key_numbers(d, p->keys, p->nkeys, 0);
    report_warnings(d, p->run);
}

static void report_details(doc *d, const report_parts *p)
{
    doc_heading(d, "Details");
    doc_paragraph(d, report_verdict_words);
    report_claims(d, p->v, p->nv, NULL, 1);
    doc_subheading(d, "How the key numbers were computed");
    report_key_numbers(d, p->keys, p->nkeys, 1);
    report_family_tables(d, p->run);
    report_machine(d, p->run);
    report_unmeasured(d, p->run, p->v, p->nv, p->notes);
}

/* Write report.md and report.html for run. */
static int report_write(const report_parts *p, char *err, size_t errlen)
{
    runfolder *run = p->run;
    const char *host = runfolder_machine_get(run, "host"), *start = runfolder_machine_get(run, "start_utc");
    char *title = output_strdupf("memprobe report: %s%s%s", host ? host : runfolder_dir(run), start ? ", " : "",
                                start ? start : "");
    doc d;
    doc_open(&d, title);
    free(title);
    char *incomplete = report_incomplete_reason(run);
    if (incomplete)
        doc_paragraph(&d, incomplete);
    free(incomplete);
    report_summary(&d, p);
    report_plot_sections(&d, run);
    report_details(&d, p);
    if (doc_write(&d, runfolder_dir(run), "report", err, errlen) != 0)
        return -1;
    char *const written[] = {"report.md", "report.html"};
    return runfolder_add_files(run, written, 2, err, errlen);
}

claims_set *report_load_claims(char *note, size_t notelen, FILE *out)
{
    char claims_dir[PATH_MAX], err[1024];
    snprintf(claims_dir, sizeof claims_dir, "%s/claims", paths_data_dir());
    char **paths;
    size_t npaths = claims_list_dir(claims_dir, &paths);
    claims_set *set = NULL;
    note[0] = '\0';
    if (npaths == 0) {
        snprintf(note, notelen, "No claim files found in %s.", claims_dir);
    } else if (!(set = claims_load((const char *const *)paths, npaths, err, sizeof err))) {
        snprintf(note, notelen, "Claim files not evaluated: %s", err);
        fprintf(out, "claims: %s\n", err);
    }
    xalloc_free_list(paths, npaths);
    return set;
}

/* Draw the plots: each one that failed into notes (and to note). */
static void report_plots(runfolder *run, FILE *out, report_notes *notes, report_note_fn note, void *ctx)
{
    char **failures;
    size_t nfailures;
    if (plot_run_all(run, out, &failures, &nfailures) < 0)
        report_note(notes, plot_install_hint());
    for (size_t i = 0; i < nfailures; i++) {
        report_note(notes, failures[i]);
        if (note)
            note(ctx, failures[i]);
    }
    xalloc_free_list(failures, nfailures);
}

int report_build(const char *run_dir, FILE *out, int draw_plots, report_note_fn note, void *ctx)
{
    char err[1024];
    runfolder *run = runfolder_open(run_dir, err, sizeof err);
    if (!run) {
        fprintf(out, "report: not written: %s\n", err);
        return -1;
    }
    report_notes notes = {NULL, 0};
    if (draw_plots)
        report_plots(run, out, &notes, note, ctx);
    char claims_note[PATH_MAX + 1200];
    claims_set *set = report_load_claims(claims_note, sizeof claims_note, out);
    size_t nv = 0;
    claims_verdict *v = set ? claims_evaluate(set, run, &nv) : NULL;
    keynumbers_line *keys;
    size_t nkeys = keynumbers_collect(run, &keys);
    if (nkeys) {
        fprintf(out, "key numbers of this run:\n");
        keynumbers_print(keys, nkeys, out);
    }
    if (nv)
        claims_print_table(v, nv, out);
    report_parts parts = {run, v, nv, keys, nkeys, claims_note, &notes};
    int rc = report_write(&parts, err, sizeof err);
    if (rc == 0) {
        fprintf(out, "report: %s/report.html\n", run_dir);
    } else {
        fprintf(out, "report: not written: %s\n", err);
        char *line = output_strdupf("report not written: %s", err);
        if (note)
            note(ctx, line);
        free(line);
    }
    int failed = rc != 0 || (draw_plots && notes.n > 0 && plot_gnuplot_available());
    keynumbers_free(keys, nkeys);
    claims_verdicts_free(v, nv);
    claims_free(set);
    xalloc_free_list(notes.lines, notes.n);
    runfolder_free(run);
    return failed ? -1 : 0;
}

int report_after_run(const char *run_dir, FILE *out, report_note_fn note, void *ctx)
{
    return report_build(run_dir, out, 1, note, ctx);
}
