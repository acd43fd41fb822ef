/* config.h: the testbed's configuration: ten subsystems, each with a
 * capacity model (workers, service time, queue limit, optional rate limit
 * and degrade mode) and optional fault injection, plus the random seed.
 *
 * The compiled-in defaults (testbed_config_defaults) give every subsystem a
 * different capacity; testbed/default-config.json spells out the same values
 * in the file format, and docs/testbed.md documents both. A config file
 * overrides only what it names: a subsystem it does not mention, or a key
 * it leaves out, keeps its default. */
#ifndef CREST_TESTBED_CONFIG_H
#define CREST_TESTBED_CONFIG_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "testbed/servicetime.h"

#define TESTBED_NSUB 10

/* /member, /product, ... (index = subsystem id), then NULL. */
extern const char *const testbed_subsystem_names[TESTBED_NSUB + 1];

typedef struct subsystem_config {
    int workers;               /* >= 1 */
    service_dist service;
    long queue_limit;          /* waiting requests beyond the busy workers; more: 503 */
    int rate_limited;          /* token bucket on arrivals; empty: 429 */
    double rate, burst;
    int degrade;               /* answer from "cache" when the queue is long */
    long degrade_above;        /* ... longer than this many waiting requests */
    fault_window stall;        /* responses held, new work waits */
    fault_window error_burst;  /* every answer in the window is a 500 */
    double reset_fraction;     /* requests answered by a TCP reset, 0..1 */
} subsystem_config;

typedef struct testbed_config {
    subsystem_config sub[TESTBED_NSUB];
    uint64_t seed;
    double idle_timeout_s;     /* close a connection silent this long (default 60; 0 off) */
    double header_timeout_s;   /* 408 + close when headers take longer (default 10; 0 off) */
    /* Answers for a shadow-comparison demo (crest shadow): */
    char alter_path[128];      /* "": off; else a 200 to a path starting with it carries an
                                  extra field, "variant":"b" (a subtly different answer) */
    int trace_ids;             /* 1: every 200 carries "trace":"<unique id>" (differs per
                                  answer and per testbed, like a real trace id) */
} testbed_config;

/* The compiled-in defaults (see docs/testbed.md for the table). */
void testbed_config_defaults(testbed_config *c);

/* Applies the JSON document ROOT on top of C. FILE names the source in
 * errors, which give the JSON path and what was expected. 0, or -1 after
 * printing the first error (C is then partly updated; discard it). */
int testbed_config_apply(const char *file, const cJSON *root, testbed_config *c);

/* Defaults, then the file at PATH. 0 or -1 after printing an error. */
int testbed_config_load(const char *path, testbed_config *c);

/* Index of the subsystem NAME (LEN bytes), or -1. */
int testbed_subsystem_index(const char *name, size_t len);

/* Capacity in requests per second: workers / mean service time. */
double subsystem_capacity(const subsystem_config *s);

#endif
