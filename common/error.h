/* error.h: exit codes shared by every subcommand, and the one way crest
 * reports an error to the user.
 *
 * Every message names where the problem is (file:line:col, file:line, or a
 * JSON path) and what was expected, so a user can fix input without reading
 * code. Errors are printed once, where they are detected; callers only pass
 * the status code up. */
#ifndef CREST_ERROR_H
#define CREST_ERROR_H

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
/* "crest: note: <message>" on stderr: something the user should know that
 * is not wrong (a default taken, an input feature not modelled). */
void crest_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<file>:<line>: error: <message>" (line 0 omits it) on stderr. */
void crest_error_at(const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
