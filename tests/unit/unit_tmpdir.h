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

#endif
