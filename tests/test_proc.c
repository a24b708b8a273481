/*
 * test_proc.c — the launcher (proc.h): exit statuses and signals as they
 * are, output captured (stdout and stderr merged) and handed out line by
 * line with a reply channel to the child's stdin, the started hook runs
 * before the program does, a program that cannot start says which step
 * failed, and the timeout policy: SIGTERM at the deadline, SIGKILL after the
 * grace for a child that ignores it, a stop request passed on as SIGINT.
 * The children are /bin/sh one-liners; no assertion depends on timing
 * beyond "a 30 s sleep ends well before 30 s".
 */
#include "testutil.h"

#include <signal.h>

#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/proc.h"

static proc_result run_sh(const char *script, proc_stream out, proc_stream err, double timeout_s)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    proc_spec spec = {.path = "/bin/sh", .argv = argv, .out = out, .err = err, .timeout_s = timeout_s};
    proc_result r;
    proc_run(&spec, &r);
    return r;
}

static void test_exit_status_and_capture(void **state)
{
    (void)state;
    proc_result r = run_sh("echo out; echo err >&2; exit 3", PROC_CAPTURE, PROC_CAPTURE, 30);
    assert_int_equal(r.status, PROC_EXITED);
    assert_int_equal(r.code, 3);
    assert_int_equal(proc_shell_status(&r), 3);
    assert_non_null(strstr(r.output, "out\n"));
    assert_non_null(strstr(r.output, "err\n"));
    assert_int_equal(r.output_len, strlen(r.output));
    proc_result_free(&r);

    r = run_sh("kill -9 $$", PROC_NULL, PROC_NULL, 30);
    assert_int_equal(r.status, PROC_SIGNALED);
    assert_int_equal(r.code, SIGKILL);
    assert_int_equal(proc_shell_status(&r), 128 + SIGKILL);
    assert_string_equal(r.output, "");
    char why[128];
    proc_describe(&r, 30, why, sizeof why);
    assert_string_equal(why, "killed by signal 9");
    proc_result_free(&r);
}

static void test_large_output_does_not_block(void **state)
{
    (void)state;
    proc_result r = run_sh("i=0; while [ $i -lt 20000 ]; do echo 0123456789012345678901234567890123456789; "
                           "i=$((i+1)); done", PROC_CAPTURE, PROC_INHERIT, 60);
    assert_int_equal(r.status, PROC_EXITED);
    assert_int_equal(r.output_len, 20000 * 41);
    proc_result_free(&r);
}

typedef struct talk {
    int lines, answered, started;
    pid_t pid;
} talk;

static void talk_started(pid_t pid, void *ctx)
{
    talk *t = ctx;
    t->started = 1;
    t->pid = pid;
}

static void talk_line(const char *line, size_t len, int reply_fd, void *ctx)
{
    talk *t = ctx;
    t->lines++;
    if (len == 6 && strncmp(line, "ask me", 6) == 0) {
        assert_true(write(reply_fd, "yes\n", 4) == 4);
        t->answered++;
    }
}

static void test_lines_replies_and_started_hook(void **state)
{
    (void)state;
    char *argv[] = {"sh", "-c", "echo ask me; read a; echo got $a; echo ask me; read b; echo got $b", NULL};
    talk t = {0};
    proc_spec spec = {.path = "/bin/sh", .argv = argv, .in = PROC_CAPTURE, .out = PROC_CAPTURE, .timeout_s = 30,
                      .started = talk_started, .on_line = talk_line, .ctx = &t};
    proc_result r;
    assert_int_equal(proc_run(&spec, &r), 0);
    assert_true(t.started && t.pid > 0);
    assert_int_equal(t.answered, 2);
    assert_int_equal(t.lines, 4);
    assert_string_equal(r.output, "ask me\ngot yes\nask me\ngot yes\n");
    proc_result_free(&r);
}

static void test_not_started_names_the_step(void **state)
{
    (void)state;
    char *argv[] = {"nothing", NULL};
    proc_spec spec = {.path = "/nonexistent/nothing", .argv = argv, .timeout_s = 30};
    proc_result r;
    assert_int_equal(proc_run(&spec, &r), -1);
    assert_int_equal(r.status, PROC_NOT_STARTED);
    assert_string_equal(r.failed_step, "exec");
    assert_int_equal(r.code, ENOENT);
    assert_int_equal(proc_shell_status(&r), -1);
    proc_result_free(&r);

    char *sh[] = {"sh", "-c", "exit 0", NULL};
    proc_spec in_nowhere = {.path = "/bin/sh", .argv = sh, .cwd = "/nonexistent", .timeout_s = 30};
    assert_int_equal(proc_run(&in_nowhere, &r), -1);
    assert_int_equal(r.status, PROC_NOT_STARTED);
    assert_string_equal(r.failed_step, "chdir");
    char why[256];
    proc_describe(&r, 30, why, sizeof why);
    assert_non_null(strstr(why, "could not be started (chdir:"));
    proc_result_free(&r);
}

static void test_timeout_terminates_then_kills(void **state)
{
    (void)state;
    uint64_t t0 = clock_now_ns();
    proc_result r = run_sh("exec sleep 30", PROC_NULL, PROC_NULL, 0.2);
    assert_int_equal(r.status, PROC_TIMED_OUT);
    proc_result_free(&r);
    /* ignores SIGTERM: SIGKILL after the grace */
    r = run_sh("trap '' TERM; while :; do sleep 1; done", PROC_NULL, PROC_NULL, 0.2);
    assert_int_equal(r.status, PROC_TIMED_OUT);
    char why[128];
    proc_describe(&r, 0.2, why, sizeof why);
    assert_string_equal(why, "did not finish within 0.2 s; stopped");
    proc_result_free(&r);
    assert_true(clock_now_ns() - t0 < 25ull * 1000000000ull);   /* neither waited for its 30 s */
}

/* The stop request, once the child says its trap is set. */
static void stop_when_ready(const char *line, size_t len, int reply_fd, void *ctx)
{
    (void)reply_fd;
    (void)ctx;
    if (len == 5 && strncmp(line, "ready", 5) == 0)
        cbench_request_stop();
}

/* Last: the stop request cannot be taken back in this process. */
static void test_stop_request_is_passed_on(void **state)
{
    (void)state;
    char *argv[] = {"sh", "-c", "trap 'echo interrupted; exit 7' INT; echo ready; while :; do sleep 0.05; done", NULL};
    proc_spec spec = {.path = "/bin/sh", .argv = argv, .out = PROC_CAPTURE, .timeout_s = 60, .forward_stop = 1,
                      .on_line = stop_when_ready};
    proc_result r;
    proc_run(&spec, &r);
    assert_int_equal(r.status, PROC_EXITED);
    assert_int_equal(r.code, 7);
    assert_non_null(strstr(r.output, "interrupted"));
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_status_and_capture),
        cmocka_unit_test(test_large_output_does_not_block),
        cmocka_unit_test(test_lines_replies_and_started_hook),
        cmocka_unit_test(test_not_started_names_the_step),
        cmocka_unit_test(test_timeout_terminates_then_kills),
        cmocka_unit_test(test_stop_request_is_passed_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
