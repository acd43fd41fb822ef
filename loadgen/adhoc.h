/* adhoc.h: turns `crest run --url ...` flags into a load plan, so ad hoc
 * runs go through the same engine, stats and gates as scenarios.
 *
 *   no -R, no --stages   closed loop: -c connections, each one request in
 *                        flight, optional --think, for -d
 *   -R RATE              open loop at RATE arrivals/s for -d
 *   --stages SPEC        open loop: SPEC = STAGE[,STAGE...], STAGE =
 *                        DURATION:RATE (constant) or DURATION:FROM-TO (ramp),
 *                        e.g. 30s:0-5000,60s:5000,10s:5000-20000 */
#ifndef CREST_ADHOC_H
#define CREST_ADHOC_H

#include <stddef.h>

#include "loadgen/loadplan.h"

typedef struct adhoc_options {
    const char *url;               /* required: http[s]://host[:port][/path][?query] */
    const char *method;            /* NULL: GET, or POST when there is a body */
    const char *const *headers;    /* "Name: value" */
    size_t nheaders;
    const char *body;              /* "@FILE", a literal string, or NULL */
    double duration_s;             /* -d (ignored with stages) */
    double rate;                   /* -R, 0: none */
    const char *stages;            /* --stages, or NULL */
    int connections;               /* closed loop: connections */
    double think_s;                /* closed loop: think time */
    int poisson;                   /* --arrivals poisson */
} adhoc_options;

/* Builds and prepares the plan (one subsystem "adhoc", one endpoint).
 * Returns NULL after printing an error naming the flag and what was
 * expected. The caller frees the plan with loadplan_free. */
loadplan *adhoc_plan(const adhoc_options *o);

/* Appends the phases of SPEC (see above) to P. 0, or -1 with ERR naming
 * the stage and what was expected. */
int adhoc_parse_stages(loadplan *p, const char *spec, char *err, size_t errlen);

#endif
