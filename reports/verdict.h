/* verdict.h: the report's one-word verdict and the reasons behind it, so
 * index.html's banner, summary.txt and junit.xml agree.
 *
 * Levels, worst last: a plan shortfall, a failed threshold or an aborted run
 * fail; a generator-limited or interrupted run, or an inconclusive plan row,
 * make the result inconclusive (the numbers say more about the generator
 * than the target); a tight plan row is a warning; otherwise pass. */
#ifndef CREST_VERDICT_H
#define CREST_VERDICT_H

#include <stddef.h>

#include "reports/report_data.h"

enum rep_level { REP_LEVEL_OK, REP_LEVEL_TIGHT, REP_LEVEL_INCONCLUSIVE, REP_LEVEL_FAIL };

#define REP_MAX_REASONS 12

typedef struct rep_verdict {
    enum rep_level level;
    const char *word;                 /* "PASS", "TIGHT", "INCONCLUSIVE", "SHORTFALL", "FAIL" */
    size_t nreasons;
    char reasons[REP_MAX_REASONS][256]; /* raw text (may hold input names): escape when writing */
} rep_verdict;

void report_verdict(const report_inputs *in, rep_verdict *v);

/* The level of a plan status ("ok", "tight", "shortfall", "inconclusive");
 * anything unknown is inconclusive. */
enum rep_level report_status_level(const char *status);

/* "ok", "tight", "inconclusive", "fail": the CSS class / word of a level. */
const char *report_level_class(enum rep_level level);

#endif
