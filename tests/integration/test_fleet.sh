#!/usr/bin/env bash
# test_fleet.sh: a fleet run played locally from its generated Kubernetes
# manifest (the exact pod commands, the Indexed Job's environment) against
# the testbed, collected from the pod logs and merged: the merged counts are
# the single-machine plan's (crest validate's expected requests: exactly
# for uniform arrivals, within Poisson tolerance for random ones), and each
# subsystem's count is exactly what the testbed served (/__stats).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_helpers.sh"

write_scenario() { # DIR ARRIVALS
    mkdir -p "$1/data"
    printf 'id\n' > "$1/data/users.csv"
    seq 1 50 | sed 's/^/u/' >> "$1/data/users.csv"
    cat > "$1/fleet-it.json" <<JSON
{"schema": "crest.scenario/1", "name": "fleet-it", "arrivals": "$2",
 "feeders": {"user": {"file": "data/users.csv", "mode": "sequential"}},
 "subsystems": {
   "cms": {"calls_per_pv": 3, "slo": {"p99_ms": 2000}, "endpoints": [{"name": "home", "path": "/cms/home"}]},
   "product": {"calls_per_pv": 2, "slo": {"p99_ms": 2000}, "endpoints": [{"name": "detail", "path": "/product/detail?u=\${user.id}"}]},
   "cart": {"calls_per_pv": 1, "slo": {"p99_ms": 2000}, "endpoints": [{"name": "view", "path": "/cart/view?uid=\${user.id}"}]}},
 "phases": [{"name": "ramp", "duration": "2s", "shape": "ramp", "from": 50, "to": 150},
            {"name": "steady", "duration": "3s", "shape": "constant", "rate": 150}],
 "thresholds": ["p99<5s", "errors<50%"]}
JSON
}

# run_fleet DIR SHARDS [MANIFEST ARGS...]: manifest -> pods -> collect -> merge.
run_fleet() {
    local dir=$1 shards=$2
    shift 2
    curl -s -X POST "$TESTBED_URL/__stats/reset" > /dev/null
    fleet_manifest "$dir/fleet.json" "$dir/fleet-it.json" --shards "$shards" \
        --target "$TESTBED_URL" --threads 1 -c 16 "$@"
    fleet_start "$dir/fleet.json" "$dir/work"
    fleet_wait
    local i
    for i in "${!FLEET_RCS[@]}"; do
        assert_eq "${FLEET_RCS[$i]}" 0 "pod $i exit status ($(tail -3 "$dir/work/pod-$i.log"))"
    done
    cat "$dir"/work/pod-*.log | "$CREST" fleet collect --dir "$dir/shards" > "$dir/collect.out" ||
        fail "collect exited $?: $(cat "$dir/collect.out")"
    "$CREST" merge "$dir"/shards/shard-*.json --out "$dir/merged.json" > "$dir/merge.out" 2>&1 &&
        MERGE_RC=0 || MERGE_RC=$?
    curl -s "$TESTBED_URL/__stats" > "$dir/stats.json"
}

check_against_testbed() { # DIR
    local s
    for s in cms product cart; do
        assert_eq "$(json "$1/merged.json" ".subsystems.$s.sent")" \
            "$(json "$1/stats.json" ".subsystems.$s.requests")" "$s: merged sent vs testbed requests"
        assert_eq "$(json "$1/merged.json" ".subsystems.$s.ok")" \
            "$(json "$1/stats.json" ".subsystems.$s.served")" "$s: merged ok vs testbed served"
        # per subsystem, the merge is the sum of the shards
        assert_eq "$(json "$1/merged.json" ".subsystems.$s.scheduled")" \
            "$(jq -s "map(.subsystems.$s.scheduled) | add" "$1"/shards/shard-*.json)" "$s: sum of shards"
    done
    jq -e '.summary | .scheduled == .ok + .shed + .errors + .dropped + .cancelled' "$1/merged.json" \
        > /dev/null || fail "merged counts do not balance"
}

expected_requests() { # SCENARIO
    "$CREST" validate "$1" | sed -n 's/^total: .*expected requests \([0-9]*\).*/\1/p'
}

test_uniform_fleet_equals_single_machine_plan() {
    start_testbed
    local d="$TMP/uni"
    write_scenario "$d" uniform
    local expected
    expected=$(expected_requests "$d/fleet-it.json")
    assert_eq "$expected" 650 "validate's expected requests"
    run_fleet "$d" 4
    assert_eq "$MERGE_RC" 0 "merge exit status ($(tail -5 "$d/merge.out"))"
    assert_eq "$(json "$d/merged.json" .summary.scheduled)" "$expected" "merged scheduled"
    assert_eq "$(json "$d/merged.json" .summary.ok)" "$expected" "merged ok"
    assert_eq "$(json "$d/merged.json" .fleet.count)" 4 "fleet count"
    assert_eq "$(jq '[.fleet.shards[].index] | sort | join(",")' -r "$d/merged.json")" "0,1,2,3" "shards"
    # each shard's generator as it ran: the transport it used, no TLS on http://
    assert_eq "$(jq -r '[.fleet.shards[].generator | "\(.transport):\(.tls)"] | unique | join(",")' \
        "$d/merged.json")" "native:null" "per-shard transport and tls"
    # every shard did its quarter (uniform: 650 = 163 + 163 + 162 + 162)
    assert_eq "$(jq -s 'map(.summary.scheduled) | sort | join(",")' -r "$d"/shards/shard-*.json)" \
        "162,162,163,163" "per-shard scheduled"
    # the shared timeline: one start for all, recorded per shard with host and clock
    assert_eq "$(jq -s 'map(.shard.timeline_start) | unique | length' "$d"/shards/shard-*.json)" 1 \
        "one timeline start"
    jq -e '.shard | (.host | length > 0) and (.clock | has("offset_ms")) and .node == "node-\(.index)"' \
        "$d/shards/shard-2.json" > /dev/null || fail "shard record lacks host/clock/node"
    check_against_testbed "$d"
    # report reads the merged result unchanged
    "$CREST" report "$d/merged.json" --out "$d/report" --no-charts > "$d/report.out" 2>&1 ||
        fail "crest report on the merged result failed: $(tail -3 "$d/report.out")"
    grep -q "650" "$d/report/summary.txt" || fail "the report does not show the merged count"
    # a drill whose replay ran as this fleet takes the merged file for its plan and report
    "$CREST" drill "$d/fleet-it.json" --history "$ROOT/scenarios/history/demo-daily.csv" \
        --time date --value pv --at 2026-11-11 --event 11-11 --peak-factor 1 \
        --results "$d/merged.json" --search-arg=--step=0.3s --search-arg=--warmup=0.1s \
        --search-arg=--pause=0.1s --search-arg=--start-rate=50 --search-arg=--max-rate=100 \
        --search-arg=--max-loop-lag=1s --out "$d/drill" > "$d/drill.out" 2>&1 || true
    cmp -s "$d/drill/results.json" "$d/merged.json" ||
        fail "the drill did not take the merged results: $(tail -5 "$d/drill.out")"
    grep -q "festival replay: from $d/merged.json" "$d/drill.out" || fail "replay stage not reported"
    [ -s "$d/drill/summary.txt" ] || fail "the drill wrote no report"
    local rc
    "$CREST" drill "$d/fleet-it.json" --history "$ROOT/scenarios/history/demo-daily.csv" \
        --results "$d/nope.json" --out "$d/drill2" > "$d/drill2.out" 2>&1 && rc=0 || rc=$?
    assert_eq "$rc" 2 "drill --results with a missing file"
    # compare reads it too (the merged run against itself: no regression)
    "$CREST" compare "$d/merged.json" "$d/merged.json" > "$d/compare.out" 2>&1 ||
        [ $? -eq 3 ] || fail "crest compare on merged results failed: $(tail -3 "$d/compare.out")"
}

test_weighted_poisson_fleet_within_tolerance() {
    start_testbed
    local d="$TMP/poi"
    write_scenario "$d" poisson
    run_fleet "$d" 3 --weights 2,1,1
    assert_eq "$MERGE_RC" 0 "merge exit status ($(tail -5 "$d/merge.out"))"
    local n
    n=$(json "$d/merged.json" .summary.scheduled)
    # Poisson count of mean 650: sd 25.5; 4 sd either way
    assert_cmp "$n >= 650 - 102 && $n <= 650 + 102" "merged Poisson scheduled $n vs 650"
    assert_eq "$(json "$d/merged.json" .summary.ok)" "$n" "merged ok"
    # shard 0 weighs 2 of 4: about half the work
    local s0
    s0=$(json "$d/shards/shard-0.json" .summary.scheduled)
    assert_cmp "$s0 >= 325 - 72 && $s0 <= 325 + 72" "shard 0 (weight 2 of 4) scheduled $s0"
    check_against_testbed "$d"
}

run_tests
