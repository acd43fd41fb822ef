#!/usr/bin/env bash
# suite: solo (judges rates and the coordinated-omission latencies)
# test_run.sh: `crest run` measures correctly: its counts match what real
# servers saw, open-loop rates are delivered, latency counts from the
# intended send time, and failures are counted by kind without crashing.
# Generous --max-loop-lag bounds: CI machines are shared, and these tests
# check the measurements, not the generator's health.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/run_helpers.sh"

test_counts_match_testbed() {
    start_testbed
    crest_run "$TMP/tb.json" --url "$TESTBED_URL/cms/home" -R 400 -d 2s --max-loop-lag 1s --quiet
    assert_eq "$RC" 0 "exit code"
    local served sent
    served=$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.cms.requests)
    assert_eq "$(json "$TMP/tb.json" .summary.scheduled)" 800 "scheduled"
    assert_eq "$(json "$TMP/tb.json" .summary.sent)" "$served" "sent vs testbed requests"
    assert_eq "$(json "$TMP/tb.json" .summary.ok)" "$served" "ok vs testbed requests"
    # Closed loop against the same server: counts still match exactly.
    curl -s -X POST "$TESTBED_URL/__stats/reset" > /dev/null
    crest_run "$TMP/tb2.json" --url "$TESTBED_URL/product/detail" -c 8 -d 1s --max-loop-lag 1s --quiet
    served=$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.product.requests)
    assert_eq "$(json "$TMP/tb2.json" .summary.ok)" "$served" "closed loop ok vs testbed requests"
    assert_cmp "$served > 50" "closed loop sent a reasonable number of requests"
    assert_eq "$(json "$TMP/tb2.json" .generator.connections_opened)" 8 "connections opened"
    # auto picks the native transport for http:// (CREST_TRANSPORT overrides)
    assert_eq "$(json "$TMP/tb2.json" .generator.transport)" "${CREST_TRANSPORT:-native}" "transport"
}

test_nginx_counts_and_rate() {
    start_nginx "access_log $TMP/access.log;"
    crest_run "$TMP/ng.json" --url "$NGINX_URL/index.html" -R 2000 -d 5s --threads 1 \
        --max-loop-lag 1s --quiet
    assert_eq "$RC" 0 "exit code"
    local lines
    lines=$(wc -l < "$TMP/access.log")
    assert_eq "$(json "$TMP/ng.json" .summary.scheduled)" 10000 "scheduled at 2000/s for 5 s"
    assert_eq "$lines" 10000 "nginx access log lines"
    assert_eq "$(json "$TMP/ng.json" .summary.ok)" "$lines" "ok vs nginx access log"
    assert_eq "$(json "$TMP/ng.json" '.summary.status."2xx"')" "$lines" "2xx"
    # The rate is a mean over the run: the counts are exact, and the
    # per-second series adds up to them. Single seconds are not checked: a
    # generator descheduled at a second boundary on a shared machine moves
    # requests between neighbouring seconds without changing the rate.
    assert_near "$(json "$TMP/ng.json" .summary.rate)" 2000 0.01 "overall rate"
    assert_eq "$(json "$TMP/ng.json" '[.timeseries[].offered] | add')" 10000 "offered over the series"
    assert_eq "$(json "$TMP/ng.json" '[.timeseries[].completed] | add')" 10000 "completed over the series"
    # What nginx saw per wall-clock second, on average over the inner,
    # complete seconds (a loose bound: this is the machine's pace).
    awk -F'[][]' '{ split($2, a, " "); n[a[1]]++ } END { for (s in n) print s, n[s] }' \
        "$TMP/access.log" | sort | sed '1d;$d' > "$TMP/persec"
    [ "$(wc -l < "$TMP/persec")" -ge 3 ] || fail "expected at least 3 inner seconds in the access log"
    assert_near "$(awk '{ s += $2 } END { print s / NR }' "$TMP/persec")" 2000 0.05 \
        "mean requests per second nginx saw"
}

# --send-batch 20ms at 2000/s: arrivals 0.5 ms apart go out only on a 20 ms
# tick, so each waits 0-20 ms (loop lag p50 ~10 ms, counted in latency),
# and every one is still sent and answered exactly once. Without batching
# the same run's loop lag p50 is tens of microseconds.
test_send_batch() {
    start_nginx
    crest_run "$TMP/sb.json" --url "$NGINX_URL/index.html" -R 2000 -d 2s --threads 1 \
        --send-batch 20ms --max-loop-lag 1s --quiet
    assert_eq "$RC" 0 "exit code"
    assert_eq "$(json "$TMP/sb.json" .summary.ok)" 4000 "every arrival answered"
    assert_eq "$(json "$TMP/sb.json" .generator.send_batch_ms)" 20 "the period in results.json"
    local lag
    lag=$(json "$TMP/sb.json" .summary.loop_lag_ms.p50)
    assert_cmp "$lag >= 5 && $lag <= 40" "loop lag p50 $lag ms: batches every 20 ms"
    assert_cmp "$(json "$TMP/sb.json" .summary.latency_ms.p50) >= $lag" "latency counts the batch wait"
    "$CREST" report "$TMP/sb.json" --out "$TMP/sb-report" --no-charts > /dev/null 2>&1 ||
        fail "report of a batched run"
    grep -q "sends batched every 20 ms" "$TMP/sb-report/summary.txt" || fail "summary.txt names the batching"
    grep -q "sends batched every (--send-batch)</th><td>20 ms" "$TMP/sb-report/index.html" ||
        fail "index.html names the batching"
    # More due per tick than one wakeup handles (8000/s x 100 ms = 800 >
    # BATCH): the rest still goes out right after I/O, not a tick later
    # (that had capped a thread at 256 per tick: lag p99 in seconds). The
    # bound on loop lag grows by the period: batching is not falling behind.
    crest_run "$TMP/sb2.json" --url "$NGINX_URL/index.html" -R 8000 -d 2s --threads 1 \
        --send-batch 100ms --max-loop-lag 50ms --quiet
    assert_eq "$RC" 0 "exit code, 100 ms batches under a 50 ms bound"
    assert_eq "$(json "$TMP/sb2.json" .summary.ok)" 16000 "every arrival answered"
    assert_eq "$(json "$TMP/sb2.json" .generator.generator_limited)" false "not generator-limited"
    assert_cmp "$(json "$TMP/sb2.json" .summary.loop_lag_ms.p99) < 500" "loop lag p99 within the period"
    local rc=0
    "$CREST" run --url "$NGINX_URL/index.html" --send-batch 200ms -d 1s > /dev/null 2> "$TMP/sb.err" || rc=$?
    assert_eq "$rc" 2 "an out-of-range period is refused"
    grep -q -- "--send-batch '200ms': expected 0 (off) or a duration from 10us to 100ms" "$TMP/sb.err" ||
        fail "the refusal names the flag and the range: $(cat "$TMP/sb.err")"
}

test_stages_and_warmup() {
    start_nginx
    crest_run "$TMP/st.json" --url "$NGINX_URL/index.html" --stages 1s:0-1000,1s:1000 \
        --max-loop-lag 1s --quiet
    assert_eq "$RC" 0 "exit code"
    # A ramp 0 -> 1000 over 1 s is 500 requests, then 1000: 1500 exactly.
    assert_eq "$(json "$TMP/st.json" .summary.scheduled)" 1500 "scheduled over the stages"
    assert_near "$(json "$TMP/st.json" .timeseries[0].target_rate)" 500 0.01 "target rate mid-ramp"
    assert_near "$(json "$TMP/st.json" .timeseries[0].offered)" 500 0.01 "offered during the ramp"
    crest_run "$TMP/wu.json" --url "$NGINX_URL/index.html" -R 500 -d 2s --warmup 1s \
        --max-loop-lag 1s --quiet
    assert_eq "$(json "$TMP/wu.json" .summary.scheduled)" 500 "only the measured second counts"
    assert_eq "$(json "$TMP/wu.json" '.timeseries | length')" 1 "one measured second"
    # Closed loop with think time: 4 connections x (1 s / 100 ms) = about
    # 40, never more than 4 x 11 (the pacing); fewer only when the machine
    # is slow, so the lower bound is loose.
    crest_run "$TMP/th.json" --url "$NGINX_URL/index.html" -c 4 --think 100ms -d 1s \
        --threads 1 --max-loop-lag 1s --quiet
    assert_cmp "$(json "$TMP/th.json" .summary.scheduled) <= 44" \
        "closed loop with think time paces each connection"
    assert_cmp "$(json "$TMP/th.json" .summary.scheduled) >= 20" "think time does not stall the loop"
}

# 1000 req/s; the subsystem holds every answer for 500 ms every 2 s. A
# request intended x ms into a stall waits 500 - x ms: a quarter of the
# requests wait uniformly 0..500 ms. Over whole cycles the top 10% are
# those that waited >= 300 ms (p90 ~ 300 ms) and the top 1% >= 480 ms
# (p99 ~ 480 ms), plus the few ms it takes to drain the backlog. Service
# time stays small: only the requests already on the 64 connections are
# held by the server; the rest wait in crest's queue (connection wait).
test_http_errors_and_poisson() {
    start_nginx "access_log $TMP/post.log;"
    # nginx answers POST to a static file with 405: counted as HTTP errors.
    crest_run "$TMP/post.json" --url "$NGINX_URL/index.html" -X POST --body 'qty=1' \
        -H 'Content-Type: application/x-www-form-urlencoded' -R 100 -d 1s --max-loop-lag 1s --quiet
    assert_eq "$RC" 1 "exit code (answers came, nothing succeeded: a failed gate)"
    assert_eq "$(json "$TMP/post.json" .summary.http_errors)" 100 "405s are HTTP errors"
    assert_eq "$(json "$TMP/post.json" '.summary.status."4xx"')" 100 "4xx class"
    assert_eq "$(grep -c '"POST /index.html HTTP/1.1" 405' "$TMP/post.log")" 100 "nginx saw the POSTs"
    crest_run "$TMP/poi.json" --url "$NGINX_URL/index.html" --arrivals poisson -R 1000 -d 2s \
        --max-loop-lag 1s --quiet
    local n
    n=$(json "$TMP/poi.json" .summary.scheduled)
    assert_cmp "$n > 2000 - 180 && $n < 2000 + 180" "Poisson arrivals: 2000 expected, within 4 sigma ($n)"
    assert_eq "$(json "$TMP/poi.json" .settings.arrivals)" poisson "arrivals recorded"
}

test_coordinated_omission() {
    cat > "$TMP/stall.json" <<JSON
{"subsystems": {"cms": {"workers": 128, "faults": {"stall": {"every_s": 2, "for_ms": 500}}}}}
JSON
    start_testbed --config "$TMP/stall.json"
    wait_testbed_phase 2 0.6   # start just after a stall: the run covers 3 whole cycles
    crest_run "$TMP/co.json" --url "$TESTBED_URL/cms/home" -R 1000 -d 6s --max-loop-lag 1s --quiet
    assert_eq "$(json "$TMP/co.json" .summary.ok)" 6000 "every request answered"
    local p90 p99 s90
    p90=$(json "$TMP/co.json" .summary.latency_ms.p90)
    p99=$(json "$TMP/co.json" .summary.latency_ms.p99)
    s90=$(json "$TMP/co.json" .summary.service_time_ms.p90)
    # The stall sets lower bounds whatever the machine's speed (latency
    # counts from the intended time, so a slow generator only adds to it);
    # the upper bounds are loose (twice the stall's own figures): a
    # generator descheduled on a loaded machine adds real latency.
    assert_cmp "$p90 >= 270 && $p90 <= 600" "latency p90 near 300 ms (got $p90)"
    assert_cmp "$p99 >= 460 && $p99 <= 1000" "latency p99 near 480 ms (got $p99)"
    assert_cmp "$(json "$TMP/co.json" .summary.latency_ms.p50) < $p90" "p50 below p90"
    assert_cmp "$p90 < $p99 && $p99 <= $(json "$TMP/co.json" .summary.latency_ms.max)" "p90 < p99 <= max"
    # Service time does not show the stall: most requests waited in crest's
    # queue, not on a held connection.
    assert_cmp "$s90 < $p90 / 3" "service time p90 ($s90) far below latency p90 ($p90)"
    assert_eq "$(json "$TMP/co.json" .generator.connection_wait_warning)" true "connection wait warned"
}

test_refused_connections() {
    local port
    port=$(free_port)
    crest_run "$TMP/ref.json" --url "http://127.0.0.1:$port/" -R 200 -d 1s --max-loop-lag 1s --quiet
    assert_eq "$RC" 3 "a run against a dead port could not run (results still written)"
    assert_eq "$(json "$TMP/ref.json" .summary.scheduled)" 200 "scheduled"
    assert_eq "$(json "$TMP/ref.json" .summary.net_errors_by_kind.refused)" 200 "refused counted"
    assert_eq "$(json "$TMP/ref.json" .summary.ok)" 0 "nothing ok"
}

test_resets_counted() {
    cat > "$TMP/reset.json" <<JSON
{"subsystems": {"cart": {"workers": 64, "faults": {"reset_fraction": 0.3}}}}
JSON
    start_testbed --config "$TMP/reset.json"
    crest_run "$TMP/rst.json" --url "$TESTBED_URL/cart/view" -R 300 -d 1s --max-loop-lag 1s --quiet
    local resets requests
    resets=$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.cart.resets)
    requests=$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.cart.requests)
    # libcurl would re-send a request whose reused connection was reset;
    # crest refuses that retry, so the server sees exactly what was sent.
    assert_eq "$requests" 300 "testbed saw each request once"
    assert_cmp "$resets > 30" "the testbed reset some requests ($resets)"
    assert_eq "$(json "$TMP/rst.json" .summary.net_errors_by_kind.reset)" "$resets" "resets counted as resets"
    assert_eq "$(( $(json "$TMP/rst.json" .summary.ok) + resets ))" 300 "ok + resets = scheduled"
}

test_garbage_server() {
    local port
    port=$(free_port)
    python3 - "$port" > /dev/null 2>&1 <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(128)
while True:
    c, _ = s.accept()
    try:
        c.recv(4096); c.sendall(b"\x00\x01garbage that is not HTTP\r\n\r\n")
    except OSError:
        pass
    c.close()
PY
    PIDS+=("$!")
    wait_port "$port"
    crest_run "$TMP/gb.json" --url "http://127.0.0.1:$port/" -R 100 -d 1s --max-loop-lag 1s --quiet
    # no HTTP answer at all: the run could not run (docs/gates.md), results still written
    assert_eq "$RC" 3 "exit code"
    assert_eq "$(json "$TMP/gb.json" .summary.net_errors)" 100 "every answer is a network error"
    assert_eq "$(json "$TMP/gb.json" .summary.net_errors_by_kind.protocol)" 100 "classified as protocol errors"
}

run_tests
