/* stats_endpoint.h: the /__stats document (schema crest.testbed-stats/1, described
 * in docs/testbed.md): every subsystem's counters and configured capacity,
 * their totals, and the server's own counters for the plain routes. */
#ifndef CREST_TESTBED_STATS_ENDPOINT_H
#define CREST_TESTBED_STATS_ENDPOINT_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "testbed/sim.h"

typedef struct testbed_other_counters {
    uint64_t ping;                  /* GET /__ping */
    uint64_t stats;                 /* GET /__stats */
    uint64_t not_found;             /* 404s */
    uint64_t bad_requests;          /* unparsable requests (400) */
    uint64_t connections_accepted;
    uint64_t header_timeouts;       /* requests whose headers were too slow (408, closed) */
    uint64_t idle_closed;           /* connections closed after the idle timeout */
} testbed_other_counters;

/* A new document for the NSUBS subsystems SUBS; the caller frees it with
 * cJSON_Delete. NULL when out of memory. */
cJSON *testbed_stats_json(sim_subsystem *const *subs, int nsubs,
                          const testbed_other_counters *other, double uptime_s);

/* The same per-subsystem state in the Prometheus text exposition format
 * (GET /metrics; names in docs/testbed.md): requests, served, degraded,
 * rejected by reason, errors (counters); busy workers, queue length and
 * in-flight (gauges), with the configured workers and queue limit as
 * their *_limit siblings so that a scraper can tell how close each is to
 * its limit. Caller frees; NULL when out of memory. */
char *testbed_metrics_text(sim_subsystem *const *subs, int nsubs,
                           const testbed_other_counters *other);

#endif
