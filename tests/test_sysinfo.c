/*
 * test_sysinfo.c — machine.json parses with json-c and holds every key of
 * the fingerprint with the right JSON types; the console summary is short
 * and its warnings agree with the machine (hypervisor flag, counters,
 * libbenchmark debug build, hwloc's against the measured caches), so the
 * test holds on a VM and on bare metal.  The hypervisor is the kernel's
 * word where the kernel says one; each counter column names its backend.
 */
#include "testutil.h"

#include <ctype.h>
#include <json-c/json.h>

#include "memprobe/caches.h"
#include "memprobe/cbench.h"
#include "memprobe/counters.h"
#include "memprobe/pages.h"
#include "memprobe/sysinfo.h"
#include "memprobe/topo.h"

static const char *const top_keys[] = {
    "host", "cpu_vendor", "cpu_model", "cpu_family", "cpu_model_number", "cpu_stepping", "microcode",
    "packages", "cores", "pus", "numa_nodes", "caches", "base_mhz", "max_mhz", "governor", "boost", "smt",
    "hypervisor", "hypervisor_source", "kernel", "glibc", "compiler", "cflags", "libraries",
    "perf_event_paranoid", "counters", "counters_backend", "caches_source", "caches_inferred",
    "memprobe_version", "git_revision", "command_line", "start_utc", "end_utc", "completed", "load_average",
    "allowed_cpus", "pages", "build_flags",
};

typedef struct fixture {
    topo *t;
    sysinfo *s;
    char *summary;   /* test_summary_and_warnings' text: freed by teardown if an assertion fails */
} fixture;

static char *fake_argv[] = {"memprobe", "run", "--filter", "latency/.*", "--out", "it's here", NULL};

static int setup(void **state)
{
    char err[512];
    fixture *f = calloc(1, sizeof *f);
    if (counters_init(NULL, err, sizeof err) != 0)
        return -1;
    f->t = topo_load(NULL, err, sizeof err);
    if (!f->t)
        return -1;
    f->s = sysinfo_collect(f->t, 6, fake_argv);
    *state = f;
    return f->s ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->summary);
    sysinfo_free(f->s);
    topo_free(f->t);
    counters_shutdown();
    free(f);
    return 0;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        print_error("machine.json lacks key '%s'\n", key);
    assert_true(json_object_object_get_ex(o, key, &v));
    return v;
}

static void assert_type(json_object *o, const char *key, json_type type)
{
    json_object *v = member(o, key);
    if (!json_object_is_type(v, type))
        print_error("key '%s' has type %s\n", key, json_type_to_name(json_object_get_type(v)));
    assert_true(json_object_is_type(v, type));
}

static json_object *write_and_parse(fixture *f, int completed, char *dir, size_t dirlen)
{
    char err[512] = "", path[512];
    testutil_scratch(dir, dirlen);
    assert_int_equal(sysinfo_write_json(f->s, dir, completed, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/machine.json", dir);
    json_object *root = json_object_from_file(path);
    if (!root)
        print_error("machine.json does not parse: %s\n", json_util_get_last_err());
    assert_non_null(root);
    return root;
}

static void remove_scratch(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The measured caches: a source, levels growing in size, a note for a fallback. */
static void check_caches_inferred(json_object *inf)
{
    assert_true(json_object_is_type(inf, json_type_object));
    const char *source = json_object_get_string(member(inf, "source"));
    assert_true(!strcmp(source, "probe") || !strcmp(source, "hwloc") || !strcmp(source, "latency family"));
    json_object *levels = member(inf, "levels");
    long long last = 0;
    for (size_t i = 0; i < json_object_array_length(levels); i++) {
        json_object *l = json_object_array_get_idx(levels, i);
        assert_int_equal(json_object_get_int(member(l, "level")), (int)i + 1);
        long long size = json_object_get_int64(member(l, "size_bytes"));
        assert_true(size > last);
        last = size;
    }
    if (!strcmp(source, "hwloc"))
        assert_true(json_object_is_type(member(inf, "note"), json_type_string));
}

static void test_machine_json_has_every_key(void **state)
{
    fixture *f = *state;
    char dir[256];
    sysinfo_mark_end(f->s);   /* as a run does once it has measured */
    json_object *root = write_and_parse(f, 1, dir, sizeof dir);
    for (size_t i = 0; i < sizeof top_keys / sizeof top_keys[0]; i++)
        member(root, top_keys[i]);

    assert_type(root, "host", json_type_string);
    assert_type(root, "cpu_model", json_type_string);
    assert_type(root, "cores", json_type_int);
    assert_type(root, "pus", json_type_int);
    assert_true(json_object_get_int(member(root, "cores")) >= 1);
    assert_true(json_object_get_int(member(root, "pus")) >= json_object_get_int(member(root, "cores")));
    assert_type(root, "completed", json_type_boolean);
    assert_true(json_object_get_boolean(member(root, "completed")));
    assert_type(root, "end_utc", json_type_string);
    assert_type(root, "start_utc", json_type_string);
    assert_int_equal(strlen(json_object_get_string(member(root, "start_utc"))), strlen("2024-01-01T00:00:00Z"));
    assert_string_equal(json_object_get_string(member(root, "smt")),
                        topo_has_smt(f->t) ? "on" : "off");
    const char *boost = json_object_get_string(member(root, "boost"));
    assert_true(!strcmp(boost, "on") || !strcmp(boost, "off") || !strcmp(boost, "unknown"));
    assert_string_equal(json_object_get_string(member(root, "command_line")),
                        "memprobe run --filter 'latency/.*' --out 'it'\\''s here'");

    assert_type(root, "caches", json_type_array);
    json_object *caches = member(root, "caches");
    for (size_t i = 0; i < json_object_array_length(caches); i++) {
        json_object *c = json_object_array_get_idx(caches, i);
        static const char *const ck[] = {"level", "size_bytes", "line_bytes", "shared_by_pus"};
        for (size_t k = 0; k < 4; k++)
            assert_type(c, ck[k], json_type_int);
        assert_true(json_object_get_int64(member(c, "size_bytes")) > 0);
    }

    assert_type(root, "libraries", json_type_object);
    json_object *libs = member(root, "libraries");
    static const char *const lk[] = {"papi", "hwloc", "benchmark", "libgc"};
    for (size_t k = 0; k < 4; k++)
        assert_type(libs, lk[k], json_type_string);
    assert_type(libs, "benchmark_debug_build", json_type_boolean);
    assert_int_equal(json_object_get_boolean(member(libs, "benchmark_debug_build")), cbench_library_is_debug() != 0);

    /* the page settings families read their page policy against */
    assert_type(root, "pages", json_type_object);
    json_object *pages = member(root, "pages");
    assert_int_equal(json_object_get_int64(member(pages, "base_page_bytes")), sysconf(_SC_PAGESIZE));
    char thp[64];
    if (pages_thp_setting("enabled", thp, sizeof thp) == 0)
        assert_string_equal(json_object_get_string(member(pages, "thp_enabled")), thp);
    else
        assert_null(member(pages, "thp_enabled"));
    member(pages, "thp_defrag");
    assert_type(pages, "hugetlb", json_type_array);
    pages_hugetlb_pool pools[16];
    assert_int_equal((int)json_object_array_length(member(pages, "hugetlb")), pages_hugetlb_pools(pools, 16));

    /* benches/ is built with hardening pinned off, and the compiler says so */
    assert_type(root, "build_flags", json_type_object);
    json_object *flags = member(root, "build_flags"), *benches = member(flags, "benches");
    assert_type(member(flags, "harness"), "flags", json_type_string);
    assert_non_null(strstr(json_object_get_string(member(benches, "flags")), "-fno-stack-protector"));
    assert_string_equal(json_object_get_string(member(benches, "stack_protector")), "none");
    const char *clash = json_object_get_string(member(benches, "stack_clash_protection"));
    assert_true(!strcmp(clash, "off") || !strcmp(clash, "unknown"));
    const char *cf = json_object_get_string(member(benches, "cf_protection"));
    assert_true(!strcmp(cf, "none") || !strcmp(cf, "n/a"));
    assert_string_equal(json_object_get_string(member(benches, "fortify_source")), "0");

    assert_type(root, "counters", json_type_array);
    json_object *counters = member(root, "counters");
    assert_int_equal((int)json_object_array_length(counters), counters_event_count());
    for (int i = 0; i < counters_event_count(); i++) {
        json_object *c = json_object_array_get_idx(counters, (size_t)i);
        assert_string_equal(json_object_get_string(member(c, "column")), counters_event_column(i));
        assert_string_equal(json_object_get_string(member(c, "papi_name")), counters_event_papi_name(i));
        assert_int_equal(json_object_get_boolean(member(c, "available")), counters_event_available(i));
        assert_int_equal(json_object_is_type(member(c, "reason"), json_type_string), !counters_event_available(i));
        const char *backend = counters_event_backend(i);   /* the backend of each column */
        if (backend)
            assert_string_equal(json_object_get_string(member(c, "backend")), backend);
        else
            assert_null(member(c, "backend"));
    }
    assert_string_equal(json_object_get_string(member(root, "counters_backend")), counters_backend_name());
    check_caches_inferred(member(root, "caches_inferred"));
    json_object_put(root);

    /* an interrupted run is marked incomplete */
    char dir2[256];
    root = write_and_parse(f, 0, dir2, sizeof dir2);
    assert_false(json_object_get_boolean(member(root, "completed")));
    json_object_put(root);
    remove_scratch(dir);
    remove_scratch(dir2);
}

static void test_write_json_unwritable_folder(void **state)
{
    fixture *f = *state;
    char err[512] = "";
    assert_int_equal(sysinfo_write_json(f->s, "/nonexistent/memprobe-run", 1, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
}

static void test_get_matches_json(void **state)
{
    fixture *f = *state;
    assert_string_equal(sysinfo_get(f->s, "host"), sysinfo_host(f->s));
    assert_null(strchr(sysinfo_host(f->s), '.'));
    assert_non_null(sysinfo_get(f->s, "cpu_model"));
    assert_non_null(sysinfo_get(f->s, "cores"));
    assert_true(atoi(sysinfo_get(f->s, "cores")) >= 1);
    assert_null(sysinfo_get(f->s, "no_such_key"));
    assert_true(sysinfo_ram_bytes() > (1ull << 20));
}

static int has_warning(const sysinfo *s, const char *needle)
{
    for (int i = 0; i < sysinfo_warning_count(s); i++)
        if (strstr(sysinfo_warning(s, i), needle))
            return 1;
    return 0;
}

static int cpuinfo_hypervisor_flag(void)
{
    char *out = NULL;
    int rc = testutil_run(&out, "grep -qw hypervisor /proc/cpuinfo");
    free(out);
    return rc == 0;
}

static void test_summary_and_warnings(void **state)
{
    fixture *f = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    sysinfo_print_summary(f->s, out);
    fclose(out);
    f->summary = buf;
    print_message("%s", buf);

    int summary_lines = 0, warning_lines = 0;
    for (char *line = buf; *line; line = strchr(line, '\n') + 1) {
        if (strncmp(line, "warning: ", 9) == 0)
            warning_lines++;
        else
            summary_lines++;
        assert_non_null(strchr(line, '\n'));
    }
    assert_in_range(summary_lines, 3, 5);
    assert_int_equal(warning_lines, sysinfo_warning_count(f->s));
    for (int i = 0; i < sysinfo_warning_count(f->s); i++)
        assert_non_null(strstr(buf, sysinfo_warning(f->s, i)));
    assert_non_null(strstr(buf, sysinfo_get(f->s, "cpu_model")));

    /* VM warning: present iff a hypervisor was detected; the cpuinfo flag implies one */
    int virt = strcmp(sysinfo_get(f->s, "hypervisor"), "none") != 0;
    assert_int_equal(has_warning(f->s, "hypervisor"), virt);
    if (cpuinfo_hypervisor_flag())
        assert_true(virt);
    assert_int_equal(has_warning(f->s, "no hardware counters"), !counters_hardware_countable());
    assert_int_equal(has_warning(f->s, "built as DEBUG"), cbench_library_is_debug() != 0);
    const char *gov = sysinfo_get(f->s, "governor");
    assert_int_equal(has_warning(f->s, "frequency scaling not pinned"), strcmp(gov, "performance") != 0);
    assert_int_equal(has_warning(f->s, "boost/turbo is on"), strcmp(sysinfo_get(f->s, "boost"), "on") == 0);
    assert_null(sysinfo_warning(f->s, sysinfo_warning_count(f->s)));
    free(buf);
    f->summary = NULL;
}

/* The kernel's word on the hypervisor wins over CPUID's and PAPI's, which
 * appear as second fields only where they say something else. */
static void test_hypervisor_from_kernel(void **state)
{
    fixture *f = *state;
    const char *source = NULL;
    const char *name = sysinfo_hypervisor(&source);
    assert_string_equal(sysinfo_get(f->s, "hypervisor"), name);
    assert_string_equal(sysinfo_get(f->s, "hypervisor_source"), source);
    print_message("hypervisor: %s (from %s)\n", name, source);
    char *out = NULL;
    int sys = testutil_run(&out, "cat /sys/hypervisor/type") == 0 && out && out[0];
    free(out);
    out = NULL;
    if (sys) {
        assert_string_equal(source, "/sys/hypervisor/type");
    } else if (cpuinfo_hypervisor_flag() && testutil_run(&out, "dmesg 2>/dev/null | grep -m1 -o 'Hypervisor detected: .*'") == 0) {
        char want[64];
        snprintf(want, sizeof want, "%s", out + strlen("Hypervisor detected: "));
        want[strcspn(want, "\n")] = '\0';
        for (char *p = want; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        assert_string_equal(name, want);   /* e.g. "pvm", where CPUID says "bhyve" */
        assert_string_equal(source, "the kernel log");
    }
    free(out);
    const char *cpuid = sysinfo_get(f->s, "hypervisor_cpuid"), *papi = sysinfo_get(f->s, "hypervisor_papi");
    if (cpuid)
        assert_string_not_equal(cpuid, name);
    if (papi)
        assert_string_not_equal(papi, name);
}

/* The caches warning is there iff hwloc's LLC and the measured one differ
 * by more than 2x; a latency ladder recorded later replaces the probe's in
 * machine.json (run last: it changes the process's inferred caches). */
static void test_caches_warning_and_ladder(void **state)
{
    fixture *f = *state;
    unsigned long long hwloc_llc = topo_cache_size(f->t, topo_pu(f->t, 0), topo_cache_levels(f->t));
    char text[512];
    int disagree = caches_disagreement(caches_inferred(), hwloc_llc, text, sizeof text);
    assert_int_equal(has_warning(f->s, "last-level cache"), disagree);
    if (!hwloc_llc)
        skip();   /* hwloc reports no cache here: nothing to disagree with */

    caches_levels ladder;
    memset(&ladder, 0, sizeof ladder);
    ladder.n = 1;
    ladder.level[0] = (caches_level){hwloc_llc / 16 + 4096, 2.0};   /* 16x below hwloc's: must warn */
    ladder.memory_ns = 100.0;
    snprintf(ladder.source, sizeof ladder.source, "latency family");
    caches_record_ladder(&ladder);
    char dir[256];
    json_object *root = write_and_parse(f, 1, dir, sizeof dir);
    json_object *inf = member(root, "caches_inferred");
    assert_string_equal(json_object_get_string(member(inf, "source")), "latency family");
    check_caches_inferred(inf);
    json_object *warnings = member(root, "warnings");
    int found = 0;
    for (size_t i = 0; i < json_object_array_length(warnings); i++)
        found += strstr(json_object_get_string(json_object_array_get_idx(warnings, i)), "latency family") != NULL;
    assert_int_equal(found, 1);   /* one caches warning, from the better ladder */
    assert_true(has_warning(f->s, "last-level cache"));
    json_object_put(root);
    remove_scratch(dir);
}

/* SMT-sibling warning follows the allowed set: on a synthetic SMT machine
 * with every PU allowed it must appear; with one PU per core it must not. */
static void test_smt_sibling_warning(void **state)
{
    (void)state;
    char err[512];
    topo *smt = topo_load_synthetic("pack:1 core:2 pu:2", err, sizeof err);
    assert_non_null(smt);
    sysinfo *s = sysinfo_collect(smt, 1, fake_argv);
    assert_true(has_warning(s, "SMT siblings in use"));
    assert_string_equal(sysinfo_get(s, "smt"), "on");
    assert_string_equal(sysinfo_get(s, "pus"), "4");
    sysinfo_free(s);
    topo_free(smt);

    topo *nosmt = topo_load_synthetic("pack:1 core:4 pu:1", err, sizeof err);
    assert_non_null(nosmt);
    s = sysinfo_collect(nosmt, 1, fake_argv);
    assert_false(has_warning(s, "SMT siblings in use"));
    assert_string_equal(sysinfo_get(s, "smt"), "off");
    sysinfo_free(s);
    topo_free(nosmt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine_json_has_every_key),
        cmocka_unit_test(test_write_json_unwritable_folder),
        cmocka_unit_test(test_get_matches_json),
        cmocka_unit_test(test_summary_and_warnings),
        cmocka_unit_test(test_smt_sibling_warning),
        cmocka_unit_test(test_hypervisor_from_kernel),
        cmocka_unit_test(test_caches_warning_and_ladder),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
