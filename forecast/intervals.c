/* intervals.c: see intervals.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "forecast/intervals.h"

#define EMPIRICAL_MIN 30
#define RMS_MIN 3

/* Band from a set of scaled errors Q (sorted in place). */
static void band_from(double *q, size_t m, fc_band *b, int *empirical)
{
    if (m >= EMPIRICAL_MIN) {
        gsl_sort(q, 1, m);
        b->lo95 = gsl_stats_quantile_from_sorted_data(q, 1, m, 0.025);
        b->hi95 = gsl_stats_quantile_from_sorted_data(q, 1, m, 0.975);
        b->lo80 = gsl_stats_quantile_from_sorted_data(q, 1, m, 0.10);
        b->hi80 = gsl_stats_quantile_from_sorted_data(q, 1, m, 0.90);
        /* The band must hold the point forecast itself. */
        b->lo95 = fmin(b->lo95, 0);
        b->lo80 = fmin(b->lo80, 0);
        b->hi95 = fmax(b->hi95, 0);
        b->hi80 = fmax(b->hi80, 0);
        *empirical = 1;
        return;
    }
    double ss = 0;
    for (size_t i = 0; i < m; i++)
        ss += q[i] * q[i];
    double rms = sqrt(ss / (double)m);
    double t80 = gsl_cdf_tdist_Pinv(0.90, (double)m), t95 = gsl_cdf_tdist_Pinv(0.975, (double)m);
    b->lo80 = -t80 * rms;
    b->hi80 = t80 * rms;
    b->lo95 = -t95 * rms;
    b->hi95 = t95 * rms;
    *empirical = 0;
}

static void scale_band(fc_band *b, double f)
{
    b->lo80 *= f;
    b->hi80 *= f;
    b->lo95 *= f;
    b->hi95 *= f;
}

static void widen_to(fc_band *b, const fc_band *w)
{
    b->lo80 = fmin(b->lo80, w->lo80);
    b->hi80 = fmax(b->hi80, w->hi80);
    b->lo95 = fmin(b->lo95, w->lo95);
    b->hi95 = fmax(b->hi95, w->hi95);
}

/* The errors at step H from origins >= FROM into Q; the count. */
static size_t errors_at(const fc_backtest *bt, size_t h, size_t from, double *q)
{
    size_t m = 0;
    for (size_t i = 0; i < bt->nerr; i++)
        /* A festival the fit had never seen is a miss the forecast (whose
         * festivals were all seen) cannot make. */
        if (bt->err[i].step == h && bt->err[i].origin >= from && bt->err[i].event >= 0)
            q[m++] = bt->err[i].q;
    return m;
}

/* No backtest at all: in-sample residuals, t with few df. */
static void residual_bands(fc_interval_table *it, double resid_q)
{
    double t95 = gsl_cdf_tdist_Pinv(0.975, 2), t80 = gsl_cdf_tdist_Pinv(0.90, 2);
    for (size_t h = 1; h <= it->H; h++) {
        double r = resid_q * sqrt((double)h);
        it->step[h - 1] = (fc_band){-t80 * r, t80 * r, -t95 * r, t95 * r};
    }
    snprintf(it->method, sizeof it->method,
             "in-sample residuals x t(2): no backtest errors (series too short), the band is "
             "likely too narrow");
}

/* A step the backtest did not reach: the nearest measured one below (or
 * above), grown by sqrt(h / h_measured). Returns how many were filled. */
static size_t fill_unmeasured(fc_interval_table *it, const int *measured)
{
    size_t H = it->H, n = 0;
    for (size_t h = 1; h <= H; h++) {
        if (measured[h - 1])
            continue;
        size_t from = 0;
        for (size_t g = h; g-- > 0 && !from;)
            if (measured[g])
                from = g + 1;
        for (size_t g = h; g < H && !from; g++)
            if (measured[g])
                from = g + 1;
        it->step[h - 1] = it->step[from - 1];
        if (from < h)
            scale_band(&it->step[h - 1], sqrt((double)h / (double)from));
        n++;
    }
    return n;
}

/* Festival days: the errors of every backtest forecast that landed on one
 * whose festival the fit had seen. The same festival seen from several
 * origins is one piece of evidence, not several: the t's degrees of
 * freedom count distinct days. Q is scratch space for bt->nerr values. */
static void festival_band(const fc_backtest *bt, double *q, fc_interval_table *it)
{
    size_t me = 0, ndays = 0;
    double ss = 0;
    for (size_t i = 0; i < bt->nerr; i++) {
        if (bt->err[i].event != 1)
            continue;
        ss += bt->err[i].q * bt->err[i].q;
        q[me++] = (double)bt->err[i].target;
    }
    gsl_sort(q, 1, me);
    for (size_t i = 0; i < me; i++)
        ndays += i == 0 || q[i] != q[i - 1];
    if (ndays < 2)
        return;
    double rms = sqrt(ss / (double)me);
    double t80 = gsl_cdf_tdist_Pinv(0.90, (double)ndays);
    double t95 = gsl_cdf_tdist_Pinv(0.975, (double)ndays);
    it->event = (fc_band){-t80 * rms, t80 * rms, -t95 * rms, t95 * rms};
    it->has_event = 1;
}

int fc_intervals_build(const fc_backtest *bt, size_t H, double resid_q, size_t from_origin,
                       fc_interval_table *it)
{
    memset(it, 0, sizeof *it);
    it->H = H;
    it->step = calloc(H + 1, sizeof *it->step);
    double *q = malloc((bt->nerr + 1) * sizeof *q);
    int *measured = calloc(H + 1, sizeof *measured);
    if (!it->step || !q || !measured) {
        free(q);
        free(measured);
        fc_intervals_free(it);
        return -1;
    }
    size_t nempirical = 0, nrms = 0, nextra = 0, nmeasured = 0, nall = 0;
    for (size_t h = 1; h <= H; h++) {
        size_t m = errors_at(bt, h, from_origin, q);
        if (m < RMS_MIN) {
            m = errors_at(bt, h, 0, q);
            nall += m >= RMS_MIN;
        }
        if (m >= RMS_MIN) {
            int emp;
            band_from(q, m, &it->step[h - 1], &emp);
            measured[h - 1] = 1;
            nmeasured++;
            nempirical += emp;
            nrms += !emp;
        }
    }
    if (!nmeasured) {
        residual_bands(it, resid_q);
    } else {
        nextra = fill_unmeasured(it, measured);
    }
    for (size_t h = 2; h <= H; h++)
        widen_to(&it->step[h - 1], &it->step[h - 2]);
    festival_band(bt, q, it);
    free(q);
    free(measured);
    if (nmeasured)
        snprintf(it->method, sizeof it->method,
                 "from the backtest's misses at each step ahead: %zu step%s from their "
                 "quantiles (30+ misses), %zu from their spread widened for the few misses "
                 "seen (Student's t), %zu extended from the last measured step%s%s",
                 nempirical, nempirical == 1 ? "" : "s", nrms, nextra,
                 nall ? " (steps with too few recent misses use all origins)" : "",
                 it->has_event ? "; festival days also from past festival-day misses"
                               : "; festival days (if any): the band x sqrt(2), fewer than two "
                                 "past festival days could be measured");
    return 0;
}

void fc_intervals_free(fc_interval_table *it)
{
    free(it->step);
    memset(it, 0, sizeof *it);
}

void fc_band_apply(const fc_band *b, double mean, double scale, int log_space, double *lo80,
                   double *hi80, double *lo95, double *hi95)
{
    if (log_space) {
        *lo80 = mean * exp(b->lo80);
        *hi80 = mean * exp(b->hi80);
        *lo95 = mean * exp(b->lo95);
        *hi95 = mean * exp(b->hi95);
    } else {
        *lo80 = mean + b->lo80 * scale;
        *hi80 = mean + b->hi80 * scale;
        *lo95 = mean + b->lo95 * scale;
        *hi95 = mean + b->hi95 * scale;
    }
}
