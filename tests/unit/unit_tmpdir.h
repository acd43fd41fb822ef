/* tests/unit/unit_tmpdir.h: one temporary directory per unit test binary,
 * made by the cmocka group setup and removed with everything in it by the
 * group teardown. Header-only: each unit test is a single .c file.
 *
 *   #include "unit_tmpdir.h"
 *   ... snprintf(path, sizeof path, "%s/x.json", tmpdir) ...
 *   return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
 */
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

#endif
