/* forecast.h: one series from history to forecast. Fits every model of the
 * family (or the one forced) and backtests each. Growth family: `auto` is
 * the weighted combination of combine.h, then blended with SES with drift
 * by the same scoring (forecast.c, blend_with_anchor), listed as one more
 * model ("combination") with its own backtest. Daily family: the model with the
 * lowest backtest error on common ground. The chosen forecast's backtest
 * errors become its prediction intervals (intervals.h). cli/cmd_forecast.c runs this per series; the JSON
 * writer and the terminal table read the result. */
#ifndef CREST_FORECAST_FORECAST_H
#define CREST_FORECAST_FORECAST_H

#include <stddef.h>

#include "forecast/backtest.h"
#include "forecast/intervals.h"
#include "forecast/growth.h"
#include "forecast/series.h"

typedef struct fc_model_result {
    fc_model_id model;
    int fitted;          /* 0: skipped; why says why */
    char why[200];
    fc_fit fit;          /* on the whole history, when fitted */
    fc_backtest bt;
    double aicc;         /* NAN when undefined */
    double common_mase;  /* MASE on the origins every candidate shares (daily selection) */
    size_t common_n;
    /* growth family, auto: what the combination used (combine.h) */
    double rel;          /* backtest error relative to naive's on the same forecasts */
    size_t nrel;
    double score;        /* rel shrunk towards its prior */
    double weight;       /* share in the combination (0: left out) */
} fc_model_result;

typedef struct fc_point {
    double t, mean, lo80, hi80, lo95, hi95;
    double actual;       /* a value the history has after --until, else NAN */
} fc_point;

typedef struct fc_run_options {
    fc_family family;
    int forced;          /* a model id, or -1 for auto */
    fc_fit_options fit;
    size_t horizon;      /* steps after the last point (>= 1) */
} fc_run_options;

typedef struct fc_result {
    size_t nmodels;
    fc_model_result models[FC_MODEL_COUNT];
    int selected;        /* index into models, -1 when no model could be fitted */
    char reason[2000];   /* why that one (or why none) */
    fc_interval_table iv;
    double scale;        /* interval scale of the whole history (fc_local_scale) */
    size_t npoints;
    fc_point *points;    /* the forecast, npoints (owned) */
    size_t peak;         /* index of the highest mean */
    /* growth auto: the weighted combination blended with SES with drift */
    int blended;         /* 1 when the blend was made */
    double blend_share;  /* the weighted combination's share (the rest: ses-drift) */
    double blend_rel;    /* its backtest error relative to ses-drift's on the same forecasts */
    size_t blend_nrel;
    double blend_score;  /* that, shrunk towards 1 */
} fc_result;

/* Steps of STEP from LAST_T needed to reach AT_T (the last step may pass it
 * when AT_T is off the grid). 0, or -1 when AT_T is not after LAST_T. */
int fc_horizon_steps(double last_t, double at_t, double step, size_t *steps);

/* Forecasts S. Returns 0, 1 when no model could be used (reason says why;
 * the result still lists every model and why it was skipped), or -1 on out
 * of memory. Free R with fc_result_free in every case. */
int fc_forecast_series(const fc_series *s, const fc_run_options *o, fc_result *r);
void fc_result_free(fc_result *r);

#endif
