/*
 * procfs.h — reading the one-line files the kernel offers under /proc and
 * /sys (perf_event_paranoid, statm, a thread's comm, cpufreq knobs...): the
 * one reader every module uses.
 */
#ifndef MEMPROBE_PROCFS_H
#define MEMPROBE_PROCFS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Cut trailing newlines, spaces and tabs off s. */
void procfs_trim(char *s);
/* The first line of path into buf (len bytes), trimmed.  0, or -1 when the
 * file cannot be read or is empty. */
int procfs_read_line(const char *path, char *buf, size_t len);
/* The first line of path as a decimal integer.  0, or -1 when unreadable
 * or not a number. */
int procfs_read_long(const char *path, long *out);

#ifdef __cplusplus
}
#endif
#endif
