/* test_merge.c: merging fleet shards (fleet/merge.c) is exact: the merged
 * histograms (total and per subsystem) equal the histogram of all values
 * recorded by all shards, through results.json and back; counts add; the
 * per-second series line up on the shared timeline; a set of files that is
 * not one whole fleet is refused. Also the log framing (fleet/frame.c):
 * frames survive prefixes and interleaving, broken ones are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/rng.h"
#include "fleet/frame.h"
#include "fleet/merge.h"
#include "loadgen/results.h"
#include "tests/unit/unit_tmpdir.h"

static const char *const names[] = {"cart", "order"};

/* Shard INDEX of COUNT: N requests with heavy-tailed latencies, recorded in
 * the shard and in ALL / ALL_TAG (the single-machine truth); NSEC seconds. */
static void make_shard(run_result *r, unsigned seed, int n, size_t nsec, hist *all,
                       hist **all_tag)
{
    assert_int_equal(run_result_init(r, 2, names), 0);
    rng g;
    rng_seed(&g, seed);
    for (int i = 0; i < n; i++) {
        size_t tag = rng_uniform(&g) < 0.3;
        int64_t us = (int64_t)(200 + rng_exponential(&g, 3000) * (rng_uniform(&g) < 0.01 ? 50 : 1));
        tag_stats *ts[2] = {&r->total, &r->tags[tag]};
        for (int k = 0; k < 2; k++) {
            ts[k]->c.scheduled++;
            ts[k]->c.sent++;
            ts[k]->c.completed++;
            ts[k]->c.ok++;
            ts[k]->c.status[STATUS_2XX]++;
            hist_record(ts[k]->h.latency, us);
            hist_record(ts[k]->h.service, us / 2);
        }
        hist_record(all, us);
        hist_record(all_tag[tag], us);
    }
    r->nseconds = nsec;
    r->seconds = calloc(nsec, sizeof *r->seconds);
    r->tag_seconds = calloc(2, sizeof *r->tag_seconds);
    for (size_t t = 0; t < 2; t++)
        r->tag_seconds[t] = calloc(nsec, sizeof **r->tag_seconds);
    for (size_t s = 0; s < nsec; s++) {
        r->seconds[s].offered = (uint64_t)n / nsec;
        r->seconds[s].target_rate = 10;
    }
    r->duration_s = (double)nsec;
    r->generator.threads = 1;
    snprintf(r->started_at, sizeof r->started_at, "2026-11-11T00:00:00Z");
}

static void write_shard(const char *path, const run_result *r, unsigned index, unsigned count,
                        double timeline_start, uint64_t run_seed)
{
    shard_record rec;
    memset(&rec, 0, sizeof rec);
    rec.index = index;
    rec.count = count;
    rec.run_seed = run_seed;
    rec.seed = run_seed + index;
    snprintf(rec.host, sizeof rec.host, "pod-%u", index);
    rec.start_at = 1794355200;
    rec.timeline_start = timeline_start;
    snprintf(rec.plan_digest, sizeof rec.plan_digest, "00112233aabbccdd");
    threshold_result th = {.t = {.expr = "p99<1s", .metric = METRIC_P99, .op = OP_LT,
                                 .value = 1000}};
    results_meta m = {.command = "crest run", .scenario = "s.json", .connections = 8,
                      .timeout_s = 5, .thresholds = &th, .nthresholds = 1, .shard = &rec};
    assert_int_equal(results_write(path, r, &m), 0);
}

static void assert_same_hist(const hist *a, const hist *b)
{
    assert_int_equal(hist_count(a), hist_count(b));
    assert_int_equal(hist_min(a), hist_min(b));
    assert_int_equal(hist_max(a), hist_max(b));
    assert_true(hist_mean(a) == hist_mean(b));
    static const double ps[] = {1, 50, 90, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        assert_int_equal(hist_percentile(a, ps[i]), hist_percentile(b, ps[i]));
    size_t ca = 0, cb = 0;
    int64_t la, ha, lb, hb;
    uint64_t na, nb;
    int more;
    while ((more = hist_next_bucket(a, &ca, &la, &ha, &na))) {
        assert_int_equal(hist_next_bucket(b, &cb, &lb, &hb, &nb), 1);
        assert_int_equal(la, lb);
        assert_int_equal(na, nb);
    }
    assert_int_equal(hist_next_bucket(b, &cb, &lb, &hb, &nb), 0);
}

static void test_merge_equals_histogram_of_all_values(void **state)
{
    (void)state;
    hist *all = hist_new(), *all_tag[2] = {hist_new(), hist_new()};
    const char *paths[3];
    char buf[3][256];
    for (unsigned i = 0; i < 3; i++) {
        run_result r;
        make_shard(&r, 100 + i, 4000 + 1000 * (int)i, 4, all, all_tag);
        snprintf(buf[i], sizeof buf[i], "%s/shard-%u.json", tmpdir, i);
        paths[i] = buf[i];
        /* shard 2 came up 2 s after the others (no shared start) */
        write_shard(paths[i], &r, i, 3, 1794355200.0 + (i == 2 ? 2 : 0), 9);
        run_result_free(&r);
    }
    fleet_merged m;
    assert_int_equal(fleet_merge(paths, 3, &m), 0);
    assert_same_hist(m.merged.total.h.latency, all);
    assert_same_hist(m.merged.tags[0].h.latency, all_tag[0]);
    assert_same_hist(m.merged.tags[1].h.latency, all_tag[1]);
    assert_int_equal(m.merged.total.c.scheduled, 4000 + 5000 + 6000);
    assert_int_equal(m.merged.tags[0].c.ok + m.merged.tags[1].c.ok, 15000);
    /* the series: shards 0 and 1 cover seconds 0-3, shard 2 seconds 2-5 */
    assert_int_equal(m.merged.nseconds, 6);
    assert_int_equal(m.merged.seconds[0].offered, 1000 + 1250);
    assert_int_equal(m.merged.seconds[2].offered, 1000 + 1250 + 1500);
    assert_int_equal(m.merged.seconds[5].offered, 1500);
    assert_true(m.merged.seconds[3].target_rate == 30);
    assert_true(m.merged.duration_s == 6);
    assert_int_equal(m.thresholds.count, 1);
    assert_string_equal(m.thresholds.items[0].expr, "p99<1s");
    /* written and read back, the merged file is still exact */
    threshold_result th[1];
    thresholds_evaluate(&m.thresholds, &m.merged, th);
    cJSON *doc = fleet_merged_to_json(&m, th, 1, "crest merge");
    char out[256];
    snprintf(out, sizeof out, "%s/merged.json", tmpdir);
    FILE *f = fopen(out, "w");
    char *text = cJSON_Print(doc);
    fputs(text, f);
    fclose(f);
    free(text);
    cJSON_Delete(doc);
    run_result back;
    assert_int_equal(results_read(out, &back), 0);
    assert_same_hist(back.total.h.latency, all);
    run_result_free(&back);
    fleet_merged_free(&m);
    hist_free(all);
    hist_free(all_tag[0]);
    hist_free(all_tag[1]);
}

static void test_not_one_fleet_is_refused(void **state)
{
    (void)state;
    hist *all = hist_new(), *all_tag[2] = {hist_new(), hist_new()};
    char buf[4][256];
    for (unsigned i = 0; i < 4; i++) {
        run_result r;
        make_shard(&r, 200 + i, 100, 2, all, all_tag);
        snprintf(buf[i], sizeof buf[i], "%s/f-%u.json", tmpdir, i);
        /* f-3 claims to be shard 2 of another seed */
        write_shard(buf[i], &r, i < 3 ? i : 2, 3, 1794355200.0, i < 3 ? 1 : 2);
        run_result_free(&r);
    }
    fleet_merged m;
    const char *missing[] = {buf[0], buf[2]};
    assert_int_equal(fleet_merge(missing, 2, &m), CREST_EXIT_RUN);
    const char *twice[] = {buf[0], buf[1], buf[2], buf[1]};
    assert_int_equal(fleet_merge(twice, 4, &m), CREST_EXIT_RUN);
    const char *other[] = {buf[0], buf[1], buf[3]};
    assert_int_equal(fleet_merge(other, 3, &m), CREST_EXIT_RUN);
    const char *whole[] = {buf[2], buf[0], buf[1]};   /* any order */
    assert_int_equal(fleet_merge(whole, 3, &m), 0);
    assert_int_equal(m.merged.total.c.ok, 300);
    fleet_merged_free(&m);
    const char *unreadable[] = {"/nonexistent/x.json"};
    assert_int_equal(fleet_merge(unreadable, 1, &m), CREST_EXIT_USAGE);
    hist_free(all);
    hist_free(all_tag[0]);
    hist_free(all_tag[1]);
}

/* Prefixes every line of TEXT with PREFIX into a new string. */
static char *prefixed(const char *text, const char *prefix)
{
    size_t cap = strlen(text) * 2 + 4096;
    char *out = calloc(1, cap);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        strcat(out, prefix);
        strncat(out, p, len);
        p += len;
    }
    return out;
}

static void test_frames_survive_prefixes_and_refuse_damage(void **state)
{
    (void)state;
    char payload[3][3000];
    for (int k = 0; k < 3; k++) {
        memset(payload[k], 'a' + k, sizeof payload[k] - 1);
        payload[k][sizeof payload[k] - 1] = '\0';
        snprintf(payload[k], 20, "{\"shard\": %c}", '0' + k);
        payload[k][strlen(payload[k])] = ' ';
    }
    char *frames[3];
    size_t len[3];
    for (int k = 0; k < 3; k++) {
        FILE *f = open_memstream(&frames[k], &len[k]);
        assert_int_equal(fleet_frame_write(f, (unsigned)k, 3, payload[k], strlen(payload[k])), 0);
        fclose(f);
    }
    /* pod 0 unprefixed, pod 1 with kubectl's prefix and noise, pod 2 damaged */
    char *p1 = prefixed(frames[1], "[pod/crest-fleet-1-x/crest] ");
    char *damaged = strdup(frames[2]);
    char *mid = strchr(strchr(damaged, '\n') + 1, '\n') + 1;
    mid[3] = mid[3] == 'A' ? 'B' : 'A';
    size_t cap = len[0] + strlen(p1) + len[2] + 256;
    char *log = calloc(1, cap);
    strcat(log, "crest run: 10 ok\n");
    strcat(log, p1);
    strcat(log, frames[0]);
    strcat(log, "[pod/crest-fleet-1-x/crest] crest: warning: noise between frames\n");
    strcat(log, damaged);
    fleet_frames got = {0};
    assert_int_equal(fleet_frames_scan("log", log, &got), 0);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.broken, 1);
    for (size_t i = 0; i < got.n; i++) {
        unsigned k = got.items[i].index;
        assert_true(k < 2);
        assert_int_equal(got.items[i].count, 3);
        assert_string_equal(got.items[i].data, payload[k]);
    }
    fleet_frames_free(&got);
    /* interleaved lines of two prefixed pods */
    char *a = prefixed(frames[0], "[a] "), *b = prefixed(frames[1], "[b] ");
    char *mix = calloc(1, strlen(a) + strlen(b) + 1);
    const char *pa = a, *pb = b;
    while (*pa || *pb) {
        for (const char **pp = &pa; pp; pp = pp == &pa ? &pb : NULL) {
            if (!**pp)
                continue;
            const char *nl = strchr(*pp, '\n');
            strncat(mix, *pp, (size_t)(nl - *pp + 1));
            *pp = nl + 1;
        }
    }
    assert_int_equal(fleet_frames_scan("mix", mix, &got), 0);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.broken, 0);
    fleet_frames_free(&got);
    for (int k = 0; k < 3; k++)
        free(frames[k]);
    free(p1);
    free(damaged);
    free(log);
    free(a);
    free(b);
    free(mix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_equals_histogram_of_all_values),
        cmocka_unit_test(test_not_one_fleet_is_refused),
        cmocka_unit_test(test_frames_survive_prefixes_and_refuse_damage),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
