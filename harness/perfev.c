/*
 * perfev.c — the kernel's generic perf events, opened with perf_event_open(2).
 *
 * A table of the generic events (the ones perf(1) lists without a PMU
 * prefix), and sets of them opened one descriptor per event with
 * time_enabled/time_running in every read, so a value the kernel had to
 * multiplex is recognised and refused instead of scaled.
 */
#include "memprobe/perfev.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PERFEV_CACHE(cache, op, result) \
    ((unsigned long long)(cache) | ((unsigned long long)(op) << 8) | ((unsigned long long)(result) << 16))

static const perfev_event perfev_table[] = {
    {"PAGE-FAULTS", "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS},
    {"CONTEXT-SWITCHES", "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
    {"CPU-MIGRATIONS", "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
    {"TASK-CLOCK", "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
    {"CPU-CLOCK", "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK},
    {"MINOR-FAULTS", "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN},
    {"MAJOR-FAULTS", "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ},
    {"ALIGNMENT-FAULTS", "alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS},
    {"EMULATION-FAULTS", "emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS},
    {"CYCLES", "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    {"INSTRUCTIONS", "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    {"BRANCH-MISSES", "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES},
    {"CACHE-REFERENCES", "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES},
    {"CACHE-MISSES", "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    {"L1-DCACHE-LOAD-MISSES", "L1-dcache-load-misses", PERF_TYPE_HW_CACHE,
     PERFEV_CACHE(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS)},
    {"LLC-LOAD-MISSES", "LLC-load-misses", PERF_TYPE_HW_CACHE,
     PERFEV_CACHE(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS)},
};
#define PERFEV_TABLE ((int)(sizeof perfev_table / sizeof perfev_table[0]))

struct perfev_set {
    int n;
    int fds[];
};

/* What read(2) returns with PERF_FORMAT_TOTAL_TIME_ENABLED | _RUNNING. */
typedef struct perfev_reading {
    uint64_t value, time_enabled, time_running;
} perfev_reading;

const perfev_event *perfev_find(const char *name)
{
    if (!name)
        return NULL;
    if (strncmp(name, "perf::", 6) == 0)
        name += 6;
    for (int i = 0; i < PERFEV_TABLE; i++)
        if (strcasecmp(perfev_table[i].name, name) == 0)
            return &perfev_table[i];
    return NULL;
}

int perfev_count(void)
{
    return PERFEV_TABLE;
}

const perfev_event *perfev_at(int i)
{
    return i >= 0 && i < PERFEV_TABLE ? &perfev_table[i] : NULL;
}

int perfev_is_software(const perfev_event *e)
{
    return e && e->type == PERF_TYPE_SOFTWARE;
}

static int perfev_open_one(const perfev_event *e, int pid, int exclude_kernel)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = e->type;
    attr.config = e->config;
    attr.disabled = 1;
    attr.inherit = pid > 0;
    attr.exclude_kernel = exclude_kernel != 0;
    attr.exclude_hv = 1;
    attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    return (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static const char *perfev_errno_name(int err)
{
    static const struct {
        int err;
        const char *name;
    } names[] = {{EACCES, "EACCES"}, {EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {EOPNOTSUPP, "EOPNOTSUPP"},
                 {ENODEV, "ENODEV"}, {EINVAL, "EINVAL"}, {ENOSYS, "ENOSYS"}, {EMFILE, "EMFILE"},
                 {EBUSY, "EBUSY"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].err == err)
            return names[i].name;
    return "errno";
}

/* One reading; 0, or the errno (EIO when the read came back short). */
static int perfev_read_one(int fd, perfev_reading *r)
{
    ssize_t got = read(fd, r, sizeof *r);
    if (got == (ssize_t)sizeof *r)
        return 0;
    return got < 0 ? errno : EIO;
}

static double perfev_value(const perfev_reading *r)
{
    return r->time_running < r->time_enabled ? NAN : (double)r->value;
}

int perfev_probe(const perfev_event *e, int exclude_kernel, char *why, size_t len)
{
    const char *step = "perf_event_open";
    int err = 0, fd = perfev_open_one(e, 0, exclude_kernel);
    if (fd < 0) {
        err = errno;
    } else {
        perfev_reading r;
        if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0 || ioctl(fd, PERF_EVENT_IOC_DISABLE, 0) != 0) {
            err = errno;
            step = "enabling";
        } else if ((err = perfev_read_one(fd, &r)) != 0) {
            step = "reading";
        } else if (isnan(perfev_value(&r))) {
            err = EBUSY;   /* opened but not scheduled: the PMU's counters are taken */
            step = "scheduling";
        }
        close(fd);
    }
    if (err && why)
        snprintf(why, len, "%s(%s): %s (%s)", step, e->perf_name,
                 err == EBUSY && fd >= 0 ? "not scheduled on the PMU" : strerror(err), perfev_errno_name(err));
    return err;
}

perfev_set *perfev_open(const perfev_event *const *events, int n, int pid, int exclude_kernel)
{
    if (n <= 0)
        return NULL;
    perfev_set *s = malloc(sizeof *s + (size_t)n * sizeof s->fds[0]);
    if (!s)
        return NULL;
    s->n = n;
    int opened = 0;
    for (int i = 0; i < n; i++) {
        s->fds[i] = events[i] ? perfev_open_one(events[i], pid, exclude_kernel) : -1;
        opened += s->fds[i] >= 0;
    }
    if (!opened) {
        free(s);
        return NULL;
    }
    return s;
}

int perfev_start(perfev_set *s)
{
    for (int i = 0; s && i < s->n; i++) {
        if (s->fds[i] < 0)
            continue;
        if (ioctl(s->fds[i], PERF_EVENT_IOC_RESET, 0) != 0 || ioctl(s->fds[i], PERF_EVENT_IOC_ENABLE, 0) != 0)
            return -1;
    }
    return 0;
}

int perfev_read(perfev_set *s, int stop, double *values)
{
    int refused = 0;
    for (int i = 0; s && i < s->n; i++) {
        values[i] = NAN;
        if (s->fds[i] < 0)
            continue;
        if (stop)
            ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
        perfev_reading r;
        if (perfev_read_one(s->fds[i], &r) != 0)
            continue;
        values[i] = perfev_value(&r);
        refused += isnan(values[i]) != 0;
    }
    return refused;
}

void perfev_close(perfev_set *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->fds[i] >= 0)
            close(s->fds[i]);
    free(s);
}
