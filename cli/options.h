/* options.h: the flag-value parsers every command shares, so that a value
 * means the same thing and is refused with the same words everywhere
 * ("--step '0': expected a duration such as 5s, 500ms or 1m30s"). Each
 * returns 0, or -1 after reporting the bad value through crest_error; the
 * caller then exits CREST_EXIT_USAGE. */
#ifndef CREST_OPTIONS_H
#define CREST_OPTIONS_H

#include <stddef.h>

/* A number > 0 (units_parse_double: "1e3", "1000"). */
int option_positive(const char *flag, const char *text, double *out);
/* A duration (units_parse_duration: "5s", "250ms", "1m30s", bare = seconds),
 * > 0, or >= 0 when ZERO_OK, and at most 24h (LOADPLAN_MAX_DURATION_S: a
 * value like 1e9h is a mistake, and would overflow nanosecond clocks). */
int option_duration(const char *flag, const char *text, int zero_ok, double *out);
/* A rate in requests/s: > 0 and at most LOADPLAN_MAX_RATE (what a plan
 * may ask: beyond it a step's arithmetic stops meaning anything). */
int option_rate(const char *flag, const char *text, double *out);
/* A checkpoint interval: 0 (off) or a duration of at least 1s (a shorter
 * one would rewrite a large results file many times a second). */
int option_checkpoint(const char *flag, const char *text, double *out);
/* A send-batching period (--send-batch): 0 (off) or a duration from 10us
 * to 100ms (longer would hold requests back longer than any latency worth
 * measuring). */
int option_send_batch(const char *flag, const char *text, double *out);
/* A whole number in [LO, HI]. */
int option_count(const char *flag, const char *text, long lo, long hi, long *out);
/* As option_count, into an int. */
int option_int(const char *flag, const char *text, int lo, int hi, int *out);
/* A fraction in (0, 1): "3%" or "0.03". */
int option_fraction(const char *flag, const char *text, double *out);
/* Appends TEXT to LIST (capacity CAP) for a repeatable flag. */
int option_push(const char **list, size_t *n, size_t cap, const char *flag, const char *text);

/* 1 when TEXT looks like an http:// or https:// URL (an operand that is
 * a URL rather than a file: `crest run http://host/path`). */
int option_is_url(const char *text);

#endif
