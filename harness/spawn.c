/*
 * spawn.c — running a family's child entry point in a fresh process
 * (`memprobe __child <family> ARGS...`), bounded in time, stdout captured.
 */
#include "memprobe/bench.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double spawn_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Read the child's stdout until EOF or the deadline; 0 on EOF, -1 on timeout. */
static int spawn_collect(int fd, double deadline, char **buf, size_t *len, size_t *cap)
{
    for (;;) {
        double left = deadline - spawn_now_s();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        if (*cap - *len < 4096)
            *buf = realloc(*buf, *cap *= 2);
        ssize_t n = read(fd, *buf + *len, *cap - *len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        *len += (size_t)n;
    }
}

int bench_spawn_child(const char *family, const char *const *args, int nargs,
                      double timeout_s, char **output)
{
    char exe[4096];
    /* spawn /proc/self/exe itself: the path it points to may have been
     * replaced (a rebuild) while this process runs */
    ssize_t n = snprintf(exe, sizeof exe, "/proc/self/exe");
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char **argv = calloc((size_t)nargs + 4, sizeof *argv);
    argv[0] = "memprobe";
    argv[1] = "__child";
    argv[2] = (char *)family;
    for (int i = 0; i < nargs; i++)
        argv[3 + i] = (char *)args[i];
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        free(argv);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return -1;
    }
    size_t len = 0, cap = 8192;
    char *buf = malloc(cap);
    int timed_out = spawn_collect(pipefd[0], spawn_now_s() + timeout_s, &buf, &len, &cap) != 0;
    close(pipefd[0]);
    buf[len] = '\0';
    if (timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (output)
        *output = buf;
    else
        free(buf);
    if (timed_out) {
        fprintf(stderr, "%s: child process did not finish within %.0f s; killed\n", family, timeout_s);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
