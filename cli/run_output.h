/* run_output.h: how a command that measured (or re-judged) a run ends, the
 * same for `crest run`, `crest merge`, `crest replay` and `crest shadow`:
 * the command line as results.json records it, the verdict said in one
 * line, and results.json written through
 * jsonio/outpath (a failed write is saved elsewhere and named) with the
 * exit code that a failed write earns. The judging itself is
 * loadgen/run_verdict.c; this file only says it and writes it. */
#ifndef CREST_CLI_RUN_OUTPUT_H
#define CREST_CLI_RUN_OUTPUT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "loadgen/stats.h"
#include "reports/compare.h"

/* "crest ARGV..." (ARGV[0] is the subcommand), as results.json records the
 * command; the caller frees it. NULL when out of memory. */
char *run_output_command(int argc, char **argv);

/* Judges R (thresholds evaluated: FAILED of NTHRESHOLDS failed) with
 * run_verdict_judge, reports why it did not pass as an error line
 * ("LABEL: why", or "why" when LABEL is NULL) and returns the exit code. */
int run_output_verdict(const run_result *r, size_t failed, size_t nthresholds,
                       const char *label);

/* Writes DOC (a results.json or another output document; taken over and
 * freed; NULL means building it ran out of memory) to PATH, with the
 * baseline comparison REGRESSION under "baseline" when it is not NULL.
 * Returns EXIT_CODE, or CREST_EXIT_RUN when the write failed and EXIT_CODE
 * was CREST_EXIT_OK (a failed gate stays the answer). */
int run_output_write(const char *path, cJSON *doc, const compare_report *regression,
                     int exit_code);

#endif
