/* main.c: bin/crest's entry point. Dispatches to a subcommand; everything
 * else lives in the modules (loadgen/, forecast/, reports/, testbed/). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/error.h"
#include "common/version.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"run", cmd_run, "generate load (ad hoc URL or SCENARIO.json) and measure it"},
    {"validate", cmd_validate, "check a scenario and print its resolved timeline"},
    {"search", cmd_search, "find each subsystem's capacity under its SLO"},
    {"usl", cmd_usl, "fit the Universal Scalability Law to (load, throughput) data"},
    {"forecast", cmd_forecast, "project PV/UV/TPS history to the festival peak"},
    {"plan", cmd_plan, "hold forecast demand against measured capacity"},
    {"report", cmd_report, "render HTML, text, JUnit and CSV reports"},
    {"compare", cmd_compare, "compare two runs and gate on regressions"},
    {"drill", cmd_drill, "search, replay, forecast, plan and report in one go"},
    {"testbed", cmd_testbed, "serve the simulated Double-11 mall backend"},
    {"replay", cmd_replay, "replay a recorded access log (or derive a scenario from it)"},
    {"shadow", cmd_shadow, "send the same traffic to two versions and compare answers"},
    {"merge", cmd_merge, "merge the shard results of a fleet run into one"},
    {"fleet", cmd_fleet, "Kubernetes manifest, shard runner and log collector for fleets"},
};

static void usage(FILE *out)
{
    fprintf(out, "crest %s: capacity drills for festival-scale traffic\n\n"
                 "usage: crest <command> [options]   (crest <command> --help)\n\ncommands:\n",
            CREST_VERSION);
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\nexit codes: 0 ok, 1 a gate failed, 2 bad usage or input, "
                 "3 could not run or inconclusive\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CREST_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CREST_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("crest %s\n", CREST_VERSION);
        return CREST_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    crest_error("unknown command '%s'; expected one of: run, validate, search, usl, forecast, "
                "plan, report, compare, drill, testbed, merge, fleet, replay, shadow", argv[1]);
    return CREST_EXIT_USAGE;
}
