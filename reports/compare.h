/* compare.h: telling a real regression from noise between two runs
 * (results.json, schema crest.results/2 or /1). Used by `crest compare` and by
 * `crest run --baseline FILE`.
 *
 * Each scope (the total and every subsystem present in both runs) is
 * compared on p50/p90/p99 latency, ok rate and error rate. The point values
 * come from the full distribution (the decoded latency histogram) and the
 * counters. A change is a regression only when it is beyond its allowance
 * in the bad direction AND the per-second values of the two runs differ
 * significantly in that direction: a one-sided Mann-Whitney U test over the
 * seconds of the runs (timeseries), at level alpha (1% by default). Two
 * numbers alone cannot tell a regression from a noisy second. */
#ifndef CREST_COMPARE_H
#define CREST_COMPARE_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>

/* Fewer seconds than this on either side: the metric cannot be tested. */
#define COMPARE_MIN_SECONDS 5

typedef struct compare_allowance {
    double p50, p90, p99;   /* relative latency increase allowed (0.10: +10%) */
    double rate;            /* relative ok-rate decrease allowed (0.05: -5%) */
    double errors;          /* absolute error-rate increase allowed (0.005: +0.5 points) */
    double alpha;           /* significance level of the one-sided test (0.01) */
} compare_allowance;

/* p50=10%, p90=10%, p99=10%, rate=5%, errors=0.5%, alpha=1%. */
void compare_allowance_default(compare_allowance *a);

/* Overrides the keys SPEC names, e.g. "p99=10%,rate=5%,errors=0.5%,alpha=1%"
 * (a bare number is a fraction: 0.1 = 10%). Returns 0, or -1 after printing
 * an error naming the bad item. */
int compare_allowance_parse(const char *spec, compare_allowance *a);

/* One-sided two-sample Mann-Whitney U test (normal approximation with tie
 * and continuity correction). */
typedef struct mann_whitney {
    size_t n_base, n_cur;
    double u;            /* pairs with current > baseline, ties counting one half */
    double z;            /* (u - mean) / sd, without continuity correction */
    double p_greater;    /* p-value for "current tends to be greater" */
    double p_less;       /* p-value for "current tends to be smaller" */
} mann_whitney;

/* Tests BASE[NB] against CUR[NC]. Returns 0, or -1 when a sample is empty
 * or memory runs out. All values equal: both p-values are 1. */
int mann_whitney_test(const double *base, size_t nb, const double *cur, size_t nc,
                      mann_whitney *out);

typedef enum compare_verdict {
    CMP_OK,          /* within the allowance */
    CMP_IMPROVED,    /* better beyond the allowance, significantly */
    CMP_NOISE,       /* worse beyond the allowance, but not significant */
    CMP_REGRESSION,  /* worse beyond the allowance and significant: the gate fails */
    CMP_UNTESTED,    /* worse beyond the allowance, too few seconds to test */
    CMP_INFO         /* shown only: no per-second series, or missing on one side */
} compare_verdict;

/* "ok", "improved", "noise", "REGRESSION", "untested", "info". */
const char *compare_verdict_name(compare_verdict v);

typedef struct compare_row {
    char scope[128];         /* "total" or the subsystem's name */
    const char *metric;      /* "p50", "p90", "p99", "rate", "errors" (static) */
    double baseline, current;/* ms, ok per second, or error fraction; NAN when missing */
    double change;           /* relative (latency, rate) or absolute (errors); NAN if unknown */
    double allowance;        /* the allowance applied, in the same terms as change */
    int tested;              /* 1: p_value is from a test of n_base vs n_cur seconds */
    double p_value;          /* one-sided, in the bad direction (or the good one for improved) */
    size_t n_base, n_cur;
    compare_verdict verdict;
} compare_row;

typedef struct compare_report {
    char *baseline, *current;  /* paths or labels (owned) */
    compare_allowance allowance;
    compare_row *rows;         /* owned */
    size_t nrows;
    int regressions, untested; /* counts of rows with those verdicts */
    int generator_limited[2];  /* baseline, current: the run's generator was the limit, so
                                  its latencies include generator delay (warned, not gated) */
    int partial[2];            /* baseline, current: a checkpoint of an unfinished run (warned) */
    int exit_code;             /* 1 any regression; else 3 any untested; else 0 */
} compare_report;

struct run_result;

/* Compares two runs in memory (loadgen/stats.h; BASE_NAME/CUR_NAME label
 * the report): the total and every subsystem (tag) present in both, by name.
 * Returns 0 and fills OUT (free with compare_report_free), or -1 when out of
 * memory. The runs are only read. */
int compare_run_results(const char *base_name, const struct run_result *base,
                        const char *cur_name, const struct run_result *cur,
                        const compare_allowance *a, compare_report *out);

/* The same from results.json files (read with results_read). Returns 0, or
 * -1 after printing an error naming the file and JSON path (bad input:
 * exit code 2). */
int compare_results_paths(const char *baseline, const char *current, const compare_allowance *a,
                          compare_report *out);

/* The table: scope, metric, baseline, current, change, allowance, p-value,
 * verdict, then a one-line verdict. */
void compare_report_print(const compare_report *r, FILE *out);

/* The report as JSON (schema crest.compare/1); the caller owns it. This is
 * also what `crest run --baseline` stores under results.json "baseline". */
cJSON *compare_report_to_json(const compare_report *r);

void compare_report_free(compare_report *r);

/* One call for `crest run --baseline FILE`: compares BASELINE with CURRENT
 * (results.json paths) under ALLOWANCE (a spec as for --max-regression, or
 * NULL for the defaults), prints the table to OUT (NULL: nothing printed)
 * and returns the exit code: 0 pass, 1 regression, 2 bad input, 3 a change
 * beyond the allowance could not be tested (too few seconds). */
int compare_results_files(const char *baseline, const char *current, const char *allowance,
                          FILE *out);

#endif
