/* run_verdict.h: the exit code a finished run earns, decided in one place
 * for every command that judges a run_result (`crest run`, and any command
 * that re-judges results, such as a merge of shards): interrupted or
 * generator-limited runs are inconclusive (3), an abort rule or a failed
 * threshold fails the gate (1), else 0. The caller adds what only it knows
 * (a baseline comparison) after this. */
#ifndef CREST_RUN_VERDICT_H
#define CREST_RUN_VERDICT_H

#include <stddef.h>

#include "loadgen/stats.h"

typedef struct run_verdict {
    int exit_code;           /* enum crest_exit */
    char why[320];           /* one line for the user; "" when the run passed */
} run_verdict;

/* Judges R, whose thresholds have been evaluated (FAILED of NTHRESHOLDS
 * failed), into V. */
void run_verdict_judge(const run_result *r, size_t failed, size_t nthresholds, run_verdict *v);

#endif
