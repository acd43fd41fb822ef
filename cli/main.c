/* main.c: bin/crest's entry point. Dispatches to a subcommand; everything
 * else lives in the modules (loadgen/, forecast/, reports/, testbed/). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/error.h"
#include "common/version.h"

typedef struct subcommand {
    const cli_command *spec;   /* name, summary and flags (cli/optable.h) */
    int (*run)(int argc, char **argv);
} subcommand;

static const subcommand subcommands[] = {
    {&run_command, cmd_run},
    {&validate_command, cmd_validate},
    {&search_command, cmd_search},
    {&usl_command, cmd_usl},
    {&forecast_command, cmd_forecast},
    {&plan_command, cmd_plan},
    {&report_command, cmd_report},
    {&compare_command, cmd_compare},
    {&drill_command, cmd_drill},
    {&testbed_command, cmd_testbed},
    {&replay_command, cmd_replay},
    {&shadow_command, cmd_shadow},
    {&merge_command, cmd_merge},
    {&fleet_command, cmd_fleet},
};

#define NSUB (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *out)
{
    fprintf(out, "crest %s: capacity drills for festival-scale traffic\n\n"
                 "usage: crest <command> [options]   (crest <command> --help)\n\ncommands:\n",
            CREST_VERSION);
    for (size_t i = 0; i < NSUB; i++)
        fprintf(out, "  %-10s %s\n", subcommands[i].spec->name, subcommands[i].spec->summary);
    fprintf(out, "  %-10s %s\n  %-10s %s\n", "completion", "print a shell completion script "
            "(bash or zsh)", "manpage", "print the man page (roff), as `make install` installs it");
    fprintf(out, "\nglobal: -V, --version   print the version\n"
                 "exit codes: 0 ok, 1 a gate failed, 2 bad usage or input, "
                 "3 could not run or inconclusive\n");
}

static int list_specs(const cli_command **specs)
{
    for (size_t i = 0; i < NSUB; i++)
        specs[i] = subcommands[i].spec;
    return (int)NSUB;
}

/* `crest completion bash|zsh`: eval "$(crest completion bash)". */
static int cmd_completion(int argc, char **argv)
{
    const cli_command *specs[NSUB];
    int n = list_specs(specs);
    if (argc != 2 || cli_print_completion(stdout, argv[1], specs, (size_t)n) != 0) {
        crest_error("completion: expected bash or zsh, e.g. eval \"$(crest completion bash)\"");
        return CREST_EXIT_USAGE;
    }
    return CREST_EXIT_OK;
}

static int cmd_manpage(void)
{
    const cli_command *specs[NSUB];
    int n = list_specs(specs);
    cli_print_manpage(stdout, CREST_VERSION, specs, (size_t)n);
    return CREST_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CREST_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CREST_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("crest %s\n", CREST_VERSION);
        return CREST_EXIT_OK;
    }
    if (strcmp(cmd, "completion") == 0)
        return cmd_completion(argc - 1, argv + 1);
    if (strcmp(cmd, "manpage") == 0)
        return cmd_manpage();
    for (size_t i = 0; i < NSUB; i++)
        if (strcmp(cmd, subcommands[i].spec->name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    crest_error("unknown command '%s'; expected one of: run, validate, search, usl, forecast, "
                "plan, report, compare, drill, testbed, replay, shadow, merge, fleet, completion, "
                "manpage", cmd);
    return CREST_EXIT_USAGE;
}
