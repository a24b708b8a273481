/*
 * proc.c — the launcher (see proc.h).  fork, set the child up with
 * async-signal-safe calls only (working directory, standard streams, the
 * start gate, CPUs), exec; then read its output and wait for it under the
 * timeout policy.  A child that cannot start reports the failed step and
 * its errno through a close-on-exec pipe, so "could not start" is told
 * apart from "exited with status 127".
 */
#include "memprobe/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/xalloc.h"

extern char **environ;

#define PROC_NAP_MAX_NS 20000000ull   /* longest pause between two looks at the child */

/* Steps of the child's set-up; the report pipe carries the index. */
static const char *const proc_steps[] = {"fork", "pipe", "open", "chdir", "dup2", "exec"};
enum { PROC_STEP_FORK, PROC_STEP_PIPE, PROC_STEP_OPEN, PROC_STEP_CHDIR, PROC_STEP_DUP2, PROC_STEP_EXEC };

/* The descriptors of one launch: what the child gets as 0, 1 and 2 (-1:
 * inherited), the parent's ends of the pipes, and the files opened for it. */
typedef struct proc_fds {
    int child[3];
    int capture_rd, capture_wr;   /* stdout/stderr captured */
    int reply_rd, reply_wr;       /* the child's stdin when the parent answers */
    int gate_rd, gate_wr;         /* the child waits on it until started() ran */
    int report_rd, report_wr;     /* the child's set-up failure */
    int devnull, log;
} proc_fds;

static void proc_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int proc_pipe(int *rd, int *wr)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    *rd = p[0];
    *wr = p[1];
    return 0;
}

/* The descriptor a stream of the child is given (-1: inherited). */
static int proc_stream_fd(const proc_fds *f, proc_stream s, int is_input)
{
    switch (s) {
    case PROC_NULL: return f->devnull;
    case PROC_CAPTURE: return is_input ? f->reply_rd : f->capture_wr;
    case PROC_LOG: return f->log;
    case PROC_INHERIT: break;
    }
    return -1;
}

/* Open what spec asks for.  0, or -1 with *step set (errno kept). */
static int proc_fds_open(const proc_spec *spec, proc_fds *f, int *step)
{
    const proc_stream streams[3] = {spec->in, spec->out, spec->err};
    int want_null = 0, want_log = 0, want_capture = 0;
    for (int i = 0; i < 3; i++) {
        want_null |= streams[i] == PROC_NULL;
        want_log |= i > 0 && streams[i] == PROC_LOG;
        want_capture |= i > 0 && streams[i] == PROC_CAPTURE;
    }
    *step = PROC_STEP_OPEN;
    if (want_null && (f->devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        return -1;
    if (want_log && (f->log = open(spec->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return -1;
    *step = PROC_STEP_PIPE;
    if ((want_capture && proc_pipe(&f->capture_rd, &f->capture_wr) != 0) ||
        (spec->in == PROC_CAPTURE && proc_pipe(&f->reply_rd, &f->reply_wr) != 0) ||
        (spec->started && proc_pipe(&f->gate_rd, &f->gate_wr) != 0) || proc_pipe(&f->report_rd, &f->report_wr) != 0)
        return -1;
    for (int i = 0; i < 3; i++)
        f->child[i] = proc_stream_fd(f, streams[i], i == 0);
    return 0;
}

static void proc_fds_close(proc_fds *f)
{
    int *all[] = {&f->capture_rd, &f->capture_wr, &f->reply_rd, &f->reply_wr, &f->gate_rd,
                  &f->gate_wr,    &f->report_rd,  &f->report_wr, &f->devnull, &f->log};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        proc_close(all[i]);
}

/* In the child, after fork: report the failed step and leave. */
static void proc_child_fail(const proc_fds *f, int step) __attribute__((noreturn));
static void proc_child_fail(const proc_fds *f, int step)
{
    int report[2] = {step, errno};
    ssize_t w = write(f->report_wr, report, sizeof report);
    (void)w;
    _exit(127);
}

/* In the child, after fork: async-signal-safe calls only.  The gate comes
 * first, so the parent's write to it never finds the child gone. */
static void proc_child(const proc_spec *spec, const proc_fds *f) __attribute__((noreturn));
static void proc_child(const proc_spec *spec, const proc_fds *f)
{
    char go;
    while (f->gate_rd >= 0 && read(f->gate_rd, &go, 1) < 0 && errno == EINTR)
        ;
    if (spec->cwd && chdir(spec->cwd) != 0)
        proc_child_fail(f, PROC_STEP_CHDIR);
    for (int i = 0; i < 3; i++)
        if (f->child[i] >= 0 && dup2(f->child[i], i) < 0)
            proc_child_fail(f, PROC_STEP_DUP2);
    if (spec->cpus)
        sched_setaffinity(0, sizeof *spec->cpus, spec->cpus);
    execve(spec->path, spec->argv, spec->envp ? spec->envp : environ);
    proc_child_fail(f, PROC_STEP_EXEC);
}

/* After the gate: 0 when the child reached its program, else -1 with the
 * step and errno it reported (the child is reaped). */
static int proc_check_start(pid_t pid, proc_fds *f, proc_result *r)
{
    int report[2];
    ssize_t n;
    while ((n = read(f->report_rd, report, sizeof report)) < 0 && errno == EINTR)
        ;
    proc_close(&f->report_rd);
    if (n != (ssize_t)sizeof report)
        return 0;   /* closed by exec */
    r->status = PROC_NOT_STARTED;
    r->failed_step = proc_steps[report[0] >= 0 && report[0] <= PROC_STEP_EXEC ? report[0] : PROC_STEP_EXEC];
    r->code = report[1];
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

/* Captured output so far, and how much of it was handed out as lines. */
typedef struct proc_capture {
    char *buf;
    size_t len, cap, scanned;
} proc_capture;

/* Read what the child printed; -1 at end of file. */
static int proc_read(const proc_spec *spec, proc_fds *f, proc_capture *c)
{
    if (c->cap - c->len < 4096)
        c->buf = xalloc_array(c->buf, c->cap *= 2, 1);
    ssize_t n = read(f->capture_rd, c->buf + c->len, c->cap - c->len - 1);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return -1;
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    for (char *nl; (nl = memchr(c->buf + c->scanned, '\n', c->len - c->scanned)) != NULL;
         c->scanned = (size_t)(nl - c->buf) + 1)
        if (spec->on_line)
            spec->on_line(c->buf + c->scanned, (size_t)(nl - (c->buf + c->scanned)), f->reply_wr, spec->ctx);
    return 0;
}

/* Wait for output or for time to pass (at most nap_ns). */
static void proc_pause(const proc_spec *spec, proc_fds *f, proc_capture *c, uint64_t nap_ns)
{
    if (f->capture_rd < 0) {
        clock_sleep_ns(nap_ns);
        return;
    }
    struct pollfd p = {.fd = f->capture_rd, .events = POLLIN};
    if (poll(&p, 1, (int)(nap_ns / 1000000) + 1) > 0 && proc_read(spec, f, c) != 0)
        proc_close(&f->capture_rd);
}

/* Output the child left in the pipe after it was reaped (a grandchild
 * holding the pipe open does not keep the launcher waiting). */
static void proc_drain(const proc_spec *spec, proc_fds *f, proc_capture *c)
{
    struct pollfd p = {.fd = f->capture_rd, .events = POLLIN};
    while (f->capture_rd >= 0 && poll(&p, 1, 0) > 0)
        if (proc_read(spec, f, c) != 0)
            proc_close(&f->capture_rd);
}

/* Read and wait under the timeout policy; the wait status into *status.
 * Returns 1 when the policy stopped the child. */
static int proc_wait(const proc_spec *spec, pid_t pid, proc_fds *f, proc_capture *c, int *status)
{
    uint64_t now = clock_now_ns(), deadline = now + (uint64_t)(spec->timeout_s * 1e9), nap = 1000000;
    int terminated = 0, forwarded = 0;
    for (;;) {
        proc_pause(spec, f, c, nap);
        nap = nap * 2 < PROC_NAP_MAX_NS ? nap * 2 : PROC_NAP_MAX_NS;
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR)) {
            proc_drain(spec, f, c);
            return terminated;
        }
        now = clock_now_ns();
        if (spec->forward_stop && !forwarded && cbench_stop_requested()) {
            kill(pid, SIGINT);
            forwarded = 1;
            uint64_t last = now + (uint64_t)(PROC_STOP_GRACE_S * 1e9);
            deadline = deadline < last ? deadline : last;
        }
        if (now >= deadline) {
            kill(pid, terminated ? SIGKILL : SIGTERM);
            terminated = 1;
            deadline = now + (uint64_t)(PROC_KILL_GRACE_S * 1e9);
        }
    }
}

int proc_run(const proc_spec *spec, proc_result *r)
{
    memset(r, 0, sizeof *r);
    proc_fds f = {.child = {-1, -1, -1}, .capture_rd = -1, .capture_wr = -1, .reply_rd = -1, .reply_wr = -1,
                  .gate_rd = -1, .gate_wr = -1, .report_rd = -1, .report_wr = -1, .devnull = -1, .log = -1};
    proc_capture c = {.cap = 8192};
    c.buf = xalloc_malloc(c.cap);
    c.buf[0] = '\0';
    int step;
    pid_t pid = -1;
    if (proc_fds_open(spec, &f, &step) != 0) {
        r->status = PROC_NOT_STARTED;
        r->code = errno;
        r->failed_step = proc_steps[step];
    } else {
        fflush(NULL);
        pid = fork();
        if (pid == 0)
            proc_child(spec, &f);
        if (pid < 0) {
            r->status = PROC_NOT_STARTED;
            r->code = errno;
            r->failed_step = proc_steps[PROC_STEP_FORK];
        }
    }
    /* the child's ends stay with the child */
    int *childs[] = {&f.capture_wr, &f.reply_rd, &f.gate_rd, &f.report_wr, &f.devnull, &f.log};
    for (size_t i = 0; i < sizeof childs / sizeof childs[0]; i++)
        proc_close(childs[i]);
    if (pid > 0) {
        if (spec->started)
            spec->started(pid, spec->ctx);
        if (f.gate_wr >= 0 && write(f.gate_wr, "g", 1) != 1)
            kill(pid, SIGKILL);
        proc_close(&f.gate_wr);
        if (proc_check_start(pid, &f, r) == 0) {
            int status = 0;
            int stopped = proc_wait(spec, pid, &f, &c, &status);
            r->status = stopped ? PROC_TIMED_OUT : WIFSIGNALED(status) ? PROC_SIGNALED : PROC_EXITED;
            r->code = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
        }
    }
    proc_fds_close(&f);
    r->output = c.buf;
    r->output_len = c.len;
    return r->status == PROC_EXITED && r->code == 0 ? 0 : -1;
}

void proc_result_free(proc_result *r)
{
    free(r->output);
    r->output = NULL;
    r->output_len = 0;
}

int proc_shell_status(const proc_result *r)
{
    switch (r->status) {
    case PROC_EXITED: return r->code;
    case PROC_SIGNALED: return 128 + r->code;
    case PROC_TIMED_OUT:
    case PROC_NOT_STARTED: break;
    }
    return -1;
}

void proc_describe(const proc_result *r, double timeout_s, char *buf, size_t len)
{
    switch (r->status) {
    case PROC_EXITED:
        snprintf(buf, len, "exited with status %d", r->code);
        return;
    case PROC_SIGNALED:
        snprintf(buf, len, "killed by signal %d", r->code);
        return;
    case PROC_TIMED_OUT:
        snprintf(buf, len, "did not finish within %g s; stopped", timeout_s);
        return;
    case PROC_NOT_STARTED:
        snprintf(buf, len, "could not be started (%s: %s)", r->failed_step, strerror(r->code));
        return;
    }
}

int proc_find_in_path(const char *name, char *out, size_t outlen)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t k = strcspn(path, ":");
        struct stat st;
        if (k && (size_t)snprintf(out, outlen, "%.*s/%s", (int)k, path, name) < outlen && stat(out, &st) == 0 &&
            S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        path += k + (path[k] == ':');
    }
    return -1;
}

/* 1 when the environment entry e sets the variable of setting ("NAME=..."). */
static int proc_same_variable(const char *e, const char *setting)
{
    size_t n = strcspn(setting, "=");
    return strncmp(e, setting, n) == 0 && e[n] == '=';
}

char **proc_env_with(char *const *settings, size_t n)
{
    size_t have = 0;
    while (environ && environ[have])
        have++;
    char **env = xalloc_calloc(have + n + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < have; i++) {
        int replaced = 0;
        for (size_t j = 0; j < n && !replaced; j++)
            replaced = proc_same_variable(environ[i], settings[j]);
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < n; j++)
        env[k++] = settings[j];
    env[k] = NULL;
    return env;
}
