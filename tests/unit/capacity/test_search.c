/* test_search.c: the capacity search algorithm (capacity/search.c) driven by
 * simulated systems instead of the engine: a queue whose p99 explodes as
 * the rate nears its service capacity (M/M/1 sojourn time, with noise), a
 * rate limiter that sheds above its rate, a backend that errors above a
 * rate, and a load generator that saturates. Each check would fail if the
 * search stopped converging, claimed a generator-limited rate as capacity,
 * or named the wrong limit. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/rng.h"
#include "capacity/search.h"

typedef struct sim {
    double capacity;       /* service rate (M/M/1 with this mu), 0: unlimited */
    double limiter;        /* rate limiter: shed above this, 0: none */
    double error_above;    /* returns errors for the excess above this, 0: never */
    double generator_max;  /* the generator cannot send more than this, 0: unlimited */
    int generator_hiccup;  /* this many first steps are generator-limited anyway */
    double noise;          /* relative noise on p99 and throughput (lognormal sigma) */
    double slo_p99_ms, slo_errors;
    int interrupt_at;      /* the Nth call (1-based) is interrupted, 0: never */
    int fail_at;           /* the Nth call cannot run, 0: never */
    int calls;
    int report_far;        /* 1: steps say when they were far below the SLO */
    rng r;
} sim;

static double noisy(sim *s, double x)
{
    return s->noise > 0 ? x * exp(s->noise * rng_normal(&s->r)) : x;
}

/* The rate at which M/M/1's p99 sojourn time equals the SLO:
 * p99 = ln(100) / (mu - lambda). */
static double mm1_limit(double mu, double p99_ms)
{
    return mu - log(100) / (p99_ms / 1000);
}

static int sim_step(void *ctx, double rate, search_step *out)
{
    sim *s = ctx;
    s->calls++;
    if (s->fail_at && s->calls == s->fail_at)
        return -1;
    if (s->interrupt_at && s->calls == s->interrupt_at) {
        out->interrupted = 1;
        return 0;
    }
    double admitted = rate, shed = 0, errors = 0;
    if (s->limiter > 0 && rate > s->limiter) {
        shed = rate - s->limiter;
        admitted = s->limiter;
    }
    if (s->error_above > 0 && admitted > s->error_above) {
        errors = admitted - s->error_above;
        admitted = s->error_above;
    }
    double served = admitted, p99_ms = 1;
    if (s->capacity > 0) {
        if (admitted < s->capacity)
            p99_ms = 1000 * log(100) / (s->capacity - admitted);
        else {
            p99_ms = 60000; /* the queue grows without bound */
            served = s->capacity;
        }
    }
    p99_ms = noisy(s, p99_ms);
    served = fmin(noisy(s, served), admitted);
    out->sent_rps = rate;
    out->ok_rps = served;
    out->achieved_rps = served + shed + errors;
    out->p99_ms = p99_ms;
    out->p90_ms = p99_ms / 2;
    out->p50_ms = p99_ms / 6.6;
    out->error_rate = errors / rate;
    out->shed_rate = shed / rate;
    out->generator_limited = (s->generator_max > 0 && rate > s->generator_max) ||
                             s->calls <= s->generator_hiccup;
    int latency_failed = p99_ms >= s->slo_p99_ms;
    int unserved_failed = out->error_rate + out->shed_rate >= s->slo_errors;
    out->reason = search_classify(out->generator_limited, latency_failed, 0, unserved_failed,
                                  out->error_rate, out->shed_rate);
    out->pass = out->reason == SEARCH_LIMIT_NONE;
    out->far_below_slo = s->report_far &&
                         search_far_below_slo(out->pass, errors, shed, p99_ms / s->slo_p99_ms);
    snprintf(out->why, sizeof out->why, "%s", search_limit_name(out->reason));
    return 0;
}

static sim sim_new(double capacity, double p99_ms, uint64_t seed)
{
    sim s;
    memset(&s, 0, sizeof s);
    s.capacity = capacity;
    s.slo_p99_ms = p99_ms;
    s.slo_errors = 0.01;
    rng_seed(&s.r, seed);
    return s;
}

/* Every step the result leans on says what the result says: the capacity
 * rate passed, the upper bound failed, and the bracket is within tolerance. */
static void assert_consistent(const search_result *r, double tol)
{
    int seen_cap = 0, seen_upper = 0;
    for (size_t i = 0; i < r->nsteps; i++) {
        const search_step *st = &r->steps[i];
        if (st->rate == r->capacity_rps && st->pass)
            seen_cap = 1;
        if (st->rate == r->upper_bound_rps && !st->pass && !st->generator_limited)
            seen_upper = 1;
        if (st->pass)
            assert_true(st->rate <= r->capacity_rps);
        else if (!st->generator_limited)
            assert_true(st->rate >= r->upper_bound_rps);
    }
    assert_true(seen_cap);
    assert_true(seen_upper);
    assert_false(r->at_least);
    assert_true((r->upper_bound_rps - r->capacity_rps) / r->capacity_rps <= tol + 1e-12);
}

static void test_queue_relaxed_slo_converges(void **state)
{
    (void)state;
    sim s = sim_new(1000, 1000, 1);
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    double truth = mm1_limit(1000, 1000); /* 995.4 */
    assert_consistent(&r, c.tolerance);
    assert_true(fabs(r.capacity_rps - truth) / truth <= 0.05);
    assert_true(r.capacity_rps <= truth && r.upper_bound_rps >= truth);
    assert_int_equal(r.limited_by, SEARCH_LIMIT_LATENCY);
    assert_false(r.generator_limited);
    assert_false(r.interrupted);
    /* 100..1600 up (5 steps), then the saturation estimate closes it fast */
    assert_true(r.nsteps <= 9);
    search_result_free(&r);
}

/* Far below the SLO the probe quadruples: fewer steps, same answer. */
static void test_far_below_slo_probes_faster(void **state)
{
    (void)state;
    search_config c;
    search_config_init(&c);
    double truth = mm1_limit(4000, 1000);
    size_t steps[2];
    for (int far = 0; far < 2; far++) {
        sim s = sim_new(4000, 1000, 3);
        s.report_far = far;
        search_result r;
        assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
        assert_consistent(&r, c.tolerance);
        assert_true(fabs(r.capacity_rps - truth) / truth <= 0.05);
        assert_int_equal(r.limited_by, SEARCH_LIMIT_LATENCY);
        if (far) /* 100 -> 400 -> 1600 -> 6400: quadrupled while far below */
            assert_true(r.steps[1].rate == 400 && r.steps[2].rate == 1600);
        steps[far] = r.nsteps;
        search_result_free(&r);
    }
    assert_true(steps[1] < steps[0]);
}

/* The rule itself: passed, nothing failed or shed, every latency bound
 * under a quarter used. */
static void test_far_below_slo_rule(void **state)
{
    (void)state;
    assert_true(search_far_below_slo(1, 0, 0, 0));
    assert_true(search_far_below_slo(1, 0, 0, 0.249));
    assert_false(search_far_below_slo(1, 0, 0, 0.25));
    assert_false(search_far_below_slo(1, 0, 0, 0.9));
    assert_false(search_far_below_slo(0, 0, 0, 0.01));
    assert_false(search_far_below_slo(1, 1, 0, 0.01));
    assert_false(search_far_below_slo(1, 0, 1, 0.01));
}

static void test_queue_strict_slo_below_relaxed(void **state)
{
    (void)state;
    sim s = sim_new(1000, 50, 2);
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    double truth = mm1_limit(1000, 50); /* 907.9 */
    assert_consistent(&r, c.tolerance);
    assert_true(r.capacity_rps <= truth && r.upper_bound_rps >= truth);
    assert_true(r.capacity_rps < mm1_limit(1000, 1000));
    assert_int_equal(r.limited_by, SEARCH_LIMIT_LATENCY);
    search_result_free(&r);
}

/* With noise the bracket can be off by the noise, but the answer must
 * still land within 5% of the truth for every seed, over a range of
 * capacities and tolerances. */
static void test_noisy_many_capacities(void **state)
{
    (void)state;
    const double caps[] = {37, 250, 999, 1234, 4000, 15000, 77777};
    const double tols[] = {0.03, 0.01, 0.05};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        for (size_t t = 0; t < sizeof tols / sizeof tols[0]; t++) {
            for (uint64_t seed = 1; seed <= 10; seed++) {
                sim s = sim_new(caps[i], 1000, seed * 7919 + i);
                s.noise = 0.03;
                search_config c;
                search_config_init(&c);
                c.tolerance = tols[t];
                search_result r;
                assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
                double truth = mm1_limit(caps[i], 1000);
                assert_false(r.at_least);
                assert_true((r.upper_bound_rps - r.capacity_rps) / r.capacity_rps <=
                            c.tolerance + 1e-12);
                if (fabs(r.capacity_rps - truth) / truth > 0.05)
                    fail_msg("capacity %.1f vs truth %.1f (cap %.0f tol %.2f seed %d)",
                             r.capacity_rps, truth, caps[i], c.tolerance, (int)seed);
                assert_true(r.nsteps <= 30);
                search_result_free(&r);
            }
        }
    }
}

static void test_rate_limiter_is_shed(void **state)
{
    (void)state;
    sim s = sim_new(5000, 1000, 3);
    s.limiter = 450;
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_consistent(&r, c.tolerance);
    assert_int_equal(r.limited_by, SEARCH_LIMIT_SHED);
    /* shed budget 1%: passes up to 450 / 0.99 */
    assert_true(fabs(r.capacity_rps - 450) / 450 <= 0.05);
    search_result_free(&r);
}

static void test_errors_above_rate(void **state)
{
    (void)state;
    sim s = sim_new(0, 1000, 4);
    s.error_above = 3000;
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_consistent(&r, c.tolerance);
    assert_int_equal(r.limited_by, SEARCH_LIMIT_ERRORS);
    assert_true(fabs(r.capacity_rps - 3000) / 3000 <= 0.05);
    search_result_free(&r);
}

/* The generator saturates at 600/s on a system good for 1000/s: the
 * result is "at least" the last clean pass, never a capacity claim. */
/* Saturation right above a passing rate (800 passes, 1600 serves 800):
 * one probe a tolerance above the pass closes the bracket. */
static void test_saturation_at_pass_gallops(void **state)
{
    (void)state;
    sim s = sim_new(0, 1000, 14);
    s.error_above = 800;
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_consistent(&r, c.tolerance);
    assert_true(r.capacity_rps == 800);
    /* 100 200 400 800 1600, then 823.5 */
    assert_int_equal(r.nsteps, 6);
    search_result_free(&r);
}

static void test_generator_limited_never_claims(void **state)
{
    (void)state;
    sim s = sim_new(1000, 1000, 5);
    s.generator_max = 600;
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_true(r.at_least);
    assert_true(r.generator_limited);
    assert_int_equal(r.limited_by, SEARCH_LIMIT_GENERATOR);
    assert_true(r.capacity_rps <= 600);
    assert_true(isnan(r.upper_bound_rps));
    /* 100, 200, 400 pass; 800 is limited twice (one retry) */
    assert_int_equal(r.nsteps, 5);
    assert_true(r.steps[3].generator_limited && r.steps[4].generator_limited);
    assert_false(r.steps[3].pass);
    search_result_free(&r);
}

/* Generator limit hit only while bisecting: the known failing rate stays
 * the upper bound, the result is still only "at least". */
static void test_generator_limited_while_narrowing(void **state)
{
    (void)state;
    sim s = sim_new(1000, 1000, 6);
    s.generator_max = 900;
    search_config c;
    search_config_init(&c);
    c.start_rate = 1600; /* fails outright: 1600 is over the generator limit too */
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_true(r.at_least);
    assert_int_equal(r.limited_by, SEARCH_LIMIT_GENERATOR);
    assert_true(isnan(r.capacity_rps) || r.capacity_rps <= 900);
    search_result_free(&r);

    s = sim_new(1000, 1000, 6);
    s.generator_max = 960;
    search_config_init(&c);
    c.start_rate = 700;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    /* 700 passes, 1400 limited twice: nothing failed for real */
    assert_true(r.at_least);
    assert_true(r.generator_limited);
    assert_true(r.capacity_rps <= 960);
    search_result_free(&r);
}

/* One generator hiccup is retried; the search then finishes normally. */
static void test_generator_hiccup_retried(void **state)
{
    (void)state;
    sim s = sim_new(1000, 1000, 7);
    s.generator_hiccup = 1;
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_true(r.steps[0].generator_limited);
    assert_true(r.steps[1].pass && r.steps[1].rate == r.steps[0].rate);
    assert_consistent(&r, c.tolerance);
    assert_false(r.generator_limited);
    search_result_free(&r);
}

static void test_max_rate_reached(void **state)
{
    (void)state;
    sim s = sim_new(1e9, 1000, 8);
    search_config c;
    search_config_init(&c);
    c.max_rate = 1000;
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_true(r.at_least);
    assert_int_equal(r.limited_by, SEARCH_LIMIT_MAX_RATE);
    assert_true(r.capacity_rps == 1000);
    assert_true(isnan(r.upper_bound_rps));
    /* 100 200 400 800 1000 */
    assert_int_equal(r.nsteps, 5);
    assert_true(r.steps[4].rate == 1000);
    search_result_free(&r);
}

static void test_interrupted_keeps_steps(void **state)
{
    (void)state;
    sim s = sim_new(1000, 1000, 9);
    s.interrupt_at = 7;
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_true(r.interrupted);
    assert_int_equal(r.nsteps, 6);
    assert_true(r.at_least);
    assert_false(isnan(r.capacity_rps));
    /* 100..1600 gave 800 pass, 1600 fail; step 6 narrowed */
    assert_true(r.capacity_rps >= 800 && r.upper_bound_rps <= 1600);
    search_result_free(&r);

    s = sim_new(1000, 1000, 9);
    s.interrupt_at = 1;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_true(r.interrupted);
    assert_int_equal(r.nsteps, 0);
    assert_true(isnan(r.capacity_rps));
    search_result_free(&r);
}

static void test_run_failure_stops(void **state)
{
    (void)state;
    sim s = sim_new(1000, 1000, 10);
    s.fail_at = 3;
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_true(r.run_failed);
    assert_int_equal(r.nsteps, 2);
    assert_true(r.at_least);
    search_result_free(&r);
}

static void test_start_rate_too_high_probes_down(void **state)
{
    (void)state;
    sim s = sim_new(40, 1000, 11);
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    double truth = mm1_limit(40, 1000);
    assert_consistent(&r, c.tolerance);
    assert_true(fabs(r.capacity_rps - truth) / truth <= 0.05);
    assert_false(r.steps[0].pass);
    search_result_free(&r);
}

static void test_nothing_passes(void **state)
{
    (void)state;
    sim s = sim_new(0.5, 1000, 12);
    search_config c;
    search_config_init(&c);
    search_result r;
    assert_int_equal(search_run(&c, sim_step, &s, &r), 0);
    assert_true(isnan(r.capacity_rps));
    assert_false(r.at_least);
    assert_int_equal(r.limited_by, SEARCH_LIMIT_LATENCY);
    /* 100, 50, ..., 1.5625: the lowest failing rate is the bound */
    assert_true(fabs(r.upper_bound_rps - 1.5625) < 1e-9);
    for (size_t i = 0; i < r.nsteps; i++)
        assert_false(r.steps[i].pass);
    search_result_free(&r);
}

static void test_bad_config(void **state)
{
    (void)state;
    sim s = sim_new(1000, 1000, 13);
    search_config c;
    search_result r;
    search_config_init(&c);
    c.tolerance = 0;
    assert_int_equal(search_run(&c, sim_step, &s, &r), -1);
    search_result_free(&r);
    search_config_init(&c);
    c.start_rate = -1;
    assert_int_equal(search_run(&c, sim_step, &s, &r), -1);
    search_result_free(&r);
    assert_int_equal(s.calls, 0);
}

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(search_classify(1, 1, 1, 1, 0.5, 0.5), SEARCH_LIMIT_GENERATOR);
    assert_int_equal(search_classify(0, 1, 1, 1, 0.02, 0.01), SEARCH_LIMIT_ERRORS);
    assert_int_equal(search_classify(0, 0, 0, 1, 0.001, 0.2), SEARCH_LIMIT_SHED);
    assert_int_equal(search_classify(0, 1, 0, 0, 0.001, 0.002), SEARCH_LIMIT_LATENCY);
    assert_int_equal(search_classify(0, 1, 1, 0, 0.001, 0.002), SEARCH_LIMIT_LATENCY);
    assert_int_equal(search_classify(0, 0, 1, 0, 0, 0), SEARCH_LIMIT_QUEUE);
    assert_int_equal(search_classify(0, 0, 0, 0, 0, 0), SEARCH_LIMIT_NONE);
    enum search_limit l;
    for (int i = SEARCH_LIMIT_NONE; i <= SEARCH_LIMIT_QUEUE; i++) {
        assert_int_equal(search_limit_parse(search_limit_name(i), &l), 0);
        assert_int_equal(l, i);
    }
    assert_int_equal(search_limit_parse("bogus", &l), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_relaxed_slo_converges),
        cmocka_unit_test(test_far_below_slo_probes_faster),
        cmocka_unit_test(test_far_below_slo_rule),
        cmocka_unit_test(test_queue_strict_slo_below_relaxed),
        cmocka_unit_test(test_noisy_many_capacities),
        cmocka_unit_test(test_rate_limiter_is_shed),
        cmocka_unit_test(test_errors_above_rate),
        cmocka_unit_test(test_saturation_at_pass_gallops),
        cmocka_unit_test(test_generator_limited_never_claims),
        cmocka_unit_test(test_generator_limited_while_narrowing),
        cmocka_unit_test(test_generator_hiccup_retried),
        cmocka_unit_test(test_max_rate_reached),
        cmocka_unit_test(test_interrupted_keeps_steps),
        cmocka_unit_test(test_run_failure_stops),
        cmocka_unit_test(test_start_rate_too_high_probes_down),
        cmocka_unit_test(test_nothing_passes),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
