/* cmd_search.c: `crest search`, the capacity search over a scenario's
 * subsystems (each alone, then the full-link mix) or one ad hoc URL.
 *
 * It turns a plan into search steps: each step replaces the plan's phases
 * with one constant-rate open-loop phase (warm-up + measured window), runs
 * it through engine_run, and judges the run: the SLO with threshold_eval on
 * the subsystem's tag (the error bound counting shed responses too), and
 * whether the system kept up with the arrivals (kept_up). search.c decides
 * which rate to try next; capacity.c writes capacity.json. With --sweep a closed-loop
 * concurrency sweep per subsystem feeds usl_fit_points. See
 * docs/capacity-format.md for what the numbers mean. */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "common/safefile.h"
#include "common/units.h"
#include "capacity/usl.h"
#include "loadgen/adhoc.h"
#include "capacity/capacity_file.h"
#include "loadgen/engine.h"
#include "loadgen/loadplan.h"
#include "loadgen/scenario.h"
#include "capacity/search.h"
#include "loadgen/threshold.h"
#include "testbed/embed.h"

#define FULL_LINK "full-link"
#define MAX_ONLY 64
#define MAX_LEVELS 32
/* Longest --slo (and --sweep-levels) text: a longer one is refused, not cut
 * (a cut "errors<1%" would read as errors<1, i.e. 100%). */
#define OPT_TEXT_MAX 512
/* An SLO without an error bound still must not count fast failures as
 * served: a step that answers 500s in a millisecond is not capacity. */
#define DEFAULT_ERROR_BUDGET "errors<1%"

typedef struct search_opts {
    const char *scenario;
    const char *only[MAX_ONLY + 1];
    size_t nonly;
    const char *target;
    const char *url, *method, *body;
    const char *headers[LOADPLAN_MAX_HEADERS];
    size_t nheaders;
    const char *slo;
    double step_s, warmup_s, pause_s, timeout_s, max_loop_lag_ms;
    int connections, threads;
    const char *out;
    double checkpoint_s;    /* rewrite --out (partial) after a step once this has passed */
    const char *testbed_config;
    int sweep;
    double levels[MAX_LEVELS];
    size_t nlevels;
    double sweep_step_s;
    uint64_t seed;
    search_config cfg;
} search_opts;

/* What one step runner needs: the plan whose phases it replaces, the SLO
 * (tagged thresholds), and which tag's numbers describe the step. */
typedef struct step_ctx {
    const search_opts *o;
    loadplan *plan;
    const char *label;      /* "cart", "full-link", the URL */
    threshold_set slo;
    long tag;               /* index into run_result tags, or -1: the total */
    size_t nstep;
    int *steps_run;         /* across the whole search: pause before all but the first */
    struct search_checkpoint *cp; /* NULL: no checkpoints */
} step_ctx;

/* Checkpoints while a subsystem is searched: the steps run so far are kept
 * here (search.c hands them over only at the end) and written into the
 * current subsystem of a copy of the file, marked partial. */
typedef struct search_checkpoint {
    capacity_result *cap;
    size_t current;         /* the subsystem being searched */
    const char *path;
    double every_s, last_s;
    search_step *steps;
    size_t nsteps, cap_steps;
    int failed;             /* the last write failed (said once) */
} search_checkpoint;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: crest search SCENARIO.json [--only NAME]... [--target URL] [options]\n"
        "       crest search --url URL --slo 'p99<50ms,errors<1%%' [-X METHOD] [-H 'K: V']...\n"
        "                    [--body TEXT|@FILE] [options]\n"
        "\n"
        "Finds the highest constant open-loop rate each subsystem sustains within its SLO:\n"
        "doubling from --start-rate until a step fails, then narrowing the bracket until\n"
        "(fail - pass) / pass <= --tolerance. Each subsystem is searched alone (its own\n"
        "endpoint mix), then the whole scenario mix as \"full-link\" (every subsystem on its\n"
        "own SLO). Without a target the embedded testbed is started once for the search.\n"
        "\n"
        "options:\n"
        "  --only NAME          search only this subsystem (repeatable; \"full-link\" for the mix)\n"
        "  --target URL         override the scenario's target\n"
        "  --slo EXPR           SLO for every subsystem, e.g. 'p99<50ms,errors<1%%' (default:\n"
        "                       each subsystem's slo from the scenario; errors<1%% is added\n"
        "                       when the SLO has no error bound)\n"
        "  --step DUR           measured window per step (default 5s)\n"
        "  --warmup DUR         discarded warm-up before each window (default 1s)\n"
        "  --pause DUR          drain pause between steps (default 0.5s)\n"
        "  --tolerance FRAC     stop when (fail - pass) / pass <= FRAC (default 3%%)\n"
        "  --start-rate R       first step, requests/s (default 100)\n"
        "  --max-rate R         never step above R (default 1000000)\n"
        "  --min-rate R         stop halving below R when the start rate fails (default 1)\n"
        "  -c, --connections N  connection cap; open loop needs rate x latency (default 256)\n"
        "  -t, --threads N      generator threads (default: cores)\n"
        "  --timeout DUR        per request (default 5s)\n"
        "  --sweep              also run a closed-loop concurrency sweep and fit USL\n"
        "  --sweep-levels LIST  connections per sweep point (default 1,2,4,8,16,32,64)\n"
        "  --sweep-step DUR     measured window per sweep point (default: --step)\n"
        "  --testbed-config F   config file for the embedded testbed (docs/testbed.md)\n"
        "  --seed N             random seed (arrivals, templates)\n"
        "  --max-loop-lag DUR   generator loop lag p99 above DUR marks a step generator-limited\n"
        "                       (default 5ms)\n"
        "  --retries N          re-run a generator-limited step up to N times (default 1)\n"
        "  -o, --out FILE       write capacity.json (docs/capacity-format.md)\n"
        "  --checkpoint DUR     while searching, rewrite --out after a step when DUR has\n"
        "                       passed, marked \"partial\" (default 10s; 0 turns it off)\n"
        "  -X, -H, --body       ad hoc request method, headers, body (as crest run)\n"
        "\n"
        "exit codes: 0 done (some results may be \"at least\": see the file), 2 bad input,\n"
        "            3 could not run, interrupted, or no subsystem gave a conclusive result\n");
}

/* ---- options ---- */

/* A search rate: positive and at most what a plan may ask (loadplan.h). */
static int parse_rate(const char *flag, const char *s, double *out)
{
    if (units_parse_double(s, out) != 0 || !(*out > 0) || *out > LOADPLAN_MAX_RATE) {
        crest_error("%s: expected a rate from 0 to %g requests/s, found '%s'", flag,
                    LOADPLAN_MAX_RATE, s);
        return -1;
    }
    return 0;
}

static int parse_positive(const char *flag, const char *s, double *out)
{
    if (units_parse_double(s, out) != 0 || !(*out > 0)) {
        crest_error("%s: expected a positive number, found '%s'", flag, s);
        return -1;
    }
    return 0;
}

static int parse_duration(const char *flag, const char *s, int zero_ok, double *out)
{
    if (units_parse_duration(s, 1, out) != 0 || *out < 0 || (!zero_ok && *out == 0) ||
        *out > LOADPLAN_MAX_DURATION_S) {
        crest_error("%s: expected a duration such as 5s or 500ms (at most 24h), found '%s'",
                    flag, s);
        return -1;
    }
    return 0;
}

static int parse_int(const char *flag, const char *s, int lo, int *out)
{
    double v;
    if (units_parse_double(s, &v) != 0 || v != floor(v) || v < lo || v > 1e6) {
        crest_error("%s: expected a whole number >= %d, found '%s'", flag, lo, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_levels(const char *s, search_opts *o)
{
    char buf[OPT_TEXT_MAX];
    if (strlen(s) >= sizeof buf) {
        crest_error("--sweep-levels: at most %d characters, found %zu", OPT_TEXT_MAX - 1,
                    strlen(s));
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", s);
    o->nlevels = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int n;
        if (o->nlevels == MAX_LEVELS) {
            crest_error("--sweep-levels: at most %d levels", MAX_LEVELS);
            return -1;
        }
        if (parse_int("--sweep-levels", tok, 1, &n) != 0)
            return -1;
        for (size_t i = 0; i < o->nlevels; i++) {
            if (o->levels[i] == n) {
                crest_error("--sweep-levels: level %d appears twice", n);
                return -1;
            }
        }
        o->levels[o->nlevels++] = n;
    }
    if (o->nlevels < 4) {
        crest_error("--sweep-levels: expected at least 4 distinct levels for a USL fit, "
                    "found %zu in '%s'", o->nlevels, s);
        return -1;
    }
    return 0;
}

enum {
    OPT_ONLY = 256, OPT_TARGET, OPT_URL, OPT_BODY, OPT_SLO, OPT_STEP, OPT_WARMUP, OPT_PAUSE,
    OPT_TOLERANCE, OPT_START, OPT_MAX, OPT_MIN, OPT_TIMEOUT, OPT_SWEEP, OPT_LEVELS,
    OPT_SWEEP_STEP, OPT_TESTBED_CONFIG, OPT_SEED, OPT_MAX_LAG, OPT_RETRIES, OPT_HELP,
    OPT_CHECKPOINT
};

/* 0, 1 for --help (printed), or -1 (error printed). */
static int parse_options(int argc, char **argv, search_opts *o)
{
    static const struct option longopts[] = {
        {"only", required_argument, NULL, OPT_ONLY},
        {"target", required_argument, NULL, OPT_TARGET},
        {"url", required_argument, NULL, OPT_URL},
        {"method", required_argument, NULL, 'X'},
        {"header", required_argument, NULL, 'H'},
        {"body", required_argument, NULL, OPT_BODY},
        {"slo", required_argument, NULL, OPT_SLO},
        {"step", required_argument, NULL, OPT_STEP},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"pause", required_argument, NULL, OPT_PAUSE},
        {"tolerance", required_argument, NULL, OPT_TOLERANCE},
        {"start-rate", required_argument, NULL, OPT_START},
        {"max-rate", required_argument, NULL, OPT_MAX},
        {"min-rate", required_argument, NULL, OPT_MIN},
        {"connections", required_argument, NULL, 'c'},
        {"threads", required_argument, NULL, 't'},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"sweep", no_argument, NULL, OPT_SWEEP},
        {"sweep-levels", required_argument, NULL, OPT_LEVELS},
        {"sweep-step", required_argument, NULL, OPT_SWEEP_STEP},
        {"testbed-config", required_argument, NULL, OPT_TESTBED_CONFIG},
        {"seed", required_argument, NULL, OPT_SEED},
        {"max-loop-lag", required_argument, NULL, OPT_MAX_LAG},
        {"retries", required_argument, NULL, OPT_RETRIES},
        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    search_config_init(&o->cfg);
    o->step_s = 5;
    o->checkpoint_s = 10;
    o->warmup_s = 1;
    o->pause_s = 0.5;
    o->timeout_s = 5;
    o->connections = 256;
    o->seed = 1;
    o->sweep_step_s = -1;
    static const double default_levels[] = {1, 2, 4, 8, 16, 32, 64};
    o->nlevels = sizeof default_levels / sizeof default_levels[0];
    memcpy(o->levels, default_levels, sizeof default_levels);

    optind = 1;
    opterr = 0;
    int c, n;
    double v;
    while ((c = getopt_long(argc, argv, ":X:H:c:t:o:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_ONLY:
            if (o->nonly == MAX_ONLY) {
                crest_error("--only: at most %d names", MAX_ONLY);
                return -1;
            }
            o->only[o->nonly++] = optarg;
            break;
        case OPT_TARGET: o->target = optarg; break;
        case OPT_URL: o->url = optarg; break;
        case 'X': o->method = optarg; break;
        case 'H':
            if (o->nheaders == LOADPLAN_MAX_HEADERS) {
                crest_error("-H: at most %d headers", LOADPLAN_MAX_HEADERS);
                return -1;
            }
            if (!strchr(optarg, ':')) {
                crest_error("-H: expected 'Name: value', found '%s'", optarg);
                return -1;
            }
            o->headers[o->nheaders++] = optarg;
            break;
        case OPT_BODY: o->body = optarg; break;
        case OPT_SLO: o->slo = optarg; break;
        case OPT_STEP:
            if (parse_duration("--step", optarg, 0, &o->step_s) != 0)
                return -1;
            break;
        case OPT_CHECKPOINT:
            if (parse_duration("--checkpoint", optarg, 1, &o->checkpoint_s) != 0)
                return -1;
            if (o->checkpoint_s != 0 && (o->checkpoint_s < 1 || o->checkpoint_s > 86400)) {
                crest_error("--checkpoint '%s': expected 0 (off) or a duration from 1s to 24h",
                            optarg);
                return -1;
            }
            break;
        case OPT_WARMUP:
            if (parse_duration("--warmup", optarg, 1, &o->warmup_s) != 0)
                return -1;
            break;
        case OPT_PAUSE:
            if (parse_duration("--pause", optarg, 1, &o->pause_s) != 0)
                return -1;
            break;
        case OPT_TIMEOUT:
            if (parse_duration("--timeout", optarg, 0, &o->timeout_s) != 0)
                return -1;
            break;
        case OPT_TOLERANCE:
            if (units_parse_fraction(optarg, &v) != 0 || !(v > 0) || v >= 1) {
                crest_error("--tolerance: expected a fraction between 0 and 1 such as 3%% or "
                            "0.03, found '%s'", optarg);
                return -1;
            }
            o->cfg.tolerance = v;
            break;
        case OPT_START:
            if (parse_rate("--start-rate", optarg, &o->cfg.start_rate) != 0)
                return -1;
            break;
        case OPT_MAX:
            if (parse_rate("--max-rate", optarg, &o->cfg.max_rate) != 0)
                return -1;
            break;
        case OPT_MIN:
            if (parse_positive("--min-rate", optarg, &o->cfg.min_rate) != 0)
                return -1;
            break;
        case 'c':
            if (parse_int("--connections", optarg, 1, &o->connections) != 0)
                return -1;
            break;
        case 't':
            if (parse_int("--threads", optarg, 1, &o->threads) != 0)
                return -1;
            break;
        case OPT_SWEEP: o->sweep = 1; break;
        case OPT_LEVELS:
            if (parse_levels(optarg, o) != 0)
                return -1;
            o->sweep = 1;
            break;
        case OPT_SWEEP_STEP:
            if (parse_duration("--sweep-step", optarg, 0, &o->sweep_step_s) != 0)
                return -1;
            break;
        case OPT_TESTBED_CONFIG: o->testbed_config = optarg; break;
        case OPT_SEED:
            if (parse_int("--seed", optarg, 0, &n) != 0)
                return -1;
            o->seed = (uint64_t)n;
            break;
        case OPT_MAX_LAG:
            if (parse_duration("--max-loop-lag", optarg, 0, &v) != 0)
                return -1;
            o->max_loop_lag_ms = v * 1000;
            break;
        case OPT_RETRIES:
            if (parse_int("--retries", optarg, 0, &o->cfg.generator_retries) != 0)
                return -1;
            break;
        case 'o': o->out = optarg; break;
        case OPT_HELP:
            usage(stdout);
            return 1;
        case ':':
            crest_error("option '%s' needs a value (see crest search --help)", argv[optind - 1]);
            return -1;
        default:
            crest_error("unknown option '%s' (see crest search --help)", argv[optind - 1]);
            return -1;
        }
    }
    if (o->sweep_step_s < 0)
        o->sweep_step_s = o->step_s;
    if (optind < argc)
        o->scenario = argv[optind++];
    if (optind < argc) {
        crest_error("unexpected argument '%s'; expected one SCENARIO.json", argv[optind]);
        return -1;
    }
    if (!o->scenario == !o->url) {
        crest_error("expected either SCENARIO.json or --url URL (see crest search --help)");
        return -1;
    }
    if (o->url && (o->nonly || o->target)) {
        crest_error("--only and --target apply to a scenario, not to --url");
        return -1;
    }
    if (o->slo && strlen(o->slo) >= OPT_TEXT_MAX) {
        crest_error("--slo: at most %d characters, found %zu", OPT_TEXT_MAX - 1, strlen(o->slo));
        return -1;
    }
    if (o->url && !o->slo) {
        crest_error("--url needs --slo, e.g. --slo 'p99<50ms,errors<1%%'");
        return -1;
    }
    if (!o->url && (o->nheaders || o->body || o->method)) {
        crest_error("-X, -H and --body apply to --url; a scenario defines its own requests");
        return -1;
    }
    if (o->cfg.start_rate > o->cfg.max_rate) {
        crest_error("--start-rate %g is above --max-rate %g", o->cfg.start_rate,
                    o->cfg.max_rate);
        return -1;
    }
    return 0;
}

/* ---- plans ---- */

/* The plan for `--url`: adhoc.c's (one subsystem "adhoc", one endpoint),
 * open loop with Poisson arrivals; its phase is replaced per step. 429 is
 * counted as shed, as a rate limiter in front of an endpoint answers. */
static loadplan *search_adhoc_plan(const search_opts *o)
{
    adhoc_options a = {.url = o->url, .method = o->method, .headers = o->headers,
                       .nheaders = o->nheaders, .body = o->body, .duration_s = 1, .rate = 1,
                       .poisson = 1};
    loadplan *p = adhoc_plan(&a);
    if (p && p->nsubsystems == 1 && p->subsystems[0].nshed == 0)
        p->subsystems[0].shed_status[p->subsystems[0].nshed++] = 429;
    return p;
}

/* Replaces P's timeline with one phase: open loop at RATE (connections 0)
 * or closed loop with CONNECTIONS, for WARMUP + WINDOW seconds, with the
 * endpoints' default weights (the subsystem's or the scenario's own mix). */
static int set_step_phase(loadplan *p, double rate, int connections, double seconds)
{
    loadplan_clear_phases(p);
    loadplan_phase *ph = loadplan_add_phase(p, connections ? "sweep" : "step", seconds);
    ph->rate.shape = SHAPE_CONSTANT;
    ph->rate.from = ph->rate.to = rate;
    ph->connections = connections;
    return loadplan_prepare(p);
}

/* Appends "TAG:EXPR" for every expression of LIST that has no tag of its
 * own (those keep theirs), so that an untagged SLO judges TAG alone. */
static int slo_add_tagged(threshold_set *set, const char *list, const char *tag,
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
        snprintf(expr, sizeof expr, "%s:%s", tag, DEFAULT_ERROR_BUDGET);
        rc = threshold_set_add(set, expr, err, sizeof err);
    }
    threshold_set_free(&parsed);
    return rc;
}

/* The SLO of subsystem S as threshold expressions ("p99<50ms,errors<1%"),
 * from --slo or the scenario. 0, or 1 when it has none. */
static int subsystem_slo_text(const search_opts *o, const loadplan_subsystem *s, char *buf,
                              size_t len)
{
    if (o->slo) {
        snprintf(buf, len, "%s", o->slo);
        return 0;
    }
    buf[0] = '\0';
    if (s->slo_p99_ms > 0)
        snprintf(buf, len, "p99<%gms", s->slo_p99_ms);
    if (s->slo_error_rate >= 0) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%serrors<%g%%", used ? "," : "",
                 s->slo_error_rate * 100);
    }
    return buf[0] ? 0 : 1;
}

/* ---- one step ---- */

static int compare(double v, enum threshold_op op, double limit)
{
    switch (op) {
    case OP_LT: return v < limit;
    case OP_LE: return v <= limit;
    case OP_GT: return v > limit;
    case OP_GE: return v >= limit;
    }
    return 0;
}

static const tag_stats *find_tag(const run_result *r, const char *name)
{
    if (!name[0])
        return &r->total;
    for (size_t i = 0; i < r->ntags; i++)
        if (strcmp(r->tags[i].name, name) == 0)
            return &r->tags[i];
    return NULL;
}

/* Judges one SLO threshold on R. The error bound counts shed responses
 * too (a 429 is a failure to serve; search_classify later tells shed from
 * errors); everything else is threshold_eval's. 1 holds, 0 fails, -1
 * unknown tag. *VALUE gets the measured value. */
static int judge(const threshold *t, const run_result *r, double *value)
{
    const tag_stats *ts = find_tag(r, t->tag);
    if (!ts)
        return -1;
    if (t->metric == METRIC_ERRORS) {
        const counters *c = &ts->c;
        double finished = (double)(c->ok + c->shed + c->errors);
        *value = finished > 0 ? (double)(c->errors + c->shed) / finished : 0;
        return compare(*value, t->op, t->value);
    }
    return threshold_eval(t, r, value);
}

/* The steady part of a step's measured window, from the per-second series
 * (by completion time for completions, by intended time for arrivals): the
 * first measured second is skipped when there are more, since its
 * completions lag its arrivals by the latency. Steps run with no grace
 * period, so no late completions pile into the last second. */
typedef struct window_sums {
    double seconds;          /* length of the steady part */
    double offered, sent, completed, ok;
} window_sums;

static void steady_window(const run_result *r, long tag, double fallback_s, window_sums *w)
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

/* Whether the system kept up with the offered rate over W. A latency bound
 * alone cannot tell a short step above capacity from a sustainable one: at
 * 5% over capacity the queue grows by only 5% of a second's work per
 * second, so a p99 < 1 s bound would need a 20 s window to break.
 * Completions against arrivals tell at once: a stable system completes
 * what arrives, a saturated one completes its capacity. The step fails
 * when the shortfall is above TOL of the arrivals and above a few requests
 * (a handful in flight at a low rate is not falling behind): a queue that
 * keeps growing cannot meet any latency bound for long. *RATIO gets
 * completed / offered. */
static int kept_up(const window_sums *w, double tol, double *ratio)
{
    *ratio = w->offered > 0 ? w->completed / w->offered : 1;
    double shortfall = w->offered - w->completed;
    return !(shortfall > tol * w->offered && shortfall > 10);
}

static void format_value(const threshold *t, double v, char *buf, size_t len)
{
    switch (t->metric) {
    case METRIC_ERRORS:
    case METRIC_SHED: snprintf(buf, len, "%.2f%%", v * 100); break;
    case METRIC_RATE: snprintf(buf, len, "%.1f/s", v); break;
    case METRIC_DROPPED: snprintf(buf, len, "%.0f", v); break;
    default: snprintf(buf, len, "%.1fms", v); break;
    }
}

/* Appends to the step's explanation, "; " between parts; what does not fit
 * in out->why is cut. *USED is the length written so far (it may pass the
 * buffer's size: snprintf's count). */
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

static void engine_setup(const step_ctx *cx, engine_options *eng)
{
    const search_opts *o = cx->o;
    engine_options_init(eng);
    eng->threads = o->threads;
    eng->connections = o->connections;
    eng->timeout_s = o->timeout_s;
    eng->warmup_s = o->warmup_s;
    /* No grace: a step is its window. Requests still in flight at its end
     * are cancelled (counted, not timed), the per-second completions stay
     * clean for kept_up, and an overloaded step ends on time. */
    eng->grace_s = 0;
    if (o->max_loop_lag_ms > 0)
        eng->loop_lag_bound_ms = o->max_loop_lag_ms;
    eng->quiet = 1;
    eng->seed = o->seed + cx->nstep;
}

/* Runs the plan as it is set up now. 0 with R filled, 1 interrupted (R
 * freed), -1 could not run (said why). */
static int run_once(step_ctx *cx, run_result *r)
{
    if (*cx->steps_run > 0)
        sleep_interruptible(cx->o->pause_s);
    if (engine_stop_requested())
        return 1;
    (*cx->steps_run)++;
    cx->nstep++;
    engine_options eng;
    engine_setup(cx, &eng);
    if (engine_run(&eng, cx->plan, r) != CREST_EXIT_OK)
        return -1;
    if (r->interrupted) {
        run_result_free(r);
        return 1;
    }
    return 0;
}

static const tag_stats *step_stats(const step_ctx *cx, const run_result *r)
{
    return cx->tag >= 0 && (size_t)cx->tag < r->ntags ? &r->tags[cx->tag] : &r->total;
}

static int slo_names_tag(const threshold_set *slo, const char *tag)
{
    for (size_t i = 0; i < slo->count; i++)
        if (strcmp(slo->items[i].tag, tag) == 0)
            return 1;
    return 0;
}

static int search_step_measure(step_ctx *cx, double rate, search_step *out)
{
    const search_opts *o = cx->o;
    if (set_step_phase(cx->plan, rate, 0, o->warmup_s + o->step_s) != 0)
        return -1;
    run_result r;
    int rc = run_once(cx, &r);
    if (rc != 0) {
        out->interrupted = rc == 1;
        return rc == 1 ? 0 : -1;
    }
    const tag_stats *ts = step_stats(cx, &r);
    const counters *c = &ts->c;
    /* Throughput from the steady part of the window: a saturated step's
     * ok_rps is then the capacity it ran into, which search.c uses as an
     * estimate to aim its next probes. */
    window_sums w;
    steady_window(&r, cx->tag, o->step_s, &w);
    if (w.seconds > 0) {
        out->sent_rps = w.sent / w.seconds;
        out->achieved_rps = w.completed / w.seconds;
        out->ok_rps = w.ok / w.seconds;
    }
    out->p50_ms = (double)hist_percentile(ts->h.latency, 50) / 1000;
    out->p90_ms = (double)hist_percentile(ts->h.latency, 90) / 1000;
    out->p99_ms = (double)hist_percentile(ts->h.latency, 99) / 1000;
    out->error_rate = counters_error_rate(c);
    out->shed_rate = counters_shed_rate(c);
    out->generator_limited = r.generator.limited;

    if (c->ok == 0 && c->shed == 0 && c->errors > 0 &&
        c->net[NETERR_REFUSED] + c->net[NETERR_DNS] == c->errors) {
        crest_error("%s: every request failed to connect to %s (%s): nothing to search",
                    cx->label, cx->plan->target,
                    c->net[NETERR_DNS] ? "name not resolved" : "connection refused");
        run_result_free(&r);
        return -1;
    }
    int latency_failed = 0, unserved_failed = 0;
    double latency_use = 0;   /* the largest measured / bound over latency SLOs */
    /* Full link: which subsystem to blame, per kind of failure. */
    const char *tag_errors = NULL, *tag_latency = NULL, *tag_behind = NULL;
    double worst_ratio = 2;
    size_t used = 0;
    out->why[0] = '\0';
    if (c->ok + c->shed + c->errors == 0) {
        unserved_failed = 1;
        why_append(out, &used, "no responses");
    }
    for (size_t i = 0; i < cx->slo.count; i++) {
        const threshold *t = &cx->slo.items[i];
        double v = 0;
        int holds = judge(t, &r, &v);
        if (holds < 0) {
            crest_error("SLO '%s': no subsystem '%s' in this search", t->expr, t->tag);
            run_result_free(&r);
            return -1;
        }
        if (t->metric != METRIC_ERRORS && t->metric != METRIC_SHED && t->metric != METRIC_RATE &&
            t->metric != METRIC_DROPPED && t->value > 0 && v / t->value > latency_use)
            latency_use = v / t->value;
        if (holds)
            continue;
        if (t->metric == METRIC_ERRORS) {
            unserved_failed = 1;
            tag_errors = tag_errors ? tag_errors : t->tag;
        } else {
            latency_failed = 1;
            tag_latency = tag_latency ? tag_latency : t->tag;
        }
        char val[32];
        format_value(t, v, val, sizeof val);
        why_append(out, &used, "%s broken (%s%s)", t->expr, val,
                   t->metric == METRIC_ERRORS ? " errors+shed" : "");
    }
    for (size_t k = 0; k < cx->plan->nsubsystems; k++) {
        long tag = (long)k;
        if (cx->tag >= 0 ? tag != cx->tag : !slo_names_tag(&cx->slo, cx->plan->subsystems[k].name))
            continue;
        double ratio;
        steady_window(&r, tag, o->step_s, &w);
        if (kept_up(&w, o->cfg.tolerance, &ratio))
            continue;
        latency_failed = 1;
        if (ratio < worst_ratio) {
            worst_ratio = ratio;
            tag_behind = cx->plan->subsystems[k].name;
        }
        why_append(out, &used, "%s: falling behind (completed %.1f%% of arrivals: the queue grows)",
                   cx->plan->subsystems[k].name, ratio * 100);
    }
    if (out->generator_limited)
        why_append(out, &used, "generator-limited: %.200s", r.generator.reason);
    out->reason = search_classify(out->generator_limited, latency_failed, unserved_failed,
                                  out->error_rate, out->shed_rate);
    out->pass = out->reason == SEARCH_LIMIT_NONE;
    out->far_below_slo = out->pass && c->errors == 0 && c->shed == 0 &&
                         latency_use < SEARCH_FAR_LATENCY_USE;
    /* The subsystem to blame matches the reason: the first whose error
     * budget broke, or the one furthest behind (the saturated one), or the
     * first whose latency bound broke. */
    const char *blame = out->reason == SEARCH_LIMIT_ERRORS || out->reason == SEARCH_LIMIT_SHED
                            ? tag_errors
                        : out->reason == SEARCH_LIMIT_LATENCY ? (tag_behind ? tag_behind
                                                                            : tag_latency)
                                                              : NULL;
    if (cx->tag < 0 && blame)
        snprintf(out->tag, sizeof out->tag, "%s", blame);
    run_result_free(&r);

    fprintf(stderr,
            "search %-12s rate %9.1f/s  achieved %9.1f/s  ok %9.1f/s  p99 %9.1fms  "
            "errors %6.2f%%  shed %6.2f%%  %s%s%s\n",
            cx->label, rate, out->achieved_rps, out->ok_rps, out->p99_ms, out->error_rate * 100,
            out->shed_rate * 100, out->pass ? "PASS" : "FAIL", out->pass ? "" : ": ",
            out->pass ? "" : out->why);
    return 0;
}

/* Writes the file with the current subsystem's steps so far: the best
 * passing rate as an "at least" capacity, marked partial and interrupted
 * (a reader sees a search that did not finish). The subsystem is restored
 * afterwards: the final write has the real verdict. */
static void checkpoint_write(search_checkpoint *cp)
{
    capacity_subsystem *s = &cp->cap->subsystems[cp->current];
    capacity_subsystem saved = *s;
    double pass = NAN, fail = NAN;
    for (size_t i = 0; i < cp->nsteps; i++) {
        const search_step *st = &cp->steps[i];
        if (st->pass && !(st->rate <= pass))
            pass = st->rate;
    }
    for (size_t i = 0; i < cp->nsteps; i++) {
        const search_step *st = &cp->steps[i];
        if (!st->pass && !st->generator_limited && !(st->rate <= pass) && !(st->rate >= fail))
            fail = st->rate;
    }
    s->steps = cp->steps;
    s->nsteps = cp->nsteps;
    s->capacity_rps = pass;
    s->upper_bound_rps = fail;
    s->at_least = 1;
    s->interrupted = 1;
    cp->cap->partial = 1;
    cJSON *root = capacity_to_json(cp->cap);
    char *text = root ? jsonio_print(root, cp->path) : NULL;
    cJSON_Delete(root);
    int rc = text ? safefile_write(cp->path, text, strlen(text)) : -1;
    free(text);
    cp->cap->partial = 0;
    *s = saved;
    if (rc != 0 && !cp->failed)
        crest_warn("checkpoint: could not write '%s'; the search goes on and the final "
                   "results will be written wherever possible", cp->path);
    cp->failed = rc != 0;
    cp->last_s = clock_now_s();
}

/* Keeps a copy of a finished step; checkpoints when every_s has passed. */
static void checkpoint_step(search_checkpoint *cp, const search_step *st)
{
    if (cp->nsteps == cp->cap_steps) {
        size_t n = cp->cap_steps ? cp->cap_steps * 2 : 16;
        search_step *more = realloc(cp->steps, n * sizeof *more);
        if (!more)
            return; /* out of memory: skip the checkpoint, the search goes on */
        cp->steps = more;
        cp->cap_steps = n;
    }
    cp->steps[cp->nsteps++] = *st;
    if (clock_now_s() - cp->last_s >= cp->every_s)
        checkpoint_write(cp);
}

static int search_step_run(void *ctx, double rate, search_step *out)
{
    step_ctx *cx = ctx;
    int rc = search_step_measure(cx, rate, out);
    if (rc == 0 && !out->interrupted && cx->cp)
        checkpoint_step(cx->cp, out);
    return rc;
}

/* The final capacity.json: to --out, or when that cannot be written (disk
 * full, directory removed mid-search) to $TMPDIR or stderr, said on stderr.
 * 0 written to PATH, else nonzero. */
static int write_final(const char *path, const capacity_result *cap)
{
    cJSON *root = capacity_to_json(cap);
    char *text = root ? jsonio_print(root, path) : NULL;
    cJSON_Delete(root);
    if (!text) {
        crest_error("out of memory writing '%s'", path);
        return -1;
    }
    char where[4096];
    int rc = safefile_write_fallback(path, text, strlen(text), where, sizeof where);
    free(text);
    return rc;
}

/* ---- the USL sweep ---- */

/* Closed-loop throughput at each level, then the USL fit. 0, 1
 * interrupted, -1 could not run. */
static int run_sweep(step_ctx *cx, capacity_usl *u)
{
    const search_opts *o = cx->o;
    u->load = calloc(o->nlevels, sizeof *u->load);
    u->throughput = calloc(o->nlevels, sizeof *u->throughput);
    if (!u->load || !u->throughput)
        return -1;
    for (size_t i = 0; i < o->nlevels; i++) {
        int n = (int)o->levels[i];
        if (set_step_phase(cx->plan, 0, n, o->warmup_s + o->sweep_step_s) != 0)
            return -1;
        run_result r;
        int rc = run_once(cx, &r);
        if (rc != 0)
            return rc;
        const tag_stats *ts = step_stats(cx, &r);
        window_sums w;
        steady_window(&r, cx->tag, o->sweep_step_s, &w);
        u->load[u->npoints] = n;
        u->throughput[u->npoints] = w.seconds > 0 ? w.ok / w.seconds : 0;
        fprintf(stderr, "sweep  %-12s connections %4d  throughput %9.1f/s  p99 %9.1fms%s\n",
                cx->label, n, u->throughput[u->npoints],
                (double)hist_percentile(ts->h.latency, 99) / 1000,
                r.generator.limited ? "  (generator-limited)" : "");
        u->npoints++;
        run_result_free(&r);
    }
    u->present = 1;
    if (usl_fit_points(u->load, u->throughput, u->npoints, &u->fit) != 0) {
        u->fit.alpha = u->fit.beta = u->fit.gamma = NAN;
        u->fit.alpha_se = u->fit.beta_se = u->fit.gamma_se = NAN;
        u->fit.residual_se = u->fit.r_squared = u->fit.x_max = NAN;
        u->fit.n_star = INFINITY;
        u->fit.poor_fit = 1;
    }
    if (u->fit.poor_fit)
        crest_warn("%s: the USL does not describe the sweep well: %s", cx->label,
                   u->fit.warning[0] ? u->fit.warning : "poor fit");
    else if (isfinite(u->fit.n_star))
        fprintf(stderr,
                "sweep  %-12s USL alpha %.4g beta %.4g gamma %.1f/s  peak %.1f/s at N=%.1f  "
                "R^2 %.3f\n",
                cx->label, u->fit.alpha, u->fit.beta, u->fit.gamma, u->fit.x_max,
                u->fit.n_star, u->fit.r_squared);
    else
        fprintf(stderr,
                "sweep  %-12s USL alpha %.4g beta 0 gamma %.1f/s  no peak (throughput tends to "
                "%.1f/s)  R^2 %.3f\n",
                cx->label, u->fit.alpha, u->fit.gamma, u->fit.x_max, u->fit.r_squared);
    return 0;
}

/* ---- one subsystem ---- */

/* Searches PLAN (its own SLO set up in CX) and fills S. 0 done, 1
 * interrupted, -1 could not run. */
static int search_one(step_ctx *cx, capacity_subsystem *s)
{
    double t0 = clock_now_s();
    search_result res;
    if (search_run(&cx->o->cfg, search_step_run, cx, &res) != 0) {
        crest_error("%s: invalid search settings", cx->label);
        search_result_free(&res);
        return -1;
    }
    s->capacity_rps = res.capacity_rps;
    s->upper_bound_rps = res.upper_bound_rps;
    s->at_least = res.at_least;
    s->limited_by = res.limited_by;
    s->generator_limited = res.generator_limited;
    s->interrupted = res.interrupted;
    for (size_t i = res.nsteps; i-- > 0;) {
        const search_step *st = &res.steps[i];
        if (!st->pass && !st->generator_limited && st->rate == res.upper_bound_rps) {
            if (st->tag[0])
                s->limiting_tag = strdup(st->tag);
            break;
        }
    }
    s->steps = res.steps;
    s->nsteps = res.nsteps;
    res.steps = NULL;
    int rc = res.run_failed ? -1 : res.interrupted ? 1 : 0;
    search_result_free(&res);
    if (rc == 0 && cx->o->sweep) {
        rc = run_sweep(cx, &s->usl);
        s->interrupted = rc == 1;
    }
    s->duration_s = clock_now_s() - t0;
    return rc;
}

static void print_result(const capacity_subsystem *s)
{
    char cap[64], up[64];
    if (isnan(s->capacity_rps))
        snprintf(cap, sizeof cap, "none");
    else
        snprintf(cap, sizeof cap, "%s%.1f/s", s->at_least ? ">= " : "", s->capacity_rps);
    if (isnan(s->upper_bound_rps))
        snprintf(up, sizeof up, "-");
    else
        snprintf(up, sizeof up, "%.1f/s", s->upper_bound_rps);
    printf("%-16s %-16s %-14s %-10s%s%s %5zu steps %6.1fs%s%s\n", s->name, cap, up,
           search_limit_name(s->limited_by), s->limiting_tag ? " in " : "",
           s->limiting_tag ? s->limiting_tag : "", s->nsteps, s->duration_s,
           s->generator_limited ? "  (generator-limited: not a capacity)" : "",
           s->interrupted ? "  (interrupted)" : "");
}

/* ---- the whole command ---- */

typedef struct search_job {
    const char *name;       /* subsystem, FULL_LINK, or NULL ad hoc */
} search_job;

static int only_has(const search_opts *o, const char *name)
{
    if (o->nonly == 0)
        return 1;
    for (size_t i = 0; i < o->nonly; i++)
        if (strcmp(o->only[i], name) == 0)
            return 1;
    return 0;
}

static int plan_has_subsystem(const loadplan *p, const char *name)
{
    for (size_t k = 0; k < p->nsubsystems; k++)
        if (strcmp(p->subsystems[k].name, name) == 0)
            return 1;
    return 0;
}

/* Checks --only against the scenario's subsystems. */
static int check_only(const search_opts *o, const loadplan *full)
{
    for (size_t i = 0; i < o->nonly; i++) {
        if (strcmp(o->only[i], FULL_LINK) != 0 && !plan_has_subsystem(full, o->only[i])) {
            char list[512] = "";
            size_t used = 0;
            for (size_t k = 0; k < full->nsubsystems && used < sizeof list; k++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s, ",
                                         full->subsystems[k].name);
            crest_error("--only '%s': no such subsystem in %s; expected one of: %s%s", o->only[i],
                        o->scenario, list, FULL_LINK);
            return -1;
        }
    }
    return 0;
}

/* A tag in --slo must name a subsystem of the search ("adhoc" for --url):
 * a typo would otherwise drop that bound silently. */
static int check_slo_tags(const search_opts *o, const loadplan *p)
{
    if (!o->slo)
        return 0;
    threshold_set set = {0};
    char err[256];
    int rc = 0;
    if (threshold_set_add(&set, o->slo, err, sizeof err) != 0) {
        crest_error("--slo: %s", err);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < set.count; i++) {
        const char *tag = set.items[i].tag;
        if (tag[0] && !plan_has_subsystem(p, tag)) {
            crest_error("--slo '%s': no subsystem '%s' in %s", set.items[i].expr, tag,
                        o->scenario ? o->scenario : "an ad hoc search (its tag is 'adhoc')");
            rc = -1;
        }
    }
    threshold_set_free(&set);
    return rc;
}

/* Builds the plan and SLO for one job. 0, or CREST_EXIT_USAGE (said why). */
static int prepare_job(const search_opts *o, const char *name, const char *target,
                       step_ctx *cx, capacity_subsystem *s)
{
    loadplan *p;
    if (!o->scenario) {
        p = search_adhoc_plan(o);
    } else {
        const char *only[2] = {name, NULL};
        scenario_options so = {.target = target, .only = strcmp(name, FULL_LINK) ? only : NULL};
        p = scenario_load(o->scenario, &so);
    }
    if (!p)
        return CREST_EXIT_USAGE;
    if (!o->scenario && check_slo_tags(o, p) != 0) {
        loadplan_free(p);
        return CREST_EXIT_USAGE;
    }
    /* A scenario's own gates and abort rules are for `crest run`: a search
     * step is meant to overload the system and must run its full window. */
    threshold_set_free(&p->thresholds);
    threshold_set_free(&p->aborts);
    cx->plan = p;
    cx->tag = -1;
    char text[OPT_TEXT_MAX], all[2048] = "";
    size_t used = 0;
    int any = 0;
    for (size_t i = 0; i < p->nsubsystems; i++) {
        const loadplan_subsystem *ps = &p->subsystems[i];
        int single = !o->scenario || strcmp(name, FULL_LINK) != 0;
        if (single && o->scenario && strcmp(ps->name, name) != 0)
            continue;
        if (subsystem_slo_text(o, ps, text, sizeof text) != 0) {
            if (!single)
                continue; /* full link: judged on the subsystems that have an SLO */
            crest_error("%s: subsystem '%s' has no SLO (subsystems.%s.slo); expected one in "
                        "the scenario or --slo 'p99<50ms,errors<1%%'",
                        o->scenario, ps->name, ps->name);
            return CREST_EXIT_USAGE;
        }
        if (slo_add_tagged(&cx->slo, text, ps->name, o->slo ? "--slo" : o->scenario) != 0)
            return CREST_EXIT_USAGE;
        if (single) {
            cx->tag = (long)i;
            snprintf(all, sizeof all, "%s", text);
        } else if (used < sizeof all) {
            used += (size_t)snprintf(all + used, sizeof all - used, "%s%s:{%s}", any ? "," : "",
                                     ps->name, text);
        }
        any = 1;
    }
    if (!any) {
        crest_error("%s: no subsystem has an SLO; expected subsystems.NAME.slo or --slo",
                    o->scenario ? o->scenario : "--url");
        return CREST_EXIT_USAGE;
    }
    /* The SLO's p99 and error bounds as plain numbers, for plan/report. */
    for (size_t i = 0; i < cx->slo.count && cx->tag >= 0; i++) {
        const threshold *t = &cx->slo.items[i];
        if (t->metric == METRIC_P99 && isnan(s->slo_p99_ms))
            s->slo_p99_ms = t->value;
        if (t->metric == METRIC_ERRORS && isnan(s->slo_error_rate))
            s->slo_error_rate = t->value;
    }
    s->slo_expr = strdup(all);
    return CREST_EXIT_OK;
}

int cmd_search(int argc, char **argv)
{
    search_opts o;
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? CREST_EXIT_OK : CREST_EXIT_USAGE;

    /* The job list: each subsystem alone, then the full link. */
    loadplan *full = NULL;
    const char **jobs = NULL;
    size_t njobs = 0;
    if (o.scenario) {
        scenario_options so = {.target = o.target};
        full = scenario_load(o.scenario, &so);
        if (!full)
            return CREST_EXIT_USAGE;
        if (check_only(&o, full) != 0 || check_slo_tags(&o, full) != 0) {
            loadplan_free(full);
            return CREST_EXIT_USAGE;
        }
        jobs = calloc(full->nsubsystems + 1, sizeof *jobs);
        for (size_t i = 0; jobs && i < full->nsubsystems; i++)
            if (only_has(&o, full->subsystems[i].name))
                jobs[njobs++] = full->subsystems[i].name;
        if (jobs && only_has(&o, FULL_LINK))
            jobs[njobs++] = FULL_LINK;
    } else {
        jobs = calloc(1, sizeof *jobs);
        if (jobs)
            jobs[njobs++] = o.url;
    }
    if (!jobs) {
        loadplan_free(full);
        return CREST_EXIT_RUN;
    }

    capacity_result cap;
    memset(&cap, 0, sizeof cap);
    char now[32];
    clock_wall_iso8601(now, sizeof now);
    cap.started_at = strdup(now);
    cap.scenario = o.scenario ? strdup(o.scenario) : NULL;
    cap.step_s = o.step_s;
    cap.warmup_s = o.warmup_s;
    cap.tolerance = o.cfg.tolerance;
    cap.max_rate = o.cfg.max_rate;
    cap.start_rate = o.cfg.start_rate;
    cap.connections = o.connections;
    cap.threads = o.threads;

    /* Every job's plan first: bad input is reported before anything starts. */
    step_ctx *cxs = calloc(njobs, sizeof *cxs);
    int steps_run = 0;
    rc = cxs ? CREST_EXIT_OK : CREST_EXIT_RUN;
    for (size_t i = 0; rc == CREST_EXIT_OK && i < njobs; i++) {
        cxs[i].o = &o;
        cxs[i].label = jobs[i];
        cxs[i].steps_run = &steps_run;
        capacity_subsystem *s = capacity_add_subsystem(&cap, jobs[i]);
        rc = s ? prepare_job(&o, jobs[i], o.target, &cxs[i], s) : CREST_EXIT_RUN;
    }

    /* No target anywhere: one embedded testbed for the whole search. */
    testbed_process tb = {.pid = 0};
    int started_testbed = 0;
    if (rc == CREST_EXIT_OK && !cxs[0].plan->target) {
        if (testbed_spawn(o.testbed_config, &tb) != 0) {
            rc = CREST_EXIT_RUN;
        } else {
            started_testbed = 1;
            fprintf(stderr, "search: embedded testbed at %s\n", tb.url);
            for (size_t i = 0; i < njobs; i++)
                if (!cxs[i].plan->target)
                    cxs[i].plan->target = strdup(tb.url);
        }
    } else if (rc == CREST_EXIT_OK && o.testbed_config) {
        crest_warn("--testbed-config is ignored: the search has a target (%s)",
                   cxs[0].plan->target);
    }
    if (rc == CREST_EXIT_OK)
        cap.target = strdup(cxs[0].plan->target);

    size_t conclusive = 0;
    search_checkpoint cp = {.cap = &cap, .path = o.out, .every_s = o.checkpoint_s,
                            .last_s = clock_now_s()};
    if (rc == CREST_EXIT_OK) {
        engine_install_signal_handlers();
        for (size_t i = 0; i < njobs; i++) {
            capacity_subsystem *s = &cap.subsystems[i];
            fprintf(stderr, "search %s: SLO %s\n", s->name, s->slo_expr);
            cp.current = i;
            cp.nsteps = 0;
            cxs[i].cp = o.out && o.checkpoint_s > 0 ? &cp : NULL;
            int r = search_one(&cxs[i], s);
            if (!s->generator_limited && r == 0)
                conclusive++;
            if (s->generator_limited)
                crest_warn("%s: the generator could not drive the system past %.1f/s: the "
                           "capacity is at least that, not measured (more --threads, or a "
                           "bigger generator machine)",
                           s->name, isnan(s->capacity_rps) ? 0 : s->capacity_rps);
            /* Keep the file current after each subsystem; a failed write
             * (disk full, directory gone) is said and the search goes on:
             * the final write finds a place that works. */
            if (o.out && capacity_write(o.out, &cap) != 0)
                crest_warn("search goes on; the final results will be written wherever "
                           "possible");
            if (r != 0) {
                cap.interrupted = r == 1;
                rc = CREST_EXIT_RUN;
                if (r == 1)
                    crest_warn("interrupted: keeping the %zu subsystem(s) searched so far%s",
                               i + 1, o.out ? " in the output file" : "");
                /* Later subsystems stay in the file as not searched. */
                for (size_t k = i + 1; k < njobs; k++) {
                    cap.subsystems[k].interrupted = 1;
                    cap.subsystems[k].at_least = 1;
                }
                break;
            }
        }
        if (o.out && write_final(o.out, &cap) != 0)
            rc = CREST_EXIT_RUN;
        free(cp.steps);
        printf("%-16s %-16s %-14s %-10s\n", "subsystem", "capacity", "upper bound",
               "limited by");
        for (size_t i = 0; i < cap.nsubsystems; i++)
            print_result(&cap.subsystems[i]);
        if (rc == CREST_EXIT_OK && conclusive == 0) {
            crest_error("no subsystem gave a conclusive result (all generator-limited): see "
                        "the results above");
            rc = CREST_EXIT_RUN;
        }
    }

    if (started_testbed)
        testbed_stop(&tb);
    for (size_t i = 0; cxs && i < njobs; i++) {
        loadplan_free(cxs[i].plan);
        threshold_set_free(&cxs[i].slo);
    }
    free(cxs);
    free(jobs);
    loadplan_free(full);
    capacity_result_free(&cap);
    return rc;
}
