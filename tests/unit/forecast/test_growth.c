/* test_growth.c: every forecasting model recovers the parameters
 * of a series generated from it, skips (with a reason) when it has too
 * few points, and the time helpers convert both ways. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/rng.h"
#include "forecast/growth.h"
#include "forecast/series.h"

static double param(const fc_fit *f, const char *name)
{
    for (int i = 0; i < f->nparam; i++)
        if (strcmp(f->param[i].name, name) == 0)
            return f->param[i].value;
    fail_msg("no parameter %s", name);
    return NAN;
}

static void assert_rel(double got, double want, double tol, const char *what)
{
    double rel = fabs(got - want) / fmax(fabs(want), 1e-12);
    if (!(rel <= tol))
        fail_msg("%s: got %g, want %g (tolerance %g%%)", what, got, want, tol * 100);
}

static void fit_ok(fc_model_id m, const double *t, const double *y, size_t n, const fc_fit_options *o,
                   fc_fit *f)
{
    char why[200] = "";
    if (fc_fit_model(m, t, y, n, o, f, why, sizeof why) != 0)
        fail_msg("%s did not fit: %s", fc_model_name(m), why);
}

static void test_polynomials(void **state)
{
    (void)state;
    double t[12], y1[12], y2[12], y3[12];
    for (int i = 0; i < 12; i++) {
        double x = i;
        t[i] = 2010 + i;
        y1[i] = 3 + 2 * x;
        y2[i] = 1 - 0.5 * x + 0.75 * x * x;
        y3[i] = 2 + x - 0.3 * x * x + 0.05 * x * x * x;
    }
    fc_fit_options o = {.step = 1};
    fc_fit f;
    fit_ok(FC_MODEL_LINEAR, t, y1, 12, &o, &f);
    assert_rel(param(&f, "c0"), 3, 1e-6, "linear c0");
    assert_rel(param(&f, "c1"), 2, 1e-6, "linear c1");
    assert_rel(fc_fit_predict(&f, 2030), 3 + 2 * 20, 1e-6, "linear forecast");
    fc_fit_free(&f);
    fit_ok(FC_MODEL_QUADRATIC, t, y2, 12, &o, &f);
    assert_rel(param(&f, "c2"), 0.75, 1e-6, "quadratic c2");
    assert_rel(fc_fit_predict(&f, 2025), 1 - 0.5 * 15 + 0.75 * 225, 1e-6, "quadratic forecast");
    fc_fit_free(&f);
    fit_ok(FC_MODEL_CUBIC, t, y3, 12, &o, &f);
    assert_rel(param(&f, "c3"), 0.05, 1e-5, "cubic c3");
    assert_rel(param(&f, "c2"), -0.3, 1e-5, "cubic c2");
    fc_fit_free(&f);
}

static void test_exponential(void **state)
{
    (void)state;
    double t[10], y[10];
    for (int i = 0; i < 10; i++) {
        t[i] = 2000 + 2 * i; /* every other year: x counts real periods */
        y[i] = 5 * exp(0.3 * 2 * i);
    }
    fc_fit_options o = {.step = 2};
    fc_fit f;
    fit_ok(FC_MODEL_EXPONENTIAL, t, y, 10, &o, &f);
    assert_rel(param(&f, "a"), 5, 1e-4, "exponential a");
    assert_rel(param(&f, "b"), 0.6, 1e-4, "exponential b per 2-year period");
    fc_fit_free(&f);
}

static void test_logistic_estimated_and_given_cap(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 7);
    double t[21], y[21];
    for (int i = 0; i < 21; i++) {
        t[i] = 2005 + i;
        y[i] = 1000 / (1 + exp(-0.8 * (t[i] - 2015))) * (1 + 0.005 * rng_normal(&r));
    }
    fc_fit_options o = {.step = 1};
    fc_fit f;
    fit_ok(FC_MODEL_LOGISTIC, t, y, 21, &o, &f);
    assert_rel(param(&f, "cap"), 1000, 0.02, "logistic cap");
    assert_rel(param(&f, "rate"), 0.8, 0.05, "logistic rate");
    assert_rel(param(&f, "midpoint"), 2015, 0.0005, "logistic midpoint");
    fc_fit_free(&f);
    /* Early part only (no saturation visible): with the cap given, the rate
     * and midpoint still come out. */
    o.cap = 1000;
    fit_ok(FC_MODEL_LOGISTIC, t, y, 10, &o, &f);
    assert_rel(param(&f, "cap"), 1000, 1e-9, "given cap kept");
    assert_rel(param(&f, "rate"), 0.8, 0.05, "logistic rate with cap");
    assert_int_equal(f.k, 2);
    fc_fit_free(&f);
}

static void test_gompertz(void **state)
{
    (void)state;
    double t[20], y[20];
    for (int i = 0; i < 20; i++) {
        t[i] = 2000 + i;
        y[i] = 500 * exp(-5 * exp(-0.3 * i));
    }
    fc_fit_options o = {.step = 1};
    fc_fit f;
    fit_ok(FC_MODEL_GOMPERTZ, t, y, 20, &o, &f);
    assert_rel(param(&f, "cap"), 500, 1e-3, "gompertz cap");
    assert_rel(param(&f, "b"), 5, 1e-3, "gompertz b");
    assert_rel(param(&f, "c"), 0.3, 1e-3, "gompertz c");
    fc_fit_free(&f);
}

static void test_holt_damped(void **state)
{
    (void)state;
    /* Simulate the damped-trend process itself and estimate it back. */
    rng r;
    rng_seed(&r, 11);
    enum { N = 400 };
    double t[N], y[N], l = 100, b = 2, alpha = 0.5, beta = 0.1, phi = 0.9;
    for (int i = 0; i < N; i++) {
        double e = rng_normal(&r);
        double pred = l + phi * b;
        t[i] = i;
        y[i] = pred + e;
        l = pred + alpha * e;
        b = phi * b + beta * e;
    }
    fc_fit_options o = {.step = 1};
    fc_fit f;
    fit_ok(FC_MODEL_HOLT_DAMPED, t, y, N, &o, &f);
    double a = param(&f, "alpha"), be = param(&f, "beta"), p = param(&f, "phi");
    if (fabs(a - alpha) > 0.12 || fabs(be - beta) > 0.08 || fabs(p - phi) > 0.06)
        fail_msg("holt: alpha %g beta %g phi %g; want 0.5 0.1 0.9", a, be, p);
    /* The forecast flattens: the step from h=20 to h=21 is phi^21 of the trend. */
    double d1 = fc_fit_predict(&f, N) - fc_fit_predict(&f, N - 1);
    double d21 = fc_fit_predict(&f, N + 20) - fc_fit_predict(&f, N + 19);
    assert_true(fabs(d21) < fabs(d1) || fabs(d1) < 1e-9);
    fc_fit_free(&f);
}

static void test_daily_recovers_festival_and_week(void **state)
{
    (void)state;
    fc_events ev = {0};
    assert_int_equal(fc_events_add_recurring(&ev, "11-11"), 0);
    long d0 = fc_days_from_civil(2023, 1, 1);
    enum { N = 3 * 365 + 300 };
    static double t[N], y[N];
    static const double week[7] = {1.0, 0.95, 0.97, 1.0, 1.05, 1.2, 1.15};
    for (int i = 0; i < N; i++) {
        t[i] = (double)(d0 + i);
        double x = i / 365.25;
        y[i] = 1e6 * exp(0.3 * x) * week[fc_weekday(d0 + i)] *
               (fc_events_on(&ev, d0 + i) >= 0 ? 3.0 : 1.0);
    }
    fc_fit_options o = {.step = 1, .events = &ev};
    fc_fit f;
    fit_ok(FC_MODEL_DAILY, t, y, N, &o, &f);
    assert_rel(param(&f, "multiplier:11-11"), 3.0, 0.05, "festival multiplier");
    assert_rel(param(&f, "trend_per_year"), exp(0.3) - 1, 0.05, "growth per year");
    assert_rel(param(&f, "weekly_peak_to_trough"), 1.2 / 0.95, 0.03, "weekly cycle");
    /* The festival day ahead: about 3x an ordinary day. */
    double fest = fc_fit_predict(&f, (double)fc_days_from_civil(2026, 11, 11));
    long wd = fc_weekday(fc_days_from_civil(2026, 11, 11));
    double truth = 1e6 * exp(0.3 * (fc_days_from_civil(2026, 11, 11) - d0) / 365.25) * week[wd] * 3;
    assert_rel(fest, truth, 0.05, "festival-day forecast");
    fc_fit_free(&f);
    fc_events_free(&ev);
}

static void test_too_few_points_skips(void **state)
{
    (void)state;
    double t[5] = {2014, 2015, 2016, 2017, 2018}, y[5] = {1, 2, 4, 7, 11};
    fc_fit_options o = {.step = 1};
    fc_fit f;
    char why[200] = "";
    assert_int_equal(fc_fit_model(FC_MODEL_CUBIC, t, y, 4, &o, &f, why, sizeof why), -1);
    assert_non_null(strstr(why, "needs at least 5 points, have 4"));
    why[0] = '\0';
    assert_int_equal(fc_fit_model(FC_MODEL_DAILY, t, y, 5, &o, &f, why, sizeof why), -1);
    assert_non_null(strstr(why, "needs at least"));
    double yneg[5] = {1, -2, 4, 7, 11};
    why[0] = '\0';
    assert_int_equal(fc_fit_model(FC_MODEL_EXPONENTIAL, t, yneg, 5, &o, &f, why, sizeof why), -1);
    assert_non_null(strstr(why, "positive"));
    /* Exactly enough is enough; AICc needs one point more. */
    assert_int_equal(fc_fit_model(FC_MODEL_QUADRATIC, t, y, 4, &o, &f, why, sizeof why), 0);
    assert_false(isfinite(fc_fit_aicc(&f)));
    fc_fit_free(&f);
    assert_int_equal(fc_fit_model(FC_MODEL_QUADRATIC, t, y, 5, &o, &f, why, sizeof why), 0);
    assert_true(isfinite(fc_fit_aicc(&f)));
    fc_fit_free(&f);
}

static void test_time_helpers(void **state)
{
    (void)state;
    double t;
    char buf[40];
    assert_int_equal(fc_time_parse("2026-11-11", FC_TIME_DATE, &t), 0);
    assert_int_equal(fc_weekday((long)t), 2); /* a Wednesday */
    assert_string_equal(fc_time_format(FC_TIME_DATE, t + 1, buf, sizeof buf), "2026-11-12");
    assert_int_equal(fc_time_parse("2024-02-29", FC_TIME_DATE, &t), 0);
    assert_int_equal(fc_time_parse("2023-02-29", FC_TIME_DATE, &t), -1);
    assert_int_equal(fc_time_parse("2026-11-11T20:30:00", FC_TIME_DATETIME, &t), 0);
    assert_string_equal(fc_time_format(FC_TIME_DATETIME, t + 1.0 / 24, buf, sizeof buf),
                        "2026-11-11T21:30:00");
    assert_int_equal(fc_time_parse("2019", FC_TIME_YEAR, &t), 0);
    assert_true(t == 2019);
    assert_int_equal(fc_time_parse("2019x", FC_TIME_YEAR, &t), -1);
    fc_time_kind k;
    assert_int_equal(fc_time_detect("2019", &k), 0);
    assert_int_equal(k, FC_TIME_YEAR);
    assert_int_equal(fc_time_detect("2019-11-11", &k), 0);
    assert_int_equal(k, FC_TIME_DATE);
    assert_int_equal(fc_time_detect("2019-11-11 10:00", &k), 0);
    assert_int_equal(k, FC_TIME_DATETIME);
    assert_int_equal(fc_time_detect("Nov 11", &k), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polynomials),
        cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_logistic_estimated_and_given_cap),
        cmocka_unit_test(test_gompertz),
        cmocka_unit_test(test_holt_damped),
        cmocka_unit_test(test_daily_recovers_festival_and_week),
        cmocka_unit_test(test_too_few_points_skips),
        cmocka_unit_test(test_time_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
