/* series.c: see series.h. The CSV comes from common/csvio (libcsv, line
 * numbers kept), so every error here can name file:line and the column.
 * Long-format files are grouped with a small open-addressing hash so that a
 * thousand series cost one pass, not a thousand. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvio.h"
#include "common/error.h"
#include "common/units.h"
#include "forecast/series.h"

const char *fc_time_kind_name(fc_time_kind kind)
{
    switch (kind) {
    case FC_TIME_YEAR: return "year";
    case FC_TIME_DATE: return "date";
    case FC_TIME_DATETIME: return "datetime";
    }
    return "?";
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
long fc_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void fc_civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int fc_weekday(long days)
{
    /* 1970-01-01 was a Thursday (3 with Monday = 0). */
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dm[m - 1];
}

static int parse_date(const char *s, long *days)
{
    int y, m, d;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *days = fc_days_from_civil(y, m, d);
    return 0;
}

static const char *trim(const char *s, char *buf, size_t len)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

int fc_time_detect(const char *s, fc_time_kind *kind)
{
    char b[64];
    s = trim(s, b, sizeof b);
    size_t n = strlen(s);
    int v;
    if (n >= 1 && n <= 4 && digits(s, (int)n, &v) == 0)
        *kind = FC_TIME_YEAR;
    else if (n == 10 && s[4] == '-' && s[7] == '-')
        *kind = FC_TIME_DATE;
    else if (n > 10 && s[4] == '-' && (s[10] == 'T' || s[10] == ' '))
        *kind = FC_TIME_DATETIME;
    else
        return -1;
    return 0;
}

int fc_time_parse(const char *s, fc_time_kind kind, double *t)
{
    char b[64];
    s = trim(s, b, sizeof b);
    size_t n = strlen(s);
    long days;
    int v, hh, mm, ss = 0;
    switch (kind) {
    case FC_TIME_YEAR:
        if (n < 1 || n > 4 || digits(s, (int)n, &v))
            return -1;
        *t = v;
        return 0;
    case FC_TIME_DATE:
        if (n != 10 || parse_date(s, &days))
            return -1;
        *t = (double)days;
        return 0;
    case FC_TIME_DATETIME:
        if (n < 16 || parse_date(s, &days) || (s[10] != 'T' && s[10] != ' ') ||
            digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mm))
            return -1;
        const char *rest = s + 16;
        if (*rest == ':') {
            if (digits(rest + 1, 2, &ss))
                return -1;
            rest += 3;
        }
        if (*rest == 'Z')
            rest++;
        if (*rest || hh > 23 || mm > 59 || ss > 60)
            return -1;
        *t = (double)days + (hh * 3600 + mm * 60 + ss) / 86400.0;
        return 0;
    }
    return -1;
}

const char *fc_time_format(fc_time_kind kind, double t, char *buf, size_t len)
{
    int y, m, d;
    if (kind == FC_TIME_YEAR) {
        snprintf(buf, len, "%.0f", t);
        return buf;
    }
    double whole = floor(t + 1e-9);
    fc_civil_from_days((long)whole, &y, &m, &d);
    if (kind == FC_TIME_DATE) {
        snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
        return buf;
    }
    long secs = lround((t - whole) * 86400.0);
    if (secs >= 86400) { /* rounding reached midnight */
        fc_civil_from_days((long)whole + 1, &y, &m, &d);
        secs -= 86400;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02ld:%02ld:%02ld", y, m, d, secs / 3600, secs / 60 % 60,
             secs % 60);
    return buf;
}

/* ---- grouping rows by the --series value ---- */

typedef struct group_map {
    size_t cap;       /* power of two */
    long *slot;       /* group index or -1 */
    const char **key; /* per group, borrowed from the table */
    size_t ngroups;
} group_map;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static long group_of(group_map *g, const char *key)
{
    if ((g->ngroups + 1) * 2 > g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        long *slot = malloc(cap * sizeof *slot);
        const char **keys = realloc(g->key, cap * sizeof *keys);
        if (!slot || !keys) {
            free(slot);
            if (keys)
                g->key = keys;
            return -1;
        }
        g->key = keys;
        for (size_t i = 0; i < cap; i++)
            slot[i] = -1;
        for (size_t i = 0; i < g->ngroups; i++) {
            size_t j = hash_str(keys[i]) & (cap - 1);
            while (slot[j] >= 0)
                j = (j + 1) & (cap - 1);
            slot[j] = (long)i;
        }
        free(g->slot);
        g->slot = slot;
        g->cap = cap;
    }
    size_t j = hash_str(key) & (g->cap - 1);
    while (g->slot[j] >= 0) {
        if (strcmp(g->key[g->slot[j]], key) == 0)
            return g->slot[j];
        j = (j + 1) & (g->cap - 1);
    }
    g->slot[j] = (long)g->ngroups;
    g->key[g->ngroups] = key;
    return (long)g->ngroups++;
}

/* ---- reading ---- */

typedef struct point {
    double t, y;
    long line;
} point;

static int cmp_point(const void *a, const void *b)
{
    const point *p = a, *q = b;
    if (p->t != q->t)
        return p->t < q->t ? -1 : 1;
    return p->line < q->line ? -1 : p->line > q->line;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int column_or_error(const csv_table *tab, const char *name, const char *what)
{
    int c = csv_table_column(tab, name);
    if (c >= 0)
        return c;
    char cols[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < tab->ncols && used < sizeof cols; i++) {
        int n = snprintf(cols + used, sizeof cols - used, "%s%s", i ? ", " : "", tab->header[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    crest_error_at(tab->path, 1, "no %s column '%s'; the header has: %s", what, name, cols);
    return -1;
}

static int lower_contains(const char *s, const char *needle)
{
    char b[128];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof b; i++)
        b[i] = (char)tolower((unsigned char)s[i]);
    b[i] = '\0';
    return strstr(b, needle) != NULL;
}

/* Figures over different windows (one day vs eleven days) are not the same
 * quantity: fitting a curve through both is wrong, so refuse. */
static int check_window_columns(const csv_table *tab, const char *keep, const int *skip_col)
{
    for (size_t c = 0; c < tab->ncols; c++) {
        if (skip_col[c] || !lower_contains(tab->header[c], "window"))
            continue;
        long first = -1;
        for (size_t r = 0; r < tab->nrows; r++) {
            if (!keep[r] || !*csv_table_cell(tab, r, c))
                continue;
            if (first < 0) {
                first = (long)r;
            } else if (strcmp(csv_table_cell(tab, r, c), csv_table_cell(tab, (size_t)first, c))) {
                crest_error_at(tab->path, tab->line[r],
                               "column '%s' mixes windows: '%s' here, '%s' on line %ld; figures "
                               "over different windows are not comparable. Pick one, e.g. "
                               "--where \"%s=%s\"",
                               tab->header[c], csv_table_cell(tab, r, c),
                               csv_table_cell(tab, (size_t)first, c), tab->line[first],
                               tab->header[c], csv_table_cell(tab, (size_t)first, c));
                return -1;
            }
        }
    }
    return 0;
}

static void name_unit(fc_history *h)
{
    double s = h->step;
    if (h->kind == FC_TIME_YEAR) {
        h->unit_seconds = s * 365.25 * 86400.0;
        if (s == 1)
            snprintf(h->unit, sizeof h->unit, "year");
        else
            snprintf(h->unit, sizeof h->unit, "%g years", s);
        return;
    }
    h->unit_seconds = s * 86400.0;
    double secs = h->unit_seconds;
    if (fabs(s - 1) < 1e-9)
        snprintf(h->unit, sizeof h->unit, "day");
    else if (fabs(s - 7) < 1e-9)
        snprintf(h->unit, sizeof h->unit, "week");
    else if (fabs(secs - 3600) < 0.5)
        snprintf(h->unit, sizeof h->unit, "hour");
    else if (fabs(secs - 60) < 0.5)
        snprintf(h->unit, sizeof h->unit, "minute");
    else if (s >= 1)
        snprintf(h->unit, sizeof h->unit, "%g days", s);
    else
        snprintf(h->unit, sizeof h->unit, "%g s", secs);
}

static int fill_series(const csv_table *tab, fc_series *s, const size_t *rows, size_t nrows,
                       const double *row_t, int col, int has_until, double until, point *buf)
{
    size_t n = 0;
    for (size_t i = 0; i < nrows; i++) {
        size_t r = rows[i];
        double v;
        int rc = csv_table_number(tab, r, (size_t)col, &v);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            if (!s->nmissing)
                s->first_missing_line = tab->line[r];
            s->nmissing++;
            continue;
        }
        buf[n++] = (point){row_t[r], v, tab->line[r]};
    }
    qsort(buf, n, sizeof *buf, cmp_point);
    for (size_t i = 1; i < n; i++) {
        if (buf[i].t == buf[i - 1].t) {
            crest_error_at(tab->path, buf[i].line,
                           "column '%s': a second value for the same time in series '%s' "
                           "(first on line %ld); expected one value per time",
                           tab->header[col], s->id, buf[i - 1].line);
            return -1;
        }
    }
    size_t nfit = n;
    if (has_until)
        for (nfit = 0; nfit < n && buf[nfit].t <= until + 1e-9; nfit++)
            ;
    s->t = malloc((nfit + 1) * sizeof *s->t);
    s->y = malloc((nfit + 1) * sizeof *s->y);
    s->line = malloc((nfit + 1) * sizeof *s->line);
    s->later_t = malloc((n - nfit + 1) * sizeof *s->later_t);
    s->later_y = malloc((n - nfit + 1) * sizeof *s->later_y);
    if (!s->t || !s->y || !s->line || !s->later_t || !s->later_y) {
        crest_error("out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (i < nfit) {
            s->t[i] = buf[i].t;
            s->y[i] = buf[i].y;
            s->line[i] = buf[i].line;
        } else {
            s->later_t[i - nfit] = buf[i].t;
            s->later_y[i - nfit] = buf[i].y;
        }
    }
    s->n = nfit;
    s->nlater = n - nfit;
    return 0;
}

/* The state of one fc_history_read: the table, which rows and columns are
 * kept, and the rows grouped by series. Each step below returns 0 or -1
 * after printing its error. */
typedef struct reader {
    const char *path;
    const fc_read_options *o;
    fc_history *h;
    csv_table tab;
    int tcol, scol;
    char *keep;            /* per row: passes --where */
    size_t nkept;
    int *skip_col;         /* per column: time, series or value column */
    int *value_cols;
    size_t nvalue;
    double *row_t;
    long *row_group;
    size_t *order, *gstart; /* kept rows by group: order[gstart[g] .. gstart[g+1]) */
    point *buf;
    group_map g;
    int has_until;
    double until;
} reader;

static int oom(const reader *rd)
{
    crest_error("out of memory reading '%s'", rd->path);
    return -1;
}

static int apply_where(reader *rd)
{
    const fc_read_options *o = rd->o;
    for (size_t w = 0; w < o->nwhere; w++) {
        const char *eq = strchr(o->where[w], '=');
        if (!eq || eq == o->where[w]) {
            crest_error("--where '%s': expected COLUMN=VALUE", o->where[w]);
            return -1;
        }
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->where[w]), o->where[w]);
        int c = column_or_error(&rd->tab, name, "--where");
        if (c < 0)
            return -1;
        char cell[256];
        for (size_t r = 0; r < rd->tab.nrows; r++)
            if (strcmp(trim(csv_table_cell(&rd->tab, r, (size_t)c), cell, sizeof cell), eq + 1))
                rd->keep[r] = 0;
    }
    return 0;
}

/* The time kind comes from the first kept row; every other must agree. */
static int read_times(reader *rd)
{
    const char *tc = rd->o->time_col;
    int have_kind = 0;
    for (size_t r = 0; r < rd->tab.nrows; r++) {
        if (!rd->keep[r])
            continue;
        const char *cell = csv_table_cell(&rd->tab, r, (size_t)rd->tcol);
        if (!have_kind) {
            if (fc_time_detect(cell, &rd->h->kind) != 0) {
                crest_error_at(rd->path, rd->tab.line[r],
                               "column '%s': expected a year (2019), a date (2026-11-11) or a "
                               "date-time (2026-11-11T20:00:00), found '%s'",
                               tc, cell);
                return -1;
            }
            have_kind = 1;
        }
        fc_time_kind k = rd->h->kind;
        if (fc_time_parse(cell, k, &rd->row_t[r]) != 0) {
            crest_error_at(rd->path, rd->tab.line[r], "column '%s': expected a %s like %s, found '%s'",
                           tc, fc_time_kind_name(k),
                           k == FC_TIME_YEAR ? "2019" : k == FC_TIME_DATE ? "2026-11-11"
                                                                          : "2026-11-11T20:00:00",
                           cell);
            return -1;
        }
        rd->nkept++;
    }
    if (!rd->nkept) {
        crest_error("%s: no data rows%s", rd->path, rd->o->nwhere ? " match --where" : "");
        return -1;
    }
    return 0;
}

static int named_value_columns(reader *rd)
{
    const fc_read_options *o = rd->o;
    for (size_t i = 0; i < o->nvalues; i++) {
        int c = column_or_error(&rd->tab, o->values[i], "value");
        if (c < 0)
            return -1;
        if (c == rd->tcol || c == rd->scol) {
            crest_error("--value '%s' is also the time or series column", o->values[i]);
            return -1;
        }
        /* value_cols holds each column once: a repeat would overrun it. */
        for (size_t j = 0; j < rd->nvalue; j++) {
            if (rd->value_cols[j] == c) {
                crest_error("--value '%s' is named twice; expected each column once",
                            o->values[i]);
                return -1;
            }
        }
        rd->value_cols[rd->nvalue++] = c;
    }
    return 0;
}

/* Every column whose kept cells are numbers (and not all empty). A column
 * of numbers with a few cells that are not is a metric with a typo, not a
 * text column: an error at its first bad cell, never silently dropped. */
static int numeric_value_columns(reader *rd)
{
    for (size_t c = 0; c < rd->tab.ncols; c++) {
        if (rd->skip_col[c])
            continue;
        size_t nnum = 0, nbad = 0;
        long bad_line = 0;
        char bad[128] = "";
        for (size_t r = 0; r < rd->tab.nrows; r++) {
            char cell[128];
            double v;
            if (!rd->keep[r] || !*trim(csv_table_cell(&rd->tab, r, c), cell, sizeof cell))
                continue;
            if (units_parse_double(cell, &v) == 0) {
                nnum++;
            } else if (!nbad++) {
                bad_line = rd->tab.line[r];
                snprintf(bad, sizeof bad, "%s", cell);
            }
        }
        if (nnum && nbad && nbad * 10 <= nnum + nbad) {
            crest_error_at(rd->path, bad_line,
                           "column '%s': expected a number, found '%s' (the column's other "
                           "cells are numbers); fix it, empty it, or name the value columns "
                           "with --value",
                           rd->tab.header[c], bad);
            return -1;
        }
        if (nnum && !nbad)
            rd->value_cols[rd->nvalue++] = (int)c;
    }
    if (!rd->nvalue) {
        crest_error_at(rd->path, 1, "no numeric column besides '%s'; name one with --value",
                       rd->o->time_col);
        return -1;
    }
    return 0;
}

static int pick_value_columns(reader *rd)
{
    rd->skip_col[rd->tcol] = 1;
    if (rd->scol >= 0)
        rd->skip_col[rd->scol] = 1;
    int rc = rd->o->values && rd->o->nvalues ? named_value_columns(rd) : numeric_value_columns(rd);
    if (rc != 0)
        return -1;
    for (size_t i = 0; i < rd->nvalue; i++)
        rd->skip_col[rd->value_cols[i]] = 1;
    if (check_window_columns(&rd->tab, rd->keep, rd->skip_col) != 0)
        return -1;
    if (rd->o->until) {
        if (fc_time_parse(rd->o->until, rd->h->kind, &rd->until) != 0) {
            crest_error("--until '%s': expected a %s like the time column", rd->o->until,
                        fc_time_kind_name(rd->h->kind));
            return -1;
        }
        rd->has_until = 1;
    }
    return 0;
}

/* Groups kept rows by series (one group for wide files), counting-sorted. */
static int group_rows(reader *rd)
{
    size_t nrows = rd->tab.nrows;
    for (size_t r = 0; r < nrows; r++) {
        rd->row_group[r] = -1;
        if (!rd->keep[r])
            continue;
        rd->row_group[r] = group_of(&rd->g, rd->scol >= 0 ? csv_table_cell(&rd->tab, r, (size_t)rd->scol) : "");
        if (rd->row_group[r] < 0)
            return oom(rd);
    }
    size_t ng = rd->g.ngroups;
    rd->gstart = calloc(ng + 1, sizeof *rd->gstart);
    rd->order = malloc((rd->nkept + 1) * sizeof *rd->order);
    rd->buf = malloc((rd->nkept + 1) * sizeof *rd->buf);
    size_t *fillp = calloc(ng + 1, sizeof *fillp);
    if (!rd->gstart || !rd->order || !rd->buf || !fillp) {
        free(fillp);
        return oom(rd);
    }
    for (size_t r = 0; r < nrows; r++)
        if (rd->row_group[r] >= 0)
            rd->gstart[rd->row_group[r] + 1]++;
    for (size_t i = 0; i < ng; i++)
        rd->gstart[i + 1] += rd->gstart[i];
    for (size_t r = 0; r < nrows; r++)
        if (rd->row_group[r] >= 0)
            rd->order[rd->gstart[rd->row_group[r]] + fillp[rd->row_group[r]]++] = r;
    free(fillp);
    return 0;
}

/* One series per group and value column. */
static int build_series(reader *rd)
{
    fc_history *h = rd->h;
    h->series = calloc(rd->g.ngroups * rd->nvalue + 1, sizeof *h->series);
    if (!h->series)
        return oom(rd);
    for (size_t gi = 0; gi < rd->g.ngroups; gi++) {
        for (size_t v = 0; v < rd->nvalue; v++) {
            fc_series *s = &h->series[h->nseries++];
            const char *metric = rd->tab.header[rd->value_cols[v]], *key = rd->g.key[gi];
            s->metric = strdup(metric);
            if (rd->scol < 0) {
                s->id = strdup(metric);
            } else if (rd->nvalue == 1) {
                s->id = strdup(key);
            } else {
                size_t len = strlen(key) + strlen(metric) + 2;
                s->id = malloc(len);
                if (s->id)
                    snprintf(s->id, len, "%s/%s", key, metric);
            }
            if (!s->id || !s->metric)
                return oom(rd);
            if (fill_series(&rd->tab, s, rd->order + rd->gstart[gi],
                            rd->gstart[gi + 1] - rd->gstart[gi], rd->row_t, rd->value_cols[v],
                            rd->has_until, rd->until, rd->buf) != 0)
                return -1;
            if (s->nmissing)
                crest_note("%s: series '%s': %zu empty cell%s skipped (first on line %ld)",
                           rd->path, s->id, s->nmissing, s->nmissing == 1 ? "" : "s",
                           s->first_missing_line);
        }
    }
    return 0;
}

/* The step is the median spacing over every series: robust to gaps. */
static int set_step(reader *rd)
{
    fc_history *h = rd->h;
    size_t nd = 0;
    for (size_t i = 0; i < h->nseries; i++)
        nd += h->series[i].n ? h->series[i].n - 1 : 0;
    double *d = malloc((nd + 1) * sizeof *d);
    if (!d)
        return oom(rd);
    nd = 0;
    for (size_t i = 0; i < h->nseries; i++)
        for (size_t j = 1; j < h->series[i].n; j++)
            d[nd++] = h->series[i].t[j] - h->series[i].t[j - 1];
    if (nd) {
        qsort(d, nd, sizeof *d, cmp_double);
        h->step = d[nd / 2];
    } else {
        h->step = 1;
    }
    free(d);
    if (h->kind == FC_TIME_DATETIME) /* snap to whole seconds */
        h->step = round(h->step * 86400.0) / 86400.0;
    name_unit(h);
    for (size_t i = 0; i < h->nseries; i++) {
        const fc_series *s = &h->series[i];
        size_t gaps = 0;
        for (size_t j = 1; j < s->n; j++)
            if (s->t[j] - s->t[j - 1] > 1.5 * h->step)
                gaps += (size_t)lround((s->t[j] - s->t[j - 1]) / h->step) - 1;
        if (gaps)
            crest_note("%s: series '%s': %zu missing %s%s in the history; models use the "
                       "actual times",
                       rd->path, s->id, gaps, h->unit, gaps == 1 ? "" : "s");
    }
    return 0;
}

static int reader_open(reader *rd)
{
    fc_history *h = rd->h;
    h->path = strdup(rd->path);
    h->time_col = strdup(rd->o->time_col);
    rd->tcol = column_or_error(&rd->tab, rd->o->time_col, "time");
    rd->scol = rd->o->series_col ? column_or_error(&rd->tab, rd->o->series_col, "series") : -1;
    if (rd->tcol < 0 || (rd->o->series_col && rd->scol < 0))
        return -1;
    size_t nrows = rd->tab.nrows, ncols = rd->tab.ncols;
    rd->keep = calloc(nrows + 1, 1);
    rd->skip_col = calloc(ncols, sizeof *rd->skip_col);
    rd->value_cols = calloc(ncols + 1, sizeof *rd->value_cols);
    rd->row_t = calloc(nrows + 1, sizeof *rd->row_t);
    rd->row_group = calloc(nrows + 1, sizeof *rd->row_group);
    if (!h->path || !h->time_col || !rd->keep || !rd->skip_col || !rd->value_cols ||
        !rd->row_t || !rd->row_group)
        return oom(rd);
    memset(rd->keep, 1, nrows);
    return 0;
}

static void reader_free(reader *rd)
{
    free(rd->keep);
    free(rd->skip_col);
    free(rd->value_cols);
    free(rd->row_t);
    free(rd->row_group);
    free(rd->order);
    free(rd->gstart);
    free(rd->buf);
    free(rd->g.slot);
    free(rd->g.key);
    csv_table_free(&rd->tab);
}

int fc_history_read(const char *path, const fc_read_options *o, fc_history *h)
{
    memset(h, 0, sizeof *h);
    reader rd = {.path = path, .o = o, .h = h};
    if (csv_table_read(path, &rd.tab) != 0) {
        csv_table_free(&rd.tab); /* csvio keeps the path when the open fails */
        return -1;
    }
    int rc = reader_open(&rd);
    if (rc == 0)
        rc = apply_where(&rd);
    if (rc == 0)
        rc = read_times(&rd);
    if (rc == 0)
        rc = pick_value_columns(&rd);
    if (rc == 0)
        rc = group_rows(&rd);
    if (rc == 0)
        rc = build_series(&rd);
    if (rc == 0)
        rc = set_step(&rd);
    reader_free(&rd);
    return rc;
}

void fc_history_free(fc_history *h)
{
    for (size_t i = 0; i < h->nseries; i++) {
        fc_series *s = &h->series[i];
        free(s->id);
        free(s->metric);
        free(s->t);
        free(s->y);
        free(s->line);
        free(s->later_t);
        free(s->later_y);
    }
    free(h->series);
    free(h->path);
    free(h->time_col);
    memset(h, 0, sizeof *h);
}
