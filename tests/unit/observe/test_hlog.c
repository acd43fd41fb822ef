/* test_hlog.c: HdrHistogram's compressed V2 encoding (observe/hlog.h):
 * the header bytes are HdrHistogram's ("HISTFAAA..." in base64: cookie
 * 0x1c849314), encoding then decoding keeps every counter, and damaged
 * text is refused. The interoperability itself is checked against
 * hdr-histogram-js in tests/integration/test_observe.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "observe/hlog.h"

static void test_round_trip(void **state)
{
    (void)state;
    hist *h = hist_new();
    for (int64_t v = 1; v < 5000000; v = v * 3 / 2 + 1)
        hist_record_n(h, v, (uint64_t)(v % 7 + 1));
    hist_record_n(h, 123456, 1000000000000ull);   /* a count needing 6 LEB128 bytes */
    char *text = hlog_encode(h);
    assert_non_null(text);
    assert_memory_equal(text, "HISTFAAA", 8);
    hist *back = hlog_decode(text);
    assert_non_null(back);
    size_t n1, n2;
    const uint64_t *a = hist_counts(h, &n1), *b = hist_counts(back, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1 * sizeof *a);
    assert_int_equal(hist_percentile(h, 99), hist_percentile(back, 99));
    hist_free(back);
    text[20] = text[20] == 'A' ? 'B' : 'A';      /* damaged: zlib's checksum fails */
    assert_null(hlog_decode(text));
    assert_null(hlog_decode("not base64!"));
    free(text);
    hist_free(h);
}

static void test_empty(void **state)
{
    (void)state;
    hist *h = hist_new();
    char *text = hlog_encode(h);
    hist *back = hlog_decode(text);
    assert_non_null(back);
    assert_int_equal(hist_count(back), 0);
    hist_free(back);
    free(text);
    hist_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
