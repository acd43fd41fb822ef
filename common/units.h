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

/* A size in bytes: "512", "64k", "1m", "2g" (k = 1024; "kb"/"kib" too).
 * 0 or -1 (negative, fractional byte counts, overflow, unknown unit). */
int units_parse_size(const char *s, double *bytes);

/* "0.1%" -> 0.001, "0.001" -> 0.001. 0 or -1. */
int units_parse_fraction(const char *s, double *out);

/* Formats SECONDS for humans ("850us", "12.3ms", "2.50s", "3m05s") into BUF. */
const char *units_format_duration(double seconds, char *buf, int len);

/* Formats a count or rate for humans the same way everywhere: thousands
 * separators from 1,000 on ("61,030,915", "5,887,000"), up to 4
 * significant digits below ("812.3", "0.25"); never an exponent. */
const char *units_format_count(double v, char *buf, int len);

#endif
