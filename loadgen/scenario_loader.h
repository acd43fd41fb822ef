/* scenario_loader.h: the scenario loader's internals, shared by its files
 * and by nothing else (the module's contract is scenario.h):
 *   scenario.c         the top level, feeders, subsystems, thresholds
 *   scenario_phases.c  the traffic shapes: phases, rate curves, profiles, mixes
 * Every function reports its own error (file and JSON path) and returns -1. */
#ifndef CREST_SCENARIO_LOADER_H
#define CREST_SCENARIO_LOADER_H

#include <stddef.h>

#include "common/jsonio.h"
#include "loadgen/scenario.h"
#include "loadgen/template.h"

#define SCENARIO_SCHEMA "crest.scenario/1"
#define MAX_SHED 8
#define PROFILE_MAX_SAMPLES 1000000

typedef struct parsed_endpoint {
    char name[64];
    char method[16];
    template *path, *headers[LOADPLAN_MAX_HEADERS], *body;
    size_t nheaders;
    double weight;            /* relative, within the subsystem */
} parsed_endpoint;

typedef struct parsed_subsystem {
    char name[64];
    double weight;            /* share in the default mix */
    double calls_per_pv, slo_p99_ms, slo_error_rate;
    int shed[MAX_SHED];
    size_t nshed;
    char shed_header[128];    /* "" none */
    char scrape[512];         /* "" none: the subsystem's Prometheus metrics URL */
    parsed_endpoint *endpoints;
    size_t nendpoints;
    int keep;                 /* survives --only */
    size_t plan_index;        /* in plan->subsystems when kept */
} parsed_subsystem;

typedef struct loader {
    const char *file;
    char *dir;                /* directory of FILE, for relative paths */
    const scenario_options *opts;
    loadplan *plan;
    double time_scale, growth;
    parsed_subsystem *subs;
    size_t nsubs;
} loader;

/* "FILE: error: PATH: message". Returns -1 for `return scenario_fail(...)`. */
int scenario_fail(const loader *L, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A short rendering of V for "found ..." (JSON text, truncated). */
const char *scenario_found(const cJSON *v, char *buf, size_t cap);
int scenario_get_number(const loader *L, const char *base, const cJSON *obj, const char *key,
                      int required, double lo, double *out);
int scenario_get_rate(const loader *L, const char *base, const cJSON *obj, const char *key,
                    int required, double *out);
int scenario_get_duration(const loader *L, const char *base, const cJSON *obj, const char *key,
                        int required, int positive, double *out);
int scenario_get_string(const loader *L, const char *base, const cJSON *obj, const char *key,
                      int required, const char **out);
int scenario_expect_object(const loader *L, const char *path, const cJSON *v, int nonempty);
int scenario_check_keys(const loader *L, const char *path, const cJSON *obj,
                      const char *const *allowed);
char *scenario_resolve_path(const loader *L, const char *rel);
parsed_subsystem *scenario_find_sub(const loader *L, const char *name, size_t len);
void scenario_list_subsystems(const loader *L, char *buf, size_t cap);
/* The phases: array of the scenario into L->plan. */
int scenario_parse_phases(loader *L, const cJSON *root);

#endif
