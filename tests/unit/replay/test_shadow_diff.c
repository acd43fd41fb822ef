/* test_shadow_diff.c: when two answers match (replay/shadow_diff.h): the
 * same network error kind matches, a different status never does, the
 * whole-body view compares bytes, --ignore drops a field anywhere (bare
 * name) or at a dotted path, --fields compares only the listed ones, JSON
 * key order does not matter under a JSON view, a non-JSON body falls back
 * to bytes, and mismatches are counted per endpoint with a bounded sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "replay/shadow_diff.h"

static transport_result answer(long status, const char *body)
{
    transport_result r = {.status = status, .net_error = -1, .done_ns = 1, .shed_header = 0,
                          .body = body, .body_len = strlen(body), .body_truncated = 0};
    return r;
}

static int same(const shadow_view *v, const char *x, const char *y)
{
    char why[160];
    transport_result a = answer(200, x), b = answer(200, y);
    return shadow_answers_match(v, &a, &b, why, sizeof why);
}

static void test_status_and_errors(void **state)
{
    (void)state;
    shadow_view v = {0};
    char why[160];
    transport_result a = answer(200, "x"), b = answer(500, "x");
    assert_false(shadow_answers_match(&v, &a, &b, why, sizeof why));
    assert_string_equal(why, "status 200 vs 500");
    transport_result t1 = {.net_error = NETERR_TIMEOUT}, t2 = {.net_error = NETERR_TIMEOUT};
    assert_true(shadow_answers_match(&v, &t1, &t2, why, sizeof why));
    t2.net_error = NETERR_RESET;
    assert_false(shadow_answers_match(&v, &t1, &t2, why, sizeof why));
    v.status_only = 1;
    assert_true(same(&v, "{\"a\":1}", "{\"a\":2}"));
}

static void test_views(void **state)
{
    (void)state;
    shadow_view v = {0};
    assert_true(same(&v, "{\"a\":1}", "{\"a\":1}"));
    assert_false(same(&v, "{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}"));   /* bytes differ */
    v.ignore[v.nignore++] = "trace";
    assert_true(same(&v, "{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}"));    /* JSON: order free */
    assert_true(same(&v, "{\"a\":1,\"trace\":\"x\",\"n\":{\"trace\":1}}",
                     "{\"a\":1,\"trace\":\"y\",\"n\":{\"trace\":2}}"));
    assert_false(same(&v, "{\"a\":1,\"trace\":\"x\"}", "{\"a\":2,\"trace\":\"y\"}"));
    assert_false(same(&v, "not json", "not json!"));                   /* bytes fallback */
    shadow_view p = {0};
    p.ignore[p.nignore++] = "meta.ts";
    assert_true(same(&p, "{\"meta\":{\"ts\":1,\"v\":2}}", "{\"meta\":{\"ts\":9,\"v\":2}}"));
    assert_false(same(&p, "{\"ts\":1}", "{\"ts\":2}"));                /* only at that path */
    shadow_view fv = {0};
    fv.fields[fv.nfields++] = "order.total";
    fv.fields[fv.nfields++] = "ok";
    assert_true(same(&fv, "{\"ok\":true,\"order\":{\"total\":5,\"id\":1}}",
                     "{\"ok\":true,\"order\":{\"total\":5,\"id\":2}}"));
    char why[160];
    transport_result a = answer(200, "{\"ok\":true,\"order\":{\"total\":5}}");
    transport_result b = answer(200, "{\"ok\":true,\"order\":{\"total\":6}}");
    assert_false(shadow_answers_match(&fv, &a, &b, why, sizeof why));
    assert_string_equal(why, "field 'order.total' differs");
}

static void test_counts_and_samples(void **state)
{
    (void)state;
    shadow_view v = {0};
    shadow_diff d;
    assert_int_equal(shadow_diff_init(&d, &v, 2, 4), 0);
    transport_result a = answer(200, "same"), b = answer(200, "other");
    for (int i = 0; i < 10; i++) {
        shadow_diff_compare(&d, 0, &a, &a);
        shadow_diff_compare(&d, 1, &a, &b);
    }
    assert_int_equal(d.total.compared, 20);
    assert_int_equal(d.total.mismatched, 10);
    assert_int_equal(d.per[0].mismatched, 0);
    assert_int_equal(d.per[1].mismatched, 10);
    assert_int_equal(d.per[1].body_differs, 10);
    assert_int_equal(d.nsamples, SHADOW_SAMPLES_PER_ENDPOINT);
    assert_string_equal(d.samples[0].body[1], "other");
    assert_true(shadow_mismatch_rate(&d.total) == 0.5);
    shadow_diff_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_and_errors),
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_counts_and_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
