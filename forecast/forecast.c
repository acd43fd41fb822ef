/* forecast.c: see forecast.h. Models are compared on the forecasts they
 * all made (origins from the latest first origin among them): a cubic that
 * needs six points must not look better than a line merely because it was
 * never asked to forecast from four. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/combine.h"
#include "forecast/forecast.h"
#include "forecast/smooth.h"

/* The combination's intervals use its backtest errors from the later half
 * of its origins (see fc_forecast_series). */
#define INTERVAL_SKIP_PCT 50
/* The blend with SES with drift is made only when the combination and it
 * share this many backtest forecasts: fewer say nothing about which is
 * better (it is also where the score counts the evidence in full,
 * combine.c's EFFECTIVE_MAX), and the first stage's priors already know
 * the random walk's usual standing. */
#define BLEND_MIN_FORECASTS 5
#define FESTIVAL_UNMEASURED_WIDEN 1.4142135623730951

static size_t append(char *buf, size_t len, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t len, size_t used, const char *fmt, ...)
{
    if (used >= len)
        return used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    return n > 0 ? used + (size_t)n : used;
}

static void select_model(const fc_series *s, fc_result *r)
{
    size_t common = 0, nbt = 0;
    for (size_t i = 0; i < r->nmodels; i++) {
        const fc_model_result *m = &r->models[i];
        if (m->fitted && m->bt.nerr) {
            nbt++;
            if (m->bt.first_origin > common)
                common = m->bt.first_origin;
        }
    }
    int best = -1, second = -1;
    if (nbt) {
        for (size_t i = 0; i < r->nmodels; i++) {
            fc_model_result *m = &r->models[i];
            if (!m->fitted || !m->bt.nerr)
                continue;
            m->common_mase = fc_backtest_mase_from(&m->bt, common, &m->common_n);
            if (!isfinite(m->common_mase))
                continue;
            if (best < 0 || m->common_mase < r->models[best].common_mase) {
                second = best;
                best = (int)i;
            } else if (second < 0 || m->common_mase < r->models[second].common_mase) {
                second = (int)i;
            }
        }
    }
    if (best >= 0) {
        const fc_model_result *b = &r->models[best];
        size_t u = append(r->reason, sizeof r->reason, 0,
                          "lowest rolling-origin backtest MASE %.3g over the %zu forecasts every "
                          "model made (fits on the first %zu+ points)",
                          b->common_mase, b->common_n, common);
        if (second >= 0)
            u = append(r->reason, sizeof r->reason, u, "; runner-up %s at %.3g",
                       fc_model_name(r->models[second].model), r->models[second].common_mase);
        if (isfinite(b->bt.bias_pct) && fabs(b->bt.bias_pct) >= 5)
            append(r->reason, sizeof r->reason, u,
                   "; note: it %s by %.1f%% on average in the backtest",
                   b->bt.bias_pct > 0 ? "undershot" : "overshot", fabs(b->bt.bias_pct));
        r->selected = best;
        return;
    }
    /* No backtest: the lowest AICc (only growth curves, all in raw space). */
    for (size_t i = 0; i < r->nmodels; i++) {
        const fc_model_result *m = &r->models[i];
        if (m->fitted && isfinite(m->aicc) && (best < 0 || m->aicc < r->models[best].aicc))
            best = (int)i;
    }
    if (best < 0)
        for (size_t i = 0; i < r->nmodels && best < 0; i++)
            if (r->models[i].fitted)
                best = (int)i;
    if (best >= 0) {
        snprintf(r->reason, sizeof r->reason,
                 "no backtest possible with %zu points: lowest AICc (%.4g); intervals come from "
                 "in-sample residuals and are likely too narrow",
                 s->n, r->models[best].aicc);
        r->selected = best;
    }
}

int fc_horizon_steps(double last_t, double at_t, double step, size_t *steps)
{
    double n = ceil((at_t - last_t) / step - 1e-9);
    if (!(n >= 1))
        return -1;
    *steps = (size_t)n;
    return 0;
}

/* Fits and backtests every model of the family (or the forced one). */
static int fit_models(const fc_series *s, const fc_run_options *o, size_t H, fc_result *r)
{
    for (int m = 0; m < FC_MODEL_COUNT; m++) {
        if (o->forced >= 0 ? m != o->forced : fc_model_family((fc_model_id)m) != o->family)
            continue;
        if (m == FC_MODEL_COMBINATION)
            continue;
        if (m == FC_MODEL_SEASONAL_NAIVE && o->forced < 0 && o->fit.step != 1)
            continue; /* the weekly baseline only makes sense for daily steps */
        fc_model_result *mr = &r->models[r->nmodels++];
        mr->model = (fc_model_id)m;
        mr->aicc = mr->common_mase = mr->rel = mr->score = NAN;
        if (fc_fit_model(mr->model, s->t, s->y, s->n, &o->fit, &mr->fit, mr->why, sizeof mr->why) != 0)
            continue;
        mr->fitted = 1;
        mr->aicc = fc_fit_aicc(&mr->fit);
        if (fc_backtest_run(mr->model, s->t, s->y, s->n, &o->fit, H, &mr->bt) != 0)
            return -1;
    }
    return 0;
}

static int is_curve(fc_model_id m)
{
    return m <= FC_MODEL_GOMPERTZ;
}

/* The combination's reason: the members that got weight, best first, with
 * the numbers their weight came from. */
static void combination_reason(fc_result *r, const fc_model_result *c)
{
    size_t u = append(r->reason, sizeof r->reason, 0, "combination of ");
    int shown[FC_MODEL_COUNT] = {0};
    for (size_t k = 0; k < r->nmodels; k++) {
        int best = -1;
        for (size_t i = 0; i < r->nmodels; i++)
            if (!shown[i] && r->models[i].model != FC_MODEL_COMBINATION &&
                r->models[i].weight > 0 &&
                (best < 0 || r->models[i].weight > r->models[best].weight))
                best = (int)i;
        if (best < 0)
            break;
        shown[best] = 1;
        const fc_model_result *m = &r->models[best];
        u = append(r->reason, sizeof r->reason, u, "%s%s %.0f%%", k ? ", " : "",
                   fc_model_name(m->model), 100 * m->weight);
        if (m->nrel)
            u = append(r->reason, sizeof r->reason, u, " (backtest error %.2f x naive's over %zu "
                       "forecasts, score %.2f)", m->rel, m->nrel, m->score);
        else
            u = append(r->reason, sizeof r->reason, u, " (no backtest yet, score %.2f)", m->score);
    }
    u = append(r->reason, sizeof r->reason, u,
               "; a method's score is its backtest error relative to naive's, pulled towards "
               "its usual level on yearly data; weight ~ 1/score^4, scores above 1.5 x the "
               "best get none");
    if (r->blended)
        u = append(r->reason, sizeof r->reason, u,
                   "; then that weighted mix was blended with ses-drift the same way: its "
                   "backtest error was %.2f x ses-drift's over %zu forecasts (score %.2f), so it "
                   "kept %.0f%% and ses-drift %.0f%% (included in the shares above)",
                   r->blend_rel, r->blend_nrel, r->blend_score, 100 * r->blend_share,
                   100 * (1 - r->blend_share));
    else if (r->blend_nrel)
        u = append(r->reason, sizeof r->reason, u,
                   "; not blended with ses-drift: the two share only %zu backtest forecasts "
                   "(%d needed)", r->blend_nrel, BLEND_MIN_FORECASTS);
    if (isfinite(c->bt.mase))
        append(r->reason, sizeof r->reason, u, "; the combination's own backtest: MAPE %.3g%%",
               c->bt.mape);
}

/* Appends to R's reason the polynomials that the one-standard-error rule
 * kept out (combine.c), with the numbers. */
static void parsimony_reason(fc_result *r, const fc_member *mem, size_t nm)
{
    size_t u = strlen(r->reason);
    int first = 1;
    for (size_t i = 0; i < nm; i++) {
        if (mem[i].kept_out_by < 0)
            continue;
        const fc_member *s = &mem[mem[i].kept_out_by];
        u = append(r->reason, sizeof r->reason, u,
                   "%s%s (its error %.2f x %s's on the %zu forecast%s both made, not lower "
                   "by one standard error, %.2f in logs)",
                   first ? "; left out by the one-standard-error rule (a higher-degree "
                           "polynomial must beat the lower degree it extends): "
                         : ", ",
                   fc_model_name(mem[i].model), mem[i].simpler_ratio, fc_model_name(s->model),
                   mem[i].simpler_n, mem[i].simpler_n == 1 ? "" : "s", mem[i].simpler_se);
        first = 0;
    }
}

/* The weighted combination, then a second, two-member combination of it
 * with SES with drift (the anchor), scored the same way against the
 * anchor on the forecasts both made, with equal priors: the weights of
 * the first stage are estimated from a few backtest forecasts, and
 * estimated weights lose to simple benchmarks when the estimation error
 * is large (the forecast combination puzzle, Smith & Wallis 2009), so the
 * weighted combination has to show on its own honest backtest (weights
 * from the past only) that it beats the simple method before it gets
 * more than an even share. Folds the blend into the members' weights
 * (the anchor's share added to SES with drift's) and replaces C's
 * backtest with the blend's. 0, or -1 (out of memory). */
static int blend_with_anchor(const fc_series *s, const fc_run_options *o, size_t H,
                             fc_member *mem, size_t nm, fc_model_result *c, fc_result *r)
{
    int anchor = -1;
    for (size_t i = 0; i < nm; i++)
        if (mem[i].model == FC_MODEL_SES_DRIFT && mem[i].bt && mem[i].bt->nerr)
            anchor = (int)i;
    if (anchor < 0 || !c->bt.nerr)
        return 0;
    fc_member two[2] = {
        {.model = FC_MODEL_COMBINATION, .bt = &c->bt, .prior = 1},
        {.model = FC_MODEL_SES_DRIFT, .bt = mem[anchor].bt, .prior = 1},
    };
    fc_backtest blended;
    if (fc_combine_backtest(two, 2, 1, s->t, s->y, s->n, &o->fit, H, &blended) != 0)
        return -1;
    size_t used = blended.nerr ? fc_combine_weights(two, 2, 1, s->n) : 0;
    r->blend_nrel = used ? two[0].nrel : 0;
    if (!used || two[0].nrel < BLEND_MIN_FORECASTS) {
        fc_backtest_free(&blended);
        return 0;
    }
    for (size_t i = 0; i < nm; i++)
        mem[i].weight *= two[0].weight;
    mem[anchor].weight += two[1].weight;
    fc_backtest_free(&c->bt);
    c->bt = blended;
    r->blended = 1;
    r->blend_share = two[0].weight;
    r->blend_rel = two[0].rel;
    r->blend_score = two[0].score;
    return 0;
}

/* Auto for the growth family: the combination, added as one more model. */
static int build_combination(const fc_series *s, const fc_run_options *o, size_t H, fc_result *r)
{
    fc_member mem[FC_MODEL_COUNT];
    size_t idx[FC_MODEL_COUNT], nm = 0;
    int naive = -1;
    for (size_t i = 0; i < r->nmodels; i++) {
        const fc_model_result *m = &r->models[i];
        if (!m->fitted)
            continue;
        if (m->model == FC_MODEL_NAIVE)
            naive = (int)nm;
        mem[nm] = (fc_member){.model = m->model, .bt = &m->bt, .curve = is_curve(m->model)};
        idx[nm++] = i;
    }
    if (!nm)
        return 1;
    fc_model_result *c = &r->models[r->nmodels];
    memset(c, 0, sizeof *c);
    c->model = FC_MODEL_COMBINATION;
    c->aicc = c->common_mase = c->rel = c->score = NAN;
    if (fc_combine_backtest(mem, nm, naive, s->t, s->y, s->n, &o->fit, H, &c->bt) != 0)
        return -1;
    fc_combine_weights(mem, nm, naive, s->n);
    if (blend_with_anchor(s, o, H, mem, nm, c, r) != 0) {
        fc_backtest_free(&c->bt);
        return -1;
    }
    c->fit.fitted = calloc(s->n, sizeof *c->fit.fitted);
    if (!c->fit.fitted) {
        fc_backtest_free(&c->bt);
        return -1;
    }
    r->nmodels++;
    c->fitted = 1;
    c->weight = 1;
    c->fit.model = FC_MODEL_COMBINATION;
    c->fit.n = s->n;
    c->fit.log_space = 1;
    for (size_t i = 0; i < s->n; i++)
        c->fit.log_space = c->fit.log_space && s->y[i] > 0;
    for (size_t j = 0; j < nm; j++) {
        fc_model_result *m = &r->models[idx[j]];
        m->rel = mem[j].rel;
        m->nrel = mem[j].nrel;
        m->score = mem[j].score;
        m->weight = mem[j].weight;
        if (!(m->weight > 0))
            continue;
        char name[40];
        snprintf(name, sizeof name, "weight:%s", fc_model_name(m->model));
        if (c->fit.nparam < FC_MAX_PARAMS) {
            snprintf(c->fit.param[c->fit.nparam].name, sizeof c->fit.param[0].name, "%s", name);
            c->fit.param[c->fit.nparam++].value = m->weight;
        }
        for (size_t i = 0; i < s->n; i++)
            c->fit.fitted[i] += m->weight * m->fit.fitted[i];
    }
    r->selected = (int)(r->nmodels - 1);
    combination_reason(r, c);
    parsimony_reason(r, mem, nm);
    return 0;
}

/* The mean forecast at T: the selected model's, or the combination's. */
static double point_mean(const fc_result *r, double t)
{
    const fc_model_result *sel = &r->models[r->selected];
    if (sel->model != FC_MODEL_COMBINATION)
        return fc_fit_predict(&sel->fit, t);
    double f[FC_MODEL_COUNT], w[FC_MODEL_COUNT];
    size_t n = 0;
    for (size_t i = 0; i < r->nmodels; i++) {
        if (r->models[i].model != FC_MODEL_COMBINATION && r->models[i].weight > 0) {
            f[n] = fc_fit_predict(&r->models[i].fit, t);
            w[n++] = r->models[i].weight;
        }
    }
    return fc_combine_value(f, w, n);
}

static int choose(const fc_series *s, const fc_run_options *o, size_t H, fc_result *r)
{
    if (o->forced >= 0) {
        if (r->nmodels && r->models[0].fitted) {
            r->selected = 0;
            snprintf(r->reason, sizeof r->reason, "forced with --model %s",
                     fc_model_name(r->models[0].model));
        }
    } else if (o->family == FC_FAMILY_GROWTH) {
        if (build_combination(s, o, H, r) < 0)
            return -1;
    } else {
        select_model(s, r);
    }
    if (r->selected < 0) {
        if (o->forced >= 0 && r->nmodels)
            snprintf(r->reason, sizeof r->reason, "--model %s cannot be used: %s",
                     fc_model_name(r->models[0].model), r->models[0].why);
        else
            snprintf(r->reason, sizeof r->reason, "no model could be fitted to %zu points", s->n);
        return 1;
    }
    return 0;
}

/* A festival day's band: the wider of its step's and the past festival
 * days' misses. With fewer than two such days measured, the multiplier
 * rests on one or two occurrences and carries one day's noise (the
 * baseline it is compared with rests on hundreds of days): the forecast
 * day's own noise plus that one, so the step's band grows by sqrt(2). */
static void festival_band(const fc_interval_table *iv, fc_band *b)
{
    if (iv->has_event) {
        b->lo80 = fmin(b->lo80, iv->event.lo80);
        b->hi80 = fmax(b->hi80, iv->event.hi80);
        b->lo95 = fmin(b->lo95, iv->event.lo95);
        b->hi95 = fmax(b->hi95, iv->event.hi95);
    } else {
        b->lo80 *= FESTIVAL_UNMEASURED_WIDEN;
        b->hi80 *= FESTIVAL_UNMEASURED_WIDEN;
        b->lo95 *= FESTIVAL_UNMEASURED_WIDEN;
        b->hi95 *= FESTIVAL_UNMEASURED_WIDEN;
    }
}

static int make_points(const fc_series *s, const fc_run_options *o, size_t H, fc_result *r)
{
    const fc_model_result *sel = &r->models[r->selected];
    int daily = fc_model_family(sel->model) == FC_FAMILY_DAILY;
    r->points = calloc(H, sizeof *r->points);
    if (!r->points)
        return -1;
    r->npoints = H;
    for (size_t h = 1; h <= H; h++) {
        fc_point *p = &r->points[h - 1];
        p->t = s->t[s->n - 1] + (double)h * o->fit.step;
        p->mean = point_mean(r, p->t);
        fc_band band = r->iv.step[h - 1];
        if (daily && fc_events_on(o->fit.events, (long)floor(p->t)) >= 0)
            festival_band(&r->iv, &band);
        fc_band_apply(&band, p->mean, r->scale, sel->fit.log_space, &p->lo80, &p->hi80, &p->lo95,
                      &p->hi95);
        p->actual = NAN;
        for (size_t j = 0; j < s->nlater; j++)
            if (fabs(s->later_t[j] - p->t) < 1e-6 * (o->fit.step > 0 ? o->fit.step : 1))
                p->actual = s->later_y[j];
        if (p->mean > r->points[r->peak].mean)
            r->peak = h - 1;
    }
    return 0;
}

int fc_forecast_series(const fc_series *s, const fc_run_options *o, fc_result *r)
{
    memset(r, 0, sizeof *r);
    r->selected = -1;
    size_t H = o->horizon ? o->horizon : 1;
    if (fit_models(s, o, H, r) != 0)
        return -1;
    int rc = choose(s, o, H, r);
    if (rc != 0)
        return rc;
    const fc_model_result *sel = &r->models[r->selected];
    const fc_fit *f = &sel->fit;
    int daily = fc_model_family(sel->model) == FC_FAMILY_DAILY;
    r->scale = fc_local_scale(s->y, s->n, daily ? 7 : 1);
    double ss = 0;
    for (size_t i = 0; i < s->n; i++) {
        double e = f->log_space ? log(s->y[i] / f->fitted[i]) : (s->y[i] - f->fitted[i]) / r->scale;
        ss += isfinite(e) ? e * e : 0;
    }
    double resid_q = sqrt(ss / (double)(s->n > (size_t)f->k ? s->n - (size_t)f->k : 1));
    /* The combination's earliest origins are fits on two or three points:
     * their misses say little about a fit on the whole history. */
    size_t from = 0;
    if (sel->model == FC_MODEL_COMBINATION && sel->bt.norigins)
        from = sel->bt.first_origin + (s->n - sel->bt.first_origin) * (size_t)INTERVAL_SKIP_PCT / 100;
    if (fc_intervals_build(&sel->bt, H, resid_q, from, &r->iv) != 0)
        return -1;
    return make_points(s, o, H, r);
}

void fc_result_free(fc_result *r)
{
    for (size_t i = 0; i < r->nmodels; i++) {
        if (r->models[i].fitted)
            fc_fit_free(&r->models[i].fit); /* the combination's too: only its fitted array */
        fc_backtest_free(&r->models[i].bt);
    }
    fc_intervals_free(&r->iv);
    free(r->points);
    memset(r, 0, sizeof *r);
}
