/* fuzz_events.c: libFuzzer harness for the festival events CSV
 * (`crest forecast --events FILE`: date,name rows, YYYY-MM-DD or MM-DD) and
 * the --event MM-DD flag parser. */
#include "tests/fuzz/fuzz_util.h"

#include "forecast/daily.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("events.csv", data, size, path, sizeof path);
    fc_events ev;
    memset(&ev, 0, sizeof ev);
    if (fc_events_read(&ev, path) == 0)
        fc_events_on(&ev, 20000);
    char *s = fuzz_string(data, size);
    fc_events_add_recurring(&ev, s);
    free(s);
    fc_events_free(&ev);
    return 0;
}
