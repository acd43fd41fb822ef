/* smooth.h: the smoothing and random-walk methods of the growth family,
 * the ones that win on short yearly series (M1, M3, tourism): naive (no
 * change), random walk with drift, the theta method, and Holt's damped
 * trend in levels and in logs. growth.c dispatches fc_fit_model here for
 * these models; nothing else calls this header except the unit tests,
 * which pin the formulas against hand-computed values.
 *
 * Every method counts periods as x = (t - t0) / step, like the curves. */
#ifndef CREST_FORECAST_SMOOTH_H
#define CREST_FORECAST_SMOOTH_H

#include <stddef.h>

#include "forecast/growth.h"

/* Simple exponential smoothing of Z (N points) with weight ALPHA, starting
 * from level z[0]. Returns the one-step SSE; LEVEL gets the final level;
 * FITTED (optional) the one-step forecasts (fitted[0] = z[0]). */
double fc_ses_run(const double *z, size_t n, double alpha, double *level, double *fitted);

/* The ALPHA in [0.01, 1] minimizing fc_ses_run's SSE (grid, then golden
 * section). */
double fc_ses_best_alpha(const double *z, size_t n);

/* Holt's damped trend, error-correction form, from level y[0] and trend
 * y[1] - y[0]: returns the one-step SSE, final level and trend. */
double fc_holt_run(const double *y, size_t n, double alpha, double beta, double phi,
                   double *level, double *trend, double *fitted);

/* Fits one of FC_MODEL_NAIVE, DRIFT, DRIFT_LOG, SES_DRIFT, THETA, HOLT_DAMPED, DAMPED_LOG to the N
 * points (X in periods, N >= the model's minimum). F is prepared by
 * fc_fit_model (fitted allocated, t0/tlast/step set). 0, or -1 with WHY. */
int fc_smooth_fit(fc_model_id m, const double *x, const double *y, size_t n, fc_fit *f,
                  char *why, size_t whylen);

/* Mean forecast H periods after the last point (H >= 0; 0 is the last
 * fitted level). */
double fc_smooth_predict(const fc_fit *f, double h);

#endif
