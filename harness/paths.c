/*
 * paths.c — the tree and installed layouts of memprobe's own files (see
 * paths.h), decided from /proc/self/exe.
 */
#include "memprobe/paths.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MEMPROBE_DATADIR
#define MEMPROBE_DATADIR "/usr/local/share/memprobe"
#endif
#ifndef MEMPROBE_LIBEXECDIR
#define MEMPROBE_LIBEXECDIR "/usr/local/libexec/memprobe"
#endif

static int paths_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int paths_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The executable's folder into dir; 0, or -1 when /proc/self/exe cannot be read. */
static int paths_exe_dir(char *dir, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    snprintf(dir, len, "%s", dirname(exe));
    return 0;
}

const char *paths_data_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("MEMPROBE_DATADIR");
    char bindir[PATH_MAX], probe[PATH_MAX + 16];
    if (env && *env) {
        snprintf(dir, sizeof dir, "%s", env);
        return dir;
    }
    const char *const layouts[] = {"%s/..", "%s/../share/memprobe"};
    for (size_t i = 0; paths_exe_dir(bindir, sizeof bindir) == 0 && i < sizeof layouts / sizeof layouts[0]; i++) {
        snprintf(dir, sizeof dir, layouts[i], bindir);
        snprintf(probe, sizeof probe, "%s/plots", dir);
        if (paths_is_dir(probe))
            return dir;
    }
    snprintf(dir, sizeof dir, "%s", MEMPROBE_DATADIR);
    return dir;
}

int paths_helper(const char *name, char *out, size_t len)
{
    char bindir[PATH_MAX] = ".";
    paths_exe_dir(bindir, sizeof bindir);
    const char *const layouts[] = {"%s/%s", "%s/../libexec/memprobe/%s"};
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        snprintf(out, len, layouts[i], bindir, name);
        if (paths_is_file(out) && access(out, X_OK) == 0)
            return 0;
    }
    snprintf(out, len, "%s/%s", MEMPROBE_LIBEXECDIR, name);
    if (paths_is_file(out) && access(out, X_OK) == 0)
        return 0;
    snprintf(out, len, "%s/%s", bindir, name);
    return -1;
}

int paths_record(const char *helper, const char *suffix, char *out, size_t len)
{
    snprintf(out, len, "%s%s", helper, suffix);
    if (paths_is_file(out))
        return 0;
    const char *base = strrchr(helper, '/');
    snprintf(out, len, "%s/%s%s", paths_data_dir(), base ? base + 1 : helper, suffix);
    return paths_is_file(out) ? 0 : -1;
}
