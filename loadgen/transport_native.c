/* transport_native.c: crest's own HTTP/1.1 client (see transport.h), the
 * default for http:// targets. libcurl's per-transfer machinery costs
 * several times the syscalls that move the bytes; this path does only:
 *   - one connection per slot, opened on first use (non-blocking connect,
 *     TCP_NODELAY) and kept alive; every open connection stays registered
 *     for reading in the thread's libev loop (no per-request epoll_ctl);
 *   - the request head rendered once per key (literal endpoints: once per
 *     thread; templated ones: into a slot-owned buffer), sent with one
 *     send/writev straight from the completion path (the socket is almost
 *     always writable); writability is watched only after EAGAIN;
 *   - one read per readiness into a per-thread buffer, fed to http-parser
 *     (Debian's libhttp-parser, already used by the testbed); bodies are
 *     skipped, never buffered;
 *   - timeouts by a periodic sweep of the busy slots, not a timer each;
 *   - https:// through one byte-stream layer (stream_read/stream_write):
 *     the socket itself, or TLS over it (tls_openssl.c), the handshake
 *     driven by the same readiness events and timed apart from latency.
 * Strict about what counts as an answer: a connection ending inside the
 * answer is NETERR_TRUNCATED, bytes that are not HTTP or break its framing
 * NETERR_PROTOCOL, a header block above the cap NETERR_TOO_LARGE; none is
 * ever ok. A request goes out once: it is retried on a fresh connection
 * only when the kept-alive connection failed before any byte of it left.
 * Pipelining, HTTP/2 and client certificates are not here
 * (transport_curl.c does those). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ev.h>
#include <http_parser.h>

#include "common/clock.h"
#include "common/hist.h"
#include "loadgen/stats.h"
#include "loadgen/transport.h"
#include "loadgen/transport_native.h"
#include "loadgen/tls_openssl.h"

#define READ_BUF (64 * 1024)
#define DEFAULT_HEADER_CAP (64 * 1024)
#define MAX_INTERIM 64          /* 1xx answers before the final one; more is a storm */
#define NO_ERROR (-1)
#define TLS_WRITE_CHUNK (16 * 1024)   /* one TLS record's worth of request bytes */

enum conn_state { CONN_CLOSED, CONN_CONNECTING, CONN_HANDSHAKE, CONN_OPEN };

typedef struct native_conn {
    struct transport *t;
    size_t index;
    int fd;
    enum conn_state state;
    int watching_write;
    ev_io io;
    http_parser parser;
    tls_stream *tls;            /* https: the TLS stream over fd, else NULL */
    tls_session *session;       /* the slot's last TLS session, offered on reconnect */
    uint64_t handshake_start_ns;
    int write_wants_read;       /* TLS: the write waits for readability */
    int read_wants_write;       /* TLS: the read waits for writability */

    /* the request in flight */
    int busy;
    int reused;                 /* the connection answered an earlier request */
    int retried;
    int head_only;              /* HEAD: the answer has no body whatever it says */
    const char *head;           /* request head bytes (shared or this slot's buffer) */
    size_t head_len;
    const char *body;
    size_t body_len;
    size_t written;             /* bytes of head + body sent */
    uint64_t deadline_ns;

    /* the answer */
    int got_bytes;              /* any byte of an answer arrived */
    int headers_done;
    int complete;
    int interim;                /* 1xx answers seen */
    long status;
    size_t header_bytes;        /* of the current header block, counted in the callbacks */
    int too_large;              /* it passed the cap: parsing stopped */

    /* shed header watching (transport.h), matched across split callbacks */
    const char *watch;
    size_t watch_len;
    size_t field_pos;           /* bytes of the current field name seen */
    int field_match;            /* they equal the watched name so far */
    int in_value;
    size_t value_nonspace;
    int value_zero;
    int watch_hit;

    long key;                   /* key of the request in own_head, -1 none */
    char *own_head;             /* slot-owned head buffer for keyless requests */
    size_t own_cap;
    struct native_conn *next_failed;
    int in_failed_list;
    int failed_kind;            /* a failure send() found, to report from the loop; or NO_ERROR */
} native_conn;

typedef struct cached_head {
    char *bytes;
    size_t len;
} cached_head;

struct transport {
    transport_config cfg;
    size_t header_cap;
    native_conn *conns;
    cached_head *heads;         /* by request key, shared by every slot */
    size_t nheads;
    http_parser_settings settings;
    ev_timer sweep;
    ev_timer deferred;          /* reports failures found inside send() */
    native_conn *failed;
    uint64_t opened;
    tls_client *tls;            /* https: the run's shared TLS client, else NULL */
    hist *handshakes;           /* https: handshake durations (us) */
    uint64_t resumed;           /* handshakes that resumed a session */
    char buf[READ_BUF];
    char wbuf[TLS_WRITE_CHUNK]; /* TLS: head and body joined into one record */
};

static void conn_close(native_conn *c);
static void finish(native_conn *c, int net_error, uint64_t now);
static int try_write(native_conn *c);
static void watch_events(native_conn *c, int events);

/* ---- parsing the answer ----------------------------------------------- */

static void value_end(native_conn *c)
{
    if (c->in_value && c->field_match && c->field_pos == c->watch_len &&
        c->value_nonspace > 0 && !(c->value_nonspace == 1 && c->value_zero))
        c->watch_hit = 1;
    c->in_value = 0;
}

static int on_message_begin(http_parser *p)
{
    native_conn *c = p->data;
    c->watch_hit = 0;           /* an interim 1xx never marks the final answer */
    c->field_pos = 0;
    c->field_match = 1;
    c->in_value = 0;
    return 0;
}

/* Counts header bytes as they are parsed (names, values, status text and
 * 4 bytes of ": " and CRLF per line), so the cap holds exactly, however
 * the block is split across reads. Nonzero stops the parser. */
static int count_header(native_conn *c, size_t len)
{
    c->header_bytes += len;
    if (c->header_bytes > c->t->header_cap) {
        c->too_large = 1;
        return -1;
    }
    return 0;
}

static int on_status(http_parser *p, const char *at, size_t len)
{
    (void)at;
    return count_header(p->data, len + 16);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    native_conn *c = p->data;
    if (count_header(c, len + (c->in_value || c->field_pos == 0 ? 4 : 0)) != 0)
        return -1;
    if (!c->watch)
        return 0;
    if (c->in_value) {
        value_end(c);
        c->field_pos = 0;
        c->field_match = 1;
    }
    for (size_t i = 0; i < len && c->field_match; i++, c->field_pos++)
        if (c->field_pos >= c->watch_len ||
            (at[i] | 0x20) != (c->watch[c->field_pos] | 0x20))
            c->field_match = 0;
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    native_conn *c = p->data;
    if (count_header(c, len) != 0)
        return -1;
    if (!c->watch)
        return 0;
    if (!c->in_value) {
        c->in_value = 1;
        c->value_nonspace = 0;
        c->value_zero = 0;
    }
    for (size_t i = 0; i < len; i++)
        if (at[i] != ' ' && at[i] != '\t') {
            c->value_zero = c->value_nonspace == 0 && at[i] == '0';
            c->value_nonspace++;
        }
    return 0;
}

/* 1 tells http-parser the answer has no body, whatever Content-Length
 * says: the answer to HEAD, 1xx, 204 and 304 (RFC 9112 6.3). */
static int on_headers_complete(http_parser *p)
{
    native_conn *c = p->data;
    if (c->watch)
        value_end(c);
    c->headers_done = 1;
    c->status = p->status_code;
    unsigned st = p->status_code;
    if (st < 100)               /* "050": three digits, but no HTTP status */
        return -1;
    return c->head_only || st == 204 || st == 304 || (st >= 100 && st < 200 && st != 101);
}

static int on_message_complete(http_parser *p)
{
    native_conn *c = p->data;
    if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101) {
        if (++c->interim > MAX_INTERIM) {   /* a storm: stop here */
            http_parser_pause(p, 1);
            return 0;
        }
        c->headers_done = 0;    /* keep reading for the final answer */
        c->header_bytes = 0;
        return 0;
    }
    c->complete = 1;
    http_parser_pause(p, 1);    /* anything after it is not ours to parse */
    return 0;
}

static void settings_init(http_parser_settings *st)
{
    http_parser_settings_init(st);
    st->on_message_begin = on_message_begin;
    st->on_status = on_status;
    st->on_header_field = on_header_field;
    st->on_header_value = on_header_value;
    st->on_headers_complete = on_headers_complete;
    st->on_message_complete = on_message_complete;
}

static void parser_reset(native_conn *c)
{
    http_parser_init(&c->parser, HTTP_RESPONSE);
    c->parser.data = c;
    c->got_bytes = 0;
    c->headers_done = 0;
    c->complete = 0;
    c->interim = 0;
    c->status = 0;
    c->header_bytes = 0;
    c->too_large = 0;
    c->watch_hit = 0;
}

/* The kind of failure for parser error ERR. */
static int parse_error_kind(enum http_errno err)
{
    switch (err) {
    case HPE_HEADER_OVERFLOW:
        return NETERR_TOO_LARGE;
    case HPE_INVALID_EOF_STATE:
        return NETERR_TRUNCATED;
    default:
        return NETERR_PROTOCOL;
    }
}

/* Feeds N bytes of answer. Returns NO_ERROR (complete or more needed) or a
 * net error kind. *LEFTOVER: bytes after a complete answer. */
static int feed(native_conn *c, const char *data, size_t n, size_t *leftover)
{
    transport *t = c->t;
    *leftover = 0;
    if (n)
        c->got_bytes = 1;
    size_t used = http_parser_execute(&c->parser, &t->settings, data, n);
    enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);
    if (c->complete) {
        *leftover = n - used;
        return c->parser.status_code == 101 ? NETERR_PROTOCOL : NO_ERROR;
    }
    if (c->interim > MAX_INTERIM)
        return NETERR_PROTOCOL;
    if (c->too_large)
        return NETERR_TOO_LARGE;
    if (err != HPE_OK)
        return parse_error_kind(err);
    return NO_ERROR;
}

/* ---- connections ------------------------------------------------------ */

static void watch_events(native_conn *c, int events)
{
    struct ev_loop *loop = c->t->cfg.loop;
    int want_write = (events & EV_WRITE) != 0;
    if (ev_is_active(&c->io) && c->watching_write == want_write)
        return;
    ev_io_stop(loop, &c->io);
    ev_io_set(&c->io, c->fd, events);
    ev_io_start(loop, &c->io);
    c->watching_write = want_write;
}

static void conn_close(native_conn *c)
{
    if (c->tls) {
        tls_stream_free(c->tls);
        c->tls = NULL;
    }
    if (c->fd >= 0) {
        ev_io_stop(c->t->cfg.loop, &c->io);
        close(c->fd);
    }
    c->fd = -1;
    c->state = CONN_CLOSED;
    c->reused = 0;
    c->watching_write = 0;
    c->write_wants_read = 0;
    c->read_wants_write = 0;
}

/* ---- the byte stream: the socket, or TLS over it ----------------------- */

#define STREAM_AGAIN (-1)       /* nothing now: readiness will call back */
#define STREAM_FAILED (-2)      /* *KIND says why */

/* Reads into BUF: bytes (> 0), 0 at the end of the stream, or
 * STREAM_AGAIN / STREAM_FAILED. */
static ssize_t stream_read(native_conn *c, char *buf, size_t cap, int *kind)
{
    if (!c->tls) {
        ssize_t n = recv(c->fd, buf, cap, 0);
        if (n >= 0)
            return n;
        if (errno == EAGAIN || errno == EINTR)
            return STREAM_AGAIN;
        *kind = transport_errno_kind(errno);
        return STREAM_FAILED;
    }
    ssize_t n = tls_read(c->tls, buf, cap);
    switch (n) {
    case TLS_WANT_READ:
        return STREAM_AGAIN;
    case TLS_WANT_WRITE:        /* rare (a key update): read again once writable */
        c->read_wants_write = 1;
        watch_events(c, EV_READ | EV_WRITE);
        return STREAM_AGAIN;
    case TLS_EOF:
        return 0;
    case TLS_ERR_IO:
        *kind = transport_errno_kind(errno);
        return STREAM_FAILED;
    case TLS_ERR_TLS:
        *kind = NETERR_TLS;
        return STREAM_FAILED;
    default:
        return n;
    }
}

/* Plain: sends what is left of C's request with one send/writev, no copy. */
static ssize_t plain_write(native_conn *c)
{
    if (c->written < c->head_len && c->body_len) {
        struct iovec iov[2] = {
            {(void *)(c->head + c->written), c->head_len - c->written},
            {(void *)c->body, c->body_len},
        };
        return writev(c->fd, iov, 2);
    }
    if (c->written < c->head_len)
        return send(c->fd, c->head + c->written, c->head_len - c->written, MSG_NOSIGNAL);
    size_t off = c->written - c->head_len;
    return send(c->fd, c->body + off, c->body_len - off, MSG_NOSIGNAL);
}

/* TLS: the rest of the head and the body as one record where they fit
 * (joined in the thread's scratch buffer; a retry rebuilds the same
 * bytes, which the moving-buffer mode allows). */
static ssize_t tls_write_request(native_conn *c)
{
    if (c->written < c->head_len && !c->body_len)
        return tls_write(c->tls, c->head + c->written, c->head_len - c->written);
    char *w = c->t->wbuf;
    size_t n = 0, pos = c->written, total = c->head_len + c->body_len;
    while (pos < total && n < sizeof c->t->wbuf) {
        const char *src = pos < c->head_len ? c->head + pos : c->body + (pos - c->head_len);
        size_t avail = pos < c->head_len ? c->head_len - pos : total - pos;
        size_t take = avail < sizeof c->t->wbuf - n ? avail : sizeof c->t->wbuf - n;
        memcpy(w + n, src, take);
        n += take;
        pos += take;
    }
    return tls_write(c->tls, w, n);
}

/* Writes from C->written on: bytes (> 0), or STREAM_AGAIN (the readiness
 * it waits for is watched) / STREAM_FAILED. */
static ssize_t stream_write(native_conn *c, int *kind)
{
    if (!c->tls) {
        ssize_t n;
        do
            n = plain_write(c);
        while (n < 0 && errno == EINTR);
        if (n >= 0)
            return n;
        if (errno == EAGAIN) {
            watch_events(c, EV_READ | EV_WRITE);
            return STREAM_AGAIN;
        }
        *kind = transport_errno_kind(errno);
        return STREAM_FAILED;
    }
    ssize_t n = tls_write_request(c);
    switch (n) {
    case TLS_WANT_WRITE:
        watch_events(c, EV_READ | EV_WRITE);
        return STREAM_AGAIN;
    case TLS_WANT_READ:         /* rare: retried from the next readable event */
        c->write_wants_read = 1;
        return STREAM_AGAIN;
    case TLS_ERR_IO:
        *kind = transport_errno_kind(errno);
        return STREAM_FAILED;
    case TLS_EOF:
        *kind = NETERR_RESET;
        return STREAM_FAILED;
    case TLS_ERR_TLS:
        *kind = NETERR_TLS;
        return STREAM_FAILED;
    default:
        return n;
    }
}

/* Advances C's TLS handshake; once it is done, sends the request.
 * NO_ERROR (done or waiting), or the kind of the failure. */
static int handshake_step(native_conn *c)
{
    transport *t = c->t;
    switch (tls_handshake(c->tls)) {
    case TLS_DONE:
        break;
    case TLS_WANT_READ:
        watch_events(c, EV_READ);
        return NO_ERROR;
    case TLS_WANT_WRITE:
        watch_events(c, EV_READ | EV_WRITE);
        return NO_ERROR;
    case TLS_ERR_IO:
        return transport_errno_kind(errno);
    default:                    /* refused or broken handshake, failed verification */
        return NETERR_TLS;
    }
    c->state = CONN_OPEN;
    uint64_t took = clock_now_ns() - c->handshake_start_ns;
    hist_record(t->handshakes, (int64_t)(took / 1000));
    t->resumed += (uint64_t)tls_resumed(c->tls);
    watch_events(c, EV_READ);
    return try_write(c);
}

/* C's TCP connection is up: a plain one sends, a TLS one starts its
 * handshake. NO_ERROR or the kind of the failure. */
static int conn_established(native_conn *c)
{
    if (!c->t->tls) {
        c->state = CONN_OPEN;
        watch_events(c, EV_READ);
        return try_write(c);
    }
    c->tls = tls_stream_new(c->t->tls, c->fd, &c->session);
    if (!c->tls)
        return NETERR_OTHER;
    c->state = CONN_HANDSHAKE;
    c->handshake_start_ns = clock_now_ns();
    return handshake_step(c);
}

/* Starts connecting C (and sends when it connects at once). NO_ERROR, or
 * the kind of the immediate failure. */
static int conn_open(native_conn *c)
{
    transport *t = c->t;
    const transport_target *tg = t->cfg.target;
    int fd = socket(tg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NETERR_OTHER;
    t->opened++;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->reused = 0;
    if (connect(fd, (const struct sockaddr *)&tg->addr, tg->addrlen) == 0)
        return conn_established(c);
    if (errno != EINPROGRESS) {
        int kind = transport_errno_kind(errno);
        conn_close(c);
        return kind;
    }
    c->state = CONN_CONNECTING;
    watch_events(c, EV_READ | EV_WRITE);
    return NO_ERROR;
}

/* ---- completing a request --------------------------------------------- */

/* Ends C's request with NET_ERROR (or NO_ERROR: the parsed answer) and
 * tells the engine; the slot is free when the callback runs. */
static void finish(native_conn *c, int net_error, uint64_t now)
{
    transport *t = c->t;
    transport_result r = {.status = 0, .net_error = net_error, .done_ns = now, .shed_header = 0};
    if (net_error == NO_ERROR) {
        r.status = c->status;
        r.shed_header = c->watch && c->watch_hit;
    }
    c->busy = 0;
    t->cfg.done(t->cfg.owner, c->index, &r);
}

/* The answer to C's request is complete: keep the connection or close it,
 * then report. LEFTOVER bytes after the answer were not asked for (no
 * pipelining): the connection cannot be trusted any more. */
static void answered(native_conn *c, size_t leftover, uint64_t now)
{
    /* An early answer (before all the request left) also ends the
     * connection: the rest of the request would be read as the next one. */
    if (leftover > 0 || !http_should_keep_alive(&c->parser) ||
        c->written < c->head_len + c->body_len)
        conn_close(c);
    else
        c->reused = 1;
    finish(c, NO_ERROR, now);
}

/* Opens C's connection if it has none and sends what it can. NO_ERROR,
 * or the kind of an immediate failure (the caller reports it). */
static int start(native_conn *c)
{
    if (c->state == CONN_CLOSED)
        return conn_open(c);
    return c->state == CONN_OPEN ? try_write(c) : NO_ERROR;
}

/* 1 when C's request may go out again after its connection failed: a
 * kept-alive connection the server had closed while idle, none of the
 * request's bytes sent, not retried before. */
static int may_retry(const native_conn *c)
{
    return c->reused && c->written == 0 && !c->got_bytes && !c->retried;
}

/* The connection failed while C's request was in flight: retry it once
 * when may_retry allows, else report KIND. */
static void failed(native_conn *c, int kind, uint64_t now)
{
    int retry = may_retry(c);
    conn_close(c);
    if (retry) {
        c->retried = 1;
        int k = start(c);
        if (k == NO_ERROR)
            return;
        conn_close(c);
        kind = k;
    }
    finish(c, kind, now);
}

/* What the connection closing means for C's answer: NO_ERROR when it
 * completes it (a close-delimited body), RESET when nothing came, else
 * the kind of the cut. */
static int at_eof(native_conn *c)
{
    if (!c->got_bytes)
        return NETERR_RESET;
    size_t leftover;
    int kind = feed(c, NULL, 0, &leftover);
    if (kind == NO_ERROR && c->complete)
        return NO_ERROR;
    return kind == NO_ERROR || kind == NETERR_PROTOCOL ? NETERR_TRUNCATED : kind;
}

/* EOF from the server (read returned 0). */
static void on_eof(native_conn *c, uint64_t now)
{
    if (!c->busy) {             /* an idle keep-alive connection closed: fine */
        conn_close(c);
        return;
    }
    int kind = at_eof(c);
    if (kind == NETERR_RESET) {  /* nothing came: maybe the idle-close race */
        failed(c, kind, now);
        return;
    }
    conn_close(c);
    finish(c, kind, now);
}

/* One read and what it means. 1 when bytes were read and handled. */
static int read_once(native_conn *c)
{
    transport *t = c->t;
    int kind = NO_ERROR;
    ssize_t n = stream_read(c, t->buf, sizeof t->buf, &kind);
    if (n == STREAM_AGAIN)
        return 0;
    uint64_t now = clock_now_ns();
    if (n == 0) {
        on_eof(c, now);
        return 0;
    }
    if (n < 0) {
        if (!c->busy) {
            conn_close(c);
        } else if (c->got_bytes) {   /* reset inside the answer */
            conn_close(c);
            finish(c, NETERR_TRUNCATED, now);
        } else {
            failed(c, kind, now);
        }
        return 0;
    }
    if (!c->busy) {
        /* Bytes on an idle connection (an answer to no request, or a
         * server talking first): nothing to match them with. */
        conn_close(c);
        return 0;
    }
    size_t leftover;
    kind = feed(c, t->buf, (size_t)n, &leftover);
    if (kind != NO_ERROR) {
        conn_close(c);
        finish(c, kind, now);
    } else if (c->complete) {
        answered(c, leftover, now);
    }
    return 1;
}

/* Reads what readiness announced; over TLS also what OpenSSL read ahead
 * (the loop cannot see bytes already taken off the socket). */
static void on_readable(native_conn *c)
{
    while (read_once(c) && c->tls && tls_pending(c->tls))
        ;
}

/* ---- sending ---------------------------------------------------------- */

/* Sends what is left of C's request; on EAGAIN waits for writability.
 * NO_ERROR, or the kind of the failure (the caller reports it). */
static int try_write(native_conn *c)
{
    size_t total = c->head_len + c->body_len;
    c->write_wants_read = 0;
    while (c->written < total) {
        int kind = NO_ERROR;
        ssize_t n = stream_write(c, &kind);
        if (n == STREAM_AGAIN)
            return NO_ERROR;
        if (n < 0)
            return kind;
        c->written += (size_t)n;
    }
    if (c->watching_write && !c->read_wants_write)
        watch_events(c, EV_READ);
    return NO_ERROR;
}

static void on_connected(native_conn *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err != 0) {
        int kind = transport_errno_kind(err);
        conn_close(c);
        finish(c, kind, clock_now_ns());
        return;
    }
    int kind = conn_established(c);
    if (kind != NO_ERROR)
        failed(c, kind, clock_now_ns());
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    native_conn *c = w->data;
    if (c->state == CONN_CONNECTING) {
        if (revents & (EV_WRITE | EV_READ))
            on_connected(c);
        return;
    }
    if (c->state == CONN_HANDSHAKE) {
        int kind = handshake_step(c);
        if (kind != NO_ERROR)
            failed(c, kind, clock_now_ns());
        return;
    }
    if (c->read_wants_write && (revents & EV_WRITE)) {
        c->read_wants_write = 0;
        revents |= EV_READ;
    }
    if (c->busy && ((revents & EV_WRITE) || (c->write_wants_read && (revents & EV_READ)))) {
        int kind = try_write(c);
        if (kind != NO_ERROR) {
            failed(c, kind, clock_now_ns());
            return;
        }
    }
    if (revents & EV_READ)
        on_readable(c);
}

/* ---- the parsing path, alone ------------------------------------------- */

/* What on_readable and on_eof do with the bytes, minus the socket. */
int native_parse_answer(const char *data, size_t len, size_t split, int head_only,
                        size_t header_cap, const char *watch, long *status, int *shed)
{
    transport *t = calloc(1, sizeof *t);
    if (!t)
        return NETERR_OTHER;
    t->header_cap = header_cap ? header_cap : DEFAULT_HEADER_CAP;
    settings_init(&t->settings);
    native_conn c;
    memset(&c, 0, sizeof c);
    c.t = t;
    c.fd = -1;
    c.head_only = head_only;
    c.watch = watch;
    c.watch_len = watch ? strlen(watch) : 0;
    parser_reset(&c);
    if (split > len)
        split = len;
    size_t leftover = 0;
    int kind = NO_ERROR;
    const size_t cut[3] = {0, split, len};
    for (int i = 0; i < 2 && kind == NO_ERROR && !c.complete; i++)
        if (cut[i + 1] > cut[i])
            kind = feed(&c, data + cut[i], cut[i + 1] - cut[i], &leftover);
    if (kind == NO_ERROR && !c.complete)     /* then the connection closes */
        kind = at_eof(&c);
    *status = kind == NO_ERROR ? c.status : 0;
    *shed = kind == NO_ERROR && c.watch && c.watch_hit;
    free(t);
    return kind;
}

/* ---- request heads ---------------------------------------------------- */

static int has_header(const transport_request *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->nheaders; i++)
        if (strncasecmp(req->headers[i], name, n) == 0 && req->headers[i][n] == ':')
            return 1;
    return 0;
}

/* The origin-form target of URL: from the first '/' or '?' after the
 * authority ("/" when there is none). *PREFIX_SLASH: 1 when a '/' must be
 * written before it (a bare "?query"). */
static const char *url_path(const char *url, int *prefix_slash)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    p += strcspn(p, "/?");
    *prefix_slash = *p != '/';
    return p;
}

/* Writes REQ's head into OUT (CAP bytes), or measures it when OUT is NULL.
 * Returns its length. The headers libcurl would add (Host, User-Agent,
 * Accept, Content-Type for a body) are added unless the request has them,
 * so both transports send the same request. */
static size_t render_head(const transport *t, const transport_request *req, char *out,
                          size_t cap)
{
    size_t n = 0;
#define PUT(s, len) do { if (out && n + (len) <= cap) memcpy(out + n, s, len); n += (len); } while (0)
#define PUTS(s) PUT(s, strlen(s))
    int slash;
    const char *path = url_path(req->url, &slash);
    PUTS(req->method ? req->method : "GET");
    PUTS(" ");
    if (slash)
        PUTS("/");
    PUTS(path);
    PUTS(" HTTP/1.1\r\n");
    if (!has_header(req, "Host")) {
        PUTS("Host: ");
        PUTS(t->cfg.target->authority);
        PUTS("\r\n");
    }
    if (!has_header(req, "User-Agent"))
        PUTS("User-Agent: crest/0.1\r\n");
    if (!has_header(req, "Accept"))
        PUTS("Accept: */*\r\n");
    for (size_t i = 0; i < req->nheaders; i++) {
        PUTS(req->headers[i]);
        PUTS("\r\n");
    }
    if (req->has_body) {
        char len[48];
        snprintf(len, sizeof len, "Content-Length: %zu\r\n", req->body_len);
        PUTS(len);
        if (!has_header(req, "Content-Type"))
            PUTS("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    PUTS("\r\n");
#undef PUTS
#undef PUT
    return n;
}

/* Renders REQ's head into BUF, growing it to fit. 0 or -1 (no memory). */
static int render_into(const transport *t, const transport_request *req, char **buf,
                       size_t *cap, size_t *len)
{
    size_t need = render_head(t, req, NULL, 0);
    if (need > *cap) {
        char *b = realloc(*buf, need);
        if (!b)
            return -1;
        *buf = b;
        *cap = need;
    }
    *len = render_head(t, req, *buf, *cap);
    return 0;
}

/* Points C at REQ's head: the shared one of its key (rendered at its first
 * use), or the slot's own buffer for a keyless request. 0 or -1. */
static int prepare_head(transport *t, native_conn *c, const transport_request *req)
{
    if (req->key < 0) {
        c->key = -1;
        if (render_into(t, req, &c->own_head, &c->own_cap, &c->head_len) != 0)
            return -1;
        c->head = c->own_head;
        return 0;
    }
    size_t k = (size_t)req->key;
    if (k >= t->nheads) {
        size_t n = k + 8;
        cached_head *h = realloc(t->heads, n * sizeof *h);
        if (!h)
            return -1;
        memset(h + t->nheads, 0, (n - t->nheads) * sizeof *h);
        t->heads = h;
        t->nheads = n;
    }
    cached_head *h = &t->heads[k];
    if (!h->bytes) {
        size_t cap = 0;
        if (render_into(t, req, &h->bytes, &cap, &h->len) != 0)
            return -1;
    }
    c->head = h->bytes;
    c->head_len = h->len;
    return 0;
}

/* ---- the transport interface ------------------------------------------ */

/* HTTP/1.1, plain or over TLS without a client certificate. */
static int native_supports(const transport_config *cfg, char *why, size_t whylen)
{
    if (cfg->http2)
        snprintf(why, whylen, "--http2 is not supported (use --transport curl)");
    else if (cfg->cert || cfg->key)
        snprintf(why, whylen, "client certificates are not supported (use --transport curl)");
    else if (cfg->body_cap)
        /* a shadow run keeps bodies and sends to a second host */
        snprintf(why, whylen, "shadow runs (kept bodies, a second host) need curl");
    else
        return 1;
    return 0;
}

static int native_global(void)
{
    /* crest enforces its own, configurable cap (header_cap); http-parser's
     * compiled-in 80 KiB must not come first. */
    http_parser_set_max_header_size(UINT32_MAX);
    return 0;
}

/* Reports the failures send() found (a refused connect, ...) from the
 * loop, never from inside send (the engine may send again from done). */
static void on_deferred(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    transport *t = w->data;
    native_conn *list = t->failed;
    t->failed = NULL;
    uint64_t now = clock_now_ns();
    while (list) {
        native_conn *c = list;
        list = c->next_failed;
        c->next_failed = NULL;
        c->in_failed_list = 0;
        int kind = c->failed_kind;
        c->failed_kind = NO_ERROR;
        if (c->busy && kind != NO_ERROR)
            finish(c, kind, now);
    }
}

static void defer_failure(transport *t, native_conn *c, int kind)
{
    c->failed_kind = kind;
    if (!c->in_failed_list) {
        c->in_failed_list = 1;
        c->next_failed = t->failed;
        t->failed = c;
    }
    if (!ev_is_active(&t->deferred)) {
        ev_timer_set(&t->deferred, 0., 0.);
        ev_timer_start(t->cfg.loop, &t->deferred);
    }
}

/* Ends every request past its deadline (connecting included). */
static void on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    transport *t = w->data;
    uint64_t now = clock_now_ns();
    for (size_t i = 0; i < t->cfg.nslots; i++) {
        native_conn *c = &t->conns[i];
        if (c->busy && c->failed_kind == NO_ERROR && now >= c->deadline_ns) {
            conn_close(c);
            finish(c, NETERR_TIMEOUT, now);
        }
    }
}

static void native_destroy(transport *t);

static transport *native_create(const transport_config *cfg, char *err, size_t errlen)
{
    transport *t = calloc(1, sizeof *t);
    if (!t || !(t->conns = calloc(cfg->nslots ? cfg->nslots : 1, sizeof *t->conns))) {
        free(t);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    t->header_cap = cfg->max_header_bytes ? cfg->max_header_bytes : DEFAULT_HEADER_CAP;
    settings_init(&t->settings);
    for (size_t i = 0; i < cfg->nslots; i++) {
        native_conn *c = &t->conns[i];
        c->t = t;
        c->index = i;
        c->fd = -1;
        c->key = -1;
        c->failed_kind = NO_ERROR;
        ev_init(&c->io, on_io);
        c->io.data = c;
    }
    /* The sweep's period bounds how late a timeout is noticed: a twentieth
     * of the timeout, between 1 ms and 100 ms. */
    double period = cfg->timeout_s / 20;
    period = period < 0.001 ? 0.001 : period > 0.1 ? 0.1 : period;
    ev_timer_init(&t->sweep, on_sweep, period, period);
    t->sweep.data = t;
    ev_timer_start(cfg->loop, &t->sweep);
    ev_init(&t->deferred, on_deferred);
    t->deferred.data = t;
    if (cfg->target->tls) {
        tls_options o = {.insecure = cfg->insecure, .cacert = cfg->cacert,
                         .host = cfg->target->host, .resume = !cfg->tls_no_resume};
        if (!(t->handshakes = hist_new())) {
            snprintf(err, errlen, "out of memory");
            native_destroy(t);
            return NULL;
        }
        if (!(t->tls = tls_client_acquire(&o, err, errlen))) {
            native_destroy(t);
            return NULL;
        }
    }
    return t;
}

static int native_send(transport *t, size_t slot, const transport_request *req)
{
    native_conn *c = &t->conns[slot];
    if (prepare_head(t, c, req) != 0)
        return -1;
    c->body = req->has_body ? req->body : NULL;
    c->body_len = req->has_body ? req->body_len : 0;
    c->head_only = req->method && strcmp(req->method, "HEAD") == 0;
    c->watch = req->shed_header;
    c->watch_len = req->shed_header_len;
    c->written = 0;
    c->retried = 0;
    c->deadline_ns = clock_now_ns() + (uint64_t)(t->cfg.timeout_s * 1e9);
    parser_reset(c);
    c->busy = 1;
    c->failed_kind = NO_ERROR;
    int kind = start(c);
    if (kind != NO_ERROR && may_retry(c)) {
        conn_close(c);
        c->retried = 1;
        kind = start(c);
    }
    if (kind != NO_ERROR) {
        conn_close(c);
        defer_failure(t, c, kind);
    }
    return 0;
}

static void native_cancel(transport *t, size_t slot)
{
    native_conn *c = &t->conns[slot];
    if (!c->busy)
        return;
    c->busy = 0;
    c->failed_kind = NO_ERROR;
    conn_close(c);   /* its answer may still come: the connection is spoiled */
}

static uint64_t native_opened(const transport *t)
{
    return t->opened;
}

static void native_tls_stats(const transport *t, hist *handshakes, uint64_t *resumed)
{
    if (t->handshakes)
        hist_add(handshakes, t->handshakes);
    *resumed += t->resumed;
}

static void native_destroy(transport *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cfg.nslots; i++) {
        conn_close(&t->conns[i]);
        free(t->conns[i].own_head);
        tls_session_free(t->conns[i].session);
    }
    for (size_t i = 0; i < t->nheads; i++)
        free(t->heads[i].bytes);
    ev_timer_stop(t->cfg.loop, &t->sweep);
    ev_timer_stop(t->cfg.loop, &t->deferred);
    free(t->heads);
    free(t->conns);
    tls_client_release(t->tls);
    hist_free(t->handshakes);
    free(t);
}

const transport_ops transport_native = {
    .name = "native",
    .supports = native_supports,
    .global_init = native_global,
    .create = native_create,
    .send = native_send,
    .cancel = native_cancel,
    .connections_opened = native_opened,
    .tls_stats = native_tls_stats,
    .destroy = native_destroy,
};
