/* report.h: renders `crest report`'s outputs from loaded inputs.
 *
 * report_write puts index.html, summary.txt, junit.xml and (with
 * results.json) timeseries.csv into a directory, each written atomically
 * (temp + fsync + rename). The pieces are separate writers taking a FILE*, so
 * tests can render them to memory:
 *   html.c           index.html (tables + charts from charts.c)
 *   summary.c        summary.txt
 *   junit.c          junit.xml
 *   timeseries_csv.c timeseries.csv */
#ifndef CREST_REPORT_H
#define CREST_REPORT_H

#include <stdio.h>

#include "reports/report_data.h"

struct chart_set;

typedef struct report_options {
    const char *title;                /* NULL: derived from the inputs */
    int no_charts;                    /* 1: skip gnuplot entirely */
    int quiet;                        /* 1: do not list the files written */
} report_options;

#define REPORT_MAX_OUTPUTS 8

/* What report_write did, for the command to tell the user. */
typedef struct report_outcome {
    char written[REPORT_MAX_OUTPUTS][4096];  /* paths, in the order written */
    size_t nwritten;
    size_t charts_drawn, charts_failed;      /* failed ones were warned about */
} report_outcome;

/* Writes every output into DIR (created when missing) and fills OUTCOME.
 * Returns CREST_EXIT_OK, or CREST_EXIT_RUN after reporting why a file
 * could not be written. */
int report_write(const report_inputs *in, const char *dir, const report_options *opt,
                 report_outcome *outcome);

/* The writers. Each returns 0, or -1 when out of memory (stream errors are
 * checked by the caller on fclose). */
int report_html(FILE *f, const report_inputs *in, const report_options *opt,
                const struct chart_set *charts);
int report_summary(FILE *f, const report_inputs *in);
int report_junit(FILE *f, const report_inputs *in);
int report_timeseries_csv(FILE *f, const rep_results *r);

/* A copy of S with secret header values redacted (report_redact with the
 * results' secret_headers, or Authorization and Cookie without results).
 * The caller frees; NULL when S is NULL or out of memory. (report_load.c) */
char *report_clean(const report_inputs *in, const char *s);

/* The title: OPT's, or "crest report: <scenario or target>". Caller frees.
 * (report_load.c) */
char *report_title(const report_inputs *in, const report_options *opt);

#endif
