/*
 * test_install.c — `make install` into a scratch DESTDIR: only memprobe in
 * bin/, the Go companion in libexec/memprobe/, plots, claims and its build
 * records in share/memprobe/, the man page and bash completion; then a quick
 * filtered run of the installed program, which must find its data (the
 * report's plots and claims) and, where Go is installed, its helper (a Go
 * row measured) from the installed folders, not from the source tree.
 * Installs the normal build (bin/memprobe): skipped, with the reason, when
 * the tests run another build ($MEMPROBE_BIN: sanitizers, cross builds).
 */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>

#define PREFIX "/opt/memprobe-test"

static int exists(const char *root, const char *path)
{
    char full[PATH_MAX];
    struct stat st;
    snprintf(full, sizeof full, "%s%s%s", root, PREFIX, path);
    return stat(full, &st) == 0;
}

/* The entries of root/PREFIX/bin. */
static int bin_entries(const char *root, char *names, size_t len)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s%s/bin", root, PREFIX);
    DIR *d = opendir(dir);
    int n = 0;
    names[0] = '\0';
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        n++;
        snprintf(names + strlen(names), len - strlen(names), "%s ", e->d_name);
    }
    if (d)
        closedir(d);
    return n;
}

static void test_install_into_destdir_and_run(void **state)
{
    (void)state;
    const char *other = getenv("MEMPROBE_BIN");
    if (other && *other && strcmp(other, "./bin/memprobe") != 0) {
        print_message("skipped: the tests run %s; make install installs bin/memprobe\n", other);
        skip();
    }
    char root[64], *out = NULL;
    testutil_scratch(root, sizeof root);
    int rc = testutil_run(&out, "make --no-print-directory install DESTDIR=%s PREFIX=" PREFIX, root);
    if (rc != 0)
        fail_msg("make install failed (%d):\n%s", rc, out);
    free(out);

    char names[1024];
    assert_int_equal(bin_entries(root, names, sizeof names), 1);
    assert_string_equal(names, "memprobe ");
    assert_true(exists(root, "/share/memprobe/plots/latency.gp"));
    assert_true(exists(root, "/share/memprobe/claims"));
    assert_true(exists(root, "/share/man/man1/memprobe.1"));
    assert_true(exists(root, "/share/bash-completion/completions/memprobe"));
    int go_built = access("bin/memprobe-go", X_OK) == 0;
    if (go_built) {
        assert_true(exists(root, "/libexec/memprobe/memprobe-go"));
        assert_true(exists(root, "/share/memprobe/memprobe-go.escape.txt"));
    }

    /* the installed program, run from elsewhere, with nothing pointing it at the tree */
    char run[PATH_MAX];
    snprintf(run, sizeof run, "%s/run", root);
    rc = testutil_run(&out, "cd / && env -u MEMPROBE_GO -u MEMPROBE_DATADIR timeout 300 %s%s/bin/memprobe run --quick "
                      "--counters none --filter 'harness/clock_now$|passing/go_fastpath$' --out %s",
                      root, PREFIX, run);
    if (rc != 0)
        fail_msg("the installed memprobe failed (%d):\n%s", rc, out);
    free(out);
    output_table *t = testutil_read_csv(run, "results.csv");
    assert_non_null(t);
    assert_true(testutil_find_row(t, "variant", "clock_now", "status", "ok") >= 0);
    if (go_built)   /* the helper was found in libexec/memprobe */
        assert_true(testutil_find_row(t, "variant", "go_fastpath", "status", "ok") >= 0);
    output_table_free(t);
    char *md = NULL;   /* the report found the installed claims */
    assert_int_equal(testutil_run(&md, "cat %s/report.md", run), 0);
    assert_null(strstr(md, "No claim files found"));
    assert_non_null(strstr(md, "## Claims"));
    free(md);
    testutil_run(NULL, "rm -rf %s", root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_into_destdir_and_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
