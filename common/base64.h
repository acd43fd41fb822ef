/* base64.h: standard base64 (RFC 4648 alphabet, padded), for the lossless
 * histogram text (hist.c) and the framed shard results a fleet's pods print
 * on stdout (fleet/frame.c). */
#ifndef CREST_BASE64_H
#define CREST_BASE64_H

#include <stddef.h>

/* LEN bytes of IN as base64 after PREFIX (may be ""): a NUL-terminated
 * string the caller frees, or NULL when out of memory. */
char *base64_encode(const char *prefix, const unsigned char *in, size_t len);

/* Decodes the LEN characters of TEXT (padded base64) into a new buffer the
 * caller frees, its size in *OUT_LEN; NULL when malformed or out of memory. */
unsigned char *base64_decode(const char *text, size_t len, size_t *out_len);

#endif
