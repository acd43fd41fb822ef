/* replay_session.h: everything a replay run needs, set up in one call for
 * `crest replay` and `crest shadow --replay`: the log format, a pre-scan
 * when the log is a file (bad lines and an empty window are found before
 * any traffic; the run's length and per-second target come from it), the
 * plan with its tagger, and the feed attached to the plan. */
#ifndef CREST_REPLAY_SESSION_H
#define CREST_REPLAY_SESSION_H

#include "replay/replay_feed.h"
#include "replay/replay_plan.h"
#include "replay/replay_result.h"

typedef struct replay_session_options {
    const char *log;              /* path or "-" */
    const char *format;           /* combined, common, json, csv, or NULL: detect */
    const char *log_format;       /* an nginx log_format string (instead of format) */
    double speed, scale;
    const char *from, *to;
    int strict;
    double max_duration_s;        /* a piped log's run is at most this long (default 1 h) */
    uint64_t seed;
    replay_plan_options plan;
} replay_session_options;

typedef struct replay_session {
    replay_session_options o;
    access_format fmt;
    int have_fmt;
    loadplan *plan;
    replay_tagger tagger;
    replay_feed *feed;
    int scanned;                  /* 1: the log was pre-scanned (a file) */
    replay_stats scan;            /* counts of the pre-scan (its tables owned) */
} replay_session;

/* Sets S up. CREST_EXIT_OK, or CREST_EXIT_USAGE after printing the error
 * (bad flags, an unreadable log, a bad line with strict, nothing to
 * replay). */
int replay_session_open(const replay_session_options *o, replay_session *s);
/* The stream's final counters (after the run; the pre-scan's before). */
const replay_stats *replay_session_stats(const replay_session *s);
void replay_session_close(replay_session *s);

/* "N lines could not be parsed ..." and the other skip counts as warnings
 * (crest_warn), one line each, only for non-zero counts. */
void replay_session_warn(const replay_session *s);

#endif
