#!/usr/bin/env bash
# test_gates.sh: the gates a CI pipeline relies on (issue 14): a run the
# target never answered is "could not run", a mostly failing run without
# thresholds fails, bad URLs and flag combinations are bad input, output
# paths are checked before any traffic and never lost or clobbered, `-o -`
# puts results.json on stdout, and the live progress shows each second's
# own figures (the same as results.json's time series).
# Generous --max-loop-lag: the machine is shared; these tests check gates.
source "$(dirname "$0")/lib.sh"

# run_rc ARGS...: `crest run ARGS` with a time bound; sets RC, output in $TMP/out.
run_rc() {
    RC=0
    timeout 60 "$CREST" run "$@" > "$TMP/out" 2> "$TMP/err" || RC=$?
}

test_never_answered_is_could_not_run() {
    local port
    port=$(free_port)
    run_rc "http://127.0.0.1:$port/x" -c 2 -d 1s --max-loop-lag 1s
    assert_eq "$RC" 3 "closed loop against a closed port"
    grep -q "never answered" "$TMP/err" || fail "no reason given: $(cat "$TMP/err")"
    grep -q "no answers timed" "$TMP/out" || fail "an empty latency spectrum was printed as 0us"
    run_rc "http://127.0.0.1:$port/x" -R 100 -d 1s --max-loop-lag 1s --quiet
    assert_eq "$RC" 3 "open loop against a closed port"
    # A threshold that an empty run satisfies does not turn it into a pass.
    run_rc "http://127.0.0.1:$port/x" -R 100 -d 1s --max-loop-lag 1s --quiet --threshold 'p99<1s'
    assert_eq "$RC" 3 "with a latency threshold"
}

test_errors_without_thresholds_fail() {
    start_testbed --config "$ROOT/tests/data/gates/failing-testbed.json"
    # one worker, 20 ms, a queue of 1: most of 400/s get 503
    run_rc "$TESTBED_URL/cart/view" -R 400 -d 1s --max-loop-lag 1s --quiet -o "$TMP/r.json"
    assert_eq "$RC" 1 "mostly 503 with no threshold"
    grep -q "default gate" "$TMP/err" || fail "the default gate is not named: $(cat "$TMP/err")"
    assert_cmp "$(json "$TMP/r.json" .summary.errors) > 100" "the errors were counted"
    # A threshold of the user's replaces the default.
    run_rc "$TESTBED_URL/cart/view" -R 400 -d 1s --max-loop-lag 1s --quiet --threshold 'errors<99%'
    assert_eq "$RC" 0 "the user's own error threshold"
}

test_bad_urls_are_bad_input() {
    local u
    for u in "http://:8080/cart" "http:///cart" "http://127.0.0.1:99999/x" "ftp://127.0.0.1/x"; do
        run_rc --url "$u" -d 1s
        assert_eq "$RC" 2 "--url $u"
        grep -q "$u" "$TMP/err" || fail "the message does not name $u"
    done
    run_rc "$ROOT/tests/data/drill/scenario.json" --target "http://:8080" --quiet
    assert_eq "$RC" 2 "scenario --target without a host"
}

test_max_regression_needs_a_baseline() {
    run_rc http://127.0.0.1:1/x -d 1s --max-regression 'p99=10%'
    assert_eq "$RC" 2 "--max-regression alone"
    grep -q -- "--baseline" "$TMP/err" || fail "the message does not say what is missing"
}

test_output_paths_checked_before_traffic() {
    start_testbed
    local before after
    before=$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.cms.requests)
    run_rc "$TESTBED_URL/cms/home" -R 50 -d 1s -o /nonexistent/dir/r.json
    assert_eq "$RC" 2 "missing directory"
    grep -q "/nonexistent/dir" "$TMP/err" || fail "the path is not named"
    mkdir -p "$TMP/adir"
    run_rc "$TESTBED_URL/cms/home" -R 50 -d 1s -o "$TMP/adir"
    assert_eq "$RC" 2 "a directory"
    after=$(curl -s "$TESTBED_URL/__stats" | jq .subsystems.cms.requests)
    assert_eq "$after" "$before" "requests sent before the output path was refused"
    local cmd
    for cmd in "search --url $TESTBED_URL/cms/home --slo p99<50ms" \
               "forecast $ROOT/scenarios/history/demo-daily.csv --time date --value pv --at 2026-11-11"; do
        RC=0
        # shellcheck disable=SC2086
        timeout 30 "$CREST" $cmd -o /nonexistent/dir/x.json > /dev/null 2> "$TMP/err" || RC=$?
        assert_eq "$RC" 2 "crest $cmd -o /nonexistent/dir"
    done
}

test_results_survive_a_failed_write() {
    start_testbed
    mkdir -p "$TMP/gone"
    ( sleep 0.5; rm -rf "$TMP/gone" ) &
    local remover=$!
    TMPDIR="$TMP" run_rc "$TESTBED_URL/cms/home" -R 100 -d 2s --max-loop-lag 1s --quiet \
        -o "$TMP/gone/r.json"
    wait "$remover"
    assert_eq "$RC" 3 "the write failed at the end"
    local saved
    saved=$(grep -o "written to '[^']*' instead" "$TMP/err" | sed "s/written to '//; s/' instead$//")
    [ -n "$saved" ] || fail "no saved copy named: $(cat "$TMP/err")"
    assert_eq "$(json "$saved" .schema)" "crest.results/2" "the saved results"
    assert_cmp "$(json "$saved" .summary.ok) > 100" "the saved results hold the run"
}

test_stdout_output() {
    start_testbed
    run_rc "$TESTBED_URL/cms/home" -R 100 -d 1s --max-loop-lag 1s -o -
    assert_eq "$RC" 0 "exit code"
    assert_eq "$(jq -r .schema "$TMP/out")" "crest.results/2" "stdout is results.json alone"
    grep -q "Latency from intended send time" "$TMP/err" || fail "the summary is not on stderr"
    [ ! -e ./- ] || fail "a file named - was created"
    # A symlink to a device stays a symlink (no temp-and-rename over it).
    ln -s /dev/null "$TMP/link"
    run_rc "$TESTBED_URL/cms/home" -R 50 -d 1s --max-loop-lag 1s --quiet -o "$TMP/link"
    assert_eq "$RC" 0 "exit code writing through a symlink to /dev/null"
    [ -L "$TMP/link" ] || fail "the symlink was replaced"
    [ -c /dev/null ] || fail "/dev/null is no longer a device"
    # A symlink to a regular file: the file is written, the link kept.
    echo '{}' > "$TMP/real.json"
    ln -s "$TMP/real.json" "$TMP/link2"
    run_rc "$TESTBED_URL/cms/home" -R 50 -d 1s --max-loop-lag 1s --quiet -o "$TMP/link2"
    [ -L "$TMP/link2" ] || fail "the symlink to a file was replaced"
    assert_eq "$(json "$TMP/real.json" .schema)" "crest.results/2" "the file behind the link"
}

# The progress lines' "done N/s" are the time series' per-second answers.
progress_rates() { grep -oE 'done [0-9,.]+/s' "$1" | sed 's/done //; s,/s,,; s/,//g'; }

test_progress_shows_each_seconds_figures() {
    start_testbed
    run_rc "$TESTBED_URL/cms/home" -R 200 -d 1s --max-loop-lag 1s -o "$TMP/one.json"
    assert_eq "$RC" 0 "exit code"
    assert_eq "$(progress_rates "$TMP/out" | tr '\n' ' ')" \
        "$(jq -r '[.timeseries[].completed] | map(tostring) | join(" ")' "$TMP/one.json") " \
        "the 1 s run's progress vs its time series"
    assert_cmp "$(progress_rates "$TMP/out" | tail -1) > 0" "the last line is not zero"
    run_rc "$TESTBED_URL/cms/home" --stages 2s:100-300,2s:300 --max-loop-lag 1s -o "$TMP/st.json"
    assert_eq "$(progress_rates "$TMP/out" | tr '\n' ' ')" \
        "$(jq -r '[.timeseries[].completed] | map(tostring) | join(" ")' "$TMP/st.json") " \
        "the stages run's progress vs its time series"
    local full
    full=$(grep -c "4.00s/4.00s" "$TMP/out" || true)
    assert_cmp "$full <= 2" "the end of the plan printed at most twice (last second, grace)"
}

run_tests
