/* test_options.c: the shared flag-value parsers (cli/options.c): what each
 * accepts, the bounds it enforces, and that a refused value leaves the
 * output untouched and reports -1. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/options.h"

static void test_durations(void **state)
{
    (void)state;
    double d = -1;
    assert_int_equal(option_duration("--step", "1m30s", 0, &d), 0);
    assert_true(fabs(d - 90) < 1e-9);
    assert_int_equal(option_duration("--step", "250ms", 0, &d), 0);
    assert_true(fabs(d - 0.25) < 1e-9);
    assert_int_equal(option_duration("--step", "2", 0, &d), 0);   /* bare: seconds */
    assert_true(fabs(d - 2) < 1e-9);
    assert_int_equal(option_duration("--warmup", "0", 1, &d), 0);
    assert_true(d == 0);
    assert_int_equal(option_duration("--step", "0", 0, &d), -1);  /* zero not allowed here */
    assert_int_equal(option_duration("--step", "soon", 1, &d), -1);
    assert_int_equal(option_duration("--step", "-5s", 1, &d), -1);
    assert_int_equal(option_duration("--step", "", 1, &d), -1);
    assert_int_equal(option_duration("--step", "30s1m", 1, &d), -1); /* largest part first */
    assert_int_equal(option_duration("--step", "24h", 1, &d), 0);
    assert_int_equal(option_duration("--step", "1e9h", 1, &d), -1);  /* beyond 24h */
    assert_int_equal(option_duration("--step", "1m1m", 1, &d), -1);
    assert_int_equal(option_rate("--max-rate", "1e7", &d), 0);
    assert_int_equal(option_rate("--max-rate", "1e12", &d), -1);   /* beyond LOADPLAN_MAX_RATE */
    assert_int_equal(option_rate("--max-rate", "0", &d), -1);
    assert_int_equal(option_checkpoint("--checkpoint", "0", &d), 0);   /* off */
    assert_true(d == 0);
    assert_int_equal(option_checkpoint("--checkpoint", "1s", &d), 0);
    assert_int_equal(option_checkpoint("--checkpoint", "500ms", &d), -1); /* under 1s */
    assert_int_equal(option_duration("--step", "1h2m3s", 1, &d), 0);
    assert_true(fabs(d - 3723) < 1e-9);
    assert_int_equal(option_duration("--step", "5 s", 1, &d), 0);
}

static void test_numbers(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(option_positive("--rate", "1e3", &v), 0);
    assert_true(v == 1000);
    assert_int_equal(option_positive("--rate", "0", &v), -1);
    assert_int_equal(option_positive("--rate", "-3", &v), -1);
    assert_int_equal(option_positive("--rate", "inf", &v), -1);
    assert_int_equal(option_positive("--rate", "12x", &v), -1);
    long n = 7;
    assert_int_equal(option_count("-c", "64", 1, 100, &n), 0);
    assert_int_equal(n, 64);
    assert_int_equal(option_count("-c", "0", 1, 100, &n), -1);
    assert_int_equal(option_count("-c", "101", 1, 100, &n), -1);
    assert_int_equal(option_count("-c", "2.5", 1, 100, &n), -1);
    assert_int_equal(n, 64);                                        /* untouched on refusal */
    int i = 0;
    assert_int_equal(option_int("--seed", "0", 0, 10, &i), 0);
    assert_int_equal(option_int("--seed", "11", 0, 10, &i), -1);
    assert_int_equal(option_fraction("--tolerance", "3%", &v), 0);
    assert_true(fabs(v - 0.03) < 1e-12);
    assert_int_equal(option_fraction("--tolerance", "0.5", &v), 0);
    assert_int_equal(option_fraction("--tolerance", "1", &v), -1);
    assert_int_equal(option_fraction("--tolerance", "0", &v), -1);
}

static void test_push(void **state)
{
    (void)state;
    const char *list[2];
    size_t n = 0;
    assert_int_equal(option_push(list, &n, 2, "-H", "a: 1"), 0);
    assert_int_equal(option_push(list, &n, 2, "-H", "b: 2"), 0);
    assert_int_equal(option_push(list, &n, 2, "-H", "c: 3"), -1);
    assert_int_equal(n, 2);
    assert_string_equal(list[1], "b: 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_push),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
