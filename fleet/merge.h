/* merge.h: many shard results.json files (one per generator of a fleet
 * run, `crest run --shard I/N`) into the one result a single giant
 * generator would have measured.
 *
 * Histograms (total and per subsystem) add exactly; counts add, and the
 * accounting identity is checked per shard and after merging; per-second
 * series are aligned on the shared timeline (--start-at, or each shard's
 * recorded timeline start); generator health is kept per shard (any
 * limited shard makes the merged run generator-limited, the reason naming
 * the shard). The thresholds recorded by the shards are parsed back so the
 * caller re-evaluates them on the merged result (loadgen/run_verdict.h).
 *
 * A set of files that is not exactly one fleet run is refused, naming the
 * file: a missing or duplicate shard index, different shard counts,
 * scenarios, seeds, weights, start times or settings. See docs/fleet.md. */
#ifndef CREST_FLEET_MERGE_H
#define CREST_FLEET_MERGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "loadgen/results.h"
#include "loadgen/stats.h"
#include "loadgen/threshold.h"

typedef struct fleet_merged {
    run_result merged;         /* the fleet's result */
    threshold_set thresholds;  /* the shards' gates, to evaluate on MERGED */
    unsigned count;            /* shards */
    char *scenario;            /* scenario path as recorded, or NULL (ad hoc) */
    cJSON *settings;           /* shard 0's settings, connections summed */
    cJSON *fleet;              /* the "fleet" block: one entry per shard */
    char interrupted[512];     /* "shard 2 (b.json)": shards stopped by a signal, or "" */
} fleet_merged;

/* Merges the N files PATHS into OUT. Returns 0; CREST_EXIT_USAGE when a
 * file cannot be read or does not balance (printed, naming the file);
 * CREST_EXIT_RUN when the files are not one whole fleet run (printed,
 * naming the shard and file). OUT is valid only on 0; free it with
 * fleet_merged_free. */
int fleet_merge(const char *const *paths, size_t n, fleet_merged *out);
void fleet_merged_free(fleet_merged *m);

/* The merged results.json document (crest.results/2 plus the "fleet"
 * block), with the evaluated thresholds TH (NTH) and COMMAND. Caller owns
 * it; NULL when out of memory. */
cJSON *fleet_merged_to_json(const fleet_merged *m, const threshold_result *th, size_t nth,
                            const char *command);

/* Shifts R's per-second series OFFSET seconds later (zero seconds in
 * front), so series of shards that started at different instants line up.
 * 0 or -1 (out of memory). */
int fleet_shift_seconds(run_result *r, size_t offset);

#endif
