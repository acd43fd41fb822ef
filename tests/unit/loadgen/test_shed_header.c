/* test_shed_header.c: the degraded-answer header matching the curl
 * transport runs on every response header line of a watched subsystem
 * (loadgen/shed_header.h): names compare case-insensitively, values "0" and
 * empty do not mark an answer, line ends and whitespace are ignored, other
 * headers (even ones the name is a prefix of) never match, and status lines
 * are recognized so that a 1xx's headers cannot mark the final answer. The
 * matcher reads only the LEN bytes it is given (libcurl's lines are not
 * NUL-terminated), which the last test checks with bytes past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "loadgen/shed_header.h"

static int match(const char *line, const char *name)
{
    return shed_header_match(line, strlen(line), name, strlen(name));
}

static void test_name_case_insensitive(void **state)
{
    (void)state;
    assert_true(match("X-Degraded: 1\r\n", "X-Degraded"));
    assert_true(match("x-degraded: 1\r\n", "X-Degraded"));   /* HTTP/2 lower-cases names */
    assert_true(match("X-DEGRADED: 1\r\n", "x-degraded"));
    assert_true(match("x-DeGrAdEd:1\r\n", "X-Degraded"));
}

static void test_values(void **state)
{
    (void)state;
    assert_true(match("X-Degraded: 1\r\n", "X-Degraded"));
    assert_true(match("X-Degraded: true\r\n", "X-Degraded"));
    assert_true(match("X-Degraded: cache\r\n", "X-Degraded"));
    assert_true(match("X-Degraded: 00\r\n", "X-Degraded"));   /* only exactly "0" is off */
    assert_true(match("X-Degraded: 10\r\n", "X-Degraded"));
    assert_false(match("X-Degraded: 0\r\n", "X-Degraded"));
    assert_false(match("X-Degraded:0\r\n", "X-Degraded"));
    assert_false(match("X-Degraded: \t0 \t\r\n", "X-Degraded"));
    assert_false(match("X-Degraded:\r\n", "X-Degraded"));
    assert_false(match("X-Degraded:   \r\n", "X-Degraded"));
    assert_false(match("X-Degraded:", "X-Degraded"));
}

static void test_line_ends(void **state)
{
    (void)state;
    assert_true(match("X-Degraded: 1\r\n", "X-Degraded"));
    assert_true(match("X-Degraded: 1\n", "X-Degraded"));
    assert_true(match("X-Degraded: 1", "X-Degraded"));
    assert_true(match("X-Degraded:\t1\t\r\n", "X-Degraded"));
    assert_false(match("X-Degraded: 0\n", "X-Degraded"));
    assert_false(match("X-Degraded: 0", "X-Degraded"));
    assert_false(match("\r\n", "X-Degraded"));   /* the end of the header block */
    assert_false(match("", "X-Degraded"));
}

static void test_other_headers(void **state)
{
    (void)state;
    assert_false(match("X-Degraded-Reason: cache\r\n", "X-Degraded"));  /* a longer name */
    assert_false(match("X-Degrade: 1\r\n", "X-Degraded"));              /* a shorter one */
    assert_false(match("Content-Type: X-Degraded: 1\r\n", "X-Degraded"));
    assert_false(match(" X-Degraded: 1\r\n", "X-Degraded"));   /* obsolete line folding */
    assert_false(match("X-Degraded : 1\r\n", "X-Degraded"));   /* RFC 9110: no space before ':' */
    assert_false(match("HTTP/1.1 200 OK\r\n", "X-Degraded"));
    assert_false(match("X-Degraded: 1\r\n", ""));
}

static void test_status_lines(void **state)
{
    (void)state;
    static const char *const yes[] = {"HTTP/1.1 200 OK\r\n", "HTTP/1.1 100 Continue\r\n",
                                      "HTTP/2 200 \r\n", "HTTP/1.0 503\r\n"};
    static const char *const no[] = {"X-Degraded: 1\r\n", "\r\n", "", "HTTP", "http/1.1 200\r\n",
                                     "Http-Thing: 1\r\n"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(shed_header_is_status_line(yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(shed_header_is_status_line(no[i], strlen(no[i])));
}

/* libcurl hands a pointer and a length; the bytes after it are not ours. */
static void test_reads_only_len_bytes(void **state)
{
    (void)state;
    const char buf[] = "X-Degraded: 07\r\nX-Other: 1\r\n";
    /* 13 bytes are "X-Degraded: 0"; 14 are "X-Degraded: 07" */
    assert_false(shed_header_match(buf, 13, "X-Degraded", 10));
    assert_true(shed_header_match(buf, 14, "X-Degraded", 10));   /* "07" */
    /* a line exactly as long as the name (no colon inside LEN) */
    assert_false(shed_header_match(buf, 10, "X-Degraded", 10));
    /* a one-byte value "1" followed by garbage outside LEN */
    const char one[] = "X-Degraded: 1XYZ";
    assert_true(shed_header_match(one, 13, "X-Degraded", 10));
    const char zero_then[] = "X-Degraded: 0123";
    assert_false(shed_header_match(zero_then, 13, "X-Degraded", 10));
    assert_false(shed_header_is_status_line("HTTP/1.1", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_case_insensitive),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_other_headers),
        cmocka_unit_test(test_status_lines),
        cmocka_unit_test(test_reads_only_len_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
