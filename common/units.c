/* units.c: see units.h. */
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

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

int units_parse_size(const char *s, double *bytes)
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
    double scale = 1;
    if (ulen > 0) {
        const char *units = "bkmg";
        const char *u = strchr(units, tolower((unsigned char)unit[0]));
        if (!u || !*u)
            return -1;
        for (ptrdiff_t i = 0; i < u - units; i++)
            scale *= 1024;
        const char *rest = unit + 1;
        size_t rlen = ulen - 1;
        if (!(rlen == 0 || (rlen == 1 && tolower((unsigned char)rest[0]) == 'b' && *u != 'b') ||
              (rlen == 2 && *u != 'b' && strncasecmp(rest, "ib", 2) == 0)))
            return -1;
    }
    double b = v * scale;
    if (b != floor(b) || b > 9.0e15)
        return -1;
    *bytes = b;
    return 0;
}

/* The seconds in one unit spelled at *U ("us", "ms", "s", "m", "h"); moves
 * *U past it. 0 when none of them is there. */
static double duration_unit(const char **u)
{
    static const struct { const char *name; double seconds; } units[] = {
        {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);
        if (strncmp(*u, units[i].name, n) == 0) {
            *u += n;
            return units[i].seconds;
        }
    }
    return 0;
}

/* "30", "250ms", "1.5s", or parts largest first as Go and k6 write them
 * ("1m30s", "1h2m3s"). Only a lone number may go without a unit. */
int units_parse_duration(const char *s, double default_unit, double *seconds)
{
    s = skip_space(s);
    if (!*s)
        return -1;
    double total = 0, last_scale = INFINITY;
    for (int part = 0; *s && !isspace((unsigned char)*s); part++) {
        char *end;
        double v = parse_prefix(s, &end);
        if (end == s || !isfinite(v) || v < 0)
            return -1;
        const char *u = skip_space(end);
        double scale = duration_unit(&u);
        if (scale == 0) {
            if (part > 0 || *skip_space(u))
                return -1;
            scale = default_unit;
        } else if (scale >= last_scale) {
            return -1; /* "30s1m", "1m1m": not a duration anyone means */
        }
        last_scale = scale;
        total += v * scale;
        s = u;
    }
    if (*skip_space(s) || !isfinite(total))
        return -1;
    *seconds = total;
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

const char *units_format_count(double v, char *buf, int len)
{
    if (!isfinite(v)) {
        snprintf(buf, (size_t)len, "%s", isnan(v) ? "n/a" : v > 0 ? "inf" : "-inf");
        return buf;
    }
    if (fabs(v) < 1000) {
        snprintf(buf, (size_t)len, "%.4g", v);
        return buf;
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    size_t nd = strlen(digits), k = 0;
    if (v < 0 && k + 1 < (size_t)len)
        buf[k++] = '-';
    for (size_t i = 0; i < nd && k + 2 < (size_t)len; i++) {
        if (i && (nd - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}
