/* metrics_server.h: crest's own live metrics in the Prometheus text
 * exposition format, served over HTTP (--metrics-listen ADDR:PORT) while a
 * run lasts, so an existing Prometheus scrapes the drill and Grafana shows
 * it live (docs/observe.md lists the names; docs/grafana-crest.json).
 *
 * The watching thread renders the text once per second from the engine's
 * live counters (metrics_render) and publishes it; the server's own thread
 * answers every GET with the last published text. A search's steps are
 * separate runs: counters restart at each step (Prometheus sees a reset). */
#ifndef CREST_METRICS_SERVER_H
#define CREST_METRICS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "loadgen/stats.h"

/* The exposition text for R (live or final): requests offered, sent, ok,
 * shed, dropped, completed, errors by kind, responses by status class,
 * in flight, latency histogram per subsystem, LOOP_LAG_US, RATE (the
 * plan's rate now, < 0: unknown). Caller frees; NULL when out of memory. */
char *metrics_render(const run_result *r, int64_t loop_lag_us, double rate);

typedef struct metrics_server metrics_server;

/* Listens on ADDR:PORT ("127.0.0.1:9464", ":9464" for every address) and
 * starts the serving thread. NULL after saying why. */
metrics_server *metrics_server_start(const char *listen);
/* The port actually bound (useful with port 0). */
int metrics_server_port(const metrics_server *m);
/* Replaces the served text with TEXT (takes ownership). */
void metrics_server_publish(metrics_server *m, char *text);
/* Stops the thread, closes the socket, frees M. */
void metrics_server_stop(metrics_server *m);

#endif
