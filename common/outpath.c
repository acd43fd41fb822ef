/* outpath.c: see outpath.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/outpath.h"
#include "common/safefile.h"

static int data_fd = STDOUT_FILENO;   /* where "-" writes */

int outpath_is_stdout(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

/* The directory part of PATH into BUF ("." when none). */
static void dir_of(const char *path, char *buf, size_t len)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    snprintf(buf, len, "%s", dirname(copy));
}

static int writable_dir(const char *flag, const char *path, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        crest_error("%s '%s': directory '%s' does not exist", flag, path, dir);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        crest_error("%s '%s': '%s' is not a directory", flag, path, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        crest_error("%s '%s': directory '%s' is not writable", flag, path, dir);
        return -1;
    }
    return 0;
}

int outpath_check(const char *flag, const char *path)
{
    if (outpath_is_stdout(path))
        return 0;
    if (!path[0]) {
        crest_error("%s: expected a file path or - for stdout; found an empty string", flag);
        return -1;
    }
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            crest_error("%s '%s': is a directory; expected a file path", flag, path);
            return -1;
        }
        if (access(path, W_OK) != 0) {
            crest_error("%s '%s': not writable", flag, path);
            return -1;
        }
        if (!S_ISREG(st.st_mode))
            return 0;   /* a device or FIFO: written in place */
    }
    char resolved[4096];
    const char *real = realpath(path, resolved) ? resolved : path;
    char dir[4096];
    dir_of(real, dir, sizeof dir);
    return writable_dir(flag, path, dir);
}

int outpath_check_dir(const char *flag, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            crest_error("%s '%s': exists and is not a directory", flag, dir);
            return -1;
        }
        if (access(dir, W_OK | X_OK) != 0) {
            crest_error("%s '%s': directory not writable", flag, dir);
            return -1;
        }
        return 0;
    }
    char parent[4096];
    dir_of(dir, parent, sizeof parent);
    return writable_dir(flag, dir, parent);
}

int outpath_claim_stdout(void)
{
    if (data_fd != STDOUT_FILENO)
        return 0;
    fflush(stdout);
    int fd = dup(STDOUT_FILENO);
    if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        crest_error("cannot set up stdout for data: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    data_fd = fd;
    return 0;
}

static int write_all(int fd, const char *text, size_t len)
{
    while (len) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes in place (stdout, devices, FIFOs): nothing to rename. */
static int write_in_place(const char *path, const char *text, size_t len)
{
    int fd = outpath_is_stdout(path) ? data_fd : open(path, O_WRONLY | O_TRUNC);
    if (fd < 0 || write_all(fd, text, len) != 0) {
        crest_error("cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0 && fd != data_fd)
            close(fd);
        return -1;
    }
    if (fd != data_fd)
        close(fd);
    return 0;
}

/* The data must survive a failed write (disk full, the directory removed
 * mid-run): a new file in $TMPDIR (or /tmp) named after PATH, and when even
 * that fails, stderr between marker lines. */
static void rescue(const char *path, const char *text, size_t len)
{
    const char *tmpdir = getenv("TMPDIR");
    char name[4096], base[1024];
    snprintf(base, sizeof base, "%s", path);
    const char *suffix = basename(base);
    snprintf(name, sizeof name, "%s/crest-XXXXXX-%s", tmpdir && tmpdir[0] ? tmpdir : "/tmp",
             suffix);
    int fd = mkstemps(name, (int)strlen(suffix) + 1);
    if (fd >= 0 && write_all(fd, text, len) == 0 && close(fd) == 0) {
        crest_warn("could not write '%s'; the output was written to '%s' instead", path, name);
        return;
    }
    if (fd >= 0) {
        close(fd);
        unlink(name);
    }
    crest_warn("could not write '%s' nor a file in %s; the output follows on stderr between "
               "the lines '--- crest output begin/end ---'", path,
               tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    fflush(stderr);
    static const char begin[] = "--- crest output begin ---\n", end[] = "\n--- crest output end ---\n";
    if (write_all(STDERR_FILENO, begin, sizeof begin - 1) == 0 &&
        write_all(STDERR_FILENO, text, len) == 0)
        write_all(STDERR_FILENO, end, sizeof end - 1);
}

int outpath_write(const char *path, const char *text, size_t len)
{
    struct stat st;
    char resolved[4096];
    int rc;
    if (outpath_is_stdout(path)) {
        rc = write_in_place(path, text, len);
    } else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        rc = write_in_place(path, text, len);
    } else {
        /* Through a symlink: replace the file it names, not the link. */
        const char *real = realpath(path, resolved) ? resolved : path;
        rc = safefile_write(real, text, len);
    }
    if (rc != 0)
        rescue(path, text, len);
    return rc;
}
