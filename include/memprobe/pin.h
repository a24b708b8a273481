/*
 * pin.h — pinning threads to CPUs and running pinned thread groups.
 *
 * A pin either lands on the CPU asked for (checked with sched_getcpu()) or is
 * an error naming the CPU: never a silent run on the wrong core.  The thread
 * group helpers are the shared shape of every multi-threaded family: start N
 * pinned threads, release them together from a spin barrier, bound them with
 * a watchdog so a peer that stops answering cannot hang the run.
 */
#ifndef MEMPROBE_PIN_H
#define MEMPROBE_PIN_H

#include <stddef.h>
#include <stdatomic.h>
#include <pthread.h>
#include "memprobe/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pin the calling thread to cpu and verify it runs there.  0 on success,
 * -1 with one line in err naming the CPU otherwise. */
int pin_self(const topo *t, int cpu, char *err, size_t errlen);
/* Undo pinning: the calling thread may run on every allowed CPU again. */
int pin_self_unpin(const topo *t);

/* A spin barrier for n threads (sense-reversing, C11 atomics). */
typedef struct pin_barrier {
    _Atomic int count;
    _Atomic int sense;
    int n;
} pin_barrier;
void pin_barrier_init(pin_barrier *b, int n);
/* Wait for all n threads.  Returns 0, or -1 when pin_group_abandon was called
 * (so a waiting thread can give up instead of spinning forever). */
int pin_barrier_wait(pin_barrier *b, const _Atomic int *abandon);

/* A group of pinned threads running one function each. */
typedef void (*pin_thread_fn)(void *arg, int index);
typedef struct pin_group pin_group;

/* Start n threads; thread i is pinned to cpus[i] and then calls fn(args[i], i)
 * (args may be NULL: fn gets NULL).  Returns NULL with err set when a thread
 * cannot be created or pinned (no thread is left running). */
pin_group *pin_group_start(const topo *t, int n, const int *cpus,
                           pin_thread_fn fn, void *const *args,
                           char *err, size_t errlen);
/* Wait for every thread, at most timeout_s seconds.  Returns 0 when all
 * finished; -1 on timeout, after setting the abandon flag (threads must poll
 * pin_group_abandoned) and waiting a further grace period; err says which
 * thread did not answer. */
int pin_group_join(pin_group *g, double timeout_s, char *err, size_t errlen);
/* Flag the threads poll in their spin loops (set on timeout or stop request). */
const _Atomic int *pin_group_abandon_flag(const pin_group *g);
int pin_group_abandoned(const pin_group *g);
void pin_group_free(pin_group *g);
/* The abandon flag of the group the calling thread belongs to (NULL if none). */
const _Atomic int *pin_current_abandon_flag(void);

/* Spin-wait hint: pause on x86, yield on aarch64. */
static inline void pin_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield" ::: "memory");
#else
    __asm__ volatile("" ::: "memory");
#endif
}

#ifdef __cplusplus
}
#endif
#endif
