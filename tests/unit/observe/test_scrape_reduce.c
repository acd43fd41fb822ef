/* test_scrape_reduce.c: from two scrapes to the values crest keeps
 * (observe/scrape_reduce.h): counter rates over the time between scrapes,
 * gauges with their *_limit siblings, CPU busy share from
 * node_cpu_seconds_total with CPUs folded, memory used, histogram
 * quantiles of the interval, and the family filter. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "observe/scrape_reduce.h"

static void snap(const char *text, uint64_t t_ns, const regex_t *re, scrape_snapshot *out)
{
    expo_doc d;
    char err[200];
    if (expo_parse(text, strlen(text), &d, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(scrape_snapshot_build(&d, re, t_ns, out), 0);
    expo_doc_free(&d);
}

static const scrape_value *find(const scrape_value *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

static const char *const node1 =
    "# TYPE node_cpu_seconds_total counter\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 100\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 10\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 100\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 10\n"
    "# TYPE node_memory_MemAvailable_bytes gauge\nnode_memory_MemAvailable_bytes 750\n"
    "# TYPE node_memory_MemTotal_bytes gauge\nnode_memory_MemTotal_bytes 1000\n"
    "# TYPE busy gauge\nbusy{pool=\"a\"} 3\nbusy_limit{pool=\"a\"} 4\n"
    "# TYPE reqs_total counter\nreqs_total 1000\n";
/* 2 s later: cpu0 0.5 s idle + 1.5 s user, cpu1 2 s idle: 1.5 / 4 busy */
static const char *const node2 =
    "# TYPE node_cpu_seconds_total counter\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 100.5\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 11.5\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 102\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 10\n"
    "# TYPE node_memory_MemAvailable_bytes gauge\nnode_memory_MemAvailable_bytes 250\n"
    "# TYPE node_memory_MemTotal_bytes gauge\nnode_memory_MemTotal_bytes 1000\n"
    "# TYPE busy gauge\nbusy{pool=\"a\"} 2\nbusy_limit{pool=\"a\"} 4\n"
    "# TYPE reqs_total counter\nreqs_total 1300\n";

static void test_rates_gauges_cpu_memory(void **state)
{
    (void)state;
    scrape_snapshot a, b;
    snap(node1, 1000000000ull, NULL, &a);
    snap(node2, 3000000000ull, NULL, &b);
    scrape_value v[64];
    size_t n = scrape_derive(NULL, &a, v, 64);
    assert_null(find(v, n, "reqs_total"));   /* a rate needs two scrapes */
    assert_null(find(v, n, "cpu_busy_pct"));
    n = scrape_derive(&a, &b, v, 64);
    const scrape_value *x = find(v, n, "reqs_total");
    assert_non_null(x);
    assert_int_equal(x->kind, SCRAPE_RATE);
    assert_true(fabs(x->value - 150) < 1e-9);            /* 300 in 2 s */
    x = find(v, n, "cpu_busy_pct");
    assert_non_null(x);
    assert_true(fabs(x->value - 37.5) < 1e-9);           /* 1.5 of 4 CPU-seconds */
    assert_true(x->limit == 100);
    assert_null(find(v, n, "node_cpu_seconds_total{mode=\"idle\"}"));
    x = find(v, n, "memory_used_pct");
    assert_non_null(x);
    assert_true(fabs(x->value - 75) < 1e-9);
    assert_null(find(v, n, "node_memory_MemTotal_bytes"));
    x = find(v, n, "busy{pool=\"a\"}");
    assert_non_null(x);
    assert_true(x->value == 2 && x->limit == 4);
    assert_null(find(v, n, "busy_limit{pool=\"a\"}"));   /* shown as the limit, not a series */
    char text[200];
    scrape_describe_use("cpu_busy_pct", 97.4, 100, text, sizeof text);
    assert_string_equal(text, "CPU 97% busy");
    scrape_snapshot_free(&a);
    scrape_snapshot_free(&b);
}

static void test_counter_reset_gives_nothing(void **state)
{
    (void)state;
    scrape_snapshot a, b;
    snap("# TYPE c_total counter\nc_total 50\n", 0, NULL, &a);
    snap("# TYPE c_total counter\nc_total 5\n", 1000000000ull, NULL, &b);
    scrape_value v[8];
    assert_int_equal(scrape_derive(&a, &b, v, 8), 0);
    scrape_snapshot_free(&a);
    scrape_snapshot_free(&b);
}

static void test_histogram_quantiles(void **state)
{
    (void)state;
    scrape_snapshot a, b;
    snap("# TYPE lat histogram\nlat_bucket{le=\"0.1\"} 0\nlat_bucket{le=\"0.2\"} 0\n"
         "lat_bucket{le=\"+Inf\"} 0\nlat_count 0\nlat_sum 0\n", 0, NULL, &a);
    /* 100 new observations: 50 <= 0.1, 40 in (0.1, 0.2], 10 above */
    snap("# TYPE lat histogram\nlat_bucket{le=\"0.1\"} 50\nlat_bucket{le=\"0.2\"} 90\n"
         "lat_bucket{le=\"+Inf\"} 100\nlat_count 100\nlat_sum 12\n", 1000000000ull, NULL, &b);
    scrape_value v[16];
    size_t n = scrape_derive(&a, &b, v, 16);
    const scrape_value *p50 = find(v, n, "lat p50"), *p90 = find(v, n, "lat p90"),
                       *p99 = find(v, n, "lat p99"), *count = find(v, n, "lat_count");
    assert_non_null(p50);
    assert_true(fabs(p50->value - 0.1) < 1e-9);          /* rank 50: top of the first bucket */
    assert_true(fabs(p90->value - 0.2) < 1e-9);
    assert_true(fabs(p99->value - 0.2) < 1e-9);          /* in +Inf: the highest finite bound */
    assert_true(fabs(count->value - 100) < 1e-9);        /* observations per second */
    assert_null(find(v, n, "lat_sum"));
    scrape_snapshot_free(&a);
    scrape_snapshot_free(&b);
}

static void test_filter_and_folding(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re, "^net_bytes_total$", REG_EXTENDED | REG_NOSUB), 0);
    scrape_snapshot a;
    snap("# TYPE net_bytes_total counter\nnet_bytes_total{device=\"lo\"} 10\n"
         "net_bytes_total{device=\"eth0\"} 5\n# TYPE other gauge\nother 1\n", 0, &re, &a);
    assert_int_equal(a.n, 1);                             /* devices summed, other filtered */
    assert_string_equal(a.items[0].key, "net_bytes_total");
    assert_true(a.items[0].value == 15);
    scrape_snapshot_free(&a);
    regfree(&re);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates_gauges_cpu_memory),
        cmocka_unit_test(test_counter_reset_gives_nothing),
        cmocka_unit_test(test_histogram_quantiles),
        cmocka_unit_test(test_filter_and_folding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
