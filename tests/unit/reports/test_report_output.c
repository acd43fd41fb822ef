/* test_report_output.c: `crest report`'s readers and writers on in-memory
 * inputs: tolerant reading of sparse and mistyped files, the verdict, the
 * JUnit XML (one case per threshold and per plan row, with the documented
 * outcome for each status), summary.txt's plan table, timeseries.csv's shape,
 * forecast time axes, and SVG inlining (id prefixes, <script> refused). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reports/charts.h"
#include "reports/report.h"
#include "reports/report_data.h"
#include "reports/verdict.h"

/* Parses TEXT as an input of its schema's kind into IN. */
static void load(report_inputs *in, const char *text)
{
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    int kind = report_schema_kind(cJSON_IsString(schema) ? schema->valuestring : NULL);
    assert_true(kind >= 0);
    assert_null(in->roots[kind]);
    in->roots[kind] = root;
    int rc = kind == REP_RESULTS    ? report_read_results(in, root, "mem.json")
             : kind == REP_CAPACITY ? report_read_capacity(in, root, "mem.json")
             : kind == REP_FORECAST ? report_read_forecast(in, root, "mem.json")
                                    : report_read_plan(in, root, "mem.json");
    assert_int_equal(rc, 0);
}

typedef int (*writer)(FILE *, const report_inputs *);

static int html_writer(FILE *f, const report_inputs *in)
{
    report_options opt = {0};
    chart_set none = {0};
    return report_html(f, in, &opt, &none);
}

static int csv_writer(FILE *f, const report_inputs *in)
{
    return in->results ? report_timeseries_csv(f, in->results) : 0;
}

__attribute__((noinline)) static char *render(writer w, const report_inputs *in)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(w(f, in), 0);
    fclose(f);
    return out;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Every writer on IN, without crashing; returns nothing, frees everything. */
static void render_all(const report_inputs *in)
{
    writer ws[] = {html_writer, report_summary, report_junit, csv_writer};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
        char *out = render(ws[i], in);
        assert_non_null(out);
        free(out);
    }
}

static void test_schema_detection(void **state)
{
    (void)state;
    assert_int_equal(report_schema_kind("crest.results/1"), REP_RESULTS);
    assert_int_equal(report_schema_kind("crest.results/2"), REP_RESULTS);   /* scraped targets */
    assert_int_equal(report_schema_kind("crest.capacity/2"), REP_CAPACITY);
    assert_int_equal(report_schema_kind("crest.results/3"), -1);
    assert_int_equal(report_schema_kind("crest.plan/1"), REP_PLAN);
    assert_int_equal(report_schema_kind("crest.plan/2"), -1);
    assert_int_equal(report_schema_kind("crest.compare/1"), -1);
    assert_int_equal(report_schema_kind(NULL), -1);
}

static void test_minimal_inputs_render(void **state)
{
    (void)state;
    report_inputs in = {0};
    load(&in, "{\"schema\":\"crest.results/1\"}");
    load(&in, "{\"schema\":\"crest.capacity/1\"}");
    load(&in, "{\"schema\":\"crest.forecast/1\"}");
    load(&in, "{\"schema\":\"crest.plan/1\"}");
    assert_true(isnan(in.results->total.latency.p99));
    render_all(&in);
    rep_verdict v;
    report_verdict(&in, &v);
    assert_int_equal(v.level, REP_LEVEL_OK);
    report_inputs_free(&in);
}

static void test_mistyped_fields_are_ignored(void **state)
{
    (void)state;
    report_inputs in = {0};
    load(&in, "{\"schema\":\"crest.results/1\",\"summary\":\"x\",\"subsystems\":[1,2],"
              "\"timeseries\":[1,null,{\"t\":\"a\",\"offered\":\"12\",\"subsystems\":{\"cart\":5,"
              "\"pay\":{\"ok\":true}}}],\"thresholds\":{\"a\":1},\"generator\":[],"
              "\"settings\":{\"secret_headers\":\"Authorization\",\"headers\":[\"Cookie: s=1\"]}}");
    load(&in, "{\"schema\":\"crest.capacity/1\",\"subsystems\":[{\"steps\":{},\"usl\":"
              "{\"alpha\":\"a\",\"points\":[{\"n\":1},{\"n\":2,\"throughput\":5}]}},7]}");
    load(&in, "{\"schema\":\"crest.forecast/1\",\"series\":[{\"history\":[{\"value\":1},"
              "{\"t\":2020,\"value\":5}],\"forecast\":[{\"t\":2021,\"mean\":3,\"lo80\":\"x\"}]},\"junk\"]}");
    load(&in, "{\"schema\":\"crest.plan/1\",\"subsystems\":[{\"headroom\":\"big\"}]}");
    const rep_results *r = in.results;
    assert_int_equal(r->npoints, 1);
    assert_true(r->points[0].offered == 12.0);         /* numeric string accepted */
    assert_int_equal(r->nsubs, 1);                      /* "pay" (object); "cart" is not */
    assert_string_equal(r->subs[0].name, "pay");
    assert_int_equal(r->nthresholds, 0);
    assert_int_equal(in.capacity->nsubs, 1);
    assert_int_equal(in.capacity->subs[0].usl.npoints, 1);
    assert_int_equal(in.forecast->series[0].nhistory, 1);
    assert_int_equal(in.forecast->x_kind, REP_X_NUMBER);
    assert_string_equal(in.plan->subs[0].status, "inconclusive"); /* no status is not a pass */
    render_all(&in);
    char *html = render(html_writer, &in);
    assert_null(strstr(html, "s=1"));                  /* Cookie value redacted */
    free(html);
    report_inputs_free(&in);
}

static const char plan_json[] =
    "{\"schema\":\"crest.plan/1\",\"metric\":\"pv\",\"safety_margin\":1.3,\"verdict\":\"shortfall\","
    "\"subsystems\":["
    "{\"name\":\"cart\",\"status\":\"ok\",\"headroom\":2.2,\"demand_rps\":100,\"capacity_rps\":220},"
    "{\"name\":\"order\",\"status\":\"tight\",\"headroom\":1.1},"
    "{\"name\":\"se<a>rch\",\"status\":\"shortfall\",\"headroom\":0.7},"
    "{\"name\":\"pay\",\"status\":\"inconclusive\",\"headroom\":1.2,\"assumption\":\"lower bound\"}]}";

static void test_junit_plan_cases(void **state)
{
    (void)state;
    report_inputs in = {0};
    load(&in, plan_json);
    char *x = render(report_junit, &in);
    assert_non_null(strstr(x, "<testsuites name=\"crest\" tests=\"4\" failures=\"1\" errors=\"1\""));
    assert_int_equal(count(x, "<testcase "), 4);
    assert_int_equal(count(x, "<failure "), 1);
    assert_int_equal(count(x, "<error "), 1);
    assert_non_null(strstr(x, "name=\"se&lt;a&gt;rch\""));
    assert_non_null(strstr(x, "WARNING tight"));
    assert_non_null(strstr(x, "type=\"shortfall\""));
    assert_non_null(strstr(x, "type=\"inconclusive\""));
    free(x);
    rep_verdict v;
    report_verdict(&in, &v);
    assert_int_equal(v.level, REP_LEVEL_FAIL);
    assert_string_equal(v.word, "SHORTFALL");
    char *s = render(report_summary, &in);
    assert_non_null(strstr(s, "SHORTFALL"));
    assert_non_null(strstr(s, "TIGHT"));
    assert_non_null(strstr(s, "INCONCLUSIVE"));
    assert_non_null(strstr(s, "Overall verdict: SHORTFALL"));
    free(s);
    report_inputs_free(&in);
}

static void test_junit_thresholds_and_generator(void **state)
{
    (void)state;
    report_inputs in = {0};
    load(&in, "{\"schema\":\"crest.results/1\",\"generator\":{\"generator_limited\":true,"
              "\"reason\":\"cpu\"},\"thresholds\":[{\"expr\":\"p99<1ms\",\"value\":3,\"pass\":false},"
              "{\"expr\":\"errors<1%\",\"tag\":\"cart\",\"value\":0,\"pass\":true},"
              "{\"expr\":\"x\"}]}");
    char *x = render(report_junit, &in);
    /* generator health + run completed + 3 thresholds */
    assert_int_equal(count(x, "<testcase "), 5);
    assert_int_equal(count(x, "<failure "), 1);
    assert_int_equal(count(x, "<error "), 1);
    assert_int_equal(count(x, "<skipped "), 1);
    assert_non_null(strstr(x, "name=\"p99&lt;1ms\""));
    assert_non_null(strstr(x, "name=\"errors&lt;1% [cart]\""));
    free(x);
    rep_verdict v;
    report_verdict(&in, &v);
    assert_int_equal(v.level, REP_LEVEL_FAIL);
    assert_int_equal(v.nreasons, 2);
    report_inputs_free(&in);
}

static void test_baseline_regression(void **state)
{
    (void)state;
    report_inputs in = {0};
    load(&in, "{\"schema\":\"crest.results/1\",\"baseline\":{\"schema\":\"crest.compare/1\","
              "\"baseline\":\"b.json\",\"verdict\":\"regression\",\"rows\":["
              "{\"scope\":\"total\",\"metric\":\"p99\",\"baseline\":10,\"current\":20,"
              "\"change\":1.0,\"change_kind\":\"relative\",\"verdict\":\"regression\"},"
              "{\"scope\":\"cart\",\"metric\":\"errors\",\"change\":0.001,"
              "\"change_kind\":\"absolute\",\"verdict\":\"untested\"},"
              "{\"scope\":\"total\",\"metric\":\"rate\",\"verdict\":\"ok\"}, 5]}}");
    assert_int_equal(in.results->baseline.nrows, 3);
    rep_verdict v;
    report_verdict(&in, &v);
    assert_int_equal(v.level, REP_LEVEL_FAIL);
    assert_non_null(strstr(v.reasons[0], "total p99"));
    char *x = render(report_junit, &in);
    assert_non_null(strstr(x, "<testsuite name=\"crest.baseline\" tests=\"3\" failures=\"1\" "
                              "errors=\"0\" skipped=\"1\">"));
    assert_non_null(strstr(x, "type=\"regression\""));
    free(x);
    char *html = render(html_writer, &in);
    assert_non_null(strstr(html, "Against the baseline"));
    assert_non_null(strstr(html, "<code>b.json</code>"));
    free(html);
    report_inputs_free(&in);
}

static void test_generator_limited_is_inconclusive(void **state)
{
    (void)state;
    report_inputs in = {0};
    load(&in, "{\"schema\":\"crest.results/1\",\"generator\":{\"generator_limited\":true}}");
    rep_verdict v;
    report_verdict(&in, &v);
    assert_int_equal(v.level, REP_LEVEL_INCONCLUSIVE);
    char *html = render(html_writer, &in);
    assert_non_null(strstr(html, "GENERATOR-LIMITED"));
    free(html);
    report_inputs_free(&in);
}

static void test_timeseries_csv_long_format(void **state)
{
    (void)state;
    report_inputs in = {0};
    load(&in, "{\"schema\":\"crest.results/1\",\"timeseries\":["
              "{\"t\":0,\"offered\":10,\"ok\":9,\"p99_ms\":1.5,\"subsystems\":{\"a,\\\"b\":{\"ok\":4}}},"
              "{\"t\":1,\"offered\":11,\"subsystems\":{\"c\":{\"p99_ms\":2}}}]}");
    char *csv = render(csv_writer, &in);
    /* header + 2 seconds x (total + 2 subsystems) */
    assert_int_equal(count(csv, "\n"), 1 + 2 * 3);
    assert_non_null(strstr(csv, "0,total,,,10,,,9,,,,,,1.5,\n"));
    assert_non_null(strstr(csv, "0,subsystem,\"a,\"\"b\",,,,,4,,,,,,,\n"));
    /* every row has 15 columns outside quotes */
    for (char *line = csv; *line;) {
        char *end = strchr(line, '\n');
        int cols = 1, quoted = 0;
        for (char *p = line; p < end; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (*p == ',' && !quoted)
                cols++;
        }
        assert_int_equal(cols, 15);
        line = end + 1;
    }
    free(csv);
    report_inputs_free(&in);
}

static void test_forecast_time_axis(void **state)
{
    (void)state;
    report_inputs in = {0};
    load(&in, "{\"schema\":\"crest.forecast/1\",\"series\":[{\"id\":\"pv\",\"history\":["
              "{\"t\":\"2026-11-10\",\"value\":1},{\"t\":\"2026-11-11T12:00:00Z\",\"value\":2}],"
              "\"forecast\":[{\"t\":\"2026-11-12\",\"mean\":3,\"lo95\":2,\"hi95\":4}]}]}");
    const rep_series *s = &in.forecast->series[0];
    assert_int_equal(in.forecast->x_kind, REP_X_TIME);
    assert_true(s->history[0].x == 1794268800.0); /* 2026-11-10T00:00:00Z */
    assert_true(s->history[1].x - s->history[0].x == 86400.0 + 43200.0);
    assert_true(s->forecast[0].hi95 == 4.0);
    report_inputs_free(&in);

    memset(&in, 0, sizeof in);
    load(&in, "{\"schema\":\"crest.forecast/1\",\"series\":[{\"history\":["
              "{\"t\":\"Q1\",\"value\":1},{\"t\":\"Q2\",\"value\":2}],\"fitted\":[{\"t\":\"Q2\","
              "\"value\":2}],\"forecast\":[{\"t\":\"Q3\",\"mean\":3}]}]}");
    s = &in.forecast->series[0];
    assert_int_equal(in.forecast->x_kind, REP_X_INDEX);
    assert_true(s->fitted[0].x == 1.0);
    assert_true(s->forecast[0].x == 2.0);
    report_inputs_free(&in);
}

static void test_inline_svg(void **state)
{
    (void)state;
    const char *svg = "<?xml version=\"1.0\"?>\n<svg width=\"10\" height=\"10\">\n"
                      "<title>Gnuplot</title><desc>x</desc><defs><path id='gpPt0' d='M0'/></defs>"
                      "<g id=\"gnuplot_canvas\"><use xlink:href='#gpPt0'/>"
                      "<rect fill=\"url(#grad)\"/><text>id='notme'</text></g></svg>\n";
    char *out = charts_inline_svg(svg, 3, "a <b>");
    assert_non_null(out);
    assert_true(strncmp(out, "<svg role=\"img\" aria-label=\"a &lt;b&gt;\"", 39) == 0);
    assert_null(strstr(out, "<?xml"));
    assert_null(strstr(out, "<title>"));
    assert_null(strstr(out, "<desc>"));
    assert_non_null(strstr(out, "id='c3_gpPt0'"));
    assert_non_null(strstr(out, "xlink:href='#c3_gpPt0'"));
    assert_non_null(strstr(out, "id=\"c3_gnuplot_canvas\""));
    assert_non_null(strstr(out, "url(#c3_grad)"));
    assert_non_null(strstr(out, ">id='notme'<")); /* text content untouched */
    assert_true(strcmp(out + strlen(out) - 6, "</svg>") == 0);
    free(out);
    assert_null(charts_inline_svg("<svg><script>x</script></svg>", 1, "t"));
    assert_null(charts_inline_svg("<svg><SCRIPT>x</SCRIPT></svg>", 1, "t"));
    assert_null(charts_inline_svg("no svg here", 1, "t"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_detection),
        cmocka_unit_test(test_minimal_inputs_render),
        cmocka_unit_test(test_mistyped_fields_are_ignored),
        cmocka_unit_test(test_junit_plan_cases),
        cmocka_unit_test(test_junit_thresholds_and_generator),
        cmocka_unit_test(test_baseline_regression),
        cmocka_unit_test(test_generator_limited_is_inconclusive),
        cmocka_unit_test(test_timeseries_csv_long_format),
        cmocka_unit_test(test_forecast_time_axis),
        cmocka_unit_test(test_inline_svg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
