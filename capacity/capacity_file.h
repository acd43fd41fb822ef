/* capacity_file.h: capacity.json ("crest.capacity/2"; /1 still read, docs/capacity-format.md),
 * the result of `crest search`, as a plain struct: written by `crest search`,
 * read by `crest plan` and `crest report`.
 *
 * Numbers that may be unknown (a capacity when nothing passed, an upper
 * bound when nothing failed) are NAN in the struct and null in the file. */
#ifndef CREST_CAPACITY_FILE_H
#define CREST_CAPACITY_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "capacity/usl.h"
#include "capacity/search.h"

typedef struct capacity_usl {
    int present;              /* 0: no sweep was run ("usl": null) */
    usl_fit fit;              /* n_star INFINITY when beta == 0 (null in the file) */
    double *load;             /* connections per point (owned) */
    double *throughput;       /* ok responses/s per point (owned) */
    size_t npoints;
} capacity_usl;

typedef struct capacity_subsystem {
    char *name;               /* subsystem, "full-link", or the URL ad hoc (owned) */
    char *slo_expr;           /* the SLO as threshold expressions (owned) */
    double slo_p99_ms;        /* NAN when the SLO has no p99 bound */
    double slo_error_rate;    /* NAN when the SLO has no error bound */
    double capacity_rps;      /* highest passing rate; NAN when none passed */
    double upper_bound_rps;   /* lowest failing rate; NAN when none failed */
    int at_least;             /* capacity_rps is a lower bound only */
    enum search_limit limited_by;
    char *limiting_tag;       /* full-link: the subsystem whose SLO broke at the upper
                               * bound; NULL otherwise (owned) */
    int generator_limited;
    int interrupted;
    char *resource_at_capacity; /* the scraped resource nearest its limit at the capacity
                                 * step, described ("testbed CPU 97% busy"; observe/);
                                 * NULL when nothing was scraped (owned) */
    double duration_s;        /* wall time the search of this subsystem took */
    search_step *steps;       /* in the order run (owned) */
    size_t nsteps;
    capacity_usl usl;
} capacity_subsystem;

typedef struct capacity_result {
    char *started_at;         /* ISO 8601 UTC (owned) */
    char *scenario;           /* path, or NULL ad hoc (owned) */
    char *target;             /* base URL searched (owned) */
    double step_s, warmup_s, tolerance, max_rate, start_rate;
    int connections, threads;
    int interrupted;          /* SIGINT: not every subsystem (or step) was searched */
    int partial;              /* a checkpoint written while the search lasted */
    capacity_subsystem *subsystems;  /* (owned) */
    size_t nsubsystems;
} capacity_result;

/* Appends an empty subsystem named NAME (copied) with unknown numbers;
 * returns it, or NULL when out of memory. The pointer is valid until the
 * next append. */
capacity_subsystem *capacity_add_subsystem(capacity_result *c, const char *name);

/* Writes C to PATH atomically. 0, or -1 after printing an error. */
int capacity_write(const char *path, const capacity_result *c);
/* The document capacity_write writes (the caller deletes it), or NULL when
 * out of memory. */
cJSON *capacity_to_json(const capacity_result *c);

/* Reads PATH into OUT (zeroed here). 0, or -1 after printing an error that
 * names the file and the JSON path. Free with capacity_result_free. */
int capacity_read(const char *path, capacity_result *out);
void capacity_result_free(capacity_result *c);

/* The subsystem named NAME, or NULL. */
const capacity_subsystem *capacity_find(const capacity_result *c, const char *name);

#endif
