/* threshold.h: k6-style gate expressions, shared by `run --threshold`,
 * `run --abort`, scenario thresholds/abort rules, and `search --slo`.
 *
 *   [TAG:]METRIC OP VALUE
 *   METRIC: p50 p90 p95 p99 p999 max mean (latency, VALUE a duration: 250ms)
 *           errors (error rate: errors / finished, VALUE "0.1%" or 0.001)
 *           shed (shed rate), rate (ok completions/s), dropped (count)
 *   OP:     <  <=  >  >=
 * e.g. "p99<250ms", "errors<0.1%", "rate>1000", "cart:p99<300ms".
 * A comma-separated list parses into several thresholds. */
#ifndef CREST_THRESHOLD_H
#define CREST_THRESHOLD_H

#include <stddef.h>

struct run_result;

enum threshold_metric {
    METRIC_P50, METRIC_P90, METRIC_P95, METRIC_P99, METRIC_P999, METRIC_MAX, METRIC_MEAN,
    METRIC_ERRORS, METRIC_SHED, METRIC_RATE, METRIC_DROPPED
};
enum threshold_op { OP_LT, OP_LE, OP_GT, OP_GE };

typedef struct threshold {
    char expr[128];        /* as written, for reports */
    char tag[64];          /* "" = total */
    enum threshold_metric metric;
    enum threshold_op op;
    double value;          /* latency in ms; rates as fractions; rate in 1/s */
} threshold;

typedef struct threshold_set {
    threshold *items;
    size_t count;
} threshold_set;

/* Parses one expression. Returns 0, or -1 with a message in ERR naming what
 * was expected. */
int threshold_parse(const char *expr, threshold *out, char *err, size_t errlen);
/* Appends every comma-separated expression of LIST to SET. 0 or -1 (ERR set). */
int threshold_set_add(threshold_set *set, const char *list, char *err, size_t errlen);
void threshold_set_free(threshold_set *set);

/* Measures T's metric on R (its tag, or the total) into *VALUE and returns
 * 1 when it holds, 0 when it fails, -1 when the tag is unknown in R. */
int threshold_eval(const threshold *t, const struct run_result *r, double *value);

/* The SLO judge (search steps, capacity): as threshold_eval, except that
 * the error bound counts shed answers too (a 429 is a failure to serve). */
int threshold_eval_slo(const threshold *t, const struct run_result *r, double *value);

/* Whether V OP LIMIT holds. */
int threshold_holds(double v, enum threshold_op op, double limit);

/* A measured value of T's metric in T's unit, the way the user wrote the
 * bound: "812.3ms" (latencies are in ms), "0.25%" (errors, shed), "1,234/s"
 * (rate), "12" (dropped). */
const char *threshold_format_value(const threshold *t, double v, char *buf, size_t len);

#endif
