/* forecast_file.h: reading forecast.json ("schema": "crest.forecast/1",
 * docs/forecast-format.md) for the modules that consume a forecast: plan
 * (demand at the peak) and report (history, forecast band, model table).
 * The writer is in forecast_json.h; both live in forecast_json.c. */
#ifndef CREST_FORECAST_FILE_H
#define CREST_FORECAST_FILE_H

#include <stddef.h>

#define FORECAST_SCHEMA "crest.forecast/1"

typedef struct forecast_value {
    char t[32];          /* as written: "2019", "2026-11-11", "2026-11-11T20:00:00" */
    double value;
} forecast_value;

typedef struct forecast_point {
    char t[32];
    double mean, lo80, hi80, lo95, hi95;
} forecast_point;

typedef struct forecast_model_summary {
    char name[32];
    int skipped;         /* 1: not fitted (reason in why) */
    char why[160];
    double mape, mase, aicc; /* NAN when absent */
} forecast_model_summary;

typedef struct forecast_file_series {
    char *id, *metric;
    char *selected;      /* model name, or NULL when none could be fitted */
    char *selection_reason;
    size_t nhistory;
    forecast_value *history;
    size_t nfitted;
    forecast_value *fitted;
    size_t nforecast;
    forecast_point *forecast;
    size_t nmodels;
    forecast_model_summary *models;
    int has_peak;
    forecast_point peak; /* the highest forecast mean (lo/hi NAN when not written) */
} forecast_file_series;

typedef struct forecast_file {
    char *input;         /* the history file the forecast came from */
    char *time_kind;     /* "year" | "date" | "datetime" */
    char *unit;          /* "year", "day", ... */
    double unit_seconds; /* seconds in one step (86400 for daily data) */
    size_t nseries;
    forecast_file_series *series;
} forecast_file;

/* Reads PATH. Returns 0, or -1 after printing an error naming the file and
 * the JSON path (wrong schema, missing or mistyped field). The caller frees
 * OUT with forecast_file_free (safe after -1 too). */
int forecast_file_read(const char *path, forecast_file *out);
void forecast_file_free(forecast_file *f);

/* The series named ID, or NULL. */
const forecast_file_series *forecast_file_find(const forecast_file *f, const char *id);

#endif
