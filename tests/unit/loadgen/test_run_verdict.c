/* test_run_verdict.c: the exit code a finished run earns
 * (loadgen/run_verdict.c), in particular the defaults that keep a run
 * with no threshold from passing a target that never answered or mostly
 * failed (issue 14, defect 1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "loadgen/run_verdict.h"
#include "loadgen/stats.h"

static run_result result_with(uint64_t ok, uint64_t http_errors, uint64_t refused)
{
    run_result r;
    memset(&r, 0, sizeof r);
    counters *c = &r.total.c;
    c->ok = ok;
    c->http_errors = http_errors;
    c->net_errors = refused;
    c->net[0] = refused;
    c->errors = http_errors + refused;
    c->completed = ok + c->errors;
    c->scheduled = c->completed;
    c->sent = c->completed;
    return r;
}

static void test_never_answered_is_could_not_run(void **state)
{
    (void)state;
    run_result r = result_with(0, 0, 26088);
    run_verdict v;
    run_verdict_judge(&r, 0, 0, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_RUN);
    assert_non_null(strstr(v.why, "never answered"));
    /* Thresholds that pass on an empty run (p99 of nothing) change nothing. */
    run_verdict_judge(&r, 0, 2, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_RUN);
    /* A reconnect storm keeps the generator busy: the target's silence is
     * still the verdict. */
    r.generator.limited = 1;
    run_verdict_judge(&r, 0, 0, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_RUN);
    assert_non_null(strstr(v.why, "never answered"));
    /* A gate of the user's that failed (errors<1%) fails the run. */
    run_verdict_judge(&r, 1, 2, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_GATE);
    snprintf(r.aborted, sizeof r.aborted, "errors>5%% (measured 100.00%%)");
    run_verdict_judge(&r, 0, 0, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_GATE);
}

static void test_nothing_succeeded_fails(void **state)
{
    (void)state;
    run_result r = result_with(0, 500, 0);
    run_verdict v;
    run_verdict_judge(&r, 0, 1, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_GATE);
    assert_non_null(strstr(v.why, "nothing succeeded"));
}

static void test_default_error_gate(void **state)
{
    (void)state;
    run_verdict v;
    run_result few = result_with(1000, 5, 0);       /* 0.5% */
    run_verdict_judge(&few, 0, 0, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_OK);
    run_result many = result_with(900, 100, 0);     /* 10% */
    run_verdict_judge(&many, 0, 0, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_GATE);
    assert_non_null(strstr(v.why, "default"));
    /* Any threshold replaces the default: the user owns the gate. */
    run_verdict_judge(&many, 0, 1, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_OK);
    run_verdict_judge(&many, 1, 1, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_GATE);
}

static void test_order(void **state)
{
    (void)state;
    run_verdict v;
    run_result r = result_with(0, 0, 10);
    r.interrupted = 1;
    run_verdict_judge(&r, 1, 1, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_RUN);
    assert_non_null(strstr(v.why, "interrupted"));
    run_result ok = result_with(100, 0, 0);
    run_verdict_judge(&ok, 0, 0, &v);
    assert_int_equal(v.exit_code, CREST_EXIT_OK);
    assert_string_equal(v.why, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_answered_is_could_not_run),
        cmocka_unit_test(test_nothing_succeeded_fails),
        cmocka_unit_test(test_default_error_gate),
        cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
