/* test_feeder.c: each feeder mode (sequential order, random coverage,
 * unique exhaustion reported, also under concurrent threads), bad files,
 * and loadplan_render's use of feeders: one row per request, -2 when a unique
 * feeder runs out. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/unit_tmpdir.h"
#include "loadgen/feeder.h"
#include "loadgen/loadplan.h"
#include "loadgen/template.h"

static const char *rows_csv(int n)
{
    static char text[65536];
    size_t used = (size_t)snprintf(text, sizeof text, "id,token\n");
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "r%d,t%d\n", i, i);
    return text;
}

static void test_modes_parse(void **state)
{
    (void)state;
    enum feeder_mode m;
    assert_int_equal(feeder_mode_parse("unique", &m), 0);
    assert_int_equal(m, FEEDER_UNIQUE);
    assert_int_equal(feeder_mode_parse("random", &m), 0);
    assert_int_equal(m, FEEDER_RANDOM);
    assert_int_equal(feeder_mode_parse("sequential", &m), 0);
    assert_int_equal(m, FEEDER_SEQUENTIAL);
    assert_int_equal(feeder_mode_parse("shuffle", &m), -1);
    assert_string_equal(feeder_mode_name(FEEDER_UNIQUE), "unique");
}

static void test_sequential_order(void **state)
{
    (void)state;
    feeder *f = feeder_load("u", tmpdir_file("seq.csv", rows_csv(5)), FEEDER_SEQUENTIAL);
    assert_non_null(f);
    assert_int_equal(feeder_rows(f), 5);
    assert_int_equal(feeder_column(f, "token"), 1);
    assert_int_equal(feeder_column(f, "nope"), -1);
    rng r;
    rng_seed(&r, 1);
    for (int i = 0; i < 12; i++) { /* wraps around, in file order */
        long row = feeder_pick(f, &r);
        assert_int_equal(row, i % 5);
        char want[8];
        snprintf(want, sizeof want, "r%d", i % 5);
        size_t len;
        assert_string_equal(feeder_cell(f, row, 0, &len), want);
        assert_int_equal(len, strlen(want));
    }
    assert_false(feeder_exhausted(f));
    assert_int_equal(feeder_picks(f), 12);
    feeder_free(f);
}

static void test_random_coverage(void **state)
{
    (void)state;
    feeder *f = feeder_load("u", tmpdir_file("rnd.csv", rows_csv(10)), FEEDER_RANDOM);
    assert_non_null(f);
    rng r;
    rng_seed(&r, 42);
    int count[10] = {0};
    int in_order = 1;
    for (int i = 0; i < 10000; i++) {
        long row = feeder_pick(f, &r);
        assert_true(row >= 0 && row < 10);
        count[row]++;
        in_order &= row == i % 10;
    }
    assert_false(in_order);
    for (int i = 0; i < 10; i++) /* 1000 each; sigma 30: 4 sigma = 120 */
        assert_true(count[i] > 880 && count[i] < 1120);
    feeder_free(f);
}

static void test_unique_exhaustion(void **state)
{
    (void)state;
    feeder *f = feeder_load("u", tmpdir_file("uniq.csv", rows_csv(50)), FEEDER_UNIQUE);
    assert_non_null(f);
    rng r;
    rng_seed(&r, 1);
    int seen[50] = {0};
    for (int i = 0; i < 50; i++) {
        long row = feeder_pick(f, &r);
        assert_true(row >= 0 && row < 50);
        assert_int_equal(seen[row], 0);
        seen[row] = 1;
    }
    assert_false(feeder_exhausted(f));
    assert_int_equal(feeder_pick(f, &r), -1); /* reported, not wrapped */
    assert_int_equal(feeder_pick(f, &r), -1);
    assert_true(feeder_exhausted(f));
    feeder_rewind(f);
    assert_int_equal(feeder_pick(f, &r), 0);
    feeder_free(f);
}

typedef struct worker {
    feeder *f;
    int *hits;      /* per row, atomically incremented */
    long got;
} worker;

static void *pick_all(void *arg)
{
    worker *w = arg;
    rng r;
    rng_seed(&r, (uint64_t)(uintptr_t)w);
    long row;
    while ((row = feeder_pick(w->f, &r)) >= 0) {
        __atomic_fetch_add(&w->hits[row], 1, __ATOMIC_RELAXED);
        w->got++;
    }
    return NULL;
}

static void test_unique_threads(void **state)
{
    (void)state;
    enum { ROWS = 3000, THREADS = 4 };
    feeder *f = feeder_load("u", tmpdir_file("uniqt.csv", rows_csv(ROWS)), FEEDER_UNIQUE);
    assert_non_null(f);
    int *hits = calloc(ROWS, sizeof *hits);
    worker w[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.f = f, .hits = hits};
        assert_int_equal(pthread_create(&th[i], NULL, pick_all, &w[i]), 0);
    }
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        total += w[i].got;
    }
    assert_int_equal(total, ROWS);
    for (int i = 0; i < ROWS; i++)
        assert_int_equal(hits[i], 1); /* each row exactly once across threads */
    assert_true(feeder_exhausted(f));
    free(hits);
    feeder_free(f);
}

static void test_bad_files(void **state)
{
    (void)state;
    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope.csv", tmpdir);
    assert_null(feeder_load("u", missing, FEEDER_SEQUENTIAL));
    assert_null(feeder_load("u", tmpdir_file("hdr.csv", "id,token\n"), FEEDER_SEQUENTIAL));
    assert_null(feeder_load("u", tmpdir_file("ragged.csv", "id,token\na,b\nc\n"), FEEDER_SEQUENTIAL));
    assert_null(feeder_load("u", tmpdir_file("empty.csv", ""), FEEDER_SEQUENTIAL));
}

/* loadplan_render: one feeder row shared by the path and the headers of a
 * request; a unique feeder running out makes loadplan_render return -2. */
static void test_plan_render_rows(void **state)
{
    (void)state;
    loadplan *p = loadplan_new("test");
    p->feeders[0] = feeder_load("user", tmpdir_file("pr.csv", rows_csv(3)), FEEDER_UNIQUE);
    p->nfeeders = 1;
    assert_non_null(p->feeders[0]);
    char err[256];
    template *path = template_compile("/u/${user.id}", p->feeders, 1, err, sizeof err);
    assert_non_null(path);
    size_t s = loadplan_add_subsystem(p, "member");
    size_t e = loadplan_add_endpoint(p, s, "member.get", "GET", path, 1);
    p->endpoints[e].headers[0] = template_compile("X-Token: ${user.token}", p->feeders, 1, err,
                                                  sizeof err);
    p->endpoints[e].nheaders = 1;
    p->target = strdup("http://127.0.0.1:1");
    loadplan_add_phase(p, "p", 1)->rate.from = 1;
    assert_int_equal(loadplan_prepare(p), 0);
    rendered_request *out = malloc(sizeof *out);
    rng r;
    rng_seed(&r, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(loadplan_render(p, e, (uint64_t)i, &r, out), 0);
        char url[64], hdr[64];
        snprintf(url, sizeof url, "http://127.0.0.1:1/u/r%d", i);
        snprintf(hdr, sizeof hdr, "X-Token: t%d", i);
        assert_string_equal(out->url, url);
        assert_int_equal(out->nheaders, 1);
        assert_string_equal(out->headers[0], hdr);
        assert_int_equal(out->has_body, 0);
    }
    assert_int_equal(loadplan_render(p, e, 3, &r, out), -2);
    free(out);
    loadplan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes_parse),
        cmocka_unit_test(test_sequential_order),
        cmocka_unit_test(test_random_coverage),
        cmocka_unit_test(test_unique_exhaustion),
        cmocka_unit_test(test_unique_threads),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_plan_render_rows),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
