/* transport_curl.c: the libcurl transport (see transport.h). libcurl's
 * multi_socket API driven by the engine thread's libev loop, in the manner
 * of curl's docs/examples/evhiperfifo.c but fixed for load generation:
 *   - the timer callback keeps sub-millisecond precision (no integer
 *     division of timeout_ms);
 *   - one easy handle per slot, created once and reused; options are set
 *     again only when the slot's request changes (key differs);
 *   - header lists are built in slot-owned curl_slist nodes, never with
 *     curl_slist_append per request;
 *   - CURLOPT_NOSIGNAL, no proxy lookups, no verbose/progress callbacks;
 *   - at most GROUP_SLOTS slots per multi handle (see below), each multi's
 *     CURLMOPT_MAXCONNECTS pinned to its slots so warm connections are
 *     never evicted; the engine never adds more handles than it has
 *     connections, so libcurl's own queue is never used;
 *   - DNS pinned with CURLOPT_RESOLVE to the address transport.c resolved;
 *   - libcurl's silent re-send on a dead reused connection is refused
 *     (before_send), so the server sees each request once;
 *   - sockets opened are counted (connections_opened) through
 *     CURLOPT_OPENSOCKETFUNCTION;
 *   - a header callback on every handle checks what libcurl 7.88 lets
 *     through: an answer whose header block never ended (the connection
 *     closed inside it) is counted truncated, not ok; a header block
 *     above the cap is too_large; a storm of 1xx answers is protocol.
 *     It also matches the shed_header (a degraded-answer marker) of
 *     requests that name one: a compare into a flag, no copies;
 *   - response bodies are discarded unread unless the instance was created
 *     with body_cap (crest shadow): then each slot owns a body_cap buffer,
 *     allocated once, filled by the write callback, reset per send.
 * The structures libev needs per socket come from a free list, so steady
 * state allocates nothing in crest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <curl/curl.h>
#include <ev.h>

#include "common/clock.h"
#include "loadgen/shed_header.h"
#include "loadgen/stats.h"
#include "loadgen/transport.h"

/* libcurl 7.88's curl_multi_remove_handle walks every connection of its
 * multi handle (looking for connect-only ones to close), and each new
 * transfer walks the host's connections for a free one: both O(connections)
 * per request, which at 10k connections costs more than the requests. So a
 * thread's slots are spread over several multi handles ("groups") of at
 * most GROUP_SLOTS, each with its own connection cache and timer. */
#define GROUP_SLOTS 256
#define DEFAULT_HEADER_CAP (64 * 1024)
#define MAX_INTERIM 64          /* 1xx answers before the final one; more is a storm */

typedef struct curl_group {
    struct transport *t;
    CURLM *multi;
    ev_timer timer;
    int running;
} curl_group;

typedef struct curl_sock {
    curl_socket_t fd;
    ev_io io;
    curl_group *g;
    struct curl_sock *next_free;
} curl_sock;

typedef struct curl_slot {
    curl_group *g;
    CURL *easy;
    size_t index;
    long key;                   /* key of the request last set up, -1 none */
    int busy;
    int attempts;               /* times libcurl was about to send the current request */
    const char *watch;          /* shed header name of the current request, NULL none */
    size_t watch_len;
    int watch_hit;              /* the current response carries the shed header */
    size_t header_bytes;        /* of the current response's header block */
    int status_lines;           /* responses started (1xx included) */
    int headers_ended;          /* the current response's header block ended */
    int too_large;              /* the header block passed the cap: transfer aborted */
    char *body;                 /* body_cap bytes when bodies are kept, else NULL */
    size_t body_len;
    int body_truncated;
    struct curl_slist nodes[TRANSPORT_MAX_HEADERS + 1];
} curl_slot;

struct transport {
    transport_config cfg;
    curl_group *groups;
    size_t ngroups;
    curl_slot *slots;
    struct curl_slist *resolve;
    curl_sock *free_socks;
    curl_sock **all_socks;      /* every curl_sock ever made, freed at destroy */
    size_t header_cap;
    size_t nall, capall;
    uint64_t opened;
};

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

/* Keeps the first body_cap bytes of the body (shadow comparison only). A
 * status line seen by on_header does not reset it: libcurl hands only the
 * final response's body to the write callback. */
static size_t keep_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    curl_slot *s = userdata;
    size_t len = size * nmemb, cap = s->g->t->cfg.body_cap, room = cap - s->body_len;
    if (len > room) {
        s->body_truncated = 1;
        memcpy(s->body + s->body_len, ptr, room);
        s->body_len = cap;
    } else {
        memcpy(s->body + s->body_len, ptr, len);
        s->body_len += len;
    }
    return len;
}

/* One whole header line per call (libcurl guarantees it). A status line
 * starts a new response, so an interim 1xx cannot mark the final answer;
 * the empty line ends its header block. Returning less than LEN aborts
 * the transfer (a header block above the cap). */
static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
    curl_slot *s = userdata;
    size_t len = size * nitems;
    if (shed_header_is_status_line(buf, len)) {
        s->watch_hit = 0;
        s->header_bytes = 0;
        s->headers_ended = 0;
        s->status_lines++;
    } else if ((len == 2 && buf[0] == '\r') || (len == 1 && buf[0] == '\n')) {
        s->headers_ended = 1;
    } else if (s->watch && shed_header_match(buf, len, s->watch, s->watch_len)) {
        s->watch_hit = 1;
    }
    s->header_bytes += len;
    if (s->header_bytes > s->g->t->header_cap && !s->headers_ended) {
        s->too_large = 1;
        return 0;
    }
    return len;
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    transport *t = clientp;
    (void)purpose;
    curl_socket_t fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd != CURL_SOCKET_BAD)
        t->opened++;
    return fd;
}

/* libcurl silently re-sends a request whose reused connection died before
 * any answer (a server reset, a stale keep-alive). That would make the
 * server see more requests than crest sent and hide the failure; so a
 * second attempt is refused here and the request counts as reset. */
static int before_send(void *clientp, char *conn_primary_ip, char *conn_local_ip,
                       int conn_primary_port, int conn_local_port)
{
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    (void)conn_local_port;
    curl_slot *s = clientp;
    return ++s->attempts > 1 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

/* A failed connect: libcurl leaves the errno at 0 when the server refused. */
static int connect_kind(long os_errno)
{
    return os_errno == 0 ? NETERR_REFUSED : transport_errno_kind((int)os_errno);
}

/* The kind of a failed transfer. Failures after part of the answer came
 * (its status line) are truncated answers, whatever libcurl calls them. */
static int classify(const curl_slot *s, CURL *e, CURLcode rc)
{
    long os_errno = 0;
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    if (s->too_large)
        return NETERR_TOO_LARGE;
    if (s->status_lines > 0 && (rc == CURLE_RECV_ERROR || rc == CURLE_PARTIAL_FILE ||
                                rc == CURLE_GOT_NOTHING || rc == CURLE_WEIRD_SERVER_REPLY))
        return rc == CURLE_WEIRD_SERVER_REPLY && s->headers_ended ? NETERR_PROTOCOL
                                                                    : NETERR_TRUNCATED;
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        return connect_kind(os_errno);
    case CURLE_OPERATION_TIMEDOUT:
        return NETERR_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return NETERR_DNS;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return NETERR_TLS;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        if (os_errno == 0 || transport_errno_kind((int)os_errno) == NETERR_RESET)
            return NETERR_RESET;
        return NETERR_OTHER;
    case CURLE_GOT_NOTHING:
    case CURLE_ABORTED_BY_CALLBACK:   /* a retry refused by before_send */
        return NETERR_RESET;
    case CURLE_PARTIAL_FILE:
        return NETERR_TRUNCATED;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
    case CURLE_TOO_MANY_REDIRECTS:
        return NETERR_PROTOCOL;
    default:
        return NETERR_OTHER;
    }
}

/* Drains the group's finished transfers and tells the engine. */
static void check_done(curl_group *g)
{
    transport *t = g->t;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(g->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *e = msg->easy_handle;
        CURLcode rc = msg->data.result;
        curl_slot *s = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&s);
        transport_result r = {.status = 0, .net_error = -1, .done_ns = clock_now_ns(),
                              .shed_header = 0};
        if (rc == CURLE_OK && !s->headers_ended) {
            r.net_error = NETERR_TRUNCATED;   /* libcurl 7.88 takes a cut header block */
        } else if (rc == CURLE_OK && s->status_lines > MAX_INTERIM + 1) {
            r.net_error = NETERR_PROTOCOL;    /* a 1xx storm */
        } else if (rc == CURLE_OK) {
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
            r.shed_header = s->watch && s->watch_hit;
            if (s->body) {
                r.body = s->body;
                r.body_len = s->body_len;
                r.body_truncated = s->body_truncated;
            }
        } else {
            r.net_error = classify(s, e, rc);
        }
        curl_multi_remove_handle(g->multi, e);
        s->busy = 0;
        t->cfg.done(t->cfg.owner, s->index, &r);
    }
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    curl_sock *cs = w->data;
    curl_group *g = cs->g;   /* cs may be recycled inside socket_action */
    int action = ((revents & EV_READ) ? CURL_CSELECT_IN : 0) |
                 ((revents & EV_WRITE) ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(g->multi, cs->fd, action, &g->running);
    check_done(g);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    curl_group *g = w->data;
    curl_multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0, &g->running);
    check_done(g);
}

/* libcurl asks for a timer: keep the fraction of a millisecond. */
static int multi_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    curl_group *g = userp;
    struct ev_loop *loop = g->t->cfg.loop;
    ev_timer_stop(loop, &g->timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&g->timer, (double)timeout_ms / 1000.0, 0.);
        ev_timer_start(loop, &g->timer);
    }
    return 0;
}

static curl_sock *sock_get(transport *t)
{
    curl_sock *cs = t->free_socks;
    if (cs) {
        t->free_socks = cs->next_free;
        return cs;
    }
    if (t->nall == t->capall) {
        size_t cap = t->capall ? t->capall * 2 : 64;
        curl_sock **all = realloc(t->all_socks, cap * sizeof *all);
        if (!all)
            return NULL;
        t->all_socks = all;
        t->capall = cap;
    }
    cs = calloc(1, sizeof *cs);
    if (cs)
        t->all_socks[t->nall++] = cs;
    return cs;
}

static int multi_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)e;
    curl_group *g = userp;
    transport *t = g->t;
    curl_sock *cs = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (cs) {
            ev_io_stop(t->cfg.loop, &cs->io);
            cs->next_free = t->free_socks;
            t->free_socks = cs;
            curl_multi_assign(g->multi, fd, NULL);
        }
        return 0;
    }
    int events = ((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
    if (!cs) {
        cs = sock_get(t);
        if (!cs)
            return -1;
        cs->fd = fd;
        cs->g = g;
        ev_init(&cs->io, on_io);
        cs->io.data = cs;
        curl_multi_assign(g->multi, fd, cs);
    } else {
        ev_io_stop(t->cfg.loop, &cs->io);
    }
    ev_io_set(&cs->io, fd, events);
    ev_io_start(t->cfg.loop, &cs->io);
    return 0;
}

/* Everything but HTTP/2 without TLS on libcurl before 8.0. */
static int curl_supports(const transport_config *cfg, char *why, size_t whylen)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (cfg->http2 && !cfg->target->tls && v->version_num < 0x080000) {
        /* curl/curl#10643, fixed in 8.0: a reused prior-knowledge h2c
         * connection fails every request after the first one. */
        snprintf(why, whylen, "HTTP/2 without TLS (prior knowledge) is broken in libcurl %s "
                 "(reused connections fail; fixed in 8.0, curl/curl#10643): use an https:// "
                 "target for --http2, or HTTP/1.1", v->version);
        return 0;
    }
    return 1;
}

/* "host:port:address" for CURLOPT_RESOLVE, or "" when the host is already
 * an address (nothing to pin). */
static void resolve_entry(const transport_target *tg, char *out, size_t cap)
{
    unsigned char buf[sizeof(struct in6_addr)];
    out[0] = '\0';
    if (inet_pton(AF_INET, tg->host, buf) == 1 || inet_pton(AF_INET6, tg->host, buf) == 1)
        return;
    int v6 = tg->addr.ss_family == AF_INET6;
    snprintf(out, cap, v6 ? "%s:%d:[%s]" : "%s:%d:%s", tg->host, tg->port, tg->address);
}

static int curl_global(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int setup_easy(transport *t, curl_slot *s, char *err, size_t errlen)
{
    CURL *e = curl_easy_init();
    if (!e) {
        snprintf(err, errlen, "curl_easy_init failed");
        return -1;
    }
    s->easy = e;
    s->key = -1;
    long timeout_ms = (long)(t->cfg.timeout_s * 1000.0 + 0.5);
    if (timeout_ms < 1)
        timeout_ms = 1;
    CURLcode rc = CURLE_OK;
#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_PRIVATE, (char *)s);
    SET(CURLOPT_PREREQFUNCTION, before_send);
    SET(CURLOPT_PREREQDATA, s);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NOPROXY, "*");   /* else no_proxy is read from the environment per transfer */
    SET(CURLOPT_NOPROGRESS, 1L);
    SET(CURLOPT_VERBOSE, 0L);
    if (t->cfg.body_cap) {
        s->body = malloc(t->cfg.body_cap);
        if (!s->body) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        SET(CURLOPT_WRITEFUNCTION, keep_body);
        SET(CURLOPT_WRITEDATA, s);
    } else {
        SET(CURLOPT_WRITEFUNCTION, discard_body);
    }
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, s);
    SET(CURLOPT_TIMEOUT_MS, timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
    SET(CURLOPT_OPENSOCKETDATA, t);
    SET(CURLOPT_USERAGENT, "crest/0.1");
    SET(CURLOPT_DNS_CACHE_TIMEOUT, -1L);
    SET(CURLOPT_TCP_NODELAY, 1L);
    if (t->resolve)
        SET(CURLOPT_RESOLVE, t->resolve);
    /* libcurl would negotiate h2 on https by default: HTTP/2 is opt-in. */
    if (t->cfg.http2) {
        SET(CURLOPT_PIPEWAIT, 1L);
    } else {
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    }
    if (t->cfg.insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (t->cfg.cacert)
        SET(CURLOPT_CAINFO, t->cfg.cacert);
    if (t->cfg.tls_no_resume)
        SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
    if (t->cfg.cert)
        SET(CURLOPT_SSLCERT, t->cfg.cert);
    if (t->cfg.key)
        SET(CURLOPT_SSLKEY, t->cfg.key);
#undef SET
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl option rejected: %s", curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

static void curl_destroy(transport *t);

static transport *curl_create(const transport_config *cfg, char *err, size_t errlen)
{
    transport *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    t->header_cap = cfg->max_header_bytes ? cfg->max_header_bytes : DEFAULT_HEADER_CAP;
    char pin[600];
    resolve_entry(cfg->target, pin, sizeof pin);
    if (pin[0]) {
        t->resolve = curl_slist_append(NULL, pin);
        if (!t->resolve) {
            snprintf(err, errlen, "out of memory");
            goto err;
        }
    }
    t->ngroups = (cfg->nslots + GROUP_SLOTS - 1) / GROUP_SLOTS;
    t->groups = calloc(t->ngroups ? t->ngroups : 1, sizeof *t->groups);
    t->slots = calloc(cfg->nslots ? cfg->nslots : 1, sizeof *t->slots);
    if (!t->groups || !t->slots) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    for (size_t gi = 0; gi < t->ngroups; gi++) {
        curl_group *g = &t->groups[gi];
        g->t = t;
        ev_init(&g->timer, on_timeout);
        g->timer.data = g;
        g->multi = curl_multi_init();
        if (!g->multi) {
            snprintf(err, errlen, "out of memory");
            goto err;
        }
        /* This group's share of the connection budget: its slots. */
        size_t first = gi * GROUP_SLOTS, n = cfg->nslots - first;
        long budget = (long)(n < GROUP_SLOTS ? n : GROUP_SLOTS);
        if (cfg->max_connections > 0 && budget > cfg->max_connections)
            budget = cfg->max_connections;
        curl_multi_setopt(g->multi, CURLMOPT_SOCKETFUNCTION, multi_socket);
        curl_multi_setopt(g->multi, CURLMOPT_SOCKETDATA, g);
        curl_multi_setopt(g->multi, CURLMOPT_TIMERFUNCTION, multi_timer);
        curl_multi_setopt(g->multi, CURLMOPT_TIMERDATA, g);
        curl_multi_setopt(g->multi, CURLMOPT_MAXCONNECTS, budget);
        curl_multi_setopt(g->multi, CURLMOPT_PIPELINING,
                          cfg->http2 ? (long)CURLPIPE_MULTIPLEX : (long)CURLPIPE_NOTHING);
    }
    for (size_t i = 0; i < cfg->nslots; i++) {
        t->slots[i].index = i;
        t->slots[i].g = &t->groups[i / GROUP_SLOTS];
        if (setup_easy(t, &t->slots[i], err, errlen) != 0)
            goto err;
    }
    return t;
err:
    curl_destroy(t);
    return NULL;
}

/* Sets the request's method, URL, headers and body on the slot's handle. */
static int setup_request(transport *t, curl_slot *s, const transport_request *req)
{
    CURL *e = s->easy;
    CURLcode rc = CURLE_OK;
    const char *m = req->method ? req->method : "GET";
#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, req->url);
    if (t->cfg.http2)
        SET(CURLOPT_HTTP_VERSION, strncmp(req->url, "https:", 6) == 0
                                      ? (long)CURL_HTTP_VERSION_2TLS
                                      : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    SET(CURLOPT_NOBODY, 0L);
    if (strcmp(m, "HEAD") == 0) {
        SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
        SET(CURLOPT_NOBODY, 1L);
    } else if (req->has_body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SET(CURLOPT_POSTFIELDS, req->body);
        SET(CURLOPT_CUSTOMREQUEST, strcmp(m, "POST") == 0 ? NULL : m);
    } else {
        SET(CURLOPT_HTTPGET, 1L);
        SET(CURLOPT_CUSTOMREQUEST, strcmp(m, "GET") == 0 ? NULL : m);
    }
    /* Header nodes live in the slot; "Expect:" stops libcurl from waiting
     * for 100-continue on bodies. */
    size_t n = 0;
    for (size_t i = 0; i < req->nheaders && i < TRANSPORT_MAX_HEADERS; i++) {
        s->nodes[n].data = (char *)req->headers[i];
        s->nodes[n].next = NULL;
        if (n)
            s->nodes[n - 1].next = &s->nodes[n];
        n++;
    }
    if (req->has_body) {
        s->nodes[n].data = (char *)"Expect:";
        s->nodes[n].next = NULL;
        if (n)
            s->nodes[n - 1].next = &s->nodes[n];
        n++;
    }
    SET(CURLOPT_HTTPHEADER, n ? &s->nodes[0] : NULL);
    s->watch = req->shed_header;
    s->watch_len = req->shed_header_len;
#undef SET
    return rc == CURLE_OK ? 0 : -1;
}

static int curl_send(transport *t, size_t slot, const transport_request *req)
{
    curl_slot *s = &t->slots[slot];
    if (req->key < 0 || req->key != s->key) {
        s->key = -1;
        if (setup_request(t, s, req) != 0)
            return -1;
        s->key = req->key;
    }
    s->attempts = 0;
    s->watch_hit = 0;
    s->header_bytes = 0;
    s->status_lines = 0;
    s->headers_ended = 0;
    s->too_large = 0;
    s->body_len = 0;
    s->body_truncated = 0;
    if (curl_multi_add_handle(s->g->multi, s->easy) != CURLM_OK)
        return -1;
    s->busy = 1;
    return 0;
}

static void curl_cancel(transport *t, size_t slot)
{
    curl_slot *s = &t->slots[slot];
    (void)t;
    if (!s->busy)
        return;
    curl_multi_remove_handle(s->g->multi, s->easy);
    s->busy = 0;
}

static uint64_t curl_opened(const transport *t)
{
    return t->opened;
}

static void curl_destroy(transport *t)
{
    if (!t)
        return;
    if (t->slots)
        for (size_t i = 0; i < t->cfg.nslots; i++)
            if (t->slots[i].easy && t->slots[i].busy && t->slots[i].g->multi)
                curl_multi_remove_handle(t->slots[i].g->multi, t->slots[i].easy);
    for (size_t gi = 0; t->groups && gi < t->ngroups; gi++) {
        if (t->groups[gi].multi)
            curl_multi_cleanup(t->groups[gi].multi);
        ev_timer_stop(t->cfg.loop, &t->groups[gi].timer);
    }
    if (t->slots)
        for (size_t i = 0; i < t->cfg.nslots; i++)
            if (t->slots[i].easy)
                curl_easy_cleanup(t->slots[i].easy);
    if (t->slots)
        for (size_t i = 0; i < t->cfg.nslots; i++)
            free(t->slots[i].body);
    for (size_t i = 0; i < t->nall; i++) {
        ev_io_stop(t->cfg.loop, &t->all_socks[i]->io);
        free(t->all_socks[i]);
    }
    free(t->all_socks);
    curl_slist_free_all(t->resolve);
    free(t->groups);
    free(t->slots);
    free(t);
}

const transport_ops transport_curl = {
    .name = "curl",
    .supports = curl_supports,
    .global_init = curl_global,
    .create = curl_create,
    .send = curl_send,
    .cancel = curl_cancel,
    .connections_opened = curl_opened,
    .destroy = curl_destroy,
};
