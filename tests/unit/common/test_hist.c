/* test_hist.c: the HDR histogram (common/hist.h): error bound across the
 * whole range, percentiles against a sorted sample, exact merging, lossless
 * encoding, rejection of malformed text, exact statistics. */
#include <malloc.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hist.h"
#include "common/rng.h"

/* Log-uniform over the whole range, so every bucket gets its share. */
static int64_t random_value(rng *r)
{
    double v = exp(rng_uniform(r) * log((double)HIST_HIGHEST_US));
    int64_t x = (int64_t)v;
    return x < 1 ? 1 : x;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The counters tile [1, HIST_HIGHEST_US] without gaps or overlaps, each no
 * wider than 1/1024 of its lowest value (bucket 0 is exact). */
static void test_counters_tile_the_range(void **state)
{
    (void)state;
    int64_t v = 1;
    size_t counters = 0;
    while (v <= HIST_HIGHEST_US) {
        int64_t lo = hist_lowest_equivalent(v), hi = hist_highest_equivalent(v);
        assert_int_equal(lo, v);
        assert_true(hi >= lo);
        assert_true((double)(hi - lo) / (double)lo <= 1.0 / 1024);
        assert_int_equal(hist_highest_equivalent(hi), hi);
        assert_int_equal(hist_lowest_equivalent(hi), lo);
        v = hi + 1;
        counters++;
    }
    /* About 23 * 1024 counters: the layout is the HdrHistogram one. */
    assert_true(counters > 22 * 1024 && counters <= 23 * 1024);
}

/* Each value lands in a counter within 0.1% of it, and what the histogram
 * reports for it (highest equivalent value) is within 0.1%. */
static void test_relative_error_across_range(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 42);
    hist *h = hist_new();
    assert_non_null(h);
    for (int i = 0; i < 3000; i++) {
        int64_t v = random_value(&r);
        hist_reset(h);
        hist_record(h, v);
        hist_record(h, HIST_HIGHEST_US); /* so the percentile is not max */
        int64_t p50 = hist_percentile(h, 50);
        assert_true(p50 >= v);
        assert_true((double)(p50 - v) / (double)v <= 0.001);
        size_t cursor = 0;
        int64_t lo, hi;
        uint64_t count;
        assert_true(hist_next_bucket(h, &cursor, &lo, &hi, &count));
        assert_true(lo <= v && v <= hi);
        assert_true(count == 1 || v >= hist_lowest_equivalent(HIST_HIGHEST_US));
    }
    for (int i = 0; i < 200000; i++) {
        int64_t v = random_value(&r);
        int64_t hi = hist_highest_equivalent(v);
        assert_true(hist_lowest_equivalent(v) <= v && v <= hi);
        assert_true((double)(hi - v) / (double)v <= 0.001);
    }
    hist_free(h);
}

static void test_powers_of_two_boundaries(void **state)
{
    (void)state;
    hist *h = hist_new();
    uint64_t n = 0;
    for (int k = 0; k < 32; k++) {
        int64_t p = (int64_t)1 << k;
        for (int64_t v = p - 1; v <= p + 1; v++) {
            if (v < 1)
                continue;
            hist_record(h, v);
            n++;
            assert_true(hist_lowest_equivalent(v) <= v && v <= hist_highest_equivalent(v));
        }
    }
    hist_record(h, HIST_HIGHEST_US);
    hist_record(h, HIST_HIGHEST_US - 1);
    n += 2;
    assert_int_equal(hist_count(h), n);
    assert_int_equal(hist_overflow(h), 0);
    assert_int_equal(hist_max(h), HIST_HIGHEST_US);
    uint64_t seen = 0;
    size_t cursor = 0;
    int64_t lo, hi, prev_hi = 0;
    uint64_t count;
    while (hist_next_bucket(h, &cursor, &lo, &hi, &count)) {
        assert_true(lo > prev_hi);
        prev_hi = hi;
        seen += count;
    }
    assert_int_equal(seen, n);
    hist_free(h);
}

/* Nearest-rank percentiles against a sorted sample: the answer is the
 * sorted value's highest equivalent (never above max). */
static void test_percentiles_match_sorting(void **state)
{
    (void)state;
    enum { N = 20001 }; /* odd, so that ranks have fractions */
    rng r;
    rng_seed(&r, 7);
    int64_t *values = malloc(N * sizeof *values);
    hist *h = hist_new();
    for (int i = 0; i < N; i++) {
        /* Latency-like: lognormal around 20 ms with a long tail. */
        values[i] = (int64_t)(20000.0 * exp(0.8 * rng_normal(&r))) + 1;
        hist_record(h, values[i]);
    }
    qsort(values, N, sizeof *values, cmp_i64);
    const double ps[] = {0.01, 1, 10, 25, 33.3, 50, 66.7, 75, 90, 95, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        size_t rank = (size_t)ceil(ps[i] / 100.0 * N - 1e-9);
        int64_t truth = values[rank - 1];
        int64_t want = hist_highest_equivalent(truth);
        if (want > values[N - 1])
            want = values[N - 1];
        int64_t got = hist_percentile(h, ps[i]);
        assert_int_equal(got, want);
        assert_true((double)(got - truth) / (double)truth <= 0.001);
    }
    assert_int_equal(hist_percentile(h, 100), values[N - 1]);
    assert_int_equal(hist_min(h), values[0]);
    assert_int_equal(hist_max(h), values[N - 1]);
    free(values);
    hist_free(h);
}

/* Small exact values: 1..100 are stored exactly (bucket 0). */
static void test_percentiles_small_known_sample(void **state)
{
    (void)state;
    hist *h = hist_new();
    assert_int_equal(hist_percentile(h, 50), 0);
    assert_int_equal(hist_min(h), 0);
    assert_true(hist_mean(h) == 0);
    for (int v = 100; v >= 1; v--)
        hist_record(h, v);
    assert_int_equal(hist_percentile(h, 50), 50);
    assert_int_equal(hist_percentile(h, 50.5), 51);
    assert_int_equal(hist_percentile(h, 99), 99);
    assert_int_equal(hist_percentile(h, 100), 100);
    assert_int_equal(hist_percentile(h, 0.5), 1);
    assert_int_equal(hist_percentile(h, 29), 29); /* 0.29 * 100 is not 30 */
    assert_int_equal(hist_percentile(h, 0), 1);
    assert_float_equal(hist_mean(h), 50.5, 1e-12);
    assert_float_equal(hist_stddev(h), sqrt((100.0 * 100 - 1) / 12), 1e-9);
    assert_float_equal(hist_fraction_below(h, 25), 0.25, 1e-12);
    assert_float_equal(hist_fraction_below(h, 0), 0.0, 0);
    assert_float_equal(hist_fraction_below(h, 1000), 1.0, 0);
    /* At least P% at or below: p30 of {10, 20, 30, 40} is 20 (rank 1.2 -> 2). */
    hist_reset(h);
    for (int v = 10; v <= 40; v += 10)
        hist_record(h, v);
    assert_int_equal(hist_percentile(h, 30), 20);
    assert_int_equal(hist_percentile(h, 25), 10);
    assert_int_equal(hist_percentile(h, 75.01), 40);
    hist_free(h);
}

static void test_clamping_and_overflow(void **state)
{
    (void)state;
    hist *h = hist_new();
    hist_record(h, 0);
    hist_record(h, -5);
    assert_int_equal(hist_min(h), 1);
    assert_int_equal(hist_overflow(h), 0);
    hist_record(h, HIST_HIGHEST_US + 1);
    hist_record_n(h, INT64_MAX, 3);
    assert_int_equal(hist_overflow(h), 4);
    assert_int_equal(hist_count(h), 6);
    assert_int_equal(hist_max(h), HIST_HIGHEST_US);
    assert_int_equal(hist_percentile(h, 100), HIST_HIGHEST_US);
    assert_int_equal(hist_percentile(h, 10), 1);
    hist_free(h);
}

/* Mean and stddev are exact, even for large values close together. */
static void test_exact_statistics(void **state)
{
    (void)state;
    hist *h = hist_new();
    for (int i = 0; i < 1000; i++)
        hist_record(h, HIST_HIGHEST_US - (i & 1));
    assert_float_equal(hist_stddev(h), 0.5, 1e-12);
    assert_float_equal(hist_mean(h), HIST_HIGHEST_US - 0.5, 1e-6);
    hist_reset(h);
    assert_int_equal(hist_count(h), 0);
    assert_float_equal(hist_stddev(h), 0, 0);
    rng r;
    rng_seed(&r, 3);
    long double sum = 0, sum_sq = 0;
    enum { N = 5000 };
    int64_t values[N];
    for (int i = 0; i < N; i++) {
        values[i] = random_value(&r);
        sum += values[i];
        hist_record(h, values[i]);
    }
    long double mean = sum / N;
    for (int i = 0; i < N; i++)
        sum_sq += (values[i] - mean) * (values[i] - mean);
    assert_float_equal(hist_mean(h), (double)mean, 1e-9 * (double)mean);
    double sd = (double)sqrtl(sum_sq / N);
    assert_float_equal(hist_stddev(h), sd, 1e-9 * sd);
    hist_free(h);
}

static void test_record_n_equals_repeated_record(void **state)
{
    (void)state;
    hist *a = hist_new(), *b = hist_new();
    for (int i = 0; i < 1000; i++)
        hist_record(a, 12345);
    hist_record_n(b, 12345, 1000);
    hist_record_n(b, 99, 0); /* a no-op */
    char *ea = hist_encode(a), *eb = hist_encode(b);
    assert_string_equal(ea, eb);
    /* A huge count is one step, not a loop (constant time in COUNT). */
    hist_record_n(b, 7, 1000000000000ull);
    assert_int_equal(hist_count(b), 1000000001000ull);
    assert_int_equal(hist_percentile(b, 50), 7);
    free(ea);
    free(eb);
    hist_free(a);
    hist_free(b);
}

/* Recording allocates nothing (the hot path of the load generator). */
static void test_record_does_not_allocate(void **state)
{
    (void)state;
    hist *h = hist_new();
    rng r;
    rng_seed(&r, 5);
    struct mallinfo2 before = mallinfo2();
    for (int i = 0; i < 100000; i++)
        hist_record(h, random_value(&r));
    struct mallinfo2 after = mallinfo2();
    assert_int_equal(before.uordblks, after.uordblks);
    assert_int_equal(before.hblkhd, after.hblkhd);
    assert_int_equal(hist_count(h), 100000);
    hist_free(h);
}

static void record_sample(hist *h, uint64_t seed, int n)
{
    rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < n; i++)
        hist_record(h, random_value(&r));
}

/* encode(a + b) == encode(histogram of the union). */
static void test_merge_is_exact(void **state)
{
    (void)state;
    hist *a = hist_new(), *b = hist_new(), *u = hist_new(), *empty = hist_new();
    record_sample(a, 1, 30000);
    record_sample(b, 2, 17000);
    hist_record(b, HIST_HIGHEST_US * 2); /* overflow merges too */
    hist_record(a, 0);
    record_sample(u, 1, 30000);
    record_sample(u, 2, 17000);
    hist_record(u, HIST_HIGHEST_US * 2);
    hist_record(u, 0);
    hist_add(a, b);
    hist_add(a, empty);
    char *ea = hist_encode(a), *eu = hist_encode(u);
    assert_non_null(ea);
    assert_string_equal(ea, eu);
    assert_true(hist_mean(a) == hist_mean(u));
    assert_true(hist_stddev(a) == hist_stddev(u));
    assert_int_equal(hist_overflow(a), 1);
    /* Adding into an empty histogram copies. */
    hist_add(empty, u);
    char *ee = hist_encode(empty);
    assert_string_equal(ee, eu);
    free(ea);
    free(eu);
    free(ee);
    hist_free(a);
    hist_free(b);
    hist_free(u);
    hist_free(empty);
}

static void assert_round_trip(const hist *h)
{
    char *text = hist_encode(h);
    assert_non_null(text);
    hist *back = hist_decode(text);
    assert_non_null(back);
    char *again = hist_encode(back);
    assert_string_equal(text, again);
    assert_int_equal(hist_count(back), hist_count(h));
    assert_int_equal(hist_overflow(back), hist_overflow(h));
    assert_int_equal(hist_min(back), hist_min(h));
    assert_int_equal(hist_max(back), hist_max(h));
    assert_true(hist_mean(back) == hist_mean(h));
    assert_true(hist_stddev(back) == hist_stddev(h));
    const double ps[] = {1, 50, 90, 99, 99.9, 100};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        assert_int_equal(hist_percentile(back, ps[i]), hist_percentile(h, ps[i]));
    free(text);
    free(again);
    hist_free(back);
}

static void test_encode_decode_round_trip(void **state)
{
    (void)state;
    hist *h = hist_new();
    assert_round_trip(h); /* empty */
    hist_record(h, 1);
    assert_round_trip(h);
    hist_record(h, HIST_HIGHEST_US + 99);
    assert_round_trip(h); /* overflow */
    record_sample(h, 9, 50000);
    hist_record_n(h, 777, 1ull << 40);
    assert_round_trip(h);
    /* Compact: a typical run of 50k values fits in a few KiB. */
    char *text = hist_encode(h);
    assert_true(strlen(text) < 40000);
    free(text);
    hist_reset(h);
    record_sample(h, 10, 100000);
    text = hist_encode(h);
    hist_free(h);
    h = hist_decode(text);
    assert_non_null(h);
    assert_int_equal(hist_count(h), 100000);
    free(text);
    hist_free(h);
}

static void assert_rejected(const char *text)
{
    hist *h = hist_decode(text);
    if (h)
        fail_msg("decoded garbage: '%.60s'", text);
}

static void test_decode_rejects_garbage(void **state)
{
    (void)state;
    assert_null(hist_decode(NULL));
    assert_rejected("");
    assert_rejected("hello");
    assert_rejected("crest-hist1:");
    assert_rejected("crest-hist1:!!!!");
    assert_rejected("crest-hist1:AAAA");
    assert_rejected("crest-hist1:AA=A");
    assert_rejected("crest-hist2:xwGAuAEAAAAAAAAAAAA=");

    hist *h = hist_new();
    record_sample(h, 11, 1000);
    char *text = hist_encode(h);
    size_t len = strlen(text);
    /* Truncated: the counters no longer add up to the total. */
    char *cut = strdup(text);
    cut[len - 4] = '\0';
    assert_rejected(cut);
    /* Trailing junk. */
    char *longer = malloc(len + 5);
    memcpy(longer, text, len);
    memcpy(longer + len, "AAAA", 5);
    assert_rejected(longer);
    /* A header field changed (still valid base64): the bytes are the magic,
     * the counter count (3 bytes), total (2), overflow, then min. */
    char *edited = strdup(text);
    char *c = edited + strlen("crest-hist1:") + 10;
    *c = *c == 'A' ? 'B' : 'A';
    assert_rejected(edited);
    /* Random bytes, base64-encoded with the right prefix. */
    rng r;
    rng_seed(&r, 99);
    for (int i = 0; i < 200; i++) {
        char buf[256] = "crest-hist1:";
        size_t n = strlen(buf);
        int quads = 1 + (int)rng_range(&r, 0, 40);
        static const char alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int q = 0; q < quads * 4; q++)
            buf[n++] = alphabet[rng_range(&r, 0, 63)];
        buf[n] = '\0';
        assert_rejected(buf);
    }
    free(text);
    free(cut);
    free(longer);
    free(edited);
    hist_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_tile_the_range),
        cmocka_unit_test(test_relative_error_across_range),
        cmocka_unit_test(test_powers_of_two_boundaries),
        cmocka_unit_test(test_percentiles_match_sorting),
        cmocka_unit_test(test_percentiles_small_known_sample),
        cmocka_unit_test(test_clamping_and_overflow),
        cmocka_unit_test(test_exact_statistics),
        cmocka_unit_test(test_record_n_equals_repeated_record),
        cmocka_unit_test(test_record_does_not_allocate),
        cmocka_unit_test(test_merge_is_exact),
        cmocka_unit_test(test_encode_decode_round_trip),
        cmocka_unit_test(test_decode_rejects_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
