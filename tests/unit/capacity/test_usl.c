/* test_usl.c: the USL fit (capacity/usl.h): the published SPEC SDM91 fit,
 * exact recovery of known coefficients, noisy recovery, bounds, the
 * poor-fit rule, and refusal of data it cannot fit. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/csvio.h"
#include "common/rng.h"
#include "capacity/usl.h"

/* The data file, found from this source file's directory so the test runs
 * from the repository root (as tests/run.sh does) or with UNIT_DATA set. */
#define SPEC_CSV "tests/unit/../data/usl-specsdm91.csv"

static void assert_rel(double got, double want, double tol, const char *what)
{
    double rel = fabs(got - want) / fabs(want);
    if (!(rel <= tol))
        fail_msg("%s: got %.9g, want %.9g (relative error %.3g > %.3g)", what, got, want, rel,
                 tol);
}

static size_t read_spec(double *load, double *x, size_t cap)
{
    csv_table t;
    assert_int_equal(csv_table_read(SPEC_CSV, &t), 0);
    int cl = csv_table_column(&t, "load"), cx = csv_table_column(&t, "throughput");
    assert_true(cl >= 0 && cx >= 0);
    assert_true(t.nrows <= cap);
    for (size_t i = 0; i < t.nrows; i++) {
        assert_int_equal(csv_table_number(&t, i, (size_t)cl, &load[i]), 0);
        assert_int_equal(csv_table_number(&t, i, (size_t)cx, &x[i]), 0);
    }
    size_t n = t.nrows;
    csv_table_free(&t);
    return n;
}

/* The published fit (R package usl, nls on raw throughput with bounds). */
static void test_spec_sdm91_published_fit(void **state)
{
    (void)state;
    double load[16], x[16];
    size_t n = read_spec(load, x, 16);
    assert_int_equal(n, 7);
    usl_fit f;
    assert_int_equal(usl_fit_points(load, x, n, &f), 0);
    assert_rel(f.alpha, 0.0277285, 1e-3, "alpha");
    assert_rel(f.beta, 0.0001044, 1e-3, "beta");
    assert_rel(f.gamma, 89.9952330, 1e-3, "gamma");
    assert_rel(f.residual_se, 82.85, 1e-3, "residual SE");
    assert_int_equal(f.n - 3, 4); /* degrees of freedom */
    assert_rel(f.n_star, 96.51956, 1e-3, "N*");
    assert_rel(f.x_max, 1884, 1e-3, "X(N*)");
    assert_rel(f.gamma / f.alpha, 3245.589, 1e-3, "Amdahl limit");
    /* Tighter where the publication gives 7+ digits. */
    assert_rel(f.alpha, 0.0277285, 2e-5, "alpha (7 digits)");
    assert_rel(f.gamma, 89.9952330, 1e-7, "gamma (9 digits)");
    assert_rel(f.n_star, 96.51956, 1e-6, "N* (7 digits)");
    /* Standard errors as R's summary() reports them (t = 3.04, 5.25, 6.33). */
    assert_rel(f.alpha_se, 0.00912, 2e-3, "alpha SE");
    assert_rel(f.beta_se, 1.99e-5, 5e-3, "beta SE");
    assert_rel(f.gamma_se, 14.21, 1e-3, "gamma SE");
    assert_true(f.r_squared > 0.98 && f.r_squared < 1);
    assert_int_equal(f.poor_fit, 0);
    assert_string_equal(f.warning, "");
    assert_rel(usl_throughput(&f, f.n_star), f.x_max, 1e-12, "X(N*) by usl_throughput");
}

/* Point order does not matter. */
static void test_order_independent(void **state)
{
    (void)state;
    double load[16], x[16];
    size_t n = read_spec(load, x, 16);
    usl_fit a, b;
    assert_int_equal(usl_fit_points(load, x, n, &a), 0);
    for (size_t i = 0; i < n / 2; i++) {
        double t = load[i];
        load[i] = load[n - 1 - i];
        load[n - 1 - i] = t;
        t = x[i];
        x[i] = x[n - 1 - i];
        x[n - 1 - i] = t;
    }
    assert_int_equal(usl_fit_points(load, x, n, &b), 0);
    assert_rel(b.alpha, a.alpha, 1e-6, "alpha");
    assert_rel(b.beta, a.beta, 1e-6, "beta");
    assert_rel(b.gamma, a.gamma, 1e-6, "gamma");
    assert_int_equal(b.poor_fit, 0);
}

static size_t synth(double alpha, double beta, double gamma, double *load, double *x,
                    double noise, uint64_t seed)
{
    static const double loads[] = {1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 160, 200, 256};
    size_t n = sizeof loads / sizeof loads[0];
    rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        double nn = loads[i];
        load[i] = nn;
        x[i] = gamma * nn / (1 + alpha * (nn - 1) + beta * nn * (nn - 1));
        x[i] *= 1 + noise * rng_normal(&r);
    }
    return n;
}

static void test_exact_data_recovered(void **state)
{
    (void)state;
    const double cases[][3] = {
        {0.05, 2e-4, 120}, {0.001, 1e-5, 3000}, {0.3, 0.01, 2.5}, {0.02, 5e-6, 1e5},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double load[32], x[32];
        size_t n = synth(cases[c][0], cases[c][1], cases[c][2], load, x, 0, 1);
        usl_fit f;
        assert_int_equal(usl_fit_points(load, x, n, &f), 0);
        assert_rel(f.alpha, cases[c][0], 1e-6, "alpha");
        assert_rel(f.beta, cases[c][1], 1e-6, "beta");
        assert_rel(f.gamma, cases[c][2], 1e-6, "gamma");
        assert_rel(f.n_star, sqrt((1 - cases[c][0]) / cases[c][1]), 1e-6, "N*");
        assert_true(f.r_squared > 1 - 1e-9);
        assert_int_equal(f.poor_fit, 0);
    }
}

/* Amdahl's law (beta = 0): the bound is active, N* is infinite and the
 * ceiling is gamma / alpha; beta, held at its bound, has no standard error. */
static void test_exact_amdahl_at_bound(void **state)
{
    (void)state;
    double load[32], x[32];
    size_t n = synth(0.04, 0, 50, load, x, 0, 1);
    usl_fit f;
    assert_int_equal(usl_fit_points(load, x, n, &f), 0);
    assert_true(f.beta == 0);
    assert_rel(f.alpha, 0.04, 1e-6, "alpha");
    assert_rel(f.gamma, 50, 1e-6, "gamma");
    assert_true(isinf(f.n_star));
    assert_rel(f.x_max, 50 / 0.04, 1e-6, "Amdahl limit");
    assert_true(isnan(f.beta_se));
    assert_false(isnan(f.alpha_se));
    assert_int_equal(f.poor_fit, 0);

    /* Linear scaling: alpha = beta = 0, no ceiling at all. */
    n = synth(0, 0, 10, load, x, 0, 1);
    assert_int_equal(usl_fit_points(load, x, n, &f), 0);
    assert_true(f.alpha == 0 && f.beta == 0);
    assert_rel(f.gamma, 10, 1e-9, "gamma");
    assert_true(isinf(f.n_star) && isinf(f.x_max));

    /* Pure coherency: alpha = 0, beta > 0. */
    n = synth(0, 1e-3, 10, load, x, 0, 1);
    assert_int_equal(usl_fit_points(load, x, n, &f), 0);
    assert_true(f.alpha == 0);
    assert_rel(f.beta, 1e-3, 1e-6, "beta");
    assert_rel(f.n_star, sqrt(1 / 1e-3), 1e-6, "N*");
}

/* With 3% multiplicative noise (seeded), the estimates land near the truth
 * and the truth lies within 3 standard errors. */
static void test_noisy_data_recovered(void **state)
{
    (void)state;
    const double alpha = 0.03, beta = 1e-4, gamma = 200;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        double load[32], x[32];
        size_t n = synth(alpha, beta, gamma, load, x, 0.03, seed);
        usl_fit f;
        assert_int_equal(usl_fit_points(load, x, n, &f), 0);
        assert_int_equal(f.poor_fit, 0);
        assert_true(fabs(f.alpha - alpha) <= 3 * f.alpha_se);
        assert_true(fabs(f.beta - beta) <= 3 * f.beta_se);
        assert_true(fabs(f.gamma - gamma) <= 3 * f.gamma_se);
        assert_rel(f.gamma, gamma, 0.1, "gamma");
        assert_rel(f.n_star, sqrt((1 - alpha) / beta), 0.15, "N*");
        assert_rel(f.x_max, gamma * sqrt((1 - alpha) / beta) /
                                (1 + alpha * (sqrt((1 - alpha) / beta) - 1) + (1 - alpha)),
                   0.05, "X(N*)");
        assert_true(f.r_squared > 0.95);
    }
}

/* Superlinear data would want alpha < 0: the bounds hold regardless. */
static void test_bounds_hold(void **state)
{
    (void)state;
    double load[16], x[16];
    for (int i = 0; i < 10; i++) {
        load[i] = 1 + 10 * i;
        x[i] = 5 * pow(load[i], 1.3);
    }
    usl_fit f;
    assert_int_equal(usl_fit_points(load, x, 10, &f), 0);
    assert_true(f.alpha >= 0 && f.alpha <= 1);
    assert_true(f.beta >= 0 && f.beta <= 1);
    assert_true(f.gamma >= 0);
}

/* A step: flat, then a jump. Nothing like the USL's smooth curve. */
static void test_step_function_is_poor_fit(void **state)
{
    (void)state;
    double load[32], x[32];
    size_t n = 20;
    for (size_t i = 0; i < n; i++) {
        load[i] = (double)(i + 1) * 5;
        x[i] = i < 10 ? 100 : 1000;
    }
    usl_fit f;
    assert_int_equal(usl_fit_points(load, x, n, &f), 0);
    assert_int_equal(f.poor_fit, 1);
    assert_non_null(strstr(f.warning, "R^2"));
}

/* Throughput that falls, then rises again. */
static void test_valley_is_poor_fit(void **state)
{
    (void)state;
    double load[32], x[32];
    size_t n = 12;
    for (size_t i = 0; i < n; i++) {
        load[i] = (double)(i + 1) * 10;
        double d = (double)i - 5.5;
        x[i] = 500 + 20 * d * d;
    }
    usl_fit f;
    assert_int_equal(usl_fit_points(load, x, n, &f), 0);
    assert_int_equal(f.poor_fit, 1);
    assert_non_null(strstr(f.warning, "R^2"));
}

/* A curve the USL cannot bend to (logistic), with R^2 still high: only the
 * residual pattern gives it away. */
static void test_systematic_residuals_are_poor_fit(void **state)
{
    (void)state;
    double load[64], x[64];
    size_t n = 40;
    for (size_t i = 0; i < n; i++) {
        load[i] = (double)(i + 1) * 5;
        x[i] = 1000 / (1 + exp(-(load[i] - 100) / 20));
    }
    usl_fit f;
    assert_int_equal(usl_fit_points(load, x, n, &f), 0);
    assert_true(f.r_squared >= USL_MIN_R_SQUARED);
    assert_int_equal(f.poor_fit, 1);
    assert_non_null(strstr(f.warning, "systematic"));
}

static void test_refuses_what_it_cannot_fit(void **state)
{
    (void)state;
    usl_fit f;
    double load[] = {1, 2, 4, 8, 16}, x[] = {10, 19, 35, 60, 90};
    assert_int_equal(usl_fit_points(load, x, 3, &f), -1);
    assert_non_null(strstr(f.warning, "at least 4 points"));
    assert_int_equal(usl_fit_points(load, x, 0, &f), -1);

    double same[] = {4, 4, 8, 8, 4};
    assert_int_equal(usl_fit_points(same, x, 5, &f), -1);
    assert_non_null(strstr(f.warning, "distinct loads"));

    double negative[] = {1, -2, 4, 8, 16};
    assert_int_equal(usl_fit_points(negative, x, 5, &f), -1);
    assert_non_null(strstr(f.warning, "load"));

    double bad_x[] = {10, 19, NAN, 60, 90};
    assert_int_equal(usl_fit_points(load, bad_x, 5, &f), -1);
    assert_non_null(strstr(f.warning, "throughput"));

    double zeros[] = {0, 0, 0, 0, 0};
    assert_int_equal(usl_fit_points(load, zeros, 5, &f), -1);
    assert_non_null(strstr(f.warning, "zero"));

    /* Repeated loads are fine when at least 3 are distinct. */
    double rep_load[] = {1, 1, 8, 8, 32, 32}, rep_x[] = {10, 11, 70, 72, 180, 176};
    assert_int_equal(usl_fit_points(rep_load, rep_x, 6, &f), 0);
    assert_int_equal(f.n, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_sdm91_published_fit),
        cmocka_unit_test(test_order_independent),
        cmocka_unit_test(test_exact_data_recovered),
        cmocka_unit_test(test_exact_amdahl_at_bound),
        cmocka_unit_test(test_noisy_data_recovered),
        cmocka_unit_test(test_bounds_hold),
        cmocka_unit_test(test_step_function_is_poor_fit),
        cmocka_unit_test(test_valley_is_poor_fit),
        cmocka_unit_test(test_systematic_residuals_are_poor_fit),
        cmocka_unit_test(test_refuses_what_it_cannot_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
