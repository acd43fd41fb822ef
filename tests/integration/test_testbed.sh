#!/usr/bin/env bash
# test_testbed.sh: `crest testbed` over real sockets: routes for all ten
# subsystems (GET, POST with bodies), 404/405, keep-alive and pipelining,
# exact /__stats counts, the capacity model's 429/503/degrade answers, fault
# injection (resets, error bursts, stalls), bad configs (exit 2 naming file
# and key path) and clean shutdown on SIGTERM/SIGINT. The throughput check
# against configured capacity is in test_testbed_capacity.sh.
source "$(dirname "$0")/lib.sh"

SUBSYSTEMS="member product inventory pricing cart transaction order cms seckill coupon"

stats() { curl -sf "$TESTBED_URL/__stats" > "$TMP/stats.json"; }
stat() { json "$TMP/stats.json" "$1"; }

# count_code FILE CODE: lines of FILE starting with CODE.
count_code() { grep -c "^$2" "$1" || true; }

write_config() { # NAME JSON
    printf '%s\n' "$2" > "$TMP/$1.json"
    echo "$TMP/$1.json"
}

test_every_subsystem_answers_get_and_post() {
    start_testbed
    head -c 5000 /dev/zero | tr '\0' 'a' > "$TMP/body.txt"
    for s in $SUBSYSTEMS; do
        out=$(curl -s -w ' %{http_code}' "$TESTBED_URL/$s/item/42?sku=1&x=y")
        assert_eq "${out##* }" 200 "GET /$s"
        echo "$out" | grep -q "\"subsystem\":\"$s\"" || fail "GET /$s body: $out"
        # Expect: 100-continue (curl asks for it by itself only for large
        # bodies, then waits 1 s for it): the testbed answers "100 Continue"
        # (seen on the wire, not timed)
        out=$(curl -sv -w ' %{http_code}' -H 'Content-Type: application/json' \
              -H 'Expect: 100-continue' --data-binary @"$TMP/body.txt" "$TESTBED_URL/$s/add" \
              2> "$TMP/post.err")
        set -- $out
        assert_eq "$2" 200 "POST /$s"
        echo "$1" | grep -q '"bytes":5000' || fail "POST /$s did not read the body: $1"
        grep -q '^> Expect: 100-continue' "$TMP/post.err" || fail "curl did not ask for 100-continue"
        grep -q '^< HTTP/1.1 100 Continue' "$TMP/post.err" || fail "POST /$s: no 100 Continue"
    done
    # chunked bodies are read too
    out=$(printf 'abcdefghij' | curl -s -H 'Transfer-Encoding: chunked' --data-binary @- \
          "$TESTBED_URL/cart")
    echo "$out" | grep -q '"bytes":10' || fail "chunked body: $out"
    # the prefix alone, with a query, works
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$TESTBED_URL/order?id=1")" 200 "/order?id=1"
}

test_unknown_paths_404_and_methods_405() {
    start_testbed
    for p in / /nothing /cartx /carts/1 /__pingx /Cart; do
        assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$TESTBED_URL$p")" 404 "GET $p"
    done
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$TESTBED_URL/__stats/reset")" 405 \
        "GET /__stats/reset"
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$TESTBED_URL/__stats")" 405 \
        "POST /__stats"
    assert_eq "$(curl -s "$TESTBED_URL/__ping")" '{"ok":true}' "/__ping body"
    stats
    assert_eq "$(stat .other.not_found)" 6 "not_found count"
    assert_eq "$(stat .total.requests)" 0 "no subsystem saw a request"
}

test_keep_alive_reuses_one_connection() {
    start_testbed
    curl -s -o /dev/null "$TESTBED_URL/__ping"   # connection 1
    curl -sv -o /dev/null -o /dev/null -o /dev/null "$TESTBED_URL/cart" "$TESTBED_URL/cms" \
        "$TESTBED_URL/__ping" 2> "$TMP/verbose.txt"
    grep -q 'Re-using existing connection' "$TMP/verbose.txt" || fail "no connection reuse"
    stats
    assert_eq "$(stat .other.connections_accepted)" 3 "connections (1 + 1 kept alive + stats)"
    # HTTP/1.0 without keep-alive gets Connection: close
    curl -s -0 -D "$TMP/h10.txt" -o /dev/null "$TESTBED_URL/__ping"
    grep -qi '^Connection: close' "$TMP/h10.txt" || fail "HTTP/1.0 not closed"
    # HTTP/1.0 asking for keep-alive is told so
    curl -s -0 -H 'Connection: keep-alive' -D "$TMP/h10k.txt" -o /dev/null "$TESTBED_URL/__ping"
    grep -qi '^Connection: keep-alive' "$TMP/h10k.txt" || fail "HTTP/1.0 keep-alive not confirmed"
}

test_pipelined_requests_answered_in_order() {
    start_testbed
    python3 - "$TESTBED_PORT" > "$TMP/pipe.txt" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
reqs = (b"GET /order/1 HTTP/1.1\r\nHost: x\r\n\r\n"          # 10 ms at a worker
        b"GET /__ping HTTP/1.1\r\nHost: x\r\n\r\n"           # immediate
        b"POST /cart/add HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\nabcdefg"
        b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /cms/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
s.sendall(reqs)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
for part in data.split(b"HTTP/1.1 ")[1:]:
    status = part.split(b" ", 1)[0].decode()
    body = part.split(b"\r\n\r\n", 1)[1].strip().decode()
    print(status, body)
PY
    cat "$TMP/pipe.txt"
    assert_eq "$(wc -l < "$TMP/pipe.txt")" 5 "five answers, then close"
    sed -n 1p "$TMP/pipe.txt" | grep -q '^200 .*"subsystem":"order"' || fail "1st answer"
    sed -n 2p "$TMP/pipe.txt" | grep -q '^200 {"ok":true}' || fail "2nd answer"
    sed -n 3p "$TMP/pipe.txt" | grep -q '^200 .*"subsystem":"cart".*"bytes":7' || fail "3rd answer"
    sed -n 4p "$TMP/pipe.txt" | grep -q '^404 ' || fail "4th answer"
    sed -n 5p "$TMP/pipe.txt" | grep -q '^200 .*"subsystem":"cms"' || fail "5th answer"
}

test_stats_counts_are_exact() {
    start_testbed
    curl -s -o /dev/null "$TESTBED_URL/cart"     # counted, then reset away
    assert_eq "$(curl -s -XPOST "$TESTBED_URL/__stats/reset")" '{"reset":true}' "reset answer"
    urls=()
    for i in $(seq 1 37); do urls+=("$TESTBED_URL/cart/add?i=$i"); done
    for i in $(seq 1 13); do urls+=("$TESTBED_URL/cms/p$i"); done
    args=()
    for u in "${urls[@]}"; do args+=(-o /dev/null "$u"); done
    curl -s -w '%{http_code}\n' "${args[@]}" > "$TMP/codes.txt"
    curl -s -XPOST -d 'x=1' -w '%{http_code}\n' -o /dev/null -o /dev/null -o /dev/null \
        "$TESTBED_URL/order" "$TESTBED_URL/order" "$TESTBED_URL/order" >> "$TMP/codes.txt"
    curl -s -o /dev/null "$TESTBED_URL/nothing"
    assert_eq "$(count_code "$TMP/codes.txt" 200)" 53 "curl saw 53 OKs"
    stats
    assert_eq "$(stat .subsystems.cart.served)" 37 "cart served"
    assert_eq "$(stat .subsystems.cart.requests)" 37 "cart requests"
    assert_eq "$(stat .subsystems.cms.served)" 13 "cms served"
    assert_eq "$(stat .subsystems.order.served)" 3 "order served"
    assert_eq "$(stat .subsystems.member.served)" 0 "member served"
    assert_eq "$(stat .total.served)" 53 "total served"
    assert_eq "$(stat .total.requests)" 53 "total requests"
    assert_eq "$(stat .total.in_flight)" 0 "nothing in flight"
    assert_eq "$(stat .other.not_found)" 1 "not found"
    for k in rejected_503 rejected_429 degraded errors_500 resets; do
        assert_eq "$(stat .total.$k)" 0 "total $k"
    done
    assert_eq "$(stat .schema)" crest.testbed-stats/1 "schema"
    assert_eq "$(stat .subsystems.cart.capacity_rps)" 1200 "cart capacity"
}

test_rate_limit_gives_429() {
    cfg=$(write_config rl '{"subsystems": {"cart": {"rate_limit": {"rate": 2, "burst": 5}}}}')
    start_testbed --config "$cfg"
    local t0 t1
    t0=$(date +%s.%N)
    curl -s -w '%{http_code}\n' $(printf -- "-o /dev/null $TESTBED_URL/cart/%s " $(seq 1 30)) \
        > "$TMP/codes.txt"
    t1=$(date +%s.%N)
    ok=$(count_code "$TMP/codes.txt" 200)
    limited=$(count_code "$TMP/codes.txt" 429)
    assert_eq "$((ok + limited))" 30 "only 200 and 429"
    # the burst, plus 2/s refilled over however long the 30 requests took
    assert_cmp "$ok >= 5 && $ok <= 5 + 2 * ($t1 - $t0) + 1" \
        "burst 5 plus 2/s refill during the $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}') s run, got $ok OKs"
    stats
    assert_eq "$(stat .subsystems.cart.rejected_429)" "$limited" "429 count matches curl"
    assert_eq "$(stat .subsystems.cart.served)" "$ok" "served matches curl"
    assert_eq "$(stat .subsystems.cms.rejected_429)" 0 "other subsystems unlimited"
}

# N parallel requests to URL; their codes (and X-Degraded) in FILE.
parallel_get() { # N URL FILE
    local args=()
    for i in $(seq 1 "$1"); do args+=(-o /dev/null "$2/$i"); done
    curl -s -Z --parallel-immediate --parallel-max "$1" \
        -w '%{http_code} %header{x-degraded}\n' "${args[@]}" > "$3"
}

test_queue_limit_gives_503() {
    cfg=$(write_config ql '{"subsystems": {"cart": {"workers": 1, "queue_limit": 2,
          "service_time": {"dist": "fixed", "mean_ms": 600}}}}')
    start_testbed --config "$cfg"
    parallel_get 10 "$TESTBED_URL/cart" "$TMP/codes.txt"
    cat "$TMP/codes.txt"
    assert_eq "$(count_code "$TMP/codes.txt" 200)" 3 "one at the worker + two queued"
    assert_eq "$(count_code "$TMP/codes.txt" 503)" 7 "the rest: queue full"
    stats
    assert_eq "$(stat .subsystems.cart.rejected_503)" 7 "503 count"
    assert_eq "$(stat .subsystems.cart.queue_high_water)" 2 "queue high water"
    assert_eq "$(stat .subsystems.cart.served)" 3 "served"
}

test_degrade_mode_answers_from_cache() {
    cfg=$(write_config dg '{"subsystems": {"order": {"workers": 1, "queue_limit": 100,
          "service_time": {"dist": "fixed", "mean_ms": 600}, "degrade": {"queue_above": 1}}}}')
    start_testbed --config "$cfg"
    parallel_get 8 "$TESTBED_URL/order" "$TMP/codes.txt"
    cat "$TMP/codes.txt"
    assert_eq "$(count_code "$TMP/codes.txt" 200)" 8 "all answered 200"
    assert_eq "$(grep -c '^200 1$' "$TMP/codes.txt")" 6 "six with X-Degraded: 1"
    stats
    assert_eq "$(stat .subsystems.order.degraded)" 6 "degraded count"
    assert_eq "$(stat .subsystems.order.served)" 8 "degraded count as served"
    # the default seckill degrades too: X-Degraded appears under a burst
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$TESTBED_URL/seckill/buy")" 200 "seckill"
}

test_fault_resets_close_without_answer() {
    cfg=$(write_config rs '{"subsystems": {"coupon": {"faults": {"reset_fraction": 1}}}}')
    start_testbed --config "$cfg"
    failures=0
    for i in 1 2 3 4; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$TESTBED_URL/coupon/claim") && rc=0 || rc=$?
        assert_eq "$code" 000 "no HTTP answer"
        assert_cmp "$rc == 56 || $rc == 52" "curl saw a reset or an empty reply (rc $rc)"
        failures=$((failures + 1))
    done
    stats
    assert_eq "$(stat .subsystems.coupon.resets)" "$failures" "resets counted"
    assert_eq "$(stat .subsystems.coupon.served)" 0 "nothing served"
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$TESTBED_URL/cart")" 200 "cart unaffected"
}

test_fault_error_burst_gives_500() {
    cfg=$(write_config eb '{"subsystems": {"order": {"faults":
          {"error_burst": {"every_s": 1, "for_ms": 900}}}}}')
    start_testbed --config "$cfg"
    # healthy during the first period
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$TESTBED_URL/order")" 200 "before"
    sleep 1.1
    curl -s -w '%{http_code}\n' $(printf -- "-o /dev/null $TESTBED_URL/order/%s " $(seq 1 20)) \
        > "$TMP/codes.txt"
    errors=$(count_code "$TMP/codes.txt" 500)
    assert_cmp "$errors >= 12" "most answers in 90%-of-the-time bursts are 500 ($errors/20)"
    stats
    assert_eq "$(stat .subsystems.order.errors_500)" "$errors" "500s counted"
    assert_eq "$(stat .subsystems.order.served)" "$((21 - errors))" "the rest served"
}

test_fault_stall_holds_answers() {
    cfg=$(write_config st '{"subsystems": {"member": {"service_time": {"dist": "fixed",
          "mean_ms": 1}, "faults": {"stall": {"every_s": 1, "for_ms": 700}}}}}')
    start_testbed --config "$cfg"
    stats
    up=$(stat .uptime_s)
    # land 50 ms into the first stall window [1.0 s, 1.7 s)
    sleep "$(awk -v u="$up" 'BEGIN { d = 1.05 - u; print (d > 0 ? d : 0) }')"
    t=$(curl -s -o /dev/null -w '%{time_total}' "$TESTBED_URL/member/profile")
    # held (the lower bound is the property); the upper bound is loose
    assert_cmp "$t > 0.15 && $t < 3" "answer held until the stall ends (took ${t}s)"
    stats
    assert_eq "$(stat .subsystems.member.stalled)" 1 "stalled count"
    assert_eq "$(stat .subsystems.member.served)" 1 "served after the stall"
}

test_counts_add_up_under_load_with_faults() {
    cfg=$(write_config chaos '{"subsystems": {
        "coupon": {"faults": {"reset_fraction": 0.05, "error_burst": {"every_s": 0.4, "for_ms": 100}}},
        "cart": {"queue_limit": 20, "rate_limit": {"rate": 5000, "burst": 20}},
        "order": {"degrade": {"queue_above": 30}, "faults": {"stall": {"every_s": 0.5, "for_ms": 100}}}}}')
    start_testbed --config "$cfg"
    for s in coupon cart order; do
        wrk -t1 -c50 -d1s "$TESTBED_URL/$s/x" > "$TMP/wrk.$s.txt" 2>&1
    done
    sleep 0.3    # let abandoned work finish
    stats
    for s in coupon cart order; do
        sum=$(jq ".subsystems.$s | .served + .rejected_503 + .rejected_429 + .errors_500 + .resets + .abandoned + .in_flight" "$TMP/stats.json")
        assert_eq "$sum" "$(stat .subsystems.$s.requests)" "$s: every request in exactly one bucket"
        assert_eq "$(stat .subsystems.$s.in_flight)" 0 "$s: nothing left in flight"
        # what wrk saw agrees, up to one unread answer per connection at its end
        non2xx=$(grep -oE 'Non-2xx or 3xx responses: [0-9]+' "$TMP/wrk.$s.txt" | grep -oE '[0-9]+$' || echo 0)
        bad=$(jq ".subsystems.$s | .rejected_503 + .rejected_429 + .errors_500" "$TMP/stats.json")
        assert_cmp "$non2xx <= $bad && $bad <= $non2xx + 50" "$s: wrk non-2xx $non2xx, testbed $bad"
    done
    assert_cmp "$(stat .subsystems.coupon.resets) > 0 && $(stat .subsystems.coupon.errors_500) > 0" \
        "coupon faults happened"
    assert_cmp "$(stat .subsystems.cart.rejected_429) > 0 && $(stat .subsystems.cart.rejected_503) > 0" \
        "cart limits hit"
    assert_cmp "$(stat .subsystems.order.degraded) > 0 && $(stat .subsystems.order.stalled) > 0" \
        "order degraded and stalled"
    resets_wrk=$(grep -oE 'read [0-9]+' "$TMP/wrk.coupon.txt" | grep -oE '[0-9]+' || echo 0)
    assert_cmp "$resets_wrk <= $(stat .subsystems.coupon.resets) && $(stat .subsystems.coupon.resets) <= $resets_wrk + 50" \
        "wrk saw $resets_wrk resets"
}

test_bad_config_exits_2_naming_file_and_key() {
    check() { # JSON EXPECTED...
        local f="$TMP/bad.json" rc=0
        printf '%s\n' "$1" > "$f"
        shift
        "$CREST" testbed --listen 127.0.0.1:0 --config "$f" > "$TMP/out.txt" 2>&1 || rc=$?
        assert_eq "$rc" 2 "exit code for $(head -c 80 "$f")"
        for want in "$@"; do
            grep -qF -- "$want" "$TMP/out.txt" || fail "message lacks '$want': $(cat "$TMP/out.txt")"
        done
    }
    check '{"subsystems": {"cart": {"workers": -2}}}' "$TMP/bad.json" \
        "'subsystems.cart.workers'" "integer in [1, 100000]" "found -2"
    check '{"subsystems": {"cart": {"workers": 8,}}}' "$TMP/bad.json:1:" "malformed JSON"
    check '{"subsystems": {"cart": {"rate_limt": {"rate": 5}}}}' "$TMP/bad.json" \
        "unknown key 'subsystems.cart.rate_limt'" "rate_limit"
    check '{"subsystems": {"basket": {}}}' "unknown key 'subsystems.basket'"
    check '{"subsystems": {"cms": {"service_time": {"dist": "weibull"}}}}' \
        "'subsystems.cms.service_time.dist'" "fixed, exponential, lognormal"
    check '{"subsystems": {"cart": {"faults": {"stall": {"every_s": 1}}}}}' \
        "missing key 'subsystems.cart.faults.stall.for_ms'"
    rc=0
    "$CREST" testbed --config "$TMP/does-not-exist.json" > "$TMP/out.txt" 2>&1 || rc=$?
    assert_eq "$rc" 2 "missing config file"
    grep -q "does-not-exist.json" "$TMP/out.txt" || fail "missing file not named"
    rc=0
    "$CREST" testbed --listen 127.0.0.1 > "$TMP/out.txt" 2>&1 || rc=$?
    assert_eq "$rc" 2 "--listen without port"
    rc=0
    "$CREST" testbed --listen localhost:0 > "$TMP/out.txt" 2>&1 || rc=$?
    assert_eq "$rc" 2 "--listen with a host name"
    rc=0
    "$CREST" testbed --bogus > "$TMP/out.txt" 2>&1 || rc=$?
    assert_eq "$rc" 2 "unknown option"
    "$CREST" testbed --help | grep -q -- '--config' || fail "--help"
}

test_sigterm_and_sigint_shut_down_cleanly() {
    for sig in TERM INT; do
        cfg=$(write_config slow '{"subsystems": {"member": {"service_time": {"dist": "fixed",
              "mean_ms": 3000}}}}')
        start_testbed --config "$cfg"
        curl -s -o /dev/null "$TESTBED_URL/cart"
        # a request still at a worker and an idle keep-alive connection
        curl -s -o /dev/null "$TESTBED_URL/member" 2>/dev/null &
        curl_pid=$!
        sleep 0.3
        start=$(date +%s.%N)
        kill -"$sig" "$TESTBED_PID"
        rc=0
        wait "$TESTBED_PID" || rc=$?
        took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
        assert_eq "$rc" 0 "exit status after SIG$sig"
        # it does not wait for the 3 s request at the worker
        assert_cmp "$took < 2.5" "SIG$sig shutdown took ${took}s"
        wait "$curl_pid" 2>/dev/null || true
        ! (exec 3<>/dev/tcp/127.0.0.1/"$TESTBED_PORT") 2>/dev/null || fail "still listening"
    done
}

run_tests
