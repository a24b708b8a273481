/*
 * plot.c — decide which gnuplot scripts of the data folder (paths.h) apply
 * to a run folder, and run them headless with a time limit, reducing any
 * failure to one line.
 */
#include "analysis/plot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memprobe/paths.h"
#include "memprobe/proc.h"
#include "memprobe/xalloc.h"

#define PLOT_TIMEOUT_S 120.0

int plot_gnuplot_available(void)
{
    char path[PATH_MAX];
    return proc_find_in_path("gnuplot", path, sizeof path) == 0;
}

const char *plot_install_hint(void)
{
    return "plots: gnuplot not found, no plots drawn; install it with 'sudo apt-get install gnuplot-nox' "
           "(Fedora: 'sudo dnf install gnuplot') or 'make deps'";
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
    xalloc_free_list(inputs, n);
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
static void plot_last_error_line(const char *text, char *out, size_t outlen)
{
    out[0] = '\0';
    for (const char *line = text; *line; line += strcspn(line, "\n"), line += *line == '\n') {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = strcspn(p, "\r\n");
        if (len && !(len == 1 && *p == '^'))
            snprintf(out, outlen, "%.*s", (int)len, p);
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
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    char gnuplot[PATH_MAX];
    if (proc_find_in_path("gnuplot", gnuplot, sizeof gnuplot) != 0) {
        snprintf(err, errlen, "%s: gnuplot could not be started (not found on PATH)", base);
        return -1;
    }
    char *argv[] = {"gnuplot", "-e", vars, abs, NULL};
    proc_spec spec = {.path = gnuplot, .argv = argv, .cwd = dir, .in = PROC_NULL, .out = PROC_NULL,
                      .err = PROC_CAPTURE, .timeout_s = timeout_s};
    proc_result r;
    int rc = proc_run(&spec, &r);
    char last[400];
    plot_last_error_line(r.output, last, sizeof last);
    proc_result_free(&r);
    if (rc == 0)
        return 0;
    if (r.status == PROC_TIMED_OUT)
        snprintf(err, errlen, "%s: gnuplot took longer than %.0f s and was stopped", base, timeout_s);
    else if (r.status == PROC_NOT_STARTED && strcmp(r.failed_step, "chdir") == 0)
        snprintf(err, errlen, "%s: cannot enter the run folder %s", base, dir);
    else if (r.status == PROC_NOT_STARTED)
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
    snprintf(plots, sizeof plots, "%s/plots", paths_data_dir());
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
    xalloc_free_list(scripts, n);
    return ok;
}
