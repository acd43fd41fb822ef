/* combine.h: `auto` for the growth family: a weighted combination of every
 * method that could be fitted, instead of a bet on one of them.
 *
 * Picking one model per series from a rolling backtest on a handful of
 * points is mostly noise (on the M1 and tourism yearly series it scored
 * worse than the no-change forecast); averaging robust methods is what the
 * forecasting competitions found to win. But a fast, smoothly growing
 * series such as Tmall's GMV is better followed by a curve, and a backtest
 * does show that. So each member gets a score, its backtest error relative
 * to the naive forecast's on the very same forecasts (so members that
 * start at different origins are compared fairly), shrunk towards a prior
 * (1 for the smoothing methods, worse for curves: a curve must earn its
 * place with evidence), and weight score^-POWER; the members whose shrunk
 * score is not within a factor of the best get nothing. A higher-degree
 * polynomial gets nothing unless it beat the lower degrees by more than
 * one standard error on the forecasts they both made (the one-standard-
 * error rule for nested models).
 *
 * The combination's own backtest uses, at each origin, the weights that
 * the errors known at that origin give: nothing learned later leaks into
 * the errors the intervals are made from. */
#ifndef CREST_FORECAST_COMBINE_H
#define CREST_FORECAST_COMBINE_H

#include <stddef.h>

#include "forecast/backtest.h"
#include "forecast/growth.h"

typedef struct fc_member {
    fc_model_id model;
    const fc_backtest *bt;   /* its rolling-origin backtest */
    int curve;               /* a growth curve (needs evidence to get weight) */
    double prior;            /* prior score; 0: the method's usual level on yearly data */
    /* filled by fc_combine_weights: */
    double rel;              /* backtest error relative to naive on the same forecasts (NAN: none) */
    size_t nrel;             /* how many forecasts that ratio is over */
    double score;            /* rel shrunk towards the prior */
    double weight;
    /* the one-standard-error rule (polynomials): the index of the
     * lower-degree member that kept this one out, or -1 (also when its
     * score would have left it out anyway); then its error ratio to that
     * one (geometric mean), the standard error of the log of that, and
     * the count of forecasts both made */
    int kept_out_by;
    double simpler_ratio, simpler_se;
    size_t simpler_n;
} fc_member;

/* Weights of the N members from the backtest errors whose actual was known
 * before point ORIGIN (ORIGIN = the series length: everything). NAIVE is
 * the index of the naive member (the reference), or -1 (then scores are
 * plain MASE). Fills rel, nrel, score, weight and kept_out_by (with the
 * simpler_* figures). Returns the number of members with weight > 0. */
size_t fc_combine_weights(fc_member *m, size_t n, int naive, size_t origin);

/* The combination of the N forecasts F with weights W (not necessarily
 * summing to 1); NAN when no weight. */
double fc_combine_value(const double *f, const double *w, size_t n);

/* The combination's rolling-origin backtest on the N points Y: at every
 * origin, weights from what was known then. T, O and H as fc_backtest_run.
 * 0 or -1 (out of memory). */
int fc_combine_backtest(fc_member *m, size_t nm, int naive, const double *t, const double *y,
                        size_t n, const fc_fit_options *o, size_t H, fc_backtest *out);

#endif
