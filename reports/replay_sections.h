/* replay_sections.h: the report's replay and shadow sections, read from the
 * replay.json and shadow.json written beside results.json by `crest replay`
 * and `crest shadow` (docs/replay.md, docs/shadow.md). Self-contained: each
 * function reads its own file and renders one section, or nothing when the
 * file is absent, so the report can place them wherever it likes.
 *
 *   replay: the replay's per-second offered count against the log's
 *           (planned = recorded lines x scale, through --speed), as an
 *           inline SVG chart and the tracking error, plus what was skipped;
 *   shadow: matches and mismatches per endpoint, both sides' latency and
 *           SLO verdicts, and the sampled mismatching pairs side by side. */
#ifndef CREST_REPLAY_SECTIONS_H
#define CREST_REPLAY_SECTIONS_H

#include <stdio.h>

#include "reports/report_data.h"

/* The directory holding the inputs' results.json (or the single directory
 * given), into BUF; "" when none. */
const char *report_inputs_dir(const report_inputs *in, char *buf, size_t len);

void report_replay_section_html(FILE *f, const report_inputs *in);
void report_shadow_section_html(FILE *f, const report_inputs *in);
void report_replay_section_text(FILE *f, const report_inputs *in);
void report_shadow_section_text(FILE *f, const report_inputs *in);

#endif
