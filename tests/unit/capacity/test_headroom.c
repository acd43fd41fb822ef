/* test_headroom.c: the arithmetic of `crest plan` (capacity/headroom.c): demand,
 * units, the profile peak factor, status rules (table-driven), instances
 * from the USL and linearly, verdict and exit codes. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "capacity/headroom.h"

static void test_demand(void **state)
{
    (void)state;
    /* 864e6 PV a day = 10000 PV/s on average; x2 at the peak; 0.1 calls per PV. */
    assert_float_equal(headroom_demand_rps(864e6, 86400, 2, 0.1), 2000, 1e-9);
    /* A per-second metric: unit 1 s, peak factor 1. */
    assert_float_equal(headroom_demand_rps(400, 1, 1, 0.5), 200, 1e-12);
    assert_float_equal(headroom_demand_rps(400, 0, 1, 0.5), 0, 0);
}

static void test_unit_seconds(void **state)
{
    (void)state;
    assert_float_equal(headroom_unit_seconds("day"), 86400, 0);
    assert_float_equal(headroom_unit_seconds("days"), 86400, 0);
    assert_float_equal(headroom_unit_seconds("hour"), 3600, 0);
    assert_float_equal(headroom_unit_seconds("second"), 1, 0);
    assert_float_equal(headroom_unit_seconds("year"), 365 * 86400.0, 0);
    assert_float_equal(headroom_unit_seconds("dayz"), 0, 0);
    assert_float_equal(headroom_unit_seconds("fortnight"), 0, 0);
    assert_float_equal(headroom_unit_seconds(NULL), 0, 0);
}

static void test_peak_factor_of_profile(void **state)
{
    (void)state;
    /* Trapezoid mean of 1,1,3,1,1 is (1 + 2 + 2 + 1) / 4 = 1.5; peak 3. */
    const double spike[] = {1, 1, 3, 1, 1};
    assert_float_equal(headroom_peak_factor_of_profile(spike, 5), 2.0, 1e-12);
    const double flat[] = {4, 4, 4};
    assert_float_equal(headroom_peak_factor_of_profile(flat, 3), 1.0, 1e-12);
    const double one[] = {5};
    assert_float_equal(headroom_peak_factor_of_profile(one, 1), 1.0, 1e-12);
    const double zero[] = {0, 0};
    assert_float_equal(headroom_peak_factor_of_profile(zero, 2), 0, 0);
    assert_float_equal(headroom_peak_factor_of_profile(NULL, 0), 0, 0);
}

/* One case of the status table. */
typedef struct judge_case {
    const char *what;
    double demand, hi95;
    int measured, passed, at_least;
    double capacity;
    int has_usl, poor_fit;
    double alpha, beta;
    headroom_status want_status;
    long want_instances;
    const char *want_model;     /* NULL: none */
    const char *want_in_notes;  /* substring, or NULL */
} judge_case;

static const judge_case judge_cases[] = {
    {"plenty", 1000, 1100, 1, 1, 0, 2000, 0, 0, 0, 0, HEADROOM_OK, 1, "linear", NULL},
    {"exactly the margin", 1000, 1000, 1, 1, 0, 1300, 0, 0, 0, 0, HEADROOM_OK, 1, "linear", NULL},
    {"below margin", 1000, 1100, 1, 1, 0, 1200, 0, 0, 0, 0, HEADROOM_TIGHT, 2, "linear",
     "below the 1.30x safety margin"},
    {"hi95 does not fit", 1000, 1400, 1, 1, 0, 1350, 0, 0, 0, 0, HEADROOM_TIGHT, 2, "linear",
     "upper 95% demand exceeds capacity"},
    {"short", 1000, 1100, 1, 1, 0, 900, 0, 0, 0, 0, HEADROOM_SHORTFALL, 2, "linear",
     "exceeds capacity by 11%"},
    {"exactly capacity", 1000, 1000, 1, 1, 0, 1000, 0, 0, 0, 0, HEADROOM_TIGHT, 2, "linear", NULL},
    {"not measured", 1000, 1100, 0, 0, 0, 0, 0, 0, 0, 0, HEADROOM_INCONCLUSIVE, 0, NULL,
     "no capacity measured"},
    {"lower bound covers", 1000, 1100, 1, 1, 1, 5000, 0, 0, 0, 0, HEADROOM_OK, 1, "linear",
     "lower bound"},
    {"lower bound tight", 1000, 1100, 1, 1, 1, 1100, 0, 0, 0, 0, HEADROOM_INCONCLUSIVE, 2, "linear",
     "only a lower bound"},
    {"lower bound short", 1000, 1100, 1, 1, 1, 500, 0, 0, 0, 0, HEADROOM_INCONCLUSIVE, 3, "linear",
     "at most 3"},
    {"nothing passed", 1000, 1100, 1, 0, 0, 0, 0, 0, 0, 0, HEADROOM_SHORTFALL, -1, NULL,
     "no tested rate passed"},
    /* USL a=0.1 b=0.02: X(2)/X(1) = 1.754, X(3)/X(1) = 2.273, max 2.869 at N = 7. */
    {"usl needs 3", 10000, 12000, 1, 1, 0, 7000, 1, 0, 0.1, 0.02, HEADROOM_SHORTFALL, 3, "usl", NULL},
    {"usl unreachable", 10000, 12000, 1, 1, 0, 4000, 1, 0, 0.1, 0.02, HEADROOM_SHORTFALL, -1, "usl",
     "cannot reach with scale-out: X_max = 11,475 rps"},
    {"usl poor fit", 10000, 12000, 1, 1, 0, 7000, 1, 1, 0.1, 0.02, HEADROOM_SHORTFALL, 2, "linear",
     NULL},
    {"no demand", 0, 0, 1, 1, 0, 100, 0, 0, 0, 0, HEADROOM_OK, 1, "linear", NULL},
};

static void test_judge_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof judge_cases / sizeof judge_cases[0]; i++) {
        const judge_case *c = &judge_cases[i];
        headroom_row row;
        memset(&row, 0, sizeof row);
        snprintf(row.name, sizeof row.name, "%s", c->what);
        row.demand_rps = c->demand;
        row.demand_hi95_rps = c->hi95;
        headroom_capacity cap;
        memset(&cap, 0, sizeof cap);
        cap.measured = c->measured;
        cap.passed = c->passed;
        cap.at_least = c->at_least;
        cap.capacity_rps = c->capacity;
        cap.limited_by = c->at_least ? "generator" : "latency";
        cap.has_usl = c->has_usl;
        cap.usl.alpha = c->alpha;
        cap.usl.beta = c->beta;
        cap.usl.gamma = 15000;
        cap.usl.poor_fit = c->poor_fit;
        headroom_judge(&row, &cap, 1.3);
        print_message("case '%s': status %s, instances %ld, notes '%s'\n", c->what,
                      headroom_status_name(row.status), row.instances_needed, row.notes);
        assert_int_equal(row.status, c->want_status);
        assert_int_equal(row.instances_needed, c->want_instances);
        if (c->want_model)
            assert_string_equal(row.scaling_model, c->want_model);
        else
            assert_null(row.scaling_model);
        if (c->want_in_notes)
            assert_non_null(strstr(row.notes, c->want_in_notes));
        if (row.scaling_model && strcmp(row.scaling_model, "linear") == 0)
            assert_non_null(strstr(row.assumption, "linear scaling assumed"));
        else
            assert_string_equal(row.assumption, "");
        /* headroom from the case's own capacity, not the row's copy of it */
        if (c->measured)
            assert_float_equal(row.capacity_rps, c->capacity, 0);
        if (c->measured && c->passed && c->demand > 0) {
            assert_float_equal(row.headroom, c->capacity / c->demand, 1e-12);
            assert_float_equal(row.headroom_hi95, c->capacity / c->hi95, 1e-12);
        }
    }
}

static void test_no_demand_headroom_infinite(void **state)
{
    (void)state;
    headroom_row row = {0};
    headroom_capacity cap = {.measured = 1, .passed = 1, .capacity_rps = 100};
    headroom_judge(&row, &cap, 1.3);
    assert_true(isinf(row.headroom));
    assert_int_equal(row.status, HEADROOM_OK);
}

static void test_usl_instances(void **state)
{
    (void)state;
    double x_max;
    usl_fit linear = {.gamma = 1};
    assert_int_equal(headroom_usl_instances(&linear, 100, 250, &x_max), 3);
    assert_true(isinf(x_max));
    /* beta = 0, alpha = 0.5: X(N)/X(1) = N / (1 + 0.5 (N-1)) -> 2, never reached. */
    usl_fit contended = {.alpha = 0.5, .gamma = 1};
    assert_int_equal(headroom_usl_instances(&contended, 100, 150, &x_max), 3);   /* 3/2 = 1.5 */
    assert_int_equal(headroom_usl_instances(&contended, 100, 250, &x_max), -1);
    assert_float_equal(x_max, 200, 1e-9);
    /* beta > 0: beyond N* more instances make it worse. */
    usl_fit coherent = {.alpha = 0.1, .beta = 0.02, .gamma = 5};
    assert_int_equal(headroom_usl_instances(&coherent, 1000, 1000, &x_max), 1);
    assert_int_equal(headroom_usl_instances(&coherent, 1000, 2800, &x_max), 6);
    assert_int_equal(headroom_usl_instances(&coherent, 1000, 2900, &x_max), -1);
    assert_float_equal(x_max, 1000 * 7 / (1 + 0.1 * 6 + 0.02 * 42), 1e-6);
}

static void test_verdict_and_exit(void **state)
{
    (void)state;
    headroom_row rows[3];
    memset(rows, 0, sizeof rows);
    assert_int_equal(headroom_verdict(rows, 0), HEADROOM_OK);
    rows[0].status = HEADROOM_OK;
    rows[1].status = HEADROOM_TIGHT;
    rows[2].status = HEADROOM_OK;
    assert_int_equal(headroom_verdict(rows, 3), HEADROOM_TIGHT);
    assert_int_equal(headroom_exit_code(HEADROOM_TIGHT), 0);
    rows[2].status = HEADROOM_INCONCLUSIVE;
    assert_int_equal(headroom_verdict(rows, 3), HEADROOM_INCONCLUSIVE);
    assert_int_equal(headroom_exit_code(HEADROOM_INCONCLUSIVE), 3);
    rows[0].status = HEADROOM_SHORTFALL;
    assert_int_equal(headroom_verdict(rows, 3), HEADROOM_SHORTFALL);
    assert_int_equal(headroom_exit_code(HEADROOM_SHORTFALL), 1);
    assert_int_equal(headroom_exit_code(HEADROOM_OK), 0);
    assert_string_equal(headroom_status_name(HEADROOM_SHORTFALL), "shortfall");
    assert_string_equal(headroom_status_name(HEADROOM_INCONCLUSIVE), "inconclusive");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demand),
        cmocka_unit_test(test_unit_seconds),
        cmocka_unit_test(test_peak_factor_of_profile),
        cmocka_unit_test(test_judge_table),
        cmocka_unit_test(test_no_demand_headroom_infinite),
        cmocka_unit_test(test_usl_instances),
        cmocka_unit_test(test_verdict_and_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
