/* step_runner.h: runs and judges the steps of a capacity search (and the
 * points of a USL sweep) on the real engine. It is the search_step_fn that
 * capacity/search.c drives, kept apart from `crest search`'s flags and
 * terminal output (cli/cmd_search.c) so that the judge can be unit-tested.
 *
 * A step replaces the plan's phases with one constant-rate open-loop phase
 * (warm-up + measured window), runs it through engine_run and judges the
 * result with step_judge: every SLO threshold through threshold_eval_slo
 * (loadgen/threshold.h: the one SLO judge, where the error budget counts
 * shed answers too), and whether each judged subsystem kept up with its
 * arrivals (completions against arrivals over the steady window). */
#ifndef CREST_STEP_RUNNER_H
#define CREST_STEP_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "capacity/capacity_file.h"
#include "capacity/search.h"
#include "loadgen/engine.h"
#include "loadgen/loadplan.h"
#include "loadgen/stats.h"
#include "loadgen/threshold.h"

/* An SLO without an error bound still must not count fast failures as
 * served: a step that answers 500s in a millisecond is not capacity. */
#define STEP_DEFAULT_ERROR_BUDGET "errors<1%"

/* How every step of a search runs. */
typedef struct step_settings {
    double step_s;           /* measured window */
    double warmup_s;         /* discarded warm-up before the window */
    double pause_s;          /* drain pause between steps */
    double sweep_step_s;     /* measured window per sweep point */
    double timeout_s;        /* per request */
    double max_loop_lag_ms;  /* 0: the engine's default bound */
    double kept_up_tolerance; /* shortfall of completions vs arrivals allowed */
    int connections, threads;
    uint64_t seed;           /* step k runs with seed + k */
    const engine_hooks *hooks; /* observers of every step's run (observe/), or NULL */
    /* Called with each judged step's result: fills the step's resource
     * readings (the scraped metrics at that rate), or NULL. */
    void (*observe_step)(void *ctx, const run_result *r, search_step *st);
    void *observe_ctx;
} step_settings;

struct step_runner;
/* Called after each judged step / sweep point (the command prints it). */
typedef void (*step_report_fn)(void *user, const struct step_runner *sr, const search_step *st);
typedef void (*sweep_report_fn)(void *user, const struct step_runner *sr, int connections,
                                double throughput_rps, double p99_ms, int generator_limited);

/* What one search needs: the plan whose phases it replaces, the SLO
 * (tagged thresholds), and which tag's numbers describe the step. */
typedef struct step_runner {
    const step_settings *settings;
    loadplan *plan;          /* owned by the caller */
    const char *label;       /* "cart", "full-link", the URL */
    threshold_set slo;       /* owned: free with step_runner_free */
    long tag;                /* the subsystem judged alone, or -1: the full link */
    size_t nstep;            /* steps run by this runner */
    int *steps_run;          /* shared across runners: pause before all but the first */
    step_report_fn on_step;
    sweep_report_fn on_sweep_point;
    void *user;
} step_runner;

void step_runner_free(step_runner *sr);

/* Appends "TAG:EXPR" to SET for every expression of LIST that has no tag
 * of its own or is TAG's (another subsystem's bound is skipped), plus
 * STEP_DEFAULT_ERROR_BUDGET when LIST has no error bound. ORIGIN names
 * where LIST came from in error messages. 0, or -1 (said why). */
int step_slo_add_tagged(threshold_set *set, const char *list, const char *tag,
                        const char *origin);

/* The steady part of a run's measured window from the per-second series of
 * TAG (-1: the total): the first second is skipped when there are more,
 * since its completions lag its arrivals by the latency. */
typedef struct step_window {
    double seconds;
    double offered, sent, completed, ok;
} step_window;

void step_steady_window(const run_result *r, long tag, double fallback_s, step_window *w);

/* Whether the system kept up with the arrivals over W: the shortfall of
 * completions is within TOL of the arrivals (or a handful of requests).
 * *RATIO gets completed / offered. 1 kept up, 0 fell behind. */
int step_kept_up(const step_window *w, double tol, double *ratio);

/* Judges a finished step's result R against SR's SLO and fills OUT (rate
 * already set by the caller): throughput, percentiles, pass/reason/why,
 * far_below_slo, the subsystem to blame on the full link. 0, or -1 when an
 * SLO names a subsystem R does not have (said why). Pure: no I/O. */
int step_judge(const step_runner *sr, const run_result *r, search_step *out);

/* search_step_fn: runs one step at RATE on the engine and judges it.
 * CTX is a step_runner. */
int step_runner_step(void *ctx, double rate, search_step *out);

/* Runs the whole search for SR with CFG (and, when SWEEP_LEVELS is given,
 * the closed-loop sweep and its USL fit) into S. 0 done, 1 interrupted,
 * -1 could not run. */
int step_runner_search(step_runner *sr, const search_config *cfg, const double *sweep_levels,
                       size_t nsweep_levels, capacity_subsystem *s);

#endif
