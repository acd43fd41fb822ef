/* test_scenario.c: the rate curves (per-second integrals of rate_curve_at
 * against closed forms, expected totals, maxima), the mix (100k picks within
 * 4 sigma of the configured shares, phase overrides), time_scale and growth,
 * --only, targets, thresholds, closed-loop phases, and the shipped
 * scenarios. Error messages are checked through `crest validate` in
 * tests/integration/test_scenario_validate.sh. */
#include <math.h>
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
#include "loadgen/engine_arrivals.h"
#include "loadgen/feeder.h"
#include "loadgen/loadplan.h"
#include "loadgen/scenario.h"
#include "loadgen/template.h"

/* ---- rate curves -------------------------------------------------------- */

/* Arrivals the curve schedules in [a, b]: Simpson's rule, 2000 panels. */
static double scheduled(const rate_curve *c, double a, double b, double d)
{
    int n = 2000;
    double h = (b - a) / n, s = 0;
    for (int i = 0; i <= n; i++)
        s += (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2)) * rate_curve_at(c, a + i * h, d);
    return s * h / 3;
}

/* Compares each second's scheduled count to the closed form F(k+1) - F(k),
 * and the whole phase to rate_curve_expected. TOL is absolute per second
 * (jumps cost Simpson up to about jump * h). */
static void check_curve(const rate_curve *c, double d, double (*F)(double), double tol)
{
    double total = 0;
    for (int k = 0; k < (int)d; k++) {
        double want = F(k + 1) - F(k), got = scheduled(c, k, k + 1, d);
        if (fabs(got - want) > tol)
            fail_msg("second %d: scheduled %.4f, closed form %.4f", k, got, want);
        total += want;
    }
    assert_true(fabs(rate_curve_expected(c, d) - F(d)) < 1e-6 * fmax(1, F(d)));
    assert_true(fabs(total - F(d)) < 1e-6 * fmax(1, F(d)));
}

static double F_constant(double t) { return 250 * t; }
static double F_ramp(double t) { return 100 * t + (500.0 - 100) / 20 * t * t / 2; }
/* step 100 -> 400 in 4 steps over 20 s: 100, 200, 300, 400 for 5 s each */
static double F_step(double t)
{
    double s = 0;
    for (int k = 0; k < 4; k++) {
        double a = 5.0 * k, b = a + 5;
        if (t > a)
            s += (100 + 100 * k) * (fmin(t, b) - a);
    }
    return s;
}
/* spike: base 100, peak 1000, starts at 10 s, rise 2 s, hold 5 s, fall 2 s */
static double F_spike(double t)
{
    double s = 100 * t, x;
    if (t > 10) { x = fmin(t, 12) - 10; s += 900 * (x * x / 2) / 2; }
    if (t > 12) s += 900 * (fmin(t, 17) - 12);
    if (t > 17) { x = fmin(t, 19) - 17; s += 900 * (x - x * x / 4); }
    return s;
}
/* spike with rise 0: the synchronized crowd at a second boundary */
static double F_spike0(double t)
{
    return 100 * t + (t > 3 ? 900 * (fmin(t, 8) - 3) : 0);
}
static double F_sine(double t) { return 500 * t + 200 * 30 / (2 * M_PI) * (1 - cos(2 * M_PI * t / 30)); }
/* profile samples 0, 10, 30, 30, 0 (1 s apart) times 2, then the last value */
static double F_profile(double t)
{
    static const double s[] = {0, 10, 30, 30, 0};
    double sum = 0;
    for (int k = 0; k < 4 && t > k; k++) {
        double x = fmin(t, k + 1) - k;
        sum += 2 * (s[k] * x + (s[k + 1] - s[k]) * x * x / 2);
    }
    return sum;
}

static void test_curves(void **state)
{
    (void)state;
    rate_curve c = {.shape = SHAPE_CONSTANT, .from = 250};
    check_curve(&c, 10, F_constant, 1e-6);
    assert_true(fabs(rate_curve_max(&c, 10) - 250) < 1e-9);

    c = (rate_curve){.shape = SHAPE_RAMP, .from = 100, .to = 500};
    check_curve(&c, 20, F_ramp, 1e-6);
    assert_true(fabs(rate_curve_max(&c, 20) - 500) < 1e-6);

    c = (rate_curve){.shape = SHAPE_STEP, .from = 100, .to = 400, .steps = 4};
    check_curve(&c, 20, F_step, 0.1);
    assert_true(fabs(rate_curve_max(&c, 20) - 400) < 1e-6);

    c = (rate_curve){.shape = SHAPE_SPIKE, .from = 100, .peak = 1000, .spike_at_s = 10,
                     .rise_s = 2, .hold_s = 5};
    check_curve(&c, 30, F_spike, 0.01);
    assert_true(fabs(rate_curve_max(&c, 30) - 1000) < 1e-6);

    c = (rate_curve){.shape = SHAPE_SPIKE, .from = 100, .peak = 1000, .spike_at_s = 3,
                     .rise_s = 0, .hold_s = 5};
    check_curve(&c, 12, F_spike0, 0.5);
    assert_true(fabs(rate_curve_max(&c, 12) - 1000) < 1e-6);
    assert_true(fabs(rate_curve_at(&c, 3.5, 12) - 1000) < 1e-9);
    assert_true(fabs(rate_curve_at(&c, 8.5, 12) - 100) < 1e-9);

    c = (rate_curve){.shape = SHAPE_SINE, .from = 500, .amplitude = 200, .period_s = 30};
    check_curve(&c, 45, F_sine, 1e-4);
    assert_true(fabs(rate_curve_max(&c, 45) - 700) < 1e-6);

    double samples[] = {0, 10, 30, 30, 0};
    c = (rate_curve){.shape = SHAPE_PROFILE, .from = 2, .profile = samples, .profile_len = 5,
                     .profile_step_s = 1};
    check_curve(&c, 6, F_profile, 1e-6);
    assert_true(fabs(rate_curve_max(&c, 6) - 60) < 1e-6);
    assert_true(fabs(rate_curve_at(&c, 1.5, 6) - 40) < 1e-9); /* interpolated */
}

static void test_sine_clipped(void **state)
{
    (void)state;
    /* mean 100, amplitude 300: negative half clipped at 0, never scheduled */
    rate_curve c = {.shape = SHAPE_SINE, .from = 100, .amplitude = 300, .period_s = 10};
    for (double t = 0; t < 10; t += 0.01)
        assert_true(rate_curve_at(&c, t, 10) >= 0);
    double got = rate_curve_expected(&c, 10), want = scheduled(&c, 0, 10, 10);
    assert_true(fabs(got - want) < 0.5);
    assert_true(got > 100 * 10); /* clipping only removes negative rate */
}

/* The engine's arrival clock schedules what the curves say: with uniform
 * arrivals, every second of every shape gets the curve's integral over
 * that second, to within one arrival; with Poisson arrivals, each phase's
 * total is within 4 sigma. */
static void test_arrivals_follow_curves(void **state)
{
    (void)state;
    loadplan *p = loadplan_new("curves");
    char err[128];
    size_t s = loadplan_add_subsystem(p, "a");
    loadplan_add_endpoint(p, s, "a.e", "GET", template_compile("/", NULL, 0, err, sizeof err), 1);
    loadplan_add_phase(p, "constant", 10)->rate = (rate_curve){.shape = SHAPE_CONSTANT, .from = 250};
    loadplan_add_phase(p, "ramp", 20)->rate = (rate_curve){.shape = SHAPE_RAMP, .from = 100, .to = 500};
    loadplan_add_phase(p, "step", 20)->rate =
        (rate_curve){.shape = SHAPE_STEP, .from = 100, .to = 400, .steps = 4};
    loadplan_add_phase(p, "spike", 30)->rate = (rate_curve){
        .shape = SHAPE_SPIKE, .from = 100, .peak = 1000, .spike_at_s = 10, .rise_s = 2, .hold_s = 5};
    loadplan_add_phase(p, "sine", 45)->rate =
        (rate_curve){.shape = SHAPE_SINE, .from = 500, .amplitude = 200, .period_s = 30};
    double *prof = malloc(5 * sizeof *prof);
    memcpy(prof, (double[]){0, 10, 30, 30, 0}, 5 * sizeof *prof);
    loadplan_add_phase(p, "profile", 6)->rate = (rate_curve){
        .shape = SHAPE_PROFILE, .from = 2, .profile = prof, .profile_len = 5, .profile_step_s = 1};
    assert_int_equal(loadplan_prepare(p), 0);
    double (*closed[])(double) = {F_constant, F_ramp, F_step, F_spike, F_sine, F_profile};
    double start = 0;
    size_t nsec = (size_t)loadplan_duration(p);
    unsigned *count = calloc(nsec + 1, sizeof *count);
    arrival_clock c;
    assert_int_equal(arrival_clock_init(&c, p, 0, 0, 1, NULL), 0);
    double t;
    while ((t = arrival_clock_next(&c)) >= 0)
        count[(size_t)t]++;
    arrival_clock_free(&c);
    for (size_t ph = 0; ph < p->nphases; ph++) {
        double d = p->phases[ph].duration_s;
        for (int k = 0; k < (int)d; k++) {
            double want = closed[ph](k + 1) - closed[ph](k);
            unsigned got = count[(size_t)start + (size_t)k];
            if (fabs(got - want) > 1.0 + 1e-9)
                fail_msg("%s second %d: %u arrivals scheduled, curve integral %.3f",
                         p->phases[ph].name, k, got, want);
        }
        start += d;
    }
    /* Poisson: the same integrals in expectation */
    rng r;
    rng_seed(&r, 2026);
    memset(count, 0, (nsec + 1) * sizeof *count);
    assert_int_equal(arrival_clock_init(&c, p, 1, 0, 1, &r), 0);
    while ((t = arrival_clock_next(&c)) >= 0)
        count[(size_t)t]++;
    arrival_clock_free(&c);
    start = 0;
    for (size_t ph = 0; ph < p->nphases; ph++) {
        double d = p->phases[ph].duration_s, want = closed[ph](d), got = 0;
        for (int k = 0; k < (int)d; k++)
            got += count[(size_t)start + (size_t)k];
        if (fabs(got - want) > 4 * sqrt(want))
            fail_msg("%s: %.0f Poisson arrivals, expected %.0f +- %.0f", p->phases[ph].name, got,
                     want, 4 * sqrt(want));
        start += d;
    }
    free(count);
    loadplan_free(p);
}

/* ---- scenarios ---------------------------------------------------------- */

static const char *mix_scenario =
    "{\"schema\": \"crest.scenario/1\", \"target\": \"http://127.0.0.1:9/\",\n"
    " \"subsystems\": {\n"
    "  \"a\": {\"weight\": 1, \"calls_per_pv\": 2, \"endpoints\": [\n"
    "     {\"name\": \"x\", \"path\": \"/a/x\", \"weight\": 1},\n"
    "     {\"name\": \"y\", \"path\": \"/a/y\", \"weight\": 3}]},\n"
    "  \"b\": {\"calls_per_pv\": 3, \"endpoints\": [{\"name\": \"z\", \"path\": \"/b/z\"}]}},\n"
    " \"phases\": [\n"
    "  {\"name\": \"default\", \"duration\": 10, \"rate\": 100},\n"
    "  {\"name\": \"shifted\", \"duration\": 10, \"rate\": 100,\n"
    "   \"mix\": {\"b\": 0, \"a.x\": 1, \"a.y\": 1}},\n"
    "  {\"name\": \"b-heavy\", \"duration\": 10, \"rate\": 100, \"mix\": {\"b\": 9}}]}\n";

static void check_shares(const loadplan *p, size_t phase, const double *want)
{
    enum { N = 100000 };
    size_t count[8] = {0};
    rng r;
    rng_seed(&r, 99 + phase);
    for (int i = 0; i < N; i++)
        count[loadplan_pick_endpoint(p, phase, &r)]++;
    for (size_t e = 0; e < p->nendpoints; e++) {
        double sigma = sqrt(N * want[e] * (1 - want[e]));
        double dev = fabs((double)count[e] - N * want[e]);
        if (dev > 4 * sigma + (want[e] == 0 ? 0 : 1))
            fail_msg("phase %zu endpoint %s: %zu picks, expected %.0f +- %.0f", phase,
                     p->endpoints[e].name, count[e], N * want[e], 4 * sigma);
    }
}

static void test_mix(void **state)
{
    (void)state;
    loadplan *p = scenario_load(tmpdir_file("mix.json", mix_scenario), NULL);
    assert_non_null(p);
    assert_string_equal(p->target, "http://127.0.0.1:9");
    assert_int_equal(p->nendpoints, 3);
    assert_string_equal(p->endpoints[0].name, "a.x");
    assert_string_equal(p->endpoints[2].name, "b.z");
    assert_true(p->poisson);
    /* a: weight 1 (x 1/4, y 3/4); b: weight from calls_per_pv 3 */
    double d[] = {1.0 / 16, 3.0 / 16, 12.0 / 16};
    check_shares(p, 0, d);
    double shifted[] = {0.5, 0.5, 0};
    check_shares(p, 1, shifted);
    double heavy[] = {0.025, 0.075, 0.9};
    check_shares(p, 2, heavy);
    assert_true(fabs(p->subsystems[0].calls_per_pv - 2) < 1e-12);
    loadplan_free(p);
}

static void test_only(void **state)
{
    (void)state;
    const char *path = tmpdir_file("only.json", mix_scenario);
    const char *only[] = {"a", NULL};
    scenario_options o = {.only = only};
    loadplan *p = scenario_load(path, &o);
    assert_non_null(p);
    assert_int_equal(p->nsubsystems, 1);
    assert_int_equal(p->nendpoints, 2);
    assert_int_equal(p->nphases, 3);
    /* a keeps its share of each phase's traffic: 25%, 100%, 10% */
    assert_true(fabs(p->phases[0].rate.from - 25) < 1e-9);
    assert_true(fabs(p->phases[1].rate.from - 100) < 1e-9);
    assert_true(fabs(p->phases[2].rate.from - 10) < 1e-9);
    double d[] = {0.25, 0.75};
    check_shares(p, 0, d);
    loadplan_free(p);
    const char *bad[] = {"nope", NULL};
    o.only = bad;
    assert_null(scenario_load(path, &o));
}

static void test_time_scale_growth(void **state)
{
    (void)state;
    tmpdir_file("shape.csv", "t,rate\n0,1\n30,3\n60,2\n");
    const char *path = tmpdir_file("scaled.json",
        "{\"time_scale\": 60, \"growth\": 1.5, \"arrivals\": \"uniform\",\n"
        " \"subsystems\": {\"s\": {\"weight\": 1, \"endpoints\": [{\"name\": \"e\", \"path\": \"/s\"}]}},\n"
        " \"phases\": [\n"
        "  {\"name\": \"r\", \"duration\": \"10m\", \"shape\": \"ramp\", \"from\": 100, \"to\": 200},\n"
        "  {\"duration\": \"30m\", \"shape\": \"spike\", \"base\": 10, \"peak\": 50, \"at\": \"5m\",\n"
        "   \"rise\": \"60s\", \"hold\": \"120s\"},\n"
        "  {\"duration\": \"2h\", \"shape\": \"sine\", \"mean\": 100, \"amplitude\": 40, \"period\": \"1h\"},\n"
        "  {\"shape\": \"profile\", \"profile\": \"shape.csv\", \"scale\": 100},\n"
        "  {\"duration\": 60, \"connections\": 10, \"think_time\": \"500ms\"}]}\n");
    scenario_options o = {.growth = 2};
    loadplan *p = scenario_load(path, &o);
    assert_non_null(p);
    assert_false(p->poisson);
    assert_null(p->target); /* no target: the embedded testbed */
    assert_string_equal(p->phases[0].name, "r");
    assert_string_equal(p->phases[1].name, "phase2");
    /* durations / 60; rates * 1.5 * 2 */
    assert_true(fabs(p->phases[0].duration_s - 10) < 1e-9);
    assert_true(fabs(p->phases[0].rate.from - 300) < 1e-9);
    assert_true(fabs(p->phases[0].rate.to - 600) < 1e-9);
    const rate_curve *s = &p->phases[1].rate;
    assert_true(fabs(p->phases[1].duration_s - 30) < 1e-9);
    assert_true(fabs(s->from - 30) < 1e-9 && fabs(s->peak - 150) < 1e-9);
    assert_true(fabs(s->spike_at_s - 5) < 1e-9 && fabs(s->rise_s - 1) < 1e-9 &&
                fabs(s->hold_s - 2) < 1e-9);
    const rate_curve *w = &p->phases[2].rate;
    assert_true(fabs(p->phases[2].duration_s - 120) < 1e-9);
    assert_true(fabs(w->from - 300) < 1e-9 && fabs(w->amplitude - 120) < 1e-9 &&
                fabs(w->period_s - 60) < 1e-9);
    /* the profile: resampled to its 30 s grid, compressed 60x, its length by default */
    const loadplan_phase *pp = &p->phases[3];
    assert_true(fabs(pp->duration_s - 1) < 1e-9);
    assert_int_equal(pp->rate.profile_len, 3);
    assert_true(fabs(pp->rate.profile_step_s - 0.5) < 1e-9);
    assert_true(fabs(rate_curve_at(&pp->rate, 0.25, pp->duration_s) - 2 * 300) < 1e-6);
    assert_true(fabs(rate_curve_max(&pp->rate, pp->duration_s) - 3 * 300) < 1e-6);
    /* the scheduled total follows: rates unchanged, time compressed */
    assert_true(fabs(rate_curve_expected(&pp->rate, pp->duration_s) -
                     300 * (0.5 * (1 + 3) / 2 + 0.5 * (3 + 2) / 2)) < 1e-6);
    /* closed loop: growth scales users, think time is behavior (kept) */
    assert_int_equal(p->phases[4].connections, 30);
    assert_true(fabs(p->phases[4].think_s - 0.5) < 1e-9);
    assert_true(fabs(p->phases[4].duration_s - 1) < 1e-9);
    assert_true(fabs(loadplan_duration(p) - (10 + 30 + 120 + 1 + 1)) < 1e-9);
    double t_in;
    assert_int_equal(loadplan_phase_at(p, 45, &t_in), 2);
    assert_true(fabs(t_in - 5) < 1e-9);
    loadplan_free(p);
}

static void test_rules_target_secrets(void **state)
{
    (void)state;
    const char *path = tmpdir_file("rules.json",
        "{\"target\": \"testbed\", \"secret_headers\": [\"X-Api-Key\", \"cookie\"],\n"
        " \"subsystems\": {\n"
        "  \"cart\": {\"weight\": 1, \"shed\": [429, 503], \"slo\": {\"p99_ms\": 300, \"error_rate\": \"0.5%\"},\n"
        "    \"thresholds\": [\"p99<300ms\", \"cart:errors<1%\"], \"abort\": \"errors>20%\",\n"
        "    \"endpoints\": [{\"name\": \"add\", \"method\": \"POST\", \"path\": \"/cart/add\",\n"
        "       \"headers\": {\"X-Api-Key\": \"k\"}, \"body\": {\"q\": 1}}]},\n"
        "  \"order\": {\"weight\": 1, \"endpoints\": [{\"name\": \"c\", \"path\": \"/order/c\"}]}},\n"
        " \"phases\": [{\"duration\": 5, \"rate\": 10}],\n"
        " \"thresholds\": \"p99<1s, order:errors<2%\", \"abort\": [\"errors>50%\"]}\n");
    scenario_options o = {.target = "http://127.0.0.1:8080//"};
    loadplan *p = scenario_load(path, &o);
    assert_non_null(p);
    assert_string_equal(p->target, "http://127.0.0.1:8080");
    assert_int_equal(p->thresholds.count, 4);
    assert_string_equal(p->thresholds.items[0].tag, "");
    assert_string_equal(p->thresholds.items[1].tag, "order");
    assert_string_equal(p->thresholds.items[2].tag, "cart");
    assert_string_equal(p->thresholds.items[3].tag, "cart");
    assert_int_equal(p->aborts.count, 2);
    assert_string_equal(p->aborts.items[1].tag, "cart");
    assert_int_equal(p->nsecret, 3); /* Authorization, Cookie, X-Api-Key */
    assert_string_equal(p->secret_headers[2], "X-Api-Key");
    assert_true(loadplan_is_shed(p, 0, 429) && loadplan_is_shed(p, 0, 503) && !loadplan_is_shed(p, 0, 500));
    assert_false(loadplan_is_shed(p, 1, 429));
    assert_true(fabs(p->subsystems[0].slo_error_rate - 0.005) < 1e-12);
    assert_true(p->subsystems[1].slo_error_rate < 0);
    rendered_request *out = malloc(sizeof *out);
    rng r;
    rng_seed(&r, 1);
    assert_int_equal(loadplan_render(p, 0, 1, &r, out), 0);
    assert_string_equal(out->method, "POST");
    assert_string_equal(out->url, "http://127.0.0.1:8080/cart/add");
    assert_string_equal(out->headers[0], "X-Api-Key: k");
    assert_true(out->has_body);
    assert_string_equal(out->body, "{\"q\":1}");
    free(out);
    loadplan_free(p);
    /* --only order drops cart's rules */
    const char *only[] = {"order", NULL};
    scenario_options o2 = {.only = only, .target = "testbed"};
    p = scenario_load(path, &o2);
    assert_non_null(p);
    assert_null(p->target);
    assert_int_equal(p->thresholds.count, 2);
    assert_int_equal(p->aborts.count, 1);
    loadplan_free(p);
}

/* shed_header: carried into the plan per subsystem (NULL where absent);
 * anything but a header-name string is rejected. */
/* TEXT, written to tmpdir/NAME, is refused with an error saying WHY. */
static void expect_refused(const char *name, const char *text, const char *why)
{
    const char *path = tmpdir_file(name, text);
    stderr_capture_begin();
    loadplan *p = scenario_load(path, NULL);
    const char *err = stderr_capture_end();
    if (p)
        fail_msg("%s loaded: %s", name, text);
    if (!strstr(err, why))
        fail_msg("%s: expected an error saying \"%s\", got \"%s\"", name, why, err);
}

/* scrape: a subsystem's metrics URL, carried into the plan (NULL where
 * absent); anything but an http(s) URL is refused, naming the field. */
static void test_subsystem_scrape(void **state)
{
    (void)state;
    const char *path = tmpdir_file("scrape.json",
        "{\"subsystems\": {\n"
        "  \"cart\": {\"weight\": 1, \"scrape\": \"http://10.0.0.5:9100/metrics\",\n"
        "    \"endpoints\": [{\"name\": \"v\", \"path\": \"/cart/v\"}]},\n"
        "  \"cms\": {\"weight\": 1, \"endpoints\": [{\"name\": \"h\", \"path\": \"/cms/h\"}]}},\n"
        " \"phases\": [{\"duration\": 1, \"rate\": 10}]}\n");
    loadplan *p = scenario_load(path, NULL);
    assert_non_null(p);
    assert_string_equal(p->subsystems[0].scrape, "http://10.0.0.5:9100/metrics");
    assert_null(p->subsystems[1].scrape);
    loadplan_free(p);
    expect_refused("scrape-bad.json",
        "{\"subsystems\": {\"cart\": {\"weight\": 1, \"scrape\": \"10.0.0.5:9100\",\n"
        "  \"endpoints\": [{\"name\": \"v\", \"path\": \"/cart/v\"}]}},\n"
        " \"phases\": [{\"duration\": 1, \"rate\": 10}]}\n",
        "subsystems.cart.scrape: expected the URL of the subsystem's Prometheus metrics");
}

static void test_shed_header(void **state)
{
    (void)state;
    const char *path = tmpdir_file("degrade.json",
        "{\"subsystems\": {\n"
        "  \"seckill\": {\"weight\": 1, \"shed\": [429], \"shed_header\": \"X-Degraded\",\n"
        "    \"endpoints\": [{\"name\": \"buy\", \"path\": \"/seckill/buy\"}]},\n"
        "  \"cart\": {\"weight\": 1, \"endpoints\": [{\"name\": \"v\", \"path\": \"/cart/v\"}]}},\n"
        " \"phases\": [{\"duration\": 1, \"rate\": 10}]}\n");
    loadplan *p = scenario_load(path, NULL);
    assert_non_null(p);
    assert_string_equal(p->subsystems[0].name, "seckill");
    assert_non_null(p->subsystems[0].shed_header);
    assert_string_equal(p->subsystems[0].shed_header, "X-Degraded");
    assert_true(loadplan_is_shed(p, 0, 429));
    assert_null(p->subsystems[1].shed_header);
    loadplan_free(p);
    /* --only leaves the kept subsystem's header in place */
    const char *only[] = {"seckill", NULL};
    scenario_options o = {.only = only};
    p = scenario_load(path, &o);
    assert_non_null(p);
    assert_int_equal(p->nsubsystems, 1);
    assert_string_equal(p->subsystems[0].shed_header, "X-Degraded");
    loadplan_free(p);

    static const char *const bad[] = {"\"X Degraded\"", "\"\"", "1", "[\"X-Degraded\"]",
                                      "\"X-Degraded:\"", "null"};
    static const char *const why[] = {
        "shed_header: expected a response header name", "shed_header: expected a response header name",
        "shed_header: expected a string; found 1", "shed_header: expected a string; found [",
        "shed_header: expected a response header name", "shed_header: expected a string; found null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], name[32];
        snprintf(text, sizeof text,
                 "{\"subsystems\": {\"a\": {\"weight\": 1, \"shed_header\": %s,"
                 " \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
                 " \"phases\": [{\"duration\": 1, \"rate\": 1}]}", bad[i]);
        snprintf(name, sizeof name, "badhdr%zu.json", i);
        expect_refused(name, text, why[i]);
    }
    char text[512], longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    snprintf(text, sizeof text,
             "{\"subsystems\": {\"a\": {\"weight\": 1, \"shed_header\": \"%s\","
             " \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
             " \"phases\": [{\"duration\": 1, \"rate\": 1}]}", longname);
    expect_refused("badhdrlong.json", text, "shed_header: expected a response header name");
}

static void test_bad_scenarios_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"subsystems\": {}, \"phases\": [{\"duration\": 1, \"rate\": 1}]}",
        "{\"subsystems\": {\"a\": {\"weight\": 1, \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
        " \"phases\": [{\"duration\": 0, \"rate\": 1}]}",
        "{\"subsystems\": {\"a\": {\"weight\": 1, \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
        " \"phases\": [{\"duration\": 1, \"rate\": -1}]}",
        "{\"subsystems\": {\"a\": {\"weight\": 0, \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
        " \"phases\": [{\"duration\": 1, \"rate\": 1}]}",
        "{\"subsystems\": {\"a\": {\"weight\": 1, \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
        " \"phases\": [{\"duration\": 1, \"rate\": 1, \"mix\": {}}]}",
        "{\"subsystems\": {\"a\": {\"weight\": 1, \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
        " \"phases\": [{\"duration\": 1, \"shape\": \"rmap\", \"from\": 1, \"to\": 2}]}",
        "{\"subsystems\": {\"a\": {\"weight\": 1, \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
        " \"phases\": [{\"duration\": 1, \"rate\": 1}], \"tresholds\": []}",
        "{\"subsystems\": {\"a\": {\"weight\": 1, \"endpoints\": [{\"name\": \"e\", \"path\": \"/${u.id}\"}]}},"
        " \"phases\": [{\"duration\": 1, \"rate\": 1}]}",
        "{\"subsystems\": {\"a\": {\"weight\": 1, \"endpoints\": [{\"name\": \"e\", \"path\": \"/\"}]}},"
        " \"phases\": [{\"duration\": 1, \"rate\": 1}], ",
    };
    static const char *const why[] = {
        "bad0.json: error: subsystems: empty; expected at least one entry",
        "bad1.json: error: phases[0].duration: expected a positive duration",
        "bad2.json: error: phases[0].rate: expected a rate in requests/s (>= 0); found -1",
        "bad3.json: error: subsystems: subsystem weights (weight or calls_per_pv) sum to 0",
        "bad4.json: error: phases[0].mix: empty",
        "bad5.json: error: phases[0].shape: expected one of constant, ramp",
        "bad6.json: error: unknown key 'tresholds'",
        "bad7.json: error: subsystems.a.endpoints[0].path: placeholder '${u.id}': no feeder named 'u'",
        "bad8.json:1:121: error: malformed JSON",
    };
    assert_int_equal(sizeof bad / sizeof bad[0], sizeof why / sizeof why[0]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.json", i);
        expect_refused(name, bad[i], why[i]);
    }
}

static void test_shipped(void **state)
{
    (void)state;
    static const char *const files[] = {"scenarios/double11.json", "scenarios/seckill.json",
                                        "scenarios/smoke.json"};
    for (size_t i = 0; i < 3; i++) {
        loadplan *p = scenario_load(files[i], NULL);
        if (!p)
            fail_msg("%s does not load", files[i]);
        assert_null(p->target);
        loadplan_free(p);
    }
    /* the flash sale's degraded answers count as shed in both scenarios */
    for (size_t i = 0; i < 2; i++) {
        loadplan *sp = scenario_load(files[i], NULL);
        size_t found_seckill = 0;
        for (size_t k = 0; k < sp->nsubsystems; k++)
            if (strcmp(sp->subsystems[k].name, "seckill") == 0) {
                assert_non_null(sp->subsystems[k].shed_header);
                assert_string_equal(sp->subsystems[k].shed_header, "X-Degraded");
                found_seckill++;
            }
        assert_int_equal(found_seckill, 1);
        loadplan_free(sp);
    }
    loadplan *p = scenario_load("scenarios/double11.json", NULL);
    assert_int_equal(p->nsubsystems, 10);
    double peak = 0, total = 0;
    for (size_t i = 0; i < p->nphases; i++) {
        peak = fmax(peak, rate_curve_max(&p->phases[i].rate, p->phases[i].duration_s));
        total += rate_curve_expected(&p->phases[i].rate, p->phases[i].duration_s);
    }
    /* about 3 minutes, a few thousand req/s at the peak, the midnight
     * surge about 3x the evening; README: "Peak about 3,100 req/s, about
     * 320k requests" */
    assert_true(loadplan_duration(p) >= 150 && loadplan_duration(p) <= 210);
    assert_true(peak > 2000 && peak < 4500);
    assert_true(fabs(peak - 3100) < 0.05 * 3100);
    assert_true(fabs(total - 320e3) < 0.05 * 320e3);
    const loadplan_phase *mid = &p->phases[1];
    double before = rate_curve_at(&mid->rate, 0, mid->duration_s);
    assert_true(rate_curve_max(&mid->rate, mid->duration_s) > 2.5 * before);
    loadplan_free(p);
    const char *only[] = {"cart", NULL};
    scenario_options o = {.only = only};
    p = scenario_load("scenarios/double11.json", &o);
    assert_non_null(p);
    assert_int_equal(p->nsubsystems, 1);
    assert_string_equal(p->subsystems[0].name, "cart");
    assert_int_equal(p->nphases, 5);
    for (size_t e = 0; e < p->nendpoints; e++)
        assert_int_equal(p->endpoints[e].subsystem, 0);
    loadplan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curves),
        cmocka_unit_test(test_sine_clipped),
        cmocka_unit_test(test_arrivals_follow_curves),
        cmocka_unit_test(test_mix),
        cmocka_unit_test(test_only),
        cmocka_unit_test(test_time_scale_growth),
        cmocka_unit_test(test_rules_target_secrets),
        cmocka_unit_test(test_shed_header),
        cmocka_unit_test(test_subsystem_scrape),
        cmocka_unit_test(test_bad_scenarios_rejected),
        cmocka_unit_test(test_shipped),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
