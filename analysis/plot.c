/*
 * plot.c — find the data folder (plots/, claims/), decide which gnuplot
 * scripts apply to a run folder, and run them headless with a time limit,
 * reducing any failure to one line.
 */
#include "analysis/plot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memprobe/xalloc.h"

#ifndef MEMPROBE_DATADIR
#define MEMPROBE_DATADIR "/usr/local/share/memprobe"
#endif

#define PLOT_TIMEOUT_S 120.0

static int plot_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *plot_data_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("MEMPROBE_DATADIR");
    if (env && *env) {
        snprintf(dir, sizeof dir, "%s", env);
        return dir;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char probe[PATH_MAX + 16];
        char *bindir = dirname(exe);
        /* the source tree (bin/../plots), then an installed tree whatever
         * its prefix (PREFIX/bin/../share/memprobe/plots) */
        const char *const layouts[] = {"%s/..", "%s/../share/memprobe"};
        for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
            snprintf(dir, sizeof dir, layouts[i], bindir);
            snprintf(probe, sizeof probe, "%s/plots", dir);
            if (plot_is_dir(probe))
                return dir;
        }
    }
    snprintf(dir, sizeof dir, "%s", MEMPROBE_DATADIR);
    return dir;
}

int plot_gnuplot_available(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = xalloc_strdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char probe[PATH_MAX];
        snprintf(probe, sizeof probe, "%s/gnuplot", *d ? d : ".");
        found = access(probe, X_OK) == 0;
    }
    free(copy);
    return found;
}

const char *plot_install_hint(void)
{
    return "plots: gnuplot not found, no plots drawn; install it with 'sudo apt-get install gnuplot-nox' "
           "(Fedora: 'sudo dnf install gnuplot') or 'make deps'";
}

void plot_list_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

size_t plot_script_inputs(const char *script, char ***inputs)
{
    *inputs = NULL;
    FILE *f = fopen(script, "r");
    if (!f)
        return 0;
    char line[1024];
    size_t n = 0;
    if (fgets(line, sizeof line, f)) {
        const char *p = line;
        while (*p == '#' || *p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "inputs:", 7) == 0) {
            for (char *save = NULL, *w = strtok_r((char *)p + 7, " ,\t\r\n", &save); w;
                 w = strtok_r(NULL, " ,\t\r\n", &save)) {
                *inputs = xalloc_array(*inputs, n + 1, sizeof **inputs);
                (*inputs)[n++] = xalloc_strdup(w);
            }
        }
    }
    fclose(f);
    return n;
}

/* NAME of plots/NAME.gp. */
static char *plot_script_name(const char *script)
{
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    size_t len = strlen(base);
    return xalloc_strndup(base, len > 3 && strcmp(base + len - 3, ".gp") == 0 ? len - 3 : len);
}

int plot_script_applies(const char *script, runfolder *run)
{
    char *name = plot_script_name(script);
    char **inputs;
    size_t n = plot_script_inputs(script, &inputs);
    int applies = n == 0 ? runfolder_family_present(run, name) : 1;
    for (size_t i = 0; i < n && applies; i++) {
        if (strcmp(inputs[i], "results.csv") == 0)
            applies = runfolder_family_present(run, name);
        else
            applies = runfolder_has_file(run, inputs[i]);
    }
    plot_list_free(inputs, n);
    free(name);
    return applies;
}

/* Append s to buf as a gnuplot single-quoted string ('' escapes a quote). */
static void plot_quote(char *buf, size_t len, const char *s)
{
    size_t o = strlen(buf);
    if (o + 1 < len)
        buf[o++] = '\'';
    for (; s && *s && o + 3 < len; s++) {
        if (*s == '\'')
            buf[o++] = '\'';
        buf[o++] = (char)(isprint((unsigned char)*s) ? *s : ' ');
    }
    if (o + 1 < len)
        buf[o++] = '\'';
    buf[o] = '\0';
}

/* The last meaningful line of gnuplot's stderr (not a caret marker). */
static void plot_last_error_line(const char *path, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    out[0] = '\0';
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p && strcmp(p, "^") != 0) {
            size_t len = strlen(p);
            if (len >= outlen)
                len = outlen - 1;
            memcpy(out, p, len);
            out[len] = '\0';
        }
    }
    fclose(f);
}

/* Wait for pid at most timeout_s; kill it after.  Exit status, or -1. */
static int plot_wait(pid_t pid, double timeout_s)
{
    struct timespec start, now, nap = {0, 10 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (r < 0 && errno != EINTR)
            return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -2;
        }
        nanosleep(&nap, NULL);
    }
}

int plot_run_script(const char *script, const char *dir, const char *host, const char *cpu,
                    double timeout_s, char *err, size_t errlen)
{
    char abs[PATH_MAX];
    if (!realpath(script, abs)) {
        snprintf(err, errlen, "%s: %s", script, strerror(errno));
        return -1;
    }
    char vars[1024] = "host=";
    plot_quote(vars, sizeof vars, host ? host : "unknown host");
    strncat(vars, "; cpu=", sizeof vars - strlen(vars) - 1);
    plot_quote(vars, sizeof vars, cpu ? cpu : "unknown CPU");
    char log[] = "/tmp/memprobe-gnuplot-XXXXXX";
    int fd = mkstemp(log);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot make a temporary file: %s", script, strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execlp("gnuplot", "gnuplot", "-e", vars, abs, (char *)NULL);
        _exit(127);
    }
    close(fd);
    int rc = pid < 0 ? -1 : plot_wait(pid, timeout_s);
    char last[400];
    plot_last_error_line(log, last, sizeof last);
    unlink(log);
    if (rc == 0)
        return 0;
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    if (rc == -2)
        snprintf(err, errlen, "%s: gnuplot took longer than %.0f s and was stopped", base, timeout_s);
    else if (rc == 126)
        snprintf(err, errlen, "%s: cannot enter the run folder %s", base, dir);
    else if (rc == 127)
        snprintf(err, errlen, "%s: gnuplot could not be started", base);
    else
        snprintf(err, errlen, "%s: gnuplot failed: %s", base, *last ? last : "no message");
    return -1;
}

static int plot_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted file names in dir accepted by keep(name, arg). */
static size_t plot_list_dir(const char *dir, int (*keep)(const char *, const char *), const char *arg,
                            char ***files)
{
    *files = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !keep(e->d_name, arg))
            continue;
        *files = xalloc_array(*files, n + 1, sizeof **files);
        (*files)[n++] = xalloc_strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(*files, n, sizeof **files, plot_cmp_str);
    return n;
}

static int plot_is_script(const char *file, const char *unused)
{
    (void)unused;
    size_t len = strlen(file);
    return len > 3 && strcmp(file + len - 3, ".gp") == 0;
}

static int plot_is_image_of(const char *file, const char *name)
{
    size_t len = strlen(file), nl = strlen(name);
    if (len < nl + 4 || strncmp(file, name, nl) != 0 || strcmp(file + len - 4, ".png") != 0)
        return 0;
    return file[nl] == '.' || (file[nl] == '-' && len > nl + 5);
}

size_t plot_images(const char *dir, const char *name, char ***files)
{
    size_t n = plot_list_dir(dir, plot_is_image_of, name, files), kept = 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX + 256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, (*files)[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
            (*files)[kept++] = (*files)[i];     /* a failed script can leave an empty file */
        else
            free((*files)[i]);
    }
    return kept;
}

int plot_run_all(runfolder *run, FILE *out)
{
    if (!plot_gnuplot_available()) {
        fprintf(out, "%s\n", plot_install_hint());
        return -1;
    }
    char plots[PATH_MAX];
    snprintf(plots, sizeof plots, "%s/plots", plot_data_dir());
    char **scripts;
    size_t n = plot_list_dir(plots, plot_is_script, NULL, &scripts);
    int ok = 0;
    const char *host = runfolder_machine_get(run, "host");
    const char *cpu = runfolder_machine_get(run, "cpu_model");
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX + 256], err[512];
        snprintf(path, sizeof path, "%s/%s", plots, scripts[i]);
        if (!plot_script_applies(path, run))
            continue;
        if (plot_run_script(path, runfolder_dir(run), host, cpu, PLOT_TIMEOUT_S, err, sizeof err) == 0)
            ok++;
        else
            fprintf(out, "plots: %s\n", err);
    }
    plot_list_free(scripts, n);
    return ok;
}
