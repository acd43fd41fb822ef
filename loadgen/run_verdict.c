/* run_verdict.c: see run_verdict.h. The order matters: an interrupted run
 * is inconclusive before anything is read; a target that never answered
 * could not be measured (a failed gate of the user's still fails it, no
 * passing one makes it a pass); a generator-limited run says nothing
 * about the target, so it is inconclusive before any gate is read; then
 * the user's gates; then the defaults that keep a run without gates from
 * passing a broken service. */
#include <stdio.h>

#include "common/error.h"
#include "loadgen/run_verdict.h"

/* "refused=26088 timeout=3": the network error kinds seen, for the why. */
static void net_kinds(const counters *c, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < NETERR_KINDS && used < len; i++)
        if (c->net[i])
            used += (size_t)snprintf(buf + used, len - used, "%s%s=%llu", used ? " " : "",
                                     net_error_names[i], (unsigned long long)c->net[i]);
}

/* No HTTP answer at all (refused, timeouts, DNS, garbage): the run could
 * not measure the target. 1 when V was decided. */
static int never_answered(const counters *c)
{
    return c->scheduled > 0 && c->ok + c->shed + c->http_errors == 0;
}

static void judge_never_answered(const run_result *r, run_verdict *v)
{
    const counters *c = &r->total.c;
    char kinds[200];
    net_kinds(c, kinds, sizeof kinds);
    snprintf(v->why, sizeof v->why,
             "could not run: the target never answered (%llu requests, %llu network errors%s%s)",
             (unsigned long long)c->scheduled, (unsigned long long)c->net_errors,
             kinds[0] ? ": " : "", kinds);
    v->exit_code = CREST_EXIT_RUN;
}

/* The user's own gates. 1 when one failed (V decided). */
static int judge_gates(const run_result *r, size_t failed, size_t nthresholds, run_verdict *v)
{
    if (r->aborted[0])
        snprintf(v->why, sizeof v->why, "aborted by rule %.256s", r->aborted);
    else if (failed)
        snprintf(v->why, sizeof v->why, "%zu of %zu thresholds failed", failed, nthresholds);
    else
        return 0;
    v->exit_code = CREST_EXIT_GATE;
    return 1;
}

void run_verdict_judge(const run_result *r, size_t failed, size_t nthresholds, run_verdict *v)
{
    const counters *c = &r->total.c;
    v->exit_code = CREST_EXIT_OK;
    v->why[0] = '\0';
    if (r->interrupted) {
        snprintf(v->why, sizeof v->why, "interrupted: results cover the run up to the signal");
        v->exit_code = CREST_EXIT_RUN;
        return;
    }
    if (never_answered(c)) {
        /* The generator's own health is beside the point (a reconnect storm
         * against a refusing port keeps it busy); a gate of the user's that
         * failed still fails the run. */
        if (!judge_gates(r, failed, nthresholds, v))
            judge_never_answered(r, v);
        return;
    }
    if (r->generator.limited) {
        snprintf(v->why, sizeof v->why, "inconclusive: the load generator was the limit (%.250s)",
                 r->generator.reason);
        v->exit_code = CREST_EXIT_RUN;
        return;
    }
    if (judge_gates(r, failed, nthresholds, v))
        return;
    double errors = counters_error_rate(c);
    if (c->scheduled > 0 && c->ok == 0) {
        snprintf(v->why, sizeof v->why, "nothing succeeded: %llu requests, 0 ok (%llu errors, "
                 "%llu shed)", (unsigned long long)c->scheduled, (unsigned long long)c->errors,
                 (unsigned long long)c->shed);
        v->exit_code = CREST_EXIT_GATE;
    } else if (nthresholds == 0 && errors > RUN_VERDICT_DEFAULT_MAX_ERRORS) {
        snprintf(v->why, sizeof v->why,
                 "errors %.2f%% above the default gate of %.0f%% (no --threshold given; "
                 "set one such as errors<5%% to choose your own)", errors * 100,
                 RUN_VERDICT_DEFAULT_MAX_ERRORS * 100);
        v->exit_code = CREST_EXIT_GATE;
    }
}
