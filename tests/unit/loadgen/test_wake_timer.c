/* test_wake_timer.c: the scheduler's wake timer (loadgen/wake_timer.c):
 * what it decides (one-shot for sparse deadlines, ticking for dense ones,
 * nothing re-armed while ticking covers the next deadline, an earlier
 * deadline replacing a later one-shot), and a real timerfd that fires at a
 * one-shot deadline, keeps ticking, and stops when disarmed. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/clock.h"
#include "loadgen/wake_timer.h"

#define US 1000ull
#define MS 1000000ull

static void test_plan_sparse_and_dense(void **state)
{
    (void)state;
    wake_timer t = {.fd = -1, .granularity_ns = 250 * US};
    uint64_t now = 1000 * MS;
    /* far away: a one-shot at the exact instant */
    assert_int_equal(wake_timer_plan(&t, now, now + 10 * MS, 1), WAKE_ONESHOT);
    /* within a granularity, or already past: tick */
    assert_int_equal(wake_timer_plan(&t, now, now + 100 * US, 1), WAKE_TICK);
    assert_int_equal(wake_timer_plan(&t, now, now - 5 * US, 1), WAKE_TICK);
    assert_int_equal(wake_timer_plan(&t, now, now + 250 * US, 1), WAKE_TICK);
    /* nothing due and nothing armed: nothing to do */
    assert_int_equal(wake_timer_plan(&t, now, WAKE_TIMER_NEVER, 1), WAKE_KEEP);
}

static void test_plan_ticking(void **state)
{
    (void)state;
    wake_timer t = {.fd = -1, .granularity_ns = 250 * US, .ticking = 1};
    uint64_t now = 1000 * MS;
    /* dense arrivals while ticking: never re-armed */
    for (uint64_t gap = 0; gap <= 250 * US; gap += 33 * US)
        assert_int_equal(wake_timer_plan(&t, now, now + gap, 1), WAKE_KEEP);
    /* the next thing is far: back to an exact one-shot */
    assert_int_equal(wake_timer_plan(&t, now, now + 5 * MS, 1), WAKE_ONESHOT);
    /* one more thing due later: the ticks come sooner anyway */
    assert_int_equal(wake_timer_plan(&t, now, now + 5 * MS, 0), WAKE_KEEP);
    assert_int_equal(wake_timer_plan(&t, now, WAKE_TIMER_NEVER, 1), WAKE_DISARM);
}

static void test_plan_oneshot(void **state)
{
    (void)state;
    uint64_t now = 1000 * MS;
    wake_timer t = {.fd = -1, .granularity_ns = 250 * US, .oneshot_ns = now + 10 * MS};
    assert_int_equal(wake_timer_plan(&t, now, now + 10 * MS, 1), WAKE_KEEP);
    /* exact: the next thing is later than what is armed, re-arm */
    assert_int_equal(wake_timer_plan(&t, now, now + 20 * MS, 1), WAKE_ONESHOT);
    /* one more thing, later than what is armed: that wake comes first */
    assert_int_equal(wake_timer_plan(&t, now, now + 20 * MS, 0), WAKE_KEEP);
    /* one more thing, earlier: armed sooner */
    assert_int_equal(wake_timer_plan(&t, now, now + 5 * MS, 0), WAKE_ONESHOT);
    assert_int_equal(wake_timer_plan(&t, now, now + 100 * US, 0), WAKE_TICK);
}

static int readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void test_timerfd_oneshot_then_ticks(void **state)
{
    (void)state;
    wake_timer t;
    char err[128];
    assert_int_equal(wake_timer_init(&t, 2 * MS, err, sizeof err), 0);
    assert_false(readable(t.fd, 0));

    uint64_t now = clock_now_ns();
    wake_timer_next(&t, now, now + 20 * MS);
    assert_int_equal(t.oneshot_ns, now + 20 * MS);
    assert_int_equal(t.ticking, 0);
    assert_true(readable(t.fd, 2000));
    assert_true(clock_now_ns() >= now + 20 * MS);   /* never early */
    wake_timer_ack(&t);
    assert_int_equal(t.oneshot_ns, 0);
    assert_false(readable(t.fd, 40));               /* a one-shot fires once */

    now = clock_now_ns();
    wake_timer_next(&t, now, now + 1 * MS);         /* dense: ticking */
    assert_int_equal(t.ticking, 1);
    for (int i = 0; i < 3; i++) {
        assert_true(readable(t.fd, 2000));
        wake_timer_ack(&t);
        wake_timer_next(&t, clock_now_ns(), clock_now_ns() + MS);  /* keeps ticking */
        assert_int_equal(t.ticking, 1);
    }
    wake_timer_stop(&t);
    assert_int_equal(t.ticking, 0);
    wake_timer_ack(&t);                             /* a tick may have come meanwhile */
    assert_false(readable(t.fd, 40));
    wake_timer_close(&t);
    assert_int_equal(t.fd, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_sparse_and_dense),
        cmocka_unit_test(test_plan_ticking),
        cmocka_unit_test(test_plan_oneshot),
        cmocka_unit_test(test_timerfd_oneshot_then_ticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
