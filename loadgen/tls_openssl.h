/* tls_openssl.h: TLS for the native transport (transport_native.c), on
 * OpenSSL (Debian's libssl, as wrk uses). The transport's HTTP code sees a
 * byte stream: tls_stream_read/write over a connected non-blocking socket,
 * answering "want read" / "want write" instead of blocking, so the caller's
 * libev loop drives the handshake and the records.
 *
 * One tls_client per run, shared by every generator thread (an SSL_CTX is
 * safe to share once configured, OpenSSL 3 docs); one tls_stream per
 * connection. Verification is on unless insecure: the server's chain
 * against the system's CAs or CACERT, and its name against the target host
 * (an IP address against the certificate's IP SANs). SNI carries the host
 * (not when it is an IP address, RFC 6066), ALPN offers http/1.1.
 * Session resumption: each connection keeps the last session (TLS 1.3
 * ticket or TLS 1.2 session) its server gave in *SAVED, and the next
 * connection of the same slot offers it; sessions never cross threads. */
#ifndef CREST_TLS_OPENSSL_H
#define CREST_TLS_OPENSSL_H

#include <stddef.h>
#include <sys/types.h>

typedef struct tls_client tls_client;
typedef struct tls_stream tls_stream;
typedef struct ssl_session_st tls_session;   /* OpenSSL's SSL_SESSION */

typedef struct tls_options {
    int insecure;               /* 1: no certificate or name verification */
    const char *cacert;         /* PEM file of trusted CAs, or NULL: the system's */
    const char *host;           /* the target host (SNI, name check) */
    int resume;                 /* 1: offer saved sessions (resumption) */
} tls_options;

/* The shared client for O (created at the first call, counted after), or
 * NULL with ERR saying why (e.g. an unreadable CACERT). Thread-safe. */
tls_client *tls_client_acquire(const tls_options *o, char *err, size_t errlen);
void tls_client_release(tls_client *c);

/* What the calls below return besides a byte count. */
enum tls_status {
    TLS_DONE = 0,               /* handshake finished */
    TLS_WANT_READ = -1,         /* call again when the socket is readable */
    TLS_WANT_WRITE = -2,        /* ... when it is writable */
    TLS_EOF = -3,               /* the peer closed (close_notify or a plain FIN) */
    TLS_ERR_IO = -4,            /* a socket error: errno says which */
    TLS_ERR_TLS = -5,           /* a TLS failure: handshake, verification, bad record */
};

/* A TLS stream over connected socket FD (not owned), offering *SAVED when
 * resumption is on and keeping new sessions there (*SAVED is freed with
 * tls_session_free). NULL when out of memory. */
tls_stream *tls_stream_new(tls_client *c, int fd, tls_session **saved);
/* Frees S without a close_notify (the socket is closed by the caller);
 * its session stays resumable. */
void tls_stream_free(tls_stream *s);
void tls_session_free(tls_session *sess);

/* Advances the handshake: TLS_DONE, TLS_WANT_*, or a failure. */
int tls_handshake(tls_stream *s);
/* 1 when the finished handshake resumed a session. */
int tls_resumed(const tls_stream *s);
/* Bytes read (> 0) into BUF, or a tls_status. */
ssize_t tls_read(tls_stream *s, void *buf, size_t cap);
/* Bytes written (> 0) of BUF, or a tls_status. After TLS_WANT_*, call
 * again with the same bytes (at least as many). */
ssize_t tls_write(tls_stream *s, const void *buf, size_t len);
/* 1 when decrypted or undecrypted bytes wait inside S (already read from
 * the socket, so the loop will not report them). */
int tls_pending(const tls_stream *s);

#endif
