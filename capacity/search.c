/* search.c: the capacity search (see search.h for what a result claims).
 *
 * Three phases, each step a call to the step runner:
 *   1. up:     start_rate, doubling (capped at max_rate) until a step fails;
 *   2. down:   only when start_rate already fails: halve until a step passes
 *              or the rate drops below min_rate;
 *   3. narrow: shrink [pass, fail] until (fail - pass) / pass <= tolerance.
 *
 * Narrowing is a bisection, helped by what an overloaded step measured: a
 * saturated system serves about its capacity whatever it is offered, so
 * the ok throughput of a failing step is an estimate of the capacity. The
 * search probes just below that estimate (or, when the estimate is about
 * the highest pass, starts from that pass) and then gallops upward in
 * increments of 1, 1, 2, 4, ... tolerances, which usually closes the
 * bracket in two or three steps instead of five or six. Only measured steps move
 * the bracket, so a wrong estimate costs steps, never correctness: the
 * invariant pass < next < fail holds for every probe. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "capacity/search.h"

static const char *const limit_names[] = {"none", "latency", "errors", "shed", "generator",
                                          "max_rate", "queue"};

const char *search_limit_name(enum search_limit l)
{
    if ((unsigned)l >= sizeof limit_names / sizeof limit_names[0])
        return "none";
    return limit_names[l];
}

int search_limit_parse(const char *name, enum search_limit *out)
{
    for (size_t i = 0; i < sizeof limit_names / sizeof limit_names[0]; i++) {
        if (strcmp(name, limit_names[i]) == 0) {
            *out = (enum search_limit)i;
            return 0;
        }
    }
    return -1;
}

void search_config_init(search_config *c)
{
    c->start_rate = 100;
    c->max_rate = 1e6;
    c->min_rate = 1;
    c->tolerance = 0.03;
    c->generator_retries = 1;
    c->max_steps = 60;
}

enum search_limit search_classify(int generator_limited, int latency_failed, int queue_failed,
                                  int unserved_failed, double error_rate, double shed_rate)
{
    if (generator_limited)
        return SEARCH_LIMIT_GENERATOR;
    if (unserved_failed)
        return shed_rate > error_rate ? SEARCH_LIMIT_SHED : SEARCH_LIMIT_ERRORS;
    if (latency_failed)
        return SEARCH_LIMIT_LATENCY;
    if (queue_failed)
        return SEARCH_LIMIT_QUEUE;
    return SEARCH_LIMIT_NONE;
}

int search_far_below_slo(int pass, double errors, double shed, double latency_use)
{
    return pass && errors == 0 && shed == 0 && latency_use < SEARCH_FAR_LATENCY_USE;
}

void search_result_free(search_result *r)
{
    free(r->steps);
    r->steps = NULL;
    r->nsteps = 0;
}

enum step_outcome { STEP_PASS, STEP_FAIL, STEP_GENERATOR, STEP_STOP };

typedef struct search_state {
    const search_config *cfg;
    search_step_fn fn;
    void *ctx;
    search_result *out;
    size_t cap;
    double pass, fail;            /* bracket; NAN while unknown */
    enum search_limit fail_reason;
    const search_step *last;      /* the step that decided the last outcome */
} search_state;

static int append_step(search_state *st, const search_step *s)
{
    search_result *r = st->out;
    if (r->nsteps == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        search_step *steps = realloc(r->steps, cap * sizeof *steps);
        if (!steps)
            return -1;
        r->steps = steps;
        st->cap = cap;
    }
    r->steps[r->nsteps++] = *s;
    return 0;
}

/* Runs RATE, re-running it when the generator was the limit (a loaded
 * machine's hiccup should not end a search). */
static enum step_outcome run_step(search_state *st, double rate)
{
    for (int attempt = 0; attempt <= st->cfg->generator_retries; attempt++) {
        if (st->out->nsteps >= st->cfg->max_steps)
            return STEP_STOP;
        search_step s;
        memset(&s, 0, sizeof s);
        s.rate = rate;
        if (st->fn(st->ctx, rate, &s) != 0) {
            st->out->run_failed = 1;
            return STEP_STOP;
        }
        if (s.interrupted) {
            st->out->interrupted = 1;
            return STEP_STOP;
        }
        s.rate = rate;
        if (s.generator_limited) {
            s.pass = 0;
            s.reason = SEARCH_LIMIT_GENERATOR;
        } else if (s.pass) {
            s.reason = SEARCH_LIMIT_NONE;
        } else if (s.reason == SEARCH_LIMIT_NONE || s.reason == SEARCH_LIMIT_GENERATOR ||
                   s.reason == SEARCH_LIMIT_MAX_RATE) {
            s.reason = SEARCH_LIMIT_LATENCY; /* a runner that failed a step without saying why */
        }
        if (append_step(st, &s) != 0)
            return STEP_STOP;
        st->last = &st->out->steps[st->out->nsteps - 1];
        if (s.generator_limited)
            continue;
        if (s.pass) {
            st->pass = rate;
            return STEP_PASS;
        }
        st->fail = rate;
        st->fail_reason = s.reason;
        return STEP_FAIL;
    }
    return STEP_GENERATOR;
}

static int bracket_closed(const search_state *st)
{
    return !isnan(st->pass) && !isnan(st->fail) &&
           (st->fail - st->pass) / st->pass <= st->cfg->tolerance;
}

/* The capacity a failing step suggests: its ok throughput, when it served
 * clearly less than it was offered (a saturated system) and that lies
 * strictly inside the bracket. NAN otherwise. */
static double saturation_estimate(const search_state *st, const search_step *s)
{
    double tol = st->cfg->tolerance;
    if (!(s->ok_rps > 0) || s->ok_rps >= s->rate * (1 - tol))
        return NAN;
    double guess = s->ok_rps * (1 - tol / 3);
    if (guess <= st->pass * (1 + tol / 2) || guess >= st->fail * (1 - tol / 2))
        return NAN;
    return guess;
}

/* A failing step that served clearly less than offered, but about what the
 * highest pass already sustained: the system saturates right above the
 * pass, so galloping up from it beats bisecting the whole bracket. */
static int saturated_near_pass(const search_state *st, const search_step *s)
{
    double tol = st->cfg->tolerance;
    return s->ok_rps > 0 && s->ok_rps < s->rate * (1 - tol) &&
           s->ok_rps * (1 - tol / 3) <= st->pass * (1 + tol / 2);
}

static void finish(search_state *st, enum step_outcome why)
{
    search_result *r = st->out;
    r->capacity_rps = st->pass;
    r->upper_bound_rps = st->fail;
    r->limited_by = isnan(st->fail) ? SEARCH_LIMIT_NONE : st->fail_reason;
    r->at_least = !bracket_closed(st);
    if (why == STEP_GENERATOR) {
        r->generator_limited = 1;
        r->limited_by = SEARCH_LIMIT_GENERATOR;
        r->at_least = 1;
    }
    /* Nothing passed and the search ran to its end: there is no capacity
     * to be "at least"; the upper bound and its reason say it all. */
    if (why == STEP_FAIL && isnan(st->pass))
        r->at_least = 0;
}

/* 1. Up: double (or quadruple after a step far below the SLO) until a
 * step fails. 1 when the search is over (finished), 0 to go on. */
static int probe_up(search_state *st)
{
    const search_config *cfg = st->cfg;
    double rate = fmin(cfg->start_rate, cfg->max_rate);
    enum step_outcome o;
    for (;;) {
        o = run_step(st, rate);
        if (o != STEP_PASS)
            break;
        if (rate >= cfg->max_rate) {
            finish(st, o);
            st->out->limited_by = SEARCH_LIMIT_MAX_RATE;
            st->out->at_least = 1;
            return 1;
        }
        int far = st->out->nsteps > 0 && st->out->steps[st->out->nsteps - 1].far_below_slo;
        rate = fmin(rate * (far ? SEARCH_FAR_PROBE_FACTOR : SEARCH_PROBE_FACTOR), cfg->max_rate);
    }
    if (o != STEP_FAIL) {
        finish(st, o);
        return 1;
    }
    return 0;
}

/* 2. Down, when the very first rate failed: halve until a step passes.
 * 1 when the search is over, 0 to go on. */
static int probe_down(search_state *st)
{
    while (isnan(st->pass)) {
        double rate = st->fail / 2;
        if (rate < st->cfg->min_rate) {
            finish(st, STEP_FAIL);
            return 1;
        }
        enum step_outcome o = run_step(st, rate);
        if (o == STEP_GENERATOR || o == STEP_STOP) {
            finish(st, o);
            return 1;
        }
    }
    return 0;
}

/* 3. Narrow the bracket: aim at a saturated step's throughput (at most
 * twice), gallop up from the pass when the system saturates right above
 * it, bisect otherwise. */
static void narrow(search_state *st)
{
    double tol = st->cfg->tolerance;
    double estimate = saturation_estimate(st, st->last);
    int galloping = isnan(estimate) && saturated_near_pass(st, st->last);
    int ngallop = 0;     /* probes so far in this gallop: 1, 1, 2, 4, ... tolerances up */
    int estimates_used = 0;
    while (!bracket_closed(st)) {
        double mid = (st->pass + st->fail) / 2, next = mid;
        if (!isnan(estimate) && estimates_used < 2) {
            next = estimate;
            estimates_used++;
            galloping = 1;
            ngallop = 0;
        } else if (galloping) {
            /* Slightly under a full tolerance, so one failure closes the
             * bracket despite floating-point rounding. */
            double k = ngallop < 2 ? 1 : (double)(1 << (ngallop - 1));
            next = st->pass * (1 + k * tol * 0.98);
            ngallop++;
            if (next >= mid) {
                next = mid;
                galloping = 0;
            }
        }
        estimate = NAN;
        enum step_outcome o = run_step(st, next);
        if (o == STEP_GENERATOR || o == STEP_STOP) {
            finish(st, o);
            return;
        }
        if (o == STEP_FAIL) {
            estimate = saturation_estimate(st, st->last);
            galloping = isnan(estimate) && saturated_near_pass(st, st->last);
            ngallop = 0;
        }
    }
    finish(st, STEP_PASS);
}

int search_run(const search_config *cfg, search_step_fn fn, void *ctx, search_result *out)
{
    memset(out, 0, sizeof *out);
    out->capacity_rps = NAN;
    out->upper_bound_rps = NAN;
    if (!(cfg->start_rate > 0) || !(cfg->max_rate > 0) || !(cfg->tolerance > 0) ||
        !(cfg->min_rate > 0) || cfg->generator_retries < 0 || cfg->max_steps == 0)
        return -1;
    search_state st = {.cfg = cfg, .fn = fn, .ctx = ctx, .out = out, .pass = NAN, .fail = NAN,
                       .fail_reason = SEARCH_LIMIT_NONE};
    if (probe_up(&st) || probe_down(&st))
        return 0;
    narrow(&st);
    return 0;
}
