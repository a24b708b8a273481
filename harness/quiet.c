/*
 * quiet.c — capture what libraries print on stdout/stderr while they start.
 *
 * File-descriptor level, so C stdio, C++ iostreams and raw write(2) are all
 * caught; stdio buffers are flushed on both edges so nothing printed before
 * leaks in and nothing printed inside leaks out later.
 */
#include "memprobe/quiet.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void quiet_begin(quiet_capture *q)
{
    q->saved_out = q->saved_err = q->scratch = -1;
    fflush(NULL);
    int scratch = memfd_create("memprobe-quiet", MFD_CLOEXEC);
    if (scratch < 0)
        return;
    int out = dup(STDOUT_FILENO), err = dup(STDERR_FILENO);
    if (out < 0 || err < 0 || dup2(scratch, STDOUT_FILENO) < 0 || dup2(scratch, STDERR_FILENO) < 0) {
        if (out >= 0) {
            dup2(out, STDOUT_FILENO);
            close(out);
        }
        if (err >= 0) {
            dup2(err, STDERR_FILENO);
            close(err);
        }
        close(scratch);
        return;
    }
    q->saved_out = out;
    q->saved_err = err;
    q->scratch = scratch;
}

size_t quiet_end(quiet_capture *q, char *text, size_t len)
{
    if (text && len)
        text[0] = '\0';
    if (q->scratch < 0)
        return 0;
    fflush(NULL);
    dup2(q->saved_out, STDOUT_FILENO);
    dup2(q->saved_err, STDERR_FILENO);
    close(q->saved_out);
    close(q->saved_err);
    off_t printed = lseek(q->scratch, 0, SEEK_END);
    if (text && len > 1 && printed > 0) {
        ssize_t got = pread(q->scratch, text, len - 1, 0);
        text[got > 0 ? got : 0] = '\0';
    }
    close(q->scratch);
    q->saved_out = q->saved_err = q->scratch = -1;
    return printed > 0 ? (size_t)printed : 0;
}

void quiet_label_lines(const char *label, const char *text, char *out, size_t outlen)
{
    size_t used = strlen(out);
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        if (n && used + 1 < outlen) {
            int w = snprintf(out + used, outlen - used, "%s: %.*s\n", label, (int)n, p);
            used = w > 0 && used + (size_t)w < outlen ? used + (size_t)w : outlen - 1;
        }
        p += n + (p[n] == '\n');
    }
}
