/* backtest.c: see backtest.h. Every origin refits the model from scratch on
 * its own prefix: nothing fitted on later data leaks into an earlier
 * forecast. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/backtest.h"

#define DAILY_ORIGINS 30
#define DAILY_MAX_STEPS 60
#define GROWTH_ORIGINS 100
/* Nonlinear least-squares curves cost ~50x a smoothing fit per origin:
 * they are backtested from their latest origins only, enough to show a
 * reviewer (and the combination) how they extrapolate. */
#define CURVE_ORIGINS 12

double fc_mase_scale(const double *y, size_t n, size_t lag)
{
    double s = 0, level = 0;
    size_t c = 0;
    for (size_t i = lag; i < n; i++, c++)
        s += fabs(y[i] - y[i - lag]);
    for (size_t i = 0; i < n; i++)
        level += fabs(y[i]);
    if (c && s > 0)
        return s / (double)c;
    /* A flat or too short prefix: fall back to a small fraction of the level. */
    return n && level > 0 ? 1e-3 * level / (double)n : 1.0;
}

double fc_local_scale(const double *y, size_t n, size_t lag)
{
    size_t first = n > lag + FC_LOCAL_DIFFS ? n - FC_LOCAL_DIFFS : lag;
    if (first >= n)
        return fc_mase_scale(y, n, lag);
    double s = 0;
    for (size_t i = first; i < n; i++)
        s += fabs(y[i] - y[i - lag]);
    s /= (double)(n - first);
    return s > 0 ? s : fc_mase_scale(y, n, lag);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Origins for daily series: spread over the last year, plus one H days
 * before each past festival day that had an earlier occurrence. */
static size_t daily_origins(const double *t, size_t n, size_t kmin, size_t H,
                            const fc_events *ev, size_t *out, size_t cap)
{
    size_t c = 0;
    if (n < kmin + 1)
        return 0;
    size_t last = n > H ? n - H : kmin;
    if (last < kmin)
        last = kmin;
    size_t stride = 365 / DAILY_ORIGINS;
    for (size_t i = 0; i < DAILY_ORIGINS && c < cap; i++) {
        if (last < i * stride || last - i * stride < kmin)
            break;
        out[c++] = last - i * stride;
    }
    for (size_t j = kmin; ev && j < n && c < cap; j++) {
        int e = fc_events_on(ev, (long)floor(t[j]));
        if (e < 0)
            continue;
        /* k: points with t <= t_j - H are the training prefix. */
        size_t k = j;
        while (k > 0 && t[k - 1] > t[j] - (double)H + 1e-9)
            k--;
        if (k < kmin)
            continue;
        int seen = 0;
        for (size_t i = 0; i < k && !seen; i++)
            seen = fc_events_on(ev, (long)floor(t[i])) == e;
        if (seen)
            out[c++] = k;
    }
    qsort(out, c, sizeof *out, cmp_size);
    size_t u = 0;
    for (size_t i = 0; i < c; i++)
        if (!u || out[u - 1] != out[i])
            out[u++] = out[i];
    return u;
}

/* 1 when point J is a festival day whose festival occurred in the first K
 * points (the model had a multiplier for it), -1 when it had not, else 0. */
static int festival_seen(const fc_events *ev, const double *t, size_t k, size_t j)
{
    int e = fc_events_on(ev, (long)floor(t[j]));
    if (e < 0)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (fc_events_on(ev, (long)floor(t[i])) == e)
            return 1;
    return -1;
}

int fc_backtest_run(fc_model_id m, const double *t, const double *y, size_t n,
                    const fc_fit_options *o, size_t H, fc_backtest *bt)
{
    memset(bt, 0, sizeof *bt);
    bt->mape = bt->mase = bt->bias_pct = NAN;
    int daily = fc_model_family(m) == FC_FAMILY_DAILY;
    size_t lag = daily ? 7 : 1;
    size_t kmin = fc_model_min_points(m, o);
    if (daily && H > DAILY_MAX_STEPS)
        H = DAILY_MAX_STEPS;
    bt->H = H;
    if (n <= kmin || H == 0)
        return 0;
    size_t cap = n - kmin;
    size_t *origins = malloc((cap + DAILY_ORIGINS + 64) * sizeof *origins);
    if (!origins)
        return -1;
    size_t norigins = 0;
    if (daily) {
        norigins = daily_origins(t, n, kmin, H, o->events, origins, cap + DAILY_ORIGINS + 64);
    } else {
        /* Every origin for short series; the latest GROWTH_ORIGINS for long
         * ones (an hourly series forced onto growth curves). */
        size_t keep = (m == FC_MODEL_EXPONENTIAL || m == FC_MODEL_LOGISTIC ||
                       m == FC_MODEL_GOMPERTZ) ? CURVE_ORIGINS : GROWTH_ORIGINS;
        size_t from = n - kmin > keep ? n - keep : kmin;
        for (size_t k = from; k < n; k++)
            origins[norigins++] = k;
    }
    size_t errcap = norigins * H + 1;
    bt->err = malloc(errcap * sizeof *bt->err);
    if (!bt->err) {
        free(origins);
        return -1;
    }
    double step = o->step > 0 ? o->step : 1;
    for (size_t oi = 0; oi < norigins; oi++) {
        size_t k = origins[oi];
        fc_fit fit;
        char why[160] = "";
        if (fc_fit_model(m, t, y, k, o, &fit, why, sizeof why) != 0) {
            bt->nfailed++;
            continue;
        }
        if (!bt->norigins || k < bt->first_origin)
            bt->first_origin = k;
        bt->norigins++;
        double scale = fc_mase_scale(y, k, lag), local = fc_local_scale(y, k, lag);
        for (size_t j = k; j < n; j++) {
            double h = round((t[j] - t[k - 1]) / step);
            if (h < 1)
                continue;
            if (h > (double)H)
                break;
            int event = daily ? festival_seen(o->events, t, k, j) : 0;
            fc_bt_error e = {.origin = k, .target = j, .step = (size_t)h, .event = event,
                             .forecast = fc_fit_predict(&fit, t[j]), .actual = y[j]};
            fc_backtest_record(bt, &e, scale, local, fit.log_space, errcap);
        }
        fc_fit_free(&fit);
    }
    free(origins);
    fc_backtest_summarize(bt);
    return 0;
}

int fc_backtest_record(fc_backtest *bt, const fc_bt_error *in, double mase_scale,
                       double local_scale, int log_space, size_t cap)
{
    double f = in->forecast, y = in->actual;
    if (!isfinite(f) || bt->nerr >= cap)
        return 0;
    if (log_space && (!(f > 0) || !(y > 0)))
        return 0;
    fc_bt_error *e = &bt->err[bt->nerr++];
    *e = *in;
    e->ase = fabs(y - f) / mase_scale;
    e->q = log_space ? log(y / f) : (y - f) / local_scale;
    return 1;
}

void fc_backtest_summarize(fc_backtest *bt)
{
    double ape_sum = 0, ase_sum = 0, bias_sum = 0, worst = -1;
    size_t ape_n = 0;
    bt->mape = bt->mase = bt->bias_pct = NAN;
    for (size_t i = 0; i < bt->nerr; i++) {
        const fc_bt_error *e = &bt->err[i];
        ase_sum += e->ase;
        if (e->actual != 0) {
            double pe = (e->actual - e->forecast) / fabs(e->actual) * 100.0;
            ape_sum += fabs(pe);
            bias_sum += pe;
            ape_n++;
            if (fabs(pe) > worst) {
                worst = fabs(pe);
                bt->worst = i;
            }
        }
    }
    if (bt->nerr) {
        bt->mase = ase_sum / (double)bt->nerr;
        if (ape_n) {
            bt->mape = ape_sum / (double)ape_n;
            bt->bias_pct = bias_sum / (double)ape_n;
        }
    }
}

double fc_backtest_mase_from(const fc_backtest *bt, size_t from_origin, size_t *count)
{
    double s = 0;
    size_t c = 0;
    for (size_t i = 0; i < bt->nerr; i++) {
        if (bt->err[i].origin < from_origin)
            continue;
        s += bt->err[i].ase;
        c++;
    }
    if (count)
        *count = c;
    return c ? s / (double)c : NAN;
}

void fc_backtest_free(fc_backtest *bt)
{
    free(bt->err);
    memset(bt, 0, sizeof *bt);
}
