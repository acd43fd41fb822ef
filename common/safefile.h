/* safefile.h: writing output files so that no reader ever sees half a file
 * and a failed write never replaces a good file.
 *
 * A regular file (or a path that does not exist yet) is written to a temp
 * file beside it, flushed, fsync'ed, renamed over PATH and the directory
 * fsync'ed: after a crash, power loss or kill -9 PATH holds either the old
 * or the new content, whole. A path that exists and is not a regular file
 * (/dev/stdout, a FIFO, a terminal) is written in place: renaming over it
 * would replace the device node. Used by every writer of crest's output
 * files (jsonio, reports, forecast CSV) and by the run checkpoints. */
#ifndef CREST_SAFEFILE_H
#define CREST_SAFEFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct safefile {
    FILE *f;         /* write here between open and commit */
    char *path;      /* the destination (owned) */
    char *tmp;       /* the temp file, or NULL when writing in place (owned) */
} safefile;

/* Opens PATH for writing. 0, or -1 after printing an error naming the file
 * (SF is then empty and needs no abort). */
int safefile_open(safefile *sf, const char *path);

/* Flushes, syncs and puts the file in place. 0, or -1 after printing an
 * error naming the file and the reason (disk full, directory gone); the temp
 * file is removed and PATH keeps its old content. SF is released either way. */
int safefile_commit(safefile *sf);

/* Gives up: closes and removes the temp file; PATH is untouched. */
void safefile_abort(safefile *sf);

/* Writes LEN bytes of DATA to PATH as above. 0 or -1 after an error. */
int safefile_write(const char *path, const char *data, size_t len);

#endif
