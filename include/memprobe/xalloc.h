/*
 * xalloc.h — the one way memprobe handles running out of memory for its own
 * bookkeeping (tables, lists, strings, buffers): each call returns usable
 * memory, or the process ends at once with one line on stderr naming the
 * size asked for, exit status XALLOC_EXIT_STATUS (as Redis's zmalloc does).
 * Not for the memory a benchmark measures or sizes from its options: a
 * family reports that failure in its row and goes on.
 */
#ifndef MEMPROBE_XALLOC_H
#define MEMPROBE_XALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XALLOC_EXIT_STATUS 1

void *xalloc_malloc(size_t size);
/* Zeroed n * size bytes. */
void *xalloc_calloc(size_t n, size_t size);
/* p (NULL or from these functions) resized to n elements of size bytes;
 * the product is checked for overflow.  The growth helper: p = xalloc_array(p, n + 1, sizeof *p). */
void *xalloc_array(void *p, size_t n, size_t size);
char *xalloc_strdup(const char *s);
char *xalloc_strndup(const char *s, size_t n);
/* Append a copy of s to the string list *list of *n entries. */
void xalloc_list_push(char ***list, size_t *n, const char *s);
/* Free the n strings of list, then list (NULL is fine). */
void xalloc_free_list(char **list, size_t n);
/* Free each of the n strings (char *) given after n. */
void xalloc_free_strings(size_t n, ...);

#ifdef __cplusplus
}
#endif
#endif
