/* report.c: assembles `crest report`'s outputs from loaded inputs: draws
 * the charts once, then writes index.html, summary.txt, junit.xml and
 * timeseries.csv into the output directory, each atomically (temp + fsync +
 * rename, common/safefile.h) so a reader never sees half a report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/safefile.h"
#include "reports/charts.h"
#include "reports/report.h"
#include "reports/report_text.h"

/* mkdir -p DIR. */
static int make_dirs(const char *dir)
{
    char *copy = strdup(dir);
    if (!copy)
        return -1;
    int rc = 0;
    for (char *p = copy + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
                rc = -1;
                break;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    free(copy);
    struct stat st;
    if (rc == 0 && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        errno = ENOTDIR;
        rc = -1;
    }
    return rc;
}

enum output { OUT_HTML, OUT_SUMMARY, OUT_JUNIT, OUT_CSV };

static int write_output(report_outcome *outcome, const char *dir, const char *name,
                        enum output what, const report_inputs *in, const report_options *opt,
                        const chart_set *cs)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        crest_error("output path too long: '%s/%s'", dir, name);
        return -1;
    }
    safefile sf;
    if (safefile_open(&sf, path) != 0)
        return -1;
    FILE *f = sf.f;
    int rc;
    switch (what) {
    case OUT_HTML: rc = report_html(f, in, opt, cs); break;
    case OUT_SUMMARY: rc = report_summary(f, in); break;
    case OUT_JUNIT: rc = report_junit(f, in); break;
    default: rc = report_timeseries_csv(f, in->results); break;
    }
    if (rc != 0) {
        crest_error("cannot write '%s': out of memory", path);
        safefile_abort(&sf);
        return -1;
    }
    if (safefile_commit(&sf) != 0)
        return -1;
    if (outcome->nwritten < REPORT_MAX_OUTPUTS)
        snprintf(outcome->written[outcome->nwritten++], sizeof outcome->written[0], "%s", path);
    return 0;
}

int report_write(const report_inputs *in, const char *dir, const report_options *opt,
                 report_outcome *outcome)
{
    memset(outcome, 0, sizeof *outcome);
    if (make_dirs(dir) != 0) {
        crest_error("cannot create output directory '%s': %s", dir, strerror(errno));
        return CREST_EXIT_RUN;
    }
    chart_set cs = {0};
    if (opt->no_charts) {
        cs.gnuplot_missing = 0;
    } else if (charts_render(in, &cs) != 0) {
        crest_error("out of memory drawing charts");
        charts_free(&cs);
        return CREST_EXIT_RUN;
    }
    if (cs.gnuplot_missing)
        crest_warn("gnuplot not found (PATH or CREST_GNUPLOT): the report has no charts; "
                   "install it with: apt-get install gnuplot-nox");
    size_t failed = 0;
    for (size_t i = 0; i < cs.n; i++)
        if (!cs.items[i].svg) {
            crest_warn("chart '%s' could not be drawn: %s", cs.items[i].title,
                       cs.items[i].error ? cs.items[i].error : "unknown error");
            failed++;
        }
    int rc = write_output(outcome, dir, "index.html", OUT_HTML, in, opt, &cs) != 0 ||
             write_output(outcome, dir, "summary.txt", OUT_SUMMARY, in, opt, &cs) != 0 ||
             write_output(outcome, dir, "junit.xml", OUT_JUNIT, in, opt, &cs) != 0 ||
             (in->results && write_output(outcome, dir, "timeseries.csv", OUT_CSV, in, opt, &cs) != 0);
    outcome->charts_drawn = cs.n - failed;
    outcome->charts_failed = failed;
    charts_free(&cs);
    return rc ? CREST_EXIT_RUN : CREST_EXIT_OK;
}
