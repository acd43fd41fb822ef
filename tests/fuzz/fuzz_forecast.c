/* fuzz_forecast.c: libFuzzer harness for the forecast.json reader in
 * forecast/ (forecast_file_read), as `crest plan` uses it. */
#include "tests/fuzz/fuzz_util.h"

#include "forecast/forecast_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("forecast.json", data, size, path, sizeof path);
    forecast_file f;
    memset(&f, 0, sizeof f);
    if (forecast_file_read(path, &f) == 0)
        forecast_file_find(&f, "pv");
    forecast_file_free(&f);
    return 0;
}
