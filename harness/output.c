/*
 * output.c — atomic files, in-memory CSV tables and the run folder.
 *
 * A table is a list of columns (in order of declaration, then first use) and
 * rows of cells; a cell never set is NULL and is written empty, which is how
 * an unavailable counter stays empty instead of becoming zero.  Every file is
 * written as <path>.tmp.<pid>, flushed, fsync'd and renamed into place.
 */
#include "memprobe/output.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memprobe/xalloc.h"

/* ---------------------------------------------------------------- files */

struct output_file {
    FILE *stream;
    char *path;
    char *tmp;
};

output_file *output_file_open(const char *path, char *err, size_t errlen)
{
    output_file *f = xalloc_calloc(1, sizeof *f);
    size_t n = strlen(path) + 32;
    f->path = xalloc_strdup(path);
    f->tmp = xalloc_malloc(n);
    snprintf(f->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    f->stream = fopen(f->tmp, "w");
    if (!f->stream) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        free(f->path);
        free(f->tmp);
        free(f);
        return NULL;
    }
    return f;
}

FILE *output_file_stream(output_file *f) { return f->stream; }

static void output_file_free(output_file *f)
{
    free(f->path);
    free(f->tmp);
    free(f);
}

int output_file_commit(output_file *f, char *err, size_t errlen)
{
    int failed = fflush(f->stream) != 0 || ferror(f->stream);
    int saved = errno;
    if (!failed && fsync(fileno(f->stream)) != 0 && errno != EINVAL) {
        failed = 1;
        saved = errno;
    }
    if (fclose(f->stream) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(f->tmp, f->path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        snprintf(err, errlen, "cannot write '%s': %s", f->path, strerror(saved));
        unlink(f->tmp);
    }
    output_file_free(f);
    return failed ? -1 : 0;
}

void output_file_abort(output_file *f)
{
    fclose(f->stream);
    unlink(f->tmp);
    output_file_free(f);
}

int output_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    output_file *f = output_file_open(path, err, errlen);
    if (!f)
        return -1;
    if (len && fwrite(data, 1, len, f->stream) != len) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        output_file_abort(f);
        return -1;
    }
    return output_file_commit(f, err, errlen);
}

/* --------------------------------------------------------------- tables */

struct output_table {
    char *file_name;
    char **columns;
    size_t ncols, capcols;
    char ***rows;          /* rows[r][c], c < ncols at the time of use (grown lazily) */
    size_t *row_width;     /* allocated cells per row */
    size_t *row_line;      /* line of the file each row starts on (read tables; else NULL) */
    unsigned long long *row_edit;   /* the value of edits at each row's latest change */
    unsigned long long edits;       /* cells set so far */
    size_t nrows, caprows;
    struct output_table *next;
};

static output_table *tables;

static output_table *output_table_named(const char *file_name)
{
    output_table *t = xalloc_calloc(1, sizeof *t);
    t->file_name = xalloc_strdup(file_name ? file_name : "");
    return t;
}

output_table *output_table_new(void)
{
    return output_table_named("");
}

output_table *output_table_get(const char *file_name)
{
    output_table **p = &tables;
    for (; *p; p = &(*p)->next)
        if (strcmp((*p)->file_name, file_name) == 0)
            return *p;
    *p = output_table_named(file_name);
    return *p;
}

output_table *output_tables_first(void)
{
    return tables;
}

output_table *output_tables_next(const output_table *t)
{
    return t->next;
}

const char *output_table_name(const output_table *t)
{
    return t->file_name;
}

static long output_table_find_column(const output_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->columns[i], name) == 0)
            return (long)i;
    return -1;
}

static size_t output_table_column_index(output_table *t, const char *name)
{
    long c = output_table_find_column(t, name);
    if (c >= 0)
        return (size_t)c;
    if (t->ncols == t->capcols) {
        t->capcols = t->capcols ? t->capcols * 2 : 16;
        t->columns = xalloc_array(t->columns, t->capcols, sizeof *t->columns);
    }
    t->columns[t->ncols] = xalloc_strdup(name);
    return t->ncols++;
}

void output_table_columns(output_table *t, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        output_table_column_index(t, names[i]);
}

void output_table_row(output_table *t)
{
    if (t->nrows == t->caprows) {
        t->caprows = t->caprows ? t->caprows * 2 : 64;
        t->rows = xalloc_array(t->rows, t->caprows, sizeof *t->rows);
        t->row_width = xalloc_array(t->row_width, t->caprows, sizeof *t->row_width);
        t->row_edit = xalloc_array(t->row_edit, t->caprows, sizeof *t->row_edit);
        if (t->row_line)
            t->row_line = xalloc_array(t->row_line, t->caprows, sizeof *t->row_line);
    }
    if (t->row_line)
        t->row_line[t->nrows] = 0;
    t->rows[t->nrows] = NULL;
    t->row_width[t->nrows] = 0;
    t->row_edit[t->nrows] = ++t->edits;
    t->nrows++;
}

static void output_table_put(output_table *t, size_t r, const char *column, const char *value)
{
    size_t c = output_table_column_index(t, column);
    if (c >= t->row_width[r]) {
        size_t w = t->ncols > c + 1 ? t->ncols : c + 1;
        t->rows[r] = xalloc_array(t->rows[r], w, sizeof **t->rows);
        for (size_t i = t->row_width[r]; i < w; i++)
            t->rows[r][i] = NULL;
        t->row_width[r] = w;
    }
    free(t->rows[r][c]);
    t->rows[r][c] = value ? xalloc_strdup(value) : NULL;
    t->row_edit[r] = ++t->edits;
}

void output_table_insert_column(output_table *t, const char *name, const char *before)
{
    if (output_table_find_column(t, name) >= 0)
        return;
    long at = before ? output_table_find_column(t, before) : -1;
    size_t pos = output_table_column_index(t, name);   /* appended at the end */
    if (at < 0)
        return;
    /* move it to position at, shifting the later columns and their cells */
    char *moved = t->columns[pos];
    memmove(&t->columns[at + 1], &t->columns[at], (pos - (size_t)at) * sizeof *t->columns);
    t->columns[at] = moved;
    for (size_t r = 0; r < t->nrows; r++) {
        if (t->row_width[r] <= (size_t)at)
            continue;
        size_t w = t->row_width[r] + 1;
        t->rows[r] = xalloc_array(t->rows[r], w, sizeof **t->rows);
        memmove(&t->rows[r][at + 1], &t->rows[r][at], (w - 1 - (size_t)at) * sizeof **t->rows);
        t->rows[r][at] = NULL;
        t->row_width[r] = w;
    }
}

void output_table_set_row_str(output_table *t, size_t r, const char *column, const char *value)
{
    if (r < t->nrows)
        output_table_put(t, r, column, value);
}

void output_table_set_str(output_table *t, const char *column, const char *value)
{
    if (t->nrows == 0)
        output_table_row(t);
    output_table_put(t, t->nrows - 1, column, value);
}

/* The shortest representation of value that round-trips; NULL for NaN. */
static const char *output_format_num(double value, char *buf, size_t len)
{
    if (isnan(value))
        return NULL;
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, value);
        if (strtod(buf, NULL) == value)
            break;
    }
    return buf;
}

void output_table_set_num(output_table *t, const char *column, double value)
{
    char buf[64];
    output_table_set_str(t, column, output_format_num(value, buf, sizeof buf));
}

void output_table_set_row_num(output_table *t, size_t r, const char *column, double value)
{
    char buf[64];
    output_table_set_row_str(t, r, column, output_format_num(value, buf, sizeof buf));
}

void output_table_set_int(output_table *t, const char *column, long long value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", value);
    output_table_set_str(t, column, buf);
}

size_t output_table_row_count(const output_table *t) { return t->nrows; }
unsigned long long output_table_edit_count(const output_table *t) { return t->edits; }

unsigned long long output_table_row_edited(const output_table *t, size_t r)
{
    return r < t->nrows ? t->row_edit[r] : 0;
}
size_t output_table_column_count(const output_table *t) { return t->ncols; }
const char *output_table_column(const output_table *t, size_t i) { return i < t->ncols ? t->columns[i] : NULL; }

const char *output_table_cell(const output_table *t, size_t r, const char *column)
{
    long c = output_table_find_column(t, column);
    if (r >= t->nrows || c < 0 || (size_t)c >= t->row_width[r])
        return NULL;
    return t->rows[r][c];
}

void output_csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    /* leading or trailing blanks are quoted too: CSV readers (libcsv among
     * them) trim them from unquoted fields; so is a leading byte-order mark,
     * which a reader takes for the file's own when the field opens it */
    size_t n = strlen(s);
    int edge_blank = n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
    int leading_bom = strncmp(s, "\xEF\xBB\xBF", 3) == 0;
    if (!edge_blank && !leading_bom && !strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void output_table_write_csv(const output_table *t, FILE *out)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', out);
        output_csv_field(out, t->columns[c]);
    }
    fputc('\n', out);
    for (size_t r = 0; r < t->nrows; r++) {
        int empty = 1;
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', out);
            if (c < t->row_width[r] && t->rows[r][c] && *t->rows[r][c]) {
                output_csv_field(out, t->rows[r][c]);
                empty = 0;
            }
        }
        /* a one-column row with nothing in it would be an empty line, which
         * CSV readers skip: write it as one empty quoted field */
        if (empty && t->ncols == 1)
            fputs("\"\"", out);
        fputc('\n', out);
    }
}

int output_tables_write_all(const char *dir, char *err, size_t errlen)
{
    int rc = 0;
    for (output_table *t = tables; t; t = t->next) {
        if (t->nrows == 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, t->file_name);
        output_file *f = output_file_open(path, err, errlen);
        if (!f)
            return -1;
        output_table_write_csv(t, output_file_stream(f));
        if (output_file_commit(f, err, errlen) != 0)
            rc = -1;
        if (rc)
            return rc;
    }
    return rc;
}

void output_table_free(output_table *t)
{
    if (!t)
        return;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->row_width[r]; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    for (size_t c = 0; c < t->ncols; c++)
        free(t->columns[c]);
    free(t->rows);
    free(t->row_width);
    free(t->row_edit);
    free(t->row_line);
    free(t->columns);
    free(t->file_name);
    free(t);
}

void output_tables_reset(void)
{
    while (tables) {
        output_table *next = tables->next;
        output_table_free(tables);
        tables = next;
    }
}

void output_table_append(output_table *dst, const output_table *src)
{
    for (size_t r = 0; r < src->nrows; r++) {
        output_table_row(dst);
        for (size_t c = 0; c < src->ncols && c < src->row_width[r]; c++)
            if (src->rows[r][c])
                output_table_put(dst, dst->nrows - 1, src->columns[c], src->rows[r][c]);
    }
}

/* ---- CSV reading (libcsv) ---- */

/* Strict: the header names distinct, non-empty columns; every row has
 * exactly as many fields as the header; the file ends with a line end (a
 * file cut mid-line is refused, not read as a shorter last row); a UTF-8
 * byte-order mark before the header is skipped.  Errors name the physical
 * line a record starts on. */
typedef struct csv_reader {
    output_table *t;
    int header_done;
    size_t field;          /* index of the next field in the current record */
    size_t line;           /* physical line the current record starts on (1-based) */
    size_t newlines;       /* line ends inside the current record's quoted fields */
    char **header;
    size_t nheader;
    int row_started;
    char *error;
} csv_reader;

/* Keep the first error of the file ("line N: what"). */
static void csv_reader_fail(csv_reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void csv_reader_fail(csv_reader *rd, const char *fmt, ...)
{
    if (rd->error)
        return;
    rd->error = xalloc_malloc(256);
    int n = snprintf(rd->error, 256, "%zu: ", rd->line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->error + n, 256 - (size_t)n, fmt, ap);
    va_end(ap);
}

/* A header cell names a column: non-empty and not seen before (a table
 * keys cells by column name, so either would silently merge columns). */
static void csv_reader_header_field(csv_reader *rd, const char *name)
{
    if (!*name)
        csv_reader_fail(rd, "empty column name in the header");
    for (size_t i = 0; i < rd->nheader; i++)
        if (strcmp(rd->header[i], name) == 0)
            csv_reader_fail(rd, "column '%.64s' appears twice in the header", name);
    rd->header = xalloc_array(rd->header, rd->nheader + 1, sizeof *rd->header);
    rd->header[rd->nheader] = xalloc_strdup(name);
    output_table_column_index(rd->t, rd->header[rd->nheader]);
    rd->nheader++;
}

static void csv_reader_start_row(csv_reader *rd)
{
    output_table_row(rd->t);
    rd->t->row_line[rd->t->nrows - 1] = rd->line;
    rd->row_started = 1;
}

static void csv_reader_field(void *data, size_t len, void *ctx)
{
    csv_reader *rd = ctx;
    if (data && memchr(data, '\0', len)) {
        csv_reader_fail(rd, "NUL byte in a field (not a text CSV file)");
        len = strnlen(data, len);
    }
    for (size_t i = 0; data && i < len; i++)
        rd->newlines += ((const char *)data)[i] == '\n';
    if (!rd->header_done) {
        char *name = xalloc_strndup(data ? data : "", len);
        csv_reader_header_field(rd, name);
        free(name);
        rd->field++;
        return;
    }
    if (!rd->row_started)
        csv_reader_start_row(rd);
    if (rd->field >= rd->nheader) {
        if (rd->field == rd->nheader)
            csv_reader_fail(rd, "more fields than the %zu header columns", rd->nheader);
    } else if (len > 0 && data) {
        char *v = xalloc_strndup(data, len);
        output_table_put(rd->t, rd->t->nrows - 1, rd->header[rd->field], v);
        free(v);
    }
    rd->field++;
}

static void csv_reader_record(int c, void *ctx)
{
    (void)c;
    csv_reader *rd = ctx;
    if (!rd->header_done) {
        rd->header_done = 1;
    } else {
        if (!rd->row_started)
            csv_reader_start_row(rd);   /* a record of one empty field */
        size_t fields = rd->field ? rd->field : 1;
        if (fields < rd->nheader)
            csv_reader_fail(rd, "%zu field%s where the header has %zu columns (a row cut short?)", fields,
                            fields == 1 ? "" : "s", rd->nheader);
    }
    rd->line += 1 + rd->newlines;
    rd->newlines = 0;
    rd->field = 0;
    rd->row_started = 0;
}

/* Feed the file to libcsv; 0, or -1 when libcsv refused it.  *last is the
 * file's last byte (-1 when it is empty). */
static int csv_reader_parse(FILE *in, struct csv_parser *p, csv_reader *rd, int *last)
{
    char buf[65536];
    size_t n, skip = 0;
    int first = 1;
    *last = -1;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (first && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            skip = 3;   /* a UTF-8 byte-order mark (spreadsheets write one) */
        first = 0;
        *last = (unsigned char)buf[n - 1];
        if (csv_parse(p, buf + skip, n - skip, csv_reader_field, csv_reader_record, rd) != n - skip)
            return -1;
        skip = 0;
    }
    return csv_fini(p, csv_reader_field, csv_reader_record, rd) != 0 ? -1 : 0;
}

output_table *output_table_read_csv(const char *path, char *err, size_t errlen)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI);
    csv_reader rd = {.t = output_table_named(path), .line = 1};
    rd.t->row_line = xalloc_calloc(1, sizeof *rd.t->row_line);
    int last;
    int bad = csv_reader_parse(in, &p, &rd, &last);
    fclose(in);
    if (bad || rd.error || !rd.header_done || (last != '\n' && last != '\r')) {
        if (bad)
            snprintf(err, errlen, "%s:%zu: malformed CSV (%s)", path, rd.line, csv_strerror(csv_error(&p)));
        else if (rd.error)
            snprintf(err, errlen, "%s:%s", path, rd.error);
        else if (!rd.header_done)
            snprintf(err, errlen, "%s: empty file, expected a CSV header line", path);
        else
            snprintf(err, errlen, "%s:%zu: the last line has no line end (the file was cut short)", path,
                     rd.line > 1 ? rd.line - 1 : 1);
        output_table_free(rd.t);
        rd.t = NULL;
    }
    csv_free(&p);
    xalloc_free_list(rd.header, rd.nheader);
    free(rd.error);
    return rd.t;
}

const char *output_table_source(const output_table *t)
{
    return t->row_line ? t->file_name : NULL;
}

size_t output_table_row_line(const output_table *t, size_t r)
{
    return t->row_line && r < t->nrows ? t->row_line[r] : 0;
}

int output_parse_number(const char *s, double *v)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return 0;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || isnan(d) || (errno == ERANGE && isinf(d)))
        return 0;
    *v = d;
    return 1;
}

int output_table_check_numbers(const output_table *t, const char *column, char *err, size_t errlen)
{
    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = output_table_cell(t, r, column);
        double v;
        if (!s || output_parse_number(s, &v))
            continue;
        const char *source = output_table_source(t);
        snprintf(err, errlen, "%s:%zu: column '%s' holds '%.40s', not a number", source ? source : "table",
                 output_table_row_line(t, r), column, s);
        return -1;
    }
    return 0;
}

/* ---- text ---- */

char *output_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s ? s : xalloc_strdup("");
}

char *output_bytes_text(char *buf, size_t len, unsigned long long bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (u < 4 && bytes >= (1ULL << (10 * (u + 1))))
        u++;
    unsigned long long unit = 1ULL << (10 * u);
    if (bytes % unit == 0)
        snprintf(buf, len, "%llu %s", bytes / unit, units[u]);
    else
        snprintf(buf, len, "%.1f %s", (double)bytes / (double)unit, units[u]);
    return buf;
}
