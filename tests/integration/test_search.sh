#!/usr/bin/env bash
# suite: solo (judges capacities: a neighbour's load would be measured)
# test_search.sh: `crest search` against the embedded testbed with a config
# whose capacities are known exactly (workers / mean service time):
#   cart   4 workers x fixed 10 ms           = 400/s, no rate limit
#   coupon 16 workers x fixed 2 ms           = 8000/s, rate limit 300/s (burst 20)
# plus the failure modes: bad input (2), SIGINT (3, steps kept), a generator
# that is "limited" on every step (3, never a capacity), --max-rate.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/search_helpers.sh"

# member has no SLO: searching it alone is bad input (test_bad_input).
write_search_fixtures search-test \
    ',"member": {"weight": 1, "endpoints": [{"name": "info", "path": "/member/info"}]}'

# Uniform arrivals: with Poisson arrivals a 3 s step offers its rate only
# to +-1/sqrt(rate x step) (+-3% at 400/s), which is as wide as the
# tolerance; uniform arrivals make the check about the search, not about
# sampling noise. Short steps keep the file under two minutes; the
# loop-lag bound is loose
# because other jobs share this machine (a lagging generator only inflates
# latency, i.e. makes the search conservative).
FAST=(--step 3s --warmup 0.5s --pause 0.5s --max-loop-lag 25ms --retries 3
      --testbed-config "$TMP/testbed.json")

# Relaxed SLO (p99 < 1 s): above capacity the queue grows without bound, so
# the capacity found must be within 5% of workers / service time = 400/s.
# The rate-limited subsystem must be reported as shed at its limit.
test_relaxed_capacity_and_rate_limit() {
    local out="$TMP/cap.json" start end
    start=$(date +%s)
    "$CREST" search "$TMP/scenario.json" --only cart --only coupon --start-rate 200 \
        "${FAST[@]}" --out "$out" > "$TMP/relaxed.log" 2>&1 || { cat "$TMP/relaxed.log" >&2; return 1; }
    end=$(date +%s)
    cat "$TMP/relaxed.log" >&2
    assert_eq "$(json "$out" .schema)" "crest.capacity/2" "schema"
    assert_eq "$(json "$out" '.subsystems | length')" 2 "two subsystems (no full-link with --only)"
    assert_eq "$(json "$out" '.subsystems[0].name')" cart "first subsystem"
    # p99 breaks its loose bound, or (still under it) cart falls behind its arrivals
    local lim
    lim=$(json "$out" '.subsystems[0].limited_by')
    [[ "$lim" == latency || "$lim" == queue ]] || fail "cart limited by: $lim"
    assert_eq "$(json "$out" '.subsystems[0].at_least')" false "cart is a real capacity"
    assert_near "$(json "$out" '.subsystems[0].capacity_rps')" 400 0.05 "cart capacity"
    local cap up
    cap=$(json "$out" '.subsystems[0].capacity_rps')
    up=$(json "$out" '.subsystems[0].upper_bound_rps')
    assert_cmp "($up - $cap) / $cap <= 0.03 + 1e-9" "cart bracket within tolerance"
    # the capacity step passed and the upper bound step failed, as recorded
    assert_eq "$(jq "[.subsystems[0].steps[] | select(.rate == $cap and .pass)] | length > 0" "$out")" \
        true "capacity step passed"
    assert_eq "$(jq "[.subsystems[0].steps[] | select(.rate == $up and (.pass | not))] | length > 0" "$out")" \
        true "upper bound step failed"
    assert_eq "$(json "$out" '.subsystems[1].name')" coupon "second subsystem"
    assert_eq "$(json "$out" '.subsystems[1].limited_by')" shed "coupon limited by the rate limiter"
    assert_near "$(json "$out" '.subsystems[1].capacity_rps')" 300 0.05 "coupon capacity at its limit"
    # bounded time: each subsystem well under a minute at these settings
    for i in 0 1; do
        assert_cmp "$(json "$out" ".subsystems[$i].duration_s") < 60" "subsystem $i search time"
    done
    echo "relaxed search took $((end - start))s:" \
        "cart $(json "$out" '.subsystems[0].capacity_rps')/s in $(json "$out" '.subsystems[0].duration_s')s," \
        "coupon $(json "$out" '.subsystems[1].capacity_rps')/s in $(json "$out" '.subsystems[1].duration_s')s" >&2
}

test_bad_input() {
    local rc=0
    "$CREST" search "$TMP/scenario.json" --only nosuch > "$TMP/e1.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "unknown --only exits 2"
    grep -q "nosuch" "$TMP/e1.log" || fail "error names the subsystem"
    rc=0
    "$CREST" search "$TMP/scenario.json" --only member --target http://127.0.0.1:9 > "$TMP/e2.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "subsystem without SLO exits 2"
    grep -q "member" "$TMP/e2.log" || fail "error names the subsystem without an SLO"
    grep -q "slo" "$TMP/e2.log" || fail "error names the missing SLO"
    rc=0
    "$CREST" search --url http://127.0.0.1:9/ > "$TMP/e3.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "--url without --slo exits 2"
    rc=0
    "$CREST" search --url http://127.0.0.1:9/ --slo 'p99<<5' > "$TMP/e4.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "bad --slo exits 2"
    rc=0
    "$CREST" search "$TMP/scenario.json" --slo 'crat:p99<1s' > "$TMP/e6.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "--slo naming an unknown subsystem exits 2"
    grep -q "crat" "$TMP/e6.log" || fail "error names the unknown tag"
    # An --slo too long for the SLO buffer is refused, not cut: cut at 511
    # characters, this one would end in "errors<1" (a 100% error budget).
    local long
    long="$(printf 'p99<1s,%.0s' $(seq 70))p99<1s      ,errors<1%"
    rc=0
    "$CREST" search --url http://127.0.0.1:9/ --slo "$long" > "$TMP/e7.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "an --slo longer than the buffer exits 2"
    grep -q -- "--slo: at most 511 characters, found 512" "$TMP/e7.log" || fail "error gives the limit"
    rc=0
    "$CREST" search --url http://127.0.0.1:9/ --slo 'p99<1s' --sweep-levels "$(printf '1,%.0s' $(seq 300))2" \
        > "$TMP/e8.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "a --sweep-levels longer than the buffer exits 2"
    grep -q -- "--sweep-levels: at most 511 characters" "$TMP/e8.log" || fail "error gives the levels limit"
    rc=0
    "$CREST" search "$TMP/scenario.json" --tolerance 150% > "$TMP/e5.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "bad --tolerance exits 2"
    grep -q -- "--tolerance" "$TMP/e5.log" || fail "error names --tolerance"
    "$CREST" search --help | grep -q -- "--testbed-config" || fail "--help documents --testbed-config"
}

# SIGINT mid-search: the steps done are kept, the file says interrupted,
# the exit code is 3.
test_sigint_keeps_steps() {
    local out="$TMP/int.json" pid rc=0
    "$CREST" search "$TMP/scenario.json" --only cart --only coupon --step 1s --warmup 0.2s \
        --pause 0.2s --max-loop-lag 25ms --testbed-config "$TMP/testbed.json" \
        --out "$out" > "$TMP/int.log" 2>&1 &
    pid=$!
    # wait for three finished steps, then interrupt
    for _ in $(seq 1 100); do
        [ "$(grep -cE '/s ok .* (PASS|FAIL)' "$TMP/int.log")" -ge 3 ] && break
        sleep 0.1
    done
    kill -INT "$pid"
    wait "$pid" || rc=$?
    cat "$TMP/int.log" >&2
    assert_eq "$rc" 3 "interrupted search exits 3"
    assert_eq "$(json "$out" .interrupted)" true "file marks the interruption"
    assert_eq "$(json "$out" '.subsystems[0].interrupted')" true "cart interrupted"
    assert_eq "$(json "$out" '.subsystems[0].at_least')" true "cart is only a lower bound"
    assert_cmp "$(json "$out" '.subsystems[0].steps | length') >= 3" "finished steps kept"
    assert_eq "$(json "$out" '.subsystems[1].steps | length')" 0 "coupon never started"
}

# A generator that counts as limited on every step (an impossible loop-lag
# bound): the result is "at least", limited by the generator, never a
# capacity, and with no conclusive subsystem the exit code is 3.
test_generator_limited_is_not_capacity() {
    local out="$TMP/gen.json" rc=0
    "$CREST" search "$TMP/scenario.json" --only cart --step 1s --warmup 0.2s --pause 0.2s \
        --max-loop-lag 1us --testbed-config "$TMP/testbed.json" --out "$out" \
        > "$TMP/gen.log" 2>&1 || rc=$?
    cat "$TMP/gen.log" >&2
    assert_eq "$rc" 3 "generator-limited everywhere exits 3"
    assert_eq "$(json "$out" '.subsystems[0].limited_by')" generator "limited by"
    assert_eq "$(json "$out" '.subsystems[0].generator_limited')" true "generator_limited"
    assert_eq "$(json "$out" '.subsystems[0].at_least')" true "at least"
    assert_eq "$(json "$out" '.subsystems[0].capacity_rps')" null "no passing step, no capacity"
    assert_eq "$(json "$out" '[.subsystems[0].steps[] | select(.pass)] | length')" 0 "no step passed"
    grep -q "generator" "$TMP/gen.log" || fail "the terminal says generator-limited"
}

test_max_rate_is_at_least() {
    local out="$TMP/max.json"
    "$CREST" search "$TMP/scenario.json" --only cart --step 1s --warmup 0.2s --pause 0.2s \
        --max-loop-lag 25ms --retries 3 --start-rate 50 --max-rate 120 --testbed-config "$TMP/testbed.json" \
        --out "$out" > "$TMP/max.log" 2>&1 || { cat "$TMP/max.log" >&2; return 1; }
    assert_eq "$(json "$out" '.subsystems[0].limited_by')" max_rate "limited by"
    assert_eq "$(json "$out" '.subsystems[0].at_least')" true "at least"
    assert_eq "$(json "$out" '.subsystems[0].capacity_rps')" 120 "capacity is the max rate"
    # 50/s is far below the SLO (p99 about 10 ms, the fixed service time,
    # against 1 s: under a quarter, nothing shed or failed), so the probe
    # quadruples and stops at the cap.
    assert_eq "$(json "$out" '.subsystems[0].steps[0].far_below_slo')" true "50/s is far below the SLO"
    assert_eq "$(json "$out" '[.subsystems[0].steps[].rate] | join(",")')" "50,120" \
        "steps after a step far below the SLO"
}

# The quadrupling needs *every* latency bound under a quarter used: with
# p50 < 1 s (1% used) and p99 < 35 ms, cart's fixed 10 ms service time
# alone uses more than a quarter of the p99 bound, so the probe doubles.
test_probe_doubles_unless_every_bound_is_far() {
    start_testbed --config "$TMP/testbed.json"
    local out="$TMP/near.json"
    "$CREST" search --url "$TESTBED_URL/cart/add" --slo 'p50<1s,p99<35ms,errors<1%' \
        --step 1s --warmup 0.2s --pause 0.2s --max-loop-lag 25ms --retries 3 \
        --start-rate 50 --max-rate 120 --out "$out" > "$TMP/near.log" 2>&1 ||
        { cat "$TMP/near.log" >&2; return 1; }
    assert_eq "$(json "$out" '.subsystems[0].steps[0].pass')" true "50/s passes"
    assert_eq "$(json "$out" '.subsystems[0].steps[0].far_below_slo')" false \
        "10 ms of 35 ms is not far below the p99 bound"
    assert_eq "$(json "$out" '[.subsystems[0].steps[].rate] | join(",")')" "50,100,120" \
        "steps after a step near one of its bounds"
}

run_tests
