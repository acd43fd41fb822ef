/* commands.h: the subcommands of bin/crest, one file each (cli/cmd_<name>.c).
 * cli/ is the top layer: it parses flags, owns the terminal and drives the
 * library modules below it (docs/architecture.md). Each command takes the
 * arguments after its name (argv[0] is the subcommand) and returns a
 * crest_exit code (common/error.h). */
#ifndef CREST_COMMANDS_H
#define CREST_COMMANDS_H

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

#endif
