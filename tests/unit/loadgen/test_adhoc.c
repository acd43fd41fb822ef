/* test_adhoc.c: `crest run --url` flags to plans (loadgen/adhoc.c): the
 * --stages parser, plan building and its errors, and the open-loop arrival
 * timeline the engine derives from such plans (engine_arrivals.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/adhoc.h"
#include "loadgen/engine_arrivals.h"
#include "loadgen/loadplan.h"
#include "tests/unit/unit_tmpdir.h"

static void test_stages_parse(void **state)
{
    (void)state;
    loadplan *p = loadplan_new("t");
    char err[256];
    assert_int_equal(adhoc_parse_stages(p, "30s:0-5000,60s:5000,10s:5000-20000,500ms:7.5", err,
                                        sizeof err), 0);
    assert_int_equal(p->nphases, 4);
    assert_int_equal(p->phases[0].rate.shape, SHAPE_RAMP);
    assert_true(p->phases[0].duration_s == 30 && p->phases[0].rate.from == 0 &&
                p->phases[0].rate.to == 5000);
    assert_int_equal(p->phases[1].rate.shape, SHAPE_CONSTANT);
    assert_true(p->phases[1].duration_s == 60 && p->phases[1].rate.from == 5000);
    assert_true(p->phases[2].rate.from == 5000 && p->phases[2].rate.to == 20000);
    assert_true(p->phases[3].duration_s == 0.5 && p->phases[3].rate.from == 7.5);
    assert_true(fabs(loadplan_duration(p) - 100.5) < 1e-9);
    loadplan_free(p);
}

static void test_stages_reject(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *says;
    } cases[] = {
        {"", "empty"},
        {"30s", "no ':'"},
        {"30s:", "rate"},
        {"abc:100", "duration"},
        {"0s:100", "duration"},
        {"10s:100,", "stage 2"},
        {"10s:100,5s:x-7", "stage 2"},
        {"10s:-5", "rate"},
        {"10s:1-2-3", "FROM-TO"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loadplan *p = loadplan_new("t");
        char err[256] = "";
        assert_int_equal(adhoc_parse_stages(p, cases[i].spec, err, sizeof err), -1);
        if (!strstr(err, cases[i].says))
            fail_msg("'%s': '%s' does not say '%s'", cases[i].spec, err, cases[i].says);
        loadplan_free(p);
    }
}

static void test_plan_closed_loop(void **state)
{
    (void)state;
    const char *headers[] = {"Accept: text/plain", "Authorization: Bearer x"};
    adhoc_options o = {.url = "http://127.0.0.1:8080/cart/view?id=7", .headers = headers,
                       .nheaders = 2, .duration_s = 5, .connections = 12, .think_s = 0.1};
    loadplan *p = adhoc_plan(&o);
    assert_non_null(p);
    assert_string_equal(p->target, "http://127.0.0.1:8080");
    assert_int_equal(p->nphases, 1);
    assert_int_equal(p->phases[0].connections, 12);
    assert_true(p->phases[0].think_s == 0.1 && p->phases[0].duration_s == 5);
    assert_int_equal(p->nsubsystems, 1);
    assert_int_equal(p->nendpoints, 1);
    assert_string_equal(p->endpoints[0].method, "GET");
    assert_int_equal(p->nsecret, 1);
    assert_string_equal(p->secret_headers[0], "Authorization");
    rng r;
    rng_seed(&r, 1);
    rendered_request *rr = malloc(sizeof *rr);
    assert_int_equal(loadplan_render(p, 0, 0, &r, rr), 0);
    assert_string_equal(rr->url, "http://127.0.0.1:8080/cart/view?id=7");
    assert_int_equal(rr->nheaders, 2);
    assert_string_equal(rr->headers[0], "Accept: text/plain");
    assert_int_equal(rr->has_body, 0);
    free(rr);
    loadplan_free(p);
}

static void test_plan_open_loop_with_body(void **state)
{
    (void)state;
    char path[] = "/tmp/crest-body-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"qty\":1}", 9), 9);
    close(fd);
    char body_arg[64];
    snprintf(body_arg, sizeof body_arg, "@%s", path);
    adhoc_options o = {.url = "https://shop.example:8443", .body = body_arg, .duration_s = 2,
                       .rate = 250, .connections = 8, .poisson = 1};
    loadplan *p = adhoc_plan(&o);
    unlink(path);
    assert_non_null(p);
    assert_string_equal(p->target, "https://shop.example:8443");
    assert_string_equal(p->endpoints[0].method, "POST");
    assert_int_equal(p->phases[0].connections, 0);
    assert_true(p->phases[0].rate.from == 250);
    assert_int_equal(p->poisson, 1);
    rng r;
    rng_seed(&r, 1);
    rendered_request *rr = malloc(sizeof *rr);
    assert_int_equal(loadplan_render(p, 0, 0, &r, rr), 0);
    assert_string_equal(rr->url, "https://shop.example:8443/");
    assert_int_equal(rr->has_body, 1);
    assert_int_equal(rr->body_len, 9);
    assert_string_equal(rr->body, "{\"qty\":1}");
    free(rr);
    loadplan_free(p);

    adhoc_options s = {.url = "http://127.0.0.1:1/x", .stages = "1s:0-100,1s:100", .method = "PUT"};
    p = adhoc_plan(&s);
    assert_non_null(p);
    assert_int_equal(p->nphases, 2);
    assert_string_equal(p->endpoints[0].method, "PUT");
    loadplan_free(p);
}

static void test_plan_rejects(void **state)
{
    (void)state;
    const char *bad_header[] = {"no colon here"};
    static const char *const why[] = {
        "no target: give --url",
        "--url 'ftp://x/': expected http://",
        "missing host after '://'",
        "URLs cannot contain spaces",
        "-d/--duration: expected a positive duration",
        "-c/--connections: expected at least 1 connection",
        "-R/--rate and --stages both set the rate",
        "--think applies to closed-loop runs",
        "-X 'get': expected an HTTP method in capitals",
        "-H 'no colon here': expected 'Name: value'",
        "cannot open '/nonexistent/file'",
    };
    adhoc_options cases[] = {
        {.url = NULL, .duration_s = 1, .connections = 1},
        {.url = "ftp://x/", .duration_s = 1, .connections = 1},
        {.url = "http:///path", .duration_s = 1, .connections = 1},
        {.url = "http://x/a b", .duration_s = 1, .connections = 1},
        {.url = "http://x/", .duration_s = 0, .connections = 1},
        {.url = "http://x/", .duration_s = 1, .connections = 0},
        {.url = "http://x/", .duration_s = 1, .rate = 10, .stages = "1s:5"},
        {.url = "http://x/", .duration_s = 1, .rate = 10, .think_s = 1},
        {.url = "http://x/", .duration_s = 1, .connections = 1, .method = "get"},
        {.url = "http://x/", .duration_s = 1, .connections = 1, .headers = bad_header,
         .nheaders = 1},
        {.url = "http://x/", .duration_s = 1, .connections = 1, .body = "@/nonexistent/file"},
    };
    assert_int_equal(sizeof cases / sizeof cases[0], sizeof why / sizeof why[0]);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        stderr_capture_begin();
        loadplan *p = adhoc_plan(&cases[i]);
        const char *err = stderr_capture_end();
        if (p != NULL)
            fail_msg("case %zu was accepted", i);
        if (!strstr(err, why[i]))
            fail_msg("case %zu: expected an error saying \"%s\", got \"%s\"", i, why[i], err);
    }
}

/* Arrivals of all THREADS clocks for plan P, sorted by construction per
 * thread; returns the count and checks each thread's order. */
static size_t count_arrivals(const loadplan *p, int poisson, unsigned threads, double lo,
                             double hi)
{
    size_t n = 0;
    for (unsigned k = 0; k < threads; k++) {
        rng r;
        rng_seed(&r, 42 + k);
        arrival_clock c;
        assert_int_equal(arrival_clock_init(&c, p, poisson, k, threads, &r), 0);
        double prev = -1, t;
        while ((t = arrival_clock_next(&c)) >= 0) {
            assert_true(t >= prev);
            prev = t;
            if (t >= lo && t < hi)
                n++;
        }
        arrival_clock_free(&c);
    }
    return n;
}

static void test_arrivals_follow_the_stages(void **state)
{
    (void)state;
    loadplan *p = loadplan_new("t");
    char err[256];
    assert_int_equal(adhoc_parse_stages(p, "2s:0-1000,3s:1000,1s:1000-0", err, sizeof err), 0);
    loadplan_phase *closed = loadplan_add_phase(p, "closed", 1);
    closed->connections = 4;   /* closed-loop phases add no arrivals */
    loadplan_phase *sine = loadplan_add_phase(p, "sine", 2);
    sine->rate.shape = SHAPE_SINE;
    sine->rate.from = 500;
    sine->rate.amplitude = 200;
    sine->rate.period_s = 2;
    for (unsigned threads = 1; threads <= 3; threads++) {
        /* 1000 + 3000 + 500 + 0 expected from the linear stages: exact;
         * the sine is integrated numerically: 1000 give or take one. */
        assert_int_equal(count_arrivals(p, 0, threads, 0, 7), 4500);
        size_t sine_n = count_arrivals(p, 0, threads, 7, 100);
        assert_true(sine_n >= 999 && sine_n <= 1001);
        assert_int_equal(count_arrivals(p, 0, threads, 0, 1), 250);      /* ramp: t^2 */
        assert_int_equal(count_arrivals(p, 0, threads, 2, 5), 3000);
        assert_int_equal(count_arrivals(p, 0, threads, 6, 7), 0);
    }
    size_t poisson = count_arrivals(p, 1, 2, 0, 100);
    assert_true(poisson > 5500 - 4 * 75 && poisson < 5500 + 4 * 75);   /* 4 sigma */
    loadplan_free(p);
}

static void test_uniform_spacing_across_threads(void **state)
{
    (void)state;
    loadplan *p = loadplan_new("t");
    loadplan_phase *ph = loadplan_add_phase(p, "c", 1);
    ph->rate.from = 1000;
    /* Thread k of 4 takes every 4th arrival, offset k: 1 ms apart overall,
     * each in the middle of its millisecond. */
    for (unsigned k = 0; k < 4; k++) {
        arrival_clock c;
        assert_int_equal(arrival_clock_init(&c, p, 0, k, 4, NULL), 0);
        for (int j = 0; j < 5; j++)
            assert_true(fabs(arrival_clock_next(&c) - (k + 0.5 + 4.0 * j) / 1000.0) < 1e-12);
        arrival_clock_free(&c);
    }
    loadplan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stages_parse),
        cmocka_unit_test(test_stages_reject),
        cmocka_unit_test(test_plan_closed_loop),
        cmocka_unit_test(test_plan_open_loop_with_body),
        cmocka_unit_test(test_plan_rejects),
        cmocka_unit_test(test_arrivals_follow_the_stages),
        cmocka_unit_test(test_uniform_spacing_across_threads),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
