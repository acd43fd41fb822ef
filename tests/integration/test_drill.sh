#!/usr/bin/env bash
# suite: solo (runs a capacity search)
# test_drill.sh: `crest drill`, the main job, end to end on a small scenario
# against the embedded testbed (two subsystems with known capacities: cart
# 4 workers x 10 ms = 400/s, coupon behind a 300/s rate limiter).
source "$(dirname "$0")/lib.sh"

DATA="$ROOT/tests/data/drill"
# A loose loop-lag bound and retries: other jobs share this machine, and a
# lagging generator only makes a step inconclusive (re-run), never a pass.
FAST_SEARCH=(--search-arg=--step=1s --search-arg=--warmup=0.3s --search-arg=--tolerance=10%
             --search-arg=--start-rate=100 --search-arg=--pause=0.2s
             --search-arg=--max-loop-lag=25ms --search-arg=--retries=3)

# One drill shared by the checks below (it takes about a minute).
drill_once() {
    [ -f "$TMP/drill.rc" ] && return 0
    set +e
    "$CREST" drill "$DATA/scenario.json" --history "$ROOT/scenarios/history/demo-daily.csv" \
        --time date --value pv --at 2026-11-11 --event 11-11 --peak-factor 1 \
        --testbed-config "$DATA/testbed.json" "${FAST_SEARCH[@]}" \
        --out "$TMP/drill" > "$TMP/drill.out" 2>&1
    echo $? > "$TMP/drill.rc"
    set -e
}

test_drill_writes_every_stage() {
    drill_once
    for f in capacity.json results.json forecast.json plan.json index.html summary.txt junit.xml \
             timeseries.csv; do
        [ -s "$TMP/drill/$f" ] || { tail -30 "$TMP/drill.out" >&2; fail "$f missing"; }
    done
    assert_eq "$(json "$TMP/drill/capacity.json" .schema)" "crest.capacity/2" "capacity schema"
    assert_eq "$(json "$TMP/drill/results.json" .schema)" "crest.results/2" "results schema"
    assert_eq "$(json "$TMP/drill/forecast.json" .schema)" "crest.forecast/1" "forecast schema"
    assert_eq "$(json "$TMP/drill/plan.json" .schema)" "crest.plan/1" "plan schema"
    grep -q "report at $TMP/drill/index.html" "$TMP/drill.out"
    # the drill ends with the plan's table and the verdict
    grep -q "plan verdict: shortfall" "$TMP/drill.out" || fail "no shortfall table at the end"
    grep -q "^Overall verdict" "$TMP/drill.out" || fail "no overall verdict at the end"
    # every stage reported its progress
    for stage in validate "capacity search" "festival replay" forecast plan report; do
        grep -q "=== drill: $stage finished" "$TMP/drill.out" || fail "stage $stage missing"
    done
}

test_drill_finds_the_configured_capacities() {
    drill_once
    local cart coupon
    cart=$(json "$TMP/drill/capacity.json" '.subsystems[] | select(.name == "cart") | .capacity_rps')
    coupon=$(json "$TMP/drill/capacity.json" '.subsystems[] | select(.name == "coupon") | .capacity_rps')
    # 10% search tolerance on top of the 5% the search is held to elsewhere
    assert_near "$cart" 400 0.15 "cart capacity"
    assert_near "$coupon" 300 0.15 "coupon capacity"
    assert_eq "$(json "$TMP/drill/capacity.json" '.subsystems[] | select(.name == "coupon") | .limited_by')" \
        "shed" "coupon is limited by its rate limiter"
    json "$TMP/drill/capacity.json" '.subsystems[].name' | grep -qx "full-link"
}

test_drill_exit_code_is_the_plans_verdict() {
    drill_once
    # demand at the forecast peak (about 61M PV/day = 706 PV/s at peak factor 1):
    # cart 0.8/PV = 565/s > 400/s (shortfall), coupon 0.2/PV = 141/s < 300/s (ok)
    assert_eq "$(json "$TMP/drill/plan.json" '.subsystems[] | select(.name == "cart") | .status')" \
        "shortfall" "cart status"
    assert_eq "$(json "$TMP/drill/plan.json" '.subsystems[] | select(.name == "coupon") | .status')" \
        "ok" "coupon status"
    assert_eq "$(json "$TMP/drill/plan.json" .verdict)" "shortfall" "plan verdict"
    assert_eq "$(cat "$TMP/drill.rc")" 1 "drill exit code (a shortfall)"
    grep -qi "cart.*shortfall" "$TMP/drill/summary.txt" || grep -qi "cart.*SHORTFALL" "$TMP/drill/summary.txt"
}

test_drill_replay_matches_the_scenario() {
    drill_once
    local scheduled ok shed errors dropped cancelled
    scheduled=$(json "$TMP/drill/results.json" .summary.scheduled)
    assert_near "$scheduled" 900 0.02 "requests the 6 s replay scheduled"
    ok=$(json "$TMP/drill/results.json" .summary.ok)
    shed=$(json "$TMP/drill/results.json" .summary.shed)
    errors=$(json "$TMP/drill/results.json" .summary.errors)
    dropped=$(json "$TMP/drill/results.json" .summary.dropped)
    cancelled=$(json "$TMP/drill/results.json" .summary.cancelled)
    assert_eq "$((ok + shed + errors + dropped + cancelled))" "$scheduled" "accounting identity"
}

# The drill scrapes the embedded testbed's /metrics: its series on the
# replay's seconds, the resource nearest its limit at each capacity (cart's
# 4 workers), and both in the report (docs/observe.md).
test_drill_observes_the_testbed() {
    drill_once
    local r="$TMP/drill/results.json" c="$TMP/drill/capacity.json" n busy
    n=$(jq '.timeseries | length' "$r")
    busy='.targets[] | select(.name == "testbed") | .series[]
          | select(.name == "crest_testbed_busy_workers{subsystem=\"cart\"}")'
    assert_eq "$(jq "[$busy | .values | length][0]" "$r")" "$n" "cart busy workers: one value a second"
    assert_cmp "$(jq "[$busy | .values[] | select(. != null)] | length" "$r") >= $n - 1" \
        "cart busy workers: values in the replay's seconds"
    jq -e "[$busy | .values[] | select(. != null) | select(. < 0 or . > 4)] | length == 0" "$r" \
        > /dev/null || fail "cart busy workers outside 0..4"
    local named
    named=$(jq -r '.subsystems[] | select(.name == "cart") | .resource_at_capacity' "$c")
    case $named in
        "testbed crest_testbed_busy_workers{subsystem=\"cart\"}"*) ;;
        *) fail "cart's capacity names '$named', not cart's busy workers" ;;
    esac
    grep -qF "cart at capacity, nearest its limit: $named" "$TMP/drill/summary.txt" ||
        fail "summary.txt does not name cart's resource"
    grep -qE "^ +at [0-9.,]+/s nearest its limit: testbed crest_testbed_busy_workers" \
        "$TMP/drill.out" || fail "the search's result line does not name the resource"
    grep -q "testbed: crest_testbed_busy_workers" "$TMP/drill/index.html" ||
        fail "no chart of the testbed's busy workers in the report"
    grep -q "cart: resources against offered rate" "$TMP/drill/index.html" ||
        fail "no resource curve in the capacity section"
}

test_drill_report_renders_in_chromium() {
    drill_once
    ensure_chromium
    chromium_shot "$TMP/drill/index.html" "$TMP/shot.png" "$TMP/chromium.log" "$TMP/dom.html"
    [ -s "$TMP/shot.png" ] || { tail -20 "$TMP/chromium.log" >&2; fail "no screenshot"; }
    if grep -E "CONSOLE|Uncaught|Refused to|Content Security Policy|Failed to load resource" \
        "$TMP/chromium.log"; then
        fail "console errors while rendering the drill's report"
    fi
    local charts
    charts=$(grep -o '<svg' "$TMP/dom.html" | wc -l)
    assert_cmp "$charts >= 8" "charts in the rendered report ($charts)"
    python3 "$ROOT/tests/integration/png_nonblank.py" "$TMP/shot.png" 0.03 || fail "blank screenshot"
    python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$TMP/drill/junit.xml"
}

test_drill_rejects_a_bad_scenario_before_any_traffic() {
    printf '{"schema": "crest.scenario/1", "subsystems": {}, "phases": [], "typo": 1}\n' > "$TMP/bad.json"
    set +e
    "$CREST" drill "$TMP/bad.json" --history "$ROOT/scenarios/history/demo-daily.csv" \
        --out "$TMP/bad-out" > "$TMP/bad.out" 2>&1
    local rc=$?
    set -e
    assert_eq "$rc" 2 "exit code"
    grep -q "bad.json" "$TMP/bad.out" || fail "the error does not name the file"
    [ ! -e "$TMP/bad-out/capacity.json" ] || fail "a search ran on a bad scenario"
}

test_drill_usage_errors() {
    set +e
    "$CREST" drill "$DATA/scenario.json" --out "$TMP/x" > /dev/null 2> "$TMP/usage.err"
    local rc=$?
    set -e
    assert_eq "$rc" 2 "missing --history"
    grep -q -- "--history" "$TMP/usage.err"
}

# An external --target (a testbed started here, as any system under test),
# --no-replay, and each stage's pass-through: --search-arg caps the rate,
# --forecast-arg picks the model, --plan-arg sets the margin; each is seen
# in the file that stage wrote.
test_drill_external_target_no_replay_and_pass_through() {
    start_testbed --config "$DATA/testbed.json"
    local rc=0
    "$CREST" drill "$DATA/scenario.json" --history "$ROOT/scenarios/history/demo-daily.csv" \
        --time date --value pv --at 2026-11-11 --event 11-11 --peak-factor 1 \
        --target "$TESTBED_URL" --no-replay "${FAST_SEARCH[@]}" \
        --search-arg=--max-rate=150 \
        --forecast-arg=--model=seasonal-naive --plan-arg=--margin=1.7 \
        --out "$TMP/ext" > "$TMP/ext.out" 2>&1 || rc=$?
    cat "$TMP/ext.out" >&2
    # the search ran against the given target, and only there
    assert_eq "$(json "$TMP/ext/capacity.json" .target)" "$TESTBED_URL" "capacity.json target"
    assert_cmp "$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.cart.requests) > 0" "cart searched on the target"
    assert_cmp "$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.coupon.requests) > 0" "coupon searched on the target"
    # --search-arg=--max-rate=150: cart (400/s) stops at the cap
    assert_eq "$(json "$TMP/ext/capacity.json" '.subsystems[] | select(.name == "cart") | .capacity_rps')" 150 \
        "cart capacity at --max-rate"
    assert_eq "$(json "$TMP/ext/capacity.json" '.subsystems[] | select(.name == "cart") | .limited_by')" max_rate \
        "cart limited by --max-rate"
    # --no-replay: no replay stage, no results.json, the rest as usual
    [ ! -e "$TMP/ext/results.json" ] || fail "a replay ran with --no-replay"
    if grep -q "=== drill: festival replay" "$TMP/ext.out"; then fail "the replay stage ran"; fi
    [ -s "$TMP/ext/index.html" ] || fail "no report"
    # --forecast-arg and --plan-arg
    assert_eq "$(json "$TMP/ext/forecast.json" '.series[0].selected')" seasonal-naive "forecast model"
    assert_eq "$(json "$TMP/ext/plan.json" .safety_margin)" 1.7 "plan margin"
    # the exit code is the plan's: cart's 150/s is only a lower bound below
    # its demand (inconclusive, 3) unless a subsystem is short (1)
    case "$(json "$TMP/ext/plan.json" .verdict)" in
        shortfall) assert_eq "$rc" 1 "exit code of a plan with a shortfall" ;;
        inconclusive) assert_eq "$rc" 3 "exit code of an inconclusive plan" ;;
        *) fail "verdict $(json "$TMP/ext/plan.json" .verdict): cart's lower bound cannot be ok" ;;
    esac
}

test_drill_interrupted_keeps_what_was_measured() {
    setsid "$CREST" drill "$DATA/scenario.json" --history "$ROOT/scenarios/history/demo-daily.csv" \
        --testbed-config "$DATA/testbed.json" "${FAST_SEARCH[@]}" \
        --out "$TMP/int" > "$TMP/int.out" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    # interrupt during the capacity search, once a few steps are done
    for _ in $(seq 1 100); do
        [ "$(grep -c 'PASS\|FAIL' "$TMP/int.out")" -ge 3 ] && break
        sleep 0.1
    done
    kill -INT -- "-$pid"
    set +e
    wait "$pid"
    local rc=$?
    set -e
    assert_eq "$rc" 3 "an interrupted drill exits 3"
    [ -s "$TMP/int/capacity.json" ] || fail "the steps done were not kept"
    assert_cmp "$(json "$TMP/int/capacity.json" '[.subsystems[].steps | length] | add') >= 1" \
        "steps kept in capacity.json"
    [ -s "$TMP/int/index.html" ] || fail "no report after the interrupt"
    # no testbed is left behind
    sleep 0.5
    ! pgrep -f "testbed.*$DATA/testbed.json" > /dev/null || fail "the embedded testbed was left running"
}

run_tests
