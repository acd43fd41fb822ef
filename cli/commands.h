/* commands.h: the subcommands of bin/crest, one file each (cli/cmd_<name>.c).
 * cli/ is the top layer: it parses flags, owns the terminal and drives the
 * library modules below it (docs/architecture.md). Each command takes the
 * arguments after its name (argv[0] is the subcommand) and returns a
 * crest_exit code (common/error.h). */
#ifndef CREST_COMMANDS_H
#define CREST_COMMANDS_H

#include "cli/optable.h"

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_usl(int argc, char **argv);
int cmd_forecast(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_drill(int argc, char **argv);
int cmd_testbed(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_shadow(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_fleet(int argc, char **argv);

/* Each command's flag table (cli/optable.h): --help, the man page and the
 * shell completion are generated from these. */
extern const cli_command run_command;
extern const cli_command drill_command;
extern const cli_command search_command;
extern const cli_command forecast_command;
extern const cli_command plan_command;
extern const cli_command compare_command;
extern const cli_command report_command;
extern const cli_command usl_command;
extern const cli_command validate_command;
extern const cli_command testbed_command;
extern const cli_command merge_command;
extern const cli_command fleet_command;
extern const cli_command replay_command;
extern const cli_command shadow_command;

#endif
