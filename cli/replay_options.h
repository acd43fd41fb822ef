/* replay_options.h: the flags `crest replay` and `crest shadow --replay`
 * share (log format, window, speed, scale, tagging, bodies, engine), so a
 * flag means the same in both. A command splices REPLAY_LONG_OPTIONS into
 * its getopt_long table, numbers its own options from ROPT_NEXT on, and
 * hands every option to replay_flags_parse first. */
#ifndef CREST_REPLAY_OPTIONS_H
#define CREST_REPLAY_OPTIONS_H

#include <getopt.h>

#include "loadgen/engine.h"
#include "replay/replay_session.h"

#define REPLAY_MAX_LIST 64

enum {
    ROPT_FORMAT = 256, ROPT_LOG_FORMAT, ROPT_FROM, ROPT_TO, ROPT_STRICT, ROPT_SPEED, ROPT_SCALE,
    ROPT_MAP, ROPT_SCENARIO, ROPT_TARGET, ROPT_BODY, ROPT_MAX_DURATION, ROPT_THREADS,
    ROPT_TIMEOUT, ROPT_MAX_INFLIGHT, ROPT_MAX_LAG, ROPT_SEND_BATCH, ROPT_GRACE, ROPT_SEED, ROPT_QUIET, ROPT_NEXT
};

#define REPLAY_LONG_OPTIONS \
    {"format", required_argument, NULL, ROPT_FORMAT}, \
    {"log-format", required_argument, NULL, ROPT_LOG_FORMAT}, \
    {"from", required_argument, NULL, ROPT_FROM}, \
    {"to", required_argument, NULL, ROPT_TO}, \
    {"strict", no_argument, NULL, ROPT_STRICT}, \
    {"speed", required_argument, NULL, ROPT_SPEED}, \
    {"scale", required_argument, NULL, ROPT_SCALE}, \
    {"map", required_argument, NULL, ROPT_MAP}, \
    {"scenario", required_argument, NULL, ROPT_SCENARIO}, \
    {"target", required_argument, NULL, ROPT_TARGET}, \
    {"header", required_argument, NULL, 'H'}, \
    {"body", required_argument, NULL, ROPT_BODY}, \
    {"max-duration", required_argument, NULL, ROPT_MAX_DURATION}, \
    {"connections", required_argument, NULL, 'c'}, \
    {"threads", required_argument, NULL, ROPT_THREADS}, \
    {"timeout", required_argument, NULL, ROPT_TIMEOUT}, \
    {"max-in-flight", required_argument, NULL, ROPT_MAX_INFLIGHT}, \
    {"max-loop-lag", required_argument, NULL, ROPT_MAX_LAG}, \
    {"send-batch", required_argument, NULL, ROPT_SEND_BATCH}, \
    {"grace", required_argument, NULL, ROPT_GRACE}, \
    {"seed", required_argument, NULL, ROPT_SEED}, \
    {"quiet", no_argument, NULL, ROPT_QUIET}

typedef struct replay_flags {
    replay_session_options s;
    engine_options eng;
    const char *maps[REPLAY_MAX_LIST], *headers[REPLAY_MAX_LIST];
    const char *body_arg;
    char *body_owned;            /* --body @FILE's contents */
} replay_flags;

void replay_flags_init(replay_flags *f);
/* Option C with argument ARG: 1 handled, 0 not a replay flag, -1 bad value
 * (printed). */
int replay_flags_parse(int c, const char *arg, replay_flags *f);
/* After parsing: wires the lists and reads --body @FILE. 0 or -1 (printed). */
int replay_flags_finish(replay_flags *f);
void replay_flags_free(replay_flags *f);

#endif
