/* error.c: see error.h. */
#include <stdarg.h>
#include <stdio.h>

#include "common/error.h"

static void print_message(const char *prefix, const char *fmt, va_list ap)
{
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void crest_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_message("crest: error: ", fmt, ap);
    va_end(ap);
}

void crest_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_message("crest: warning: ", fmt, ap);
    va_end(ap);
}

void crest_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_message("crest: note: ", fmt, ap);
    va_end(ap);
}

void crest_verror_at(const char *file, long line, const char *fmt, va_list ap)
{
    if (line > 0)
        fprintf(stderr, "%s:%ld: error: ", file, line);
    else
        fprintf(stderr, "%s: error: ", file);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void crest_error_at(const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    crest_verror_at(file, line, fmt, ap);
    va_end(ap);
}

void crest_error_at_col(const char *file, long line, long col, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%ld:%ld: error: ", file, line, col);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
