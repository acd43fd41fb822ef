/* fuzz_hist.c: libFuzzer harness for the histogram text encoding that
 * results.json carries ("histogram" fields, hist_decode). A histogram that
 * decodes must encode and decode back to the same counts. */
#include "tests/fuzz/fuzz_util.h"

#include "common/hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    hist *h = hist_decode(s);
    if (h) {
        hist_percentile(h, 99);
        hist_mean(h);
        hist_stddev(h);
        char *again = hist_encode(h);
        if (again) {
            hist *h2 = hist_decode(again);
            if (!h2 || hist_count(h2) != hist_count(h))
                abort(); /* lossless round trip is the format's promise */
            hist_free(h2);
            free(again);
        }
        hist_free(h);
    }
    free(s);
    return 0;
}
