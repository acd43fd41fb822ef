/* sim.h: one simulated subsystem's capacity model on a libev loop.
 *
 * A request (a sim_job the caller owns) arriving takes a free worker, whose
 * libev timer runs for one sampled service time, or waits in a FIFO queue;
 * a worker that finishes answers its request and takes the next waiting
 * one. In front of that sit, in this order: error bursts (500 at once), TCP
 * resets (a fraction), the token-bucket rate limit (429), degrade mode
 * (answer from "cache" at once once queue_above requests wait) and the
 * queue limit (503).
 *
 * Time is simulated exactly: each worker runs on its own virtual clock, so
 * a job taken from the queue starts when the previous one was due to end
 * (or when it arrived, if later), not when the timer happened to fire.
 * Timer lateness (libev rounds waits up to whole milliseconds) therefore
 * delays answers a little but never lowers throughput: with every worker
 * busy the subsystem completes exactly workers / mean service time requests
 * per second. Stalls hold every answer due inside the window until its end
 * and make new work wait for it, like a GC pause.
 *
 * Counts are exact: every submitted job ends in exactly one of served,
 * rejected_503, rejected_429, errors_500, resets or abandoned, or is still
 * in flight (requests = the sum of those + in_flight). */
#ifndef CREST_TESTBED_SIM_H
#define CREST_TESTBED_SIM_H

#include <stdint.h>
#include <ev.h>

#include "testbed/config.h"

typedef enum sim_outcome {
    SIM_QUEUED,      /* submit: accepted; the done callback answers it later */
    SIM_OK,          /* answer 200 (done callback) */
    SIM_DEGRADED,    /* submit: answer 200 now, from "cache" (X-Degraded: 1) */
    SIM_REJECT_503,  /* submit: queue full */
    SIM_REJECT_429,  /* submit: rate limited */
    SIM_ERROR_500,   /* submit or done callback: injected error burst */
    SIM_RESET        /* submit: reset the connection, no answer */
} sim_outcome;

/* Embedded in whatever the caller uses for a request; the simulator links
 * it into its queue and never frees it. */
typedef struct sim_job {
    struct sim_job *next;
    double arrival;     /* loop time it was submitted */
    double done_at;     /* virtual time its answer was due (set before done) */
    int abandoned;      /* set by the caller once nobody waits for the answer */
    int stalled;        /* held or delayed by a stall */
} sim_job;

/* Called when a queued job finishes, with SIM_OK or SIM_ERROR_500, also for
 * abandoned jobs (counted as such) so that the caller can free them. The
 * callback may submit new jobs. */
typedef void (*sim_done_fn)(sim_job *job, sim_outcome outcome, void *ctx);

typedef struct sim_counters {
    uint64_t requests;        /* submitted */
    uint64_t served;          /* answered 2xx, degraded included */
    uint64_t degraded;
    uint64_t rejected_503;
    uint64_t rejected_429;
    uint64_t errors_500;
    uint64_t resets;
    uint64_t abandoned;       /* finished after the client had gone */
    uint64_t stalled;         /* answers held or delayed by a stall */
    long queue_high_water;    /* longest wait queue */
} sim_counters;

typedef struct sim_subsystem sim_subsystem;

/* A subsystem with CFG (copied) whose fault windows count from START (loop
 * time). NULL when out of memory. Free with sim_subsystem_free, which stops
 * the timers; jobs still in flight are dropped without callbacks (the caller
 * owns and frees them). */
sim_subsystem *sim_subsystem_new(struct ev_loop *loop, const char *name,
                                 const subsystem_config *cfg, uint64_t seed, double start,
                                 sim_done_fn done, void *ctx);
void sim_subsystem_free(sim_subsystem *s);

/* Submits JOB at the loop's current time. Returns SIM_QUEUED (the done
 * callback will be called) or an outcome to answer at once. */
sim_outcome sim_submit(sim_subsystem *s, sim_job *job);

const char *sim_name(const sim_subsystem *s);
const subsystem_config *sim_config(const sim_subsystem *s);
const sim_counters *sim_get_counters(const sim_subsystem *s);
long sim_queue_length(const sim_subsystem *s);
int sim_busy_workers(const sim_subsystem *s);
/* Jobs submitted and not finished: busy workers + waiting. */
long sim_in_flight(const sim_subsystem *s);
/* Zeroes the counters; the high-water mark restarts at the current queue. */
void sim_reset_counters(sim_subsystem *s);

#endif
