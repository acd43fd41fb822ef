#!/usr/bin/env bash
# suite: solo (runs a capacity search and judges the plan it feeds)
# test_gates_drill.sh: `crest drill`'s exit code agrees with the verdict it
# prints (issue 14, defect 2): a replay whose threshold fails makes the
# report say "Overall verdict: FAIL" and the drill exit 1, even when the
# plan finds no shortfall; with --target, validate checks that target.
source "$(dirname "$0")/lib.sh"

FAST_SEARCH=(--search-arg=--step=0.6s --search-arg=--warmup=0.2s --search-arg=--tolerance=25%
             --search-arg=--start-rate=100 --search-arg=--pause=0.1s
             --search-arg=--max-loop-lag=1s)

test_drill_exit_code_agrees_with_the_verdict() {
    start_testbed --config "$ROOT/tests/data/drill/testbed.json"
    local rc=0
    # p99<1us cannot hold: the replay fails its threshold. A tiny peak
    # factor keeps the plan free of shortfalls.
    timeout 120 "$CREST" drill "$ROOT/tests/data/gates/failing-replay.json" \
        --history "$ROOT/scenarios/history/demo-daily.csv" --time date --value pv \
        --at 2026-11-11 --event 11-11 --peak-factor 0.01 --target "$TESTBED_URL" \
        "${FAST_SEARCH[@]}" -o "$TMP/drill" > "$TMP/out" 2>&1 || rc=$?
    grep -q "^Overall verdict: FAIL" "$TMP/out" || { tail -30 "$TMP/out" >&2; fail "the verdict is not FAIL"; }
    assert_eq "$(json "$TMP/drill/plan.json" .verdict)" "ok" "the plan alone passes"
    assert_eq "$rc" 1 "drill exit code with a failed replay threshold"
    # validate ran against the given target, not the embedded testbed
    if grep -q "embedded testbed" "$TMP/out"; then
        fail "a stage mentions the embedded testbed despite --target"
    fi
    return 0
}

test_drill_checks_its_output_dir_first() {
    local rc=0
    timeout 30 "$CREST" drill "$ROOT/tests/data/drill/scenario.json" \
        --history "$ROOT/scenarios/history/demo-daily.csv" -o /nonexistent/dir/out \
        > "$TMP/out" 2>&1 || rc=$?
    assert_eq "$rc" 2 "an output directory that cannot be created"
    if grep -q "=== drill" "$TMP/out"; then
        fail "a stage started"
    fi
    return 0
}

run_tests
