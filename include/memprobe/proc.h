/*
 * proc.h — starting another program and waiting for it: the one launcher
 * (a family's child process, the per-allocator re-runs, gnuplot, the Go
 * companion).
 *
 * Timeout policy, the same for every child: a child may run timeout_s
 * seconds of wall time from its start (clock_now_ns, clock.h).  Then it is
 * sent SIGTERM, and SIGKILL PROC_KILL_GRACE_S seconds later if it is still
 * there; it is reported as PROC_TIMED_OUT whatever it printed.  With
 * forward_stop, a stop request to this process (cbench_request_stop: SIGINT
 * or SIGTERM to memprobe) is passed on once as SIGINT, and the child then
 * has at most PROC_STOP_GRACE_S more seconds.  Captured output is read while
 * waiting, so a child that prints a lot never blocks on a full pipe.
 */
#ifndef MEMPROBE_PROC_H
#define MEMPROBE_PROC_H

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROC_KILL_GRACE_S 2.0
#define PROC_STOP_GRACE_S 10.0

/* Where a standard stream of the child goes. */
typedef enum proc_stream {
    PROC_INHERIT,    /* this process's own */
    PROC_NULL,       /* /dev/null */
    PROC_CAPTURE,    /* stdout/stderr: into proc_result.output (both: merged);
                        stdin: a pipe the on_line callback answers through */
    PROC_LOG,        /* stdout/stderr: into log_path (created or truncated) */
} proc_stream;

typedef struct proc_spec {
    const char *path;          /* the executable (no PATH search: proc_find_in_path) */
    char *const *argv;         /* NULL-terminated, argv[0] included */
    char *const *envp;         /* NULL: this process's environment */
    const char *cwd;           /* the child's working directory (NULL: this one) */
    const cpu_set_t *cpus;     /* the child's CPUs, set before it starts (NULL: these) */
    proc_stream in, out, err;
    const char *log_path;      /* for PROC_LOG */
    double timeout_s;          /* see the timeout policy above */
    int forward_stop;          /* pass a stop request on (see above) */
    /* Optional: called once the child exists but before it runs its
     * program (it waits), e.g. to attach counters to pid. */
    void (*started)(pid_t pid, void *ctx);
    /* Optional: called with each complete line of captured output (without
     * its newline); with in == PROC_CAPTURE, reply_fd is the child's stdin. */
    void (*on_line)(const char *line, size_t len, int reply_fd, void *ctx);
    void *ctx;
} proc_spec;

/* How the child ended. */
typedef enum proc_status {
    PROC_EXITED,        /* code: its exit status */
    PROC_SIGNALED,      /* code: the signal that ended it */
    PROC_TIMED_OUT,     /* stopped by the timeout policy */
    PROC_NOT_STARTED,   /* code: errno of the step that failed (fork, chdir, exec, ...) */
} proc_status;

typedef struct proc_result {
    proc_status status;
    int code;
    const char *failed_step;   /* PROC_NOT_STARTED: "fork", "chdir", "exec", ... */
    char *output;              /* captured output, NUL-terminated ("" when none); proc_result_free */
    size_t output_len;
} proc_result;

/* Run spec's program and wait for it under the timeout policy.  Returns 0
 * when it exited with status 0, else -1 (*r says how it ended). */
int proc_run(const proc_spec *spec, proc_result *r);
void proc_result_free(proc_result *r);
/* The exit status of a shell for r: its code when it exited, 128 + signal
 * when a signal ended it, -1 when it timed out or did not start. */
int proc_shell_status(const proc_result *r);
/* One line saying how r ended when it did not exit with status 0, e.g.
 * "killed by signal 9" or "did not finish within 120 s; stopped". */
void proc_describe(const proc_result *r, double timeout_s, char *buf, size_t len);
/* This process's environment with the n "NAME=VALUE" settings in place of
 * any NAME= entry of its own: a malloc'd, NULL-terminated array for
 * proc_spec.envp, of pointers into environ and settings (free the array
 * only, while settings still lives). */
char **proc_env_with(char *const *settings, size_t n);
/* The first executable called name in $PATH, into out.  0, or -1 when none. */
int proc_find_in_path(const char *name, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif
