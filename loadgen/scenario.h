/* scenario.h: Double-11 traffic as files. Loads a scenario JSON (cJSON),
 * its CSV feeders and profiles (libcsv), checks everything (unknown keys,
 * ranges, templates naming unknown feeder columns, missing files) and
 * compiles it into a loadplan. See docs/scenario-format.md. */
#ifndef CREST_SCENARIO_H
#define CREST_SCENARIO_H

#include "loadgen/loadplan.h"

typedef struct scenario_options {
    const char *target;        /* --target URL overrides the file's; NULL keeps it */
    const char *const *only;   /* --only NAME...: keep these subsystems (NULL-terminated), or NULL */
    double growth;             /* extra multiplier on all rates (0: none) */
} scenario_options;

/* Loads PATH. Returns a plan (prepared; target NULL means: start the
 * embedded testbed), or NULL after printing errors naming the file and the
 * line/column or JSON path. Caller frees with loadplan_free. */
loadplan *scenario_load(const char *path, const scenario_options *opts);

/* What `crest plan` needs from a scenario, read leniently (a plan-only
 * scenario need not be runnable): every subsystem with calls_per_pv > 0
 * (the others are left out with a warning) and whether a phase has
 * "shape": "profile". *ROWS is allocated (caller frees). 0, or -1 (said
 * why). */
typedef struct scenario_demand {
    char name[128];
    double calls_per_pv;
} scenario_demand;

int scenario_read_demand(const char *file, scenario_demand **rows, size_t *nrows,
                         int *has_profile);

#endif
