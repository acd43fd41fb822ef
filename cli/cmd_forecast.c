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
#include "common/clock.h"
#include "common/error.h"
#include "common/units.h"
#include "forecast/forecast.h"
#include "forecast/forecast_json.h"
#include "forecast/series.h"

#define MAX_LIST 64
#define MAX_HORIZON 100000
#define TABLE_SERIES_MAX 20

static void usage(FILE *out)
{
    fprintf(out,
        "usage: crest forecast HISTORY.csv --time COL [options]\n"
        "\n"
        "Projects metric history (PV, UV, TPS, GMV ...) to a horizon with prediction\n"
        "intervals; every model is backtested (rolling origin) and the choice explained.\n"
        "\n"
        "input:\n"
        "  --time COL          time column: years (2019), dates (2026-11-11) or date-times\n"
        "  --value COL[,COL]   metric column(s), repeatable (default: every numeric column)\n"
        "  --series COL        long format: one series per value of COL\n"
        "  --where COL=VALUE   keep only rows where COL is VALUE (repeatable)\n"
        "  --until T           fit on points up to T only (later ones are shown as actuals)\n"
        "horizon (default --horizon 1):\n"
        "  --horizon N         N periods after each series' last point\n"
        "  --at T              up to time T (a year, or a date like 2026-11-11)\n"
        "models:\n"
        "  --model NAME        auto (default) | linear | quadratic | cubic | exponential |\n"
        "                      logistic | gompertz | holt-damped | daily | seasonal-naive\n"
        "  --family F          auto (default: daily for daily dates, growth otherwise) |\n"
        "                      growth | daily\n"
        "  --cap X             logistic saturation, instead of estimating it\n"
        "  --event MM-DD       a recurring festival day (repeatable), e.g. 11-11\n"
        "  --events FILE.csv   festivals from a CSV with columns date,name\n"
        "output:\n"
        "  --out FILE          forecast.json (schema crest.forecast/1)\n"
        "  --csv FILE          series,t,mean,lo80,hi80,lo95,hi95\n"
        "  --quiet             no table, only the summary line\n"
        "\n"
        "Intervals (80%%, 95%%) come from the backtest's errors per horizon step.\n"
        "Exit: 0 ok, 2 bad usage or input (or no series could be forecast).\n");
}

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

static void print_series_table(const fc_history *h, const fc_series *s, const fc_result *r)
{
    char a[40], b[40], c[40], d[40], e[40];
    printf("\nseries %s: %zu points %s..%s", s->id, s->n,
           s->n ? fc_time_format(h->kind, s->t[0], a, sizeof a) : "-",
           s->n ? fc_time_format(h->kind, s->t[s->n - 1], b, sizeof b) : "-");
    printf(" (%s)\n", h->unit);
    printf("  %-15s %9s %8s %8s %11s %9s  %s\n", "model", "MAPE%", "MASE", "bias%", "AICc",
           "forecasts", "worst miss (+: under)");
    for (size_t i = 0; i < r->nmodels; i++) {
        const fc_model_result *m = &r->models[i];
        const char *mark = (int)i == r->selected ? "*" : " ";
        if (!m->fitted) {
            printf(" %s%-15s skipped: %s\n", mark, fc_model_name(m->model), m->why);
            continue;
        }
        print_num(a, sizeof a, m->bt.mape);
        print_num(b, sizeof b, m->bt.mase);
        print_num(c, sizeof c, m->bt.bias_pct);
        print_num(d, sizeof d, m->aicc);
        char worst[64] = "";
        if (m->bt.nerr) {
            const fc_bt_error *w = &m->bt.err[m->bt.worst];
            char tb[40];
            if (w->actual != 0)
                snprintf(worst, sizeof worst, "%s %+.1f%%",
                         fc_time_format(h->kind, s->t[w->target], tb, sizeof tb),
                         (w->actual - w->forecast) / fabs(w->actual) * 100.0);
        }
        printf(" %s%-15s %9s %8s %8s %11s %9zu  %s%s%s\n", mark, fc_model_name(m->model), a, b, c,
               d, m->bt.nerr, worst, m->fit.note[0] ? "  note: " : "", m->fit.note);
    }
    if (r->selected < 0) {
        printf("  no forecast: %s\n", r->reason);
        return;
    }
    printf("  selected %s: %s\n", fc_model_name(r->models[r->selected].model), r->reason);
    printf("  intervals: %s\n", r->iv.method);
    /* The horizon point, and the peak when it is elsewhere. */
    size_t last = r->npoints - 1;
    for (int k = 0; k < 2; k++) {
        size_t i = k == 0 ? last : r->peak;
        if (k == 1 && i == last)
            break;
        const fc_point *p = &r->points[i];
        print_num(a, sizeof a, p->mean);
        print_num(b, sizeof b, p->lo80);
        print_num(c, sizeof c, p->hi80);
        print_num(d, sizeof d, p->lo95);
        print_num(e, sizeof e, p->hi95);
        char tb[40];
        printf("  %s %s: %s  80%% [%s, %s]  95%% [%s, %s]", k == 0 ? "at" : "peak",
               fc_time_format(h->kind, p->t, tb, sizeof tb), a, b, c, d, e);
        if (isfinite(p->actual)) {
            print_num(a, sizeof a, p->actual);
            printf("  actual %s (%s the 95%% interval)", a,
                   p->actual >= p->lo95 && p->actual <= p->hi95 ? "inside" : "OUTSIDE");
        }
        printf("\n");
    }
}

static void print_series_line(const fc_history *h, const fc_series *s, const fc_result *r)
{
    char tb[40], a[40], b[40], c[40], d[40];
    if (r->selected < 0) {
        printf("  %-24s no forecast: %s\n", s->id, r->reason);
        return;
    }
    const fc_point *p = &r->points[r->npoints - 1];
    print_num(a, sizeof a, r->models[r->selected].common_mase);
    print_num(b, sizeof b, p->mean);
    print_num(c, sizeof c, p->lo95);
    print_num(d, sizeof d, p->hi95);
    printf("  %-24s %-15s MASE %-6s %s: %s 95%% [%s, %s]\n", s->id,
           fc_model_name(r->models[r->selected].model), a,
           fc_time_format(h->kind, p->t, tb, sizeof tb), b, c, d);
}

int cmd_forecast(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"time", required_argument, NULL, 't'},   {"value", required_argument, NULL, 'v'},
        {"series", required_argument, NULL, 's'}, {"where", required_argument, NULL, 'w'},
        {"until", required_argument, NULL, 'u'},  {"horizon", required_argument, NULL, 'H'},
        {"at", required_argument, NULL, 'a'},     {"model", required_argument, NULL, 'm'},
        {"family", required_argument, NULL, 'f'}, {"cap", required_argument, NULL, 'c'},
        {"event", required_argument, NULL, 'e'},  {"events", required_argument, NULL, 'E'},
        {"out", required_argument, NULL, 'o'},    {"csv", required_argument, NULL, 'C'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    fc_read_options ro = {0};
    const char *values[MAX_LIST], *where[MAX_LIST];
    char *copies[MAX_LIST];
    size_t ncopies = 0;
    const char *at = NULL, *model_arg = "auto", *family_arg = "auto", *out = NULL, *csv = NULL;
    const char *events_file = NULL;
    double horizon = 0, cap = 0;
    int quiet = 0, rc = CREST_EXIT_USAGE;
    fc_events events = {0};
    fc_history hist = {0};
    fc_result *results = NULL;

    const char *history_path = NULL;
    opterr = 0;
    optind = 0;
    for (;;) {
        /* '+': stop at the history file, take it, and go on parsing after it. */
        int ch = getopt_long(argc, argv, "+:h", longopts, NULL);
        if (ch == -1) {
            if (optind >= argc)
                break;
            if (history_path) {
                crest_error("forecast: one history file expected, found '%s' too", argv[optind]);
                goto done;
            }
            history_path = argv[optind++];
            continue;
        }
        switch (ch) {
        case 't': ro.time_col = optarg; break;
        case 'v':
        case 'w':
            if (ncopies >= MAX_LIST || !(copies[ncopies] = strdup(optarg))) {
                crest_error("forecast: too many --%s", ch == 'v' ? "value" : "where");
                goto done;
            }
            if (ch == 'w') {
                if (ro.nwhere >= MAX_LIST) {
                    crest_error("forecast: too many --where (at most %d)", MAX_LIST);
                    goto done;
                }
                where[ro.nwhere++] = copies[ncopies++];
            } else if (add_list(copies[ncopies++], values, &ro.nvalues) != 0) {
                crest_error("forecast: too many --value columns (at most %d)", MAX_LIST);
                goto done;
            }
            break;
        case 's': ro.series_col = optarg; break;
        case 'u': ro.until = optarg; break;
        case 'H':
            if (units_parse_double(optarg, &horizon) != 0 || horizon < 1 ||
                horizon > MAX_HORIZON || horizon != floor(horizon)) {
                crest_error("--horizon '%s': expected a whole number of periods, 1..%d", optarg,
                            MAX_HORIZON);
                goto done;
            }
            break;
        case 'a': at = optarg; break;
        case 'm': model_arg = optarg; break;
        case 'f': family_arg = optarg; break;
        case 'c':
            if (units_parse_double(optarg, &cap) != 0 || !(cap > 0)) {
                crest_error("--cap '%s': expected a positive number", optarg);
                goto done;
            }
            break;
        case 'e':
            if (fc_events_add_recurring(&events, optarg) != 0)
                goto done;
            break;
        case 'E': events_file = optarg; break;
        case 'o': out = optarg; break;
        case 'C': csv = optarg; break;
        case 'q': quiet = 1; break;
        case 'h':
            usage(stdout);
            rc = CREST_EXIT_OK;
            goto done;
        case ':':
            crest_error("forecast: option '%s' needs a value", argv[optind - 1]);
            goto done;
        default:
            crest_error("forecast: unknown option '%s' (see crest forecast --help)", argv[optind - 1]);
            goto done;
        }
    }
    if (!history_path) {
        crest_error("forecast: no history file; usage: crest forecast HISTORY.csv --time COL");
        goto done;
    }
    if (!ro.time_col) {
        crest_error("forecast: --time COL is required (the column holding years, dates or "
                    "date-times)");
        goto done;
    }
    if (at && horizon > 0) {
        crest_error("forecast: give --horizon or --at, not both");
        goto done;
    }
    int forced = -1;
    if (strcmp(model_arg, "auto") != 0) {
        fc_model_id m;
        if (fc_model_parse(model_arg, &m) != 0) {
            crest_error("--model '%s': expected auto, linear, quadratic, cubic, exponential, "
                        "logistic, gompertz, holt-damped, daily or seasonal-naive",
                        model_arg);
            goto done;
        }
        forced = (int)m;
    }
    if (strcmp(family_arg, "auto") && strcmp(family_arg, "growth") && strcmp(family_arg, "daily")) {
        crest_error("--family '%s': expected auto, growth or daily", family_arg);
        goto done;
    }
    if (events_file && fc_events_read(&events, events_file) != 0)
        goto done;
    ro.values = values;
    ro.where = where;

    double started = clock_now_s();
    if (fc_history_read(history_path, &ro, &hist) != 0)
        goto done;

    fc_family family;
    if (forced >= 0)
        family = fc_model_family((fc_model_id)forced);
    else if (strcmp(family_arg, "auto") == 0)
        family = (hist.kind == FC_TIME_DATE && hist.step == 1) ? FC_FAMILY_DAILY : FC_FAMILY_GROWTH;
    else
        family = strcmp(family_arg, "daily") == 0 ? FC_FAMILY_DAILY : FC_FAMILY_GROWTH;
    if (family == FC_FAMILY_DAILY && hist.kind == FC_TIME_YEAR) {
        crest_error("forecast: the daily model needs dates; '%s' holds years", hist.time_col);
        goto done;
    }
    if (!events.n && family == FC_FAMILY_DAILY && (forced < 0 || forced == FC_MODEL_DAILY))
        crest_note("no --event/--events given: festival days are not modelled "
                   "(e.g. --event 11-11)");
    if (events.n && family != FC_FAMILY_DAILY)
        crest_warn("festivals (--event/--events) only affect the daily model; ignored for "
                   "growth curves");
    double at_t = 0;
    if (at && fc_time_parse(at, hist.kind, &at_t) != 0) {
        crest_error("--at '%s': expected a %s like the '%s' column", at,
                    fc_time_kind_name(hist.kind), hist.time_col);
        goto done;
    }

    results = calloc(hist.nseries + 1, sizeof *results);
    if (!results) {
        crest_error("out of memory");
        rc = CREST_EXIT_RUN;
        goto done;
    }
    size_t nfailed = 0, max_h = 0;
    for (size_t i = 0; i < hist.nseries; i++) {
        const fc_series *s = &hist.series[i];
        fc_run_options o = {.family = family, .forced = forced};
        o.fit.step = hist.step;
        o.fit.cap = cap;
        o.fit.events = events.n ? &events : NULL;
        o.horizon = horizon > 0 ? (size_t)horizon : 1;
        if (at && s->n) {
            size_t steps;
            if (fc_horizon_steps(s->t[s->n - 1], at_t, hist.step, &steps) != 0) {
                char tb[40];
                crest_error("--at %s is not after the last point of series '%s' (%s); use "
                            "--until to hold data back",
                            at, s->id, fc_time_format(hist.kind, s->t[s->n - 1], tb, sizeof tb));
                goto done;
            }
            if (steps > MAX_HORIZON) {
                crest_error("--at %s is %zu periods away; at most %d", at, steps, MAX_HORIZON);
                goto done;
            }
            o.horizon = steps;
        }
        if (o.horizon > max_h)
            max_h = o.horizon;
        int frc = fc_forecast_series(s, &o, &results[i]);
        if (frc < 0) {
            crest_error("out of memory forecasting '%s'", s->id);
            rc = CREST_EXIT_RUN;
            goto done;
        }
        if (frc > 0) {
            nfailed++;
            crest_warn("series '%s': no forecast: %s", s->id, results[i].reason);
        }
    }
    double elapsed = clock_now_s() - started;

    if (!quiet) {
        if (hist.nseries <= TABLE_SERIES_MAX) {
            for (size_t i = 0; i < hist.nseries; i++)
                print_series_table(&hist, &hist.series[i], &results[i]);
        } else {
            for (size_t i = 0; i < hist.nseries; i++)
                print_series_line(&hist, &hist.series[i], &results[i]);
        }
    }
    const char *const *names = (const char *const *)events.names;
    fc_json_meta meta = {
        .family = family == FC_FAMILY_DAILY ? "daily" : "growth",
        .model_arg = model_arg, .at = at, .horizon = max_h,
        .event_names = names, .nevents = events.nnames, .cap = cap,
    };
    if (out && fc_json_write(out, &hist, results, &meta) != 0) {
        rc = CREST_EXIT_RUN;
        goto done;
    }
    if (csv && fc_csv_write(csv, &hist, results) != 0) {
        rc = CREST_EXIT_RUN;
        goto done;
    }
    printf("\nforecast: %zu series (%s models), %zu without a forecast, %.2f s%s%s\n",
           hist.nseries, family == FC_FAMILY_DAILY ? "daily" : "growth", nfailed, elapsed,
           out ? "; wrote " : "", out ? out : "");
    rc = nfailed == hist.nseries ? CREST_EXIT_USAGE : CREST_EXIT_OK;
done:
    if (results)
        for (size_t i = 0; i < hist.nseries; i++)
            fc_result_free(&results[i]);
    free(results);
    fc_history_free(&hist);
    fc_events_free(&events);
    for (size_t i = 0; i < ncopies; i++)
        free(copies[i]);
    return rc;
}
