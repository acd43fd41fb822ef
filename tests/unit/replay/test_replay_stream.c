/* test_replay_stream.c: the log as a stream of arrivals
 * (replay/replay_stream.h) and its rate tracking (replay_result.h):
 * one-second timestamps are spread over their second, lines written out of
 * order are put back in order, --scale 2 gives exactly twice each second's
 * lines inside that second, --scale 0.5 keeps about half, --speed divides
 * the offsets, --from/--to as times of day cut the window across midnight,
 * and the planned per-second counts map through --speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "replay/replay_result.h"
#include "replay/replay_stream.h"

static uint32_t tag_all(void *ctx, const char *m, const char *u, size_t n)
{
    (void)ctx;
    (void)u;
    (void)n;
    return strcmp(m, "POST") == 0 ? REPLAY_SKIP : 0;
}

static char *write_log(const char *text)
{
    char *path = strdup("/tmp/crest-test-log.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static replay_config config(const char *path, double speed, double scale)
{
    replay_config c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.speed = speed;
    c.scale = scale;
    c.seed = 3;
    c.tag = tag_all;
    return c;
}

/* Reads every arrival: times into AT (up to CAP), returns the count. */
static size_t drain(replay_stream *s, double *at, size_t cap)
{
    replay_arrival a;
    size_t n = 0;
    double last = -1;
    while (replay_stream_next(s, &a) == 1) {
        assert_true(a.at_s >= last);   /* in time order */
        last = a.at_s;
        if (n < cap)
            at[n] = a.at_s;
        n++;
        free(a.url);
    }
    return n;
}

static void test_one_second_lines_are_spread(void **state)
{
    (void)state;
    char *p = write_log("1000,GET,/a\n1000,GET,/b\n1000,POST,/c\n1000,GET,/d\n1001,GET,/e\n");
    replay_config c = config(p, 1, 1);
    replay_stream *s = replay_stream_open(&c);
    double at[8];
    assert_int_equal(drain(s, at, 8), 4);
    /* three GETs in second 0 at 1/6, 3/6, 5/6; the POST skipped (no body) */
    assert_true(at[0] > 0.16 && at[0] < 0.17);
    assert_true(at[1] > 0.49 && at[1] < 0.51);
    assert_true(at[2] > 0.83 && at[2] < 0.84);
    assert_true(at[3] > 1.49 && at[3] < 1.51);
    const replay_stats *st = replay_stream_stats(s);
    assert_int_equal(st->skipped_body, 1);
    assert_int_equal(st->recorded, 4);
    replay_stream_close(s);
    unlink(p);
    free(p);
}

static void test_out_of_order_and_scale(void **state)
{
    (void)state;
    char *p = write_log("1000.900,GET,/a\n1000.100,GET,/b\n1001.500,GET,/c\n1001.200,GET,/d\n"
                        "1001.300,GET,/e\n1003.000,GET,/f\n1000.050,GET,/late\n");
    replay_config c = config(p, 2, 2);
    replay_stream *s = replay_stream_open(&c);
    double at[32];
    size_t n = drain(s, at, 32);
    const replay_stats *st = replay_stream_stats(s);
    assert_int_equal(n, 14);                 /* 7 lines x 2 */
    assert_int_equal(st->extras, 7);
    assert_int_equal(st->late, 1);           /* 1000.05 after 1003: more than 2 s late */
    assert_int_equal(st->arrivals_per_s[0], 4);
    assert_int_equal(st->arrivals_per_s[1], 6);
    assert_int_equal(st->arrivals_per_s[2], 2);   /* the late line, at the second being read */
    assert_int_equal(st->arrivals_per_s[3], 2);   /* /f */
    assert_true(at[0] >= 0 && at[0] < 0.5);  /* speed 2: second 0 -> [0, 0.5) */
    replay_tracking t;
    assert_int_equal(replay_tracking_compute(st, 2, NULL, &t), 0);
    assert_int_equal(t.nplanned, 2);         /* recorded seconds 0-3 -> run seconds 0-1 */
    assert_true(t.planned[0] == 10 && t.planned[1] == 4);
    replay_tracking_free(&t);
    replay_stream_close(s);
    unlink(p);
    free(p);
}

static void test_thinning(void **state)
{
    (void)state;
    char *text = malloc(20000 * 24);
    size_t len = 0;
    for (int i = 0; i < 20000; i++)
        len += (size_t)sprintf(text + len, "%d.%03d,GET,/x\n", 2000 + i / 1000, i % 1000);
    char *p = write_log(text);
    free(text);
    replay_config c = config(p, 1, 0.5);
    replay_stream *s = replay_stream_open(&c);
    double at[1];
    size_t n = drain(s, at, 1);
    assert_true(n > 9700 && n < 10300);      /* binomial(20000, 0.5): sd 71 */
    assert_int_equal(replay_stream_stats(s)->thinned + n, 20000);
    replay_stream_close(s);
    unlink(p);
    free(p);
}

static void test_window_across_midnight(void **state)
{
    (void)state;
    /* 23:59:50 .. 00:00:09 +08:00, one line per second (ISO timestamps) */
    char text[4096];
    size_t len = 0;
    for (int i = 0; i < 20; i++) {
        int sec = 50 + i;
        if (sec < 60)
            len += (size_t)sprintf(text + len, "2026-11-10T23:59:%02d+08:00,GET,/x\n", sec);
        else
            len += (size_t)sprintf(text + len, "2026-11-11T00:00:%02d+08:00,GET,/x\n", sec - 60);
    }
    char *p = write_log(text);
    replay_config c = config(p, 1, 1);
    c.from = "23:59:55";
    c.to = "00:00:05";
    replay_stream *s = replay_stream_open(&c);
    double at[32];
    assert_int_equal(drain(s, at, 32), 10);
    const replay_stats *st = replay_stream_stats(s);
    assert_int_equal(st->skipped_window, 5);
    assert_true(at[0] > 0.4 && at[0] < 0.6);  /* offset 0 is --from */
    replay_stream_close(s);
    unlink(p);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_second_lines_are_spread),
        cmocka_unit_test(test_out_of_order_and_scale),
        cmocka_unit_test(test_thinning),
        cmocka_unit_test(test_window_across_midnight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
