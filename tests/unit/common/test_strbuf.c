/* test_strbuf.c: common/strbuf: appends in order, grows past its first
 * allocation without losing text, and hands the text over once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static void test_appends_in_order(void **state)
{
    (void)state;
    strbuf b;
    strbuf_init(&b, 0);
    strbuf_printf(&b, "%s=%d", "a", 1);
    strbuf_printf(&b, ",%s=%.1f", "b", 2.5);
    char *s = strbuf_take(&b);
    assert_string_equal(s, "a=1,b=2.5");
    assert_null(b.s);
    free(s);
}

/* Far past the first allocation, one long append and many short ones. */
static void test_grows(void **state)
{
    (void)state;
    strbuf b;
    strbuf_init(&b, 4);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    strbuf_printf(&b, "<%s>", big);
    for (int i = 0; i < 1000; i++)
        strbuf_printf(&b, "%d;", i % 10);
    assert_false(b.oom);
    assert_int_equal(b.len, 5001 + 2000);
    char *s = strbuf_take(&b);
    assert_int_equal(strlen(s), 7001);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[5000], '>');
    assert_memory_equal(s + 5001, "0;1;2;", 6);
    assert_string_equal(s + 7001 - 2, "9;");
    free(s);
}

static void test_empty(void **state)
{
    (void)state;
    strbuf b;
    strbuf_init(&b, 16);
    char *s = strbuf_take(&b);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_in_order),
        cmocka_unit_test(test_grows),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
