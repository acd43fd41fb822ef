/* transport_native.h: crest's own HTTP/1.1 transport (transport_native.c),
 * the default for http:// targets. The interface is transport.h's; this
 * header adds what the response-parsing fuzz harness drives directly. */
#ifndef CREST_TRANSPORT_NATIVE_H
#define CREST_TRANSPORT_NATIVE_H

#include "loadgen/transport.h"

extern const transport_ops transport_native;

#endif
