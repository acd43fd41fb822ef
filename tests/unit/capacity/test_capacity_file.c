/* test_capacity_file.c: capacity.json written by capacity_write reads back
 * identically with capacity_read (nulls, infinities, steps, USL points),
 * and malformed files are rejected naming the JSON path. */
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
#include "capacity/capacity_file.h"


static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_round_trip(void **state)
{
    (void)state;
    capacity_result c;
    memset(&c, 0, sizeof c);
    c.started_at = strdup("2026-11-25T08:00:00Z");
    c.scenario = strdup("scenarios/double11.json");
    c.target = strdup("http://127.0.0.1:8080");
    c.step_s = 5;
    c.warmup_s = 1;
    c.tolerance = 0.03;
    c.max_rate = 1e5;
    c.start_rate = 100;
    c.connections = 256;
    c.threads = 2;
    c.interrupted = 1;

    capacity_subsystem *s = capacity_add_subsystem(&c, "cart");
    s->slo_expr = strdup("p99<50ms,errors<1%");
    s->slo_p99_ms = 50;
    s->slo_error_rate = 0.01;
    s->capacity_rps = 1940;
    s->upper_bound_rps = 2000;
    s->limited_by = SEARCH_LIMIT_SHED;
    s->duration_s = 42.5;
    s->nsteps = 2;
    s->steps = calloc(2, sizeof *s->steps);
    s->steps[0] = (search_step){.rate = 1940, .ok_rps = 1939.5, .achieved_rps = 1940,
                                .sent_rps = 1940, .p50_ms = 1, .p90_ms = 2, .p99_ms = 3,
                                .pass = 1};
    s->steps[1] = (search_step){.rate = 2000, .ok_rps = 1950, .achieved_rps = 2000,
                                .shed_rate = 0.025, .pass = 0, .reason = SEARCH_LIMIT_SHED};
    snprintf(s->steps[1].why, sizeof s->steps[1].why, "errors+shed 2.5%% >= 1%%");
    snprintf(s->steps[1].tag, sizeof s->steps[1].tag, "order");
    s->steps[0].nresources = 2;   /* scraped metrics at the step's rate */
    s->steps[0].resources[0] = (search_resource){"cart-host", "cpu_busy_pct", "%", 97.5, 100};
    s->steps[0].resources[1] = (search_resource){"cart-app", "queue", "", 3, NAN};
    s->steps[0].nearest_limit = 0;
    s->steps[1].nearest_limit = -1;
    s->resource_at_capacity = strdup("cart-host CPU 98% busy");
    s->usl.present = 1;
    s->usl.fit = (usl_fit){.alpha = 0.02, .beta = 0, .gamma = 100, .n_star = INFINITY,
                           .x_max = 5000, .r_squared = 0.99, .poor_fit = 1};
    snprintf(s->usl.fit.warning, sizeof s->usl.fit.warning, "too flat");
    s->usl.npoints = 3;
    s->usl.load = malloc(3 * sizeof(double));
    s->usl.throughput = malloc(3 * sizeof(double));
    for (int i = 0; i < 3; i++) {
        s->usl.load[i] = 1 << i;
        s->usl.throughput[i] = 100.0 * (1 << i);
    }

    s = capacity_add_subsystem(&c, "full-link");
    s->at_least = 1;
    s->generator_limited = 1;
    s->limited_by = SEARCH_LIMIT_GENERATOR;
    s->limiting_tag = strdup("order");

    char path[128];
    snprintf(path, sizeof path, "%s/capacity.json", tmpdir);
    assert_int_equal(capacity_write(path, &c), 0);

    capacity_result r;
    assert_int_equal(capacity_read(path, &r), 0);
    assert_string_equal(r.scenario, "scenarios/double11.json");
    assert_string_equal(r.target, "http://127.0.0.1:8080");
    assert_true(r.interrupted);
    assert_int_equal(r.connections, 256);
    assert_true(r.tolerance == 0.03);
    assert_int_equal(r.nsubsystems, 2);

    const capacity_subsystem *a = capacity_find(&r, "cart");
    assert_non_null(a);
    assert_string_equal(a->slo_expr, "p99<50ms,errors<1%");
    assert_true(a->slo_p99_ms == 50 && a->slo_error_rate == 0.01);
    assert_true(a->capacity_rps == 1940 && a->upper_bound_rps == 2000);
    assert_false(a->at_least);
    assert_int_equal(a->limited_by, SEARCH_LIMIT_SHED);
    assert_null(a->limiting_tag);
    assert_string_equal(a->resource_at_capacity, "cart-host CPU 98% busy");
    assert_true(a->duration_s == 42.5);
    assert_int_equal(a->nsteps, 2);
    assert_true(a->steps[0].pass && a->steps[0].ok_rps == 1939.5 && a->steps[0].p99_ms == 3);
    assert_int_equal(a->steps[0].reason, SEARCH_LIMIT_NONE);
    assert_false(a->steps[1].pass);
    assert_int_equal(a->steps[1].reason, SEARCH_LIMIT_SHED);
    assert_string_equal(a->steps[1].why, "errors+shed 2.5% >= 1%");
    assert_string_equal(a->steps[1].tag, "order");
    assert_string_equal(a->steps[0].tag, "");
    assert_int_equal(a->steps[0].nresources, 2);
    assert_int_equal(a->steps[0].nearest_limit, 0);
    assert_string_equal(a->steps[0].resources[0].target, "cart-host");
    assert_string_equal(a->steps[0].resources[0].series, "cpu_busy_pct");
    assert_true(a->steps[0].resources[0].value == 97.5 && a->steps[0].resources[0].limit == 100);
    assert_true(isnan(a->steps[0].resources[1].limit));
    assert_int_equal(a->steps[1].nresources, 0);
    assert_int_equal(a->steps[1].nearest_limit, -1);
    assert_true(a->usl.present);
    assert_true(isinf(a->usl.fit.n_star));
    assert_true(a->usl.fit.poor_fit);
    assert_string_equal(a->usl.fit.warning, "too flat");
    assert_int_equal(a->usl.npoints, 3);
    assert_true(a->usl.load[2] == 4 && a->usl.throughput[2] == 400);

    const capacity_subsystem *b = capacity_find(&r, "full-link");
    assert_non_null(b);
    assert_true(isnan(b->capacity_rps) && isnan(b->upper_bound_rps));
    assert_true(b->at_least && b->generator_limited);
    assert_int_equal(b->limited_by, SEARCH_LIMIT_GENERATOR);
    assert_string_equal(b->limiting_tag, "order");
    assert_null(b->resource_at_capacity);
    assert_false(b->usl.present);
    assert_null(capacity_find(&r, "nope"));

    capacity_result_free(&r);
    capacity_result_free(&c);
}

/* TEXT is refused with an error naming the file and saying WHY. */
static void expect_rejected(const char *name, const char *text, const char *why)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s.json", tmpdir, name);
    write_text(path, text);
    capacity_result r;
    stderr_capture_begin();
    int rc = capacity_read(path, &r);
    const char *err = stderr_capture_end();
    assert_int_equal(rc, -1);
    assert_int_equal(r.nsubsystems, 0);
    assert_non_null(strstr(err, path));
    if (!strstr(err, why))
        fail_msg("%s: expected an error saying \"%s\", got \"%s\"", name, why, err);
}

static void test_rejects_bad_files(void **state)
{
    (void)state;
    expect_rejected("schema", "{\"schema\": \"crest.results/1\", \"subsystems\": []}",
                    "'schema' is 'crest.results/1'; expected 'crest.capacity/2'");
    expect_rejected("unknown", "{\"schema\": \"crest.capacity/1\", \"bogus\": 1, "
                               "\"subsystems\": []}",
                    "unknown key 'bogus'");
    expect_rejected("limit", "{\"schema\": \"crest.capacity/1\", \"subsystems\": [{\"name\": "
                             "\"cart\", \"capacity_rps\": 1, \"upper_bound_rps\": null, "
                             "\"at_least\": false, \"limited_by\": \"cpu\"}]}",
                    "'subsystems[0].limited_by' is 'cpu'; expected one of: latency");
    expect_rejected("missing", "{\"schema\": \"crest.capacity/1\", \"subsystems\": [{\"name\": "
                               "\"cart\", \"upper_bound_rps\": null, \"at_least\": false, "
                               "\"limited_by\": \"latency\"}]}",
                    "missing key 'subsystems[0].capacity_rps'");
    expect_rejected("dup", "{\"schema\": \"crest.capacity/1\", \"subsystems\": ["
                           "{\"name\": \"a\", \"capacity_rps\": 1, \"upper_bound_rps\": 2, "
                           "\"at_least\": false, \"limited_by\": \"latency\"},"
                           "{\"name\": \"a\", \"capacity_rps\": 1, \"upper_bound_rps\": 2, "
                           "\"at_least\": false, \"limited_by\": \"latency\"}]}",
                    "'subsystems[1].name': subsystem 'a' appears twice");
    expect_rejected("step", "{\"schema\": \"crest.capacity/1\", \"subsystems\": [{\"name\": "
                            "\"a\", \"capacity_rps\": 1, \"upper_bound_rps\": 2, \"at_least\": "
                            "false, \"limited_by\": \"latency\", \"steps\": [{\"pass\": true}]}]}",
                    "missing key 'subsystems[0].steps[0].rate'");
    expect_rejected("syntax", "{\"schema\": ", "syntax.json:1:12: error: malformed JSON");
}

static void test_minimal_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/minimal.json", tmpdir);
    write_text(path, "{\"schema\": \"crest.capacity/1\", \"subsystems\": [{\"name\": \"cart\", "
                     "\"capacity_rps\": 800, \"upper_bound_rps\": 820, \"at_least\": false, "
                     "\"limited_by\": \"latency\"}]}");
    capacity_result r;
    assert_int_equal(capacity_read(path, &r), 0);
    assert_int_equal(r.nsubsystems, 1);
    assert_true(r.subsystems[0].capacity_rps == 800);
    assert_true(isnan(r.subsystems[0].slo_p99_ms));
    assert_int_equal(r.subsystems[0].nsteps, 0);
    capacity_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_rejects_bad_files),
        cmocka_unit_test(test_minimal_file),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
