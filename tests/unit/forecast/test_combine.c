/* test_combine.c: how auto's combination weighs its members: scores are
 * errors relative to naive's on the same forecasts, shrunk towards each
 * method's prior; little evidence leaves the priors in charge, a curve
 * needs evidence, a clearly worse member is left out, a higher-degree
 * polynomial must beat the lower degree by one standard error, and the
 * combined backtest at an origin uses only what was known there. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "forecast/combine.h"

/* A backtest with one-step forecasts at origins FROM..N-1 of series Y,
 * each missing by FACTOR x the naive miss |y[k] - y[k-1]|. */
static void fake_bt(fc_backtest *bt, const double *y, size_t n, size_t from, double factor)
{
    memset(bt, 0, sizeof *bt);
    bt->err = calloc(n, sizeof *bt->err);
    bt->H = 1;
    for (size_t k = from; k < n; k++) {
        fc_bt_error *e = &bt->err[bt->nerr++];
        double miss = factor * fabs(y[k] - y[k - 1]);
        e->origin = k;
        e->target = k;
        e->step = 1;
        e->actual = y[k];
        e->forecast = y[k] - miss;
        e->ase = miss;
        e->q = miss;
    }
    bt->first_origin = from;
    bt->norigins = n - from;
}

static const double Y[12] = {10, 12, 11, 14, 16, 15, 18, 21, 20, 24, 25, 27};

static void test_priors_rule_without_evidence(void **state)
{
    (void)state;
    fc_backtest empty = {0};
    fc_member m[4] = {
        {.model = FC_MODEL_NAIVE, .bt = &empty},
        {.model = FC_MODEL_DRIFT, .bt = &empty},
        {.model = FC_MODEL_THETA, .bt = &empty},
        {.model = FC_MODEL_QUADRATIC, .bt = &empty, .curve = 1},
    };
    fc_combine_weights(m, 4, 0, 12);
    /* drift's prior (0.9) beats theta's (1.0) beats naive's (1.3); the
     * curve, with no evidence, gets nothing. */
    assert_true(m[1].weight > m[2].weight && m[2].weight > m[0].weight);
    assert_true(m[3].weight == 0);
    assert_true(fabs(m[0].weight + m[1].weight + m[2].weight - 1) < 1e-12);
}

static void test_evidence_moves_the_weights(void **state)
{
    (void)state;
    fc_backtest naive, good, bad, curve;
    fake_bt(&naive, Y, 12, 1, 1.0);
    fake_bt(&good, Y, 12, 3, 0.3);  /* consistently 0.3 x naive's miss */
    fake_bt(&bad, Y, 12, 3, 3.0);   /* 3 x naive's miss */
    fake_bt(&curve, Y, 12, 4, 0.2); /* a curve that earned its place */
    fc_member m[4] = {
        {.model = FC_MODEL_NAIVE, .bt = &naive},
        {.model = FC_MODEL_THETA, .bt = &good},
        {.model = FC_MODEL_HOLT_DAMPED, .bt = &bad},
        {.model = FC_MODEL_QUADRATIC, .bt = &curve, .curve = 1},
    };
    size_t used = fc_combine_weights(m, 4, 0, 12);
    assert_true(fabs(m[1].rel - 0.3) < 1e-9 && m[1].nrel == 9);
    assert_true(fabs(m[0].rel - 1) < 1e-9);
    /* The score sits between the measured ratio and the prior. */
    assert_true(m[1].score > 0.3 && m[1].score < 1.0);
    assert_true(m[2].weight == 0);                  /* far above the best: left out */
    assert_true(m[0].weight == 0);                  /* naive itself is 3x worse than good */
    assert_true(m[3].weight > 0 && m[1].weight > 0); /* the two good ones share */
    assert_int_equal(used, 2);
    /* Only what was known before origin 6 counts there: fewer forecasts. */
    fc_combine_weights(m, 4, 0, 6);
    assert_int_equal(m[1].nrel, 3); /* targets 3, 4, 5 */
    free(naive.err);
    free(good.err);
    free(bad.err);
    free(curve.err);
}

static void test_combined_backtest_is_convex_and_honest(void **state)
{
    (void)state;
    fc_backtest naive, good;
    fake_bt(&naive, Y, 12, 1, 1.0);
    fake_bt(&good, Y, 12, 3, 0.3);
    fc_member m[2] = {
        {.model = FC_MODEL_NAIVE, .bt = &naive},
        {.model = FC_MODEL_THETA, .bt = &good},
    };
    double t[12];
    for (int i = 0; i < 12; i++)
        t[i] = 2000 + i;
    fc_fit_options o = {.step = 1};
    fc_backtest c;
    assert_int_equal(fc_combine_backtest(m, 2, 0, t, Y, 12, &o, 1, &c), 0);
    assert_int_equal(c.first_origin, 1);
    for (size_t i = 0; i < c.nerr; i++) {
        const fc_bt_error *e = &c.err[i];
        double fn = naive.err[e->origin - 1].forecast;
        if (e->origin < 3) {
            /* only naive had a forecast there */
            assert_true(fabs(e->forecast - fn) < 1e-12);
            continue;
        }
        double fg = good.err[e->origin - 3].forecast;
        assert_true(e->forecast >= fmin(fn, fg) - 1e-12 && e->forecast <= fmax(fn, fg) + 1e-12);
    }
    /* At origin 3 nothing of theta's record was known yet: its score is its
     * prior, 1.0. Naive's two known forecasts (log ratio 0 against itself,
     * variance floor 0.25, so noise 0.25 / 2) leave of its prior log 1.3
     * the share noise / (prior variance 0.5 + noise) = 0.125 / 0.625:
     * score 1.3^(1/5). Weights ~ score^-4. */
    const fc_bt_error *e3 = NULL;
    for (size_t i = 0; i < c.nerr; i++)
        if (c.err[i].origin == 3)
            e3 = &c.err[i];
    assert_non_null(e3);
    double sn = pow(1.3, 1.0 / 5), wg = 1 / (1 + pow(sn, -4));
    double want = wg * good.err[0].forecast + (1 - wg) * naive.err[2].forecast;
    assert_true(fabs(e3->forecast - want) < 1e-9);
    fc_backtest_free(&c);
    free(naive.err);
    free(good.err);
}

/* The one-standard-error rule: a cubic whose single backtest forecast
 * beat the quadratic's on the same target, but by less than one standard
 * error, gets nothing, though its score alone would have let it in. */
static void test_higher_degree_must_beat_lower_by_one_se(void **state)
{
    (void)state;
    fc_backtest naive, quad, cubic;
    fake_bt(&naive, Y, 12, 1, 1.0);
    fake_bt(&quad, Y, 12, 3, 0.3);   /* at target 11: 0.3 x |27 - 25| = 0.6 */
    fake_bt(&cubic, Y, 12, 11, 0.2); /* one forecast, target 11: 0.4 */
    fc_member m[3] = {
        {.model = FC_MODEL_NAIVE, .bt = &naive},
        {.model = FC_MODEL_QUADRATIC, .bt = &quad, .curve = 1},
        {.model = FC_MODEL_CUBIC, .bt = &cubic, .curve = 1},
    };
    fc_combine_weights(m, 3, 0, 12);
    /* log((0.4 + 0.05) / (0.6 + 0.05)) = -0.368; one forecast: standard
     * error sqrt(0.25 / 1) = 0.5; -0.368 > -0.5: kept out. */
    assert_int_equal(m[2].kept_out_by, 1);
    assert_int_equal(m[2].simpler_n, 1);
    assert_true(fabs(m[2].simpler_ratio - 0.45 / 0.65) < 1e-12);
    assert_true(fabs(m[2].simpler_se - 0.5) < 1e-12);
    assert_true(m[2].score <= 1.5 * m[1].score); /* the cut-off alone would admit it */
    assert_true(m[2].weight == 0);
    assert_true(fabs(m[1].weight - 1) < 1e-12);
    assert_int_equal(m[1].kept_out_by, -1); /* no linear member to answer to */

    /* 0.05 x 2 = 0.1: log(0.15 / 0.65) = -1.47, beyond one standard error. */
    free(cubic.err);
    fake_bt(&cubic, Y, 12, 11, 0.05);
    fc_combine_weights(m, 3, 0, 12);
    assert_int_equal(m[2].kept_out_by, -1);
    assert_true(m[2].weight > 0);
    free(naive.err);
    free(quad.err);
    free(cubic.err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priors_rule_without_evidence),
        cmocka_unit_test(test_evidence_moves_the_weights),
        cmocka_unit_test(test_combined_backtest_is_convex_and_honest),
        cmocka_unit_test(test_higher_degree_must_beat_lower_by_one_se),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
