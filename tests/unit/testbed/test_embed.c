/* test_embed.c: testbed_spawn/testbed_stop against the real crest
 * binary. This test binary is not crest, so /proc/self/exe would not do:
 * it points CREST_TESTBED_EXE at $CREST (tests/run.sh sets it), or at
 * bin/crest when run by hand from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testbed/embed.h"

static int use_crest(void)
{
    const char *crest = getenv("CREST");
    if (!crest || !*crest)
        crest = "bin/crest";
    if (access(crest, X_OK) != 0) {
        fprintf(stderr, "no crest binary at '%s'; set CREST\n", crest);
        return 0;
    }
    setenv("CREST_TESTBED_EXE", crest, 1);
    return 1;
}

/* One GET over a fresh connection; the response's first line into LINE. */
static int get_status_line(int port, const char *path, char *line, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     path);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    char buf[1024];
    size_t used = 0;
    ssize_t r;
    while (used < sizeof buf - 1 && (r = read(fd, buf + used, sizeof buf - 1 - used)) > 0)
        used += (size_t)r;
    close(fd);
    buf[used] = '\0';
    char *eol = strstr(buf, "\r\n");
    if (!eol)
        return -1;
    size_t n_line = (size_t)(eol - buf) < len - 1 ? (size_t)(eol - buf) : len - 1;
    memcpy(line, buf, n_line);
    line[n_line] = '\0';
    return 0;
}

static void test_spawn_serve_stop(void **state)
{
    (void)state;
    assert_true(use_crest());
    testbed_process tb;
    assert_int_equal(testbed_spawn(NULL, &tb), 0);
    assert_true(tb.pid > 0);
    assert_true(tb.port > 0);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%d", tb.port);
    assert_string_equal(tb.url, want);
    char line[128];
    assert_int_equal(get_status_line(tb.port, "/__ping", line, sizeof line), 0);
    assert_string_equal(line, "HTTP/1.1 200 OK");
    assert_int_equal(get_status_line(tb.port, "/cart/add", line, sizeof line), 0);
    assert_string_equal(line, "HTTP/1.1 200 OK");
    pid_t pid = tb.pid;
    testbed_stop(&tb);
    /* reaped: the pid is gone, and a second stop is harmless */
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
    testbed_stop(&tb);
    /* nothing listens any more */
    assert_int_not_equal(get_status_line(tb.port, "/__ping", line, sizeof line), 0);
}

static void test_spawn_with_bad_config_fails(void **state)
{
    (void)state;
    assert_true(use_crest());
    char path[] = "/tmp/crest-embed-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char bad[] = "{\"subsystems\": {\"cart\": {\"workers\": -1}}}";
    assert_int_equal(write(fd, bad, sizeof bad - 1), (ssize_t)(sizeof bad - 1));
    close(fd);
    testbed_process tb;
    assert_int_equal(testbed_spawn(path, &tb), -1);
    assert_true(tb.pid <= 0);
    testbed_stop(&tb);    /* nothing to stop */
    unlink(path);
}

static void test_spawn_with_config(void **state)
{
    (void)state;
    assert_true(use_crest());
    char path[] = "/tmp/crest-embed-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char cfg[] = "{\"subsystems\": {\"cart\": {\"queue_limit\": 0, \"workers\": 1}}}";
    assert_int_equal(write(fd, cfg, sizeof cfg - 1), (ssize_t)(sizeof cfg - 1));
    close(fd);
    testbed_process tb;
    assert_int_equal(testbed_spawn(path, &tb), 0);
    char line[128];
    assert_int_equal(get_status_line(tb.port, "/cart", line, sizeof line), 0);
    assert_string_equal(line, "HTTP/1.1 200 OK");
    testbed_stop(&tb);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_serve_stop),
        cmocka_unit_test(test_spawn_with_bad_config_fails),
        cmocka_unit_test(test_spawn_with_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
