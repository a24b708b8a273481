/*
 * report.c — the `memprobe plot|claims|report|compare` subcommands and the
 * step that ends every run: draw the plots, judge the claims, and write
 * report.md and report.html (self-contained apart from the images, which
 * are referenced relative to the run folder).  Both documents are produced
 * side by side through one small writer (report_doc) so they say the same.
 */
#include "analysis/report.h"

#include <errno.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memprobe/bench.h"
#include "analysis/claims.h"
#include "analysis/compare.h"
#include "memprobe/output.h"
#include "analysis/plot.h"
#include "analysis/runfolder.h"
#include "memprobe/stats.h"

#define REPORT_DEFAULT_RUN "results/latest"
#define REPORT_MAX_KEY_ROWS 60
#define REPORT_MAX_USER_COUNTERS 4

/* ------------------------------------------------------ the dual writer */

typedef struct report_doc {
    FILE *md, *html;
    char *md_buf, *html_buf;
    size_t md_len, html_len;
} report_doc;

static void report_html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Markdown table cell / inline text: escape | and keep it on one line. */
static void report_md_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

static const char report_css[] =
    "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:72rem;"
    "margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}"
    "h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}"
    "table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}"
    "th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "img{max-width:100%;height:auto;border:1px solid #eee;margin:.4rem 0}"
    ".holds{color:#17632a;font-weight:600}.does-not-hold{color:#a31515;font-weight:600}"
    ".partly{color:#8a5a00;font-weight:600}.not-measurable-here{color:#666;font-weight:600}"
    ".warn{color:#8a5a00}code{background:#f4f4f4;padding:0 .2rem}ul.ev{margin:0;padding-left:1.1rem}";

static void report_doc_open(report_doc *d, const char *title)
{
    memset(d, 0, sizeof *d);
    d->md = open_memstream(&d->md_buf, &d->md_len);
    d->html = open_memstream(&d->html_buf, &d->html_len);
    fprintf(d->md, "# ");
    report_md_text(d->md, title);
    fprintf(d->md, "\n\n");
    fprintf(d->html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    report_html_text(d->html, title);
    fprintf(d->html, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", report_css);
    report_html_text(d->html, title);
    fprintf(d->html, "</h1>\n");
}

/* A heading of level 2 or 3 (## / <h2>, ### / <h3>). */
static void report_heading_at(report_doc *d, int level, const char *text)
{
    fprintf(d->md, "%.*s ", level, "######");
    report_md_text(d->md, text);
    fprintf(d->md, "\n\n");
    fprintf(d->html, "<h%d>", level);
    report_html_text(d->html, text);
    fprintf(d->html, "</h%d>\n", level);
}

static void report_heading(report_doc *d, const char *text)
{
    report_heading_at(d, 2, text);
}

static void report_subheading(report_doc *d, const char *text)
{
    report_heading_at(d, 3, text);
}

static void report_paragraph(report_doc *d, const char *text)
{
    fprintf(d->md, "%s\n\n", text);
    fprintf(d->html, "<p>");
    report_html_text(d->html, text);
    fprintf(d->html, "</p>\n");
}

static void report_list(report_doc *d, const char *const *items, size_t n, const char *css_class)
{
    fprintf(d->html, "<ul>\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(d->md, "- %s\n", items[i]);
        fprintf(d->html, css_class ? "<li class=\"%s\">" : "<li>", css_class);
        report_html_text(d->html, items[i]);
        fprintf(d->html, "</li>\n");
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</ul>\n");
}

static void report_image(report_doc *d, const char *dir, const char *file)
{
    char svg[PATH_MAX], svg_name[256];
    size_t len = strlen(file);
    snprintf(svg_name, sizeof svg_name, "%.*s.svg", (int)(len > 4 ? len - 4 : len), file);
    snprintf(svg, sizeof svg, "%s/%s", dir, svg_name);
    struct stat st;
    int has_svg = stat(svg, &st) == 0;
    fprintf(d->md, "![%s](%s)%s%s%s\n\n", file, file, has_svg ? " ([SVG](" : "", has_svg ? svg_name : "",
            has_svg ? "))" : "");
    fprintf(d->html, "<p><img src=\"");
    report_html_text(d->html, file);
    fprintf(d->html, "\" alt=\"");
    report_html_text(d->html, file);
    fprintf(d->html, "\">");
    if (has_svg) {
        fprintf(d->html, "<br><a href=\"");
        report_html_text(d->html, svg_name);
        fprintf(d->html, "\">SVG</a>");
    }
    fprintf(d->html, "</p>\n");
}

static void report_table_begin(report_doc *d, const char *const *heads, size_t n)
{
    fprintf(d->md, "|");
    fprintf(d->html, "<table>\n<tr>");
    for (size_t i = 0; i < n; i++) {
        fprintf(d->md, " ");
        report_md_text(d->md, heads[i]);
        fprintf(d->md, " |");
        fprintf(d->html, "<th>");
        report_html_text(d->html, heads[i]);
        fprintf(d->html, "</th>");
    }
    fprintf(d->md, "\n|");
    for (size_t i = 0; i < n; i++)
        fprintf(d->md, " --- |");
    fprintf(d->md, "\n");
    fprintf(d->html, "</tr>\n");
}

/* A row; with align_numbers, cells starting with a digit/sign are
 * right-aligned numbers. */
static void report_table_row(report_doc *d, const char *const *cells, size_t n, int align_numbers)
{
    fprintf(d->md, "|");
    fprintf(d->html, "<tr>");
    for (size_t i = 0; i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        fprintf(d->md, " ");
        report_md_text(d->md, c);
        fprintf(d->md, " |");
        int num = align_numbers && ((c[0] >= '0' && c[0] <= '9') || (c[0] == '-' && c[1] >= '0' && c[1] <= '9'));
        fprintf(d->html, num ? "<td class=\"num\">" : "<td>");
        report_html_text(d->html, c);
        fprintf(d->html, "</td>");
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</tr>\n");
}

static void report_table_end(report_doc *d)
{
    fprintf(d->md, "\n");
    fprintf(d->html, "</table>\n");
}

/* Close both documents and write them atomically into dir. */
static int report_doc_write(report_doc *d, const char *dir, char *err, size_t errlen)
{
    fprintf(d->html, "</body>\n</html>\n");
    fclose(d->md);
    fclose(d->html);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/report.md", dir);
    int rc = output_write_atomic(path, d->md_buf, d->md_len, err, errlen);
    snprintf(path, sizeof path, "%s/report.html", dir);
    if (rc == 0)
        rc = output_write_atomic(path, d->html_buf, d->html_len, err, errlen);
    free(d->md_buf);
    free(d->html_buf);
    return rc;
}

/* ------------------------------------------------------------ sections */

static void report_machine(report_doc *d, runfolder *run)
{
    report_heading(d, "Machine");
    json_object *m = runfolder_machine(run);
    if (!m) {
        report_paragraph(d, "No machine.json in this run folder: the machine is not described.");
        return;
    }
    const char *heads[] = {"field", "value"};
    report_table_begin(d, heads, 2);
    json_object_object_foreach(m, key, val) {
        if (strcmp(key, "counters") == 0 || strcmp(key, "warnings") == 0)
            continue;
        const char *text = !val ? "" : json_object_is_type(val, json_type_string) ? json_object_get_string(val)
                                   : json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);
        char shown[600];
        snprintf(shown, sizeof shown, "%.590s%s", text, strlen(text) > 590 ? "..." : "");
        const char *cells[] = {key, shown};
        report_table_row(d, cells, 2, 0);
    }
    report_table_end(d);
    size_t nw = runfolder_warning_count(run);
    if (nw) {
        report_subheading(d, "Warnings");
        const char **items = malloc(nw * sizeof *items);
        for (size_t i = 0; i < nw; i++)
            items[i] = runfolder_warning(run, i);
        report_list(d, items, nw, "warn");
        free(items);
    }
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

static void report_claims(report_doc *d, const claims_verdict *v, size_t n, const char *claims_note)
{
    report_heading(d, "Claims");
    if (claims_note && *claims_note)
        report_paragraph(d, claims_note);
    if (n == 0) {
        report_paragraph(d, "No claims were checked.");
        return;
    }
    report_paragraph(d, "Each check reduces the selected rows with the statistic shown (the median of the "
                        "repetitions unless stated) and compares the result; a claim holds when every check holds.");
    fprintf(d->md, "| claim | verdict | evidence |\n| --- | --- | --- |\n");
    fprintf(d->html, "<table>\n<tr><th>claim</th><th>verdict</th><th>evidence</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const claims_verdict *c = &v[i];
        fprintf(d->md, "| **%s**: ", c->id);
        report_md_text(d->md, c->claim);
        fprintf(d->md, " (");
        report_md_text(d->md, c->document);
        fprintf(d->md, ") | %s", claims_outcome_name(c->outcome));
        if (c->reason && *c->reason) {
            fprintf(d->md, ": ");
            report_md_text(d->md, c->reason);
        }
        fprintf(d->md, " |");
        fprintf(d->html, "<tr><td><b>");
        report_html_text(d->html, c->id);
        fprintf(d->html, "</b>: ");
        report_html_text(d->html, c->claim);
        fprintf(d->html, "<br><small>");
        report_html_text(d->html, c->document);
        if (c->note && *c->note) {
            fprintf(d->html, "<br>");
            report_html_text(d->html, c->note);
        }
        fprintf(d->html, "</small></td><td class=\"%s\">%s", report_verdict_class(c->outcome),
                claims_outcome_name(c->outcome));
        if (c->reason && *c->reason) {
            fprintf(d->html, "<br><small>");
            report_html_text(d->html, c->reason);
            fprintf(d->html, "</small>");
        }
        fprintf(d->html, "</td><td><ul class=\"ev\">");
        for (size_t j = 0; j < c->ncheck; j++) {
            fprintf(d->md, "%s%s (%s): ", j ? "<br>" : " ", c->checks[j].label,
                    claims_outcome_name(c->checks[j].outcome));
            report_md_text(d->md, c->checks[j].evidence);
            fprintf(d->html, "<li><b>");
            report_html_text(d->html, c->checks[j].label);
            fprintf(d->html, "</b> <span class=\"%s\">%s</span>: ", report_verdict_class(c->checks[j].outcome),
                    claims_outcome_name(c->checks[j].outcome));
            report_html_text(d->html, c->checks[j].evidence);
            fprintf(d->html, "</li>");
        }
        fprintf(d->md, " |\n");
        fprintf(d->html, "</ul></td></tr>\n");
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</table>\n");
}

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
    return isnan(v) ? strdup("") : output_strdupf("%.4g", v);
}

/* Median of column over the rows listed (NaN when none has a value). */
static double report_median_of(const output_table *t, const size_t *rows, size_t n, const char *col, double *lo,
                               double *hi)
{
    double *v = malloc((n + 1) * sizeof *v);
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
static void report_key_numbers(report_doc *d, runfolder *run, const char *family)
{
    const output_table *t = runfolder_results(run);
    const char *counters[REPORT_MAX_USER_COUNTERS];
    size_t nc = report_user_counters(run, family, counters, REPORT_MAX_USER_COUNTERS);
    size_t total = output_table_row_count(t), nlabels = 0, shown = 0;
    char **labels = calloc(total + 1, sizeof *labels);
    int *use_agg = calloc(total + 1, sizeof *use_agg);
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
        report_paragraph(d, "No measured rows (see below for skipped ones).");
        free(labels);
        free(use_agg);
        return;
    }
    const char *heads[4 + REPORT_MAX_USER_COUNTERS] = {"benchmark", "median real ns", "min-max ns", "reps"};
    for (size_t c = 0; c < nc; c++)
        heads[4 + c] = counters[c];
    report_table_begin(d, heads, 4 + nc);
    size_t *rows = malloc((total + 1) * sizeof *rows);
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
        cells[0] = strdup(labels[i]);
        cells[1] = report_number(med);
        cells[2] = n > 1 ? output_strdupf("%.4g-%.4g", lo, hi) : strdup("");
        cells[3] = output_strdupf("%zu", n);
        for (size_t c = 0; c < nc; c++)
            cells[4 + c] = report_number(report_median_of(t, rows, n, counters[c], NULL, NULL));
        report_table_row(d, (const char *const *)cells, 4 + nc, 1);
        for (size_t c = 0; c < 4 + nc; c++)
            free(cells[c]);
    }
    report_table_end(d);
    if (nlabels > shown) {
        char *more = output_strdupf("%zu more benchmarks of this family are in results.csv.", nlabels - shown);
        report_paragraph(d, more);
        free(more);
    }
    for (size_t i = 0; i < nlabels; i++)
        free(labels[i]);
    free(labels);
    free(use_agg);
    free(rows);
}

static void report_families(report_doc *d, runfolder *run)
{
    report_heading(d, "What was measured");
    if (runfolder_family_count(run) == 0)
        report_paragraph(d, "results.csv holds no rows.");
    for (size_t i = 0; i < runfolder_family_count(run); i++) {
        const char *name = runfolder_family(run, i);
        const bench_family *fam = bench_family_find(name);
        report_subheading(d, name);
        report_paragraph(d, fam && fam->description ? fam->description
                            : fam && fam->help ? fam->help : "(this build does not know this family)");
        char **images;
        size_t ni = plot_images(runfolder_dir(run), name, &images);
        for (size_t k = 0; k < ni; k++)
            report_image(d, runfolder_dir(run), images[k]);
        plot_list_free(images, ni);
        report_key_numbers(d, run, name);
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
    *list = realloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = s;
}

static void report_unmeasured(report_doc *d, runfolder *run, const claims_verdict *v, size_t nv,
                              const char *plot_note)
{
    report_heading(d, "What could not be measured here");
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
    for (size_t i = 0; i < bench_family_count(); i++) {
        const bench_family *f = bench_family_at(i);
        if (runfolder_family_present(run, f->name))
            continue;
        char *more = output_strdupf("%s%s%s", absent ? absent : "", absent ? ", " : "", f->name);
        free(absent);
        absent = more;
    }
    if (absent)
        report_add_unique(&items, &n, output_strdupf("families not in this run: %s", absent));
    free(absent);
    for (size_t i = 0; i < nv; i++)
        if (v[i].outcome == CLAIMS_NOT_MEASURABLE)
            report_add_unique(&items, &n, output_strdupf("claim %s: %s", v[i].id, v[i].reason));
    if (plot_note && *plot_note)
        report_add_unique(&items, &n, strdup(plot_note));
    if (n == 0)
        report_paragraph(d, "Everything asked for was measured.");
    else
        report_list(d, (const char *const *)items, n, NULL);
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

/* One paragraph: what ran and how the claims came out. */
static void report_summary(report_doc *d, runfolder *run, const claims_verdict *v, size_t nv)
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
    report_paragraph(d, text);
    free(text);
}

/* Write report.md and report.html for run. */
static int report_write(runfolder *run, const claims_verdict *v, size_t nv, const char *claims_note,
                        const char *plot_note, char *err, size_t errlen)
{
    const char *host = runfolder_machine_get(run, "host"), *start = runfolder_machine_get(run, "start_utc");
    char *title = output_strdupf("memprobe report: %s%s%s", host ? host : runfolder_dir(run), start ? ", " : "",
                                start ? start : "");
    report_doc d;
    report_doc_open(&d, title);
    free(title);
    const char *completed = runfolder_machine_get(run, "completed");
    if (completed && strcmp(completed, "false") == 0)
        report_paragraph(&d, "This run did not complete (interrupted): only the rows it finished are reported.");
    report_summary(&d, run, v, nv);
    report_machine(&d, run);
    report_claims(&d, v, nv, claims_note);
    report_families(&d, run);
    report_unmeasured(&d, run, v, nv, plot_note);
    return report_doc_write(&d, runfolder_dir(run), err, errlen);
}

/* ----------------------------------------------------------------- CLI */

static int report_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int report_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "memprobe %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int report_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static int report_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Open a run folder given on the command line; NULL after the usage line. */
static runfolder *report_open_run(const char *cmd, const char *dir)
{
    char err[1024];
    runfolder *run = runfolder_open(dir, err, sizeof err);
    if (!run)
        report_usage_error(cmd, "%s", err);
    return run;
}

/* Plots, claims (every claims/NAME.ini of the data folder), report files;
 * prints the claims table and the report's path to out. */
static int report_build(const char *run_dir, FILE *out, int draw_plots)
{
    char err[1024];
    runfolder *run = runfolder_open(run_dir, err, sizeof err);
    if (!run) {
        fprintf(out, "report: not written: %s\n", err);
        return -1;
    }
    const char *plot_note = NULL;
    if (draw_plots && plot_run_all(run, out) < 0)
        plot_note = plot_install_hint();
    char claims_dir[PATH_MAX], claims_note[PATH_MAX + 1200] = "";
    snprintf(claims_dir, sizeof claims_dir, "%s/claims", plot_data_dir());
    char **paths;
    size_t npaths = claims_list_dir(claims_dir, &paths);
    claims_set *set = NULL;
    if (npaths == 0) {
        snprintf(claims_note, sizeof claims_note, "No claim files found in %s.", claims_dir);
    } else if (!(set = claims_load((const char *const *)paths, npaths, err, sizeof err))) {
        snprintf(claims_note, sizeof claims_note, "Claim files not evaluated: %s", err);
        fprintf(out, "claims: %s\n", err);
    }
    size_t nv = 0;
    claims_verdict *v = set ? claims_evaluate(set, run, &nv) : NULL;
    if (nv)
        claims_print_table(v, nv, out);
    int rc = report_write(run, v, nv, claims_note, plot_note, err, sizeof err);
    if (rc == 0)
        fprintf(out, "report: %s/report.html\n", run_dir);
    else
        fprintf(out, "report: not written: %s\n", err);
    claims_verdicts_free(v, nv);
    claims_free(set);
    claims_list_free(paths, npaths);
    runfolder_free(run);
    return rc;
}

int report_after_run(const char *run_dir, FILE *out)
{
    return report_build(run_dir, out, 1);
}

int report_plot_main(int argc, char **argv)
{
    const char *cmd = argv[0], *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (report_is_help(argv[i])) {
            printf("usage: memprobe plot [RUN]\n"
                   "Run every plots/NAME.gp that applies to the run folder RUN (default %s) with gnuplot,\n"
                   "writing NAME.png and NAME.svg into RUN.\n", REPORT_DEFAULT_RUN);
            return 0;
        }
        if (argv[i][0] == '-' || dir)
            return report_usage_error(cmd, "unexpected argument '%s'; usage: memprobe plot [RUN]", argv[i]);
        dir = argv[i];
    }
    runfolder *run = report_open_run(cmd, dir ? dir : REPORT_DEFAULT_RUN);
    if (!run)
        return 2;
    int drawn = plot_run_all(run, stdout);
    if (drawn >= 0)
        printf("plots: %d drawn in %s\n", drawn, runfolder_dir(run));
    runfolder_free(run);
    return drawn < 0 ? 1 : 0;
}

int report_claims_main(int argc, char **argv)
{
    const char *cmd = argv[0], *dir = NULL;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (report_is_help(argv[i])) {
            printf("usage: memprobe claims FILE.ini... [RUN]\n"
                   "Judge the claims in each FILE against the run folder RUN (default %s) and print\n"
                   "one verdict per claim with its evidence.  The format is in the README (Claim files).\n",
                   REPORT_DEFAULT_RUN);
            free(files);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            free(files);
            return report_usage_error(cmd, "unknown option '%s'; usage: memprobe claims FILE.ini... [RUN]", argv[i]);
        }
        if (report_is_dir(argv[i])) {
            if (dir) {
                free(files);
                return report_usage_error(cmd, "two run folders ('%s', '%s'); give claim files and at most one RUN",
                                          dir, argv[i]);
            }
            dir = argv[i];
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) {
        free(files);
        return report_usage_error(cmd, "no claim file given; usage: memprobe claims FILE.ini... [RUN]");
    }
    char err[1024];
    claims_set *set = claims_load(files, nfiles, err, sizeof err);
    free(files);
    if (!set)
        return report_usage_error(cmd, "%s", err);
    runfolder *run = report_open_run(cmd, dir ? dir : REPORT_DEFAULT_RUN);
    if (!run) {
        claims_free(set);
        return 2;
    }
    size_t n;
    claims_verdict *v = claims_evaluate(set, run, &n);
    printf("claims against %s:\n", runfolder_dir(run));
    claims_print_table(v, n, stdout);
    claims_verdicts_free(v, n);
    claims_free(set);
    runfolder_free(run);
    return 0;
}

int report_report_main(int argc, char **argv)
{
    const char *cmd = argv[0], *dir = NULL;
    int draw = 1;
    for (int i = 1; i < argc; i++) {
        if (report_is_help(argv[i])) {
            printf("usage: memprobe report [--no-plots] [RUN]\n"
                   "Redraw the plots of RUN (default %s), judge every claims/NAME.ini, and write\n"
                   "RUN/report.md and RUN/report.html.\n", REPORT_DEFAULT_RUN);
            return 0;
        }
        if (strcmp(argv[i], "--no-plots") == 0) {
            draw = 0;
            continue;
        }
        if (argv[i][0] == '-' || dir)
            return report_usage_error(cmd, "unexpected argument '%s'; usage: memprobe report [--no-plots] [RUN]",
                                      argv[i]);
        dir = argv[i];
    }
    runfolder *run = report_open_run(cmd, dir ? dir : REPORT_DEFAULT_RUN);
    if (!run)
        return 2;
    runfolder_free(run);
    return report_build(dir ? dir : REPORT_DEFAULT_RUN, stdout, draw) == 0 ? 0 : 1;
}

/* "hostA vs hostB" style label from two runs' machine.json key. */
static char *report_pair_label(runfolder *a, runfolder *b, const char *key)
{
    const char *x = runfolder_machine_get(a, key), *y = runfolder_machine_get(b, key);
    return output_strdupf("%s vs %s", x ? x : "?", y ? y : "?");
}

static void report_compare_plot(runfolder *a, runfolder *b, const char *out_dir)
{
    if (!plot_gnuplot_available()) {
        printf("%s\n", plot_install_hint());
        return;
    }
    char script[PATH_MAX], err[512];
    snprintf(script, sizeof script, "%s/plots/compare.gp", plot_data_dir());
    char *host = report_pair_label(a, b, "host"), *cpu = report_pair_label(a, b, "cpu_model");
    if (plot_run_script(script, out_dir, host, cpu, 120, err, sizeof err) == 0)
        printf("compare: plot %s/compare.png\n", out_dir);
    else
        printf("plots: %s\n", err);
    free(host);
    free(cpu);
}

int report_compare_main(int argc, char **argv)
{
    const char *cmd = argv[0], *dirs[2] = {NULL, NULL}, *out_dir = ".";
    int ndirs = 0, plot = 1;
    for (int i = 1; i < argc; i++) {
        if (report_is_help(argv[i])) {
            printf("usage: memprobe compare [--out DIR] [--no-plots] RUN_A RUN_B\n"
                   "Per benchmark in both runs: median real ns of A and B, B/A, and a two-sided Mann-Whitney U\n"
                   "test across repetitions (alpha %.2f, at least %d repetitions per side); geometric mean of B/A\n"
                   "per family; benchmarks found on one side only.  Writes DIR/compare.csv and\n"
                   "DIR/compare_families.csv (DIR: the current folder by default) and draws compare.png.\n",
                   STATS_UTEST_ALPHA, STATS_UTEST_MIN_REPETITIONS);
            return 0;
        }
        if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc || !report_is_dir(argv[i + 1]))
                return report_usage_error(cmd, "--out '%s': expected an existing folder",
                                          i + 1 < argc ? argv[i + 1] : "");
            out_dir = argv[++i];
        } else if (strcmp(argv[i], "--no-plots") == 0) {
            plot = 0;
        } else if (argv[i][0] == '-' || ndirs == 2) {
            return report_usage_error(cmd, "unexpected argument '%s'; usage: memprobe compare [--out DIR] RUN_A RUN_B",
                                      argv[i]);
        } else {
            dirs[ndirs++] = argv[i];
        }
    }
    if (ndirs != 2)
        return report_usage_error(cmd, "expected two run folders; usage: memprobe compare [--out DIR] RUN_A RUN_B");
    runfolder *a = report_open_run(cmd, dirs[0]);
    runfolder *b = a ? report_open_run(cmd, dirs[1]) : NULL;
    if (!b) {
        runfolder_free(a);
        return 2;
    }
    compare_result *c = compare_runs(a, b);
    compare_print(c, dirs[0], dirs[1], stdout);
    char err[1024];
    int rc = compare_write_csv(c, out_dir, err, sizeof err);
    if (rc == 0)
        printf("compare: wrote %s/compare.csv and %s/compare_families.csv\n", out_dir, out_dir);
    else
        fprintf(stderr, "memprobe compare: %s\n", err);
    if (rc == 0 && plot && c->nfamilies > 0)
        report_compare_plot(a, b, out_dir);
    compare_result_free(c);
    runfolder_free(a);
    runfolder_free(b);
    return rc == 0 ? 0 : 1;
}
