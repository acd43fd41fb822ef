/* sim.c: see sim.h. One ev_timer per worker; the wait queue is an intrusive
 * FIFO of the caller's jobs, so submitting and finishing never allocate. */
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "testbed/sim.h"

typedef struct worker {
    ev_timer timer;
    sim_subsystem *sub;
    sim_job *job;        /* NULL when free */
    double end;          /* virtual time the current job is due (since start) */
} worker;

struct sim_subsystem {
    struct ev_loop *loop;
    const char *name;
    subsystem_config cfg;
    double start;        /* fault windows count from here */
    worker *workers;
    worker **free_workers;
    int nfree;
    sim_job *head, *tail;
    long queued;
    token_bucket bucket;
    rng rng;
    sim_counters n;
    sim_done_fn done;
    void *ctx;
};

static void worker_due(struct ev_loop *loop, ev_timer *t, int revents);

sim_subsystem *sim_subsystem_new(struct ev_loop *loop, const char *name,
                                 const subsystem_config *cfg, uint64_t seed, double start,
                                 sim_done_fn done, void *ctx)
{
    sim_subsystem *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->workers = calloc((size_t)cfg->workers, sizeof *s->workers);
    s->free_workers = calloc((size_t)cfg->workers, sizeof *s->free_workers);
    if (!s->workers || !s->free_workers) {
        free(s->workers);
        free(s->free_workers);
        free(s);
        return NULL;
    }
    s->loop = loop;
    s->name = name;
    s->cfg = *cfg;
    s->start = start;
    s->done = done;
    s->ctx = ctx;
    rng_seed(&s->rng, seed);
    token_bucket_init(&s->bucket, cfg->rate, cfg->burst, start);
    /* Free workers are taken from the top of the stack: push in reverse so
     * worker 0 goes first (only matters for reading traces). */
    for (int i = cfg->workers - 1; i >= 0; i--) {
        worker *w = &s->workers[i];
        w->sub = s;
        ev_init(&w->timer, worker_due);
        w->timer.data = w;
        s->free_workers[s->nfree++] = w;
    }
    return s;
}

void sim_subsystem_free(sim_subsystem *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->cfg.workers; i++)
        ev_timer_stop(s->loop, &s->workers[i].timer);
    free(s->workers);
    free(s->free_workers);
    free(s);
}

/* REL (seconds since the start) pushed past any stall window it falls in.
 * Virtual times are kept relative to the start: loop time is seconds since
 * 1970, where a double resolves only ~0.2 us and sums of service times
 * would drift. */
static double after_stalls(const sim_subsystem *s, double rel)
{
    for (;;) {
        double end = fault_window_end(&s->cfg.stall, rel);
        if (end <= rel)    /* -1: outside every window */
            return rel;
        rel = end;
    }
}

static void start_job(sim_subsystem *s, worker *w, sim_job *job, double start)
{
    double begin = after_stalls(s, start);
    double end = begin + service_dist_sample(&s->cfg.service, &s->rng);
    double held = after_stalls(s, end);
    job->stalled = begin > start || held > end;
    w->job = job;
    w->end = held;
    ev_timer_set(&w->timer, held - (ev_now(s->loop) - s->start), 0.);
    ev_timer_start(s->loop, &w->timer);
}

static int in_error_burst(const sim_subsystem *s, double rel)
{
    return fault_window_end(&s->cfg.error_burst, rel) >= 0;
}

static void worker_due(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    worker *w = t->data;
    sim_subsystem *s = w->sub;
    sim_job *job = w->job;
    double end = w->end;
    w->job = NULL;

    /* Hand the worker its next job before answering: the answer may submit
     * the connection's next request, which must queue behind this one. A
     * job that waited starts when this one was due, not when the timer
     * fired, so timer lateness never costs throughput. */
    sim_job *next = s->head;
    if (next) {
        s->head = next->next;
        if (!s->head)
            s->tail = NULL;
        s->queued--;
        next->next = NULL;
        double arrived = next->arrival - s->start;
        start_job(s, w, next, arrived > end ? arrived : end);
    } else {
        s->free_workers[s->nfree++] = w;
    }

    sim_outcome outcome = in_error_burst(s, end) ? SIM_ERROR_500 : SIM_OK;
    job->done_at = s->start + end;
    if (job->stalled)
        s->n.stalled++;
    if (job->abandoned)
        s->n.abandoned++;
    else if (outcome == SIM_ERROR_500)
        s->n.errors_500++;
    else
        s->n.served++;
    s->done(job, outcome, s->ctx);
}

sim_outcome sim_submit(sim_subsystem *s, sim_job *job)
{
    double now = ev_now(s->loop), rel = now - s->start;
    job->next = NULL;
    job->arrival = now;
    job->done_at = 0;
    job->abandoned = 0;
    job->stalled = 0;
    s->n.requests++;

    if (in_error_burst(s, rel)) {
        s->n.errors_500++;
        return SIM_ERROR_500;
    }
    if (s->cfg.reset_fraction > 0 && rng_uniform(&s->rng) < s->cfg.reset_fraction) {
        s->n.resets++;
        return SIM_RESET;
    }
    if (s->cfg.rate_limited && !token_bucket_take(&s->bucket, now)) {
        s->n.rejected_429++;
        return SIM_REJECT_429;
    }
    if (s->nfree > 0) {
        start_job(s, s->free_workers[--s->nfree], job, rel);
        return SIM_QUEUED;
    }
    if (s->cfg.degrade && s->queued >= s->cfg.degrade_above) {
        s->n.served++;
        s->n.degraded++;
        return SIM_DEGRADED;
    }
    if (s->queued >= s->cfg.queue_limit) {
        s->n.rejected_503++;
        return SIM_REJECT_503;
    }
    if (s->tail)
        s->tail->next = job;
    else
        s->head = job;
    s->tail = job;
    s->queued++;
    if (s->queued > s->n.queue_high_water)
        s->n.queue_high_water = s->queued;
    return SIM_QUEUED;
}

const char *sim_name(const sim_subsystem *s) { return s->name; }
const subsystem_config *sim_config(const sim_subsystem *s) { return &s->cfg; }
const sim_counters *sim_get_counters(const sim_subsystem *s) { return &s->n; }
long sim_queue_length(const sim_subsystem *s) { return s->queued; }
int sim_busy_workers(const sim_subsystem *s) { return s->cfg.workers - s->nfree; }
long sim_in_flight(const sim_subsystem *s) { return s->queued + sim_busy_workers(s); }

void sim_reset_counters(sim_subsystem *s)
{
    memset(&s->n, 0, sizeof s->n);
    s->n.queue_high_water = s->queued;
}
