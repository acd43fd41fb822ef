/* scraper.h: scrapes targets' Prometheus metrics during a run, on its own
 * threads (one per target; never the generator's), and keeps the derived
 * values (observe/scrape_reduce.h) with their CLOCK_MONOTONIC times so that
 * they can be put on a run's per-second axis or averaged over a search
 * step's window. A target that is down, slow (timeout: the interval) or
 * answers garbage costs only its own thread: the failure is counted by
 * kind and the last one kept, never fatal. docs/observe.md. */
#ifndef CREST_SCRAPER_H
#define CREST_SCRAPER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "observe/scrape_reduce.h"

#define SCRAPE_MAX_TARGETS 32
#define SCRAPE_MAX_SERIES 256        /* per target; more are counted, not kept */
#define SCRAPE_MAX_BODY (8u << 20)   /* a larger answer is a failure (too_large) */

/* node_exporter's readable set (CPU busy, memory, load, network and disk
 * bytes, TCP established/time-wait, file descriptors) and crest's testbed's
 * busy workers, queue length (with their limits), served and rejected. A
 * custom filter must select the *_limit siblings too for limits to show. */
#define SCRAPE_DEFAULT_MATCH                                                           \
    "^(node_cpu_seconds_total|node_load1|node_memory_Mem(Available|Total)_bytes|"        \
    "node_network_(receive|transmit)_bytes_total|node_netstat_Tcp_CurrEstab|"            \
    "node_sockstat_TCP_tw|node_disk_(read|written)_bytes_total|node_filefd_(allocated|"  \
    "maximum)|crest_testbed_(busy_workers|queue_length)(_limit)?|"                        \
    "crest_testbed_(served|rejected)_total)$"

typedef struct scrape_target_spec {
    char name[64];
    char url[512];
} scrape_target_spec;

/* "[NAME=]URL" into OUT; NAME defaults to the URL's host:port. 0, or -1
 * after saying what was expected (ORIGIN names the flag or file). */
int scrape_target_parse(const char *arg, const char *origin, scrape_target_spec *out);

typedef struct scrape_config {
    const scrape_target_spec *targets;
    size_t ntargets;
    double interval_s;       /* default 1 */
    double timeout_s;        /* 0: the interval */
    const char *match;       /* POSIX extended regex on family names; NULL: the default */
} scrape_config;

enum scrape_failure { SCRAPE_FAIL_CONNECT, SCRAPE_FAIL_TIMEOUT, SCRAPE_FAIL_HTTP,
                      SCRAPE_FAIL_PARSE, SCRAPE_FAIL_TOO_LARGE, SCRAPE_FAIL_KINDS };
extern const char *const scrape_failure_names[SCRAPE_FAIL_KINDS];

typedef struct scrape_status {
    const char *name, *url;
    uint64_t scrapes, failures;
    uint64_t failed[SCRAPE_FAIL_KINDS];
    char last_error[256];
} scrape_status;

typedef struct scraper scraper;

/* Starts one thread per target (the first scrape at once). NULL after
 * saying why (bad regex, no memory, thread). Stop and free with
 * scraper_free. */
scraper *scraper_start(const scrape_config *c);
/* Moves the scrapes to ANCHOR_NS + k * interval (CLOCK_MONOTONIC): a run
 * anchors them half a second into its measured seconds, so that each
 * second gets its scrape despite scheduling jitter. */
void scraper_align(scraper *s, uint64_t anchor_ns);
/* Stops and joins the threads (idempotent); the data stays readable. */
void scraper_stop(scraper *s);
void scraper_free(scraper *s);

size_t scraper_ntargets(const scraper *s);
void scraper_status_of(scraper *s, size_t target, scrape_status *out);

/* One series' mean over a window. Strings stay valid until scraper_free. */
typedef struct scrape_reading {
    const char *target, *series, *unit;
    double value;            /* mean of the points in the window */
    double limit;            /* NAN: none */
} scrape_reading;

/* The mean of every series over [FROM_NS, TO_NS) into OUT (at most MAX):
 * returns how many. Safe while scraping. */
size_t scraper_window(scraper *s, uint64_t from_ns, uint64_t to_ns, scrape_reading *out,
                      size_t max);

/* The reading of OUT[0..N) nearest its limit (largest value/limit), or -1. */
long scrape_nearest_limit(const scrape_reading *r, size_t n);

/* The "targets" array of results.json (docs/results-format.md): per
 * target its status and every series as NSECONDS per-second means over
 * [FROM_NS + i s, FROM_NS + (i+1) s) (null where no scrape landed). */
cJSON *scraper_to_json(scraper *s, uint64_t from_ns, size_t nseconds);

#endif
