/*
 * runlock.c — the machine-wide measuring lock (runlock.h): flock on a file
 * every user can open, the holder's pid and run folder written into it so
 * that a waiting run can say whom it waits for.
 */
#include "memprobe/runlock.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memprobe/clock.h"

static int runlock_fd = -1;

int runlock_path(char *out, size_t len)
{
    const char *const env[] = {"MEMPROBE_LOCK_DIR", NULL, "XDG_RUNTIME_DIR", "TMPDIR", NULL};
    const char *const fixed[] = {NULL, "/run/lock", NULL, NULL, "/tmp"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        const char *dir = env[i] ? getenv(env[i]) : fixed[i];
        struct stat st;
        if (!dir || !*dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0)
            continue;
        if (snprintf(out, len, "%s/%s", dir, RUNLOCK_FILE) < (int)len)
            return 0;
    }
    return -1;
}

/* The holder's line ("pid N, run folder DIR") from the lock file. */
static void runlock_read_holder(int fd, char *out, size_t len)
{
    ssize_t n = pread(fd, out, len - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

static void runlock_write_holder(int fd, const char *run_dir)
{
    char line[PATH_MAX + 64];
    int n = snprintf(line, sizeof line, "pid %ld, run folder %s\n", (long)getpid(), run_dir);
    if (n > 0 && ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)n, 0) < 0)
        return;   /* the holder's name is a courtesy to waiting runs */
}

/* Open (creating) the lock file; -1 with info->problem set. */
static int runlock_open(runlock_info *info)
{
    if (runlock_path(info->path, sizeof info->path) != 0) {
        snprintf(info->problem, sizeof info->problem, "no writable folder for %s ($MEMPROBE_LOCK_DIR, /run/lock, "
                 "$XDG_RUNTIME_DIR, $TMPDIR, /tmp)", RUNLOCK_FILE);
        info->path[0] = '\0';
        return -1;
    }
    int fd = open(info->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0)
        fchmod(fd, 0666);   /* other users' runs must be able to open it too (umask) */
    else
        fd = open(info->path, O_RDONLY | O_CLOEXEC);   /* another user's: flock needs no write access */
    if (fd < 0)
        snprintf(info->problem, sizeof info->problem, "cannot open %s: %s", info->path, strerror(errno));
    return fd;
}

int runlock_acquire(const char *run_dir, int wait, int (*stopped)(void), FILE *log, runlock_info *info)
{
    memset(info, 0, sizeof *info);
    int fd = runlock_open(info);
    if (fd < 0)
        return 0;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            snprintf(info->problem, sizeof info->problem, "cannot lock %s: %s", info->path, strerror(errno));
            close(fd);
            return 0;
        }
        runlock_read_holder(fd, info->holder, sizeof info->holder);
        if (!wait) {
            close(fd);
            return 1;
        }
        fprintf(log, "memprobe: another memprobe is measuring on this machine (%s); waiting for it to finish "
                     "(--no-wait refuses instead)\n", *info->holder ? info->holder : "holder unknown");
        fflush(log);
        uint64_t start = clock_now_ns();
        while (flock(fd, LOCK_EX) != 0) {
            int given_up = errno == EINTR && stopped && stopped();
            if (errno != EINTR || given_up) {
                if (!given_up)
                    snprintf(info->problem, sizeof info->problem, "cannot lock %s: %s", info->path, strerror(errno));
                close(fd);
                return given_up ? -1 : 0;
            }
        }
        info->waited_s = (double)(clock_now_ns() - start) * 1e-9;
    }
    runlock_write_holder(fd, run_dir);
    info->held = 1;
    runlock_fd = fd;
    return 0;
}

void runlock_release(void)
{
    if (runlock_fd < 0)
        return;
    if (ftruncate(runlock_fd, 0) != 0)
        errno = 0;   /* a stale holder line is harmless: the lock itself is gone */
    close(runlock_fd);
    runlock_fd = -1;
}

struct json_object *runlock_info_json(const runlock_info *info)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", *info->path ? json_object_new_string(info->path) : NULL);
    json_object_object_add(o, "held", json_object_new_boolean(info->held));
    json_object_object_add(o, "waited_s", json_object_new_double(info->waited_s));
    json_object_object_add(o, "waited_for", *info->holder ? json_object_new_string(info->holder) : NULL);
    json_object_object_add(o, "problem", *info->problem ? json_object_new_string(info->problem) : NULL);
    return o;
}
