/* fuzz_history.c: libFuzzer harness for forecast history CSV (every time
 * format: years, dates, date-times; wide and long layouts; filters and
 * --until) as `crest forecast` reads it. The first input byte picks the
 * read options, the rest is the file. */
#include "tests/fuzz/fuzz_util.h"

#include "forecast/series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const time_cols[] = {"date", "year", "t", "time"};
    static const char *const until[] = {NULL, "2020", "2026-11-11", "2026-11-11T20:00"};
    static const char *const values[] = {"pv", "value"};
    static const char *const where[] = {"window=1 day"};
    uint8_t pick = data[0];
    fc_read_options o = {
        .time_col = time_cols[pick & 3],
        .series_col = (pick & 4) ? "series" : NULL,
        .values = (pick & 8) ? values : NULL,
        .nvalues = (pick & 8) ? 2 : 0,
        .where = (pick & 16) ? where : NULL,
        .nwhere = (pick & 16) ? 1 : 0,
        .until = until[(pick >> 5) & 3],
    };
    char path[512];
    fuzz_write("history.csv", data + 1, size - 1, path, sizeof path);
    fc_history h;
    memset(&h, 0, sizeof h);
    fc_history_read(path, &o, &h);
    fc_history_free(&h);

    /* The time parsers on their own, over the raw bytes. */
    char *s = fuzz_string(data + 1, size - 1);
    fc_time_kind kind;
    double t;
    if (fc_time_detect(s, &kind) == 0 && fc_time_parse(s, kind, &t) == 0) {
        char buf[64];
        fc_time_format(kind, t, buf, sizeof buf);
    }
    for (int k = FC_TIME_YEAR; k <= FC_TIME_DATETIME; k++)
        fc_time_parse(s, (fc_time_kind)k, &t);
    free(s);
    return 0;
}
