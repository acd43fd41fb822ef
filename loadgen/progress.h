/* progress.h: what a run shows a human while it runs (one line per second)
 * and when it ends (a wrk-like summary with the percentile spectrum, the
 * per-subsystem table, generator health and gates). Printing only: the
 * numbers come from the engine (snapshots) and from run_result. */
#ifndef CREST_PROGRESS_H
#define CREST_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "loadgen/loadplan.h"
#include "loadgen/results.h"
#include "loadgen/stats.h"

/* One line of progress. The engine prints one per measured second once
 * that second is final (HAS_RATE: ACHIEVED_RATE is that second's answers,
 * the figure results.json's time series holds), one per second of the
 * warm-up (nothing measured yet), and one when the plan has ended and the
 * grace period waits for requests in flight (DRAINING). */
typedef struct progress_snapshot {
    double elapsed_s, total_s;  /* the end of the second shown, of the timeline */
    const char *phase;
    int closed_connections;   /* > 0: a closed-loop phase with this many connections */
    double target_rate;       /* open loop: the plan's rate in that second */
    int has_rate;             /* 1: a measured second (achieved_rate, p99_ms are set) */
    double achieved_rate;     /* answers per second in that second */
    double p99_ms;            /* latency p99 of the run so far */
    uint64_t completed, errors, dropped;
    int draining;             /* 1: the plan ended; waiting for IN_FLIGHT answers */
    uint64_t in_flight;
    double grace_s;           /* the grace period's length */
} progress_snapshot;

/* One line: rewritten in place when TTY, a plain line otherwise. */
void progress_print(FILE *out, const char *label, const progress_snapshot *s, int tty);
/* Ends a line left open on a TTY (no-op otherwise). */
void progress_end(FILE *out, int tty);

/* The final human summary of R (PLAN may be NULL), with the gates TH. */
void progress_summary(FILE *out, const run_result *r, const threshold_result *th, size_t nth);

#endif
