/* fuzz_threshold.c: libFuzzer harness for gate expressions: thresholds,
 * abort rules and SLOs ("p99<250ms, errors<0.1%, cart:rate>100"), and the
 * regression allowance of `compare --max-regression` ("p99=10%,rate=5%").
 * Parsed expressions are evaluated against a small run. */
#include "tests/fuzz/fuzz_util.h"

#include "loadgen/stats.h"
#include "loadgen/threshold.h"
#include "reports/compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static run_result r;
    if (!r.total.name) {
        const char *names[2] = {"cart", "cms"};
        if (run_result_init(&r, 2, names) != 0)
            abort();
        r.total.c.scheduled = r.total.c.completed = r.total.c.ok = 100;
        hist_record(r.total.h.latency, 1234);
        r.duration_s = 10;
    }
    char *s = fuzz_string(data, size);
    char err[256];
    threshold_set set = {0};
    if (threshold_set_add(&set, s, err, sizeof err) == 0) {
        for (size_t i = 0; i < set.count; i++) {
            double v;
            threshold_eval(&set.items[i], &r, &v);
        }
    }
    threshold_set_free(&set);
    threshold one;
    threshold_parse(s, &one, err, sizeof err);
    compare_allowance a;
    compare_allowance_default(&a);
    compare_allowance_parse(s, &a);
    free(s);
    return 0;
}
