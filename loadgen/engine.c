/* engine.c: runs a load plan (see engine.h and docs/engine.md).
 *
 * Threads: the calling thread starts N generator threads and then only
 * watches (progress, abort rules, stop requests). Each generator thread has
 * its own libev loop, its own transport instance and its own
 * share of the connection budget as "slots": a slot is one request in
 * flight on one connection. Admission control is here: a request is handed
 * to the transport only when a slot is free; otherwise it waits in this
 * thread's FIFO queue, and that wait is its "connection wait".
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
 * would show up as loop lag.
 *
 * Open loop: arrival times come from engine_arrivals.c, split across the
 * threads. Closed loop: each thread runs its share of the phase's
 * connections as "users" that send, wait for the answer, think, and send
 * again; their intended time is the end of the think time.
 *
 * Statistics: each thread records into its own run_result (no sharing on
 * the hot path) and its current-second interval; once per second the
 * interval goes to the shared per-second store (engine_seconds.c). At the
 * end the thread results are merged with run_result_merge. Only requests
 * whose intended time is inside the measured window (after warmup) count.
 *
 * Nothing on the per-request path allocates: slots, render buffers, header
 * pointer arrays, the queue and the users' heap are preallocated (the
 * queue grows by doubling only when it overflows, i.e. under overload). */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "common/clock.h"
#include "common/error.h"
#include "loadgen/engine.h"
#include "loadgen/engine_arrivals.h"
#include "loadgen/engine_seconds.h"
#include "loadgen/template.h"
#include "loadgen/transport.h"
#include "loadgen/wake_timer.h"

#define NS 1000000000ull
#define HOUSEKEEPING_S 0.02
#define BATCH 256            /* arrivals handled per wakeup before I/O gets a turn */
/* Things due closer together than this are sent in batches from a timer
 * ticking at this period (wake_timer.h): the most a batch adds to loop lag. */
#define GRANULARITY_NS (250 * 1000ull)

static volatile sig_atomic_t g_signal_stop;

/* A request between scheduling and sending. */
typedef struct pending {
    uint64_t intended_ns, handled_ns, seq;
    uint32_t endpoint;
    int32_t user;            /* closed-loop user, or -1 */
    uint8_t measured;
} pending;

typedef struct slot {
    pending req;
    uint64_t sent_ns;
    int busy;
    rendered_request *render;     /* NULL when every endpoint is literal */
    const char *hdr[LOADPLAN_MAX_HEADERS];
    /* shadow runs only: the candidate's copy goes out on transport slot
     * (this slot + nslots); the slot is free once both sides ended */
    char *cand_url;
    uint8_t side_busy[2];         /* primary, candidate in flight */
    int have_first;               /* the side that ended first, kept for the comparison */
    transport_result first;
} slot;

typedef struct wake {             /* a closed-loop user's next send */
    uint64_t at_ns;
    uint32_t user;
} wake;

struct engine;

typedef struct worker {
    struct engine *eng;
    int id;
    pthread_t thread;
    struct ev_loop *loop;
    transport *tr;
    int setup_failed;
    char setup_err[256];

    slot *slots;
    size_t nslots;
    size_t *free_slots;
    size_t nfree;
    size_t inflight;

    pending *queue;               /* ring */
    size_t qcap, qhead, qlen;
    uint64_t max_outstanding;     /* 0: unlimited */

    arrival_clock arrivals;
    uint64_t next_arrival_ns;     /* UINT64_MAX: none */
    void *feed;                   /* the plan's feed reader of this thread, or NULL */
    uint32_t feed_endpoint;       /* endpoint of the next arrival from the feed */
    int feed_done;                /* the feed has no more arrivals for this thread */

    uint8_t *user_active;         /* per closed-loop user of this thread */
    size_t nusers;                /* capacity */
    wake *heap;
    size_t nheap;
    size_t phase_now;
    size_t phase_seen;            /* phase users_update last ran for, SIZE_MAX none */

    wake_timer timer;
    ev_io timer_io;
    ev_prepare prepare;
    ev_timer house;
    ev_timer grace;

    /* Separate streams, so that a request depends only on the seed and its
     * place in the sequence, never on timing (--seed reproduces the request
     * sequence): arrival times; endpoint picks (one draw per request, in
     * sequence order); template values, from a stream seeded per request
     * with its sequence number (requests are rendered when they are sent,
     * in an order that depends on the connections). */
    rng arrival_rng, pick_rng;
    uint64_t render_seed;
    uint64_t seq;
    run_result res;
    run_result cres;              /* shadow runs: the candidate side */
    interval iv;
    uint64_t cur_sec, next_sec_ns;

    int stopping, finished;
    uint64_t stop_ns;
    uint64_t dropped_limit;       /* dropped because max_outstanding was reached */
    uint64_t waited;              /* requests that waited for a connection */
    double cpu_s, wall_s;
} worker;

typedef struct engine {
    const loadplan *plan;
    engine_options o;
    const transport_ops *tops;
    int nthreads;
    worker *workers;
    int budget;                   /* connection budget */
    uint64_t t0_ns, end_ns, measure_ns;
    double duration_s, warmup_s;
    uint64_t *phase_start_ns;     /* nphases + 1 entries (last = end) */
    rendered_request *literal;    /* per endpoint, prerendered when literal; NULL entries otherwise */
    const char ***literal_hdr;
    int *is_literal;
    int any_dynamic;
    transport_target target;      /* parsed and resolved once */
    second_store store;
    int store_ready;
    atomic_int stop;              /* abort rule crossed */
    atomic_int nfinished;
} engine;

/* ---- signals ---------------------------------------------------------- */

void engine_request_stop(void)
{
    g_signal_stop = 1;
}

int engine_stop_requested(void)
{
    return g_signal_stop != 0;
}

/* The first signal asks for a clean stop (results are still written); the
 * handler then steps aside, so a second Ctrl-C ends the process at once. */
static void on_signal(int sig)
{
    g_signal_stop = 1;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
}

void engine_install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void engine_options_init(engine_options *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 0;
    o->connections = 64;
    o->timeout_s = 5;
    o->loop_lag_bound_ms = 5;
    o->grace_s = 2;
    o->seed = 1;
    /* Lets a whole suite (or a user) run every command on one transport. */
    o->transport = getenv("CREST_TRANSPORT");
}

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

static void record_hists(latency_hists *h, const pending *p, uint64_t sent, uint64_t done,
                         int timed)
{
    if (timed) {
        hist_record(h->latency, us_between(p->intended_ns, done));
        hist_record(h->service, us_between(sent, done));
    }
    hist_record(h->send_lag, us_between(p->intended_ns, sent));
    hist_record(h->loop_lag, us_between(p->intended_ns, p->handled_ns));
    hist_record(h->conn_wait, us_between(p->handled_ns, sent));
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
    record_hists(&res->total.h, p, s->sent_ns, r->done_ns, timed);
    record_hists(&res->tags[tag].h, p, s->sent_ns, r->done_ns, timed);
    if (!side) {
        int64_t lag = us_between(p->intended_ns, p->handled_ns);
        if (lag > w->iv.loop_lag_max_us)
            w->iv.loop_lag_max_us = lag;
    }
    if (timed && !side) {
        int64_t lat = us_between(p->intended_ns, r->done_ns);
        hist_record(w->iv.lat_total, lat);
        hist_record(w->iv.lat_tags[tag], lat);
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

static size_t share(uint64_t total, int nthreads, int id)
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
    size_t n = share(mine, w->eng->nthreads, w->id);
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
        return;
    }
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
    if (!w->stopping && (g_signal_stop || atomic_load(&w->eng->stop)))
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

static int worker_setup(worker *w, size_t nslots, size_t nusers)
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
    if (wake_timer_init(&w->timer, GRANULARITY_NS, w->setup_err, sizeof w->setup_err) != 0)
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

static void worker_teardown(worker *w)
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

static void *worker_main(void *arg)
{
    worker *w = arg;
    engine *e = w->eng;
    w->next_sec_ns = e->measure_ns + NS;
    w->cur_sec = 0;
    w->phase_now = 0;
    w->phase_seen = SIZE_MAX;
    advance_arrival(w);
    ev_io_start(w->loop, &w->timer_io);
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

/* ---- run setup -------------------------------------------------------- */

/* Raises the open-file limit for NEED descriptors. 0, or -1 after saying
 * why the connections cannot be had. */
static int ensure_fds(int connections, int threads)
{
    rlim_t need = (rlim_t)connections + (rlim_t)threads * 16 + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        crest_error("cannot hold %d connections: the open-file limit is %llu (hard limit; "
                    "need about %llu). Raise it (ulimit -n) or lower -c/--connections",
                    connections, (unsigned long long)rl.rlim_max, (unsigned long long)need);
        return -1;
    }
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        crest_error("cannot hold %d connections: raising the open-file limit to %llu failed: %s",
                    connections, (unsigned long long)need, strerror(errno));
        return -1;
    }
    return 0;
}

/* Parses and resolves the target once, then picks the transport that
 * runs it (--transport, else the first in the table that can). 0, or -1
 * after saying why. */
static int choose_transport(engine *e)
{
    char err[512];
    if (transport_target_init(&e->target, e->plan->target, err, sizeof err) != 0) {
        crest_error("%s", err);
        return -1;
    }
    transport_config probe = {
        .http2 = e->o.http2, .insecure = e->o.insecure, .cacert = e->o.cacert,
        .cert = e->o.cert, .key = e->o.key, .timeout_s = e->o.timeout_s,
        .max_header_bytes = e->o.max_header_bytes, .target = &e->target,
        .body_cap = e->o.shadow ? e->o.shadow->body_cap : 0,
    };
    e->tops = transport_choose(e->o.transport, &probe, err, sizeof err);
    if (!e->tops) {
        crest_error("%s", err);
        return -1;
    }
    return 0;
}

static int all_literal(const loadplan_endpoint *ep)
{
    if (!template_is_literal(ep->path) || (ep->body && !template_is_literal(ep->body)))
        return 0;
    for (size_t h = 0; h < ep->nheaders; h++)
        if (!template_is_literal(ep->headers[h]))
            return 0;
    return 1;
}

/* Renders every literal endpoint once; the threads share the result. */
static int prerender(engine *e)
{
    const loadplan *p = e->plan;
    e->is_literal = calloc(p->nendpoints, sizeof *e->is_literal);
    e->literal = calloc(p->nendpoints, sizeof *e->literal);
    e->literal_hdr = calloc(p->nendpoints, sizeof *e->literal_hdr);
    if (!e->is_literal || !e->literal || !e->literal_hdr)
        return -1;
    rng r;
    rng_seed(&r, e->o.seed);
    for (size_t i = 0; i < p->nendpoints; i++) {
        if (p->endpoints[i].nheaders > TRANSPORT_MAX_HEADERS) {
            crest_error("endpoint '%s' has %zu headers; at most %d are supported",
                        p->endpoints[i].name, p->endpoints[i].nheaders, TRANSPORT_MAX_HEADERS);
            return -1;
        }
        if (p->feed || !all_literal(&p->endpoints[i])) {   /* a feed renders each arrival */
            e->any_dynamic = 1;
            continue;
        }
        if (loadplan_render(p, i, 0, &r, &e->literal[i]) != 0) {
            crest_error("endpoint '%s' does not fit the request buffers (URL %d, header %d, "
                        "body %d bytes)", p->endpoints[i].name, LOADPLAN_URL_CAP, LOADPLAN_HEADER_CAP,
                        LOADPLAN_BODY_CAP);
            return -1;
        }
        e->literal_hdr[i] = calloc(LOADPLAN_MAX_HEADERS, sizeof *e->literal_hdr[i]);
        if (!e->literal_hdr[i])
            return -1;
        for (size_t h = 0; h < e->literal[i].nheaders; h++)
            e->literal_hdr[i][h] = e->literal[i].headers[h];
        e->is_literal[i] = 1;
    }
    return 0;
}

static void engine_free(engine *e)
{
    if (e->literal_hdr)
        for (size_t i = 0; i < e->plan->nendpoints; i++)
            free(e->literal_hdr[i]);
    free(e->literal_hdr);
    free(e->literal);
    free(e->is_literal);
    free(e->phase_start_ns);
    free(e->workers);
}

static int default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* ---- watching the run ------------------------------------------------- */

/* The plan's phase at T seconds into the timeline, into S. */
static void snapshot_phase(engine *e, double t, progress_snapshot *s)
{
    double t_in;
    size_t ph = loadplan_phase_at(e->plan, t, &t_in);
    const loadplan_phase *p = &e->plan->phases[ph];
    s->phase = p->name;
    s->closed_connections = p->connections;
    s->target_rate = p->connections > 0 ? 0
                                        : rate_curve_at(&p->rate, t_in, p->duration_s) *
                                              shard_fraction(&e->plan->shard);
}

/* Measured second SEC, final in the store: its own counts, the same numbers
 * results.json's time series holds. Called with the store locked. */
static void snapshot_second(engine *e, size_t sec, progress_snapshot *s)
{
    memset(s, 0, sizeof *s);
    double start = e->warmup_s + (double)sec;
    double end = fmin(start + 1, e->duration_s);
    s->elapsed_s = end;
    s->total_s = e->duration_s;
    snapshot_phase(e, start + 0.5 * (end - start), s);
    const second_stats *st = &e->store.seconds[sec];
    if (st->target_rate > 0)
        s->target_rate = st->target_rate;
    s->achieved_rate = end > start ? (double)st->completed / (end - start) : 0;
    s->has_rate = 1;
    const run_result *live = &e->store.live;
    s->p99_ms = (double)hist_percentile(live->total.h.latency, 99) / 1000.0;
    s->completed = live->total.c.completed;
    s->errors = live->total.c.errors;
    s->dropped = live->total.c.dropped;
}

/* The warm-up (not measured: no counts) or the grace period after the
 * plan's end (requests still in flight), at NOW. */
static void snapshot_outside(engine *e, uint64_t now, progress_snapshot *s)
{
    memset(s, 0, sizeof *s);
    double t = now > e->t0_ns ? (double)(now - e->t0_ns) / 1e9 : 0;
    s->total_s = e->duration_s;
    s->elapsed_s = fmin(t, e->duration_s);
    snapshot_phase(e, s->elapsed_s, s);
    pthread_mutex_lock(&e->store.mu);
    const counters *c = &e->store.live.total.c;
    s->in_flight = c->sent > c->completed ? c->sent - c->completed : 0;
    s->errors = c->errors;
    pthread_mutex_unlock(&e->store.mu);
    s->draining = now >= e->end_ns;
    s->grace_s = e->o.grace_s;
}

/* Evaluates the abort rules on the run so far; on a crossing, asks the
 * threads to stop and records why in OUT->aborted. */
static void check_aborts(engine *e, uint64_t now, run_result *out)
{
    const threshold_set *ab = &e->plan->aborts;
    if (!ab->count || out->aborted[0] || now <= e->measure_ns)
        return;
    pthread_mutex_lock(&e->store.mu);
    e->store.live.duration_s = (double)(now - e->measure_ns) / 1e9;
    for (size_t i = 0; i < ab->count; i++) {
        double v = 0;
        if (threshold_eval(&ab->items[i], &e->store.live, &v) == 1) {
            char val[32];
            snprintf(out->aborted, sizeof out->aborted, "%s (measured %s)", ab->items[i].expr,
                     threshold_format_value(&ab->items[i], v, val, sizeof val));
            atomic_store(&e->stop, 1);
            break;
        }
    }
    pthread_mutex_unlock(&e->store.mu);
    if (out->aborted[0])
        crest_error("abort rule crossed: %s; stopping the run", out->aborted);
}

/* Hands the run so far to the checkpoint callback (see engine_options). */
static void checkpoint(engine *e, const run_result *out)
{
    run_result snap;
    if (second_store_snapshot(&e->store, &snap) != 0)
        return; /* out of memory: the next checkpoint or the end will do */
    snprintf(snap.started_at, sizeof snap.started_at, "%s", out->started_at);
    snprintf(snap.target, sizeof snap.target, "%s", out->target);
    snprintf(snap.aborted, sizeof snap.aborted, "%s", out->aborted);
    snap.generator.threads = e->nthreads;
    snap.generator.connections_requested = e->budget;
    e->o.checkpoint(&snap, e->o.checkpoint_ctx);
    run_result_free(&snap);
    /* A checkpoint builds the whole document (megabytes of small JSON nodes
     * on a long run) and frees it; give those pages back, or a long drill's
     * resident memory would ratchet up to the largest document so far. */
    malloc_trim(0);
}

/* Prints the measured seconds made final since *PRINTED (all of them:
 * each line is one second of the time series, never stale or repeated). */
static void print_final_seconds(engine *e, size_t *printed)
{
    pthread_mutex_lock(&e->store.mu);
    while (*printed < e->store.nfinal) {
        progress_snapshot s;
        snapshot_second(e, (*printed)++, &s);
        e->o.on_second(e->o.progress_user, e->o.progress_label, &s);
    }
    pthread_mutex_unlock(&e->store.mu);
}

/* The main thread while the workers run: abort rules once a second, the
 * checkpoints (engine_options.checkpoint) every checkpoint_s, and the
 * progress lines. A line is printed when a measured second becomes
 * final (so "done N/s" is that second's count, as in the time series, even
 * on a 1 s run); the warm-up gets one line a second; the grace period one
 * line in all. */
static void watch(engine *e, run_result *out)
{
    uint64_t every = e->o.checkpoint && e->o.checkpoint_s > 0
                         ? (uint64_t)(e->o.checkpoint_s * 1e9) : 0;
    uint64_t next_checkpoint = e->t0_ns + every;
    uint64_t now0 = clock_now_ns();
    uint64_t next_tick = (e->t0_ns > now0 ? e->t0_ns : now0) + NS;
    int show = !e->o.quiet && e->o.on_second;
    const engine_hooks *hk = e->o.hooks;
    size_t printed = 0;
    int any = 0, drain_said = 0;
    while (atomic_load(&e->nfinished) < e->nthreads) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        uint64_t now = clock_now_ns();
        if (show) {
            print_final_seconds(e, &printed);
            any |= printed > 0;
        }
        if (now < next_tick)
            continue;
        next_tick += NS;
        check_aborts(e, now, out);
        if (hk && hk->on_tick) {
            pthread_mutex_lock(&e->store.mu);
            hk->on_tick(hk->ctx, &e->store.live, e->store.live_loop_lag_us, now);
            pthread_mutex_unlock(&e->store.mu);
        }
        if (every && now >= next_checkpoint) {
            next_checkpoint = now + every;
            checkpoint(e, out);
        }
        if (!show)
            continue;
        progress_snapshot s;
        snapshot_outside(e, now, &s);
        if ((now < e->measure_ns || (s.draining && !drain_said && s.in_flight)) &&
            !out->aborted[0]) {
            drain_said |= s.draining;
            e->o.on_second(e->o.progress_user, e->o.progress_label, &s);
            any = 1;
        }
    }
    if (show) {
        print_final_seconds(e, &printed);
        if ((any || printed) && e->o.on_end)
            e->o.on_end(e->o.progress_user);
    }
}

/* Fills OUT's generator health from the threads and the merged latency. */
static void judge_generator(engine *e, run_result *out)
{
    generator_health *g = &out->generator;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    g->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    g->threads = e->nthreads;
    snprintf(g->transport, sizeof g->transport, "%s", e->tops->name);
    g->connections_requested = e->budget;
    uint64_t dropped_limit = 0, waited = 0, resumed = 0;
    hist *handshakes = e->tops->tls_stats ? hist_new() : NULL;
    for (int i = 0; i < e->nthreads; i++) {
        worker *w = &e->workers[i];
        double busy = w->wall_s > 0 ? w->cpu_s / w->wall_s : 0;
        if (busy > g->cpu_busiest_thread)
            g->cpu_busiest_thread = busy;
        g->connections_opened += e->tops->connections_opened(w->tr);
        if (handshakes)
            e->tops->tls_stats(w->tr, handshakes, &resumed);
        dropped_limit += w->dropped_limit;
        waited += w->waited;
    }
    if (handshakes)
        generator_set_tls(g, handshakes, resumed);
    hist_free(handshakes);
    g->loop_lag_p99_ms = (double)hist_percentile(out->total.h.loop_lag, 99) / 1000.0;
    g->conn_wait_warning = waited > 0;
    generator_judge(g, e->o.loop_lag_bound_ms, dropped_limit);
}

/* Waits (interruptibly) until about LEAD_NS before the monotonic instant AT. */
static void wait_until(uint64_t at, uint64_t lead_ns)
{
    for (;;) {
        uint64_t now = clock_now_ns();
        if (g_signal_stop || now + lead_ns >= at)
            return;
        uint64_t left = at - lead_ns - now;
        if (left > 100 * 1000 * 1000ull)
            left = 100 * 1000 * 1000ull;
        struct timespec ts = {0, (long)left};
        nanosleep(&ts, NULL);
    }
}

static double wall_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The monotonic instant of the timeline's t = 0. Without --start-at: a
 * little in the future, so every thread starts on the same instant. With
 * it: the wall-clock START_AT, waited for when early; when late, t = 0 lies
 * in the past and the arrivals already due go out at once, their latency
 * counted from their (shared) intended times. Records the start in OUT. */
static uint64_t fix_timeline(const engine_options *o, run_result *out)
{
    uint64_t lead = 20 * 1000 * 1000ull;
    if (o->start_at <= 0) {
        out->timeline_start = wall_now_s() + (double)lead / 1e9;
        out->late_s = 0;
        return clock_now_ns() + lead;
    }
    double ahead = o->start_at - wall_now_s();
    out->late_s = -ahead;
    out->timeline_start = o->start_at;
    if (ahead > 0) {
        wait_until(clock_now_ns() + (uint64_t)(ahead * 1e9), lead);
        ahead = o->start_at - wall_now_s();   /* re-read: the wall clock may have been stepped */
    }
    uint64_t now = clock_now_ns();
    if (ahead >= 0)
        return now + (uint64_t)(ahead * 1e9);
    uint64_t late_ns = (uint64_t)(-ahead * 1e9);
    return late_ns < now ? now - late_ns : 1;
}

/* When the run stopped: the first thread to stop (an interrupt, an abort),
 * or, for a recorded log, the last thread's last arrival. */
static uint64_t run_stop_ns(const engine *e)
{
    uint64_t stop_ns = e->end_ns;
    if (e->plan->feed) {
        stop_ns = 0;
        for (int i = 0; i < e->nthreads; i++)
            if (e->workers[i].stop_ns > stop_ns)
                stop_ns = e->workers[i].stop_ns;
        return stop_ns == 0 || stop_ns > e->end_ns ? e->end_ns : stop_ns;
    }
    for (int i = 0; i < e->nthreads; i++)
        if (e->workers[i].stop_ns && e->workers[i].stop_ns < stop_ns)
            stop_ns = e->workers[i].stop_ns;
    return stop_ns;
}

/* The candidate's result: its own answers, latency and sends; what was
 * scheduled, dropped and measured is the primary's (both sides of one
 * request). */
static int shadow_collect(engine *e, const run_result *primary)
{
    run_result *c = e->o.shadow->candidate_out;
    const char **names = calloc(primary->ntags + 1, sizeof *names);
    if (!names)
        return -1;
    for (size_t t = 0; t < primary->ntags; t++)
        names[t] = primary->tags[t].name;
    int rc = run_result_init(c, primary->ntags, names);
    free(names);
    if (rc != 0)
        return -1;
    for (int i = 0; i < e->nthreads; i++)
        run_result_merge(c, &e->workers[i].cres);
    tag_stats *dst[2] = {&c->total, NULL};
    const tag_stats *src[2] = {&primary->total, NULL};
    for (size_t t = 0; t <= primary->ntags; t++) {
        dst[0] = t ? &c->tags[t - 1] : &c->total;
        src[0] = t ? &primary->tags[t - 1] : &primary->total;
        dst[0]->c.scheduled = src[0]->c.scheduled;
        dst[0]->c.dropped = src[0]->c.dropped;
    }
    c->duration_s = primary->duration_s;
    c->interrupted = primary->interrupted;
    c->generator = primary->generator;
    snprintf(c->started_at, sizeof c->started_at, "%s", primary->started_at);
    snprintf(c->target, sizeof c->target, "%s", e->o.shadow->candidate);
    return 0;
}

int engine_run(const engine_options *o, const loadplan *plan, run_result *out)
{
    engine e;
    memset(&e, 0, sizeof e);
    e.plan = plan;
    e.o = *o;
    int rc = CREST_EXIT_RUN;
    memset(out, 0, sizeof *out);

    if (!plan->target) {
        crest_error("the plan has no target URL");
        return CREST_EXIT_RUN;
    }
    /* The connection budget: the cap for open-loop phases, and what the
     * largest closed-loop phase needs. */
    int open = 0, closed_max = 0;
    for (size_t i = 0; i < plan->nphases; i++) {
        if (plan->phases[i].connections > 0) {
            /* this shard's users (all of them when not sharded) */
            int mine = (int)shard_split(&plan->shard, (uint64_t)plan->phases[i].connections);
            if (mine > closed_max)
                closed_max = mine;
        } else {
            open = 1;
        }
    }
    e.budget = closed_max;
    if (open && o->connections > e.budget)
        e.budget = o->connections;
    if (e.budget <= 0 && shard_spec_active(&plan->shard))
        e.budget = 1;   /* a shard whose part is empty still runs (and counts) its timeline */
    if (e.budget <= 0) {
        crest_error("no connections to run with; expected -c/--connections of at least 1");
        return CREST_EXIT_USAGE;
    }
    if (choose_transport(&e) != 0)
        return CREST_EXIT_RUN;
    e.nthreads = o->threads > 0 ? o->threads : default_threads();
    if (e.nthreads > e.budget)
        e.nthreads = e.budget;
    if (ensure_fds(o->shadow ? 2 * e.budget : e.budget, e.nthreads) != 0)
        return CREST_EXIT_RUN;
    if (e.tops->global_init() != 0) {
        crest_error("the %s transport failed to initialize", e.tops->name);
        return CREST_EXIT_RUN;
    }
    signal(SIGPIPE, SIG_IGN);
    if (prerender(&e) != 0)
        goto done;

    const char **names = calloc(plan->nsubsystems ? plan->nsubsystems : 1, sizeof *names);
    if (!names)
        goto done;
    for (size_t t = 0; t < plan->nsubsystems; t++)
        names[t] = plan->subsystems[t].name;
    int irc = run_result_init(out, plan->nsubsystems, names);
    free(names);
    if (irc != 0) {
        crest_error("out of memory");
        goto done;
    }

    e.duration_s = loadplan_duration(plan);
    e.warmup_s = o->warmup_s;
    if (e.warmup_s >= e.duration_s) {
        crest_error("--warmup %gs leaves nothing to measure in a %gs run; expected a warmup "
                    "shorter than the run", e.warmup_s, e.duration_s);
        rc = CREST_EXIT_USAGE;
        goto done;
    }
    size_t nseconds = (size_t)ceil(e.duration_s - e.warmup_s);
    if (nseconds == 0)
        nseconds = 1;
    e.store_ready = 1;
    if (second_store_init(&e.store, plan, e.warmup_s, nseconds, e.nthreads) != 0) {
        crest_error("out of memory");
        goto done;
    }
    e.store.hooks = o->hooks;
    e.workers = calloc((size_t)e.nthreads, sizeof *e.workers);
    e.phase_start_ns = calloc(plan->nphases + 1, sizeof *e.phase_start_ns);
    if (!e.workers || !e.phase_start_ns) {
        crest_error("out of memory");
        goto done;
    }
    int setup_failed = 0;
    for (int i = 0; i < e.nthreads; i++) {
        worker *w = &e.workers[i];
        w->eng = &e;
        w->id = i;
        w->timer.fd = -1;
        w->max_outstanding = o->max_in_flight ? share(o->max_in_flight, e.nthreads, i) : 0;
        if (o->max_in_flight && w->max_outstanding == 0)
            w->max_outstanding = 1;
        size_t users = share((uint64_t)closed_max, e.nthreads, i);
        if (!setup_failed && worker_setup(w, share((uint64_t)e.budget, e.nthreads, i), users) != 0) {
            crest_error("generator thread %d: %s", i, w->setup_err);
            setup_failed = 1;
        }
    }
    if (setup_failed)
        goto teardown;

    /* Everything is ready: fix the timeline a little in the future so all
     * threads start on the same instant. */
    clock_wall_iso8601(out->started_at, sizeof out->started_at);
    snprintf(out->target, sizeof out->target, "%s", plan->target);
    e.t0_ns = fix_timeline(o, out);
    e.end_ns = e.t0_ns + (uint64_t)(e.duration_s * 1e9);
    e.measure_ns = e.t0_ns + (uint64_t)(e.warmup_s * 1e9);
    double acc = 0;
    for (size_t i = 0; i < plan->nphases; i++) {
        e.phase_start_ns[i] = e.t0_ns + (uint64_t)(acc * 1e9);
        acc += plan->phases[i].duration_s;
    }
    e.phase_start_ns[plan->nphases] = e.end_ns;
    out->measure_start_ns = e.measure_ns;
    if (o->hooks && o->hooks->on_start)
        o->hooks->on_start(o->hooks->ctx, plan, e.t0_ns, e.measure_ns);

    int started = 0;
    for (int i = 0; i < e.nthreads; i++) {
        if (pthread_create(&e.workers[i].thread, NULL, worker_main, &e.workers[i]) != 0) {
            crest_error("cannot start generator thread %d: %s", i, strerror(errno));
            atomic_store(&e.stop, 1);
            atomic_fetch_add(&e.nfinished, e.nthreads - i);
            break;
        }
        started++;
    }
    watch(&e, out);
    for (int i = 0; i < started; i++)
        pthread_join(e.workers[i].thread, NULL);
    if (started < e.nthreads)
        goto teardown;

    for (int i = 0; i < e.nthreads; i++)
        run_result_merge(out, &e.workers[i].res);
    uint64_t stop_ns = run_stop_ns(&e);
    out->duration_s = stop_ns > e.measure_ns ? (double)(stop_ns - e.measure_ns) / 1e9 : 0;
    out->interrupted = g_signal_stop != 0;
    /* Hand the per-second store over, cut to the seconds actually run. */
    size_t ran = (size_t)ceil(out->duration_s - 1e-9);
    if (ran > e.store.nseconds)
        ran = e.store.nseconds;
    out->nseconds = ran;
    out->seconds = e.store.seconds;
    out->tag_seconds = e.store.tag_seconds;
    e.store.seconds = NULL;
    e.store.tag_seconds = NULL;
    if (!out->tag_seconds && out->ntags) {
        out->tag_seconds = calloc(out->ntags, sizeof *out->tag_seconds);
    }
    judge_generator(&e, out);
    if (o->shadow && shadow_collect(&e, out) != 0) {
        crest_error("out of memory");
        run_result_free(out);
        goto teardown;
    }
    rc = CREST_EXIT_OK;
teardown:
    for (int i = 0; i < e.nthreads; i++)
        if (e.workers[i].eng)
            worker_teardown(&e.workers[i]);
done:
    if (e.store_ready)
        second_store_free(&e.store);
    engine_free(&e);
    if (rc != CREST_EXIT_OK && out->total.name)
        run_result_free(out);
    return rc;
}
