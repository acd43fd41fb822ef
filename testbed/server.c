/* server.c: see server.h.
 *
 * Each connection parses with http-parser straight from a shared read
 * buffer. When a request is complete the parser is paused and the request
 * dispatched: plain routes and immediate answers (429, 503, degraded, ...)
 * are appended to the connection's output at once and parsing goes on, so
 * a burst of pipelined pings is answered with one write; a request that
 * went to a simulated worker leaves the rest of the input unparsed (copied
 * aside, at most IN_CAP bytes) until its answer is out, which keeps the
 * answers in request order. Reading continues meanwhile so that a client
 * that goes away is noticed: its job is marked abandoned and the
 * connection freed when the worker is done with it. */
#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "testbed/server.h"
#include "testbed/sim.h"
#include "testbed/stats_endpoint.h"

#define SCRATCH_SIZE 65536       /* one read */
#define IN_CAP 65536             /* unparsed input kept while a request waits */
#define OUT_HIGH (256 * 1024)    /* stop parsing while this much output is unsent */
#define URL_MAX 2048
#define ACCEPTS_PER_EVENT 64

enum route {
    ROUTE_PING = TESTBED_NSUB,
    ROUTE_STATS,
    ROUTE_STATS_RESET,
    ROUTE_METRICS,
    ROUTE_NOT_FOUND
};

typedef struct conn conn;

struct testbed_server {
    struct ev_loop *loop;
    int listen_fd;
    int port;
    ev_io accept_io;
    ev_timer accept_retry;       /* after EMFILE: try accepting again later */
    ev_timer sweep;              /* once a second: idle and slow-header timeouts */
    double idle_timeout_s, header_timeout_s;
    sim_subsystem *subs[TESTBED_NSUB];
    conn *conns;                 /* every open connection (and ones awaiting a worker) */
    double started;              /* clock_now_s() at start, for uptime */
    testbed_other_counters other;
    http_parser_settings settings;
    char alter_path[128];        /* shadow demo: see testbed_config */
    size_t alter_len;
    int trace_ids;
    uint64_t trace_next;
    char scratch[SCRATCH_SIZE];
};

struct conn {
    sim_job job;                 /* the request at a simulated worker */
    testbed_server *srv;
    conn *prev, *next;
    int fd;                      /* -1 once the client is gone */
    ev_io rio, wio;
    http_parser parser;
    char *in;                    /* unparsed input: scratch or own_in */
    size_t in_off, in_len;
    char *own_in;                /* IN_CAP bytes, allocated on first need */
    char *out;
    size_t out_off, out_len, out_cap;
    /* The request being parsed. */
    char url[URL_MAX];
    size_t url_len;
    char field[16], value[16];
    size_t field_len, value_len;
    int in_value;                /* last header callback was a value */
    int expect_continue;
    uint64_t body_bytes;
    int message_done;
    int keep_alive;
    int head;                    /* HEAD: headers only */
    int http10;                  /* HTTP/1.0: keep-alive must be said explicitly */
    /* State. */
    int waiting;                 /* the request is with subsystem `sub` */
    int sub;
    int closing;                 /* close once the output is written */
    /* Timeouts (see sweep_conns). */
    double last_active;          /* clock_now_s() of the last byte read or written */
    double request_began;        /* first byte of the request being parsed; 0: none */
    int headers_done;            /* that request's headers are complete */
};

static void conn_on_read(struct ev_loop *loop, ev_io *w, int revents);
static void conn_on_write(struct ev_loop *loop, ev_io *w, int revents);
static int conn_run(conn *c);

/* ---- connections ---------------------------------------------------- */

static void conn_free(conn *c)
{
    testbed_server *srv = c->srv;
    if (c->fd >= 0) {
        ev_io_stop(srv->loop, &c->rio);
        ev_io_stop(srv->loop, &c->wio);
        close(c->fd);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->own_in);
    free(c->out);
    free(c);
}

/* The client is gone (EOF, reset, failed write). A request at a worker
 * keeps the struct alive (fd closed) until the worker is done with it.
 * Returns -1: either way the caller must not touch C any more. */
static int conn_gone(conn *c)
{
    if (!c->waiting) {
        conn_free(c);
        return -1;
    }
    c->job.abandoned = 1;
    ev_io_stop(c->srv->loop, &c->rio);
    ev_io_stop(c->srv->loop, &c->wio);
    close(c->fd);
    c->fd = -1;
    c->in_off = c->in_len = 0;
    return -1;
}

/* Injected fault: drop the connection with a TCP reset, no answer. */
static void conn_reset(conn *c)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    conn_free(c);
}

static int out_reserve(conn *c, size_t more)
{
    if (c->out_len + more <= c->out_cap)
        return 0;
    if (c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
        if (c->out_len + more <= c->out_cap)
            return 0;
    }
    size_t cap = c->out_cap ? c->out_cap : 4096;
    while (cap < c->out_len + more)
        cap *= 2;
    char *bigger = realloc(c->out, cap);
    if (!bigger)
        return -1;
    c->out = bigger;
    c->out_cap = cap;
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

/* Appends a complete response. EXTRA is more header lines (each ending in
 * CRLF) or "". Without keep-alive the connection closes once written. */
static void respond_typed(conn *c, int status, const char *type, const char *extra,
                          const char *body, size_t body_len)
{
    if (!c->keep_alive)
        c->closing = 1;
    size_t send_body = c->head ? 0 : body_len;
    if (out_reserve(c, 256 + strlen(extra) + send_body) != 0) {
        c->closing = 1;    /* out of memory: drop the connection, keep the server */
        return;
    }
    int n = snprintf(c->out + c->out_len, c->out_cap - c->out_len,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n%s%s\r\n",
                     status, reason(status), type, body_len, extra,
                     !c->keep_alive ? "Connection: close\r\n"
                     : c->http10 ? "Connection: keep-alive\r\n" : "");
    c->out_len += (size_t)n;
    memcpy(c->out + c->out_len, body, send_body);
    c->out_len += send_body;
}

static void respond(conn *c, int status, const char *extra, const char *body, size_t body_len)
{
    respond_typed(c, status, "application/json", extra, body, body_len);
}

static void respond_json(conn *c, int status, const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void respond_json(conn *c, int status, const char *extra, const char *fmt, ...)
{
    char body[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof body)
        n = sizeof body - 1;
    respond(c, status, extra, body, (size_t)n);
}

static void respond_subsystem(conn *c, int sub, sim_outcome outcome)
{
    const char *name = testbed_subsystem_names[sub];
    switch (outcome) {
    case SIM_OK: {
        testbed_server *srv = c->srv;
        char trace[48] = "";
        int altered = srv->alter_len && c->url_len >= srv->alter_len &&
                      memcmp(c->url, srv->alter_path, srv->alter_len) == 0;
        if (srv->trace_ids)
            snprintf(trace, sizeof trace, ",\"trace\":\"%016llx\"",
                     (unsigned long long)(srv->trace_next++ * 0x9e3779b97f4a7c15ull));
        respond_json(c, 200, "", "{\"subsystem\":\"%s\",\"ok\":true,\"bytes\":%llu%s%s}\n", name,
                     (unsigned long long)c->body_bytes, altered ? ",\"variant\":\"b\"" : "",
                     trace);
        break;
    }
    case SIM_DEGRADED:
        respond_json(c, 200, "X-Degraded: 1\r\n",
                     "{\"subsystem\":\"%s\",\"ok\":true,\"degraded\":true}\n", name);
        break;
    case SIM_REJECT_503:
        respond_json(c, 503, "Retry-After: 1\r\n",
                     "{\"subsystem\":\"%s\",\"error\":\"queue full\"}\n", name);
        break;
    case SIM_REJECT_429:
        respond_json(c, 429, "Retry-After: 1\r\n",
                     "{\"subsystem\":\"%s\",\"error\":\"rate limited\"}\n", name);
        break;
    case SIM_ERROR_500:
    default:
        respond_json(c, 500, "", "{\"subsystem\":\"%s\",\"error\":\"injected fault\"}\n", name);
        break;
    }
}

/* ---- routing ---------------------------------------------------------- */

static int route_of(const char *url, size_t len)
{
    const char *p = url, *end = url + len;
    /* absolute-form: http://host/path */
    if (len > 7 && strncasecmp(p, "http://", 7) == 0) {
        p = memchr(p + 7, '/', (size_t)(end - p - 7));
        if (!p)
            return ROUTE_NOT_FOUND;
    }
    const char *q = p;
    while (q < end && *q != '?' && *q != '#')
        q++;
    size_t plen = (size_t)(q - p);
    if (plen == 7 && memcmp(p, "/__ping", 7) == 0)
        return ROUTE_PING;
    if (plen == 8 && memcmp(p, "/__stats", 8) == 0)
        return ROUTE_STATS;
    if (plen == 14 && memcmp(p, "/__stats/reset", 14) == 0)
        return ROUTE_STATS_RESET;
    if (plen == 8 && memcmp(p, "/metrics", 8) == 0)
        return ROUTE_METRICS;
    if (plen < 2 || p[0] != '/')
        return ROUTE_NOT_FOUND;
    const char *seg = p + 1, *seg_end = seg;
    while (seg_end < q && *seg_end != '/')
        seg_end++;
    int i = testbed_subsystem_index(seg, (size_t)(seg_end - seg));
    return i >= 0 ? i : ROUTE_NOT_FOUND;
}

static void respond_stats(conn *c)
{
    cJSON *doc = testbed_server_stats(c->srv);
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (!text) {
        respond_json(c, 500, "", "{\"error\":\"out of memory\"}\n");
        return;
    }
    size_t n = strlen(text);
    text[n] = '\n';    /* replaces the NUL; length passed explicitly */
    respond(c, 200, "Cache-Control: no-store\r\n", text, n + 1);
    free(text);
}

/* GET /metrics: the same counters in the Prometheus exposition format. */
static void respond_metrics(conn *c)
{
    char *text = testbed_metrics_text(c->srv->subs, TESTBED_NSUB, &c->srv->other);
    if (!text) {
        respond_json(c, 500, "", "{\"error\":\"out of memory\"}\n");
        return;
    }
    respond_typed(c, 200, "text/plain; version=0.0.4; charset=utf-8",
                  "Cache-Control: no-store\r\n", text, strlen(text));
    free(text);
}

/* Handles the complete request. Returns -1 when C was freed (reset). */
static int dispatch(conn *c)
{
    testbed_server *srv = c->srv;
    int method = (int)c->parser.method;
    int r = route_of(c->url, c->url_len);
    if (r < TESTBED_NSUB) {
        sim_outcome o = sim_submit(srv->subs[r], &c->job);
        if (o == SIM_QUEUED) {
            c->waiting = 1;
            c->sub = r;
        } else if (o == SIM_RESET) {
            conn_reset(c);
            return -1;
        } else {
            respond_subsystem(c, r, o);
        }
        return 0;
    }
    switch (r) {
    case ROUTE_PING:
        srv->other.ping++;
        respond(c, 200, "", "{\"ok\":true}\n", 12);
        break;
    case ROUTE_STATS:
        if (method != HTTP_GET && method != HTTP_HEAD) {
            respond_json(c, 405, "Allow: GET, HEAD\r\n", "{\"error\":\"use GET\"}\n");
            break;
        }
        srv->other.stats++;
        respond_stats(c);
        break;
    case ROUTE_METRICS:
        if (method != HTTP_GET && method != HTTP_HEAD) {
            respond_json(c, 405, "Allow: GET, HEAD\r\n", "{\"error\":\"use GET\"}\n");
            break;
        }
        srv->other.stats++;
        respond_metrics(c);
        break;
    case ROUTE_STATS_RESET:
        if (method != HTTP_POST) {
            respond_json(c, 405, "Allow: POST\r\n", "{\"error\":\"use POST\"}\n");
            break;
        }
        for (int i = 0; i < TESTBED_NSUB; i++)
            sim_reset_counters(srv->subs[i]);
        memset(&srv->other, 0, sizeof srv->other);
        respond(c, 200, "", "{\"reset\":true}\n", 15);
        break;
    default:
        srv->other.not_found++;
        respond_json(c, 404, "", "{\"error\":\"not found\"}\n");
        break;
    }
    return 0;
}

/* ---- http-parser callbacks ------------------------------------------------ */

static int on_message_begin(http_parser *p)
{
    conn *c = p->data;
    c->request_began = clock_now_s();
    c->headers_done = 0;
    c->url_len = 0;
    c->field_len = c->value_len = 0;
    c->in_value = 0;
    c->expect_continue = 0;
    c->body_bytes = 0;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    conn *c = p->data;
    size_t room = URL_MAX - c->url_len;
    if (len > room)
        len = room;    /* routing needs only the first path segment */
    memcpy(c->url + c->url_len, at, len);
    c->url_len += len;
    return 0;
}

static void append_lower(char *buf, size_t cap, size_t *len, const char *at, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (*len < cap)
            buf[*len] = (char)(at[i] >= 'A' && at[i] <= 'Z' ? at[i] + 32 : at[i]);
        (*len)++;    /* counts past cap, so an overlong name never matches */
    }
}

/* The header whose name and value were just read completely. */
static void header_done(conn *c)
{
    if (c->field_len == 6 && memcmp(c->field, "expect", 6) == 0 && c->value_len == 12 &&
        memcmp(c->value, "100-continue", 12) == 0)
        c->expect_continue = 1;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    conn *c = p->data;
    if (c->in_value) {
        header_done(c);
        c->in_value = 0;
        c->field_len = 0;
    }
    append_lower(c->field, sizeof c->field, &c->field_len, at, len);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    conn *c = p->data;
    if (!c->in_value) {
        c->in_value = 1;
        c->value_len = 0;
    }
    append_lower(c->value, sizeof c->value, &c->value_len, at, len);
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    conn *c = p->data;
    c->headers_done = 1;
    if (c->in_value)
        header_done(c);
    c->head = p->method == HTTP_HEAD;
    c->http10 = p->http_major == 1 && p->http_minor == 0;
    /* curl waits a second for this before sending a body over 1 KiB. */
    if (c->expect_continue && p->http_major == 1 && p->http_minor >= 1 &&
        out_reserve(c, 32) == 0) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        memcpy(c->out + c->out_len, cont, sizeof cont - 1);
        c->out_len += sizeof cont - 1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    (void)at;
    conn *c = p->data;
    c->body_bytes += len;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    conn *c = p->data;
    c->message_done = 1;
    c->request_began = 0;
    c->keep_alive = http_should_keep_alive(p) && !p->upgrade;
    http_parser_pause(p, 1);    /* one request at a time: answers stay in order */
    return 0;
}

/* ---- the connection state machine -------------------------------------- */

/* Parses and dispatches buffered requests while nothing waits at a worker
 * and the output is not backed up. -1 when C was freed. */
static int conn_parse(conn *c)
{
    while (!c->waiting && !c->closing && c->in_off < c->in_len &&
           c->out_len - c->out_off < OUT_HIGH) {
        size_t n = http_parser_execute(&c->parser, &c->srv->settings, c->in + c->in_off,
                                       c->in_len - c->in_off);
        c->in_off += n;
        if (c->message_done) {
            c->message_done = 0;
            http_parser_pause(&c->parser, 0);
            if (dispatch(c) < 0)
                return -1;
            continue;
        }
        if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK || n == 0) {
            c->srv->other.bad_requests++;
            c->keep_alive = 0;
            c->head = 0;
            respond_json(c, 400, "", "{\"error\":\"%s\"}\n",
                         http_errno_name(HTTP_PARSER_ERRNO(&c->parser)));
            c->in_off = c->in_len;
        }
    }
    if (c->in_off == c->in_len) {
        c->in_off = c->in_len = 0;
        c->in = c->own_in;
    }
    return 0;
}

/* Writes what it can. -1 when C was freed (done and closing, or gone). */
static int conn_flush(conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            c->last_active = clock_now_s();
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ev_io_start(c->srv->loop, &c->wio);
            return 0;
        }
        return conn_gone(c);
    }
    c->out_off = c->out_len = 0;
    ev_io_stop(c->srv->loop, &c->wio);
    if (c->closing && !c->waiting) {
        conn_free(c);
        return -1;
    }
    return 0;
}

/* Keeps unparsed input that still points into the shared read buffer. */
static int conn_keep_input(conn *c)
{
    if (c->in == c->own_in || c->in_off == c->in_len)
        return 0;
    if (!c->own_in && !(c->own_in = malloc(IN_CAP)))
        return -1;
    size_t left = c->in_len - c->in_off;
    memmove(c->own_in, c->in + c->in_off, left);
    c->in = c->own_in;
    c->in_off = 0;
    c->in_len = left;
    return 0;
}

/* Parse, write, repeat while writing made room; then read only if there
 * is room for input. -1 when C was freed. */
static int conn_run(conn *c)
{
    for (;;) {
        if (conn_parse(c) < 0 || conn_flush(c) < 0)
            return -1;
        if (c->waiting || c->closing || c->in_off == c->in_len || c->out_len > 0)
            break;
    }
    if (conn_keep_input(c) != 0)
        return conn_gone(c);    /* out of memory: drop this client only */
    int room = c->in_len < IN_CAP && !c->closing;
    if (room)
        ev_io_start(c->srv->loop, &c->rio);
    else
        ev_io_stop(c->srv->loop, &c->rio);
    return 0;
}

static void conn_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    conn *c = w->data;
    testbed_server *srv = c->srv;
    char *buf;
    size_t room;
    if (c->in_len == 0) {
        buf = srv->scratch;
        room = SCRATCH_SIZE;
    } else {
        if (c->in_off > 0) {
            memmove(c->own_in, c->own_in + c->in_off, c->in_len - c->in_off);
            c->in_len -= c->in_off;
            c->in_off = 0;
        }
        buf = c->own_in + c->in_len;
        room = IN_CAP - c->in_len;
    }
    if (room == 0) {
        ev_io_stop(loop, &c->rio);
        return;
    }
    ssize_t n = recv(c->fd, buf, room, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        conn_gone(c);
        return;
    }
    if (c->in_len == 0) {
        c->in = srv->scratch;
        c->in_off = 0;
    }
    c->in_len += (size_t)n;
    c->last_active = clock_now_s();
    conn_run(c);
}

static void conn_on_write(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    conn_run(w->data);
}

/* A worker finished C's request. */
static void on_job_done(sim_job *job, sim_outcome outcome, void *ctx)
{
    (void)ctx;
    conn *c = (conn *)((char *)job - offsetof(conn, job));
    c->waiting = 0;
    if (c->fd < 0) {
        conn_free(c);
        return;
    }
    respond_subsystem(c, c->sub, outcome);
    conn_run(c);
}

/* ---- listening -------------------------------------------------------- */

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    testbed_server *srv = w->data;
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
        int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                crest_warn("testbed: cannot accept: %s; pausing accepts for 100 ms",
                           strerror(errno));
                ev_io_stop(loop, &srv->accept_io);
                ev_timer_start(loop, &srv->accept_retry);
            }
            return;
        }
        conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->srv = srv;
        c->fd = fd;
        c->last_active = clock_now_s();
        http_parser_init(&c->parser, HTTP_REQUEST);
        c->parser.data = c;
        ev_io_init(&c->rio, conn_on_read, fd, EV_READ);
        ev_io_init(&c->wio, conn_on_write, fd, EV_WRITE);
        c->rio.data = c->wio.data = c;
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        srv->other.connections_accepted++;
        ev_io_start(loop, &c->rio);
    }
}

/* Closes connections that hold the server without using it: a request
 * whose headers are not complete header_timeout_s after its first byte
 * (slowloris: answered 408, then closed), and a connection with nothing
 * read or written for idle_timeout_s (idle keep-alive, a stalled body, a
 * client that stopped reading). One walk over the connections a second,
 * never per request; a request at a simulated worker is never timed out
 * here (the stall fault holds answers on purpose). */
static void sweep_conns(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    testbed_server *srv = t->data;
    double now = clock_now_s();
    conn *next;
    for (conn *c = srv->conns; c; c = next) {
        next = c->next;
        if (c->fd < 0 || c->waiting || c->closing)
            continue;
        int slow_headers = srv->header_timeout_s > 0 && c->request_began > 0 &&
                           !c->headers_done && now - c->request_began > srv->header_timeout_s;
        int idle = srv->idle_timeout_s > 0 && now - c->last_active > srv->idle_timeout_s;
        if (!slow_headers && !idle)
            continue;
        if (slow_headers)
            srv->other.header_timeouts++;
        else
            srv->other.idle_closed++;
        if (c->request_began > 0 && c->out_len == 0) {
            c->keep_alive = 0;
            c->head = 0;
            respond_json(c, 408, "", "{\"error\": \"request timeout\"}");
            c->closing = 1;
            conn_run(c);   /* writes the 408 and frees C */
        } else {
            conn_free(c);
        }
    }
}

static void on_accept_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    testbed_server *srv = t->data;
    ev_io_start(loop, &srv->accept_io);
}

static int listen_on(const char *host, int port, int *bound_port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        crest_error("--listen: '%s' is not an IPv4 address; expected e.g. 127.0.0.1:8080", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        crest_error("socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 4096) != 0) {
        crest_error("cannot listen on %s:%d: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *bound_port = ntohs(addr.sin_port);
    return fd;
}

testbed_server *testbed_server_new(struct ev_loop *loop, const testbed_config *cfg,
                                   const char *host, int port)
{
    testbed_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        crest_error("out of memory");
        return NULL;
    }
    srv->loop = loop;
    srv->listen_fd = -1;
    srv->started = clock_now_s();
    snprintf(srv->alter_path, sizeof srv->alter_path, "%s", cfg->alter_path);
    srv->alter_len = strlen(srv->alter_path);
    srv->trace_ids = cfg->trace_ids;
    srv->trace_next = cfg->seed * 0x2545f4914f6cdd1dull + 1;
    double start = ev_now(loop);
    for (int i = 0; i < TESTBED_NSUB; i++) {
        /* Distinct, reproducible streams per subsystem from one seed. */
        uint64_t seed = cfg->seed * 0x9e3779b97f4a7c15ull + (uint64_t)i;
        srv->subs[i] = sim_subsystem_new(loop, testbed_subsystem_names[i], &cfg->sub[i], seed,
                                         start, on_job_done, srv);
        if (!srv->subs[i]) {
            crest_error("out of memory creating subsystem '%s'", testbed_subsystem_names[i]);
            testbed_server_free(srv);
            return NULL;
        }
    }
    srv->settings.on_message_begin = on_message_begin;
    srv->settings.on_url = on_url;
    srv->settings.on_header_field = on_header_field;
    srv->settings.on_header_value = on_header_value;
    srv->settings.on_headers_complete = on_headers_complete;
    srv->settings.on_body = on_body;
    srv->settings.on_message_complete = on_message_complete;
    srv->listen_fd = listen_on(host, port, &srv->port);
    if (srv->listen_fd < 0) {
        testbed_server_free(srv);
        return NULL;
    }
    ev_io_init(&srv->accept_io, on_accept, srv->listen_fd, EV_READ);
    srv->accept_io.data = srv;
    ev_timer_init(&srv->accept_retry, on_accept_retry, 0.1, 0.);
    srv->accept_retry.data = srv;
    ev_io_start(loop, &srv->accept_io);
    srv->idle_timeout_s = cfg->idle_timeout_s;
    srv->header_timeout_s = cfg->header_timeout_s;
    ev_timer_init(&srv->sweep, sweep_conns, 1.0, 1.0);
    srv->sweep.data = srv;
    if (srv->idle_timeout_s > 0 || srv->header_timeout_s > 0)
        ev_timer_start(loop, &srv->sweep);
    return srv;
}

void testbed_server_free(testbed_server *srv)
{
    if (!srv)
        return;
    /* Subsystems first: that stops the timers still holding connections. */
    for (int i = 0; i < TESTBED_NSUB; i++)
        sim_subsystem_free(srv->subs[i]);
    while (srv->conns)
        conn_free(srv->conns);
    if (srv->listen_fd >= 0) {
        ev_io_stop(srv->loop, &srv->accept_io);
        ev_timer_stop(srv->loop, &srv->accept_retry);
        ev_timer_stop(srv->loop, &srv->sweep);
        close(srv->listen_fd);
    }
    free(srv);
}

int testbed_server_port(const testbed_server *srv)
{
    return srv->port;
}

cJSON *testbed_server_stats(const testbed_server *srv)
{
    double uptime = clock_now_s() - srv->started;
    return testbed_stats_json(srv->subs, TESTBED_NSUB, &srv->other, uptime);
}
