/* test_engine_arrivals.c: the engine's open-loop schedule
 * (loadgen/engine_arrivals.c) split across generator threads: uniform
 * arrivals of COUNT threads interleave into exactly the single-thread
 * sequence (same times, none lost or doubled), each thread's own arrivals
 * come in order, closed-loop phases schedule nothing, and Poisson threads
 * superpose to the plan's rate. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "loadgen/engine_arrivals.h"

/* 10 s at 100/s, 5 s closed loop, 10 s ramp 0 -> 200/s: 100*10 + 1000 = 2000. */
static loadplan *three_phases(void)
{
    loadplan *p = loadplan_new("test");
    assert_non_null(p);
    loadplan_add_subsystem(p, "s");
    loadplan_phase *a = loadplan_add_phase(p, "steady", 10);
    a->rate.shape = SHAPE_CONSTANT;
    a->rate.from = a->rate.to = 100;
    loadplan_phase *b = loadplan_add_phase(p, "closed", 5);
    b->connections = 4;
    loadplan_phase *c = loadplan_add_phase(p, "ramp", 10);
    c->rate.shape = SHAPE_RAMP;
    c->rate.from = 0;
    c->rate.to = 200;
    return p;
}

static size_t collect(const loadplan *p, int poisson, unsigned index, unsigned count, rng *r,
                      double *out, size_t cap)
{
    arrival_clock c;
    assert_int_equal(arrival_clock_init(&c, p, poisson, index, count, r), 0);
    size_t n = 0;
    double t, last = -1;
    while ((t = arrival_clock_next(&c)) >= 0) {
        assert_true(t >= last);            /* in order */
        assert_true(t < 10 || t >= 15);    /* nothing in the closed-loop phase */
        assert_true(n < cap);
        out[n++] = last = t;
    }
    arrival_clock_free(&c);
    return n;
}

static int by_time(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_threads_interleave_into_the_single_sequence(void **state)
{
    (void)state;
    loadplan *p = three_phases();
    double *one = calloc(4096, sizeof *one), *all = calloc(4096, sizeof *all);
    assert_non_null(one);
    assert_non_null(all);
    size_t n1 = collect(p, 0, 0, 1, NULL, one, 4096);
    assert_int_equal(n1, 2000);
    for (unsigned threads = 2; threads <= 7; threads++) {
        size_t n = 0;
        for (unsigned k = 0; k < threads; k++)
            n += collect(p, 0, k, threads, NULL, all + n, 4096 - n);
        assert_int_equal(n, n1);
        qsort(all, n, sizeof *all, by_time);
        for (size_t i = 0; i < n; i++)
            assert_true(fabs(all[i] - one[i]) < 1e-9);
    }
    free(one);
    free(all);
    loadplan_free(p);
}

static void test_poisson_threads_superpose_to_the_rate(void **state)
{
    (void)state;
    loadplan *p = three_phases();
    double *buf = calloc(8192, sizeof *buf);
    assert_non_null(buf);
    size_t total = 0;
    for (unsigned k = 0; k < 4; k++) {
        rng r;
        rng_seed(&r, 7 + k);
        total += collect(p, 1, k, 4, &r, buf, 8192);
    }
    /* 2000 expected; 4 sigma of a Poisson count */
    assert_true(fabs((double)total - 2000) < 4 * sqrt(2000));
    free(buf);
    loadplan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_interleave_into_the_single_sequence),
        cmocka_unit_test(test_poisson_threads_superpose_to_the_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
