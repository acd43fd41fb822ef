/* exposition.h: a small strict parser for the Prometheus text exposition
 * format (version 0.0.4) and the OpenMetrics text format's common subset.
 *
 * Debian has no C library for this format (libprometheus-cpp is a C++
 * client that writes it, not a reader), so crest parses it itself. The
 * input comes from whatever answers a scrape URL, so the parser is strict
 * and bounded: every line is a comment (# HELP / # TYPE / # EOF / other),
 * a blank line, or `name{label="value",...} value [timestamp]`; anything
 * else is rejected with the line number and what was expected. Sizes are
 * capped (EXPO_MAX_*). tests/fuzz/fuzz_exposition.c fuzzes it.
 *
 * The parsed document points into its own copy of the text (label values
 * unescaped in place), so one expo_doc_free releases everything. */
#ifndef CREST_EXPOSITION_H
#define CREST_EXPOSITION_H

#include <stddef.h>

#define EXPO_MAX_BYTES (16u << 20)   /* a whole document */
#define EXPO_MAX_SAMPLES 200000
#define EXPO_MAX_LABELS 64           /* per sample */

enum expo_type { EXPO_UNTYPED, EXPO_COUNTER, EXPO_GAUGE, EXPO_HISTOGRAM, EXPO_SUMMARY };

typedef struct expo_label {
    const char *name, *value;
} expo_label;

typedef struct expo_sample {
    const char *name;         /* as written: "http_requests_total", "x_bucket" */
    const char *family;       /* the # TYPE family it belongs to, else its own name */
    enum expo_type type;      /* the family's type (EXPO_UNTYPED without # TYPE) */
    size_t first_label, nlabels; /* into expo_doc.labels */
    double value;
} expo_sample;

typedef struct expo_doc {
    char *text;               /* owned copy the strings point into */
    expo_sample *samples;
    size_t nsamples;
    expo_label *labels;
    size_t nlabels;
} expo_doc;

/* Parses LEN bytes of TEXT into OUT. 0, or -1 with ERR (ERRLEN bytes)
 * saying "line N: expected ..." (OUT is then empty). Free with
 * expo_doc_free in both cases. */
int expo_parse(const char *text, size_t len, expo_doc *out, char *err, size_t errlen);
void expo_doc_free(expo_doc *d);

/* The value of label NAME of sample S, or NULL. */
const char *expo_label_value(const expo_doc *d, const expo_sample *s, const char *name);

/* "counter", "gauge", ... */
const char *expo_type_name(enum expo_type t);

#endif
