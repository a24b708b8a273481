/*
 * test_report.c — plots plumbing and the report: which scripts run (the
 * "# inputs:" convention), a broken script costs one line and nothing else,
 * report.md/report.html are written with every image they reference present,
 * the HTML needs nothing from outside the folder, the report still builds
 * without gnuplot; the sections come in the order a reader needs them
 * (summary with one claims table per claim file and the key numbers, plots,
 * details with the per-row tables and the machine collapsed), checked in
 * the HTML and as headless Chromium lays it out at 1400 px, where every image
 * loads (skipped only when chromium is not installed); the key numbers of a
 * real default run; and the families are described as the build that ran
 * them described them (the run's families.json), not as this one does.
 * Uses copies of tests/fixtures/run-a and run-default and the fixture data
 * folder tests/fixtures/datadir (plots/ and claims/).
 */
#include "testutil.h"

#include <json-c/json.h>
#include <sys/stat.h>

#include "memprobe/bench.h"
#include "memprobe/xalloc.h"

#include "analysis/keynumbers.h"
#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/runfolder.h"

#define FIX "tests/fixtures/"
#define DATADIR FIX "datadir"
#define CHROMIUM "/usr/bin/chromium"

static int file_exists(const char *dir, const char *name)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && st.st_size > 0;
}

static char *read_file(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        buf[0] = '\0';
    fclose(f);
    return buf;
}

/* A scratch copy of a fixture run folder. */
static void copy_run(const char *fixture, char *dir, size_t len)
{
    testutil_scratch(dir, len);
    assert_int_equal(testutil_run(NULL, "cp -r %s/. %s/", fixture, dir), 0);
}

static void test_script_inputs_convention(void **state)
{
    (void)state;
    char **inputs;
    size_t n = plot_script_inputs(DATADIR "/plots/hoard.gp", &inputs);
    assert_int_equal(n, 1);
    assert_string_equal(inputs[0], "rss_series.csv");
    xalloc_free_list(inputs, n);
    assert_int_equal(plot_script_inputs(DATADIR "/plots/passing.gp", &inputs), 0);
    char err[256];
    runfolder *a = runfolder_open(FIX "run-a", err, sizeof err), *e = runfolder_open(FIX "run-empty", err, sizeof err);
    assert_non_null(a);
    assert_non_null(e);
    assert_true(plot_script_applies(DATADIR "/plots/alloc.gp", a));     /* results.csv has alloc rows */
    assert_false(plot_script_applies(DATADIR "/plots/alloc.gp", e));    /* ... but not this one */
    assert_false(plot_script_applies(DATADIR "/plots/hoard.gp", a));    /* rss_series.csv absent */
    assert_true(plot_script_applies(DATADIR "/plots/passing.gp", a));   /* no inputs line: family rows */
    assert_false(plot_script_applies("plots/compare.gp", a));           /* needs compare_families.csv */
    runfolder_free(a);
    runfolder_free(e);
}

/* Every src="..." of an <img> in html names a file in dir; returns the count. */
static int assert_images_resolve(const char *dir, const char *html)
{
    int n = 0;
    for (const char *p = html; (p = strstr(p, "<img src=\"")); n++) {
        p += strlen("<img src=\"");
        const char *end = strchr(p, '"');
        assert_non_null(end);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(end - p), p);
        if (!file_exists(dir, name)) {
            print_error("report.html references %s, missing from %s\n", name, dir);
            fail();
        }
    }
    return n;
}

static void test_report_command(void **state)
{
    (void)state;
    char dir[64], *out;
    copy_run(FIX "run-a", dir, sizeof dir);
    int rc = testutil_run(&out, "MEMPROBE_DATADIR=" DATADIR " %s report %s", MEMPROBE_BIN, dir);
    int gnuplot = plot_gnuplot_available();
    assert_int_equal(rc, gnuplot ? 1 : 0);   /* the fixture's passing.gp fails: the rest is written, exit status 1 */
    if (gnuplot) {
        assert_non_null(strstr(out, "plots: passing.gp: gnuplot failed:"));   /* one line, then go on */
        assert_true(file_exists(dir, "alloc.png"));
        assert_true(file_exists(dir, "alloc.svg"));
        assert_false(file_exists(dir, "hoard.png"));
    }
    assert_non_null(strstr(out, "18 claims: 7 hold, 1 do not hold, 3 partly, 7 not measurable here"));
    /* the terminal: the key numbers above the claims table */
    const char *keys = strstr(out, "key numbers of this run:\n  64 B on the stack, allocated and touched");
    assert_non_null(keys);
    assert_true(keys < strstr(out, "CLAIM "));
    char last[256];
    snprintf(last, sizeof last, "report: %s/report.html\n", dir);
    assert_true(strlen(out) >= strlen(last));
    assert_string_equal(out + strlen(out) - strlen(last), last);   /* ends with the report's path */
    free(out);

    char *html = read_file(dir, "report.html"), *md = read_file(dir, "report.md");
    assert_non_null(html);
    assert_non_null(md);
    int images = assert_images_resolve(dir, html);
    if (gnuplot)
        assert_true(images >= 1);
    assert_null(strstr(html, "<script"));         /* self-contained: inline CSS only */
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "src=\"http"));
    assert_non_null(strstr(html, "<style>"));
    /* the parts a reader needs */
    assert_non_null(strstr(md, "### Machine"));
    assert_non_null(strstr(md, "Test CPU A"));
    assert_non_null(strstr(md, "running under a hypervisor (kvm)"));
    assert_non_null(strstr(md, "### Claims: verdicts.ini"));
    assert_non_null(strstr(md, "too few CPUs: needs 4, this run had 2"));
    assert_non_null(strstr(md, "### alloc"));
    assert_non_null(strstr(md, "| alloc/heap_malloc_free/size:64 | 12 | 10-14 | 5 |"));
    assert_non_null(strstr(md, "### What could not be measured here"));
    assert_non_null(strstr(md, "counter cycles (PAPI_TOT_CYC): no PMU in this VM"));
    if (gnuplot)
        assert_non_null(strstr(md, "plot passing.gp: gnuplot failed:"));   /* and the report says which plot failed */
    assert_non_null(strstr(md, "visibility/iriw skipped: needs 4 allowed CPUs, 2 allowed"));
    assert_null(strstr(md, "report.md.tmp"));
    free(html);
    free(md);
    testutil_run(NULL, "rm -rf %s", dir);
}

/* Each of heads is found in text, in this order. */
static void assert_in_order(const char *text, const char *const *heads, size_t n)
{
    const char *at = text;
    for (size_t i = 0; i < n; i++) {
        const char *next = strstr(at, heads[i]);
        if (!next) {
            print_error("'%s' missing%s%s\n", heads[i], i ? " after " : "", i ? heads[i - 1] : "");
            fail();
        }
        at = next + strlen(heads[i]);
    }
}

/* The first screen holds what a reader came for; the long parts are
 * collapsed at the end; one claims table per claim file; caches readable. */
static void test_report_reads_top_down(void **state)
{
    (void)state;
    char dir[64], data[64];
    copy_run(FIX "run-default", dir, sizeof dir);
    testutil_scratch(data, sizeof data);
    assert_int_equal(testutil_run(NULL, "mkdir -p %s/claims && cp claims/go-memory-model.ini %s/claims/ && "
                                  "cp " FIX "claims/engine.ini %s/claims/ && ln -s $PWD/plots %s/plots",
                                  data, data, data, data), 0);
    char *out;
    assert_int_equal(testutil_run(&out, "MEMPROBE_DATADIR=%s %s report --no-plots %s", data, MEMPROBE_BIN, dir), 0);
    free(out);
    char *html = read_file(dir, "report.html");
    assert_non_null(html);
    static const char *const order[] = {
        "<h2>Summary</h2>", "<h3>Claims: engine.ini</h3>", "<h3>Claims: go-memory-model.ini</h3>",
        "<td class=\"partly\">partly</td>", "<h3>Key numbers</h3>", "L1 1.06 ns (4 KiB)",
        "<h2>Plots: what was measured</h2>", "<h3>latency</h3>", "<h2>Details</h2>", "<h3>Evidence: engine.ini</h3>",
        "<h3>Evidence: go-memory-model.ini</h3>", "largest that does: 256 MiB",
        "<h3>How the key numbers were computed</h3>", "<h3>Per-benchmark numbers</h3>",
        "<details><summary>latency: per-benchmark table</summary>", "<h3>Machine</h3>",
        "<details><summary>machine.json: AMD EPYC", ("L1d 48 KiB x2, 1 CPU each; L2 1 MiB x2, 1 CPU each; "
         "L3 32 MiB, shared by 2 CPUs"), "</details>", "<h3>What could not be measured here</h3>",
    };
    assert_in_order(html, order, sizeof order / sizeof order[0]);
    /* coverage beside each verdict; a summary row per claim */
    assert_non_null(strstr(html, "4 hold, 0 fail; 4 of 5 checks measurable: c_release_acquire_mp: control shows no "
                                 "effect: x86-TSO forbids"));
    /* no per-row table before the plots: the rows come in the details */
    assert_true(strstr(html, "latency/chase/working_set:4096") > strstr(html, "<h2>Details</h2>"));
    free(html);
    testutil_run(NULL, "rm -rf %s %s", dir, data);
}

/* The key numbers of a real default run, each from its entry. */
static void test_key_numbers(void **state)
{
    (void)state;
    char err[256];
    runfolder *run = runfolder_open(FIX "run-default", err, sizeof err);
    assert_non_null(run);
    keynumbers_line *k;
    size_t n = keynumbers_collect(run, &k);
    static const char *const want[] = {
        "L1 1.06 ns (4 KiB); L2 4.07 ns (512 KiB); L3 127 ns (16 MiB); DRAM 276 ns (256 MiB)", "llc: 210 ns",
        "llc: 280 ns", "llc: 271 ns", "1.56 ns", "glibc: 6.9 ns; jemalloc: 7.65 ns; mimalloc: 8.08 ns; tcmalloc: 4.16 ns",
        "53.4 ns", "1 MiB: 977 µs; 4 MiB: 2.65 ms;", "16 MiB: 1.61 ms;", "2+2w: 0; lb: 0; mp: 0; sb: 19635.5",
    };
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        if (!strstr(k[i].value, want[i])) {
            print_error("%s: '%s', want '%s'\n", k[i].what, k[i].value, want[i]);
            fail();
        }
    keynumbers_free(k, n);
    runfolder_free(run);
    /* a run without those families has none of them */
    run = runfolder_open(FIX "run-empty", err, sizeof err);
    assert_int_equal(keynumbers_collect(run, &k), 0);
    keynumbers_free(k, 0);
    runfolder_free(run);
}

static void test_report_without_gnuplot(void **state)
{
    (void)state;
    char dir[64];
    copy_run(FIX "run-a", dir, sizeof dir);
    const char *old_path = getenv("PATH");
    char *saved = old_path ? strdup(old_path) : NULL;
    setenv("PATH", "/nonexistent", 1);
    setenv("MEMPROBE_DATADIR", DATADIR, 1);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int rc = report_after_run(dir, out, NULL, NULL);
    fclose(out);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    unsetenv("MEMPROBE_DATADIR");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "gnuplot not found"));
    assert_non_null(strstr(text, "apt-get install gnuplot-nox"));
    assert_non_null(strstr(text, "report.html"));
    assert_true(file_exists(dir, "report.html"));
    assert_false(file_exists(dir, "alloc.png"));
    char *md = read_file(dir, "report.md");
    assert_non_null(strstr(md, "gnuplot not found"));   /* the report says why there are no plots */
    free(md);
    free(text);
    testutil_run(NULL, "rm -rf %s", dir);
}

static void test_report_of_empty_run(void **state)
{
    (void)state;
    char dir[64], *out;
    copy_run(FIX "run-empty", dir, sizeof dir);
    int rc = testutil_run(&out, "MEMPROBE_DATADIR=" DATADIR " %s report %s", MEMPROBE_BIN, dir);
    assert_int_equal(rc, 0);
    free(out);
    char *md = read_file(dir, "report.md");
    assert_non_null(md);
    assert_non_null(strstr(md, "No machine.json"));
    assert_non_null(strstr(md, "results.csv holds no rows."));
    free(md);
    testutil_run(NULL, "rm -rf %s", dir);
}

/* A run writes families.json with every family of its build; the report
 * takes a family's description from there, so an old run keeps the words of
 * the build that produced it. */
static void test_report_describes_families_from_the_run(void **state)
{
    (void)state;
    char run[128], path[320];
    free(testutil_memprobe_run(run, sizeof run, NULL, "--quick --counters none --filter ^latency/"));
    snprintf(path, sizeof path, "%s/families.json", run);
    json_object *root = json_object_from_file(path), *list;
    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "families", &list));
    assert_int_equal(json_object_array_length(list), bench_family_count());
    json_object *latency = NULL;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *f = json_object_array_get_idx(list, i), *name;
        assert_true(json_object_object_get_ex(f, "name", &name));
        assert_string_equal(json_object_get_string(name), bench_family_at(i)->name);
        if (strcmp(json_object_get_string(name), "latency") == 0)
            latency = f;
    }
    assert_non_null(latency);
    /* the build that wrote this run said something else about latency */
    json_object_object_add(latency, "description", json_object_new_string("Words of an older build."));
    assert_int_equal(json_object_to_file(path, root), 0);
    json_object_put(root);
    assert_int_equal(testutil_run(NULL, "%s report --no-plots %s", MEMPROBE_BIN, run), 0);
    char *md = read_file(run, "report.md");
    assert_non_null(md);
    assert_non_null(strstr(md, "Words of an older build."));
    assert_null(strstr(md, bench_family_find("latency")->description));
    assert_non_null(strstr(md, "families not in this run: harness, alloc"));
    free(md);
    testutil_remove_run(run);
}

static void test_report_bad_input(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(testutil_run(&out, "%s report /nonexistent/run", MEMPROBE_BIN), 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "/nonexistent/run"));
    free(out);
    assert_int_equal(testutil_run(&out, "%s plot --bogus", MEMPROBE_BIN), 2);
    assert_int_equal(testutil_count_lines(out), 1);
    free(out);
    assert_int_equal(testutil_run(&out, "%s plot " FIX "claims", MEMPROBE_BIN), 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "no results.csv"));
    free(out);
    assert_int_equal(testutil_run(&out, "%s report --help", MEMPROBE_BIN), 0);
    free(out);
}

/* Headless Chromium lays out a copy of report.html (window 1400x900) with a
 * probe script added, which prints, per <img>, its naturalWidth (0 = did not
 * load), the section headings in the order they are laid out, and where the
 * summary's first claims table starts (it must be on the first screen). */
static void test_report_renders_in_chromium(void **state)
{
    (void)state;
    if (access(CHROMIUM, X_OK) != 0) {
        print_message("SKIP: %s not installed (scripts/deps.sh test installs it)\n", CHROMIUM);
        skip();
    }
    if (!plot_gnuplot_available()) {
        print_message("SKIP: gnuplot not installed, the report has no images to load\n");
        skip();
    }
    char dir[64], *out;
    copy_run(FIX "run-a", dir, sizeof dir);
    assert_int_equal(testutil_run(&out, "MEMPROBE_DATADIR=" DATADIR " %s report %s", MEMPROBE_BIN, dir), 1);
    free(out);   /* 1: the fixture's passing.gp fails on purpose; the report and the other plots are written */
    assert_int_equal(testutil_run(NULL,
        "sed 's#</body>#<script>window.addEventListener(\"load\",function(){var r=[],h=[];"
        "for(const i of document.images)r.push(i.getAttribute(\"src\")+\"=\"+i.naturalWidth);"
        "for(const e of document.querySelectorAll(\"h2,h3\"))h.push(e.tagName+\":\"+e.textContent);"
        "var t=document.querySelector(\"table.claims\");"
        "var p=document.createElement(\"pre\");p.textContent=\"IMG\"+\"CHECK \"+document.images.length+\" \"+r.join(\" \")"
        "+String.fromCharCode(10)+\"SEC\"+\"TIONS \"+h.join(\"|\")+String.fromCharCode(10)+\"CLAIMS\"+\"TOP \""
        "+Math.round(t.getBoundingClientRect().top);"
        "document.body.appendChild(p);});</script></body>#' %s/report.html > %s/probe.html", dir, dir), 0);
    int rc = testutil_run(&out, "timeout 90 " CHROMIUM " --headless --no-sandbox --disable-gpu "
                          "--disable-background-networking --disable-dev-shm-usage --virtual-time-budget=5000 "
                          "--window-size=1400,900 --user-data-dir=%s/chromium-profile --dump-dom file://%s/probe.html "
                          "2>/dev/null", dir, dir);
    assert_int_equal(rc, 0);
    const char *check = strstr(out, "IMGCHECK ");
    if (!check) {
        print_error("no IMGCHECK line in Chromium's DOM dump\n");
        fail();
    }
    int n = atoi(check + strlen("IMGCHECK "));
    assert_true(n >= 1);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(check, "<\n"), check);
    if (strstr(line, "=0 ") || (strlen(line) > 2 && strcmp(line + strlen(line) - 2, "=0") == 0)) {
        print_error("an image did not load: %s\n", line);
        fail();
    }
    assert_non_null(strstr(line, "alloc.png="));
    /* the order a reader meets the sections in, as laid out */
    const char *sections = strstr(out, "SECTIONS ");
    assert_non_null(sections);
    static const char *const order[] = {"H2:Summary|H3:Claims: verdicts.ini|H3:Key numbers|H2:Plots: what was measured|",
                                        "|H2:Details|H3:Evidence: verdicts.ini|H3:How the key numbers were computed|"
                                        "H3:Per-benchmark numbers|H3:Machine|H3:What could not be measured here"};
    assert_in_order(sections, order, 2);
    /* the claims table starts on the first screen */
    const char *top = strstr(out, "CLAIMSTOP ");
    assert_non_null(top);
    int y = atoi(top + strlen("CLAIMSTOP "));
    if (y <= 0 || y >= 900) {
        print_error("the claims table starts at %d px, not on the first 900 px\n", y);
        fail();
    }
    free(out);
    testutil_run(NULL, "rm -rf %s", dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script_inputs_convention),
        cmocka_unit_test(test_report_command),
        cmocka_unit_test(test_report_reads_top_down),
        cmocka_unit_test(test_key_numbers),
        cmocka_unit_test(test_report_without_gnuplot),
        cmocka_unit_test(test_report_of_empty_run),
        cmocka_unit_test(test_report_describes_families_from_the_run),
        cmocka_unit_test(test_report_bad_input),
        cmocka_unit_test(test_report_renders_in_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
