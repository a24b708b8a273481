/*
 * output.h — the run folder and everything written into it.
 *
 * Rows are kept in memory as ordered key/value cells; a run appends them to
 * its journal as they finish (journal.h) and writes its CSVs from there.  A cell that was never set is written empty: that
 * is how an unavailable counter stays empty instead of zero.  Every file is
 * written under a temporary name in the same folder and renamed into place.
 * results.csv's columns are results.h's.
 */
#ifndef MEMPROBE_OUTPUT_H
#define MEMPROBE_OUTPUT_H

#include <stdio.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- atomic files ---- */

typedef struct output_file output_file;
/* Open path for writing under a temporary name (path.tmp.PID).  NULL with
 * err set when the folder is not writable. */
output_file *output_file_open(const char *path, char *err, size_t errlen);
FILE *output_file_stream(output_file *f);
/* Flush, fsync and rename into place.  0, or -1 with err (the temporary is
 * removed and the destination left untouched). */
int output_file_commit(output_file *f, char *err, size_t errlen);
/* Remove the temporary, leave the destination untouched. */
void output_file_abort(output_file *f);
/* Write a whole buffer atomically. */
int output_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* ---- tables (results.csv and each family's side CSV) ---- */

typedef struct output_table output_table;
/* The table that will be written as run_dir/file_name (created on first use). */
output_table *output_table_get(const char *file_name);
/* The run's tables (those of output_table_get), in order of creation:
 * the first (NULL when none) and the one after t (NULL after the last). */
output_table *output_tables_first(void);
output_table *output_tables_next(const output_table *t);
/* The file name a run's table is written as ("results.csv"); for a table
 * read from a file, that file's path. */
const char *output_table_name(const output_table *t);
/* Declare leading columns in order (others follow in order of first use). */
void output_table_columns(output_table *t, const char *const *names, int n);
/* Start a new row; later set calls fill it. */
void output_table_row(output_table *t);
void output_table_set_str(output_table *t, const char *column, const char *value);
/* %.17g-style shortest round-trip formatting; NaN leaves the cell empty. */
void output_table_set_num(output_table *t, const char *column, double value);
void output_table_set_int(output_table *t, const char *column, long long value);
/* Declare column name just before the column before (at the end when t has
 * no such column); nothing when t already has it.  Rows keep their cells. */
void output_table_insert_column(output_table *t, const char *name, const char *before);
/* Set column of the existing row r (nothing when there is no row r). */
void output_table_set_row_str(output_table *t, size_t r, const char *column, const char *value);
void output_table_set_row_num(output_table *t, size_t r, const char *column, double value);
size_t output_table_row_count(const output_table *t);
/* Changes: a count that grows with every row started and every cell set in
 * t, and its value at row r's latest change (0 when there is no row r), so
 * that a reader can find the rows changed since it last looked (journal.h
 * records the cells a finish hook sets on rows already journaled). */
unsigned long long output_table_edit_count(const output_table *t);
unsigned long long output_table_row_edited(const output_table *t, size_t r);
/* Read back a cell of row r (NULL when unset). */
const char *output_table_cell(const output_table *t, size_t r, const char *column);
/* Write t as CSV (RFC 4180 quoting) to stream. */
void output_table_write_csv(const output_table *t, FILE *out);
/* Write every table into dir atomically.  0 or -1 with err. */
int output_tables_write_all(const char *dir, char *err, size_t errlen);
/* Read a CSV file (header row first) into a new table that is not among the
 * run's tables; NULL with err ("file:line: what") when it cannot be read or
 * is not what memprobe writes: a header with an empty or repeated column
 * name, a row with more or fewer fields than the header, a NUL byte, a last
 * line without its line end (a file cut short).  A UTF-8 byte-order mark
 * before the header is skipped. */
output_table *output_table_read_csv(const char *path, char *err, size_t errlen);
/* The file a table was read from (NULL for a table built in memory) and
 * the line of that file row r starts on (0 when not read from a file). */
const char *output_table_source(const output_table *t);
size_t output_table_row_line(const output_table *t, size_t r);
/* Every non-empty cell of column is a number (output_parse_number): 0, or
 * -1 with err naming the file, the line, the column and the cell. */
int output_table_check_numbers(const output_table *t, const char *column, char *err, size_t errlen);
/* s as a whole is a number (decimal or exponent notation, or inf; not NaN,
 * no blanks, nothing after it): 1 with *v set, else 0. */
int output_parse_number(const char *s, double *v);
/* A new empty table that is not among the run's tables (not written by
 * output_tables_write_all); free it with output_table_free. */
output_table *output_table_new(void);
/* Free a table returned by output_table_read_csv or output_table_new. */
void output_table_free(output_table *t);
/* Column count and names, in order. */
size_t output_table_column_count(const output_table *t);
const char *output_table_column(const output_table *t, size_t i);
/* Append every row of src to dst (columns matched by name). */
void output_table_append(output_table *dst, const output_table *src);
/* Forget all tables (tests). */
void output_tables_reset(void);

/* RFC 4180: write s as one CSV field (quoted when it holds , " CR or LF, or
 * leading or trailing blanks, which CSV readers may trim). */
void output_csv_field(FILE *out, const char *s);

/* ---- text ---- */

/* printf into a new malloc'd string (free it); "" (still malloc'd) when the
 * formatting fails, NULL only when even that cannot be allocated. */
char *output_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* bytes in the largest binary unit ("64 KiB", "1.5 MiB"), exact when it
 * divides evenly, into buf; returns buf. */
char *output_bytes_text(char *buf, size_t len, unsigned long long bytes);

#ifdef __cplusplus
}
#endif
#endif
