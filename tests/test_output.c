/*
 * test_output.c — the output module: CSV quoting, the empty-cell rule,
 * reading CSV back, atomic files (no half-written file on failure),
 * run-folder creation, and running out of memory (one line, exit status 1).
 */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

#include "memprobe/output.h"
#include "memprobe/rundir.h"
#include "memprobe/xalloc.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_csv_quoting(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    output_csv_field(out, "plain");
    fputc('|', out);
    output_csv_field(out, "a,b");
    fputc('|', out);
    output_csv_field(out, "say \"hi\"");
    fputc('|', out);
    output_csv_field(out, "two\nlines");
    fputc('|', out);
    output_csv_field(out, NULL);
    fclose(out);
    assert_string_equal(buf, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|");
    free(buf);
}

static void test_table_columns_and_empty_cells(void **state)
{
    (void)state;
    output_tables_reset();
    output_table *t = output_table_get("t.csv");
    const char *const cols[] = {"family", "cycles"};
    output_table_columns(t, cols, 2);
    output_table_row(t);
    output_table_set_str(t, "family", "latency");
    output_table_set_num(t, "cycles", NAN);         /* unavailable: stays empty */
    output_table_set_num(t, "real_ns", 1.5);
    output_table_row(t);
    output_table_set_str(t, "family", "x,y");
    output_table_set_num(t, "cycles", 0.0);         /* a real zero is written */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    output_table_write_csv(t, out);
    fclose(out);
    assert_string_equal(buf, "family,cycles,real_ns\nlatency,,1.5\n\"x,y\",0,\n");
    assert_null(output_table_cell(t, 0, "cycles"));
    assert_string_equal(output_table_cell(t, 1, "cycles"), "0");
    assert_null(output_table_cell(t, 0, "no_such_column"));
    free(buf);
    output_tables_reset();
}

static void test_number_round_trip(void **state)
{
    (void)state;
    output_tables_reset();
    output_table *t = output_table_get("n.csv");
    const double values[] = {0.1, 1.0 / 3.0, 123456789.123, 1e-9, 4096};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        output_table_row(t);
        output_table_set_num(t, "v", values[i]);
        assert_true(strtod(output_table_cell(t, i, "v"), NULL) == values[i]);
    }
    assert_string_equal(output_table_cell(t, 4, "v"), "4096");
    output_tables_reset();
}

/* Write every table into dir, then read dir/name back (it must read);
 * *text, when asked for, gets the file's bytes. */
static output_table *write_and_read_back(const char *dir, const char *name, char **text)
{
    char err[256], path[128];
    assert_int_equal(output_tables_write_all(dir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (text)
        *text = slurp(path);
    output_table *back = output_table_read_csv(path, err, sizeof err);
    assert_non_null(back);
    return back;
}

static void test_read_back(void **state)
{
    (void)state;
    char dir[64];
    testutil_scratch(dir, sizeof dir);
    output_tables_reset();
    output_table *t = output_table_get("r.csv");
    output_table_row(t);
    output_table_set_str(t, "a", "1");
    output_table_set_str(t, "b", "with \"quotes\", commas\nand a newline");
    output_table_row(t);
    output_table_set_str(t, "b", "only b");
    output_table *back = write_and_read_back(dir, "r.csv", NULL);
    assert_int_equal(output_table_row_count(back), 2);
    assert_int_equal(output_table_column_count(back), 2);
    assert_string_equal(output_table_cell(back, 0, "b"), "with \"quotes\", commas\nand a newline");
    assert_null(output_table_cell(back, 1, "a"));
    assert_string_equal(output_table_cell(back, 1, "b"), "only b");
    output_table_free(back);
    output_tables_reset();
    testutil_run(NULL, "rm -rf %s", dir);
}

/* A row with nothing in it, in a one-column table, must not become an empty
 * line: CSV readers skip those, and the row would be lost (found by fuzzing
 * results.csv: a header "a\fb" and one row `""`). */
static void test_empty_row_of_one_column_reads_back(void **state)
{
    (void)state;
    char dir[64];
    testutil_scratch(dir, sizeof dir);
    output_tables_reset();
    output_table *t = output_table_get("one.csv");
    const char *const cols[] = {"only"};
    output_table_columns(t, cols, 1);
    output_table_row(t);
    output_table_row(t);
    output_table_set_str(t, "only", "x");
    char *text;
    output_table *back = write_and_read_back(dir, "one.csv", &text);
    assert_string_equal(text, "only\n\"\"\nx\n");
    free(text);
    assert_int_equal(output_table_row_count(back), 2);
    assert_null(output_table_cell(back, 0, "only"));
    assert_string_equal(output_table_cell(back, 1, "only"), "x");
    output_table_free(back);
    output_tables_reset();
    testutil_run(NULL, "rm -rf %s", dir);
}

static void test_read_malformed(void **state)
{
    (void)state;
    char dir[64], path[128], err[256];
    testutil_scratch(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    assert_int_equal(output_write_atomic(path, "a,b\n1,2\n1,2,3\n", 14, err, sizeof err), 0);
    assert_null(output_table_read_csv(path, err, sizeof err));
    assert_non_null(strstr(err, "bad.csv:3"));
    assert_int_equal(output_write_atomic(path, "a,b\n\"unterminated,2\n", 20, err, sizeof err), 0);
    assert_null(output_table_read_csv(path, err, sizeof err));
    assert_non_null(strstr(err, "bad.csv"));
    assert_null(output_table_read_csv("/nonexistent/x.csv", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.csv"));
    testutil_run(NULL, "rm -rf %s", dir);
}

/* Write text into dir/name; the path into path. */
static void write_text(const char *dir, const char *name, const char *text, char *path, size_t len)
{
    char err[256];
    snprintf(path, len, "%s/%s", dir, name);
    assert_int_equal(output_write_atomic(path, text, strlen(text), err, sizeof err), 0);
}

/* Read path, expecting a refusal whose message holds want. */
static void expect_refused(const char *path, const char *want)
{
    char err[512] = "";
    output_table *t = output_table_read_csv(path, err, sizeof err);
    if (t || !strstr(err, want))
        fail_msg("%s: expected a refusal naming '%s', got %s", path, want, t ? "a table" : err);
}

/* What memprobe writes is what it reads: a row with fewer fields than the
 * header (a file cut mid-line, say) is refused with its file and line, and so
 * is a last line without its line end, which is how a cut number such as
 * 2085648142 -> 208 would otherwise be read as a value. */
static void test_read_refuses_short_and_cut_rows(void **state)
{
    (void)state;
    char dir[64], path[128];
    testutil_scratch(dir, sizeof dir);
    write_text(dir, "short.csv", "family,real_ns,status\nlatency,12.5,ok\nlatency,13\nlatency,14,ok\n", path,
               sizeof path);
    expect_refused(path, "short.csv:3: 2 fields where the header has 3 columns");
    write_text(dir, "cut.csv", "family,iterations\nlatency,2085648142\nlatency,208", path, sizeof path);
    expect_refused(path, "cut.csv:3: the last line has no line end");
    /* a quoted field spanning lines: errors name the line the record starts on */
    write_text(dir, "multi.csv", "a,b\n\"two\nlines\",1\nx\n", path, sizeof path);
    expect_refused(path, "multi.csv:4: 1 field where");
    testutil_run(NULL, "rm -rf %s", dir);
}

/* A UTF-8 byte-order mark (spreadsheets write one) is skipped: the first
 * column keeps its name, and the rows read are the rows without it. */
static void test_read_accepts_byte_order_mark(void **state)
{
    (void)state;
    char dir[64], path[128], err[256];
    testutil_scratch(dir, sizeof dir);
    write_text(dir, "bom.csv", "\xEF\xBB\xBF" "family,real_ns\nlatency,1\nalloc,2\n", path, sizeof path);
    output_table *t = output_table_read_csv(path, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(output_table_row_count(t), 2);
    assert_string_equal(output_table_column(t, 0), "family");
    assert_string_equal(output_table_cell(t, 1, "family"), "alloc");
    output_table_free(t);
    testutil_run(NULL, "rm -rf %s", dir);
}

static void test_atomic_write(void **state)
{
    (void)state;
    char dir[64], path[128], err[256];
    testutil_scratch(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file.txt", dir);
    assert_int_equal(output_write_atomic(path, "first\n", 6, err, sizeof err), 0);
    /* an aborted write leaves the old content and no temporary */
    output_file *f = output_file_open(path, err, sizeof err);
    assert_non_null(f);
    fputs("half", output_file_stream(f));
    output_file_abort(f);
    char *content = slurp(path);
    assert_string_equal(content, "first\n");
    free(content);
    char *listing = NULL;
    testutil_run(&listing, "ls %s", dir);
    assert_string_equal(listing, "file.txt\n");
    free(listing);
    /* a folder that cannot be written: an error naming the file, nothing left */
    assert_int_equal(output_write_atomic("/proc/memprobe-nope/x.csv", "x", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "/proc/memprobe-nope/x.csv"));
    testutil_run(NULL, "rm -rf %s", dir);
}

static void test_full_disk_keeps_old_file(void **state)
{
    (void)state;
    /* /dev/full: every write fails with ENOSPC; the commit must fail cleanly */
    char err[256], dir[64], path[128];
    testutil_scratch(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.csv", dir);
    assert_int_equal(output_write_atomic(path, "old\n", 4, err, sizeof err), 0);
    output_file *f = output_file_open(path, err, sizeof err);
    assert_non_null(f);
    /* swap the stream for /dev/full to simulate a full disk */
    FILE *full = fopen("/dev/full", "w");
    if (!full) {
        output_file_abort(f);
        skip();
    }
    FILE *s = output_file_stream(f);
    assert_non_null(freopen("/dev/full", "w", s));
    fclose(full);
    for (int i = 0; i < 10000; i++)
        fputs("new content that will not fit\n", s);
    assert_int_equal(output_file_commit(f, err, sizeof err), -1);
    assert_non_null(strstr(err, "out.csv"));
    char *content = slurp(path);
    assert_string_equal(content, "old\n");
    free(content);
    testutil_run(NULL, "rm -rf %s", dir);
}

static void test_run_dirs_are_distinct(void **state)
{
    (void)state;
    char base[64], err[256];
    testutil_scratch(base, sizeof base);
    rundir *a = rundir_take(base, NULL, 0, err, sizeof err), *b = rundir_take(base, NULL, 0, err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_not_equal(rundir_path(a), rundir_path(b));
    assert_true(rundir_in_base(base, rundir_path(b)));
    assert_int_equal(rundir_point_latest(base, rundir_path(b)), 0);
    char link[128], target[4096];
    snprintf(link, sizeof link, "%s/latest", base);
    ssize_t n = readlink(link, target, sizeof target - 1);
    assert_true(n > 0);
    target[n] = '\0';
    assert_non_null(strstr(rundir_path(b), target));
    rundir_release(a, 0);
    rundir_release(b, 0);
    assert_null(rundir_take(base, "/proc/memprobe-no", 0, err, sizeof err));
    assert_non_null(strstr(err, "/proc/memprobe-no"));
    testutil_run(NULL, "rm -rf %s", base);
}

static void test_out_of_memory_exits_cleanly(void **state)
{
    (void)state;
    int err[2];
    assert_int_equal(pipe(err), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(err[1], STDERR_FILENO);
        void *p = xalloc_array(NULL, SIZE_MAX / 4, 8);   /* overflows size_t */
        _exit(p ? 0 : 99);                                 /* not reached */
    }
    close(err[1]);
    char line[256] = "";
    ssize_t n = read(err[0], line, sizeof line - 1);
    close(err[0]);
    line[n > 0 ? n : 0] = '\0';
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), XALLOC_EXIT_STATUS);
    assert_non_null(strstr(line, "memprobe: out of memory"));
    assert_int_equal(testutil_count_lines(line), 1);
    char *grown = xalloc_array(NULL, 3, sizeof(int));   /* and growth that fits is plain growth */
    grown = xalloc_array(grown, 300, sizeof(int));
    free(grown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_table_columns_and_empty_cells),
        cmocka_unit_test(test_number_round_trip),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_empty_row_of_one_column_reads_back),
        cmocka_unit_test(test_read_malformed),
        cmocka_unit_test(test_read_refuses_short_and_cut_rows),
        cmocka_unit_test(test_read_accepts_byte_order_mark),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_full_disk_keeps_old_file),
        cmocka_unit_test(test_run_dirs_are_distinct),
        cmocka_unit_test(test_out_of_memory_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
