/* smooth.c: see smooth.h. Holt's parameters are searched on a grid and then
 * refined with a GSL simplex: the SSE surface has flat stretches where a
 * simplex alone stalls. SES has one parameter, so a grid and a golden
 * section are enough and cost next to nothing (the backtest refits every
 * method at every origin of every series). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_multimin.h>

#include "forecast/smooth.h"

double fc_ses_run(const double *z, size_t n, double alpha, double *level, double *fitted)
{
    double l = z[0], sse = 0;
    if (fitted)
        fitted[0] = z[0];
    for (size_t i = 1; i < n; i++) {
        double e = z[i] - l;
        if (fitted)
            fitted[i] = l;
        sse += e * e;
        l += alpha * e;
    }
    if (level)
        *level = l;
    return sse;
}

double fc_ses_best_alpha(const double *z, size_t n)
{
    double best = 1, best_sse = INFINITY;
    for (int i = 1; i <= 20; i++) {
        double a = 0.05 * i, s = fc_ses_run(z, n, a, NULL, NULL);
        if (s < best_sse) {
            best_sse = s;
            best = a;
        }
    }
    /* Golden section inside the grid cell around the best point. */
    double lo = fmax(0.01, best - 0.05), hi = fmin(1.0, best + 0.05);
    const double g = 0.6180339887498949;
    double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    double fc = fc_ses_run(z, n, c, NULL, NULL), fd = fc_ses_run(z, n, d, NULL, NULL);
    for (int it = 0; it < 30; it++) {
        if (fc < fd) {
            hi = d;
            d = c;
            fd = fc;
            c = hi - g * (hi - lo);
            fc = fc_ses_run(z, n, c, NULL, NULL);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + g * (hi - lo);
            fd = fc_ses_run(z, n, d, NULL, NULL);
        }
    }
    double mid = 0.5 * (lo + hi);
    return fc_ses_run(z, n, mid, NULL, NULL) <= best_sse ? mid : best;
}

/* ---- Holt's damped trend ---- */


static void holt_params(const double *u, double *alpha, double *beta, double *phi)
{
    double s0 = 1 / (1 + exp(-u[0])), s1 = 1 / (1 + exp(-u[1])), s2 = 1 / (1 + exp(-u[2]));
    *alpha = 0.01 + 0.98 * s0;
    *beta = *alpha * s1;          /* beta <= alpha keeps the model forecastable */
    *phi = 0.80 + 0.18 * s2;      /* Hyndman's usual bounds */
}

double fc_holt_run(const double *y, size_t n, double alpha, double beta, double phi,
                   double *level, double *trend, double *fitted)
{
    double l = y[0], b = y[1] - y[0], sse = 0;
    if (fitted)
        fitted[0] = y[0];
    for (size_t i = 1; i < n; i++) {
        double pred = l + phi * b, e = y[i] - pred;
        if (fitted)
            fitted[i] = pred;
        sse += e * e;
        l = pred + alpha * e;
        b = phi * b + beta * e;
    }
    if (level)
        *level = l;
    if (trend)
        *trend = b;
    return sse;
}

typedef struct holt_data {
    const double *y;
    size_t n;
} holt_data;

static double holt_objective(const gsl_vector *v, void *data)
{
    const holt_data *d = data;
    double u[3] = {gsl_vector_get(v, 0), gsl_vector_get(v, 1), gsl_vector_get(v, 2)};
    double a, b, p;
    holt_params(u, &a, &b, &p);
    double s = fc_holt_run(d->y, d->n, a, b, p, NULL, NULL, NULL);
    return isfinite(s) ? s : 1e300;
}

static void holt_simplex(holt_data *d, double *u_best, double *best)
{
    gsl_multimin_function fn = {holt_objective, 3, d};
    gsl_multimin_fminimizer *mz = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 3);
    gsl_vector *x = gsl_vector_alloc(3), *step = gsl_vector_alloc(3);
    if (mz && x && step) {
        for (int i = 0; i < 3; i++) {
            gsl_vector_set(x, (size_t)i, u_best[i]);
            gsl_vector_set(step, (size_t)i, 0.5);
        }
        if (gsl_multimin_fminimizer_set(mz, &fn, x, step) == GSL_SUCCESS) {
            for (int it = 0; it < 300; it++) {
                if (gsl_multimin_fminimizer_iterate(mz) != GSL_SUCCESS)
                    break;
                if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mz), 1e-5) == GSL_SUCCESS)
                    break;
            }
            if (mz->fval < *best) {
                *best = mz->fval;
                for (int i = 0; i < 3; i++)
                    u_best[i] = gsl_vector_get(mz->x, (size_t)i);
            }
        }
    }
    gsl_vector_free(x);
    gsl_vector_free(step);
    if (mz)
        gsl_multimin_fminimizer_free(mz);
}

/* Fits alpha, beta, phi to Y; coef[0..4] = alpha, beta, phi, level, trend. */
static int fit_holt(const double *y, size_t n, fc_fit *f)
{
    holt_data d = {y, n};
    static const double g0[] = {-3, -1, 0, 1, 3}, g1[] = {-3, -1, 1, 3}, g2[] = {-2, 0, 2};
    double best = INFINITY, u[3] = {0, 0, 0};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 4; j++)
            for (size_t k = 0; k < 3; k++) {
                double v[3] = {g0[i], g1[j], g2[k]}, a, b, p;
                holt_params(v, &a, &b, &p);
                double s = fc_holt_run(y, n, a, b, p, NULL, NULL, NULL);
                if (s < best) {
                    best = s;
                    memcpy(u, v, sizeof v);
                }
            }
    holt_simplex(&d, u, &best);
    if (!isfinite(best))
        return -1;
    holt_params(u, &f->coef[0], &f->coef[1], &f->coef[2]);
    f->rss = fc_holt_run(y, n, f->coef[0], f->coef[1], f->coef[2], &f->coef[3], &f->coef[4],
                         f->fitted);
    return 0;
}

/* ---- the methods ---- */

static void add_param(fc_fit *f, const char *name, double v)
{
    if (f->nparam >= FC_MAX_PARAMS)
        return;
    snprintf(f->param[f->nparam].name, sizeof f->param[0].name, "%s", name);
    f->param[f->nparam++].value = v;
}

/* Theta: the theta-0 line (least squares on x) carries the trend, the
 * theta-2 line (2y minus that line) is smoothed by SES; the forecast is
 * the mean of the two lines' extrapolations. */
static int fit_theta(const double *x, const double *y, size_t n, fc_fit *f)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    double den = (double)n * sxx - sx * sx;
    if (den == 0)
        return -1;
    double b = ((double)n * sxy - sx * sy) / den, a = (sy - b * sx) / (double)n;
    double *z = malloc(n * sizeof *z);
    if (!z)
        return -1;
    for (size_t i = 0; i < n; i++)
        z[i] = 2 * y[i] - (a + b * x[i]);
    double alpha = fc_ses_best_alpha(z, n), level;
    fc_ses_run(z, n, alpha, &level, f->fitted);
    free(z);
    f->rss = 0;
    for (size_t i = 0; i < n; i++) {
        f->fitted[i] = 0.5 * (a + b * x[i]) + 0.5 * f->fitted[i];
        f->rss += (y[i] - f->fitted[i]) * (y[i] - f->fitted[i]);
    }
    f->coef[0] = a;
    f->coef[1] = b;
    f->coef[2] = alpha;
    f->coef[3] = level;
    f->coef[4] = x[n - 1];
    add_param(f, "alpha", alpha);
    add_param(f, "line_intercept", a);
    add_param(f, "line_slope", b);
    add_param(f, "theta2_level", level);
    return 0;
}

/* Naive, drift (the mean change per period), drift-log (the mean growth
 * rate per period, compounded). */
static int fit_random_walk(fc_model_id m, const double *x, const double *y, size_t n, fc_fit *f,
                           char *why, size_t whylen)
{
    int logs = m == FC_MODEL_DRIFT_LOG;
    for (size_t i = 0; logs && i < n; i++) {
        if (!(y[i] > 0)) {
            snprintf(why, whylen, "needs positive values, found %g", y[i]);
            return -1;
        }
    }
    double first = logs ? log(y[0]) : y[0], last = logs ? log(y[n - 1]) : y[n - 1], slope = 0;
    if (m != FC_MODEL_NAIVE) {
        if (x[n - 1] <= x[0])
            return -1;
        slope = (last - first) / (x[n - 1] - x[0]);
    }
    f->log_space = logs;
    f->coef[0] = last;
    f->coef[1] = slope;
    f->fitted[0] = y[0];
    f->rss = 0;
    for (size_t i = 1; i < n; i++) {
        double prev = logs ? log(y[i - 1]) : y[i - 1], v = prev + slope * (x[i] - x[i - 1]);
        f->fitted[i] = logs ? exp(v) : v;
        double e = logs ? log(y[i] / f->fitted[i]) : y[i] - f->fitted[i];
        f->rss += e * e;
    }
    add_param(f, "last", y[n - 1]);
    if (m == FC_MODEL_DRIFT)
        add_param(f, "drift_per_period", slope);
    else if (logs)
        add_param(f, "growth_per_period", exp(slope) - 1);
    return 0;
}

/* SES with drift: the drift d is the random walk's (mean change per
 * period, (y_last - y_first) / periods), the level is simple exponential
 * smoothing of y - d x, so a noisy last point moves the forecast by alpha
 * of its surprise instead of all of it. Forecast: level + d (x_last + h).
 * alpha = 1 gives the random walk with drift; Hyndman & Billah (2003)
 * showed the theta method is this model with half the regression slope as
 * the drift. */
static int fit_ses_drift(const double *x, const double *y, size_t n, fc_fit *f)
{
    if (x[n - 1] <= x[0])
        return -1;
    double d = (y[n - 1] - y[0]) / (x[n - 1] - x[0]);
    double *z = calloc(n, sizeof *z);
    if (!z)
        return -1;
    for (size_t i = 0; i < n; i++)
        z[i] = y[i] - d * x[i];
    double alpha = fc_ses_best_alpha(z, n), level;
    fc_ses_run(z, n, alpha, &level, f->fitted);
    free(z);
    f->rss = 0;
    for (size_t i = 0; i < n; i++) {
        f->fitted[i] += d * x[i];
        f->rss += (y[i] - f->fitted[i]) * (y[i] - f->fitted[i]);
    }
    f->coef[0] = level + d * x[n - 1]; /* the smoothed level at the last point */
    f->coef[1] = d;
    f->coef[2] = alpha;
    add_param(f, "alpha", alpha);
    add_param(f, "level", f->coef[0]);
    add_param(f, "drift_per_period", d);
    return 0;
}

static int fit_damped(fc_model_id m, const double *y, size_t n, fc_fit *f, char *why, size_t whylen)
{
    int logs = m == FC_MODEL_DAMPED_LOG;
    double *z = malloc(n * sizeof *z), ys = 0;
    if (!z)
        return -1;
    for (size_t i = 0; i < n; i++)
        ys = fmax(ys, fabs(y[i]));
    if (ys == 0)
        ys = 1;
    for (size_t i = 0; i < n; i++) {
        if (logs && !(y[i] > 0)) {
            snprintf(why, whylen, "needs positive values, found %g", y[i]);
            free(z);
            return -1;
        }
        /* Levels are fitted on y / max|y| so one simplex tolerance fits all. */
        z[i] = logs ? log(y[i]) : y[i] / ys;
    }
    int rc = fit_holt(z, n, f);
    free(z);
    if (rc != 0)
        return -1;
    f->log_space = logs;
    if (logs) {
        f->rss = 0;
        for (size_t i = 0; i < n; i++) {
            f->fitted[i] = exp(f->fitted[i]);
            f->rss += log(y[i] / f->fitted[i]) * log(y[i] / f->fitted[i]);
        }
    } else {
        f->coef[3] *= ys;
        f->coef[4] *= ys;
        f->rss *= ys * ys;
        for (size_t i = 0; i < n; i++)
            f->fitted[i] *= ys;
    }
    add_param(f, "alpha", f->coef[0]);
    add_param(f, "beta", f->coef[1]);
    add_param(f, "phi", f->coef[2]);
    add_param(f, "level", logs ? exp(f->coef[3]) : f->coef[3]);
    add_param(f, logs ? "growth_per_period" : "trend", logs ? exp(f->coef[4]) - 1 : f->coef[4]);
    return 0;
}

int fc_smooth_fit(fc_model_id m, const double *x, const double *y, size_t n, fc_fit *f,
                  char *why, size_t whylen)
{
    switch (m) {
    case FC_MODEL_NAIVE:
    case FC_MODEL_DRIFT:
    case FC_MODEL_DRIFT_LOG:
        return fit_random_walk(m, x, y, n, f, why, whylen);
    case FC_MODEL_THETA:
        return fit_theta(x, y, n, f);
    case FC_MODEL_SES_DRIFT:
        return fit_ses_drift(x, y, n, f);
    case FC_MODEL_HOLT_DAMPED:
    case FC_MODEL_DAMPED_LOG:
        return fit_damped(m, y, n, f, why, whylen);
    default:
        snprintf(why, whylen, "not a smoothing method");
        return -1;
    }
}

double fc_smooth_predict(const fc_fit *f, double h)
{
    switch (f->model) {
    case FC_MODEL_NAIVE:
    case FC_MODEL_DRIFT:
    case FC_MODEL_SES_DRIFT:
        return f->coef[0] + f->coef[1] * h;
    case FC_MODEL_DRIFT_LOG:
        return exp(f->coef[0] + f->coef[1] * h);
    case FC_MODEL_THETA:
        return 0.5 * (f->coef[0] + f->coef[1] * (f->coef[4] + h)) + 0.5 * f->coef[3];
    case FC_MODEL_HOLT_DAMPED:
    case FC_MODEL_DAMPED_LOG: {
        double phi = f->coef[2], damp = 0, pw = 1;
        for (long i = 1; i <= (long)h; i++) {
            pw *= phi;
            damp += pw;
        }
        double v = f->coef[3] + damp * f->coef[4];
        return f->model == FC_MODEL_DAMPED_LOG ? exp(v) : v;
    }
    default:
        return NAN;
    }
}
