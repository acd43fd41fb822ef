/* fuzz_units.c: libFuzzer harness for the unit parsers: durations
 * ("250ms", "1h"), plain numbers, fractions/percentages, and the rate
 * stages of `crest run --stages` ("30s:0-5000,60s:5000"). Whatever parses
 * is formatted back. */
#include "tests/fuzz/fuzz_util.h"

#include "common/units.h"
#include "loadgen/adhoc.h"
#include "loadgen/loadplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    double v;
    char buf[64];
    if (units_parse_duration(s, 1, &v) == 0)
        units_format_duration(v, buf, sizeof buf);
    if (units_parse_duration(s, 0.001, &v) == 0)
        units_format_duration(v, buf, sizeof buf);
    units_parse_double(s, &v);
    units_parse_fraction(s, &v);
    loadplan *p = loadplan_new("fuzz");
    char err[256];
    if (p && adhoc_parse_stages(p, s, err, sizeof err) == 0 && p->nphases) {
        double d = loadplan_duration(p);
        for (size_t i = 0; i < p->nphases; i++)
            rate_curve_expected(&p->phases[i].rate, p->phases[i].duration_s);
        (void)d;
    }
    loadplan_free(p);
    free(s);
    return 0;
}
