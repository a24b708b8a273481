/*
 * quiet.h — keep other people's libraries from speaking for memprobe.
 *
 * Some libraries print to stdout or stderr while they start (PAPI's ROCm SMI
 * component: "Exception caught: rsmi_init."), which would break memprobe's
 * one-line error contract and mix foreign lines into its output.  Calls into
 * such code run between quiet_begin and quiet_end: file descriptors 1 and 2
 * point at a scratch file meanwhile, and what was written comes back as
 * text, for the caller to discard or re-emit with a label.  Only for short
 * calls made while no other thread prints.
 */
#ifndef MEMPROBE_QUIET_H
#define MEMPROBE_QUIET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct quiet_capture {
    int saved_out, saved_err;   /* the real stdout and stderr, -1 when not redirected */
    int scratch;                /* where 1 and 2 point meanwhile */
} quiet_capture;

/* Point stdout and stderr at a scratch file (after flushing stdio).  When
 * that is impossible, nothing changes and quiet_end returns nothing. */
void quiet_begin(quiet_capture *q);
/* Restore stdout and stderr; copy what was printed meanwhile into text
 * (at most len - 1 bytes, NUL-terminated; may be NULL to discard it).
 * Returns the number of bytes that were printed. */
size_t quiet_end(quiet_capture *q, char *text, size_t len);
/* Append each non-empty line of text to out as "label: line\n" (a
 * NUL-terminated buffer of outlen bytes, truncated where full). */
void quiet_label_lines(const char *label, const char *text, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif
