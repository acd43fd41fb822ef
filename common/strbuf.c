/* strbuf.c: see strbuf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

void strbuf_init(strbuf *b, size_t hint)
{
    memset(b, 0, sizeof *b);
    b->cap = hint ? hint : 64;
    b->s = malloc(b->cap);
    if (b->s)
        b->s[0] = '\0';
    else
        b->oom = 1;
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
    while (!b->oom) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {          /* an encoding error: nothing sensible to add */
            b->s[b->len] = '\0';
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n + 1;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

char *strbuf_take(strbuf *b)
{
    char *s = b->s;
    if (b->oom) {
        free(s);
        s = NULL;
    }
    memset(b, 0, sizeof *b);
    return s;
}
