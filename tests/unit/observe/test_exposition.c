/* test_exposition.c: the strict exposition-format parser
 * (observe/exposition.h): what Prometheus' text format and OpenMetrics
 * allow is read into samples with their family and type; each kind of
 * malformed line is refused with its line number and what was expected. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "observe/exposition.h"

static void parse_ok(const char *text, expo_doc *d)
{
    char err[256] = "";
    int rc = expo_parse(text, strlen(text), d, err, sizeof err);
    if (rc != 0)
        fail_msg("rejected: %s", err);
}

static void test_types_and_families(void **state)
{
    (void)state;
    expo_doc d;
    parse_ok("# HELP http_requests_total The total.\n"
             "# TYPE http_requests_total counter\n"
             "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
             "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
             "\n"
             "# TYPE lat histogram\n"
             "lat_bucket{le=\"0.1\"} 5\n"
             "lat_bucket{le=\"+Inf\"} 9\n"
             "lat_sum 1.5\n"
             "lat_count 9\n"
             "untyped_thing -1.5e-3\n",
             &d);
    assert_int_equal(d.nsamples, 7);
    assert_string_equal(d.samples[0].family, "http_requests_total");
    assert_int_equal(d.samples[0].type, EXPO_COUNTER);
    assert_string_equal(expo_label_value(&d, &d.samples[1], "code"), "400");
    assert_true(d.samples[1].value == 3);
    assert_string_equal(d.samples[2].family, "lat");
    assert_int_equal(d.samples[2].type, EXPO_HISTOGRAM);
    assert_true(isinf(strtod(expo_label_value(&d, &d.samples[3], "le"), NULL)));
    assert_string_equal(d.samples[5].name, "lat_count");
    assert_int_equal(d.samples[5].type, EXPO_HISTOGRAM);
    assert_string_equal(d.samples[6].family, "untyped_thing");
    assert_int_equal(d.samples[6].type, EXPO_UNTYPED);
    assert_true(d.samples[6].value == -1.5e-3);
    expo_doc_free(&d);
}

static void test_escapes_and_special_values(void **state)
{
    (void)state;
    expo_doc d;
    parse_ok("m{path=\"C:\\\\DIR\",msg=\"say \\\"hi\\\"\\n\",} +Inf\nn NaN\no -Inf\n", &d);
    assert_int_equal(d.nsamples, 3);
    assert_string_equal(expo_label_value(&d, &d.samples[0], "path"), "C:\\DIR");
    assert_string_equal(expo_label_value(&d, &d.samples[0], "msg"), "say \"hi\"\n");
    assert_true(isinf(d.samples[0].value) && d.samples[0].value > 0);
    assert_true(isnan(d.samples[1].value));
    assert_true(isinf(d.samples[2].value) && d.samples[2].value < 0);
    expo_doc_free(&d);
}

static void test_openmetrics(void **state)
{
    (void)state;
    expo_doc d;
    parse_ok("# TYPE foo counter\nfoo_total 17.0 1520879607.789 # {trace_id=\"x\"} 0.67\n"
             "foo_created 1520872607.123\n# EOF\n", &d);
    assert_int_equal(d.nsamples, 2);
    assert_string_equal(d.samples[0].family, "foo");
    assert_int_equal(d.samples[0].type, EXPO_COUNTER);
    expo_doc_free(&d);
}

static void expect_rejected(const char *text, const char *where_what)
{
    expo_doc d;
    char err[256] = "";
    assert_int_equal(expo_parse(text, strlen(text), &d, err, sizeof err), -1);
    if (!strstr(err, where_what))
        fail_msg("for %s: expected an error with '%s', got '%s'", text, where_what, err);
    assert_int_equal(d.nsamples, 0);
    assert_null(d.samples);
    expo_doc_free(&d);
}

static void test_rejections(void **state)
{
    (void)state;
    expect_rejected("ok 1\nbad{label=\"x} 1\n", "line 2: expected '\"' closing");
    expect_rejected("x 0x10\n", "line 1: expected a number");
    expect_rejected("x 1e\n", "line 1: expected a number");
    expect_rejected("x infinity\n", "line 1: expected a number");
    expect_rejected("x\n", "line 1: expected '{' or a blank");
    expect_rejected("x{a=\"1\",a=\"2\"} 1\n", "label 'a' repeated");
    expect_rejected("x{a=\"\\t\"} 1\n", "expected \\\\, \\\" or \\n");
    expect_rejected("x{1a=\"v\"} 1\n", "expected a label name");
    expect_rejected("x{a=\"v\"}1\n", "expected a blank before the value");
    expect_rejected("x 1 2 3\n", "expected the end of the line");
    expect_rejected("# TYPE x countr\n", "expected counter, gauge");
    expect_rejected("<html>\n", "line 1: expected a metric name");
    expect_rejected("# EOF\nx 1\n", "line 2: expected nothing after '# EOF'");
    const char nul[] = "x 1\ny\0 2\n";
    expo_doc d;
    char err[128];
    assert_int_equal(expo_parse(nul, sizeof nul - 1, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2: unexpected NUL"));
    expo_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_families),
        cmocka_unit_test(test_escapes_and_special_values),
        cmocka_unit_test(test_openmetrics),
        cmocka_unit_test(test_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
