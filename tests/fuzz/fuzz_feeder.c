/* fuzz_feeder.c: libFuzzer harness for feeder CSV files (scenario
 * "feeders"): loads the input in each picking mode and reads back every
 * column of a few picked rows, as template rendering does. */
#include "tests/fuzz/fuzz_util.h"

#include "common/rng.h"
#include "loadgen/feeder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("feeder.csv", data, size, path, sizeof path);
    feeder *f = feeder_load("f", path, (enum feeder_mode)(size % 3));
    if (!f)
        return 0;
    rng r;
    rng_seed(&r, size);
    for (int i = 0; i < 4; i++) {
        long row = feeder_pick(f, &r);
        if (row < 0)
            break;
        for (size_t c = 0; c < feeder_columns(f); c++) {
            size_t len;
            const char *cell = feeder_cell(f, row, c, &len);
            if (cell && len && cell[len - 1] == '\1')
                feeder_column(f, feeder_column_name(f, c));
        }
    }
    feeder_free(f);
    return 0;
}
