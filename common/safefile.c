/* safefile.c: atomic output files (see safefile.h). The temp file is
 * PATH.PID.tmp in PATH's directory (rename is atomic only within one file
 * system), unique per process so that a checkpoint and another crest
 * writing the same name never share it. */
#include "common/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

int safefile_open(safefile *sf, const char *path)
{
    memset(sf, 0, sizeof *sf);
    struct stat st;
    int in_place = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    sf->path = strdup(path);
    if (!sf->path) {
        crest_error("out of memory writing '%s'", path);
        return -1;
    }
    if (in_place) {
        sf->f = fopen(path, "w");
        if (!sf->f) {
            crest_error("cannot write '%s': %s", path, strerror(errno));
            free(sf->path);
            sf->path = NULL;
            return -1;
        }
        return 0;
    }
    size_t len = strlen(path) + 32;
    sf->tmp = malloc(len);
    if (!sf->tmp) {
        crest_error("out of memory writing '%s'", path);
        free(sf->path);
        sf->path = NULL;
        return -1;
    }
    snprintf(sf->tmp, len, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(sf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    sf->f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!sf->f) {
        crest_error("cannot write '%s': %s", sf->tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(sf->tmp);
        free(sf->path);
        memset(sf, 0, sizeof *sf);
        return -1;
    }
    return 0;
}

static void release(safefile *sf)
{
    free(sf->tmp);
    free(sf->path);
    memset(sf, 0, sizeof *sf);
}

void safefile_abort(safefile *sf)
{
    if (sf->f)
        fclose(sf->f);
    if (sf->tmp)
        unlink(sf->tmp);
    release(sf);
}

/* fsync of the directory holding PATH, so the rename itself is durable.
 * Best effort: some file systems refuse it, and the data is already safe. */
static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

int safefile_commit(safefile *sf)
{
    int err = 0;
    if (ferror(sf->f) || fflush(sf->f) != 0)
        err = errno ? errno : EIO;
    /* fsync fails on pipes and terminals: only a regular file needs it. */
    if (!err && sf->tmp && fsync(fileno(sf->f)) != 0)
        err = errno;
    if (fclose(sf->f) != 0 && !err)
        err = errno ? errno : EIO;
    sf->f = NULL;
    const char *name = sf->tmp ? sf->tmp : sf->path;
    if (err) {
        crest_error("cannot write '%s': %s", name, strerror(err));
    } else if (sf->tmp && rename(sf->tmp, sf->path) != 0) {
        err = errno;
        crest_error("cannot rename '%s' to '%s': %s", sf->tmp, sf->path, strerror(err));
    } else if (sf->tmp) {
        sync_dir(sf->path);
    }
    if (err && sf->tmp)
        unlink(sf->tmp);
    release(sf);
    return err ? -1 : 0;
}

int safefile_write(const char *path, const char *data, size_t len)
{
    safefile sf;
    if (safefile_open(&sf, path) != 0)
        return -1;
    if (len && fwrite(data, 1, len, sf.f) != len) {
        int err = errno;
        crest_error("cannot write '%s': %s", sf.tmp ? sf.tmp : sf.path, strerror(err));
        safefile_abort(&sf);
        return -1;
    }
    return safefile_commit(&sf);
}
