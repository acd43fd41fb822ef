/* forecast_json.h: writing forecast.json (docs/forecast-format.md) and the
 * spreadsheet CSV from `crest forecast` results. Reading is forecast_file.h. */
#ifndef CREST_FORECAST_JSON_H
#define CREST_FORECAST_JSON_H

#include <stddef.h>

#include "forecast/forecast.h"
#include "forecast/series.h"

typedef struct fc_json_meta {
    const char *family;      /* "growth" | "daily" */
    const char *model_arg;   /* "auto" or the forced model */
    const char *at;          /* --at as given, or NULL */
    size_t horizon;          /* steps */
    const char *const *event_names;
    size_t nevents;
    double cap;              /* --cap, or 0 */
} fc_json_meta;

/* Writes every series of H with its result R[i] to PATH (atomically).
 * 0 or -1 after printing an error. */
int fc_json_write(const char *path, const fc_history *h, const fc_result *r,
                  const fc_json_meta *meta);

/* series,t,mean,lo80,hi80,lo95,hi95 for every forecast point. 0 or -1. */
int fc_csv_write(const char *path, const fc_history *h, const fc_result *r);

#endif
