#!/usr/bin/env bash
# suite: solo (CPU-bound: everything under valgrind)
# test_valgrind.sh: the integration paths under valgrind memcheck, for the
# guide's "no memory leaks under valgrind on the integration paths".
#
# Each test runs one short real command (validate, usl, forecast, plan,
# report with gnuplot charts, compare, an ad hoc run, a scenario run with
# feeders and templates, the embedded testbed, a search with --scrape,
# --metrics-listen and --hlog) and fails on any
# memcheck error or a definite/indirect leak (valgrind exits 99 then, and its
# log must say "ERROR SUMMARY: 0 errors"). Under valgrind crest runs far
# slower, so the loads are tiny and a "generator-limited" verdict (exit 3) is
# accepted: only valgrind's verdict and the output file matter here. The
# testbed itself runs normally; children (gnuplot, the embedded testbed) are
# not traced.
source "$(dirname "$0")/lib.sh"

if [ -n "${CREST_SANITIZE:-}" ]; then
    # An ASan binary cannot run under valgrind; `make test` covers this file.
    # run_tests reports each test as skipped.
    SKIP_ALL="sanitizer build"
fi

# vg NAME ARGS...: runs "$CREST ARGS..." under memcheck; sets RC to crest's
# exit code; fails on a memcheck error or leak (log in $TMP/vg-NAME.log).
vg() {
    local name=$1
    shift
    local log="$TMP/vg-$name.log"
    VG_NAME=$name
    set +e
    valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 --track-fds=no --trace-children=no \
        --child-silent-after-fork=yes --log-file="$log" \
        "$CREST" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err"
    RC=$?
    set -e
    if [ "$RC" -eq 99 ] || ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
        cat "$log" >&2
        tail -n 20 "$TMP/$name.err" >&2
        fail "valgrind found errors or leaks in: crest $*"
        return 1
    fi
}

# expect_rc ALLOWED... : RC must be one of them.
expect_rc() {
    local ok
    for ok in "$@"; do
        [ "$RC" -eq "$ok" ] && return 0
    done
    tail -n 20 "$TMP/$VG_NAME.err" >&2
    fail "crest $VG_NAME: exit code $RC, expected one of: $*"
}

test_validate() {
    vg validate validate "$ROOT/scenarios/double11.json"
    expect_rc 0
    grep -q 'expected requests' "$TMP/validate.out"
}

test_usl() {
    vg usl usl "$ROOT/tests/data/usl-specsdm91.csv" --json
    expect_rc 0
    assert_near "$(json "$TMP/usl.out" .alpha)" 0.0277285 0.001 "alpha"
}

test_forecast() {
    vg forecast forecast "$ROOT/scenarios/history/tmall-gmv-1day.csv" --time year \
        --value gmv_bn_rmb --until 2018 --at 2019 --out "$TMP/forecast.json"
    expect_rc 0
    assert_eq "$(json "$TMP/forecast.json" .schema)" "crest.forecast/1" "forecast schema"
}

test_plan() {
    local D="$ROOT/tests/data/plan"
    vg plan plan --forecast "$D/forecast.json" --capacity "$D/capacity-ok.json" \
        --scenario "$D/scenario.json" --peak-factor 2 --out "$TMP/plan.json"
    expect_rc 0
    [ -s "$TMP/plan.json" ] || fail "no plan.json"
    # A shortfall takes the other branch of the gate.
    vg plan-short plan --forecast "$D/forecast.json" --capacity "$D/capacity-short.json" \
        --scenario "$D/scenario.json" --peak-factor 2 --out "$TMP/plan-short.json"
    expect_rc 1
}

test_report_with_charts() {
    command -v gnuplot > /dev/null || fail "gnuplot missing"
    vg report report "$ROOT/tests/data/report/full" --out "$TMP/report"
    expect_rc 0
    grep -q '<svg' "$TMP/report/index.html" || fail "no chart in index.html"
    [ -s "$TMP/report/junit.xml" ]
    [ -s "$TMP/report/summary.txt" ]
}

test_compare() {
    local D="$ROOT/tests/data/compare"
    vg compare compare "$D/baseline.json" "$D/slow.json" --json "$TMP/cmp.json"
    expect_rc 1
    assert_eq "$(json "$TMP/cmp.json" .verdict)" "regression" "compare verdict"
}

test_run_adhoc() {
    start_testbed
    vg run run --url "$TESTBED_URL/cart/x" -R 100 -d 2s --quiet --out "$TMP/results.json" \
        --transport native
    expect_rc 0 3
    assert_eq "$(json "$TMP/results.json" .schema)" "crest.results/2" "results schema"
    assert_eq "$(json "$TMP/results.json" .generator.transport)" "native" "transport"
    # the curl transport too, closed loop with a POST body
    vg run-curl run --url "$TESTBED_URL/cart/add" -c 4 -d 1s --body 'sku=1' --quiet \
        --out "$TMP/results-curl.json" --transport curl
    expect_rc 0 3
    assert_eq "$(json "$TMP/results-curl.json" .generator.transport)" "curl" "transport"
}

# The native transport over TLS (OpenSSL): verified handshakes with
# session resumption (a new connection per request), keep-alive, and the
# verification failure path. No suppression is needed with Debian's
# OpenSSL 3.0: it frees what it allocates at exit.
test_run_tls() {
    local tls_port
    tls_port=$(free_port)
    chmod 755 "$TMP"   # nginx's workers (www-data) read the files under it
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/tls.key" -out "$TMP/tls.pem" \
        -days 1 -subj "/CN=crest test" -addext "subjectAltName=IP:127.0.0.1" > /dev/null 2>&1
    start_nginx "listen 127.0.0.1:$tls_port ssl; ssl_certificate $TMP/tls.pem;
        ssl_certificate_key $TMP/tls.key;"
    wait_port "$tls_port"
    local url="https://127.0.0.1:$tls_port/index.html"
    vg tls-close run --url "$url" -R 40 -c 4 -d 1s --cacert "$TMP/tls.pem" \
        -H 'Connection: close' --quiet --transport native --out "$TMP/tls-close.json"
    expect_rc 0 3
    assert_eq "$(json "$TMP/tls-close.json" .summary.errors)" 0 "errors over TLS"
    assert_cmp "$(json "$TMP/tls-close.json" .generator.tls.resumed) > 0" "sessions resumed"
    vg tls-keepalive run --url "$url" -c 2 -d 3s -k --quiet --transport native \
        --out "$TMP/tls-keepalive.json"
    expect_rc 0 3
    assert_cmp "$(json "$TMP/tls-keepalive.json" .summary.ok) > 0" "answers over TLS"
    assert_eq "$(json "$TMP/tls-keepalive.json" .summary.errors)" 0 "errors over TLS"
    vg tls-unverified run --url "$url" -c 2 -d 0.5s --quiet --transport native \
        --out "$TMP/tls-unverified.json"
    expect_rc 3
    assert_cmp "$(json "$TMP/tls-unverified.json" .summary.net_errors_by_kind.tls) > 0" \
        "verification failures"
}

# Feeders, templated paths, headers and bodies, thresholds: the scenario
# code paths an ad hoc run does not take.
test_run_scenario() {
    start_testbed
    cat > "$TMP/scenario.json" <<EOF
{
  "schema": "crest.scenario/1",
  "name": "valgrind",
  "target": "testbed",
  "arrivals": "uniform",
  "feeders": {
    "user": {"file": "$ROOT/scenarios/data/users.csv", "mode": "sequential"},
    "sku": {"file": "$ROOT/scenarios/data/skus.csv", "mode": "random"}
  },
  "subsystems": {
    "cms": {"weight": 3, "endpoints": [{"name": "home", "path": "/cms/home"}]},
    "cart": {"weight": 1, "thresholds": "errors<50%",
             "endpoints": [
               {"name": "add", "method": "POST", "path": "/cart/add?sku=\${sku.id}",
                "headers": {"Authorization": "Bearer \${user.token}"},
                "body": {"uid": "\${user.id}", "sku": "\${sku.id}", "qty": 1}}]}
  },
  "phases": [{"name": "steady", "duration": "1s", "shape": "constant", "rate": 50}]
}
EOF
    vg scenario run "$TMP/scenario.json" --target "$TESTBED_URL" --quiet \
        --out "$TMP/scenario-results.json"
    expect_rc 0 3
    [ "$(json "$TMP/scenario-results.json" '.subsystems | length')" -eq 2 ] ||
        fail "expected 2 subsystems in results"
}

# No --target: crest starts the embedded testbed as a child (testbed/embed.c).
# Under valgrind /proc/self/exe is valgrind's own tool binary, so the child
# is named with CREST_TESTBED_EXE (embed.c's override for that).
test_run_embedded_testbed() {
    export CREST_TESTBED_EXE=$CREST
    vg embedded run "$TMP/scenario-embedded.json" --quiet --out "$TMP/embedded.json" || return 1
    expect_rc 0 3
    [ -s "$TMP/embedded.json" ] || fail "no results.json"
}

# Checkpoints while running, and the fallback when --out cannot be written.
test_run_checkpoints_and_fallback() {
    start_testbed
    vg checkpoint run --url "$TESTBED_URL/cart/x" -R 100 -d 3s --checkpoint 1s --quiet \
        --out "$TMP/cp.json"
    expect_rc 0 3
    assert_eq "$(json "$TMP/cp.json" .partial)" "false" "final results"
    TMPDIR="$TMP" vg fallback run --url "$TESTBED_URL/cart/x" -R 50 -d 1s --quiet --out /dev/full
    expect_rc 3
    ls "$TMP"/crest-*-full > /dev/null || fail "no fallback file"
}

test_search() {
    start_testbed
    # with the observers on (observe/: scraper thread, metrics server, hlog)
    vg search search --url "$TESTBED_URL/cart/x" --slo 'p99<1s' --step 1s --warmup 0.2s \
        --max-rate 200 --start-rate 100 --checkpoint 1s --out "$TMP/capacity.json" \
        --scrape "tb=$TESTBED_URL/metrics" --metrics-listen "127.0.0.1:$(free_port)" \
        --hlog "$TMP/search.hlog"
    expect_rc 0 3
    assert_eq "$(json "$TMP/capacity.json" .schema)" "crest.capacity/2" "capacity schema"
    assert_cmp "$(json "$TMP/capacity.json" '[.subsystems[0].steps[].resources // [] | length] | add') > 0" \
        "the steps' scraped resources"
    grep -q '^"StartTimestamp"' "$TMP/search.hlog" || fail "no hlog"
}

cat > "$TMP/scenario-embedded.json" <<'EOF'
{
  "schema": "crest.scenario/1",
  "name": "valgrind-embedded",
  "target": "testbed",
  "subsystems": {"pricing": {"weight": 1, "endpoints": [{"name": "quote", "path": "/pricing/quote"}]}},
  "phases": [{"name": "steady", "duration": "1s", "shape": "constant", "rate": 20}]
}
EOF

run_tests
