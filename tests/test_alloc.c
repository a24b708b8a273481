/*
 * test_alloc.c — the alloc family does the work it claims: every variant
 * allocates, writes every cache line of the block and reads it back (the
 * checksum matches the closed-form value), heap_batch keeps at most `batch`
 * blocks live and frees them in a permutation, every registered size has its
 * fixed-size stack function, a per-allocator child whose LD_PRELOAD did
 * not take effect registers nothing and says why, and the collected-heap
 * variants' child loop checks its work and reports the heap it ran in (a
 * fresh one, configured as gcheap.h says).
 */
#include "testutil.h"

#include "../benches/alloc.c"

static const size_t test_sizes[] = {16, 24, 32, 48, 64, 96, 128, 256, 512, 1024,
                                    2048, 4096, 8192, 16384, 32768, 65536};
static const uint64_t test_seeds[] = {0, 1, 77, 255, 256, 1000003};

static int setup(void **state)
{
    (void)state;
    static char *argv[] = {(char *)"test_alloc", NULL};
    GC_INIT();
    cbench_init(1, argv);
    return 0;
}

/* The touch really stores its marks: a block read back shows them. */
static void test_touch_writes_every_line(void **state)
{
    (void)state;
    for (size_t stride = 64; stride <= 128; stride *= 2) {
        unsigned char block[1000];
        memset(block, 0, sizeof block);
        uint64_t sum = measure_touch_lines(block, sizeof block, stride, 9);
        assert_int_equal(sum, measure_touch_expected(sizeof block, stride, 9));
        size_t k = 0;
        for (size_t off = 0; off < sizeof block - 1; off += stride, k++)
            assert_int_equal(block[off], measure_line_mark(9, k));
        assert_int_equal(block[sizeof block - 1], measure_tail_mark(9));
        /* one store per stride: the byte after a mark is untouched */
        assert_int_equal(block[1], 0);
    }
}

/* The expected total over many seeds equals the sum of the single values. */
static void test_expected_total_matches_sum(void **state)
{
    (void)state;
    const uint64_t counts[] = {0, 1, 255, 256, 257, 1000};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        uint64_t sum = 0;
        for (uint64_t s = 0; s < counts[c]; s++)
            sum += measure_touch_expected(96, 64, s);
        assert_int_equal(measure_touch_expected_total(96, 64, counts[c]), sum);
    }
}

static void check_op(alloc_op op, size_t size)
{
    for (size_t s = 0; s < sizeof test_seeds / sizeof test_seeds[0]; s++)
        assert_int_equal(op(size, test_seeds[s]), measure_touch_expected(size, alloc_stride, test_seeds[s]));
}

static void test_stack_fixed_every_size(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof test_sizes / sizeof test_sizes[0]; i++) {
        alloc_op op = alloc_stack_fixed_for(test_sizes[i]);
        assert_non_null(op);
        check_op(op, test_sizes[i]);
    }
    assert_null(alloc_stack_fixed_for(100));
}

/* Every size either size list registers has its fixed-size stack function. */
static void test_registered_sizes_have_stack_functions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof alloc_sizes_full / sizeof alloc_sizes_full[0]; i++)
        assert_non_null(alloc_stack_fixed_for((size_t)alloc_sizes_full[i]));
    for (size_t i = 0; i < sizeof alloc_sizes_quick / sizeof alloc_sizes_quick[0]; i++)
        assert_non_null(alloc_stack_fixed_for((size_t)alloc_sizes_quick[i]));
}

static void test_one_at_a_time_variants(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof alloc_variants / sizeof alloc_variants[0]; v++) {
        if (!alloc_variants[v].op)
            continue;
        for (size_t i = 0; i < sizeof test_sizes / sizeof test_sizes[0]; i++)
            check_op(alloc_variants[v].op, test_sizes[i]);
    }
}

static void test_stride_follows_cache_line(void **state)
{
    (void)state;
    size_t saved = alloc_stride;
    alloc_stride = 128;
    check_op(alloc_heap_malloc_free, 4096);
    check_op(alloc_stack_fixed_for(4096), 4096);
    alloc_stride = saved;
}

static void test_batch_keeps_and_frees(void **state)
{
    (void)state;
    alloc_batch b;
    assert_int_equal(alloc_batch_init(&b, 7), 0);
    /* the free order is a permutation of 0..batch-1 */
    int seen[7] = {0};
    for (size_t i = 0; i < 7; i++)
        seen[b.free_order[i]]++;
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(seen[i], 1);
    uint64_t sum = 0;
    for (uint64_t seed = 0; seed < 7 * 3 + 5; seed++) {
        sum += alloc_batch_step(&b, 96, seed);
        assert_true(b.live < b.batch);
        assert_int_equal(b.live, (seed + 1) % 7);
    }
    assert_int_equal(sum, measure_touch_expected_total(96, alloc_stride, 7 * 3 + 5));
    alloc_batch_destroy(&b);
    assert_null(b.blocks);
}

static void test_batch_size_is_capped(void **state)
{
    (void)state;
    assert_int_equal(alloc_batch_for(64, 0), ALLOC_BATCH);
    assert_true((unsigned long long)alloc_batch_for(65536, 0) * 65536 <= ALLOC_BATCH_BYTES_MAX);
    /* a 256 MiB machine: live bytes stay under RAM/16 */
    assert_true((unsigned long long)alloc_batch_for(65536, 256ull << 20) * 65536 <= (256ull << 20) / 16);
    assert_true(alloc_batch_for(65536, 1 << 20) >= 2);
}

/* A child asked to measure jemalloc, in a process where glibc serves malloc,
 * registers nothing and says why. */
static void test_child_with_wrong_allocator_refuses(void **state)
{
    (void)state;
    if (strcmp(allocators_active(), "jemalloc") == 0)
        skip();
    bench_config cfg = {.quick = 1, .repetitions = 1, .allocator = "jemalloc"};
    char why[256] = "";
    size_t before = cbench_registered_count();
    alloc_register(&cfg, why, sizeof why);
    assert_int_equal(cbench_registered_count(), before);
    assert_non_null(strstr(why, "not jemalloc"));
}

/* The glibc run registers every variant; exactly the heap_* ones are
 * marked to run again under each allocator. */
static void test_variants_classified(void **state)
{
    (void)state;
    bench_config parent = {.quick = 1, .repetitions = 1, .allocator = "glibc"};
    char why[256] = "";
    size_t before = cbench_registered_count();
    alloc_register(&parent, why, sizeof why);
    assert_string_equal(why, "");
    /* one instance per variant and quick size */
    assert_int_equal(cbench_registered_count() - before,
                     sizeof alloc_variants / sizeof alloc_variants[0] *
                         (sizeof alloc_sizes_quick / sizeof alloc_sizes_quick[0]));
    size_t heap = 0;
    for (size_t i = 0; i < sizeof alloc_variants / sizeof alloc_variants[0]; i++) {
        heap += alloc_variants[i].uses_malloc;
        assert_int_equal(alloc_variants[i].uses_malloc, strncmp(alloc_variants[i].name, "alloc/heap_", 11) == 0);
    }
    assert_int_equal(heap, 3);
}

/* The gc_* child loop, run here in-process: its checksum is right, and a
 * wrong one is caught. */
static void test_gc_child_loop_checks(void **state)
{
    (void)state;
    static const alloc_op ops[] = {alloc_gc_malloc, alloc_gc_malloc_atomic};
    for (int v = 0; v < 2; v++)
        for (size_t size = 16; size <= 4096; size *= 16) {
            alloc_gc_job job = {.op = ops[v], .size = size};
            uint64_t sum = alloc_gc_loop(&job, 300);
            assert_int_equal(alloc_gc_check(&job, 300, sum), 0);
            assert_int_equal(alloc_gc_check(&job, 300, sum + 1), -1);
            assert_int_equal(alloc_gc_check(&job, 301, sum), -1);
        }
}

/* The child as the parent runs it: a fresh heap of the configured size and
 * marker count, the collections and heap at the end, a right checksum; a
 * bad argument is one line and status 2. */
static void test_gc_child_reports_its_heap(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = testutil_run(&out, "%s __child alloc variant=gc_malloc size=64 line=64 iterations=1000000", MEMPROBE_BIN);
    assert_int_equal(rc, 0);
    const char *res = child_line(out, "result");
    assert_non_null(res);
    double ns = 0, start = 0, end = 0, markers = 0, collections = -1, errors = -1, iterations = 0;
    assert_true(child_kv(res, "ns", &ns) && ns > 0);
    double cpu = 0;
    assert_true(child_kv(res, "cpu_ns", &cpu) && cpu > 0);
    assert_true(child_kv(res, "iterations", &iterations) && iterations == 1000000);
    assert_true(child_kv(res, "gc_heap_start_bytes", &start) && start >= (double)GCHEAP_BENCH_HEAP_BYTES);
    assert_true(child_kv(res, "gc_heap_bytes", &end) && end > 0);
    assert_true(child_kv(res, "gc_markers", &markers) && markers == GCHEAP_BENCH_MARKERS);
    /* 10^6 x 80 bytes (64 + libgc's extra byte, rounded) is many times the configured heap */
    assert_true(child_kv(res, "gc_collections", &collections) && collections >= 1);
    assert_true(child_kv(res, "checksum_errors", &errors) && errors == 0);
    free(out);
    rc = testutil_run(&out, "%s __child alloc variant=gc_free size=64", MEMPROBE_BIN);
    assert_int_equal(rc, 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "gc_malloc, gc_malloc_atomic"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_touch_writes_every_line),
        cmocka_unit_test(test_expected_total_matches_sum),
        cmocka_unit_test(test_stack_fixed_every_size),
        cmocka_unit_test(test_registered_sizes_have_stack_functions),
        cmocka_unit_test(test_one_at_a_time_variants),
        cmocka_unit_test(test_stride_follows_cache_line),
        cmocka_unit_test(test_batch_keeps_and_frees),
        cmocka_unit_test(test_batch_size_is_capped),
        cmocka_unit_test(test_child_with_wrong_allocator_refuses),
        cmocka_unit_test(test_variants_classified),
        cmocka_unit_test(test_gc_child_loop_checks),
        cmocka_unit_test(test_gc_child_reports_its_heap),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
