/* test_common.c: the shared helpers in common/ (units, CSV tables, JSON I/O). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/csvio.h"
#include "common/jsonio.h"
#include "common/rng.h"
#include "common/units.h"

static char *write_temp(const char *content)
{
    char *path = strdup("/tmp/crest-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(content);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    close(fd);
    return path;
}

static void test_durations(void **state)
{
    (void)state;
    double s;
    assert_int_equal(units_parse_duration("30s", 1, &s), 0);
    assert_true(s == 30);
    assert_int_equal(units_parse_duration("250ms", 1, &s), 0);
    assert_true(s == 0.25);
    assert_int_equal(units_parse_duration("2m", 1, &s), 0);
    assert_true(s == 120);
    assert_int_equal(units_parse_duration("1h", 1, &s), 0);
    assert_true(s == 3600);
    assert_int_equal(units_parse_duration("500us", 1, &s), 0);
    assert_true(s > 4.99e-4 && s < 5.01e-4);
    assert_int_equal(units_parse_duration("40", 1e-3, &s), 0);
    assert_true(s > 0.0399 && s < 0.0401);
    assert_int_equal(units_parse_duration("3 weeks", 1, &s), -1);
    assert_int_equal(units_parse_duration("-1s", 1, &s), -1);
    assert_int_equal(units_parse_duration("", 1, &s), -1);
}

static void test_sizes(void **state)
{
    (void)state;
    double b = 0;
    assert_int_equal(units_parse_size("512", &b), 0);
    assert_true(b == 512);
    assert_int_equal(units_parse_size("64k", &b), 0);
    assert_true(b == 65536);
    assert_int_equal(units_parse_size("1MiB", &b), 0);
    assert_true(b == 1048576);
    assert_int_equal(units_parse_size("2 kb", &b), 0);
    assert_true(b == 2048);
    assert_int_equal(units_parse_size("1.5", &b), -1);
    assert_int_equal(units_parse_size("-1k", &b), -1);
    assert_int_equal(units_parse_size("3 parsecs", &b), -1);
    assert_int_equal(units_parse_size("1e30g", &b), -1);
    assert_int_equal(units_parse_size("", &b), -1);
}

static void test_fractions_and_numbers(void **state)
{
    (void)state;
    double v;
    assert_int_equal(units_parse_fraction("0.1%", &v), 0);
    assert_true(v > 0.000999 && v < 0.001001);
    assert_int_equal(units_parse_fraction("0.25", &v), 0);
    assert_true(v == 0.25);
    assert_int_equal(units_parse_fraction("5%x", &v), -1);
    assert_int_equal(units_parse_double(" 1e3 ", &v), 0);
    assert_true(v == 1000);
    assert_int_equal(units_parse_double("12abc", &v), -1);
    assert_int_equal(units_parse_double("nan", &v), -1);
    char buf[32];
    assert_string_equal(units_format_duration(0.0123, buf, sizeof buf), "12.30ms");
    assert_string_equal(units_format_duration(185, buf, sizeof buf), "3m05s");
}

static void test_csv_table(void **state)
{
    (void)state;
    char *path = write_temp("year,gmv,note\n2009,0.052,\"a, quoted\"\n\n2010,0.936,\n");
    csv_table t;
    assert_int_equal(csv_table_read(path, &t), 0);
    assert_int_equal(t.ncols, 3);
    assert_int_equal(t.nrows, 2);
    assert_int_equal(csv_table_column(&t, "gmv"), 1);
    assert_int_equal(csv_table_column(&t, "nope"), -1);
    assert_string_equal(csv_table_cell(&t, 0, 2), "a, quoted");
    assert_int_equal(t.line[0], 2);
    assert_int_equal(t.line[1], 4);
    double v = 0;
    assert_int_equal(csv_table_number(&t, 1, 1, &v), 0);
    assert_true(v == 0.936);
    assert_int_equal(csv_table_number(&t, 1, 2, &v), 1); /* empty: missing */
    assert_int_equal(csv_table_number(&t, 0, 2, &v), -1); /* not a number */
    csv_table_free(&t);
    unlink(path);
    free(path);
}

static void test_csv_ragged_row_is_an_error(void **state)
{
    (void)state;
    char *path = write_temp("a,b\n1,2\n3\n");
    csv_table t;
    assert_int_equal(csv_table_read(path, &t), -1);
    unlink(path);
    free(path);
    assert_int_equal(csv_table_read("/nonexistent/file.csv", &t), -1);
}

static void test_json_roundtrip_and_keys(void **state)
{
    (void)state;
    char *path = write_temp("{\"a\": 1, \"b\": \"x\", \"c\": true}");
    cJSON *root = jsonio_read_file(path);
    assert_non_null(root);
    static const char *const allowed[] = {"a", "b", "c", NULL};
    static const char *const fewer[] = {"a", "b", NULL};
    assert_int_equal(jsonio_check_keys(path, "", root, allowed), 0);
    assert_int_equal(jsonio_check_keys(path, "", root, fewer), -1);
    double num;
    const char *str;
    int flag;
    assert_int_equal(jsonio_get_number(path, "", root, "a", 1, &num), 0);
    assert_true(num == 1);
    assert_int_equal(jsonio_get_string(path, "", root, "b", 1, &str), 0);
    assert_string_equal(str, "x");
    assert_int_equal(jsonio_get_bool(path, "", root, "c", 1, &flag), 0);
    assert_int_equal(flag, 1);
    assert_int_equal(jsonio_get_number(path, "", root, "b", 1, &num), -1);
    assert_int_equal(jsonio_get_number(path, "", root, "zz", 0, &num), 1);
    assert_int_equal(jsonio_get_number(path, "", root, "zz", 1, &num), -1);
    assert_int_equal(jsonio_write_file(path, root), 0);
    cJSON *again = jsonio_read_file(path);
    assert_non_null(again);
    assert_true(cJSON_Compare(root, again, 1));
    cJSON_Delete(again);
    cJSON_Delete(root);
    unlink(path);
    free(path);
}

/* Counts: in range or refused; never a cast of 1e88 to an integer. */
static void test_json_count(void **state)
{
    (void)state;
    cJSON *o = cJSON_Parse("{\"n\": 42.9, \"big\": 1.7e88, \"neg\": -1, \"s\": \"7\", "
                           "\"max\": 9007199254740992, \"over\": 9007199254740994}");
    assert_non_null(o);
    uint64_t v = 5;
    assert_int_equal(jsonio_get_count("f.json", "x", o, "n", 1, 100, &v), 0);
    assert_true(v == 42);
    assert_int_equal(jsonio_get_count("f.json", "x", o, "n", 1, 40, &v), -1);
    assert_int_equal(jsonio_get_count("f.json", "x", o, "big", 1, 1e300, &v), -1);
    assert_int_equal(jsonio_get_count("f.json", "x", o, "neg", 1, 100, &v), -1);
    assert_int_equal(jsonio_get_count("f.json", "x", o, "s", 1, 100, &v), -1);
    assert_int_equal(jsonio_get_count("f.json", "x", o, "absent", 0, 100, &v), 1);
    assert_int_equal(jsonio_get_count("f.json", "x", o, "max", 1, 1e300, &v), 0);
    assert_true(v == 9007199254740992ull);
    assert_int_equal(jsonio_get_count("f.json", "x", o, "over", 1, 1e300, &v), -1);
    cJSON_Delete(o);
}

static void test_json_number_or_null(void **state)
{
    (void)state;
    cJSON *o = cJSON_CreateObject();
    jsonio_add_number_or_null(o, "x", 2.5);
    jsonio_add_number_or_null(o, "nan", NAN);
    jsonio_add_number_or_null(o, "inf", INFINITY);
    char *text = cJSON_PrintUnformatted(o);
    assert_string_equal(text, "{\"x\":2.5,\"nan\":null,\"inf\":null}");
    free(text);
    cJSON_Delete(o);
}

static void test_json_string_or_null(void **state)
{
    (void)state;
    cJSON *o = cJSON_CreateObject();
    jsonio_add_string_or_null(o, "s", "why");
    jsonio_add_string_or_null(o, "none", NULL);
    jsonio_add_string_or_null(o, "empty", "");
    char *text = cJSON_PrintUnformatted(o);
    assert_string_equal(text, "{\"s\":\"why\",\"none\":null,\"empty\":null}");
    free(text);
    cJSON_Delete(o);
}

static void test_json_syntax_error(void **state)
{
    (void)state;
    assert_null(jsonio_parse("x.json", "{\n  \"a\": 1,\n  \"b\": ]\n}"));
}

static void test_rng_uniform_and_exponential(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 42);
    double sum = 0, esum = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&r);
        assert_true(u >= 0 && u < 1);
        sum += u;
        esum += rng_exponential(&r, 2.0);
        int64_t k = rng_range(&r, 3, 5);
        assert_true(k >= 3 && k <= 5);
    }
    assert_true(sum / n > 0.49 && sum / n < 0.51);
    assert_true(esum / n > 1.97 && esum / n < 2.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_fractions_and_numbers),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_csv_table),
        cmocka_unit_test(test_csv_ragged_row_is_an_error),
        cmocka_unit_test(test_json_roundtrip_and_keys),
        cmocka_unit_test(test_json_count),
        cmocka_unit_test(test_json_number_or_null),
        cmocka_unit_test(test_json_string_or_null),
        cmocka_unit_test(test_json_syntax_error),
        cmocka_unit_test(test_rng_uniform_and_exponential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
