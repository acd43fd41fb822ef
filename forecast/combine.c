/* combine.c: see combine.h. The tuning constants were first chosen on the
 * M1 and tourism yearly benchmarks (bench/forecast.sh) and the Tmall
 * rolling origin; PRIOR_VAR was later re-chosen on M1 alone (the
 * development set: a grid over PRIOR_VAR, WEIGHT_POWER and CUTOFF, best
 * M1 MASE), tourism kept as the held-out check; docs/forecast.md gives the
 * figures. The one-standard-error rule for polynomial degrees has no
 * constant of its own: one standard error is the textbook threshold. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/combine.h"

/* The log score's prior variance (how far the evidence may move a method
 * from its usual level), and the floor of the per-forecast
 * log-ratio variance: a member that happened to be consistently good over
 * three forecasts is not trusted as if it always will be (also the
 * variance assumed when there is only one forecast). */
#define PRIOR_VAR 0.5
#define NOISE_VAR_MIN 0.25
/* Backtest forecasts from neighbouring origins share most of their data:
 * they count as at most this many independent pieces of evidence. */
#define EFFECTIVE_MAX 5.0
/* Added to both scaled errors before their log ratio (two near-exact
 * forecasts are a tie, not a 100x difference). */
#define LOG_EPS 0.05
/* Weight = score^-POWER, for members within CUTOFF x the best score. */
#define WEIGHT_POWER 4.0
#define CUTOFF 1.5

/* Prior relative error (vs naive) of each method on short yearly series,
 * from the M1, M3, M4 and tourism competitions: drift and theta are the
 * safest; the damped trends win often but lose big (on tourism they are
 * 25% worse than drift), so they need strong evidence; the naive forecast
 * is the reference; a growth curve must earn its place with evidence.
 * (Tuned on M1 and tourism with bench/forecast.sh: docs/forecast.md.) */
static double prior_score(fc_model_id m)
{
    switch (m) {
    case FC_MODEL_DRIFT: return 0.9;
    case FC_MODEL_SES_DRIFT: return 0.9; /* nests drift (alpha = 1); as good on M1 */
    case FC_MODEL_THETA: return 1.0;
    case FC_MODEL_NAIVE: return 1.3;
    case FC_MODEL_HOLT_DAMPED:
    case FC_MODEL_DAMPED_LOG: return 2.0;
    case FC_MODEL_DRIFT_LOG: return 1.5;
    default: return 1.6;
    }
}

/* The error of BT at (ORIGIN, TARGET), or NULL: errors are sorted by
 * origin, then target. */
static const fc_bt_error *find_error(const fc_backtest *bt, size_t origin, size_t target)
{
    size_t lo = 0, hi = bt->nerr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const fc_bt_error *e = &bt->err[mid];
        if (e->origin < origin || (e->origin == origin && e->target < target))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < bt->nerr && bt->err[lo].origin == origin && bt->err[lo].target == target)
        return &bt->err[lo];
    return NULL;
}

static int has_origin(const fc_backtest *bt, size_t origin)
{
    size_t lo = 0, hi = bt->nerr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bt->err[mid].origin < origin)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < bt->nerr && bt->err[lo].origin == origin;
}

/* Sums over the forecasts of BT whose actual was known before ORIGIN and
 * that REF made too (every one when REF is NULL: then against 1): the
 * per-forecast log ratio of their absolute scaled errors. */
typedef struct log_ratios {
    double sum, sumsq;   /* of the log ratios */
    double own, base;    /* of the two absolute scaled errors */
    size_t count;
} log_ratios;

static log_ratios collect_log_ratios(const fc_backtest *bt, const fc_backtest *ref, size_t origin)
{
    log_ratios lr = {0};
    for (size_t i = 0; i < bt->nerr; i++) {
        const fc_bt_error *e = &bt->err[i];
        if (e->target >= origin)
            continue;
        const fc_bt_error *r = ref ? find_error(ref, e->origin, e->target) : e;
        if (!r)
            continue;
        double rb = ref ? r->ase : 1;
        double d = log((e->ase + LOG_EPS) / (rb + LOG_EPS));
        lr.sum += d;
        lr.sumsq += d * d;
        lr.own += e->ase;
        lr.base += rb;
        lr.count++;
    }
    return lr;
}

/* Their sample variance; NAN with fewer than two. */
static double log_ratio_var(const log_ratios *lr)
{
    double c = (double)lr->count;
    return lr->count > 1 ? (lr->sumsq - lr->sum * lr->sum / c) / (c - 1) : NAN;
}

/* The variance of the mean of COUNT log ratios whose sample variance is
 * VAR: at least NOISE_VAR_MIN per forecast (also when VAR is unknown), and
 * at most EFFECTIVE_MAX independent forecasts. */
static double mean_noise(double var, size_t count)
{
    return fmax(isfinite(var) ? var : NOISE_VAR_MIN, NOISE_VAR_MIN) /
           fmin((double)count, EFFECTIVE_MAX);
}

/* Relative error of member M against REF on the forecasts both made whose
 * actual was known before ORIGIN: the mean and variance of the per-forecast
 * log ratio of their absolute scaled errors. */
static void relative_error(fc_member *m, const fc_backtest *ref, size_t origin, double *mean,
                           double *var)
{
    log_ratios lr = collect_log_ratios(m->bt, ref, origin);
    m->nrel = lr.count;
    m->rel = lr.count && lr.base > 0 ? lr.own / lr.base : NAN;
    *mean = lr.count ? lr.sum / (double)lr.count : 0;
    *var = log_ratio_var(&lr);
}

/* Polynomial degree of M (1-3); 0 for the methods that are not
 * polynomials. */
static int poly_degree(fc_model_id m)
{
    switch (m) {
    case FC_MODEL_LINEAR: return 1;
    case FC_MODEL_QUADRATIC: return 2;
    case FC_MODEL_CUBIC: return 3;
    default: return 0;
    }
}

/* The one-standard-error rule for nested models (Breiman et al. 1984;
 * Hastie, Tibshirani & Friedman, The Elements of Statistical Learning,
 * 7.10): of models that nest each other, prefer the simpler unless the
 * more complex one's error is lower by more than one standard error. A
 * polynomial of degree d nests every lower degree; so a polynomial gets no
 * weight when, on the backtest forecasts it shares with a lower-degree one
 * (known before ORIGIN), its mean log error ratio to that one is not below
 * minus one standard error. A single forecast's variance is unknown: it
 * counts as NOISE_VAR_MIN, as in the score. Lower degrees are tried
 * first; kept_out_by names the first that keeps M[i] out. */
static void apply_parsimony(fc_member *m, size_t n, size_t origin)
{
    for (size_t i = 0; i < n; i++) {
        int deg = poly_degree(m[i].model);
        if (!m[i].bt || deg < 2 || !isfinite(m[i].score))
            continue;
        for (int lower = deg - 1; lower >= 1 && m[i].kept_out_by < 0; lower--) {
            for (size_t j = 0; j < n; j++) {
                if (!m[j].bt || poly_degree(m[j].model) != lower)
                    continue;
                log_ratios lr = collect_log_ratios(m[i].bt, m[j].bt, origin);
                if (!lr.count)
                    continue;
                double mean = lr.sum / (double)lr.count;
                double se = sqrt(mean_noise(log_ratio_var(&lr), lr.count));
                if (mean > -se) {
                    m[i].kept_out_by = (int)j;
                    m[i].simpler_ratio = exp(mean);
                    m[i].simpler_se = se;
                    m[i].simpler_n = lr.count;
                }
                break;
            }
        }
    }
}

size_t fc_combine_weights(fc_member *m, size_t n, int naive, size_t origin)
{
    const fc_backtest *ref = naive >= 0 ? m[naive].bt : NULL;
    for (size_t i = 0; i < n; i++) {
        m[i].weight = 0;
        m[i].score = INFINITY;
        m[i].kept_out_by = -1;
        if (!m[i].bt) /* not available at this origin */
            continue;
        double mean, var, prior = log(m[i].prior > 0 ? m[i].prior : prior_score(m[i].model));
        relative_error(&m[i], ref, origin, &mean, &var);
        if (m[i].nrel) {
            /* Normal prior on the log score, normal noise: the posterior mean. */
            double noise = mean_noise(var, m[i].nrel);
            m[i].score = exp((PRIOR_VAR * mean + noise * prior) / (PRIOR_VAR + noise));
        } else if (!m[i].curve) {
            m[i].score = exp(prior);
        }
    }
    apply_parsimony(m, n, origin);
    double best = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (m[i].kept_out_by < 0 && m[i].score < best)
            best = m[i].score;
    /* kept_out_by names the rule only where it made the difference: a
     * member the cut-off leaves out anyway is not reported. */
    for (size_t i = 0; i < n; i++)
        if (m[i].kept_out_by >= 0 && !(m[i].score <= best * CUTOFF))
            m[i].kept_out_by = -1;
    size_t used = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].kept_out_by >= 0 || !(m[i].score <= best * CUTOFF))
            continue;
        m[i].weight = pow(m[i].score > 1e-9 ? m[i].score : 1e-9, -WEIGHT_POWER);
        sum += m[i].weight;
        used++;
    }
    for (size_t i = 0; i < n && sum > 0; i++)
        m[i].weight /= sum;
    return used;
}

double fc_combine_value(const double *f, const double *w, size_t n)
{
    double s = 0, sw = 0;
    for (size_t i = 0; i < n; i++) {
        s += w[i] * f[i];
        sw += w[i];
    }
    if (!(sw > 0))
        return NAN;
    return s / sw;
}

/* Combined forecast at (ORIGIN, TARGET) from the members that made one. */
static double combined_at(const fc_member *m, size_t nm, size_t origin, size_t target)
{
    double f[FC_MODEL_COUNT], w[FC_MODEL_COUNT];
    size_t c = 0;
    for (size_t i = 0; i < nm; i++) {
        if (!(m[i].weight > 0))
            continue;
        const fc_bt_error *e = find_error(m[i].bt, origin, target);
        if (!e)
            continue;
        f[c] = e->forecast;
        w[c++] = m[i].weight;
    }
    return fc_combine_value(f, w, c);
}

int fc_combine_backtest(fc_member *m, size_t nm, int naive, const double *t, const double *y,
                        size_t n, const fc_fit_options *o, size_t H, fc_backtest *bt)
{
    memset(bt, 0, sizeof *bt);
    bt->H = H;
    int log_space = 1;
    for (size_t i = 0; i < n; i++)
        log_space = log_space && y[i] > 0;
    size_t cap = n * H + 1;
    const fc_backtest **saved = malloc((nm + 1) * sizeof *saved);
    bt->err = malloc(cap * sizeof *bt->err);
    if (!bt->err || !saved) {
        free(saved);
        fc_backtest_free(bt);
        return -1;
    }
    for (size_t i = 0; i < nm; i++)
        saved[i] = m[i].bt;
    double step = o->step > 0 ? o->step : 1;
    for (size_t k = 1; k < n; k++) {
        size_t navail = 0;
        for (size_t i = 0; i < nm; i++) {
            m[i].bt = saved[i] && has_origin(saved[i], k) ? saved[i] : NULL;
            navail += m[i].bt != NULL;
        }
        if (!navail)
            continue;
        /* The reference must stay visible to score the others. */
        if (naive >= 0 && !m[naive].bt)
            continue;
        if (!fc_combine_weights(m, nm, naive, k))
            continue;
        if (!bt->norigins || k < bt->first_origin)
            bt->first_origin = k;
        bt->norigins++;
        double scale = fc_mase_scale(y, k, 1), local = fc_local_scale(y, k, 1);
        for (size_t j = k; j < n; j++) {
            double h = round((t[j] - t[k - 1]) / step);
            if (h < 1)
                continue;
            if (h > (double)H)
                break;
            fc_bt_error e = {.origin = k, .target = j, .step = (size_t)h,
                             .forecast = combined_at(m, nm, k, j), .actual = y[j]};
            fc_backtest_record(bt, &e, scale, local, log_space, cap);
        }
    }
    for (size_t i = 0; i < nm; i++)
        m[i].bt = saved[i];
    free(saved);
    fc_backtest_summarize(bt);
    return 0;
}
