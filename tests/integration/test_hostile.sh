#!/usr/bin/env bash
# test_hostile.sh: crest against targets that misbehave on purpose
# (hostile_server.py; issues 11 and 16), under both transports. For every
# malformed or hostile answer: no crash, peak RSS under $RSS_BOUND_KB, the
# accounting identity holds, every failure is counted under the right kind
# and none as ok, the run ends on time and its results are written. The
# well-formed modes check the native client's HTTP/1.1 framing (chunked
# trailers, 1xx, close-delimited bodies, HEAD, 204/304, idle closes).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/run_helpers.sh"

HOSTILE="$ROOT/tests/integration/hostile_server.py"
RSS_BOUND_KB=65536           # 64 MiB: crest runs in ~11-16 MiB against these
[ -z "${CREST_SANITIZE:-}" ] || RSS_BOUND_KB=262144   # ASan's shadow memory and quarantine
DURATION=0.3                 # seconds of load per run
TIMEOUT=3s                   # long: a stalled thread on a loaded machine must not turn a
                             # quick failure into a timeout (the stall modes set 200ms)
GRACE=0.4
TIME_BOUND=5                 # seconds: duration + grace + process start, with room to spare

# start_hostile MODE: the server in MODE on a free port; sets HOSTILE_URL.
start_hostile() {
    local pf="$TMP/port.$1"
    python3 "$HOSTILE" "$1" "$pf" 40 &
    PIDS+=("$!")
    for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    [ -s "$pf" ] || fail "hostile server ($1) did not start"
    HOSTILE_URL="http://127.0.0.1:$(cat "$pf")/x"
}

# hostile_run NAME TRANSPORT URL ARGS...: a short closed-loop run; checks
# exit status (no crash), time, RSS, results written, accounting. OUT is
# the results file.
hostile_run() {
    local name=$1 transport=$2 url=$3
    shift 3
    OUT="$TMP/$name-$transport.json"
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    /usr/bin/time -f %M -o "$OUT.rss" timeout 30 "$CREST" run --url "$url" -c 4 \
        -d "$DURATION" --timeout "$TIMEOUT" --grace "$GRACE" --max-loop-lag 10s --quiet \
        --transport "$transport" --out "$OUT" "$@" > "$OUT.log" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    # 0 done, 3 generator-limited (a shared machine): anything else is a crash
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { cat "$OUT.log" >&2; fail "$name/$transport: exit $rc"; }
    [ -s "$OUT" ] || fail "$name/$transport: no results written"
    check_accounting "$OUT"
    assert_eq "$(json "$OUT" .generator.transport)" "$transport" "$name: transport recorded"
    assert_cmp "$t1 - $t0 < $TIME_BOUND" "$name/$transport: the run ended on time ($(echo "$t1 - $t0" | bc) s)"
    assert_cmp "$(tail -n 1 "$OUT.rss") < $RSS_BOUND_KB" \
        "$name/$transport: peak RSS $(tail -n 1 "$OUT.rss") KiB under $RSS_BOUND_KB"
}

# expect_kind KIND: every completed request failed with KIND, none ok, and
# there were some.
expect_kind() {
    local what
    what="$(jq -c '.summary | {ok, errors, net_errors_by_kind}' "$OUT")"
    assert_eq "$(json "$OUT" .summary.ok)" 0 "ok answers in $OUT: $what"
    assert_cmp "$(json "$OUT" .summary.errors) > 0" "errors counted in $OUT: $what"
    assert_eq "$(json "$OUT" ".summary.net_errors_by_kind.$1")" "$(json "$OUT" .summary.errors)" \
        "every error is '$1' in $OUT: $what"
}

# expect_ok: every completed request ok, no error.
expect_ok() {
    local what
    what="$(jq -c '.summary | {ok, errors, cancelled, net_errors_by_kind}' "$OUT")"
    assert_eq "$(json "$OUT" .summary.errors)" 0 "errors in $OUT: $what"
    assert_cmp "$(json "$OUT" .summary.ok) > 0" "ok answers in $OUT: $what"
}

# each_transport MODE KIND|ok [ARGS...]: the mode under both transports
# (TRANSPORTS: the native one only where libcurl's own framing is tested).
each_transport() {
    local mode=$1 expect=$2 t
    shift 2
    start_hostile "$mode"
    for t in ${TRANSPORTS:-native curl}; do
        hostile_run "$mode" "$t" "$HOSTILE_URL" "$@"
        if [ "$expect" = ok ]; then expect_ok; else expect_kind "$expect"; fi
    done
}

test_refused() {
    local port
    port=$(free_port)   # nothing listens there
    for t in native curl; do
        hostile_run refused "$t" "http://127.0.0.1:$port/x"
        expect_kind refused
    done
}

test_resets() {
    each_transport reset_after_accept reset
    each_transport reset_mid_body truncated
}

# The defect of issue 11: a close inside the headers was ok under libcurl.
test_truncated_answers() {
    each_transport close_mid_headers truncated
    each_transport status_only truncated
    each_transport short_body truncated
    each_transport broken_chunk truncated
}

test_not_http() {
    each_transport garbage protocol
    each_transport bad_status protocol
    each_transport interim_storm protocol
}

test_header_cap() {
    each_transport huge_headers too_large
    # a cap large enough lets the same 2 MB block through on the native path
    start_hostile huge_headers
    hostile_run huge_headers-capped native "$HOSTILE_URL" --max-header-size 4m
    expect_ok
}

test_stalls_time_out() {
    each_transport endless_chunked timeout --timeout 200ms
    each_transport trickle timeout --timeout 200ms
    each_transport never_answer timeout --timeout 200ms
}

# Redirects are not followed: a loop is a stream of 3xx answers (ok).
test_redirect_loop() {
    each_transport redirect_loop ok
    assert_eq "$(json "$OUT" '.summary.status."3xx"')" "$(json "$OUT" .summary.ok)" "all 3xx"
}

# Two answers on accept, before any request: the second is never taken as
# the answer to a later request (no 5xx counted).
test_answer_before_request() {
    start_hostile answer_first
    for t in native curl; do
        hostile_run answer_first "$t" "$HOSTILE_URL"
        assert_eq "$(json "$OUT" '.summary.status."5xx"')" 0 "$t: unsolicited 500 taken as an answer"
    done
}

# libcurl's framing is libcurl's: these check the native client's.
test_well_formed_framing() {
    local TRANSPORTS=native
    each_transport keepalive ok
    each_transport chunked_trailers ok
    each_transport http10_close ok
    each_transport interim_then_ok ok
    each_transport no_content ok
    each_transport not_modified ok
    each_transport head_length ok -X HEAD
}

# The server closes every idle keep-alive connection after 50 ms; at 20/s
# on 2 connections each request finds its connection closed: crest opens a
# fresh one (never counting the close as a failure).
test_idle_keepalive_close() {
    start_hostile idle_close
    for t in native curl; do
        OUT="$TMP/idle-$t.json"
        timeout 30 "$CREST" run --url "$HOSTILE_URL" -R 20 -c 2 -d 1s --max-loop-lag 10s \
            --quiet --transport "$t" --out "$OUT" > "$OUT.log" 2>&1 || true
        check_accounting "$OUT"
        expect_ok
        assert_cmp "$(json "$OUT" .generator.connections_opened) > 4" "$t: connections reopened"
    done
}

run_tests
