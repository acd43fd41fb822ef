/* test_servicetime.c: the testbed's capacity-model pieces (service-time
 * distributions, token bucket, fault windows) and its config parsing,
 * including the error messages a user sees for bad input. */
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

#include "common/jsonio.h"
#include "testbed/config.h"
#include "testbed/servicetime.h"

/* ---- service-time distributions ---- */

static double sample_mean(const service_dist *d, int n, double *sd)
{
    rng r;
    rng_seed(&r, 42);
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        double x = service_dist_sample(d, &r);
        assert_true(x > 0);
        sum += x;
        sum2 += x * x;
    }
    double mean = sum / n;
    *sd = sqrt(sum2 / n - mean * mean);
    return mean;
}

static void test_fixed_is_exact(void **state)
{
    (void)state;
    service_dist d;
    service_dist_init(&d, SERVICE_FIXED, 0.004, 0);
    double sd;
    assert_true(fabs(sample_mean(&d, 1000, &sd) - 0.004) < 1e-12);
    assert_true(sd < 1e-9);
}

static void test_exponential_mean(void **state)
{
    (void)state;
    service_dist d;
    service_dist_init(&d, SERVICE_EXPONENTIAL, 0.004, 0);
    double sd, mean = sample_mean(&d, 400000, &sd);
    assert_true(fabs(mean / 0.004 - 1) < 0.01);
    assert_true(fabs(sd / 0.004 - 1) < 0.02);    /* exponential: sd = mean */
}

static void test_lognormal_mean_is_configured_mean(void **state)
{
    (void)state;
    service_dist d;
    service_dist_init(&d, SERVICE_LOGNORMAL, 0.005, 0.6);
    double sd, mean = sample_mean(&d, 400000, &sd);
    assert_true(fabs(mean / 0.005 - 1) < 0.01);
    /* sd of a lognormal: mean * sqrt(exp(sigma^2) - 1) */
    double want_sd = 0.005 * sqrt(exp(0.36) - 1);
    assert_true(fabs(sd / want_sd - 1) < 0.03);
    /* the median is exp(mu), below the mean */
    assert_true(exp(d.mu) < 0.005);
}

static void test_dist_names(void **state)
{
    (void)state;
    service_dist_kind k;
    assert_int_equal(service_dist_parse("lognormal", &k), 0);
    assert_int_equal(k, SERVICE_LOGNORMAL);
    assert_int_equal(service_dist_parse("gamma", &k), -1);
    assert_string_equal(service_dist_name(SERVICE_EXPONENTIAL), "exponential");
}

/* ---- token bucket ---- */

static void test_token_bucket_burst_then_rate(void **state)
{
    (void)state;
    token_bucket b;
    token_bucket_init(&b, 100, 10, 0);
    int granted = 0;
    for (int i = 0; i < 20; i++)
        granted += token_bucket_take(&b, 0);
    assert_int_equal(granted, 10);          /* the burst, no more */
    assert_int_equal(token_bucket_take(&b, 0.005), 0);    /* half a token */
    assert_int_equal(token_bucket_take(&b, 0.0101), 1);   /* one token after 10 ms */
    assert_int_equal(token_bucket_take(&b, 0.0101), 0);
    /* a long idle time refills only up to the burst */
    granted = 0;
    for (int i = 0; i < 50; i++)
        granted += token_bucket_take(&b, 100);
    assert_int_equal(granted, 10);
}

static void test_token_bucket_long_run_rate(void **state)
{
    (void)state;
    token_bucket b;
    token_bucket_init(&b, 450, 50, 0);
    int granted = 0;
    /* offered 2000/s for 10 s: granted = burst + rate * 10 */
    for (int i = 1; i <= 20000; i++)
        granted += token_bucket_take(&b, i * 0.0005);
    assert_true(abs(granted - (50 + 4500)) <= 1);
    /* time going backwards adds nothing */
    token_bucket_init(&b, 1, 1, 10);
    assert_int_equal(token_bucket_take(&b, 10), 1);
    assert_int_equal(token_bucket_take(&b, 5), 0);
}

/* ---- fault windows ---- */

static void test_fault_windows(void **state)
{
    (void)state;
    fault_window w = {.every_s = 2, .for_s = 0.5};
    assert_true(fault_window_end(&w, 0.1) < 0);      /* healthy at the start */
    assert_true(fault_window_end(&w, 1.9) < 0);
    assert_true(fabs(fault_window_end(&w, 2.0) - 2.5) < 1e-12);
    assert_true(fabs(fault_window_end(&w, 2.49) - 2.5) < 1e-12);
    assert_true(fault_window_end(&w, 2.5) < 0);
    assert_true(fabs(fault_window_end(&w, 6.1) - 6.5) < 1e-12);
    fault_window off = {0};
    assert_true(fault_window_end(&off, 2.1) < 0);
}

/* ---- config ---- */

/* Applies JSON on top of the defaults into *C, capturing stderr. Returns
 * the messages (caller frees); *RC gets the apply result. */
static char *apply_capture(const char *json, testbed_config *c, int *rc)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    testbed_config_defaults(c);
    cJSON *root = jsonio_parse("cfg.json", json);
    *rc = root ? testbed_config_apply("cfg.json", root, c) : -1;
    cJSON_Delete(root);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long n = ftell(tmp);
    char *text = calloc(1, (size_t)n + 1);
    rewind(tmp);
    assert_int_equal(fread(text, 1, (size_t)n, tmp), (size_t)n);
    fclose(tmp);
    return text;
}

static void expect_error(const char *json, const char *needle1, const char *needle2)
{
    testbed_config c;
    int rc;
    char *msg = apply_capture(json, &c, &rc);
    if (rc != -1 || !strstr(msg, needle1) || (needle2 && !strstr(msg, needle2)))
        fail_msg("config %s: rc %d, message '%s'; expected '%s' and '%s'", json, rc, msg, needle1,
                 needle2 ? needle2 : "");
    free(msg);
}

static void test_config_errors_name_file_and_path(void **state)
{
    (void)state;
    expect_error("{\"subsystems\": {\"cart\": {\"workers\": 8,}}}", "cfg.json:1:", "malformed");
    expect_error("{\"subsystems\": {\"cart\": {\"wokers\": 8}}}",
                 "cfg.json: error: unknown key 'subsystems.cart.wokers'", "workers");
    expect_error("{\"subsystems\": {\"basket\": {}}}", "unknown key 'subsystems.basket'", "cart");
    expect_error("{\"subsytems\": {}}", "unknown key 'subsytems'", "subsystems");
    expect_error("{\"subsystems\": {\"cart\": {\"workers\": -3}}}",
                 "'subsystems.cart.workers' must be an integer in [1, 100000]", "found -3");
    expect_error("{\"subsystems\": {\"cart\": {\"workers\": 2.5}}}",
                 "'subsystems.cart.workers'", "found 2.5");
    expect_error("{\"subsystems\": {\"cart\": {\"workers\": \"8\"}}}",
                 "'subsystems.cart.workers' must be a number", NULL);
    expect_error("{\"subsystems\": {\"order\": {\"service_time\": {\"dist\": \"gamma\"}}}}",
                 "'subsystems.order.service_time.dist' must be one of", "gamma");
    expect_error("{\"subsystems\": {\"order\": {\"service_time\": {\"mean_ms\": 0}}}}",
                 "'subsystems.order.service_time.mean_ms'", "found 0");
    expect_error("{\"subsystems\": {\"cms\": {\"service_time\": {\"dist\": \"fixed\", "
                 "\"sigma\": 0.5}}}}", "'subsystems.cms.service_time.sigma' applies only", NULL);
    expect_error("{\"subsystems\": {\"seckill\": {\"rate_limit\": {\"rate\": 0}}}}",
                 "'subsystems.seckill.rate_limit.rate'", "found 0");
    expect_error("{\"subsystems\": {\"seckill\": {\"rate_limit\": {\"burst\": 5}}}}",
                 "missing key 'subsystems.seckill.rate_limit.rate'", NULL);
    expect_error("{\"subsystems\": {\"seckill\": {\"rate_limit\": 450}}}",
                 "'subsystems.seckill.rate_limit' must be an object", NULL);
    expect_error("{\"subsystems\": {\"cart\": {\"faults\": {\"stall\": {\"every_s\": 1, "
                 "\"for_ms\": 1000}}}}}", "'subsystems.cart.faults.stall.for_ms'", "shorter");
    expect_error("{\"subsystems\": {\"cart\": {\"faults\": {\"reset_fraction\": 1.5}}}}",
                 "'subsystems.cart.faults.reset_fraction' must be a fraction", NULL);
    expect_error("{\"subsystems\": {\"cart\": {\"degrade\": {\"queue_above\": -1}}}}",
                 "'subsystems.cart.degrade.queue_above'", NULL);
    expect_error("{\"seed\": -1}", "'seed' must be an integer", NULL);
    expect_error("[1, 2]", "the top level must be an object", NULL);
}

static void test_config_overrides_only_what_it_names(void **state)
{
    (void)state;
    testbed_config c, d;
    testbed_config_defaults(&d);
    int rc;
    char *msg = apply_capture(
        "{\"seed\": 7, \"subsystems\": {\"cart\": {\"queue_limit\": 5, \"service_time\": "
        "{\"mean_ms\": 2}, \"faults\": {\"stall\": {\"every_s\": 2, \"for_ms\": 500}, "
        "\"error_burst\": {\"every_s\": 10, \"for_ms\": 200}, \"reset_fraction\": 0.01}}, "
        "\"seckill\": {\"rate_limit\": null, \"degrade\": false}}}", &c, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(msg, "");
    free(msg);
    int cart = testbed_subsystem_index("cart", 4);
    int seckill = testbed_subsystem_index("seckill", 7);
    assert_true(c.seed == 7);
    assert_int_equal(c.sub[cart].queue_limit, 5);
    assert_int_equal(c.sub[cart].workers, d.sub[cart].workers);
    /* dist and sigma kept, mean replaced */
    assert_int_equal(c.sub[cart].service.kind, SERVICE_LOGNORMAL);
    assert_true(c.sub[cart].service.sigma == d.sub[cart].service.sigma);
    assert_true(fabs(c.sub[cart].service.mean_s - 0.002) < 1e-12);
    assert_true(c.sub[cart].stall.every_s == 2 && fabs(c.sub[cart].stall.for_s - 0.5) < 1e-12);
    assert_true(fabs(c.sub[cart].error_burst.for_s - 0.2) < 1e-12);
    assert_true(c.sub[cart].reset_fraction == 0.01);
    assert_false(c.sub[seckill].rate_limited);
    assert_false(c.sub[seckill].degrade);
    /* untouched subsystems are exactly the defaults */
    for (int i = 0; i < TESTBED_NSUB; i++)
        if (i != cart && i != seckill)
            assert_memory_equal(&c.sub[i], &d.sub[i], sizeof c.sub[i]);
    /* a rate limit without burst gets rate/10 */
    msg = apply_capture("{\"subsystems\": {\"order\": {\"rate_limit\": {\"rate\": 300}}}}",
                        &c, &rc);
    assert_int_equal(rc, 0);
    free(msg);
    int order = testbed_subsystem_index("order", 5);
    assert_true(c.sub[order].rate_limited && c.sub[order].rate == 300 && c.sub[order].burst == 30);
}

static void test_defaults_have_distinct_capacities(void **state)
{
    (void)state;
    testbed_config c;
    testbed_config_defaults(&c);
    static const double want[TESTBED_NSUB] = {2000, 3000, 1500, 2500, 1200,
                                              600, 800, 4000, 500, 1000};
    for (int i = 0; i < TESTBED_NSUB; i++) {
        double cap = subsystem_capacity(&c.sub[i]);
        if (fabs(cap - want[i]) > 1e-6)
            fail_msg("%s: capacity %g, documented %g", testbed_subsystem_names[i], cap, want[i]);
        for (int j = 0; j < i; j++)
            assert_true(fabs(cap - subsystem_capacity(&c.sub[j])) > 1);
    }
    int seckill = testbed_subsystem_index("seckill", 7);
    assert_true(c.sub[seckill].rate_limited && c.sub[seckill].rate == 450);
    assert_true(c.sub[seckill].degrade);
    assert_int_equal(testbed_subsystem_index("carts", 5), -1);
}

/* testbed/default-config.json spells out the compiled-in defaults. */
static void test_default_config_file_matches_defaults(void **state)
{
    (void)state;
    testbed_config file, d;
    testbed_config_defaults(&d);
    /* tests/run.sh runs unit tests from the repository root */
    assert_int_equal(testbed_config_load("testbed/default-config.json", &file), 0);
    for (int i = 0; i < TESTBED_NSUB; i++) {
        if (memcmp(&file.sub[i], &d.sub[i], sizeof d.sub[i]) != 0)
            fail_msg("default-config.json: '%s' differs from the compiled-in defaults",
                     testbed_subsystem_names[i]);
    }
    assert_true(file.seed == d.seed);
}

static void test_config_load_missing_file(void **state)
{
    (void)state;
    testbed_config c;
    fflush(stderr);
    int saved = dup(2);
    FILE *devnull = fopen("/dev/null", "w");
    dup2(fileno(devnull), 2);
    int rc = testbed_config_load("/nonexistent/testbed.json", &c);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(devnull);
    assert_int_equal(rc, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_is_exact),
        cmocka_unit_test(test_exponential_mean),
        cmocka_unit_test(test_lognormal_mean_is_configured_mean),
        cmocka_unit_test(test_dist_names),
        cmocka_unit_test(test_token_bucket_burst_then_rate),
        cmocka_unit_test(test_token_bucket_long_run_rate),
        cmocka_unit_test(test_fault_windows),
        cmocka_unit_test(test_config_errors_name_file_and_path),
        cmocka_unit_test(test_config_overrides_only_what_it_names),
        cmocka_unit_test(test_defaults_have_distinct_capacities),
        cmocka_unit_test(test_default_config_file_matches_defaults),
        cmocka_unit_test(test_config_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
