/* replay_scenario.h: `crest replay --to-scenario LOG -o scenario.json`:
 * an access log turned into an editable scenario (docs/scenario-format.md)
 * that validate, run, search and drill accept.
 *
 * Subsystems: the --map rules', else each path's first segment (/cart/add
 * -> cart). Endpoints: each distinct method + path, with whole-number path
 * segments and query values replaced by ${random.int(1,99999)} (at most
 * 200; the rest are counted into their subsystem's busiest endpoint).
 * Phases: the log cut into --phase long pieces (default: 10 pieces), each
 * a `profile` phase reading its own per-second rate CSV
 * (<output stem>.profiles/phaseN.csv) with the phase's endpoint mix.
 * SLOs are not in a log: every subsystem gets p99 500 ms / 1% errors, to be
 * edited. */
#ifndef CREST_REPLAY_SCENARIO_H
#define CREST_REPLAY_SCENARIO_H

#include "replay/replay_session.h"

typedef struct replay_scenario_options {
    replay_session_options session;   /* log, format, window, scale, speed, maps, body */
    const char *output;               /* scenario path */
    double phase_s;                   /* 0: the span / 10 (60 s for a pipe) */
} replay_scenario_options;

/* Writes the scenario and its profiles. A crest_exit code (errors printed). */
int replay_scenario_derive(const replay_scenario_options *o);

/* The endpoint key of URL: method, space, the path and query with
 * whole-number segments and values replaced by "${random.int(1,99999)}".
 * Into BUF (CAP); 0, or -1 when it does not fit. */
int replay_scenario_key(const char *method, const char *url, size_t url_len, char *buf,
                        size_t cap);

#endif
