/* test_compare.c: the statistics and verdicts of `crest compare`
 * (reports/compare.c): Mann-Whitney U on samples worked out by hand, the
 * allowance parser, comparisons of simulated runs (run_result with real
 * histograms and per-second stats), and files through results.json. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/hist.h"
#include "common/rng.h"
#include "common/jsonio.h"
#include "loadgen/results.h"
#include "loadgen/stats.h"
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

/* A run of NSECONDS seconds at 100 requests/s, all in subsystem "cart",
 * latency log-normal around MEDIAN_MS times a small per-second noise. */
static void make_run(run_result *r, uint64_t seed, int nseconds, double median_ms, double error_p)
{
    const char *names[] = {"cart"};
    assert_int_equal(run_result_init(r, 1, names), 0);
    r->seconds = calloc((size_t)nseconds, sizeof *r->seconds);
    r->tag_seconds = calloc(1, sizeof *r->tag_seconds);
    assert_non_null(r->seconds);
    assert_non_null(r->tag_seconds);
    r->tag_seconds[0] = calloc((size_t)nseconds, sizeof **r->tag_seconds);
    assert_non_null(r->tag_seconds[0]);
    r->nseconds = (size_t)nseconds;
    r->duration_s = nseconds;
    rng g;
    rng_seed(&g, seed);
    hist *sec = hist_new();
    assert_non_null(sec);
    for (int t = 0; t < nseconds; t++) {
        hist_reset(sec);
        double noise = exp(0.05 * rng_normal(&g));
        second_stats *s = &r->seconds[t];
        for (int i = 0; i < 100; i++) {
            hist_record(sec, (int64_t)(median_ms * noise * exp(0.4 * rng_normal(&g)) * 1000));
            if (rng_uniform(&g) < error_p)
                s->errors++;
            else
                s->ok++;
        }
        s->offered = s->sent = s->completed = 100;
        s->p50_ms = hist_percentile(sec, 50) / 1000.0;
        s->p90_ms = hist_percentile(sec, 90) / 1000.0;
        s->p99_ms = hist_percentile(sec, 99) / 1000.0;
        r->tag_seconds[0][t] = *s;
        hist_add(r->total.h.latency, sec);
        hist_add(r->tags[0].h.latency, sec);
        for (counters *c = &r->total.c; c; c = c == &r->total.c ? &r->tags[0].c : NULL) {
            c->scheduled += 100;
            c->sent += 100;
            c->completed += 100;
            c->ok += s->ok;
            c->errors += s->errors;
            c->http_errors += s->errors;
        }
    }
    hist_free(sec);
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
    run_result a;
    make_run(&a, 1, 20, 10, 0.001);
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_run_results("a", &a, "a", &a, &al, &r), 0);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(r.nrows, 10);   /* total and cart, 5 metrics each */
    assert_int_equal(r.generator_limited[0], 0);
    const compare_row *p50 = row_of(&r, "total", "p50");
    assert_true(p50->baseline > 8 && p50->baseline < 12);   /* the histogram's median */
    assert_float_equal(p50->change, 0, 0);
    assert_int_equal(p50->verdict, CMP_OK);
    assert_true(p50->tested);
    assert_int_equal(p50->n_base, 20);
    assert_float_equal(row_of(&r, "cart", "rate")->baseline, a.tags[0].c.ok / 20.0, 1e-12);
    compare_report_free(&r);
    run_result_free(&a);
}

static void test_slower_run_regresses(void **state)
{
    (void)state;
    run_result a, b;
    make_run(&a, 1, 20, 10, 0.001);
    make_run(&b, 2, 20, 13, 0.001);   /* 30% slower */
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_run_results("a", &a, "b", &b, &al, &r), 0);
    const compare_row *p50 = row_of(&r, "total", "p50");
    assert_true(p50->change > 0.2 && p50->change < 0.4);
    assert_true(p50->p_value < 0.001);
    assert_int_equal(p50->verdict, CMP_REGRESSION);
    assert_int_equal(row_of(&r, "cart", "p90")->verdict, CMP_REGRESSION);
    assert_int_equal(r.exit_code, 1);
    cJSON *j = compare_report_to_json(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "verdict")->valuestring, "regression");
    cJSON_Delete(j);
    compare_report_free(&r);
    /* With a 50% allowance the same change is no regression. */
    assert_int_equal(compare_allowance_parse("p50=50%,p90=50%,p99=50%", &al), 0);
    assert_int_equal(compare_run_results("a", &a, "b", &b, &al, &r), 0);
    assert_int_equal(r.exit_code, 0);
    compare_report_free(&r);
    /* Faster: improved, not a regression. */
    compare_allowance_default(&al);
    assert_int_equal(compare_run_results("b", &b, "a", &a, &al, &r), 0);
    assert_int_equal(row_of(&r, "total", "p50")->verdict, CMP_IMPROVED);
    assert_int_equal(r.exit_code, 0);
    compare_report_free(&r);
    run_result_free(&a);
    run_result_free(&b);
}

static void test_same_target_noise_passes(void **state)
{
    (void)state;
    run_result a, b;
    make_run(&a, 11, 20, 10, 0.001);
    make_run(&b, 12, 20, 10, 0.001);
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_run_results("a", &a, "b", &b, &al, &r), 0);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(r.exit_code, 0);
    compare_report_free(&r);
    run_result_free(&a);
    run_result_free(&b);
}

static void test_beyond_allowance_but_not_significant_is_noise(void **state)
{
    (void)state;
    /* With no allowance every increase is "beyond" it; 6-second runs of the
     * same target must still come out as noise, never as regressions. */
    run_result a, b;
    make_run(&a, 21, 6, 10, 0);
    make_run(&b, 22, 6, 10, 0);
    compare_allowance al;
    compare_allowance_default(&al);
    assert_int_equal(compare_allowance_parse("p50=0,p90=0,p99=0,rate=0", &al), 0);
    compare_report r;
    assert_int_equal(compare_run_results("a", &a, "b", &b, &al, &r), 0);
    int noise = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        assert_int_not_equal(r.rows[i].verdict, CMP_REGRESSION);
        noise += r.rows[i].verdict == CMP_NOISE;
    }
    assert_true(noise >= 1);
    compare_report_free(&r);
    run_result_free(&a);
    run_result_free(&b);
}

static void test_short_runs_untested(void **state)
{
    (void)state;
    run_result a, b;
    make_run(&a, 1, 3, 10, 0);
    make_run(&b, 2, 3, 20, 0);
    compare_allowance al;
    compare_allowance_default(&al);
    compare_report r;
    assert_int_equal(compare_run_results("a", &a, "b", &b, &al, &r), 0);
    assert_int_equal(row_of(&r, "total", "p50")->verdict, CMP_UNTESTED);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(r.exit_code, 3);
    compare_report_free(&r);
    run_result_free(&a);
    run_result_free(&b);
}

static void test_files_and_bad_input(void **state)
{
    (void)state;
    char dir[] = "/tmp/crest-test-compare.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char good[64], bad[64];
    snprintf(good, sizeof good, "%s/good.json", dir);
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    run_result a;
    make_run(&a, 1, 8, 10, 0);
    results_meta meta;
    memset(&meta, 0, sizeof meta);
    assert_int_equal(results_write(good, &a, &meta), 0);
    /* The round trip through results.json keeps the verdict. */
    assert_int_equal(compare_results_files(good, good, NULL, NULL), 0);
    assert_int_equal(compare_results_files(good, good, "p99=oops", NULL), 2);
    /* A damaged histogram is bad input. */
    cJSON *doc = results_to_json(&a, &meta);
    cJSON *hs = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "histograms");
    cJSON_ReplaceItemInObject(hs, "latency", cJSON_CreateString("crest-hist1:AAAA"));
    assert_int_equal(jsonio_write_file(bad, doc), 0);
    cJSON_Delete(doc);
    assert_int_equal(compare_results_files(good, bad, NULL, NULL), 2);
    snprintf(bad, sizeof bad, "%s/missing.json", dir);
    assert_int_equal(compare_results_files(good, bad, NULL, NULL), 2);
    run_result_free(&a);
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    remove(bad);
    remove(good);
    rmdir(dir);
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
        cmocka_unit_test(test_files_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
