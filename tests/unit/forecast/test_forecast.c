/* test_forecast.c: the backtest picks the model a series was made
 * from; prediction intervals cover what they claim on simulated series with
 * known noise; the backtest never peeks at the future; reading history
 * reports bad input by file:line and column; forecast.json reads back. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/unit_tmpdir.h"
#include "common/rng.h"
#include "forecast/forecast.h"
#include "forecast/forecast_file.h"
#include "forecast/forecast_json.h"
#include "forecast/series.h"

static fc_model_id run_auto(const double *t, const double *y, size_t n, size_t H, fc_result *res)
{
    fc_series s = {.id = "s", .metric = "s", .n = n, .t = (double *)t, .y = (double *)y};
    fc_run_options o = {.family = FC_FAMILY_GROWTH, .forced = -1, .fit = {.step = 1}, .horizon = H};
    assert_int_equal(fc_forecast_series(&s, &o, res), 0);
    assert_true(res->selected >= 0);
    return res->models[res->selected].model;
}

/* auto combines; on a series made by a smooth curve, the combination
 * follows the curve (its weight goes to the methods whose backtest shows
 * it), and the reason names the numbers the weights came from. */
static void test_combination_follows_the_generating_curve(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 3);
    for (int kind = 0; kind < 3; kind++) {
        for (int rep = 0; rep < 5; rep++) {
            double t[16], y[16];
            for (int i = 0; i < 16; i++) {
                double x = i;
                double v = kind == 0   ? 50 + 10 * x
                           : kind == 1 ? 10 * exp(0.25 * x)
                                       : 1000 / (1 + exp(-0.7 * (x - 8)));
                t[i] = 2005 + i;
                y[i] = v * (1 + 0.02 * rng_normal(&r));
            }
            double truth = kind == 0 ? 50 + 10 * 16.0
                           : kind == 1 ? 10 * exp(0.25 * 16)
                                       : 1000 / (1 + exp(-0.7 * (16 - 8)));
            fc_result res;
            fc_model_id got = run_auto(t, y, 16, 1, &res);
            assert_int_equal(got, FC_MODEL_COMBINATION);
            double err = fabs(res.points[0].mean - truth) / truth;
            /* naive would miss by a whole period's growth (5-30%) */
            if (err > 0.06)
                fail_msg("kind %d: combination %g vs truth %g (%s)", kind, res.points[0].mean,
                         truth, res.reason);
            assert_non_null(strstr(res.reason, "x naive's over"));
            double sum = 0;
            for (size_t i = 0; i < res.nmodels; i++)
                if (res.models[i].model != FC_MODEL_COMBINATION)
                    sum += res.models[i].weight;
            assert_true(fabs(sum - 1) < 1e-9);
            fc_result_free(&res);
        }
    }
}

/* The second stage: with a long enough history the weighted combination
 * is blended with SES with drift by their backtests (the blend's share
 * adds to ses-drift's weight, the weights still sum to 1, the reason says
 * so); with six points the two share too few forecasts and no blend is
 * made. */
static void test_blend_with_ses_drift(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 11);
    double t[24], y[24], level = 100;
    for (int i = 0; i < 24; i++) {
        level += 3 + 4 * rng_normal(&r); /* a random walk with drift */
        t[i] = 2000 + i;
        y[i] = level;
    }
    fc_result res;
    run_auto(t, y, 24, 2, &res);
    assert_int_equal(res.blended, 1);
    assert_true(res.blend_nrel >= 5);
    assert_true(res.blend_share >= 0 && res.blend_share <= 1);
    double sum = 0, sd = 0;
    for (size_t i = 0; i < res.nmodels; i++) {
        if (res.models[i].model == FC_MODEL_COMBINATION)
            continue;
        sum += res.models[i].weight;
        if (res.models[i].model == FC_MODEL_SES_DRIFT)
            sd = res.models[i].weight;
    }
    assert_true(fabs(sum - 1) < 1e-9);
    assert_true(sd >= 1 - res.blend_share - 1e-12);
    assert_non_null(strstr(res.reason, "ses-drift"));
    fc_result_free(&res);
    run_auto(t, y, 6, 1, &res);
    assert_int_equal(res.blended, 0);
    fc_result_free(&res);
}

/* 200 series per noise kind, 3 steps ahead each: 600 checks per level. */
static void coverage(int multiplicative, double *c80, double *c95)
{
    rng r;
    rng_seed(&r, multiplicative ? 99 : 98);
    size_t in80 = 0, in95 = 0, total = 0;
    enum { N = 25, H = 3 };
    for (int rep = 0; rep < 200; rep++) {
        double t[N + H], y[N + H];
        for (int i = 0; i < N + H; i++) {
            t[i] = 1990 + i;
            y[i] = multiplicative ? 100 * exp(0.08 * i) * exp(0.05 * rng_normal(&r))
                                  : 100 + 5 * i + 8 * rng_normal(&r);
        }
        fc_result res;
        run_auto(t, y, N, H, &res);
        for (int h = 0; h < H; h++) {
            const fc_point *p = &res.points[h];
            double a = y[N + h];
            in80 += a >= p->lo80 && a <= p->hi80;
            in95 += a >= p->lo95 && a <= p->hi95;
            total++;
            assert_true(p->lo95 <= p->lo80 && p->lo80 <= p->mean && p->mean <= p->hi80 &&
                        p->hi80 <= p->hi95);
        }
        /* Never narrower further out (equal is fine: a line with iid noise). */
        assert_true(res.points[H - 1].hi95 - res.points[H - 1].lo95 >=
                    (res.points[0].hi95 - res.points[0].lo95) * (1 - 1e-9));
        fc_result_free(&res);
    }
    *c80 = (double)in80 / (double)total;
    *c95 = (double)in95 / (double)total;
}

static void test_interval_coverage(void **state)
{
    (void)state;
    for (int mult = 0; mult < 2; mult++) {
        double c80, c95;
        coverage(mult, &c80, &c95);
        printf("# coverage (%s noise): 80%% interval %.3f, 95%% interval %.3f\n",
               mult ? "multiplicative, exponential trend" : "additive, linear trend", c80, c95);
        if (c95 < 0.88 || c95 > 0.99 || c80 < 0.70 || c80 > 0.92)
            fail_msg("coverage out of range: 80%% -> %.3f, 95%% -> %.3f", c80, c95);
    }
}

/* Daily series with log-normal noise (sigma 0.05), weekly cycle, growth and
 * a x3.5 Double-11: 40 series, 14 days ahead each; then 40 histories ending
 * on Oct 31, whose 11th day ahead is the festival itself. */
static void test_daily_interval_coverage(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 5);
    fc_events ev = {0};
    assert_int_equal(fc_events_add_recurring(&ev, "11-11"), 0);
    static const double week[7] = {1.0, 0.96, 0.97, 1.0, 1.04, 1.15, 1.12};
    static double t[1200], y[1200];
    size_t in80 = 0, in95 = 0, total = 0, fest80 = 0, fest95 = 0, ftotal = 0;
    double fwidth95 = 0, fwidth80 = 0, width95 = 0; /* sums of (hi - lo) / mean */
    long end = fc_days_from_civil(2026, 10, 31);
    for (int pass = 0; pass < 2; pass++) {
        for (int rep = 0; rep < 40; rep++) {
            size_t n = pass == 0 ? 800 : 800 + (size_t)rep * 9, H = pass == 0 ? 14 : 11;
            long d0 = pass == 0 ? fc_days_from_civil(2023, 1, 1) + rep * 9 : end - (long)n + 1;
            for (size_t i = 0; i < n + H; i++) {
                t[i] = (double)(d0 + (long)i);
                y[i] = 1e6 * exp(0.3 * (double)i / 365.25) * week[fc_weekday(d0 + (long)i)] *
                       (fc_events_on(&ev, d0 + (long)i) >= 0 ? 3.5 : 1) * exp(0.05 * rng_normal(&r));
            }
            fc_series s = {.id = "s", .metric = "s", .n = n, .t = t, .y = y};
            fc_run_options o = {.family = FC_FAMILY_DAILY, .forced = -1,
                                .fit = {.step = 1, .events = &ev}, .horizon = H};
            fc_result res;
            assert_int_equal(fc_forecast_series(&s, &o, &res), 0);
            for (size_t h = 0; h < H; h++) {
                const fc_point *p = &res.points[h];
                double a = y[n + h];
                if (pass == 0) {
                    in80 += a >= p->lo80 && a <= p->hi80;
                    in95 += a >= p->lo95 && a <= p->hi95;
                    width95 += (p->hi95 - p->lo95) / p->mean;
                    total++;
                } else if (h == H - 1) {
                    assert_int_equal(fc_events_on(&ev, (long)p->t), 0);
                    fest80 += a >= p->lo80 && a <= p->hi80;
                    fest95 += a >= p->lo95 && a <= p->hi95;
                    fwidth80 += (p->hi80 - p->lo80) / p->mean;
                    fwidth95 += (p->hi95 - p->lo95) / p->mean;
                    ftotal++;
                }
            }
            fc_result_free(&res);
        }
    }
    fc_events_free(&ev);
    double c80 = (double)in80 / (double)total, c95 = (double)in95 / (double)total;
    double f80 = (double)fest80 / (double)ftotal, f95 = (double)fest95 / (double)ftotal;
    double w95 = width95 / (double)total;
    double fw80 = fwidth80 / (double)ftotal, fw95 = fwidth95 / (double)ftotal;
    printf("# daily coverage: 80%% interval %.3f, 95%% interval %.3f (%zu days, mean width "
           "%.3f of the mean); on the festival day: 80%% %.3f, 95%% %.3f (%zu, mean widths "
           "%.3f, %.3f)\n", c80, c95, total, w95, f80, f95, ftotal, fw80, fw95);
    if (c95 < 0.88 || c95 > 0.99 || c80 < 0.70 || c80 > 0.92 || f95 < 0.88 || f80 < 0.70)
        fail_msg("daily coverage out of range");
    /* Coverage alone passes an infinitely wide interval, and 40 festival
     * days cannot bound it from above: bound the widths. The noise alone
     * (log-normal, sigma 0.05) makes a 95% interval 2 x 1.96 x 0.05 = 0.196
     * of the mean wide; the fitted trend, season and festival multiplier add
     * their own uncertainty, but not more than about as much again. */
    if (w95 < 0.9 * 0.196 || w95 > 0.35 || fw95 < 0.9 * 0.196 || fw95 > 0.45 || fw80 >= fw95)
        fail_msg("daily interval widths out of range: %.3f, festival %.3f / %.3f", w95, fw80, fw95);
}

static void test_backtest_uses_only_the_past(void **state)
{
    (void)state;
    double t[10], y[10];
    for (int i = 0; i < 10; i++) {
        t[i] = 2000 + i;
        y[i] = 1 + i * i + (i == 9 ? 1000 : 0); /* a last point no earlier fit may know */
    }
    fc_fit_options o = {.step = 1};
    fc_backtest bt;
    assert_int_equal(fc_backtest_run(FC_MODEL_QUADRATIC, t, y, 10, &o, 2, &bt), 0);
    assert_int_equal(bt.first_origin, 4); /* a quadratic from 4 points: one residual df */
    assert_int_equal(bt.norigins, 6);     /* origins 4..9 */
    for (size_t i = 0; i < bt.nerr; i++) {
        const fc_bt_error *e = &bt.err[i];
        assert_true(e->origin <= e->target);
        if (e->target < 9) /* exact quadratic before the jump: no error */
            assert_true(fabs(e->forecast - e->actual) < 1e-6);
        else
            assert_true(e->actual - e->forecast > 900);
    }
    /* steps 1 and 2: 6 + 5 forecasts */
    assert_int_equal(bt.nerr, 11);
    fc_backtest_free(&bt);
}

static void test_horizon_steps_to_a_date(void **state)
{
    (void)state;
    size_t n;
    double last, at;
    assert_int_equal(fc_horizon_steps(2018, 2019, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(fc_time_parse("2026-10-31", FC_TIME_DATE, &last), 0);
    assert_int_equal(fc_time_parse("2026-11-11", FC_TIME_DATE, &at), 0);
    assert_int_equal(fc_horizon_steps(last, at, 1, &n), 0);
    assert_int_equal(n, 11);
    assert_int_equal(fc_horizon_steps(last, at, 7, &n), 0); /* weekly: 2 steps pass it */
    assert_int_equal(n, 2);
    assert_int_equal(fc_horizon_steps(last, last, 1, &n), -1);
    assert_int_equal(fc_horizon_steps(2019, 2018, 1, &n), -1);
    /* The forecast points land on the grid and the last one is the date. */
    double t[8], y[8];
    for (int i = 0; i < 8; i++) {
        t[i] = last - 7 + i;
        y[i] = 100 + i;
    }
    fc_series s = {.id = "s", .metric = "s", .n = 8, .t = t, .y = y};
    fc_run_options o = {.family = FC_FAMILY_GROWTH, .forced = FC_MODEL_LINEAR, .fit = {.step = 1},
                        .horizon = 11};
    fc_result res;
    assert_int_equal(fc_forecast_series(&s, &o, &res), 0);
    assert_int_equal(res.npoints, 11);
    assert_true(res.points[10].t == at);
    assert_int_equal(res.peak, 10); /* rising line: the last point is the highest */
    assert_true(fabs(res.points[10].mean - (107 + 11)) < 1e-6);
    fc_result_free(&res);
}

static void test_skipped_models_listed_with_reason(void **state)
{
    (void)state;
    double t[4] = {2014, 2015, 2016, 2017}, y[4] = {10, 13, 17, 22};
    fc_result res;
    run_auto(t, y, 4, 1, &res);
    int cubic_seen = 0;
    for (size_t i = 0; i < res.nmodels; i++) {
        if (res.models[i].model == FC_MODEL_CUBIC) {
            cubic_seen = 1;
            assert_false(res.models[i].fitted);
            assert_non_null(strstr(res.models[i].why, "needs at least 5 points"));
        }
    }
    assert_true(cubic_seen);
    fc_result_free(&res);
}

/* ---- reading history ---- */

/* Runs fc_history_read (or, with H NULL, forecast_file_read into FF) with
 * stderr captured into ERR. */
static int read_captured_any(const char *path, const fc_read_options *o, fc_history *h,
                             forecast_file *ff, char *err, size_t len)
{
    char errpath[128];
    snprintf(errpath, sizeof errpath, "%s/stderr", tmpdir);
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(errpath, "w+");
    assert_non_null(f);
    dup2(fileno(f), 2);
    int rc = h ? fc_history_read(path, o, h) : forecast_file_read(path, ff);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    size_t n = fread(err, 1, len - 1, f);
    err[n] = '\0';
    fclose(f);
    return rc;
}

static int read_captured(const char *path, const fc_read_options *o, fc_history *h, char *err,
                         size_t len)
{
    return read_captured_any(path, o, h, NULL, err, len);
}

static void test_history_errors_name_line_and_column(void **state)
{
    (void)state;
    fc_history h;
    char err[1024];
    const char *values[] = {"pv"};
    fc_read_options o = {.time_col = "date", .values = values, .nvalues = 1};
    const char *p = tmpdir_file("bad.csv", "date,pv\n2026-01-01,100\n2026-01-02,12x\n");
    assert_int_equal(read_captured(p, &o, &h, err, sizeof err), -1);
    fc_history_free(&h);
    assert_non_null(strstr(err, "bad.csv:3:"));
    assert_non_null(strstr(err, "column 'pv'"));
    assert_non_null(strstr(err, "12x"));

    p = tmpdir_file("badtime.csv", "date,pv\n2026-01-01,100\n2026-13-02,120\n");
    assert_int_equal(read_captured(p, &o, &h, err, sizeof err), -1);
    fc_history_free(&h);
    assert_non_null(strstr(err, "badtime.csv:3:"));
    assert_non_null(strstr(err, "column 'date'"));

    p = tmpdir_file("dup.csv", "date,pv\n2026-01-01,100\n2026-01-01,120\n");
    assert_int_equal(read_captured(p, &o, &h, err, sizeof err), -1);
    fc_history_free(&h);
    assert_non_null(strstr(err, "dup.csv:3:"));
    assert_non_null(strstr(err, "line 2"));

    fc_read_options ow = {.time_col = "year"};
    p = tmpdir_file("window.csv", "year,gmv,window\n2018,1,1 day\n2019,2,1 day\n2020,5,11 days\n");
    assert_int_equal(read_captured(p, &ow, &h, err, sizeof err), -1);
    fc_history_free(&h);
    assert_non_null(strstr(err, "window.csv:4:"));
    assert_non_null(strstr(err, "mixes windows"));
    /* ... and the same file is fine once one window is picked. */
    const char *where[] = {"window=1 day"};
    ow.where = where;
    ow.nwhere = 1;
    assert_int_equal(read_captured(p, &ow, &h, err, sizeof err), 0);
    assert_int_equal(h.nseries, 1);
    assert_int_equal(h.series[0].n, 2);
    fc_history_free(&h);
}

static void test_history_missing_gaps_long_until(void **state)
{
    (void)state;
    fc_history h;
    char err[1024];
    /* Empty cells are skipped with a note; a gap keeps its real width. */
    const char *p = tmpdir_file("gaps.csv",
                               "date,pv,uv\n2026-01-01,100,10\n2026-01-02,,11\n"
                               "2026-01-05,130,13\n2026-01-03,110,\n");
    fc_read_options o = {.time_col = "date"};
    assert_int_equal(read_captured(p, &o, &h, err, sizeof err), 0);
    assert_int_equal(h.nseries, 2); /* every numeric column by default */
    assert_string_equal(h.series[0].id, "pv");
    assert_int_equal(h.series[0].n, 3);
    assert_int_equal(h.series[0].nmissing, 1);
    assert_true(h.series[0].t[2] - h.series[0].t[1] == 2); /* sorted: 01, 03, 05 */
    assert_non_null(strstr(err, "1 empty cell skipped (first on line 3)"));
    assert_true(h.step == 1 || h.step == 2);
    fc_history_free(&h);

    /* Long format: one series per value of the series column; --until. */
    p = tmpdir_file("long.csv", "svc,year,tps\ncart,2017,1\npay,2017,5\ncart,2018,2\n"
                               "pay,2018,6\ncart,2019,3\npay,2019,7\n");
    const char *values[] = {"tps"};
    fc_read_options ol = {.time_col = "year", .series_col = "svc", .values = values,
                          .nvalues = 1, .until = "2018"};
    assert_int_equal(read_captured(p, &ol, &h, err, sizeof err), 0);
    assert_int_equal(h.nseries, 2);
    assert_string_equal(h.series[0].id, "cart");
    assert_string_equal(h.series[1].id, "pay");
    assert_int_equal(h.series[1].n, 2);
    assert_int_equal(h.series[1].nlater, 1);
    assert_true(h.series[1].later_y[0] == 7);
    assert_string_equal(h.unit, "year");
    fc_history_free(&h);
}

static void test_forecast_file_round_trip(void **state)
{
    (void)state;
    fc_history h;
    char err[1024];
    const char *p = tmpdir_file("tm.csv", "year,gmv\n2012,19.1\n2013,35.0\n2014,57.1\n2015,91.2\n"
                                         "2016,120.7\n2017,168.2\n2018,213.5\n");
    fc_read_options o = {.time_col = "year"};
    assert_int_equal(read_captured(p, &o, &h, err, sizeof err), 0);
    fc_result res;
    fc_run_options ro = {.family = FC_FAMILY_GROWTH, .forced = -1, .fit = {.step = 1}, .horizon = 2};
    assert_int_equal(fc_forecast_series(&h.series[0], &ro, &res), 0);
    char out[128];
    snprintf(out, sizeof out, "%s/forecast.json", tmpdir);
    fc_json_meta meta = {.family = "growth", .model_arg = "auto", .horizon = 2};
    assert_int_equal(fc_json_write(out, &h, &res, &meta), 0);
    forecast_file ff;
    assert_int_equal(forecast_file_read(out, &ff), 0);
    assert_int_equal(ff.nseries, 1);
    const forecast_file_series *s = forecast_file_find(&ff, "gmv");
    assert_non_null(s);
    assert_null(forecast_file_find(&ff, "nope"));
    assert_int_equal(s->nhistory, 7);
    assert_string_equal(s->history[6].t, "2018");
    assert_int_equal(s->nforecast, 2);
    assert_string_equal(s->forecast[1].t, "2020");
    assert_string_equal(s->selected, fc_model_name(res.models[res.selected].model));
    assert_true(s->has_peak);
    assert_true(fabs(s->peak.mean - res.points[res.peak].mean) < 1e-9 * fabs(s->peak.mean));
    assert_true(s->peak.hi95 >= s->peak.mean);
    assert_true(ff.unit_seconds > 3e7);
    assert_int_equal(s->nmodels, res.nmodels);
    forecast_file_free(&ff);
    fc_result_free(&res);
    fc_history_free(&h);

    /* A wrong schema is refused with the file named. */
    p = tmpdir_file("other.json", "{\"schema\": \"crest.plan/1\"}");
    assert_int_equal(read_captured_any(p, NULL, NULL, &ff, err, sizeof err), -1);
    assert_non_null(strstr(err, "other.json"));
    assert_non_null(strstr(err, "crest.forecast/1"));
    forecast_file_free(&ff);
    p = tmpdir_file("noseries.json", "{\"schema\": \"crest.forecast/1\", \"input\": \"x\", "
                                    "\"time_kind\": \"year\", \"unit\": \"year\", "
                                    "\"unit_seconds\": 1, \"series\": [{\"id\": 3}]}");
    assert_int_equal(read_captured_any(p, NULL, NULL, &ff, err, sizeof err), -1);
    assert_non_null(strstr(err, "series[0].id"));
    forecast_file_free(&ff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_combination_follows_the_generating_curve),
        cmocka_unit_test(test_blend_with_ses_drift),
        cmocka_unit_test(test_interval_coverage),
        cmocka_unit_test(test_daily_interval_coverage),
        cmocka_unit_test(test_backtest_uses_only_the_past),
        cmocka_unit_test(test_horizon_steps_to_a_date),
        cmocka_unit_test(test_skipped_models_listed_with_reason),
        cmocka_unit_test(test_history_errors_name_line_and_column),
        cmocka_unit_test(test_history_missing_gaps_long_until),
        cmocka_unit_test(test_forecast_file_round_trip),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
