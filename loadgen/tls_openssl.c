/* tls_openssl.c: the native transport's TLS streams on OpenSSL (see
 * tls_openssl.h). Kept apart so transport_native.c holds only HTTP and
 * sockets, and so everything OpenSSL-specific sits in one file.
 *
 * Choices that matter for a load generator:
 *   - read-ahead: OpenSSL reads as much as the socket has in one recv, not
 *     a record header and then its body (two syscalls per record);
 *     tls_pending tells the caller to drain what was read ahead;
 *   - partial writes and a moving write buffer: the caller may rebuild the
 *     same bytes in a scratch buffer when it retries after "want write";
 *   - a plain FIN (no close_notify) reads as EOF: HTTP's framing, checked
 *     by the caller, decides whether an answer was cut;
 *   - sessions are kept per connection slot through the new-session
 *     callback (TLS 1.3 tickets arrive after the handshake), with no
 *     internal cache (no lock shared by threads). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "loadgen/tls_openssl.h"

struct tls_client {
    SSL_CTX *ctx;
    int insecure, resume, host_is_ip;
    char host[256];
    char *cacert;
    int refs;
};

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static tls_client *shared;      /* the run's client, while any thread holds it */

static SSL *ssl_of(const tls_stream *s)
{
    return (SSL *)s;
}

static int is_ip_literal(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Keeps the server's newest session in the slot the stream was made for. */
static int on_new_session(SSL *ssl, SSL_SESSION *sess)
{
    tls_session **saved = SSL_get_app_data(ssl);
    if (!saved)
        return 0;
    if (*saved)
        SSL_SESSION_free(*saved);
    *saved = sess;
    return 1;                   /* we hold the reference now */
}

static void openssl_reason(char *out, size_t cap)
{
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, out, cap);
    else
        snprintf(out, cap, "unknown error");
    ERR_clear_error();
}

/* Configures C->ctx from C's options. 0, or -1 with ERR. */
static int ctx_setup(tls_client *c, char *err, size_t errlen)
{
    SSL_CTX *ctx = c->ctx;
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx, 1);
    if (SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1) != 0) {
        snprintf(err, errlen, "TLS: cannot set ALPN");
        return -1;
    }
    if (c->resume) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
                                                SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, on_new_session);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    if (c->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return 0;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    char why[256];
    if (c->cacert) {
        if (SSL_CTX_load_verify_locations(ctx, c->cacert, NULL) != 1) {
            openssl_reason(why, sizeof why);
            snprintf(err, errlen, "--cacert '%s': cannot load CA certificates (%s)", c->cacert,
                     why);
            return -1;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        openssl_reason(why, sizeof why);
        snprintf(err, errlen, "TLS: cannot load the system's CA certificates (%s)", why);
        return -1;
    }
    return 0;
}

static void client_free(tls_client *c)
{
    if (!c)
        return;
    SSL_CTX_free(c->ctx);
    free(c->cacert);
    free(c);
}

static tls_client *client_new(const tls_options *o, char *err, size_t errlen)
{
    tls_client *c = calloc(1, sizeof *c);
    if (!c || (o->cacert && !(c->cacert = strdup(o->cacert)))) {
        client_free(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->insecure = o->insecure;
    c->resume = o->resume;
    snprintf(c->host, sizeof c->host, "%s", o->host ? o->host : "");
    c->host_is_ip = is_ip_literal(c->host);
    c->refs = 1;
    if (!(c->ctx = SSL_CTX_new(TLS_client_method()))) {
        snprintf(err, errlen, "TLS: cannot create a context");
        client_free(c);
        return NULL;
    }
    if (ctx_setup(c, err, errlen) != 0) {
        client_free(c);
        return NULL;
    }
    return c;
}

static int same_options(const tls_client *c, const tls_options *o)
{
    const char *ca = o->cacert ? o->cacert : "";
    return c->insecure == o->insecure && c->resume == o->resume &&
           strcmp(c->host, o->host ? o->host : "") == 0 &&
           strcmp(c->cacert ? c->cacert : "", ca) == 0;
}

tls_client *tls_client_acquire(const tls_options *o, char *err, size_t errlen)
{
    pthread_mutex_lock(&shared_lock);
    tls_client *c = shared;
    if (c && same_options(c, o)) {
        c->refs++;
    } else {
        /* A different configuration in the same process (another run at
         * the same time) gets its own client; the first one stays shared. */
        c = client_new(o, err, errlen);
        if (c && !shared)
            shared = c;
    }
    pthread_mutex_unlock(&shared_lock);
    return c;
}

void tls_client_release(tls_client *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&shared_lock);
    int last = --c->refs == 0;
    if (last && shared == c)
        shared = NULL;
    pthread_mutex_unlock(&shared_lock);
    if (last)
        client_free(c);
}

tls_stream *tls_stream_new(tls_client *c, int fd, tls_session **saved)
{
    SSL *ssl = SSL_new(c->ctx);
    if (!ssl)
        return NULL;
    int ok = SSL_set_fd(ssl, fd) == 1;
    if (ok && c->host[0] && !c->host_is_ip)
        ok = SSL_set_tlsext_host_name(ssl, c->host) == 1;   /* SNI */
    if (ok && !c->insecure)
        ok = c->host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), c->host) == 1
                           : SSL_set1_host(ssl, c->host) == 1;
    if (ok && c->resume) {
        SSL_set_app_data(ssl, saved);
        if (*saved)
            ok = SSL_set_session(ssl, *saved) == 1;
    }
    if (!ok) {
        ERR_clear_error();
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_connect_state(ssl);
    return (tls_stream *)ssl;
}

void tls_stream_free(tls_stream *s)
{
    SSL *ssl = ssl_of(s);
    if (!ssl)
        return;
    /* Marked as shut down (nothing sent): OpenSSL would otherwise make the
     * session not resumable when the SSL goes away without a close_notify. */
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(ssl);
}

void tls_session_free(tls_session *sess)
{
    SSL_SESSION_free(sess);
}

/* The tls_status for a call on SSL that returned RET <= 0. */
static int status_of(SSL *ssl, int ret)
{
    int saved_errno = errno;
    int e = SSL_get_error(ssl, ret);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return TLS_EOF;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        errno = saved_errno;
        return saved_errno == 0 ? TLS_EOF : TLS_ERR_IO;
    default:
        ERR_clear_error();
        return TLS_ERR_TLS;
    }
}

int tls_handshake(tls_stream *s)
{
    errno = 0;
    int r = SSL_do_handshake(ssl_of(s));
    return r == 1 ? TLS_DONE : status_of(ssl_of(s), r);
}

int tls_resumed(const tls_stream *s)
{
    return SSL_session_reused(ssl_of(s));
}

ssize_t tls_read(tls_stream *s, void *buf, size_t cap)
{
    size_t n = 0;
    errno = 0;
    int r = SSL_read_ex(ssl_of(s), buf, cap, &n);
    return r == 1 ? (ssize_t)n : status_of(ssl_of(s), r);
}

ssize_t tls_write(tls_stream *s, const void *buf, size_t len)
{
    size_t n = 0;
    errno = 0;
    int r = SSL_write_ex(ssl_of(s), buf, len, &n);
    return r == 1 ? (ssize_t)n : status_of(ssl_of(s), r);
}

int tls_pending(const tls_stream *s)
{
    return SSL_has_pending(ssl_of(s));
}
