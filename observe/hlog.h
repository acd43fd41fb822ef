/* hlog.h: HdrHistogram interval logs (.hlog), so that HdrHistogram's own
 * tools (HistogramLogAnalyzer, hdr-histogram-js, HdrHistogram_c) read
 * crest's latency exactly.
 *
 * One line per measured second and subsystem ("Tag=cart,"; the total has
 * no tag), each histogram in HdrHistogram's compressed V2 encoding
 * (cookie 0x1c849314: zlib-deflated V2 encoding, cookie 0x1c849313, of
 * zig-zag LEB128 counts where a negative number is a run of zeros), in
 * base64. crest's histogram has HdrHistogram's layout (lowest 1, highest
 * 3.6e9, 3 significant digits), so the counters are copied as they are.
 * Values are microseconds; Interval_Max is in milliseconds. The per-second
 * histograms arrive from the engine (engine_hooks.on_second) and are
 * encoded and written on the log's own thread. docs/observe.md. */
#ifndef CREST_HLOG_H
#define CREST_HLOG_H

#include <stddef.h>

#include "common/hist.h"

/* H in the compressed V2 encoding, base64 (caller frees), or NULL. */
char *hlog_encode(const hist *h);
/* Decodes TEXT (as hlog_encode writes it) into a new histogram; NULL when
 * it is not a compressed V2 histogram with crest's layout. */
hist *hlog_decode(const char *text);

typedef struct hlog hlog;

/* Opens PATH for writing and starts the writer thread. NULL after saying
 * why. TAGS (NTAGS subsystem names) are copied. */
hlog *hlog_open(const char *path, const char *const *tags, size_t ntags);
/* Engine hook (engine_hooks.on_second): queues FILLED for second SEC of
 * the current run and returns an empty histogram in exchange. */
hist *hlog_take_second(hlog *l, size_t sec, long tag, hist *filled);
/* Seconds of the next run's second 0 from the log's start (search steps
 * follow each other in one log). LABEL NULL: every subsystem gets its own
 * tagged line and the total an untagged one; LABEL given (a search step,
 * e.g. "cart@1200"): only the total is logged, tagged LABEL. */
void hlog_set_run(hlog *l, double offset_s, const char *label);
/* Writes what is queued, stops the thread, closes the file. 0, or -1
 * after saying why (a write failed). Frees L. */
int hlog_close(hlog *l);

#endif
