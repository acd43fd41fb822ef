/* engine_seconds.h: the per-second store shared by the engine's threads.
 * Internal to the engine.
 *
 * Each thread counts the current second's events and keeps an interval
 * latency histogram per tag; when its clock passes into the next second it
 * flushes them here under the mutex (a few hist_add calls, once per second
 * per thread, never per request). A second is final once every thread has
 * flushed past it; its percentiles are then taken from the merged interval
 * histograms, which are reused for a later second (a ring of
 * SECONDS_RING). The store also keeps the cumulative counters and latency
 * of the run so far, which the main thread reads each second for progress
 * and abort rules. */
#ifndef CREST_ENGINE_SECONDS_H
#define CREST_ENGINE_SECONDS_H

#include <pthread.h>
#include <stdint.h>

#include "loadgen/loadplan.h"
#include "loadgen/stats.h"

#define SECONDS_RING 8

/* One second's counters and latency, total and per tag. */
typedef struct interval {
    int64_t sec;                /* -1: empty */
    second_stats total;
    second_stats *tags;
    hist *lat_total;
    hist **lat_tags;
    size_t ntags;
    int64_t loop_lag_max_us;    /* largest loop lag recorded in the interval */
} interval;

int interval_init(interval *iv, size_t ntags);
void interval_free(interval *iv);
void interval_clear(interval *iv);

typedef struct second_store {
    pthread_mutex_t mu;
    const loadplan *plan;
    double warmup_s;
    size_t ntags;
    size_t nseconds;            /* capacity of the arrays below */
    second_stats *seconds;      /* final seconds, total */
    second_stats **tag_seconds; /* [tag][second] */
    size_t nfinal;              /* seconds [0, nfinal) are final */
    interval ring[SECONDS_RING];
    uint64_t *done_below;       /* per thread: every second below this is flushed */
    int nthreads;
    run_result live;            /* counters and latency of the run so far */
    int64_t live_sec;           /* latest second flushed */
    int64_t live_loop_lag_us;   /* largest loop lag flushed for live_sec */
    const struct engine_hooks *hooks; /* on_second gets each final second's histograms */
} second_store;

int second_store_init(second_store *s, const loadplan *p, double warmup_s, size_t nseconds,
                      int nthreads);
void second_store_free(second_store *s);

/* Adds thread THREAD's interval IV (for second IV->sec) and records that
 * the thread has flushed every second below DONE_BELOW. Locks. */
void second_store_flush(second_store *s, int thread, const interval *iv, uint64_t done_below);

/* The run so far as a result marked partial (OUT initialized here; free
 * with run_result_free): counters and timeseries of the final seconds, the
 * latency of every completion flushed so far. Locks. 0, or -1 when out of
 * memory. Used for checkpoints while the run lasts. */
int second_store_snapshot(second_store *s, run_result *out);

#endif
