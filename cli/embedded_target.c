/* embedded_target.c: see embedded_target.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/embedded_target.h"
#include "common/error.h"

int embedded_target_start(loadplan *plan, const char *verb, int quiet, testbed_process *tb)
{
    if (plan->target)
        return 0;
    if (testbed_spawn(NULL, tb) != 0)
        return -1;
    plan->target = strdup(tb->url);
    if (!plan->target) {
        crest_error("out of memory");
        testbed_stop(tb);
        return -1;
    }
    if (!quiet)
        printf("crest: no target given; %s against the embedded testbed at %s\n", verb, tb->url);
    return 1;
}
