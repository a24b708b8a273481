/*
 * rundir.h — the run folder a run writes into, and what it may overwrite.
 *
 * A run folder holds one run.  The folder is either a fresh
 * base/<host>-<UTC timestamp> or the --out folder, which must be new, empty,
 * or a memprobe run folder given with --replace (then the files that run
 * listed in its machine.json are removed before anything is written).  A
 * non-empty folder that is not a run folder, a path through base/latest and
 * a path too long for the system are refused.  While a run holds its
 * folder, a second run cannot take it (an advisory lock on the folder).
 * The files a run wrote are what appeared in the folder after it was taken:
 * machine.json lists them, and nothing reads a file it does not list.
 */
#ifndef MEMPROBE_RUNDIR_H
#define MEMPROBE_RUNDIR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The folder base/latest points at the last run written into base. */
#define RUNDIR_LATEST "latest"
/* Room kept below PATH_MAX for the names a run writes inside its folder. */
#define RUNDIR_NAME_ROOM 128

typedef struct rundir rundir;

/* Take the run folder: out (--out, NULL for a fresh base/<host>-<UTC>),
 * resolved; replace: --replace.  NULL with one line in err naming the
 * folder and what is accepted (a usage error); nothing is left behind. */
rundir *rundir_take(const char *base, const char *out, int replace, char *err, size_t errlen);
/* The folder's path (for --out: resolved, absolute). */
const char *rundir_path(const rundir *d);
/* The entries this run added to the folder or replaced since it took it
 * (sorted; a folder it made ends in '/'; temporaries not included) into
 * *names (free with xalloc_free_list); returns how many. */
size_t rundir_written(const rundir *d, char ***names);
/* Let the folder go.  With discard, first remove what this run wrote, and
 * the folder itself when the run made it (a run refused after taking it). */
void rundir_release(rundir *d, int discard);

/* 1 when a run holds dir right now (it is being written). */
int rundir_busy(const char *dir);
/* The files the run in dir listed in its machine.json ("files") into
 * *names (free with xalloc_free_list): their count, or -1 when dir has no
 * machine.json naming its files (not a run folder, or one of a memprobe
 * that did not record them). */
long rundir_listed_files(const char *dir, char ***names);
/* Remove the temporaries (NAME.tmp.PID, files or folders) that processes
 * no longer running left in dir; returns how many were removed. */
int rundir_clean_stale(const char *dir);
/* Remove dir/name, a folder with everything in it (symbolic links are
 * removed, never followed).  0, or -1 with errno set. */
int rundir_remove_tree(const char *dir, const char *name);
/* 1 when dir sits directly in base (so base/latest may point at it). */
int rundir_in_base(const char *base, const char *dir);
/* Point base/latest at run_dir (the link replaced atomically).  0 or -1. */
int rundir_point_latest(const char *base, const char *run_dir);
/* Point base/name at dir, which sits in base (rundir_in_base), the same way. */
int rundir_point_link(const char *base, const char *name, const char *dir);
/* 0 when a file can be made in path; else -1 with "<label>'shown': folder
 * is not writable: why" (or "path too long") in err; label e.g. "--out ". */
int rundir_writable(const char *path, const char *label, const char *shown, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
