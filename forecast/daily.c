/* daily.c: see daily.h. The penalties are Gaussian priors in disguise:
 * lambda = sigma^2 / tau^2 with sigma^2 the residual variance of a first
 * pass, and tau how far a block is allowed to move (slope changes of ~0.3
 * log units a year, seasonal terms ~0.5, festivals ~1.5: a festival may
 * well triple traffic). Two passes: the first finds sigma^2, the second
 * uses it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "common/csvio.h"
#include "common/error.h"
#include "forecast/daily.h"
#include "forecast/series.h"

#define WEEKLY_K FC_DAILY_WEEKLY_K
#define YEARLY_K 4
#define TWO_PI 6.28318530717958647692

static int event_name(fc_events *ev, const char *name)
{
    for (size_t i = 0; i < ev->nnames; i++)
        if (strcmp(ev->names[i], name) == 0)
            return (int)i;
    char **bigger = realloc(ev->names, (ev->nnames + 1) * sizeof *bigger);
    if (!bigger)
        return -1;
    ev->names = bigger;
    ev->names[ev->nnames] = strdup(name);
    if (!ev->names[ev->nnames])
        return -1;
    return (int)ev->nnames++;
}

static int add_day(fc_events *ev, fc_event_day day)
{
    fc_event_day *bigger = realloc(ev->days, (ev->n + 1) * sizeof *bigger);
    if (!bigger)
        return -1;
    ev->days = bigger;
    ev->days[ev->n++] = day;
    return 0;
}

static int parse_month_day(const char *s, int *m, int *d)
{
    char extra;
    if (sscanf(s, "%2d-%2d%c", m, d, &extra) != 2 || *m < 1 || *m > 12 || *d < 1 || *d > 31)
        return -1;
    return 0;
}

int fc_events_add_recurring(fc_events *ev, const char *mmdd)
{
    int m, d;
    if (parse_month_day(mmdd, &m, &d) != 0) {
        crest_error("--event '%s': expected a month-day like 11-11", mmdd);
        return -1;
    }
    char name[8];
    snprintf(name, sizeof name, "%02d-%02d", m, d);
    int idx = event_name(ev, name);
    if (idx < 0 || add_day(ev, (fc_event_day){.month = m, .day = d, .name = idx}) != 0) {
        crest_error("out of memory");
        return -1;
    }
    return 0;
}

int fc_events_read(fc_events *ev, const char *path)
{
    csv_table tab;
    if (csv_table_read(path, &tab) != 0) {
        csv_table_free(&tab); /* csvio keeps the path when the open fails */
        return -1;
    }
    int dc = csv_table_column(&tab, "date"), nc = csv_table_column(&tab, "name");
    int rc = 0;
    if (dc < 0 || nc < 0) {
        crest_error_at(path, 1, "expected columns 'date' and 'name'");
        rc = -1;
    }
    for (size_t r = 0; rc == 0 && r < tab.nrows; r++) {
        const char *ds = csv_table_cell(&tab, r, (size_t)dc);
        const char *name = csv_table_cell(&tab, r, (size_t)nc);
        fc_event_day day = {0};
        double t;
        if (fc_time_parse(ds, FC_TIME_DATE, &t) == 0) {
            day.date = (long)t;
        } else if (parse_month_day(ds, &day.month, &day.day) != 0) {
            crest_error_at(path, tab.line[r],
                           "column 'date': expected a date like 2025-11-11 or a month-day "
                           "like 11-11, found '%s'",
                           ds);
            rc = -1;
            break;
        }
        if (!*name) {
            crest_error_at(path, tab.line[r], "column 'name': expected a festival name");
            rc = -1;
            break;
        }
        day.name = event_name(ev, name);
        if (day.name < 0 || add_day(ev, day) != 0) {
            crest_error("out of memory");
            rc = -1;
        }
    }
    csv_table_free(&tab);
    return rc;
}

void fc_events_free(fc_events *ev)
{
    for (size_t i = 0; i < ev->nnames; i++)
        free(ev->names[i]);
    free(ev->names);
    free(ev->days);
    memset(ev, 0, sizeof *ev);
}

int fc_events_on(const fc_events *ev, long days)
{
    if (!ev || !ev->n)
        return -1;
    int y, m, d;
    fc_civil_from_days(days, &y, &m, &d);
    for (size_t i = 0; i < ev->n; i++) {
        const fc_event_day *e = &ev->days[i];
        if (e->month ? (e->month == m && e->day == d) : e->date == days)
            return e->name;
    }
    return -1;
}

/* ---- the design row ---- */

static void design_row(const fc_daily *dm, double t, double *row)
{
    double x = (t - dm->t0) / 365.25;
    size_t c = 0;
    row[c++] = 1;
    row[c++] = x;
    for (size_t j = 0; j < dm->ncp; j++)
        row[c++] = x > dm->cp[j] ? x - dm->cp[j] : 0;
    double day = floor(t);
    /* sin/cos dominate the fit's cost: the weekly terms depend only on the
     * day of the week, and higher yearly harmonics follow from the first by
     * angle addition. */
    long w = (long)fmod(day, 7.0);
    if (w < 0)
        w += 7;
    for (int k = 0; k < WEEKLY_K; k++) {
        row[c++] = dm->week_sin[w][k];
        row[c++] = dm->week_cos[w][k];
    }
    if (dm->yearly) {
        double s1 = sin(TWO_PI * day / 365.25), c1 = cos(TWO_PI * day / 365.25);
        double sk = s1, ck = c1;
        for (int k = 1; k <= YEARLY_K; k++) {
            row[c++] = sk;
            row[c++] = ck;
            double sn = sk * c1 + ck * s1;
            ck = ck * c1 - sk * s1;
            sk = sn;
        }
    }
    int e = fc_events_on(dm->events, (long)day);
    for (size_t i = 0; i < dm->nevents; i++)
        if (dm->event_col[i] >= 0)
            row[dm->event_col[i]] = ((int)i == e) ? 1 : 0;
}

double fc_daily_predict_log(const fc_daily *dm, double t)
{
    double row[64];
    design_row(dm, t, row);
    double v = 0;
    for (size_t j = 0; j < dm->ncol; j++)
        v += row[j] * dm->beta[j];
    return v;
}

/* The normal equations G = X'X (upper triangle first, then mirrored) and
 * b = X'z, built once: the two ridge passes differ only in the penalties. */
static void normal_equations(const double *X, const double *z, size_t n, size_t p, gsl_matrix *G,
                             gsl_vector *b)
{
    for (size_t i = 0; i < n; i++) {
        const double *r = X + i * p;
        for (size_t a = 0; a < p; a++) {
            if (r[a] == 0)
                continue;
            for (size_t c = a; c < p; c++)
                G->data[a * G->tda + c] += r[a] * r[c];
            b->data[a] += r[a] * z[i];
        }
    }
    for (size_t a = 0; a < p; a++)
        for (size_t c = a + 1; c < p; c++)
            gsl_matrix_set(G, c, a, gsl_matrix_get(G, a, c));
}

/* One ridge solve (G + diag(lambda)) beta = b; RSS and the effective
 * degrees of freedom trace((G + Lambda)^-1 G) out. A is scratch. */
static int ridge_solve(const double *X, const double *z, size_t n, size_t p, const gsl_matrix *G,
                       const gsl_vector *b, const double *lambda, gsl_matrix *A, gsl_vector *sol,
                       double *beta, double *rss, double *edf)
{
    gsl_matrix_memcpy(A, G);
    for (size_t a = 0; a < p; a++)
        A->data[a * A->tda + a] += lambda[a];
    if (gsl_linalg_cholesky_decomp1(A) != 0 || gsl_linalg_cholesky_solve(A, b, sol) != 0)
        return -1;
    for (size_t j = 0; j < p; j++)
        beta[j] = gsl_vector_get(sol, j);
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double v = 0;
        for (size_t j = 0; j < p; j++)
            v += X[i * p + j] * beta[j];
        s += (z[i] - v) * (z[i] - v);
    }
    *rss = s;
    *edf = (double)p;
    if (gsl_linalg_cholesky_invert(A) == 0) {
        double tr = 0;
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c < p; c++)
                tr += gsl_matrix_get(A, a, c) * gsl_matrix_get(G, c, a);
        *edf = tr;
    }
    return 0;
}

/* Lays out the terms: weekly table, changepoints, yearly terms, and one
 * column per festival that occurs in the history. Returns the column
 * count, or 0 when out of memory. FIRST_EVENT gets the first festival
 * column. */
static size_t daily_layout(fc_daily *dm, const double *t, size_t n, const fc_events *ev,
                           size_t *first_event)
{
    for (int d = 0; d < 7; d++)
        for (int k = 0; k < WEEKLY_K; k++) {
            dm->week_sin[d][k] = sin(TWO_PI * (k + 1) * d / 7.0);
            dm->week_cos[d][k] = cos(TWO_PI * (k + 1) * d / 7.0);
        }
    double span_days = t[n - 1] - t[0];
    dm->ncp = (size_t)(span_days / 90);
    if (dm->ncp > 16)
        dm->ncp = 16;
    for (size_t j = 0; j < dm->ncp; j++)
        dm->cp[j] = 0.8 * span_days / 365.25 * (double)(j + 1) / (double)(dm->ncp + 1);
    dm->yearly = span_days >= 2 * 365;
    size_t p = 2 + dm->ncp + 2 * WEEKLY_K + (dm->yearly ? 2 * YEARLY_K : 0);
    *first_event = p;
    dm->nevents = ev ? ev->nnames : 0;
    dm->event_col = malloc((dm->nevents + 1) * sizeof *dm->event_col);
    if (!dm->event_col)
        return 0;
    for (size_t i = 0; i < dm->nevents; i++)
        dm->event_col[i] = -1;
    for (size_t i = 0; i < n; i++) {
        int e = fc_events_on(ev, (long)floor(t[i]));
        if (e >= 0 && dm->event_col[e] < 0)
            dm->event_col[e] = 0; /* seen; column assigned below in name order */
    }
    for (size_t i = 0; i < dm->nevents; i++)
        if (dm->event_col[i] == 0)
            dm->event_col[i] = (int)p++;
    dm->ncol = p;
    return p;
}

/* Ridge regression of Z on X (n x p) with per-block penalties, twice: the
 * second pass scales the penalties by the first pass's residual variance.
 * 0 or -1 (singular, out of memory). */
static int daily_solve(fc_daily *dm, const double *X, const double *z, size_t n, size_t p,
                       size_t first_event, double *rss, double *edf)
{
    double sigma2 = 0.01, *lambda = malloc(p * sizeof *lambda);
    gsl_matrix *G = gsl_matrix_calloc(p, p), *A = gsl_matrix_alloc(p, p);
    gsl_vector *b = gsl_vector_calloc(p), *sol = gsl_vector_alloc(p);
    int ok = G && A && b && sol && lambda;
    if (ok)
        normal_equations(X, z, n, p, G, b);
    for (int pass = 0; ok && pass < 2; pass++) {
        for (size_t j = 0; j < p; j++) {
            double tau;
            if (j < 2)
                tau = 1e3; /* level and base slope: effectively free */
            else if (j < 2 + dm->ncp)
                tau = 0.3;
            else if (j < first_event)
                tau = 0.5;
            else
                tau = 1.5;
            lambda[j] = sigma2 / (tau * tau);
        }
        ok = ridge_solve(X, z, n, p, G, b, lambda, A, sol, dm->beta, rss, edf) == 0;
        if (ok)
            sigma2 = fmax(*rss / fmax(1.0, (double)n - *edf), 1e-8);
    }
    gsl_matrix_free(G);
    gsl_matrix_free(A);
    gsl_vector_free(b);
    gsl_vector_free(sol);
    free(lambda);
    return ok ? 0 : -1;
}

fc_daily *fc_daily_fit(const double *t, const double *y, size_t n, const fc_events *ev,
                       double *rss_out, int *k_out, char *why, size_t whylen)
{
    fc_daily *dm = calloc(1, sizeof *dm);
    if (!dm) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    dm->t0 = t[0];
    dm->events = ev;
    size_t first_event, p = daily_layout(dm, t, n, ev, &first_event);
    if (!p) {
        fc_daily_free(dm);
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    if (p > 64 || n < p + 7) {
        snprintf(why, whylen, "needs at least %zu days for %zu terms, have %zu", p + 7, p, n);
        fc_daily_free(dm);
        return NULL;
    }
    double *X = malloc(n * p * sizeof *X), *z = malloc(n * sizeof *z), rss = 0, edf = 0;
    dm->beta = calloc(p, sizeof *dm->beta);
    int rc = -1;
    if (X && z && dm->beta) {
        for (size_t i = 0; i < n; i++) {
            design_row(dm, t[i], X + i * p);
            z[i] = log(y[i]);
        }
        rc = daily_solve(dm, X, z, n, p, first_event, &rss, &edf);
    }
    free(X);
    free(z);
    if (rc != 0) {
        snprintf(why, whylen, "the regression is singular (or out of memory)");
        fc_daily_free(dm);
        return NULL;
    }
    *rss_out = rss;
    *k_out = (int)ceil(edf);
    return dm;
}

double fc_daily_event_multiplier(const fc_daily *dm, size_t i)
{
    if (i >= dm->nevents || dm->event_col[i] < 0)
        return NAN;
    return exp(dm->beta[dm->event_col[i]]);
}

double fc_daily_final_slope(const fc_daily *dm)
{
    double s = dm->beta[1];
    for (size_t j = 0; j < dm->ncp; j++)
        s += dm->beta[2 + j];
    return s;
}

double fc_daily_weekly_ratio(const fc_daily *dm)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t base = 2 + dm->ncp;
    for (int d = 0; d < 7; d++) {
        double v = 0;
        for (int k = 1; k <= WEEKLY_K; k++)
            v += dm->beta[base + 2 * (k - 1)] * sin(TWO_PI * k * d / 7.0) +
                 dm->beta[base + 2 * (k - 1) + 1] * cos(TWO_PI * k * d / 7.0);
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    return exp(hi - lo);
}

void fc_daily_free(fc_daily *dm)
{
    if (!dm)
        return;
    free(dm->beta);
    free(dm->event_col);
    free(dm);
}
