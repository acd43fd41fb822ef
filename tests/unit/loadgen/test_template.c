/* test_template.c: every placeholder kind renders what it should, values
 * vary where they must, compile errors name the problem, overflow is -1,
 * and rendering allocates nothing (malloc is counted around the loop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/unit_tmpdir.h"
#include "loadgen/feeder.h"
#include "loadgen/template.h"

#ifndef __SANITIZE_ADDRESS__
/* Counts allocations made by anything in this process while `counting`. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static volatile int counting;
static volatile long nalloc;
void *malloc(size_t n)
{
    if (counting)
        nalloc++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    if (counting)
        nalloc++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    if (counting)
        nalloc++;
    return __libc_realloc(p, n);
}
#define COUNT_ALLOCS 1
#else
#define COUNT_ALLOCS 0
#endif

static feeder *users;

static int setup(void **state)
{
    if (tmpdir_setup(state) != 0)
        return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/users.csv", tmpdir);
    FILE *f = fopen(path, "w");
    fprintf(f, "id,name\nu1,ann\nu2,bob\nu3,\"cid, jr\"\n");
    fclose(f);
    users = feeder_load("user", path, FEEDER_SEQUENTIAL);
    return users ? 0 : -1;
}

static int teardown(void **state)
{
    feeder_free(users);
    return tmpdir_teardown(state);
}

static template *compile_ok(const char *text)
{
    char err[512] = "";
    template *t = template_compile(text, &users, 1, err, sizeof err);
    if (!t)
        fail_msg("compile '%s': %s", text, err);
    return t;
}

static const char *render(const template *t, render_ctx *ctx, char *buf, size_t cap)
{
    size_t len = 0;
    assert_int_equal(template_render(t, ctx, buf, cap, &len), 0);
    assert_int_equal(len, strlen(buf));
    return buf;
}

static void test_literal_and_escape(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 1);
    render_ctx ctx = {.seq = 1, .rng = &r};
    char buf[128];
    template *t = compile_ok("/cms/home?x=1");
    assert_true(template_is_literal(t));
    assert_string_equal(render(t, &ctx, buf, sizeof buf), "/cms/home?x=1");
    assert_string_equal(template_source(t), "/cms/home?x=1");
    assert_int_equal(template_feeders_used(t), 0);
    template_free(t);
    t = compile_ok("cost: $${price} and $5");
    assert_string_equal(render(t, &ctx, buf, sizeof buf), "cost: ${price} and $5");
    template_free(t);
}

static void test_seq_and_append(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 1);
    render_ctx ctx = {.seq = 18446744073709551615ull, .rng = &r};
    char buf[128] = "GET ";
    size_t len = 4;
    template *t = compile_ok("/o/${seq}/x");
    assert_false(template_is_literal(t));
    assert_int_equal(template_render(t, &ctx, buf, sizeof buf, &len), 0);
    assert_string_equal(buf, "GET /o/18446744073709551615/x");
    ctx.seq = 0;
    len = 0;
    assert_int_equal(template_render(t, &ctx, buf, sizeof buf, &len), 0);
    assert_string_equal(buf, "/o/0/x");
    template_free(t);
}

static void test_random_int(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 7);
    render_ctx ctx = {.rng = &r};
    char buf[64];
    template *t = compile_ok("${random.int(1,100000)}");
    static char seen[100001];
    memset(seen, 0, sizeof seen);
    int distinct = 0;
    for (int i = 0; i < 10000; i++) {
        long v = atol(render(t, &ctx, buf, sizeof buf));
        assert_true(v >= 1 && v <= 100000);
        distinct += !seen[v];
        seen[v] = 1;
    }
    /* 10000 draws from 100000 values: about 9516 distinct expected. */
    assert_true(distinct > 9300);
    template_free(t);
    t = compile_ok("${random.int( -3 , -1 )}");
    int hit[3] = {0};
    for (int i = 0; i < 300; i++) {
        long v = atol(render(t, &ctx, buf, sizeof buf));
        assert_true(v >= -3 && v <= -1);
        hit[v + 3]++;
    }
    assert_true(hit[0] > 0 && hit[1] > 0 && hit[2] > 0);
    template_free(t);
}

static void test_random_pick(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 3);
    render_ctx ctx = {.rng = &r};
    char buf[64];
    template *t = compile_ok("q=${random.pick(phone, tv ,shoes)}");
    int n[3] = {0};
    for (int i = 0; i < 3000; i++) {
        render(t, &ctx, buf, sizeof buf);
        if (strcmp(buf, "q=phone") == 0)
            n[0]++;
        else if (strcmp(buf, "q=tv") == 0)
            n[1]++;
        else if (strcmp(buf, "q=shoes") == 0)
            n[2]++;
        else
            fail_msg("unexpected rendering '%s'", buf);
    }
    for (int i = 0; i < 3; i++) /* 1000 expected each; 4 sigma is about 104 */
        assert_true(n[i] > 880 && n[i] < 1120);
    template_free(t);
}

static void test_uuid(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 11);
    render_ctx ctx = {.rng = &r};
    char buf[64], prev[64] = "";
    template *t = compile_ok("${uuid}");
    for (int i = 0; i < 1000; i++) {
        render(t, &ctx, buf, sizeof buf);
        assert_int_equal(strlen(buf), 36);
        for (int k = 0; k < 36; k++) {
            if (k == 8 || k == 13 || k == 18 || k == 23)
                assert_int_equal(buf[k], '-');
            else
                assert_non_null(strchr("0123456789abcdef", buf[k]));
        }
        assert_int_equal(buf[14], '4');                 /* version 4 */
        assert_non_null(strchr("89ab", buf[19]));       /* RFC 4122 variant */
        assert_string_not_equal(buf, prev);
        strcpy(prev, buf);
    }
    template_free(t);
}

static void test_now_ms(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 1);
    render_ctx ctx = {.rng = &r};
    char buf[64];
    template *t = compile_ok("${now_ms}");
    struct timespec a, b;
    clock_gettime(CLOCK_REALTIME, &a);
    long long v = atoll(render(t, &ctx, buf, sizeof buf));
    clock_gettime(CLOCK_REALTIME, &b);
    long long lo = (long long)a.tv_sec * 1000 + a.tv_nsec / 1000000;
    long long hi = (long long)b.tv_sec * 1000 + b.tv_nsec / 1000000;
    assert_true(v >= lo && v <= hi);
    template_free(t);
}

static void test_feeder_columns(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 1);
    render_ctx ctx = {.rng = &r};
    char buf[64];
    template *t = compile_ok("/m?uid=${user.id}&n=${user.name}");
    assert_int_equal(template_feeders_used(t), 1);
    ctx.feeder_row[0] = 2;
    assert_string_equal(render(t, &ctx, buf, sizeof buf), "/m?uid=u3&n=cid, jr");
    ctx.feeder_row[0] = 0;
    assert_string_equal(render(t, &ctx, buf, sizeof buf), "/m?uid=u1&n=ann");
    template_free(t);
}

static void expect_error(const char *text, const char *needle)
{
    char err[512] = "";
    template *t = template_compile(text, &users, 1, err, sizeof err);
    if (t)
        fail_msg("'%s' compiled; expected an error mentioning '%s'", text, needle);
    if (!strstr(err, needle))
        fail_msg("'%s': error '%s' does not mention '%s'", text, err, needle);
}

static void test_compile_errors(void **state)
{
    (void)state;
    expect_error("/u/${user.idd}", "no column 'idd'");
    expect_error("/u/${user.idd}", "id, name");
    expect_error("/u/${usr.id}", "no feeder named 'usr'");
    expect_error("/u/${bogus}", "unknown placeholder '${bogus}'");
    expect_error("/u/${seq", "unterminated");
    expect_error("${random.int(5,1)}", "LO <= HI");
    expect_error("${random.int(a,1)}", "two integers");
    expect_error("${random.int(1)}", "two integers");
    expect_error("${random.pick(a,,b)}", "empty choice");
    expect_error("${random.pick()}", "at least one choice");
    expect_error("${random.foo}", "unknown placeholder");
}

static void test_overflow(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 1);
    render_ctx ctx = {.seq = 123456, .rng = &r};
    char buf[16] = "abc";
    size_t len = 3;
    template *t = compile_ok("/a-rather-long-path/${seq}");
    assert_int_equal(template_render(t, &ctx, buf, sizeof buf, &len), -1);
    assert_int_equal(len, 3);
    assert_string_equal(buf, "abc");      /* untouched: never half a request */
    template_free(t);
    t = compile_ok("0123456789${seq}");   /* 10 + 6 digits + NUL = 17 > 16 */
    len = 0;
    assert_int_equal(template_render(t, &ctx, buf, sizeof buf, &len), -1);
    ctx.seq = 12345;                      /* 16 bytes: fits exactly */
    len = 0;
    assert_int_equal(template_render(t, &ctx, buf, sizeof buf, &len), 0);
    assert_string_equal(buf, "012345678912345");
    template_free(t);
}

static void test_render_allocates_nothing(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 5);
    render_ctx ctx = {.rng = &r};
    static char buf[4096];
    template *t = compile_ok("{\"uid\":\"${user.id}\",\"n\":${random.int(1,9)},\"k\":\"${uuid}\","
                             "\"c\":\"${random.pick(a,b)}\",\"s\":${seq},\"t\":${now_ms}}");
    uint64_t checksum = 0;
#if COUNT_ALLOCS
    nalloc = 0;
    counting = 1;
    void *volatile probe = malloc(16); /* the counter itself works */
    free(probe);
    assert_int_equal(nalloc, 1);
    nalloc = 0;
#endif
    for (int i = 0; i < 200000; i++) {
        size_t len = 0;
        ctx.seq = (uint64_t)i;
        ctx.feeder_row[0] = i % 3;
        if (template_render(t, &ctx, buf, sizeof buf, &len) != 0)
            break;
        checksum += len;
    }
#if COUNT_ALLOCS
    counting = 0;
    assert_int_equal(nalloc, 0);
#endif
    assert_true(checksum > 200000 * 60);
    template_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_escape),
        cmocka_unit_test(test_seq_and_append),
        cmocka_unit_test(test_random_int),
        cmocka_unit_test(test_random_pick),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_now_ms),
        cmocka_unit_test(test_feeder_columns),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_render_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
