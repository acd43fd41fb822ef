/* series.h: forecast history as numbers. Reads a history CSV (wide: a time
 * column and metric columns; or long: --series COL groups rows) into one
 * sorted (t, value) series per id, and converts time values both ways.
 *
 * Time is one double per point: the year itself for yearly data, days since
 * 1970-01-01 UTC for dates and date-times (fractional for date-times), so
 * that models fit on the actual spacing, gaps included. */
#ifndef CREST_FORECAST_SERIES_H
#define CREST_FORECAST_SERIES_H

#include <stddef.h>

typedef enum fc_time_kind {
    FC_TIME_YEAR,      /* 2019 */
    FC_TIME_DATE,      /* 2026-11-11 */
    FC_TIME_DATETIME   /* 2026-11-11T20:00[:00][Z] or with a space */
} fc_time_kind;

const char *fc_time_kind_name(fc_time_kind kind);

/* Guesses the kind from one time value. 0, or -1 when S looks like none. */
int fc_time_detect(const char *s, fc_time_kind *kind);

/* Parses S as KIND. 0, or -1 when S is not a valid value of that kind. */
int fc_time_parse(const char *s, fc_time_kind kind, double *t);

/* Formats T (as parse returns it) into BUF; returns BUF. */
const char *fc_time_format(fc_time_kind kind, double t, char *buf, size_t len);

/* Days since 1970-01-01 for a civil date, and back; day of week (0 Monday). */
long fc_days_from_civil(int y, int m, int d);
void fc_civil_from_days(long days, int *y, int *m, int *d);
int fc_weekday(long days);

typedef struct fc_series {
    char *id;          /* the --series value, or the metric; "SERIES/METRIC" with several metrics */
    char *metric;      /* the value column */
    size_t n;          /* points used for fitting (after --until) */
    double *t, *y;     /* n points, strictly increasing t */
    long *line;        /* the CSV line of each of the n points */
    size_t nlater;     /* points after --until: kept as actuals to compare with */
    double *later_t, *later_y;
    size_t nmissing;   /* empty cells skipped */
    long first_missing_line;
} fc_series;

typedef struct fc_history {
    char *path;
    char *time_col;
    fc_time_kind kind;
    double step;           /* median spacing in t units (years, or days) */
    double unit_seconds;   /* seconds in one step */
    char unit[24];         /* "year", "day", "week", "hour", "3 days" ... */
    size_t nseries;
    fc_series *series;     /* owned */
} fc_history;

typedef struct fc_read_options {
    const char *time_col;        /* required */
    const char *series_col;      /* long format; NULL for wide */
    const char *const *values;   /* value columns; NULL or empty: every numeric column */
    size_t nvalues;
    const char *const *where;    /* "COL=VALUE" filters, all must hold */
    size_t nwhere;
    const char *until;           /* keep points with time <= this for fitting; NULL: all */
} fc_read_options;

/* Reads PATH into OUT. Empty cells are skipped with a note on stderr; a
 * cell that cannot be parsed, an unknown column, a duplicate time within a
 * series, or a window-like column mixing values is an error naming
 * file:line and the column. Returns 0, or -1 after printing the error.
 * The caller frees OUT with fc_history_free (also after -1). */
int fc_history_read(const char *path, const fc_read_options *opts, fc_history *out);
void fc_history_free(fc_history *h);

#endif
