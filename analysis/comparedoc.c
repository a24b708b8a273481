/*
 * comparedoc.c — the comparison folder (comparedoc.h): its preparation,
 * the plots' tables and images, compare.md/compare.html through the
 * document writer (doc.h), and compare.json, the folder's record of what it
 * compared and which files it holds (so a later comparison into the same
 * folder removes exactly those).
 */
#include "analysis/comparedoc.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/claims.h"
#include "analysis/doc.h"
#include "analysis/fingerprint.h"
#include "analysis/plot.h"
#include "analysis/report.h"
#include "memprobe/output.h"
#include "memprobe/paths.h"
#include "memprobe/results.h"
#include "memprobe/rundir.h"
#include "memprobe/xalloc.h"

#define COMPAREDOC_RECORD "compare.json"
#define COMPAREDOC_PLOT_TIMEOUT_S 120.0

/* The files written so far (names inside the folder). */
typedef struct comparedoc_files {
    char **names;
    size_t n;
} comparedoc_files;

static void comparedoc_wrote(comparedoc_files *f, const char *name)
{
    xalloc_list_push(&f->names, &f->n, name);
}

char *comparedoc_default_dir(const compare_result *c, const char *base)
{
    if (c->nruns > 2)
        return output_strdupf("%s/compare-%s-vs-%s-and-%zu-more", base, c->names[0], c->names[1], c->nruns - 2);
    return output_strdupf("%s/compare-%s-vs-%s", base, c->names[0], c->names[c->nruns > 1]);
}

/* ---- the folder ---- */

/* Remove the files an earlier comparison's record lists (plain names only). */
static void comparedoc_remove_recorded(const char *dir, json_object *record)
{
    json_object *files;
    if (!json_object_object_get_ex(record, "files", &files) || !json_object_is_type(files, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(files, i));
        if (!name || !*name || strchr(name, '/') || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path);
    }
}

static int comparedoc_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int empty = 1;
    for (struct dirent *e; empty && (e = readdir(d));)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

int comparedoc_prepare_dir(const char *dir, int create_parent, char *err, size_t errlen)
{
    if (create_parent) {
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", dir);
        const char *parent = dirname(copy);
        if (mkdir(parent, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create folder '%s': %s", parent, strerror(errno));
            return -1;
        }
    }
    if (mkdir(dir, 0777) != 0) {
        struct stat st;
        if (errno != EEXIST || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "'%s': cannot create the comparison folder: %s", dir,
                     errno == EEXIST ? "it exists and is not a folder" : strerror(errno));
            return -1;
        }
        char record_path[PATH_MAX];
        snprintf(record_path, sizeof record_path, "%s/%s", dir, COMPAREDOC_RECORD);
        json_object *record = access(record_path, F_OK) == 0 ? json_object_from_file(record_path) : NULL;
        if (record) {
            comparedoc_remove_recorded(dir, record);
            json_object_put(record);
        } else if (!comparedoc_is_empty(dir)) {
            snprintf(err, errlen, "'%s': not empty and holds no earlier comparison (no %s): give a new or empty "
                     "folder", dir, COMPAREDOC_RECORD);
            return -1;
        }
    }
    return rundir_writable(dir, "", dir, err, errlen);
}

/* ---- the plots' tables ---- */

/* One plot's table: the rows it takes, its first column, its values. */
typedef struct comparedoc_series {
    const char *name;        /* compare-NAME.csv, drawn by compare.gp as compare-NAME.png */
    const char *where;       /* "column=value|value ...": all must hold (on results.csv's cells) */
    const char *x;           /* a numeric column for x, or NULL: the benchmark label */
    const char *value;       /* the column whose median is drawn */
} comparedoc_series;

static const comparedoc_series comparedoc_series_list[] = {
    {"latency", "family=latency variant=chase", "working_set", "real_ns"},
    {"c2c", "family=c2c", NULL, "real_ns"},
    {"alloc", "family=alloc variant=heap_malloc_free|gc_malloc size=64|1024", NULL, "real_ns"},
    {"gc", "family=gc variant=collected object_bytes=64 divisor=3 markers=1 incremental=0 work_per_alloc=0",
     "live_bytes", "pause_p99_ns"},
    {"litmus", "family=litmus", NULL, "weak_per_million"},
    {"handoff", "family=visibility", NULL, "real_ns"},
};

/* Whether cell text is one of the '|'-separated values in want[0..len). */
static int comparedoc_one_of(const char *text, const char *want, size_t len)
{
    for (const char *p = want; p < want + len;) {
        size_t n = strcspn(p, "|");
        if (n > (size_t)(want + len - p))
            n = (size_t)(want + len - p);
        if (strlen(text) == n && strncmp(text, p, n) == 0)
            return 1;
        p += n + 1;
    }
    return 0;
}

/* Whether results row r of t meets every condition of where. */
static int comparedoc_where(const output_table *t, size_t r, const char *where)
{
    for (const char *p = where; *p;) {
        size_t n = strcspn(p, " ");
        const char *eq = memchr(p, '=', n);
        if (eq) {
            char column[64];
            snprintf(column, sizeof column, "%.*s", (int)(eq - p), p);
            const char *cell = output_table_cell(t, r, column);
            if (!comparedoc_one_of(cell ? cell : "", eq + 1, (size_t)(p + n - eq - 1)))
                return 0;
        }
        p += n + (p[n] == ' ');
    }
    return 1;
}

/* A measured cell of row (any run) and its run: where the row's columns are read. */
static const compare_cell *comparedoc_sample_cell(const compare_result *c, const compare_row *row, size_t *run)
{
    for (size_t i = 0; i < c->nruns; i++)
        if (row->cells[i].state == COMPARE_MEASURED && row->cells[i].nrows) {
            *run = i;
            return &row->cells[i];
        }
    return NULL;
}

/* Whether row belongs to the table of s; *x receives its x (NaN without one). */
static int comparedoc_series_takes(const compare_result *c, const compare_row *row, const comparedoc_series *s,
                                   double *x)
{
    size_t run;
    const compare_cell *sample = comparedoc_sample_cell(c, row, &run);
    const output_table *t = sample ? runfolder_results(c->runs[run]) : NULL;
    *x = NAN;
    if (!sample || !comparedoc_where(t, sample->rows[0], s->where))
        return 0;
    return !s->x || results_cell_number(t, sample->rows[0], s->x, x);
}

/* A row of a table and where it goes. */
typedef struct comparedoc_point {
    double x;
    size_t row;
} comparedoc_point;

static int comparedoc_point_cmp(const void *pa, const void *pb)
{
    const comparedoc_point *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* One line of the table: x (or the benchmark) and each run's value. */
static void comparedoc_series_line(const compare_result *c, const compare_row *row, const comparedoc_series *s,
                                   double x, FILE *f)
{
    if (s->x)
        fprintf(f, "%.17g", x);
    else
        output_csv_field(f, row->label + strlen(row->family) + 1);
    for (size_t i = 0; i < c->nruns; i++) {
        const compare_cell *cell = &row->cells[i];
        double v = cell->state != COMPARE_MEASURED ? NAN
                   : strcmp(s->value, "real_ns") == 0 ? cell->value
                                                      : compare_cell_median(c, i, cell, s->value);
        fputc(',', f);
        if (!isnan(v))
            fprintf(f, "%.6g", v);
    }
    fputc('\n', f);
}

/* Write compare-NAME.csv when some row belongs to it.  0 (written or
 * nothing to write), or -1 with err. */
static int comparedoc_write_series(const compare_result *c, const comparedoc_series *s, const char *dir,
                                   comparedoc_files *files, char *err, size_t errlen)
{
    char name[64], path[PATH_MAX];
    snprintf(name, sizeof name, "compare-%s.csv", s->name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    output_file *of = output_file_open(path, err, errlen);
    if (!of)
        return -1;
    FILE *f = output_file_stream(of);
    output_csv_field(f, s->x ? s->x : "benchmark");
    for (size_t i = 0; i < c->nruns; i++) {
        fputc(',', f);
        output_csv_field(f, c->names[i]);
    }
    fputc('\n', f);
    comparedoc_point *points = xalloc_malloc((c->nrows + 1) * sizeof *points);
    size_t lines = 0;
    for (size_t r = 0; r < c->nrows; r++)
        if (comparedoc_series_takes(c, &c->rows[r], s, &points[lines].x))
            points[lines++].row = r;
    if (s->x)   /* a numeric axis is drawn in order of x; labels keep the table's order */
        qsort(points, lines, sizeof *points, comparedoc_point_cmp);
    for (size_t i = 0; i < lines; i++)
        comparedoc_series_line(c, &c->rows[points[i].row], s, points[i].x, f);
    free(points);
    if (lines == 0) {
        output_file_abort(of);
        return 0;
    }
    comparedoc_wrote(files, name);
    return output_file_commit(of, err, errlen);
}

/* Draw plots/compare.gp in dir and record the images it made. */
static void comparedoc_plot(const compare_result *c, const char *dir, comparedoc_files *files, FILE *out)
{
    if (!plot_gnuplot_available()) {
        fprintf(out, "%s\n", plot_install_hint());
        return;
    }
    char script[PATH_MAX], err[512];
    snprintf(script, sizeof script, "%s/plots/compare.gp", paths_data_dir());
    char *host = c->nruns == 2 ? output_strdupf("%s vs %s", c->names[0], c->names[1])
                               : output_strdupf("%zu runs, baseline %s", c->nruns, c->names[0]);
    char **inputs = xalloc_malloc((files->n + 1) * sizeof *inputs), **drawn = NULL;
    size_t ninputs = 0, ndrawn = 0;
    for (size_t i = 0; i < files->n; i++) {   /* the script reads the CSVs written so far */
        size_t len = strlen(files->names[i]);
        if (len > 4 && strcmp(files->names[i] + len - 4, ".csv") == 0)
            inputs[ninputs++] = files->names[i];
    }
    if (plot_run_script(script, dir, inputs, ninputs, host, "", COMPAREDOC_PLOT_TIMEOUT_S, &drawn, &ndrawn, err,
                        sizeof err) != 0)
        fprintf(out, "plots: %s\n", err);
    free(inputs);
    free(host);
    for (size_t i = 0; i < ndrawn; i++)
        comparedoc_wrote(files, drawn[i]);
    xalloc_free_list(drawn, ndrawn);
}

/* ---- compare.md / compare.html ---- */

static void comparedoc_summary(doc *d, const compare_result *c)
{
    char *text = output_strdupf("%zu runs compared; the baseline is %s. Every other run's median real ns per "
                                "benchmark is divided by the baseline's, and its repetitions are tested against the "
                                "baseline's with a two-sided Mann-Whitney U test (alpha 0.05; at least %zu "
                                "repetitions per side are needed for any difference to be significant).",
                                c->nruns, c->names[0], c->min_repetitions);
    doc_paragraph(d, text);
    free(text);
    const char *heads[] = {"run", "host", "CPU", "folder"};
    doc_table_begin(d, heads, 4);
    for (size_t i = 0; i < c->nruns; i++) {
        const char *host = runfolder_machine_get(c->runs[i], "host");
        const char *cpu = runfolder_machine_get(c->runs[i], "cpu_model");
        const char *cells[] = {c->names[i], host ? host : "?", cpu ? cpu : "?", runfolder_dir(c->runs[i])};
        doc_table_row(d, cells, 4, 0);
    }
    doc_table_end(d);
}

static void comparedoc_notes(doc *d, const compare_result *c)
{
    doc_heading(d, "What makes these numbers less comparable");
    if (c->nnotes == 0)
        doc_paragraph(d, "The fingerprints agree on everything that weighs on comparability.");
    else
        doc_list(d, (const char *const *)c->notes, c->nnotes, "warn");
}

/* Begin a table with the column first and one column per run from run
 * `from` on; sets *n to the number of columns and returns an empty row of
 * that many cells for comparedoc_row (comparedoc_table_end frees it). */
static char **comparedoc_table_begin(doc *d, const compare_result *c, const char *first, size_t from, size_t *n)
{
    *n = 1 + c->nruns - from;
    const char **heads = xalloc_calloc(*n, sizeof *heads);
    heads[0] = first;
    for (size_t i = from; i < c->nruns; i++)
        heads[1 + i - from] = c->names[i];
    doc_table_begin(d, heads, *n);
    free((void *)heads);
    return xalloc_calloc(*n, sizeof(char *));
}

/* End the table comparedoc_table_begin began and free its row. */
static void comparedoc_table_end(doc *d, char **cells)
{
    doc_table_end(d);
    free(cells);
}

/* Write a row of n malloc'd cells and free them. */
static void comparedoc_row(doc *d, char **cells, size_t n, int align_numbers)
{
    doc_table_row(d, (const char *const *)cells, n, align_numbers);
    for (size_t i = 0; i < n; i++) {
        free(cells[i]);
        cells[i] = NULL;
    }
}

/* The fingerprints side by side; rows where the runs differ are marked. */
static void comparedoc_machines(doc *d, const compare_result *c)
{
    doc_heading(d, "Machines");
    size_t n;
    char **cells = comparedoc_table_begin(d, c, "field", 0, &n);
    for (size_t f = 0; f < fingerprint_field_count(); f++) {
        int differ = 0;
        for (size_t i = 0; i < c->nruns; i++) {
            cells[i + 1] = fingerprint_field_text(c->runs[i], f);
            differ |= i > 0 && strcmp(cells[i + 1], cells[1]) != 0;
        }
        differ &= !fingerprint_field_differs_by_nature(f);
        cells[0] = output_strdupf("%s%s", fingerprint_field_label(f), differ ? " (differs)" : "");
        comparedoc_row(d, cells, n, 0);
    }
    comparedoc_table_end(d, cells);
}

/* Each claim's verdict per run, the claims whose verdicts differ first. */
static void comparedoc_claims(doc *d, const compare_result *c, FILE *out)
{
    doc_heading(d, "Claims per machine");
    char note[PATH_MAX + 1200];
    claims_set *set = report_load_claims(note, sizeof note, out);
    if (!set) {
        doc_paragraph(d, note);
        return;
    }
    claims_verdict **v = xalloc_calloc(c->nruns, sizeof(claims_verdict *));
    size_t nv = 0;
    for (size_t i = 0; i < c->nruns; i++)
        v[i] = claims_evaluate(set, c->runs[i], &nv);
    doc_paragraph(d, "A claim that holds on one machine and not on another comes first.");
    size_t n;
    char **cells = comparedoc_table_begin(d, c, "claim", 0, &n);
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < nv; k++) {
            int differ = 0;
            for (size_t i = 1; i < c->nruns; i++)
                differ |= v[i][k].outcome != v[0][k].outcome;
            if (differ != (pass == 0))
                continue;
            cells[0] = output_strdupf("%s%s: %s", differ ? "(differs) " : "", v[0][k].id, v[0][k].claim);
            for (size_t i = 0; i < c->nruns; i++)
                cells[i + 1] = xalloc_strdup(claims_outcome_name(v[i][k].outcome));
            comparedoc_row(d, cells, n, 0);
        }
    comparedoc_table_end(d, cells);
    for (size_t i = 0; i < c->nruns; i++)
        claims_verdicts_free(v[i], nv);
    free(v);
    claims_free(set);
}

/* 1 when the SVG twin of image (NAME.png) is in dir. */
static int comparedoc_has_svg(const char *dir, const char *image)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%.*s.svg", dir, (int)strlen(image) - 4, image);
    return access(path, F_OK) == 0;
}

static void comparedoc_plots(doc *d, const char *dir)
{
    char **images;
    size_t n = plot_images(dir, "compare", &images);
    if (n == 0)
        return;
    doc_heading(d, "Plots");
    for (int pass = 0; pass < 2; pass++)   /* the per-family means first */
        for (size_t i = 0; i < n; i++)
            if ((strcmp(images[i], "compare.png") == 0) == (pass == 0))
                doc_image(d, images[i], comparedoc_has_svg(dir, images[i]));
    xalloc_free_list(images, n);
}

/* Cell col of table row r, malloc'd: col 0 the row's name, col k the run
 * `from` + k - 1 (comparedoc_table_begin's columns). */
typedef char *comparedoc_cell_fn(const compare_result *c, size_t r, size_t col);

/* A table of nrows rows, one per r, its cells from cell(). */
static void comparedoc_grid(doc *d, const compare_result *c, const char *first, size_t from, size_t nrows,
                            comparedoc_cell_fn *cell)
{
    size_t n;
    char **cells = comparedoc_table_begin(d, c, first, from, &n);
    for (size_t r = 0; r < nrows; r++) {
        for (size_t col = 0; col < n; col++)
            cells[col] = cell(c, r, col);
        comparedoc_row(d, cells, n, 1);
    }
    comparedoc_table_end(d, cells);
}

/* "0.912 (31)": a family's geometric mean for a run after the baseline. */
static char *comparedoc_family_cell(const compare_result *c, size_t f, size_t col)
{
    if (col == 0)
        return xalloc_strdup(c->families[f].family);
    return isnan(c->families[f].geomean[col]) ? xalloc_strdup("")
           : output_strdupf("%.3f (%zu)", c->families[f].geomean[col], c->families[f].n[col]);
}

static void comparedoc_families(doc *d, const compare_result *c)
{
    doc_heading(d, "Per family");
    doc_paragraph(d, "The geometric mean of each run's ratios to the baseline over the family's comparable rows "
                     "(below 1: faster than the baseline), with the number of rows.");
    comparedoc_grid(d, c, "family", 1, c->nfamilies, comparedoc_family_cell);
}

/* "12.3 (x1.05, significant)" for a run's cell (col 0: the row's label). */
static char *comparedoc_cell_text(const compare_result *c, size_t r, size_t col)
{
    if (col == 0)
        return xalloc_strdup(c->rows[r].label);
    size_t i = col - 1;
    const compare_cell *cell = &c->rows[r].cells[i];
    if (cell->state != COMPARE_MEASURED)
        return xalloc_strdup(cell->verdict ? cell->verdict : "missing");
    char notes[64] = "";
    if (cell->pairs > 1)
        snprintf(notes, sizeof notes, ", %zu pairs", cell->pairs);
    if (cell->marks & COMPARE_MARK_INCOMPLETE)
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes), ", incomplete run");
    if (i == 0)
        return output_strdupf("%.4g (%zu reps%s)", cell->value, cell->n, notes);
    return output_strdupf("%.4g (x%.3f, %s%s)", cell->value, cell->ratio, cell->verdict, notes);
}

static void comparedoc_table(doc *d, const compare_result *c)
{
    doc_heading(d, "Benchmarks");
    doc_paragraph(d, "Median real ns per benchmark (several pairs of one class: the median of their medians); "
                     "for every run after the baseline, its ratio to the baseline and the U test's verdict.");
    comparedoc_grid(d, c, "benchmark", 0, c->nrows, comparedoc_cell_text);
}

static int comparedoc_write_doc(const compare_result *c, const char *dir, comparedoc_files *files, FILE *out,
                                char *err, size_t errlen)
{
    char *title = c->nruns == 2 ? output_strdupf("memprobe compare: %s vs %s", c->names[0], c->names[1])
                                : output_strdupf("memprobe compare: %zu runs", c->nruns);
    doc d;
    doc_open(&d, title);
    free(title);
    comparedoc_summary(&d, c);
    comparedoc_notes(&d, c);
    comparedoc_claims(&d, c, out);
    comparedoc_machines(&d, c);
    comparedoc_plots(&d, dir);
    comparedoc_families(&d, c);
    comparedoc_table(&d, c);
    if (doc_write(&d, dir, "compare", err, errlen) != 0)
        return -1;
    comparedoc_wrote(files, "compare.md");
    comparedoc_wrote(files, "compare.html");
    return 0;
}

/* compare.json: the runs, the baseline, the files (itself included). */
static int comparedoc_write_record(const compare_result *c, const char *dir, comparedoc_files *files, char *err,
                                   size_t errlen)
{
    comparedoc_wrote(files, COMPAREDOC_RECORD);
    json_object *root = json_object_new_object(), *runs = json_object_new_array(), *names = json_object_new_array();
    for (size_t i = 0; i < c->nruns; i++) {
        json_object *r = json_object_new_object();
        char real[PATH_MAX];
        const char *dir_i = runfolder_dir(c->runs[i]);
        json_object_object_add(r, "name", json_object_new_string(c->names[i]));
        json_object_object_add(r, "folder", json_object_new_string(realpath(dir_i, real) ? real : dir_i));
        json_object_array_add(runs, r);
    }
    for (size_t i = 0; i < files->n; i++)
        json_object_array_add(names, json_object_new_string(files->names[i]));
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    json_object_object_add(root, "baseline", json_object_new_string(c->names[0]));
    json_object_object_add(root, "runs", runs);
    json_object_object_add(root, "files", names);
    json_object_object_add(root, "written_utc", json_object_new_string(now));
    size_t len;
    const char *text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PRETTY, &len);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, COMPAREDOC_RECORD);
    int rc = output_write_atomic(path, text, len, err, errlen);
    json_object_put(root);
    return rc;
}

int comparedoc_write(const compare_result *c, const char *dir, int draw_plots, FILE *out, char *err, size_t errlen)
{
    comparedoc_files files = {0};
    int rc = compare_write_csv(c, dir, err, errlen);
    if (rc == 0) {
        comparedoc_wrote(&files, "compare.csv");
        comparedoc_wrote(&files, "compare_families.csv");
    }
    for (size_t s = 0; rc == 0 && s < sizeof comparedoc_series_list / sizeof *comparedoc_series_list; s++)
        rc = comparedoc_write_series(c, &comparedoc_series_list[s], dir, &files, err, errlen);
    if (rc == 0 && draw_plots && c->nfamilies > 0)
        comparedoc_plot(c, dir, &files, out);
    if (rc == 0)
        rc = comparedoc_write_doc(c, dir, &files, out, err, errlen);
    /* the record lists whatever was written, even after a failure, so that a
     * later comparison into this folder may replace it */
    char record_err[512];
    if (comparedoc_write_record(c, dir, &files, record_err, sizeof record_err) != 0 && rc == 0) {
        snprintf(err, errlen, "%s", record_err);
        rc = -1;
    }
    xalloc_free_list(files.names, files.n);
    return rc;
}
