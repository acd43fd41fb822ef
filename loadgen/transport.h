/* transport.h: how the engine sends one HTTP request and learns how it
 * ended, independent of the library that does it. The engine owns
 * scheduling, admission (it calls send only for a free slot), timestamps
 * and statistics; a transport owns connections and protocol, and keeps
 * every library-specific detail (URL handling, version checks) to itself.
 *
 * Transports are listed in one table (transport.c): a new one is a file
 * defining a transport_ops and one line there. transport_choose picks one
 * by name, or the first in the table that supports the run ("auto").
 *
 * One transport instance per engine thread, driven by that thread's libev
 * loop. Slots are numbered 0..nslots-1; a slot carries at most one request
 * at a time and keeps its connection-level state (easy handle, header
 * nodes) across requests, so the hot path allocates nothing. */
#ifndef CREST_TRANSPORT_H
#define CREST_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ev_loop;
struct hist;

/* The target, parsed and resolved once before the run (DNS never shows up
 * in latency). */
typedef struct transport_target {
    char url[512];              /* the base URL as given */
    int tls;                    /* 1: https */
    char host[256];             /* without IPv6 brackets */
    int port;                   /* explicit or the scheme's default */
    char authority[300];        /* host[:port] as written in the URL: the Host header */
    struct sockaddr_storage addr; /* the resolved address (port set) */
    socklen_t addrlen;
    char address[64];           /* the resolved address as text */
} transport_target;

/* Parses URL (http[s]://host[:port][/...]) and resolves its host. 0, or -1
 * with ERR saying what was wrong. */
int transport_target_init(transport_target *t, const char *url, char *err, size_t errlen);

#define TRANSPORT_MAX_HEADERS 32

/* One request. Every pointer must stay valid until the request completes
 * or is cancelled (the engine keeps them in slot-owned or plan-owned
 * buffers). */
typedef struct transport_request {
    long key;                   /* >= 0: same request as the slot's last one with this key
                                   (the transport may skip re-setting it); -1: always new */
    const char *method;
    const char *url;
    const char *const *headers; /* "Name: value", at most TRANSPORT_MAX_HEADERS */
    size_t nheaders;
    const char *body;
    size_t body_len;
    int has_body;
    const char *shed_header;    /* a response header marking a degraded answer (e.g.
                                   "X-Degraded"), or NULL: response headers are not
                                   inspected at all (the usual, cheaper case) */
    size_t shed_header_len;
} transport_request;

typedef struct transport_result {
    long status;                /* HTTP status, 0 when the request failed below HTTP */
    int net_error;              /* -1, or an enum net_error_kind (stats.h) */
    uint64_t done_ns;           /* CLOCK_MONOTONIC when the transport saw it end */
    int shed_header;            /* 1: the final response carried the request's shed_header
                                   with a value other than empty or "0" (shed_header.h) */
    /* Only with transport_config.body_cap > 0 (shadow comparison): the
     * first body_cap bytes of the final response's body, valid until the
     * slot's next send; else NULL and 0. */
    const char *body;
    size_t body_len;
    int body_truncated;         /* the body was longer than body_cap */
} transport_result;

/* Called on the loop's thread when the request in SLOT ended; the slot is
 * free again when this is called (the callback may send on it). */
typedef void (*transport_done_fn)(void *owner, size_t slot, const transport_result *res);

typedef struct transport_config {
    struct ev_loop *loop;
    size_t nslots;
    int max_connections;        /* connection budget of this instance */
    double timeout_s;           /* whole request, connection included */
    int http2;
    int insecure;
    const char *cacert, *cert, *key;
    int tls_no_resume;          /* 1: every TLS connection makes a full handshake */
    size_t max_header_bytes;    /* a response header block larger than this is an error
                                   (NETERR_TOO_LARGE); 0: the transport's default */
    const transport_target *target;
    transport_done_fn done;
    void *owner;
    size_t body_cap;            /* 0 (the usual case): response bodies are discarded unread;
                                   > 0: each slot keeps that many bytes of the body for the
                                   result (crest shadow). Opt-in: load runs pay nothing. */
} transport_config;

typedef struct transport transport;

typedef struct transport_ops {
    const char *name;
    /* 1 when this transport can run with CFG (loop and callbacks not set
     * yet), else 0 with WHY saying what it lacks. */
    int (*supports)(const transport_config *cfg, char *why, size_t whylen);
    /* Process-wide setup before any thread starts. 0 or -1. */
    int (*global_init)(void);
    /* A new instance, or NULL with ERR set. Freed with destroy. */
    transport *(*create)(const transport_config *cfg, char *err, size_t errlen);
    /* Starts REQ on the free SLOT. 0, or -1 when it could not be started
     * (no callback follows; the engine counts it as a failed request). */
    int (*send)(transport *t, size_t slot, const transport_request *req);
    /* Abandons the request in SLOT (no callback follows). */
    void (*cancel)(transport *t, size_t slot);
    /* Connections opened so far. */
    uint64_t (*connections_opened)(const transport *t);
    /* Optional (NULL: the transport does not time its TLS handshakes):
     * adds the duration of every finished handshake (microseconds, from
     * TCP connected to TLS ready) into HANDSHAKES and the resumed ones
     * into *RESUMED. Called after the run. */
    void (*tls_stats)(const transport *t, struct hist *handshakes, uint64_t *resumed);
    void (*destroy)(transport *t);
} transport_ops;

extern const transport_ops transport_curl;

/* The transport named NAME ("auto" or NULL: the first in the table that
 * supports CFG). NULL with ERR set when the name is unknown or the named
 * transport cannot run CFG. */
const transport_ops *transport_choose(const char *name, const transport_config *cfg, char *err,
                                      size_t errlen);

/* The table's names, joined by '|' ("auto|native|curl"), for messages. */
const char *transport_names(void);

/* The net error kind (enum net_error_kind, stats.h) of a socket failure
 * with errno ERR, the one mapping every transport uses: refused, timeout,
 * unreachable (network or host down/unreachable), reset (reset, aborted,
 * broken pipe), else other. */
int transport_errno_kind(int err);

#endif
