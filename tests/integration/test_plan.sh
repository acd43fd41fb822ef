#!/usr/bin/env bash
# test_plan.sh: `crest plan` end to end on hand-written fixtures
# (tests/data/plan: forecast.json, scenario.json, capacity-*.json from gen.py):
# demand arithmetic in plan.json, statuses, and the exit-code gate.
source "$(dirname "$0")/lib.sh"
D=$ROOT/tests/data/plan

# plan CAPACITY [ARGS...]: runs crest plan on the fixtures with peak factor 2;
# sets RC and writes $TMP/plan.json.
plan() {
    local cap=$1
    shift
    set +e
    "$CREST" plan --forecast "$D/forecast.json" --capacity "$D/capacity-$cap.json" \
        --scenario "$D/scenario.json" --peak-factor 2 --out "$TMP/plan.json" "$@" \
        > "$TMP/plan.out" 2> "$TMP/plan.err"
    RC=$?
    set -e
}

status_of() { json "$TMP/plan.json" ".subsystems[] | select(.name == \"$1\") | .$2"; }

test_ok_plan_exits_0_with_demand_from_the_forecast() {
    plan ok
    assert_eq "$RC" 0 "exit code"
    assert_eq "$(json "$TMP/plan.json" .schema)" "crest.plan/1" "schema"
    assert_eq "$(json "$TMP/plan.json" .verdict)" "ok" "verdict"
    # 864e6 PV/day / 86400 x 2 x 0.1 calls per PV = 2000/s; hi95 1036.8e6 -> 2400/s.
    assert_near "$(status_of cart demand_rps)" 2000 1e-9 "cart demand"
    assert_near "$(status_of cart demand_hi95_rps)" 2400 1e-9 "cart hi95 demand"
    assert_near "$(status_of search demand_rps)" 10000 1e-9 "search demand"
    assert_near "$(status_of cart headroom)" 1.6 1e-9 "cart headroom"
    assert_eq "$(status_of search scaling_model)" "usl" "search has a USL"
    assert_eq "$(status_of cart scaling_model)" "linear" "cart is linear"
    assert_eq "$(json "$TMP/plan.json" .peak_factor_source)" "flag" "peak factor source"
    assert_eq "$(json "$TMP/plan.json" .unit_seconds)" "86400" "unit from forecast unit 'day'"
    # The subsystem without calls_per_pv is left out, with a warning.
    assert_eq "$(json "$TMP/plan.json" '.subsystems | length')" 3 "planned subsystems"
    grep -q "static.*no calls_per_pv" "$TMP/plan.err" || fail "no warning about 'static'"
    grep -qE '^cart +2,000 +2,400 +3,200 +1.60 +1.33 +ok' "$TMP/plan.out" || fail "table row: $(cat "$TMP/plan.out")"
}

test_tight_is_reported_but_passes() {
    plan tight
    assert_eq "$RC" 0 "exit code"
    assert_eq "$(status_of cart status)" "tight" "cart status"
    assert_eq "$(status_of cart instances_needed)" 2 "cart instances (2600 / 2300)"
    assert_eq "$(json "$TMP/plan.json" .verdict)" "tight" "verdict"
}

test_shortfall_exits_1() {
    plan short
    assert_eq "$RC" 1 "exit code"
    assert_eq "$(status_of order status)" "shortfall" "order status"
    assert_near "$(status_of order headroom)" 0.75 1e-9 "order headroom"
    assert_eq "$(json "$TMP/plan.json" .verdict)" "shortfall" "verdict"
}

test_usl_sizes_scale_out_or_says_it_cannot() {
    plan short-usl-ok
    assert_eq "$RC" 1 "exit code"
    assert_eq "$(status_of search instances_needed)" 3 "USL instances (linear would say 2)"
    plan short-usl
    assert_eq "$RC" 1 "exit code"
    assert_eq "$(status_of search instances_needed)" null "unreachable"
    assert_near "$(status_of search x_max_rps)" 11475.41 1e-4 "X_max"
    grep -q "cannot reach with scale-out: X_max = 11,475 rps" "$TMP/plan.out" || fail "no unreachable note"
}

test_generator_limited_capacity_is_inconclusive_exit_3() {
    plan limited
    assert_eq "$RC" 3 "exit code"
    assert_eq "$(status_of search status)" "inconclusive" "search status"
    assert_eq "$(status_of search capacity_at_least)" "true" "lower bound"
    # A lower bound that already covers demand x margin is ok.
    plan limited-ok
    assert_eq "$RC" 0 "exit code (lower bound covers)"
    assert_eq "$(status_of search status)" "ok" "search status"
    # A shortfall elsewhere wins over inconclusive.
    plan limited-short
    assert_eq "$RC" 1 "exit code (shortfall and inconclusive)"
}

test_missing_capacity_is_inconclusive() {
    plan missing
    assert_eq "$RC" 3 "exit code"
    assert_eq "$(status_of order status)" "inconclusive" "order status"
    assert_eq "$(status_of order capacity_rps)" "null" "no capacity"
    grep -q "no capacity measured" "$TMP/plan.out" || fail "no note"
}

test_nothing_passed_is_a_shortfall() {
    plan none-passed
    assert_eq "$RC" 1 "exit code"
    assert_eq "$(status_of cart status)" "shortfall" "cart status"
}

test_full_link_row_sums_demand() {
    plan fulllink
    assert_eq "$RC" 0 "exit code"
    assert_near "$(status_of full-link demand_rps)" 12400 1e-9 "full-link demand"
    assert_eq "$(status_of full-link status)" "tight" "full-link status (15000 / 12400 = 1.21)"
}

test_margin_flag_changes_status() {
    plan tight --margin 1.1
    assert_eq "$(status_of cart status)" "tight" "hi95 2400 > 2300 keeps it tight"
    plan ok --margin 1.7
    assert_eq "$(status_of cart status)" "tight" "1.6 < 1.7"
    assert_eq "$(json "$TMP/plan.json" .safety_margin)" 1.7 "margin recorded"
}

test_per_second_metric_and_default_peak_factor() {
    set +e
    "$CREST" plan --forecast "$D/forecast.json" --capacity "$D/capacity-ok.json" \
        --scenario "$D/scenario.json" --metric tps --unit-seconds 1 --out "$TMP/tps.json" \
        > /dev/null 2>&1
    local rc=$?
    "$CREST" plan --forecast "$D/forecast.json" --capacity "$D/capacity-ok.json" \
        --scenario "$D/scenario.json" --out "$TMP/default.json" > /dev/null 2> "$TMP/default.err"
    set -e
    assert_eq "$rc" 0 "exit code"
    # tps series has no peak object: the highest forecast mean (400) is the peak.
    assert_near "$(json "$TMP/tps.json" '.subsystems[] | select(.name=="search") | .demand_rps')" 200 1e-9 "400 x 0.5"
    assert_eq "$(json "$TMP/tps.json" .peak_factor)" 1 "per-second default peak factor"
    assert_eq "$(json "$TMP/default.json" .peak_factor)" 3 "daily default peak factor"
    assert_eq "$(json "$TMP/default.json" .peak_factor_source)" "default" "source"
    grep -q "assumed default" "$TMP/default.err" || fail "no warning about the default"
}

test_peak_factor_from_the_scenario_profile() {
    set +e
    # profile.csv is 1,1,3,1,1: peak 3 over a trapezoid mean of 1.5 -> factor 2.
    "$CREST" plan --forecast "$D/forecast.json" --capacity "$D/capacity-ok.json" \
        --scenario "$D/scenario-profile.json" --out "$TMP/profile.json" > /dev/null 2>&1
    local rc=$?
    # The shipped double11 scenario: its midnight profile, computed independently here.
    "$CREST" plan --forecast "$D/forecast.json" --capacity "$D/capacity-ok.json" \
        --scenario "$ROOT/scenarios/double11.json" --out "$TMP/d11.json" > /dev/null 2>&1
    set -e
    assert_eq "$rc" 0 "exit code"
    assert_eq "$(json "$TMP/profile.json" .peak_factor_source)" "profile" "source"
    assert_near "$(json "$TMP/profile.json" .peak_factor)" 2 1e-9 "profile peak factor"
    assert_near "$(json "$TMP/profile.json" '.subsystems[0].demand_rps')" 2000 1e-9 "cart demand"
    local want
    want=$(python3 -c "
import csv
r = [float(x['rate']) for x in csv.DictReader(open('$ROOT/scenarios/profiles/midnight.csv'))]
print(max(r) / (sum((r[i] + r[i + 1]) / 2 for i in range(len(r) - 1)) / (len(r) - 1)))")
    assert_near "$(json "$TMP/d11.json" .peak_factor)" "$want" 1e-6 "double11 midnight peak factor"
}

test_scenario_with_a_broken_profile_exits_2() {
    local dir="$TMP/broken"
    mkdir -p "$dir"
    sed 's/"profile.csv"/"no-such-profile.csv"/' "$D/scenario-profile.json" > "$dir/scenario.json"
    plan ok
    set +e
    "$CREST" plan --forecast "$D/forecast.json" --capacity "$D/capacity-ok.json" \
        --scenario "$dir/scenario.json" > /dev/null 2> "$TMP/err"
    local rc=$?
    set -e
    assert_eq "$rc" 2 "exit code"
    grep -q "no-such-profile.csv" "$TMP/err" || fail "error does not name the profile: $(cat "$TMP/err")"
}

test_end_to_end_from_crest_forecast() {
    # A real forecast.json from `crest forecast` (the shipped demo history).
    "$CREST" forecast "$ROOT/scenarios/history/demo-daily.csv" --time date --value pv \
        --at 2026-11-11 --event 11-11 --out "$TMP/fc.json" --quiet > /dev/null 2>&1
    plan ok
    set +e
    "$CREST" plan --forecast "$TMP/fc.json" --capacity "$D/capacity-ok.json" \
        --scenario "$D/scenario.json" --peak-factor 2 --out "$TMP/e2e.json" > /dev/null 2>&1
    local rc=$?
    set -e
    assert_cmp "$rc == 0 || $rc == 1" "exit code 0 or 1 (got $rc)"
    local mean hi95
    mean=$(json "$TMP/fc.json" '.series[0].peak.mean')
    hi95=$(json "$TMP/fc.json" '.series[0].peak.hi95')
    assert_eq "$(json "$TMP/e2e.json" .forecast_peak.t)" "$(json "$TMP/fc.json" '.series[0].peak.t')" "peak date"
    assert_near "$(json "$TMP/e2e.json" '.subsystems[0].demand_rps')" \
        "$(awk -v m="$mean" 'BEGIN { printf "%.12g", m / 86400 * 2 * 0.1 }')" 1e-9 "cart demand from the peak"
    assert_near "$(json "$TMP/e2e.json" '.subsystems[0].demand_hi95_rps')" \
        "$(awk -v m="$hi95" 'BEGIN { printf "%.12g", m / 86400 * 2 * 0.1 }')" 1e-9 "cart hi95 demand"
}

test_bad_input_exits_2() {
    plan ok --margin 0.5
    assert_eq "$RC" 2 "margin below 1"
    grep -q -- "--margin" "$TMP/plan.err" || fail "error does not name --margin"
    plan ok --series nope
    assert_eq "$RC" 2 "unknown series"
    grep -q "no series with id 'nope'" "$TMP/plan.err" || fail "$(cat "$TMP/plan.err")"
    printf '{"schema": "crest.capacity/1", "subsystems": 5}' > "$TMP/bad-cap.json"
    set +e
    "$CREST" plan --forecast "$D/forecast.json" --capacity "$TMP/bad-cap.json" \
        --scenario "$D/scenario.json" > /dev/null 2> "$TMP/err"
    local rc=$?
    printf '{"schema": "crest.forecast/1", "unit": "day", "series": [' > "$TMP/trunc.json"
    "$CREST" plan --forecast "$TMP/trunc.json" --capacity "$D/capacity-ok.json" \
        --scenario "$D/scenario.json" > /dev/null 2> "$TMP/err2"
    local rc2=$?
    "$CREST" plan --forecast "$D/forecast.json" --capacity "$D/capacity-ok.json" > /dev/null 2>&1
    local rc3=$?
    set -e
    assert_eq "$rc" 2 "malformed capacity"
    grep -q "bad-cap.json" "$TMP/err" || fail "error does not name the file"
    assert_eq "$rc2" 2 "truncated forecast"
    grep -qE "trunc.json:1:[0-9]+: error" "$TMP/err2" || fail "no file:line:col: $(cat "$TMP/err2")"
    assert_eq "$rc3" 2 "missing --scenario"
}

test_help() {
    "$CREST" plan --help | grep -q "calls_per_pv"
}

run_tests
