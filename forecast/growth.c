/* growth.c: see growth.h. Growth curves are fitted on y / max|y| (and x in
 * periods) so that one set of solver tolerances works for GMV in billions
 * and page views in hundreds of millions alike. Nonlinear curves start from
 * their linearized fits at several saturation guesses and keep the best:
 * a single start too often lands on a flat local minimum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_multimin.h>

#include "forecast/growth.h"
#include "forecast/series.h"
#include "forecast/smooth.h"

static const char *const model_names[FC_MODEL_COUNT] = {
    "linear", "quadratic", "cubic", "exponential", "logistic", "gompertz", "holt-damped",
    "damped-log", "theta", "drift", "drift-log", "ses-drift", "naive", "combination", "daily", "seasonal-naive",
};

const char *fc_model_name(fc_model_id m)
{
    return m < FC_MODEL_COUNT ? model_names[m] : "?";
}

int fc_model_parse(const char *s, fc_model_id *m)
{
    for (int i = 0; i < FC_MODEL_COUNT; i++) {
        if (strcmp(s, model_names[i]) == 0) {
            *m = (fc_model_id)i;
            return 0;
        }
    }
    if (strcmp(s, "holt") == 0) {
        *m = FC_MODEL_HOLT_DAMPED;
        return 0;
    }
    return -1;
}

fc_family fc_model_family(fc_model_id m)
{
    return m == FC_MODEL_DAILY || m == FC_MODEL_SEASONAL_NAIVE ? FC_FAMILY_DAILY
                                                               : FC_FAMILY_GROWTH;
}

/* Estimated parameters of each model; min points = k + 2 so that AICc's
 * n - k - 1 stays positive and at least one degree of freedom is left. */
static int model_k(fc_model_id m, const fc_fit_options *o)
{
    switch (m) {
    case FC_MODEL_LINEAR: return 2;
    case FC_MODEL_QUADRATIC: return 3;
    case FC_MODEL_CUBIC: return 4;
    case FC_MODEL_EXPONENTIAL: return 2;
    case FC_MODEL_LOGISTIC: return o && o->cap > 0 ? 2 : 3;
    case FC_MODEL_GOMPERTZ: return 3;
    case FC_MODEL_HOLT_DAMPED:
    case FC_MODEL_DAMPED_LOG: return 4; /* alpha, beta, phi; initial level/trend from data */
    case FC_MODEL_THETA: return 3;       /* line intercept and slope, alpha */
    case FC_MODEL_SES_DRIFT: return 2;   /* drift, alpha */
    case FC_MODEL_DRIFT:
    case FC_MODEL_DRIFT_LOG: return 1;
    case FC_MODEL_NAIVE: return 0;
    case FC_MODEL_COMBINATION: return 0;
    case FC_MODEL_DAILY: return 0;
    case FC_MODEL_SEASONAL_NAIVE: return 0;
    default: return 0;
    }
}

size_t fc_model_min_points(fc_model_id m, const fc_fit_options *o)
{
    switch (m) {
    case FC_MODEL_DAILY: return 56;          /* eight weeks: a weekly cycle is estimable */
    case FC_MODEL_SEASONAL_NAIVE: return 14;
    case FC_MODEL_HOLT_DAMPED:
    case FC_MODEL_DAMPED_LOG: return 6;
    case FC_MODEL_THETA:
    case FC_MODEL_SES_DRIFT: return 4;
    case FC_MODEL_DRIFT:
    case FC_MODEL_DRIFT_LOG: return 3;
    case FC_MODEL_NAIVE: return 2;
    case FC_MODEL_LINEAR:
    case FC_MODEL_QUADRATIC:
    case FC_MODEL_CUBIC: return (size_t)model_k(m, o) + 1; /* one residual degree of freedom */
    default: return (size_t)model_k(m, o) + 2;
    }
}

static void add_param(fc_fit *f, const char *name, double v)
{
    if (f->nparam >= FC_MAX_PARAMS)
        return;
    snprintf(f->param[f->nparam].name, sizeof f->param[0].name, "%s", name);
    f->param[f->nparam++].value = v;
}

/* ---- curves: y / ys as a function of x (periods since t0) ---- */

static double curve_value(fc_model_id m, const double *c, double fixed_cap, double x)
{
    switch (m) {
    case FC_MODEL_EXPONENTIAL:
        return exp(c[0] + c[1] * x);
    case FC_MODEL_LOGISTIC: {
        double K = fixed_cap > 0 ? fixed_cap : exp(c[0]);
        return K / (1.0 + exp(-exp(c[1]) * (x - c[2])));
    }
    case FC_MODEL_GOMPERTZ:
        return exp(c[0]) * exp(-exp(c[1]) * exp(-exp(c[2]) * x));
    default:
        return NAN;
    }
}

typedef struct curve_data {
    fc_model_id model;
    const double *x, *y;
    size_t n;
    double fixed_cap;
    int fixed; /* logistic with a given cap: c[0] is not a parameter */
} curve_data;

static void unpack(const curve_data *d, const gsl_vector *p, double *c)
{
    size_t np = p->size;
    c[0] = 0;
    for (size_t i = 0; i < np; i++)
        c[i + (size_t)d->fixed] = gsl_vector_get(p, i);
}

static int curve_residuals(const gsl_vector *p, void *data, gsl_vector *r)
{
    const curve_data *d = data;
    double c[4];
    unpack(d, p, c);
    for (size_t i = 0; i < d->n; i++) {
        double v = curve_value(d->model, c, d->fixed_cap, d->x[i]) - d->y[i];
        if (!isfinite(v))
            return GSL_EDOM;
        gsl_vector_set(r, i, v);
    }
    return GSL_SUCCESS;
}

/* Analytic Jacobian of the residuals (finite differences cost 3x as much
 * and a thousand-series run fits tens of thousands of curves). */
static int curve_jacobian(const gsl_vector *p, void *data, gsl_matrix *J)
{
    const curve_data *d = data;
    double c[4];
    unpack(d, p, c);
    for (size_t i = 0; i < d->n; i++) {
        double x = d->x[i], g[3] = {0, 0, 0};
        if (d->model == FC_MODEL_EXPONENTIAL) {
            double y = exp(c[0] + c[1] * x);
            g[0] = y;
            g[1] = y * x;
        } else if (d->model == FC_MODEL_LOGISTIC) {
            double K = d->fixed ? d->fixed_cap : exp(c[0]), r = exp(c[1]);
            double E = exp(-r * (x - c[2])), den = (1 + E) * (1 + E);
            g[0] = K / (1 + E);
            g[1] = K * E * r * (x - c[2]) / den;
            g[2] = -K * r * E / den;
        } else {
            double G = exp(c[1]) * exp(-exp(c[2]) * x), y = exp(c[0]) * exp(-G);
            g[0] = y;
            g[1] = -y * G;
            g[2] = y * G * exp(c[2]) * x;
        }
        for (size_t j = 0; j < p->size; j++) {
            double v = g[j + (size_t)d->fixed];
            if (!isfinite(v))
                return GSL_EDOM;
            gsl_matrix_set(J, i, j, v);
        }
    }
    return GSL_SUCCESS;
}

/* Nonlinear least squares from START (np parameters); RSS on success. */
static int curve_nls(curve_data *d, size_t np, double *start, double *rss)
{
    if (d->n <= np)
        return -1;
    const gsl_multifit_nlinear_type *T = gsl_multifit_nlinear_trust;
    gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(T, &params, d->n, np);
    if (!w)
        return -1;
    gsl_multifit_nlinear_fdf fdf = {0};
    fdf.f = curve_residuals;
    fdf.df = curve_jacobian;
    fdf.n = d->n;
    fdf.p = np;
    fdf.params = d;
    gsl_vector_view x0 = gsl_vector_view_array(start, np);
    int rc = -1;
    if (gsl_multifit_nlinear_init(&x0.vector, &fdf, w) == GSL_SUCCESS) {
        int info;
        int status = gsl_multifit_nlinear_driver(100, 1e-9, 1e-9, 0.0, NULL, NULL, &info, w);
        gsl_vector *f = gsl_multifit_nlinear_residual(w);
        double s = 0;
        for (size_t i = 0; i < d->n; i++)
            s += gsl_vector_get(f, i) * gsl_vector_get(f, i);
        gsl_vector *p = gsl_multifit_nlinear_position(w);
        int finite = isfinite(s);
        for (size_t i = 0; i < np; i++)
            finite = finite && isfinite(gsl_vector_get(p, i));
        /* GSL_EMAXITER still leaves the best point found; accept it if finite. */
        if (finite && (status == GSL_SUCCESS || status == GSL_EMAXITER ||
                       status == GSL_ENOPROG)) {
            for (size_t i = 0; i < np; i++)
                start[i] = gsl_vector_get(p, i);
            *rss = s;
            rc = 0;
        }
    }
    gsl_multifit_nlinear_free(w);
    return rc;
}

/* Ordinary least squares line through (x, z): z = a + b x. */
static int line_fit(const double *x, const double *z, size_t n, double *a, double *b)
{
    double sx = 0, sz = 0, sxx = 0, sxz = 0;
    for (size_t i = 0; i < n; i++) {
        sx += x[i];
        sz += z[i];
        sxx += x[i] * x[i];
        sxz += x[i] * z[i];
    }
    double den = n * sxx - sx * sx;
    if (n < 2 || den == 0)
        return -1;
    *b = (n * sxz - sx * sz) / den;
    *a = (sz - *b * sx) / n;
    return 0;
}

/* Exponential: least squares on log y for the start, then NLS on y. */
static double fit_exponential(curve_data *d, double *lx, double *lz, double *coef)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->y[i] > 0) {
            lx[k] = d->x[i];
            lz[k++] = log(d->y[i]);
        }
    double a, b;
    if (line_fit(lx, lz, k, &a, &b) != 0)
        return INFINITY;
    double p[2] = {a, b}, s;
    if (curve_nls(d, 2, p, &s) != 0)
        return INFINITY;
    coef[0] = p[0];
    coef[1] = p[1];
    return s;
}

/* A logistic or Gompertz start for saturation K: the other parameters from
 * the curve's linearization. 0 with C (3 values), or -1. */
static int saturating_start(const curve_data *d, double K, double *lx, double *lz, double *c)
{
    fc_model_id m = d->model;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->y[i] <= 0 || d->y[i] >= K)
            continue;
        lx[k] = d->x[i];
        lz[k++] = m == FC_MODEL_LOGISTIC ? log(d->y[i] / (K - d->y[i])) : log(-log(d->y[i] / K));
    }
    double a, b;
    if (line_fit(lx, lz, k, &a, &b) != 0)
        return -1;
    if (m == FC_MODEL_LOGISTIC) { /* logit = r x - r m */
        if (b <= 0)
            return -1;
        c[0] = log(K);
        c[1] = log(b);
        c[2] = -a / b;
    } else { /* log(-log(y/K)) = log b - c x */
        if (b >= 0)
            return -1;
        c[0] = log(K);
        c[1] = a;
        c[2] = log(-b);
    }
    return 0;
}

/* Logistic and Gompertz: several saturation guesses, solved from the most
 * promising starts only (each solve costs as much as all the start
 * evaluations together). */
static double fit_saturating(curve_data *d, double cap_n, double *lx, double *lz, double *coef)
{
    static const double kmult[] = {1.05, 1.3, 2.0, 4.0, 10.0};
    enum { NSTARTS = 5, NRUN = 2 };
    double ymax = 0, best = INFINITY;
    for (size_t i = 0; i < d->n; i++)
        ymax = fmax(ymax, d->y[i]);
    int fixed = (d->model == FC_MODEL_LOGISTIC && cap_n > 0);
    size_t nstarts = fixed ? 1 : NSTARTS, np = fixed ? 2 : 3, nready = 0;
    double start[NSTARTS][3], start_rss[NSTARTS];
    d->fixed = fixed;
    d->fixed_cap = fixed ? cap_n : 0;
    for (size_t s = 0; s < nstarts; s++) {
        double c[3], r = 0;
        if (saturating_start(d, fixed ? cap_n : kmult[s] * ymax, lx, lz, c) != 0)
            continue;
        for (size_t i = 0; i < d->n; i++) {
            double e = curve_value(d->model, c, 0, d->x[i]) - d->y[i];
            r += e * e;
        }
        if (!isfinite(r))
            continue;
        for (size_t i = 0; i < np; i++)
            start[nready][i] = c[i + (size_t)fixed];
        start_rss[nready++] = r;
    }
    for (size_t run = 0; run < NRUN && run < nready; run++) {
        size_t bi = run;
        for (size_t s = run + 1; s < nready; s++)
            if (start_rss[s] < start_rss[bi])
                bi = s;
        double p[3], r;
        memcpy(p, start[bi], sizeof p);
        memcpy(start[bi], start[run], sizeof p);
        start_rss[bi] = start_rss[run];
        memcpy(start[run], p, sizeof p);
        if (curve_nls(d, np, p, &r) == 0 && r < best) {
            best = r;
            coef[0] = fixed ? log(cap_n) : p[0];
            for (size_t i = (size_t)fixed; i < 3; i++)
                coef[i] = p[i - (size_t)fixed];
        }
    }
    return best;
}

static int fit_curve(fc_model_id m, const double *x, const double *yn, size_t n, double cap_n,
                     double *coef, double *rss)
{
    curve_data d = {.model = m, .x = x, .y = yn, .n = n};
    double *lx = malloc(n * sizeof *lx), *lz = malloc(n * sizeof *lz);
    double best = INFINITY;
    if (lx && lz)
        best = m == FC_MODEL_EXPONENTIAL ? fit_exponential(&d, lx, lz, coef)
                                         : fit_saturating(&d, cap_n, lx, lz, coef);
    free(lx);
    free(lz);
    if (!isfinite(best))
        return -1;
    *rss = best;
    return 0;
}

/* ---- polynomials: gsl_multifit_linear on (x / xscale)^j ---- */

static int fit_poly(const double *x, const double *y, size_t n, int degree, double xscale,
                    double *coef, double *rss)
{
    size_t p = (size_t)degree + 1;
    gsl_matrix *X = gsl_matrix_alloc(n, p);
    gsl_vector *yv = gsl_vector_alloc(n), *c = gsl_vector_alloc(p);
    gsl_matrix *cov = gsl_matrix_alloc(p, p);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, p);
    int rc = -1;
    if (X && yv && c && cov && w) {
        for (size_t i = 0; i < n; i++) {
            double v = 1, xs = x[i] / xscale;
            for (size_t j = 0; j < p; j++) {
                gsl_matrix_set(X, i, j, v);
                v *= xs;
            }
            gsl_vector_set(yv, i, y[i]);
        }
        double chisq;
        if (gsl_multifit_linear(X, yv, c, cov, &chisq, w) == GSL_SUCCESS && isfinite(chisq)) {
            for (size_t j = 0; j < p; j++)
                coef[j] = gsl_vector_get(c, j);
            *rss = chisq;
            rc = 0;
        }
    }
    gsl_matrix_free(X);
    gsl_vector_free(yv);
    gsl_vector_free(c);
    gsl_matrix_free(cov);
    if (w)
        gsl_multifit_linear_free(w);
    return rc;
}

/* ---- the common entry points ---- */

static int fit_polynomial(fc_model_id m, const double *x, const double *y, size_t n, fc_fit *f)
{
    int degree = m == FC_MODEL_LINEAR ? 1 : m == FC_MODEL_QUADRATIC ? 2 : 3;
    f->xscale = x[n - 1] > 0 ? x[n - 1] : 1;
    if (fit_poly(x, y, n, degree, f->xscale, f->coef, &f->rss) != 0)
        return -1;
    static const char *const names[] = {"c0", "c1", "c2", "c3"};
    for (int j = 0; j <= degree; j++)
        add_param(f, names[j], f->coef[j] / pow(f->xscale, j));
    return 0;
}

static int fit_growth_curve(fc_model_id m, const double *x, const double *yn, size_t n, double ys,
                            const fc_fit_options *o, fc_fit *f)
{
    double cap_n = (m == FC_MODEL_LOGISTIC && o->cap > 0) ? o->cap / ys : 0, rss;
    if (fit_curve(m, x, yn, n, cap_n, f->coef, &rss) != 0)
        return -1;
    f->coef[3] = ys; /* curves predict y / ys */
    f->rss = rss * ys * ys;
    if (m == FC_MODEL_EXPONENTIAL) {
        add_param(f, "a", exp(f->coef[0]) * ys);
        add_param(f, "b", f->coef[1]);
        add_param(f, "growth_per_period", exp(f->coef[1]) - 1);
    } else if (m == FC_MODEL_LOGISTIC) {
        add_param(f, "cap", exp(f->coef[0]) * ys);
        add_param(f, "rate", exp(f->coef[1]));
        add_param(f, "midpoint", f->t0 + f->coef[2] * f->step);
        add_param(f, "cap_given", o->cap > 0);
    } else {
        add_param(f, "cap", exp(f->coef[0]) * ys);
        add_param(f, "b", exp(f->coef[1]));
        add_param(f, "c", exp(f->coef[2]));
    }
    if (m != FC_MODEL_EXPONENTIAL && !(o->cap > 0) && exp(f->coef[0]) < 1.1)
        snprintf(f->note, sizeof f->note,
                 "saturation %.4g is within 10%% of the largest value: the curve says growth is "
                 "over",
                 exp(f->coef[0]) * ys);
    return 0;
}

static int fit_daily_model(const double *t, const double *y, size_t n, const fc_fit_options *o,
                           fc_fit *f, char *why, size_t whylen)
{
    f->log_space = 1;
    f->daily = fc_daily_fit(t, y, n, o->events, &f->rss, &f->k, why, whylen);
    if (!f->daily)
        return -1;
    add_param(f, "trend_per_year", exp(fc_daily_final_slope(f->daily)) - 1);
    add_param(f, "weekly_peak_to_trough", fc_daily_weekly_ratio(f->daily));
    for (size_t i = 0; o->events && i < o->events->nnames; i++) {
        double mult = fc_daily_event_multiplier(f->daily, i);
        char name[40];
        snprintf(name, sizeof name, "multiplier:%s", o->events->names[i]);
        if (isfinite(mult)) {
            add_param(f, name, mult);
        } else {
            size_t used = strlen(f->note);
            snprintf(f->note + used, sizeof f->note - used,
                     "%sfestival %s never occurs in the history: no effect learned",
                     used ? "; " : "", o->events->names[i]);
        }
    }
    for (size_t i = 0; i < n; i++)
        f->fitted[i] = fc_fit_predict(f, t[i]);
    return 0;
}

static int fit_seasonal_naive(const double *t, const double *y, size_t n, fc_fit *f, char *why,
                              size_t whylen)
{
    f->log_space = 1;
    for (int w = 0; w < 7; w++)
        f->last_by_weekday[w] = NAN;
    for (size_t i = 0; i < n; i++)
        f->last_by_weekday[fc_weekday((long)floor(t[i]))] = y[i];
    for (int w = 0; w < 7; w++) {
        if (!isfinite(f->last_by_weekday[w])) {
            snprintf(why, whylen, "needs every weekday in the history");
            return -1;
        }
    }
    /* In-sample: the value a week earlier (itself where there is none). */
    f->rss = 0;
    for (size_t i = 0, j = 0; i < n; i++) {
        while (j < i && t[j] < t[i] - 7 - 1e-9)
            j++;
        f->fitted[i] = (fabs(t[j] - (t[i] - 7)) < 1e-9) ? y[j] : y[i];
        double e = log(y[i] > 0 && f->fitted[i] > 0 ? y[i] / f->fitted[i] : 1);
        f->rss += e * e;
    }
    return 0;
}

static int needs_positive(fc_model_id m)
{
    return m == FC_MODEL_EXPONENTIAL || m == FC_MODEL_LOGISTIC || m == FC_MODEL_GOMPERTZ ||
           m == FC_MODEL_DAILY || m == FC_MODEL_DAMPED_LOG || m == FC_MODEL_DRIFT_LOG;
}

/* Checks N and the values against what M needs; fills F's bookkeeping. */
static int fit_prepare(fc_model_id m, const double *t, const double *y, size_t n,
                       const fc_fit_options *o, fc_fit *f, char *why, size_t whylen)
{
    memset(f, 0, sizeof *f);
    f->model = m;
    f->n = n;
    f->k = model_k(m, o);
    f->step = o->step > 0 ? o->step : 1;
    if (m == FC_MODEL_COMBINATION) {
        snprintf(why, whylen, "the combination is built by fc_forecast_series, not fitted");
        return -1;
    }
    size_t need = fc_model_min_points(m, o);
    if (n < need) {
        snprintf(why, whylen, "needs at least %zu points, have %zu", need, n);
        return -1;
    }
    f->t0 = t[0];
    f->tlast = t[n - 1];
    for (size_t i = 0; needs_positive(m) && i < n; i++) {
        if (!(y[i] > 0)) {
            snprintf(why, whylen, "needs positive values, found %g", y[i]);
            return -1;
        }
    }
    f->fitted = malloc(n * sizeof *f->fitted);
    if (!f->fitted) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

int fc_fit_model(fc_model_id m, const double *t, const double *y, size_t n,
                 const fc_fit_options *o, fc_fit *f, char *why, size_t whylen)
{
    gsl_set_error_handler_off();
    if (fit_prepare(m, t, y, n, o, f, why, whylen) != 0)
        return -1;
    double ys = 0;
    for (size_t i = 0; i < n; i++)
        ys = fmax(ys, fabs(y[i]));
    if (ys == 0)
        ys = 1;
    double *x = malloc(n * sizeof *x), *yn = malloc(n * sizeof *yn);
    int rc = -1;
    if (x && yn) {
        for (size_t i = 0; i < n; i++) {
            x[i] = (t[i] - f->t0) / f->step;
            yn[i] = y[i] / ys;
        }
        switch (m) {
        case FC_MODEL_LINEAR:
        case FC_MODEL_QUADRATIC:
        case FC_MODEL_CUBIC:
            rc = fit_polynomial(m, x, y, n, f);
            break;
        case FC_MODEL_EXPONENTIAL:
        case FC_MODEL_LOGISTIC:
        case FC_MODEL_GOMPERTZ:
            rc = fit_growth_curve(m, x, yn, n, ys, o, f);
            break;
        case FC_MODEL_DAILY:
            rc = fit_daily_model(t, y, n, o, f, why, whylen);
            break;
        case FC_MODEL_SEASONAL_NAIVE:
            rc = fit_seasonal_naive(t, y, n, f, why, whylen);
            break;
        default:
            rc = fc_smooth_fit(m, x, y, n, f, why, whylen);
            break;
        }
        if (rc == 0 && m <= FC_MODEL_GOMPERTZ)
            for (size_t i = 0; i < n; i++)
                f->fitted[i] = fc_fit_predict(f, t[i]);
    } else {
        snprintf(why, whylen, "out of memory");
    }
    free(x);
    free(yn);
    if (rc != 0) {
        if (!*why)
            snprintf(why, whylen, "the fit did not converge");
        fc_fit_free(f);
        return -1;
    }
    return 0;
}

double fc_fit_predict(const fc_fit *f, double t)
{
    double x = (t - f->t0) / f->step;
    switch (f->model) {
    case FC_MODEL_LINEAR:
    case FC_MODEL_QUADRATIC:
    case FC_MODEL_CUBIC: {
        int degree = f->model == FC_MODEL_LINEAR ? 1 : f->model == FC_MODEL_QUADRATIC ? 2 : 3;
        double xs = x / f->xscale, v = 0;
        for (int j = degree; j >= 0; j--)
            v = v * xs + f->coef[j];
        return v;
    }
    case FC_MODEL_EXPONENTIAL:
    case FC_MODEL_LOGISTIC:
    case FC_MODEL_GOMPERTZ:
        return curve_value(f->model, f->coef, 0, x) * f->coef[3];
    case FC_MODEL_HOLT_DAMPED:
    case FC_MODEL_DAMPED_LOG:
    case FC_MODEL_THETA:
    case FC_MODEL_DRIFT:
    case FC_MODEL_DRIFT_LOG:
    case FC_MODEL_SES_DRIFT:
    case FC_MODEL_NAIVE: {
        double h = round((t - f->tlast) / f->step);
        return fc_smooth_predict(f, h > 0 ? h : 0);
    }
    case FC_MODEL_DAILY:
        return exp(fc_daily_predict_log(f->daily, t));
    case FC_MODEL_SEASONAL_NAIVE:
        return f->last_by_weekday[fc_weekday((long)floor(t))];
    default:
        return NAN;
    }
}

double fc_fit_aicc(const fc_fit *f)
{
    double n = (double)f->n, k = f->k;
    if (f->model == FC_MODEL_SEASONAL_NAIVE || n - k - 1 <= 0 || !(f->rss >= 0))
        return NAN;
    double rss = f->rss > 0 ? f->rss : 1e-300;
    return n * log(rss / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1);
}

void fc_fit_free(fc_fit *f)
{
    free(f->fitted);
    f->fitted = NULL;
    if (f->daily)
        fc_daily_free(f->daily);
    f->daily = NULL;
}
