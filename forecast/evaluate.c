/* evaluate.c: see evaluate.h. A series whose model fails counts as
 * skipped, not as a perfect score: the totals say how many were left out. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "forecast/backtest.h"
#include "forecast/evaluate.h"

static const fc_series *find_series(const fc_history *h, const char *id, size_t hint)
{
    if (hint < h->nseries && strcmp(h->series[hint].id, id) == 0)
        return &h->series[hint];
    for (size_t i = 0; i < h->nseries; i++)
        if (strcmp(h->series[i].id, id) == 0)
            return &h->series[i];
    return NULL;
}

static void skip(fc_eval *e, const char *id, const char *why)
{
    if (!e->nskipped)
        snprintf(e->first_skipped, sizeof e->first_skipped, "%.40s: %.70s", id, why);
    e->nskipped++;
}

int fc_evaluate(const fc_history *train, const fc_history *test, const fc_run_options *o,
                fc_eval *e)
{
    memset(e, 0, sizeof *e);
    double smape = 0, mape = 0, mase = 0;
    size_t in80 = 0, in95 = 0, nape = 0;
    for (size_t i = 0; i < train->nseries; i++) {
        const fc_series *s = &train->series[i], *ts = find_series(test, s->id, i);
        if (!ts || !ts->n) {
            skip(e, s->id, "no test points");
            continue;
        }
        fc_run_options so = *o;
        so.horizon = ts->n;
        fc_result r;
        int rc = fc_forecast_series(s, &so, &r);
        if (rc < 0) {
            fc_result_free(&r);
            return -1;
        }
        if (rc > 0) {
            skip(e, s->id, r.reason);
            fc_result_free(&r);
            continue;
        }
        double scale = fc_mase_scale(s->y, s->n, 1), abs_sum = 0;
        for (size_t h = 0; h < ts->n; h++) {
            const fc_point *p = &r.points[h];
            double y = ts->y[h], f = p->mean;
            if (fabs(y) + fabs(f) > 0)
                smape += 200 * fabs(y - f) / (fabs(y) + fabs(f));
            if (y != 0) {
                mape += 100 * fabs(y - f) / fabs(y);
                nape++;
            }
            abs_sum += fabs(y - f);
            in80 += y >= p->lo80 && y <= p->hi80;
            in95 += y >= p->lo95 && y <= p->hi95;
        }
        mase += abs_sum / (double)ts->n / scale;
        e->npoints += ts->n;
        e->nseries++;
        fc_result_free(&r);
    }
    e->smape = e->npoints ? smape / (double)e->npoints : NAN;
    e->mape = nape ? mape / (double)nape : NAN;
    e->mase = e->nseries ? mase / (double)e->nseries : NAN;
    e->cover80 = e->npoints ? (double)in80 / (double)e->npoints : NAN;
    e->cover95 = e->npoints ? (double)in95 / (double)e->npoints : NAN;
    return 0;
}
