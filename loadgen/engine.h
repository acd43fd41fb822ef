/* engine.h: runs a load plan against a target and measures it.
 *
 * One libev loop and one transport instance per thread (transport.h: the
 * native HTTP/1.1 one or libcurl's), the connection budget pinned, and
 * admission control here rather than in the transport. Every request's
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

struct transport_result;

/* Shadow comparison (crest shadow): every request goes to the plan's target
 * (the primary) and, at the same intended time, to CANDIDATE (the same
 * method, path, headers and body under another base URL). Each side is
 * measured on its own (the primary into engine_run's OUT, the candidate
 * into CANDIDATE_OUT); when both answers of a request are in, COMPARE gets
 * them with their bodies (the first BODY_CAP bytes). COMPARE runs on the
 * generator threads, concurrently: it must be thread-safe. Without a
 * shadow the transport discards bodies unread and nothing here costs. */
typedef void (*engine_compare_fn)(void *ctx, uint32_t endpoint,
                                  const struct transport_result *primary,
                                  const struct transport_result *candidate);
typedef struct engine_shadow {
    const char *candidate;    /* base URL without trailing '/' */
    size_t body_cap;          /* response bytes kept per side (> 0) */
    engine_compare_fn compare;
    void *ctx;
    run_result *candidate_out;/* initialized and filled by engine_run; the caller frees it */
} engine_shadow;

/* One line of live progress, for whoever shows it (the engine itself
 * prints nothing: see engine_options.on_second). The engine reports one per
 * measured second once that second is final (HAS_RATE: ACHIEVED_RATE is
 * that second's answers, the figure results.json's time series holds), one
 * per second of the warm-up (nothing measured yet), and one when the plan
 * has ended and the grace period waits for requests in flight (DRAINING). */
typedef struct progress_snapshot {
    double elapsed_s, total_s;  /* the end of the second shown, of the timeline */
    const char *phase;
    int closed_connections;   /* > 0: a closed-loop phase with this many connections */
    double target_rate;       /* open loop: the plan's rate in that second */
    int has_rate;             /* 1: a measured second (achieved_rate, p99_ms are set) */
    double achieved_rate;     /* answers per second in that second */
    double p99_ms;            /* latency p99 of the run so far */
    uint64_t completed, errors, dropped;
    int draining;             /* 1: the plan ended; waiting for IN_FLIGHT answers */
    uint64_t in_flight;
    double grace_s;           /* the grace period's length */
} progress_snapshot;

typedef struct engine_options {
    int threads;              /* 0: number of cores */
    int connections;          /* connection cap (-c); closed-loop phases use their own count */
    double timeout_s;         /* per request */
    const char *transport;    /* "auto" (NULL), "native" or "curl" (transport.h) */
    size_t max_header_bytes;  /* response header cap (0: the transport's default, 64 KiB) */
    int http2;
    int insecure;
    const char *cacert, *cert, *key;
    int tls_no_resume;        /* every TLS connection makes a full handshake */
    uint64_t max_in_flight;   /* 0: no limit besides connections; beyond it requests are dropped */
    double loop_lag_bound_ms; /* loop lag p99 above this: generator-limited (default 5) */
    /* > 0: arrivals due closer together than this go out only on a timer
     * ticking at this period, in batches (wrk2's and h2load's millisecond
     * pacing: less CPU per request at high rates, up to this much loop lag,
     * counted in latency); 0: each goes out as soon as it is due (within
     * 250 us, and before the loop sleeps). */
    double send_batch_s;
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
    /* Checkpoints: every checkpoint_s seconds (> 0) while the run lasts,
     * checkpoint(run so far, marked partial, checkpoint_ctx) is called from
     * the watching thread (never a generator thread), e.g. to write a
     * partial results.json that survives a kill -9. */
    double checkpoint_s;
    void (*checkpoint)(const run_result *so_far, void *ctx);
    void *checkpoint_ctx;
    engine_shadow *shadow;    /* NULL: a plain run */
    double start_at;          /* epoch seconds the timeline starts at (--start-at); 0: now */
    const engine_hooks *hooks; /* NULL: none */
} engine_options;

/* Sensible defaults (threads 0, connections 64, timeout 5 s, lag bound 5 ms,
 * grace 2 s; the transport from the CREST_TRANSPORT environment variable,
 * else auto). */
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
