/*
 * journal.c — the run's rows appended as they finish, and the run's CSVs
 * written back from them (journal.h).
 *
 * Appending: rows are added and filled in order, so what each table gained
 * since the last flush is mostly its rows from the count already written;
 * a row already written that changed since (a finish hook's derived cells,
 * the placement marks) is written again whole as an edit of its index.  A
 * table's column list is written again when it grew, so a declared column
 * that no row fills survives, and in its order.  One write(2) per flush, in
 * append mode: a kill leaves at most one cut line at the end.
 */
#include "memprobe/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memprobe/output.h"
#include "memprobe/results.h"
#include "memprobe/xalloc.h"

/* How much of one of the run's tables is in the journal. */
typedef struct journal_mark {
    const output_table *table;
    size_t columns, rows;
    unsigned long long edits;   /* the table's edit count at the last flush */
} journal_mark;

struct journal {
    int fd;
    char *path;
    journal_mark *marks;
    size_t nmarks;
    int failed;
};

/* ----------------------------------------------------------- appending */

/* Append s and a line end to buf (*len bytes used, *cap allocated). */
static void journal_put_line(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 2 > *cap) {
        *cap = (*len + n + 2) * 2;
        *buf = xalloc_array(*buf, *cap, 1);
    }
    memcpy(*buf + *len, s, n);
    (*buf)[*len + n] = '\n';
    *len += n + 1;
}

static void journal_put_json(char **buf, size_t *len, size_t *cap, json_object *o)
{
    journal_put_line(buf, len, cap, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

/* Write all of buf, or set err.  0 or -1. */
static int journal_write(journal *j, const char *buf, size_t len, char *err, size_t errlen)
{
    while (len > 0) {
        ssize_t n = write(j->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "cannot write '%s': %s", j->path, n < 0 ? strerror(errno) : "no space");
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static journal_mark *journal_mark_of(journal *j, const output_table *t)
{
    for (size_t i = 0; i < j->nmarks; i++)
        if (j->marks[i].table == t)
            return &j->marks[i];
    j->marks = xalloc_array(j->marks, j->nmarks + 1, sizeof *j->marks);
    j->marks[j->nmarks] = (journal_mark){t, 0, 0, 0};
    return &j->marks[j->nmarks++];
}

/* Row r of t as a record: {"table":NAME,"row":{...}}, with "edit":r when
 * it replaces a row written before. */
static void journal_row_line(const output_table *t, size_t r, int edit, char **buf, size_t *len, size_t *cap)
{
    json_object *o = json_object_new_object(), *row = json_object_new_object();
    json_object_object_add(o, "table", json_object_new_string(output_table_name(t)));
    if (edit)
        json_object_object_add(o, "edit", json_object_new_int64((int64_t)r));
    for (size_t c = 0; c < output_table_column_count(t); c++) {
        const char *cell = output_table_cell(t, r, output_table_column(t, c));
        if (cell)
            json_object_object_add(row, output_table_column(t, c), json_object_new_string(cell));
    }
    json_object_object_add(o, "row", row);
    journal_put_json(buf, len, cap, o);
}

/* The lines of what t gained since m, into buf. */
static void journal_table_lines(const output_table *t, journal_mark *m, char **buf, size_t *len, size_t *cap)
{
    size_t ncols = output_table_column_count(t), nrows = output_table_row_count(t);
    if (ncols > m->columns) {
        json_object *o = json_object_new_object(), *cols = json_object_new_array();
        json_object_object_add(o, "table", json_object_new_string(output_table_name(t)));
        for (size_t c = 0; c < ncols; c++)
            json_object_array_add(cols, json_object_new_string(output_table_column(t, c)));
        json_object_object_add(o, "columns", cols);
        journal_put_json(buf, len, cap, o);
        m->columns = ncols;
    }
    for (size_t r = 0; r < m->rows; r++)
        if (output_table_row_edited(t, r) > m->edits)
            journal_row_line(t, r, 1, buf, len, cap);
    for (; m->rows < nrows; m->rows++)
        journal_row_line(t, m->rows, 0, buf, len, cap);
    m->edits = output_table_edit_count(t);
}

int journal_flush(journal *j, int sync, char *err, size_t errlen)
{
    if (j->failed) {
        snprintf(err, errlen, "'%s' could not be written earlier", j->path);
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (const output_table *t = output_tables_first(); t; t = output_tables_next(t))
        journal_table_lines(t, journal_mark_of(j, t), &buf, &len, &cap);
    int rc = journal_write(j, buf, len, err, errlen);
    free(buf);
    if (rc == 0 && sync && fsync(j->fd) != 0 && errno != EINVAL) {
        snprintf(err, errlen, "cannot write '%s': %s", j->path, strerror(errno));
        rc = -1;
    }
    j->failed = rc != 0;
    return rc;
}

journal *journal_create(const char *run_dir, const char *const *counter_columns, size_t n, char *err,
                        size_t errlen)
{
    journal *j = xalloc_calloc(1, sizeof *j);
    j->path = output_strdupf("%s/%s", run_dir, JOURNAL_FILE);
    j->fd = open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (j->fd < 0) {
        snprintf(err, errlen, "cannot write '%s': %s", j->path, strerror(errno));
        free(j->path);
        free(j);
        return NULL;
    }
    json_object *o = json_object_new_object(), *cols = json_object_new_array();
    json_object_object_add(o, "journal", json_object_new_string("memprobe"));
    json_object_object_add(o, "version", json_object_new_int(1));
    for (size_t i = 0; i < n; i++)
        json_object_array_add(cols, json_object_new_string(counter_columns[i]));
    json_object_object_add(o, "counter_columns", cols);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    journal_put_json(&buf, &len, &cap, o);
    if (journal_write(j, buf, len, err, errlen) != 0)
        j->failed = 1;
    free(buf);
    return j;
}

void journal_close(journal *j)
{
    if (!j)
        return;
    char err[512];
    if (!j->failed)
        journal_flush(j, 1, err, sizeof err);
    close(j->fd);
    free(j->marks);
    free(j->path);
    free(j);
}

/* ----------------------------------------------------------- replaying */

/* The tables read back from a journal. */
typedef struct journal_tables {
    char **names;
    output_table **tables;
    size_t n;
    char **counter_columns;
    size_t ncounters;
} journal_tables;

static void journal_tables_free(journal_tables *jt)
{
    for (size_t i = 0; i < jt->n; i++)
        output_table_free(jt->tables[i]);
    free(jt->tables);
    xalloc_free_list(jt->names, jt->n);
    xalloc_free_list(jt->counter_columns, jt->ncounters);
}

/* A table name a run writes: NAME.csv, one entry of the run folder. */
static int journal_table_name_ok(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && name[0] != '.' && !strchr(name, '/') && strcmp(name + n - 4, ".csv") == 0;
}

static output_table *journal_table(journal_tables *jt, const char *name)
{
    for (size_t i = 0; i < jt->n; i++)
        if (strcmp(jt->names[i], name) == 0)
            return jt->tables[i];
    jt->names = xalloc_array(jt->names, jt->n + 1, sizeof *jt->names);
    jt->tables = xalloc_array(jt->tables, jt->n + 1, sizeof(output_table *));
    jt->names[jt->n] = xalloc_strdup(name);
    jt->tables[jt->n] = output_table_new();
    return jt->tables[jt->n++];
}

/* The strings of a JSON array into a new list; its length, or -1. */
static long journal_strings(json_object *a, char ***out)
{
    *out = NULL;
    if (!json_object_is_type(a, json_type_array))
        return -1;
    size_t n = json_object_array_length(a);
    *out = xalloc_calloc(n ? n : 1, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(a, i);
        if (!json_object_is_type(s, json_type_string)) {
            xalloc_free_list(*out, i);
            *out = NULL;
            return -1;
        }
        (*out)[i] = xalloc_strdup(json_object_get_string(s));
    }
    return (long)n;
}

/* A column list record: t gets the columns it lacks, each in its place
 * (before the next listed one).  0, or -1 when it is not a list. */
static int journal_replay_columns(output_table *t, json_object *cols)
{
    char **list;
    long n = journal_strings(cols, &list);
    if (n < 0)
        return -1;
    for (long i = n - 1; i >= 0; i--)    /* backwards: list[i + 1] is in t by now */
        output_table_insert_column(t, list[i], i + 1 < n ? list[i + 1] : NULL);
    xalloc_free_list(list, (size_t)n);
    return 0;
}

/* The row a row record fills: a new one, or with "edit":R the existing row
 * R emptied.  0, or -1 when R is not a row of t. */
static int journal_replay_target(output_table *t, json_object *o, size_t *r)
{
    json_object *edit;
    if (!json_object_object_get_ex(o, "edit", &edit)) {
        output_table_row(t);
        *r = output_table_row_count(t) - 1;
        return 0;
    }
    if (!json_object_is_type(edit, json_type_int))
        return -1;
    int64_t e = json_object_get_int64(edit);
    if (e < 0 || (uint64_t)e >= output_table_row_count(t))
        return -1;
    *r = (size_t)e;
    for (size_t c = 0; c < output_table_column_count(t); c++)
        output_table_set_row_str(t, *r, output_table_column(t, c), NULL);
    return 0;
}

/* One record (not the first line) into jt: 0, or -1 when it is not one. */
static int journal_replay_record(journal_tables *jt, json_object *o)
{
    json_object *name, *row, *cols;
    if (!json_object_object_get_ex(o, "table", &name) || !json_object_is_type(name, json_type_string) ||
        !journal_table_name_ok(json_object_get_string(name)))
        return -1;
    output_table *t = journal_table(jt, json_object_get_string(name));
    if (json_object_object_get_ex(o, "columns", &cols))
        return journal_replay_columns(t, cols);
    size_t r;
    if (!json_object_object_get_ex(o, "row", &row) || !json_object_is_type(row, json_type_object) ||
        journal_replay_target(t, o, &r) != 0)
        return -1;
    json_object_object_foreach(row, key, value) {
        if (!json_object_is_type(value, json_type_string))
            return -1;
        output_table_set_row_str(t, r, key, json_object_get_string(value));
    }
    return 0;
}

/* The first line: the counter columns into jt.  0 or -1. */
static int journal_replay_header(journal_tables *jt, json_object *o)
{
    json_object *magic, *cols;
    if (!json_object_object_get_ex(o, "journal", &magic) || !json_object_is_type(magic, json_type_string) ||
        strcmp(json_object_get_string(magic), "memprobe") != 0 || !json_object_object_get_ex(o, "counter_columns", &cols))
        return -1;
    long n = journal_strings(cols, &jt->counter_columns);
    jt->ncounters = n > 0 ? (size_t)n : 0;
    return n < 0 ? -1 : 0;
}

/* Read path into jt.  0, or -1 with err. */
static int journal_replay(const char *path, journal_tables *jt, int *cut, char *err, size_t errlen)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int rc = 0;
    *cut = 0;
    while (rc == 0 && (n = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (line[n - 1] != '\n') {   /* the last line, cut short by a kill: left out */
            *cut = 1;
            break;
        }
        line[n - 1] = '\0';
        json_object *o = strlen(line) == (size_t)n - 1 ? json_tokener_parse(line) : NULL;
        if (!o || !json_object_is_type(o, json_type_object) ||
            (lineno == 1 ? journal_replay_header(jt, o) : journal_replay_record(jt, o)) != 0) {
            snprintf(err, errlen, "%s:%zu: not a memprobe journal record", path, lineno);
            rc = -1;
        }
        json_object_put(o);
    }
    free(line);
    fclose(in);
    if (rc == 0 && lineno == 0) {
        snprintf(err, errlen, "%s: empty, not a memprobe journal", path);
        rc = -1;
    }
    return rc;
}

/* Write t as run_dir/name.  0, or -1 with err. */
static int journal_write_table(const char *run_dir, const char *name, const output_table *t, char *err,
                               size_t errlen)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", run_dir, name) >= (int)sizeof path) {
        snprintf(err, errlen, "cannot write '%s/%s': path too long", run_dir, name);
        return -1;
    }
    output_file *f = output_file_open(path, err, errlen);
    if (!f)
        return -1;
    output_table_write_csv(t, output_file_stream(f));
    return output_file_commit(f, err, errlen);
}

int journal_write_tables(const char *run_dir, journal_summary *summary, char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", run_dir, JOURNAL_FILE);
    journal_tables jt = {0};
    *summary = (journal_summary){0};
    int rc = journal_replay(path, &jt, &summary->cut, err, errlen);
    for (size_t i = 0; rc == 0 && i < jt.n; i++) {
        if (output_table_row_count(jt.tables[i]) == 0)
            continue;
        if (strcmp(jt.names[i], RESULTS_FILE) != 0) {
            rc = journal_write_table(run_dir, jt.names[i], jt.tables[i], err, errlen);
        } else {
            output_table *ordered = results_table_ordered(jt.tables[i], (const char *const *)jt.counter_columns,
                                                          jt.ncounters);
            summary->rows = output_table_row_count(ordered);
            rc = journal_write_table(run_dir, RESULTS_FILE, ordered, err, errlen);
            output_table_free(ordered);
        }
        if (rc == 0) {
            summary->files = xalloc_array(summary->files, summary->nfiles + 1, sizeof *summary->files);
            summary->files[summary->nfiles++] = xalloc_strdup(jt.names[i]);
        }
    }
    journal_tables_free(&jt);
    return rc;
}

void journal_summary_free(journal_summary *summary)
{
    xalloc_free_list(summary->files, summary->nfiles);
    summary->files = NULL;
    summary->nfiles = 0;
}
