/* test_smooth.c: the smoothing methods against values worked out by hand
 * (theta on a five-point series, Holt's damped trend, drift, naive, SES
 * with drift). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "forecast/growth.h"
#include "forecast/smooth.h"

static double param(const fc_fit *f, const char *name)
{
    for (int i = 0; i < f->nparam; i++)
        if (strcmp(f->param[i].name, name) == 0)
            return f->param[i].value;
    fail_msg("no parameter %s", name);
    return NAN;
}

static void near(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-9 * fmax(1, fabs(want))))
        fail_msg("%s: got %.12g, want %.12g", what, got, want);
}

static const double T5[5] = {2000, 2001, 2002, 2003, 2004}, Y5[5] = {10, 12, 11, 15, 14};

static void test_ses_by_hand(void **state)
{
    (void)state;
    /* z = 2y - line for Y5 (line 10.2 + 1.1 x): 9.8 12.7 9.6 16.5 13.4.
     * alpha 0.5: levels 9.8, 11.25, 10.425, 13.4625, 13.43125;
     * SSE 2.9^2 + 1.65^2 + 6.075^2 + 0.0625^2. */
    double z[5] = {9.8, 12.7, 9.6, 16.5, 13.4}, level, fitted[5];
    double sse = fc_ses_run(z, 5, 0.5, &level, fitted);
    near(level, 13.43125, "level");
    near(sse, 48.04203125, "sse");
    near(fitted[3], 10.425, "one-step forecast of z[3]");
    /* The chosen alpha minimizes the SSE. */
    double a = fc_ses_best_alpha(z, 5), s = fc_ses_run(z, 5, a, NULL, NULL);
    assert_true(a >= 0.01 && a <= 1);
    assert_true(s <= fc_ses_run(z, 5, fmax(0.01, a - 0.01), NULL, NULL) + 1e-12);
    assert_true(s <= fc_ses_run(z, 5, fmin(1, a + 0.01), NULL, NULL) + 1e-12);
}

static void test_theta_by_hand(void **state)
{
    (void)state;
    fc_fit_options o = {.step = 1};
    fc_fit f;
    char why[200] = "";
    assert_int_equal(fc_fit_model(FC_MODEL_THETA, T5, Y5, 5, &o, &f, why, sizeof why), 0);
    /* Least squares on x = 0..4: slope 11/10, intercept 12.4 - 2 * 1.1. */
    near(param(&f, "line_slope"), 1.1, "slope");
    near(param(&f, "line_intercept"), 10.2, "intercept");
    double alpha = param(&f, "alpha"), z[5], level;
    for (int i = 0; i < 5; i++)
        z[i] = 2 * Y5[i] - (10.2 + 1.1 * i);
    fc_ses_run(z, 5, alpha, &level, NULL);
    near(param(&f, "theta2_level"), level, "theta-2 level");
    /* Forecast: the mean of the two lines, h periods on. */
    near(fc_fit_predict(&f, 2005), 0.5 * (10.2 + 1.1 * 5) + 0.5 * level, "h=1");
    near(fc_fit_predict(&f, 2007), 0.5 * (10.2 + 1.1 * 7) + 0.5 * level, "h=3");
    /* The half-slope drift: each further year adds 0.55. */
    near(fc_fit_predict(&f, 2008) - fc_fit_predict(&f, 2007), 0.55, "drift");
    fc_fit_free(&f);
}

static void test_damped_trend_by_hand(void **state)
{
    (void)state;
    /* y 10 12 13 15, alpha 0.5, beta 0.2, phi 0.9, from level 10 and trend 2:
     * step 1: forecast 11.8, error 0.2, level 11.9, trend 1.84
     * step 2: forecast 13.556, error -0.556, level 13.278, trend 1.5448
     * step 3: forecast 14.66832, error 0.33168, level 14.83416, trend 1.456656 */
    double y[4] = {10, 12, 13, 15}, level, trend, fitted[4];
    double sse = fc_holt_run(y, 4, 0.5, 0.2, 0.9, &level, &trend, fitted);
    near(level, 14.83416, "level");
    near(trend, 1.456656, "trend");
    near(fitted[2], 13.556, "one-step forecast");
    near(sse, 0.04 + 0.556 * 0.556 + 0.33168 * 0.33168, "sse");

    /* A fitted model forecasts level + (phi + ... + phi^h) trend. */
    double t[8], yy[8] = {100, 104, 109, 112, 118, 121, 125, 131};
    for (int i = 0; i < 8; i++)
        t[i] = 2010 + i;
    fc_fit_options o = {.step = 1};
    fc_fit f;
    char why[200] = "";
    assert_int_equal(fc_fit_model(FC_MODEL_HOLT_DAMPED, t, yy, 8, &o, &f, why, sizeof why), 0);
    double a = param(&f, "alpha"), b = param(&f, "beta"), p = param(&f, "phi");
    assert_true(a > 0 && a < 1 && b >= 0 && b <= a && p >= 0.8 && p <= 0.98);
    double l, tr;
    fc_holt_run(yy, 8, a, b, p, &l, &tr, NULL);
    near(param(&f, "level"), l, "fitted level");
    near(fc_fit_predict(&f, 2020), l + (p + p * p + p * p * p) * tr, "h=3");
    fc_fit_free(&f);

    /* In logs: the same recursion on log y, forecast exp(...). */
    assert_int_equal(fc_fit_model(FC_MODEL_DAMPED_LOG, t, yy, 8, &o, &f, why, sizeof why), 0);
    double ly[8];
    for (int i = 0; i < 8; i++)
        ly[i] = log(yy[i]);
    a = param(&f, "alpha");
    b = param(&f, "beta");
    p = param(&f, "phi");
    fc_holt_run(ly, 8, a, b, p, &l, &tr, NULL);
    near(fc_fit_predict(&f, 2019), exp(l + (p + p * p) * tr), "log h=2");
    assert_int_equal(f.log_space, 1);
    fc_fit_free(&f);
}

static void test_drift_and_naive(void **state)
{
    (void)state;
    fc_fit_options o = {.step = 1};
    fc_fit f;
    char why[200] = "";
    assert_int_equal(fc_fit_model(FC_MODEL_DRIFT, T5, Y5, 5, &o, &f, why, sizeof why), 0);
    near(fc_fit_predict(&f, 2006), 14 + 2 * (14 - 10) / 4.0, "drift h=2");
    fc_fit_free(&f);
    assert_int_equal(fc_fit_model(FC_MODEL_NAIVE, T5, Y5, 5, &o, &f, why, sizeof why), 0);
    near(fc_fit_predict(&f, 2009), 14, "naive");
    fc_fit_free(&f);
    assert_int_equal(fc_fit_model(FC_MODEL_DRIFT_LOG, T5, Y5, 5, &o, &f, why, sizeof why), 0);
    near(fc_fit_predict(&f, 2005), 14 * pow(14 / 10.0, 0.25), "drift-log h=1");
    fc_fit_free(&f);
    double yneg[5] = {1, -2, 3, 4, 5};
    assert_int_equal(fc_fit_model(FC_MODEL_DRIFT_LOG, T5, yneg, 5, &o, &f, why, sizeof why), -1);
    assert_non_null(strstr(why, "positive"));
}

/* SES with drift on Y5: drift d = (14 - 10) / 4 = 1, so SES runs on
 * z = y - x = 10, 11, 9, 12, 10; its level after the last point, at the
 * alpha a the fit chose, is (1-a)^4 10 + a (1-a)^3 11 + a (1-a)^2 9
 * + a (1-a) 12 + a 10, and the forecast h ahead is that + d (4 + h). */
static void test_ses_drift_by_hand(void **state)
{
    (void)state;
    fc_fit_options o = {.step = 1};
    fc_fit f;
    char why[200] = "";
    assert_int_equal(fc_fit_model(FC_MODEL_SES_DRIFT, T5, Y5, 5, &o, &f, why, sizeof why), 0);
    near(param(&f, "drift_per_period"), 1, "drift");
    double a = param(&f, "alpha"), b = 1 - a;
    double level = b * b * b * b * 10 + a * b * b * b * 11 + a * b * b * 9 + a * b * 12 + a * 10;
    near(fc_fit_predict(&f, 2005), level + 5, "h=1");
    near(fc_fit_predict(&f, 2007), level + 7, "h=3");
    /* one-step fitted value of y[2]: level after z[0..1] + d x = 2 */
    near(f.fitted[2], b * 10 + a * 11 + 2, "fitted[2]");
    /* alpha minimizes the one-step SSE of z (to the search's tolerance);
     * z swings around 10.4, so the smallest alpha allowed wins: SSE 6.0209
     * at 0.01 against 6.1220 at 0.05 and 6.2866 at 0.1. */
    double z[5] = {10, 11, 9, 12, 10}, s0 = fc_ses_run(z, 5, a, NULL, NULL);
    assert_true(s0 <= fc_ses_run(z, 5, fmax(0.01, a - 0.01), NULL, NULL) + 1e-6);
    assert_true(s0 <= fc_ses_run(z, 5, fmin(1, a + 0.01), NULL, NULL) + 1e-6);
    assert_true(a < 0.02);
    fc_fit_free(&f);
    /* On an exact line z is constant: whatever alpha, the forecast stays on
     * the line (3 + 2 x at x = 6 is 15). */
    double line[5] = {3, 5, 7, 9, 11};
    assert_int_equal(fc_fit_model(FC_MODEL_SES_DRIFT, T5, line, 5, &o, &f, why, sizeof why), 0);
    near(fc_fit_predict(&f, 2006), 15, "line h=2");
    fc_fit_free(&f);
    /* Too short: four points at least. */
    assert_int_equal(fc_fit_model(FC_MODEL_SES_DRIFT, T5, Y5, 3, &o, &f, why, sizeof why), -1);
    assert_non_null(strstr(why, "at least 4"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ses_by_hand),
        cmocka_unit_test(test_theta_by_hand),
        cmocka_unit_test(test_damped_trend_by_hand),
        cmocka_unit_test(test_drift_and_naive),
        cmocka_unit_test(test_ses_drift_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
