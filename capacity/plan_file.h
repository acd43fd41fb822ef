/* plan_file.h: plan.json ("crest.plan/1", docs/plan-format.md), the
 * capacity plan `crest plan` writes: the forecast peak it planned for,
 * the assumptions (unit, peak factor, margin) and one headroom_row per
 * subsystem with its status. `crest report` reads it back
 * (reports/read_plan.c). */
#ifndef CREST_PLAN_FILE_H
#define CREST_PLAN_FILE_H

#include <stddef.h>

#include "capacity/headroom.h"

typedef struct plan_file {
    const char *forecast, *capacity, *scenario;  /* the input files */
    const char *series_id, *metric;              /* the forecast series planned for */
    const char *peak_t;                          /* its peak's time label, or NULL */
    double peak_mean, peak_hi95;
    double unit_seconds, peak_factor, safety_margin;
    const char *peak_factor_source;
    const headroom_row *rows;
    size_t nrows;
    headroom_status verdict;
} plan_file;

/* Writes P to PATH atomically (jsonio_write_file). 0, or -1 (said why). */
int plan_file_write(const char *path, const plan_file *p);

#endif
