/* replay_plan.h: the load plan of a replay: subsystems and endpoints to tag
 * the recorded requests with (from --map rules or a scenario's endpoints),
 * and a timeline whose length and per-second target rate come from a
 * pre-scan of the log when it is a file.
 *
 * Tagging: a request's path (the URL without its query) is matched against
 * the rules in order, the scenario's endpoints first (their path templates
 * with every ${...} read as '*', method equal), then --map 'GLOB=SUBSYSTEM'
 * (fnmatch glob: '*' also matches '/'; an optional 'METHOD ' before the
 * glob). The first match wins; no match: subsystem "other". */
#ifndef CREST_REPLAY_PLAN_H
#define CREST_REPLAY_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "loadgen/loadplan.h"
#include "replay/replay_stream.h"

typedef struct replay_plan_options {
    const char *const *maps;     /* "GLOB=SUBSYSTEM" or "METHOD GLOB=SUBSYSTEM" */
    size_t nmaps;
    const char *scenario;        /* a scenario whose subsystems, SLOs, gates and endpoints
                                    apply, or NULL */
    const char *target;          /* overrides the scenario's; NULL: the scenario's (or none) */
    const char *const *headers;  /* "K: V" added to every request */
    size_t nheaders;
    const char *body;            /* body template for POST/PUT/PATCH without one, or NULL:
                                    such requests are skipped and counted */
} replay_plan_options;

typedef struct replay_rule {
    char *glob;
    char *method;                /* NULL: any */
    uint32_t endpoint;
} replay_rule;

typedef struct replay_tagger {
    const loadplan *plan;
    replay_rule *rules;
    size_t nrules;
    uint32_t other;              /* endpoint of unmatched requests */
} replay_tagger;

/* The plan (no phases yet) and its tagger in T. NULL after printing an
 * error. */
loadplan *replay_plan_build(const replay_plan_options *o, replay_tagger *t);
void replay_tagger_free(replay_tagger *t);
/* replay_tag_fn over a replay_tagger. */
uint32_t replay_tagger_tag(void *tagger, const char *method, const char *url, size_t url_len);

/* Sets P's timeline: with SCAN (a pre-scan of the same stream) one
 * profile phase of the scanned length whose rate each second is the
 * arrivals the stream will emit; without it (a pipe) a phase of BOUND_S
 * seconds (the run ends with the log anyway). Prepares the plan. 0 or -1. */
int replay_plan_timeline(loadplan *p, const replay_stats *scan, double speed, double bound_s);

#endif
