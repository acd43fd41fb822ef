/* charts.c: which charts the report draws and the gnuplot script of each
 * (charts.h has the safety rules; gnuplot_run.c runs the scripts).
 *
 * Page order: run (rate, latency over time, percentile spectrum, errors by
 * kind, per-subsystem small multiples), capacity (one search chart per
 * subsystem, one USL chart per fit), forecast (one per series, with bands
 * and the capacity-equivalent line), plan (demand vs capacity bars). Data
 * go into inline data blocks as numbers ("?" when missing); every label
 * goes through text_gnuplot. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/hist.h"
#include "common/units.h"
#include "reports/charts.h"
#include "reports/report_text.h"

#define LABEL_MAX 60                  /* bytes of a name shown in a chart */
#define MAX_PANELS 16                 /* subsystems in the small multiples */
#define MAX_SPECTRUM_LINES (1 + MAX_PANELS) /* total + every subsystem drawn elsewhere */
#define MAX_KINDS 12                  /* error kinds in the errors chart */

static const char *const palette[] = {"#2563eb", "#f59e0b", "#16a34a", "#dc2626", "#7c3aed",
                                      "#0d9488", "#db2777", "#6b7280", "#0891b2", "#65a30d"};
#define NPALETTE (sizeof palette / sizeof palette[0])

/* ---- script building ---- */

typedef struct script {
    char *text;
    size_t len;
    FILE *f;
} script;

static int script_begin(script *s, int width, int height)
{
    memset(s, 0, sizeof *s);
    s->f = open_memstream(&s->text, &s->len);
    if (!s->f)
        return -1;
    fprintf(s->f,
            "set terminal svg size %d,%d noenhanced font 'sans-serif,12' background rgb '#ffffff'\n"
            "set encoding utf8\n"
            "set datafile missing '?'\n"
            "set border 3 lc rgb '#9ca3af'\n"
            "set tics nomirror textcolor rgb '#374151'\n"
            "set grid xtics ytics lc rgb '#e5e7eb' lw 1 dt 1\n"
            "set key outside bottom center horizontal samplen 2 spacing 1.1 textcolor rgb '#374151'\n"
            "set xlabel textcolor rgb '#374151'\n"
            "set ylabel textcolor rgb '#374151'\n",
            width, height);
    return 0;
}

/* Closes the script; the text stays in s->text (the caller frees). */
static int script_end(script *s)
{
    int rc = fclose(s->f);
    s->f = NULL;
    return rc == 0 && s->text ? 0 : -1;
}

/* Drops a script that will not be drawn. */
static void script_discard(script *s)
{
    fclose(s->f);
    s->f = NULL;
    free(s->text);
}

static void val(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs(" ?", f);
    else
        fprintf(f, " %.10g", v);
}

static int any_finite(const double *v, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i * stride]))
            return 1;
    return 0;
}

/* A line plot of columns 2..NCOLS of the row-major matrix M (N rows) against
 * column 1: writes $NAME and the plot command, skipping all-missing columns.
 * Returns the number of lines plotted (0: nothing written after the block). */
typedef struct series_style {
    const char *title;
    const char *color;
    int dashed;
    int points;
} series_style;

static int plot_matrix(FILE *f, const char *name, const double *m, size_t n, size_t ncols,
                       const series_style *st)
{
    fprintf(f, "$%s << EOD\n", name);
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < ncols; c++)
            val(f, m[i * ncols + c]);
        fputc('\n', f);
    }
    fputs("EOD\n", f);
    int plotted = 0;
    for (size_t c = 1; c < ncols; c++) {
        if (!any_finite(m + c, n, ncols))
            continue;
        const series_style *s = &st[c - 1];
        fputs(plotted ? ", \\\n  " : "plot ", f);
        fprintf(f, "$%s using 1:%zu with %s lw %s lc rgb '%s'%s%s title ", name, c + 1,
                s->points ? "linespoints pt 7 ps 0.5" : "lines", s->dashed ? "1.5" : "2",
                s->color, s->dashed ? " dt 2" : "", "");
        text_gnuplot(f, s->title, LABEL_MAX);
        plotted++;
    }
    if (plotted)
        fputc('\n', f);
    return plotted;
}

/* ---- the set ---- */

static int add_chart(chart_set *cs, enum chart_section section, int wide, script *s,
                     const char *caption, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int add_chart(chart_set *cs, enum chart_section section, int wide, script *s,
                     const char *caption, const char *fmt, ...)
{
    if (script_end(s) != 0) {
        free(s->text);
        return -1;
    }
    chart *bigger = realloc(cs->items, (cs->n + 1) * sizeof *bigger);
    if (!bigger) {
        free(s->text);
        return -1;
    }
    cs->items = bigger;
    chart *c = &cs->items[cs->n++];
    memset(c, 0, sizeof *c);
    c->section = section;
    c->wide = wide;
    char title[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(title, sizeof title, fmt, ap);
    va_end(ap);
    c->title = strdup(title);
    c->caption = caption ? strdup(caption) : NULL;
    char *raw = charts_run_gnuplot(cs->gnuplot, s->text, &c->error);
    if (raw) {
        c->svg = charts_inline_svg(raw, (int)cs->n, title);
        if (!c->svg)
            c->error = strdup("gnuplot's SVG could not be inlined (unexpected content)");
        free(raw);
    }
    if (getenv("CREST_REPORT_DEBUG") && c->error)
        crest_warn("chart '%s' failed; script:\n%s", title, s->text);
    free(s->text);
    return c->title ? 0 : -1;
}

/* ---- run charts ---- */

static double *matrix(size_t n, size_t ncols)
{
    double *m = malloc((n ? n : 1) * ncols * sizeof *m);
    if (m)
        for (size_t i = 0; i < n * ncols; i++)
            m[i] = NAN;
    return m;
}

/* Logscale y when every value is positive and they span a wide range. */
static void maybe_log_y(FILE *f, const double *m, size_t n, size_t nc)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 1; c < nc; c++) {
            double v = m[i * nc + c];
            if (!isfinite(v))
                continue;
            if (v <= 0)
                return;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    if (hi > 0 && hi / lo > 30)
        fputs("set logscale y\n", f);
    else
        fputs("set yrange [0:*]\n", f);
}

/* A dashed red line at the p99 SLO, labelled, on the first y axis. */
static void slo_line(FILE *f, double slo_ms)
{
    fprintf(f, "set arrow from graph 0, first %.10g to graph 1, first %.10g nohead "
               "lc rgb '#dc2626' lw 1.5 dt 2 front\n"
               "set label 'p99 SLO %.4g ms' at graph 0.01, first %.10g offset 0,0.6 "
               "textcolor rgb '#dc2626' front\n", slo_ms, slo_ms, slo_ms, slo_ms);
}

/* The p99 SLO of subsystem NAME from capacity.json, NAN when unknown. */
static double subsystem_slo(const rep_capacity *cap, const char *name)
{
    for (size_t i = 0; cap && name && i < cap->nsubs; i++)
        if (strcmp(cap->subs[i].name, name) == 0)
            return cap->subs[i].slo_p99_ms;
    return NAN;
}

/* The run's own p99 bound: an untagged "p99<X" threshold, else the SLO all
 * searched subsystems share. NAN when there is none (each subsystem's SLO
 * is drawn in its own panel then). */
static double run_slo(const rep_results *r, const rep_capacity *cap)
{
    for (size_t i = 0; i < r->nthresholds; i++) {
        const rep_threshold *t = &r->thresholds[i];
        double v;
        if (t->expr && strncmp(t->expr, "p99<", 4) == 0 && !(t->tag && t->tag[0]) &&
            units_parse_duration(t->expr + (t->expr[4] == '=' ? 5 : 4), 1e-3, &v) == 0)
            return v * 1000;
    }
    double shared = NAN;
    for (size_t i = 0; cap && i < cap->nsubs; i++) {
        double v = cap->subs[i].slo_p99_ms;
        if (!isfinite(v))
            continue;
        if (isfinite(shared) && v != shared)
            return NAN;
        shared = v;
    }
    return shared;
}

/* One row of a time chart: the second, then its four series. */
#define TIME_CHART_COLS 5
typedef void (*time_row_fn)(const rep_point *p, double row[TIME_CHART_COLS]);

/* Four per-second series of the run against time, as ST names them; the y
 * axis goes logarithmic when LOG_Y allows and the values call for it. 0
 * also when nothing was plotted (no chart then), -1 on failure. */
static int time_chart(chart_set *cs, const rep_results *r, const char *name, time_row_fn fill,
                      const series_style st[TIME_CHART_COLS - 1], const char *ylabel, int log_y,
                      double slo_ms, const char *caption, const char *title)
{
    size_t n = r->npoints, nc = TIME_CHART_COLS;
    double *m = matrix(n, nc);
    if (!m)
        return -1;
    for (size_t i = 0; i < n; i++)
        fill(&r->points[i], m + i * nc);
    script s;
    if (script_begin(&s, 600, 340) != 0) {
        free(m);
        return -1;
    }
    fprintf(s.f, "set xlabel 'time (s)'\nset ylabel '%s'\n", ylabel);
    if (n > 1)   /* the scraped metrics' charts use the same axis */
        fprintf(s.f, "set xrange [%g:%g]\n", r->points[0].t, r->points[n - 1].t);
    if (log_y)
        maybe_log_y(s.f, m, n, nc);
    else
        fputs("set yrange [0:*]\n", s.f);
    if (isfinite(slo_ms))
        slo_line(s.f, slo_ms);
    int plotted = plot_matrix(s.f, name, m, n, nc, st);
    free(m);
    if (!plotted) {
        script_discard(&s);
        return 0;
    }
    return add_chart(cs, CHART_RUN, 0, &s, caption, "%s", title);
}

static void rate_row(const rep_point *p, double row[TIME_CHART_COLS])
{
    row[0] = p->t;
    row[1] = p->target_rate;
    row[2] = p->offered;
    row[3] = p->completed;
    row[4] = p->ok;
}

static int rate_chart(chart_set *cs, const rep_results *r)
{
    static const series_style st[] = {{"target", "#6b7280", 1, 0},
                                      {"offered", "#2563eb", 0, 0},
                                      {"achieved (completed)", "#f59e0b", 0, 0},
                                      {"successful (ok)", "#16a34a", 0, 0}};
    return time_chart(cs, r, "rate", rate_row, st, "requests per second", 0, NAN,
                      "Offered load should track the target; achieved below offered means the "
                      "target queued or dropped work, successful below achieved means errors "
                      "or shedding.",
                      "Request rate over time");
}

static void latency_row(const rep_point *p, double row[TIME_CHART_COLS])
{
    row[0] = p->t;
    row[1] = p->p50;
    row[2] = p->p90;
    row[3] = p->p99;
    row[4] = p->max;
}

static int latency_chart(chart_set *cs, const rep_results *r, const rep_capacity *cap)
{
    static const series_style st[] = {{"p50", "#16a34a", 0, 0},
                                      {"p90", "#2563eb", 0, 0},
                                      {"p99", "#f59e0b", 0, 0},
                                      {"max", "#dc2626", 1, 0}};
    double slo = run_slo(r, cap);
    return time_chart(cs, r, "lat", latency_row, st, "latency (ms)", 1, slo,
                      isfinite(slo) ? "Latency measured from the intended send time (no "
                                      "coordinated omission), with the p99 SLO."
                                    : "Latency measured from the intended send time (no "
                                      "coordinated omission); each subsystem's p99 SLO is "
                                      "drawn in its panel under Subsystems over time.",
                      "Latency over time");
}

/* One spectrum line from an encoded histogram: x = 1/(1-p). Returns the
 * number of points written, 0 when the histogram is absent or bad. */
static size_t spectrum_from_hist(FILE *f, const char *encoded, double *xmax)
{
    if (!encoded)
        return 0;
    hist *h = hist_decode(encoded);
    if (!h)
        return 0;
    uint64_t count = hist_count(h);
    size_t written = 0;
    if (count > 0) {
        double decades = ceil(log10((double)count));
        decades = decades < 2 ? 2 : decades > 6 ? 6 : decades;
        if (pow(10, decades) > *xmax)
            *xmax = pow(10, decades);
        fprintf(f, " 1 %.10g\n", (double)hist_min(h) / 1000.0);
        written++;
        for (int i = 1; i <= (int)(decades * 20); i++) {
            double x = pow(10, i / 20.0);
            double p = 100.0 * (1.0 - 1.0 / x);
            fprintf(f, " %.10g %.10g\n", x, (double)hist_percentile(h, p) / 1000.0);
            written++;
        }
    }
    hist_free(h);
    return written;
}

/* The fallback: the summary's percentiles at their x positions. */
static size_t spectrum_from_summary(FILE *f, const rep_latency *l, double *xmax)
{
    const double xs[] = {1, 2, 10, 100, 1000};
    const double vs[] = {l->min, l->p50, l->p90, l->p99, l->p999};
    size_t written = 0;
    for (size_t i = 0; i < 5; i++) {
        if (!isfinite(vs[i]))
            continue;
        fprintf(f, " %g %.10g\n", xs[i], vs[i]);
        if (xs[i] > *xmax)
            *xmax = xs[i];
        written++;
    }
    return written;
}

static int spectrum_chart(chart_set *cs, const rep_results *r)
{
    script s;
    if (script_begin(&s, 1180, 460) != 0)
        return -1;
    const rep_block *blocks[MAX_SPECTRUM_LINES];
    size_t nb = 0;
    blocks[nb++] = &r->total;
    for (size_t i = 0; i < r->nsubs && nb < MAX_SPECTRUM_LINES; i++)
        if (r->subs[i].present)
            blocks[nb++] = &r->subs[i];
    double xmax = 10;
    int from_hist[MAX_SPECTRUM_LINES] = {0};
    size_t points[MAX_SPECTRUM_LINES] = {0};
    int any_summary = 0;
    for (size_t b = 0; b < nb; b++) {
        fprintf(s.f, "$s%zu << EOD\n", b);
        points[b] = spectrum_from_hist(s.f, blocks[b]->latency_hist, &xmax);
        from_hist[b] = points[b] > 0;
        if (!from_hist[b]) {
            points[b] = spectrum_from_summary(s.f, &blocks[b]->latency, &xmax);
            any_summary |= points[b] > 0;
        }
        fputs("EOD\n", s.f);
    }
    fputs("set key outside right top vertical\nset logscale x\n"
          "set xtics ('0%%' 1, '50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, "
          "'99.999%%' 100000, '99.9999%%' 1000000)\n"
          "set xlabel 'percentile'\nset ylabel 'latency (ms)'\nset yrange [0:*]\n", s.f);
    fprintf(s.f, "set xrange [1:%g]\n", xmax);
    int plotted = 0;
    for (size_t b = 0; b < nb; b++) {
        if (!points[b])
            continue;
        fputs(plotted ? ", \\\n  " : "plot ", s.f);
        /* Past the palette, the colours repeat with another dash pattern. */
        fprintf(s.f, "$s%zu using 1:2 with %s lw %s dt %zu lc rgb '%s' title ", b,
                from_hist[b] ? "lines" : "linespoints pt 7 ps 0.6", b == 0 ? "2.5" : "1.5",
                b == 0 ? (size_t)1 : 1 + (b - 1) / NPALETTE,
                b == 0 ? "#111827" : palette[(b - 1) % NPALETTE]);
        text_gnuplot(s.f, b == 0 ? "all requests" : blocks[b]->name, LABEL_MAX);
        plotted++;
    }
    fputc('\n', s.f);
    if (!plotted) {
        script_discard(&s);
        return 0;
    }
    return add_chart(cs, CHART_RUN, 1, &s,
                     any_summary ? "Latency by percentile (log scale). Lines with dots are drawn "
                                   "from the summary percentiles (no histogram in the input)."
                                 : "Latency by percentile (log scale), from the full HDR "
                                   "histograms: the tail the averages hide.",
                     "Latency percentile spectrum");
}

/* Keys seen in per-second objects at OFFSET (status or net_errors). */
static size_t collect_kinds(const rep_results *r, int net, const char **kinds, size_t nk,
                            size_t max)
{
    for (size_t i = 0; i < r->npoints; i++) {
        const cJSON *obj = net ? r->points[i].net_errors : r->points[i].status;
        const cJSON *it;
        cJSON_ArrayForEach(it, obj) {
            if (!it->string || !cJSON_IsNumber(it) || it->valuedouble <= 0)
                continue;
            if (!net && (it->string[0] == '2' || it->string[0] == '3'))
                continue;
            int seen = 0;
            for (size_t k = 0; k < nk; k++)
                if (strcmp(kinds[k], it->string) == 0)
                    seen = 1;
            if (!seen && nk < max)
                kinds[nk++] = it->string;
        }
    }
    return nk;
}

static int errors_chart(chart_set *cs, const rep_results *r)
{
    const char *kinds[MAX_KINDS];
    size_t nstatus = collect_kinds(r, 0, kinds, 0, MAX_KINDS);
    size_t nk = collect_kinds(r, 1, kinds, nstatus, MAX_KINDS);
    size_t n = r->npoints, nc = 4 + nk;
    double *m = matrix(n, nc);
    series_style *st = calloc(nc, sizeof *st);
    char (*titles)[80] = calloc(nk + 1, sizeof *titles);
    if (!m || !st || !titles) {
        free(m);
        free(st);
        free(titles);
        return -1;
    }
    st[0] = (series_style){"errors (all)", "#dc2626", 0, 0};
    st[1] = (series_style){"shed", "#f59e0b", 0, 0};
    st[2] = (series_style){"dropped (never sent)", "#6b7280", 1, 0};
    for (size_t k = 0; k < nk; k++) {
        snprintf(titles[k], sizeof titles[k], "%s %s", k < nstatus ? "HTTP" : "network:", kinds[k]);
        st[3 + k] = (series_style){titles[k], palette[(k + 4) % NPALETTE], 1, 0};
    }
    for (size_t i = 0; i < n; i++) {
        const rep_point *p = &r->points[i];
        double *row = m + i * nc;
        row[0] = p->t;
        row[1] = p->errors;
        row[2] = p->shed;
        row[3] = p->dropped;
        for (size_t k = 0; k < nk; k++) {
            const cJSON *obj = k < nstatus ? p->status : p->net_errors;
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, kinds[k]);
            row[4 + k] = cJSON_IsNumber(v) ? v->valuedouble : 0;
        }
    }
    script s;
    int rc = 0;
    if (script_begin(&s, 600, 340) != 0) {
        rc = -1;
    } else {
        fputs("set xlabel 'time (s)'\nset ylabel 'requests per second'\nset yrange [0:*]\n", s.f);
        double total = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t c = 1; c < nc; c++)
                total += isfinite(m[i * nc + c]) ? m[i * nc + c] : 0;
        if (total == 0)
            fputs("set yrange [0:1]\nset label 'no errors, shed or dropped requests' at graph 0.5, "
                  "graph 0.55 center textcolor rgb '#15803d'\n", s.f);
        if (plot_matrix(s.f, "err", m, n, nc, st))
            rc = add_chart(cs, CHART_RUN, 0, &s,
                           total == 0 ? "No request failed, was shed or was dropped during the run."
                                      : "Errors, shed requests and requests the generator "
                                        "dropped, per second, by kind.",
                           "Errors and shed requests by kind");
        else {
            script_discard(&s);
        }
    }
    free(m);
    free(st);
    free(titles);
    return rc;
}

/* Small multiples: one row per subsystem, rate on the left, p99 on the right. */
static int subsystem_chart(chart_set *cs, const rep_results *r, const rep_capacity *cap)
{
    size_t nsub = r->nsubs < MAX_PANELS ? r->nsubs : MAX_PANELS;
    if (nsub == 0 || r->npoints == 0)
        return 0;
    script s;
    if (script_begin(&s, 1180, (int)(210 * nsub + 20)) != 0)
        return -1;
    FILE *f = s.f;
    size_t n = r->npoints;
    double tmin = r->points[0].t, tmax = r->points[n - 1].t;
    fputs("set key outside right top vertical\nunset xlabel\n", f);
    fprintf(f, "set xrange [%.10g:%.10g]\n", tmin, tmax > tmin ? tmax : tmin + 1);
    fprintf(f, "set multiplot layout %zu,2\n", nsub);
    for (size_t sidx = 0; sidx < nsub; sidx++) {
        const char *name = r->subs[sidx].name;
        fprintf(f, "$r%zu << EOD\n", sidx);
        int has_rate = 0, has_p99 = 0;
        double p99max = 0;
        for (size_t i = 0; i < n; i++) {
            const rep_sub_point *sp = &r->points[i].subs[sidx];
            val(f, r->points[i].t);
            val(f, sp->offered);
            val(f, sp->ok);
            val(f, sp->p99);
            fputc('\n', f);
            has_rate |= isfinite(sp->offered) || isfinite(sp->ok);
            has_p99 |= isfinite(sp->p99);
            if (isfinite(sp->p99) && sp->p99 > p99max)
                p99max = sp->p99;
        }
        double slo = isfinite(r->subs[sidx].slo_p99_ms) ? r->subs[sidx].slo_p99_ms
                                                        : subsystem_slo(cap, name);
        fputs("EOD\n", f);
        fputs("set title ", f);
        text_gnuplot(f, name, LABEL_MAX);
        fputs(" . ': requests per second'\nset yrange [0:*]\n", f);
        if (has_rate)
            fprintf(f, "plot $r%zu using 1:2 with lines lw 2 lc rgb '#2563eb' title 'offered', "
                       "$r%zu using 1:3 with lines lw 2 lc rgb '#16a34a' title 'ok'\n", sidx, sidx);
        else
            fputs("set yrange [0:1]\nplot 0 with lines lc rgb '#e5e7eb' title 'no data'\n", f);
        fputs("set title ", f);
        text_gnuplot(f, name, LABEL_MAX);
        fputs(" . ': p99 latency (ms)'\nset yrange [0:*]\n", f);
        if (has_p99 && isfinite(slo)) {
            /* The SLO stays in view even when p99 is far below it. */
            fprintf(f, "set yrange [0:%.10g]\n", fmax(p99max, slo) * 1.15);
            slo_line(f, slo);
        }
        if (has_p99)
            fprintf(f, "plot $r%zu using 1:4 with lines lw 2 lc rgb '#f59e0b' title 'p99'\n", sidx);
        else
            fputs("set yrange [0:1]\nplot 0 with lines lc rgb '#e5e7eb' title 'no data'\n", f);
        fputs("unset arrow\nunset label\n", f);
    }
    fputs("unset multiplot\n", f);
    char caption[160];
    snprintf(caption, sizeof caption, "Per subsystem, each second: offered and successful rate, "
                                      "and p99 latency against its SLO (dashed red).%s",
             r->nsubs > MAX_PANELS ? " Only the first 16 subsystems are drawn." : "");
    return add_chart(cs, CHART_RUN, 1, &s, caption, "Subsystems over time");
}

/* ---- capacity charts ---- */

static int by_rate(const void *a, const void *b)
{
    double x = ((const rep_step *)a)->rate, y = ((const rep_step *)b)->rate;
    return (x > y) - (x < y);
}

static int search_chart(chart_set *cs, const rep_capsub *c)
{
    if (c->nsteps == 0)
        return 0;
    rep_step *steps = malloc(c->nsteps * sizeof *steps);
    if (!steps)
        return -1;
    memcpy(steps, c->steps, c->nsteps * sizeof *steps);
    qsort(steps, c->nsteps, sizeof *steps, by_rate);
    script s;
    if (script_begin(&s, 600, 520) != 0) {
        free(steps);
        return -1;
    }
    FILE *f = s.f;
    double p99max = 0, ratemax = 0;
    int any_p99 = 0;
    fputs("$steps << EOD\n", f);
    for (size_t i = 0; i < c->nsteps; i++) {
        const rep_step *st = &steps[i];
        val(f, st->rate);
        val(f, st->achieved_rps);
        val(f, st->ok_rps);
        val(f, st->p99);
        val(f, st->pass != 0 ? st->p99 : NAN);
        val(f, st->pass == 0 ? st->p99 : NAN);
        fputc('\n', f);
        if (isfinite(st->p99)) {
            any_p99 = 1;
            p99max = st->p99 > p99max ? st->p99 : p99max;
        }
        if (isfinite(st->rate) && st->rate > ratemax)
            ratemax = st->rate;
    }
    fputs("EOD\n", f);
    free(steps);
    /* Two panels sharing the rate axis, throughput above and p99 below,
     * rather than one chart with two y axes whose SLO line would cross
     * the throughput scale. */
    char num[32];
    fprintf(f, "set xrange [0:%.10g]\nset multiplot layout %d,1\nset yrange [0:*]\n"
               "set ylabel 'throughput (req/s)'\nunset xlabel\n",
            ratemax > 0 ? ratemax * 1.05 : 1, any_p99 ? 2 : 1);
    if (isfinite(c->capacity_rps)) {
        fprintf(f, "set arrow 1 from %.10g, graph 0 to %.10g, graph 1 nohead lc rgb '#16a34a' "
                   "lw 2.5 front\n", c->capacity_rps, c->capacity_rps);
        fprintf(f, "set label 1 'capacity %s%s rps' at %.10g, graph 0.92 %s offset %s,0 "
                   "textcolor rgb '#15803d' front\n", c->at_least ? ">= " : "",
                fmt_num(num, c->capacity_rps, 1), c->capacity_rps,
                c->capacity_rps > ratemax * 0.6 ? "right" : "left",
                c->capacity_rps > ratemax * 0.6 ? "-0.5" : "0.5");
    }
    fputs("plot $steps using 1:1 with lines lw 1 dt 3 lc rgb '#9ca3af' title 'ideal', \\\n"
          "  $steps using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb '#2563eb' title 'achieved', \\\n"
          "  $steps using 1:3 with linespoints pt 7 ps 0.6 lw 2 lc rgb '#16a34a' title 'successful'\n",
          f);
    if (any_p99) {
        double top = p99max;
        if (isfinite(c->slo_p99_ms) && c->slo_p99_ms * 1.25 > top)
            top = c->slo_p99_ms * 1.25;
        fprintf(f, "unset label 1\nset xlabel 'offered rate (req/s)'\nset ylabel 'p99 (ms)'\n"
                   "set yrange [0:%.10g]\n", top > 0 ? top * 1.05 : 1);
        if (isfinite(c->slo_p99_ms))
            slo_line(f, c->slo_p99_ms);
        fputs("plot $steps using 1:4 with lines lw 1.5 lc rgb '#f59e0b' title 'p99', \\\n"
              "  $steps using 1:5 with points pt 7 ps 0.8 lc rgb '#f59e0b' title 'step passed', \\\n"
              "  $steps using 1:6 with points pt 5 ps 0.8 lc rgb '#dc2626' title 'step failed'\n",
              f);
    }
    fputs("unset multiplot\n", f);
    return add_chart(cs, CHART_CAPACITY, 0, &s,
                     "Each step of the search against the offered rate: throughput above, p99 "
                     "below with the SLO (dashed red), and the capacity found (green).",
                     "Capacity search: %s", c->name);
}

static int usl_chart(chart_set *cs, const rep_capsub *c)
{
    const rep_usl *u = &c->usl;
    if (!u->present || u->npoints == 0)
        return 0;
    script s;
    if (script_begin(&s, 600, 340) != 0)
        return -1;
    FILE *f = s.f;
    double nmax = 0;
    fputs("$pts << EOD\n", f);
    for (size_t i = 0; i < u->npoints; i++) {
        val(f, u->n[i]);
        val(f, u->throughput[i]);
        fputc('\n', f);
        nmax = u->n[i] > nmax ? u->n[i] : nmax;
    }
    fputs("EOD\n", f);
    int has_fit = isfinite(u->alpha) && isfinite(u->beta) && isfinite(u->gamma);
    double xmax = nmax * 1.5;
    if (has_fit && isfinite(u->n_star) && u->n_star > 0 && u->n_star < nmax * 4 &&
        u->n_star * 1.2 > xmax)
        xmax = u->n_star * 1.2;
    fprintf(f, "set xrange [0:%.10g]\nset yrange [0:*]\nset samples 300\n"
               "set xlabel 'load (instances or concurrency)'\nset ylabel 'throughput (req/s)'\n",
            xmax > 0 ? xmax : 1);
    if (has_fit) {
        fprintf(f, "usl(x) = %.12g * x / (1 + %.12g * (x - 1) + %.12g * x * (x - 1))\n", u->gamma,
                u->alpha, u->beta);
        if (isfinite(u->n_star) && u->n_star > 0 && u->n_star <= xmax)
            fprintf(f, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 "
                       "lc rgb '#7c3aed' lw 1.5\nset label 'N* = %.3g' at %.10g, graph 0.08 "
                       "offset 0.5,0 textcolor rgb '#7c3aed'\n",
                    u->n_star, u->n_star, u->n_star, u->n_star);
        fprintf(f, "plot usl(x) with lines lw 2 lc rgb '#2563eb' title 'USL fit (alpha %.3g, "
                   "beta %.3g, gamma %.4g)%s', \\\n  ",
                u->alpha, u->beta, u->gamma, u->poor_fit ? ", poor fit" : "");
    } else {
        fputs("plot ", f);
    }
    fputs("$pts using 1:2 with points pt 7 ps 0.9 lc rgb '#111827' title 'measured'\n", f);
    return add_chart(cs, CHART_CAPACITY, 0, &s,
                     "Universal Scalability Law: alpha is contention, beta coherency; past N* "
                     "adding load (or instances) lowers throughput.",
                     "Scalability (USL): %s", c->name);
}

/* ---- forecast charts ---- */

/* The forecast value at which the plan's bottleneck subsystem saturates,
 * from plan.json: capacity_rps * peak_mean / demand_rps (the plan's own
 * conversion), or capacity_rps / (calls_per_pv * peak_factor) * unit_seconds
 * when the demand is missing. NAN when the plan cannot say. */
static double capacity_equivalent(const rep_plan *p, const rep_series *se, const char **who)
{
    if (!p)
        return NAN;
    if (p->series) {
        if (strcmp(p->series, se->id) != 0)
            return NAN;
    } else if (p->metric && se->metric && strcmp(p->metric, se->metric) != 0 &&
               strcmp(p->metric, se->id) != 0) {
        return NAN;
    }
    double best = NAN;
    for (size_t i = 0; i < p->nsubs; i++) {
        const rep_plansub *s = &p->subs[i];
        double v = NAN;
        if (isfinite(s->capacity_rps) && isfinite(s->demand_rps) && s->demand_rps > 0 &&
            isfinite(p->peak_mean))
            v = s->capacity_rps * p->peak_mean / s->demand_rps;
        else if (isfinite(s->capacity_rps) && s->calls_per_pv > 0 && p->peak_factor > 0 &&
                 p->unit_seconds > 0)
            v = s->capacity_rps / (s->calls_per_pv * p->peak_factor) * p->unit_seconds;
        if (isfinite(v) && (isnan(best) || v < best)) {
            best = v;
            *who = s->name;
        }
    }
    return best;
}

static void forecast_axis(FILE *f, const rep_forecast *fc)
{
    if (fc->x_kind == REP_X_TIME) {
        int datetime = fc->time_kind && strcmp(fc->time_kind, "datetime") == 0;
        /* Rotated date labels run right of their tic: room for the last one. */
        fprintf(f, "set xdata time\nset timefmt '%%s'\nset format x %s\nset xtics rotate by -30\n"
                   "set rmargin 8\n",
                datetime ? "\"%m-%d %H:%M\"" : "'%Y-%m-%d'");
    } else if (fc->x_kind == REP_X_INDEX) {
        fputs("set xlabel 'period (position)'\n", f);
    }
}

/* The plot command of a forecast panel. HISTORY_STYLE differs between the
 * context panel (a line through many points) and the zoomed one (dots). */
static void forecast_plot(FILE *f, const rep_series *se, int bands80, int bands95, double cap,
                          const char *who, const rep_plan *plan, const char *history_style)
{
    int plotted = 0;
#define NEXT() fputs(plotted++ ? ", \\\n  " : "plot ", f)
    /* The bands as bars at each forecast point: a festival day forecast
     * alone (one point) still shows them, where a filled curve would have
     * no width; and no line ramps into the festival from the day before. */
    if (bands95 && se->nforecast) {
        NEXT();
        fputs("$fc using 1:2:5:6 with yerrorbars pt -1 lw 7 lc rgb '#93c5fd' title '95% band'",
              f);
    }
    if (bands80 && se->nforecast) {
        NEXT();
        fputs("$fc using 1:2:3:4 with yerrorbars pt -1 lw 4 lc rgb '#3b82f6' title '80% band'",
              f);
    }
    if (se->nhistory) {
        NEXT();
        fprintf(f, "$hist using 1:2 with %s lc rgb '#111827' title 'history'", history_style);
    }
    if (se->nfitted) {
        NEXT();
        fputs("$fit using 1:2 with lines lw 1.5 lc rgb '#9ca3af' title ", f);
        char t[96];
        snprintf(t, sizeof t, "fitted (%s)", se->selected ? se->selected : "model");
        text_gnuplot(f, t, LABEL_MAX);
    }
    if (se->nforecast) {
        NEXT();
        fputs("$fc using 1:2 with points pt 7 ps 1.2 lc rgb '#1d4ed8' title 'forecast mean'", f);
    }
    if (isfinite(cap)) {
        NEXT();
        char t[128];
        snprintf(t, sizeof t, "capacity (bottleneck: %s)", who ? who : "?");
        fprintf(f, "%.10g with lines lw 2.5 lc rgb '#dc2626' title ", cap);
        text_gnuplot(f, t, LABEL_MAX + 24);
        if (plan && plan->safety_margin > 1) {
            NEXT();
            fprintf(f, "%.10g with lines lw 1.5 dt 2 lc rgb '#dc2626' title 'capacity / safety "
                       "margin %.3g'", cap / plan->safety_margin, plan->safety_margin);
        }
    }
#undef NEXT
    fputc('\n', f);
}

/* Histories longer than this get a context panel (all of it) above a zoom
 * on the last ZOOM_KEEP points and the forecast, so the bands stay readable. */
#define ZOOM_ABOVE 150
#define ZOOM_KEEP 90

/* The forecast chart's inline data blocks: $hist, $fit and $fc (value and
 * both bands); *BANDS80 and *BANDS95 say whether any band is known. */
static void forecast_data(FILE *f, const rep_series *se, int *bands80, int *bands95)
{
    fputs("$hist << EOD\n", f);
    for (size_t i = 0; i < se->nhistory; i++) {
        val(f, se->history[i].x);
        val(f, se->history[i].v);
        fputc('\n', f);
    }
    fputs("EOD\n$fit << EOD\n", f);
    for (size_t i = 0; i < se->nfitted; i++) {
        val(f, se->fitted[i].x);
        val(f, se->fitted[i].v);
        fputc('\n', f);
    }
    fputs("EOD\n$fc << EOD\n", f);
    for (size_t i = 0; i < se->nforecast; i++) {
        const rep_tv *t = &se->forecast[i];
        val(f, t->x);
        val(f, t->v);
        val(f, t->lo80);
        val(f, t->hi80);
        val(f, t->lo95);
        val(f, t->hi95);
        fputc('\n', f);
        *bands80 |= isfinite(t->lo80) && isfinite(t->hi80);
        *bands95 |= isfinite(t->lo95) && isfinite(t->hi95);
    }
    fputs("EOD\n", f);
}

/* Two panels: all the history above, the last KEEP periods and the
 * forecast below (a long history would squash the forecast to a sliver). */
static void forecast_zoomed(FILE *f, const rep_forecast *fc, const rep_series *se, size_t keep,
                            int bands80, int bands95, double cap, const char *who,
                            const rep_plan *plan)
{
    double from = se->history[se->nhistory - keep].x;
    fputs("set multiplot\nset origin 0,0.64\nset size 1,0.36\nunset key\n"
          "set title 'all history' textcolor rgb '#374151'\nunset xtics\nset xtics nomirror\n",
          f);
    if (fc->x_kind == REP_X_TIME)
        fprintf(f, "set arrow from '%.0f', graph 0 to '%.0f', graph 1 nohead dt 3 "
                   "lc rgb '#6b7280'\n", from, from);
    else
        fprintf(f, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 3 "
                   "lc rgb '#6b7280'\n", from, from);
    forecast_plot(f, se, bands80, bands95, cap, who, plan, "lines lw 1");
    fputs("unset arrow\nset origin 0,0\nset size 1,0.64\n"
          "set key outside bottom center horizontal samplen 2 textcolor rgb '#374151'\n", f);
    fprintf(f, "set title 'last %zu periods and the forecast' textcolor rgb '#374151'\n", keep);
    if (fc->x_kind == REP_X_TIME)
        fprintf(f, "set xrange ['%.0f':*]\n", from);
    else
        fprintf(f, "set xrange [%.10g:*]\n", from);
    forecast_plot(f, se, bands80, bands95, cap, who, plan, "points pt 7 ps 0.6");
    fputs("unset multiplot\n", f);
}

/* One series' forecast chart: history, fit, forecast with bands, the capacity
 * line when the plan gives one; zoomed when the history is long. */
static int forecast_chart(chart_set *cs, const rep_forecast *fc, const rep_series *se,
                          const rep_plan *plan)
{
    if (se->nhistory == 0 && se->nforecast == 0)
        return 0;
    int zoom = se->nhistory > ZOOM_ABOVE && se->nforecast > 0;
    script s;
    if (script_begin(&s, 1180, zoom ? 620 : 420) != 0)
        return -1;
    FILE *f = s.f;
    int bands80 = 0, bands95 = 0;
    forecast_data(f, se, &bands80, &bands95);
    forecast_axis(f, fc);
    fputs("set ylabel ", f);
    text_gnuplot(f, se->metric ? se->metric : se->id, LABEL_MAX);
    fputs("\nset yrange [0:*]\nset format y '%.1s%c'\n", f);
    const char *who = NULL;
    double cap = capacity_equivalent(plan, se, &who);
    size_t keep = ZOOM_KEEP > 3 * se->nforecast ? ZOOM_KEEP : 3 * se->nforecast;
    if (zoom && keep < se->nhistory)
        forecast_zoomed(f, fc, se, keep, bands80, bands95, cap, who, plan);
    else
        forecast_plot(f, se, bands80, bands95, cap, who, plan, "points pt 7 ps 0.6");
    char caption[400];
    if (isfinite(cap))
        snprintf(caption, sizeof caption,
                 "History, the selected model's fit and the forecast with 80%% and 95%% bands. "
                 "The red line is the capacity of the bottleneck subsystem converted to this "
                 "metric with the plan's numbers: a band above it is a shortfall.");
    else
        snprintf(caption, sizeof caption,
                 "History, the selected model's fit and the forecast with 80%% and 95%% bands%s.",
                 plan ? " (the plan gives no capacity for this metric)"
                      : " (give plan.json to draw the capacity line)");
    return add_chart(cs, CHART_FORECAST, 1, &s, caption, "Forecast: %s", se->id);
}

/* ---- plan chart ---- */

static int plan_chart(chart_set *cs, const rep_plan *p)
{
    if (p->nsubs == 0)
        return 0;
    script s;
    if (script_begin(&s, 1180, 420) != 0)
        return -1;
    FILE *f = s.f;
    fputs("$bars << EOD\n", f);
    int any = 0;
    for (size_t i = 0; i < p->nsubs; i++) {
        const rep_plansub *ps = &p->subs[i];
        fprintf(f, " %zu", i);
        val(f, ps->demand_rps);
        val(f, ps->demand_hi95_rps);
        val(f, ps->capacity_rps);
        fputc('\n', f);
        any |= isfinite(ps->demand_rps) || isfinite(ps->demand_hi95_rps) ||
               isfinite(ps->capacity_rps);
    }
    fputs("EOD\n", f);
    if (!any) {
        script_discard(&s);
        return 0;
    }
    /* A full-link bar many times the others' would squash them: past a
     * 20x spread the axis is logarithmic. */
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < p->nsubs; i++) {
        const double v[] = {p->subs[i].demand_rps, p->subs[i].demand_hi95_rps,
                            p->subs[i].capacity_rps};
        for (size_t k = 0; k < 3; k++)
            if (isfinite(v[k]) && v[k] > 0) {
                lo = fmin(lo, v[k]);
                hi = fmax(hi, v[k]);
            }
    }
    int log_y = hi > 0 && lo < INFINITY && hi / lo > 20;
    if (log_y)
        fprintf(f, "set logscale y\nset yrange [%.10g:%.10g]\nset format y '%%.0s%%c'\n",
                pow(10, floor(log10(lo))), pow(10, ceil(log10(hi * 1.2))));
    else
        fputs("set yrange [0:*]\n", f);
    fputs("set xtics rotate by -30 left\nset bmargin 7\nset xtics (", f);
    for (size_t i = 0; i < p->nsubs; i++) {
        if (i)
            fputs(", ", f);
        text_gnuplot(f, p->subs[i].name, 24);
        fprintf(f, " %zu", i);
    }
    fputs(")\nset grid noxtics ytics\nset style fill solid 0.9 border -1\nset boxwidth 0.26\n", f);
    fprintf(f, "set xrange [-0.6:%zu.6]\nset ylabel 'requests per second%s'\n", p->nsubs - 1,
            log_y ? " (log scale)" : "");
    fputs("plot $bars using ($1-0.28):2 with boxes lc rgb '#93c5fd' title 'demand (forecast mean)', \\\n"
          "  $bars using ($1):3 with boxes lc rgb '#2563eb' title 'demand (hi95)', \\\n"
          "  $bars using ($1+0.28):4 with boxes lc rgb '#16a34a' title 'measured capacity'\n", f);
    return add_chart(cs, CHART_PLAN, 1, &s,
                     "Per subsystem: peak demand (mean and the 95% upper bound) against the "
                     "measured capacity. A light-blue bar (mean) taller than the green bar is a "
                     "shortfall; a dark-blue bar (hi95) taller than the green one, or headroom "
                     "under the safety margin, is tight.",
                     "Plan: demand vs capacity");
}

static int target_charts(chart_set *cs, const report_inputs *in);
static int resource_charts(chart_set *cs, const report_inputs *in);

int charts_render(const report_inputs *in, chart_set *cs)
{
    memset(cs, 0, sizeof *cs);
    cs->gnuplot = charts_find_gnuplot();
    if (!cs->gnuplot) {
        cs->gnuplot_missing = 1;
        return 0;
    }
    const rep_results *r = in->results;
    if (r && r->npoints) {
        if (rate_chart(cs, r) != 0 || latency_chart(cs, r, in->capacity) != 0 ||
            target_charts(cs, in) != 0)
            return -1;
    }
    if (r && spectrum_chart(cs, r) != 0)
        return -1;
    if (r && r->npoints &&
        (errors_chart(cs, r) != 0 || subsystem_chart(cs, r, in->capacity) != 0))
        return -1;
    for (size_t i = 0; in->capacity && i < in->capacity->nsubs; i++)
        if (search_chart(cs, &in->capacity->subs[i]) != 0 ||
            usl_chart(cs, &in->capacity->subs[i]) != 0)
            return -1;
    if (in->capacity && resource_charts(cs, in) != 0)
        return -1;
    for (size_t i = 0; in->forecast && i < in->forecast->nseries; i++)
        if (forecast_chart(cs, in->forecast, &in->forecast->series[i], in->plan) != 0)
            return -1;
    if (in->plan && plan_chart(cs, in->plan) != 0)
        return -1;
    return 0;
}

void charts_free(chart_set *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->items[i].title);
        free(cs->items[i].caption);
        free(cs->items[i].svg);
        free(cs->items[i].error);
    }
    free(cs->items);
    free(cs->gnuplot);
    memset(cs, 0, sizeof *cs);
}

/* ---- scraped metrics (results.json "targets", capacity.json steps'
 * "resources"; docs/observe.md) ---- */

#define MAX_TARGET_CHARTS 12          /* families charted per target */
#define MAX_FAMILY_LINES 10           /* label sets per family chart (the largest kept) */

/* The family part of a series name: up to '{' or ' ' (" p99"). */
static size_t family_len(const char *name)
{
    return strcspn(name, "{ ");
}

static double series_max(const cJSON *values)
{
    double m = -INFINITY;
    const cJSON *v;
    cJSON_ArrayForEach(v, values)
        if (cJSON_IsNumber(v) && v->valuedouble > m)
            m = v->valuedouble;
    return m;
}

/* One chart: every series of TARGET whose family is FAM (the largest
 * MAX_FAMILY_LINES), on the run's time axis X0..X1. */
static int family_chart(chart_set *cs, const char *target, const cJSON *series, const char *fam,
                        size_t fl, double x0, double x1)
{
    const cJSON *picked[MAX_FAMILY_LINES], *s;
    size_t n = 0;
    cJSON_ArrayForEach(s, series) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "name"));
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(s, "values");
        if (!name || !cJSON_IsArray(vals) || family_len(name) != fl || strncmp(name, fam, fl))
            continue;
        double m = series_max(vals);
        if (n < MAX_FAMILY_LINES) {
            picked[n++] = s;
            continue;
        }
        size_t low = 0;   /* replace the smallest kept one when this is larger */
        for (size_t i = 1; i < n; i++)
            if (series_max(cJSON_GetObjectItemCaseSensitive(picked[i], "values")) <
                series_max(cJSON_GetObjectItemCaseSensitive(picked[low], "values")))
                low = i;
        if (m > series_max(cJSON_GetObjectItemCaseSensitive(picked[low], "values")))
            picked[low] = s;
    }
    if (!n)
        return 0;
    script sc;
    if (script_begin(&sc, 600, 300) != 0)
        return -1;
    FILE *f = sc.f;
    const char *unit =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(picked[0], "unit"));
    fprintf(f, "set xlabel 'time (s)'\nset xrange [%g:%g]\nset yrange [0:*]\nset ylabel ", x0,
            x1 > x0 ? x1 : x0 + 1);
    text_gnuplot(f, unit && unit[0] ? unit : "value", LABEL_MAX);
    fputc('\n', f);
    for (size_t k = 0; k < n; k++) {
        fprintf(f, "$s%zu << EOD\n", k);
        const cJSON *v;
        int i = 0;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(picked[k], "values")) {
            fprintf(f, " %d", i++);
            val(f, cJSON_IsNumber(v) ? v->valuedouble : NAN);
            fputc('\n', f);
        }
        fputs("EOD\n", f);
    }
    for (size_t k = 0; k < n; k++) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(picked[k], "name"));
        fprintf(f, "%s$s%zu using 1:2 with lines lw 2 lc rgb '%s' title ", k ? ", \\\n  " : "plot ",
                k, palette[k % NPALETTE]);
        text_gnuplot(f, name[fl] ? name + fl : name, LABEL_MAX);
    }
    fputc('\n', f);
    char title[256];
    snprintf(title, sizeof title, "%s: %.*s", target, (int)(fl > 160 ? 160 : fl), fam);
    return add_chart(cs, CHART_RUN, 0, &sc,
                     "Scraped from the target during the run, on the run's per-second axis "
                     "(counters as rates per second).", "%s", title);
}

/* Per scrape target of results.json, a chart per metric family, after the
 * latency chart and on its time axis. */
static int target_charts(chart_set *cs, const report_inputs *in)
{
    const rep_results *r = in->results;
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(in->roots[REP_RESULTS], "targets");
    if (!r || !r->npoints || !cJSON_IsArray(targets))
        return 0;
    double x0 = r->points[0].t, x1 = r->points[r->npoints - 1].t;
    const cJSON *t;
    cJSON_ArrayForEach(t, targets) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
        const cJSON *series = cJSON_GetObjectItemCaseSensitive(t, "series"), *s;
        if (!name || !cJSON_IsArray(series))
            continue;
        const char *done[MAX_TARGET_CHARTS];
        size_t ndone = 0;
        cJSON_ArrayForEach(s, series) {
            const char *sn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "name"));
            if (!sn || ndone == MAX_TARGET_CHARTS)
                continue;
            size_t fl = family_len(sn), k;
            for (k = 0; k < ndone; k++)
                if (family_len(done[k]) == fl && strncmp(done[k], sn, fl) == 0)
                    break;
            if (k < ndone)
                continue;
            done[ndone++] = sn;
            if (family_chart(cs, name, series, sn, fl, x0, x1) != 0)
                return -1;
        }
    }
    return 0;
}

/* For one searched subsystem (capacity.json object SUB): every resource
 * with a known limit, as % of it, against the step's offered rate. */
static int resource_chart(chart_set *cs, const cJSON *sub)
{
    const char *subname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sub, "name"));
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(sub, "steps"), *st;
    const char *keys[MAX_FAMILY_LINES][2];   /* target, series */
    size_t nk = 0;
    cJSON_ArrayForEach(st, steps) {
        const cJSON *res;
        cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(st, "resources")) {
            const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "target"));
            const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "series"));
            const cJSON *lim = cJSON_GetObjectItemCaseSensitive(res, "limit");
            if (!t || !s || !cJSON_IsNumber(lim) || lim->valuedouble <= 0)
                continue;
            size_t k;
            for (k = 0; k < nk; k++)
                if (!strcmp(keys[k][0], t) && !strcmp(keys[k][1], s))
                    break;
            if (k == nk && nk < MAX_FAMILY_LINES) {
                keys[nk][0] = t;
                keys[nk][1] = s;
                nk++;
            }
        }
    }
    if (!nk || !subname)
        return 0;
    script sc;
    if (script_begin(&sc, 600, 340) != 0)
        return -1;
    FILE *f = sc.f;
    fputs("set xlabel 'offered rate (req/s)'\nset ylabel '% of limit'\nset yrange [0:*]\n", f);
    for (size_t k = 0; k < nk; k++) {
        fprintf(f, "$r%zu << EOD\n", k);
        cJSON_ArrayForEach(st, steps) {
            const cJSON *rate = cJSON_GetObjectItemCaseSensitive(st, "rate"), *res;
            cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(st, "resources")) {
                const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "target"));
                const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "series"));
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "value");
                const cJSON *lim = cJSON_GetObjectItemCaseSensitive(res, "limit");
                if (t && s && !strcmp(t, keys[k][0]) && !strcmp(s, keys[k][1]) &&
                    cJSON_IsNumber(rate) && cJSON_IsNumber(v) && cJSON_IsNumber(lim) &&
                    lim->valuedouble > 0) {
                    val(f, rate->valuedouble);
                    val(f, 100.0 * v->valuedouble / lim->valuedouble);
                    fputc('\n', f);
                }
            }
        }
        fputs("EOD\n", f);
    }
    for (size_t k = 0; k < nk; k++) {
        char label[200];
        snprintf(label, sizeof label, "%s %s", keys[k][0], keys[k][1]);
        fprintf(f, "%s$r%zu using 1:2 smooth unique with linespoints pt 7 ps 0.6 lw 2 "
                   "lc rgb '%s' title ", k ? ", \\\n  " : "plot ", k, palette[k % NPALETTE]);
        text_gnuplot(f, label, LABEL_MAX);
    }
    fputc('\n', f);
    return add_chart(cs, CHART_CAPACITY, 0, &sc,
                     "The targets' resources at each step's offered rate, as a share of their "
                     "limits (scraped during the step's measured window).",
                     "%.*s: resources against offered rate", LABEL_MAX, subname);
}

static int resource_charts(chart_set *cs, const report_inputs *in)
{
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(in->roots[REP_CAPACITY], "subsystems");
    const cJSON *sub;
    cJSON_ArrayForEach(sub, subs)
        if (resource_chart(cs, sub) != 0)
            return -1;
    return 0;
}
