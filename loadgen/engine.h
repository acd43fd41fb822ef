/* engine.h: runs a load plan against a target and measures it.
 *
 * One libev loop and one libcurl multi handle per thread (multi_socket
 * API), a pool of reused easy handles, the connection budget pinned, and
 * admission control here rather than in libcurl's queue. Every request's
 * latency counts from its intended send time. See docs/engine.md. */
#ifndef CREST_ENGINE_H
#define CREST_ENGINE_H

#include <stdint.h>

#include "loadgen/loadplan.h"
#include "loadgen/stats.h"

/* Observers of a running engine (observe/ provides them: live metrics,
 * HdrHistogram interval logs). Every hook is optional and must be short:
 * on_tick and on_second run with the per-second store locked. */
typedef struct engine_hooks {
    void *ctx;
    /* Calling thread, before the generator threads start: the run's
     * monotonic start and the start of its measured window. */
    void (*on_start)(void *ctx, const loadplan *plan, uint64_t t0_ns, uint64_t measure_ns);
    /* Watching thread, once per second: LIVE holds the counters and
     * latency of the run so far (net[] and status[] too), LOOP_LAG_US the
     * largest loop lag of the last flushed second. */
    void (*on_tick)(void *ctx, const run_result *live, int64_t loop_lag_us, uint64_t now_ns);
    /* Measured second SEC is final; FILLED is its latency histogram for
     * subsystem TAG (-1: the total). The hook takes FILLED and returns an
     * empty histogram in its place (never NULL), so nothing is copied on
     * the generator thread that finalizes the second. */
    hist *(*on_second)(void *ctx, size_t sec, long tag, hist *filled);
} engine_hooks;
/* A live view of the run, taken once per second for whoever shows
 * progress (the engine itself prints nothing: see engine_options.on_second). */
typedef struct progress_snapshot {
    double elapsed_s, total_s;
    const char *phase;
    int closed_connections;   /* > 0: a closed-loop phase with this many connections */
    double target_rate;       /* open loop: the plan's rate now */
    double achieved_rate;     /* answers in the last full second */
    double p99_ms;            /* latency p99 of the run so far */
    uint64_t completed, errors, dropped;
} progress_snapshot;

typedef struct engine_options {
    int threads;              /* 0: number of cores */
    int connections;          /* connection cap (-c); closed-loop phases use their own count */
    double timeout_s;         /* per request */
    int http2;
    int insecure;
    const char *cacert, *cert, *key;
    uint64_t max_in_flight;   /* 0: no limit besides connections; beyond it requests are dropped */
    double loop_lag_bound_ms; /* loop lag p99 above this: generator-limited (default 5) */
    double warmup_s;          /* measurements before this are discarded (search steps) */
    double grace_s;           /* in-flight grace period at the end / on interrupt */
    int quiet;                /* no live progress */
    const char *progress_label; /* prefix for progress lines (e.g. "search cart 2000/s") */
    /* Called once per second from the watching thread (not a generator
     * thread) unless quiet, and once at the end when it was called at all. */
    void (*on_second)(void *user, const char *label, const progress_snapshot *s);
    void (*on_end)(void *user);
    void *progress_user;
    uint64_t seed;
    const engine_hooks *hooks; /* NULL: none */
} engine_options;

/* Sensible defaults (threads 0, connections 64, timeout 5 s, lag bound 5 ms,
 * grace 2 s). */
void engine_options_init(engine_options *o);

/* Runs PLAN (prepared, with a target) and fills OUT (initialized here; the
 * caller frees it with run_result_free). Returns CREST_EXIT_OK when the run
 * completed (gates are the caller's), CREST_EXIT_RUN when it could not start
 * (e.g. connections unavailable: says why). An interrupted or aborted run
 * still returns its results with OUT->interrupted / OUT->aborted set. */
int engine_run(const engine_options *o, const loadplan *plan, run_result *out);

/* Asks a running engine to stop scheduling (async-signal-safe). */
void engine_request_stop(void);
/* Installs SIGINT/SIGTERM handlers that call engine_request_stop. */
void engine_install_signal_handlers(void);
/* 1 once a stop was requested (so callers like search stop stepping). */
int engine_stop_requested(void);

#endif
