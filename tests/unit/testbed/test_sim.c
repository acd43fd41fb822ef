/* test_sim.c: the simulated subsystem on a real libev loop: the
 * capacity identity in virtual time (workers / mean service time, whatever
 * the timer lateness), FIFO order, queue limit (503), degrade mode, rate
 * limit (429), resets, error bursts, stalls, abandoned jobs, and exact
 * counts (requests = outcomes + in flight). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testbed/sim.h"

#define MAX_JOBS 20000

typedef struct recorder {
    sim_job jobs[MAX_JOBS];
    int order[MAX_JOBS];       /* job indices in completion order */
    sim_outcome outcome[MAX_JOBS];
    int ndone;
} recorder;

static void on_done(sim_job *job, sim_outcome outcome, void *ctx)
{
    recorder *r = ctx;
    int idx = (int)(job - r->jobs);
    r->order[r->ndone] = idx;
    r->outcome[idx] = outcome;
    r->ndone++;
}

static subsystem_config plain(int workers, service_dist_kind kind, double mean_s)
{
    subsystem_config c;
    memset(&c, 0, sizeof c);
    c.workers = workers;
    service_dist_init(&c.service, kind, mean_s, 0.5);
    c.queue_limit = 1000000;
    return c;
}

static void check_invariant(const sim_subsystem *s)
{
    const sim_counters *n = sim_get_counters(s);
    uint64_t outcomes = n->served + n->rejected_503 + n->rejected_429 + n->errors_500 +
                        n->resets + n->abandoned;
    assert_true(n->requests == outcomes + (uint64_t)sim_in_flight(s));
}

static void test_capacity_identity_fixed(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    recorder *r = calloc(1, sizeof *r);
    subsystem_config cfg = plain(4, SERVICE_FIXED, 0.001);
    double start = ev_now(loop);
    sim_subsystem *s = sim_subsystem_new(loop, "t", &cfg, 1, start, on_done, r);
    for (int i = 0; i < 400; i++)
        assert_int_equal(sim_submit(s, &r->jobs[i]), SIM_QUEUED);
    assert_int_equal(sim_busy_workers(s), 4);
    assert_int_equal(sim_queue_length(s), 396);
    assert_int_equal(sim_get_counters(s)->queue_high_water, 396);
    check_invariant(s);
    ev_run(loop, 0);
    assert_int_equal(r->ndone, 400);
    /* FIFO, and job k is due exactly at start + (k/4 + 1) ms: throughput
     * is exactly 4 / 1 ms although the timers fire late. */
    for (int k = 0; k < 400; k++) {
        double want = start + (k / 4 + 1) * 0.001;
        if (fabs(r->jobs[k].done_at - want) > 1e-6)
            fail_msg("job %d due at %.6f, expected %.6f", k, r->jobs[k].done_at - start,
                     want - start);
        assert_int_equal(r->outcome[k], SIM_OK);
    }
    for (int k = 1; k < 400; k++)
        assert_true(r->jobs[r->order[k]].done_at >= r->jobs[r->order[k - 1]].done_at);
    assert_true(sim_get_counters(s)->served == 400);
    assert_int_equal(sim_in_flight(s), 0);
    check_invariant(s);
    sim_subsystem_free(s);
    ev_loop_destroy(loop);
    free(r);
}

static void test_capacity_identity_random(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    recorder *r = calloc(1, sizeof *r);
    const service_dist_kind kinds[2] = {SERVICE_EXPONENTIAL, SERVICE_LOGNORMAL};
    for (int k = 0; k < 2; k++) {
        memset(r, 0, sizeof *r);
        ev_now_update(loop);
        subsystem_config cfg = plain(20, kinds[k], 0.001);
        double start = ev_now(loop);
        sim_subsystem *s = sim_subsystem_new(loop, "t", &cfg, 3, start, on_done, r);
        int n = 8000;    /* 0.4 s of virtual (and real) time */
        for (int i = 0; i < n; i++)
            sim_submit(s, &r->jobs[i]);
        ev_run(loop, 0);
        assert_int_equal(r->ndone, n);
        double last = 0;
        for (int i = 0; i < n; i++)
            if (r->jobs[i].done_at > last)
                last = r->jobs[i].done_at;
        double rate = n / (last - start);
        if (fabs(rate / 20000.0 - 1) > 0.03)
            fail_msg("%s: %.0f/s, configured capacity 20000/s", service_dist_name(kinds[k]), rate);
        sim_subsystem_free(s);
    }
    ev_loop_destroy(loop);
    free(r);
}

static void test_queue_limit_rejects_503(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    recorder *r = calloc(1, sizeof *r);
    subsystem_config cfg = plain(2, SERVICE_FIXED, 0.001);
    cfg.queue_limit = 3;
    sim_subsystem *s = sim_subsystem_new(loop, "t", &cfg, 1, ev_now(loop), on_done, r);
    int queued = 0, rejected = 0;
    for (int i = 0; i < 10; i++) {
        sim_outcome o = sim_submit(s, &r->jobs[i]);
        queued += o == SIM_QUEUED;
        rejected += o == SIM_REJECT_503;
    }
    assert_int_equal(queued, 5);
    assert_int_equal(rejected, 5);
    assert_true(sim_get_counters(s)->rejected_503 == 5);
    assert_int_equal(sim_get_counters(s)->queue_high_water, 3);
    check_invariant(s);
    ev_run(loop, 0);
    assert_int_equal(r->ndone, 5);
    assert_true(sim_get_counters(s)->served == 5);
    check_invariant(s);
    sim_reset_counters(s);
    assert_true(sim_get_counters(s)->requests == 0 && sim_get_counters(s)->served == 0);
    sim_subsystem_free(s);
    ev_loop_destroy(loop);
    free(r);
}

static void test_degrade_answers_at_once(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    recorder *r = calloc(1, sizeof *r);
    subsystem_config cfg = plain(2, SERVICE_FIXED, 0.001);
    cfg.degrade = 1;
    cfg.degrade_above = 2;
    sim_subsystem *s = sim_subsystem_new(loop, "t", &cfg, 1, ev_now(loop), on_done, r);
    int degraded = 0;
    for (int i = 0; i < 10; i++)
        degraded += sim_submit(s, &r->jobs[i]) == SIM_DEGRADED;
    assert_int_equal(degraded, 6);    /* 2 at workers, 2 waiting, the rest from cache */
    const sim_counters *n = sim_get_counters(s);
    assert_true(n->degraded == 6 && n->served == 6);
    ev_run(loop, 0);
    assert_true(n->served == 10 && n->degraded == 6);
    check_invariant(s);
    sim_subsystem_free(s);
    ev_loop_destroy(loop);
    free(r);
}

static void test_rate_limit_429(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    recorder *r = calloc(1, sizeof *r);
    subsystem_config cfg = plain(100, SERVICE_FIXED, 0.001);
    cfg.rate_limited = 1;
    cfg.rate = 100;
    cfg.burst = 5;
    sim_subsystem *s = sim_subsystem_new(loop, "t", &cfg, 1, ev_now(loop), on_done, r);
    int limited = 0;
    for (int i = 0; i < 10; i++)
        limited += sim_submit(s, &r->jobs[i]) == SIM_REJECT_429;
    assert_int_equal(limited, 5);
    assert_true(sim_get_counters(s)->rejected_429 == 5);
    ev_run(loop, 0);
    check_invariant(s);
    sim_subsystem_free(s);
    ev_loop_destroy(loop);
    free(r);
}

static void test_resets_and_error_bursts(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    recorder *r = calloc(1, sizeof *r);
    subsystem_config cfg = plain(1000, SERVICE_FIXED, 0.0001);
    cfg.reset_fraction = 0.25;
    sim_subsystem *s = sim_subsystem_new(loop, "t", &cfg, 9, ev_now(loop), on_done, r);
    int resets = 0;
    for (int i = 0; i < 10000; i++) {
        resets += sim_submit(s, &r->jobs[i]) == SIM_RESET;
        if (i % 500 == 0)
            ev_run(loop, 0);
    }
    ev_run(loop, 0);
    assert_true(abs(resets - 2500) < 200);
    assert_true(sim_get_counters(s)->resets == (uint64_t)resets);
    assert_true(sim_get_counters(s)->served == (uint64_t)(10000 - resets));
    check_invariant(s);
    sim_subsystem_free(s);

    /* Started 1.05 s ago with a 100 ms burst every second: now is inside. */
    cfg = plain(2, SERVICE_FIXED, 0.001);
    cfg.error_burst.every_s = 1;
    cfg.error_burst.for_s = 0.1;
    s = sim_subsystem_new(loop, "t", &cfg, 1, ev_now(loop) - 1.05, on_done, r);
    assert_int_equal(sim_submit(s, &r->jobs[0]), SIM_ERROR_500);
    assert_true(sim_get_counters(s)->errors_500 == 1);
    sim_subsystem_free(s);
    /* Started 1.0995 s ago: accepted, but due inside the burst: a 500. */
    memset(r, 0, sizeof *r);
    s = sim_subsystem_new(loop, "t", &cfg, 1, ev_now(loop) - 0.9995, on_done, r);
    assert_int_equal(sim_submit(s, &r->jobs[0]), SIM_QUEUED);
    ev_run(loop, 0);
    assert_int_equal(r->outcome[0], SIM_ERROR_500);
    assert_true(sim_get_counters(s)->errors_500 == 1 && sim_get_counters(s)->served == 0);
    check_invariant(s);
    sim_subsystem_free(s);
    ev_loop_destroy(loop);
    free(r);
}

static void test_stall_holds_answers(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    recorder *r = calloc(1, sizeof *r);
    subsystem_config cfg = plain(2, SERVICE_FIXED, 0.002);
    cfg.stall.every_s = 1;
    cfg.stall.for_s = 0.05;
    /* 1.001 s in: inside the first stall window [1.0, 1.05). */
    double now = ev_now(loop), start = now - 1.001;
    sim_subsystem *s = sim_subsystem_new(loop, "t", &cfg, 1, start, on_done, r);
    for (int i = 0; i < 3; i++)
        assert_int_equal(sim_submit(s, &r->jobs[i]), SIM_QUEUED);
    ev_run(loop, 0);
    /* new work waits for the end of the stall, then runs normally */
    assert_true(fabs(r->jobs[0].done_at - (start + 1.052)) < 1e-6);
    assert_true(fabs(r->jobs[1].done_at - (start + 1.052)) < 1e-6);
    assert_true(fabs(r->jobs[2].done_at - (start + 1.054)) < 1e-6);
    assert_true(sim_get_counters(s)->stalled == 2);
    assert_true(ev_now(loop) - now >= 0.05);    /* really held, not only on paper */
    sim_subsystem_free(s);

    /* Due inside the window: held until its end. */
    memset(r, 0, sizeof *r);
    now = ev_now(loop);
    start = now - 0.999;    /* the window opens 1 ms from now */
    s = sim_subsystem_new(loop, "t", &cfg, 1, start, on_done, r);
    assert_int_equal(sim_submit(s, &r->jobs[0]), SIM_QUEUED);
    ev_run(loop, 0);
    assert_true(fabs(r->jobs[0].done_at - (start + 1.05)) < 1e-6);
    assert_int_equal(r->outcome[0], SIM_OK);
    assert_true(sim_get_counters(s)->stalled == 1 && sim_get_counters(s)->served == 1);
    sim_subsystem_free(s);
    ev_loop_destroy(loop);
    free(r);
}

static void test_abandoned_jobs_still_take_a_worker(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    recorder *r = calloc(1, sizeof *r);
    subsystem_config cfg = plain(1, SERVICE_FIXED, 0.001);
    double start = ev_now(loop);
    sim_subsystem *s = sim_subsystem_new(loop, "t", &cfg, 1, start, on_done, r);
    for (int i = 0; i < 3; i++)
        sim_submit(s, &r->jobs[i]);
    r->jobs[1].abandoned = 1;
    ev_run(loop, 0);
    assert_int_equal(r->ndone, 3);    /* the callback frees abandoned jobs too */
    assert_true(fabs(r->jobs[2].done_at - (start + 0.003)) < 1e-6);
    const sim_counters *n = sim_get_counters(s);
    assert_true(n->served == 2 && n->abandoned == 1);
    check_invariant(s);
    sim_subsystem_free(s);
    ev_loop_destroy(loop);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_identity_fixed),
        cmocka_unit_test(test_capacity_identity_random),
        cmocka_unit_test(test_queue_limit_rejects_503),
        cmocka_unit_test(test_degrade_answers_at_once),
        cmocka_unit_test(test_rate_limit_429),
        cmocka_unit_test(test_resets_and_error_bursts),
        cmocka_unit_test(test_stall_holds_answers),
        cmocka_unit_test(test_abandoned_jobs_still_take_a_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
