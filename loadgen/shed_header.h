/* shed_header.h: recognizing a "this answer was degraded" response header
 * (a scenario subsystem's `shed_header`, e.g. X-Degraded) in the header
 * lines a transport receives. A 2xx/3xx answer carrying that header with a
 * value other than empty or "0" counts as shed, not ok (see
 * docs/engine.md, Accounting).
 *
 * Used by transport_curl.c from libcurl's header callback, which delivers
 * exactly one whole header line per call ("Name: value\r\n"), the status
 * line of each response and the empty line ending its headers. Both
 * functions only read their arguments: no allocation, no copying, so they
 * are safe on the per-request path. */
#ifndef CREST_SHED_HEADER_H
#define CREST_SHED_HEADER_H

#include <stddef.h>

/* 1 when LINE (LEN bytes, not NUL-terminated, CRLF or LF optional) is the
 * header NAME (NAME_LEN bytes; compared case-insensitively) and its value,
 * without surrounding spaces, tabs and the line end, is neither empty nor
 * "0"; else 0. "X-Degraded: 1\r\n" -> 1, "x-degraded:0" -> 0. */
int shed_header_match(const char *line, size_t len, const char *name, size_t name_len);

/* 1 when LINE starts a response's header block ("HTTP/1.1 200 OK",
 * "HTTP/2 200"): headers of an earlier response (a 1xx) must not mark
 * the final one. */
int shed_header_is_status_line(const char *line, size_t len);

#endif
