/*
 * procfs.c — one-line kernel files under /proc and /sys (see procfs.h).
 */
#include "memprobe/procfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void procfs_trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

int procfs_read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    procfs_trim(buf);
    return 0;
}

int procfs_read_long(const char *path, long *out)
{
    char buf[64], *end;
    if (procfs_read_line(path, buf, sizeof buf) < 0)
        return -1;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (end == buf || errno != 0)
        return -1;
    *out = v;
    return 0;
}
