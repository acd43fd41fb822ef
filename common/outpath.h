/* outpath.h: where crest writes its output files, checked before the work
 * and written so that nothing is ever lost or clobbered.
 *
 * A drill or a run can take minutes; finding out at the end that --out
 * names a missing directory would lose the measurement. So every command
 * checks its output paths with outpath_check before it sends any traffic,
 * and outpath_write, if the write still fails at the end, saves the data
 * to a temporary file and says where. "-" means stdout: the data goes to
 * the real stdout and the human output is moved to stderr
 * (outpath_claim_stdout). A path that is not a regular file (/dev/stdout,
 * a FIFO, a symlink to either) is written in place, never replaced by the
 * temp-and-rename that keeps regular files whole. */
#ifndef CREST_OUTPATH_H
#define CREST_OUTPATH_H

#include <stddef.h>

/* 0 when PATH can be written as a file ("-" always can), else -1 after
 * reporting "FLAG 'PATH': ..." (the directory is missing, PATH is a
 * directory, or it is not writable). */
int outpath_check(const char *flag, const char *path);

/* 0 when DIR is a writable directory or can be created (its parent is a
 * writable directory), else -1 after reporting. */
int outpath_check_dir(const char *flag, const char *dir);

/* 1 when PATH means stdout ("-"). */
int outpath_is_stdout(const char *path);

/* Makes "-" usable for data: keeps the real stdout for outpath_write and
 * points file descriptor 1 (the human output) at stderr. Call before
 * printing anything. 0 or -1. */
int outpath_claim_stdout(void);

/* Writes TEXT (LEN bytes) to PATH (see above). On failure reports why,
 * saves TEXT to a temporary file, names it, and returns -1. */
int outpath_write(const char *path, const char *text, size_t len);

#endif
