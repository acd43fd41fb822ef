#!/usr/bin/env bash
# test_fleet_failures.sh: a fleet's unique feeder rows never reach the
# server twice (checked server-side, in capture_server.py's log), closed-loop
# users are split so the shards together hold exactly the plan's users, and
# a fleet that is not whole is never merged into a pass: a shard killed
# mid-run, a shard file dropped, one passed twice, or shards of different
# settings make `crest merge` exit 3 naming the shard.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_helpers.sh"

start_capture() { # NAME: its log is $TMP/NAME.log
    CAPTURE_LOG="$TMP/$1.log"
    python3 "$(dirname "$0")/capture_server.py" "$TMP/$1.port" "$CAPTURE_LOG" &
    PIDS+=("$!")
    for _ in $(seq 1 100); do [ -s "$TMP/$1.port" ] && break; sleep 0.05; done
    CAPTURE_URL="http://127.0.0.1:$(cat "$TMP/$1.port")"
}

write_scenario() { # DIR
    mkdir -p "$1/data"
    printf 'code\n' > "$1/data/coupons.csv"
    seq 1 2000 | sed 's/^/C/' >> "$1/data/coupons.csv"
    cat > "$1/coupons.json" <<'JSON'
{"schema": "crest.scenario/1", "name": "coupons", "arrivals": "uniform",
 "feeders": {"coupon": {"file": "data/coupons.csv", "mode": "unique"}},
 "subsystems": {"coupon": {"weight": 1, "endpoints": [{"name": "claim", "path": "/coupon/claim?code=${coupon.code}"}]}},
 "phases": [{"name": "open", "duration": "3s", "shape": "constant", "rate": 100},
            {"name": "users", "duration": "2s", "connections": 7, "think_time": "100ms"}]}
JSON
}

# fleet DIR SHARDS [KILL_INDEX SIGNAL]: runs the pods; optionally signals one mid-run.
fleet() {
    local dir=$1 shards=$2
    fleet_manifest "$dir/fleet.json" "$dir/coupons.json" --shards "$shards" \
        --target "$CAPTURE_URL" --threads 1 -c 1
    fleet_start "$dir/fleet.json" "$dir/work"
    if [ -n "${3:-}" ]; then
        sleep 4.5   # 3 s to the shared start, then into the run
        kill -"$4" "${FLEET_PIDS[$3]}"
    fi
    fleet_wait
}

test_unique_rows_and_users_split() {
    start_capture unique
    local d="$TMP/u"
    write_scenario "$d"
    fleet "$d" 4
    cat "$d"/work/pod-*.log | "$CREST" fleet collect --dir "$d/shards" > /dev/null ||
        fail "collect failed"
    "$CREST" merge "$d"/shards/shard-*.json --out "$d/merged.json" > "$d/merge.out" 2>&1 ||
        fail "merge exited $?: $(tail -3 "$d/merge.out")"
    local lines unique
    lines=$(grep -c 'code=' "$CAPTURE_LOG")
    unique=$(grep -o 'code=C[0-9]*' "$CAPTURE_LOG" | sort -u | wc -l)
    assert_eq "$unique" "$lines" "coupon codes the server saw once each"
    assert_eq "$lines" "$(json "$d/merged.json" .summary.ok)" "server requests vs merged ok"
    assert_cmp "$lines > 300" "the open phase (300) and the users ran"
    # closed-loop users: 7 split over 4 shards, all of them and no more
    assert_eq "$(jq -s 'map(.generator.connections_requested) | add' "$d"/shards/shard-*.json)" 7 \
        "users over all shards"
    assert_eq "$(jq -s 'map(.generator.connections_requested) | sort | join(",")' -r \
        "$d"/shards/shard-*.json)" "1,2,2,2" "users per shard"
    # each shard's rows come from its own block: shard I of 4 owns C(500I+1)..C(500I+500),
    # so the codes the server saw fall in four blocks, each used from its start
    local b
    for b in 0 1 2 3; do
        grep -q "code=C$((500 * b + 1))\b" "$CAPTURE_LOG" || fail "block $b was not used from its start"
    done
    # dropping one file, passing one twice: exit 3, named
    "$CREST" merge "$d"/shards/shard-0.json "$d"/shards/shard-1.json "$d"/shards/shard-3.json \
        --out "$d/m2.json" > "$d/drop.out" 2>&1 && rc=0 || rc=$?
    assert_eq "$rc" 3 "merge without shard 2"
    grep -q "shard 2 of 4 missing" "$d/drop.out" || fail "missing shard not named: $(cat "$d/drop.out")"
    [ ! -e "$d/m2.json" ] || fail "a partial merge was written"
    "$CREST" merge "$d"/shards/shard-*.json "$d"/shards/shard-1.json --out "$d/m3.json" \
        > "$d/dup.out" 2>&1 && rc=0 || rc=$?
    assert_eq "$rc" 3 "merge with shard 1 twice"
    grep -q "shard 1 of 4 given twice" "$d/dup.out" || fail "duplicate not named: $(cat "$d/dup.out")"
    # a shard of another run (another seed) does not belong
    jq '.shard.run_seed = "7"' "$d/shards/shard-3.json" > "$d/other-3.json"
    "$CREST" merge "$d"/shards/shard-[012].json "$d/other-3.json" --out "$d/m4.json" \
        > "$d/seed.out" 2>&1 && rc=0 || rc=$?
    assert_eq "$rc" 3 "merge with a shard of another seed"
    grep -q "shard 3 ($d/other-3.json) are not the same fleet run: they differ in --seed" \
        "$d/seed.out" || fail "the odd shard is not named: $(cat "$d/seed.out")"
}

test_killed_shards_make_the_fleet_inconclusive() {
    start_capture killed
    local d="$TMP/k"
    write_scenario "$d"
    # SIGTERM: the shard stops cleanly, prints what it has, marked interrupted
    fleet "$d" 4 1 TERM
    cat "$d"/work/pod-*.log | "$CREST" fleet collect --dir "$d/shards" > /dev/null ||
        fail "collect failed"
    assert_eq "$(json "$d/shards/shard-1.json" .interrupted)" true "shard 1 marked interrupted"
    "$CREST" merge "$d"/shards/shard-*.json --out "$d/merged.json" > "$d/merge.out" 2>&1 &&
        rc=0 || rc=$?
    assert_eq "$rc" 3 "merge with an interrupted shard"
    grep -q "interrupted shard: shard 1" "$d/merge.out" || fail "not named: $(cat "$d/merge.out")"
    # SIGKILL: no result at all; collect and merge both say which is missing
    local k="$TMP/k9"
    mkdir -p "$k"
    cp "$d/coupons.json" "$k/" && cp -r "$d/data" "$k/"
    fleet "$k" 4 2 KILL
    cat "$k"/work/pod-*.log | "$CREST" fleet collect --dir "$k/shards" > "$k/collect.out" 2>&1 &&
        rc=0 || rc=$?
    assert_eq "$rc" 3 "collect with a killed pod"
    grep -q "shard 2 of 4: no result" "$k/collect.out" || fail "collect: $(cat "$k/collect.out")"
    "$CREST" merge "$k"/shards/shard-*.json --out "$k/merged.json" > "$k/merge.out" 2>&1 &&
        rc=0 || rc=$?
    assert_eq "$rc" 3 "merge after a killed pod"
    grep -q "shard 2 of 4 missing" "$k/merge.out" || fail "merge: $(cat "$k/merge.out")"
}

test_broken_frame_is_refused() {
    local d="$TMP/b"
    mkdir -p "$d"
    printf '{"x": 1}\n' > "$d/r.json"
    # a frame cut short (log truncated) is reported and not used
    "$CREST" fleet collect --dir "$d/out" < /dev/null > /dev/null 2>&1 && rc=0 || rc=$?
    assert_eq "$rc" 3 "collect with no frames"
    printf 'crest-shard-begin 0/2 bytes=10 fnv1a64=0000000000000000\nAAAA\n' > "$d/cut.log"
    "$CREST" fleet collect "$d/cut.log" --dir "$d/out" > "$d/cut.out" 2>&1 && rc=0 || rc=$?
    assert_eq "$rc" 3 "collect with a truncated frame"
    grep -q "never ends" "$d/cut.out" || fail "$(cat "$d/cut.out")"
}

run_tests
