/*
 * test_topo.c — topology: pair classification on synthetic hwloc topologies
 * (every class, without the hardware), representative and all pairs, cache
 * queries, CPU-list parsing and formatting, and loading the real machine
 * with allowed and refused --cpus lists.
 */
#include "testutil.h"

#include <sched.h>

#include "memprobe/topo.h"

/* The big one: 2 packages x 2 NUMA nodes x 2 L3 x 4 cores x 2 PUs = 64 PUs. */
#define TOPO_BIG "pack:2 numa:2 l3:2 core:4 pu:2"

static topo *load_synthetic(const char *description)
{
    char err[256] = "";
    topo *t = topo_load_synthetic(description, err, sizeof err);
    if (!t)
        fail_msg("synthetic '%s': %s", description, err);
    return t;
}

static void assert_class(const topo *t, int a, int b, topo_pair_class want)
{
    topo_pair_class got = topo_pair_classify(t, a, b);
    if (got != want)
        fail_msg("pair %d,%d: got %s, want %s", a, b, topo_pair_class_name(got), topo_pair_class_name(want));
    assert_int_equal(topo_pair_classify(t, b, a), want); /* symmetric */
}

static void assert_pair(const topo_pair *p, int a, int b, topo_pair_class c)
{
    if (p->cpu_a != a || p->cpu_b != b || p->pair_class != c)
        fail_msg("pair %d,%d (%s), want %d,%d (%s)", p->cpu_a, p->cpu_b, topo_pair_class_name(p->pair_class),
                 a, b, topo_pair_class_name(c));
}

/* ------------------------------------------------------------------ */

static void test_big_counts(void **state)
{
    (void)state;
    topo *t = load_synthetic(TOPO_BIG);
    assert_int_equal(topo_pu_count(t), 64);
    assert_int_equal(topo_core_count(t), 32);
    assert_int_equal(topo_package_count(t), 2);
    assert_int_equal(topo_numa_count(t), 4);
    assert_true(topo_has_smt(t));
    for (int i = 0; i < 32; i++)
        assert_int_equal(topo_core_pu(t, i), 2 * i); /* first PU of each core */
    assert_int_equal(topo_core_pu(t, 32), -1);
    assert_int_equal(topo_pu(t, 63), 63);
    assert_int_equal(topo_pu(t, 64), -1);
    assert_true(topo_cpu_allowed(t, 63));
    assert_false(topo_cpu_allowed(t, 64));
    assert_false(topo_cpu_allowed(t, -1));
    topo_free(t);
}

static void test_big_classes(void **state)
{
    (void)state;
    topo *t = load_synthetic(TOPO_BIG);
    assert_class(t, 0, 1, TOPO_PAIR_SMT);
    assert_class(t, 0, 0, TOPO_PAIR_SMT);
    assert_class(t, 0, 2, TOPO_PAIR_LLC);
    assert_class(t, 1, 7, TOPO_PAIR_LLC);
    assert_class(t, 0, 8, TOPO_PAIR_NUMA);
    assert_class(t, 7, 15, TOPO_PAIR_NUMA);
    assert_class(t, 0, 16, TOPO_PAIR_PACKAGE);
    assert_class(t, 15, 31, TOPO_PAIR_PACKAGE);
    assert_class(t, 0, 32, TOPO_PAIR_CROSS_PACKAGE);
    assert_class(t, 31, 32, TOPO_PAIR_CROSS_PACKAGE);
    assert_class(t, 62, 63, TOPO_PAIR_SMT);
    assert_int_equal(topo_pair_classify(t, 0, 64), TOPO_PAIR_CLASS_COUNT);
    assert_int_equal(topo_pair_classify(t, -1, 0), TOPO_PAIR_CLASS_COUNT);
    topo_free(t);
}

static void test_big_representative_pairs(void **state)
{
    (void)state;
    topo *t = load_synthetic(TOPO_BIG);
    topo_pair p[TOPO_PAIR_CLASS_COUNT];
    int n = topo_representative_pairs(t, p, TOPO_PAIR_CLASS_COUNT);
    assert_int_equal(n, 5); /* no L2 objects: no l2 class */
    assert_pair(&p[0], 0, 1, TOPO_PAIR_SMT);
    assert_pair(&p[1], 0, 2, TOPO_PAIR_LLC);
    assert_pair(&p[2], 0, 8, TOPO_PAIR_NUMA);
    assert_pair(&p[3], 0, 16, TOPO_PAIR_PACKAGE);
    assert_pair(&p[4], 0, 32, TOPO_PAIR_CROSS_PACKAGE);
    /* max is honoured, closest classes kept */
    assert_int_equal(topo_representative_pairs(t, p, 2), 2);
    assert_pair(&p[1], 0, 2, TOPO_PAIR_LLC);
    topo_free(t);
}

static void test_big_all_pairs(void **state)
{
    (void)state;
    topo *t = load_synthetic(TOPO_BIG);
    topo_pair *pairs;
    int n = topo_all_pairs(t, 0, &pairs);
    assert_int_equal(n, 32 * 31 / 2);
    int per_class[TOPO_PAIR_CLASS_COUNT] = {0};
    for (int i = 0; i < n; i++) {
        assert_true(pairs[i].cpu_a < pairs[i].cpu_b);
        assert_int_equal(pairs[i].cpu_a % 2, 0); /* one PU per core */
        assert_int_equal(pairs[i].cpu_b % 2, 0);
        assert_int_equal(pairs[i].pair_class, topo_pair_classify(t, pairs[i].cpu_a, pairs[i].cpu_b));
        per_class[pairs[i].pair_class]++;
    }
    assert_int_equal(per_class[TOPO_PAIR_SMT], 0);
    assert_int_equal(per_class[TOPO_PAIR_L2], 0);
    assert_int_equal(per_class[TOPO_PAIR_LLC], 8 * 6);             /* 8 L3s, C(4,2) cores each */
    assert_int_equal(per_class[TOPO_PAIR_NUMA], 4 * 4 * 4);        /* 4 nodes, 4x4 across L3s */
    assert_int_equal(per_class[TOPO_PAIR_PACKAGE], 2 * 8 * 8);     /* 2 packages, 8x8 across nodes */
    assert_int_equal(per_class[TOPO_PAIR_CROSS_PACKAGE], 16 * 16);
    free(pairs);

    n = topo_all_pairs(t, 1, &pairs);
    assert_int_equal(n, 64 * 63 / 2);
    int smt = 0;
    for (int i = 0; i < n; i++)
        smt += pairs[i].pair_class == TOPO_PAIR_SMT;
    assert_int_equal(smt, 32);
    free(pairs);
    topo_free(t);
}

static void test_l2_classes(void **state)
{
    (void)state;
    topo *t = load_synthetic("pack:1 l3:1 l2:2 core:2 pu:2");
    assert_class(t, 0, 1, TOPO_PAIR_SMT);
    assert_class(t, 0, 2, TOPO_PAIR_L2);
    assert_class(t, 0, 4, TOPO_PAIR_LLC);
    assert_class(t, 3, 6, TOPO_PAIR_LLC);
    topo_pair p[TOPO_PAIR_CLASS_COUNT];
    assert_int_equal(topo_representative_pairs(t, p, TOPO_PAIR_CLASS_COUNT), 3);
    assert_pair(&p[0], 0, 1, TOPO_PAIR_SMT);
    assert_pair(&p[1], 0, 2, TOPO_PAIR_L2);
    assert_pair(&p[2], 0, 4, TOPO_PAIR_LLC);
    assert_int_equal(topo_cache_levels(t), 3);
    assert_true(topo_cache_size(t, 0, 2) > 0);
    assert_true(topo_cache_size(t, 0, 3) > topo_cache_size(t, 0, 2));
    assert_int_equal(topo_cache_size(t, 0, 1), 0);
    assert_int_equal(topo_cache_size(t, 0, 4), 0);
    assert_int_equal(topo_cache_size(t, 99, 2), 0);
    topo_free(t);
}

static void test_shared_l2_without_l3(void **state)
{
    (void)state;
    /* a shared L2 that is also the last level: l2, not llc */
    topo *t = load_synthetic("pack:2 l2:1 l1d:2 core:1 pu:1");
    assert_class(t, 0, 1, TOPO_PAIR_L2);
    assert_class(t, 1, 2, TOPO_PAIR_CROSS_PACKAGE);
    assert_int_equal(topo_cache_levels(t), 2);
    assert_int_equal(topo_cache_line(t), 64);
    assert_false(topo_has_smt(t));
    topo_pair p[TOPO_PAIR_CLASS_COUNT];
    assert_int_equal(topo_representative_pairs(t, p, TOPO_PAIR_CLASS_COUNT), 2);
    assert_pair(&p[0], 0, 1, TOPO_PAIR_L2);
    assert_pair(&p[1], 0, 2, TOPO_PAIR_CROSS_PACKAGE);
    topo_free(t);
}

static void test_flat_no_shared_cache(void **state)
{
    (void)state;
    topo *t = load_synthetic("pack:1 core:4 pu:1");
    assert_int_equal(topo_core_count(t), 4);
    assert_false(topo_has_smt(t));
    assert_int_equal(topo_cache_levels(t), 0);
    assert_int_equal(topo_cache_line(t), 64); /* the default */
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++)
            assert_class(t, a, b, TOPO_PAIR_NUMA);
    topo_pair p[TOPO_PAIR_CLASS_COUNT];
    assert_int_equal(topo_representative_pairs(t, p, TOPO_PAIR_CLASS_COUNT), 1);
    assert_pair(&p[0], 0, 1, TOPO_PAIR_NUMA);
    topo_pair *pairs;
    assert_int_equal(topo_all_pairs(t, 0, &pairs), 6);
    free(pairs);
    topo_free(t);
}

static void test_numa_without_packages(void **state)
{
    (void)state;
    /* no Package objects: the machine is one package split in NUMA nodes */
    topo *t = load_synthetic("numa:2 core:2 pu:1");
    assert_int_equal(topo_package_count(t), 1);
    assert_int_equal(topo_numa_count(t), 2);
    assert_class(t, 0, 1, TOPO_PAIR_NUMA);
    assert_class(t, 1, 2, TOPO_PAIR_PACKAGE);
    topo_free(t);
}

static void test_numa_spanning_packages(void **state)
{
    (void)state;
    /* different packages win over a shared NUMA node */
    topo *t = load_synthetic("numa:2 pack:2 core:2 pu:1");
    assert_class(t, 0, 1, TOPO_PAIR_NUMA);
    assert_class(t, 0, 2, TOPO_PAIR_CROSS_PACKAGE);
    assert_class(t, 0, 4, TOPO_PAIR_CROSS_PACKAGE);
    topo_free(t);
}

static void test_single_cpu(void **state)
{
    (void)state;
    topo *t = load_synthetic("pack:1 core:1 pu:1");
    topo_pair p[TOPO_PAIR_CLASS_COUNT];
    assert_int_equal(topo_representative_pairs(t, p, TOPO_PAIR_CLASS_COUNT), 0);
    topo_pair *pairs;
    assert_int_equal(topo_all_pairs(t, 1, &pairs), 0);
    free(pairs);
    topo_free(t);
}

/* topo_spread_order on t is exactly want[0..n). */
static void assert_spread(const char *description, const int *want, int n)
{
    topo *t = load_synthetic(description);
    int got[64];
    assert_int_equal(topo_spread_order(t, got, 64), n);
    for (int i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("%s: place %d is CPU %d, expected %d", description, i, got[i], want[i]);
    /* a shorter list is the same order cut */
    int first[3];
    assert_int_equal(topo_spread_order(t, first, 3), 3);
    assert_memory_equal(first, want, sizeof first);
    topo_free(t);
}

static void test_spread_order(void **state)
{
    (void)state;
    /* SMT: one PU per core first, the siblings last */
    assert_spread("pack:1 core:4 pu:2", (const int[]){0, 2, 4, 6, 1, 3, 5, 7}, 8);
    /* NUMA: cores dealt out in turn over the nodes, then the siblings */
    assert_spread("numa:2 core:2 pu:2", (const int[]){0, 4, 2, 6, 1, 5, 3, 7}, 8);
    /* two packages of two nodes: every node gets one core before any gets two */
    assert_spread("pack:2 numa:2 core:2 pu:1", (const int[]){0, 2, 4, 6, 1, 3, 5, 7}, 8);
    /* no SMT, no NUMA: plain order */
    assert_spread("pack:1 core:4 pu:1", (const int[]){0, 1, 2, 3}, 4);
}

static void test_bad_synthetic(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(topo_load_synthetic("pack:2 nonsense:3", err, sizeof err));
    assert_non_null(strstr(err, "nonsense"));
}

static void test_class_names(void **state)
{
    (void)state;
    const char *names[] = {"smt", "l2", "llc", "numa", "package", "cross-package"};
    for (int c = 0; c < TOPO_PAIR_CLASS_COUNT; c++) {
        assert_string_equal(topo_pair_class_name((topo_pair_class)c), names[c]);
        assert_int_equal(topo_pair_class_parse(names[c]), c);
    }
    assert_int_equal(topo_pair_class_parse("L2"), -1);
    assert_int_equal(topo_pair_class_parse(""), -1);
    assert_int_equal(topo_pair_class_parse(NULL), -1);
}

/* ------------------------------------------------------------------ */
/* CPU lists                                                           */

static void test_parse_good(void **state)
{
    (void)state;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    char err[256] = "", buf[64];
    assert_int_equal(topo_parse_cpulist("0-3,8", set, err, sizeof err), 0);
    assert_int_equal(hwloc_bitmap_weight(set), 5);
    assert_true(hwloc_bitmap_isset(set, 3));
    assert_false(hwloc_bitmap_isset(set, 4));
    assert_true(hwloc_bitmap_isset(set, 8));
    topo_format_cpulist(set, buf, sizeof buf);
    assert_string_equal(buf, "0-3,8");

    assert_int_equal(topo_parse_cpulist("5", set, err, sizeof err), 0);
    topo_format_cpulist(set, buf, sizeof buf);
    assert_string_equal(buf, "5"); /* the bitmap is replaced, not added to */

    assert_int_equal(topo_parse_cpulist("2-2,0,1", set, err, sizeof err), 0);
    topo_format_cpulist(set, buf, sizeof buf);
    assert_string_equal(buf, "0-2");

    hwloc_bitmap_zero(set);
    topo_format_cpulist(set, buf, sizeof buf);
    assert_string_equal(buf, "");
    hwloc_bitmap_free(set);
}

static void assert_parse_fails(const char *list, const char *mentions)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    char err[256] = "";
    if (topo_parse_cpulist(list, set, err, sizeof err) != -1)
        fail_msg("'%s' parsed", list);
    if (!strstr(err, mentions) || !strstr(err, "accepted") || strchr(err, '\n'))
        fail_msg("'%s': message '%s' should mention '%s' and what is accepted, on one line", list, err, mentions);
    hwloc_bitmap_free(set);
}

static void test_parse_bad(void **state)
{
    (void)state;
    assert_parse_fails("3-1", "3-1");
    assert_parse_fails("a", "'a'");
    assert_parse_fails("", "empty");
    assert_parse_fails("0,,1", "empty item");
    assert_parse_fails("1,", "empty item");
    assert_parse_fails(",1", "empty item");
    assert_parse_fails("0-", "'0-'");
    assert_parse_fails("1-x", "'1-x'");
    assert_parse_fails("1 2", "'1 2'");
    assert_parse_fails("-1", "'-1'");
    assert_parse_fails("0-3,8x", "'8x'");
    assert_parse_fails("70000", "70000");
    assert_parse_fails("0-99999999999999999999", "99999999999999999999");
}

/* ------------------------------------------------------------------ */
/* The real machine                                                    */

static void test_load_real(void **state)
{
    (void)state;
    char err[256] = "";
    topo *t = topo_load(NULL, err, sizeof err);
    assert_non_null(t);
    int n = topo_pu_count(t);
    assert_true(n >= 1);
    cpu_set_t mask;
    assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
    assert_int_equal(n, CPU_COUNT(&mask)); /* what the process may use */
    for (int i = 0; i < n; i++) {
        assert_true(CPU_ISSET(topo_pu(t, i), &mask));
        assert_true(topo_cpu_allowed(t, topo_pu(t, i)));
        if (i > 0)
            assert_true(topo_pu(t, i) > topo_pu(t, i - 1));
    }
    assert_true(topo_core_count(t) >= 1 && topo_core_count(t) <= n);
    assert_true(topo_cache_line(t) >= 16);
    for (int level = 1; level <= topo_cache_levels(t); level++)
        assert_true(topo_cache_size(t, topo_pu(t, 0), level) > 0);
    assert_int_equal(hwloc_bitmap_weight(topo_allowed(t)), n);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    topo_print(t, out);
    fclose(out);
    assert_non_null(strstr(text, "allowed PUs"));
    assert_non_null(strstr(text, "--c2c-all uses all"));
    free(text);
    topo_free(t);
}

static void test_load_cpulist(void **state)
{
    (void)state;
    char err[256] = "", list[32];
    topo *all = topo_load(NULL, err, sizeof err);
    assert_non_null(all);
    snprintf(list, sizeof list, "%d", topo_pu(all, topo_pu_count(all) - 1));
    topo *t = topo_load(list, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(topo_pu_count(t), 1);
    assert_int_equal(topo_pu(t, 0), topo_pu(all, topo_pu_count(all) - 1));
    assert_int_equal(topo_core_count(t), 1);
    topo_free(t);
    topo_free(all);
}

static void test_load_cpulist_refused(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(topo_load("0,65535", err, sizeof err));
    assert_non_null(strstr(err, "--cpus '0,65535'"));
    assert_non_null(strstr(err, "CPU 65535 is not available"));
    assert_non_null(strstr(err, "allowed: "));
    assert_null(strchr(err, '\n'));

    err[0] = '\0';
    assert_null(topo_load("0,,1", err, sizeof err));
    assert_non_null(strstr(err, "--cpus '0,,1'"));
}

/* taskset: a process bound to one CPU sees only that CPU, and a --cpus list
 * naming another one is refused by name. */
static void test_load_honours_affinity(void **state)
{
    (void)state;
    char err[256] = "", list[32];
    cpu_set_t saved, one;
    assert_int_equal(sched_getaffinity(0, sizeof saved, &saved), 0);
    if (CPU_COUNT(&saved) < 2)
        skip();
    int first = -1, second = -1;
    for (int c = 0; c < CPU_SETSIZE && second < 0; c++)
        if (CPU_ISSET(c, &saved))
            *(first < 0 ? &first : &second) = c;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);

    topo *t = topo_load(NULL, err, sizeof err);
    snprintf(list, sizeof list, "%d", second);
    topo *refused = topo_load(list, err, sizeof err);
    sched_setaffinity(0, sizeof saved, &saved);

    assert_non_null(t);
    assert_int_equal(topo_pu_count(t), 1);
    assert_int_equal(topo_pu(t, 0), first);
    assert_null(refused);
    char want[64];
    snprintf(want, sizeof want, "CPU %d is not available", second);
    assert_non_null(strstr(err, want));
    topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_counts),
        cmocka_unit_test(test_big_classes),
        cmocka_unit_test(test_big_representative_pairs),
        cmocka_unit_test(test_big_all_pairs),
        cmocka_unit_test(test_l2_classes),
        cmocka_unit_test(test_shared_l2_without_l3),
        cmocka_unit_test(test_flat_no_shared_cache),
        cmocka_unit_test(test_numa_without_packages),
        cmocka_unit_test(test_numa_spanning_packages),
        cmocka_unit_test(test_single_cpu),
        cmocka_unit_test(test_spread_order),
        cmocka_unit_test(test_bad_synthetic),
        cmocka_unit_test(test_class_names),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_load_real),
        cmocka_unit_test(test_load_cpulist),
        cmocka_unit_test(test_load_cpulist_refused),
        cmocka_unit_test(test_load_honours_affinity),
    };
    return cmocka_run_group_tests_name("topo", tests, NULL, NULL);
}
