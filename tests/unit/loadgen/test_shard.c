/* test_shard.c: a fleet shard's part of the plan (loadgen/shard.c): the
 * uniform arrivals of all shards and threads are exactly the single
 * machine's, Poisson shards add up to the plan's rate, users and feeder
 * rows split without overlap or loss (weights included), seeds differ per
 * shard, and --shard / --start-at parse or refuse as documented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/engine_arrivals.h"
#include "loadgen/feeder.h"
#include "loadgen/loadplan.h"
#include "loadgen/shard.h"
#include "tests/unit/unit_tmpdir.h"

static shard_spec parse_ok(const char *text, const char *weights, const char *env)
{
    shard_spec s;
    char err[256];
    if (shard_spec_parse(text, weights, env, &s, err, sizeof err) != 0)
        fail_msg("'%s' refused: %s", text, err);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* All arrival times of PLAN over THREADS clocks, sorted, into *OUT. */
static size_t arrivals(const loadplan *p, int poisson, unsigned threads, double **out)
{
    size_t n = 0, cap = 1024;
    double *t = malloc(cap * sizeof *t);
    for (unsigned k = 0; k < threads; k++) {
        rng r;
        rng_seed(&r, 7 + k);
        arrival_clock c;
        assert_int_equal(arrival_clock_init(&c, p, poisson, k, threads, &r), 0);
        double at;
        while ((at = arrival_clock_next(&c)) >= 0) {
            if (n == cap)
                t = realloc(t, (cap *= 2) * sizeof *t);
            t[n++] = at;
        }
        arrival_clock_free(&c);
    }
    qsort(t, n, sizeof *t, cmp_double);
    *out = t;
    return n;
}

static loadplan *ramp_plan(void)
{
    loadplan *p = loadplan_new("t");
    loadplan_phase *a = loadplan_add_phase(p, "ramp", 2);
    a->rate.shape = SHAPE_RAMP;
    a->rate.from = 100;
    a->rate.to = 700;
    loadplan_phase *b = loadplan_add_phase(p, "steady", 1.5);
    b->rate.from = 333;
    return p;
}

static void test_uniform_shards_are_the_single_machine_sequence(void **state)
{
    (void)state;
    loadplan *p = ramp_plan();
    double *single;
    size_t n = arrivals(p, 0, 1, &single);
    assert_int_equal(n, 1299);   /* Lambda = 800 (ramp) + 499.5: arrivals at n + 1/2 < 1299.5 */
    static const char *const weights[] = {NULL, "3,1,2", "1,1,1,5"};
    static const unsigned counts[] = {4, 3, 4};
    for (int w = 0; w < 3; w++) {
        double *all = malloc(n * sizeof *all);
        size_t total = 0;
        for (unsigned i = 0; i < counts[w]; i++) {
            char spec[32];
            snprintf(spec, sizeof spec, "%u/%u", i, counts[w]);
            shard_spec s = parse_ok(spec, weights[w], NULL);
            loadplan_set_shard(p, &s);
            double *mine;
            size_t m = arrivals(p, 0, 1 + i % 3, &mine);   /* threads differ per shard */
            assert_true(total + m <= n);
            memcpy(all + total, mine, m * sizeof *mine);
            total += m;
            free(mine);
        }
        assert_int_equal(total, n);
        qsort(all, n, sizeof *all, cmp_double);
        for (size_t k = 0; k < n; k++)
            assert_true(fabs(all[k] - single[k]) < 1e-9);
        free(all);
    }
    free(single);
    loadplan_free(p);
}

static void test_poisson_shards_add_up_to_the_rate(void **state)
{
    (void)state;
    loadplan *p = ramp_plan();
    size_t total = 0, first = 0;
    for (unsigned i = 0; i < 4; i++) {
        char spec[8];
        snprintf(spec, sizeof spec, "%u/4", i);
        shard_spec s = parse_ok(spec, "5,1,1,1", NULL);
        loadplan_set_shard(p, &s);
        double *mine;
        size_t m = arrivals(p, 1, 2, &mine);
        free(mine);
        total += m;
        if (i == 0)
            first = m;
    }
    assert_true(total > 1300 - 4 * 36 && total < 1300 + 4 * 36);   /* 4 sigma of Poisson(1300) */
    assert_true(first > 812 - 4 * 29 && first < 812 + 4 * 29);     /* weight 5 of 8 */
    loadplan_free(p);
}

static void test_users_and_rows_split_exactly(void **state)
{
    (void)state;
    static const char *const weights[] = {NULL, "2,1,1", "1,7,1"};
    for (int w = 0; w < 3; w++) {
        for (uint64_t total = 0; total < 40; total++) {
            uint64_t sum = 0, next = 0;
            for (unsigned i = 0; i < 3; i++) {
                char spec[8];
                snprintf(spec, sizeof spec, "%u/3", i);
                shard_spec s = parse_ok(spec, weights[w], NULL);
                sum += shard_split(&s, total);
                uint64_t first, count;
                shard_block(&s, total, &first, &count);
                assert_int_equal(first, next);   /* blocks tile the rows in order */
                next = first + count;
                shard_spec_free(&s);
            }
            assert_int_equal(sum, total);
            assert_int_equal(next, total);
        }
    }
    shard_spec half = parse_ok("0/2", "3,1", NULL);
    assert_int_equal(shard_split(&half, 100), 75);
    assert_true(fabs(shard_fraction(&half) - 0.75) < 1e-12);
    shard_spec_free(&half);
}

static void test_unique_feeder_blocks_never_overlap(void **state)
{
    (void)state;
    char text[4096] = "code\n";
    for (int i = 0; i < 10; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "c%d\n", i);
    const char *path = tmpdir_file("codes.csv", text);
    int seen[10] = {0};
    for (unsigned i = 0; i < 3; i++) {
        feeder *f = feeder_load("c", path, FEEDER_UNIQUE);
        char spec[8];
        snprintf(spec, sizeof spec, "%u/3", i);
        shard_spec s = parse_ok(spec, NULL, NULL);
        uint64_t first, count;
        shard_block(&s, feeder_rows(f), &first, &count);
        feeder_set_block(f, first, count);
        long row;
        while ((row = feeder_pick(f, NULL)) >= 0)
            seen[row]++;
        assert_true(feeder_exhausted(f));
        feeder_free(f);
    }
    for (int i = 0; i < 10; i++)
        assert_int_equal(seen[i], 1);
    /* a sequential feeder wraps inside its block */
    feeder *f = feeder_load("c", path, FEEDER_SEQUENTIAL);
    feeder_set_block(f, 6, 3);
    for (int k = 0; k < 7; k++)
        assert_int_equal(feeder_pick(f, NULL), 6 + k % 3);
    feeder_free(f);
}

static void test_seeds_and_parsing(void **state)
{
    (void)state;
    shard_spec none;
    shard_spec_none(&none);
    assert_int_equal(shard_seed(&none, 42), 42);   /* unsharded runs keep their seed */
    shard_spec a = parse_ok("auto/4", NULL, "2"), b = parse_ok("3/4", NULL, NULL);
    assert_int_equal(a.index, 2);
    assert_int_equal(a.count, 4);
    assert_true(shard_seed(&a, 42) != shard_seed(&b, 42));
    assert_true(shard_seed(&a, 42) != shard_seed(&a, 43));
    assert_int_equal(shard_seed(&a, 42), shard_seed(&a, 42));
    static const struct {
        const char *spec, *weights, *env;
    } bad[] = {{"4/4", NULL, NULL}, {"auto/4", NULL, NULL}, {"auto/4", NULL, "x"},
               {"1", NULL, NULL}, {"-1/3", NULL, NULL}, {"0/0", NULL, NULL},
               {"0/3", "1,1", NULL}, {"0/2", "1,0", NULL}, {"0/2", "1,,1", NULL},
               {"0/2", "1,1,1", NULL}, {"auto/3", NULL, "3"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        shard_spec s;
        char err[256] = "";
        if (shard_spec_parse(bad[i].spec, bad[i].weights, bad[i].env, &s, err, sizeof err) == 0)
            fail_msg("'%s' weights '%s' accepted", bad[i].spec,
                     bad[i].weights ? bad[i].weights : "");
        assert_true(err[0] != '\0');
    }
    double t;
    assert_int_equal(shard_parse_time("2026-11-11T00:00:00Z", &t), 0);
    assert_true(t == 1794355200.0);
    assert_int_equal(shard_parse_time("2026-11-11T08:00:00+08:00", &t), 0);
    assert_true(t == 1794355200.0);
    assert_int_equal(shard_parse_time("2026-11-10T23:00:00.25-01:00", &t), 0);
    assert_true(t == 1794355200.25);
    assert_int_equal(shard_parse_time("1794355200", &t), 0);
    assert_true(t == 1794355200.0);
    assert_int_equal(shard_parse_time("@1794355200.5", &t), 0);
    assert_true(t == 1794355200.5);
    static const char *const bad_times[] = {"2026-11-11T00:00:00", "2026-13-11T00:00:00Z",
                                            "tomorrow", "", "2026-11-11T00:00:00Zjunk",
                                            "2026-11-11T00:00:00+8"};
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++)
        if (shard_parse_time(bad_times[i], &t) == 0)
            fail_msg("'%s' accepted", bad_times[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniform_shards_are_the_single_machine_sequence),
        cmocka_unit_test(test_poisson_shards_add_up_to_the_rate),
        cmocka_unit_test(test_users_and_rows_split_exactly),
        cmocka_unit_test(test_unique_feeder_blocks_never_overlap),
        cmocka_unit_test(test_seeds_and_parsing),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
