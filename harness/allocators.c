/*
 * allocators.c — alternative malloc implementations run by re-executing the
 * suite under LD_PRELOAD (see allocators.h).
 *
 * The parent finds each allocator's shared library in the usual library
 * folders, starts /proc/self/exe with the same command line (minus --out,
 * plus --child-allocator NAME --out RUN/allocators/NAME) and LD_PRELOAD set,
 * waits for it with a time bound, and merges the child's results.csv — and
 * every side table of the child that has an allocator column — into its own
 * tables.  Which allocator really serves malloc is checked from inside a
 * process: the object that defines malloc is compared with the object that
 * defines each allocator's marker symbol.
 */
#include "memprobe/allocators.h"
#include "memprobe/cbench.h"
#include "memprobe/output.h"
#include "memprobe/proc.h"
#include "memprobe/procfs.h"
#include "memprobe/args.h"
#include "memprobe/rundir.h"
#include "memprobe/xalloc.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* Set in the environment of every child so a child never starts children. */
#define ALLOCATORS_CHILD_ENV "MEMPROBE_ALLOCATOR_CHILD"

static const allocator_info allocators_known[] = {
    {"jemalloc", "libjemalloc.so.2", "libjemalloc2", "jemalloc"},
    {"mimalloc", "libmimalloc.so.2", "libmimalloc2.0", "mimalloc"},
    {"tcmalloc", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4", "gperftools-libs"},
};

/* A symbol only that allocator defines, to tell who serves malloc. */
typedef struct allocators_marker {
    const char *name;
    const char *symbol;
} allocators_marker;

static const allocators_marker allocators_markers[] = {
    {"jemalloc", "mallctl"},
    {"mimalloc", "mi_version"},
    {"tcmalloc", "tc_version"},
    {"glibc", "gnu_get_libc_version"},
    /* a sanitizer runtime's allocator, which intercepts malloc */
    {"asan", "__asan_init"},
    {"tsan", "__tsan_init"},
    {"msan", "__msan_init"},
    {"hwasan", "__hwasan_init"},
};

int allocators_count(void)
{
    return (int)(sizeof allocators_known / sizeof allocators_known[0]);
}

const allocator_info *allocators_at(int i)
{
    return i >= 0 && i < allocators_count() ? &allocators_known[i] : NULL;
}

const allocator_info *allocators_find(const char *name)
{
    for (int i = 0; name && i < allocators_count(); i++)
        if (strcmp(allocators_known[i].name, name) == 0)
            return &allocators_known[i];
    return NULL;
}

/* ---- finding the library ---- */

#if defined(__x86_64__)
#define ALLOCATORS_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define ALLOCATORS_MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define ALLOCATORS_MULTIARCH "i386-linux-gnu"
#elif defined(__arm__)
#define ALLOCATORS_MULTIARCH "arm-linux-gnueabihf"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ALLOCATORS_MULTIARCH "powerpc64le-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define ALLOCATORS_MULTIARCH "riscv64-linux-gnu"
#elif defined(__s390x__)
#define ALLOCATORS_MULTIARCH "s390x-linux-gnu"
#else
#define ALLOCATORS_MULTIARCH "unknown-linux-gnu"
#endif

static const char *const allocators_lib_dirs[] = {
    "/usr/lib/" ALLOCATORS_MULTIARCH, "/lib/" ALLOCATORS_MULTIARCH,
    "/usr/lib64", "/lib64", "/usr/local/lib", "/usr/local/lib64", "/usr/lib", "/lib",
};

static int allocators_try_dir(const char *dir, size_t dirlen, const char *soname,
                              char *path, size_t len)
{
    if (dirlen == 0)
        return 0;
    int n = snprintf(path, len, "%.*s/%s", (int)dirlen, dir, soname);
    return n > 0 && (size_t)n < len && access(path, R_OK) == 0;
}

const char *allocators_library(const allocator_info *a, char *path, size_t len)
{
    if (!a || !a->soname || !path || len == 0)
        return NULL;
    /* LD_LIBRARY_PATH first, as the dynamic loader would. */
    const char *llp = getenv("LD_LIBRARY_PATH");
    while (llp && *llp) {
        size_t n = strcspn(llp, ":");
        if (allocators_try_dir(llp, n, a->soname, path, len))
            return path;
        llp += n + (llp[n] == ':');
    }
    for (size_t i = 0; i < sizeof allocators_lib_dirs / sizeof allocators_lib_dirs[0]; i++)
        if (allocators_try_dir(allocators_lib_dirs[i], strlen(allocators_lib_dirs[i]),
                               a->soname, path, len))
            return path;
    return NULL;
}

/* ---- who serves malloc ---- */

static const char *allocators_active_name = "unknown";
static char allocators_other_name[128];
static pthread_once_t allocators_active_once = PTHREAD_ONCE_INIT;

/* The object defining symbol (NULL when not defined). */
static int allocators_symbol_info(const char *symbol, Dl_info *info)
{
    void *sym = dlsym(RTLD_DEFAULT, symbol);
    return sym && dladdr(sym, info);
}

/* Base address of the object defining symbol (NULL when not defined). */
static void *allocators_symbol_object(const char *symbol)
{
    Dl_info info;
    return allocators_symbol_info(symbol, &info) ? info.dli_fbase : NULL;
}

/* Who serves malloc: a known allocator by its marker symbol, else the file
 * name of the object that defines malloc (never a guess). */
static void allocators_detect(void)
{
    Dl_info info;
    if (!allocators_symbol_info("malloc", &info))
        return;
    for (size_t i = 0; i < sizeof allocators_markers / sizeof allocators_markers[0]; i++)
        if (allocators_symbol_object(allocators_markers[i].symbol) == info.dli_fbase) {
            allocators_active_name = allocators_markers[i].name;
            return;
        }
    if (info.dli_fname && *info.dli_fname) {
        const char *slash = strrchr(info.dli_fname, '/');
        snprintf(allocators_other_name, sizeof allocators_other_name, "%s", slash ? slash + 1 : info.dli_fname);
        allocators_active_name = allocators_other_name;
    }
}

const char *allocators_active(void)
{
    pthread_once(&allocators_active_once, allocators_detect);
    return allocators_active_name;
}

int allocators_check_child(const bench_config *cfg, char *why, size_t whylen)
{
    if (!cfg->allocator || !*cfg->allocator || strcmp(cfg->allocator, "glibc") == 0)
        return 0;
    if (strcmp(allocators_active(), cfg->allocator) != 0) {
        snprintf(why, whylen, "malloc is served by %s, not %s: LD_PRELOAD did not take effect",
                 allocators_active(), cfg->allocator);
        return -1;
    }
    return 1;
}

/* ---- the children ---- */

/* Seconds since this process started (from /proc/self/stat), or 0. */
static double allocators_process_age_s(void)
{
    char buf[1024];
    if (procfs_read_line("/proc/self/stat", buf, sizeof buf) != 0)
        return 0;
    const char *p = strrchr(buf, ')');   /* the command name may hold spaces */
    /* Field 22 (starttime); p points at the end of field 2. */
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (!p)
        return 0;
    char *end;
    errno = 0;
    unsigned long long start_ticks = strtoull(p + 1, &end, 10);
    if (end == p + 1 || errno != 0)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_BOOTTIME, &now);
    double age = (double)now.tv_sec + now.tv_nsec / 1e9 - (double)start_ticks / (double)sysconf(_SC_CLK_TCK);
    return age > 0 ? age : 0;
}

/* A child may take a few times what this whole process took so far (it runs
 * a subset of the same work), never less than two minutes. */
static double allocators_child_timeout_s(void)
{
    return 120.0 + 4.0 * allocators_process_age_s();
}

/* Our options the child must not have: its own folder and allocator are
 * given to it, and libbenchmark's own output file is the parent's. */
static const char *const allocators_parent_only[] = {"--out", "--child-allocator", "--benchmark_out",
                                                     "--benchmark_out_format", "--replace", "--no-wait"};

/* argv[i] is one of them: how many arguments it takes (1, or 2 with its
 * value given apart), else 0. */
static int allocators_parent_only_option(int argc, char **argv, int i)
{
    for (size_t k = 0; k < sizeof allocators_parent_only / sizeof *allocators_parent_only; k++) {
        const char *name = allocators_parent_only[k];
        if (!args_option_is(argv[i], name))
            continue;
        int takes_value = strcmp(name, "--replace") != 0 && strcmp(name, "--no-wait") != 0;
        return takes_value && !strchr(argv[i], '=') && i + 1 < argc ? 2 : 1;
    }
    return 0;
}

/* The child's command line: ours without the parent's own options, plus
 * --child-allocator NAME --out DIR.  NULL-terminated, malloc'd (the strings
 * are borrowed). */
static char **allocators_child_argv(int argc, char **argv, const char *name, const char *out_dir)
{
    char **cargv = xalloc_calloc((size_t)argc + 6, sizeof *cargv);
    int n = 0;
    for (int i = 0; i < argc; i++) {
        int skip = i > 0 ? allocators_parent_only_option(argc, argv, i) : 0;
        if (skip) {
            i += skip - 1;
            continue;
        }
        cargv[n++] = argv[i];
    }
    cargv[n++] = (char *)"--child-allocator";
    cargv[n++] = (char *)name;
    cargv[n++] = (char *)"--out";
    cargv[n++] = (char *)out_dir;
    cargv[n] = NULL;
    return cargv;
}

/* Our environment with LD_PRELOAD=library and the child marker; malloc'd,
 * NULL-terminated; the two new strings are written into preload/marker. */
static char **allocators_child_env(const char *library, const char *name,
                                   char *preload, size_t preload_len, char *marker, size_t marker_len)
{
    if (snprintf(preload, preload_len, "LD_PRELOAD=%s", library) >= (int)preload_len ||
        snprintf(marker, marker_len, "%s=%s", ALLOCATORS_CHILD_ENV, name) >= (int)marker_len)
        return NULL;
    char *const settings[] = {preload, marker};
    return proc_env_with(settings, 2);
}

/* Start the child for allocator a (stdout and stderr into log_path) and
 * wait for it (stop requests passed on).  Returns its exit status, or -1
 * with why set. */
static int allocators_spawn(const allocator_info *a, const char *library, int argc, char **argv,
                            const char *out_dir, const char *log_path, double timeout_s,
                            char *why, size_t whylen)
{
    char preload[4096], marker[256];
    char **cargv = allocators_child_argv(argc, argv, a->name, out_dir);
    char **cenv = allocators_child_env(library, a->name, preload, sizeof preload, marker, sizeof marker);
    if (!cenv) {
        free(cargv);
        snprintf(why, whylen, "library path too long (%zu characters)", strlen(library));
        return -1;
    }
    proc_spec spec = {.path = "/proc/self/exe", .argv = cargv, .envp = cenv, .out = PROC_LOG, .err = PROC_LOG,
                      .log_path = log_path, .timeout_s = timeout_s, .forward_stop = 1};
    proc_result r;
    proc_run(&spec, &r);
    free(cargv);
    free(cenv);
    proc_result_free(&r);
    if (r.status == PROC_EXITED)
        return r.code;
    proc_describe(&r, timeout_s, why, whylen);
    return -1;
}

/* Rows of t with status ok, rows of those whose allocator cell is not name,
 * and the message of the first row that is not ok. */
typedef struct allocators_row_check {
    size_t ok, foreign;
    const char *first_problem;
} allocators_row_check;

static allocators_row_check allocators_check_rows(const output_table *t, const char *name)
{
    allocators_row_check c = {0, 0, NULL};
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *status = output_table_cell(t, r, "status");
        const char *alloc = output_table_cell(t, r, "allocator");
        if (status && strcmp(status, "ok") == 0) {
            c.ok++;
            c.foreign += !alloc || strcmp(alloc, name) != 0;
        } else if (!c.first_problem) {
            c.first_problem = output_table_cell(t, r, "message");
        }
    }
    return c;
}

/* 1 when t has a column named col. */
static int allocators_has_column(const output_table *t, const char *col)
{
    for (size_t i = 0; i < output_table_column_count(t); i++)
        if (strcmp(output_table_column(t, i), col) == 0)
            return 1;
    return 0;
}

/* Merge the child's side tables that say which allocator each row is for. */
static void allocators_merge_side_tables(const char *child_dir)
{
    DIR *d = opendir(child_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".csv") != 0 || strcmp(e->d_name, "results.csv") == 0)
            continue;
        char path[4096], err[256];
        if (snprintf(path, sizeof path, "%s/%s", child_dir, e->d_name) >= (int)sizeof path)
            continue;
        output_table *side = output_table_read_csv(path, err, sizeof err);
        if (side && allocators_has_column(side, "allocator"))
            output_table_append(output_table_get(e->d_name), side);
        if (side)
            output_table_free(side);
    }
    if (d)
        closedir(d);
}

/* Read the child's results.csv and merge it.  0, or -1 with why set. */
static int allocators_merge(const allocator_info *a, const char *child_dir, char *why, size_t whylen)
{
    char path[4096], err[512];
    output_table *rows = NULL;
    if (snprintf(path, sizeof path, "%s/results.csv", child_dir) < (int)sizeof path)
        rows = output_table_read_csv(path, err, sizeof err);
    else
        snprintf(err, sizeof err, "%s: path too long", child_dir);
    if (!rows) {
        snprintf(why, whylen, "no results: %s", err);
        return -1;
    }
    allocators_row_check c = allocators_check_rows(rows, a->name);
    if (c.ok == 0)
        snprintf(why, whylen, "the child measured nothing%s%s", c.first_problem ? ": " : "",
                 c.first_problem ? c.first_problem : "");
    else if (c.foreign)
        snprintf(why, whylen, "%zu of %zu rows were not served by %s (LD_PRELOAD did not take effect?)",
                 c.foreign, c.ok, a->name);
    output_table_append(output_table_get("results.csv"), rows);
    output_table_free(rows);
    allocators_merge_side_tables(child_dir);
    return c.ok == 0 || c.foreign ? -1 : 0;
}

/* The command that installs a's package here. */
static void allocators_install_hint(const allocator_info *a, char *buf, size_t len)
{
    if (access("/usr/bin/apt-get", X_OK) == 0)
        snprintf(buf, len, "apt-get install %s", a->deb_package);
    else if (access("/usr/bin/dnf", X_OK) == 0)
        snprintf(buf, len, "dnf install %s", a->rpm_package);
    else
        snprintf(buf, len, "apt-get install %s, or dnf install %s", a->deb_package, a->rpm_package);
}

/* Run one allocator's child and merge its rows.  A missing allocator is one
 * line on log and no failure.  Returns 0, or 1 when the child failed. */
static int allocators_run_one(const allocator_info *a, int argc, char **argv, const char *run_dir,
                              double timeout_s, FILE *log)
{
    char library[4096], hint[256];
    if (!allocators_library(a, library, sizeof library)) {
        allocators_install_hint(a, hint, sizeof hint);
        fprintf(log, "alloc: %s not installed, skipped (%s)\n", a->name, hint);
        return 0;
    }
    char base[4096], out_dir[4096], log_path[4096], why[1024];
    if (snprintf(base, sizeof base, "%s/allocators", run_dir) >= (int)sizeof base ||
        snprintf(out_dir, sizeof out_dir, "%s/%s", base, a->name) >= (int)sizeof out_dir ||
        snprintf(log_path, sizeof log_path, "%s/%s.log", base, a->name) >= (int)sizeof log_path) {
        fprintf(log, "alloc: %s: run folder path too long: %s\n", a->name, run_dir);
        return 1;
    }
    if (mkdir(base, 0755) != 0 && errno != EEXIST) {
        fprintf(log, "alloc: %s: cannot create %s: %s\n", a->name, base, strerror(errno));
        return 1;
    }
    rundir_remove_tree(base, a->name);   /* this run's own folder: nothing of another run is left in it */
    printf("alloc: re-running per-allocator benchmarks under %s (LD_PRELOAD=%s)\n", a->name, library);
    fflush(stdout);
    int rc = allocators_spawn(a, library, argc, argv, out_dir, log_path, timeout_s, why, sizeof why);
    if (rc != 0) {
        if (rc > 0)
            snprintf(why, sizeof why, "exit status %d", rc);
        fprintf(log, "alloc: %s run failed: %s; see %s\n", a->name, why, log_path);
        allocators_merge(a, out_dir, why, sizeof why);   /* keep what it measured */
        return 1;
    }
    if (allocators_merge(a, out_dir, why, sizeof why) != 0) {
        fprintf(log, "alloc: %s: %s; see %s\n", a->name, why, log_path);
        return 1;
    }
    return 0;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOCATORS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ALLOCATORS_SANITIZED 1
#endif
#endif

int allocators_run_children(int argc, char **argv, const char *run_dir)
{
    if (getenv(ALLOCATORS_CHILD_ENV))
        return 0;   /* a child never starts children */
#ifdef ALLOCATORS_SANITIZED
    fprintf(stderr, "alloc: alternative allocators skipped: this build's sanitizer replaces malloc\n");
    return 0;
#endif
    double timeout_s = allocators_child_timeout_s();
    const char *active = allocators_active();
    int failed = 0;
    for (int i = 0; i < allocators_count() && !cbench_stop_requested(); i++) {
        const allocator_info *a = allocators_at(i);
        if (strcmp(active, a->name) == 0) {
            fprintf(stderr, "alloc: %s already serves malloc in this process, not re-run\n", a->name);
            continue;
        }
        failed += allocators_run_one(a, argc, argv, run_dir, timeout_s, stderr);
    }
    return failed;
}
