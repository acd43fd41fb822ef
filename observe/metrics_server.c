/* metrics_server.c: see metrics_server.h. The server is deliberately
 * small: one thread, poll() on the listening socket and a wake pipe, one
 * request per connection (Connection: close), the request read up to its
 * blank line (capped at 8 KiB, 2 s), the published text written whole.
 * Prometheus scrapes once per interval, so nothing here needs to be fast;
 * it only must never block the run, which it cannot: the run only swaps a
 * pointer under the mutex. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "common/hist.h"
#include "common/strbuf.h"
#include "observe/metrics_server.h"

/* ---- rendering ---------------------------------------------------------- */

/* Latency histogram buckets, seconds (Prometheus' convention). */
static const double le_s[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                              0.25,  0.5,    1,     2.5,  5,    10};
#define NLE (sizeof le_s / sizeof le_s[0])

static void counter_family(strbuf *b, const char *name, const char *help)
{
    strbuf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

typedef struct view {
    const char *name;        /* subsystem label value */
    const tag_stats *t;
} view;

static void render_counters(strbuf *b, const view *v, size_t n)
{
    static const struct {
        const char *name, *help;
        size_t off;
    } cs[] = {
        {"crest_requests_offered_total", "Requests the plan scheduled (measured window).",
         offsetof(counters, scheduled)},
        {"crest_requests_sent_total", "Requests handed to the transport.", offsetof(counters, sent)},
        {"crest_requests_completed_total", "Requests finished (ok, shed or error).",
         offsetof(counters, completed)},
        {"crest_requests_ok_total", "Requests answered 2xx/3xx, not shed.", offsetof(counters, ok)},
        {"crest_requests_shed_total", "Requests the target shed (429 or degraded).",
         offsetof(counters, shed)},
        {"crest_requests_dropped_total", "Requests scheduled but never sent.",
         offsetof(counters, dropped)},
    };
    for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
        counter_family(b, cs[c].name, cs[c].help);
        for (size_t i = 0; i < n; i++)
            strbuf_printf(b, "%s{subsystem=\"%s\"} %llu\n", cs[c].name, v[i].name,
                (unsigned long long)*(const uint64_t *)((const char *)&v[i].t->c + cs[c].off));
    }
    counter_family(b, "crest_request_errors_total", "Failed requests by kind (network kinds, http).");
    for (size_t i = 0; i < n; i++) {
        const counters *c = &v[i].t->c;
        for (int k = 0; k < NETERR_KINDS; k++)
            strbuf_printf(b, "crest_request_errors_total{subsystem=\"%s\",kind=\"%s\"} %llu\n", v[i].name,
                net_error_names[k], (unsigned long long)c->net[k]);
        uint64_t net = 0;
        for (int k = 0; k < NETERR_KINDS; k++)
            net += c->net[k];
        strbuf_printf(b, "crest_request_errors_total{subsystem=\"%s\",kind=\"http\"} %llu\n", v[i].name,
            (unsigned long long)(c->errors > net ? c->errors - net : 0));
    }
    counter_family(b, "crest_responses_total", "HTTP answers by status class.");
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < STATUS_CLASSES; k++)
            strbuf_printf(b, "crest_responses_total{subsystem=\"%s\",class=\"%s\"} %llu\n", v[i].name,
                status_class_names[k], (unsigned long long)v[i].t->c.status[k]);
    strbuf_printf(b, "# HELP crest_requests_in_flight Requests sent and not finished.\n"
           "# TYPE crest_requests_in_flight gauge\n");
    for (size_t i = 0; i < n; i++) {
        const counters *c = &v[i].t->c;
        strbuf_printf(b, "crest_requests_in_flight{subsystem=\"%s\"} %llu\n", v[i].name,
            (unsigned long long)(c->sent > c->completed ? c->sent - c->completed : 0));
    }
}

static void render_latency(strbuf *b, const view *v, size_t n)
{
    strbuf_printf(b, "# HELP crest_request_duration_seconds Latency from the intended send time.\n"
           "# TYPE crest_request_duration_seconds histogram\n");
    for (size_t i = 0; i < n; i++) {
        const hist *h = v[i].t->h.latency;
        uint64_t below[NLE] = {0};
        size_t cur = 0;
        int64_t lo, hi;
        uint64_t cnt;
        while (hist_next_bucket(h, &cur, &lo, &hi, &cnt))
            for (size_t k = 0; k < NLE; k++)
                if ((double)hi <= le_s[k] * 1e6)
                    below[k] += cnt;
        for (size_t k = 0; k < NLE; k++)
            strbuf_printf(b, "crest_request_duration_seconds_bucket{subsystem=\"%s\",le=\"%g\"} %llu\n",
                v[i].name, le_s[k], (unsigned long long)below[k]);
        uint64_t total = hist_count(h);
        strbuf_printf(b, "crest_request_duration_seconds_bucket{subsystem=\"%s\",le=\"+Inf\"} %llu\n",
            v[i].name, (unsigned long long)total);
        strbuf_printf(b, "crest_request_duration_seconds_sum{subsystem=\"%s\"} %.6f\n", v[i].name,
            hist_mean(h) * (double)total / 1e6);
        strbuf_printf(b, "crest_request_duration_seconds_count{subsystem=\"%s\"} %llu\n", v[i].name,
            (unsigned long long)total);
    }
}

char *metrics_render(const run_result *r, int64_t loop_lag_us, double rate)
{
    view *v = calloc(r->ntags + 1, sizeof *v);
    if (!v)
        return NULL;
    strbuf b;
    strbuf_init(&b, 16384);
    v[0] = (view){"all", &r->total};
    for (size_t i = 0; i < r->ntags; i++)
        v[i + 1] = (view){r->tags[i].name, &r->tags[i]};
    render_counters(&b, v, r->ntags + 1);
    render_latency(&b, v, r->ntags + 1);
    strbuf_printf(&b, "# HELP crest_loop_lag_seconds Largest scheduling lag of the generator in the last "
            "second.\n# TYPE crest_loop_lag_seconds gauge\ncrest_loop_lag_seconds %.6f\n",
        (double)loop_lag_us / 1e6);
    if (rate >= 0)
        strbuf_printf(&b, "# HELP crest_target_rate Requests per second the plan asks for now.\n"
                "# TYPE crest_target_rate gauge\ncrest_target_rate %g\n", rate);
    free(v);
    return strbuf_take(&b);
}

/* ---- serving ------------------------------------------------------------ */

struct metrics_server {
    int fd, port;
    int wake[2];
    pthread_t thread;
    pthread_mutex_t mu;
    char *text;
};

static int split_listen(const char *addr, char *host, size_t hl, char *port, size_t pl)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        (size_t)(colon - addr) >= hl || strlen(colon + 1) >= pl)
        return -1;
    snprintf(host, hl, "%.*s", (int)(colon - addr), addr);
    if (host[0] == '[') {   /* [::1]:9464 */
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return -1;
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    snprintf(port, pl, "%s", colon + 1);
    return 0;
}

static int open_listener(const char *addr, int *bound_port)
{
    char host[256], port[16];
    if (split_listen(addr, host, sizeof host, port, sizeof port) != 0) {
        crest_error("--metrics-listen '%s': expected ADDR:PORT (e.g. 127.0.0.1:9464 or :9464)",
                    addr);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE}, *ai;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (rc != 0) {
        crest_error("--metrics-listen '%s': %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        crest_error("--metrics-listen '%s': cannot listen: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    char ps[16];
    getnameinfo((struct sockaddr *)&ss, sl, NULL, 0, ps, sizeof ps, NI_NUMERICSERV);
    *bound_port = (int)strtol(ps, NULL, 10);
    return fd;
}

/* Reads the request head (up to its blank line) and answers it. */
static void serve_one(metrics_server *m, int c)
{
    char req[8192];
    size_t n = 0;
    struct pollfd p = {c, POLLIN, 0};
    while (n < sizeof req - 1 && poll(&p, 1, 2000) == 1) {
        ssize_t r = read(c, req + n, sizeof req - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[n] = '\0';
    const char *status = "200 OK", *body;
    pthread_mutex_lock(&m->mu);
    char *text = m->text ? strdup(m->text) : strdup("");
    pthread_mutex_unlock(&m->mu);
    body = text ? text : "";
    if (strncmp(req, "GET ", 4) != 0 && strncmp(req, "HEAD ", 5) != 0) {
        status = "405 Method Not Allowed";
        body = "only GET\n";
    } else if (strncmp(req + (req[0] == 'G' ? 4 : 5), "/metrics", 8) != 0) {
        status = "404 Not Found";
        body = "crest serves /metrics\n";
    }
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, strlen(body));
    int head_only = strncmp(req, "HEAD ", 5) == 0;
    if (write(c, head, (size_t)hl) == hl && !head_only) {
        size_t left = strlen(body);
        while (left) {
            ssize_t w = write(c, body, left);
            if (w <= 0)
                break;
            body += w;
            left -= (size_t)w;
        }
    }
    free(text);
}

static void *server_main(void *arg)
{
    metrics_server *m = arg;
    for (;;) {
        struct pollfd p[2] = {{m->fd, POLLIN, 0}, {m->wake[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        serve_one(m, c);
        close(c);
    }
    return NULL;
}

metrics_server *metrics_server_start(const char *listen_addr)
{
    metrics_server *m = calloc(1, sizeof *m);
    if (!m) {
        crest_error("out of memory");
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN);   /* a scraper hanging up must not kill the run */
    if ((m->fd = open_listener(listen_addr, &m->port)) < 0) {
        free(m);
        return NULL;
    }
    if (pipe2(m->wake, O_CLOEXEC) != 0) {
        crest_error("--metrics-listen: pipe: %s", strerror(errno));
        close(m->fd);
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->mu, NULL);
    if (pthread_create(&m->thread, NULL, server_main, m) != 0) {
        crest_error("--metrics-listen: cannot start the thread: %s", strerror(errno));
        close(m->fd);
        close(m->wake[0]);
        close(m->wake[1]);
        pthread_mutex_destroy(&m->mu);
        free(m);
        return NULL;
    }
    return m;
}

int metrics_server_port(const metrics_server *m)
{
    return m->port;
}

void metrics_server_publish(metrics_server *m, char *text)
{
    if (!text)
        return;
    pthread_mutex_lock(&m->mu);
    char *old = m->text;
    m->text = text;
    pthread_mutex_unlock(&m->mu);
    free(old);
}

void metrics_server_stop(metrics_server *m)
{
    if (!m)
        return;
    if (write(m->wake[1], "x", 1) != 1)
        crest_warn("--metrics-listen: could not wake the server thread");
    pthread_join(m->thread, NULL);
    close(m->fd);
    close(m->wake[0]);
    close(m->wake[1]);
    pthread_mutex_destroy(&m->mu);
    free(m->text);
    free(m);
}
