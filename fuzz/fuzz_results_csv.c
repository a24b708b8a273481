/*
 * fuzz_results_csv.c — libFuzzer target for the CSV reader behind results.csv
 * and the side CSVs (output_table_read_csv), and for what runfolder_open
 * derives from results.csv (families, CPU count, row kinds, numeric cells).
 * Invariants: a refused file comes with a "path..." message; an accepted one
 * writes back as CSV that reads again, and writing that again gives the same
 * bytes (write/read is a fixed point).
 */
#include "fuzzutil.h"
#include "memprobe/output.h"
#include "analysis/runfolder.h"

/* Serialise t to a malloc'd string. */
static char *table_text(const output_table *t, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    if (!m)
        abort();
    output_table_write_csv(t, m);
    fclose(m);
    return buf;
}

static void check_round_trip(const char *dir, const output_table *t)
{
    size_t len1, len2;
    char *first = table_text(t, &len1);
    fuzz_write_file(dir, "again.csv", first, len1);
    char path[512], err[1024] = "";
    snprintf(path, sizeof path, "%s/again.csv", dir);
    output_table *t2 = output_table_read_csv(path, err, sizeof err);
    FUZZ_CHECK(t2 != NULL, "our own CSV does not read back: %s", err);
    char *second = table_text(t2, &len2);
    FUZZ_CHECK(len1 == len2 && memcmp(first, second, len1) == 0, "write/read/write changed the CSV");
    FUZZ_CHECK(output_table_row_count(t2) == output_table_row_count(t), "row count changed");
    free(first);
    free(second);
    output_table_free(t2);
}

static void query_run(const char *dir)
{
    char err[1024] = "";
    runfolder *r = runfolder_open(dir, err, sizeof err);
    if (!r) {
        FUZZ_CHECK(fuzz_message_ok(err), "runfolder_open refused without a message");
        return;
    }
    const output_table *t = runfolder_results(r);
    for (size_t i = 0; i < runfolder_family_count(r); i++)
        FUZZ_CHECK(runfolder_family_present(r, runfolder_family(r, i)), "family %zu not present", i);
    (void)runfolder_cpu_count(r);
    for (size_t i = 0; i < output_table_row_count(t); i++) {
        double v;
        (void)results_row_kind_of(t, i);
        (void)results_cell_number(t, i, "real_ns", &v);
    }
    for (size_t i = 0; i < runfolder_warning_count(r); i++)
        FUZZ_CHECK(runfolder_warning(r, i) != NULL, "warning %zu missing", i);
    runfolder_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch_dir();
    fuzz_write_file(dir, "results.csv", data, size);
    char path[512], err[1024] = "";
    snprintf(path, sizeof path, "%s/results.csv", dir);
    output_table *t = output_table_read_csv(path, err, sizeof err);
    if (t) {
        check_round_trip(dir, t);
        output_table_free(t);
    } else {
        FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0, "message does not name the file: %s", err);
    }
    query_run(dir);
    return 0;
}
