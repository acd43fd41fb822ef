/* engine_worker.c: a generator thread, the engine's hot path (see
 * engine_worker.h for what it shares with engine.c, docs/engine.md).
 *
 * Admission control is here: a request is handed to the transport only
 * when a slot (one request in flight on one connection) is free; otherwise
 * it waits in this thread's FIFO queue, and that wait is its "connection
 * wait".
 *
 * Time: every request carries four CLOCK_MONOTONIC timestamps: intended
 * (when the plan says it should go), handled (when the scheduler got to
 * it), sent (handed to the transport) and done. Latency is done - intended
 * for every plan shape, so a stalled server or a slow generator can never
 * hide latency (no coordinated omission). The scheduler sends everything
 * due whenever it runs: before the loop sleeps (an ev_prepare) and on a
 * timerfd (wake_timer.h) that is a one-shot at the exact nanosecond of the
 * next thing due when that is far, and ticks every GRANULARITY_NS, armed
 * once, while things are due closer together (no timer syscall per
 * arrival). libev's own timers round to milliseconds with epoll, which
 * would show up as loop lag. With send_batch_s (--send-batch) the ticks
 * come at that period and alone send (no prepare hook): fewer wakeups,
 * coarser timing, the lag still measured.
 *
 * Open loop: arrival times come from engine_arrivals.c, split across the
 * threads. Closed loop: each thread runs its share of the phase's
 * connections as "users" that send, wait for the answer, think, and send
 * again; their intended time is the end of the think time.
 *
 * Statistics: each thread records into its own run_result and its
 * current-second interval; once per second the interval goes to the
 * shared per-second store (engine_seconds.c). Only requests whose intended
 * time is inside the measured window (after warmup) count.
 *
 * Nothing on the per-request path allocates: slots, render buffers, header
 * pointer arrays, the queue and the users' heap are preallocated (the
 * queue grows by doubling only when it overflows, i.e. under overload). */
#include "loadgen/engine_worker.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/error.h"

/* ---- small helpers ---------------------------------------------------- */

static size_t tag_of(const worker *w, uint32_t endpoint)
{
    return w->eng->plan->endpoints[endpoint].subsystem;
}

static int64_t us_between(uint64_t from_ns, uint64_t to_ns)
{
    return to_ns > from_ns ? (int64_t)((to_ns - from_ns) / 1000) : 0;
}

static void heap_push(worker *w, uint64_t at, uint32_t user)
{
    size_t i = w->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (w->heap[parent].at_ns <= at)
            break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i].at_ns = at;
    w->heap[i].user = user;
}

static wake heap_pop(worker *w)
{
    wake top = w->heap[0];
    wake last = w->heap[--w->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->nheap)
            break;
        if (c + 1 < w->nheap && w->heap[c + 1].at_ns < w->heap[c].at_ns)
            c++;
        if (w->heap[c].at_ns >= last.at_ns)
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->nheap)
        w->heap[i] = last;
    return top;
}

/* Moves the current-second interval to the shared store when NOW has left
 * that second. Called on every recorded event and by housekeeping. */
static void roll_second(worker *w, uint64_t now)
{
    if (now < w->next_sec_ns)
        return;
    engine *e = w->eng;
    uint64_t sec = now > e->measure_ns ? (now - e->measure_ns) / NS : 0;
    size_t last = e->store.nseconds ? e->store.nseconds - 1 : 0;
    if (sec > last)
        sec = last;
    w->iv.sec = (int64_t)w->cur_sec;
    second_store_flush(&e->store, w->id, &w->iv, sec);
    interval_clear(&w->iv);
    w->cur_sec = sec;
    w->next_sec_ns = sec >= last ? UINT64_MAX : e->measure_ns + (sec + 1) * NS;
}

static void count_scheduled(worker *w, const pending *p)
{
    size_t tag = tag_of(w, p->endpoint);
    w->res.total.c.scheduled++;
    w->res.tags[tag].c.scheduled++;
    w->iv.total.offered++;
    w->iv.tags[tag].offered++;
}

static void count_dropped(worker *w, const pending *p)
{
    if (!p->measured)
        return;
    size_t tag = tag_of(w, p->endpoint);
    w->res.total.c.dropped++;
    w->res.tags[tag].c.dropped++;
    w->iv.total.dropped++;
    w->iv.tags[tag].dropped++;
}

static void count_cancelled_side(worker *w, const pending *p, int side);

/* A request that never went out (both sides, in a shadow run). */
static void count_cancelled(worker *w, const pending *p)
{
    count_cancelled_side(w, p, 0);
    if (w->eng->o.shadow)
        count_cancelled_side(w, p, 1);
}

/* One finished request's durations, in microseconds, computed once for
 * every place that records them. */
typedef struct request_times {
    int64_t latency, service, send_lag, loop_lag, conn_wait;
} request_times;

static request_times times_of(const pending *p, uint64_t sent, uint64_t done)
{
    return (request_times){.latency = us_between(p->intended_ns, done),
                           .service = us_between(sent, done),
                           .send_lag = us_between(p->intended_ns, sent),
                           .loop_lag = us_between(p->intended_ns, p->handled_ns),
                           .conn_wait = us_between(p->handled_ns, sent)};
}

static void record_hists(latency_hists *h, const request_times *t, int timed)
{
    if (timed) {
        hist_record(h->latency, t->latency);
        hist_record(h->service, t->service);
    }
    hist_record(h->send_lag, t->send_lag);
    hist_record(h->loop_lag, t->loop_lag);
    hist_record(h->conn_wait, t->conn_wait);
}

/* Classifies one finished request and records it everywhere. Latency is
 * recorded for requests answered with an HTTP status; network errors are
 * counted by kind but not timed (a refused connection is not "fast"). */
static void record_side(worker *w, const slot *s, const transport_result *r, int side)
{
    const pending *p = &s->req;
    if (!p->measured)
        return;
    const loadplan *plan = w->eng->plan;
    size_t tag = tag_of(w, p->endpoint);
    run_result *res = side ? &w->cres : &w->res;
    counters *c[2] = {&res->total.c, &res->tags[tag].c};
    second_stats *iv[2] = {&w->iv.total, &w->iv.tags[tag]};
    second_stats scratch[2];      /* the candidate has no per-second series */
    if (side) {
        memset(scratch, 0, sizeof scratch);
        iv[0] = &scratch[0];
        iv[1] = &scratch[1];
    }
    int timed = r->net_error < 0;
    for (int i = 0; i < 2; i++) {
        c[i]->completed++;
        iv[i]->completed++;
        if (r->net_error >= 0) {
            c[i]->errors++;
            c[i]->net_errors++;
            c[i]->net[r->net_error]++;
            iv[i]->errors++;
            iv[i]->net[r->net_error]++;
            continue;
        }
        enum status_class sc = status_class_of(r->status);
        c[i]->status[sc]++;
        iv[i]->status[sc]++;
        /* A degraded answer (2xx/3xx with the subsystem's shed header) was
         * refused work too, only politer than a 429. */
        if (loadplan_is_shed(plan, tag, r->status) ||
            (r->shed_header && (sc == STATUS_2XX || sc == STATUS_3XX))) {
            c[i]->shed++;
            iv[i]->shed++;
        } else if (sc == STATUS_2XX || sc == STATUS_3XX) {
            c[i]->ok++;
            iv[i]->ok++;
        } else {
            c[i]->errors++;
            c[i]->http_errors++;
            iv[i]->errors++;
        }
    }
    request_times t = times_of(p, s->sent_ns, r->done_ns);
    record_hists(&res->total.h, &t, timed);
    record_hists(&res->tags[tag].h, &t, timed);
    if (side)
        return;
    if (t.loop_lag > w->iv.loop_lag_max_us)
        w->iv.loop_lag_max_us = t.loop_lag;
    if (timed) {
        hist_record(w->iv.lat_total, t.latency);
        hist_record(w->iv.lat_tags[tag], t.latency);
    }
}

static void record_done(worker *w, const slot *s, const transport_result *r)
{
    record_side(w, s, r, 0);
}

/* ---- shadow: the same request to the candidate ------------------------ */

static void count_cancelled_side(worker *w, const pending *p, int side)
{
    if (!p->measured)
        return;
    run_result *res = side ? &w->cres : &w->res;
    size_t tag = tag_of(w, p->endpoint);
    res->total.c.cancelled++;
    res->tags[tag].c.cancelled++;
}

/* One side of slot SI ended with R. 1 when both have: the pair is compared
 * and the slot can be freed; 0 while the other side is still out. */
static int shadow_side_done(worker *w, size_t si, int side, const transport_result *r)
{
    slot *s = &w->slots[si];
    engine_shadow *sh = w->eng->o.shadow;
    s->side_busy[side] = 0;
    record_side(w, s, r, side);
    if (s->side_busy[!side]) {
        s->first = *r;   /* its body stays valid: the transport slot is not reused yet */
        s->have_first = 1;
        return 0;
    }
    if (s->req.measured && s->have_first)
        sh->compare(sh->ctx, s->req.endpoint, side ? &s->first : r, side ? r : &s->first);
    s->have_first = 0;
    return 1;
}

/* Sends TR on both sides of slot SI. 0 when at least one side is out; -1
 * when neither could be (both counted as failed, the slot stays free). */
static int shadow_send(worker *w, size_t si, const transport_request *tr)
{
    engine *e = w->eng;
    slot *s = &w->slots[si];
    size_t tl = strlen(e->plan->target);
    snprintf(s->cand_url, LOADPLAN_URL_CAP, "%s%s", e->o.shadow->candidate, tr->url + tl);
    transport_request ct = *tr;
    ct.url = s->cand_url;
    s->have_first = 0;
    s->side_busy[0] = e->tops->send(w->tr, si, tr) == 0;
    if (s->req.measured) {
        size_t tag = tag_of(w, s->req.endpoint);
        w->cres.total.c.sent++;
        w->cres.tags[tag].c.sent++;
    }
    s->side_busy[1] = e->tops->send(w->tr, si + w->nslots, &ct) == 0;
    int complete = 0;
    for (int side = 0; side < 2; side++)
        if (!s->side_busy[side]) {
            transport_result r = {.status = 0, .net_error = NETERR_OTHER, .done_ns = clock_now_ns()};
            complete = shadow_side_done(w, si, side, &r);
        }
    if (!complete)
        return 0;
    s->busy = 0;
    w->inflight--;
    return -1;
}

/* ---- sending ---------------------------------------------------------- */

static void dispatch(worker *w, const pending *p);
static void user_next(worker *w, uint32_t user, uint64_t done_ns);

/* Renders P into the free slot SI and hands it to the transport. 0 when it
 * went out (the slot is busy); -1 when it could not (counted; the caller
 * still owns the free slot). */
static int send_on_slot(worker *w, size_t si, const pending *p)
{
    engine *e = w->eng;
    slot *s = &w->slots[si];
    s->req = *p;
    transport_request tr;
    const rendered_request *rr;
    const char *const *hdr;
    if (e->is_literal[p->endpoint]) {
        rr = &e->literal[p->endpoint];
        hdr = e->literal_hdr[p->endpoint];
        tr.key = (long)p->endpoint;
    } else {
        rng render_rng;
        rng_seed(&render_rng, w->render_seed ^ (p->seq * 0xd1342543de82ef95ull));
        int rc = w->feed ? e->plan->feed->render(w->feed, p->seq, e->plan, &render_rng, s->render)
                         : loadplan_render(e->plan, p->endpoint, p->seq, &render_rng, s->render);
        if (rc != 0) {
            /* -2: a unique feeder ran out; -1: a rendering overflowed its
             * buffer. Either way the request cannot be sent: dropped. */
            count_dropped(w, p);
            if (p->user >= 0)   /* no more requests for this user (a feeder ran dry) */
                w->user_active[p->user] = 0;
            return -1;
        }
        rr = s->render;
        for (size_t h = 0; h < rr->nheaders; h++)
            s->hdr[h] = rr->headers[h];
        hdr = s->hdr;
        tr.key = -1;
    }
    tr.method = rr->method;
    tr.url = rr->url;
    tr.headers = hdr;
    tr.nheaders = rr->nheaders;
    tr.body = rr->body;
    tr.body_len = rr->body_len;
    tr.has_body = rr->has_body;
    tr.shed_header = e->plan->subsystems[tag_of(w, p->endpoint)].shed_header;
    tr.shed_header_len = tr.shed_header ? strlen(tr.shed_header) : 0;
    s->sent_ns = clock_now_ns();
    roll_second(w, s->sent_ns);
    if (p->measured) {
        size_t tag = tag_of(w, p->endpoint);
        w->res.total.c.sent++;
        w->res.tags[tag].c.sent++;
        w->iv.total.sent++;
        w->iv.tags[tag].sent++;
    }
    w->inflight++;
    s->busy = 1;
    if (e->o.shadow)
        return shadow_send(w, si, &tr);
    if (e->tops->send(w->tr, si, &tr) != 0) {
        s->busy = 0;
        transport_result r = {.status = 0, .net_error = NETERR_OTHER, .done_ns = clock_now_ns()};
        w->inflight--;
        record_done(w, s, &r);
        if (p->user >= 0)   /* not user_next: a transport that keeps failing would recurse */
            w->user_active[p->user] = 0;
        return -1;
    }
    return 0;
}

static int queue_push(worker *w, const pending *p)
{
    if (w->qlen == w->qcap) {
        size_t cap = w->qcap * 2;
        pending *q = malloc(cap * sizeof *q);
        if (!q)
            return -1;
        for (size_t i = 0; i < w->qlen; i++)
            q[i] = w->queue[(w->qhead + i) % w->qcap];
        free(w->queue);
        w->queue = q;
        w->qhead = 0;
        w->qcap = cap;
    }
    w->queue[(w->qhead + w->qlen) % w->qcap] = *p;
    w->qlen++;
    return 0;
}

static pending queue_pop(worker *w)
{
    pending p = w->queue[w->qhead];
    w->qhead = (w->qhead + 1) % w->qcap;
    w->qlen--;
    return p;
}

/* A scheduled request: send it on a free slot, or queue it (FIFO behind
 * those already waiting), or drop it when the outstanding cap is hit. */
static void dispatch(worker *w, const pending *p)
{
    if (p->measured)
        count_scheduled(w, p);
    if (w->max_outstanding && w->inflight + w->qlen >= w->max_outstanding) {
        w->dropped_limit++;
        count_dropped(w, p);
        if (p->user >= 0)
            w->user_active[p->user] = 0;
        return;
    }
    if (w->nfree > 0 && w->qlen == 0) {
        size_t si = w->free_slots[--w->nfree];
        if (send_on_slot(w, si, p) != 0)
            w->free_slots[w->nfree++] = si;
        return;
    }
    if (queue_push(w, p) != 0) {
        count_dropped(w, p);
        if (p->user >= 0)
            w->user_active[p->user] = 0;
        return;
    }
    if (p->measured)
        w->waited++;
}

static pending make_pending(worker *w, uint64_t intended, uint64_t handled, int32_t user,
                            size_t phase)
{
    pending p;
    p.intended_ns = intended;
    p.handled_ns = handled;
    p.seq = w->seq++;
    p.user = user;
    p.measured = intended >= w->eng->measure_ns;
    if (w->feed && user < 0)   /* a recorded arrival: seq is its number in this thread's feed */
        p.endpoint = w->feed_endpoint;
    else
        p.endpoint = (uint32_t)loadplan_pick_endpoint(w->eng->plan, phase, &w->pick_rng);
    return p;
}

/* ---- closed loop ------------------------------------------------------ */

size_t engine_share(uint64_t total, int nthreads, int id)
{
    return (size_t)(total / (uint64_t)nthreads + ((uint64_t)id < total % (uint64_t)nthreads));
}

static size_t phase_index_at(const engine *e, uint64_t now)
{
    double t = now > e->t0_ns ? (double)(now - e->t0_ns) / 1e9 : 0;
    return loadplan_phase_at(e->plan, t, NULL);
}

static size_t users_wanted(const worker *w, size_t phase)
{
    const loadplan_phase *ph = &w->eng->plan->phases[phase];
    if (ph->connections <= 0)
        return 0;
    uint64_t mine = shard_split(&w->eng->plan->shard, (uint64_t)ph->connections);
    size_t n = engine_share(mine, w->eng->nthreads, w->id);
    return n < w->nusers ? n : w->nusers;
}

/* After USER's request ended at DONE_NS: think, then send again, unless
 * the user is no longer wanted (phase changed, run stopping). */
static void user_next(worker *w, uint32_t user, uint64_t done_ns)
{
    if (w->stopping || user >= users_wanted(w, w->phase_now) || done_ns >= w->eng->end_ns) {
        w->user_active[user] = 0;
        return;
    }
    double think = w->eng->plan->phases[w->phase_now].think_s;
    if (think > 0) {
        uint64_t at = done_ns + (uint64_t)(think * 1e9);
        heap_push(w, at, user);
        wake_timer_also(&w->timer, done_ns, at);
        return;
    }
    uint64_t now = clock_now_ns();
    pending p = make_pending(w, done_ns, now, (int32_t)user, w->phase_now);
    dispatch(w, &p);
}

/* Starts the users the current phase wants and that are not running. */
static void users_update(worker *w, uint64_t now)
{
    engine *e = w->eng;
    w->phase_now = phase_index_at(e, now);
    size_t want = users_wanted(w, w->phase_now);
    uint64_t start = e->phase_start_ns[w->phase_now];
    for (size_t u = 0; u < want; u++) {
        if (w->user_active[u])
            continue;
        w->user_active[u] = 1;
        pending p = make_pending(w, start > now ? now : start, now, (int32_t)u, w->phase_now);
        dispatch(w, &p);
    }
}

/* ---- scheduler -------------------------------------------------------- */

static void begin_stop(worker *w, uint64_t now, int drain);

static uint64_t next_deadline(const worker *w, uint64_t now)
{
    const engine *e = w->eng;
    uint64_t d = w->next_arrival_ns;
    if (w->nheap && w->heap[0].at_ns < d)
        d = w->heap[0].at_ns;
    for (size_t i = 0; i <= e->plan->nphases; i++)
        if (e->phase_start_ns[i] > now) {
            if (e->phase_start_ns[i] < d)
                d = e->phase_start_ns[i];
            break;
        }
    if (e->end_ns < d)
        d = e->end_ns;
    return d;
}

static void advance_arrival(worker *w)
{
    if (w->feed) {
        double at_s;
        if (w->eng->plan->feed->next(w->feed, &at_s, &w->feed_endpoint) != 1) {
            w->next_arrival_ns = UINT64_MAX;
            w->feed_done = 1;
            return;
        }
        w->next_arrival_ns = w->eng->t0_ns + (uint64_t)(at_s > 0 ? at_s * 1e9 : 0);
        return;
    }
    double at = arrival_clock_next(&w->arrivals);
    w->next_arrival_ns = at < 0 ? UINT64_MAX : w->eng->t0_ns + (uint64_t)(at * 1e9);
}

/* With --send-batch the ticks alone send; but a ticking timer keeps
 * ticking, so a backlog beyond one wakeup's BATCH would wait a whole period
 * per BATCH. While BACKLOG, the prepare hook drains it after I/O. Without
 * batching the hook is always on. */
static void batching_backlog(worker *w, int backlog)
{
    if (!(w->eng->o.send_batch_s > 0))
        return;
    if (backlog)
        ev_prepare_start(w->loop, &w->prepare);
    else
        ev_prepare_stop(w->loop, &w->prepare);
}

/* Sends everything due at NOW (arrivals, users' wakes, a new phase's
 * users), each timed from its own intended time, then sets the timer for
 * the next thing due. */
static void schedule_due(worker *w, uint64_t now)
{
    engine *e = w->eng;
    roll_second(w, now);
    if (w->nusers && phase_index_at(e, now) != w->phase_seen) {
        users_update(w, now);
        w->phase_seen = w->phase_now;
    }
    int budget = BATCH;
    while (w->next_arrival_ns <= now && w->next_arrival_ns < e->end_ns && budget-- > 0) {
        size_t ph = phase_index_at(e, w->next_arrival_ns);
        pending p = make_pending(w, w->next_arrival_ns, clock_now_ns(), -1, ph);
        dispatch(w, &p);
        advance_arrival(w);
    }
    while (w->nheap && w->heap[0].at_ns <= now && budget-- > 0) {
        wake k = heap_pop(w);
        if (k.at_ns >= e->end_ns || k.user >= users_wanted(w, w->phase_now)) {
            w->user_active[k.user] = 0;
            continue;
        }
        pending p = make_pending(w, k.at_ns, clock_now_ns(), (int32_t)k.user, w->phase_now);
        dispatch(w, &p);
    }
    if (budget <= 0) {
        wake_timer_next(&w->timer, now, now);   /* more is due: come back soon after I/O */
        batching_backlog(w, 1);
        return;
    }
    batching_backlog(w, 0);
    if (now >= e->end_ns) {
        begin_stop(w, e->end_ns, 1);
        return;
    }
    if (w->feed_done) {   /* a recorded log ends with its last arrival */
        begin_stop(w, now, 1);
        return;
    }
    wake_timer_next(&w->timer, now, next_deadline(w, now));
}

static void on_schedule(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    worker *w = io->data;
    wake_timer_ack(&w->timer);
    if (!w->stopping)
        schedule_due(w, clock_now_ns());
}

/* Before the loop sleeps: whatever fell due while I/O was handled goes out
 * now rather than at the next tick (one clock read when nothing is due). */
static void on_prepare(struct ev_loop *loop, ev_prepare *pr, int revents)
{
    (void)loop;
    (void)revents;
    worker *w = pr->data;
    if (w->stopping)
        return;
    uint64_t now = clock_now_ns();
    if (w->next_arrival_ns <= now || (w->nheap && w->heap[0].at_ns <= now))
        schedule_due(w, now);
    else
        batching_backlog(w, 0);
}

/* ---- ending ----------------------------------------------------------- */

static void finish(worker *w)
{
    if (w->finished)
        return;
    engine *e = w->eng;
    for (size_t i = 0; i < w->nslots && w->inflight; i++) {
        if (!w->slots[i].busy)
            continue;
        e->tops->cancel(w->tr, i);
        if (!e->o.shadow) {
            count_cancelled(w, &w->slots[i].req);
        } else {
            e->tops->cancel(w->tr, i + w->nslots);
            for (int side = 0; side < 2; side++)
                if (w->slots[i].side_busy[side])
                    count_cancelled_side(w, &w->slots[i].req, side);
        }
        w->slots[i].busy = 0;
        w->inflight--;
    }
    while (w->qlen) {
        pending p = queue_pop(w);
        count_cancelled(w, &p);
    }
    w->finished = 1;
    w->iv.sec = (int64_t)w->cur_sec;
    second_store_flush(&e->store, w->id, &w->iv, e->store.nseconds);
    interval_clear(&w->iv);
    w->next_sec_ns = UINT64_MAX;
    ev_io_stop(w->loop, &w->timer_io);
    ev_prepare_stop(w->loop, &w->prepare);
    ev_timer_stop(w->loop, &w->house);
    ev_timer_stop(w->loop, &w->grace);
    ev_break(w->loop, EVBREAK_ALL);
}

static void on_grace(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    finish(t->data);
}

/* Stops scheduling. At the plan's end (DRAIN) the requests still waiting
 * for a connection are part of the plan: they go out as connections free
 * up, within the grace period. On a stop request they are cancelled at
 * once, so sending stops within a housekeeping tick. Requests in flight get
 * the grace period either way. */
static void begin_stop(worker *w, uint64_t now, int drain)
{
    if (w->stopping)
        return;
    w->stopping = 1;
    w->stop_ns = now;
    ev_io_stop(w->loop, &w->timer_io);
    wake_timer_stop(&w->timer);
    while (!drain && w->qlen) {
        pending p = queue_pop(w);
        count_cancelled(w, &p);
    }
    w->nheap = 0;
    if (w->inflight == 0) {
        finish(w);
        return;
    }
    ev_timer_set(&w->grace, w->eng->o.grace_s, 0.);
    ev_timer_start(w->loop, &w->grace);
}

static void on_house(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    worker *w = t->data;
    uint64_t now = clock_now_ns();
    roll_second(w, now);
    if (!w->stopping && (engine_stop_requested() || atomic_load(&w->eng->stop)))
        begin_stop(w, now, 0);
}

static void on_done(void *owner, size_t tslot, const transport_result *r)
{
    worker *w = owner;
    size_t si = tslot;
    if (w->eng->o.shadow) {   /* transport slots [nslots, 2 nslots) carry the candidate */
        si = tslot % w->nslots;
        roll_second(w, r->done_ns);
        if (!shadow_side_done(w, si, tslot >= w->nslots, r))
            return;
    }
    slot *s = &w->slots[si];
    s->busy = 0;
    w->inflight--;
    roll_second(w, r->done_ns);
    if (!w->eng->o.shadow)
        record_done(w, s, r);
    int32_t user = s->req.user;
    int reused = 0;
    while (w->qlen && !reused) {   /* the oldest waiting request takes the slot */
        pending p = queue_pop(w);
        reused = send_on_slot(w, si, &p) == 0;
    }
    if (!reused)
        w->free_slots[w->nfree++] = si;
    if (w->stopping) {
        if (w->inflight == 0)
            finish(w);
        return;
    }
    if (user >= 0)
        user_next(w, (uint32_t)user, r->done_ns);
}

/* ---- thread setup ----------------------------------------------------- */

int engine_worker_setup(worker *w, size_t nslots, size_t nusers)
{
    engine *e = w->eng;
    const loadplan *p = e->plan;
    w->nslots = nslots;
    w->loop = ev_loop_new(EVFLAG_AUTO);
    w->slots = calloc(nslots, sizeof *w->slots);
    w->free_slots = calloc(nslots, sizeof *w->free_slots);
    w->qcap = 4096;
    w->queue = calloc(w->qcap, sizeof *w->queue);
    w->nusers = nusers;
    w->user_active = calloc(nusers ? nusers : 1, 1);
    w->heap = calloc(nusers ? nusers : 1, sizeof *w->heap);
    if (!w->loop || !w->slots || !w->free_slots || !w->queue || !w->user_active || !w->heap)
        goto oom;
    for (size_t i = 0; i < nslots; i++) {
        if (e->any_dynamic && !(w->slots[i].render = malloc(sizeof *w->slots[i].render)))
            goto oom;
        if (e->o.shadow && !(w->slots[i].cand_url = malloc(LOADPLAN_URL_CAP)))
            goto oom;
        w->free_slots[w->nfree++] = nslots - 1 - i;
    }
    const char **names = calloc(p->nsubsystems ? p->nsubsystems : 1, sizeof *names);
    if (!names)
        goto oom;
    for (size_t t = 0; t < p->nsubsystems; t++)
        names[t] = p->subsystems[t].name;
    int rc = run_result_init(&w->res, p->nsubsystems, names);
    if (rc == 0 && e->o.shadow)
        rc = run_result_init(&w->cres, p->nsubsystems, names);
    free(names);
    if (rc != 0 || interval_init(&w->iv, p->nsubsystems) != 0)
        goto oom;
    uint64_t thread_seed = e->o.seed * 0x9e3779b97f4a7c15ull + (uint64_t)w->id + 1;
    rng_seed(&w->arrival_rng, thread_seed);
    rng_seed(&w->pick_rng, thread_seed ^ 0x5851f42d4c957f2dull);
    w->render_seed = rng_splitmix64(&thread_seed) ^ 0x2545f4914f6cdd1dull;
    if (arrival_clock_init(&w->arrivals, p, p->poisson, (unsigned)w->id, (unsigned)e->nthreads,
                           &w->arrival_rng) != 0)
        goto oom;
    if (p->feed && !(w->feed = p->feed->open(p->feed_ctx, (unsigned)w->id, (unsigned)e->nthreads)))
        goto oom;
    transport_config tc = {
        /* a shadow run has a second set of slots and connections for the candidate */
        .loop = w->loop, .nslots = e->o.shadow ? 2 * nslots : nslots,
        .max_connections = (int)(e->o.shadow ? 2 * nslots : nslots),
        .body_cap = e->o.shadow ? e->o.shadow->body_cap : 0,
        .timeout_s = e->o.timeout_s, .http2 = e->o.http2, .insecure = e->o.insecure,
        .cacert = e->o.cacert, .cert = e->o.cert, .key = e->o.key,
        .tls_no_resume = e->o.tls_no_resume,
        .max_header_bytes = e->o.max_header_bytes, .target = &e->target, .done = on_done,
        .owner = w,
    };
    w->tr = e->tops->create(&tc, w->setup_err, sizeof w->setup_err);
    if (!w->tr)
        return -1;
    uint64_t granularity = e->o.send_batch_s > 0 ? (uint64_t)(e->o.send_batch_s * 1e9)
                                                 : GRANULARITY_NS;
    if (wake_timer_init(&w->timer, granularity, w->setup_err, sizeof w->setup_err) != 0)
        return -1;
    ev_io_init(&w->timer_io, on_schedule, w->timer.fd, EV_READ);
    w->timer_io.data = w;
    ev_prepare_init(&w->prepare, on_prepare);
    w->prepare.data = w;
    ev_timer_init(&w->house, on_house, HOUSEKEEPING_S, HOUSEKEEPING_S);
    w->house.data = w;
    ev_init(&w->grace, on_grace);
    w->grace.data = w;
    return 0;
oom:
    snprintf(w->setup_err, sizeof w->setup_err, "out of memory");
    return -1;
}

void engine_worker_teardown(worker *w)
{
    engine *e = w->eng;
    if (w->tr)
        e->tops->destroy(w->tr);
    wake_timer_close(&w->timer);
    if (w->loop)
        ev_loop_destroy(w->loop);
    if (w->slots)
        for (size_t i = 0; i < w->nslots; i++) {
            free(w->slots[i].render);
            free(w->slots[i].cand_url);
        }
    free(w->slots);
    free(w->free_slots);
    free(w->queue);
    free(w->user_active);
    free(w->heap);
    arrival_clock_free(&w->arrivals);
    if (w->feed)
        e->plan->feed->close(w->feed);
    interval_free(&w->iv);
    run_result_free(&w->res);
    run_result_free(&w->cres);
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void *engine_worker_main(void *arg)
{
    worker *w = arg;
    engine *e = w->eng;
    w->next_sec_ns = e->measure_ns + NS;
    w->cur_sec = 0;
    w->phase_now = 0;
    w->phase_seen = SIZE_MAX;
    advance_arrival(w);
    ev_io_start(w->loop, &w->timer_io);
    if (!(e->o.send_batch_s > 0))   /* batches go out on the ticks alone */
        ev_prepare_start(w->loop, &w->prepare);
    ev_timer_start(w->loop, &w->house);
    wake_timer_next(&w->timer, clock_now_ns(), e->t0_ns);
    double cpu0 = thread_cpu_s();
    ev_run(w->loop, 0);
    uint64_t end = clock_now_ns();
    w->cpu_s = thread_cpu_s() - cpu0;
    w->wall_s = end > e->t0_ns ? (double)(end - e->t0_ns) / 1e9 : 0;
    atomic_fetch_add(&e->nfinished, 1);
    return NULL;
}
