/* search.h: the capacity search algorithm, independent of the engine.
 *
 * A search asks a step runner (a callback) to hold a constant open-loop
 * rate for one step and say whether the system met its SLO there. It
 * probes upward by doubling from a start rate until a step fails, then
 * narrows the bracket [highest passing rate, lowest failing rate] until
 * (fail - pass) / pass <= tolerance. search_cmd.c runs real steps through
 * the engine; tests/unit/test_search.c drives it with simulated systems.
 *
 * What a result claims (docs/capacity-format.md):
 *   - capacity = the highest passing rate, upper bound = the lowest failing
 *     rate, limited_by = why that lowest failing step failed;
 *   - a generator-limited step is never a pass or a fail (its latency may be
 *     the generator's own); when it persists the result is "at least the
 *     highest passing rate", limited_by generator, never a capacity claim;
 *   - max_rate passing: "at least max_rate", limited_by max_rate;
 *   - interrupted: the steps done are kept, at_least unless bracketed. */
#ifndef CREST_SEARCH_H
#define CREST_SEARCH_H

#include <stddef.h>

enum search_limit {
    SEARCH_LIMIT_NONE,       /* nothing failed (yet) */
    SEARCH_LIMIT_LATENCY,    /* a latency percentile broke the SLO */
    SEARCH_LIMIT_ERRORS,     /* errors (plus shed) broke the error budget, errors dominating */
    SEARCH_LIMIT_SHED,       /* the error budget broke mainly because of shed responses */
    SEARCH_LIMIT_GENERATOR,  /* the load generator could not hold the rate: inconclusive */
    SEARCH_LIMIT_MAX_RATE,   /* --max-rate passed: the capacity is at least that */
    SEARCH_LIMIT_QUEUE       /* every bound held, but completions fell behind arrivals: the
                                queue grows, and no latency bound can hold for long */
};

/* A target's metric at a step's rate (scraped by observe/ during the
 * step, the mean over its measured window). */
#define SEARCH_MAX_RESOURCES 32
typedef struct search_resource {
    char target[48];         /* scrape target name ("cart", "node") */
    char series[112];        /* "cpu_busy_pct", "crest_testbed_busy_workers{subsystem=\"cart\"}" */
    char unit[8];
    double value;
    double limit;            /* NAN: none known */
} search_resource;

/* One step as measured. The search sets `rate` before calling the step
 * runner; the runner fills in the rest. */
typedef struct search_step {
    double rate;             /* open-loop arrivals/s asked for */
    double sent_rps;         /* requests the generator actually sent per second */
    double achieved_rps;     /* responses (ok + shed + errors) per second */
    double ok_rps;           /* ok responses per second: the served throughput */
    double p50_ms, p90_ms, p99_ms;
    double error_rate, shed_rate;  /* fractions of finished requests */
    int generator_limited;   /* 1: the step is inconclusive */
    int pass;                /* 1: SLO met and not generator-limited */
    enum search_limit reason;  /* why it did not pass (NONE when it passed) */
    char why[256];           /* human text, e.g. "cart:p99<50ms (812.3ms)" */
    char tag[64];            /* full-link: the subsystem whose SLO broke first, else "" */
    int interrupted;         /* 1: stopped by SIGINT; the step is discarded */
    int far_below_slo;       /* 1: passed with every latency bound under a quarter used and
                                nothing shed or failed: the probe may jump 4x, not 2x */
    search_resource resources[SEARCH_MAX_RESOURCES]; /* scraped metrics at this rate */
    size_t nresources;
    int nearest_limit;       /* index of the resource nearest its limit, -1 none */
} search_step;

/* Runs one step at RATE and fills OUT (zeroed by the caller, rate set).
 * Returns 0, or -1 when the step could not run at all (the search stops
 * and reports failure; the runner has printed why). */
typedef int (*search_step_fn)(void *ctx, double rate, search_step *out);

typedef struct search_config {
    double start_rate;       /* first step (default 100/s) */
    double max_rate;         /* never step above this (default 1e6/s) */
    double min_rate;         /* halving below a failing start stops here (default 1/s) */
    double tolerance;        /* stop when (fail - pass) / pass <= this (default 0.03) */
    int generator_retries;   /* re-run a generator-limited step this often (default 1) */
    size_t max_steps;        /* hard bound on steps (default 60) */
} search_config;

void search_config_init(search_config *c);

typedef struct search_result {
    double capacity_rps;     /* highest passing rate; NAN when none passed */
    double upper_bound_rps;  /* lowest failing rate; NAN when none failed */
    int at_least;            /* 1: capacity_rps is only a lower bound */
    enum search_limit limited_by;
    int generator_limited;   /* a generator-limited step stopped the search */
    int interrupted;         /* SIGINT: stopped early, steps so far kept */
    int run_failed;          /* the step runner returned -1 */
    search_step *steps;      /* every step run, in order (owned; free with search_result_free) */
    size_t nsteps;
} search_result;

/* While probing upward the rate doubles; after a step that was far below
 * its SLO (search_step.far_below_slo) it quadruples: latency that low says
 * the system is nowhere near its limit, and an overshoot costs one failing
 * step whose served throughput then aims the narrowing. */
#define SEARCH_PROBE_FACTOR 2
#define SEARCH_FAR_PROBE_FACTOR 4
#define SEARCH_FAR_LATENCY_USE 0.25

/* Runs the search. Returns 0 (even when interrupted or generator-limited:
 * see OUT), or -1 when CFG is invalid or memory ran out. OUT is always
 * initialized and must be freed with search_result_free. */
int search_run(const search_config *cfg, search_step_fn step, void *ctx, search_result *out);
void search_result_free(search_result *r);

/* Why a finished step failed, given which SLO parts failed. Shed counts
 * against the error budget as a failure to serve; when the budget breaks,
 * the larger of the shed and error shares names the cause. A broken error
 * budget outranks latency (an overloaded queue times out too, but a fast
 * 503/429 is the answer the user sees). A broken latency bound outranks a
 * queue that fell behind with every bound still met (QUEUE_FAILED).
 * Generator-limited outranks all. */
enum search_limit search_classify(int generator_limited, int latency_failed, int queue_failed,
                                  int unserved_failed, double error_rate, double shed_rate);

/* 1 when a step left so much room that the probe may quadruple: it passed,
 * nothing failed or was shed, and LATENCY_USE (the largest measured / bound
 * over the step's latency SLOs) is under SEARCH_FAR_LATENCY_USE. */
int search_far_below_slo(int pass, double errors, double shed, double latency_use);

/* "latency", "errors", "shed", "generator", "max_rate", "queue", "none". */
const char *search_limit_name(enum search_limit l);
/* The inverse; -1 when NAME is none of them. */
int search_limit_parse(const char *name, enum search_limit *out);

#endif
