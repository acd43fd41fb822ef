/* cmd_plan.c: `crest plan`, the bridge from a forecast to a capacity verdict.
 *
 * Reads forecast.json (the peak), capacity.json (what `crest search`
 * measured) and the scenario (each subsystem's calls_per_pv), lets
 * capacity/headroom.c do the arithmetic, then writes plan.json
 * (docs/plan-format.md) and prints a table. The exit code is the gate:
 * 1 shortfall, 3 inconclusive (nothing short), 0 ok or tight, 2 bad input.
 *
 * forecast.json and capacity.json are read by their producers' readers
 * (forecast/forecast_file.h, loadgen/capacity.h). The scenario is read
 * directly for `subsystems.<name>.calls_per_pv`, so that plan works on a
 * scenario whose feeders are not at hand; it is compiled with scenario_load
 * only when a profile phase must give the peak factor. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/outpath.h"
#include "common/units.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "common/units.h"
#include "common/version.h"
#include "forecast/forecast_file.h"
#include "capacity/headroom.h"
#include "capacity/plan_file.h"
#include "capacity/capacity_file.h"
#include "loadgen/scenario.h"
#include "capacity/search.h"

/* Peak second over the unit's average when neither --peak-factor nor a
 * profile says otherwise: a conservative guess for daily data (a festival
 * day's busiest second commonly runs 2-4x the day's mean rate). */
#define HEADROOM_DEFAULT_PEAK_FACTOR 3.0
#define HEADROOM_DEFAULT_MARGIN 1.3
#define FULL_LINK "full-link"

typedef struct plan_args {
    const char *forecast, *capacity, *scenario, *metric, *series, *out;
    int quiet;
    double peak_factor;    /* 0: not given */
    double unit_seconds;   /* 0: from the forecast's unit */
    double margin;
} plan_args;

/* What plan takes from forecast.json. */
typedef struct forecast_peak {
    const char *series_id, *metric, *unit, *t;   /* borrowed from the forecast_file */
    double mean, hi95;
} forecast_peak;

static const cli_option plan_options[] = {
    {"forecast", 0, "FILE", 'f', "forecast.json from `crest forecast`", 0},
    {"capacity", 0, "FILE", 'c', "capacity.json from `crest search`", 0},
    {"scenario", 0, "FILE", 's', "scenario JSON; subsystems.<name>.calls_per_pv gives requests per\n"
     "unit of the forecast metric (per page view for pv)", 0},
    {"metric", 0, "NAME", 'm', "the forecast series whose metric is NAME (default: the only\n"
     "series, else the one whose metric is pv)", 0},
    {"series", 0, "ID", 'i', "the forecast series with this id (overrides --metric)", 0},
    {"peak-factor", 0, "F", 'p', "busiest second over the time unit's mean rate (default 3 for\n"
     "daily or coarser data, 1 for per-second data)", 0},
    {"unit-seconds", 0, "S", 'u', "seconds in one forecast step (default from the forecast's\n"
     "unit: day 86400, hour 3600, ...). For a rate already per second\n"
     "(tps): --unit-seconds 1 --peak-factor 1", 0},
    {"margin", 0, "M", 'g', "safety margin (default 1.3): headroom below it is `tight`", 0},
    {"out", 'o', "FILE", 'o', "write plan.json (schema crest.plan/1); - for stdout", 0},
    {"quiet", 'q', NULL, 'q', "no table, only the verdict line", 0},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command plan_command = {
    .name = "plan",
    .summary = "hold forecast demand against measured capacity",
    .synopsis = "crest plan --forecast FORECAST.json --capacity CAPACITY.json "
                "--scenario SCENARIO.json [options]",
    .description =
        "Turns the forecast peak into per-subsystem demand and holds it against measured "
        "capacity:\n"
        "  demand_rps = peak value / unit seconds x peak factor x calls_per_pv (scenario)\n"
        "at the forecast's mean and at its upper 95% bound; headroom = capacity / demand.",
    .options = plan_options,
    .noptions = sizeof plan_options / sizeof plan_options[0],
    .footer = "status: ok | tight (headroom < margin, or hi95 demand > capacity) | shortfall\n"
              "        (headroom < 1) | inconclusive (no capacity measured, or only a\n"
              "        generator-limited lower bound)\n"
              "exit: 0 ok or tight, 1 any shortfall, 2 bad input, 3 inconclusive and nothing short",
    .positional = NULL,
};

static int parse_args(int argc, char **argv, plan_args *a)
{
    struct option options[CLI_MAX_OPTIONS + 1];
    char shorts[32];
    cli_getopt_spec(&plan_command, ":", options, shorts, sizeof shorts);
    memset(a, 0, sizeof *a);
    a->margin = HEADROOM_DEFAULT_MARGIN;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
        switch (c) {
        case 'f': a->forecast = optarg; break;
        case 'c': a->capacity = optarg; break;
        case 's': a->scenario = optarg; break;
        case 'm': a->metric = optarg; break;
        case 'i': a->series = optarg; break;
        case 'o': a->out = optarg; break;
        case 'p': if (option_positive("--peak-factor", optarg, &a->peak_factor)) return -1; break;
        case 'u': if (option_positive("--unit-seconds", optarg, &a->unit_seconds)) return -1; break;
        case 'g':
            if (option_positive("--margin", optarg, &a->margin))
                return -1;
            if (a->margin < 1) {
                crest_error("--margin: expected a number >= 1 (e.g. 1.3), found '%s'", optarg);
                return -1;
            }
            break;
        case 'q': a->quiet = 1; break;
        case 'h': cli_print_help(stdout, &plan_command); return 1;
        default: return cli_bad_option(&plan_command, c, argc, argv);
        }
    }
    if (optind < argc) {
        crest_error("plan: unexpected argument '%s' (see crest plan --help)", argv[optind]);
        return -1;
    }
    if (!a->forecast || !a->capacity || !a->scenario) {
        crest_error("plan: --forecast, --capacity and --scenario are required (see crest plan --help)");
        return -1;
    }
    return a->out ? outpath_check("-o/--out", a->out) : 0;
}

/* Picks the series: --series ID, else --metric NAME, else the only one,
 * else the one whose metric is "pv". NULL after printing an error. */
static const forecast_file_series *pick_series(const char *file, const forecast_file *ff,
                                               const plan_args *a)
{
    const forecast_file_series *found = NULL;
    int matches = 0;
    for (size_t i = 0; i < ff->nseries; i++) {
        const forecast_file_series *s = &ff->series[i];
        int hit;
        if (a->series)
            hit = s->id && strcmp(s->id, a->series) == 0;
        else if (a->metric)
            hit = s->metric && strcmp(s->metric, a->metric) == 0;
        else
            hit = ff->nseries == 1 || (s->metric && strcmp(s->metric, "pv") == 0);
        if (hit) {
            if (!found)
                found = s;
            matches++;
        }
    }
    if (matches == 1)
        return found;
    char ids[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < ff->nseries; i++) {
        int k = snprintf(ids + used, sizeof ids - used, "%s%s (metric %s)", used ? ", " : "",
                         ff->series[i].id ? ff->series[i].id : "?",
                         ff->series[i].metric ? ff->series[i].metric : "?");
        if (k < 0 || (size_t)k >= sizeof ids - used)
            break;
        used += (size_t)k;
    }
    if (matches == 0)
        crest_error_at(file, 0, "no series %s '%s' in 'series'; the file has: %s",
                a->series ? "with id" : "with metric",
                a->series ? a->series : a->metric ? a->metric : "pv", ids[0] ? ids : "none");
    else
        crest_error_at(file, 0, "%d series match; choose one with --series ID: %s",
                matches, ids);
    return NULL;
}

/* The peak of the chosen series: its `peak`, or else the forecast point
 * with the highest mean. Strings are borrowed from FF. */
static int read_forecast(const char *file, const forecast_file *ff, const plan_args *a,
                         forecast_peak *fp)
{
    memset(fp, 0, sizeof *fp);
    fp->unit = ff->unit;
    const forecast_file_series *s = pick_series(file, ff, a);
    if (!s)
        return -1;
    fp->series_id = s->id;
    fp->metric = s->metric;
    const forecast_point *peak = s->has_peak ? &s->peak : NULL;
    if (!peak)
        for (size_t i = 0; i < s->nforecast; i++)
            if (!peak || s->forecast[i].mean > peak->mean)
                peak = &s->forecast[i];
    if (!peak) {
        crest_error_at(file, 0, "series '%s' has neither 'peak' nor 'forecast' points",
                       s->id ? s->id : "?");
        return -1;
    }
    fp->t = peak->t;
    fp->mean = peak->mean;
    fp->hi95 = peak->hi95;
    if (isnan(fp->hi95)) {
        crest_warn("%s: series '%s' has no hi95 at its peak; using the mean as the upper bound",
                   file, s->id ? s->id : "?");
        fp->hi95 = fp->mean;
    }
    if (!(fp->mean >= 0) || !isfinite(fp->mean) || !(fp->hi95 >= 0) || !isfinite(fp->hi95)) {
        crest_error_at(file, 0, "series '%s': the peak's mean and hi95 must be finite numbers "
                       ">= 0", s->id ? s->id : "?");
        return -1;
    }
    if (fp->hi95 < fp->mean) {
        crest_warn("%s: series '%s': hi95 (%g) is below the mean (%g) at the peak; using the mean",
                   file, s->id ? s->id : "?", fp->hi95, fp->mean);
        fp->hi95 = fp->mean;
    }
    return 0;
}

/* What plan needs of one capacity.json subsystem (read by loadgen/capacity.c). */
static void capacity_of(const capacity_result *c, const char *name, headroom_capacity *cap)
{
    memset(cap, 0, sizeof *cap);
    const capacity_subsystem *s = capacity_find(c, name);
    if (!s)
        return;
    cap->measured = 1;
    cap->passed = isfinite(s->capacity_rps);
    cap->capacity_rps = cap->passed ? s->capacity_rps : 0;
    cap->at_least = s->at_least || s->generator_limited;
    cap->limited_by = search_limit_name(s->limited_by);
    /* A sweep whose fit failed leaves alpha/beta/gamma null (NAN): not a model. */
    if (s->usl.present && isfinite(s->usl.fit.alpha) && isfinite(s->usl.fit.beta) &&
        s->usl.fit.gamma > 0) {
        cap->has_usl = 1;
        cap->usl = s->usl.fit;
    }
}

/* The plan's rows from the scenario's demand (scenario_read_demand). */
static int read_scenario(const char *file, headroom_row **rows, size_t *nrows, int *has_profile)
{
    scenario_demand *demand = NULL;
    size_t n = 0;
    if (scenario_read_demand(file, &demand, &n, has_profile) != 0) {
        free(demand);
        return -1;
    }
    *rows = calloc(n, sizeof **rows);
    if (!*rows) {
        crest_error("out of memory");
        free(demand);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf((*rows)[i].name, sizeof (*rows)[i].name, "%s", demand[i].name);
        (*rows)[i].calls_per_pv = demand[i].calls_per_pv;
    }
    *nrows = n;
    free(demand);
    return 0;
}

/* The peak factor of the scenario's profile phases (the largest max/mean of
 * any of them), compiled by the scenario loader so that profiles are read
 * exactly as `crest run` plays them. 0 when none has a usable profile; -1
 * when the scenario does not load (errors printed). */
static double profile_peak_factor(const char *scenario)
{
    loadplan *lp = scenario_load(scenario, NULL);
    if (!lp)
        return -1;
    double best = 0;
    for (size_t i = 0; i < lp->nphases; i++) {
        const rate_curve *c = &lp->phases[i].rate;
        if (lp->phases[i].connections > 0 || c->shape != SHAPE_PROFILE)
            continue;
        double f = headroom_peak_factor_of_profile(c->profile, c->profile_len);
        if (f > best)
            best = f;
    }
    loadplan_free(lp);
    return best;
}

static const char *fmt_num(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (isinf(v))
        snprintf(buf, len, "inf");
    else if (fabs(v) >= 100)
        units_format_count(v, buf, (int)len);
    else
        snprintf(buf, len, "%.2f", v);
    return buf;
}

/* "per day", "per hour", "per 600 s": the forecast's time unit in words. */
static const char *unit_words(double unit_seconds, char *buf, size_t len)
{
    static const struct { double s; const char *name; } units[] = {
        {86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}, {604800, "week"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (unit_seconds == units[i].s) {
            snprintf(buf, len, "per %s", units[i].name);
            return buf;
        }
    char n[32];
    snprintf(buf, len, "per %s s", units_format_count(unit_seconds, n, sizeof n));
    return buf;
}

static void print_table(FILE *out, const forecast_peak *fp, double unit_seconds,
                        double peak_factor, const char *pf_source, double margin,
                        const headroom_row *rows, size_t n, headroom_status verdict)
{
    char b[8][32];
    fprintf(out, "plan: %s peak %s %s %s (hi95 %s) at %s; x peak factor %g (%s); margin %.2fx\n",
            fp->metric ? fp->metric : "?", fp->series_id ? fp->series_id : "",
            fmt_num(fp->mean, b[0], sizeof b[0]), unit_words(unit_seconds, b[2], sizeof b[2]),
            fmt_num(fp->hi95, b[1], sizeof b[1]), fp->t ? fp->t : "?", peak_factor, pf_source,
            margin);
    fprintf(out, "%-16s %10s %10s %10s %8s %8s %-12s %9s  %s\n", "subsystem", "demand/s",
            "hi95/s", "capacity/s", "headroom", "hi95", "status", "instances", "notes");
    for (size_t i = 0; i < n; i++) {
        const headroom_row *r = &rows[i];
        char cap[40], inst[40];
        if (!r->capacity_measured)
            snprintf(cap, sizeof cap, "-");
        else
            snprintf(cap, sizeof cap, "%s%s", r->capacity_at_least ? ">=" : "",
                     fmt_num(r->capacity_rps, b[2], sizeof b[2]));
        if (r->instances_needed > 0)
            snprintf(inst, sizeof inst, "%d->%ld%s", r->instances_now, r->instances_needed,
                     r->scaling_model && strcmp(r->scaling_model, "linear") == 0 ? "*" : "");
        else
            snprintf(inst, sizeof inst, r->instances_needed < 0 ? "unreach." : "-");
        fprintf(out, "%-16s %10s %10s %10s %8s %8s %-12s %9s  %s\n", r->name,
                fmt_num(r->demand_rps, b[3], sizeof b[3]),
                fmt_num(r->demand_hi95_rps, b[4], sizeof b[4]), cap,
                fmt_num(r->headroom, b[5], sizeof b[5]), fmt_num(r->headroom_hi95, b[6], sizeof b[6]),
                headroom_status_name(r->status), inst, r->notes);
    }
    int linear = 0;
    for (size_t i = 0; i < n; i++)
        linear |= rows[i].scaling_model && strcmp(rows[i].scaling_model, "linear") == 0;
    if (linear)
        fprintf(out, "* instances assume linear scaling (no USL sweep measured for that subsystem)\n");
    fprintf(out, "verdict: %s\n", headroom_status_name(verdict));
}

/* Seconds in one forecast step: --unit-seconds, the forecast's own, or its
 * unit's name. 0 (said why) when none is known. */
static double unit_seconds_of(const plan_args *a, const forecast_file *forecast,
                              const forecast_peak *fp)
{
    if (a->unit_seconds > 0)
        return a->unit_seconds;
    if (forecast->unit_seconds > 0)
        return forecast->unit_seconds;
    double u = headroom_unit_seconds(fp->unit);
    if (u == 0)
        crest_error_at(a->forecast, 0, "unknown time unit '%s' in 'unit'; pass --unit-seconds S "
                       "(seconds in one forecast step)", fp->unit ? fp->unit : "(missing)");
    return u;
}

/* The peak factor (busiest second over the unit's mean rate): the flag,
 * the scenario's profile, or a stated default. -1 when the profile does
 * not load. *SOURCE names where it came from. */
static double peak_factor_of(const plan_args *a, int has_profile, double unit_seconds,
                             const char **source)
{
    *source = "flag";
    if (a->peak_factor > 0)
        return a->peak_factor;
    if (has_profile) {
        *source = "profile";
        double f = profile_peak_factor(a->scenario);
        if (f != 0)
            return f;
    }
    *source = "default";
    double f = unit_seconds <= 1 ? 1.0 : HEADROOM_DEFAULT_PEAK_FACTOR;
    if (unit_seconds > 1)
        crest_warn("peak factor %.1f is an assumed default (busiest second over the %g s "
                   "unit's mean rate); pass --peak-factor from your traffic curve",
                   f, unit_seconds);
    return f;
}

/* A "full-link" capacity row (the whole mix) is held against the sum of
 * the subsystems' demand. 0, or -1 out of memory. */
static int add_full_link_row(headroom_row **rows, size_t *nrows)
{
    headroom_row *grown = realloc(*rows, (*nrows + 1) * sizeof **rows);
    if (!grown)
        return -1;
    *rows = grown;
    headroom_row *fl = &grown[*nrows];
    memset(fl, 0, sizeof *fl);
    snprintf(fl->name, sizeof fl->name, FULL_LINK);
    for (size_t i = 0; i < *nrows; i++)
        fl->calls_per_pv += grown[i].calls_per_pv;
    (*nrows)++;
    return 0;
}

static void judge_rows(const plan_args *a, const capacity_result *capacity,
                       const forecast_peak *fp, double unit_seconds, double peak_factor,
                       headroom_row *rows, size_t nrows)
{
    for (size_t i = 0; i < nrows; i++) {
        headroom_row *r = &rows[i];
        headroom_capacity cap;
        r->demand_rps = headroom_demand_rps(fp->mean, unit_seconds, peak_factor, r->calls_per_pv);
        r->demand_hi95_rps =
            headroom_demand_rps(fp->hi95, unit_seconds, peak_factor, r->calls_per_pv);
        capacity_of(capacity, r->name, &cap);
        headroom_judge(r, &cap, a->margin);
    }
    /* Capacity rows the scenario does not know are not silently dropped. */
    for (size_t k = 0; k < capacity->nsubsystems; k++) {
        int known = 0;
        for (size_t i = 0; i < nrows; i++)
            known |= strcmp(rows[i].name, capacity->subsystems[k].name) == 0;
        if (!known)
            crest_warn("%s: subsystem '%s' has capacity but no calls_per_pv in %s; not planned",
                       a->capacity, capacity->subsystems[k].name, a->scenario);
    }
}

int cmd_plan(int argc, char **argv)
{
    plan_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc > 0 ? CREST_EXIT_OK : CREST_EXIT_USAGE;
    int exit_code = CREST_EXIT_USAGE, have_capacity = 0, has_profile = 0;
    headroom_row *rows = NULL;
    size_t nrows = 0;
    forecast_file forecast;
    capacity_result capacity;
    forecast_peak fp;
    double unit_seconds = 0, peak_factor = -1;
    const char *pf_source = NULL;
    if (forecast_file_read(a.forecast, &forecast) != 0 ||
        read_forecast(a.forecast, &forecast, &a, &fp) != 0 ||
        capacity_read(a.capacity, &capacity) != 0)
        goto done;
    have_capacity = 1;
    if (read_scenario(a.scenario, &rows, &nrows, &has_profile) != 0 ||
        (unit_seconds = unit_seconds_of(&a, &forecast, &fp)) == 0 ||
        (peak_factor = peak_factor_of(&a, has_profile, unit_seconds, &pf_source)) < 0)
        goto done;
    if (capacity_find(&capacity, FULL_LINK) && add_full_link_row(&rows, &nrows) != 0)
        goto done;
    judge_rows(&a, &capacity, &fp, unit_seconds, peak_factor, rows, nrows);
    headroom_status verdict = headroom_verdict(rows, nrows);
    if (a.quiet)
        printf("verdict: %s\n", headroom_status_name(verdict));
    else
        print_table(stdout, &fp, unit_seconds, peak_factor, pf_source, a.margin, rows, nrows,
                    verdict);
    exit_code = headroom_exit_code(verdict);
    if (a.out) {
        plan_file pf = {.forecast = a.forecast, .capacity = a.capacity, .scenario = a.scenario,
                        .series_id = fp.series_id, .metric = fp.metric, .peak_t = fp.t,
                        .peak_mean = fp.mean, .peak_hi95 = fp.hi95, .unit_seconds = unit_seconds,
                        .peak_factor = peak_factor, .safety_margin = a.margin,
                        .peak_factor_source = pf_source, .rows = rows, .nrows = nrows,
                        .verdict = verdict};
        if (plan_file_write(a.out, &pf) != 0)
            exit_code = CREST_EXIT_RUN;
    }
done:
    forecast_file_free(&forecast);
    if (have_capacity)
        capacity_result_free(&capacity);
    free(rows);
    return exit_code;
}
