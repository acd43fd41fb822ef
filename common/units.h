/* units.h: parsing and printing the quantities users type: durations
 * ("250ms", "30s", "2m", "1h", "500us"), plain numbers, percentages. All
 * parsing is locale-independent and rejects trailing garbage. */
#ifndef CREST_UNITS_H
#define CREST_UNITS_H

/* A whole string as a finite double ("1e3", " 2.5 "). 0 or -1. */
int units_parse_double(const char *s, double *out);

/* A duration in seconds: "250ms", "1.5s", "1m30s" (parts largest first).
 * A lone bare number means DEFAULT_UNIT seconds
 * (1 for "30", 0.001 when bare numbers are milliseconds). 0 or -1. */
int units_parse_duration(const char *s, double default_unit, double *seconds);

/* "0.1%" -> 0.001, "0.001" -> 0.001. 0 or -1. */
int units_parse_fraction(const char *s, double *out);

/* Formats SECONDS for humans ("850us", "12.3ms", "2.50s", "3m05s") into BUF. */
const char *units_format_duration(double seconds, char *buf, int len);

#endif
