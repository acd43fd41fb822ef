/* test_threshold.c: gate expressions (loadgen/threshold.c): a table of
 * parses, a table of rejections, and evaluation on a known run_result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "loadgen/stats.h"
#include "loadgen/threshold.h"

static void test_parse_table(void **state)
{
    (void)state;
    static const struct {
        const char *expr, *tag;
        enum threshold_metric metric;
        enum threshold_op op;
        double value;
    } cases[] = {
        {"p99<250ms", "", METRIC_P99, OP_LT, 250},
        {" p50 <= 1.5s ", "", METRIC_P50, OP_LE, 1500},
        {"p90<300", "", METRIC_P90, OP_LT, 300},          /* bare number: ms */
        {"p95>=500us", "", METRIC_P95, OP_GE, 0.5},
        {"p999<1s", "", METRIC_P999, OP_LT, 1000},
        {"p99.9<1s", "", METRIC_P999, OP_LT, 1000},
        {"max<2s", "", METRIC_MAX, OP_LT, 2000},
        {"mean<10ms", "", METRIC_MEAN, OP_LT, 10},
        {"errors<0.1%", "", METRIC_ERRORS, OP_LT, 0.001},
        {"errors<=0.02", "", METRIC_ERRORS, OP_LE, 0.02},
        {"shed<5%", "", METRIC_SHED, OP_LT, 0.05},
        {"rate>1000", "", METRIC_RATE, OP_GT, 1000},
        {"rate>=1000/s", "", METRIC_RATE, OP_GE, 1000},
        {"dropped<1", "", METRIC_DROPPED, OP_LT, 1},
        {"cart:p99<300ms", "cart", METRIC_P99, OP_LT, 300},
        {"order.v2:errors>5%", "order.v2", METRIC_ERRORS, OP_GT, 0.05},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        threshold t;
        char err[256] = "";
        assert_int_equal(threshold_parse(cases[i].expr, &t, err, sizeof err), 0);
        assert_string_equal(t.tag, cases[i].tag);
        assert_int_equal(t.metric, cases[i].metric);
        assert_int_equal(t.op, cases[i].op);
        assert_true(fabs(t.value - cases[i].value) < 1e-9);
    }
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *expr, *says;
    } cases[] = {
        {"", "empty"},
        {"p99", "no comparison"},
        {"p42<1s", "unknown metric"},
        {"p99<", "missing value"},
        {"p99<fast", "duration"},
        {"errors<200%", "fraction"},
        {"errors<lots", "fraction"},
        {"rate>-5", "non-negative"},
        {":p99<1s", "subsystem name"},
        {"ca rt:p99<1s", "subsystem name"},
        /* longer than the value buffer: refused, never cut into another number */
        {"rate>1000000000000000000000000000000000000000000000000000000000000000000000/s",
         "at most"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        threshold t;
        char err[256] = "";
        assert_int_equal(threshold_parse(cases[i].expr, &t, err, sizeof err), -1);
        if (!strstr(err, cases[i].says))
            fail_msg("'%s': message '%s' does not say '%s'", cases[i].expr, err, cases[i].says);
    }
}

static void test_set_add_splits_commas(void **state)
{
    (void)state;
    threshold_set set = {0};
    char err[256];
    assert_int_equal(threshold_set_add(&set, "p99<250ms, errors<1%,rate>10", err, sizeof err), 0);
    assert_int_equal(set.count, 3);
    assert_int_equal(set.items[1].metric, METRIC_ERRORS);
    assert_string_equal(set.items[2].expr, "rate>10");
    assert_int_equal(threshold_set_add(&set, "p99<1s,nonsense", err, sizeof err), -1);
    threshold_set_free(&set);
    assert_int_equal(set.count, 0);
}

static void test_eval(void **state)
{
    (void)state;
    const char *names[] = {"cart", "order"};
    run_result r;
    assert_int_equal(run_result_init(&r, 2, names), 0);
    r.duration_s = 10;
    /* total: 1000 answers, 10..1000 ms; 990 ok, 10 errors */
    for (int i = 1; i <= 1000; i++)
        hist_record(r.total.h.latency, i * 1000);
    r.total.c.ok = 990;
    r.total.c.errors = 10;
    r.tags[0].c.ok = 100;
    r.tags[0].c.shed = 100;
    hist_record_n(r.tags[0].h.latency, 50000, 200);

    static const struct {
        const char *expr;
        int holds;
        double value;
    } cases[] = {
        {"p99<1s", 1, 990},        {"p99<990ms", 0, 990},   {"p99<=991ms", 1, 990},
        {"p50<600ms", 1, 500},     {"max>=1s", 1, 1000},    {"errors<1%", 0, 0.01},
        {"errors<=1%", 1, 0.01},   {"rate>98", 1, 99},      {"rate>99", 0, 99},
        {"dropped<1", 1, 0},       {"cart:p99<51ms", 1, 50}, {"cart:shed<50%", 0, 0.5},
        {"order:errors<1%", 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        threshold t;
        char err[256];
        double v = -1;
        assert_int_equal(threshold_parse(cases[i].expr, &t, err, sizeof err), 0);
        int holds = threshold_eval(&t, &r, &v);
        if (holds != cases[i].holds || fabs(v - cases[i].value) > cases[i].value * 0.002 + 1e-9)
            fail_msg("'%s': holds %d value %g, expected %d and %g", cases[i].expr, holds, v,
                     cases[i].holds, cases[i].value);
    }
    threshold t;
    char err[256];
    assert_int_equal(threshold_parse("search:p99<1s", &t, err, sizeof err), 0);
    assert_int_equal(threshold_eval(&t, &r, NULL), -1);
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_set_add_splits_commas),
        cmocka_unit_test(test_eval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
