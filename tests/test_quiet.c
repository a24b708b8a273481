/*
 * test_quiet.c — what libraries print while memprobe calls them is caught
 * (C stdio, raw write(2), on both stdout and stderr), given back as text,
 * labelled line by line, and nothing of it reaches the real descriptors;
 * what memprobe prints before and after is untouched.
 */
#include "testutil.h"

#include <fcntl.h>

#include "memprobe/quiet.h"

/* A library that speaks: buffered and unbuffered, both streams. */
static void chatty_library(void)
{
    printf("Failed to open drm root directory /sys/class/drm.\n");   /* left in stdio's buffer */
    fprintf(stderr, "Exception caught: rsmi_init.\n");
    ssize_t w = write(STDERR_FILENO, "raw\n", 4);
    (void)w;
}

/* Run chatty_library between quiet_begin/end with stdout and stderr
 * pointing at a file; returns what reached the file, captures into text. */
static char *run_captured(char *text, size_t len, size_t *printed)
{
    char path[] = "/tmp/memprobe-quiet-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(NULL);
    int out = dup(STDOUT_FILENO), err = dup(STDERR_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    printf("before\n");
    quiet_capture q;
    quiet_begin(&q);
    chatty_library();
    *printed = quiet_end(&q, text, len);
    printf("after\n");
    fflush(NULL);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    close(out);
    close(err);
    char *seen = calloc(1, 4096);
    assert_non_null(seen);
    ssize_t got = pread(fd, seen, 4095, 0);
    assert_true(got >= 0);
    close(fd);
    unlink(path);
    return seen;
}

static void test_library_output_is_captured(void **state)
{
    (void)state;
    char text[512];
    size_t printed = 0;
    char *seen = run_captured(text, sizeof text, &printed);
    assert_string_equal(seen, "before\nafter\n");   /* nothing foreign reached the real stdout/stderr */
    assert_non_null(strstr(text, "drm root directory"));
    assert_non_null(strstr(text, "rsmi_init"));
    assert_non_null(strstr(text, "raw"));
    assert_int_equal(printed, strlen(text));
    free(seen);
}

static void test_capture_truncates_and_discards(void **state)
{
    (void)state;
    char small[8];
    size_t printed = 0;
    char *seen = run_captured(small, sizeof small, &printed);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_true(printed > sizeof small);   /* the count is of what was printed */
    free(seen);
    seen = run_captured(NULL, 0, &printed);   /* discarded */
    assert_string_equal(seen, "before\nafter\n");
    free(seen);
}

static void test_labelled_lines(void **state)
{
    (void)state;
    char out[128] = "";
    quiet_label_lines("PAPI", "one\n\ntwo", out, sizeof out);
    assert_string_equal(out, "PAPI: one\nPAPI: two\n");
    quiet_label_lines("hwloc", "three\n", out, sizeof out);
    assert_string_equal(out, "PAPI: one\nPAPI: two\nhwloc: three\n");
    char tiny[12] = "";
    quiet_label_lines("PAPI", "a long line\nmore\n", tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);   /* truncated, still a string */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library_output_is_captured),
        cmocka_unit_test(test_capture_truncates_and_discards),
        cmocka_unit_test(test_labelled_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
