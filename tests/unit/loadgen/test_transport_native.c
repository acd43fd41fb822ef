/* test_transport_native.c: the native transport's answer parsing
 * (native_parse_answer, the path every received byte takes): framing,
 * strict error kinds, the header cap, 1xx, shed headers, answers cut at
 * every byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "loadgen/stats.h"
#include "loadgen/transport_native.h"

static int parse(const char *s, int head, long *status)
{
    int shed;
    return native_parse_answer(s, strlen(s), strlen(s) / 2, head, 0, NULL, status, &shed);
}

static void test_framings_ok(void **state)
{
    (void)state;
    long st;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, &st), -1);
    assert_int_equal(st, 200);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\n", 0, &st), -1);
    assert_int_equal(parse("HTTP/1.0 200 OK\r\n\r\nclose-delimited", 0, &st), -1);
    assert_int_equal(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
                           "Content-Length: 0\r\n\r\n", 0, &st), -1);
    assert_int_equal(st, 201);
    assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", 0, &st), -1);
    assert_int_equal(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 0, &st), -1);
    assert_int_equal(st, 304);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 1, &st), -1);
}

static void test_truncated_and_garbage(void **state)
{
    (void)state;
    long st;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Le", 0, &st), NETERR_TRUNCATED);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\n", 0, &st), NETERR_TRUNCATED);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, &st),
                     NETERR_TRUNCATED);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nab", 0,
                           &st), NETERR_TRUNCATED);
    assert_int_equal(parse("", 0, &st), NETERR_RESET);
    assert_int_equal(parse("\x01garbage\r\n\r\n", 0, &st), NETERR_PROTOCOL);
    assert_int_equal(parse("HTTP/1.1 2x0 OK\r\n\r\n", 0, &st), NETERR_PROTOCOL);
    /* found by fuzz_http_response: three digits, but below 100 */
    assert_int_equal(parse("HTTP/1.2 050 Odd\r\nContent-Length: 0\r\n\r\n", 0, &st),
                     NETERR_PROTOCOL);
    assert_int_equal(parse("HTTP/1.1 101 Switching\r\nUpgrade: x\r\n\r\n", 0, &st),
                     NETERR_PROTOCOL);
}

/* A complete answer cut anywhere is never ok. */
static void test_every_cut_is_an_error(void **state)
{
    (void)state;
    const char *full = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
    for (size_t n = 0; n < strlen(full); n++) {
        long st;
        int shed;
        int k = native_parse_answer(full, n, n / 3, 0, 0, NULL, &st, &shed);
        assert_true(k == NETERR_TRUNCATED || k == NETERR_RESET);
    }
}

static void test_header_cap_and_storm(void **state)
{
    (void)state;
    static char big[8192];
    size_t n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n");
    while (n + 40 < sizeof big)
        n += (size_t)snprintf(big + n, sizeof big - n, "X-Filler: abcdefghijklmnop\r\n");
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
    long st;
    int shed;
    assert_int_equal(native_parse_answer(big, n, 100, 0, 1024, NULL, &st, &shed),
                     NETERR_TOO_LARGE);
    assert_int_equal(native_parse_answer(big, n, 100, 0, 65536, NULL, &st, &shed), -1);
    static char storm[200 * 30];
    size_t m = 0;
    for (int i = 0; i < 100; i++)
        m += (size_t)snprintf(storm + m, sizeof storm - m, "HTTP/1.1 100 Continue\r\n\r\n");
    m += (size_t)snprintf(storm + m, sizeof storm - m, "HTTP/1.1 200 OK\r\n\r\n");
    assert_int_equal(native_parse_answer(storm, m, 7, 0, 0, NULL, &st, &shed), NETERR_PROTOCOL);
}

/* The shed header, split across reads at every byte; a 1xx's header does
 * not mark the final answer; "0" and empty do not count. */
static void test_shed_header(void **state)
{
    (void)state;
    const char *a = "HTTP/1.1 200 OK\r\nX-Degraded: 1\r\nContent-Length: 0\r\n\r\n";
    for (size_t cut = 0; cut <= strlen(a); cut++) {
        long st;
        int shed = 0;
        assert_int_equal(native_parse_answer(a, strlen(a), cut, 0, 0, "x-degraded", &st, &shed),
                         -1);
        assert_int_equal(shed, 1);
    }
    const char *cases[] = {
        "HTTP/1.1 200 OK\r\nX-Degraded: 0\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Degraded:\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Degraded-Not: 1\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 103 Early\r\nX-Degraded: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long st;
        int shed = 1;
        assert_int_equal(native_parse_answer(cases[i], strlen(cases[i]), 20, 0, 0, "X-Degraded",
                                             &st, &shed), -1);
        assert_int_equal(shed, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framings_ok),
        cmocka_unit_test(test_truncated_and_garbage),
        cmocka_unit_test(test_every_cut_is_an_error),
        cmocka_unit_test(test_header_cap_and_storm),
        cmocka_unit_test(test_shed_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
