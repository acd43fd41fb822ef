/* shed_header.c: header-line matching for degraded answers (see
 * shed_header.h). A header line is "Name: value" with optional whitespace
 * around the value (RFC 9110 5.5/5.6.3); names compare case-insensitively
 * (HTTP/2 delivers them lower-cased, HTTP/1.1 servers spell them as they
 * like). */
#include "loadgen/shed_header.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ASCII only: header names are tokens, and the locale must not matter. */
static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int name_equals(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower(b[i]))
            return 0;
    return 1;
}

int shed_header_match(const char *line, size_t len, const char *name, size_t name_len)
{
    if (name_len == 0 || len <= name_len || line[name_len] != ':' ||
        !name_equals(line, name, name_len))
        return 0;
    size_t b = name_len + 1, e = len;
    while (b < e && is_space(line[b]))
        b++;
    while (e > b && is_space(line[e - 1]))
        e--;
    if (b == e)
        return 0;
    return !(e - b == 1 && line[b] == '0');
}

int shed_header_is_status_line(const char *line, size_t len)
{
    return len >= 5 && line[0] == 'H' && line[1] == 'T' && line[2] == 'T' && line[3] == 'P' &&
           line[4] == '/';
}
