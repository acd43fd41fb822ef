/* test_report_text.c: the report's escapers (reports/report_text.h) against
 * hostile input: HTML and XML escaping (markup, quotes, control characters,
 * invalid UTF-8), gnuplot string literals that cannot end early or span
 * lines, CSV quoting and formula neutralising, secret header redaction, and
 * number formatting. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reports/report_text.h"

typedef void (*escaper)(FILE *, const char *);

/* Runs ESC on S into a malloc'd string. */
static char *render(escaper esc, const char *s)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    esc(f, s);
    fclose(f);
    return out;
}

static void gp_wrap(FILE *f, const char *s)
{
    text_gnuplot(f, s, 60);
}

static void test_html_escapes_markup_and_quotes(void **state)
{
    (void)state;
    char *out = render(text_html, "<script>alert(\"x\")</script> & 'q'");
    assert_string_equal(out, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;");
    free(out);
    out = render(text_html, NULL);
    assert_string_equal(out, "");
    free(out);
}

static void test_html_keeps_utf8_replaces_invalid_and_controls(void **state)
{
    (void)state;
    char *out = render(text_html, "购物车 caf\xc3\xa9");
    assert_string_equal(out, "购物车 café");
    free(out);
    /* a lone continuation byte, an overlong encoding, a control character */
    out = render(text_html, "a\x80" "b\xc0\xaf" "c\x01" "d");
    assert_string_equal(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD" "d");
    free(out);
}

static void test_xml_output_has_no_forbidden_characters(void **state)
{
    (void)state;
    char *out = render(text_xml, "x\x01\x1f<\"&]]>\xef\xbf\xbf");
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        assert_true(*p >= 0x20 || *p == '\t' || *p == '\n');
    assert_null(strchr(out, '<'));
    assert_non_null(strstr(out, "&lt;&quot;&amp;]]&gt;"));
    /* U+FFFF is not an XML character: replaced, not copied */
    assert_null(strstr(out, "\xef\xbf\xbf"));
    free(out);
}

/* A gnuplot single-quoted literal: starts and ends with ', every inner '
 * doubled, no newline, no backquote. */
static void assert_gnuplot_literal(const char *lit)
{
    size_t n = strlen(lit);
    assert_true(n >= 2);
    assert_int_equal(lit[0], '\'');
    assert_int_equal(lit[n - 1], '\'');
    for (size_t i = 1; i + 1 < n; i++) {
        assert_int_not_equal(lit[i], '\n');
        assert_int_not_equal(lit[i], '\r');
        assert_int_not_equal(lit[i], '`');
        if (lit[i] == '\'') {
            assert_int_equal(lit[i + 1], '\'');
            i++;
        }
    }
}

static void test_gnuplot_literal_cannot_be_escaped(void **state)
{
    (void)state;
    const char *hostile[] = {
        "'; system(\"touch /tmp/x\"); '",
        "a\nset output '/etc/passwd'\n",
        "`touch /tmp/x`",
        "back\\slash\\' quote",
        "\"; system(\"id\") #",
        "''''",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        char *out = render(gp_wrap, hostile[i]);
        assert_gnuplot_literal(out);
        free(out);
    }
    char *out = render(gp_wrap, "it's");
    assert_string_equal(out, "'it''s'");
    free(out);
}

static void test_gnuplot_literal_is_bounded_at_char_boundary(void **state)
{
    (void)state;
    char longname[400];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    char *out = render(gp_wrap, longname);
    assert_true(strlen(out) <= 60 + 2 + 3);
    assert_non_null(strstr(out, "...'"));
    free(out);
    /* 3-byte characters: the cut never splits one */
    out = render(gp_wrap, "购购购购购购购购购购购购购购购购购购购购购购购购购");
    size_t n = strlen(out);
    assert_int_equal((n - 2 - 3) % 3, 0);
    free(out);
}

static void test_csv_quotes_and_neutralises_formulas(void **state)
{
    (void)state;
    char *out = render(text_csv, "plain");
    assert_string_equal(out, "plain");
    free(out);
    out = render(text_csv, "a,b \"c\"\nd");
    assert_string_equal(out, "\"a,b \"\"c\"\"\nd\"");
    free(out);
    out = render(text_csv, "=HYPERLINK(\"x\")");
    assert_string_equal(out, "\"'=HYPERLINK(\"\"x\"\")\"");
    free(out);
    out = render(text_csv, "+1");
    assert_string_equal(out, "'+1");
    free(out);
}

static void test_plain_drops_terminal_escapes(void **state)
{
    (void)state;
    char *out = render(text_plain, "ok\x1b[31mred\r\n");
    assert_null(strchr(out, 0x1b));
    assert_null(strchr(out, '\r'));
    assert_non_null(strchr(out, '\n'));
    free(out);
}

static void test_redact_header_values(void **state)
{
    (void)state;
    const char *secrets[] = {"Authorization", "Cookie", "X-Api-Key"};
    char *out = report_redact("crest run -H 'Authorization: Bearer abc.def' -H 'accept: x' "
                              "-H \"x-api-key: k123\" --cookie-jar j",
                              secrets, 3);
    assert_non_null(out);
    assert_null(strstr(out, "abc.def"));
    assert_null(strstr(out, "k123"));
    assert_non_null(strstr(out, "Authorization: [redacted]'"));
    assert_non_null(strstr(out, "x-api-key: [redacted]\""));
    assert_non_null(strstr(out, "accept: x"));
    free(out);
    /* unquoted: up to the next option */
    out = report_redact("run -H Cookie:session=s3cr3t --rate 10", secrets, 3);
    assert_null(strstr(out, "s3cr3t"));
    assert_non_null(strstr(out, "--rate 10"));
    free(out);
    /* glued to an option, or inside a longer name: redacted all the same */
    out = report_redact("-HAuthorization: t0ken and X-Cookie=c00kie", secrets, 3);
    assert_string_equal(out, "-HAuthorization: [redacted]");
    free(out);
    out = report_redact("X-Cookie=c00kie, Accept: */*", secrets, 3);
    assert_null(strstr(out, "c00kie"));
    free(out);
    /* no separator: not a header value */
    out = report_redact("Authorization header missing", secrets, 3);
    assert_string_equal(out, "Authorization header missing");
    free(out);
    assert_null(report_redact(NULL, secrets, 3));
    assert_true(report_is_secret("cookie", secrets, 3));
    assert_false(report_is_secret("Accept", secrets, 3));
}

static void test_number_formatting(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(fmt_num(b, NAN, 2), "-");
    assert_string_equal(fmt_num(b, 12.5, 2), "12.5");
    assert_string_equal(fmt_num(b, 3.0, 2), "3");
    assert_string_equal(fmt_num(b, -0.0001, 2), "0");
    assert_string_equal(fmt_num(b, 1e308, 2), "1e+308");
    assert_string_equal(fmt_num(b, 61030915, 0), "61,030,915");
    assert_string_equal(fmt_num(b, 5887000.75, 1), "5,887,000.8");
    assert_string_equal(fmt_num(b, -1234.5, 1), "-1,234.5");
    assert_string_equal(fmt_num(b, 999.5, 1), "999.5");
    assert_string_equal(fmt_pct(b, 0.0125), "1.25%");
    assert_string_equal(fmt_pct(b, 0.00012), "0.012%");
    assert_string_equal(fmt_pct(b, NAN), "-");
    assert_string_equal(fmt_sig(b, 2.1e-05), "2.1e-05");
    assert_string_equal(fmt_sig(b, 0.4137), "0.41");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escapes_markup_and_quotes),
        cmocka_unit_test(test_html_keeps_utf8_replaces_invalid_and_controls),
        cmocka_unit_test(test_xml_output_has_no_forbidden_characters),
        cmocka_unit_test(test_gnuplot_literal_cannot_be_escaped),
        cmocka_unit_test(test_gnuplot_literal_is_bounded_at_char_boundary),
        cmocka_unit_test(test_csv_quotes_and_neutralises_formulas),
        cmocka_unit_test(test_plain_drops_terminal_escapes),
        cmocka_unit_test(test_redact_header_values),
        cmocka_unit_test(test_number_formatting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
