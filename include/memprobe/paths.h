/*
 * paths.h — where memprobe finds its own files: the data folder (plots/,
 * claims/, the Go companion's build records) and the helper programs (the
 * Go companion and its -race build).
 *
 * In the source tree they sit beside the executable: bin/memprobe-go,
 * bin/memprobe-go.escape.txt, and plots/ and claims/ in bin/..  Installed
 * (make install), only memprobe is in PREFIX/bin; helpers are in
 * PREFIX/libexec/memprobe and data in PREFIX/share/memprobe, found from the
 * executable's own folder whatever PREFIX (and DESTDIR) was, else at the
 * compiled-in MEMPROBE_LIBEXECDIR and MEMPROBE_DATADIR.
 */
#ifndef MEMPROBE_PATHS_H
#define MEMPROBE_PATHS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The folder holding plots/ and claims/: $MEMPROBE_DATADIR when set, else
 * the executable's folder/.. when it has plots/ (the tree), else
 * folder/../share/memprobe when it has plots/ (installed), else
 * MEMPROBE_DATADIR.  A static string. */
const char *paths_data_dir(void);
/* The helper program name: beside the executable (the tree), else in
 * folder/../libexec/memprobe (installed), else in MEMPROBE_LIBEXECDIR.
 * The first that exists into out (len bytes), 0; else -1 with out set to
 * where the tree would have it (for messages). */
int paths_helper(const char *name, char *out, size_t len);
/* A build record of a helper: the helper's path plus suffix (e.g.
 * memprobe-go + ".escape.txt") when that file is there (the tree,
 * $MEMPROBE_GO), else the file of that name in the data folder (installed).
 * The first that exists into out, 0; else -1. */
int paths_record(const char *helper, const char *suffix, char *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif
