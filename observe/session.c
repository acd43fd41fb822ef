/* session.c: see session.h. The engine hooks fan out to the metrics
 * server (on_tick renders the live counters; on_start remembers the tags)
 * and to the hlog (on_second hands it each final second's histograms; the
 * first run's measured start is the log's zero, so a search's steps
 * follow each other in one log). */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "observe/hlog.h"
#include "observe/metrics_server.h"
#include "observe/session.h"

struct observe_session {
    observe_options o;
    scraper *scr;
    metrics_server *ms;
    hlog *log;
    engine_hooks hooks;
    uint64_t first_measure_ns;
    const loadplan *plan;    /* of the run in progress (for the plan's rate now) */
    uint64_t t0_ns;
    int started_once;
    int search_mode;
};

void observe_options_init(observe_options *o)
{
    memset(o, 0, sizeof *o);
    o->scrape_interval_s = 1;
}

int observe_add_target(observe_options *o, const char *arg, const char *origin)
{
    if (o->ntargets == SCRAPE_MAX_TARGETS) {
        crest_error("%s: more than %d scrape targets", origin, SCRAPE_MAX_TARGETS);
        return -1;
    }
    scrape_target_spec t;
    if (scrape_target_parse(arg, origin, &t) != 0)
        return -1;
    for (size_t i = 0; i < o->ntargets; i++)
        if (strcmp(o->targets[i].name, t.name) == 0) {
            crest_error("%s '%s': the name '%s' is taken by %s; expected NAME=URL with a new "
                        "name", origin, arg, t.name, o->targets[i].url);
            return -1;
        }
    o->targets[o->ntargets++] = t;
    return 0;
}

int observe_set_match(observe_options *o, const char *re_text)
{
    regex_t re;
    int rc = regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &re, msg, sizeof msg);
        crest_error("--scrape-match '%s': %s; expected a POSIX extended regular expression "
                    "on metric family names", re_text, msg);
        return -1;
    }
    regfree(&re);
    o->scrape_match = re_text;
    return 0;
}

int observe_add_plan_targets(observe_options *o, const loadplan *plan)
{
    for (size_t i = 0; i < plan->nsubsystems; i++) {
        const loadplan_subsystem *s = &plan->subsystems[i];
        if (!s->scrape)
            continue;
        char arg[600];
        snprintf(arg, sizeof arg, "%s=%s", s->name, s->scrape);
        if (observe_add_target(o, arg, "scenario subsystem 'scrape'") != 0)
            return -1;
    }
    return 0;
}

/* ---- engine hooks --------------------------------------------------------- */

static void on_start(void *ctx, const loadplan *plan, uint64_t t0_ns, uint64_t measure_ns)
{
    observe_session *s = ctx;
    s->plan = plan;
    s->t0_ns = t0_ns;
    scraper_align(s->scr, measure_ns + 500000000ull);   /* mid-second of the run's seconds */
    if (!s->started_once) {
        s->first_measure_ns = measure_ns;
        s->started_once = 1;
    }
    if (!s->log)
        return;
    char label[96] = "";
    if (s->search_mode) {   /* a step: one constant-rate phase after the warm-up */
        const loadplan_phase *ph = &plan->phases[plan->nphases - 1];
        snprintf(label, sizeof label, "%s@%.0f",
                 plan->nsubsystems == 1 ? plan->subsystems[0].name : "full-link",
                 rate_curve_at(&ph->rate, 0, ph->duration_s));
        for (char *c = label; *c; c++)
            if (*c == ',' || *c == ' ')
                *c = '_';   /* the log's field separator */
    }
    hlog_set_run(s->log, (double)(measure_ns - s->first_measure_ns) / 1e9,
                 s->search_mode ? label : NULL);
}

static void on_tick(void *ctx, const run_result *live, int64_t loop_lag_us, uint64_t now_ns)
{
    observe_session *s = ctx;
    if (!s->ms)
        return;
    double rate = -1;
    if (s->plan && now_ns > s->t0_ns) {
        double t_in;
        size_t ph = loadplan_phase_at(s->plan, (double)(now_ns - s->t0_ns) / 1e9, &t_in);
        const loadplan_phase *p = &s->plan->phases[ph];
        rate = p->connections > 0 ? -1 : rate_curve_at(&p->rate, t_in, p->duration_s);
    }
    metrics_server_publish(s->ms, metrics_render(live, loop_lag_us, rate));
}

static hist *on_second(void *ctx, size_t sec, long tag, hist *filled)
{
    observe_session *s = ctx;
    return hlog_take_second(s->log, sec, tag, filled);
}

/* ---- life cycle ----------------------------------------------------------- */

observe_session *observe_start(const observe_options *o)
{
    observe_session *s = calloc(1, sizeof *s);
    if (!s) {
        crest_error("out of memory");
        return NULL;
    }
    s->o = *o;
    if (o->metrics_listen && !(s->ms = metrics_server_start(o->metrics_listen)))
        goto fail;
    if (o->ntargets) {
        scrape_config c = {.targets = s->o.targets, .ntargets = o->ntargets,
                           .interval_s = o->scrape_interval_s, .match = o->scrape_match};
        if (!(s->scr = scraper_start(&c)))
            goto fail;
    }
    s->hooks.ctx = s;
    s->hooks.on_start = on_start;   /* also aligns the scrapes on the run's seconds */
    s->hooks.on_tick = s->ms ? on_tick : NULL;
    return s;
fail:
    metrics_server_stop(s->ms);
    free(s);
    return NULL;
}

/* The hlog needs the plan's subsystem names, known once a plan exists:
 * opened by the first observe_hooks call that has them. */
static int open_hlog(observe_session *s, const loadplan *plan)
{
    if (!s->o.hlog_path || s->log)
        return 0;
    const char **tags = calloc(plan->nsubsystems + 1, sizeof *tags);
    if (!tags)
        return -1;
    for (size_t i = 0; i < plan->nsubsystems; i++)
        tags[i] = plan->subsystems[i].name;
    s->log = hlog_open(s->o.hlog_path, tags, plan->nsubsystems);
    free(tags);
    if (!s->log)
        return -1;
    s->hooks.on_second = on_second;
    return 0;
}

int observe_prepare_search(observe_session *s)
{
    if (!s || !s->o.hlog_path || s->log)
        return 0;
    s->search_mode = 1;
    if (!(s->log = hlog_open(s->o.hlog_path, NULL, 0)))
        return -1;
    s->hooks.on_second = on_second;
    return 0;
}

const engine_hooks *observe_hooks(observe_session *s)
{
    if (!s || (!s->ms && !s->o.hlog_path && !s->scr))
        return NULL;
    return &s->hooks;
}

int observe_prepare_plan(observe_session *s, const loadplan *plan)
{
    return s ? open_hlog(s, plan) : 0;
}

void observe_run_done(observe_session *s, const run_result *r)
{
    if (s && s->ms)
        metrics_server_publish(s->ms, metrics_render(r, 0, -1));
}

void observe_add_results(observe_session *s, const run_result *r, cJSON *root)
{
    if (!s || !s->scr || !r->measure_start_ns)
        return;
    cJSON *t = scraper_to_json(s->scr, r->measure_start_ns, r->nseconds);
    if (t)
        cJSON_AddItemToObject(root, "targets", t);
}

/* Share of its limit (-1 without a limit). */
static double use_of(const scrape_reading *r)
{
    return r->limit > 0 ? r->value / r->limit : -1;
}

static int by_use(const void *a, const void *b)
{
    double x = use_of(a), y = use_of(b);
    return x > y ? -1 : x < y;
}

void observe_fill_step(observe_session *s, const run_result *r, search_step *st)
{
    st->nresources = 0;
    st->nearest_limit = -1;
    if (!s || !s->scr || !r->measure_start_ns)
        return;
    uint64_t from = r->measure_start_ns + (r->nseconds > 1 ? 1000000000ull : 0);
    uint64_t to = r->measure_start_ns + (uint64_t)(r->duration_s * 1e9);
    if (to <= from)
        to = from + 1000000000ull;
    static scrape_reading rd[SCRAPE_MAX_TARGETS * 16];   /* the search's thread only */
    size_t n = scraper_window(s->scr, from, to, rd, sizeof rd / sizeof rd[0]);
    /* the step keeps the readings nearest their limits first */
    qsort(rd, n, sizeof *rd, by_use);
    if (n > SEARCH_MAX_RESOURCES)
        n = SEARCH_MAX_RESOURCES;
    for (size_t i = 0; i < n; i++) {
        search_resource *x = &st->resources[i];
        snprintf(x->target, sizeof x->target, "%s", rd[i].target);
        snprintf(x->series, sizeof x->series, "%s", rd[i].series);
        snprintf(x->unit, sizeof x->unit, "%s", rd[i].unit);
        x->value = rd[i].value;
        x->limit = rd[i].limit;
    }
    st->nresources = n;
    st->nearest_limit = (int)scrape_nearest_limit(rd, n);
}

void observe_fill_step_cb(void *ctx, const run_result *r, search_step *st)
{
    observe_fill_step(ctx, r, st);
}

void observe_describe_nearest(const search_step *st, char *buf, size_t len)
{
    buf[0] = '\0';
    if (st->nearest_limit < 0 || (size_t)st->nearest_limit >= st->nresources)
        return;
    const search_resource *r = &st->resources[st->nearest_limit];
    char use[200];
    scrape_describe_use(r->series, r->value, r->limit, use, sizeof use);
    snprintf(buf, len, "%s %s", r->target, use);
}

size_t observe_ntargets(const observe_session *s)
{
    return s ? scraper_ntargets(s->scr) : 0;
}

void observe_target_line(observe_session *s, size_t i, char *buf, size_t len)
{
    scrape_status st;
    scraper_status_of(s->scr, i, &st);
    int n = snprintf(buf, len, "scrape %s (%s): %llu scrapes, %llu failed", st.name, st.url,
                     (unsigned long long)st.scrapes, (unsigned long long)st.failures);
    for (int k = 0; k < SCRAPE_FAIL_KINDS && n > 0 && (size_t)n < len; k++)
        if (st.failed[k])
            n += snprintf(buf + n, len - (size_t)n, " %s %llu", scrape_failure_names[k],
                          (unsigned long long)st.failed[k]);
    if (st.failures && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, "; last: %s", st.last_error);
}

int observe_finish(observe_session *s)
{
    if (!s)
        return 0;
    if (s->ms && s->o.metrics_linger_s > 0) {
        struct timespec ts = {(time_t)s->o.metrics_linger_s,
                              (long)((s->o.metrics_linger_s - floor(s->o.metrics_linger_s)) * 1e9)};
        while (nanosleep(&ts, &ts) != 0 && !engine_stop_requested())
            ;   /* Ctrl-C ends the linger */
    }
    metrics_server_stop(s->ms);
    scraper_free(s->scr);
    int rc = hlog_close(s->log);
    free(s);
    return rc;
}
