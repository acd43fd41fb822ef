/* usl.h: the Universal Scalability Law, X(N) = gamma N / (1 + alpha (N-1) +
 * beta N (N-1)), fitted by bounded nonlinear least squares (GSL
 * gsl_multifit_nlinear) to measured (load, throughput) points. Used by
 * `crest usl`, `crest search --sweep`, and `crest plan` (instances needed). */
#ifndef CREST_USL_H
#define CREST_USL_H

#include <stddef.h>

typedef struct usl_fit {
    double alpha, beta, gamma;          /* contention, coherency, single-unit throughput */
    double alpha_se, beta_se, gamma_se; /* standard errors */
    double residual_se;                 /* sqrt(SSE / (n - 3)) */
    double r_squared;
    size_t n;                           /* points used */
    double n_star;                      /* sqrt((1 - alpha) / beta); INFINITY when beta == 0 */
    double x_max;                       /* X(n_star), or gamma / alpha when beta == 0;
                                           INFINITY when alpha == beta == 0 */
    int poor_fit;                       /* 1: the model does not describe the data */
    char warning[256];                  /* why, when poor_fit */
} usl_fit;

/* The poor-fit rule (docs/usl.md): R^2 below this, or residual signs
 * clustered in load order with a runs-test p-value below that, or gamma's
 * standard error at least gamma itself. */
#define USL_MIN_R_SQUARED 0.9
#define USL_RUNS_P_VALUE 0.01

/* Fits LOAD/THROUGHPUT (N points, N >= 4, at least 3 distinct loads;
 * repeated loads are fine). Loads must be > 0, throughputs >= 0 and not all
 * 0. Returns 0, or -1 with a reason in fit->warning (too few points, bad
 * values, no convergence). A parameter held at a bound by the fit has a
 * standard error of NAN. Allocates nothing the caller must free. */
int usl_fit_points(const double *load, const double *throughput, size_t n, usl_fit *fit);

/* Throughput the model predicts at load N. */
double usl_throughput(const usl_fit *fit, double n);

#endif
