/* run_verdict.h: the exit code a finished run earns, decided in one place
 * for every command that judges a run_result (`crest run`, and any command
 * that re-judges results, such as a merge of shards), in this order: an
 * interrupted run is inconclusive (3); a run the target never answered
 * could not run (3), unless a gate of the user's failed (1); a
 * generator-limited run is inconclusive (3); an abort rule or a failed
 * threshold fails the gate (1); a run where nothing succeeded fails (1); a
 * run with no threshold at all fails when its error share is above
 * RUN_VERDICT_DEFAULT_MAX_ERRORS (1); else 0. The caller adds what only it
 * knows (a baseline comparison) after this. docs/gates.md explains why. */
#ifndef CREST_RUN_VERDICT_H
#define CREST_RUN_VERDICT_H

#include <stddef.h>

#include "loadgen/stats.h"

/* The error share (errors / answered) above which a run given no
 * threshold at all fails: a CI gate must never pass a broken service just
 * because nobody wrote `--threshold errors<...`. Any threshold replaces
 * this default (the user then owns the gate). */
#define RUN_VERDICT_DEFAULT_MAX_ERRORS 0.01

typedef struct run_verdict {
    int exit_code;           /* enum crest_exit */
    char why[320];           /* one line for the user; "" when the run passed */
} run_verdict;

/* Judges R, whose thresholds have been evaluated (FAILED of NTHRESHOLDS
 * failed), into V. */
void run_verdict_judge(const run_result *r, size_t failed, size_t nthresholds, run_verdict *v);

#endif
