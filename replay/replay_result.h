/* replay_result.h: what a replay kept of its log, and how closely the run
 * followed it: replay.json ("crest.replay/1", docs/replay.md), read by
 * `crest report` for the "replay vs recorded rate" section.
 *
 * Rate tracking compares, per second of the run, the arrivals the engine
 * offered (results' per-second "offered") with the arrivals the log
 * planned for that second (the recorded lines after scaling, mapped
 * through --speed). */
#ifndef CREST_REPLAY_RESULT_H
#define CREST_REPLAY_RESULT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "loadgen/stats.h"
#include "replay/replay_stream.h"

typedef struct replay_tracking {
    double *planned;          /* arrivals per run second, from the log (owned) */
    size_t nplanned;
    size_t compared;          /* seconds compared (both sides, the partial last one excluded) */
    double mean_abs_error;    /* mean |offered - planned| / mean planned, over compared seconds */
    double max_abs_error;     /* largest |offered - planned| of one second, in arrivals */
    double total_error;       /* (sum offered - sum planned) / sum planned */
} replay_tracking;

/* Maps the log's per-recorded-second arrivals onto run seconds (a recorded
 * second covers [i/speed, (i+1)/speed) of the run, spread evenly) and
 * compares with R's per-second offered counts (R may be NULL: planned
 * only). 0 or -1 (out of memory). */
int replay_tracking_compute(const replay_stats *st, double speed, const run_result *r,
                            replay_tracking *out);
void replay_tracking_free(replay_tracking *t);

typedef struct replay_meta {
    const char *log;
    const char *format;
    double speed, scale;
    const char *from, *to;
} replay_meta;

/* The replay.json document (caller frees), or NULL. */
cJSON *replay_result_to_json(const replay_meta *m, const replay_stats *st,
                             const replay_tracking *t, const run_result *r);

#endif
