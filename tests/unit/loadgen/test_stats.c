/* test_stats.c: run results (loadgen/stats.c): status classes, rates, the
 * exact merge of per-thread results, the per-second store the engine's
 * threads flush into (engine_seconds.c), and a results.json round trip
 * (results.c) that keeps counters, histograms and the series exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/engine_seconds.h"
#include "loadgen/loadplan.h"
#include "loadgen/results.h"
#include "loadgen/stats.h"

static const char *names[] = {"cart", "order"};

static void test_status_classes(void **state)
{
    (void)state;
    static const struct {
        long status;
        enum status_class c;
    } cases[] = {{200, STATUS_2XX}, {204, STATUS_2XX}, {301, STATUS_3XX}, {404, STATUS_4XX},
                 {429, STATUS_429}, {499, STATUS_4XX}, {500, STATUS_5XX}, {503, STATUS_5XX},
                 {0, STATUS_OTHER}, {101, STATUS_OTHER}, {600, STATUS_OTHER}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(status_class_of(cases[i].status), cases[i].c);
    assert_string_equal(status_class_names[STATUS_429], "429");
    assert_string_equal(net_error_names[NETERR_TIMEOUT], "timeout");
}

static void test_rates(void **state)
{
    (void)state;
    counters c = {0};
    assert_true(counters_error_rate(&c) == 0);
    c.ok = 90;
    c.shed = 5;
    c.errors = 5;
    c.dropped = 100;   /* never sent: not part of the rate */
    assert_true(counters_error_rate(&c) == 0.05);
    assert_true(counters_shed_rate(&c) == 0.05);
}

/* Fills a thread-like result: N requests of tag TAG with latencies
 * BASE..BASE+N-1 ms, every fifth an error, every seventh shed. */
static void fill(run_result *r, size_t tag, int n, int base)
{
    for (int i = 0; i < n; i++) {
        tag_stats *ts[2] = {&r->total, &r->tags[tag]};
        for (int k = 0; k < 2; k++) {
            counters *c = &ts[k]->c;
            c->scheduled++;
            c->sent++;
            c->completed++;
            if (i % 5 == 0) {
                c->errors++;
                c->net_errors++;
                c->net[NETERR_RESET]++;
            } else if (i % 7 == 0) {
                c->shed++;
                c->status[STATUS_429]++;
            } else {
                c->ok++;
                c->status[STATUS_2XX]++;
            }
            hist_record(ts[k]->h.latency, (base + i) * 1000);
        }
    }
}

static int balanced(const counters *c)
{
    return c->scheduled == c->ok + c->shed + c->errors + c->dropped + c->cancelled &&
           c->errors == c->http_errors + c->net_errors;
}

static void test_merge_is_exact(void **state)
{
    (void)state;
    run_result a, b, all, merged;
    assert_int_equal(run_result_init(&a, 2, names), 0);
    assert_int_equal(run_result_init(&b, 2, names), 0);
    assert_int_equal(run_result_init(&all, 2, names), 0);
    assert_int_equal(run_result_init(&merged, 2, names), 0);
    fill(&a, 0, 300, 1);
    fill(&b, 1, 200, 500);
    fill(&b, 0, 100, 2000);
    fill(&all, 0, 300, 1);
    fill(&all, 1, 200, 500);
    fill(&all, 0, 100, 2000);
    a.generator.threads = 1;
    b.generator.threads = 1;
    b.generator.limited = 1;
    snprintf(b.generator.reason, sizeof b.generator.reason, "busy");
    run_result_merge(&merged, &a);
    run_result_merge(&merged, &b);
    assert_memory_equal(&merged.total.c, &all.total.c, sizeof(counters));
    for (size_t t = 0; t < 2; t++) {
        assert_memory_equal(&merged.tags[t].c, &all.tags[t].c, sizeof(counters));
        assert_true(balanced(&merged.tags[t].c));
    }
    assert_true(balanced(&merged.total.c));
    const double ps[] = {1, 50, 90, 99, 99.9, 100};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        assert_int_equal(hist_percentile(merged.total.h.latency, ps[i]),
                         hist_percentile(all.total.h.latency, ps[i]));
    assert_int_equal(hist_count(merged.tags[0].h.latency), 400);
    assert_int_equal(merged.generator.threads, 2);
    assert_int_equal(merged.generator.limited, 1);
    assert_string_equal(merged.generator.reason, "busy");
    run_result_free(&a);
    run_result_free(&b);
    run_result_free(&all);
    run_result_free(&merged);
}

/* Two "threads" flush seconds into the store: a second is final only when
 * both have moved past it, and its percentiles cover both. */
static void test_second_store(void **state)
{
    (void)state;
    loadplan *p = loadplan_new("test");
    loadplan_add_subsystem(p, "cart");
    loadplan_add_subsystem(p, "order");
    loadplan_phase *ph = loadplan_add_phase(p, "ramp", 4);
    ph->rate.shape = SHAPE_RAMP;
    ph->rate.from = 0;
    ph->rate.to = 400;
    second_store s;
    assert_int_equal(second_store_init(&s, p, 0, 4, 2), 0);
    interval a, b;
    assert_int_equal(interval_init(&a, 2), 0);
    assert_int_equal(interval_init(&b, 2), 0);

    a.sec = 0;
    a.total.completed = a.tags[0].completed = 10;
    for (int i = 1; i <= 10; i++) {
        hist_record(a.lat_total, i * 1000);
        hist_record(a.lat_tags[0], i * 1000);
    }
    second_store_flush(&s, 0, &a, 1);
    assert_int_equal(s.nfinal, 0);           /* thread 1 has not flushed second 0 */
    b.sec = 0;
    b.total.completed = b.tags[1].completed = 90;
    for (int i = 11; i <= 100; i++) {
        hist_record(b.lat_total, i * 1000);
        hist_record(b.lat_tags[1], i * 1000);
    }
    second_store_flush(&s, 1, &b, 2);        /* also says second 1 was empty for it */
    assert_int_equal(s.nfinal, 1);
    assert_int_equal(s.seconds[0].completed, 100);
    assert_int_equal(s.tag_seconds[0][0].completed, 10);
    assert_int_equal(s.tag_seconds[1][0].completed, 90);
    assert_true(s.seconds[0].p99_ms > 98.9 && s.seconds[0].p99_ms < 99.2);
    assert_true(s.tag_seconds[0][0].max_ms > 9.9 && s.tag_seconds[0][0].max_ms < 10.1);
    assert_true(s.seconds[0].target_rate > 49.9 && s.seconds[0].target_rate < 50.1);
    assert_int_equal(s.live.total.c.completed, 100);
    assert_int_equal(hist_count(s.live.total.h.latency), 100);

    interval_clear(&a);
    a.sec = 1;
    a.total.completed = 5;
    second_store_flush(&s, 0, &a, 4);        /* thread 0 finished */
    assert_int_equal(s.nfinal, 2);
    interval_clear(&b);
    b.sec = 3;
    b.total.completed = 7;
    second_store_flush(&s, 1, &b, 4);
    assert_int_equal(s.nfinal, 4);
    assert_int_equal(s.seconds[1].completed, 5);
    assert_int_equal(s.seconds[2].completed, 0);
    assert_int_equal(s.seconds[3].completed, 7);
    assert_int_equal(s.live.total.c.completed, 112);
    interval_free(&a);
    interval_free(&b);
    second_store_free(&s);
    loadplan_free(p);
}

static void test_results_round_trip(void **state)
{
    (void)state;
    run_result r, back;
    assert_int_equal(run_result_init(&r, 2, names), 0);
    fill(&r, 0, 300, 1);
    fill(&r, 1, 50, 3000);
    r.total.c.scheduled += 2;
    r.total.c.cancelled += 2;
    r.tags[1].c.scheduled += 2;
    r.tags[1].c.cancelled += 2;
    hist_record(r.total.h.service, 1234);
    r.duration_s = 2;
    r.interrupted = 1;
    snprintf(r.aborted, sizeof r.aborted, "errors>5%% (value 0.2)");
    snprintf(r.target, sizeof r.target, "http://127.0.0.1:1");
    r.generator.limited = 1;
    snprintf(r.generator.reason, sizeof r.generator.reason, "loop lag");
    r.generator.threads = 2;
    r.generator.connections_opened = 64;
    hist *hs = hist_new();
    for (int i = 1; i <= 100; i++)
        hist_record(hs, i * 100);   /* 0.1 .. 10 ms */
    generator_set_tls(&r.generator, hs, 60);
    hist_free(hs);
    r.nseconds = 2;
    r.seconds = calloc(2, sizeof *r.seconds);
    r.tag_seconds = calloc(2, sizeof *r.tag_seconds);
    for (size_t t = 0; t < 2; t++)
        r.tag_seconds[t] = calloc(2, sizeof **r.tag_seconds);
    r.seconds[1].offered = 175;
    r.seconds[1].p99_ms = 12.5;
    r.seconds[1].net[NETERR_RESET] = 3;
    r.tag_seconds[1][1].ok = 42;

    char path[] = "/tmp/crest-results-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    threshold_result th = {.value = 1.5, .pass = 0};
    snprintf(th.t.expr, sizeof th.t.expr, "p99<1ms");
    results_meta m = {.command = "crest run test", .connections = 64, .timeout_s = 5,
                      .thresholds = &th, .nthresholds = 1};
    assert_int_equal(results_write(path, &r, &m), 0);
    assert_int_equal(results_read(path, &back), 0);
    unlink(path);

    assert_memory_equal(&back.total.c, &r.total.c, sizeof(counters));
    assert_int_equal(back.ntags, 2);
    assert_string_equal(back.tags[1].name, "order");
    assert_memory_equal(&back.tags[1].c, &r.tags[1].c, sizeof(counters));
    assert_true(balanced(&back.tags[1].c));
    assert_int_equal(hist_count(back.total.h.latency), 350);
    assert_int_equal(hist_percentile(back.total.h.latency, 99),
                     hist_percentile(r.total.h.latency, 99));
    assert_int_equal(hist_count(back.total.h.service), 1);
    assert_true(back.duration_s == 2);
    assert_int_equal(back.interrupted, 1);
    assert_string_equal(back.aborted, r.aborted);
    assert_int_equal(back.generator.limited, 1);
    assert_string_equal(back.generator.reason, "loop lag");
    assert_int_equal(back.generator.connections_opened, 64);
    assert_int_equal(back.generator.tls_handshakes, 100);
    assert_int_equal(back.generator.tls_resumed, 60);
    assert_true(back.generator.tls_handshake_p50_ms > 4.9 && back.generator.tls_handshake_p50_ms < 5.1);
    assert_true(back.generator.tls_handshake_max_ms > 9.9 && back.generator.tls_handshake_max_ms < 10.1);
    assert_true(back.generator.tls_handshake_p99_ms <= back.generator.tls_handshake_max_ms);
    assert_int_equal(back.nseconds, 2);
    assert_int_equal(back.seconds[1].offered, 175);
    assert_true(back.seconds[1].p99_ms == 12.5);
    assert_int_equal(back.seconds[1].net[NETERR_RESET], 3);
    assert_int_equal(back.tag_seconds[1][1].ok, 42);
    run_result_free(&back);
    run_result_free(&r);
}

static void test_read_rejects_other_files(void **state)
{
    (void)state;
    char path[] = "/tmp/crest-results-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "{\"schema\": \"crest.plan/1\"}";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    run_result r;
    assert_int_equal(results_read(path, &r), -1);
    unlink(path);
}

/* The generator-limited rule: loop lag over its bound, a thread more than
 * 95% busy, or drops at --max-in-flight; each cause named. */
static void test_generator_judge(void **state)
{
    (void)state;
    generator_health g = {.loop_lag_p99_ms = 1, .cpu_busiest_thread = 0.95};
    generator_judge(&g, 5, 0);
    assert_false(g.limited);
    assert_string_equal(g.reason, "");
    g.cpu_busiest_thread = 0.951;
    generator_judge(&g, 5, 0);
    assert_true(g.limited);
    assert_string_equal(g.reason, "a generator thread was 95% busy");
    g.cpu_busiest_thread = 0.99;
    g.loop_lag_p99_ms = 7.5;
    generator_judge(&g, 5, 3);
    assert_true(g.limited);
    assert_string_equal(g.reason, "loop lag p99 7.50 ms > bound 5.00 ms; a generator thread was "
                                  "99% busy; 3 requests dropped at --max-in-flight");
    g.cpu_busiest_thread = 0.5;
    g.loop_lag_p99_ms = 5;
    generator_judge(&g, 5, 0);
    assert_false(g.limited);
    assert_string_equal(g.reason, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_merge_is_exact),
        cmocka_unit_test(test_second_store),
        cmocka_unit_test(test_results_round_trip),
        cmocka_unit_test(test_read_rejects_other_files),
        cmocka_unit_test(test_generator_judge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
