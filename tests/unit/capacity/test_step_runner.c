/* test_step_runner.c: the judge of a capacity search step
 * (capacity/step_runner.c) on hand-built run results: the SLO through
 * threshold_eval_slo (shed counts against the error budget), the kept-up
 * rule (completions against arrivals over the steady window), the
 * "far below the SLO" rule that lets the search quadruple its probe (every
 * latency bound under a quarter used, nothing shed or failed), whom the
 * full link blames, and how an SLO list is tagged per subsystem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "capacity/step_runner.h"
#include "common/hist.h"

#define SECONDS 4

static const char *names[] = {"cart", "order"};

typedef struct fixture {
    loadplan *plan;
    run_result r;
    step_settings settings;
    step_runner sr;
} fixture;

/* A 4-second step of two subsystems; each second of each tag gets OFFERED
 * arrivals and COMPLETED completions (all ok unless told otherwise). */
static void fixture_init(fixture *f, long judged_tag, const char *slo, uint64_t offered,
                         uint64_t completed)
{
    memset(f, 0, sizeof *f);
    f->plan = loadplan_new("test");
    assert_non_null(f->plan);
    loadplan_add_subsystem(f->plan, "cart");
    loadplan_add_subsystem(f->plan, "order");
    assert_int_equal(run_result_init(&f->r, 2, names), 0);
    f->r.duration_s = SECONDS;
    f->r.nseconds = SECONDS;
    f->r.seconds = calloc(SECONDS, sizeof *f->r.seconds);
    f->r.tag_seconds = calloc(2, sizeof *f->r.tag_seconds);
    assert_non_null(f->r.seconds);
    assert_non_null(f->r.tag_seconds);
    for (size_t t = 0; t < 2; t++) {
        f->r.tag_seconds[t] = calloc(SECONDS, sizeof **f->r.tag_seconds);
        assert_non_null(f->r.tag_seconds[t]);
        for (size_t k = 0; k < SECONDS; k++) {
            second_stats *s = &f->r.tag_seconds[t][k];
            s->offered = s->sent = offered;
            s->completed = s->ok = completed;
            f->r.seconds[k].offered += offered;
            f->r.seconds[k].completed += completed;
            f->r.seconds[k].ok += completed;
        }
        f->r.tags[t].c.ok = completed * SECONDS;
        f->r.total.c.ok += completed * SECONDS;
    }
    f->settings = (step_settings){.step_s = SECONDS, .kept_up_tolerance = 0.03};
    f->sr = (step_runner){.settings = &f->settings, .plan = f->plan, .label = "t",
                          .tag = judged_tag};
    for (size_t t = 0; t < 2; t++)
        if (judged_tag < 0 || (size_t)judged_tag == t)
            assert_int_equal(step_slo_add_tagged(&f->sr.slo, slo, names[t], "test"), 0);
}

static void fixture_free(fixture *f)
{
    step_runner_free(&f->sr);
    run_result_free(&f->r);
    loadplan_free(f->plan);
}

/* Records N latencies of MS milliseconds for TAG (and the total). */
static void record(fixture *f, size_t tag, int n, int64_t ms)
{
    for (int i = 0; i < n; i++) {
        hist_record(f->r.tags[tag].h.latency, ms * 1000);
        hist_record(f->r.total.h.latency, ms * 1000);
    }
}

static void test_pass_far_below_slo(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 0, "p99<100ms", 100, 100);
    record(&f, 0, 400, 10);          /* 10 ms of a 100 ms bound: a tenth used */
    search_step st = {.rate = 100};
    assert_int_equal(step_judge(&f.sr, &f.r, &st), 0);
    assert_true(st.pass);
    assert_int_equal(st.reason, SEARCH_LIMIT_NONE);
    assert_true(st.far_below_slo);
    /* steady window skips the first second: 3 s of 100 ok/s */
    assert_true(st.ok_rps > 99.9 && st.ok_rps < 100.1);
    fixture_free(&f);
}

static void test_pass_but_not_far_at_a_quarter(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 0, "p99<100ms", 100, 100);
    record(&f, 0, 400, 30);          /* 30% of the bound used: pass, but no 4x jump */
    search_step st = {.rate = 100};
    assert_int_equal(step_judge(&f.sr, &f.r, &st), 0);
    assert_true(st.pass);
    assert_false(st.far_below_slo);
    fixture_free(&f);
}

static void test_not_far_when_anything_shed(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 0, "p99<100ms,errors<5%", 100, 100);
    record(&f, 0, 400, 5);
    f.r.tags[0].c.shed = 1;          /* within budget, but the system said no once */
    search_step st = {.rate = 100};
    assert_int_equal(step_judge(&f.sr, &f.r, &st), 0);
    assert_true(st.pass);
    assert_false(st.far_below_slo);
    fixture_free(&f);
}

static void test_latency_broken(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 0, "p99<50ms", 100, 100);
    record(&f, 0, 400, 80);
    search_step st = {.rate = 100};
    assert_int_equal(step_judge(&f.sr, &f.r, &st), 0);
    assert_false(st.pass);
    assert_int_equal(st.reason, SEARCH_LIMIT_LATENCY);
    assert_non_null(strstr(st.why, "cart:p99<50ms broken"));
    fixture_free(&f);
}

/* 5% shed against a 1% budget fails as shed: the SLO judge counts a 429 as
 * a failure to serve, where a plain `errors<1%` gate would not. */
static void test_shed_counts_against_the_error_budget(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 0, "p99<100ms,errors<1%", 100, 100);
    record(&f, 0, 400, 5);
    f.r.tags[0].c.ok = 380;
    f.r.tags[0].c.shed = 20;
    search_step st = {.rate = 100};
    assert_int_equal(step_judge(&f.sr, &f.r, &st), 0);
    assert_false(st.pass);
    assert_int_equal(st.reason, SEARCH_LIMIT_SHED);
    assert_non_null(strstr(st.why, "errors+shed"));
    double v = 0;
    assert_int_equal(threshold_eval(&f.sr.slo.items[1], &f.r, &v), 1); /* the plain gate holds */
    assert_int_equal(threshold_eval_slo(&f.sr.slo.items[1], &f.r, &v), 0);
    assert_true(v > 0.0499 && v < 0.0501);
    fixture_free(&f);
}

static void test_falling_behind_fails_and_full_link_blames(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, -1, "p99<1000ms", 100, 100);
    record(&f, 0, 300, 5);
    record(&f, 1, 300, 5);
    for (size_t k = 0; k < SECONDS; k++)
        f.r.tag_seconds[1][k].completed = 60;  /* order completes 60% of its arrivals */
    search_step st = {.rate = 200};
    assert_int_equal(step_judge(&f.sr, &f.r, &st), 0);
    assert_false(st.pass);
    assert_int_equal(st.reason, SEARCH_LIMIT_QUEUE);
    assert_string_equal(st.tag, "order");
    assert_non_null(strstr(st.why, "order: falling behind (completed 60.0%"));
    /* p99 held (5 ms < 1000 ms): the queue is the reason, not latency (issue 14, defect 7). */
    assert_string_equal(search_limit_name(st.reason), "queue");
    fixture_free(&f);
}

static void test_kept_up_tolerates_a_handful(void **state)
{
    (void)state;
    double ratio;
    step_window w = {.seconds = 3, .offered = 30, .completed = 21};
    assert_true(step_kept_up(&w, 0.03, &ratio));   /* 9 short: a handful in flight */
    w = (step_window){.seconds = 3, .offered = 3000, .completed = 2900};
    assert_false(step_kept_up(&w, 0.03, &ratio));  /* 100 short, 3.3% */
    w.completed = 2950;
    assert_true(step_kept_up(&w, 0.03, &ratio));   /* 50 short, 1.7% */
    assert_true(ratio > 0.983 && ratio < 0.984);
}

static void test_slo_naming_an_unknown_subsystem(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 0, "p99<100ms", 100, 100);
    assert_int_equal(threshold_set_add(&f.sr.slo, "payment:p99<10ms", (char[64]){0}, 64), 0);
    search_step st = {.rate = 100};
    assert_int_equal(step_judge(&f.sr, &f.r, &st), -1);
    fixture_free(&f);
}

static void test_slo_tagging(void **state)
{
    (void)state;
    threshold_set set = {0};
    assert_int_equal(step_slo_add_tagged(&set, "p99<50ms,order:p90<10ms", "cart", "test"), 0);
    /* cart's own bound, order's skipped, the default error budget added */
    assert_int_equal(set.count, 2);
    assert_string_equal(set.items[0].expr, "cart:p99<50ms");
    assert_string_equal(set.items[1].expr, "cart:" STEP_DEFAULT_ERROR_BUDGET);
    threshold_set_free(&set);
    assert_int_equal(step_slo_add_tagged(&set, "cart:p99<50ms,errors<2%", "cart", "test"), 0);
    assert_int_equal(set.count, 2);
    assert_string_equal(set.items[1].expr, "cart:errors<2%");
    threshold_set_free(&set);
    assert_int_equal(step_slo_add_tagged(&set, "p99<<5", "cart", "test"), -1);
    threshold_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_far_below_slo),
        cmocka_unit_test(test_pass_but_not_far_at_a_quarter),
        cmocka_unit_test(test_not_far_when_anything_shed),
        cmocka_unit_test(test_latency_broken),
        cmocka_unit_test(test_shed_counts_against_the_error_budget),
        cmocka_unit_test(test_falling_behind_fails_and_full_link_blames),
        cmocka_unit_test(test_kept_up_tolerates_a_handful),
        cmocka_unit_test(test_slo_naming_an_unknown_subsystem),
        cmocka_unit_test(test_slo_tagging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
