/* usl.c: see usl.h. Bounded nonlinear least squares for the Universal
 * Scalability Law on raw throughput (docs/usl.md has the reasoning).
 *
 * GSL's trust-region solver (gsl_multifit_nlinear, Levenberg-Marquardt with
 * More scaling, analytic Jacobian) is unconstrained, so the bounds
 * 0 <= alpha <= 1, 0 <= beta <= 1, gamma >= 0 are enforced the active-set
 * way: the optimum of a bounded problem lies inside one face of the box, so
 * every face is fitted (alpha free, at 0 or at 1, times the same for beta;
 * gamma always free) from several starting points, results outside the box
 * are discarded, and the feasible fit with the smallest SSE wins. With three
 * parameters that is 9 small problems, a few milliseconds in all.
 *
 * Standard errors come from the covariance (J^T J)^-1 of the free
 * parameters at the optimum, scaled by s^2 = SSE / (n - 3); a parameter held
 * at a bound has no standard error (NAN). */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity/usl.h"

enum { P_ALPHA, P_BETA, P_GAMMA, NPARAMS };

/* A face of the box: which parameters are free, the value of the others. */
typedef struct usl_problem {
    const double *load, *throughput;
    size_t n;
    int is_free[NPARAMS];
    double fixed[NPARAMS];
} usl_problem;

/* Residuals that stand in for a point where the model is undefined (the
 * denominator is <= 0 outside the box): large, so the solver rejects the
 * step, but squares still finite. */
#define UNDEFINED_RESIDUAL 1e100

static size_t free_count(const usl_problem *pb)
{
    return (size_t)(pb->is_free[P_ALPHA] + pb->is_free[P_BETA] + pb->is_free[P_GAMMA]);
}

static void full_params(const usl_problem *pb, const gsl_vector *x, double p[NPARAMS])
{
    size_t k = 0;
    for (int i = 0; i < NPARAMS; i++)
        p[i] = pb->is_free[i] ? gsl_vector_get(x, k++) : pb->fixed[i];
}

/* The law's denominator: 1 + contention + coherency at load N. */
static double denominator(double alpha, double beta, double n)
{
    return 1 + alpha * (n - 1) + beta * n * (n - 1);
}

static double model(double alpha, double beta, double gamma, double n)
{
    return gamma * n / denominator(alpha, beta, n);
}

static int residuals(const gsl_vector *x, void *data, gsl_vector *f)
{
    const usl_problem *pb = data;
    double p[NPARAMS];
    full_params(pb, x, p);
    for (size_t i = 0; i < pb->n; i++) {
        double n = pb->load[i];
        double d = denominator(p[P_ALPHA], p[P_BETA], n);
        double r = d > 0 ? p[P_GAMMA] * n / d - pb->throughput[i] : UNDEFINED_RESIDUAL;
        gsl_vector_set(f, i, isfinite(r) ? r : UNDEFINED_RESIDUAL);
    }
    return GSL_SUCCESS;
}

static int jacobian(const gsl_vector *x, void *data, gsl_matrix *J)
{
    const usl_problem *pb = data;
    double p[NPARAMS];
    full_params(pb, x, p);
    for (size_t i = 0; i < pb->n; i++) {
        double n = pb->load[i];
        double d = denominator(p[P_ALPHA], p[P_BETA], n);
        double col[NPARAMS] = {0, 0, 0};
        if (d > 0) {
            col[P_GAMMA] = n / d;
            col[P_ALPHA] = -p[P_GAMMA] * n * (n - 1) / (d * d);
            col[P_BETA] = -p[P_GAMMA] * n * n * (n - 1) / (d * d);
        }
        size_t k = 0;
        for (int j = 0; j < NPARAMS; j++)
            if (pb->is_free[j])
                gsl_matrix_set(J, i, k++, isfinite(col[j]) ? col[j] : 0);
    }
    return GSL_SUCCESS;
}

static double sse_of(const usl_problem *pb, const double p[NPARAMS])
{
    double sse = 0;
    for (size_t i = 0; i < pb->n; i++) {
        double r = model(p[P_ALPHA], p[P_BETA], p[P_GAMMA], pb->load[i]) - pb->throughput[i];
        sse += r * r;
    }
    return sse;
}

static int feasible(const double p[NPARAMS])
{
    return p[P_ALPHA] >= 0 && p[P_ALPHA] <= 1 && p[P_BETA] >= 0 && p[P_BETA] <= 1 &&
           p[P_GAMMA] >= 0 && isfinite(p[P_GAMMA]);
}

/* One local fit of face PB from START (full parameter vector). Returns 0 and
 * the optimum in P with its SSE, or -1 when the solver failed. */
static int fit_face_from(const usl_problem *pb, const double start[NPARAMS],
                         gsl_multifit_nlinear_workspace *w, double p[NPARAMS], double *sse)
{
    size_t nfree = free_count(pb);
    double xs[NPARAMS];
    size_t k = 0;
    for (int i = 0; i < NPARAMS; i++)
        if (pb->is_free[i])
            xs[k++] = start[i];
    /* Already exact (e.g. alpha = beta = 0 and gamma = X(1)): the solver
     * cannot improve on zero residuals and would report no progress. */
    if (sse_of(pb, start) == 0) {
        memcpy(p, start, sizeof(double) * NPARAMS);
        *sse = 0;
        return 0;
    }
    gsl_vector_view x0 = gsl_vector_view_array(xs, nfree);
    gsl_multifit_nlinear_fdf fdf = {
        .f = residuals, .df = jacobian, .fvv = NULL, .n = pb->n, .p = nfree,
        .params = (void *)pb,
    };
    if (gsl_multifit_nlinear_init(&x0.vector, &fdf, w) != GSL_SUCCESS)
        return -1;
    int info;
    int status = gsl_multifit_nlinear_driver(2000, 1e-13, 1e-13, 0.0, NULL, NULL, &info, w);
    /* GSL_ENOPROG: no step can reduce SSE any more, which is where an exact
     * fit (SSE at rounding level) ends up; the SSE comparison sorts it out. */
    if (status != GSL_SUCCESS && status != GSL_ENOPROG)
        return -1;
    full_params(pb, gsl_multifit_nlinear_position(w), p);
    for (int i = 0; i < NPARAMS; i++)
        if (!isfinite(p[i]))
            return -1;
    *sse = sse_of(pb, p);
    return isfinite(*sse) ? 0 : -1;
}

/* Standard errors of the free parameters of face PB at P. */
static int standard_errors(const usl_problem *pb, const double p[NPARAMS], double s2,
                           double se[NPARAMS])
{
    size_t nfree = free_count(pb);
    double xs[NPARAMS];
    size_t k = 0;
    for (int i = 0; i < NPARAMS; i++) {
        se[i] = NAN;
        if (pb->is_free[i])
            xs[k++] = p[i];
    }
    gsl_vector_view x = gsl_vector_view_array(xs, nfree);
    gsl_matrix *J = gsl_matrix_alloc(pb->n, nfree);
    gsl_matrix *covar = gsl_matrix_alloc(nfree, nfree);
    int rc = -1;
    if (J && covar && jacobian(&x.vector, (void *)pb, J) == GSL_SUCCESS &&
        gsl_multifit_nlinear_covar(J, 0.0, covar) == GSL_SUCCESS) {
        k = 0;
        for (int i = 0; i < NPARAMS; i++)
            if (pb->is_free[i]) {
                double v = gsl_matrix_get(covar, k, k) * s2;
                se[i] = v >= 0 ? sqrt(v) : NAN;
                k++;
            }
        rc = 0;
    }
    gsl_matrix_free(J);
    gsl_matrix_free(covar);
    return rc;
}

/* Least squares for z = a u + b v (no intercept): the linearised USL,
 * gamma N / X - 1 = alpha (N - 1) + beta N (N - 1), for starting values. */
static void linearised_start(const double *load, const double *y, size_t n, double gamma,
                             double *alpha, double *beta)
{
    double suu = 0, suv = 0, svv = 0, suz = 0, svz = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] <= 0)
            continue;
        double u = load[i] - 1, v = load[i] * (load[i] - 1), z = gamma * load[i] / y[i] - 1;
        suu += u * u;
        suv += u * v;
        svv += v * v;
        suz += u * z;
        svz += v * z;
    }
    double det = suu * svv - suv * suv;
    double a = 0.01, b = 1e-4;
    if (det > 0 && isfinite(det)) {
        a = (suz * svv - svz * suv) / det;
        b = (svz * suu - suz * suv) / det;
    }
    /* Keep the start strictly inside the box, where the model is defined. */
    *alpha = fmin(fmax(a, 1e-6), 0.9);
    *beta = fmin(fmax(b, 1e-9), 0.5);
}

/* P(R <= runs) for the Wald-Wolfowitz runs test with N1 and N2 signs:
 * small values mean residual signs cluster (the model misses a pattern). */
static double runs_p_value(int n1, int n2, int runs)
{
    if (n1 == 0 || n2 == 0)
        return 1;
    double total = lgamma(n1 + n2 + 1.0) - lgamma(n1 + 1.0) - lgamma(n2 + 1.0);
#define LCHOOSE(a, b) \
    ((b) < 0 || (b) > (a) ? -INFINITY : lgamma((a) + 1.0) - lgamma((b) + 1.0) - lgamma((a) - (b) + 1.0))
    double p = 0;
    for (int r = 2; r <= runs; r++) {
        int k = r / 2;
        double ways;
        if (r % 2 == 0)
            ways = 2 * exp(LCHOOSE(n1 - 1, k - 1) + LCHOOSE(n2 - 1, k - 1) - total);
        else
            ways = exp(LCHOOSE(n1 - 1, k) + LCHOOSE(n2 - 1, k - 1) - total) +
                   exp(LCHOOSE(n1 - 1, k - 1) + LCHOOSE(n2 - 1, k) - total);
        p += ways;
    }
#undef LCHOOSE
    return p;
}

typedef struct load_residual {
    double load, residual;
    size_t index; /* ties keep the caller's order, so results are stable */
} load_residual;

static int by_load(const void *a, const void *b)
{
    const load_residual *x = a, *y = b;
    if (x->load != y->load)
        return (x->load > y->load) - (x->load < y->load);
    return (x->index > y->index) - (x->index < y->index);
}

/* The poor-fit rule (docs/usl.md): the first reason that applies. */
static void judge_fit(const double *load, const double *y, size_t n, usl_fit *fit)
{
    fit->poor_fit = 0;
    fit->warning[0] = '\0';
    if (fit->r_squared < USL_MIN_R_SQUARED) {
        snprintf(fit->warning, sizeof fit->warning,
                 "the USL explains only %.1f%% of the variance in throughput (R^2 %.3f < %.2f)",
                 100 * fmax(fit->r_squared, 0), fmax(fit->r_squared, 0), USL_MIN_R_SQUARED);
        fit->poor_fit = 1;
        return;
    }
    if (!(fit->gamma_se < fit->gamma)) {
        snprintf(fit->warning, sizeof fit->warning,
                 "gamma (%.6g) is not determined by the data (standard error %.3g)",
                 fit->gamma, fit->gamma_se);
        fit->poor_fit = 1;
        return;
    }
    /* Residual signs in load order (the caller's order may be any). */
    load_residual *pts = malloc(n * sizeof *pts);
    if (!pts)
        return; /* the runs test is a refinement; skip it rather than fail */
    double ymax = 0;
    for (size_t i = 0; i < n; i++) {
        pts[i].load = load[i];
        pts[i].residual = y[i] - usl_throughput(fit, load[i]);
        pts[i].index = i;
        ymax = fmax(ymax, y[i]);
    }
    qsort(pts, n, sizeof *pts, by_load);
    /* Residuals at rounding level (an exact fit) have no sign to speak of. */
    double tiny = 1e-10 * ymax;
    int n1 = 0, n2 = 0, runs = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        double r = pts[i].residual;
        int sign = r > tiny ? 1 : r < -tiny ? -1 : 0;
        if (sign == 0)
            continue;
        if (sign > 0)
            n1++;
        else
            n2++;
        if (sign != last)
            runs++;
        last = sign;
    }
    free(pts);
    double p = runs_p_value(n1, n2, runs);
    if (p < USL_RUNS_P_VALUE) {
        snprintf(fit->warning, sizeof fit->warning,
                 "the residuals follow a systematic pattern (%d runs of signs in %d points, "
                 "runs test p = %.4f): the USL misses the shape of the data",
                 runs, n1 + n2, p);
        fit->poor_fit = 1;
    }
}

static int fail(usl_fit *fit, const char *reason)
{
    snprintf(fit->warning, sizeof fit->warning, "%s", reason);
    return -1;
}

/* Checks the points can determine three parameters. 0, or -1 (FIT's
 * warning says why). */
static int check_points(const double *load, const double *throughput, size_t n, usl_fit *fit)
{
    if (n < 4)
        return fail(fit, "the USL has 3 parameters: need at least 4 points");
    size_t distinct = 0;
    double ymax = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(load[i] > 0) || !isfinite(load[i]))
            return fail(fit, "every load must be a positive number");
        if (!(throughput[i] >= 0) || !isfinite(throughput[i]))
            return fail(fit, "every throughput must be a non-negative number");
        ymax = fmax(ymax, throughput[i]);
        size_t j = 0;
        while (j < i && load[j] != load[i])
            j++;
        distinct += j == i;
    }
    if (distinct < 3)
        return fail(fit, "need at least 3 distinct loads to determine 3 parameters");
    if (ymax == 0)
        return fail(fit, "throughput is zero at every load: nothing to fit");
    return 0;
}

/* The nine faces of the box 0 <= alpha, beta <= 1: each bound parameter
 * free, at 0 or at 1 (gamma is always free). */
#define NFACES 9

typedef struct face_fits {
    usl_problem face[NFACES];
    double p[NFACES][NPARAMS];
    double sse[NFACES];       /* INFINITY: no feasible fit on that face */
} face_fits;

/* The best feasible fit on face PB from every starting point: two gammas
 * (the best per-unit throughput seen, a lower bound on gamma when alpha,
 * beta >= 0, and the rate at the smallest load) times five (alpha, beta)
 * starts, the first linearised from the data. */
static void fit_face(const usl_problem *pb, gsl_multifit_nlinear_workspace *w, double *best_p,
                     double *best_sse)
{
    const double *load = pb->load, *throughput = pb->throughput;
    size_t smallest = 0;
    double best_per_unit = 0;
    for (size_t i = 0; i < pb->n; i++) {
        best_per_unit = fmax(best_per_unit, throughput[i] / load[i]);
        if (load[i] < load[smallest])
            smallest = i;
    }
    double gammas[2] = {best_per_unit, throughput[smallest] / load[smallest]};
    double ab[5][2] = {{0, 0}, {0.01, 1e-4}, {0.1, 1e-3}, {1e-3, 1e-6}, {0.5, 1e-2}};
    *best_sse = INFINITY;
    for (int g = 0; g < 2; g++) {
        if (!(gammas[g] > 0))
            continue;
        linearised_start(load, throughput, pb->n, gammas[g], &ab[0][0], &ab[0][1]);
        for (int s = 0; s < 5; s++) {
            double start[NPARAMS] = {
                pb->is_free[P_ALPHA] ? ab[s][0] : pb->fixed[P_ALPHA],
                pb->is_free[P_BETA] ? ab[s][1] : pb->fixed[P_BETA],
                gammas[g],
            };
            double p[NPARAMS], sse;
            if (fit_face_from(pb, start, w, p, &sse) != 0 || !feasible(p))
                continue;
            if (sse < *best_sse) {
                *best_sse = sse;
                memcpy(best_p, p, sizeof p);
            }
        }
    }
}

static void fit_every_face(const double *load, const double *throughput, size_t n,
                           face_fits *ff)
{
    gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *ws[NPARAMS + 1] = {NULL};
    for (size_t p = 1; p <= NPARAMS; p++)
        ws[p] = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, n, p);
    static const double bound_value[3] = {NAN, 0, 1}; /* free, at 0, at 1 */
    for (int fa = 0; fa < 3; fa++) {
        for (int fb = 0; fb < 3; fb++) {
            int f = fa * 3 + fb;
            ff->face[f] = (usl_problem){
                .load = load, .throughput = throughput, .n = n,
                .is_free = {fa == 0, fb == 0, 1},
                .fixed = {bound_value[fa], bound_value[fb], 0},
            };
            ff->sse[f] = INFINITY;
            gsl_multifit_nlinear_workspace *w = ws[free_count(&ff->face[f])];
            if (w)
                fit_face(&ff->face[f], w, ff->p[f], &ff->sse[f]);
        }
    }
    for (size_t p = 1; p <= NPARAMS; p++)
        if (ws[p])
            gsl_multifit_nlinear_free(ws[p]);
}

/* The lowest SSE wins; but when a face with a parameter at its bound does
 * as well up to rounding (exact Amdahl data: beta = 0 versus beta =
 * 1e-18), the simpler one is the answer. -1 when no face has a fit. */
static int choose_face(const face_fits *ff, const double *throughput, size_t n)
{
    double min_sse = INFINITY, sum_sq = 0;
    for (int f = 0; f < NFACES; f++)
        min_sse = fmin(min_sse, ff->sse[f]);
    if (!isfinite(min_sse))
        return -1;
    for (size_t i = 0; i < n; i++)
        sum_sq += throughput[i] * throughput[i];
    double good_enough = min_sse * (1 + 1e-9) + 1e-24 * sum_sq;
    int chosen = -1;
    for (int f = 0; f < NFACES; f++)
        if (ff->sse[f] <= good_enough &&
            (chosen < 0 || free_count(&ff->face[f]) < free_count(&ff->face[chosen])))
            chosen = f;
    return chosen;
}

/* Parameters, their standard errors, R^2 and the peak from face F. */
static void describe_fit(const face_fits *ff, int f, usl_fit *fit)
{
    const usl_problem *pb = &ff->face[f];
    const double *best = ff->p[f];
    fit->alpha = best[P_ALPHA];
    fit->beta = best[P_BETA];
    fit->gamma = best[P_GAMMA];
    double s2 = ff->sse[f] / (double)(pb->n - 3);
    fit->residual_se = sqrt(s2);
    double se[NPARAMS];
    if (standard_errors(pb, best, s2, se) != 0)
        se[P_ALPHA] = se[P_BETA] = se[P_GAMMA] = NAN;
    fit->alpha_se = se[P_ALPHA];
    fit->beta_se = se[P_BETA];
    fit->gamma_se = se[P_GAMMA];
    double mean = 0, sst = 0;
    for (size_t i = 0; i < pb->n; i++)
        mean += pb->throughput[i] / (double)pb->n;
    for (size_t i = 0; i < pb->n; i++)
        sst += (pb->throughput[i] - mean) * (pb->throughput[i] - mean);
    fit->r_squared = sst > 0 ? 1 - ff->sse[f] / sst : (ff->sse[f] == 0 ? 1 : 0);
    if (fit->beta > 0) {
        fit->n_star = sqrt((1 - fit->alpha) / fit->beta);
        fit->x_max = usl_throughput(fit, fit->n_star);
    } else {
        fit->n_star = INFINITY;
        fit->x_max = fit->alpha > 0 ? fit->gamma / fit->alpha : INFINITY;
    }
}

int usl_fit_points(const double *load, const double *throughput, size_t n, usl_fit *fit)
{
    memset(fit, 0, sizeof *fit);
    fit->n = n;
    if (check_points(load, throughput, n, fit) != 0)
        return -1;
    gsl_error_handler_t *old_handler = gsl_set_error_handler_off();
    face_fits ff;
    fit_every_face(load, throughput, n, &ff);
    int chosen = choose_face(&ff, throughput, n);
    if (chosen >= 0)
        describe_fit(&ff, chosen, fit);
    gsl_set_error_handler(old_handler);
    if (chosen < 0)
        return fail(fit, "the least-squares solver did not converge from any starting point");
    judge_fit(load, throughput, n, fit);
    return 0;
}

double usl_throughput(const usl_fit *fit, double n)
{
    return model(fit->alpha, fit->beta, fit->gamma, n);
}
