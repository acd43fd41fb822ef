/* commands.h: the subcommands of bin/crest. Each lives in the module it
 * belongs to and takes the arguments after its name (argv[0] is the
 * subcommand). Each returns a crest_exit code (common/error.h). */
#ifndef CREST_COMMANDS_H
#define CREST_COMMANDS_H

int cmd_run(int argc, char **argv);       /* loadgen/run_cmd.c */
int cmd_validate(int argc, char **argv);  /* loadgen/validate_cmd.c */
int cmd_search(int argc, char **argv);    /* loadgen/search_cmd.c */
int cmd_usl(int argc, char **argv);       /* forecast/usl_cmd.c */
int cmd_forecast(int argc, char **argv);  /* forecast/forecast_cmd.c */
int cmd_plan(int argc, char **argv);      /* forecast/plan_cmd.c */
int cmd_report(int argc, char **argv);    /* reports/report_cmd.c */
int cmd_compare(int argc, char **argv);   /* reports/compare_cmd.c */
int cmd_drill(int argc, char **argv);     /* cli/drill.c */
int cmd_testbed(int argc, char **argv);   /* testbed/testbed_cmd.c */

#endif
