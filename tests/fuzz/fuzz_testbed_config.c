/* fuzz_testbed_config.c: libFuzzer harness for `crest testbed --config FILE`
 * (per-subsystem capacity model and fault injection, JSON). */
#include "tests/fuzz/fuzz_util.h"

#include "testbed/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("testbed.json", data, size, path, sizeof path);
    testbed_config c;
    testbed_config_defaults(&c);
    if (testbed_config_load(path, &c) == 0)
        for (int i = 0; i < TESTBED_NSUB; i++)
            subsystem_capacity(&c.sub[i]);
    return 0;
}
