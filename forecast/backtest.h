/* backtest.h: rolling-origin evaluation. Fit a model on the first k points,
 * forecast the next steps up to H, compare with what happened, for every k
 * that leaves data to compare with (yearly series; the latest 100 origins
 * when a long series is put on growth curves), or for ~30 origins over
 * the last year plus one origin H days before every past festival that had
 * an earlier occurrence to learn from (daily series: a thousand refits buy
 * nothing the thirty do not show).
 *
 * The errors feed three things: MAPE and MASE per model (model choice), the
 * per-step scaled errors (prediction intervals, intervals.h), and the record
 * of each forecast (forecast.json shows where a curve missed). */
#ifndef CREST_FORECAST_BACKTEST_H
#define CREST_FORECAST_BACKTEST_H

#include <stddef.h>

#include "forecast/growth.h"

typedef struct fc_bt_error {
    size_t origin;     /* the fit used points [0, origin) */
    size_t target;     /* index of the point forecast */
    size_t step;       /* 1-based horizon step */
    double forecast, actual;
    double q;          /* scaled error: (actual - forecast) / local scale, or log ratio */
    double ase;        /* |actual - forecast| / MASE scale of the origin */
    int event;         /* target is a festival day: 1 whose festival the fit had seen,
                        * -1 one it had not (no multiplier learned yet), 0 not a festival */
} fc_bt_error;

typedef struct fc_backtest {
    size_t H;          /* steps evaluated */
    size_t norigins, nfailed;   /* origins fitted; origins whose fit failed */
    size_t first_origin;        /* smallest origin used */
    size_t nerr;
    fc_bt_error *err;  /* nerr errors (owned) */
    double mape, mase, bias_pct; /* NAN when nerr == 0; bias > 0: the model undershoots */
    size_t worst;      /* index into err of the largest percentage miss */
} fc_backtest;

/* MASE scale of the first N points: mean absolute one-step (LAG = 1) or
 * seasonal (LAG = 7) naive error; never 0. */
double fc_mase_scale(const double *y, size_t n, size_t lag);

/* Interval scale of the first N points: the mean absolute LAG-difference
 * over the last FC_LOCAL_DIFFS differences only, so that the scale follows
 * the level of a fast-growing series (a whole-history mean lags behind it
 * and makes late errors look larger than early ones). Never 0. */
#define FC_LOCAL_DIFFS 6
double fc_local_scale(const double *y, size_t n, size_t lag);

/* Runs the backtest of model M on the N points, steps up to H. Returns 0
 * (also when no origin fits: nerr == 0), -1 on out of memory. Free with
 * fc_backtest_free. */
int fc_backtest_run(fc_model_id m, const double *t, const double *y, size_t n,
                    const fc_fit_options *o, size_t H, fc_backtest *out);
void fc_backtest_free(fc_backtest *bt);

/* Appends the forecast IN (origin, target, step, forecast, actual, event)
 * to BT when it is finite and BT holds fewer than CAP errors, computing its
 * scaled errors: ase with MASE_SCALE, q as log(actual / forecast) when
 * LOG_SPACE (skipped unless both are positive), else (actual - forecast) /
 * LOCAL_SCALE. Returns 1 when recorded. */
int fc_backtest_record(fc_backtest *bt, const fc_bt_error *in, double mase_scale,
                       double local_scale, int log_space, size_t cap);
/* MAPE, MASE, bias and the worst miss from BT's errors. */
void fc_backtest_summarize(fc_backtest *bt);

/* MASE over the errors with origin >= FROM_ORIGIN (common ground for model
 * choice); COUNT gets how many. NAN when none. */
double fc_backtest_mase_from(const fc_backtest *bt, size_t from_origin, size_t *count);

#endif
