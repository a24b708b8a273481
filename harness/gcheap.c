/*
 * gcheap.c — the Boehm collector in a family's child process (see gcheap.h):
 * start-up with pinned marker threads, and a pinned mutator thread
 * registered with the collector.
 */
#include "memprobe/gcheap.h"

#include <gc/gc.h>

#include <dirent.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/pin.h"
#include "memprobe/procfs.h"

void gcheap_start(const topo *t, unsigned markers, unsigned long divisor, int incremental)
{
    if (markers)
        GC_set_markers_count(markers);
    if (divisor)
        GC_set_free_space_divisor((GC_word)divisor);
    GC_INIT();
    if (incremental)
        GC_enable_incremental();
    GC_allow_register_threads();
    gcheap_pin_markers(t);
}

/* The name of thread tid of this process (/proc/self/task/tid/comm) into
 * comm.  0, or -1 when the thread is gone. */
static int gcheap_thread_name(const char *tid, char *comm, size_t len)
{
    char path[300];
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", tid);
    return procfs_read_line(path, comm, len);
}

int gcheap_pin_markers(const topo *t)
{
    DIR *d = opendir("/proc/self/task");
    int pinned = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char comm[64] = "";
        if (gcheap_thread_name(e->d_name, comm, sizeof comm) != 0 || strncmp(comm, "GC-marker-", 10) != 0)
            continue;
        int cpu = topo_pu(t, (int)((strtol(comm + 10, NULL, 10) + 1) % topo_pu_count(t)));
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        pinned += sched_setaffinity((pid_t)strtol(e->d_name, NULL, 10), sizeof set, &set) == 0;
    }
    if (d)
        closedir(d);
    return pinned;
}

/* One mutator thread: pinned by pin_group_start, registered with the
 * collector around fn when with_gc is set. */
typedef struct gcheap_mutator {
    void (*fn)(void *arg);
    void *arg;
    int with_gc;
} gcheap_mutator;

static void gcheap_mutator_main(void *arg, int index)
{
    (void)index;
    gcheap_mutator *m = arg;
    struct GC_stack_base sb;
    int registered = m->with_gc && GC_get_stack_base(&sb) == GC_SUCCESS &&
                     GC_register_my_thread(&sb) == GC_SUCCESS;
    m->fn(m->arg);
    if (registered)
        GC_unregister_my_thread();
}

int gcheap_run_mutator(const topo *t, int cpu, int with_gc, void (*fn)(void *), void *arg, double timeout_s,
                       char *err, size_t errlen)
{
    gcheap_mutator m = {.fn = fn, .arg = arg, .with_gc = with_gc};
    void *args[1] = {&m};
    pin_group *g = pin_group_start(t, 1, &cpu, gcheap_mutator_main, args, err, errlen);
    if (!g)
        return -1;
    int rc = pin_group_join(g, timeout_s, err, errlen);
    pin_group_free(g);
    return rc;
}

int gcheap_mutator_abandoned(void)
{
    const _Atomic int *flag = pin_current_abandon_flag();
    return flag && atomic_load_explicit(flag, memory_order_acquire);
}
