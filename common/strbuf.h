/* strbuf.h: a growable text buffer filled printf-style, for documents
 * rendered in one go (the Prometheus expositions of crest's metrics server
 * and of the testbed). Out of memory is sticky: later appends do nothing
 * and strbuf_take says so once, at the end, instead of every caller
 * checking every append. */
#ifndef CREST_STRBUF_H
#define CREST_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *s;                  /* NUL-terminated once anything was appended */
    size_t len, cap;
    int oom;                  /* an allocation failed: the text is incomplete */
} strbuf;

/* An empty buffer with room for HINT bytes (0 on failure: oom set). */
void strbuf_init(strbuf *b, size_t hint);
/* Appends the formatted text, growing as needed. */
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (the caller frees it), or NULL when an allocation failed (the
 * buffer is freed then). B is empty afterwards. */
char *strbuf_take(strbuf *b);

#endif
