/*
 * rundir.c — the run folder a run writes into (rundir.h): choosing and
 * checking it, replacing a previous run's files, the lock that keeps a
 * second run out, and the list of what this run wrote.
 *
 * What a run wrote is found by comparing the folder with what it held when
 * the run took it: an entry that is new, or whose inode changed (every file
 * is renamed into place), was written by this run.  So the list needs no
 * cooperation from the writers (libbenchmark's JSON, gnuplot's images, the
 * per-allocator child runs) and never claims a user's own file.
 */
#include "memprobe/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memprobe/output.h"
#include "memprobe/xalloc.h"

typedef struct rundir_entry {
    char *name;
    ino_t ino;
    int is_dir;
} rundir_entry;

struct rundir {
    char *path;
    int lock_fd;              /* the folder, flock'ed; -1 when locks are not supported there */
    int made;                 /* rundir_take created the folder */
    rundir_entry *before;     /* what the folder held once taken */
    size_t nbefore;
};

/* ------------------------------------------------------------ entries */

/* NAME.tmp.PID: the pid, or 0 when name is not a temporary. */
static long rundir_temporary_pid(const char *name)
{
    const char *tmp = strstr(name, ".tmp.");
    if (!tmp)
        return 0;
    const char *digits = tmp + 5;
    char *end;
    long pid = strtol(digits, &end, 10);
    return end != digits && *end == '\0' && pid > 0 ? pid : 0;
}

/* The entries of dir but . and .. (and temporaries when skip_temporaries);
 * their count, or -1 when dir cannot be read. */
static long rundir_scan(const char *dir, int skip_temporaries, rundir_entry **out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (skip_temporaries && rundir_temporary_pid(e->d_name))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        *out = xalloc_array(*out, n + 1, sizeof **out);
        (*out)[n++] = (rundir_entry){xalloc_strdup(e->d_name), st.st_ino, S_ISDIR(st.st_mode)};
    }
    closedir(d);
    return (long)n;
}

static void rundir_entries_free(rundir_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
}

static int rundir_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ----------------------------------------------------------- removing */

static int rundir_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

int rundir_remove_tree(const char *dir, const char *name)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    return nftw(path, rundir_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int rundir_clean_stale(const char *dir)
{
    rundir_entry *e;
    long n = rundir_scan(dir, 0, &e), removed = 0;
    for (long i = 0; i < n; i++) {
        long pid = rundir_temporary_pid(e[i].name);
        if (pid && kill((pid_t)pid, 0) != 0 && errno == ESRCH && rundir_remove_tree(dir, e[i].name) == 0)
            removed++;
    }
    rundir_entries_free(e, n > 0 ? (size_t)n : 0);
    return (int)removed;
}

/* A listed name the folder's own run could have written: one entry of the
 * folder (a trailing '/' marks a folder), never a path out of it. */
static int rundir_safe_name(const char *name)
{
    size_t n = strlen(name);
    const char *slash = strchr(name, '/');
    return n > 0 && strcmp(name, ".") != 0 && strcmp(name, "./") != 0 && strncmp(name, "..", 2) != 0 &&
           (!slash || slash == name + n - 1);
}

long rundir_listed_files(const char *dir, char ***names)
{
    *names = NULL;
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/machine.json", dir) >= (int)sizeof path)
        return -1;
    json_object *m = json_object_from_file(path), *files;
    long n = -1;
    if (m && json_object_is_type(m, json_type_object) && json_object_object_get_ex(m, "files", &files) &&
        json_object_is_type(files, json_type_array)) {
        n = 0;
        for (size_t i = 0; i < json_object_array_length(files); i++) {
            const char *f = json_object_get_string(json_object_array_get_idx(files, i));
            if (!f || !rundir_safe_name(f))
                continue;
            *names = xalloc_array(*names, (size_t)n + 1, sizeof **names);
            (*names)[n++] = xalloc_strdup(f);
        }
    }
    json_object_put(m);
    return n;
}

/* Remove what the run in dir listed, and the temporaries it left.  0, or
 * -1 with err. */
static int rundir_remove_run(const char *dir, const char *shown, char *err, size_t errlen)
{
    char **names;
    long n = rundir_listed_files(dir, &names);
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        char name[NAME_MAX + 2];
        snprintf(name, sizeof name, "%s", names[i]);
        name[strcspn(name, "/")] = '\0';
        if (rundir_remove_tree(dir, name) != 0) {
            snprintf(err, errlen, "--replace: cannot remove '%s' of the previous run in '%s': %s", name, shown,
                     strerror(errno));
            rc = -1;
        }
    }
    xalloc_free_list(names, n > 0 ? (size_t)n : 0);
    rundir_clean_stale(dir);
    return rc;
}

/* --------------------------------------------------------- the folder */

/* path made absolute without resolving its last component: the real path
 * of its parent, then its name.  0, or -1 (the parent does not exist). */
static int rundir_canonical(const char *path, char *out, size_t outlen)
{
    char copy[PATH_MAX], parent[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    size_t n = strlen(copy);
    while (n > 1 && copy[n - 1] == '/')
        copy[--n] = '\0';
    char *base = strrchr(copy, '/');
    const char *name = base ? base + 1 : copy;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(copy, "/") == 0)
        return realpath(copy, out) ? 0 : -1;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", base ? (int)(base == copy ? 1 : base - copy) : 1, base ? copy : ".");
    if (!realpath(dir, parent))
        return -1;
    return snprintf(out, outlen, "%s%s%s", parent, strcmp(parent, "/") == 0 ? "" : "/", name) < (int)outlen ? 0 : -1;
}

/* 1 when path is base/latest, or reaches through it (base/latest/sub). */
static int rundir_through_latest(const char *base, const char *path)
{
    char real_base[PATH_MAX], latest[PATH_MAX + 16], p[PATH_MAX], canon[PATH_MAX];
    if (!realpath(base, real_base))
        return 0;
    snprintf(latest, sizeof latest, "%s/%s", real_base, RUNDIR_LATEST);
    snprintf(p, sizeof p, "%s", path);
    for (;;) {
        if (rundir_canonical(p, canon, sizeof canon) == 0 && strcmp(canon, latest) == 0)
            return 1;
        char *slash = strrchr(p, '/');
        while (slash && slash > p && slash[1] == '\0') {   /* trailing slashes */
            *slash = '\0';
            slash = strrchr(p, '/');
        }
        if (!slash || slash == p)
            return 0;
        *slash = '\0';
    }
}

/* What the folder at path is: -1 absent, 0 empty, 1 a memprobe run folder
 * that listed its files, 2 one that did not (an older memprobe's), 3 a
 * folder of other things, 4 not a folder. */
static int rundir_kind(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return 4;
    rundir_entry *e;
    long n = rundir_scan(path, 0, &e);
    rundir_entries_free(e, n > 0 ? (size_t)n : 0);
    if (n <= 0)
        return n == 0 ? 0 : 3;
    char **names;
    long listed = rundir_listed_files(path, &names);
    xalloc_free_list(names, listed > 0 ? (size_t)listed : 0);
    if (listed >= 0)
        return 1;
    char machine[PATH_MAX];
    snprintf(machine, sizeof machine, "%s/machine.json", path);
    json_object *m = json_object_from_file(machine), *v;
    int old_run = m && json_object_is_type(m, json_type_object) && json_object_object_get_ex(m, "command_line", &v);
    json_object_put(m);
    return old_run ? 2 : 3;
}

/* Refuse what would mix two runs: 0, or -1 with err. */
static int rundir_check_existing(const char *path, const char *shown, int replace, char *err, size_t errlen)
{
    switch (rundir_kind(path)) {
    case 4:
        snprintf(err, errlen, "--out '%s': not a folder", shown);
        return -1;
    case 3:
        snprintf(err, errlen, "--out '%s': not empty and not a memprobe run folder; give a new or empty folder",
                 shown);
        return -1;
    case 2:
        snprintf(err, errlen, "--out '%s' holds a run of an older memprobe that did not list its files; remove "
                 "it yourself or give a new folder", shown);
        return -1;
    case 1:
        if (!replace) {
            snprintf(err, errlen, "--out '%s' holds a memprobe run; add --replace to remove that run's files "
                     "first, or give a new folder", shown);
            return -1;
        }
        return 0;
    default:
        return 0;
    }
}

/* The folder's lock: 0 (held, or not supported here), -1 when another
 * process holds it. */
static int rundir_lock(rundir *d)
{
    d->lock_fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB) == 0)
        return 0;
    int busy = errno == EWOULDBLOCK;
    if (!busy) {   /* a filesystem without flock: go on unlocked */
        close(d->lock_fd);
        d->lock_fd = -1;
    }
    return busy ? -1 : 0;
}

int rundir_busy(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return busy;
}

/* A fresh base/<host>-<UTC>[-N] in out.  0, or -1 with err. */
static int rundir_make_fresh(const char *base, char *out, size_t outlen, char *err, size_t errlen)
{
    char host[256] = "host";
    gethostname(host, sizeof host - 1);
    host[strcspn(host, ".")] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (mkdir(base, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create results folder '%s': %s", base, strerror(errno));
        return -1;
    }
    for (int i = 0;; i++) {   /* two runs in the same second get distinct folders */
        if (i == 0)
            snprintf(out, outlen, "%s/%s-%s", base, host, stamp);
        else
            snprintf(out, outlen, "%s/%s-%s-%d", base, host, stamp, i);
        if (mkdir(out, 0777) == 0)
            return 0;
        if (errno != EEXIST || i > 1000) {
            snprintf(err, errlen, "cannot create run folder '%s': %s", out, strerror(errno));
            return -1;
        }
    }
}

/* The --out folder, resolved into out, checked, made when absent.
 * *made says whether it was made.  0, or -1 with err. */
static int rundir_make_explicit(const char *base, const char *given, int replace, char *out, size_t outlen,
                                int *made, char *err, size_t errlen)
{
    size_t len = strlen(given);
    if (len == 0 || len >= PATH_MAX - RUNDIR_NAME_ROOM) {
        snprintf(err, errlen, "--out '%.48s%s' (%zu characters): expected a path of 1 to %d characters",
                 given, len > 48 ? "..." : "", len, PATH_MAX - RUNDIR_NAME_ROOM - 1);
        return -1;
    }
    if (rundir_through_latest(base, given)) {
        snprintf(err, errlen, "--out '%s': that is %s/%s, the link to the last run; give a folder of its own",
                 given, base, RUNDIR_LATEST);
        return -1;
    }
    if (rundir_canonical(given, out, outlen) != 0 || strlen(out) >= PATH_MAX - RUNDIR_NAME_ROOM) {
        snprintf(err, errlen, "--out '%s': cannot create folder: %s", given,
                 errno ? strerror(errno) : "path too long");
        return -1;
    }
    if (rundir_check_existing(out, given, replace, err, errlen) != 0)
        return -1;
    *made = mkdir(out, 0777) == 0;
    if (!*made && errno != EEXIST) {
        snprintf(err, errlen, "--out '%s': cannot create folder: %s", given, strerror(errno));
        return -1;
    }
    return 0;
}

int rundir_writable(const char *path, const char *label, const char *shown, char *err, size_t errlen)
{
    char probe[PATH_MAX];
    if (snprintf(probe, sizeof probe, "%s/.memprobe-write-test.tmp.%ld", path, (long)getpid()) >= (int)sizeof probe) {
        snprintf(err, errlen, "%s'%s': path too long", label, shown);
        return -1;
    }
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s'%s': folder is not writable: %s", label, shown, strerror(errno));
        return -1;
    }
    close(fd);
    unlink(probe);
    return 0;
}

rundir *rundir_take(const char *base, const char *out, int replace, char *err, size_t errlen)
{
    char path[PATH_MAX];
    int made = 0;
    errno = 0;
    if (out ? rundir_make_explicit(base, out, replace, path, sizeof path, &made, err, errlen)
            : rundir_make_fresh(base, path, sizeof path, err, errlen))
        return NULL;
    made = out ? made : 1;
    rundir *d = xalloc_calloc(1, sizeof *d);
    d->path = xalloc_strdup(path);
    d->made = made;
    const char *shown = out ? out : path;
    if (rundir_lock(d) != 0) {
        snprintf(err, errlen, "--out '%s': another memprobe is writing into it right now", shown);
    } else if (rundir_writable(path, "--out ", shown, err, errlen) == 0 &&
               (made || rundir_kind(path) != 1 || rundir_remove_run(path, shown, err, errlen) == 0)) {
        long n = rundir_scan(path, 1, &d->before);
        d->nbefore = n > 0 ? (size_t)n : 0;
        return d;
    }
    rundir_release(d, 0);
    if (made)
        rmdir(path);
    return NULL;
}

const char *rundir_path(const rundir *d)
{
    return d->path;
}

/* 1 when e was there, as it is, when the run took the folder. */
static int rundir_was_there(const rundir *d, const rundir_entry *e)
{
    for (size_t i = 0; i < d->nbefore; i++)
        if (strcmp(d->before[i].name, e->name) == 0 && d->before[i].ino == e->ino)
            return 1;
    return 0;
}

size_t rundir_written(const rundir *d, char ***names)
{
    *names = NULL;
    rundir_entry *now;
    long n = rundir_scan(d->path, 1, &now);
    size_t k = 0;
    for (long i = 0; i < n; i++) {
        if (rundir_was_there(d, &now[i]))
            continue;
        *names = xalloc_array(*names, k + 1, sizeof **names);
        (*names)[k++] = output_strdupf("%s%s", now[i].name, now[i].is_dir ? "/" : "");
    }
    rundir_entries_free(now, n > 0 ? (size_t)n : 0);
    if (k)
        qsort(*names, k, sizeof **names, rundir_cmp_names);
    return k;
}

void rundir_release(rundir *d, int discard)
{
    if (!d)
        return;
    if (discard) {
        char **names;
        size_t n = rundir_written(d, &names);
        for (size_t i = 0; i < n; i++) {
            names[i][strcspn(names[i], "/")] = '\0';
            rundir_remove_tree(d->path, names[i]);
        }
        xalloc_free_list(names, n);
        if (d->made)
            rmdir(d->path);
    }
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    rundir_entries_free(d->before, d->nbefore);
    free(d->path);
    free(d);
}

/* ------------------------------------------------------- base/latest */

int rundir_in_base(const char *base, const char *dir)
{
    char parent[PATH_MAX], real_base[PATH_MAX], copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", dir);
    if (!realpath(dirname(copy), parent) || !realpath(base, real_base))
        return 0;
    return strcmp(parent, real_base) == 0;
}

int rundir_point_latest(const char *base, const char *run_dir)
{
    return rundir_point_link(base, RUNDIR_LATEST, run_dir);
}

int rundir_point_link(const char *base, const char *name, const char *run_dir)
{
    char link[PATH_MAX], tmp[PATH_MAX], copy[PATH_MAX];
    snprintf(link, sizeof link, "%s/%s", base, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", base, name, (long)getpid());
    snprintf(copy, sizeof copy, "%s", run_dir);
    const char *target = basename(copy);   /* run_dir sits in base (rundir_in_base) */
    unlink(tmp);
    if (symlink(target, tmp) != 0)
        return -1;
    if (rename(tmp, link) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}
