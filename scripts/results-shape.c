/*
 * results-shape.c — the shape of a run's results.csv, for
 * scripts/results-shape.sh: its columns in order, then one line per kind of
 * row (family, benchmark, allocator, runtime, run type, aggregate) with how
 * many rows of that kind there are, sorted.  Values are left out, and so is
 * the status: whether a row ran or was skipped depends on the machine (THP,
 * reserved huge pages), not on the build, so two runs of the same build on
 * the same CPUs have the same shape on any machine; so are the working
 * sets of the families sized by the cache probe (shape_probe_sized).
 * Reads the CSV with the program's own reader (harness/output.c).
 *
 *   results-shape RUN_DIR     (exit 2 when RUN_DIR/results.csv cannot be read)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/xalloc.h"

static const char *const shape_key[] = {"family", "benchmark", "allocator", "runtime", "run_type", "aggregate"};
#define SHAPE_KEYS (sizeof shape_key / sizeof shape_key[0])

static int shape_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Families that size their working sets from the cache sizes a probe
 * measures at run time (caches.h): which sets, and how many, vary between
 * runs and machines, so their rows are kinds without a set size or count. */
static const char *const shape_probe_sized[] = {"bandwidth", "mlp", "tlb", "loaded_latency"};

static int shape_is_probe_sized(const char *family)
{
    for (size_t i = 0; family && i < sizeof shape_probe_sized / sizeof *shape_probe_sized; i++)
        if (strcmp(family, shape_probe_sized[i]) == 0)
            return 1;
    return 0;
}

/* Mask the value of every "working_set:N" argument in line (in place). */
static void shape_mask_sets(char *line)
{
    static const char arg[] = "working_set:";
    for (char *p = strstr(line, arg); p; p = strstr(p, arg)) {
        p += sizeof arg - 1;
        char *end = p + strspn(p, "0123456789");
        if (end > p) {
            *p++ = '*';
            memmove(p, end, strlen(end) + 1);
        }
    }
}

/* Row r's kind as one tab-separated line (malloc'd). */
static char *shape_row(const output_table *t, size_t r)
{
    size_t len = 1;
    for (size_t k = 0; k < SHAPE_KEYS; k++) {
        const char *c = output_table_cell(t, r, shape_key[k]);
        len += (c ? strlen(c) : 0) + 1;
    }
    char *line = xalloc_calloc(1, len);
    for (size_t k = 0; k < SHAPE_KEYS; k++) {
        const char *c = output_table_cell(t, r, shape_key[k]);
        strcat(line, k ? "\t" : "");
        strcat(line, c ? c : "");
    }
    if (shape_is_probe_sized(output_table_cell(t, r, "family")))
        shape_mask_sets(line);
    return line;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: results-shape RUN_DIR\n");
        return 2;
    }
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/results.csv", argv[1]);
    output_table *t = output_table_read_csv(path, err, sizeof err);
    if (!t) {
        fprintf(stderr, "results-shape: %s\n", err);
        return 2;
    }
    printf("columns:");
    for (size_t c = 0; c < output_table_column_count(t); c++)
        printf("%s%s", c ? "," : " ", output_table_column(t, c));
    size_t n = output_table_row_count(t);
    printf("\nrows: %zu\n", n);
    char **rows = xalloc_calloc(n + 1, sizeof *rows);
    for (size_t r = 0; r < n; r++)
        rows[r] = shape_row(t, r);
    qsort(rows, n, sizeof *rows, shape_cmp);
    for (size_t r = 0, same = 1; r < n; r++, same++)
        if (r + 1 == n || strcmp(rows[r], rows[r + 1]) != 0) {
            if (strstr(rows[r], "working_set:*"))
                printf("*\t%s\n", rows[r]);   /* a probe-sized kind: its count varies */
            else
                printf("%zu\t%s\n", same, rows[r]);
            same = 0;
        }
    for (size_t r = 0; r < n; r++)
        free(rows[r]);
    free(rows);
    output_table_free(t);
    return 0;
}
