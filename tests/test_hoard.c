/*
 * test_hoard.c — the hoard family: the cache (lookups through growth,
 * replacement, least-recently-used eviction within the byte bound, entries
 * kept alive by the global root across collections), the hard cap that ends
 * the unbounded run (and the result saying so), the bounded run's resident
 * set staying within its stated bound, input checks, and --hoard-cap through
 * the command line.
 *
 * The family file is included so its static functions can be reached; this
 * copy of bench_family_hoard then satisfies the registry's weak reference.
 */
#include "../benches/hoard.c"

#include "testutil.h"

static unsigned char *test_value(const hoard_heap *h, size_t len, int fill)
{
    unsigned char *v = h->alloc_bytes(len);
    assert_non_null(v);
    memset(v, fill, len);
    return v;
}

static void test_put_get_through_growth(void **state)
{
    (void)state;
    hoard_cache *c = hoard_cache_new(&hoard_heaps[HOARD_HEAP_MALLOC], 0);
    assert_non_null(c);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(hoard_put(c, key, test_value(c->heap, 8, i & 0xff), 8), 0);
    }
    assert_int_equal(c->entries, 5000);
    assert_int_equal(c->bytes, 5000 * 8);
    assert_true(c->nbuckets >= 5000);
    assert_int_equal(c->evicted, 0);
    for (int i = 0; i < 5000; i++) {
        size_t len = 0;
        snprintf(key, sizeof key, "k%d", i);
        const unsigned char *v = hoard_get(c, key, &len);
        assert_non_null(v);
        assert_int_equal(len, 8);
        assert_int_equal(v[7], i & 0xff);
    }
    size_t len;
    assert_null(hoard_get(c, "k5000", &len));
    hoard_cache_free(c);
}

static void test_replace_keeps_one_entry(void **state)
{
    (void)state;
    hoard_cache *c = hoard_cache_new(&hoard_heaps[HOARD_HEAP_MALLOC], 0);
    assert_int_equal(hoard_put(c, "a", test_value(c->heap, 10, 1), 10), 0);
    assert_int_equal(hoard_put(c, "a", test_value(c->heap, 30, 2), 30), 0);
    assert_int_equal(c->entries, 1);
    assert_int_equal(c->bytes, 30);
    size_t len = 0;
    const unsigned char *v = hoard_get(c, "a", &len);
    assert_int_equal(len, 30);
    assert_int_equal(v[0], 2);
    hoard_cache_free(c);
}

/* Bounded: never more bytes than the bound; the least recently used go first. */
static void test_bounded_evicts_least_recently_used(void **state)
{
    (void)state;
    hoard_cache *c = hoard_cache_new(&hoard_heaps[HOARD_HEAP_MALLOC], 300);
    char key[16];
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(hoard_put(c, key, test_value(c->heap, 100, i), 100), 0);
    }
    size_t len;
    assert_non_null(hoard_get(c, "k0", &len));   /* k0 is now the most recent; k1 the oldest */
    assert_int_equal(hoard_put(c, "k3", test_value(c->heap, 100, 3), 100), 0);
    assert_null(hoard_get(c, "k1", &len));
    assert_non_null(hoard_get(c, "k0", &len));
    assert_non_null(hoard_get(c, "k2", &len));
    assert_non_null(hoard_get(c, "k3", &len));
    assert_int_equal(c->evicted, 1);
    for (int i = 4; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(hoard_put(c, key, test_value(c->heap, 100, i), 100), 0);
        assert_true(c->bytes <= 300);
        assert_int_equal(c->entries, 3);
    }
    assert_int_equal(c->evicted, 97);
    hoard_cache_free(c);
}

/* With the collector, the global root keeps every entry through collections. */
static void test_gc_root_keeps_entries(void **state)
{
    (void)state;
    hoard_cache *c = hoard_cache_new(&hoard_heaps[HOARD_HEAP_GC], 0);
    hoard_global = c;
    c = NULL;
    char key[16];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(hoard_put(hoard_global, key, test_value(hoard_global->heap, 512, i & 0xff), 512), 0);
        if (i % 500 == 0)
            GC_gcollect();
    }
    GC_gcollect();
    for (int i = 0; i < 2000; i++) {
        size_t len = 0;
        snprintf(key, sizeof key, "k%d", i);
        const unsigned char *v = hoard_get(hoard_global, key, &len);
        assert_non_null(v);
        assert_int_equal(len, 512);
        assert_int_equal(v[0], i & 0xff);
        assert_int_equal(v[511], i & 0xff);
    }
    hoard_global = NULL;
}

/* ---- child processes ---- */

static const char *test_result(const char *out)
{
    const char *r = child_line(out, "result");
    if (!r)
        fail_msg("no result line in:\n%s", out);
    return r;
}

static double test_field(const char *result, const char *key)
{
    double v = NAN;
    if (!child_kv(result, key, &v))
        fail_msg("no %s in: %s", key, result);
    return v;
}

/* The cap ends the unbounded run early, and the result says so. */
static void test_cap_stops_unbounded(void **state)
{
    (void)state;
    static const char *const heaps[] = {"malloc", "gc"};
    for (int h = 0; h < 2; h++) {
        char *out = NULL;
        int rc = testutil_run(&out, "%s __child hoard variant=unbounded heap=%s cap=24M"
                                    " duration_ms=60000 sample_ms=10", MEMPROBE_BIN, heaps[h]);
        assert_int_equal(rc, 0);
        const char *r = test_result(out);
        assert_int_equal(test_field(r, "cap_hit"), 1);
        assert_int_equal(test_field(r, "alloc_failed"), 0);
        assert_true(test_field(r, "rss_max") >= 24.0 * 1024 * 1024);
        assert_true(test_field(r, "elapsed_ns") < 60e9);
        assert_int_equal(test_field(r, "evicted"), 0);
        assert_true(testutil_count_lines(out) >= 3);   /* samples, then the result */
        free(out);
    }
}

/* A sanitizer build's resident set is not the program's: AddressSanitizer
 * maps shadow memory and keeps freed blocks in quarantine, ThreadSanitizer
 * shadows every touched word, so an RSS bound derived from the byte budget
 * cannot hold there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEST_RSS_INFLATED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define TEST_RSS_INFLATED 1
#endif
#endif
#ifndef TEST_RSS_INFLATED
#define TEST_RSS_INFLATED 0
#endif

/* The bounded run stays within its stated bound: its start plus 2x (malloc)
 * or 3x (collector) the byte budget plus 16 MiB (the RSS assertions are
 * skipped, with a line saying so, in sanitizer builds). */
static void test_bounded_within_bound(void **state)
{
    (void)state;
    if (TEST_RSS_INFLATED)
        print_message("sanitizer build: shadow memory and quarantine inflate RSS; "
                      "RSS-within-bound assertions skipped\n");
    static const char *const heaps[] = {"malloc", "gc"};
    for (int h = 0; h < 2; h++) {
        char *out = NULL;
        int rc = testutil_run(&out, "%s __child hoard variant=bounded heap=%s bound=4M cap=256M"
                                    " duration_ms=600 sample_ms=10 min_entries=%d", MEMPROBE_BIN, heaps[h],
                                    (int)(3 * 4.0 * 1024 * 1024 / 4000) + 1);
        assert_int_equal(rc, 0);
        const char *r = test_result(out);
        double start = test_field(r, "rss_start"), max = test_field(r, "rss_max");
        double bound = test_field(r, "rss_bound");
        assert_true(bound == start + (h ? 3 : 2) * 4.0 * 1024 * 1024 + 16.0 * 1024 * 1024);
        if (!TEST_RSS_INFLATED) {
            assert_true(max <= bound);
            assert_int_equal(test_field(r, "within_bound"), 1);
        }
        assert_int_equal(test_field(r, "cap_hit"), 0);
        /* it did hoard more than the bound, and evicted the rest */
        assert_true(test_field(r, "bytes_inserted") > 3 * 4.0 * 1024 * 1024);
        assert_true(test_field(r, "evicted") > 0);
        free(out);
    }
}

static void test_child_rejects_bad_input(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(testutil_run(&out, "%s __child hoard variant=forever heap=gc", MEMPROBE_BIN), 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "variant='forever'"));
    free(out);
    assert_int_equal(testutil_run(&out, "%s __child hoard variant=bounded heap=malloc value=4000 bound=100", MEMPROBE_BIN), 2);
    assert_int_equal(testutil_count_lines(out), 1);
    free(out);
}

/* --hoard-cap through the CLI: the unbounded rows say cap_hit=1 at that cap. */
static void test_cli_hoard_cap(void **state)
{
    (void)state;
    char run[128], path[300];
    free(testutil_memprobe_run(run, sizeof run, NULL, "--quick --filter '^hoard/' --hoard-cap 16M"));
    output_table *t = testutil_read_csv(run, "results.csv");
    assert_non_null(t);
    int unbounded = 0;
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *heap = output_table_cell(t, r, "heap");   /* a Go companion adds heap=go rows */
        if (strcmp(output_table_cell(t, r, "family"), "hoard") != 0 || !heap ||
            (strcmp(heap, "gc") != 0 && strcmp(heap, "malloc") != 0))
            continue;
        assert_string_equal(output_table_cell(t, r, "cap_bytes"), "16777216");
        if (strncmp(output_table_cell(t, r, "variant"), "unbounded", 9) == 0) {
            unbounded++;
            assert_string_equal(output_table_cell(t, r, "cap_hit"), "1");
            assert_true(atof(output_table_cell(t, r, "rss_slope_bytes_per_s")) > 0);
        } else {
            assert_string_equal(output_table_cell(t, r, "within_bound"), "1");
        }
    }
    assert_int_equal(unbounded, 2);
    output_table_free(t);

    char *out = NULL;
    int rc = testutil_run(&out, "%s run --quick --filter '^hoard/' --hoard-cap 1K --out %s-bad", MEMPROBE_BIN, run);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "--hoard-cap"));
    free(out);
    snprintf(path, sizeof path, "%s-bad/results.csv", run);
    assert_int_not_equal(access(path, F_OK), 0);
    testutil_remove_run(run);
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_through_growth),
        cmocka_unit_test(test_replace_keeps_one_entry),
        cmocka_unit_test(test_bounded_evicts_least_recently_used),
        cmocka_unit_test(test_gc_root_keeps_entries),
        cmocka_unit_test(test_cap_stops_unbounded),
        cmocka_unit_test(test_bounded_within_bound),
        cmocka_unit_test(test_child_rejects_bad_input),
        cmocka_unit_test(test_cli_hoard_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
