#!/usr/bin/env bash
# test_checkpoint.sh: no drill result is lost. `run` and `search` rewrite
# --out while they last (atomically, marked "partial"), so kill -9 leaves a
# valid file that report and compare accept and flag; an output directory
# removed mid-run or a full disk (/dev/full) sends the final results to
# $TMPDIR with a clear message; a FIFO given as --out is written in place,
# never renamed over. docs/results-format.md, docs/capacity-format.md.
source "$(dirname "$0")/lib.sh"

# wait_file PATH: until PATH exists (20 s at most).
wait_file() {
    for _ in $(seq 1 400); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    fail "$1 never appeared"
}

# assert_balanced FILE SCOPE: the accounting identity in results.json.
assert_balanced() {
    local sum sched
    sched=$(jq -r ".$2.scheduled" "$1")
    sum=$(jq -r ".$2 | .ok + .shed + .errors + .dropped + .cancelled" "$1")
    assert_eq "$sum" "$sched" "scheduled = ok + shed + errors + dropped + cancelled in $2"
}

test_kill9_mid_run_leaves_valid_partial_results() {
    start_testbed
    "$CREST" run --url "$TESTBED_URL/cms/home" -R 100 -d 60s --checkpoint 1s --max-loop-lag 1s \
        --quiet --out "$TMP/k9.json" > "$TMP/run.log" 2>&1 &
    local pid=$!
    # until a checkpoint holds measured seconds (the file is rewritten each time)
    for _ in $(seq 1 200); do
        [ -s "$TMP/k9.json" ] && [ "$(jq -r '.timeseries | length' "$TMP/k9.json" 2>/dev/null)" -ge 2 ] &&
            break
        sleep 0.1
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    jq -e . "$TMP/k9.json" > /dev/null || fail "not valid JSON after kill -9"
    assert_eq "$(json "$TMP/k9.json" .schema)" "crest.results/2" "schema"
    assert_eq "$(json "$TMP/k9.json" .partial)" "true" "marked partial" || { cat "$TMP/run.log" >&2; jq -c .summary "$TMP/k9.json" >&2; return 1; }
    assert_cmp "$(json "$TMP/k9.json" .summary.ok) > 0" "ok requests in the checkpoint"
    assert_cmp "$(json "$TMP/k9.json" '.timeseries | length') >= 1" "seconds in the checkpoint"
    assert_balanced "$TMP/k9.json" summary
    "$CREST" report "$TMP/k9.json" --out "$TMP/k9rep" --no-charts > "$TMP/rep.log" 2>&1 ||
        { cat "$TMP/rep.log" >&2; fail "report refused the checkpoint"; }
    grep -q 'PARTIAL' "$TMP/k9rep/summary.txt" || fail "summary.txt does not flag PARTIAL"
    grep -q 'Partial results' "$TMP/k9rep/index.html" || fail "index.html does not flag it"
    grep -q 'type="partial"' "$TMP/k9rep/junit.xml" || fail "junit.xml does not flag it"
    local rc=0
    "$CREST" compare "$TMP/k9.json" "$TMP/k9.json" --json "$TMP/cmp.json" > "$TMP/cmp.txt" 2>&1 ||
        rc=$?
    [ "$rc" -ne 2 ] || { cat "$TMP/cmp.txt" >&2; fail "compare refused the checkpoint"; }
    grep -q 'current results are PARTIAL' "$TMP/cmp.txt" || fail "compare does not flag it"
    assert_eq "$(json "$TMP/cmp.json" .partial.current)" "true" "compare JSON flags it"
}

test_finished_run_is_not_partial() {
    start_testbed
    "$CREST" run --url "$TESTBED_URL/cms/home" -R 50 -d 3s --checkpoint 1s --max-loop-lag 1s \
        --quiet --out "$TMP/fin.json" > "$TMP/run.log" 2>&1 || true
    assert_eq "$(json "$TMP/fin.json" .partial)" "false" "final results not partial"
    assert_eq "$(json "$TMP/fin.json" '.timeseries | length')" "3" "every second"
    [ -z "$(ls "$TMP" | grep 'fin\.json.*\.tmp$')" ] || fail "temp files left: $(ls "$TMP")"
}

test_output_dir_removed_mid_run_results_go_to_tmpdir() {
    start_testbed
    mkdir -p "$TMP/out" "$TMP/spare"
    local rc=0
    TMPDIR="$TMP/spare" "$CREST" run --url "$TESTBED_URL/cms/home" -R 50 -d 5s --checkpoint 1s \
        --max-loop-lag 1s --quiet --out "$TMP/out/r.json" > "$TMP/run.log" 2> "$TMP/err" &
    local pid=$!
    wait_file "$TMP/out/r.json"
    rm -rf "$TMP/out"
    wait "$pid" || rc=$?
    assert_eq "$rc" 3 "exit code when --out could not be written"
    grep -q "could not write '$TMP/out/r.json'" "$TMP/err" || { cat "$TMP/err" >&2; fail "no message"; }
    local f
    f=$(ls "$TMP"/spare/crest-*-r.json)
    grep -qF "written to '$f' instead" "$TMP/err" || fail "the message does not name $f"
    assert_eq "$(json "$f" .partial)" "false" "the fallback holds the final results"
    assert_cmp "$(json "$f" .summary.ok) > 0" "ok requests measured after the directory vanished"
}

test_disk_full_results_go_to_tmpdir() {
    start_testbed
    mkdir -p "$TMP/spare"
    local rc=0
    TMPDIR="$TMP/spare" "$CREST" run --url "$TESTBED_URL/cms/home" -R 50 -d 1s --max-loop-lag 1s \
        --quiet --out /dev/full > "$TMP/run.log" 2> "$TMP/err" || rc=$?
    assert_eq "$rc" 3 "exit code"
    grep -q "No space left on device" "$TMP/err" || { cat "$TMP/err" >&2; fail "ENOSPC not said"; }
    jq -e '.summary.ok > 0' "$TMP"/spare/crest-*-full > /dev/null || fail "no fallback file"
}

test_fifo_out_is_written_in_place() {
    start_testbed
    mkfifo "$TMP/pipe"
    cat "$TMP/pipe" > "$TMP/got.json" &
    local reader=$!
    "$CREST" run --url "$TESTBED_URL/cms/home" -R 50 -d 2s --checkpoint 1s --max-loop-lag 1s \
        --quiet --out "$TMP/pipe" > "$TMP/run.log" 2>&1 || true
    wait "$reader"
    [ -p "$TMP/pipe" ] || fail "the FIFO was replaced"
    assert_eq "$(json "$TMP/got.json" .partial)" "false" "one final document, no checkpoints"
}

test_kill9_mid_search_leaves_valid_partial_capacity() {
    start_testbed
    "$CREST" search --url "$TESTBED_URL/cms/home" --slo 'p99<50ms' --step 1s --warmup 0.2s \
        --pause 0.1s --checkpoint 1s --max-loop-lag 1s -o "$TMP/cap.json" > "$TMP/s.log" 2>&1 &
    local pid=$!
    wait_file "$TMP/cap.json"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    assert_eq "$(json "$TMP/cap.json" .schema)" "crest.capacity/2" "schema"
    assert_eq "$(json "$TMP/cap.json" .partial)" "true" "marked partial"
    assert_cmp "$(json "$TMP/cap.json" '.subsystems[0].steps | length') >= 1" "steps kept"
    assert_eq "$(json "$TMP/cap.json" '.subsystems[0].interrupted')" "true" "not finished"
    "$CREST" report "$TMP/cap.json" --out "$TMP/rep" --no-charts > "$TMP/rep.log" 2>&1 ||
        { cat "$TMP/rep.log" >&2; fail "report refused the checkpoint"; }
    grep -q 'PARTIAL' "$TMP/rep/summary.txt" || fail "summary.txt does not flag PARTIAL"
}

run_tests
