#!/usr/bin/env bash
# test_run_promises.sh: what the README promises about `crest run` that the
# other files do not cover: request timeouts (--timeout, the `timeout`
# error kind), SIGTERM (exit 3, "interrupted": true), the second Ctrl-C
# quitting at once, --seed reproducibility (the same request sequence on
# the wire, seen by a capturing server), TLS client certificates
# (--cert/--key against nginx requiring one), and the generator ">95% busy"
# rule as recorded in results.json. About 30 s.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/run_helpers.sh"

# member answers after 2 s, cart after 5 ms: a 300 ms timeout fails every
# member request (kind "timeout") and none of cart's.
test_request_timeout() {
    cat > "$TMP/slow.json" <<'JSON'
{"subsystems": {"member": {"workers": 64, "service_time": {"dist": "fixed", "mean_ms": 2000}},
                "cart": {"workers": 64, "service_time": {"dist": "fixed", "mean_ms": 5}}}}
JSON
    start_testbed --config "$TMP/slow.json"
    crest_run "$TMP/to.json" --url "$TESTBED_URL/member/info" -R 20 -d 1s --timeout 300ms \
        --max-loop-lag 1s --quiet --threshold 'errors<1%'
    assert_eq "$RC" 1 "the errors threshold fails"
    assert_eq "$(json "$TMP/to.json" .summary.scheduled)" 20 "scheduled"
    assert_eq "$(json "$TMP/to.json" .summary.net_errors_by_kind.timeout)" 20 "every request timed out"
    assert_eq "$(json "$TMP/to.json" .summary.ok)" 0 "none answered in time"
    assert_eq "$(json "$TMP/to.json" .settings.timeout_s)" 0.3 "timeout recorded"
    assert_eq "$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.member.requests)" 20 \
        "the testbed received every request"
    # a timed-out request is cut at the timeout, not at the answer
    assert_cmp "$(json "$TMP/to.json" .summary.duration_s) < 2" "the run did not wait for the 2 s answers"
    crest_run "$TMP/fast.json" --url "$TESTBED_URL/cart/view" -R 20 -d 1s --timeout 300ms \
        --max-loop-lag 1s --quiet --threshold 'errors<1%'
    assert_eq "$RC" 0 "a fast subsystem under the same timeout"
    assert_eq "$(json "$TMP/fast.json" .summary.ok)" 20 "all answered in time"
    assert_eq "$(json "$TMP/fast.json" .summary.net_errors_by_kind.timeout)" 0 "no timeouts"
}

test_sigterm_writes_interrupted_results() {
    start_nginx
    "$CREST" run --url "$NGINX_URL/index.html" -R 300 -d 30s --quiet --max-loop-lag 1s \
        --out "$TMP/term.json" > "$TMP/term.log" 2>&1 &
    local pid=$! rc=0
    PIDS+=("$pid")
    sleep 1.5
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    assert_eq "$rc" 3 "exit code after SIGTERM"
    assert_eq "$(json "$TMP/term.json" .interrupted)" true "marked interrupted"
    check_accounting "$TMP/term.json"
    assert_cmp "$(json "$TMP/term.json" .summary.scheduled) < 300 * 30" "stopped before the plan's end"
    assert_cmp "$(json "$TMP/term.json" .summary.ok) > 0" "what was measured is kept"
}

# The first Ctrl-C stops sending and gives the requests in flight the grace
# period (here 60 s, answers take 20 s): crest is still there. The second
# ends it at once: killed by SIGINT itself.
test_second_ctrl_c_quits_at_once() {
    cat > "$TMP/stuck.json" <<'JSON'
{"subsystems": {"member": {"workers": 8, "service_time": {"dist": "fixed", "mean_ms": 20000}}}}
JSON
    start_testbed --config "$TMP/stuck.json"
    "$CREST" run --url "$TESTBED_URL/member/info" -c 2 -d 30s --grace 60s --quiet \
        --max-loop-lag 1s --out "$TMP/twice.json" > "$TMP/twice.log" 2>&1 &
    local pid=$! rc=0
    PIDS+=("$pid")
    sleep 1
    kill -INT "$pid"
    sleep 1
    kill -0 "$pid" 2> /dev/null || fail "the first Ctrl-C did not wait for the requests in flight"
    kill -INT "$pid"
    wait "$pid" || rc=$?
    assert_eq "$rc" 130 "ended by the second SIGINT (128 + 2)"
}

# A scenario whose every request depends on the seed: the endpoint mix,
# ${random.int}, ${random.pick}, ${uuid} and Poisson arrival times. One
# thread and one connection keep the order on the wire the order of the
# plan.
seed_scenario() {
    cat > "$TMP/seed.json" <<'JSON'
{"schema": "crest.scenario/1", "arrivals": "poisson",
 "subsystems": {"member": {"weight": 1, "endpoints": [
   {"name": "get", "path": "/member/${random.int(1,100000)}?c=${random.pick(red,green,blue)}", "weight": 2},
   {"name": "post", "method": "POST", "path": "/member/login", "headers": {"X-User": "${uuid}"},
    "body": {"k": "${uuid}", "n": "${random.int(1,9)}"}, "weight": 1}]}},
 "phases": [{"name": "p", "duration": "2s", "rate": 40}]}
JSON
}

# capture_run NAME SEED: the request sequence a capturing server saw.
capture_run() {
    local dir="$TMP/cap-$1"
    mkdir -p "$dir"
    python3 "$ROOT/tests/integration/capture_server.py" "$dir/port" "$dir/log" &
    local server=$!
    PIDS+=("$server")
    for _ in $(seq 1 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
    wait_port "$(cat "$dir/port")"
    "$CREST" run "$TMP/seed.json" --target "http://127.0.0.1:$(cat "$dir/port")" --seed "$2" \
        --threads 1 -c 1 --max-loop-lag 1s --quiet --out "$dir/r.json" > "$dir/out" 2>&1 ||
        { cat "$dir/out" >&2; fail "run with seed $2 exited non-zero"; return 1; }
    sleep 0.3    # the server's log catches up
    kill "$server"
    assert_eq "$(wc -l < "$dir/log")" "$(json "$dir/r.json" .summary.ok)" "requests captured ($1)"
}

test_seed_reproduces_the_request_sequence() {
    seed_scenario
    capture_run a 7
    capture_run b 7
    capture_run c 8
    local a="$TMP/cap-a/log" b="$TMP/cap-b/log" c="$TMP/cap-c/log"
    assert_cmp "$(wc -l < "$a") > 40" "a sequence worth comparing"
    # the seed matters to every part of a request: the mix, paths, bodies
    assert_cmp "$(cut -f1 "$a" | sort -u | wc -l) == 2" "both endpoints used"
    assert_cmp "$(cut -f2 "$a" | sort -u | wc -l) > 20" "random paths"
    diff "$a" "$b" > "$TMP/seed.diff" || { head -5 "$TMP/seed.diff" >&2; fail "same seed, different requests"; }
    assert_eq "$(json "$TMP/cap-a/r.json" .summary.scheduled)" "$(json "$TMP/cap-b/r.json" .summary.scheduled)" \
        "same seed, same Poisson arrivals"
    if diff -q "$a" "$c" > /dev/null; then fail "another seed, the same requests"; fi
}

# nginx asks for a client certificate signed by a test CA: with --cert/--key
# every request is answered, without them nginx answers 400.
test_client_certificate() {
    local d="$TMP/pki"
    mkdir -p "$d"
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout "$d/ca.key" -out "$d/ca.pem" -days 1 \
        -subj "/CN=crest test CA" > /dev/null 2>&1
    openssl req -x509 "${ec[@]}" -keyout "$d/server.key" -out "$d/server.pem" -days 1 \
        -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" > /dev/null 2>&1
    openssl req "${ec[@]}" -keyout "$d/client.key" -out "$d/client.csr" \
        -subj "/CN=crest client" > /dev/null 2>&1
    openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -out "$d/client.pem" -days 1 > /dev/null 2>&1
    chmod 644 "$d"/*
    local port
    port=$(free_port)
    start_nginx "listen 127.0.0.1:$port ssl;
        ssl_certificate $d/server.pem; ssl_certificate_key $d/server.key;
        ssl_client_certificate $d/ca.pem; ssl_verify_client on;
        access_log $TMP/mtls.log;"
    wait_port "$port"
    local url="https://127.0.0.1:$port/index.html" common=(-R 50 -d 1s --max-loop-lag 1s --quiet)
    crest_run "$TMP/mtls.json" --url "$url" "${common[@]}" --cacert "$d/server.pem" \
        --cert "$d/client.pem" --key "$d/client.key"
    assert_eq "$(json "$TMP/mtls.json" .summary.ok)" 50 "answered with a client certificate"
    assert_eq "$(grep -c '" 200 ' "$TMP/mtls.log")" 50 "nginx accepted the certificate"
    crest_run "$TMP/nocert.json" --url "$url" "${common[@]}" --cacert "$d/server.pem"
    assert_eq "$(json "$TMP/nocert.json" '.summary.status."4xx"')" 50 "refused without one"
    assert_eq "$(grep -c '" 400 ' "$TMP/mtls.log")" 50 "nginx saw no certificate"
}

# A run as hard as one thread can go (closed loop against nginx): whether
# its thread crossed 95% depends on the machine, but the verdict must
# follow the recorded share: above 95% generator-limited, exit 3, the
# reason naming it; at or below, no such reason. (The rule's boundaries are
# unit-tested in tests/unit/loadgen/test_stats.c.)
test_busy_generator_verdict_follows_the_rule() {
    start_nginx
    crest_run "$TMP/busy.json" --url "$NGINX_URL/index.html" -c 32 -d 2s --threads 1 \
        --max-loop-lag 10s --quiet
    local busy
    busy=$(json "$TMP/busy.json" .generator.busiest_thread_cpu)
    echo "# busiest thread: $busy of its wall time" >&2
    assert_cmp "$busy > 0 && $busy <= 1.05" "a CPU share was recorded"
    if awk -v b="$busy" 'BEGIN { exit !(b > 0.95) }'; then
        assert_eq "$RC" 3 "more than 95% busy: inconclusive"
        assert_eq "$(json "$TMP/busy.json" .generator.generator_limited)" true "generator_limited"
        json "$TMP/busy.json" .generator.reason | grep -q "generator thread was [0-9]*% busy" ||
            fail "the reason names the busy thread"
    else
        assert_eq "$RC" 0 "at most 95% busy and a 10 s loop-lag bound: a pass"
        if json "$TMP/busy.json" .generator.reason | grep -q "busy"; then
            fail "a thread at most 95% busy named as the limit"
        fi
    fi
}

run_tests
