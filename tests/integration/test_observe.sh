#!/usr/bin/env bash
# test_observe.sh: scraping targets' metrics, crest's own metrics in
# Prometheus and the HdrHistogram interval log, each against a real third
# party on loopback (docs/observe.md):
#   - Debian's prometheus-node-exporter as a scrape target: CPU and load
#     series on the run's per-second axis in results.json;
#   - Debian's prometheus scraping --metrics-listen during a run: its HTTP
#     API's total of requests equals results.json's;
#   - targets that are down, slow, or answer garbage or 500: the run (on
#     the curl transport; the others use the default, native) is not
#     disturbed (every request served, exit 0) and each failure is
#     counted by kind in results.json and printed;
#   - the .hlog read back by hdr-histogram-js (npm, installed into a cache
#     directory on first use): the same counts and percentiles as
#     results.json.
source "$(dirname "$0")/lib.sh"

NPM_CACHE=${CREST_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crest-test}/npm

start_node_exporter() {
    NE_PORT=$(free_port)
    prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" \
        --collector.disable-defaults --collector.cpu --collector.loadavg --collector.meminfo \
        --collector.netdev --collector.netstat --collector.sockstat --collector.filefd \
        > "$TMP/node_exporter.log" 2>&1 &
    PIDS+=("$!")
    wait_port "$NE_PORT"
}

# non_null FILE TARGET SERIES: how many per-second values of SERIES are numbers
non_null() {
    jq --arg t "$2" --arg s "$3" \
        '[.targets[] | select(.name == $t) | .series[] | select(.name == $s) | .values[]
          | select(. != null)] | length' "$1"
}

test_node_exporter_series_on_the_run_axis() {
    start_testbed
    start_node_exporter
    local r="$TMP/node.json" rc=0
    "$CREST" run --url "$TESTBED_URL/cart/view" -R 100 -d 5s --max-loop-lag 500ms --quiet \
        --scrape "node=http://127.0.0.1:$NE_PORT/metrics" --out "$r" > "$TMP/node.out" || rc=$?
    assert_eq "$rc" 0 "exit code"
    assert_eq "$(jq -r .schema "$r")" "crest.results/2" "schema"
    local n
    n=$(jq '.timeseries | length' "$r")
    assert_eq "$n" 5 "seconds in the timeseries"
    for s in cpu_busy_pct node_load1 memory_used_pct; do
        assert_eq "$(jq --arg s "$s" '[.targets[0].series[] | select(.name == $s) | .values | length][0]' "$r")" \
            "$n" "$s: one value per second of the run"
        # scraped every second: at most the first second may lack a value
        assert_cmp "$(non_null "$r" node "$s") >= $n - 1" "$s: values in the run's seconds"
    done
    jq -e '[.targets[0].series[] | select(.name == "cpu_busy_pct") | .values[] | select(. != null)
            | select(. < 0 or . > 100)] | length == 0' "$r" > /dev/null || fail "CPU busy outside 0..100%"
    jq -e '.targets[0].series[] | select(.name == "cpu_busy_pct") | .limit == 100' "$r" > /dev/null ||
        fail "CPU busy has no limit of 100%"
    # load1 as node_exporter reports it: the kernel's /proc/loadavg, 0 or more
    jq -e '[.targets[0].series[] | select(.name == "node_load1") | .values[] | select(. != null)
            | select(. < 0)] | length == 0' "$r" > /dev/null || fail "negative load"
    assert_eq "$(jq '.targets[0].failures' "$r")" 0 "scrape failures"
    grep -q "scrape node (http://127.0.0.1:$NE_PORT/metrics): [0-9]* scrapes, 0 failed" "$TMP/node.out" ||
        fail "no scrape status line"
}

test_prometheus_scrapes_crest_metrics() {
    start_testbed
    local mport pport r="$TMP/prom.json" rc=0
    mport=$(free_port)
    pport=$(free_port)
    mkdir -p "$TMP/prom"
    cat > "$TMP/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: crest
    static_configs:
      - targets: ['127.0.0.1:$mport']
YML
    prometheus --config.file="$TMP/prom/prometheus.yml" --storage.tsdb.path="$TMP/prom/data" \
        --web.listen-address="127.0.0.1:$pport" > "$TMP/prom/log" 2>&1 &
    PIDS+=("$!")
    wait_port "$pport"
    # the final values stay served 3 s (3 scrape intervals) after the run
    "$CREST" run --url "$TESTBED_URL/cart/view" -R 200 -d 6s --max-loop-lag 500ms --quiet \
        --metrics-listen "127.0.0.1:$mport" --metrics-linger 3s --out "$r" > /dev/null || rc=$?
    assert_eq "$rc" 0 "exit code"
    local q='max_over_time(crest_requests_completed_total{subsystem="all"}[5m])' got=""
    for _ in $(seq 1 20); do
        got=$(curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$q" |
              jq -r '.data.result[0].value[1] // empty')
        [ -n "$got" ] && break
        sleep 0.5
    done
    [ -n "$got" ] || { tail -5 "$TMP/prom/log" >&2; fail "Prometheus has no crest_requests_completed_total"; }
    assert_eq "$got" "$(jq .summary.completed "$r")" "requests completed: Prometheus vs results.json"
    q='max_over_time(crest_request_duration_seconds_count{subsystem="all"}[5m])'
    got=$(curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$q" |
          jq -r '.data.result[0].value[1]')
    assert_eq "$got" "$(jq '.summary.ok + .summary.shed + .summary.http_errors' "$r")" \
        "latency histogram count: Prometheus vs results.json"
    # Prometheus saw the counter grow during the run, not only its end
    q='min_over_time(crest_requests_completed_total{subsystem="all"}[5m])'
    got=$(curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$q" |
          jq -r '.data.result[0].value[1]')
    assert_cmp "$got < $(jq .summary.completed "$r")" "the smallest value Prometheus took"
    # every query of the shipped Grafana dashboard runs on these metrics
    local expr n=0
    while IFS= read -r expr; do
        expr=${expr//\$__rate_interval/5s}
        expr=${expr//\$subsystem/.*}
        curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$expr" |
            jq -e '.status == "success"' > /dev/null || fail "Grafana query refused: $expr"
        n=$((n + 1))
    done < <(jq -r '.panels[].targets[].expr' "$ROOT/docs/grafana-crest.json")
    assert_cmp "$n >= 8" "dashboard queries checked"
}

test_bad_targets_do_not_disturb_the_run() {
    start_testbed
    local bport down r="$TMP/bad.json" rc=0
    bport=$(free_port)
    down=$(free_port)
    python3 "$ROOT/tests/integration/bad_metrics_server.py" "$bport" &
    PIDS+=("$!")
    wait_port "$bport"
    # on the curl transport (the other tests use the default, native): the
    # scrapers and the hooks sit beside the engine, not in a transport
    "$CREST" run --url "$TESTBED_URL/cart/view" -R 100 -d 4s --max-loop-lag 500ms --quiet \
        --transport curl \
        --scrape "down=http://127.0.0.1:$down/metrics" \
        --scrape "slow=http://127.0.0.1:$bport/slow" \
        --scrape "garbage=http://127.0.0.1:$bport/garbage" \
        --scrape "error=http://127.0.0.1:$bport/error" --out "$r" > "$TMP/bad.out" || rc=$?
    assert_eq "$rc" 0 "exit code (scrape failures are never fatal)"
    assert_eq "$(jq .summary.scheduled "$r")" 400 "requests scheduled"
    assert_eq "$(jq .summary.ok "$r")" 400 "requests served"
    assert_eq "$(jq .summary.errors "$r")" 0 "request errors"
    assert_eq "$(jq -r .generator.transport "$r")" curl "transport"
    kind() { jq --arg t "$1" --arg k "$2" '.targets[] | select(.name == $t) | .failed[$k]' "$r"; }
    assert_cmp "$(kind down connect) >= 3" "down: connection failures counted"
    assert_cmp "$(kind slow timeout) >= 2" "slow: timeouts counted"
    assert_cmp "$(kind garbage parse) >= 3" "garbage: parse failures counted"
    assert_cmp "$(kind error http) >= 3" "error: HTTP failures counted"
    jq -r '.targets[] | select(.name == "garbage") | .last_error' "$r" | grep -q "^not the exposition format: line 1: " ||
        fail "garbage: the parse error does not say where and what was expected"
    for t in down slow garbage error; do
        jq -e --arg t "$t" '.targets[] | select(.name == $t) | .failures == .scrapes and .scrapes > 0' \
            "$r" > /dev/null || fail "$t: every scrape should have failed"
        grep -q "^scrape $t (.*[1-9][0-9]* failed" "$TMP/bad.out" || fail "$t: failures not printed"
    done
    # and the report shows them, by kind
    "$CREST" report "$r" --no-charts -o "$TMP/bad-report" > /dev/null 2>&1 || fail "report"
    grep -q "<h3>Scrape targets</h3>" "$TMP/bad-report/index.html" || fail "no scrape table in the report"
    grep -qE '<td class="t">garbage</td>.*<td class="t">parse [1-9]' "$TMP/bad-report/index.html" ||
        fail "the report does not count garbage's parse failures"
    grep -qE '<td class="t">down</td>.*<td class="t">connect [1-9]' "$TMP/bad-report/index.html" ||
        fail "the report does not count down's connection failures"
}

ensure_hdr_histogram_js() {
    [ -d "$NPM_CACHE/node_modules/hdr-histogram-js" ] && return 0
    mkdir -p "$NPM_CACHE"
    npm install --prefix "$NPM_CACHE" --cache "$NPM_CACHE/.npm" --no-audit --no-fund \
        hdr-histogram-js@3.0.1 > "$TMP/npm.log" 2>&1 || { cat "$TMP/npm.log" >&2; fail "npm install"; }
}

test_hlog_read_by_hdr_histogram_js() {
    ensure_hdr_histogram_js
    start_testbed
    cat > "$TMP/two.json" <<JSON
{"schema": "crest.scenario/1", "name": "two", "target": "$TESTBED_URL",
 "subsystems": {
   "cart": {"weight": 1, "scrape": "$TESTBED_URL/metrics",
            "endpoints": [{"name": "view", "path": "/cart/view"}]},
   "cms": {"weight": 2, "endpoints": [{"name": "home", "path": "/cms/home"}]}},
 "phases": [{"name": "steady", "duration": "4s", "shape": "constant", "rate": 300}]}
JSON
    local r="$TMP/h.json" rc=0
    "$CREST" run "$TMP/two.json" --max-loop-lag 500ms --quiet --hlog "$TMP/run.hlog" --out "$r" \
        > /dev/null || rc=$?
    assert_eq "$rc" 0 "exit code"
    # the subsystem's "scrape" URL: a target named after it
    assert_eq "$(jq -r '[.targets[].name] | join(",")' "$r")" cart "targets from the scenario"
    assert_cmp "$(jq '[.targets[0].series[] | select(.name | startswith("crest_testbed_busy_workers"))
                      | .values[] | select(. != null)] | length' "$r") > 0" "cart target: testbed series"
    grep -q '^"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"$' \
        "$TMP/run.hlog" || fail "no interval log header"
    NODE_PATH="$NPM_CACHE/node_modules" node "$ROOT/tests/integration/hlog_read.js" "$TMP/run.hlog" \
        > "$TMP/decoded.json" || fail "hdr-histogram-js could not read the log"
    assert_cmp "$(jq .lines "$TMP/decoded.json") >= 12" "interval lines (4 s x total, cart, cms)"
    local scope tag
    for scope in summary subsystems.cart subsystems.cms; do
        case $scope in summary) tag="";; *) tag=${scope#subsystems.};; esac
        local b=".${scope}"
        assert_eq "$(jq --arg t "$tag" '.tags[$t].count' "$TMP/decoded.json")" \
            "$(jq "$b.ok + $b.shed + $b.http_errors" "$r")" "$scope: latency count"
        for p in p50 p90 p99; do
            # the same histogram: the same value, to the microsecond
            assert_eq "$(jq --arg t "$tag" ".tags[\$t].$p" "$TMP/decoded.json")" \
                "$(jq "$b.latency_ms.$p * 1000 | round" "$r")" "$scope: $p (us)"
        done
    done
}

run_tests
