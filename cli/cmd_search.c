/* cmd_search.c: `crest search`, the capacity search over a scenario's
 * subsystems (each alone, then the full-link mix) or one ad hoc URL.
 *
 * This file owns the flags, the job list (which plan and SLO each search
 * judges), the embedded testbed when there is no target, and the terminal.
 * capacity/step_runner.c runs and judges each step, capacity/search.c
 * decides which rate to try next, capacity/capacity_file.c writes
 * capacity.json. See docs/capacity-format.md for what the numbers mean. */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/observe_options.h"
#include "cli/optable.h"
#include "cli/options.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "common/safefile.h"
#include "common/outpath.h"
#include "common/units.h"
#include "capacity/usl.h"
#include "loadgen/adhoc.h"
#include "capacity/capacity_file.h"
#include "loadgen/engine.h"
#include "loadgen/loadplan.h"
#include "loadgen/scenario.h"
#include "capacity/search.h"
#include "capacity/step_runner.h"
#include "loadgen/threshold.h"
#include "observe/session.h"
#include "testbed/embed.h"

#define FULL_LINK "full-link"
#define MAX_ONLY 64
#define MAX_LEVELS 32
/* Longest --slo (and --sweep-levels) text: a longer one is refused, not cut
 * (a cut "errors<1%" would read as errors<1, i.e. 100%). */
#define OPT_TEXT_MAX 512

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
    double checkpoint_s;         /* rewrite --out (partial) after a step once this has passed */
    const char *name;            /* --url: the subsystem it serves (default "adhoc") */
    int quiet;
    const char *testbed_config;
    int sweep;
    double levels[MAX_LEVELS];
    size_t nlevels;
    double sweep_step_s;
    uint64_t seed;
    search_config cfg;
    observe_options obs;
} search_opts;

enum {
    OPT_ONLY = 256, OPT_TARGET, OPT_URL, OPT_BODY, OPT_SLO, OPT_STEP, OPT_WARMUP, OPT_PAUSE,
    OPT_TOLERANCE, OPT_START, OPT_MAX, OPT_MIN, OPT_TIMEOUT, OPT_SWEEP, OPT_LEVELS,
    OPT_SWEEP_STEP, OPT_TESTBED_CONFIG, OPT_SEED, OPT_MAX_LAG, OPT_RETRIES, OPT_NAME,
    OPT_CHECKPOINT
};

static const cli_option search_options[] = {
    {"only", 0, "NAME", OPT_ONLY,
     "search only this subsystem (repeatable; \"full-link\" for the mix)", "Scenario"},
    {"target", 0, "URL", OPT_TARGET, "override the scenario's target", 0},
    {"url", 0, "URL", OPT_URL, "search one URL (or give it as the operand)", "Ad hoc"},
    {"name", 0, "NAME", OPT_NAME, "the subsystem this URL serves (default adhoc): its\n"
     "capacity.json entry then feeds `crest plan`", 0},
    {"method", 'X', "M", 'X', "request method (as crest run)", 0},
    {"header", 'H', "'K: V'", 'H', "request header, repeatable", 0},
    {"body", 0, "@FILE|TEXT", OPT_BODY, "request body", 0},
    {"slo", 0, "EXPR", OPT_SLO, "SLO for every subsystem, e.g. 'p99<50ms,errors<1%' (default:\n"
     "each subsystem's slo from the scenario; errors<1% is added\n"
     "when the SLO has no error bound)", "Search"},
    {"step", 0, "DUR", OPT_STEP, "measured window per step (default 5s)", 0},
    {"warmup", 0, "DUR", OPT_WARMUP, "discarded warm-up before each window (default 1s)", 0},
    {"pause", 0, "DUR", OPT_PAUSE, "drain pause between steps (default 0.5s)", 0},
    {"tolerance", 0, "FRAC", OPT_TOLERANCE, "stop when (fail - pass) / pass <= FRAC (default 3%)",
     0},
    {"start-rate", 0, "R", OPT_START, "first step, requests/s (default 100)", 0},
    {"max-rate", 0, "R", OPT_MAX, "never step above R (default 1000000)", 0},
    {"min-rate", 0, "R", OPT_MIN, "stop halving below R when the start rate fails (default 1)", 0},
    {"retries", 0, "N", OPT_RETRIES, "re-run a generator-limited step up to N times (default 1)",
     0},
    {"sweep", 0, NULL, OPT_SWEEP, "also run a closed-loop concurrency sweep and fit USL", 0},
    {"sweep-levels", 0, "LIST", OPT_LEVELS, "connections per sweep point (default 1,2,4,8,16,32,64)",
     0},
    {"sweep-step", 0, "DUR", OPT_SWEEP_STEP, "measured window per sweep point (default: --step)",
     0},
    {"connections", 'c', "N", 'c', "connection cap; open loop needs rate x latency (default 256)",
     "Generator"},
    {"threads", 't', "N", 't', "generator threads (default: cores)", 0},
    {"timeout", 0, "DUR", OPT_TIMEOUT, "per request (default 5s)", 0},
    {"max-loop-lag", 0, "DUR", OPT_MAX_LAG,
     "generator loop lag p99 above DUR marks a step generator-limited\n(default 5ms)", 0},
    {"seed", 0, "N", OPT_SEED, "random seed (arrivals, templates)", 0},
    {"testbed-config", 0, "FILE", OPT_TESTBED_CONFIG,
     "config file for the embedded testbed (docs/testbed.md)", 0},
    {"out", 'o', "FILE", 'o', "write capacity.json (docs/capacity-format.md); - for stdout;\n"
     "checked before the first step", "Output"},
    {"checkpoint", 0, "DUR", OPT_CHECKPOINT, "while searching, rewrite --out after a step when DUR\n"
     "has passed, marked \"partial\" (default 10s; 0 turns it off)", 0},
    {"quiet", 'q', NULL, 'q', "no step lines, only the result table", 0},
    OBSERVE_CLI_OPTIONS,
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command search_command = {
    .name = "search",
    .summary = "find each subsystem's capacity under its SLO",
    .synopsis = "crest search SCENARIO.json [--only NAME]... [--target URL] [options]\n"
                "crest search URL --slo 'p99<50ms,errors<1%' [--name NAME] [-X M] [-H 'K: V']...",
    .description =
        "Finds the highest constant open-loop rate each subsystem sustains within its SLO:\n"
        "doubling from --start-rate until a step fails, then narrowing the bracket until\n"
        "(fail - pass) / pass <= --tolerance. Each subsystem is searched alone (its own\n"
        "endpoint mix), then the whole scenario mix as \"full-link\" (every subsystem on its\n"
        "own SLO). Without a target the embedded testbed is started once for the search.",
    .options = search_options,
    .noptions = sizeof search_options / sizeof search_options[0],
    .footer = "exit codes: 0 done (some results may be \"at least\": see the file), 2 bad input,\n"
              "            3 could not run, interrupted, or no subsystem gave a conclusive result",
    .positional = "file",
};

/* ---- options ---- */

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
        if (option_int("--sweep-levels", tok, 1, 1000000, &n) != 0)
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

/* 0, 1 for --help (printed), or -1 (error printed). */
/* What is searched and where the result goes. 0 handled, -1 bad value
 * (printed), 1 not one of these flags. */
static int scope_flag(int c, const char *v, search_opts *o)
{
    switch (c) {
    case OPT_ONLY:
        if (o->nonly == MAX_ONLY) {
            crest_error("--only: at most %d names", MAX_ONLY);
            return -1;
        }
        o->only[o->nonly++] = v;
        break;
    case OPT_TARGET: o->target = v; break;
    case OPT_URL: o->url = v; break;
    case 'X': o->method = v; break;
    case 'H':
        if (o->nheaders == LOADPLAN_MAX_HEADERS) {
            crest_error("-H: at most %d headers", LOADPLAN_MAX_HEADERS);
            return -1;
        }
        if (!strchr(v, ':')) {
            crest_error("-H: expected 'Name: value', found '%s'", v);
            return -1;
        }
        o->headers[o->nheaders++] = v;
        break;
    case OPT_BODY: o->body = v; break;
    case OPT_SLO: o->slo = v; break;
    case OPT_TESTBED_CONFIG: o->testbed_config = v; break;
    case 'o': o->out = v; break;
    case 'q': o->quiet = 1; break;
    case OPT_NAME: o->name = v; break;
    default: return 1;
    }
    return 0;
}

/* How the search steps and the generator run, as scope_flag. */
static int search_flag(int c, const char *v, search_opts *o)
{
    int n;
    double d;
    switch (c) {
    case OPT_STEP:
        if (option_duration("--step", v, 0, &o->step_s) != 0)
            return -1;
        break;
    case OPT_WARMUP:
        if (option_duration("--warmup", v, 1, &o->warmup_s) != 0)
            return -1;
        break;
    case OPT_PAUSE:
        if (option_duration("--pause", v, 1, &o->pause_s) != 0)
            return -1;
        break;
    case OPT_TIMEOUT:
        if (option_duration("--timeout", v, 0, &o->timeout_s) != 0)
            return -1;
        break;
    case OPT_TOLERANCE:
        if (option_fraction("--tolerance", v, &o->cfg.tolerance) != 0)
            return -1;
        break;
    case OPT_START:
        if (option_rate("--start-rate", v, &o->cfg.start_rate) != 0)
            return -1;
        break;
    case OPT_MAX:
        if (option_rate("--max-rate", v, &o->cfg.max_rate) != 0)
            return -1;
        break;
    case OPT_MIN:
        if (option_positive("--min-rate", v, &o->cfg.min_rate) != 0)
            return -1;
        break;
    case 'c':
        if (option_int("--connections", v, 1, 1000000, &o->connections) != 0)
            return -1;
        break;
    case 't':
        if (option_int("--threads", v, 1, 1000000, &o->threads) != 0)
            return -1;
        break;
    case OPT_SWEEP: o->sweep = 1; break;
    case OPT_LEVELS:
        if (parse_levels(v, o) != 0)
            return -1;
        o->sweep = 1;
        break;
    case OPT_SWEEP_STEP:
        if (option_duration("--sweep-step", v, 0, &o->sweep_step_s) != 0)
            return -1;
        break;
    case OPT_SEED:
        if (option_int("--seed", v, 0, 1000000, &n) != 0)
            return -1;
        o->seed = (uint64_t)n;
        break;
    case OPT_MAX_LAG:
        if (option_duration("--max-loop-lag", v, 0, &d) != 0)
            return -1;
        o->max_loop_lag_ms = d * 1000;
        break;
    case OPT_RETRIES:
        if (option_int("--retries", v, 0, 1000000, &o->cfg.generator_retries) != 0)
            return -1;
        break;
    case OPT_CHECKPOINT:
        if (option_checkpoint("--checkpoint", v, &o->checkpoint_s) != 0)
            return -1;
        break;
    default: return 1;
    }
    return 0;
}

static void search_defaults(search_opts *o)
{
    memset(o, 0, sizeof *o);
    search_config_init(&o->cfg);
    observe_options_init(&o->obs);
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
}

/* Flags that only make sense together, and the operand. 0 or -1 (printed). */
static int check_options(int argc, char **argv, search_opts *o)
{
    if (o->sweep_step_s < 0)
        o->sweep_step_s = o->step_s;
    if (optind < argc) {
        const char *op = argv[optind++];
        if (option_is_url(op) && !o->url)
            o->url = op;
        else
            o->scenario = op;
    }
    if (optind < argc) {
        crest_error("unexpected argument '%s'; expected one SCENARIO.json or URL", argv[optind]);
        return -1;
    }
    if (o->name && !o->url) {
        crest_error("--name names an ad hoc URL's subsystem; a scenario names its own");
        return -1;
    }
    if (o->out && outpath_check("-o/--out", o->out) != 0)
        return -1;
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

/* 0, 1 for --help (printed), or -1 (error printed). */
static int parse_options(int argc, char **argv, search_opts *o)
{
    struct option longopts[CLI_MAX_OPTIONS + 1];
    char shorts[64];
    cli_getopt_spec(&search_command, ":", longopts, shorts, sizeof shorts);
    search_defaults(o);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_help(stdout, &search_command);
            return 1;
        }
        int rc = scope_flag(c, optarg, o);
        if (rc == 1)
            rc = search_flag(c, optarg, o);
        if (rc == 1)
            rc = observe_flag(&o->obs, c, optarg);
        if (rc == 1)
            return cli_bad_option(&search_command, c, argc, argv);
        if (rc != 0)
            return -1;
    }
    return check_options(argc, argv, o);
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
    if (p && p->nsubsystems == 1 && o->name) {
        char *name = strdup(o->name);
        if (!name) {
            loadplan_free(p);
            return NULL;
        }
        free(p->subsystems[0].name);
        p->subsystems[0].name = name;
    }
    return p;
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

/* ---- what the terminal shows ---- */

/* One line per step, under SEARCH_LINE_MAX columns: the label (never the
 * URL, said once before the steps), figures formatted alike, and the
 * reason cut to what fits. */
#define SEARCH_LINE_MAX 119

static void print_step(const search_opts *o, const step_runner *sr, const search_step *st)
{
    if (o->quiet)
        return;
    char line[512], rate[32], ok[32], p99[32];
    int n = snprintf(line, sizeof line, "%-10.10s %7s/s ok %7s/s p99 %8s err %5.2f%% "
                     "shed %5.2f%% %s",
                     sr->label, units_format_count(st->rate, rate, sizeof rate),
                     units_format_count(st->ok_rps, ok, sizeof ok),
                     units_format_duration(st->p99_ms / 1000, p99, sizeof p99),
                     st->error_rate * 100, st->shed_rate * 100, st->pass ? "PASS" : "FAIL");
    if (!st->pass && n > 0 && (size_t)n < sizeof line)
        snprintf(line + n, sizeof line - (size_t)n, ": %s", st->why);
    if (strlen(line) > SEARCH_LINE_MAX)
        snprintf(line + SEARCH_LINE_MAX - 3, 4, "...");
    fprintf(stderr, "%s\n", line);
    char nearest[256];
    observe_describe_nearest(st, nearest, sizeof nearest);
    if (nearest[0])
        fprintf(stderr, "%-10.10s   nearest its limit: %s\n", sr->label, nearest);
}

static void print_sweep_point(void *user, const step_runner *sr, int connections,
                              double throughput_rps, double p99_ms, int generator_limited)
{
    (void)user;
    fprintf(stderr, "sweep  %-12s connections %4d  throughput %9.1f/s  p99 %9.1fms%s\n",
            sr->label, connections, throughput_rps, p99_ms,
            generator_limited ? "  (generator-limited)" : "");
}

static void print_usl_fit(const char *label, const capacity_usl *u)
{
    if (!u->present)
        return;
    if (u->fit.poor_fit)
        crest_warn("%s: the USL does not describe the sweep well: %s", label,
                   u->fit.warning[0] ? u->fit.warning : "poor fit");
    else if (isfinite(u->fit.n_star))
        fprintf(stderr,
                "sweep  %-12s USL alpha %.4g beta %.4g gamma %.1f/s  peak %.1f/s at N=%.1f  "
                "R^2 %.3f\n",
                label, u->fit.alpha, u->fit.beta, u->fit.gamma, u->fit.x_max, u->fit.n_star,
                u->fit.r_squared);
    else
        fprintf(stderr,
                "sweep  %-12s USL alpha %.4g beta 0 gamma %.1f/s  no peak (throughput tends to "
                "%.1f/s)  R^2 %.3f\n",
                label, u->fit.alpha, u->fit.gamma, u->fit.x_max, u->fit.r_squared);
}

/* The passing step at the capacity (the highest passing rate), or NULL. */
static const search_step *capacity_step(const capacity_subsystem *s)
{
    const search_step *best = NULL;
    for (size_t i = 0; i < s->nsteps; i++)
        if (s->steps[i].pass && (!best || s->steps[i].rate > best->rate))
            best = &s->steps[i];
    return best;
}

static void print_result(const capacity_subsystem *s)
{
    char cap[64], up[64], num[32];
    if (isnan(s->capacity_rps))
        snprintf(cap, sizeof cap, "none");
    else
        snprintf(cap, sizeof cap, "%s%s/s", s->at_least ? ">= " : "",
                 units_format_count(s->capacity_rps, num, sizeof num));
    if (isnan(s->upper_bound_rps))
        snprintf(up, sizeof up, "-");
    else
        snprintf(up, sizeof up, "%s/s", units_format_count(s->upper_bound_rps, num, sizeof num));
    printf("%-16s %-16s %-14s %-10s%s%s %5zu steps %6.1fs%s%s\n", s->name, cap, up,
           search_limit_name(s->limited_by), s->limiting_tag ? " in " : "",
           s->limiting_tag ? s->limiting_tag : "", s->nsteps, s->duration_s,
           s->generator_limited ? "  (generator-limited: not a capacity)" : "",
           s->interrupted ? "  (interrupted)" : "");
    if (s->resource_at_capacity)   /* "cart 1247/s, limited by latency; node CPU 97% busy" */
        printf("%-16s   at %s/s nearest its limit: %s\n", "",
               units_format_count(s->capacity_rps, num, sizeof num), s->resource_at_capacity);
}

/* Names in S the scraped resource nearest its limit at the capacity step. */
static void name_resource_at_capacity(capacity_subsystem *s)
{
    const search_step *at = capacity_step(s);
    char nearest[256] = "";
    if (at)
        observe_describe_nearest(at, nearest, sizeof nearest);
    free(s->resource_at_capacity);
    s->resource_at_capacity = nearest[0] ? strdup(nearest) : NULL;
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
                        o->scenario ? o->scenario
                                    : "an ad hoc search (its tag is --name, default 'adhoc')");
            rc = -1;
        }
    }
    threshold_set_free(&set);
    return rc;
}

/* Builds the plan and SLO for one job. 0, or CREST_EXIT_USAGE (said why). */
static int prepare_job(const search_opts *o, const char *name, const char *target,
                       step_runner *cx, capacity_subsystem *s)
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
        if (step_slo_add_tagged(&cx->slo, text, ps->name, o->slo ? "--slo" : o->scenario) != 0)
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

/* The job list: each subsystem alone, then the full link; or the URL.
 * NULL (said why in *RC) on bad input. */
static const char **make_jobs(const search_opts *o, loadplan **full, size_t *njobs, int *rc)
{
    const char **jobs;
    *njobs = 0;
    *full = NULL;
    *rc = CREST_EXIT_RUN;
    if (!o->scenario) {
        jobs = calloc(1, sizeof *jobs);
        if (jobs)
            jobs[(*njobs)++] = o->name ? o->name : "adhoc";
        return jobs;
    }
    scenario_options so = {.target = o->target};
    *full = scenario_load(o->scenario, &so);
    if (!*full || check_only(o, *full) != 0 || check_slo_tags(o, *full) != 0) {
        *rc = CREST_EXIT_USAGE;
        return NULL;
    }
    jobs = calloc((*full)->nsubsystems + 1, sizeof *jobs);
    for (size_t i = 0; jobs && i < (*full)->nsubsystems; i++)
        if (only_has(o, (*full)->subsystems[i].name))
            jobs[(*njobs)++] = (*full)->subsystems[i].name;
    if (jobs && only_has(o, FULL_LINK))
        jobs[(*njobs)++] = FULL_LINK;
    return jobs;
}

static void step_settings_from(const search_opts *o, step_settings *st)
{
    memset(st, 0, sizeof *st);
    st->step_s = o->step_s;
    st->warmup_s = o->warmup_s;
    st->pause_s = o->pause_s;
    st->sweep_step_s = o->sweep_step_s;
    st->timeout_s = o->timeout_s;
    st->max_loop_lag_ms = o->max_loop_lag_ms;
    st->kept_up_tolerance = o->cfg.tolerance;
    st->connections = o->connections;
    st->threads = o->threads;
    st->seed = o->seed;
}

static void capacity_header(const search_opts *o, capacity_result *cap)
{
    memset(cap, 0, sizeof *cap);
    char now[32];
    clock_wall_iso8601(now, sizeof now);
    cap->started_at = strdup(now);
    cap->scenario = o->scenario ? strdup(o->scenario) : NULL;
    cap->step_s = o->step_s;
    cap->warmup_s = o->warmup_s;
    cap->tolerance = o->cfg.tolerance;
    cap->max_rate = o->cfg.max_rate;
    cap->start_rate = o->cfg.start_rate;
    cap->connections = o->connections;
    cap->threads = o->threads;
}

/* No target anywhere: one embedded testbed for the whole search. 0, or
 * CREST_EXIT_RUN (said why). *STARTED says whether TB must be stopped. */
static int target_or_testbed(const search_opts *o, step_runner *runners, size_t n,
                             testbed_process *tb, int *started)
{
    *started = 0;
    if (runners[0].plan->target) {
        if (o->testbed_config)
            crest_warn("--testbed-config is ignored: the search has a target (%s)",
                       runners[0].plan->target);
        return CREST_EXIT_OK;
    }
    if (testbed_spawn(o->testbed_config, tb) != 0)
        return CREST_EXIT_RUN;
    *started = 1;
    fprintf(stderr, "search: embedded testbed at %s\n", tb->url);
    for (size_t i = 0; i < n; i++)
        if (!runners[i].plan->target)
            runners[i].plan->target = strdup(tb->url);
    return CREST_EXIT_OK;
}

/* ---- checkpoints: nothing measured is lost ---- */

/* The search's state the step callback needs: the options (for printing)
 * and, while a subsystem is searched, the steps run so far (the search
 * hands them over only at its end) so a checkpoint can write them into
 * the current subsystem of the file, marked partial. */
typedef struct search_session {
    const search_opts *o;
    capacity_result *cap;
    size_t current;         /* the subsystem being searched */
    int checkpointing;      /* --out is a file and --checkpoint is on */
    double last_s;          /* when the file was last written */
    search_step *steps;
    size_t nsteps, cap_steps;
    int failed;             /* the last checkpoint failed (said once) */
} search_session;

/* Writes the file with the current subsystem's steps so far: the best
 * passing rate as an "at least" capacity, the lowest failing rate above it
 * as the upper bound, marked partial and interrupted (a reader sees a
 * search that did not finish). The subsystem is restored afterwards: the
 * final write has the real verdict. */
static void checkpoint_write(search_session *ss)
{
    capacity_subsystem *s = &ss->cap->subsystems[ss->current];
    capacity_subsystem saved = *s;
    double pass = NAN, fail = NAN;
    for (size_t i = 0; i < ss->nsteps; i++)
        if (ss->steps[i].pass && !(ss->steps[i].rate <= pass))
            pass = ss->steps[i].rate;
    for (size_t i = 0; i < ss->nsteps; i++) {
        const search_step *st = &ss->steps[i];
        if (!st->pass && !st->generator_limited && !(st->rate <= pass) && !(st->rate >= fail))
            fail = st->rate;
    }
    s->steps = ss->steps;
    s->nsteps = ss->nsteps;
    s->capacity_rps = pass;
    s->upper_bound_rps = fail;
    s->at_least = 1;
    s->interrupted = 1;
    ss->cap->partial = 1;
    cJSON *root = capacity_to_json(ss->cap);
    char *text = root ? jsonio_print(root, ss->o->out) : NULL;
    cJSON_Delete(root);
    int rc = text ? safefile_write(ss->o->out, text, strlen(text)) : -1;
    free(text);
    ss->cap->partial = 0;
    *s = saved;
    if (rc != 0 && !ss->failed)
        crest_warn("checkpoint: could not write '%s'; the search goes on and the final "
                   "results will be written wherever possible", ss->o->out);
    ss->failed = rc != 0;
    ss->last_s = clock_now_s();
}

/* step_runner.on_step: prints the step, keeps a copy and checkpoints when
 * --checkpoint has passed. */
static void on_step(void *user, const step_runner *sr, const search_step *st)
{
    search_session *ss = user;
    print_step(ss->o, sr, st);
    if (!ss->checkpointing)
        return;
    if (ss->nsteps == ss->cap_steps) {
        size_t n = ss->cap_steps ? ss->cap_steps * 2 : 16;
        search_step *more = realloc(ss->steps, n * sizeof *more);
        if (!more)
            return; /* out of memory: skip the checkpoint, the search goes on */
        ss->steps = more;
        ss->cap_steps = n;
    }
    ss->steps[ss->nsteps++] = *st;
    if (clock_now_s() - ss->last_s >= ss->o->checkpoint_s)
        checkpoint_write(ss);
}

/* Searches every job in turn, keeping OUT current after each. */
static int search_all(const search_opts *o, step_runner *runners, size_t n, capacity_result *cap)
{
    size_t conclusive = 0;
    int rc = CREST_EXIT_OK;
    struct stat out_st;
    int out_special = o->out && (outpath_is_stdout(o->out) ||
                                 (stat(o->out, &out_st) == 0 && !S_ISREG(out_st.st_mode)));
    search_session ss = {.o = o, .cap = cap, .last_s = clock_now_s(),
                         .checkpointing = o->out && o->checkpoint_s > 0 && !out_special};
    engine_install_signal_handlers();
    for (size_t i = 0; i < n; i++) {
        capacity_subsystem *s = &cap->subsystems[i];
        ss.current = i;
        ss.nsteps = 0;
        runners[i].user = &ss;
        if (!o->quiet)
            fprintf(stderr, "search %s%s%s: SLO %s\n", s->name, o->url ? " at " : "",
                    o->url ? o->url : "", s->slo_expr);
        int r = step_runner_search(&runners[i], &o->cfg, o->sweep ? o->levels : NULL,
                                   o->sweep ? o->nlevels : 0, s);
        print_usl_fit(runners[i].label, &s->usl);
        name_resource_at_capacity(s);
        if (!s->generator_limited && r == 0)
            conclusive++;
        if (s->generator_limited)
            crest_warn("%s: the generator could not drive the system past %.1f/s: the "
                       "capacity is at least that, not measured (more --threads, or a "
                       "bigger generator machine)",
                       s->name, isnan(s->capacity_rps) ? 0 : s->capacity_rps);
        /* Keep the file current after each subsystem; a failed write (disk
         * full, directory gone) is said and the search goes on: the final
         * write finds a place that works (outpath_write). */
        if (o->out && !out_special && capacity_write(o->out, cap) != 0)
            crest_warn("search goes on; the final results will be written wherever possible");
        if (r != 0) {
            cap->interrupted = r == 1;
            rc = CREST_EXIT_RUN;
            if (r == 1)
                crest_warn("interrupted: keeping the %zu subsystem(s) searched so far%s",
                           i + 1, o->out ? " in the output file" : "");
            /* Later subsystems stay in the file as not searched. */
            for (size_t k = i + 1; k < n; k++) {
                cap->subsystems[k].interrupted = 1;
                cap->subsystems[k].at_least = 1;
            }
            break;
        }
    }
    free(ss.steps);
    if (o->out && capacity_write(o->out, cap) != 0)
        rc = CREST_EXIT_RUN;
    printf("%-16s %-16s %-14s %-10s\n", "subsystem", "capacity", "upper bound", "limited by");
    for (size_t i = 0; i < cap->nsubsystems; i++)
        print_result(&cap->subsystems[i]);
    if (rc == CREST_EXIT_OK && conclusive == 0) {
        crest_error("no subsystem gave a conclusive result (all generator-limited): see "
                    "the results above");
        rc = CREST_EXIT_RUN;
    }
    return rc;
}

/* Scrape targets (flags, the scenario's subsystems, the embedded testbed's
 * /metrics), metrics server, hlog. NULL after saying why. */
static observe_session *start_observing(search_opts *o, const loadplan *full,
                                        const testbed_process *tb)
{
    if (full && observe_add_plan_targets(&o->obs, full) != 0)
        return NULL;
    if (tb) {
        char arg[128];
        snprintf(arg, sizeof arg, "testbed=%s/metrics", tb->url);
        if (observe_add_target(&o->obs, arg, "the embedded testbed") != 0)
            return NULL;
    }
    observe_session *obs = observe_start(&o->obs);
    if (obs && observe_prepare_search(obs) != 0) {
        observe_finish(obs);
        return NULL;
    }
    return obs;
}

/* Runs every job with the observers on; the scrape targets' lines at the end. */
static int search_observed(search_opts *o, const loadplan *full, const testbed_process *tb,
                           step_settings *settings, step_runner *runners, size_t njobs,
                           capacity_result *cap)
{
    observe_session *obs = start_observing(o, full, tb);
    if (!obs)
        return CREST_EXIT_USAGE;
    settings->hooks = observe_hooks(obs);
    settings->observe_step = observe_fill_step_cb;
    settings->observe_ctx = obs;
    cap->target = strdup(runners[0].plan->target);
    int rc = search_all(o, runners, njobs, cap);
    for (size_t i = 0; i < observe_ntargets(obs); i++) {
        char line[600];
        observe_target_line(obs, i, line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    if (observe_finish(obs) != 0 && rc == CREST_EXIT_OK)
        rc = CREST_EXIT_RUN;
    return rc;
}

int cmd_search(int argc, char **argv)
{
    search_opts o;
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? CREST_EXIT_OK : CREST_EXIT_USAGE;
    loadplan *full;
    size_t njobs;
    const char **jobs = make_jobs(&o, &full, &njobs, &rc);
    if (!jobs) {
        loadplan_free(full);
        return rc;
    }
    step_settings settings;
    step_settings_from(&o, &settings);
    capacity_result cap;
    capacity_header(&o, &cap);

    /* Every job's plan first: bad input is reported before anything starts. */
    step_runner *runners = calloc(njobs, sizeof *runners);
    int steps_run = 0;
    rc = runners ? CREST_EXIT_OK : CREST_EXIT_RUN;
    for (size_t i = 0; rc == CREST_EXIT_OK && i < njobs; i++) {
        runners[i] = (step_runner){.settings = &settings, .label = jobs[i],
                                   .steps_run = &steps_run, .on_step = on_step,
                                   .on_sweep_point = print_sweep_point};
        capacity_subsystem *s = capacity_add_subsystem(&cap, jobs[i]);
        rc = s ? prepare_job(&o, jobs[i], o.target, &runners[i], s) : CREST_EXIT_RUN;
    }
    testbed_process tb = {.pid = 0};
    int started_testbed = 0;
    if (rc == CREST_EXIT_OK)
        rc = target_or_testbed(&o, runners, njobs, &tb, &started_testbed);
    if (rc == CREST_EXIT_OK)
        rc = search_observed(&o, full, started_testbed ? &tb : NULL, &settings, runners, njobs,
                             &cap);
    if (started_testbed)
        testbed_stop(&tb);
    for (size_t i = 0; runners && i < njobs; i++) {
        loadplan_free(runners[i].plan);
        step_runner_free(&runners[i]);
    }
    free(runners);
    free(jobs);
    loadplan_free(full);
    capacity_result_free(&cap);
    return rc;
}
