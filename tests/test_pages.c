/*
 * test_pages.c — the page-policy helper: base-page mappings hold no huge
 * page whatever the THP setting, populate means every page is resident and
 * no populate means none is, THP mappings are aligned to the huge page and
 * hugetlbfs mappings are backed by huge pages entirely — or, where the
 * kernel offers none, each policy is refused with its reason; the sysfs
 * readers return what the kernel lists.  Expectations come from probing this
 * machine (pages_usable), never from assuming its settings.
 */
#include "testutil.h"

#include <stdint.h>
#include <sys/mman.h>

#include "memprobe/pages.h"

#define TEST_BYTES (4u << 20)

/* Resident pages of [p, p + bytes) (mincore), of base-page size. */
static size_t resident_pages(const void *p, size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (bytes + page - 1) / page, count = 0;
    unsigned char *vec = malloc(n);
    assert_non_null(vec);
    assert_int_equal(mincore((void *)p, bytes, vec), 0);
    for (size_t i = 0; i < n; i++)
        count += vec[i] & 1;
    free(vec);
    return count;
}

static void touch(pages_map *m)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t off = 0; off < m->bytes; off += page)
        ((volatile unsigned char *)m->p)[off] = 1;
}

static void test_base_pages_never_huge(void **state)
{
    (void)state;
    pages_map m;
    char why[256] = "";
    assert_int_equal(pages_usable(PAGES_BASE, TEST_BYTES, why, sizeof why), 0);
    assert_int_equal(pages_map_memory(&m, TEST_BYTES, PAGES_BASE, 0, why, sizeof why), 0);
    assert_int_equal((uintptr_t)m.p % (uintptr_t)sysconf(_SC_PAGESIZE), 0);
    assert_int_equal(resident_pages(m.p, m.bytes), 0);   /* not populated */
    touch(&m);
    assert_int_equal(pages_huge_bytes(m.p, m.bytes), 0);
    pages_unmap(&m);
    assert_null(m.p);
}

static void test_populate_makes_every_page_resident(void **state)
{
    (void)state;
    pages_map m;
    char why[256] = "";
    assert_int_equal(pages_map_memory(&m, TEST_BYTES, PAGES_BASE, 1, why, sizeof why), 0);
    assert_int_equal(resident_pages(m.p, m.bytes), TEST_BYTES / (size_t)sysconf(_SC_PAGESIZE));
    assert_int_equal(pages_huge_bytes(m.p, m.bytes), 0);   /* the advice held for the faults too */
    pages_unmap(&m);
}

static void test_thp_aligned_or_refused(void **state)
{
    (void)state;
    pages_map m;
    char why[256] = "";
    size_t huge = pages_policy_bytes(PAGES_THP);
    if (pages_usable(PAGES_THP, TEST_BYTES, why, sizeof why) != 0) {
        assert_non_null(strstr(why, "transparent huge pages"));
        printf("THP refused here: %s\n", why);
        return;
    }
    assert_true(huge >= 4096 && (huge & (huge - 1)) == 0);
    /* a set smaller than one huge page still starts on one */
    assert_int_equal(pages_map_memory(&m, 4096, PAGES_THP, 0, why, sizeof why), 0);
    assert_int_equal((uintptr_t)m.p % huge, 0);
    pages_unmap(&m);
    assert_int_equal(pages_map_memory(&m, TEST_BYTES, PAGES_THP, 1, why, sizeof why), 0);
    assert_int_equal((uintptr_t)m.p % huge, 0);
    long long got = pages_huge_bytes(m.p, m.bytes);
    /* the kernel may fall back to base pages (defrag, fragmentation): say so, assert the range */
    printf("THP: %lld of %zu bytes on huge pages\n", got, m.bytes);
    assert_true(got >= 0 && got <= (long long)m.bytes);
    pages_unmap(&m);
}

static void test_hugetlb_whole_or_refused(void **state)
{
    (void)state;
    pages_map m;
    char why[256] = "";
    if (pages_usable(PAGES_HUGETLB, TEST_BYTES, why, sizeof why) != 0) {
        assert_true(strstr(why, "nr_hugepages") || strstr(why, "hugepages-2048kB"));
        assert_int_equal(pages_map_memory(&m, TEST_BYTES, PAGES_HUGETLB, 0, why, sizeof why), -1);
        assert_null(m.p);
        printf("hugetlbfs refused here: %s\n", why);
        return;
    }
    assert_int_equal(pages_map_memory(&m, TEST_BYTES, PAGES_HUGETLB, 1, why, sizeof why), 0);
    assert_int_equal((uintptr_t)m.p % PAGES_HUGETLB_BYTES, 0);
    assert_int_equal(pages_huge_bytes(m.p, m.bytes), (long long)TEST_BYTES);
    pages_unmap(&m);
}

static void test_refusals_and_names(void **state)
{
    (void)state;
    pages_map m;
    char why[256] = "";
    assert_int_equal(pages_map_memory(&m, 0, PAGES_BASE, 0, why, sizeof why), -1);
    assert_non_null(strstr(why, "0 bytes"));
    assert_int_equal(pages_usable(PAGES_POLICY_COUNT, 4096, why, sizeof why), -1);
    assert_string_equal(pages_policy_name(PAGES_BASE), "base");
    assert_string_equal(pages_policy_name(PAGES_THP), "thp");
    assert_string_equal(pages_policy_name(PAGES_HUGETLB), "hugetlb");
    assert_int_equal(pages_policy_bytes(PAGES_BASE), (size_t)sysconf(_SC_PAGESIZE));
    assert_int_equal(pages_policy_bytes(PAGES_HUGETLB), PAGES_HUGETLB_BYTES);
    /* memory that is no mapping of ours: unknown, not zero */
    assert_int_equal(pages_huge_bytes(NULL, 4096), -1);
}

/* The THP words are the kernel's choices; the pools are sorted and sane. */
static void test_settings_as_the_kernel_lists_them(void **state)
{
    (void)state;
    char mode[64];
    if (pages_thp_setting("enabled", mode, sizeof mode) == 0)
        assert_true(!strcmp(mode, "always") || !strcmp(mode, "madvise") || !strcmp(mode, "never"));
    if (pages_thp_setting("defrag", mode, sizeof mode) == 0)
        assert_true(!strcmp(mode, "always") || !strcmp(mode, "defer") || !strcmp(mode, "defer+madvise") ||
                    !strcmp(mode, "madvise") || !strcmp(mode, "never"));
    assert_int_equal(pages_thp_setting("no-such-file", mode, sizeof mode), -1);
    pages_hugetlb_pool pools[16];
    int n = pages_hugetlb_pools(pools, 16);
    for (int i = 0; i < n; i++) {
        assert_true(pools[i].page_bytes >= 4096);
        assert_true(i == 0 || pools[i].page_bytes > pools[i - 1].page_bytes);
        assert_true(pools[i].free_pages <= pools[i].total_pages);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_pages_never_huge),
        cmocka_unit_test(test_populate_makes_every_page_resident),
        cmocka_unit_test(test_thp_aligned_or_refused),
        cmocka_unit_test(test_hugetlb_whole_or_refused),
        cmocka_unit_test(test_refusals_and_names),
        cmocka_unit_test(test_settings_as_the_kernel_lists_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
