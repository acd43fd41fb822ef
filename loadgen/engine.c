/* engine.c: runs a load plan (see engine.h and docs/engine.md): sets the
 * run up, starts the generator threads, watches them and hands the
 * results over.
 *
 * Threads: the calling thread starts N generator threads (engine_worker.c,
 * the hot path) and then only watches: progress lines, abort rules,
 * checkpoints, observer hooks and stop requests, once a second. Each
 * generator thread has its own libev loop, its own transport instance and
 * its own share of the connection budget.
 *
 * Statistics: each thread records into its own run_result (no sharing on
 * the hot path) and once per second into the shared per-second store
 * (engine_seconds.c). At the end the thread results are merged with
 * run_result_merge and the store becomes the run's time series. */
#include "loadgen/engine_worker.h"

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

#include "common/clock.h"
#include "common/error.h"

static volatile sig_atomic_t g_signal_stop;

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
    g->send_batch_ms = e->o.send_batch_s * 1000;
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
    /* Batched sends wait up to a period by design: that much lag is not
     * the generator falling behind. */
    generator_judge(g, e->o.loop_lag_bound_ms + e->o.send_batch_s * 1000, dropped_limit);
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

/* The connection budget: the cap for open-loop phases, and what the
 * largest closed-loop phase needs (this shard's users). *CLOSED_MAX gets
 * the latter. The budget, or 0 after an error. */
static int connection_budget(const loadplan *plan, const engine_options *o, int *closed_max)
{
    int open = 0;
    *closed_max = 0;
    for (size_t i = 0; i < plan->nphases; i++) {
        if (plan->phases[i].connections > 0) {
            int mine = (int)shard_split(&plan->shard, (uint64_t)plan->phases[i].connections);
            if (mine > *closed_max)
                *closed_max = mine;
        } else {
            open = 1;
        }
    }
    int budget = *closed_max;
    if (open && o->connections > budget)
        budget = o->connections;
    if (budget <= 0 && shard_spec_active(&plan->shard))
        budget = 1;   /* a shard whose part is empty still runs (and counts) its timeline */
    if (budget <= 0)
        crest_error("no connections to run with; expected -c/--connections of at least 1");
    return budget > 0 ? budget : 0;
}

/* Transport, threads, descriptors, prerendered requests, OUT's tags and
 * the per-second store. 0 or an exit code (said why). */
static int prepare_run(engine *e, run_result *out)
{
    const loadplan *plan = e->plan;
    if (choose_transport(e) != 0)
        return CREST_EXIT_RUN;
    e->nthreads = e->o.threads > 0 ? e->o.threads : default_threads();
    if (e->nthreads > e->budget)
        e->nthreads = e->budget;
    if (ensure_fds(e->o.shadow ? 2 * e->budget : e->budget, e->nthreads) != 0)
        return CREST_EXIT_RUN;
    if (e->tops->global_init() != 0) {
        crest_error("the %s transport failed to initialize", e->tops->name);
        return CREST_EXIT_RUN;
    }
    signal(SIGPIPE, SIG_IGN);
    if (prerender(e) != 0)
        return CREST_EXIT_RUN;
    const char **names = calloc(plan->nsubsystems ? plan->nsubsystems : 1, sizeof *names);
    if (!names)
        return CREST_EXIT_RUN;
    for (size_t t = 0; t < plan->nsubsystems; t++)
        names[t] = plan->subsystems[t].name;
    int irc = run_result_init(out, plan->nsubsystems, names);
    free(names);
    if (irc != 0) {
        crest_error("out of memory");
        return CREST_EXIT_RUN;
    }
    e->duration_s = loadplan_duration(plan);
    e->warmup_s = e->o.warmup_s;
    if (e->warmup_s >= e->duration_s) {
        crest_error("--warmup %gs leaves nothing to measure in a %gs run; expected a warmup "
                    "shorter than the run", e->warmup_s, e->duration_s);
        return CREST_EXIT_USAGE;
    }
    size_t nseconds = (size_t)ceil(e->duration_s - e->warmup_s);
    e->store_ready = 1;
    if (second_store_init(&e->store, plan, e->warmup_s, nseconds ? nseconds : 1,
                          e->nthreads) != 0) {
        crest_error("out of memory");
        return CREST_EXIT_RUN;
    }
    e->store.hooks = e->o.hooks;
    e->workers = calloc((size_t)e->nthreads, sizeof *e->workers);
    e->phase_start_ns = calloc(plan->nphases + 1, sizeof *e->phase_start_ns);
    if (!e->workers || !e->phase_start_ns) {
        crest_error("out of memory");
        return CREST_EXIT_RUN;
    }
    return CREST_EXIT_OK;
}

/* Each thread's share of the budget, the in-flight cap and the closed-loop
 * users. 0, or -1 after naming the thread that failed. */
static int setup_workers(engine *e, int closed_max)
{
    for (int i = 0; i < e->nthreads; i++) {
        worker *w = &e->workers[i];
        w->eng = e;
        w->id = i;
        w->timer.fd = -1;
        w->max_outstanding = e->o.max_in_flight ? engine_share(e->o.max_in_flight, e->nthreads, i)
                                                : 0;
        if (e->o.max_in_flight && w->max_outstanding == 0)
            w->max_outstanding = 1;
        size_t users = engine_share((uint64_t)closed_max, e->nthreads, i);
        if (engine_worker_setup(w, engine_share((uint64_t)e->budget, e->nthreads, i), users) != 0) {
            crest_error("generator thread %d: %s", i, w->setup_err);
            return -1;
        }
    }
    return 0;
}

/* Everything is ready: fixes the timeline a little in the future so all
 * threads start on the same instant, and the phases on it. */
static void fix_phases(engine *e, run_result *out)
{
    const loadplan *plan = e->plan;
    clock_wall_iso8601(out->started_at, sizeof out->started_at);
    snprintf(out->target, sizeof out->target, "%s", plan->target);
    e->t0_ns = fix_timeline(&e->o, out);
    e->end_ns = e->t0_ns + (uint64_t)(e->duration_s * 1e9);
    e->measure_ns = e->t0_ns + (uint64_t)(e->warmup_s * 1e9);
    double acc = 0;
    for (size_t i = 0; i < plan->nphases; i++) {
        e->phase_start_ns[i] = e->t0_ns + (uint64_t)(acc * 1e9);
        acc += plan->phases[i].duration_s;
    }
    e->phase_start_ns[plan->nphases] = e->end_ns;
    out->measure_start_ns = e->measure_ns;
    if (e->o.hooks && e->o.hooks->on_start)
        e->o.hooks->on_start(e->o.hooks->ctx, plan, e->t0_ns, e->measure_ns);
}

/* Starts the threads, watches them until they end and joins them. 0, or
 * -1 when a thread could not start (those that did were stopped). */
static int run_threads(engine *e, run_result *out)
{
    int started = 0;
    for (int i = 0; i < e->nthreads; i++) {
        if (pthread_create(&e->workers[i].thread, NULL, engine_worker_main, &e->workers[i]) != 0) {
            crest_error("cannot start generator thread %d: %s", i, strerror(errno));
            atomic_store(&e->stop, 1);
            atomic_fetch_add(&e->nfinished, e->nthreads - i);
            break;
        }
        started++;
    }
    watch(e, out);
    for (int i = 0; i < started; i++)
        pthread_join(e->workers[i].thread, NULL);
    return started == e->nthreads ? 0 : -1;
}

/* Merges the threads' results into OUT and hands the per-second store
 * over, cut to the seconds actually run. 0, or -1 out of memory. */
static int collect_results(engine *e, run_result *out)
{
    for (int i = 0; i < e->nthreads; i++)
        run_result_merge(out, &e->workers[i].res);
    uint64_t stop_ns = run_stop_ns(e);
    out->duration_s = stop_ns > e->measure_ns ? (double)(stop_ns - e->measure_ns) / 1e9 : 0;
    out->interrupted = g_signal_stop != 0;
    size_t ran = (size_t)ceil(out->duration_s - 1e-9);
    if (ran > e->store.nseconds)
        ran = e->store.nseconds;
    out->nseconds = ran;
    out->seconds = e->store.seconds;
    out->tag_seconds = e->store.tag_seconds;
    e->store.seconds = NULL;
    e->store.tag_seconds = NULL;
    if (!out->tag_seconds && out->ntags)
        out->tag_seconds = calloc(out->ntags, sizeof *out->tag_seconds);
    judge_generator(e, out);
    if (e->o.shadow && shadow_collect(e, out) != 0) {
        crest_error("out of memory");
        return -1;
    }
    return 0;
}

int engine_run(const engine_options *o, const loadplan *plan, run_result *out)
{
    engine e;
    memset(&e, 0, sizeof e);
    e.plan = plan;
    e.o = *o;
    memset(out, 0, sizeof *out);
    if (!plan->target) {
        crest_error("the plan has no target URL");
        return CREST_EXIT_RUN;
    }
    int closed_max;
    e.budget = connection_budget(plan, o, &closed_max);
    if (e.budget == 0)
        return CREST_EXIT_USAGE;
    int rc = prepare_run(&e, out);
    if (rc == CREST_EXIT_OK) {
        rc = CREST_EXIT_RUN;
        if (setup_workers(&e, closed_max) == 0) {
            fix_phases(&e, out);
            if (run_threads(&e, out) == 0 && collect_results(&e, out) == 0)
                rc = CREST_EXIT_OK;
        }
    }
    for (int i = 0; e.workers && i < e.nthreads; i++)
        if (e.workers[i].eng)
            engine_worker_teardown(&e.workers[i]);
    if (e.store_ready)
        second_store_free(&e.store);
    engine_free(&e);
    if (rc != CREST_EXIT_OK && out->total.name)
        run_result_free(out);
    return rc;
}
