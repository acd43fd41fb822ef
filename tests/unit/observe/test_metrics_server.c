/* test_metrics_server.c: crest's live metrics (observe/metrics_server.h)
 * are well-formed exposition text (read back by crest's own strict
 * parser) whose counters, in-flight gauge and latency buckets match the
 * run_result they were rendered from; the server answers GET /metrics
 * with the last published text and 404 elsewhere. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "observe/exposition.h"
#include "observe/metrics_server.h"

static double value_of(const expo_doc *d, const char *name, const char *sub, const char *k,
                       const char *v)
{
    for (size_t i = 0; i < d->nsamples; i++) {
        const expo_sample *s = &d->samples[i];
        const char *ss = expo_label_value(d, s, "subsystem");
        if (strcmp(s->name, name) == 0 && ss && strcmp(ss, sub) == 0 &&
            (!k || (expo_label_value(d, s, k) && strcmp(expo_label_value(d, s, k), v) == 0)))
            return s->value;
    }
    return NAN;
}

static void test_render_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"cart"};
    run_result r;
    assert_int_equal(run_result_init(&r, 1, names), 0);
    tag_stats *t[2] = {&r.total, &r.tags[0]};
    for (int i = 0; i < 2; i++) {
        t[i]->c.scheduled = 10;
        t[i]->c.sent = 9;
        t[i]->c.completed = 7;
        t[i]->c.ok = 5;
        t[i]->c.errors = 2;
        t[i]->c.net[NETERR_TIMEOUT] = 1;
        hist_record_n(t[i]->h.latency, 3000, 4);      /* 3 ms */
        hist_record_n(t[i]->h.latency, 300000, 2);    /* 300 ms */
    }
    char *text = metrics_render(&r, 1500, -1);
    assert_non_null(text);
    expo_doc d;
    char err[200];
    if (expo_parse(text, strlen(text), &d, err, sizeof err) != 0)
        fail_msg("%s\n%s", err, text);
    assert_true(value_of(&d, "crest_requests_offered_total", "cart", NULL, NULL) == 10);
    assert_true(value_of(&d, "crest_requests_completed_total", "all", NULL, NULL) == 7);
    assert_true(value_of(&d, "crest_requests_in_flight", "cart", NULL, NULL) == 2);
    assert_true(value_of(&d, "crest_request_errors_total", "cart", "kind", "timeout") == 1);
    assert_true(value_of(&d, "crest_request_errors_total", "cart", "kind", "http") == 1);
    assert_true(value_of(&d, "crest_request_duration_seconds_bucket", "cart", "le", "0.005") == 4);
    assert_true(value_of(&d, "crest_request_duration_seconds_bucket", "cart", "le", "0.25") == 4);
    assert_true(value_of(&d, "crest_request_duration_seconds_bucket", "cart", "le", "0.5") == 6);
    assert_true(value_of(&d, "crest_request_duration_seconds_count", "all", NULL, NULL) == 6);
    int lag_found = 0;
    for (size_t i = 0; i < d.nsamples; i++)
        if (strcmp(d.samples[i].name, "crest_loop_lag_seconds") == 0)
            lag_found = fabs(d.samples[i].value - 0.0015) < 1e-9;
    assert_true(lag_found);
    expo_doc_free(&d);
    free(text);
    run_result_free(&r);
}

static char *http_get(int port, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[128];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    assert_int_equal(write(fd, req, (size_t)n), n);
    static char buf[65536];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    close(fd);
    return buf;
}

static void test_serving(void **state)
{
    (void)state;
    metrics_server *m = metrics_server_start("127.0.0.1:0");
    assert_non_null(m);
    int port = metrics_server_port(m);
    assert_true(port > 0);
    metrics_server_publish(m, strdup("x_total 1\n"));
    const char *got = http_get(port, "/metrics");
    assert_non_null(strstr(got, "HTTP/1.1 200 OK"));
    assert_non_null(strstr(got, "text/plain; version=0.0.4"));
    assert_non_null(strstr(got, "\r\n\r\nx_total 1\n"));
    metrics_server_publish(m, strdup("x_total 2\n"));
    assert_non_null(strstr(http_get(port, "/metrics"), "x_total 2"));
    assert_non_null(strstr(http_get(port, "/other"), "404"));
    metrics_server_stop(m);
    assert_null(metrics_server_start("127.0.0.1"));   /* no port: refused */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_round_trip),
        cmocka_unit_test(test_serving),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
