/* results.h: results.json (docs/results-format.md, "crest.results/2"):
 * writing a run's result atomically, and reading one back into a
 * run_result with its histograms decoded (for compare and report). */
#ifndef CREST_RESULTS_H
#define CREST_RESULTS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "loadgen/shard.h"
#include "loadgen/stats.h"
#include "loadgen/threshold.h"

/* /2 added "targets" (scraped metrics, observe/); /1 files still read. */
#define RESULTS_SCHEMA "crest.results/2"

/* One evaluated gate. */
typedef struct threshold_result {
    threshold t;
    double value;           /* measured */
    int pass;               /* 1 pass, 0 fail, -1 unknown tag */
} threshold_result;

/* What results.json records besides the measurements. */
typedef struct results_meta {
    const char *command;        /* the command line, for humans */
    const char *scenario;       /* scenario path, or NULL for ad hoc */
    int connections;
    double timeout_s;
    int poisson;
    int http2;
    const char *const *secret_headers;
    size_t nsecret;
    const threshold_result *thresholds;
    size_t nthresholds;
    const double *slo_p99_ms;   /* per tag: the subsystem's p99 SLO (NAN: none); may be NULL.
                                   Written as subsystems.NAME.slo_p99_ms for the report. */
    const shard_record *shard;  /* a fleet shard's record ("shard" block), or NULL */
} results_meta;

/* The JSON document for R (caller frees with cJSON_Delete), or NULL. */
cJSON *results_to_json(const run_result *r, const results_meta *m);

/* Writes R to PATH atomically. 0, or -1 after printing an error. */
int results_write(const char *path, const run_result *r, const results_meta *m);

/* Reads PATH into OUT (initialized here; free with run_result_free):
 * counters, histograms (decoded), timeseries, generator health, flags.
 * 0, or -1 after printing an error naming PATH and the JSON path. */
int results_read(const char *path, run_result *out);

/* Evaluates every threshold of SET on R into OUT (SET->count entries).
 * Returns the number that failed (an unknown tag counts as failed). */
size_t thresholds_evaluate(const threshold_set *set, const run_result *r, threshold_result *out);

#endif
