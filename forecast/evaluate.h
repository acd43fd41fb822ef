/* evaluate.h: accuracy of `crest forecast` on held-out data, the way the
 * forecasting competitions score it (M1, tourism): every series is fitted
 * on its train part and forecast over its test part; sMAPE, MASE and the
 * share of actuals inside the 80% and 95% intervals are reported over all
 * series. bench/forecast.sh runs this on the public data sets and prints
 * the figures next to R forecast's. */
#ifndef CREST_FORECAST_EVALUATE_H
#define CREST_FORECAST_EVALUATE_H

#include <stddef.h>

#include "forecast/forecast.h"
#include "forecast/series.h"

typedef struct fc_eval {
    size_t nseries, nskipped;  /* series scored; series without a test part or a forecast */
    size_t npoints;            /* test points scored */
    double smape;              /* mean over points of 200|y - f| / (|y| + |f|) */
    double mase;               /* mean over series of mean|y - f| / mean|train first difference| */
    double mape;               /* mean over points of 100|y - f| / |y| */
    double cover80, cover95;   /* share of test points inside the interval */
    char first_skipped[120];   /* id of the first skipped series and why, or "" */
} fc_eval;

/* Scores TRAIN's series against TEST's (matched by id) with options O (the
 * horizon is each series' number of test points). 0, or -1 on out of
 * memory. */
int fc_evaluate(const fc_history *train, const fc_history *test, const fc_run_options *o,
                fc_eval *out);

#endif
