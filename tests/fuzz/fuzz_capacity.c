/* fuzz_capacity.c: libFuzzer harness for the capacity.json reader in
 * capacity/ (capacity_read), as `crest plan` uses it. */
#include "tests/fuzz/fuzz_util.h"

#include "capacity/capacity_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("capacity.json", data, size, path, sizeof path);
    capacity_result c;
    memset(&c, 0, sizeof c);
    if (capacity_read(path, &c) == 0)
        capacity_find(&c, "cart");
    capacity_result_free(&c);
    return 0;
}
