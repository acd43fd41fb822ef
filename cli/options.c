/* options.c: see options.h. */
#include <math.h>

#include <string.h>
#include <strings.h>

#include "cli/options.h"
#include "common/error.h"
#include "common/units.h"
#include "loadgen/loadplan.h"

int option_positive(const char *flag, const char *text, double *out)
{
    if (units_parse_double(text, out) != 0 || !(*out > 0) || !isfinite(*out)) {
        crest_error("%s '%s': expected a positive number", flag, text);
        return -1;
    }
    return 0;
}

int option_duration(const char *flag, const char *text, int zero_ok, double *out)
{
    if (units_parse_duration(text, 1, out) != 0 || !isfinite(*out) || *out < 0 ||
        (!zero_ok && *out == 0) || *out > LOADPLAN_MAX_DURATION_S) {
        crest_error("%s '%s': expected a%s duration such as 5s, 500ms or 1m30s (at most 24h)",
                    flag, text, zero_ok ? "" : " positive");
        return -1;
    }
    return 0;
}

int option_rate(const char *flag, const char *text, double *out)
{
    if (option_positive(flag, text, out) != 0)
        return -1;
    if (*out > LOADPLAN_MAX_RATE) {
        crest_error("%s '%s': expected a rate from 0 to %g requests/s", flag, text,
                    LOADPLAN_MAX_RATE);
        return -1;
    }
    return 0;
}

int option_checkpoint(const char *flag, const char *text, double *out)
{
    if (option_duration(flag, text, 1, out) != 0)
        return -1;
    if (*out != 0 && *out < 1) {
        crest_error("%s '%s': expected 0 (off) or a duration from 1s", flag, text);
        return -1;
    }
    return 0;
}

int option_send_batch(const char *flag, const char *text, double *out)
{
    if (option_duration(flag, text, 1, out) != 0)
        return -1;
    long long ns = llround(*out * 1e9);   /* "10us" parses a hair below 10e-6 */
    if (ns != 0 && (ns < 10000 || ns > 100000000)) {
        crest_error("%s '%s': expected 0 (off) or a duration from 10us to 100ms", flag, text);
        return -1;
    }
    return 0;
}

int option_count(const char *flag, const char *text, long lo, long hi, long *out)
{
    double v;
    if (units_parse_double(text, &v) != 0 || v != floor(v) || v < (double)lo || v > (double)hi) {
        crest_error("%s '%s': expected a whole number from %ld to %ld", flag, text, lo, hi);
        return -1;
    }
    *out = (long)v;
    return 0;
}

int option_int(const char *flag, const char *text, int lo, int hi, int *out)
{
    long v;
    if (option_count(flag, text, lo, hi, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

int option_fraction(const char *flag, const char *text, double *out)
{
    if (units_parse_fraction(text, out) != 0 || !(*out > 0) || *out >= 1) {
        crest_error("%s '%s': expected a fraction between 0 and 1 such as 3%% or 0.03", flag,
                    text);
        return -1;
    }
    return 0;
}

int option_push(const char **list, size_t *n, size_t cap, const char *flag, const char *text)
{
    if (*n >= cap) {
        crest_error("%s: given more than %zu times", flag, cap);
        return -1;
    }
    list[(*n)++] = text;
    return 0;
}

int option_is_url(const char *text)
{
    return strncasecmp(text, "http://", 7) == 0 || strncasecmp(text, "https://", 8) == 0;
}
