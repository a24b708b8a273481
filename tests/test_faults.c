/*
 * test_faults.c — memprobe under hostile conditions, end to end through the
 * binary under test (MEMPROBE_BIN): one allowed CPU, no perf events at all
 * (a seccomp filter refusing perf_event_open), a read-only results folder, a
 * full disk (RLIMIT_FSIZE), SIGINT in the middle of a multi-threaded family,
 * and a worker thread that stops answering (ptrace-stopped) in the middle of
 * a pinned pair.  Each run is short (--quick and a narrow --filter) and is
 * killed if it outlives a generous deadline, so a hang fails the test
 * instead of hanging it.  No assertion depends on timing.
 *
 * The child process is set up by a small launcher (fault_spawn): CPU
 * affinity, the seccomp filter, dropped file-permission capabilities (so a
 * read-only folder is read-only for root too), a file size limit, then exec.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "memprobe/bench.h"
#include "memprobe/output.h"

#define FAULT_DEADLINE_S 900     /* a run that takes longer than this is hung (generous: a --quick
                                  * run under ASan on a loaded 2-core machine took over 240 s) */
#define FAULT_NO_CAPS 125        /* child exit status: could not drop capabilities */
#define FAULT_NO_SECCOMP 124     /* child exit status: could not install the filter */

static char bin[PATH_MAX];
static char scratch[64];
static char source_dir[PATH_MAX];   /* where the tests run: the source tree (tests/fixtures, claims/) */

/* ------------------------------------------------------------ launcher */

typedef struct fault_setup {
    int cpu;                  /* >= 0: pin the whole process to this CPU */
    int deny_perf;            /* seccomp: perf_event_open fails with EACCES */
    int drop_dac;             /* drop CAP_DAC_OVERRIDE & co. (root obeys modes) */
    long fsize_limit;         /* > 0: RLIMIT_FSIZE in bytes, SIGXFSZ ignored */
    const char *cwd;          /* working directory, or NULL */
    int own_group;            /* a process group of its own (as a shell's job: Ctrl-C reaches its children) */
} fault_setup;

#if defined(__x86_64__)
#define FAULT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FAULT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* perf_event_open -> EACCES, everything else allowed.  0 or -1. */
static int fault_deny_perf_events(void)
{
#ifdef FAULT_AUDIT_ARCH
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FAULT_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),   /* foreign ABI: refuse loudly */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof filter / sizeof *filter, .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#else
    return -1;
#endif
}

/* Root keeps, after exec, the capabilities of its bounding set: drop the
 * ones that bypass file modes.  0 or -1 (not permitted here). */
static int fault_drop_dac(void)
{
    const int caps[] = {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER};
    if (geteuid() != 0)
        return 0;
    for (size_t i = 0; i < sizeof caps / sizeof *caps; i++)
        if (prctl(PR_CAPBSET_DROP, caps[i], 0, 0, 0) != 0)
            return -1;
    return 0;
}

/* In the child: apply s, send output to fd out, exec argv.  Never returns. */
static void fault_child(const fault_setup *s, char *const argv[], int out)
{
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    if (out > STDERR_FILENO)
        close(out);
    if (s->cwd && chdir(s->cwd) != 0)
        _exit(127);
    if (s->own_group && setpgid(0, 0) != 0)
        _exit(127);
    if (s->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(s->cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0)
            _exit(127);
    }
    if (s->fsize_limit > 0) {
        struct rlimit rl = {(rlim_t)s->fsize_limit, (rlim_t)s->fsize_limit};
        signal(SIGXFSZ, SIG_IGN);   /* writes fail with EFBIG instead */
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(127);
    }
    if (s->drop_dac && fault_drop_dac() != 0)
        _exit(FAULT_NO_CAPS);
    if (s->deny_perf && fault_deny_perf_events() != 0)
        _exit(FAULT_NO_SECCOMP);
    execv(argv[0], argv);
    _exit(127);
}

/* Start argv with s applied, output appended to log_path.  Returns the pid. */
static pid_t fault_spawn(const fault_setup *s, char *const argv[], const char *log_path)
{
    int out = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    assert_true(out >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        fault_child(s, argv, out);
    close(out);
    return pid;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait for pid; kill it after FAULT_DEADLINE_S (then the status says so).
 * Returns the exit status, or 128 + signal. */
static int fault_wait(pid_t pid)
{
    double deadline = now_s() + FAULT_DEADLINE_S;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        assert_true(r == 0);
        if (now_s() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            fail_msg("memprobe did not finish within %d s: hung", FAULT_DEADLINE_S);
        }
        sleep_ms(20);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Read everything from fd until EOF (the child and its children closed it)
 * or FAULT_DEADLINE_S; malloc'd text. */
static char *fault_read_all(int fd, pid_t pid)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    double deadline = now_s() + FAULT_DEADLINE_S;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (now_s() > deadline) {
            kill(pid, SIGKILL);   /* fault_wait then reports the hang */
            break;
        }
        if (poll(&p, 1, 100) <= 0)
            continue;
        if (cap - len < 4096) {
            buf = realloc(buf, cap *= 2);
            assert_non_null(buf);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

/* Run bin with args (NULL-terminated, after "run") under s; its output
 * (through a pipe: a file size limit does not touch it) in *log (malloc'd);
 * name labels the run.  Returns the exit status. */
static int fault_run(const fault_setup *s, char **log, const char *name, ...)
{
    char *argv[32];
    int n = 0;
    argv[n++] = bin;
    argv[n++] = "run";
    va_list ap;
    va_start(ap, name);
    for (char *a; n < 31 && (a = va_arg(ap, char *)) != NULL;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    int fds[2];
    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        fault_child(s, argv, fds[1]);
    close(fds[1]);
    *log = fault_read_all(fds[0], pid);
    close(fds[0]);
    int rc = fault_wait(pid);
    if (rc >= 128)
        print_message("%s: killed by signal %d\n", name, rc - 128);
    return rc;
}

static const fault_setup plain = {.cpu = -1};

/* Show the end of a run's output (where its errors are) on stderr. */
static void print_tail(const char *log)
{
    size_t n = strlen(log);
    fprintf(stderr, "--- end of memprobe's output:\n%s\n---\n", n > 4000 ? log + n - 4000 : log);
}

/* ------------------------------------------------------------- readers */

static json_object *read_machine(const char *dir)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/machine.json", dir);
    json_object *j = json_object_from_file(path);
    if (!j)
        print_error("%s does not parse: %s\n", path, json_util_get_last_err());
    return j;
}

static int machine_completed(const char *dir)
{
    json_object *m = read_machine(dir), *c;
    assert_non_null(m);
    assert_true(json_object_object_get_ex(m, "completed", &c));
    int completed = json_object_get_boolean(c);
    json_object_put(m);
    return completed;
}

/* Number of files in dir whose name contains what (e.g. ".tmp."). */
static int count_files(const char *dir, const char *what)
{
    char *out = NULL;
    testutil_run(&out, "ls -A %s 2>/dev/null | grep -c -F -- '%s' || true", dir, what);
    int n = atoi(out);
    free(out);
    return n;
}

static int allowed_cpus(int *first)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    *first = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set) && *first < 0)
            *first = c;
    return CPU_COUNT(&set);
}

/* --------------------------------------------------------------- tests */

/* Families that run one thread and nothing else, the slowest of --quick:
 * the one-CPU run leaves them out (under ASan and qemu-user the whole suite
 * took minutes), since what it checks (a skip with its reason, no row on
 * two CPUs) comes from the families that can use more than one. */
static const char *const one_thread_families[] = {"alloc", "access", "passing", "latency", "tlb", "mlp"};

/* --filter for every family but those above: "^(harness|gc|...)/". */
static void filter_all_but_one_thread(char *buf, size_t len)
{
    size_t off = (size_t)snprintf(buf, len, "^(");
    for (size_t i = 0; i < bench_family_count() && off < len; i++) {
        const char *name = bench_family_at(i)->name;
        int leave_out = 0;
        for (size_t k = 0; k < sizeof one_thread_families / sizeof *one_thread_families; k++)
            leave_out |= strcmp(name, one_thread_families[k]) == 0;
        if (!leave_out)
            off += (size_t)snprintf(buf + off, len - off, "%s%s", buf[off - 1] == '(' ? "" : "|", name);
    }
    if (off < len)
        snprintf(buf + off, len - off, ")/");
}

/* One allowed CPU (what taskset -c N does): the --quick suite runs (but
 * the one-thread families), the multi-threaded families skip with a
 * message naming the CPUs, nothing claims to have run on two CPUs, and the
 * run completes with status 0. */
static void test_one_cpu(void **state)
{
    (void)state;
    fault_setup s = plain;
    assert_true(allowed_cpus(&s.cpu) >= 1);
    char dir[PATH_MAX], filter[1024], *log = NULL;
    snprintf(dir, sizeof dir, "%s/one-cpu", scratch);
    filter_all_but_one_thread(filter, sizeof filter);
    int rc = fault_run(&s, &log, "one-cpu", "--quick", "--filter", filter, "--out", dir, (char *)NULL);
    if (rc != 0)
        print_tail(log);
    assert_int_equal(rc, 0);
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    assert_true(testutil_find_row(t, "family", "harness", "status", "ok") >= 0);
    for (size_t i = 0; i < bench_family_count(); i++) {   /* the families that need two CPUs */
        if (bench_family_at(i)->min_cpus < 2)
            continue;
        const char *fam = bench_family_at(i)->name;
        long r = testutil_find_row(t, "family", fam, "status", "skipped");
        if (r < 0) {
            print_error("%s: no skipped row on one CPU\n", fam);
            fail();
        }
        const char *why = output_table_cell(t, (size_t)r, "message");
        assert_non_null(why);
        assert_non_null(strstr(why, "CPU"));
        char said[64];
        snprintf(said, sizeof said, "%s: skipped", fam);
        assert_non_null(strstr(log, said));   /* and the user was told */
    }
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *cpus = output_table_cell(t, r, "cpus"), *status = output_table_cell(t, r, "status");
        if (status && strcmp(status, "ok") == 0 && cpus && strchr(cpus, ',')) {
            print_error("%s ran on CPUs %s with one CPU allowed\n", output_table_cell(t, r, "benchmark"), cpus);
            fail();
        }
    }
    assert_true(machine_completed(dir));
    output_table_free(t);
    free(log);
}

/* perf_event_open refused: every counter is reported unavailable with a
 * reason, its cells stay empty, and the run completes. */
static void test_no_perf_events(void **state)
{
    (void)state;
    fault_setup s = plain;
    s.deny_perf = 1;
    char dir[PATH_MAX], *log = NULL;
    snprintf(dir, sizeof dir, "%s/no-perf", scratch);
    int rc = fault_run(&s, &log, "no-perf", "--quick", "--filter", "harness/clock_now", "--out", dir, (char *)NULL);
    if (rc == FAULT_NO_SECCOMP) {
        free(log);
        skip();   /* no seccomp filters here (kernel without CONFIG_SECCOMP_FILTER) */
    }
    if (rc != 0)
        print_tail(log);
    assert_int_equal(rc, 0);
    assert_true(machine_completed(dir));
    json_object *m = read_machine(dir), *counters;
    assert_non_null(m);
    assert_true(json_object_object_get_ex(m, "counters", &counters));
    size_t n = json_object_array_length(counters);
    assert_true(n > 0);
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    assert_true(output_table_row_count(t) > 0);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(counters, i), *col, *avail, *reason;
        assert_true(json_object_object_get_ex(c, "column", &col));
        assert_true(json_object_object_get_ex(c, "available", &avail));
        const char *name = json_object_get_string(col);
        if (json_object_get_boolean(avail)) {
            print_error("counter %s reported available without perf_event_open\n", name);
            fail();
        }
        assert_true(json_object_object_get_ex(c, "reason", &reason));
        assert_true(strlen(json_object_get_string(reason)) > 0);
        for (size_t r = 0; r < output_table_row_count(t); r++)
            assert_null(output_table_cell(t, r, name));   /* empty, never 0 */
    }
    for (const char *const *d = (const char *const[]){"ipc", "branch_mpki", "llc_mpki", NULL}; *d; d++)
        for (size_t r = 0; r < output_table_row_count(t); r++)
            assert_null(output_table_cell(t, r, *d));
    output_table_free(t);
    json_object_put(m);
    free(log);
}

/* A results folder that cannot be written: exit status 2 and one line
 * naming the folder, before anything runs; nothing is left inside it. */
static void test_read_only_results_folder(void **state)
{
    (void)state;
    char ro[PATH_MAX], sub[PATH_MAX + 8], *log = NULL;
    snprintf(ro, sizeof ro, "%s/read-only", scratch);
    snprintf(sub, sizeof sub, "%s/run", ro);
    assert_int_equal(mkdir(ro, 0555), 0);
    assert_int_equal(chmod(ro, 0555), 0);   /* whatever the umask */
    fault_setup s = plain;
    s.drop_dac = 1;

    /* --out below it, --out it, and the default results/ inside it */
    int rc = fault_run(&s, &log, "ro-sub", "--quick", "--filter", "harness/clock_now", "--out", sub, (char *)NULL);
    if (rc == FAULT_NO_CAPS) {
        free(log);
        skip();   /* root that cannot drop CAP_DAC_OVERRIDE: modes do not bind it */
    }
    assert_int_equal(rc, 2);
    assert_non_null(strstr(log, sub));
    free(log);

    rc = fault_run(&s, &log, "ro-dir", "--quick", "--filter", "harness/clock_now", "--out", ro, (char *)NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(log, "not writable"));
    free(log);

    s.cwd = ro;
    rc = fault_run(&s, &log, "ro-default", "--quick", "--filter", "harness/clock_now", (char *)NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(log, "results"));
    free(log);

    assert_int_equal(count_files(ro, ""), 0);
    chmod(ro, 0755);
}

/* A full disk (file size limit): the failed write is reported with the
 * file's name, the exit status says failure, and no file in the run folder
 * is half-written: no temporary is left and what is there parses. */
static void test_full_disk(void **state)
{
    (void)state;
    fault_setup s = plain;
    s.fsize_limit = 256;   /* results.csv, gbench.json and machine.json are all larger */
    char dir[PATH_MAX], *log = NULL;
    snprintf(dir, sizeof dir, "%s/full-disk", scratch);
    int rc = fault_run(&s, &log, "full-disk", "--quick", "--filter", "harness/clock_now", "--out", dir, (char *)NULL);
    assert_true(rc != 0 && rc < 128);   /* failed, did not crash */
    char failed_write[PATH_MAX + 32];
    snprintf(failed_write, sizeof failed_write, "cannot write '%s/", dir);   /* the journal or a CSV: named */
    assert_non_null(strstr(log, failed_write));
    assert_int_equal(count_files(dir, ".tmp."), 0);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (access(path, F_OK) == 0) {
        output_table *t = testutil_read_csv(dir, "results.csv");
        assert_non_null(t);
        output_table_free(t);
    }
    const char *json_files[] = {"machine.json", "gbench.json"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, json_files[i]);
        if (access(path, F_OK) != 0)
            continue;
        json_object *j = json_object_from_file(path);
        if (!j) {
            print_error("%s is half-written: %s\n", path, json_util_get_last_err());
            fail();
        }
        json_object_put(j);
    }
    free(log);
}

/* Whether pid has not exited yet (without reaping it). */
static int still_running(pid_t pid)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return 0;
    return info.si_pid == 0;
}

/* Wait until the log at path contains what (or the deadline passes). */
static int wait_for_log(const char *path, const char *what, pid_t pid, double seconds)
{
    double deadline = now_s() + seconds;
    while (now_s() < deadline) {
        char *out = NULL;
        testutil_run(&out, "grep -c -F -- '%s' %s || true", what, path);
        int found = atoi(out) > 0;
        free(out);
        if (found)
            return 1;
        if (!still_running(pid))
            return 0;
        sleep_ms(50);
    }
    return 0;
}

/* SIGINT while a multi-threaded family runs: the rows completed so far are
 * kept (with their CPUs), the run is marked incomplete, no temporary left. */
static void test_sigint_multithreaded(void **state)
{
    (void)state;
    int first;
    if (allowed_cpus(&first) < 2)
        skip();
    char dir[PATH_MAX], log_path[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/sigint-c2c", scratch);
    snprintf(log_path, sizeof log_path, "%s/sigint-c2c.log", scratch);
    char *argv[] = {bin, "run", "--filter", "c2c", "--repetitions", "50", "--out", dir, NULL};
    pid_t pid = fault_spawn(&plain, argv, log_path);
    int progressed = wait_for_log(log_path, "] c2c/", pid, 120);   /* "[50/100] c2c/...": a benchmark is done */
    kill(pid, SIGINT);
    int rc = fault_wait(pid);
    assert_true(progressed);
    assert_int_equal(rc, 128 + SIGINT);
    assert_false(machine_completed(dir));
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    long r = testutil_find_row(t, "family", "c2c", "status", "ok");
    assert_true(r >= 0);
    const char *cpus = output_table_cell(t, (size_t)r, "cpus");
    assert_non_null(cpus);
    assert_non_null(strchr(cpus, ','));
    assert_int_equal(count_files(dir, ".tmp."), 0);
    output_table_free(t);
}

/* A pinned worker thread of pid: a thread other than the main one whose
 * affinity is a single CPU.  Its tid, or 0. */
static pid_t find_pinned_worker(pid_t pid)
{
    char *out = NULL;
    testutil_run(&out, "cd /proc/%d/task 2>/dev/null && for t in *; do [ $t = %d ] && continue; "
                       "grep -qE '^Cpus_allowed_list:[[:space:]]+[0-9]+$' $t/status 2>/dev/null && echo $t; done | head -1",
                 (int)pid, (int)pid);
    pid_t tid = (pid_t)atoi(out);
    free(out);
    return tid;
}

/* Stop one thread of another process (ptrace); 0 or -1. */
static int stop_thread(pid_t tid)
{
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
        return -1;
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0) {
        ptrace(PTRACE_DETACH, tid, NULL, NULL);
        return -1;
    }
    int st;
    if (waitpid(tid, &st, __WALL) != tid)
        return -1;
    return 0;
}

/* A worker that stops answering (frozen by ptrace mid-benchmark) cannot hang
 * the run: the watchdog abandons the pair, the benchmark ends with an error
 * naming the thread, and the run goes on to complete. */
static void test_watchdog_frozen_peer(void **state)
{
    (void)state;
    int first;
    if (allowed_cpus(&first) < 2)
        skip();
    char dir[PATH_MAX], log_path[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/watchdog", scratch);
    snprintf(log_path, sizeof log_path, "%s/watchdog.log", scratch);
    char *argv[] = {bin, "run", "--quick", "--filter", "c2c", "--out", dir, NULL};
    /* After a timeout the pair's memory is never freed (the detached thread
     * may still touch it), but pairs_run keeps it reachable: leak checking
     * stays on for this run too. */
    pid_t pid = fault_spawn(&plain, argv, log_path);
    pid_t frozen = 0;
    /* the run's first pinned threads are the placement probe's (0.1 s): wait
     * until it is over, so that the thread frozen is a c2c worker */
    wait_for_log(log_path, "placement: start probe", pid, 60);
    for (double deadline = now_s() + 60; !frozen && now_s() < deadline;) {
        pid_t tid = find_pinned_worker(pid);
        if (tid > 0 && stop_thread(tid) == 0)
            frozen = tid;
        else if (tid > 0 && errno == EPERM) {
            kill(pid, SIGKILL);
            fault_wait(pid);
            skip();   /* ptrace not permitted here (yama ptrace_scope, no CAP_SYS_PTRACE) */
        }
        if (!still_running(pid))
            break;
    }
    if (!frozen) {
        kill(pid, SIGKILL);
        fault_wait(pid);
        fail_msg("never caught a pinned c2c worker thread");
    }
    /* keep it frozen until the watchdog gave up on it, then let it go */
    int reported = wait_for_log(log_path, "timed out", pid, 120) || wait_for_log(log_path, "did not start", pid, 1);
    ptrace(PTRACE_DETACH, frozen, NULL, NULL);
    int rc = fault_wait(pid);
    char *log = NULL;
    testutil_run(&log, "cat %s", log_path);
    if (!reported || rc != 0)
        print_tail(log);
    assert_true(reported);
    assert_int_equal(rc, 0);   /* the run went on and completed */
    assert_true(machine_completed(dir));
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    long r = testutil_find_row(t, "family", "c2c", "status", "error");
    assert_true(r >= 0);
    const char *msg = output_table_cell(t, (size_t)r, "message");
    assert_non_null(msg);
    assert_true(strstr(msg, "timed out") || strstr(msg, "did not start"));
    output_table_free(t);
    free(log);
}

/* -------------------------------------------- run folders and readers */

/* dir/name's text (malloc'd; "" when absent). */
static char *read_text(const char *dir, const char *name)
{
    char *out = NULL;
    testutil_run(&out, "cat '%s/%s' 2>/dev/null", dir, name);
    return out;
}

/* A top-level value of dir's machine.json as text (malloc'd), or NULL. */
static char *machine_value(const char *dir, const char *key)
{
    json_object *m = read_machine(dir), *v;
    char *text = NULL;
    if (m && json_object_object_get_ex(m, key, &v) && v)
        text = strdup(json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                : json_object_to_json_string(v));
    json_object_put(m);
    return text;
}

/* Whether dir's machine.json lists name in "files". */
static int machine_lists(const char *dir, const char *name)
{
    char *files = machine_value(dir, "files"), quoted[256];
    snprintf(quoted, sizeof quoted, "\"%s\"", name);
    int listed = files && strstr(files, quoted) != NULL;
    free(files);
    return listed;
}

/* `memprobe run --quick --filter FILTER [extra] --out dir` must exit 0
 * (extra may be NULL). */
static void run_into(const char *dir, const char *filter, const char *extra)
{
    char *log = NULL;
    int rc = fault_run(&plain, &log, filter, "--quick", "--filter", filter, "--out", dir, extra, (char *)NULL);
    if (rc != 0)
        print_tail(log);
    assert_int_equal(rc, 0);
    free(log);
}

/* `memprobe ARGS` through the shell; its exit status, output into *out. */
static int memprobe(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int memprobe(char **out, const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return testutil_run(out, "%s %s", bin, args);
}

/* --out never mixes two runs: a folder of the user's own is refused, a
 * run folder is refused without --replace and with it loses every file the
 * previous run wrote (and nothing else) before anything is written; the
 * readers use only the files machine.json lists, so a stray file (an
 * image, a side CSV) put into the folder by hand is never shown or judged. */
static void test_out_never_mixes_runs(void **state)
{
    (void)state;
    char user[PATH_MAX], dir[PATH_MAX], *log = NULL, *out = NULL;
    snprintf(user, sizeof user, "%s/mix-user", scratch);
    snprintf(dir, sizeof dir, "%s/mix-run", scratch);
    assert_int_equal(mkdir(user, 0755), 0);
    assert_int_equal(testutil_run(NULL, "echo mine > %s/results.csv", user), 0);
    int rc = fault_run(&plain, &log, "mix-user", "--quick", "--filter", "harness/clock_now", "--out", user, (char *)NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(log, "not a memprobe run folder"));
    free(log);
    char *mine = read_text(user, "results.csv");
    assert_string_equal(mine, "mine\n");   /* untouched */
    free(mine);
    assert_int_equal(count_files(user, ""), 1);

    run_into(dir, "latency/chase$", NULL);   /* rows, latency.png */
    assert_int_equal(testutil_run(NULL, "echo notes > %s/notes.txt", dir), 0);
    char *before = NULL;
    testutil_run(&before, "ls %s", dir);
    rc = fault_run(&plain, &log, "mix-again", "--quick", "--filter", "harness/clock_now", "--out", dir, (char *)NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(log, "--replace"));
    free(log);
    char *unchanged = NULL;
    testutil_run(&unchanged, "ls %s", dir);
    assert_string_equal(before, unchanged);
    free(unchanged);

    run_into(dir, "harness/clock_now", "--replace");
    for (char *save = NULL, *f = strtok_r(before, "\n", &save); f; f = strtok_r(NULL, "\n", &save)) {
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, f);
        int kept = strcmp(f, "notes.txt") == 0 || machine_lists(dir, f);
        if (kept != (access(path, F_OK) == 0))
            fail_msg("%s: %s after --replace", f, kept ? "missing" : "left over from the previous run");
    }
    free(before);
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    assert_true(testutil_find_row(t, "family", "latency", NULL, NULL) < 0);
    output_table_free(t);

    /* stray files put in by hand: not listed, so never read */
    assert_int_equal(testutil_run(NULL, "cp %s/tests/fixtures/run-a/gc_pauses.csv %s/ && printf 'PNG' > %s/harness.png",
                                  source_dir, dir, dir), 0);
    assert_int_equal(testutil_run(NULL, "printf '[claim.stray]\\ndocument = test\\nclaim = stray\\n"
                                        "check = count(pause_ns){file=gc_pauses.csv family=gc} >= 0\\n' > %s/stray.ini",
                                  scratch), 0);
    assert_int_equal(memprobe(&out, "claims %s/stray.ini %s", scratch, dir), 0);
    if (!strstr(out, "1 claims: 0 hold, 0 do not hold, 0 partly, 1 not measurable here"))
        fail_msg("a stray gc_pauses.csv was judged:\n%s", out);
    free(out);
    assert_int_equal(memprobe(&out, "report --no-plots %s", dir), 0);
    free(out);
    char *md = read_text(dir, "report.md");
    assert_null(strstr(md, "harness.png"));
    free(md);
}

/* --out through results/latest (the link to the last run) is refused:
 * the link stays a link to that run, and the readers' default still works. */
static void test_out_not_through_latest(void **state)
{
    (void)state;
    char cwd[PATH_MAX], link[PATH_MAX + 32], target[PATH_MAX], again[PATH_MAX], *log = NULL;
    snprintf(cwd, sizeof cwd, "%s/latest-cwd", scratch);
    snprintf(link, sizeof link, "%s/results/latest", cwd);
    assert_int_equal(mkdir(cwd, 0755), 0);
    fault_setup s = plain;
    s.cwd = cwd;
    int rc = fault_run(&s, &log, "latest-first", "--quick", "--filter", "harness/clock_now", (char *)NULL);
    assert_int_equal(rc, 0);
    free(log);
    ssize_t n = readlink(link, target, sizeof target - 1);
    assert_true(n > 0);
    target[n] = '\0';
    const char *const outs[] = {"results/latest", "results/latest/", "results/latest/sub", "./results/../results/latest",
                                link};
    for (size_t i = 0; i < sizeof outs / sizeof *outs; i++) {
        rc = fault_run(&s, &log, "latest-out", "--quick", "--filter", "harness/clock_now", "--out", outs[i], (char *)NULL);
        if (rc != 2 || !strstr(log, "latest"))
            fail_msg("--out %s: exit %d\n%s", outs[i], rc, log);
        free(log);
    }
    n = readlink(link, again, sizeof again - 1);
    assert_true(n > 0);
    again[n] = '\0';
    assert_string_equal(target, again);
    char *out = NULL;
    assert_int_equal(testutil_run(&out, "cd %s && %s report --no-plots", cwd, bin), 0);
    free(out);
}

/* Wait until the log at path holds at least n lines with what. */
static int wait_for_lines(const char *path, const char *what, int n, pid_t pid, double seconds)
{
    double deadline = now_s() + seconds;
    while (now_s() < deadline) {
        char *out = NULL;
        testutil_run(&out, "grep -c -F -- '%s' %s || true", what, path);
        int found = atoi(out) >= n;
        free(out);
        if (found)
            return 1;
        if (!still_running(pid))
            return 0;
        sleep_ms(50);
    }
    return 0;
}

/* Start a long latency run into dir (log into log_path) and wait until n
 * benchmarks have finished; its pid. */
static pid_t start_long_run(const fault_setup *s, const char *dir, const char *log_path, int n)
{
    char *argv[] = {bin, "run", "--filter", "latency/chase$", "--repetitions", "1", "--out", (char *)dir, NULL};
    pid_t pid = fault_spawn(s, argv, log_path);
    if (!wait_for_lines(log_path, "] latency/", n, pid, FAULT_DEADLINE_S)) {
        kill(pid, SIGKILL);
        fault_wait(pid);
        char *log = NULL;
        testutil_run(&log, "cat %s", log_path);
        print_tail(log);
        free(log);
        fail_msg("the latency run never finished %d benchmarks", n);
    }
    return pid;
}

/* SIGKILL (or the OOM killer, or a power cut) loses at most the benchmark
 * in flight: the finished rows are in the run's journal; `memprobe report`
 * writes results.csv from it (the report says the run did not complete) and
 * removes the dead run's temporaries; --replace then removes all of it. */
static void test_kill_loses_only_the_benchmark_in_flight(void **state)
{
    (void)state;
    char dir[PATH_MAX], log_path[PATH_MAX], *out = NULL;
    snprintf(dir, sizeof dir, "%s/killed", scratch);
    snprintf(log_path, sizeof log_path, "%s/killed.log", scratch);
    pid_t pid = start_long_run(&plain, dir, log_path, 2);
    kill(pid, SIGKILL);
    assert_int_equal(fault_wait(pid), 128 + SIGKILL);
    assert_false(machine_completed(dir));
    assert_true(count_files(dir, ".tmp.") > 0);   /* libbenchmark's half-written JSON */
    int rc = memprobe(&out, "report --no-plots %s", dir);
    if (rc != 0 || !strstr(out, "journal"))
        fail_msg("report of a killed run: exit %d\n%s", rc, out);
    free(out);
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    assert_true(testutil_find_row(t, "family", "latency", "status", "ok") >= 0);
    output_table_free(t);
    assert_false(machine_completed(dir));
    char *rebuilt = machine_value(dir, "rebuilt_from_journal");
    assert_non_null(rebuilt);
    assert_string_equal(rebuilt, "true");
    free(rebuilt);
    char *md = read_text(dir, "report.md");
    assert_non_null(strstr(md, "did not complete"));
    free(md);
    assert_int_equal(count_files(dir, ".tmp."), 0);

    run_into(dir, "harness/clock_now", "--replace");
    assert_int_equal(count_files(dir, ".tmp."), 0);
    assert_int_equal(count_files(dir, "journal"), 0);
    t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    assert_true(testutil_find_row(t, "family", "latency", NULL, NULL) < 0);
    output_table_free(t);
}

/* SIGINT, SIGTERM and SIGHUP (a closed terminal, a dropped ssh session)
 * stop a run the same way: what completed is written — results.csv,
 * gbench.json, the plots, the report saying the run was interrupted — and
 * machine.json says "completed": false, last. */
static void test_signals_write_what_completed(void **state)
{
    (void)state;
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    const char *const names[] = {"SIGINT", "SIGTERM", "SIGHUP"};
    for (size_t i = 0; i < 3; i++) {
        char dir[PATH_MAX], log_path[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/signal-%s", scratch, names[i]);
        snprintf(log_path, sizeof log_path, "%s/signal-%s.log", scratch, names[i]);
        pid_t pid = start_long_run(&plain, dir, log_path, 1);
        kill(pid, signals[i]);
        assert_int_equal(fault_wait(pid), 128 + signals[i]);
        assert_false(machine_completed(dir));
        char *how = machine_value(dir, "interrupted");
        assert_non_null(how);
        assert_string_equal(how, names[i]);
        free(how);
        output_table *t = testutil_read_csv(dir, "results.csv");
        assert_non_null(t);
        assert_true(testutil_find_row(t, "family", "latency", "status", "ok") >= 0);
        output_table_free(t);
        json_object *j = NULL;
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/gbench.json", dir);
        assert_non_null(j = json_object_from_file(path));
        json_object_put(j);
        char *md = read_text(dir, "report.md"), *html = read_text(dir, "report.html");
        if (!strstr(md, "was interrupted") || !strstr(md, names[i]) || !strstr(html, "was interrupted"))
            fail_msg("%s: the report does not say the run was interrupted", names[i]);
        free(md);
        free(html);
        assert_int_equal(count_files(dir, ".tmp."), 0);
    }
}

/* A data folder (MEMPROBE_DATADIR) whose plots/latency.gp is the given
 * gnuplot text and whose claims/ is empty; its path into out. */
static void make_datadir(const char *name, const char *latency_gp, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", scratch, name);
    assert_int_equal(testutil_run(NULL, "mkdir -p %s/plots %s/claims && printf '%%s\\n' '%s' > %s/plots/latency.gp",
                                  out, out, latency_gp, out), 0);
}

/* A plot script that fails changes nothing in the run folder (no empty or
 * half-drawn image, the good one kept), is named in the output, the run's
 * warnings and the report, and the run says it did not complete everything
 * (exit status 1, "completed": false). */
static void test_failing_plot_changes_nothing(void **state)
{
    (void)state;
    char good[PATH_MAX], bad[PATH_MAX], data[PATH_MAX], *out = NULL;
    snprintf(good, sizeof good, "%s/plots-good", scratch);
    snprintf(bad, sizeof bad, "%s/plots-bad", scratch);
    run_into(good, "latency/chase$", NULL);
    char *png = read_text(good, "latency.png");
    if (!*png) {
        free(png);
        skip();   /* no gnuplot here: nothing is drawn either way */
    }
    make_datadir("data-bad", "# inputs: results.csv\nset terminal pngcairo\nset output \"latency.png\"\nplot x\n"
                             "set output \"latency.svg\"\nthis_is_not_gnuplot", data, sizeof data);
    int rc = testutil_run(&out, "MEMPROBE_DATADIR=%s %s plot %s", data, bin, good);
    if (rc != 1 || !strstr(out, "latency.gp"))
        fail_msg("a failing script: exit %d\n%s", rc, out);
    free(out);
    char *after = read_text(good, "latency.png");
    assert_true(strcmp(png, after) == 0);
    free(after);
    free(png);
    assert_int_equal(count_files(good, ".plot-"), 0);

    rc = testutil_run(&out, "MEMPROBE_DATADIR=%s %s run --quick --filter 'latency/chase$' --out %s", data, bin, bad);
    if (rc != 1)
        fail_msg("a run whose plot failed: exit %d\n%s", rc, out);
    free(out);
    assert_false(machine_completed(bad));
    char *warnings = machine_value(bad, "warnings"), *md = read_text(bad, "report.md");
    assert_non_null(strstr(warnings, "latency.gp"));
    assert_non_null(strstr(md, "latency.gp"));
    free(warnings);
    free(md);
    assert_int_equal(count_files(bad, "latency.png"), 0);
    assert_int_equal(count_files(bad, ".tmp."), 0);
}

/* Ctrl-C while the plots are drawn (the signal reaches memprobe and gnuplot,
 * as from a terminal): exit 130 and machine.json, written last, says the
 * run did not complete. */
static void test_ctrl_c_while_plotting(void **state)
{
    (void)state;
    char data[PATH_MAX], dir[PATH_MAX], log_path[PATH_MAX];
    make_datadir("data-slow", "# inputs: results.csv\nsystem(\"touch plotting; sleep 60\")", data, sizeof data);
    snprintf(dir, sizeof dir, "%s/ctrl-c-plots", scratch);
    snprintf(log_path, sizeof log_path, "%s/ctrl-c-plots.log", scratch);
    char *out = NULL;
    testutil_run(&out, "command -v gnuplot");
    int have_gnuplot = *out != '\0';
    free(out);
    if (!have_gnuplot)
        skip();
    setenv("MEMPROBE_DATADIR", data, 1);
    char *argv[] = {bin, "run", "--quick", "--filter", "harness/clock_now|latency/chase$", "--out", dir, NULL};
    fault_setup s = plain;
    s.own_group = 1;
    pid_t pid = fault_spawn(&s, argv, log_path);
    unsetenv("MEMPROBE_DATADIR");
    int plotting = 0;
    for (double deadline = now_s() + FAULT_DEADLINE_S; !plotting && now_s() < deadline && still_running(pid); sleep_ms(50)) {
        char *n = NULL;
        testutil_run(&n, "ls %s/.plot-latency.tmp.*/plotting 2>/dev/null | wc -l", dir);
        plotting = atoi(n) > 0;
        free(n);
    }
    kill(-pid, SIGINT);
    int rc = fault_wait(pid);
    assert_true(plotting);
    assert_int_equal(rc, 128 + SIGINT);
    assert_false(machine_completed(dir));
    assert_int_equal(count_files(dir, ".plot-"), 0);
}

/* With /tmp read-only, plots are still drawn: gnuplot's scratch space
 * (TMPDIR) is inside the run folder.  (A private mount namespace makes /tmp
 * read-only; skipped where one cannot be had.) */
static void test_plots_with_read_only_tmp(void **state)
{
    (void)state;
    char good[PATH_MAX], outside[PATH_MAX] = "/var/tmp/memprobe-test-ro-XXXXXX", *out = NULL;
    snprintf(good, sizeof good, "%s/plots-good", scratch);
    if (count_files(good, "latency.png") == 0 || !mkdtemp(outside))
        skip();   /* no gnuplot here (test_failing_plot_changes_nothing skipped) */
    int rc = testutil_run(&out, "cp -r %s %s/run && rm -f %s/run/*.png %s/run/*.svg && "
                                "unshare -m sh -c 'mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp && "
                                "! touch /tmp/memprobe-ro-probe 2>/dev/null && exec %s plot %s/run'",
                          good, outside, outside, outside, bin, outside);
    if (rc != 0 && strstr(out, "mount")) {
        testutil_run(NULL, "rm -rf %s", outside);
        skip();   /* no private mount namespace here */
    }
    if (rc != 0)
        fail_msg("plot with a read-only /tmp: exit %d\n%s", rc, out);
    free(out);
    char run[PATH_MAX + 8];
    snprintf(run, sizeof run, "%s/run", outside);
    assert_int_equal(count_files(run, "latency.png"), 1);
    testutil_run(NULL, "rm -rf %s", outside);
}

/* The rows the report of dir says results.csv holds ("N rows in
 * results.csv"; -1 when it does not say, or says it holds none). */
static int report_row_count(const char *dir)
{
    char *out = NULL;
    testutil_run(&out, "grep -o '[0-9]* rows in results.csv' %s/report.md | head -1; grep -c 'holds no rows' %s/report.md",
                 dir, dir);
    int rows = -1, none = 1;
    if (sscanf(out, "%d rows in results.csv\n%d", &rows, &none) != 2 || none != 0)
        rows = -1;
    free(out);
    return rows;
}

/* What the readers refuse: a results.csv cut short (mid-line: a number
 * cut from 2085648142 to 208 must not be read as 208), a row shorter than
 * the header, a cell that is not a number in a numeric column; each named
 * with file and line, by report, claims and compare alike (exit status 2).
 * A UTF-8 byte-order mark is read as if it were not there. */
static void test_readers_refuse_cut_and_bad_cells(void **state)
{
    (void)state;
    char good[PATH_MAX], dir[PATH_MAX], *out = NULL;
    snprintf(good, sizeof good, "%s/readers", scratch);
    snprintf(dir, sizeof dir, "%s/readers-bad", scratch);
    run_into(good, "harness/clock_now", NULL);
    static const struct {
        const char *edit, *needle;
    } cases[] = {
        {"head -c -1 results.csv > x && mv x results.csv", "results.csv:2: the last line has no line end"},
        {"head -c -20 results.csv > x && mv x results.csv", "results.csv:2: "},
        {"sed -i '2s/,[^,]*$//' results.csv", "fields where the header has"},
        {"awk -F, -v OFS=, 'NR==1{for(i=1;i<=NF;i++) if($i==\"real_ns\") c=i} NR==2{$c=\"12x\"} {print}' results.csv > x "
         "&& mv x results.csv", "results.csv:2: column 'real_ns' holds '12x'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(testutil_run(NULL, "rm -rf %s && cp -r %s %s && cd %s && %s", dir, good, dir, dir, cases[i].edit), 0);
        const char *const commands[] = {"report --no-plots %s", "claims %s/claims/go-memory-model.ini %s",
                                        "compare --no-plots --out %s %s %s"};
        for (size_t k = 0; k < 3; k++) {
            char args[3 * PATH_MAX];
            if (k == 0)
                snprintf(args, sizeof args, commands[k], dir);
            else if (k == 1)
                snprintf(args, sizeof args, commands[k], source_dir, dir);
            else
                snprintf(args, sizeof args, commands[k], scratch, good, dir);
            int rc = memprobe(&out, "%s", args);
            if (rc != 2 || !strstr(out, cases[i].needle) || !strstr(out, "results.csv:"))
                fail_msg("memprobe %s after `%s`: exit %d\n%s", args, cases[i].edit, rc, out);
            free(out);
        }
    }
    assert_int_equal(testutil_run(NULL, "rm -rf %s && cp -r %s %s && cd %s && printf '\\357\\273\\277' | cat - results.csv > x "
                                        "&& mv x results.csv", dir, good, dir, dir), 0);
    assert_int_equal(memprobe(&out, "report --no-plots %s", dir), 0);
    free(out);
    assert_int_equal(memprobe(&out, "report --no-plots %s", good), 0);
    free(out);
    int with = report_row_count(dir), without = report_row_count(good);
    assert_int_equal(with, without);
    assert_true(with > 0);
}

/* A second run on the same machine waits while the first measures (and
 * says so, then records the wait in machine.json), or with --no-wait
 * refuses (exit status 75, nothing left behind); both runs complete. */
static void test_second_run_waits_for_the_first(void **state)
{
    (void)state;
    char first[PATH_MAX], second[PATH_MAX], refused[PATH_MAX], first_log[PATH_MAX], second_log[PATH_MAX], *log = NULL;
    snprintf(first, sizeof first, "%s/lock-first", scratch);
    snprintf(second, sizeof second, "%s/lock-second", scratch);
    snprintf(refused, sizeof refused, "%s/lock-refused", scratch);
    snprintf(first_log, sizeof first_log, "%s/lock-first.log", scratch);
    snprintf(second_log, sizeof second_log, "%s/lock-second.log", scratch);
    pid_t a = start_long_run(&plain, first, first_log, 1);

    int rc = fault_run(&plain, &log, "no-wait", "--quick", "--filter", "harness/clock_now", "--no-wait", "--out",
                       refused, (char *)NULL);
    if (rc != 75 || !strstr(log, "another memprobe is measuring"))
        fail_msg("--no-wait while another run measures: exit %d\n%s", rc, log);
    free(log);
    assert_int_equal(access(refused, F_OK), -1);

    char *argv[] = {bin, "run", "--quick", "--filter", "harness/clock_now", "--out", second, NULL};
    pid_t b = fault_spawn(&plain, argv, second_log);
    int waited = wait_for_log(second_log, "waiting for it to finish", b, 120);
    kill(a, SIGINT);
    assert_int_equal(fault_wait(a), 128 + SIGINT);
    assert_int_equal(fault_wait(b), 0);
    assert_true(waited);
    json_object *m = read_machine(second), *lock, *v;
    assert_non_null(m);
    assert_true(json_object_object_get_ex(m, "measuring_lock", &lock));
    assert_true(json_object_object_get_ex(lock, "waited_s", &v));
    assert_true(json_object_get_double(v) > 0);
    assert_true(json_object_object_get_ex(lock, "waited_for", &v));
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "pid %d,", (int)a);
    assert_non_null(strstr(json_object_get_string(v), pid_text));
    json_object_put(m);
    assert_true(machine_completed(second));
}

static int setup(void **state)
{
    (void)state;
    if (!getcwd(source_dir, sizeof source_dir))
        return -1;
    return testutil_binary_setup(bin, scratch, sizeof scratch);
}

static int teardown(void **state)
{
    (void)state;
    testutil_run(NULL, "chmod -R u+w %s; rm -rf %s", scratch, scratch);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_cpu),
        cmocka_unit_test(test_no_perf_events),
        cmocka_unit_test(test_read_only_results_folder),
        cmocka_unit_test(test_full_disk),
        cmocka_unit_test(test_sigint_multithreaded),
        cmocka_unit_test(test_watchdog_frozen_peer),
        cmocka_unit_test(test_out_never_mixes_runs),
        cmocka_unit_test(test_out_not_through_latest),
        cmocka_unit_test(test_kill_loses_only_the_benchmark_in_flight),
        cmocka_unit_test(test_signals_write_what_completed),
        cmocka_unit_test(test_failing_plot_changes_nothing),
        cmocka_unit_test(test_ctrl_c_while_plotting),
        cmocka_unit_test(test_plots_with_read_only_tmp),
        cmocka_unit_test(test_readers_refuse_cut_and_bad_cells),
        cmocka_unit_test(test_second_run_waits_for_the_first),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
