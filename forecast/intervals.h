/* intervals.h: prediction intervals from backtest errors.
 *
 * Per horizon step h, the scaled errors the backtest saw at that step
 * (forecast error / MASE scale, or log ratio for log-space models) give the
 * band: empirical 10/90 and 2.5/97.5% quantiles when there are at least 30,
 * otherwise +- Student-t(df = count) times their root mean square (the t
 * widens the band honestly when only a handful of errors exist). Steps the
 * backtest could not reach grow from the furthest measured step by
 * sqrt(h / h_measured). Bands never narrow as h grows. Festival days take
 * the wider of their step's band and +- t(df = distinct past festival days
 * forecast, at least 2) times the RMS of the errors on those days.
 * With no backtest error at all, in-sample residuals are the last resort
 * and the method says that the band is then likely too narrow. */
#ifndef CREST_FORECAST_INTERVALS_H
#define CREST_FORECAST_INTERVALS_H

#include <stddef.h>

#include "forecast/backtest.h"

typedef struct fc_band {
    double lo80, hi80, lo95, hi95; /* in scaled-error space; lo <= 0 <= hi not required */
} fc_band;

typedef struct fc_interval_table {
    size_t H;
    fc_band *step;     /* H bands, step[h-1] for step h (owned) */
    fc_band event;     /* for festival days */
    int has_event;
    char method[400];  /* how the bands were made, for the report */
} fc_interval_table;

/* Builds bands for steps 1..H from BT's errors from origins >= FROM_ORIGIN
 * (all origins at a step where that leaves fewer than 3); RESID_Q is the
 * in-sample residual RMS in the same scaled space (the fallback). 0 or -1
 * (out of memory). */
int fc_intervals_build(const fc_backtest *bt, size_t H, double resid_q, size_t from_origin,
                       fc_interval_table *out);
void fc_intervals_free(fc_interval_table *it);

/* Turns a band into bounds around MEAN: MEAN + q * SCALE, or MEAN * exp(q)
 * when LOG_SPACE. */
void fc_band_apply(const fc_band *b, double mean, double scale, int log_space, double *lo80,
                   double *hi80, double *lo95, double *hi95);

#endif
