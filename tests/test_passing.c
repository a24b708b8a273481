/*
 * test_passing.c — the passing family does the work it claims: every variant
 * at every size produces a struct whose every word is written and consumes
 * it (checksums match the closed form), every variant has a loop for every
 * size, finish() derives the pointer/by-value ratios, the crossover size
 * and the 64-byte ratio from the rows as documented, and the collected-heap
 * rows come from identically configured heaps whether passing runs alone or
 * after the other families' collected-heap benchmarks.
 */
#include "testutil.h"

#include "../benches/passing.c"

typedef uint64_t (*test_op)(uint64_t seed);

typedef struct test_size_ops {
    size_t size;
    test_op ops[5];   /* by_value, ptr_malloc, ptr_gc, out_param, by_value_arg */
} test_size_ops;

#define TEST_OPS(N) \
    {N, {passing_op_by_value_##N, passing_op_ptr_malloc_##N, passing_op_ptr_gc_##N, \
         passing_op_out_param_##N, passing_op_by_value_arg_##N}},
static const test_size_ops test_ops[] = {PASSING_SIZES(TEST_OPS)};
#undef TEST_OPS

static int setup(void **state)
{
    (void)state;
    GC_INIT();
    return 0;
}

static void test_every_variant_every_size(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {0, 1, 12345, UINT64_MAX - 3};
    for (size_t i = 0; i < sizeof test_ops / sizeof test_ops[0]; i++)
        for (int v = 0; v < 5; v++)
            for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
                assert_int_equal(test_ops[i].ops[v](seeds[s]), passing_expected(test_ops[i].size / 8, seeds[s]));
}

/* The callees really write each word: a struct made by one is seed + i. */
static void test_callees_write_every_word(void **state)
{
    (void)state;
    passing_blob_64 b = passing_make_64(40);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(b.w[i], 40 + i);
    passing_blob_1024 *p = passing_make_malloc_1024(7);
    assert_non_null(p);
    for (size_t i = 0; i < 128; i++)
        assert_int_equal(p->w[i], 7 + i);
    free(p);
    passing_blob_8 out = {{0}};
    passing_fill_out_8(&out, 99);
    assert_int_equal(out.w[0], 99);
    assert_true(GC_base(passing_make_gc_256(3)) != NULL);   /* from the collected heap */
}

static void test_expected_total(void **state)
{
    (void)state;
    const uint64_t counts[] = {0, 1, 2, 3, 1000, 1001};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
        for (size_t words = 1; words <= 128; words *= 2) {
            uint64_t sum = 0;
            for (uint64_t s = 0; s < counts[c]; s++)
                sum += passing_expected(words, s);
            assert_int_equal(passing_expected_total(words, counts[c]), sum);
        }
}

static void test_variant_tables_complete(void **state)
{
    (void)state;
    assert_int_equal(sizeof passing_sizes / sizeof passing_sizes[0], PASSING_SIZE_COUNT);
    for (size_t v = 0; v < sizeof passing_variants / sizeof passing_variants[0]; v++)
        for (int k = 0; k < PASSING_SIZE_COUNT; k++) {
            /* the collected-heap variant's loops run in children */
            if (passing_variants[v].uses_gc)
                assert_non_null(passing_gc_loops[k]);
            else
                assert_non_null(passing_variants[v].loops[k]);
        }
    assert_string_equal(passing_variants[0].name, "by_value");   /* the baseline comes first */
    assert_int_equal(passing_size_index(64), 3);
    assert_int_equal(passing_size_index(65), -1);
}

/* One synthetic results.csv row. */
static void add_row(output_table *t, const char *variant, int size, double real_ns, double cpu_ns)
{
    output_table_row(t);
    output_table_set_str(t, "family", "passing");
    output_table_set_str(t, "variant", variant);
    output_table_set_int(t, "size", size);
    output_table_set_str(t, "allocator", allocators_active());
    output_table_set_str(t, "run_type", "iteration");
    output_table_set_str(t, "status", "ok");
    output_table_set_num(t, "real_ns", real_ns);
    output_table_set_num(t, "cpu_ns", cpu_ns);
}

static const char *cell(const output_table *t, size_t r, const char *col)
{
    const char *c = output_table_cell(t, r, col);
    return c ? c : "";
}

static void test_finish_crossover_and_ratio(void **state)
{
    (void)state;
    output_tables_reset();
    output_table *rows = output_table_get("results.csv");
    /* by_value grows with size; ptr_malloc is flat at 20 ns, so it is 10x at
     * 64 bytes and no dearer from 512 bytes on; ptr_gc never crosses. */
    static const double by_value[] = {1, 1, 1.5, 2, 4, 10, 20, 40};
    for (int k = 0; k < PASSING_SIZE_COUNT; k++) {
        int size = (int)passing_sizes[k];
        add_row(rows, "by_value", size, by_value[k], by_value[k]);
        add_row(rows, "ptr_malloc", size, 20, 20);
        add_row(rows, "ptr_gc", size, 100, 100);
    }
    /* an aggregate and a failed row must not count */
    add_row(rows, "ptr_malloc", 64, 1e9, 1e9);
    output_table_set_str(rows, "run_type", "aggregate");
    add_row(rows, "ptr_malloc", 64, 1e9, 1e9);
    output_table_set_str(rows, "status", "error");

    bench_config cfg = {.quick = 1, .repetitions = 1};
    passing_finish(&cfg);
    const output_table *summary = output_table_get("passing_summary.csv");
    assert_int_equal(output_table_row_count(summary), 2);
    assert_string_equal(cell(summary, 0, "variant"), "ptr_malloc");
    assert_string_equal(cell(summary, 0, "allocator"), allocators_active());
    assert_string_equal(cell(summary, 0, "crossover_size_bytes"), "512");
    assert_string_equal(cell(summary, 0, "crossover_size_bytes_cpu"), "512");
    assert_string_equal(cell(summary, 0, "ratio_64B"), "10");
    assert_string_equal(cell(summary, 1, "variant"), "ptr_gc");
    assert_string_equal(cell(summary, 1, "crossover_size_bytes"), "");   /* empty, not 0 */
    assert_string_equal(cell(summary, 1, "ratio_64B"), "50");
    const output_table *ratios = output_table_get("passing_ratios.csv");
    assert_int_equal(output_table_row_count(ratios), 2 * PASSING_SIZE_COUNT);
    output_tables_reset();
}

/* No rows of this family: no side tables at all. */
static void test_finish_without_rows_writes_nothing(void **state)
{
    (void)state;
    output_tables_reset();
    bench_config cfg = {.quick = 1, .repetitions = 1};
    passing_finish(&cfg);
    assert_int_equal(output_table_row_count(output_table_get("passing_summary.csv")), 0);
    output_tables_reset();
}

/* ptr_gc's child loop, in-process: right checksum at every size, a wrong
 * one caught. */
static void test_gc_child_loops(void **state)
{
    (void)state;
    for (int k = 0; k < PASSING_SIZE_COUNT; k++) {
        uint64_t sum = passing_gc_loops[k](NULL, 100);
        void *size = (void *)&passing_sizes[k];
        assert_int_equal(passing_gc_check(size, 100, sum), 0);
        assert_int_equal(passing_gc_check(size, 100, sum ^ 1), -1);
    }
}

/* The ptr_gc rows of a run folder, by size: "heap start/markers". */
static int gc_rows(const char *dir, char cfg[PASSING_SIZE_COUNT][64], int *others)
{
    char path[PATH_MAX], err[256];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    output_table *t = output_table_read_csv(path, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    int n = 0;
    *others = 0;
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *variant = cell(t, r, "variant");
        if (strcmp(cell(t, r, "run_type"), "iteration") != 0 || !strstr(variant, "gc"))
            continue;
        assert_string_equal(cell(t, r, "status"), "ok");
        /* every collected-heap row says what its heap was and did */
        static const char *const cols[] = {"gc_heap_start_bytes", "gc_markers", "gc_heap_bytes", "gc_collections"};
        for (size_t c = 0; c < 4; c++)
            if (!*cell(t, r, cols[c]))
                fail_msg("%s row %zu: %s empty", variant, r, cols[c]);
        if (strcmp(cell(t, r, "family"), "passing") != 0) {
            (*others)++;
            continue;
        }
        int k = passing_size_index(atoll(cell(t, r, "size")));
        assert_true(k >= 0);
        snprintf(cfg[k], 64, "%s/%s", cell(t, r, "gc_heap_start_bytes"), cell(t, r, "gc_markers"));
        n++;
    }
    output_table_free(t);
    return n;
}

static void test_collected_heap_alone_and_in_the_full_list(void **state)
{
    (void)state;
    char bin[PATH_MAX], dir[256], alone[300], full[300];
    if (testutil_binary_setup(bin, dir, sizeof dir) != 0)
        skip();
    snprintf(alone, sizeof alone, "%s/alone", dir);
    snprintf(full, sizeof full, "%s/full", dir);
    char *out = NULL;
    int rc = testutil_run(&out, "%s run --quick --filter '^passing/ptr_gc$' --out %s", bin, alone);
    if (rc != 0)
        fail_msg("%s", out);
    free(out);
    /* passing after every other collected-heap benchmark of the run */
    rc = testutil_run(&out, "%s run --quick --filter '^(alloc/gc_malloc|access/hot_gc|passing/ptr_gc)$' --out %s",
                      bin, full);
    if (rc != 0)
        fail_msg("%s", out);
    free(out);
    char a[PASSING_SIZE_COUNT][64] = {{0}}, f[PASSING_SIZE_COUNT][64] = {{0}};
    int others_alone, others_full;
    assert_int_equal(gc_rows(alone, a, &others_alone), PASSING_SIZE_COUNT);
    assert_int_equal(gc_rows(full, f, &others_full), PASSING_SIZE_COUNT);
    assert_int_equal(others_alone, 0);
    assert_true(others_full > 0);
    for (int k = 0; k < PASSING_SIZE_COUNT; k++)
        assert_string_equal(a[k], f[k]);
    testutil_run(NULL, "rm -rf %s", dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_variant_every_size),
        cmocka_unit_test(test_callees_write_every_word),
        cmocka_unit_test(test_expected_total),
        cmocka_unit_test(test_variant_tables_complete),
        cmocka_unit_test(test_finish_crossover_and_ratio),
        cmocka_unit_test(test_finish_without_rows_writes_nothing),
        cmocka_unit_test(test_gc_child_loops),
        cmocka_unit_test(test_collected_heap_alone_and_in_the_full_list),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
