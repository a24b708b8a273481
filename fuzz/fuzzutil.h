/*
 * fuzzutil.h — shared helpers for the libFuzzer targets in fuzz/: turn the
 * fuzzer's bytes into a C string or a file, a scratch folder per process, and
 * an invariant check that aborts (so libFuzzer records the input as a crash).
 */
#ifndef MEMPROBE_FUZZUTIL_H
#define MEMPROBE_FUZZUTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Abort with a message when an invariant of the code under test fails. */
#define FUZZ_CHECK(cond, ...)                                                   \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz invariant failed: %s: ", #cond);             \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* The input as a NUL-terminated string (stops at the first NUL byte). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static char fuzz_dir[256] __attribute__((unused));

/* At exit: empty and remove the scratch folder (it holds only the plain
 * files the targets write into it). */
static inline void fuzz_scratch_cleanup(void)
{
    DIR *d = opendir(fuzz_dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char path[512];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(fuzz_dir);
}

/* A scratch folder for this process, made once, under $TMPDIR or /tmp
 * (/dev/shm when present: no disk writes per input); removed at exit. */
static inline const char *fuzz_scratch_dir(void)
{
    char *dir = fuzz_dir;
    if (!dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(dir, sizeof fuzz_dir, "%s/memprobe-fuzz-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir))
            abort();
        atexit(fuzz_scratch_cleanup);
    }
    return dir;
}

/* Write data to dir/name (replacing it). */
static inline void fuzz_write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
}

/* Remove dir/name if present. */
static inline void fuzz_remove_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* Message-shaped error: non-empty (what the user would see). */
static inline int fuzz_message_ok(const char *err) { return err && err[0] != '\0'; }

#endif
