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

#endif
