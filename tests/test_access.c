/*
 * test_access.c — the access family does the work it claims: the hot pass
 * adds one to every word (the buffer's sum moves exactly as expected), every
 * cold operation (malloc, mmap, populated mmap, THP, hugetlbfs, a warm stack
 * buffer) writes every cache line of the block it obtains, the huge-page
 * variants register only sizes holding a whole huge page and either run or
 * skip with the reason, the base-page variants' sample blocks hold no huge
 * page, and finish() derives the ratios to the stack baseline and their
 * spread from the rows.
 */
#include "testutil.h"

#include <math.h>

#include "../benches/access.c"

static int setup(void **state)
{
    (void)state;
    GC_INIT();
    char *argv[] = {"test_access", NULL};
    cbench_init(1, argv);
    return 0;
}

/* What test_collect keeps of each run. */
typedef struct test_rows {
    int n;
    cbench_status status[8];
    char message[8][256];
    double huge[8];
} test_rows;

static void test_collect(const cbench_result *r, void *ctx)
{
    test_rows *rows = ctx;
    if (r->aggregate[0] || rows->n == 8)
        return;
    rows->status[rows->n] = r->status;
    snprintf(rows->message[rows->n], sizeof rows->message[0], "%s", r->message);
    rows->huge[rows->n] = NAN;
    for (int i = 0; i < r->n_counters; i++)
        if (strcmp(r->counter_names[i], "huge_page_fraction") == 0)
            rows->huge[rows->n] = r->counter_values[i];
    rows->n++;
}

static void test_hot_pass_adds_one_to_every_word(void **state)
{
    (void)state;
    const size_t words = 1000;
    uint64_t *w = malloc(words * sizeof *w);
    assert_non_null(w);
    access_fill_index(w, words);
    assert_int_equal(access_sum(w, words), access_hot_expected(words, 0));
    for (uint64_t pass = 1; pass <= 3; pass++) {
        access_rmw(w, words);
        assert_int_equal(access_sum(w, words), access_hot_expected(words, pass));
    }
    assert_int_equal(w[0], 3);
    assert_int_equal(w[words - 1], words - 1 + 3);
    free(w);
    assert_int_equal(access_hot_expected(7, 2), 21 + 14);   /* odd word count */
}

static void check_cold(access_cold_op op, size_t size)
{
    for (uint64_t seed = 0; seed < 3; seed++)
        assert_int_equal(op(size, seed), measure_touch_expected(size, access_stride, seed));
}

static void test_cold_operations_touch_every_line(void **state)
{
    (void)state;
    for (size_t size = 128u << 10; size <= (4u << 20); size *= 32) {
        check_cold(access_cold_malloc, size);
        check_cold(access_cold_mmap, size);
        check_cold(access_cold_populate, size);
    }
    char why[256];
    if (pages_usable(PAGES_THP, 4u << 20, why, sizeof why) == 0)
        check_cold(access_cold_thp, 4u << 20);
    if (pages_usable(PAGES_HUGETLB, 4u << 20, why, sizeof why) == 0)
        check_cold(access_cold_hugetlb, 4u << 20);
}

/* Whatever the THP setting ("always" included), the base-page variants'
 * blocks hold no huge page, and malloc's block is sampled too. */
static void test_base_page_variants_hold_no_huge_page(void **state)
{
    (void)state;
    const size_t size = 4u << 20;
    assert_true(access_cold_huge_fraction(&access_cold_mmap_v, size) == 0.0);
    assert_true(access_cold_huge_fraction(&access_cold_populate_v, size) == 0.0);
    double m = access_cold_huge_fraction(&access_cold_malloc_v, size);
    assert_true(m >= 0.0 && m <= 1.0);
    char why[256];
    if (pages_usable(PAGES_HUGETLB, size, why, sizeof why) == 0)
        assert_true(access_cold_huge_fraction(&access_cold_hugetlb_v, size) == 1.0);
}

static void test_warm_stack_touch(void **state)
{
    (void)state;
    unsigned char buf[96 << 10];
    memset(buf, 0, sizeof buf);
    assert_int_equal(access_touch(buf, sizeof buf, 5), measure_touch_expected(sizeof buf, access_stride, 5));
    assert_int_equal(buf[access_stride], measure_line_mark(5, 1));
}

/* The huge-page variants register only sizes holding a whole huge page,
 * and run, or skip with the reason, as pages_usable decides. */
static void test_huge_variants_sizes_and_skips(void **state)
{
    (void)state;
    static const pages_policy policies[] = {PAGES_THP, PAGES_HUGETLB};
    static const char *const names[] = {"access/cold_heap_thp", "access/cold_heap_hugetlb"};
    for (int k = 0; k < 2; k++) {
        int64_t min = access_huge_min(policies[k]);
        assert_true(min >= 4096 && (min & (min - 1)) == 0);
        bench_config cfg = {.quick = 1, .repetitions = 1, .ram_bytes = 1ull << 34};
        access_sizes cold = access_cold_sizes(&cfg);
        int any = 0;
        for (size_t i = 0; i < cold.n; i++)
            any |= cold.v[i] >= min;
        assert_true(any || min > (4 << 20));
        /* run the variant alone, at the largest size */
        char why[256] = "";
        int usable = pages_usable(policies[k], (size_t)cold.v[cold.n - 1], why, sizeof why) == 0;
        cbench_bench *b = cbench_register(names[k], access_cold_run,
                                          (void *)(k ? &access_cold_hugetlb_v : &access_cold_thp_v));
        assert_non_null(b);
        cbench_arg(b, cold.v[cold.n - 1]);
        cbench_iterations(b, 2);
        test_rows rows = {0};
        cbench_run(NULL, test_collect, &rows);
        assert_int_equal(rows.n, 1);
        if (usable) {
            assert_int_equal(rows.status[0], CBENCH_OK);
            assert_true(isnan(rows.huge[0]) || (rows.huge[0] >= 0.0 && rows.huge[0] <= 1.0));
        } else {
            assert_int_equal(rows.status[0], CBENCH_SKIPPED);
            assert_non_null(strstr(rows.message[0], why));
        }
    }
}

/* hot_gc's child side, in-process: setup fills and warms a collected
 * buffer, the loop's passes are what the check counts. */
static void test_hot_gc_child_side(void **state)
{
    (void)state;
    access_gc_job job = {.size = 4096};
    access_gc_setup(&job);
    assert_non_null(job.w);
    assert_non_null(GC_base(job.w));
    access_gc_loop(&job, 5);
    assert_int_equal(access_gc_check(&job, 5, 0), 0);
    assert_int_equal(access_gc_check(&job, 4, 0), -1);
}

/* Sizes: hot spans L1 to beyond L2, cold starts at glibc's mmap threshold. */
static void test_size_lists(void **state)
{
    (void)state;
    bench_config quick = {.quick = 1}, full = {.quick = 0};
    access_sizes h = access_hot_sizes(&full), c = access_cold_sizes(&quick);
    assert_int_equal(h.v[0], 1024);
    assert_int_equal(h.v[h.n - 1], 1 << 20);
    assert_true(c.v[0] >= 128 << 10);
    assert_true(access_hot_sizes(&quick).n < h.n);
}

static void add_row(output_table *t, const char *variant, int size, int rep, double real_ns, double cpu_ns)
{
    output_table_row(t);
    output_table_set_str(t, "family", "access");
    output_table_set_str(t, "variant", variant);
    output_table_set_int(t, "size", size);
    output_table_set_str(t, "allocator", allocators_active());
    output_table_set_str(t, "run_type", "iteration");
    output_table_set_int(t, "repetition", rep);
    output_table_set_str(t, "status", "ok");
    output_table_set_num(t, "real_ns", real_ns);
    output_table_set_num(t, "cpu_ns", cpu_ns);
}

static void test_finish_ratios_and_spread(void **state)
{
    (void)state;
    output_tables_reset();
    output_table *rows = output_table_get("results.csv");
    /* stack 100, 110, 90; heap 105, 95, 100  -> ratio 1, spread 95/110 .. 105/90 */
    const double stack[] = {100, 110, 90}, heap[] = {105, 95, 100};
    for (int r = 0; r < 3; r++) {
        add_row(rows, "hot_stack", 4096, r, stack[r], stack[r]);
        add_row(rows, "hot_heap", 4096, r, heap[r], heap[r] / 2);
    }
    bench_config cfg = {.quick = 1, .repetitions = 3};
    access_finish(&cfg);
    const output_table *s = output_table_get("access_summary.csv");
    assert_int_equal(output_table_row_count(s), 1);   /* hot_gc has no rows: no row */
    assert_string_equal(output_table_cell(s, 0, "variant"), "hot_heap");
    assert_string_equal(output_table_cell(s, 0, "baseline"), "hot_stack");
    assert_string_equal(output_table_cell(s, 0, "ratio"), "1");
    assert_true(fabs(strtod(output_table_cell(s, 0, "ratio_low"), NULL) - 95.0 / 110) < 1e-12);
    assert_true(fabs(strtod(output_table_cell(s, 0, "ratio_high"), NULL) - 105.0 / 90) < 1e-12);
    assert_string_equal(output_table_cell(s, 0, "ratio_cpu"), "0.5");
    assert_string_equal(output_table_cell(s, 0, "repetitions"), "3");
    output_tables_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hot_pass_adds_one_to_every_word),
        cmocka_unit_test(test_cold_operations_touch_every_line),
        cmocka_unit_test(test_warm_stack_touch),
        cmocka_unit_test(test_base_page_variants_hold_no_huge_page),
        cmocka_unit_test(test_huge_variants_sizes_and_skips),
        cmocka_unit_test(test_hot_gc_child_side),
        cmocka_unit_test(test_size_lists),
        cmocka_unit_test(test_finish_ratios_and_spread),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
