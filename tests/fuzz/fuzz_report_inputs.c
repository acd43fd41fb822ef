/* fuzz_report_inputs.c: libFuzzer harness for the reports/ readers of
 * results, capacity, forecast and plan JSON (dispatched on "schema", as
 * `crest report FILE` does), then the text writers (summary, JUnit,
 * timeseries CSV) over what was read, into /dev/null. */
#include "tests/fuzz/fuzz_util.h"

#include "reports/report.h"
#include "reports/report_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    char path[512];
    fuzz_write("input.json", data, size, path, sizeof path);
    char *args[1] = {path};
    report_inputs in;
    if (report_inputs_load(&in, args, 1) == 0) {
        report_summary(sink, &in);
        report_junit(sink, &in);
        if (in.results)
            report_timeseries_csv(sink, in.results);
    }
    report_inputs_free(&in);
    return 0;
}
