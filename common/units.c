/* units.c: see units.h. */
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"

/* strtod honours LC_NUMERIC; crest never calls setlocale, so "C" applies,
 * but parse with an explicit C locale anyway so a library that changes the
 * locale cannot make "0.5" fail. */
static double parse_prefix(const char *s, char **end)
{
    static locale_t c_locale;
    if (!c_locale)
        c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale)
        return strtod_l(s, end, c_locale);
    return strtod(s, end);
}

static const char *skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

int units_parse_double(const char *s, double *out)
{
    char *end;
    s = skip_space(s);
    if (!*s)
        return -1;
    double v = parse_prefix(s, &end);
    if (end == s || *skip_space(end) || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int units_parse_duration(const char *s, double default_unit, double *seconds)
{
    char *end;
    s = skip_space(s);
    if (!*s)
        return -1;
    double v = parse_prefix(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return -1;
    const char *unit = skip_space(end);
    size_t ulen = strlen(unit);
    while (ulen && isspace((unsigned char)unit[ulen - 1]))
        ulen--;
    double scale;
    if (ulen == 0)
        scale = default_unit;
    else if (ulen == 2 && strncmp(unit, "us", 2) == 0)
        scale = 1e-6;
    else if (ulen == 2 && strncmp(unit, "ms", 2) == 0)
        scale = 1e-3;
    else if (ulen == 1 && unit[0] == 's')
        scale = 1;
    else if (ulen == 1 && unit[0] == 'm')
        scale = 60;
    else if (ulen == 1 && unit[0] == 'h')
        scale = 3600;
    else
        return -1;
    *seconds = v * scale;
    return 0;
}

int units_parse_fraction(const char *s, double *out)
{
    char *end;
    s = skip_space(s);
    if (!*s)
        return -1;
    double v = parse_prefix(s, &end);
    if (end == s || !isfinite(v))
        return -1;
    end = (char *)skip_space(end);
    if (*end == '%') {
        v /= 100.0;
        end = (char *)skip_space(end + 1);
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

const char *units_format_duration(double seconds, char *buf, int len)
{
    if (seconds < 1e-3)
        snprintf(buf, (size_t)len, "%.0fus", seconds * 1e6);
    else if (seconds < 1)
        snprintf(buf, (size_t)len, "%.2fms", seconds * 1e3);
    else if (seconds < 60)
        snprintf(buf, (size_t)len, "%.2fs", seconds);
    else if (seconds < 1e9) /* minutes fit an int (no UB on 1e12 s; found by fuzz_units) */
        snprintf(buf, (size_t)len, "%dm%02ds", (int)(seconds / 60), (int)fmod(seconds, 60));
    else
        snprintf(buf, (size_t)len, "%.3gs", seconds);
    return buf;
}
