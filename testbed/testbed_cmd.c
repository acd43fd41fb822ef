/* testbed_cmd.c: placeholder until the module lands; says so honestly. */
#include "cli/commands.h"
#include "common/error.h"

int cmd_testbed(int argc, char **argv)
{
    (void)argc;
    crest_error("'%s' is not built yet", argv[0]);
    return CREST_EXIT_RUN;
}
