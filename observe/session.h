/* session.h: what the load-running commands (run, search, drill's stages)
 * share of observe/: the settings behind their flags (--scrape,
 * --scrape-interval, --scrape-match, --metrics-listen, --metrics-linger,
 * --hlog; the flags themselves are cli/observe_options.h's), and one
 * object that starts the scraper, the metrics server and the hlog writer,
 * hands the engine its hooks, and afterwards puts the scraped series into
 * results.json and a search step's resource readings into its step.
 * docs/observe.md. */
#ifndef CREST_OBSERVE_SESSION_H
#define CREST_OBSERVE_SESSION_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "capacity/search.h"
#include "loadgen/engine.h"
#include "loadgen/loadplan.h"
#include "loadgen/stats.h"
#include "observe/scraper.h"

typedef struct observe_options {
    scrape_target_spec targets[SCRAPE_MAX_TARGETS];
    size_t ntargets;
    double scrape_interval_s;
    const char *scrape_match;
    const char *metrics_listen;
    double metrics_linger_s;
    const char *hlog_path;
} observe_options;

void observe_options_init(observe_options *o);
/* --scrape-match: RE_TEXT must compile as a POSIX ERE. 0, or -1 (said why). */
int observe_set_match(observe_options *o, const char *re_text);
/* Adds a target ("[NAME=]URL"); ORIGIN names where it came from. 0 or -1. */
int observe_add_target(observe_options *o, const char *arg, const char *origin);
/* Adds every subsystem's "scrape" URL of PLAN, named after the subsystem. */
int observe_add_plan_targets(observe_options *o, const loadplan *plan);

typedef struct observe_session observe_session;

/* Starts what O asks for (possibly nothing). NULL after saying why. */
observe_session *observe_start(const observe_options *o);
/* Opens the hlog (it needs PLAN's subsystem names) before the first run.
 * 0, or -1 (said why). */
int observe_prepare_plan(observe_session *s, const loadplan *plan);
/* The same for a search: each step's total latency is logged tagged
 * "SUBSYSTEM@RATE" (the steps' plans differ in their subsystems). */
int observe_prepare_search(observe_session *s);
/* For engine_options.hooks: NULL when nothing needs them. */
const engine_hooks *observe_hooks(observe_session *s);
/* A run ended: the metrics server publishes R's final counters. */
void observe_run_done(observe_session *s, const run_result *r);
/* Adds "targets" (scraped series on R's per-second axis) to ROOT when
 * anything was scraped. */
void observe_add_results(observe_session *s, const run_result *r, cJSON *root);
/* observe_fill_step with CTX an observe_session (step_settings.observe_step). */
void observe_fill_step_cb(void *ctx, const run_result *r, search_step *st);
/* "node CPU 97% busy": ST's resource nearest its limit into BUF, or "" when
 * none is known. */
void observe_describe_nearest(const search_step *st, char *buf, size_t len);
/* Fills ST's resource readings with the scraped means over R's measured
 * window (the first second skipped like the step's judge does). */
void observe_fill_step(observe_session *s, const run_result *r, search_step *st);
/* One line per scrape target for the terminal ("node http://...: 30
 * scrapes, 2 failed (timeout 2), last: ..."); I-th of observe_ntargets. */
size_t observe_ntargets(const observe_session *s);
void observe_target_line(observe_session *s, size_t i, char *buf, size_t len);
/* Lingers (metrics), stops everything, closes the hlog, frees S. 0, or
 * -1 when the hlog could not be written (said why). */
int observe_finish(observe_session *s);

#endif
