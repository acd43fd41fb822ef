/* test_transport.c: the parts of loadgen/transport.c that every transport
 * shares: the one errno -> net error kind mapping (refused, timeout,
 * unreachable, reset, other), and the target parsing (scheme, default and
 * explicit ports, the Host authority, refusals). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "loadgen/stats.h"
#include "loadgen/transport.h"

static void test_errno_kinds(void **state)
{
    (void)state;
    assert_int_equal(transport_errno_kind(ECONNREFUSED), NETERR_REFUSED);
    assert_int_equal(transport_errno_kind(ETIMEDOUT), NETERR_TIMEOUT);
    assert_int_equal(transport_errno_kind(ENETUNREACH), NETERR_UNREACHABLE);
    assert_int_equal(transport_errno_kind(EHOSTUNREACH), NETERR_UNREACHABLE);
    assert_int_equal(transport_errno_kind(ENETDOWN), NETERR_UNREACHABLE);
    assert_int_equal(transport_errno_kind(EHOSTDOWN), NETERR_UNREACHABLE);
    assert_int_equal(transport_errno_kind(ECONNRESET), NETERR_RESET);
    assert_int_equal(transport_errno_kind(ECONNABORTED), NETERR_RESET);
    assert_int_equal(transport_errno_kind(EPIPE), NETERR_RESET);
}

static void test_errno_other(void **state)
{
    (void)state;
    assert_int_equal(transport_errno_kind(0), NETERR_OTHER);
    assert_int_equal(transport_errno_kind(EMFILE), NETERR_OTHER);
    assert_int_equal(transport_errno_kind(EADDRNOTAVAIL), NETERR_OTHER);
    assert_int_equal(transport_errno_kind(EINVAL), NETERR_OTHER);
}

static void test_target_ports(void **state)
{
    (void)state;
    transport_target t;
    char err[256];
    assert_int_equal(transport_target_init(&t, "http://127.0.0.1/x", err, sizeof err), 0);
    assert_int_equal(t.tls, 0);
    assert_int_equal(t.port, 80);
    assert_string_equal(t.authority, "127.0.0.1");
    assert_string_equal(t.address, "127.0.0.1");
    assert_int_equal(transport_target_init(&t, "HTTPS://127.0.0.1:8443/a?b", err, sizeof err), 0);
    assert_int_equal(t.tls, 1);
    assert_int_equal(t.port, 8443);
    assert_string_equal(t.authority, "127.0.0.1:8443");
    assert_int_equal(transport_target_init(&t, "https://[::1]/", err, sizeof err), 0);
    assert_int_equal(t.port, 443);
    assert_string_equal(t.host, "::1");
    assert_string_equal(t.authority, "[::1]");
}

static void test_target_refused(void **state)
{
    (void)state;
    transport_target t;
    char err[256] = "";
    assert_int_equal(transport_target_init(&t, "ftp://127.0.0.1/", err, sizeof err), -1);
    assert_non_null(strstr(err, "unsupported scheme 'ftp'"));
    err[0] = '\0';
    assert_int_equal(transport_target_init(&t, "not a url", err, sizeof err), -1);
    assert_non_null(strstr(err, "not a valid URL"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errno_kinds),
        cmocka_unit_test(test_errno_other),
        cmocka_unit_test(test_target_ports),
        cmocka_unit_test(test_target_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
