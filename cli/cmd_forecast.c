/* cmd_forecast.c: `crest forecast HISTORY.csv --time COL [options]`.
 *
 * Reads the history (series.h), picks the model family from the time kind
 * (daily dates: trend + seasonality + festivals; years or coarser: growth
 * curves), forecasts every series (forecast.h), prints a table per series
 * and writes forecast.json / CSV (forecast_json.h). Exit 0 on success, 2 on
 * bad usage or input (also when no series could be forecast). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/outpath.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/units.h"
#include "forecast/evaluate.h"
#include "forecast/forecast.h"
#include "forecast/forecast_json.h"
#include "forecast/series.h"

#define MAX_LIST 64
#define MAX_HORIZON 100000
#define TABLE_SERIES_MAX 20

static const cli_option forecast_options[] = {
    {"time", 0, "COL", 't', "time column: years (2019), dates (2026-11-11) or date-times", "Input"},
    {"value", 0, "COL[,COL]", 'v', "metric column(s), repeatable (default: every numeric column)",
     0},
    {"series", 0, "COL", 's', "long format: one series per value of COL", 0},
    {"where", 0, "COL=VALUE", 'w', "keep only rows where COL is VALUE (repeatable)", 0},
    {"until", 0, "T", 'u', "fit on points up to T only (later ones are shown as actuals)", 0},
    {"horizon", 0, "N", 'H', "N periods after each series' last point (default 1)", "Horizon"},
    {"at", 0, "T", 'a', "up to time T (a year, or a date like 2026-11-11)", 0},
    {"model", 0, "NAME", 'm', "auto (default: growth: a backtest-weighted combination;\n"
     "daily: the best backtest) | theta | drift | ses-drift | drift-log | naive |\n"
     "holt-damped | damped-log |\n"
     "linear | quadratic | cubic | exponential | logistic | gompertz | daily | seasonal-naive",
     "Models"},
    {"family", 0, "F", 'f', "auto (default: daily for daily dates, growth otherwise) |\n"
     "growth | daily", 0},
    {"cap", 0, "X", 'c', "logistic saturation, instead of estimating it", 0},
    {"event", 0, "MM-DD", 'e', "a recurring festival day (repeatable), e.g. 11-11", 0},
    {"events", 0, "FILE.csv", 'E', "festivals from a CSV with columns date,name", 0},
    {"out", 'o', "FILE", 'o', "forecast.json (schema crest.forecast/1); - for stdout", "Output"},
    {"csv", 0, "FILE", 'C', "series,t,mean,lo80,hi80,lo95,hi95", 0},
    {"quiet", 'q', NULL, 'q', "no table, only the summary line", 0},
    {"evaluate", 0, "COL", 'V', "score on held-out rows: fit COL=train, forecast COL=test,\n"
     "print sMAPE, MASE and coverage", "Evaluation"},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command forecast_command = {
    .name = "forecast",
    .summary = "project PV/UV/TPS history to the festival peak",
    .synopsis = "crest forecast HISTORY.csv --time COL [options]",
    .description = "Projects metric history (PV, UV, TPS, GMV ...) to a horizon with prediction\n"
                   "intervals; every model is backtested (rolling origin) and the choice "
                   "explained.",
    .options = forecast_options,
    .noptions = sizeof forecast_options / sizeof forecast_options[0],
    .footer = "Intervals (80%, 95%) come from the backtest's errors per horizon step.\n"
              "Exit: 0 ok, 2 bad usage or input (or no series could be forecast).",
    .positional = "file",
};

/* Splits comma lists into LIST (pointers into a copy the caller frees). */
static int add_list(char *arg, const char **list, size_t *n)
{
    for (char *save = NULL, *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n >= MAX_LIST)
            return -1;
        list[(*n)++] = tok;
    }
    return 0;
}

static void print_num(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (fabs(v) >= 1e6)
        snprintf(buf, len, "%.4g", v);
    else
        snprintf(buf, len, "%.2f", v);
}

/* What the table's last number columns hold: what the choice used. */
typedef enum table_kind { TABLE_FORCED, TABLE_COMBINATION, TABLE_SELECTION } table_kind;

static void worst_miss(const fc_history *h, const fc_series *s, const fc_model_result *m,
                       char *buf, size_t len)
{
    buf[0] = '\0';
    if (!m->bt.nerr)
        return;
    const fc_bt_error *w = &m->bt.err[m->bt.worst];
    char tb[40];
    if (w->actual != 0)
        snprintf(buf, len, "%s %+.1f%%", fc_time_format(h->kind, s->t[w->target], tb, sizeof tb),
                 (w->actual - w->forecast) / fabs(w->actual) * 100.0);
}

static void print_model_row(const fc_history *h, const fc_series *s, const fc_result *r,
                            size_t i, table_kind kind)
{
    const fc_model_result *m = &r->models[i];
    const char *mark = (int)i == r->selected ? "*" : " ";
    if (!m->fitted) {
        printf(" %s%-15s skipped: %s\n", mark, fc_model_name(m->model), m->why);
        return;
    }
    char a[40], b[40], c[40], d[40] = "", e[40] = "", g[40] = "", worst[64];
    print_num(a, sizeof a, m->bt.mape);
    print_num(b, sizeof b, m->bt.mase);
    print_num(c, sizeof c, m->bt.bias_pct);
    if (kind == TABLE_COMBINATION && m->model != FC_MODEL_COMBINATION) {
        print_num(d, sizeof d, m->nrel ? m->rel : NAN);
        print_num(g, sizeof g, m->score);
        snprintf(e, sizeof e, "%.0f%%", 100 * m->weight);
    } else if (kind == TABLE_SELECTION) {
        print_num(d, sizeof d, m->common_mase);
    }
    worst_miss(h, s, m, worst, sizeof worst);
    printf(" %s%-15s %8s %7s %7s %9s %6s %7s %9zu  %s%s%s\n", mark, fc_model_name(m->model), a,
           b, c, d, g, e, m->bt.nerr, worst, m->fit.note[0] ? "  note: " : "", m->fit.note);
}

static void print_point(const fc_history *h, const fc_point *p, const char *label)
{
    char a[40], b[40], c[40], d[40], e[40], tb[40];
    print_num(a, sizeof a, p->mean);
    print_num(b, sizeof b, p->lo80);
    print_num(c, sizeof c, p->hi80);
    print_num(d, sizeof d, p->lo95);
    print_num(e, sizeof e, p->hi95);
    printf("  %s %s: %s  80%% [%s, %s]  95%% [%s, %s]", label,
           fc_time_format(h->kind, p->t, tb, sizeof tb), a, b, c, d, e);
    if (isfinite(p->actual)) {
        print_num(a, sizeof a, p->actual);
        printf("  actual %s (%s the 95%% interval)", a,
               p->actual >= p->lo95 && p->actual <= p->hi95 ? "inside" : "OUTSIDE");
    }
    printf("\n");
}

static void print_series_table(const fc_history *h, const fc_series *s, const fc_result *r)
{
    char a[40], b[40];
    printf("\nseries %s: %zu points %s..%s", s->id, s->n,
           s->n ? fc_time_format(h->kind, s->t[0], a, sizeof a) : "-",
           s->n ? fc_time_format(h->kind, s->t[s->n - 1], b, sizeof b) : "-");
    printf(" (%s)\n", h->unit);
    table_kind kind = TABLE_FORCED;
    if (r->selected >= 0 && r->models[r->selected].model == FC_MODEL_COMBINATION)
        kind = TABLE_COMBINATION;
    else if (r->nmodels > 1)
        kind = TABLE_SELECTION;
    int comb = kind == TABLE_COMBINATION;
    printf("  %-15s %8s %7s %7s %9s %6s %7s %9s  %s\n", "model", "MAPE%", "MASE", "bias%",
           comb ? "vs naive" : kind == TABLE_SELECTION ? "MASE used" : "", comb ? "score" : "",
           comb ? "weight" : "", "forecasts", "worst miss (+: under)");
    for (size_t i = 0; i < r->nmodels; i++)
        print_model_row(h, s, r, i, kind);
    if (kind == TABLE_COMBINATION)
        printf("  (MAPE, MASE, bias: over every backtest forecast a method made; vs naive: its "
               "error relative to naive's on the same forecasts; score: that, pulled towards the "
               "method's usual level)\n");
    else if (kind == TABLE_SELECTION)
        printf("  (MASE used: on the forecasts every model made, the number the choice used)\n");
    if (r->selected < 0) {
        printf("  no forecast: %s\n", r->reason);
        return;
    }
    printf("  selected %s: %s\n", fc_model_name(r->models[r->selected].model), r->reason);
    printf("  intervals: %s\n", r->iv.method);
    /* The horizon point, and the peak when it is elsewhere. */
    size_t last = r->npoints - 1;
    print_point(h, &r->points[last], "at");
    if (r->peak != last)
        print_point(h, &r->points[r->peak], "peak");
}

static void print_series_line(const fc_history *h, const fc_series *s, const fc_result *r)
{
    char tb[40], a[40], b[40], c[40], d[40];
    if (r->selected < 0) {
        printf("  %-24s no forecast: %s\n", s->id, r->reason);
        return;
    }
    const fc_point *p = &r->points[r->npoints - 1];
    print_num(a, sizeof a, r->models[r->selected].bt.mase);
    print_num(b, sizeof b, p->mean);
    print_num(c, sizeof c, p->lo95);
    print_num(d, sizeof d, p->hi95);
    printf("  %-24s %-15s MASE %-6s %s: %s 95%% [%s, %s]\n", s->id,
           fc_model_name(r->models[r->selected].model), a,
           fc_time_format(h->kind, p->t, tb, sizeof tb), b, c, d);
}

typedef struct forecast_args {
    fc_read_options ro;
    const char *values[MAX_LIST], *where[MAX_LIST];
    char *copies[MAX_LIST];
    size_t ncopies;
    const char *history_path, *at, *model_arg, *family_arg, *out, *csv, *events_file;
    const char *evaluate;   /* the split column, or NULL */
    double horizon, cap;
    int quiet, forced;
    fc_events events;
} forecast_args;

static void args_free(forecast_args *a)
{
    fc_events_free(&a->events);
    for (size_t i = 0; i < a->ncopies; i++)
        free(a->copies[i]);
}

/* --value and --where keep a copy of their argument (--value splits it). */
static int add_copy(forecast_args *a, int ch, const char *arg)
{
    if (a->ncopies >= MAX_LIST || !(a->copies[a->ncopies] = strdup(arg))) {
        crest_error("forecast: too many --%s", ch == 'v' ? "value" : "where");
        return -1;
    }
    char *copy = a->copies[a->ncopies++];
    if (ch == 'w') {
        if (a->ro.nwhere >= MAX_LIST) {
            crest_error("forecast: too many --where (at most %d)", MAX_LIST);
            return -1;
        }
        a->where[a->ro.nwhere++] = copy;
    } else if (add_list(copy, a->values, &a->ro.nvalues) != 0) {
        crest_error("forecast: too many --value columns (at most %d)", MAX_LIST);
        return -1;
    }
    return 0;
}

/* One option; 0, 1 for --help, -1 after an error. */
static int take_option(forecast_args *a, int ch, int argc, char **argv)
{
    switch (ch) {
    case 't': a->ro.time_col = optarg; return 0;
    case 'v':
    case 'w': return add_copy(a, ch, optarg);
    case 's': a->ro.series_col = optarg; return 0;
    case 'u': a->ro.until = optarg; return 0;
    case 'H':
        if (units_parse_double(optarg, &a->horizon) != 0 || a->horizon < 1 ||
            a->horizon > MAX_HORIZON || a->horizon != floor(a->horizon)) {
            crest_error("--horizon '%s': expected a whole number of periods, 1..%d", optarg,
                        MAX_HORIZON);
            return -1;
        }
        return 0;
    case 'a': a->at = optarg; return 0;
    case 'm': a->model_arg = optarg; return 0;
    case 'f': a->family_arg = optarg; return 0;
    case 'c':
        if (units_parse_double(optarg, &a->cap) != 0 || !(a->cap > 0)) {
            crest_error("--cap '%s': expected a positive number", optarg);
            return -1;
        }
        return 0;
    case 'e': return fc_events_add_recurring(&a->events, optarg) != 0 ? -1 : 0;
    case 'E': a->events_file = optarg; return 0;
    case 'o': a->out = optarg; return 0;
    case 'C': a->csv = optarg; return 0;
    case 'q': a->quiet = 1; return 0;
    case 'V': a->evaluate = optarg; return 0;
    case 'h': cli_print_help(stdout, &forecast_command); return 1;
    default: cli_bad_option(&forecast_command, ch, argc, argv); return -1;
    }
}

static int check_args(forecast_args *a)
{
    if ((a->out && outpath_check("-o/--out", a->out) != 0) ||
        (a->csv && outpath_check("--csv", a->csv) != 0))
        return -1;
    if (!a->history_path) {
        crest_error("forecast: no history file; usage: crest forecast HISTORY.csv --time COL");
        return -1;
    }
    if (!a->ro.time_col) {
        crest_error("forecast: --time COL is required (the column holding years, dates or "
                    "date-times)");
        return -1;
    }
    if (a->at && a->horizon > 0) {
        crest_error("forecast: give --horizon or --at, not both");
        return -1;
    }
    if (a->evaluate && (a->at || a->horizon > 0 || a->ro.until || a->out || a->csv)) {
        crest_error("forecast: --evaluate takes the horizon from the test rows; drop --at, "
                    "--horizon, --until, --out and --csv");
        return -1;
    }
    a->forced = -1;
    if (strcmp(a->model_arg, "auto") != 0) {
        fc_model_id m;
        if (fc_model_parse(a->model_arg, &m) != 0) {
            crest_error("--model '%s': expected auto, theta, drift, ses-drift, drift-log, naive, holt-damped, "
                        "damped-log, linear, quadratic, cubic, exponential, logistic, gompertz, "
                        "daily or seasonal-naive",
                        a->model_arg);
            return -1;
        }
        a->forced = (int)m;
    }
    if (strcmp(a->family_arg, "auto") && strcmp(a->family_arg, "growth") &&
        strcmp(a->family_arg, "daily")) {
        crest_error("--family '%s': expected auto, growth or daily", a->family_arg);
        return -1;
    }
    if (a->events_file && fc_events_read(&a->events, a->events_file) != 0)
        return -1;
    a->ro.values = a->values;
    a->ro.where = a->where;
    return 0;
}

/* 0 to go on, 1 after --help, -1 after an error. */
static int parse_args(int argc, char **argv, forecast_args *a)
{
    struct option longopts[CLI_MAX_OPTIONS + 1];
    char shorts[32];
    cli_getopt_spec(&forecast_command, "+:", longopts, shorts, sizeof shorts);
    a->model_arg = a->family_arg = "auto";
    opterr = 0;
    optind = 0;
    for (;;) {
        /* '+': stop at the history file, take it, and go on parsing after it. */
        int ch = getopt_long(argc, argv, shorts, longopts, NULL);
        if (ch == -1) {
            if (optind >= argc)
                break;
            if (a->history_path) {
                crest_error("forecast: one history file expected, found '%s' too", argv[optind]);
                return -1;
            }
            a->history_path = argv[optind++];
            continue;
        }
        int rc = take_option(a, ch, argc, argv);
        if (rc != 0)
            return rc;
    }
    return check_args(a);
}

static fc_family choose_family(const forecast_args *a, const fc_history *hist)
{
    if (a->forced >= 0)
        return fc_model_family((fc_model_id)a->forced);
    if (strcmp(a->family_arg, "auto") == 0)
        return (hist->kind == FC_TIME_DATE && hist->step == 1) ? FC_FAMILY_DAILY
                                                               : FC_FAMILY_GROWTH;
    return strcmp(a->family_arg, "daily") == 0 ? FC_FAMILY_DAILY : FC_FAMILY_GROWTH;
}

static int check_family(const forecast_args *a, const fc_history *hist, fc_family family)
{
    if (family == FC_FAMILY_DAILY && hist->kind == FC_TIME_YEAR) {
        crest_error("forecast: the daily model needs dates; '%s' holds years", hist->time_col);
        return -1;
    }
    if (!a->events.n && family == FC_FAMILY_DAILY && (a->forced < 0 || a->forced == FC_MODEL_DAILY))
        crest_note("no --event/--events given: festival days are not modelled (e.g. --event "
                   "11-11)");
    if (a->events.n && family != FC_FAMILY_DAILY)
        crest_warn("festivals (--event/--events) only affect the daily model; ignored for "
                   "growth curves");
    return 0;
}

/* Values the family cannot use. The daily models work in logs: a value
 * <= 0 is an error naming file:line and the column (exit 2), never a
 * silent switch to the fallback. Growth: the log-scale methods are left
 * out of that series and a warning names the value; the others proceed. */
static int check_values(const fc_history *hist, fc_family family)
{
    for (size_t i = 0; i < hist->nseries; i++) {
        const fc_series *s = &hist->series[i];
        for (size_t j = 0; j < s->n; j++) {
            if (s->y[j] > 0)
                continue;
            if (family == FC_FAMILY_DAILY) {
                crest_error_at(hist->path, s->line[j],
                               "column '%s': %g is not a positive number; the daily model "
                               "works on logarithms (every effect is a multiplier). Fix the "
                               "value, or empty the cell to skip that day",
                               s->metric, s->y[j]);
                return -1;
            }
            crest_warn("%s:%ld: column '%s' holds %g (series '%s'): exponential, logistic, "
                       "gompertz, damped-log and drift-log need positive values and are left "
                       "out for this series",
                       hist->path, s->line[j], s->metric, s->y[j], s->id);
            break;
        }
    }
    return 0;
}

static void run_options(const forecast_args *a, const fc_history *hist, fc_family family,
                        fc_run_options *o)
{
    memset(o, 0, sizeof *o);
    o->family = family;
    o->forced = a->forced;
    o->fit.step = hist->step;
    o->fit.cap = a->cap;
    o->fit.events = a->events.n ? &a->events : NULL;
    o->horizon = a->horizon > 0 ? (size_t)a->horizon : 1;
}

/* Horizon of series S under --at; 0 or -1 after an error. */
static int horizon_at(const forecast_args *a, const fc_history *hist, const fc_series *s,
                      double at_t, size_t *horizon)
{
    size_t steps;
    if (fc_horizon_steps(s->t[s->n - 1], at_t, hist->step, &steps) != 0) {
        char tb[40];
        crest_error("--at %s is not after the last point of series '%s' (%s); use --until to "
                    "hold data back",
                    a->at, s->id, fc_time_format(hist->kind, s->t[s->n - 1], tb, sizeof tb));
        return -1;
    }
    if (steps > MAX_HORIZON) {
        crest_error("--at %s is %zu periods away; at most %d", a->at, steps, MAX_HORIZON);
        return -1;
    }
    *horizon = steps;
    return 0;
}

/* Forecasts every series into RESULTS; returns an exit code (OK to go on). */
static int forecast_all(const forecast_args *a, const fc_history *hist, fc_family family,
                        fc_result *results, size_t *nfailed, size_t *max_h)
{
    double at_t = 0;
    if (a->at && fc_time_parse(a->at, hist->kind, &at_t) != 0) {
        crest_error("--at '%s': expected a %s like the '%s' column", a->at,
                    fc_time_kind_name(hist->kind), hist->time_col);
        return CREST_EXIT_USAGE;
    }
    for (size_t i = 0; i < hist->nseries; i++) {
        const fc_series *s = &hist->series[i];
        fc_run_options o;
        run_options(a, hist, family, &o);
        if (a->at && s->n && horizon_at(a, hist, s, at_t, &o.horizon) != 0)
            return CREST_EXIT_USAGE;
        if (o.horizon > *max_h)
            *max_h = o.horizon;
        int frc = fc_forecast_series(s, &o, &results[i]);
        if (frc < 0) {
            crest_error("out of memory forecasting '%s'", s->id);
            return CREST_EXIT_RUN;
        }
        if (frc > 0) {
            (*nfailed)++;
            crest_warn("series '%s': no forecast: %s", s->id, results[i].reason);
        }
    }
    return CREST_EXIT_OK;
}

/* --evaluate COL: fit the train rows, score the test rows. */
static int run_evaluate(forecast_args *a)
{
    fc_history train = {0}, test = {0};
    char wtrain[160], wtest[160];
    int rc = CREST_EXIT_USAGE;
    snprintf(wtrain, sizeof wtrain, "%s=train", a->evaluate);
    snprintf(wtest, sizeof wtest, "%s=test", a->evaluate);
    if (a->ro.nwhere + 1 > MAX_LIST) {
        crest_error("forecast: too many --where");
        return rc;
    }
    double started = clock_now_s();
    a->where[a->ro.nwhere++] = wtrain;
    int read_train = fc_history_read(a->history_path, &a->ro, &train);
    a->where[a->ro.nwhere - 1] = wtest;
    if (read_train == 0 && fc_history_read(a->history_path, &a->ro, &test) == 0) {
        fc_family family = choose_family(a, &train);
        fc_run_options o;
        run_options(a, &train, family, &o);
        fc_eval e;
        if (check_family(a, &train, family) != 0 || check_values(&train, family) != 0) {
            rc = CREST_EXIT_USAGE;
        } else if (fc_evaluate(&train, &test, &o, &e) != 0) {
            crest_error("out of memory evaluating '%s'", a->history_path);
            rc = CREST_EXIT_RUN;
        } else {
            printf("evaluate %s (--model %s): %zu series, %zu test points, %zu series skipped%s%s%s\n"
                   "  sMAPE %.2f  MASE %.3f  MAPE %.2f  inside 80%% interval %.1f%%  inside 95%% "
                   "interval %.1f%%  %.2f s\n",
                   a->history_path, a->model_arg, e.nseries, e.npoints, e.nskipped,
                   e.nskipped ? " (first: " : "", e.nskipped ? e.first_skipped : "",
                   e.nskipped ? ")" : "", e.smape,
                   e.mase, e.mape, 100 * e.cover80, 100 * e.cover95, clock_now_s() - started);
            rc = e.nseries ? CREST_EXIT_OK : CREST_EXIT_USAGE;
        }
    }
    fc_history_free(&train);
    fc_history_free(&test);
    return rc;
}

static void print_results(const forecast_args *a, const fc_history *hist, const fc_result *results)
{
    if (a->quiet)
        return;
    for (size_t i = 0; i < hist->nseries; i++) {
        if (hist->nseries <= TABLE_SERIES_MAX)
            print_series_table(hist, &hist->series[i], &results[i]);
        else
            print_series_line(hist, &hist->series[i], &results[i]);
    }
}

static int write_outputs(const forecast_args *a, const fc_history *hist, const fc_result *results,
                         fc_family family, size_t max_h)
{
    fc_json_meta meta = {
        .family = family == FC_FAMILY_DAILY ? "daily" : "growth",
        .model_arg = a->model_arg, .at = a->at, .horizon = max_h,
        .event_names = (const char *const *)a->events.names, .nevents = a->events.nnames,
        .cap = a->cap,
    };
    if (a->out && fc_json_write(a->out, hist, results, &meta) != 0)
        return -1;
    if (a->csv && fc_csv_write(a->csv, hist, results) != 0)
        return -1;
    return 0;
}

int cmd_forecast(int argc, char **argv)
{
    forecast_args a = {0};
    fc_history hist = {0};
    fc_result *results = NULL;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        args_free(&a);
        return rc > 0 ? CREST_EXIT_OK : CREST_EXIT_USAGE;
    }
    if (a.evaluate) {
        rc = run_evaluate(&a);
        args_free(&a);
        return rc;
    }
    rc = CREST_EXIT_USAGE;
    double started = clock_now_s();
    if (fc_history_read(a.history_path, &a.ro, &hist) != 0)
        goto done;
    fc_family family = choose_family(&a, &hist);
    if (check_family(&a, &hist, family) != 0 || check_values(&hist, family) != 0)
        goto done;
    results = calloc(hist.nseries + 1, sizeof *results);
    if (!results) {
        crest_error("out of memory");
        rc = CREST_EXIT_RUN;
        goto done;
    }
    size_t nfailed = 0, max_h = 0;
    rc = forecast_all(&a, &hist, family, results, &nfailed, &max_h);
    if (rc != CREST_EXIT_OK)
        goto done;
    double elapsed = clock_now_s() - started;
    print_results(&a, &hist, results);
    if (write_outputs(&a, &hist, results, family, max_h) != 0) {
        rc = CREST_EXIT_RUN;
        goto done;
    }
    printf("\nforecast: %zu series (%s models), %zu without a forecast, %.2f s%s%s\n",
           hist.nseries, family == FC_FAMILY_DAILY ? "daily" : "growth", nfailed, elapsed,
           a.out ? "; wrote " : "", a.out ? a.out : "");
    rc = nfailed == hist.nseries ? CREST_EXIT_USAGE : CREST_EXIT_OK;
done:
    if (results)
        for (size_t i = 0; i < hist.nseries; i++)
            fc_result_free(&results[i]);
    free(results);
    fc_history_free(&hist);
    args_free(&a);
    return rc;
}
