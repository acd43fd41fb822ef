/* tests/unit/unit_tmpdir.h: one temporary directory per unit test binary,
 * made by the cmocka group setup and removed with everything in it by the
 * group teardown. Header-only: each unit test is a single .c file.
 *
 *   #include "unit_tmpdir.h"
 *   ... snprintf(path, sizeof path, "%s/x.json", tmpdir) ...
 *   return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
 *
 * Include it after <cmocka.h>. */
#ifndef CREST_UNIT_TMPDIR_H
#define CREST_UNIT_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[64];

static int tmpdir_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/crest-unit.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmpdir_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes TEXT to tmpdir/NAME and returns its path: one of 8 static buffers
 * used in turn, so a test may hold a few paths at once. */
__attribute__((unused)) static const char *tmpdir_file(const char *name, const char *text)
{
    static char paths[8][160];
    static unsigned next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* stderr_capture_begin() ... stderr_capture_end(): what was written to
 * stderr in between (into tmpdir/stderr), so a test can check why a call
 * failed, not only that it did. Returns a static buffer (the last 4 KiB). */
static int stderr_saved_fd = -1;
static FILE *stderr_capture_file;

__attribute__((unused)) static void stderr_capture_begin(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/stderr", tmpdir);
    fflush(stderr);
    stderr_capture_file = fopen(path, "w+");
    assert_non_null(stderr_capture_file);
    stderr_saved_fd = dup(2);
    assert_true(stderr_saved_fd >= 0);
    assert_true(dup2(fileno(stderr_capture_file), 2) == 2);
}

__attribute__((unused)) static const char *stderr_capture_end(void)
{
    static char text[4096];
    fflush(stderr);
    dup2(stderr_saved_fd, 2);
    close(stderr_saved_fd);
    stderr_saved_fd = -1;
    long size = ftell(stderr_capture_file);
    if (size > (long)sizeof text - 1)
        fseek(stderr_capture_file, size - (long)(sizeof text - 1), SEEK_SET);
    else
        rewind(stderr_capture_file);
    size_t n = fread(text, 1, sizeof text - 1, stderr_capture_file);
    text[n] = '\0';
    fclose(stderr_capture_file);
    stderr_capture_file = NULL;
    fputs(text, stderr); /* still shown in the test's log */
    return text;
}

#endif
