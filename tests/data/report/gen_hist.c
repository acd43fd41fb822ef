/* gen_hist.c: prints hist_encode strings of log-normal latency samples for
 * the report fixtures (make_fixtures.py builds and runs it). Usage:
 * gen_hist SEED COUNT MEDIAN_MS SIGMA [TAIL_FRACTION TAIL_MS] */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include "common/hist.h"
#include "common/rng.h"

int main(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    rng r;
    rng_seed(&r, strtoull(argv[1], NULL, 10));
    long n = atol(argv[2]);
    double median = atof(argv[3]), sigma = atof(argv[4]);
    double tail = argc > 6 ? atof(argv[5]) : 0, tail_ms = argc > 6 ? atof(argv[6]) : 0;
    hist *h = hist_new();
    for (long i = 0; i < n; i++) {
        double ms = median * exp(sigma * rng_normal(&r));
        if (rng_uniform(&r) < tail)
            ms = tail_ms * (0.5 + rng_uniform(&r));
        hist_record(h, (int64_t)(ms * 1000.0));
    }
    char *s = hist_encode(h);
    printf("%s\n%.3f %.3f %.3f %.3f %.3f %.3f %.3f\n", s, hist_min(h) / 1000.0, hist_mean(h) / 1000.0,
           hist_percentile(h, 50) / 1000.0, hist_percentile(h, 90) / 1000.0,
           hist_percentile(h, 99) / 1000.0, hist_percentile(h, 99.9) / 1000.0, hist_max(h) / 1000.0);
    free(s);
    hist_free(h);
    return 0;
}
