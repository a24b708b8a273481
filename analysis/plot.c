/*
 * plot.c — decide which gnuplot scripts of the data folder (paths.h) apply
 * to a run folder, and run them headless with a time limit, reducing any
 * failure to one line.  A script runs in a scratch folder inside the run
 * folder that links to the run's files and to nothing else; only when it
 * succeeds are its images renamed into the run folder, so a failing script
 * never leaves a half-drawn or empty image, nor replaces a good one.
 * Scripts run side by side, one gnuplot per CPU (at most PLOT_WORKERS).
 */
#include "analysis/plot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memprobe/output.h"
#include "memprobe/paths.h"
#include "memprobe/proc.h"
#include "memprobe/rundir.h"
#include "memprobe/xalloc.h"

#define PLOT_TIMEOUT_S 120.0
#define PLOT_WORKERS 4   /* gnuplot processes at once, at most one per CPU */

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

/* Why gnuplot's run r (rc) failed, into err. */
static void plot_describe_failure(const proc_result *r, const char *base, double timeout_s, char *err,
                                  size_t errlen)
{
    char last[400];
    plot_last_error_line(r->output, last, sizeof last);
    if (r->status == PROC_TIMED_OUT)
        snprintf(err, errlen, "%s: gnuplot took longer than %.0f s and was stopped", base, timeout_s);
    else if (r->status == PROC_NOT_STARTED && strcmp(r->failed_step, "chdir") == 0)
        snprintf(err, errlen, "%s: cannot enter its scratch folder", base);
    else if (r->status == PROC_NOT_STARTED)
        snprintf(err, errlen, "%s: gnuplot could not be started", base);
    else
        snprintf(err, errlen, "%s: gnuplot failed: %s", base, *last ? last : "no message");
}

/* A scratch folder dir/.plot-NAME.tmp.PID (a temporary a later run cleans
 * if this process dies) holding links to the inputs; its name into out.
 * 0, or -1 with err. */
static int plot_make_scratch(const char *dir, const char *name, char *const *inputs, size_t ninputs, char *out,
                             size_t outlen, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (snprintf(out, outlen, ".plot-%s.tmp.%ld", name, (long)getpid()) >= (int)outlen ||
        snprintf(path, sizeof path, "%s/%s", dir, out) >= (int)sizeof path) {
        snprintf(err, errlen, "%s.gp: the run folder's path is too long", name);
        return -1;
    }
    rundir_remove_tree(dir, out);
    if (mkdir(path, 0700) != 0) {
        snprintf(err, errlen, "%s.gp: cannot make a scratch folder in %s: %s", name, dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < ninputs; i++) {
        char link[PATH_MAX], target[PATH_MAX];
        if (snprintf(link, sizeof link, "%s/%s", path, inputs[i]) < (int)sizeof link &&
            snprintf(target, sizeof target, "../%s", inputs[i]) < (int)sizeof target && symlink(target, link) != 0) {
            snprintf(err, errlen, "%s.gp: cannot link %s into its scratch folder: %s", name, inputs[i], strerror(errno));
            rundir_remove_tree(dir, out);
            return -1;
        }
    }
    return 0;
}

/* Rename every file gnuplot wrote into the scratch folder (not the links)
 * into dir, adding their names to *drawn.  0, or -1 with err. */
static int plot_place_images(const char *dir, const char *scratch, char ***drawn, size_t *ndrawn, char *err,
                             size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, scratch);
    DIR *d = opendir(path);
    int into = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = d && into >= 0 ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "cannot read the plots drawn in '%s': %s", path, strerror(errno));
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (renameat(dirfd(d), e->d_name, into, e->d_name) != 0) {
            snprintf(err, errlen, "cannot write '%s/%s': %s", dir, e->d_name, strerror(errno));
            rc = -1;
            break;
        }
        *drawn = xalloc_array(*drawn, *ndrawn + 1, sizeof **drawn);
        (*drawn)[(*ndrawn)++] = xalloc_strdup(e->d_name);
    }
    if (d)
        closedir(d);
    if (into >= 0)
        close(into);
    return rc;
}

int plot_run_script(const char *script, const char *dir, char *const *inputs, size_t ninputs, const char *host,
                    const char *cpu, double timeout_s, char ***drawn, size_t *ndrawn, char *err, size_t errlen)
{
    char abs[PATH_MAX], gnuplot[PATH_MAX], scratch[NAME_MAX + 1], scratch_path[PATH_MAX];
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    if (!realpath(script, abs)) {
        snprintf(err, errlen, "%s: %s", script, strerror(errno));
        return -1;
    }
    if (proc_find_in_path("gnuplot", gnuplot, sizeof gnuplot) != 0) {
        snprintf(err, errlen, "%s: gnuplot could not be started (not found on PATH)", base);
        return -1;
    }
    char *name = plot_script_name(script);
    int rc = plot_make_scratch(dir, name, inputs, ninputs, scratch, sizeof scratch, err, errlen);
    free(name);
    if (rc != 0)
        return -1;
    snprintf(scratch_path, sizeof scratch_path, "%s/%s", dir, scratch);
    char vars[1024] = "host=", tmpdir[PATH_MAX + 8] = "TMPDIR=";
    plot_quote(vars, sizeof vars, host ? host : "unknown host");
    strncat(vars, "; cpu=", sizeof vars - strlen(vars) - 1);
    plot_quote(vars, sizeof vars, cpu ? cpu : "unknown CPU");
    if (!realpath(scratch_path, tmpdir + 7))
        snprintf(tmpdir + 7, sizeof tmpdir - 7, "%s", scratch_path);
    char *const settings[] = {tmpdir};   /* gnuplot and its libraries write nothing outside the run folder */
    char **env = proc_env_with(settings, 1);
    char *argv[] = {"gnuplot", "-e", vars, abs, NULL};
    proc_spec spec = {.path = gnuplot, .argv = argv, .envp = env, .cwd = scratch_path, .in = PROC_NULL,
                      .out = PROC_NULL, .err = PROC_CAPTURE, .timeout_s = timeout_s};
    proc_result r;
    rc = proc_run(&spec, &r);
    if (rc != 0)
        plot_describe_failure(&r, base, timeout_s, err, errlen);
    else
        rc = plot_place_images(dir, scratch, drawn, ndrawn, err, errlen);
    proc_result_free(&r);
    free(env);
    rundir_remove_tree(dir, scratch);
    return rc;
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

/* One applicable script of plot_run_all and what became of it. */
typedef struct plot_job {
    char *path;
    char **drawn;
    size_t ndrawn;
    int rc;
    char err[1024];
} plot_job;

/* What plot_run_all's workers share: the jobs, the next one to take, and
 * the run's folder, files and labels (read only). */
typedef struct plot_queue {
    plot_job *jobs;
    size_t njobs;
    atomic_size_t next;
    const char *dir, *host, *cpu;
    char *const *inputs;
    size_t ninputs;
} plot_queue;

static void *plot_worker(void *arg)
{
    plot_queue *q = arg;
    for (size_t i; (i = atomic_fetch_add_explicit(&q->next, 1, memory_order_relaxed)) < q->njobs;) {
        plot_job *j = &q->jobs[i];
        j->rc = plot_run_script(j->path, q->dir, q->inputs, q->ninputs, q->host, q->cpu, PLOT_TIMEOUT_S, &j->drawn,
                                &j->ndrawn, j->err, sizeof j->err);
    }
    return NULL;
}

/* Run the queue's jobs on up to PLOT_WORKERS threads (each job is a
 * gnuplot process: they run side by side on the machine's CPUs; the one
 * calling thread works too). */
static void plot_run_queue(plot_queue *q)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t want = cpus > 1 ? (size_t)cpus : 1;
    want = want < PLOT_WORKERS ? want : PLOT_WORKERS;
    want = want < q->njobs ? want : q->njobs;
    pthread_t threads[PLOT_WORKERS];
    size_t started = 0;
    for (; started + 1 < want; started++)
        if (pthread_create(&threads[started], NULL, plot_worker, q) != 0)
            break;
    plot_worker(q);
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
}

int plot_run_all(runfolder *run, FILE *out, char ***failures, size_t *nfailures)
{
    *failures = NULL;
    *nfailures = 0;
    if (!plot_gnuplot_available()) {
        fprintf(out, "%s\n", plot_install_hint());
        return -1;
    }
    char plots[PATH_MAX];
    snprintf(plots, sizeof plots, "%s/plots", paths_data_dir());
    char **scripts, **inputs, **drawn = NULL;
    size_t n = plot_list_dir(plots, plot_is_script, NULL, &scripts), ninputs = runfolder_files(run, &inputs), ndrawn = 0;
    plot_queue q = {.jobs = xalloc_calloc(n ? n : 1, sizeof *q.jobs), .dir = runfolder_dir(run),
                    .host = runfolder_machine_get(run, "host"), .cpu = runfolder_machine_get(run, "cpu_model"),
                    .inputs = inputs, .ninputs = ninputs};
    atomic_init(&q.next, 0);
    for (size_t i = 0; i < n; i++) {
        char *path = output_strdupf("%s/%s", plots, scripts[i]);
        if (plot_script_applies(path, run))
            q.jobs[q.njobs++].path = path;
        else
            free(path);
    }
    plot_run_queue(&q);
    int ok = 0;
    for (size_t i = 0; i < q.njobs; i++) {   /* in script order, whichever finished first */
        plot_job *j = &q.jobs[i];
        for (size_t k = 0; k < j->ndrawn; k++) {
            drawn = xalloc_array(drawn, ndrawn + 1, sizeof *drawn);
            drawn[ndrawn++] = j->drawn[k];
        }
        free(j->drawn);
        free(j->path);
        if (j->rc == 0) {
            ok++;
            continue;
        }
        fprintf(out, "plots: %s\n", j->err);
        *failures = xalloc_array(*failures, *nfailures + 1, sizeof **failures);
        (*failures)[(*nfailures)++] = output_strdupf("plot %s", j->err);
    }
    free(q.jobs);
    char err[1024];
    if (runfolder_add_files(run, drawn, ndrawn, err, sizeof err) != 0) {
        fprintf(out, "plots: %s\n", err);
        *failures = xalloc_array(*failures, *nfailures + 1, sizeof **failures);
        (*failures)[(*nfailures)++] = output_strdupf("plots not listed in machine.json: %s", err);
    }
    xalloc_free_list(drawn, ndrawn);
    xalloc_free_list(inputs, ninputs);
    xalloc_free_list(scripts, n);
    return ok;
}
