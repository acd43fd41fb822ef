/* transport_native.h: crest's own HTTP/1.1 transport (transport_native.c),
 * the default for http:// targets. The interface is transport.h's; this
 * header adds what the response-parsing fuzz harness drives directly. */
#ifndef CREST_TRANSPORT_NATIVE_H
#define CREST_TRANSPORT_NATIVE_H

#include "loadgen/transport.h"

extern const transport_ops transport_native;

/* Parses DATA (LEN bytes) as the whole answer to one request (to HEAD when
 * HEAD_ONLY), the connection closing after it, exactly as the transport
 * does; the bytes are fed in two pieces split at SPLIT (to exercise
 * answers cut across reads). Watches the response header WATCH (or NULL).
 * Returns -1 for a complete answer (*STATUS, *SHED set) or the
 * enum net_error_kind it would count. HEADER_CAP 0: the default (64 KiB).
 * For unit tests and the fuzz harness; allocates and frees its state. */
int native_parse_answer(const char *data, size_t len, size_t split, int head_only,
                        size_t header_cap, const char *watch, long *status, int *shed);

#endif
