/*
 * test_latency.c — the latency ladder's working sets: the chase is one cycle
 * through every line of the set, the set is mapped with the page policy its
 * variant names (base pages hold no huge page), only one set is mapped at a
 * time (asking for the next size unmaps the previous one, finish unmaps the
 * last), and the huge-page ladders run or skip with the reason.  Includes
 * the family's source to reach its statics.
 */
#include "testutil.h"

#include <sys/mman.h>

#include "../benches/latency.c"

/* Is [p, p + bytes) still mapped?  (mincore fails with ENOMEM where not.) */
static int mapped(void *p, size_t bytes)
{
    unsigned char vec[64];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (bytes > sizeof vec * page)
        bytes = sizeof vec * page;
    return mincore(p, bytes, vec) == 0;
}

static void test_chase_is_one_cycle_over_every_line(void **state)
{
    (void)state;
    char why[256] = "";
    latency_set *s = latency_get(64 << 10, PAGES_BASE, why, sizeof why);
    assert_non_null(s);
    size_t n = s->bytes / s->line, stride = s->line / sizeof(void *);
    unsigned char *seen = calloc(n, 1);
    assert_non_null(seen);
    void **p = s->lines;
    for (size_t i = 0; i < n; i++) {
        size_t index = (size_t)(p - s->lines);
        assert_int_equal(index % stride, 0);   /* one pointer per line */
        assert_int_equal(seen[index / stride], 0);
        seen[index / stride] = 1;
        p = (void **)*p;
    }
    assert_ptr_equal(p, s->lines);   /* back to the start after n loads */
    free(seen);
    /* base pages: no huge page (NaN where smaps cannot be read, e.g. under qemu-user) */
    assert_true(s->huge_fraction == 0.0 || isnan(s->huge_fraction));
    latency_release();
}

static void test_one_set_at_a_time(void **state)
{
    (void)state;
    char why[256] = "";
    latency_set *s = latency_get(1 << 20, PAGES_BASE, why, sizeof why);
    assert_non_null(s);
    char *first = (char *)s->lines;
    assert_true(mapped(first, 1 << 20));
    /* the same size and policy again: the same set, not a new one */
    assert_ptr_equal(latency_get(1 << 20, PAGES_BASE, why, sizeof why)->lines, first);
    /* the next size: the first set is gone (its addresses may be reused by the new one) */
    s = latency_get(2 << 20, PAGES_BASE, why, sizeof why);
    assert_non_null(s);
    char *second = (char *)s->lines;
    assert_true(!mapped(first, 1 << 20) || (first >= second && first + (1 << 20) <= second + (2 << 20)));
    /* a set that cannot be had: the current one is released first all the same */
    assert_null(latency_get(1ull << 40, PAGES_HUGETLB, why, sizeof why));
    assert_false(mapped(second, 2 << 20));
    assert_null(latency_current.lines);
    /* finish releases the last one */
    s = latency_get(1 << 20, PAGES_BASE, why, sizeof why);
    assert_non_null(s);
    char *last = (char *)s->lines;
    bench_config cfg = {.quick = 1};
    topo *t = NULL;
    assert_int_equal(testutil_load_machine(&t, 0), 0);
    cfg.topo = t;
    latency_finish(&cfg);
    assert_false(mapped(last, 1 << 20));
    assert_null(latency_current.lines);
    output_tables_reset();
    topo_free(t);
}

static void test_huge_page_sets_or_reasons(void **state)
{
    (void)state;
    char why[256] = "", expect[256] = "";
    for (pages_policy p = PAGES_THP; p <= PAGES_HUGETLB; p++) {
        int usable = pages_usable(p, 4 << 20, expect, sizeof expect) == 0;
        latency_set *s = latency_get(4 << 20, p, why, sizeof why);
        if (usable) {
            assert_non_null(s);
            assert_int_equal((uintptr_t)s->lines % pages_policy_bytes(p), 0);
            assert_true(isnan(s->huge_fraction) || (s->huge_fraction >= 0.0 && s->huge_fraction <= 1.0));
            if (p == PAGES_HUGETLB)
                assert_true(s->huge_fraction == 1.0);
        } else {
            assert_null(s);
            assert_string_equal(why, expect);
        }
        latency_release();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chase_is_one_cycle_over_every_line),
        cmocka_unit_test(test_one_set_at_a_time),
        cmocka_unit_test(test_huge_page_sets_or_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
