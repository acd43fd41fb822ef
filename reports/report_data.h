/* report_data.h: what `crest report` knows about its inputs.
 *
 * The four input files (results.json, capacity.json, forecast.json,
 * plan.json; docs/results-format.md and friends) are read once, tolerantly, into these plain
 * structs; every writer (html.c, charts.c, summary.c, junit.c,
 * timeseries_csv.c) works from them only. A number missing from the input is
 * NAN, a missing string NULL, a missing flag its documented default, so
 * writers never guess about absent fields. Strings point into the parsed
 * cJSON trees that report_inputs owns: they live until report_inputs_free. */
#ifndef CREST_REPORT_DATA_H
#define CREST_REPORT_DATA_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* ---- results.json ---- */

typedef struct rep_latency {
    double min, mean, p50, p90, p99, p999, max; /* milliseconds; NAN when absent */
} rep_latency;

/* A "summary block": the whole run, or one subsystem. */
typedef struct rep_block {
    const char *name;                 /* subsystem name; NULL for the total */
    int present;                      /* 0: seen only in the timeseries */
    double scheduled, sent, completed, ok, shed, errors, http_errors, net_errors;
    double dropped, cancelled;
    double duration_s, rate, offered_rate, error_rate, shed_rate;
    rep_latency latency;
    const cJSON *status;              /* {"2xx": n, ...} or NULL */
    const cJSON *net_errors_by_kind;  /* {"refused": n, ...} or NULL */
    const char *latency_hist;         /* hist_encode text, or NULL */
    double slo_p99_ms;                /* the subsystem's p99 SLO; NAN when not given */
} rep_block;

/* One subsystem's values in one second of the timeseries. */
typedef struct rep_sub_point {
    double offered, ok, shed, errors, p99;
} rep_sub_point;

/* One second of the timeseries. */
typedef struct rep_point {
    double t, target_rate, offered, sent, completed, ok, shed, errors, dropped;
    double p50, p90, p99, max;        /* milliseconds */
    const cJSON *status;              /* per-second status counts, or NULL */
    const cJSON *net_errors;          /* per-second network errors by kind, or NULL */
    rep_sub_point *subs;              /* one per rep_results.subs (NAN when absent) */
} rep_point;

typedef struct rep_threshold {
    const char *expr, *tag;
    double value;
    int pass;                         /* 1 pass, 0 fail, -1 not stated */
} rep_threshold;

typedef struct rep_generator {
    int present, limited, connection_wait_warning;
    const char *reason;
    double cpu_s, busiest_thread_cpu, threads, connections_requested;
    double connections_opened, loop_lag_p99_ms;
    double send_batch_ms;        /* NaN when absent (before 0.3), 0 when off */
} rep_generator;

/* One row of the baseline comparison (crest.compare/1 rows, docs/compare.md). */
typedef struct rep_cmp_row {
    const char *scope, *metric, *verdict, *change_kind;
    double baseline, current, change, allowance, p_value;
} rep_cmp_row;

typedef struct rep_baseline {
    int present;
    const char *file, *verdict;       /* verdict: pass | regression | inconclusive */
    rep_cmp_row *rows;
    size_t nrows;
} rep_baseline;

typedef struct rep_results {
    const char *path;
    const char *crest_version, *started_at, *command, *scenario, *target, *aborted;
    int interrupted;
    int partial;                      /* a checkpoint of a run that did not finish */
    const cJSON *settings;            /* shown as a table; may be NULL */
    const char **secret_headers;      /* Authorization and Cookie always included */
    size_t nsecret;
    rep_block total;
    rep_block *subs;                  /* the "subsystems" object, then names seen only per second */
    size_t nsubs;
    rep_point *points;
    size_t npoints;
    rep_generator generator;
    rep_threshold *thresholds;
    size_t nthresholds;
    rep_baseline baseline;            /* the compare verdict of `crest run --baseline` */
} rep_results;

/* ---- capacity.json ---- */

typedef struct rep_step {
    double rate, achieved_rps, ok_rps, p50, p90, p99, error_rate, shed_rate;
    int pass;                         /* 1, 0, -1 not stated */
    int generator_limited;
    const char *reason;               /* short: latency | errors | ... */
    const char *why;                  /* the long explanation, when given */
} rep_step;

typedef struct rep_usl {
    int present, poor_fit;
    double alpha, beta, gamma, alpha_se, beta_se, gamma_se, residual_se, n_star, x_max;
    const char *warning;
    double *n, *throughput;           /* measured points */
    size_t npoints;
} rep_usl;

typedef struct rep_capsub {
    const char *name;
    double slo_p99_ms, slo_error_rate;
    const char *slo_expr;
    double capacity_rps, upper_bound_rps; /* NAN when null */
    int at_least, generator_limited;
    const char *limited_by;
    const char *resource_at_capacity; /* scraped resource nearest its limit there, or NULL */
    rep_step *steps;
    size_t nsteps;
    rep_usl usl;
} rep_capsub;

typedef struct rep_capacity {
    const char *path, *started_at, *scenario, *target;
    const cJSON *settings;
    int partial;                      /* a checkpoint of a search that did not finish */
    rep_capsub *subs;
    size_t nsubs;
} rep_capacity;

/* ---- forecast.json ---- */

/* One point of a series: history/fitted use v; forecast uses v (the mean)
 * and the bands. x is the plotting position (see rep_forecast.x_kind). */
typedef struct rep_tv {
    const char *label;                /* the "t" as written (or a number printed) */
    double x, v, lo80, hi80, lo95, hi95;
} rep_tv;

typedef struct rep_series {
    const char *id, *metric, *selected, *selection_reason;
    rep_tv *history, *fitted, *forecast;
    size_t nhistory, nfitted, nforecast;
    const char *peak_t;
    double peak_mean, peak_hi95;
} rep_series;

enum rep_x_kind {
    REP_X_NUMBER,                     /* t were numbers (years): x = t */
    REP_X_TIME,                       /* t were dates/datetimes: x = Unix seconds */
    REP_X_INDEX                       /* anything else: x = position, labels kept */
};

typedef struct rep_forecast {
    const char *path, *input, *time, *time_kind, *unit;
    enum rep_x_kind x_kind;
    rep_series *series;
    size_t nseries;
} rep_forecast;

/* ---- plan.json ---- */

typedef struct rep_plansub {
    const char *name, *status, *scaling_model, *assumption;
    const char *notes;                /* the plan's explanation of the status */
    double calls_per_pv, demand_rps, demand_hi95_rps, capacity_rps;
    double headroom, headroom_hi95, instances_now, instances_needed;
    int capacity_at_least;
} rep_plansub;

typedef struct rep_plan {
    const char *path, *forecast, *capacity, *scenario, *metric;
    const char *series;               /* the forecast series id the plan used, or NULL */
    const char *peak_t, *peak_factor_source, *verdict;
    double peak_mean, peak_hi95, unit_seconds, peak_factor, safety_margin;
    rep_plansub *subs;
    size_t nsubs;
} rep_plan;

/* ---- all inputs ---- */

enum rep_kind { REP_RESULTS, REP_CAPACITY, REP_FORECAST, REP_PLAN, REP_NKINDS };

typedef struct report_inputs {
    rep_results *results;             /* each NULL when not given */
    rep_capacity *capacity;
    rep_forecast *forecast;
    rep_plan *plan;
    cJSON *roots[REP_NKINDS];         /* owned parsed trees */
    char *paths[REP_NKINDS];          /* owned copies of the file names */
    char *single_dir;                 /* the directory given, when exactly one was (owned) */
} report_inputs;

/* The kind named by a "schema" value ("crest.results/1" ...), or -1. */
int report_schema_kind(const char *schema);
/* "results", "capacity", ... */
const char *report_kind_name(int kind);

/* Loads ARGS (files, or directories holding results.json, capacity.json,
 * forecast.json, plan.json) into IN. Returns 0, or -1 after printing an
 * error that names the file (unreadable, malformed, unknown schema, two files
 * of one kind, nothing found). IN is zeroed first; free it with
 * report_inputs_free either way. */
int report_inputs_load(report_inputs *in, char *const *args, int nargs);
void report_inputs_free(report_inputs *in);

/* Parses one tree of a known kind into IN (used by the loader and by tests).
 * Never fails on missing optional fields; -1 only when out of memory. */
int report_read_results(report_inputs *in, const cJSON *root, const char *path);
int report_read_capacity(report_inputs *in, const cJSON *root, const char *path);
int report_read_forecast(report_inputs *in, const cJSON *root, const char *path);
int report_read_plan(report_inputs *in, const cJSON *root, const char *path);

#endif
