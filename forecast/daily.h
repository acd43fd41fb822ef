/* daily.h: the daily-series model, in the spirit of Prophet's additive
 * model but fitted in log space so that every effect is a multiplier:
 *
 *   log y(t) = a + b x + sum_j d_j max(0, x - c_j)      piecewise-linear trend
 *            + weekly Fourier terms (K = 3)             day-of-week cycle
 *            + yearly Fourier terms (K = 4, >= 2 years of history)
 *            + one coefficient per festival name        e.g. 11-11, 6-18
 *
 * x is years since the first day; changepoints c_j are spread over the first
 * 80% of the history (as Prophet does) so the last stretch sets the slope
 * that is extrapolated. Solved as ridge regression (normal equations +
 * Cholesky, GSL) with per-block penalties: the trend's base slope is free,
 * changepoints, seasonality and festivals are shrunk. A festival's
 * multiplier exp(coef) is learned from its earlier occurrences; a festival
 * that never occurred in the history gets no effect (and a note). */
#ifndef CREST_FORECAST_DAILY_H
#define CREST_FORECAST_DAILY_H

#include <stddef.h>

#define FC_DAILY_WEEKLY_K 3 /* weekly Fourier harmonics */

typedef struct fc_event_day {
    int month, day;    /* recurring every year when month > 0 */
    long date;         /* a single day (days since 1970-01-01) when month == 0 */
    int name;          /* index into fc_events.names */
} fc_event_day;

typedef struct fc_events {
    size_t n;
    fc_event_day *days;
    size_t nnames;
    char **names;
} fc_events;

/* Adds the recurring festival "MM-DD" (named so). 0 or -1 after an error. */
int fc_events_add_recurring(fc_events *ev, const char *mmdd);
/* Adds every row of a CSV with columns date,name (date YYYY-MM-DD, or MM-DD
 * for a recurring day). 0 or -1 after an error naming file:line. */
int fc_events_read(fc_events *ev, const char *path);
void fc_events_free(fc_events *ev);
/* Index of the festival on DAYS (days since 1970-01-01), or -1. */
int fc_events_on(const fc_events *ev, long days);

typedef struct fc_daily {
    double t0;            /* first day */
    size_t ncp;
    double cp[16];        /* changepoints, years since t0 */
    int yearly;           /* yearly Fourier terms used */
    double week_sin[7][FC_DAILY_WEEKLY_K], week_cos[7][FC_DAILY_WEEKLY_K]; /* weekly terms by day number mod 7 */
    size_t ncol;
    double *beta;         /* ncol coefficients */
    int *event_col;       /* per event name: column, or -1 when never seen */
    size_t nevents;
    const fc_events *events; /* borrowed */
} fc_daily;

/* Fits log(Y) on days T (N points, all Y > 0). Returns a model the caller
 * frees with fc_daily_free, or NULL with the reason in WHY. RSS gets the
 * log-space residual sum of squares, K the effective parameter count. */
fc_daily *fc_daily_fit(const double *t, const double *y, size_t n, const fc_events *ev,
                       double *rss, int *k, char *why, size_t whylen);
/* log-space prediction at day T. */
double fc_daily_predict_log(const fc_daily *d, double t);
/* exp(coefficient) of event name I, or NAN when it never occurred. */
double fc_daily_event_multiplier(const fc_daily *d, size_t i);
/* Final trend slope (log units per year) and weekly peak/trough ratio. */
double fc_daily_final_slope(const fc_daily *d);
double fc_daily_weekly_ratio(const fc_daily *d);
void fc_daily_free(fc_daily *d);

#endif
