/* shadow_diff.h: comparing the primary's and the candidate's answers to the
 * same request (crest shadow; the engine pairs them, see engine_shadow in
 * loadgen/engine.h), and shadow.json ("crest.shadow/1", docs/shadow.md).
 *
 * Two answers match when both failed below HTTP with the same kind of
 * error, or both have the same status and their bodies agree under the
 * view:
 *   - whole body (default): byte for byte;
 *   - --ignore FIELD...: bodies parsed as JSON, FIELD removed (a bare name
 *     anywhere in the document, a dotted path "a.b.c" at that path only),
 *     then compared as JSON values (key order and spacing do not matter);
 *   - --fields FIELD...: only those JSON fields (dotted paths) compared;
 *   - --status-only: the status alone.
 * A body that is not JSON under a JSON view is compared byte for byte.
 * Counts per endpoint; a bounded sample of mismatching pairs (at most
 * SHADOW_SAMPLES_PER_ENDPOINT per endpoint and max_samples in all, the
 * first seen; bodies cut to SHADOW_SAMPLE_BODY bytes). Thread-safe (one
 * mutex: shadow runs are about answers, not peak rate). */
#ifndef CREST_SHADOW_DIFF_H
#define CREST_SHADOW_DIFF_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "loadgen/loadplan.h"
#include "loadgen/stats.h"
#include "loadgen/transport.h"

#define SHADOW_SAMPLES_PER_ENDPOINT 3
#define SHADOW_SAMPLE_BODY 1024
#define SHADOW_MAX_FIELDS 32

typedef struct shadow_view {
    int status_only;
    const char *fields[SHADOW_MAX_FIELDS];
    size_t nfields;
    const char *ignore[SHADOW_MAX_FIELDS];
    size_t nignore;
} shadow_view;

typedef struct shadow_counts {
    uint64_t compared, matched, mismatched;
    uint64_t status_differs, body_differs, error_differs;
} shadow_counts;

typedef struct shadow_sample {
    uint32_t endpoint;
    char why[160];
    long status[2];              /* primary, candidate (0: failed below HTTP) */
    char *body[2];               /* NUL-terminated, cut */
    size_t body_len[2];          /* full length seen (up to the capture cap) */
} shadow_sample;

typedef struct shadow_diff {
    pthread_mutex_t mu;
    shadow_view view;
    size_t nendpoints;
    shadow_counts total;
    shadow_counts *per;          /* per endpoint */
    size_t *sampled;             /* samples kept per endpoint */
    shadow_sample *samples;
    size_t nsamples, max_samples;
} shadow_diff;

/* 0 or -1 (out of memory). */
int shadow_diff_init(shadow_diff *d, const shadow_view *v, size_t nendpoints, size_t max_samples);
void shadow_diff_free(shadow_diff *d);

/* engine_compare_fn: compares one pair and counts it (CTX is a shadow_diff). */
void shadow_diff_compare(void *ctx, uint32_t endpoint, const transport_result *primary,
                         const transport_result *candidate);

/* 1 when the two answers agree under V; else 0 with the first difference in
 * WHY. Exposed for the unit tests. */
int shadow_answers_match(const shadow_view *v, const transport_result *a,
                         const transport_result *b, char *why, size_t whylen);

/* mismatched / compared (0 when nothing was compared). */
double shadow_mismatch_rate(const shadow_counts *c);

/* shadow.json: settings, counts per endpoint and in total, the samples,
 * and both sides' latency and SLO verdicts per subsystem. */
cJSON *shadow_diff_to_json(const shadow_diff *d, const loadplan *p, const char *primary_url,
                           const char *candidate_url, const run_result *primary,
                           const run_result *candidate, double max_mismatch);

/* The SLO verdict of R: every subsystem's p99 and error-rate bound (shed
 * counts as an error, as in search) and the plan's thresholds. Writes the
 * first failure into WHY. 1 pass, 0 fail. */
int shadow_slo_pass(const loadplan *p, const run_result *r, char *why, size_t whylen);

#endif
