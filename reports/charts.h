/* charts.h: the report's charts, drawn by gnuplot as SVG and inlined into
 * index.html.
 *
 * gnuplot runs as a child process (fork + exec, never a shell): each chart
 * is a script file in a private temp directory holding its data as inline
 * data blocks (numbers only) and its labels as sanitized single-quoted
 * strings (text_gnuplot), with the terminal in noenhanced mode, so names
 * from a scenario can neither end a string nor run a command. The SVG comes
 * back on the child's stdout; its ids are prefixed per chart so several can
 * live in one HTML page. gnuplot is CREST_GNUPLOT when set (a path), else
 * the first `gnuplot` on PATH; when there is none the report is written
 * without charts and says how to install it. */
#ifndef CREST_CHARTS_H
#define CREST_CHARTS_H

#include <stddef.h>

#include "reports/report_data.h"

enum chart_section { CHART_RUN, CHART_CAPACITY, CHART_FORECAST, CHART_PLAN };

typedef struct chart {
    enum chart_section section;
    char *title;                      /* plain text (escape when writing); owned */
    char *caption;                    /* how to read it; owned, may be NULL */
    char *svg;                        /* inline-ready <svg>...</svg>; NULL when it failed */
    char *error;                      /* why it failed; owned, may be NULL */
    int wide;                         /* 1: spans the full page width */
} chart;

typedef struct chart_set {
    chart *items;
    size_t n;
    int gnuplot_missing;              /* 1: no gnuplot found, no charts drawn */
    char *gnuplot;                    /* the program used; owned */
} chart_set;

/* Draws every chart IN allows, in page order. Returns 0, or -1 when out of
 * memory; a chart gnuplot could not draw keeps its error instead. Free with
 * charts_free either way. */
int charts_render(const report_inputs *in, chart_set *out);
void charts_free(chart_set *cs);

/* The gnuplot to run (malloc'd), or NULL when none is found. */
char *charts_find_gnuplot(void);

/* Runs GNUPLOT on SCRIPT in a fresh temp directory and returns the SVG it
 * wrote (malloc'd), or NULL with a malloc'd reason in *ERROR. Bounded: a
 * gnuplot that runs longer than 60 s is killed. */
char *charts_run_gnuplot(const char *gnuplot, const char *script, char **error);

/* Makes gnuplot's standalone SVG inline-ready: drops the XML prolog and
 * <title>/<desc> tooltips, prefixes every id and reference with "cN_" and
 * labels the root for screen readers with TITLE (escaped). Returns malloc'd
 * text, or NULL when SVG is not an SVG document or holds a <script>. */
char *charts_inline_svg(const char *svg, int chart_no, const char *title);

#endif
