/*
 * test_rundir.c — the run folder's own modules, without running a
 * benchmark: the journal (rows appended, then written back as the run's
 * CSVs in results.csv's column order, cells set on rows already journaled
 * kept; a line cut by a kill left out, a damaged one refused with its
 * line), the folder rules of rundir (what
 * --replace removes, and never anything outside the folder), and the
 * machine-wide lock (where it lives, who holds it, a second taker refused).
 */
#include "testutil.h"


#include "memprobe/journal.h"
#include "memprobe/output.h"
#include "memprobe/results.h"
#include "memprobe/rundir.h"
#include "memprobe/runlock.h"

static const char *const counter_columns[] = {"cycles", "ipc"};

/* Rows as a run makes them: results.csv cells in order of first use (an
 * argument column after the names), a side table with a declared column
 * that no row fills. */
static void add_rows(int first, int n)
{
    output_table *r = output_table_get(RESULTS_FILE);
    for (int i = first; i < first + n; i++) {
        char bench[64];
        snprintf(bench, sizeof bench, "latency/chase/working_set:%d", 4096 << i);
        output_table_row(r);
        output_table_set_str(r, "family", "latency");
        output_table_set_str(r, "benchmark", bench);
        output_table_set_str(r, "variant", "chase");
        output_table_set_int(r, "working_set", 4096 << i);
        output_table_set_str(r, "status", "ok");
        output_table_set_num(r, "real_ns", 1.5 + i);
        output_table_set_num(r, "hops", 7);   /* a family's own column */
    }
    output_table *side = output_table_get("side.csv");
    const char *const cols[] = {"level", "bytes", "never_filled"};
    output_table_columns(side, cols, 3);
    output_table_row(side);
    output_table_set_int(side, "level", first);
    output_table_set_str(side, "bytes", "a, \"quoted\"\nvalue");
}

/* A scratch run folder into dir, its journal started and holding the
 * rows of add_rows(0, 2), flushed. */
static journal *journal_with_rows(char *dir, size_t len)
{
    char err[512];
    testutil_scratch(dir, len);
    output_tables_reset();
    journal *j = journal_create(dir, counter_columns, 2, err, sizeof err);
    assert_non_null(j);
    add_rows(0, 2);
    assert_int_equal(journal_flush(j, 0, err, sizeof err), 0);
    return j;
}

/* Rows appended in two flushes come back as the run's CSVs: results.csv
 * in the contract's order (names, arguments, fixed columns, counters, the
 * family's own, the tail), a side table with its declared columns. */
static void test_journal_round_trip(void **state)
{
    (void)state;
    char dir[64], err[512];
    journal *j = journal_with_rows(dir, sizeof dir);
    add_rows(2, 1);
    assert_int_equal(journal_flush(j, 1, err, sizeof err), 0);
    journal_close(j);
    output_tables_reset();

    journal_summary sum;
    assert_int_equal(journal_write_tables(dir, &sum, err, sizeof err), 0);
    assert_int_equal(sum.rows, 3);
    assert_int_equal(sum.cut, 0);
    assert_int_equal(sum.nfiles, 2);
    journal_summary_free(&sum);
    output_table *t = testutil_read_csv(dir, RESULTS_FILE);
    assert_non_null(t);
    assert_int_equal(output_table_row_count(t), 3);
    const char *const order[] = {"family", "benchmark", "variant", "working_set", "threads"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(output_table_column(t, i), order[i]);
    size_t ncols = output_table_column_count(t);
    assert_string_equal(output_table_column(t, ncols - 1), "message");
    assert_string_equal(output_table_column(t, ncols - 4), "hops");
    assert_string_equal(output_table_column(t, ncols - 5), "ipc");
    assert_string_equal(output_table_cell(t, 2, "working_set"), "16384");
    assert_string_equal(output_table_cell(t, 2, "real_ns"), "3.5");
    assert_null(output_table_cell(t, 0, "cycles"));   /* empty stays empty */
    output_table_free(t);
    output_table *side = testutil_read_csv(dir, "side.csv");
    assert_non_null(side);
    assert_int_equal(output_table_row_count(side), 2);   /* one per add_rows */
    assert_true(testutil_has_column(side, "never_filled"));
    assert_string_equal(output_table_cell(side, 1, "bytes"), "a, \"quoted\"\nvalue");
    output_table_free(side);
    testutil_run(NULL, "rm -rf %s", dir);
}

/* Cells a finish hook sets on rows already journaled (falseshare's
 * slowdown, the placement marks: a column inserted before "label") reach
 * the CSVs, in the declared column order, and a row set twice keeps its
 * last value. */
static void test_journal_keeps_late_edits(void **state)
{
    (void)state;
    char dir[64], err[512];
    journal *j = journal_with_rows(dir, sizeof dir);
    output_table *r = output_table_get(RESULTS_FILE);
    output_table_insert_column(r, "placement", "status");
    output_table_set_row_str(r, 0, "placement", "changed");
    output_table_set_row_str(r, 1, "placement", "unknown");
    assert_int_equal(journal_flush(j, 0, err, sizeof err), 0);
    output_table_set_row_str(r, 1, "placement", "stable");
    output_table *side = output_table_get("side.csv");
    output_table_insert_column(side, "derived", "bytes");
    output_table_set_row_num(side, 0, "derived", 0.5);
    journal_close(j);
    output_tables_reset();

    journal_summary sum;
    assert_int_equal(journal_write_tables(dir, &sum, err, sizeof err), 0);
    assert_int_equal(sum.rows, 2);
    journal_summary_free(&sum);
    output_table *t = testutil_read_csv(dir, RESULTS_FILE);
    assert_non_null(t);
    assert_int_equal(output_table_row_count(t), 2);
    assert_string_equal(output_table_cell(t, 0, "placement"), "changed");
    assert_string_equal(output_table_cell(t, 1, "placement"), "stable");
    assert_string_equal(output_table_cell(t, 1, "real_ns"), "2.5");   /* the rest of the row kept */
    output_table_free(t);
    side = testutil_read_csv(dir, "side.csv");
    assert_non_null(side);
    assert_string_equal(output_table_column(side, 1), "derived");
    assert_string_equal(output_table_cell(side, 0, "derived"), "0.5");
    assert_string_equal(output_table_cell(side, 0, "level"), "0");
    output_table_free(side);
    testutil_run(NULL, "rm -rf %s", dir);
}

/* A last line cut by a kill is left out (and said so); a damaged line
 * before it is refused with its line number. */
static void test_journal_cut_and_damaged(void **state)
{
    (void)state;
    char dir[64], err[512];
    journal_close(journal_with_rows(dir, sizeof dir));
    output_tables_reset();
    testutil_write_file(dir, JOURNAL_FILE, "a", "{\"table\":\"results.csv\",\"row\":{\"family\":\"lat");
    journal_summary sum;
    assert_int_equal(journal_write_tables(dir, &sum, err, sizeof err), 0);
    assert_int_equal(sum.rows, 2);
    assert_int_equal(sum.cut, 1);
    journal_summary_free(&sum);

    testutil_write_file(dir, JOURNAL_FILE, "a", "\n{\"table\":\"results.csv\",\"row\":{\"family\":\"x\"}}\n");   /* the cut line is now whole, and bad */
    assert_int_equal(journal_write_tables(dir, &sum, err, sizeof err), -1);
    journal_summary_free(&sum);
    assert_non_null(strstr(err, "journal.jsonl:"));
    assert_non_null(strstr(err, "not a memprobe journal record"));
    output_tables_reset();
    testutil_run(NULL, "rm -rf %s", dir);
}

/* --replace removes what the previous run listed and nothing else: a
 * user's file stays, and a listed name that points out of the folder is
 * ignored. */
static void test_replace_stays_inside(void **state)
{
    (void)state;
    char base[64], dir[128], victim[128], err[512];
    testutil_scratch(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/run", base);
    snprintf(victim, sizeof victim, "%s/victim", base);
    assert_int_equal(testutil_run(NULL, "mkdir -p %s/allocators/x && touch %s %s/results.csv %s/notes.txt "
                                        "%s/allocators/x/results.csv && "
                                        "printf '{\"files\": [\"../victim\", \"/etc/hostname\", \"results.csv\", "
                                        "\"allocators/\", \"machine.json\"], \"command_line\": \"memprobe\"}' > %s/machine.json",
                                  dir, victim, dir, dir, dir, dir), 0);
    assert_null(rundir_take(base, dir, 0, err, sizeof err));
    assert_non_null(strstr(err, "--replace"));
    rundir *d = rundir_take(base, dir, 1, err, sizeof err);
    assert_non_null(d);
    char *out = NULL;
    testutil_run(&out, "ls -A %s", dir);
    assert_string_equal(out, "notes.txt\n");   /* the listed files went, the user's stayed */
    free(out);
    assert_int_equal(access(victim, F_OK), 0);   /* "../victim" is not the folder's to remove */
    rundir_release(d, 0);
    testutil_run(NULL, "rm -rf %s", base);
}

/* The lock lives in $MEMPROBE_LOCK_DIR when it is usable; a second taker
 * (here: this process again, through a second open file) is refused at
 * once without waiting and told who holds it; after release it is free. */
static void test_lock_refuses_a_second_taker(void **state)
{
    (void)state;
    char dir[64], path[PATH_MAX], want[128];
    testutil_scratch(dir, sizeof dir);
    char *saved = getenv("MEMPROBE_LOCK_DIR") ? strdup(getenv("MEMPROBE_LOCK_DIR")) : NULL;
    setenv("MEMPROBE_LOCK_DIR", dir, 1);
    assert_int_equal(runlock_path(path, sizeof path), 0);
    snprintf(want, sizeof want, "%s/%s", dir, RUNLOCK_FILE);
    assert_string_equal(path, want);
    runlock_info first, second;
    assert_int_equal(runlock_acquire("/some/run", 0, NULL, stderr, &first), 0);
    assert_true(first.held);
    assert_int_equal(runlock_acquire("/other/run", 0, NULL, stderr, &second), 1);
    char holder[64];
    snprintf(holder, sizeof holder, "pid %ld, run folder /some/run", (long)getpid());
    assert_string_equal(second.holder, holder);
    runlock_release();
    assert_int_equal(runlock_acquire("/other/run", 0, NULL, stderr, &second), 0);
    assert_true(second.held);
    assert_true(second.waited_s == 0);
    runlock_release();
    setenv("MEMPROBE_LOCK_DIR", "/nonexistent/memprobe", 1);   /* unusable: the next folder of the list */
    assert_int_equal(runlock_path(path, sizeof path), 0);
    assert_null(strstr(path, "/nonexistent/"));
    if (saved)
        setenv("MEMPROBE_LOCK_DIR", saved, 1);
    free(saved);
    testutil_run(NULL, "rm -rf %s", dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_round_trip),
        cmocka_unit_test(test_journal_cut_and_damaged),
        cmocka_unit_test(test_journal_keeps_late_edits),
        cmocka_unit_test(test_replace_stays_inside),
        cmocka_unit_test(test_lock_refuses_a_second_taker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
