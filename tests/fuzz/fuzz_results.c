/* fuzz_results.c: libFuzzer harness for the results.json reader in loadgen
 * (results_read: counters, encoded histograms, timeseries), as `crest
 * compare` and `crest run --baseline` use it; a file that reads is then
 * compared with itself, gated and written back out. */
#include "tests/fuzz/fuzz_util.h"

#include "loadgen/results.h"
#include "loadgen/stats.h"
#include "loadgen/threshold.h"
#include "reports/compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("results.json", data, size, path, sizeof path);
    run_result r;
    if (results_read(path, &r) != 0)
        return 0;
    compare_allowance a;
    compare_allowance_default(&a);
    compare_report rep;
    if (compare_run_results("a", &r, "b", &r, &a, &rep) == 0)
        compare_report_free(&rep);
    threshold_set set = {0};
    char err[256];
    if (threshold_set_add(&set, "p99<250ms,errors<1%,rate>10,dropped<1,cms:p50<1s", err,
                          sizeof err) == 0) {
        threshold_result tr[8];
        thresholds_evaluate(&set, &r, tr);
    }
    threshold_set_free(&set);
    results_meta m = {.command = "fuzz"};
    cJSON *j = results_to_json(&r, &m);
    cJSON_Delete(j);
    run_result_free(&r);
    return 0;
}
