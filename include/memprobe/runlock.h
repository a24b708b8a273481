/*
 * runlock.h — one memprobe measuring at a time on a machine.
 *
 * Two runs measuring at once disturb each other (latency was up to 36 %
 * higher, with no sign of it in either run).  A run holds an advisory lock
 * (flock) on RUNLOCK_FILE while it measures; a second run waits for it, with
 * a message, or refuses at once (--no-wait).  The lock file lives in the
 * first usable folder of: $MEMPROBE_LOCK_DIR, /run/lock (shared by every
 * user), $XDG_RUNTIME_DIR, $TMPDIR, /tmp.  Runs into different folders both
 * complete: the second measures once the first has finished measuring.
 */
#ifndef MEMPROBE_RUNLOCK_H
#define MEMPROBE_RUNLOCK_H

#include <limits.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RUNLOCK_FILE "memprobe.lock"

/* How taking the lock went (machine.json's "measuring_lock"). */
typedef struct runlock_info {
    char path[PATH_MAX];     /* the lock file ("" when none could be opened) */
    int held;                /* 1 once taken */
    double waited_s;         /* seconds spent waiting for another run */
    char holder[PATH_MAX + 64];   /* who held it when this run arrived ("" when free) */
    char problem[PATH_MAX + 128]; /* why there is no lock ("" when there is one) */
} runlock_info;

/* The lock file's path into out (len bytes): RUNLOCK_FILE in the first
 * folder above that exists and is writable.  0, or -1 when none is. */
int runlock_path(char *out, size_t len);
/* Take the lock for run_dir.  Busy: with wait, say so on log (naming the
 * holder) and wait until it is free or stopped() says to give up; without,
 * refuse.  Returns 0 held (or no lock could be had: info->problem says why,
 * and the run goes on unguarded), 1 refused (busy, !wait), -1 given up
 * (stopped while waiting). */
int runlock_acquire(const char *run_dir, int wait, int (*stopped)(void), FILE *log, runlock_info *info);
/* info as machine.json's "measuring_lock": path, held, waited_s,
 * waited_for (the holder, or null), problem (or null); a new json-c object. */
struct json_object *runlock_info_json(const runlock_info *info);
/* Let the lock go (nothing when not held). */
void runlock_release(void);

#ifdef __cplusplus
}
#endif
#endif
