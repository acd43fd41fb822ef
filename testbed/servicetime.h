/* servicetime.h: the pure pieces of the testbed's capacity model, kept free of
 * libev and sockets so unit tests can check them directly:
 *
 *   - service-time distributions (fixed, exponential, lognormal), each
 *     parameterised by its exact mean, so that a subsystem's true capacity
 *     is workers / mean whatever the shape;
 *   - the token bucket behind the emergency rate limit (429);
 *   - periodic fault windows (stalls, error bursts): "for F seconds every
 *     P seconds", measured from the testbed's start.
 *
 * Times are seconds as doubles on one clock chosen by the caller (the
 * server uses libev's loop time). Nothing here allocates. */
#ifndef CREST_TESTBED_SERVICETIME_H
#define CREST_TESTBED_SERVICETIME_H

#include "common/rng.h"

typedef enum service_dist_kind {
    SERVICE_FIXED,
    SERVICE_EXPONENTIAL,
    SERVICE_LOGNORMAL
} service_dist_kind;

typedef struct service_dist {
    service_dist_kind kind;
    double mean_s;   /* the exact mean of every kind */
    double sigma;    /* lognormal only: sd of the underlying normal */
    double mu;       /* lognormal only: derived so that the mean is mean_s */
} service_dist;

/* Fills D; for lognormal mu = ln(mean) - sigma^2/2 (so E[X] = mean). */
void service_dist_init(service_dist *d, service_dist_kind kind, double mean_s, double sigma);
/* One service time in seconds (> 0). */
double service_dist_sample(const service_dist *d, rng *r);
/* "fixed", "exponential", "lognormal"; and back (-1 when unknown). */
const char *service_dist_name(service_dist_kind kind);
int service_dist_parse(const char *name, service_dist_kind *out);

typedef struct token_bucket {
    double rate;     /* tokens per second */
    double burst;    /* bucket size */
    double tokens;
    double last;     /* time of the last refill */
} token_bucket;

/* A full bucket at time NOW. */
void token_bucket_init(token_bucket *b, double rate, double burst, double now);
/* Refills up to NOW and takes one token: 1 when granted, 0 when empty.
 * NOW earlier than the last call counts as no time passing. */
int token_bucket_take(token_bucket *b, double now);

typedef struct fault_window {
    double every_s;  /* period; 0 = the fault is off */
    double for_s;    /* length of each window, < every_s */
} fault_window;

/* When T (seconds since the start) lies in a window, that window's end
 * (also seconds since the start); otherwise -1. Window k (k = 1, 2, ...)
 * covers [k*every, k*every + for): the first starts one period in, so a
 * testbed is healthy right after it starts. */
double fault_window_end(const fault_window *w, double t);

#endif
