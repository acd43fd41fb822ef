/* growth.h: the forecasting models behind `crest forecast`, one interface.
 *
 * Growth curves for short yearly series (linear, quadratic, cubic,
 * exponential, logistic, Gompertz: GSL least squares on the raw values) and
 * the smoothing methods of smooth.h (naive, drift, theta, Holt's damped
 * trend in levels and in logs). `auto` does not pick one of them: it
 * combines them (forecast.h), which is what wins on short yearly series. Daily series get the regression in daily.h (trend +
 * weekly/yearly Fourier terms + festival multipliers, in log space) and a
 * seasonal-naive baseline (same weekday last week).
 *
 * Curves use x = (t - t_first) / step, periods since the first point, so gaps
 * keep their real width. Holt and seasonal-naive count observations and
 * assume regular spacing. */
#ifndef CREST_FORECAST_GROWTH_H
#define CREST_FORECAST_GROWTH_H

#include <stddef.h>

#include "forecast/daily.h"

typedef enum fc_model_id {
    FC_MODEL_LINEAR,
    FC_MODEL_QUADRATIC,
    FC_MODEL_CUBIC,
    FC_MODEL_EXPONENTIAL,
    FC_MODEL_LOGISTIC,
    FC_MODEL_GOMPERTZ,
    FC_MODEL_HOLT_DAMPED,
    FC_MODEL_DAMPED_LOG,   /* Holt's damped trend on log y: damped growth rate */
    FC_MODEL_THETA,        /* theta method: half the regression slope + SES level */
    FC_MODEL_DRIFT,        /* random walk with drift: last value + mean change */
    FC_MODEL_DRIFT_LOG,    /* random walk with drift in logs: last value x mean growth */
    FC_MODEL_SES_DRIFT,    /* SES with drift: smoothed level + the mean change per period */
    FC_MODEL_NAIVE,        /* no change: the last value */
    FC_MODEL_COMBINATION,  /* auto's weighted combination of the others (forecast.h) */
    FC_MODEL_DAILY,
    FC_MODEL_SEASONAL_NAIVE,
    FC_MODEL_COUNT
} fc_model_id;

typedef enum fc_family { FC_FAMILY_GROWTH, FC_FAMILY_DAILY } fc_family;

typedef struct fc_fit_options {
    double step;               /* one period in t units (1 year, 1 day) */
    double cap;                /* > 0: the logistic's saturation is given, not estimated */
    const fc_events *events;   /* festival dates for the daily model; may be NULL */
} fc_fit_options;

#define FC_MAX_PARAMS 24

typedef struct fc_param {
    char name[40];
    double value;
} fc_param;

typedef struct fc_fit {
    fc_model_id model;
    fc_param param[FC_MAX_PARAMS]; /* reported parameters, in user terms */
    int nparam;
    int k;             /* parameters estimated from the data (AICc) */
    size_t n;
    double rss;        /* residual sum of squares in the fitting space */
    double t0, tlast, step;
    int log_space;     /* 1: errors are judged as log(actual / forecast) */
    double *fitted;    /* n in-sample values (owned) */
    double coef[8];    /* curve coefficients (model-specific) */
    double xscale;     /* polynomial conditioning: x is divided by this */
    double last_by_weekday[7]; /* seasonal naive */
    fc_daily *daily;   /* daily regression (owned), else NULL */
    char note[160];    /* something the user should know about this fit, or "" */
} fc_fit;

const char *fc_model_name(fc_model_id m);
/* Accepts the names above (and "holt" for holt-damped). 0 or -1. */
int fc_model_parse(const char *s, fc_model_id *m);
fc_family fc_model_family(fc_model_id m);

/* Fewest points model M is ever fitted on (with O's options). */
size_t fc_model_min_points(fc_model_id m, const fc_fit_options *o);

/* Fits model M to N points (t strictly increasing). Returns 0, or -1 with
 * the reason in WHY (too few points, non-positive values for a log model,
 * no convergence): a model is never fitted on too little. On 0 the caller
 * frees OUT with fc_fit_free. */
int fc_fit_model(fc_model_id m, const double *t, const double *y, size_t n,
                 const fc_fit_options *o, fc_fit *out, char *why, size_t whylen);

/* The fitted model's mean at time T (in-sample or after the last point). */
double fc_fit_predict(const fc_fit *f, double t);

/* AICc = n log(RSS/n) + 2k + 2k(k+1)/(n-k-1); NAN when undefined. */
double fc_fit_aicc(const fc_fit *f);

void fc_fit_free(fc_fit *f);

#endif
