/* test_compare.c: the statistics and verdicts of `crest compare`
 * (reports/compare.c): Mann-Whitney U on samples worked out by hand, the
 * allowance parser, and comparisons of in-memory results documents whose
 * latency histograms are real hist_encode strings. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hist.h"
#include "common/rng.h"
#include "reports/compare.h"

static void test_mann_whitney_separated(void **state)
{
    (void)state;
    const double lo[] = {1, 2, 3, 4, 5}, hi[] = {6, 7, 8, 9, 10};
    mann_whitney mw;
    assert_int_equal(mann_whitney_test(lo, 5, hi, 5, &mw), 0);
    /* Every current value beats every baseline value: U = 25, mean 12.5,
     * sd sqrt(25 * 11 / 12); p = Q((25 - 12.5 - 0.5) / sd). */
    assert_float_equal(mw.u, 25, 1e-12);
    assert_float_equal(mw.p_greater, 0.006092890177672409, 1e-9);
    assert_float_equal(mw.p_less, 0.9966923245172357, 1e-9);
    assert_int_equal(mw.n_base, 5);
    assert_int_equal(mw.n_cur, 5);
    assert_int_equal(mann_whitney_test(hi, 5, lo, 5, &mw), 0);
    assert_float_equal(mw.u, 0, 1e-12);
    assert_float_equal(mw.p_less, 0.006092890177672409, 1e-9);
}

static void test_mann_whitney_ties(void **state)
{
    (void)state;
    /* Mid-ranks: 1 -> 1, the three 2s -> 3, the three 3s -> 6, 4 -> 8; the
     * current rank sum is 3 + 6 + 6 + 8 = 23, U = 23 - 10 = 13. Tie-corrected
     * variance 16/12 * (9 - 48/56). */
    const double base[] = {1, 2, 2, 3}, cur[] = {2, 3, 3, 4};
    mann_whitney mw;
    assert_int_equal(mann_whitney_test(base, 4, cur, 4, &mw), 0);
    assert_float_equal(mw.u, 13, 1e-12);
    assert_float_equal(mw.z, 1.51744244666721, 1e-9);
    assert_float_equal(mw.p_greater, 0.08601685446091148, 1e-9);
    assert_float_equal(mw.p_less, 0.9524598065992065, 1e-9);
}

static void test_mann_whitney_degenerate(void **state)
{
    (void)state;
    const double same[] = {3, 3, 3};
    mann_whitney mw;
    assert_int_equal(mann_whitney_test(same, 3, same, 3, &mw), 0);
    assert_float_equal(mw.p_greater, 1, 0);
    assert_float_equal(mw.p_less, 1, 0);
    assert_int_equal(mann_whitney_test(same, 0, same, 3, &mw), -1);
    assert_int_equal(mann_whitney_test(same, 3, same, 0, &mw), -1);
}

static void test_allowance_parse(void **state)
{
    (void)state;
    compare_allowance a;
    compare_allowance_default(&a);
    assert_float_equal(a.p99, 0.10, 1e-12);
    assert_float_equal(a.rate, 0.05, 1e-12);
    assert_float_equal(a.errors, 0.005, 1e-12);
    assert_float_equal(a.alpha, 0.01, 1e-12);
    assert_int_equal(compare_allowance_parse("p99=20%, rate=0.1,errors=1%,alpha=5%", &a), 0);
    assert_float_equal(a.p99, 0.20, 1e-12);
    assert_float_equal(a.rate, 0.10, 1e-12);
    assert_float_equal(a.errors, 0.01, 1e-12);
    assert_float_equal(a.alpha, 0.05, 1e-12);
    assert_float_equal(a.p50, 0.10, 1e-12);   /* untouched */
    assert_int_equal(compare_allowance_parse("p99=abc", &a), -1);
    assert_int_equal(compare_allowance_parse("p99", &a), -1);
    assert_int_equal(compare_allowance_parse("p95=10%", &a), -1);
    assert_int_equal(compare_allowance_parse("p99=-5%", &a), -1);
    assert_int_equal(compare_allowance_parse("alpha=0", &a), -1);
    assert_int_equal(compare_allowance_parse("alpha=60%", &a), -1);
}

/* A results document of NSECONDS seconds at about 100 requests/s, latency
 * log-normal around MEDIAN_MS, with a real encoded histogram (or BAD_HIST). */
static cJSON *make_results(uint64_t seed, int nseconds, double median_ms, double error_p,
                           const char *bad_hist)
{
    rng r;
    rng_seed(&r, seed);
    hist *all = hist_new();
    hist *sec = hist_new();
    assert_non_null(all);
    assert_non_null(sec);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "crest.results/1");
    cJSON *ts = cJSON_AddArrayToObject(root, "timeseries");
    double ok_total = 0, err_total = 0;
    for (int t = 0; t < nseconds; t++) {
        hist_reset(sec);
        double noise = exp(0.05 * rng_normal(&r));
        int ok = 0, errors = 0;
        for (int i = 0; i < 100; i++) {
            double ms = median_ms * noise * exp(0.4 * rng_normal(&r));
            hist_record(sec, (int64_t)(ms * 1000));
            if (rng_uniform(&r) < error_p)
                errors++;
            else
                ok++;
        }
        hist_add(all, sec);
        cJSON *s = cJSON_CreateObject();
        cJSON_AddNumberToObject(s, "t", t);
        cJSON_AddNumberToObject(s, "completed", ok + errors);
        cJSON_AddNumberToObject(s, "ok", ok);
        cJSON_AddNumberToObject(s, "errors", errors);
        cJSON_AddNumberToObject(s, "shed", 0);
        cJSON_AddNumberToObject(s, "p50_ms", hist_percentile(sec, 50) / 1000.0);
        cJSON_AddNumberToObject(s, "p90_ms", hist_percentile(sec, 90) / 1000.0);
        cJSON_AddNumberToObject(s, "p99_ms", hist_percentile(sec, 99) / 1000.0);
        cJSON_AddItemToArray(ts, s);
        ok_total += ok;
        err_total += errors;
    }
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(sum, "ok", ok_total);
    cJSON_AddNumberToObject(sum, "errors", err_total);
    cJSON_AddNumberToObject(sum, "shed", 0);
    cJSON_AddNumberToObject(sum, "duration_s", nseconds);
    cJSON_AddNumberToObject(sum, "error_rate", err_total / (ok_total + err_total));
    /* Deliberately wrong summary percentiles: the histogram must win. */
    cJSON *lat = cJSON_AddObjectToObject(sum, "latency_ms");
    cJSON_AddNumberToObject(lat, "p50", 999);
    cJSON_AddNumberToObject(lat, "p90", 999);
    cJSON_AddNumberToObject(lat, "p99", 999);
    char *enc = hist_encode(all);
    assert_non_null(enc);
    cJSON *hists = cJSON_AddObjectToObject(sum, "histograms");
    cJSON_AddStringToObject(hists, "latency", bad_hist ? bad_hist : enc);
    free(enc);
    hist_free(sec);
    hist_free(all);
    return root;
}

static const compare_row *row_of(const compare_report *r, const char *scope, const char *metric)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (strcmp(r->rows[i].scope, scope) == 0 && strcmp(r->rows[i].metric, metric) == 0)
            return &r->rows[i];
    fail_msg("no row %s/%s", scope, metric);
    return NULL;
}

static void test_identical_runs_pass(void **state)
{
    (void)state;
    cJSON *a = make_results(1, 20, 10, 0.001, NULL);
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_results_json("a", a, "a", a, &al, &r), 0);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.regressions, 0);
    const compare_row *p50 = row_of(&r, "total", "p50");
    assert_string_equal(p50->source, "histogram");
    assert_true(p50->baseline > 5 && p50->baseline < 20);   /* not the summary's 999 */
    assert_float_equal(p50->change, 0, 0);
    assert_int_equal(p50->verdict, CMP_OK);
    assert_true(p50->tested);
    compare_report_free(&r);
    cJSON_Delete(a);
}

static void test_slower_run_regresses(void **state)
{
    (void)state;
    cJSON *a = make_results(1, 20, 10, 0.001, NULL);
    cJSON *b = make_results(2, 20, 13, 0.001, NULL);   /* 30% slower */
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_results_json("a", a, "b", b, &al, &r), 0);
    const compare_row *p50 = row_of(&r, "total", "p50");
    assert_true(p50->change > 0.2 && p50->change < 0.4);
    assert_true(p50->p_value < 0.001);
    assert_int_equal(p50->verdict, CMP_REGRESSION);
    assert_int_equal(r.exit_code, 1);
    cJSON *j = compare_report_to_json(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "verdict")->valuestring, "regression");
    cJSON_Delete(j);
    compare_report_free(&r);
    /* With a 50% allowance the same change is no regression. */
    assert_int_equal(compare_allowance_parse("p50=50%,p90=50%,p99=50%", &al), 0);
    assert_int_equal(compare_results_json("a", a, "b", b, &al, &r), 0);
    assert_int_equal(r.exit_code, 0);
    compare_report_free(&r);
    /* Faster: improved, not a regression. */
    compare_allowance_default(&al);
    assert_int_equal(compare_results_json("b", b, "a", a, &al, &r), 0);
    assert_int_equal(row_of(&r, "total", "p50")->verdict, CMP_IMPROVED);
    assert_int_equal(r.exit_code, 0);
    compare_report_free(&r);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void test_same_target_noise_passes(void **state)
{
    (void)state;
    cJSON *a = make_results(11, 20, 10, 0.001, NULL);
    cJSON *b = make_results(12, 20, 10, 0.001, NULL);
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_results_json("a", a, "b", b, &al, &r), 0);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(r.exit_code, 0);
    compare_report_free(&r);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void test_beyond_allowance_but_not_significant_is_noise(void **state)
{
    (void)state;
    /* 20% slower but with only a handful of seconds in which a few are
     * much slower: a zero allowance makes every increase "beyond", and the
     * test must still call 6-second runs of the same target noise. */
    cJSON *a = make_results(21, 6, 10, 0, NULL);
    cJSON *b = make_results(22, 6, 10, 0, NULL);
    compare_allowance al;
    compare_allowance_default(&al);
    assert_int_equal(compare_allowance_parse("p50=0,p90=0,p99=0,rate=0", &al), 0);
    compare_report r;
    assert_int_equal(compare_results_json("a", a, "b", b, &al, &r), 0);
    int noise = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        assert_int_not_equal(r.rows[i].verdict, CMP_REGRESSION);
        noise += r.rows[i].verdict == CMP_NOISE;
    }
    assert_true(noise >= 1);
    compare_report_free(&r);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void test_short_runs_untested(void **state)
{
    (void)state;
    cJSON *a = make_results(1, 3, 10, 0, NULL);
    cJSON *b = make_results(2, 3, 20, 0, NULL);
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_results_json("a", a, "b", b, &al, &r), 0);
    assert_int_equal(row_of(&r, "total", "p50")->verdict, CMP_UNTESTED);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(r.exit_code, 3);
    compare_report_free(&r);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void test_bad_input(void **state)
{
    (void)state;
    cJSON *good = make_results(1, 5, 10, 0, NULL);
    cJSON *bad_hist = make_results(1, 5, 10, 0, "crest-hist1:AAAA");
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_results_json("good", good, "bad", bad_hist, &al, &r), -1);
    cJSON *wrong = cJSON_CreateObject();
    cJSON_AddStringToObject(wrong, "schema", "crest.capacity/1");
    assert_int_equal(compare_results_json("good", good, "wrong", wrong, &al, &r), -1);
    cJSON_ReplaceItemInObject(wrong, "schema", cJSON_CreateString("crest.results/1"));
    assert_int_equal(compare_results_json("good", good, "wrong", wrong, &al, &r), -1);
    cJSON_AddItemToObject(wrong, "summary", cJSON_CreateObject());
    cJSON_AddStringToObject(wrong, "timeseries", "not an array");
    assert_int_equal(compare_results_json("good", good, "wrong", wrong, &al, &r), -1);
    cJSON_Delete(wrong);
    cJSON_Delete(good);
    cJSON_Delete(bad_hist);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mann_whitney_separated),
        cmocka_unit_test(test_mann_whitney_ties),
        cmocka_unit_test(test_mann_whitney_degenerate),
        cmocka_unit_test(test_allowance_parse),
        cmocka_unit_test(test_identical_runs_pass),
        cmocka_unit_test(test_slower_run_regresses),
        cmocka_unit_test(test_same_target_noise_passes),
        cmocka_unit_test(test_beyond_allowance_but_not_significant_is_noise),
        cmocka_unit_test(test_short_runs_untested),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
