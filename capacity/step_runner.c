/* step_runner.c: one search step (or sweep point) on the engine, and its
 * judge (see step_runner.h). capacity/search.c decides which rate to try
 * next; this file runs it and says whether it passed and why. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capacity/step_runner.h"
#include "capacity/usl.h"
#include "common/clock.h"
#include "common/error.h"
#include "loadgen/engine.h"

void step_runner_free(step_runner *sr)
{
    threshold_set_free(&sr->slo);
}

/* ---- SLO ---- */

int step_slo_add_tagged(threshold_set *set, const char *list, const char *tag,
                        const char *origin)
{
    threshold_set parsed = {0};
    char err[256];
    if (threshold_set_add(&parsed, list, err, sizeof err) != 0) {
        crest_error("%s: %s", origin, err);
        threshold_set_free(&parsed);
        return -1;
    }
    int rc = 0, has_errors = 0;
    for (size_t i = 0; i < parsed.count && rc == 0; i++) {
        char expr[256];
        const threshold *t = &parsed.items[i];
        if (t->tag[0] && strcmp(t->tag, tag) != 0)
            continue; /* another subsystem's bound: not this search's business */
        has_errors |= t->metric == METRIC_ERRORS;
        const char *bare = strchr(t->expr, ':');
        snprintf(expr, sizeof expr, "%s:%s", tag, t->tag[0] && bare ? bare + 1 : t->expr);
        if (threshold_set_add(set, expr, err, sizeof err) != 0) {
            crest_error("%s: %s", origin, err);
            rc = -1;
        }
    }
    if (rc == 0 && !has_errors) {
        char expr[128];
        snprintf(expr, sizeof expr, "%s:%s", tag, STEP_DEFAULT_ERROR_BUDGET);
        rc = threshold_set_add(set, expr, err, sizeof err);
    }
    threshold_set_free(&parsed);
    return rc;
}

/* ---- the steady window ---- */

/* Steps run with no grace period, so no late completions pile into the
 * last second; only the first second is skipped. */
void step_steady_window(const run_result *r, long tag, double fallback_s, step_window *w)
{
    const second_stats *sec = tag >= 0 ? (r->tag_seconds ? r->tag_seconds[tag] : NULL)
                                       : r->seconds;
    memset(w, 0, sizeof *w);
    double d = r->duration_s > 0 ? r->duration_s : fallback_s;
    size_t first = r->nseconds > 1 ? 1 : 0;
    w->seconds = d - (double)first;
    for (size_t k = first; sec && k < r->nseconds; k++) {
        w->offered += (double)sec[k].offered;
        w->sent += (double)sec[k].sent;
        w->completed += (double)sec[k].completed;
        w->ok += (double)sec[k].ok;
    }
}

/* A latency bound alone cannot tell a short step above capacity from a
 * sustainable one: at 5% over capacity the queue grows by only 5% of a
 * second's work per second, so a p99 < 1 s bound would need a 20 s window
 * to break. Completions against arrivals tell at once: a stable system
 * completes what arrives, a saturated one completes its capacity. A
 * handful in flight at a low rate is not falling behind. */
int step_kept_up(const step_window *w, double tol, double *ratio)
{
    *ratio = w->offered > 0 ? w->completed / w->offered : 1;
    double shortfall = w->offered - w->completed;
    return !(shortfall > tol * w->offered && shortfall > 10);
}

/* ---- the judge ---- */


/* Appends to the step's explanation, "; " between parts; what does not fit
 * in out->why is cut. *USED may pass the buffer's size (snprintf's count). */
static void why_append(search_step *out, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void why_append(search_step *out, size_t *used, const char *fmt, ...)
{
    const size_t cap = sizeof out->why;
    if (*used && *used < cap)
        *used += (size_t)snprintf(out->why + *used, cap - *used, "; ");
    if (*used >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    *used += (size_t)vsnprintf(out->why + *used, cap - *used, fmt, ap);
    va_end(ap);
}

static const tag_stats *step_stats(const step_runner *sr, const run_result *r)
{
    return sr->tag >= 0 && (size_t)sr->tag < r->ntags ? &r->tags[sr->tag] : &r->total;
}

static int slo_names_tag(const threshold_set *slo, const char *tag)
{
    for (size_t i = 0; i < slo->count; i++)
        if (strcmp(slo->items[i].tag, tag) == 0)
            return 1;
    return 0;
}

static int is_latency_metric(enum threshold_metric m)
{
    return m != METRIC_ERRORS && m != METRIC_SHED && m != METRIC_RATE && m != METRIC_DROPPED;
}

/* What broke, across the SLO and the kept-up check. */
typedef struct step_failures {
    int latency, unserved, behind;
    double latency_use;      /* the largest measured / bound over latency SLOs */
    const char *tag_errors, *tag_latency, *tag_behind;  /* full link: whom to blame */
    double worst_ratio;
    size_t why_used;
} step_failures;

static int judge_slo(const step_runner *sr, const run_result *r, search_step *out,
                     step_failures *f)
{
    for (size_t i = 0; i < sr->slo.count; i++) {
        const threshold *t = &sr->slo.items[i];
        double v = 0;
        int holds = threshold_eval_slo(t, r, &v);
        if (holds < 0) {
            crest_error("SLO '%s': no subsystem '%s' in this search", t->expr, t->tag);
            return -1;
        }
        if (is_latency_metric(t->metric) && t->value > 0 && v / t->value > f->latency_use)
            f->latency_use = v / t->value;
        if (holds)
            continue;
        if (t->metric == METRIC_ERRORS) {
            f->unserved = 1;
            f->tag_errors = f->tag_errors ? f->tag_errors : t->tag;
        } else {
            f->latency = 1;
            f->tag_latency = f->tag_latency ? f->tag_latency : t->tag;
        }
        char val[32];
        threshold_format_value(t, v, val, sizeof val);
        why_append(out, &f->why_used, "%s broken (%s%s)", t->expr, val,
                   t->metric == METRIC_ERRORS ? " errors+shed" : "");
    }
    return 0;
}

static void judge_kept_up(const step_runner *sr, const run_result *r, search_step *out,
                          step_failures *f)
{
    for (size_t k = 0; k < sr->plan->nsubsystems; k++) {
        long tag = (long)k;
        const char *name = sr->plan->subsystems[k].name;
        if (sr->tag >= 0 ? tag != sr->tag : !slo_names_tag(&sr->slo, name))
            continue;
        step_window w;
        double ratio;
        step_steady_window(r, tag, sr->settings->step_s, &w);
        if (step_kept_up(&w, sr->settings->kept_up_tolerance, &ratio))
            continue;
        f->behind = 1;
        if (ratio < f->worst_ratio) {
            f->worst_ratio = ratio;
            f->tag_behind = name;
        }
        why_append(out, &f->why_used,
                   "%s: falling behind (completed %.1f%% of arrivals: the queue grows)", name,
                   ratio * 100);
    }
}

static void fill_measurements(const step_runner *sr, const run_result *r, search_step *out)
{
    const tag_stats *ts = step_stats(sr, r);
    /* Throughput from the steady part of the window: a saturated step's
     * ok_rps is then the capacity it ran into, which search.c uses as an
     * estimate to aim its next probes. */
    step_window w;
    step_steady_window(r, sr->tag, sr->settings->step_s, &w);
    if (w.seconds > 0) {
        out->sent_rps = w.sent / w.seconds;
        out->achieved_rps = w.completed / w.seconds;
        out->ok_rps = w.ok / w.seconds;
    }
    out->p50_ms = (double)hist_percentile(ts->h.latency, 50) / 1000;
    out->p90_ms = (double)hist_percentile(ts->h.latency, 90) / 1000;
    out->p99_ms = (double)hist_percentile(ts->h.latency, 99) / 1000;
    out->error_rate = counters_error_rate(&ts->c);
    out->shed_rate = counters_shed_rate(&ts->c);
    out->generator_limited = r->generator.limited;
}

int step_judge(const step_runner *sr, const run_result *r, search_step *out)
{
    fill_measurements(sr, r, out);
    const counters *c = &step_stats(sr, r)->c;
    step_failures f = {.worst_ratio = 2};
    out->why[0] = '\0';
    if (c->ok + c->shed + c->errors == 0) {
        f.unserved = 1;
        why_append(out, &f.why_used, "no responses");
    }
    if (judge_slo(sr, r, out, &f) != 0)
        return -1;
    judge_kept_up(sr, r, out, &f);
    if (out->generator_limited)
        why_append(out, &f.why_used, "generator-limited: %.200s", r->generator.reason);
    out->reason = search_classify(out->generator_limited, f.latency, f.behind, f.unserved,
                                  out->error_rate, out->shed_rate);
    out->pass = out->reason == SEARCH_LIMIT_NONE;
    out->far_below_slo = search_far_below_slo(out->pass, (double)c->errors, (double)c->shed,
                                              f.latency_use);
    /* The subsystem to blame matches the reason: the first whose error
     * budget broke, or the one furthest behind (the saturated one), or the
     * first whose latency bound broke. */
    const char *blame = out->reason == SEARCH_LIMIT_ERRORS || out->reason == SEARCH_LIMIT_SHED
                            ? f.tag_errors
                        : out->reason == SEARCH_LIMIT_LATENCY || out->reason == SEARCH_LIMIT_QUEUE
                            ? (f.tag_behind ? f.tag_behind : f.tag_latency)
                            : NULL;
    if (sr->tag < 0 && blame)
        snprintf(out->tag, sizeof out->tag, "%s", blame);
    return 0;
}

/* ---- running on the engine ---- */

/* Replaces P's timeline with one phase: open loop at RATE (connections 0)
 * or closed loop with CONNECTIONS, for SECONDS, with the endpoints' default
 * weights (the subsystem's or the scenario's own mix). */
static int set_step_phase(loadplan *p, double rate, int connections, double seconds)
{
    loadplan_clear_phases(p);
    loadplan_phase *ph = loadplan_add_phase(p, connections ? "sweep" : "step", seconds);
    ph->rate.shape = SHAPE_CONSTANT;
    ph->rate.from = ph->rate.to = rate;
    ph->connections = connections;
    return loadplan_prepare(p);
}

static void sleep_interruptible(double seconds)
{
    double until = clock_now_s() + seconds;
    while (!engine_stop_requested()) {
        double left = until - clock_now_s();
        if (left <= 0)
            break;
        struct timespec ts = {0, (long)(fmin(left, 0.05) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void engine_setup(const step_runner *sr, engine_options *eng)
{
    const step_settings *st = sr->settings;
    engine_options_init(eng);
    eng->threads = st->threads;
    eng->connections = st->connections;
    eng->timeout_s = st->timeout_s;
    eng->warmup_s = st->warmup_s;
    /* No grace: a step is its window. Requests still in flight at its end
     * are cancelled (counted, not timed), the per-second completions stay
     * clean for the kept-up check, and an overloaded step ends on time. */
    eng->grace_s = 0;
    if (st->max_loop_lag_ms > 0)
        eng->loop_lag_bound_ms = st->max_loop_lag_ms;
    eng->quiet = 1;
    eng->seed = st->seed + sr->nstep;
    eng->hooks = st->hooks;
}

/* Runs the plan as it is set up now. 0 with R filled, 1 interrupted (R
 * freed), -1 could not run (said why). */
static int run_once(step_runner *sr, run_result *r)
{
    if (*sr->steps_run > 0)
        sleep_interruptible(sr->settings->pause_s);
    if (engine_stop_requested())
        return 1;
    (*sr->steps_run)++;
    sr->nstep++;
    engine_options eng;
    engine_setup(sr, &eng);
    if (engine_run(&eng, sr->plan, r) != CREST_EXIT_OK)
        return -1;
    if (r->interrupted) {
        run_result_free(r);
        return 1;
    }
    return 0;
}

/* Nothing reached the target at all: searching further is pointless. */
static int never_connected(const step_runner *sr, const run_result *r)
{
    const counters *c = &step_stats(sr, r)->c;
    if (!(c->ok == 0 && c->shed == 0 && c->errors > 0 &&
          c->net[NETERR_REFUSED] + c->net[NETERR_DNS] + c->net[NETERR_UNREACHABLE] ==
              c->errors))
        return 0;
    crest_error("%s: every request failed to connect to %s (%s): nothing to search", sr->label,
                sr->plan->target,
                c->net[NETERR_DNS]           ? "name not resolved"
                : c->net[NETERR_UNREACHABLE] ? "network unreachable"
                                             : "connection refused");
    return 1;
}

int step_runner_step(void *ctx, double rate, search_step *out)
{
    step_runner *sr = ctx;
    const step_settings *st = sr->settings;
    if (set_step_phase(sr->plan, rate, 0, st->warmup_s + st->step_s) != 0)
        return -1;
    run_result r;
    int rc = run_once(sr, &r);
    if (rc != 0) {
        out->interrupted = rc == 1;
        return rc == 1 ? 0 : -1;
    }
    rc = never_connected(sr, &r) ? -1 : step_judge(sr, &r, out);
    if (rc == 0 && st->observe_step)
        st->observe_step(st->observe_ctx, &r, out);
    run_result_free(&r);
    if (rc == 0 && sr->on_step)
        sr->on_step(sr->user, sr, out);
    return rc;
}

/* ---- the USL sweep ---- */

static void usl_fit_or_nan(capacity_usl *u)
{
    if (usl_fit_points(u->load, u->throughput, u->npoints, &u->fit) == 0)
        return;
    u->fit.alpha = u->fit.beta = u->fit.gamma = NAN;
    u->fit.alpha_se = u->fit.beta_se = u->fit.gamma_se = NAN;
    u->fit.residual_se = u->fit.r_squared = u->fit.x_max = NAN;
    u->fit.n_star = INFINITY;
    u->fit.poor_fit = 1;
}

/* Closed-loop throughput at each level, then the USL fit. 0, 1
 * interrupted, -1 could not run. */
static int run_sweep(step_runner *sr, const double *levels, size_t nlevels, capacity_usl *u)
{
    const step_settings *st = sr->settings;
    u->load = calloc(nlevels, sizeof *u->load);
    u->throughput = calloc(nlevels, sizeof *u->throughput);
    if (!u->load || !u->throughput)
        return -1;
    for (size_t i = 0; i < nlevels; i++) {
        int n = (int)levels[i];
        if (set_step_phase(sr->plan, 0, n, st->warmup_s + st->sweep_step_s) != 0)
            return -1;
        run_result r;
        int rc = run_once(sr, &r);
        if (rc != 0)
            return rc;
        step_window w;
        step_steady_window(&r, sr->tag, st->sweep_step_s, &w);
        u->load[u->npoints] = n;
        u->throughput[u->npoints] = w.seconds > 0 ? w.ok / w.seconds : 0;
        if (sr->on_sweep_point)
            sr->on_sweep_point(sr->user, sr, n, u->throughput[u->npoints],
                               (double)hist_percentile(step_stats(sr, &r)->h.latency, 99) / 1000,
                               r.generator.limited);
        u->npoints++;
        run_result_free(&r);
    }
    u->present = 1;
    usl_fit_or_nan(u);
    return 0;
}

/* ---- one subsystem ---- */

/* The failing step at the upper bound names the subsystem to blame. */
static void copy_limiting_tag(const search_result *res, capacity_subsystem *s)
{
    for (size_t i = res->nsteps; i-- > 0;) {
        const search_step *st = &res->steps[i];
        if (!st->pass && !st->generator_limited && st->rate == res->upper_bound_rps) {
            if (st->tag[0])
                s->limiting_tag = strdup(st->tag);
            return;
        }
    }
}

int step_runner_search(step_runner *sr, const search_config *cfg, const double *sweep_levels,
                       size_t nsweep_levels, capacity_subsystem *s)
{
    double t0 = clock_now_s();
    search_result res;
    if (search_run(cfg, step_runner_step, sr, &res) != 0) {
        crest_error("%s: invalid search settings", sr->label);
        search_result_free(&res);
        return -1;
    }
    s->capacity_rps = res.capacity_rps;
    s->upper_bound_rps = res.upper_bound_rps;
    s->at_least = res.at_least;
    s->limited_by = res.limited_by;
    s->generator_limited = res.generator_limited;
    s->interrupted = res.interrupted;
    copy_limiting_tag(&res, s);
    s->steps = res.steps;
    s->nsteps = res.nsteps;
    res.steps = NULL;
    int rc = res.run_failed ? -1 : res.interrupted ? 1 : 0;
    search_result_free(&res);
    if (rc == 0 && sweep_levels && nsweep_levels > 0) {
        rc = run_sweep(sr, sweep_levels, nsweep_levels, &s->usl);
        s->interrupted = rc == 1;
    }
    s->duration_s = clock_now_s() - t0;
    return rc;
}
