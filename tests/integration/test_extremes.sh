#!/usr/bin/env bash
# test_extremes.sh: bad input is refused cleanly everywhere. Extreme
# numbers (rates of 1e12/s, durations of 1e9 h), a 1 GB scenario file,
# /dev/zero as a scenario or a CSV, a CSV with 1e6 columns exit 2 with a
# message naming the input and what was expected, under a memory limit; a
# feeder of 10 million rows loads within its stated memory (file size plus
# 8 bytes per cell and per row: under 1 GB of address space here). Inputs
# are generated on the fly.
source "$(dirname "$0")/lib.sh"

MEM_KB=1000000   # ulimit -v for every command here: an allocation storm fails the test
# ASan reserves terabytes of address space up front: the bound cannot apply there
# (`make sanitize` still checks every exit code and message).
[ -n "${CREST_SANITIZE:-}" ] && MEM_KB=unlimited

# refused PATTERN CMD...: CMD exits 2 within 60 s under MEM_KB and stderr matches PATTERN.
refused() {
    local pattern=$1 rc=0
    shift
    ( ulimit -v "$MEM_KB"; exec timeout 60 "$@" ) > "$TMP/out" 2> "$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || { tail -c 600 "$TMP/err" >&2; fail "$*: exit $rc, expected 2"; return 1; }
    grep -qE -- "$pattern" "$TMP/err" || { cat "$TMP/err" >&2; fail "stderr lacks /$pattern/"; }
}

# scenario FILE PHASE_JSON [FEEDERS_JSON PATH]: a one-subsystem scenario.
scenario() {
    cat > "$1" <<JSON
{"schema": "crest.scenario/1", "name": "x", "target": "http://127.0.0.1:1",
 "feeders": ${3:-{\}},
 "subsystems": {"cms": {"weight": 1, "endpoints": [{"name": "h", "path": "${4:-/}"}]}},
 "phases": [$2]}
JSON
}

test_rate_1e12_refused() {
    refused "asks for up to 1e\+12 requests/s; expected at most" \
        "$CREST" run --url http://127.0.0.1:1/ -R 1e12 -d 2s
    refused "asks for up to 1e\+12 requests/s" \
        "$CREST" run --url http://127.0.0.1:1/ --stages 2s:0-1e12
    scenario "$TMP/rate.json" '{"name": "p", "duration": "10s", "shape": "constant", "rate": 1e12}'
    refused "rate.json: error: phase 'p' asks for up to 1e\+12" "$CREST" validate "$TMP/rate.json"
    refused "--max-rate '1e12': expected a rate from 0 to" \
        "$CREST" search --url http://127.0.0.1:1/ --slo 'p99<1s' --max-rate 1e12
}

test_duration_1e9_hours_refused() {
    refused "duration .1e9h.: expected a duration .*at most 24h" \
        "$CREST" run --url http://127.0.0.1:1/ -R 10 -d 1e9h
    refused "expected a duration .*at most 24h" \
        "$CREST" run --url http://127.0.0.1:1/ -R 10 -d 1s --grace 1e9h
    refused "--step '1e9h': expected a positive duration .*at most 24h" \
        "$CREST" search --url http://127.0.0.1:1/ --slo 'p99<1s' --step 1e9h
    scenario "$TMP/dur.json" '{"name": "p", "duration": "1e9h", "shape": "constant", "rate": 10}'
    refused "dur.json: error: phase 'p' lasts 3.6e\+12s" "$CREST" validate "$TMP/dur.json"
    scenario "$TMP/sine.json" \
        '{"name": "s", "duration": "1e9h", "shape": "sine", "mean": 10, "amplitude": 5, "period": "1s"}'
    refused "sine.json: error: phase 's' lasts" "$CREST" validate "$TMP/sine.json"
}

test_1gb_scenario_file_refused() {
    truncate -s 1G "$TMP/huge.json"    # sparse: no disk used
    refused "huge.json' is larger than 256 MiB; expected a crest JSON file" \
        "$CREST" validate "$TMP/huge.json"
    refused "larger than 256 MiB" "$CREST" report "$TMP/huge.json" --out "$TMP/rep"
    refused "/dev/zero' is larger than 256 MiB" "$CREST" validate /dev/zero
}

test_csv_with_1e6_columns_refused() {
    awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "%sc%d", i ? "," : "", i; print "";
                 for (i = 0; i < 1000000; i++) printf "%s1", i ? "," : ""; print "" }' \
        > "$TMP/wide.csv"
    refused "wide.csv:1: error: more than 10000 fields in a row; expected at most 10000 columns" \
        "$CREST" forecast "$TMP/wide.csv" --time c0
    scenario "$TMP/wide.json" '{"name": "p", "duration": "1s", "shape": "constant", "rate": 1}' \
        '{"u": {"file": "wide.csv"}}' '/?u=${u.c1}'
    refused "more than 10000 fields" "$CREST" validate "$TMP/wide.json"
    refused "/dev/zero:1: error: the line is longer than 16 MiB" \
        "$CREST" forecast /dev/zero --time date
}

test_feeder_of_10_million_rows_loads_within_memory() {
    awk 'BEGIN { print "id,token"; for (i = 0; i < 10000000; i++) print i ",t" i }' \
        > "$TMP/big.csv"
    scenario "$TMP/big.json" '{"name": "p", "duration": "1s", "shape": "constant", "rate": 1}' \
        '{"u": {"file": "big.csv", "mode": "unique"}}' '/?u=${u.id}&t=${u.token}'
    local rc=0
    ( ulimit -v "$MEM_KB"; exec timeout 60 "$CREST" validate "$TMP/big.json" ) \
        > "$TMP/out" 2> "$TMP/err" || rc=$?
    [ "$rc" -eq 0 ] || { tail -c 600 "$TMP/err" >&2; fail "validate exit $rc under ${MEM_KB} kB"; }
    grep -q '10000000 rows' "$TMP/out" || { cat "$TMP/out" >&2; fail "row count not reported"; }
    rm -f "$TMP/big.csv"
}

run_tests
