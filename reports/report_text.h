/* report_text.h: making untrusted text safe for each output format, and
 * formatting numbers the same way in every output.
 *
 * Everything a scenario or a target supplies (subsystem names, URLs,
 * threshold expressions, error reasons) may be hostile: it can hold markup,
 * quotes, newlines, invalid UTF-8 or gnuplot commands. Each writer sends such
 * text through the escaper of its format here and nowhere else, so the rules
 * are in one place and unit-tested (tests/unit/test_report_text.c). Header
 * values that are secrets are removed before any of them (report_redact). */
#ifndef CREST_REPORT_TEXT_H
#define CREST_REPORT_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* HTML text and attribute values: & < > " ' become entities; control
 * characters other than tab/newline and invalid UTF-8 become U+FFFD. NULL
 * writes nothing. */
void text_html(FILE *f, const char *s);

/* XML 1.0 text and attribute values (JUnit): as text_html, with the
 * characters XML 1.0 forbids replaced as well, so the file always parses. */
void text_xml(FILE *f, const char *s);

/* A gnuplot single-quoted string literal, quotes included: control
 * characters become spaces, ' is doubled, ` becomes ', invalid UTF-8 is
 * dropped, and the text is cut to MAX bytes (at a character boundary, with
 * "..."), so the literal can neither end early nor span lines. Use with the
 * terminal's noenhanced mode so ^ _ { } @ are plain characters too. */
void text_gnuplot(FILE *f, const char *s, size_t max);

/* A CSV field (RFC 4180): quoted when it holds , " CR or LF, quotes doubled;
 * a leading = + - @ is prefixed with ' so spreadsheets do not run it as a
 * formula. */
void text_csv(FILE *f, const char *s);

/* Plain text for summary.txt and terminals: control characters other than
 * newline become spaces (no terminal escape sequences get through). */
void text_plain(FILE *f, const char *s);

/* A copy of S (malloc'd; the caller frees; NULL when out of memory or S is
 * NULL) where the value after each "NAME:" or "NAME=" for a NAME in SECRETS
 * (case-insensitive, anywhere: "X-Cookie:" is redacted too, erring on the
 * safe side) is replaced by "[redacted]". The value
 * ends at a quote, a newline, " -" (the next command-line option) or the
 * end of S. */
char *report_redact(const char *s, const char *const *secrets, size_t nsecrets);

/* 1 when header NAME is one of SECRETS (case-insensitive). */
int report_is_secret(const char *name, const char *const *secrets, size_t nsecrets);

/* Number formatting into BUF (at least 32 bytes); NAN prints as "-".
 * fmt_num: up to DECIMALS decimals, trailing zeros trimmed, thousands
 * grouped ("12,345.6", as on the terminal; never an exponent below 1e15). fmt_pct: a fraction as a percentage ("1.25%"). */
const char *fmt_num(char *buf, double v, int decimals);
/* Two significant digits, small values in exponent form ("2.1e-05"): p-values. */
const char *fmt_sig(char *buf, double v);
const char *fmt_pct(char *buf, double fraction);
/* "day", "hour", "minute", "second", "week", else "600 s": one forecast
 * step in words, for "per day" rather than "per 86400 s". */
const char *fmt_unit(char *buf, double unit_seconds);
/* A threshold's measured value in the unit of its metric, read from EXPR
 * ("[tag:]metric<bound"): "76.7 ms", "0.18%", "1,234/s", "12". */
const char *fmt_threshold_value(char *buf, const char *expr, double v);

#endif
