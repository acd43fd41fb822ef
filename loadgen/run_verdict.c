/* run_verdict.c: see run_verdict.h. The order matters: a run that could
 * not measure (interrupted, generator-limited) says nothing about the
 * target, so it is inconclusive before any gate is read. */
#include <stdio.h>

#include "common/error.h"
#include "loadgen/run_verdict.h"

void run_verdict_judge(const run_result *r, size_t failed, size_t nthresholds, run_verdict *v)
{
    v->exit_code = CREST_EXIT_OK;
    v->why[0] = '\0';
    if (r->interrupted) {
        snprintf(v->why, sizeof v->why, "interrupted: results cover the run up to the signal");
        v->exit_code = CREST_EXIT_RUN;
    } else if (r->generator.limited) {
        snprintf(v->why, sizeof v->why, "inconclusive: the load generator was the limit (%.250s)",
                 r->generator.reason);
        v->exit_code = CREST_EXIT_RUN;
    } else if (r->aborted[0]) {
        snprintf(v->why, sizeof v->why, "aborted by rule %.256s", r->aborted);
        v->exit_code = CREST_EXIT_GATE;
    } else if (failed) {
        snprintf(v->why, sizeof v->why, "%zu of %zu thresholds failed", failed, nthresholds);
        v->exit_code = CREST_EXIT_GATE;
    }
}
