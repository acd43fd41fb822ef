/* progress.h: what a run shows a human while it runs (one line per second)
 * and when it ends (a wrk-like summary with the percentile spectrum, the
 * per-subsystem table, generator health and gates). Printing only: the
 * numbers come from the engine (snapshots) and from run_result. */
#ifndef CREST_CLI_PROGRESS_H
#define CREST_CLI_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "loadgen/engine.h"
#include "loadgen/loadplan.h"
#include "loadgen/results.h"
#include "loadgen/stats.h"

/* Shows ENG's live progress on stdout (a line per second, rewritten in
 * place on a terminal). */
void progress_attach(engine_options *eng);

/* One line: rewritten in place when TTY, a plain line otherwise. */
void progress_print(FILE *out, const char *label, const progress_snapshot *s, int tty);
/* Ends a line left open on a TTY (no-op otherwise). */
void progress_end(FILE *out, int tty);

/* The final human summary of R (PLAN may be NULL), with the gates TH. */
void progress_summary(FILE *out, const run_result *r, const threshold_result *th, size_t nth);

#endif
