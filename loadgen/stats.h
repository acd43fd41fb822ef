/* stats.h: what a run measured, per tag (subsystem) and in total, and per
 * second. Filled by the engine (per-thread stats merged at the end), read by
 * thresholds, search, results.c (results.json) and compare.
 *
 * Accounting always balances, per tag and in total:
 *   scheduled = ok + shed + errors + dropped + cancelled
 *   errors    = http_errors + net_errors (timeouts are a net error kind)
 * shed: a status the subsystem lists as shed (429), or a 2xx/3xx answer
 * marked degraded by the subsystem's shed_header (still counted in status).
 * dropped: scheduled but never sent (--max-in-flight reached, feeder ran out).
 * cancelled: in flight when the run ended. */
#ifndef CREST_STATS_H
#define CREST_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"

enum status_class { STATUS_2XX, STATUS_3XX, STATUS_4XX, STATUS_429, STATUS_5XX, STATUS_OTHER,
                    STATUS_CLASSES };
/* Network errors: the request got no complete, well-formed HTTP answer.
 * REFUSED/UNREACHABLE/TIMEOUT/RESET also cover connecting; TRUNCATED: the
 * connection ended inside the answer (headers or body); PROTOCOL: the bytes
 * were not HTTP or broke its framing; TOO_LARGE: a response header block
 * above the cap. None of them is ever ok. */
enum net_error_kind { NETERR_REFUSED, NETERR_RESET, NETERR_TIMEOUT, NETERR_DNS, NETERR_TLS,
                      NETERR_PROTOCOL, NETERR_TRUNCATED, NETERR_UNREACHABLE, NETERR_TOO_LARGE,
                      NETERR_OTHER, NETERR_KINDS };
/* Kinds from NETERR_FIRST_LATER on were added after results format 1 was
 * first written: a results file without them reads as 0. */
#define NETERR_FIRST_LATER NETERR_TRUNCATED

extern const char *const status_class_names[STATUS_CLASSES]; /* "2xx", ..., "429", ... */
extern const char *const net_error_names[NETERR_KINDS];      /* "refused", "reset", ... */

typedef struct counters {
    uint64_t scheduled, sent, completed, ok, shed, errors, http_errors, net_errors, dropped,
        cancelled;
    uint64_t status[STATUS_CLASSES];
    uint64_t net[NETERR_KINDS];
} counters;

/* One histogram per measured duration (microseconds). */
typedef struct latency_hists {
    hist *latency;      /* intended send -> completion (no coordinated omission) */
    hist *service;      /* actual send -> completion */
    hist *send_lag;     /* intended -> actual send */
    hist *loop_lag;     /* intended -> handled by the scheduler (generator CPU) */
    hist *conn_wait;    /* handled -> sent (waiting for a free connection) */
} latency_hists;

typedef struct tag_stats {
    char *name;
    counters c;
    latency_hists h;
} tag_stats;

/* One second of the run, total or for one tag. */
typedef struct second_stats {
    uint64_t offered;        /* scheduled in this second */
    uint64_t sent, completed, ok, shed, errors, dropped;
    uint64_t net[NETERR_KINDS];
    uint64_t status[STATUS_CLASSES];
    double p50_ms, p90_ms, p99_ms, max_ms;   /* latency of completions in this second */
    double target_rate;      /* what the plan asked for at this second */
} second_stats;

typedef struct generator_health {
    int limited;             /* 1: results are inconclusive */
    char reason[256];
    double cpu_s;            /* user + system CPU of the process */
    double cpu_busiest_thread; /* fraction 0..1 of the busiest generator thread */
    int threads;
    char transport[16];      /* the transport that ran ("native", "curl"), "" unknown */
    int connections_requested;
    uint64_t connections_opened;
    /* TLS handshakes the transport timed (native transport; 0 otherwise),
     * how many resumed a session, and their durations (TCP connected ->
     * TLS ready), apart from request latency */
    uint64_t tls_handshakes, tls_resumed;
    double tls_handshake_p50_ms, tls_handshake_p99_ms, tls_handshake_max_ms;
    double loop_lag_p99_ms;
    double send_batch_ms;    /* --send-batch's period; 0: sends as soon as due */
    int conn_wait_warning;   /* requests waited for a connection under the cap */
} generator_health;

typedef struct run_result {
    tag_stats total;
    tag_stats *tags;         /* one per plan subsystem, same order */
    size_t ntags;
    second_stats *seconds;   /* total, one per second */
    second_stats **tag_seconds; /* [tag][second] */
    size_t nseconds;
    double duration_s;       /* measured window */
    int interrupted;         /* SIGINT/SIGTERM */
    int partial;             /* a checkpoint taken while the run lasted, not its end */
    char aborted[256];       /* abort rule that stopped the run, or "" */
    generator_health generator;
    char started_at[32];     /* ISO 8601 UTC, a label only */
    double timeline_start;   /* epoch seconds of the timeline's t = 0 (shared with --start-at) */
    double late_s;           /* with --start-at: how late the generator was ready (<= 0: on time) */
    char target[512];
    uint64_t measure_start_ns; /* CLOCK_MONOTONIC start of the measured window (this
                                  process only: aligns scraped metrics; not saved) */
} run_result;

/* A generator thread busier than this share of its wall time marks the run
 * generator-limited. */
#define GENERATOR_CPU_BOUND 0.95

/* The generator-limited verdict from G's measurements (loop_lag_p99_ms,
 * cpu_busiest_thread): loop lag p99 above LOOP_LAG_BOUND_MS, a thread more
 * than GENERATOR_CPU_BOUND busy, or DROPPED_AT_CAP requests dropped at
 * --max-in-flight. Sets G->limited and G->reason (every cause, "; "). */
void generator_judge(generator_health *g, double loop_lag_bound_ms, uint64_t dropped_at_cap);

/* Sets G's TLS handshake figures from HANDSHAKES (microseconds) and
 * RESUMED. */
void generator_set_tls(generator_health *g, const hist *handshakes, uint64_t resumed);

/* Initializes R with NTAGS tags named by NAMES (copied). 0 or -1. */
int run_result_init(run_result *r, size_t ntags, const char *const *names);
void run_result_free(run_result *r);

/* Adds SRC's counters and histograms into DST (same tags). Exact. */
void run_result_merge(run_result *dst, const run_result *src);

/* Error rate = errors / (ok + shed + errors); shed rate likewise; 0 when none. */
double counters_error_rate(const counters *c);
double counters_shed_rate(const counters *c);

/* Status class of an HTTP status code. */
enum status_class status_class_of(long status);

#endif
