/*
 * test_pin.c — pinning on this machine (each allowed CPU, checked with
 * sched_getcpu), refused pins naming the CPU, pinned thread groups, the spin
 * barrier, and the bounded join: a thread that polls the abandon flag is
 * released by a join timeout, one that ignores it is detached and named.
 * Timeouts here are short on purpose: they test the mechanism, not timing.
 */
#include "testutil.h"

#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "memprobe/pin.h"

#define MAX_THREADS 16

static topo *machine;

static int setup(void **state)
{
    (void)state;
    return testutil_load_machine(&machine, 0);
}

static int teardown(void **state)
{
    (void)state;
    topo_free(machine);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* n CPUs cycling through the allowed ones. */
static void cycle_cpus(int *cpus, int n)
{
    for (int i = 0; i < n; i++)
        cpus[i] = topo_pu(machine, i % topo_pu_count(machine));
}

/* ------------------------------------------------------------------ */

static void test_pin_each_cpu(void **state)
{
    (void)state;
    char err[256] = "";
    for (int i = 0; i < topo_pu_count(machine); i++) {
        int cpu = topo_pu(machine, i);
        if (pin_self(machine, cpu, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_int_equal(sched_getcpu(), cpu);
        cpu_set_t mask;
        assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
        assert_int_equal(CPU_COUNT(&mask), 1);
        assert_true(CPU_ISSET(cpu, &mask));
    }
    assert_int_equal(pin_self_unpin(machine), 0);
    cpu_set_t mask;
    assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
    assert_int_equal(CPU_COUNT(&mask), topo_pu_count(machine));
}

static void test_pin_refused(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(pin_self(machine, 65535, err, sizeof err), -1);
    assert_non_null(strstr(err, "CPU 65535"));
    assert_non_null(strstr(err, "allowed: "));
    assert_int_equal(pin_self(machine, -1, err, sizeof err), -1);
    assert_non_null(strstr(err, "CPU -1"));
}

/* A group's threads run on the CPUs asked for, with their args and index,
 * and see the group's abandon flag as their own. */
typedef struct where {
    int index, cpu;
    const _Atomic int *flag;
} where;

static void record_where(void *arg, int index)
{
    where *w = arg;
    w->index = index;
    w->cpu = sched_getcpu();
    w->flag = pin_current_abandon_flag();
}

static void test_group_runs_on_cpus(void **state)
{
    (void)state;
    int n = 2 * topo_pu_count(machine);
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    int cpus[MAX_THREADS];
    where seen[MAX_THREADS];
    void *args[MAX_THREADS];
    cycle_cpus(cpus, n);
    for (int i = 0; i < n; i++) {
        seen[i] = (where){-1, -1, NULL};
        args[i] = &seen[i];
    }
    char err[256] = "";
    pin_group *g = pin_group_start(machine, n, cpus, record_where, args, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    assert_int_equal(pin_group_join(g, 30, err, sizeof err), 0);
    assert_false(pin_group_abandoned(g));
    for (int i = 0; i < n; i++) {
        assert_int_equal(seen[i].index, i);
        assert_int_equal(seen[i].cpu, cpus[i]);
        assert_ptr_equal(seen[i].flag, pin_group_abandon_flag(g));
    }
    pin_group_free(g);
    assert_null(pin_current_abandon_flag()); /* the main thread is in no group */
}

/* One refused CPU: no thread runs its function and none is left running. */
static _Atomic int ran_count;

static void count_run(void *arg, int index)
{
    (void)arg;
    (void)index;
    atomic_fetch_add_explicit(&ran_count, 1, memory_order_relaxed);
}

static void test_group_pin_failure(void **state)
{
    (void)state;
    int cpus[3] = {topo_pu(machine, 0), 65535, topo_pu(machine, 0)};
    char err[256] = "";
    atomic_store(&ran_count, 0);
    assert_null(pin_group_start(machine, 3, cpus, count_run, NULL, err, sizeof err));
    assert_non_null(strstr(err, "thread 1"));
    assert_non_null(strstr(err, "CPU 65535"));
    assert_int_equal(atomic_load(&ran_count), 0);
}

/* Barrier: nobody leaves an episode before everyone has arrived. */
typedef struct barrier_test {
    pin_barrier barrier;
    int n, rounds;
    _Atomic int arrived;
    _Atomic int early;       /* times a thread saw fewer arrivals than expected */
    _Atomic int gave_up;
} barrier_test;

static void barrier_rounds(void *arg, int index)
{
    (void)index;
    barrier_test *bt = arg;
    for (int r = 1; r <= bt->rounds; r++) {
        atomic_fetch_add_explicit(&bt->arrived, 1, memory_order_relaxed);
        if (pin_barrier_wait(&bt->barrier, NULL) != 0) {
            atomic_fetch_add(&bt->gave_up, 1);
            return;
        }
        if (atomic_load_explicit(&bt->arrived, memory_order_relaxed) < r * bt->n)
            atomic_fetch_add(&bt->early, 1);
        /* nobody may start round r+1 before everyone checked round r */
        if (pin_barrier_wait(&bt->barrier, NULL) != 0) {
            atomic_fetch_add(&bt->gave_up, 1);
            return;
        }
    }
}

static void run_barrier(int n, int rounds)
{
    barrier_test bt = {.n = n, .rounds = rounds};
    pin_barrier_init(&bt.barrier, n);
    atomic_init(&bt.arrived, 0);
    atomic_init(&bt.early, 0);
    atomic_init(&bt.gave_up, 0);
    int cpus[MAX_THREADS];
    void *args[MAX_THREADS];
    cycle_cpus(cpus, n);
    for (int i = 0; i < n; i++)
        args[i] = &bt;
    char err[256] = "";
    pin_group *g = pin_group_start(machine, n, cpus, barrier_rounds, args, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    if (pin_group_join(g, 60, err, sizeof err) != 0)
        fail_msg("%s", err);
    pin_group_free(g);
    assert_int_equal(atomic_load(&bt.arrived), n * rounds);
    assert_int_equal(atomic_load(&bt.early), 0);
    assert_int_equal(atomic_load(&bt.gave_up), 0);
}

static void test_barrier_releases_all(void **state)
{
    (void)state;
    run_barrier(topo_pu_count(machine) < MAX_THREADS ? topo_pu_count(machine) : MAX_THREADS, 200);
}

static void test_barrier_oversubscribed(void **state)
{
    (void)state;
    run_barrier(2 * topo_pu_count(machine) + 1 < MAX_THREADS ? 2 * topo_pu_count(machine) + 1 : MAX_THREADS, 5);
}

static void test_barrier_single_thread(void **state)
{
    (void)state;
    pin_barrier b;
    pin_barrier_init(&b, 1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pin_barrier_wait(&b, NULL), 0);
}

/* Join timeout: a thread stuck at a barrier nobody else reaches gives up
 * when the join times out and raises the abandon flag. */
typedef struct stuck {
    pin_barrier barrier;
    _Atomic int result;
    _Atomic int release;      /* for the thread that ignores the flag */
    _Atomic int done;
} stuck;

static void wait_forever_at_barrier(void *arg, int index)
{
    (void)index;
    stuck *s = arg;
    atomic_store(&s->result, pin_barrier_wait(&s->barrier, NULL));
    atomic_store(&s->done, 1);
}

static void test_join_timeout_abandons(void **state)
{
    (void)state;
    stuck s;
    pin_barrier_init(&s.barrier, 2); /* the second party never comes */
    atomic_init(&s.result, 99);
    atomic_init(&s.release, 0);
    atomic_init(&s.done, 0);
    int cpu = topo_pu(machine, topo_pu_count(machine) - 1);
    void *args[1] = {&s};
    char err[256] = "";
    pin_group *g = pin_group_start(machine, 1, &cpu, wait_forever_at_barrier, args, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    assert_int_equal(pin_group_join(g, 0.05, err, sizeof err), -1);
    assert_true(pin_group_abandoned(g));
    assert_int_equal(atomic_load(&s.result), -1);
    char want[64];
    snprintf(want, sizeof want, "thread 0 (CPU %d", cpu);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "stopped after the abandon flag"));
    assert_null(strstr(err, "detached"));
    pin_group_free(g);
}

/* A thread that ignores the abandon flag is detached after the grace
 * period and named; the test then lets it finish so nothing is left. */
static void ignore_abandon(void *arg, int index)
{
    (void)index;
    stuck *s = arg;
    while (!atomic_load(&s->release))
        sleep_ms(1);
    atomic_store(&s->done, 1);
}

static void test_join_detaches_deaf_thread(void **state)
{
    (void)state;
    stuck *s = calloc(1, sizeof *s); /* outlives the group if need be */
    atomic_init(&s->release, 0);
    atomic_init(&s->done, 0);
    int cpu = topo_pu(machine, 0);
    void *args[1] = {s};
    char err[256] = "";
    pin_group *g = pin_group_start(machine, 1, &cpu, ignore_abandon, args, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    assert_int_equal(pin_group_join(g, 0.05, err, sizeof err), -1);
    char want[64];
    snprintf(want, sizeof want, "thread 0 (CPU %d, still running", cpu);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "detached"));
    assert_false(atomic_load(&s->done));
    pin_group_free(g);
    atomic_store(&s->release, 1);
    for (int i = 0; i < 5000 && !atomic_load(&s->done); i++)
        sleep_ms(1);
    assert_true(atomic_load(&s->done));
    sleep_ms(20); /* let it leave the group's code */
    free(s);
}

static void test_group_bad_arguments(void **state)
{
    (void)state;
    char err[256] = "";
    int cpu = topo_pu(machine, 0);
    assert_null(pin_group_start(machine, 0, &cpu, count_run, NULL, err, sizeof err));
    assert_non_null(strstr(err, "at least one thread"));
    assert_null(pin_group_start(machine, 1, &cpu, NULL, NULL, err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pin_each_cpu),
        cmocka_unit_test(test_pin_refused),
        cmocka_unit_test(test_group_runs_on_cpus),
        cmocka_unit_test(test_group_pin_failure),
        cmocka_unit_test(test_barrier_single_thread),
        cmocka_unit_test(test_barrier_releases_all),
        cmocka_unit_test(test_barrier_oversubscribed),
        cmocka_unit_test(test_join_timeout_abandons),
        cmocka_unit_test(test_join_detaches_deaf_thread),
        cmocka_unit_test(test_group_bad_arguments),
    };
    return cmocka_run_group_tests_name("pin", tests, setup, teardown);
}
