/* server.h: the testbed's HTTP/1.1 front end on a libev loop: keep-alive,
 * pipelining (requests on one connection are answered in order, one at a
 * time, as HTTP/1.1 requires), request bodies read fully (http-parser,
 * chunked included). It routes /member, /product, ... to the simulated
 * subsystems (sim.h) and serves the plain routes:
 *
 *   GET  /__ping          200 at once, no simulated service time (benchmarks)
 *   GET  /__stats         JSON counters per subsystem and in total
 *   POST /__stats/reset   zeroes the counters
 *
 * Anything else is 404. Single-threaded: the loop does all the work. */
#ifndef CREST_TESTBED_SERVER_H
#define CREST_TESTBED_SERVER_H

#include <ev.h>

#include "testbed/config.h"

typedef struct testbed_server testbed_server;

/* Binds HOST (an IPv4 literal):PORT (0 picks a free port), listens and
 * starts serving on LOOP with CFG (copied). NULL after printing why. Free
 * with testbed_server_free, which closes every connection and listener. */
testbed_server *testbed_server_new(struct ev_loop *loop, const testbed_config *cfg,
                                   const char *host, int port);
void testbed_server_free(testbed_server *srv);

/* The port actually bound. */
int testbed_server_port(const testbed_server *srv);

/* The /__stats document (schema crest.testbed-stats/1). Caller frees it
 * with cJSON_Delete; NULL when out of memory. */
cJSON *testbed_server_stats(const testbed_server *srv);

#endif
