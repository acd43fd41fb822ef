/* loadplan.h: what to send and when. The contract between the producers of a
 * plan (scenario.c from a scenario file, adhoc.c from `crest run --url`
 * flags, capacity/search.c for capacity steps) and its consumer, the engine.
 *
 * A plan is a timeline of phases. An open-loop phase has a rate curve
 * (arrivals per second over the phase's time); a closed-loop phase has a
 * number of connections, each keeping one request in flight, with optional
 * think time. Each arrival picks an endpoint by the phase's mix and renders
 * it (templates, feeders) into preallocated buffers: no allocation per
 * request. Durations and rates here are final (time_scale and growth are
 * already applied by the producer). */
#ifndef CREST_LOADPLAN_H
#define CREST_LOADPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"
#include "loadgen/shard.h"
#include "loadgen/threshold.h"

#define LOADPLAN_MAX_HEADERS 16
#define LOADPLAN_MAX_FEEDERS 8
#define LOADPLAN_URL_CAP 4096
#define LOADPLAN_HEADER_CAP 1024
#define LOADPLAN_BODY_CAP 65536
/* Bounds loadplan_prepare enforces (bad input, exit 2, beyond them). A run
 * keeps ~200 bytes per second per subsystem (the timeseries), so a day of
 * ten subsystems costs ~190 MB; a longer soak is several runs. Ten million
 * requests/s is far beyond one generator machine (use several). */
#define LOADPLAN_MAX_DURATION_S 86400.0
#define LOADPLAN_MAX_RATE 1e7

struct template;
struct feeder;

enum rate_shape {
    SHAPE_CONSTANT,   /* from */
    SHAPE_RAMP,       /* from -> to, linear over the phase */
    SHAPE_STEP,       /* from -> to in `steps` equal steps over the phase */
    SHAPE_SPIKE,      /* base; rise to peak over rise_s; hold hold_s; fall back over rise_s */
    SHAPE_SINE,       /* from + amplitude * sin(2 pi t / period_s), never below 0 */
    SHAPE_PROFILE     /* samples every profile_step_s, linearly interpolated, times `from` */
};

typedef struct rate_curve {
    enum rate_shape shape;
    double from, to;
    int steps;
    double peak, rise_s, hold_s, spike_at_s;   /* spike: starts at spike_at_s */
    double amplitude, period_s;
    double *profile;                          /* owned */
    size_t profile_len;
    double profile_step_s;
} rate_curve;

typedef struct loadplan_phase {
    char *name;
    double duration_s;
    rate_curve rate;          /* open loop (connections == 0) */
    int connections;          /* > 0: closed loop with this many connections */
    double think_s;           /* closed loop: pause between a response and the next request */
    double *mix;              /* weight per endpoint, or NULL: the endpoints' own weights */
    double *mix_cumulative;   /* filled by loadplan_prepare */
} loadplan_phase;

typedef struct loadplan_endpoint {
    char *name;               /* "cart.add": subsystem.endpoint */
    size_t subsystem;         /* index into plan->subsystems */
    char *method;             /* "GET", "POST", ... */
    struct template *path;    /* appended to the plan's target */
    struct template *headers[LOADPLAN_MAX_HEADERS]; /* each renders "Name: value" */
    size_t nheaders;
    struct template *body;    /* NULL: no body */
    double weight;
} loadplan_endpoint;

typedef struct loadplan_subsystem {
    char *name;
    double slo_p99_ms;        /* 0: none */
    double slo_error_rate;    /* < 0: none */
    int shed_status[8];       /* statuses counted as shed, not errors (e.g. 429) */
    size_t nshed;
    char *shed_header;        /* owned, or NULL: a 2xx/3xx answer carrying this response
                                 header (value not empty, not "0") counts as shed, e.g.
                                 "X-Degraded" from a degradation plan answering from cache */
    double calls_per_pv;      /* requests one page view causes (0: unknown) */
    char *scrape;             /* owned, or NULL: the subsystem's Prometheus metrics URL,
                                 scraped during runs and searches (observe/) */
} loadplan_subsystem;

struct loadplan;
struct rendered_request;

/* A recorded arrival stream (replay/) in place of the phases' rate curves:
 * the engine asks each generator thread's reader for its next arrival and,
 * when that arrival is sent, for its request. Arrival N of a thread is
 * rendered (or dropped) only after arrivals 0..N-1 of that thread, so a
 * reader may release everything before N when asked to render N. */
typedef struct loadplan_feed_ops {
    /* Reader state for generator thread INDEX of COUNT, or NULL (out of memory). */
    void *(*open)(void *ctx, unsigned index, unsigned count);
    /* The thread's next arrival: seconds from the plan start and endpoint.
     * 1, or 0 when the stream has ended (or failed: the feed remembers why). */
    int (*next)(void *st, double *at_s, uint32_t *endpoint);
    /* Renders the thread's arrival number N (0, 1, ... in next's order). 0 or -1. */
    int (*render)(void *st, uint64_t n, const struct loadplan *p, rng *r,
                  struct rendered_request *out);
    void (*close)(void *st);
} loadplan_feed_ops;

typedef struct loadplan {
    char *source;             /* scenario path, or "adhoc" */
    char *name;
    char *target;             /* base URL without trailing '/'; NULL = embedded testbed */
    loadplan_subsystem *subsystems;
    size_t nsubsystems;
    loadplan_endpoint *endpoints;
    size_t nendpoints;
    loadplan_phase *phases;
    size_t nphases;
    int poisson;              /* open loop: 1 Poisson arrivals, 0 uniform */
    threshold_set thresholds; /* gates evaluated at the end */
    threshold_set aborts;     /* evaluated each second; crossing one stops the run */
    struct feeder *feeders[LOADPLAN_MAX_FEEDERS];
    size_t nfeeders;
    char **secret_headers;    /* header names whose values never reach reports */
    size_t nsecret;
    double *weights_cumulative;   /* filled by loadplan_prepare from endpoint weights */
    const loadplan_feed_ops *feed; /* NULL: arrivals from the rate curves; else from the feed
                                      (open-loop phases only; they give the length and the
                                      target rate shown per second) */
    void *feed_ctx;               /* not owned */
    shard_spec shard;         /* this generator's part of a fleet run (unsharded: 0 of 1) */
} loadplan;

/* Buffers an engine slot owns for one request; filled by loadplan_render. */
typedef struct rendered_request {
    size_t endpoint;
    const char *method;
    char url[LOADPLAN_URL_CAP];
    char headers[LOADPLAN_MAX_HEADERS][LOADPLAN_HEADER_CAP];
    size_t nheaders;
    char body[LOADPLAN_BODY_CAP];
    size_t body_len;
    int has_body;
} rendered_request;

/* Values shared by the templates of one request (the same feeder row for
 * ${user.id} and ${user.name}). */
typedef struct render_ctx {
    uint64_t seq;
    rng *rng;
    long feeder_row[LOADPLAN_MAX_FEEDERS];
} render_ctx;

/* A new empty plan (calloc'd); freed with loadplan_free. */
loadplan *loadplan_new(const char *source);
void loadplan_free(loadplan *p);

/* Validates the plan and precomputes mix tables. Prints errors naming
 * plan->source. 0 or -1. Must be called once before the engine runs it. */
int loadplan_prepare(loadplan *p);

/* Arrivals per second at T seconds into the phase's curve (>= 0). */
double rate_curve_at(const rate_curve *c, double t_s, double duration_s);
/* Expected arrivals in [0, duration_s]. */
double rate_curve_expected(const rate_curve *c, double duration_s);
/* Highest rate the curve reaches. */
double rate_curve_max(const rate_curve *c, double duration_s);

/* Total duration of all phases. */
double loadplan_duration(const loadplan *p);
/* Index of the phase at T seconds from the start (the last one past the end),
 * and T relative to that phase's start in *T_IN_PHASE. */
size_t loadplan_phase_at(const loadplan *p, double t_s, double *t_in_phase);

/* Makes the plan shard SPEC's part of a fleet run (the plan takes over
 * SPEC's weights): arrivals and closed-loop users are split by the engine,
 * unique and sequential feeders are restricted to the shard's block of
 * rows here (loadgen/shard.h). */
void loadplan_set_shard(loadplan *p, shard_spec *spec);

/* Picks an endpoint by phase PHASE's mix. Constant time in practice. */
size_t loadplan_pick_endpoint(const loadplan *p, size_t phase, rng *r);

/* Renders endpoint E for request number SEQ into OUT. No allocation.
 * Returns 0; -1 when a buffer would overflow; -2 when a unique feeder has
 * run out of rows (the request must not be sent; count it as dropped). */
int loadplan_render(const loadplan *p, size_t endpoint, uint64_t seq, rng *r, rendered_request *out);

/* 1 when STATUS is shed for SUBSYSTEM (e.g. a rate limiter's 429), else 0.
 * (A degraded answer marked by the subsystem's shed_header is recognized by
 * the transport, see transport.h, and counted as shed by the engine.) */
int loadplan_is_shed(const loadplan *p, size_t subsystem, long status);

/* Adds a subsystem / endpoint; returns its index (grows the arrays). The
 * strings are copied; templates are owned by the plan afterwards. */
size_t loadplan_add_subsystem(loadplan *p, const char *name);
size_t loadplan_add_endpoint(loadplan *p, size_t subsystem, const char *name, const char *method,
                         struct template *path, double weight);
loadplan_phase *loadplan_add_phase(loadplan *p, const char *name, double duration_s);
/* Frees every phase (search replaces a scenario's timeline with its own
 * steps); call loadplan_prepare again after adding new ones. */
void loadplan_clear_phases(loadplan *p);

/* Checks that TARGET is a URL crest can send to: http or https, a host
 * (not "http://:8080"), a port in 1..65535 when given. 0, or -1 with why
 * in ERR ("missing host", ...). Bad targets are bad input (exit 2), found
 * before any traffic rather than as an unreachable target (exit 3). */
int loadplan_check_target(const char *target, char *err, size_t len);

#endif
