/* test_access_log.c: the access-log parsers (replay/access_log.h): the
 * combined and common formats, an nginx log_format with $msec and
 * $request_time (the arrival is the logged end minus the request's
 * duration), JSON lines, CSV with a header, absolute URLs reduced to the
 * path, format detection, timestamps with zones, and bad lines refused with
 * a message saying what was expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "replay/access_log.h"

static int parse(access_format *f, const char *line, access_entry *e, char *buf, char *err)
{
    strcpy(buf, line);
    return access_format_parse(f, buf, strlen(buf), e, err, 200);
}

static void url_is(const access_entry *e, const char *want)
{
    assert_int_equal(e->url_len, strlen(want));
    assert_memory_equal(e->url, want, e->url_len);
}

static void test_combined(void **state)
{
    (void)state;
    access_format f;
    char err[200], buf[1024];
    access_entry e;
    assert_int_equal(access_format_init(&f, "combined", NULL, err, sizeof err), 0);
    assert_int_equal(parse(&f, "10.0.0.1 - bob [10/Nov/2026:23:59:59 +0800] \"GET /cart/view?uid=7 "
                               "HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11)\"", &e, buf, err), 0);
    assert_string_equal(e.method, "GET");
    url_is(&e, "/cart/view?uid=7");
    assert_int_equal(e.status, 200);
    /* 2026-11-10T23:59:59+08:00 = 15:59:59Z */
    assert_true(e.ts == 1794326399.0);
    assert_int_equal(e.utc_offset_s, 8 * 3600);
    assert_false(e.subsecond);
    /* an escaped quote inside the user agent does not end it */
    assert_int_equal(parse(&f, "::1 - - [10/Nov/2026:23:59:59 +0000] \"POST http://shop/cart/add "
                               "HTTP/1.1\" 201 0 \"-\" \"a \\\" b\"", &e, buf, err), 0);
    assert_string_equal(e.method, "POST");
    url_is(&e, "/cart/add");
}

static void test_common_and_bad_lines(void **state)
{
    (void)state;
    access_format f;
    char err[200], buf[1024];
    access_entry e;
    assert_int_equal(access_format_init(&f, "common", NULL, err, sizeof err), 0);
    assert_int_equal(parse(&f, "1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"HEAD / HTTP/1.0\" 200 0",
                           &e, buf, err), 0);
    assert_string_equal(e.method, "HEAD");
    assert_int_equal(parse(&f, "garbage", &e, buf, err), -1);
    assert_non_null(strstr(err, "expected"));
    assert_int_equal(parse(&f, "1.2.3.4 - - [01/Jan/2026:25:00:00 +0000] \"GET / HTTP/1.0\" 200 0",
                           &e, buf, err), -1);
    assert_non_null(strstr(err, "time_local"));
    assert_int_equal(parse(&f, "   ", &e, buf, err), 1);   /* blank: ignored */
}

static void test_log_format_msec(void **state)
{
    (void)state;
    access_format f;
    char err[200], buf[1024];
    access_entry e;
    assert_int_equal(access_format_init(&f, NULL, "$msec $request_time \"$request\" $status",
                                        err, sizeof err), 0);
    assert_int_equal(parse(&f, "1762790400.250 0.050 \"GET /cms/home HTTP/1.1\" 200", &e, buf,
                           err), 0);
    assert_true(e.subsecond);
    assert_true(e.ts > 1762790400.1999 && e.ts < 1762790400.2001);   /* 0.250 - 0.050 */
    url_is(&e, "/cms/home");
    /* $uri and $args written apart */
    assert_int_equal(access_format_init(&f, NULL, "$time_iso8601|$request_method|$uri?$args",
                                        err, sizeof err), 0);
    assert_int_equal(parse(&f, "2026-11-11T00:00:00.5+08:00|GET|/p/d?sku=1", &e, buf, err), 0);
    url_is(&e, "/p/d?sku=1");
    assert_true(e.subsecond);
    assert_true(e.ts == 1794326400.5);
    /* a format without a time or URL is refused */
    assert_int_equal(access_format_init(&f, NULL, "$remote_addr $status", err, sizeof err), -1);
    assert_non_null(strstr(err, "needs a time"));
    assert_int_equal(access_format_init(&f, NULL, "$msec$request", err, sizeof err), -1);
    assert_int_equal(access_format_init(&f, "apache2", NULL, err, sizeof err), -1);
}

static void test_json_and_csv(void **state)
{
    (void)state;
    access_format f;
    char err[200], buf[1024];
    access_entry e;
    assert_int_equal(access_format_init(&f, "json", NULL, err, sizeof err), 0);
    assert_int_equal(parse(&f, "{\"ts\": 1762790400123, \"verb\": \"PUT\", \"path\": \"/o/1\", "
                               "\"request_time\": 0.123}", &e, buf, err), 0);
    assert_string_equal(e.method, "PUT");
    url_is(&e, "/o/1");
    assert_true(e.ts > 1762790399.9999 && e.ts < 1762790400.0001);   /* ms epoch, start */
    assert_int_equal(parse(&f, "{\"time\": \"2026-11-10T23:59:59Z\", \"request\": "
                               "\"DELETE /x?a=1 HTTP/2.0\"}", &e, buf, err), 0);
    assert_string_equal(e.method, "DELETE");
    url_is(&e, "/x?a=1");
    assert_int_equal(parse(&f, "{\"url\": \"/x\"}", &e, buf, err), -1);
    assert_non_null(strstr(err, "time"));
    assert_int_equal(access_format_init(&f, "csv", NULL, err, sizeof err), 0);
    assert_int_equal(parse(&f, "timestamp,method,url", &e, buf, err), 1);
    assert_int_equal(parse(&f, "1762790400.5,GET,\"/s?q=a,b\"", &e, buf, err), 0);
    url_is(&e, "/s?q=a,b");
    assert_int_equal(parse(&f, "1762790400,GET,/s?q=a,b", &e, buf, err), 0);
    url_is(&e, "/s?q=a,b");
    assert_int_equal(parse(&f, "yesterday,GET,/", &e, buf, err), -1);
    assert_non_null(strstr(err, "column 1"));
}

static void test_detect(void **state)
{
    (void)state;
    access_format f;
    char err[200];
    char l1[] = "{\"msec\": 1.5, \"url\": \"/\"}";
    char l2[] = "1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 3 \"-\" \"ua\"";
    char l3[] = "1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 3";
    char l4[] = "timestamp,method,url";
    char l5[] = "hello world";
    assert_int_equal(access_format_detect(&f, l1, strlen(l1), err, sizeof err), 0);
    assert_string_equal(f.name, "json");
    assert_int_equal(access_format_detect(&f, l2, strlen(l2), err, sizeof err), 0);
    assert_string_equal(f.name, "combined");
    assert_int_equal(access_format_detect(&f, l3, strlen(l3), err, sizeof err), 0);
    assert_string_equal(f.name, "common");
    assert_int_equal(access_format_detect(&f, l4, strlen(l4), err, sizeof err), 0);
    assert_string_equal(f.name, "csv");
    assert_int_equal(access_format_detect(&f, l5, strlen(l5), err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_combined),
        cmocka_unit_test(test_common_and_bad_lines),
        cmocka_unit_test(test_log_format_msec),
        cmocka_unit_test(test_json_and_csv),
        cmocka_unit_test(test_detect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
