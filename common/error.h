/* error.h: exit codes shared by every subcommand, and the one way crest
 * reports an error to the user.
 *
 * Every message names where the problem is (file:line:col, file:line, or a
 * JSON path) and what was expected, so a user can fix input without reading
 * code. Errors are printed once, through the functions below, where the
 * location is known; callers only pass the status code up (-1, or an
 * enum crest_exit). Nothing else in crest writes to stderr.
 *
 * The location is not always known where a problem is found: a parser of a
 * short string that callers embed in bigger inputs (a threshold
 * expression, a template, a stage list) cannot tell whether it came from a
 * flag or from line 12 of a scenario. Those few parsers take a
 * `char *err, size_t errlen` buffer for the message, and their caller
 * prints it with its location through these functions. */
#ifndef CREST_ERROR_H
#define CREST_ERROR_H

#include <stdarg.h>

enum crest_exit {
    CREST_EXIT_OK = 0,       /* success, every gate passed */
    CREST_EXIT_GATE = 1,     /* a threshold, regression or shortfall gate failed */
    CREST_EXIT_USAGE = 2,    /* bad usage or bad input */
    CREST_EXIT_RUN = 3       /* could not run, or inconclusive (generator-limited) */
};

/* "crest: error: <message>" on stderr. */
void crest_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "crest: warning: <message>" on stderr. */
void crest_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<file>:<line>: error: <message>" (line 0 omits it) on stderr. */
void crest_error_at(const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<file>:<line>:<col>: error: <message>" on stderr. */
void crest_error_at_col(const char *file, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* crest_error_at with a va_list, for wrappers that add a JSON path. */
void crest_verror_at(const char *file, long line, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* "crest: note: <message>" on stderr: something the user may want to know
 * (cells skipped, a default taken), not a problem. */
void crest_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
