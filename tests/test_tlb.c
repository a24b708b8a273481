/*
 * test_tlb.c — the tlb family: the spread chase puts one line on each of its
 * pages and the packed control the same number of lines in as few pages as
 * possible; the step finder names the reach and cost of each level on
 * made-up curves (and none on a flat one); a --quick run has spread and
 * packed rows at the same page counts, each spread row with its
 * translation_ns and its mapped page count, and skips hugetlb with a reason
 * where no page is reserved.  Includes the family's source to reach its
 * statics.  No assertion depends on how long anything took.
 */
#include "../benches/tlb.c"

#include "testutil.h"

static void test_spread_and_packed_layouts(void **state)
{
    (void)state;
    tlb.line = 64;
    size_t off[512];
    assert_int_equal(tlb_offsets(TLB_SPREAD, 512, off), 512);
    for (size_t i = 0; i < 512; i++)
        assert_int_equal(off[i] / TLB_STRIDE, i);   /* one line per page */
    assert_int_equal(tlb_offsets(TLB_PACKED, 512, off), 512);
    for (size_t i = 0; i < 512; i++)
        assert_int_equal(off[i], i * 64);   /* the same lines, packed: 8 pages' worth */
    /* the chase over them is one cycle through every page */
    char why[256] = "";
    tlb.packed_policy = PAGES_BASE;
    assert_int_equal(tlb_prepare(TLB_SPREAD, 64, why, sizeof why), 0);
    unsigned char seen[64] = {0};
    void **p = tlb.head;
    for (int i = 0; i < 64; i++) {
        size_t page = (size_t)((char *)p - (char *)tlb.map.p) / TLB_STRIDE;
        assert_true(page < 64 && !seen[page]);
        seen[page] = 1;
        p = *p;
    }
    assert_ptr_equal(p, tlb.head);
    pages_unmap(&tlb.map);
    tlb.head = NULL;
}

static void test_steps(void **state)
{
    (void)state;
    const double pages[] = {16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192};
    double reach[8], cost[8];
    /* flat near 0 to 64 pages, ~5 ns to 2048, ~30 ns after */
    const double ns[] = {0.1, 0.2, 0.1, 5, 5.2, 4.9, 5.1, 5, 30, 31};
    assert_int_equal(tlb_steps(pages, ns, 10, reach, cost, 8), 2);
    assert_true(reach[0] == 64 && reach[1] == 2048);
    assert_true(cost[0] > 4.8 && cost[0] < 5.3);
    assert_true(cost[1] >= 30 && cost[1] <= 31);
    /* flat, or one outlier: no step */
    const double flat[] = {1, 1.1, 0.9, 1, 1, 1, 1.2, 1, 1, 1};
    assert_int_equal(tlb_steps(pages, flat, 10, reach, cost, 8), 0);
    const double blip[] = {1, 1, 1, 9, 1, 1, 1, 1, 1, 1};
    assert_int_equal(tlb_steps(pages, blip, 10, reach, cost, 8), 0);
}

static void test_quick_rows(void **state)
{
    (void)state;
    char run[PATH_MAX];
    free(testutil_memprobe_run(run, sizeof run, NULL, "--quick --filter '^tlb/' --counters none"));
    output_table *t = testutil_read_csv(run, "results.csv");
    assert_non_null(t);
    int spread = 0;
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *var = output_table_cell(t, r, "variant"), *status = output_table_cell(t, r, "status");
        if (!var || strcmp(output_table_cell(t, r, "family"), "tlb") != 0)
            continue;
        if (strcmp(var, "spread_hugetlb") == 0 && strcmp(status, "skipped") == 0) {
            assert_non_null(strstr(output_table_cell(t, r, "message"), "hugetlbfs"));
            continue;
        }
        assert_string_equal(status, "ok");
        if (strncmp(var, "spread", 6) != 0)
            continue;
        spread++;
        const char *pages = output_table_cell(t, r, "pages");
        assert_true(testutil_find_row(t, "variant", "packed", "pages", pages) >= 0);
        assert_non_null(output_table_cell(t, r, "translation_ns"));
        if (strcmp(var, "spread") == 0)   /* base pages: one page per stride */
            assert_string_equal(output_table_cell(t, r, "mapped_pages"), pages);
    }
    assert_true(spread >= 7);
    output_table_free(t);
    testutil_remove_run(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread_and_packed_layouts),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_quick_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
