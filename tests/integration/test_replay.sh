#!/usr/bin/env bash
# test_replay.sh: `crest replay` against the testbed. A generated nginx log
# (sub-second $msec timestamps, lines in completion order, a midnight surge
# to 3x at 00:00:00+08:00) replayed at --speed 1 --scale 2: the offered
# count of every second is twice the log's (as counted by the generator, not
# by crest), per-subsystem counts equal the testbed's /__stats, the run ends
# with the log's span. A large piped log replays with the same peak memory
# as one ten times shorter. Bad lines: warned (file:line) or, with --strict,
# exit 2. --to-scenario writes a scenario that `crest validate` accepts.
source "$(dirname "$0")/lib.sh"

GEN="$ROOT/tests/integration/gen_access_log.py"
FMT='$remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $msec'
MAPS=(--map '/cms/*=cms' --map '/product/*=product' --map '/cart/*=cart' --map '/order/*=order')

test_replay_tracks_twice_the_log_per_second() {
    mkdir -p "$TMP/rp"
    python3 "$GEN" "$TMP/rp/access.log" 20 100 --surge-at 10 --surge-factor 3 \
        --expect "$TMP/rp/expect.json"
    start_testbed
    local rc=0
    "$CREST" replay "$TMP/rp/access.log" --log-format "$FMT" --target "$TESTBED_URL" \
        --speed 1 --scale 2 "${MAPS[@]}" --body '{"sku":1}' -c 128 \
        --out "$TMP/rp/results.json" --quiet > "$TMP/rp/out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { cat "$TMP/rp/out" >&2; fail "replay exit $rc"; }
    [ -s "$TMP/rp/results.json" ] && [ -s "$TMP/rp/replay.json" ] || fail "no results"
    sleep 0.2
    curl -s "$TESTBED_URL/__stats" > "$TMP/rp/stats.json"
    python3 - "$TMP/rp/expect.json" "$TMP/rp/results.json" "$TMP/rp/stats.json" <<'PY'
import json, math, sys
exp, res, st = (json.load(open(p)) for p in sys.argv[1:4])
log = exp["per_second"]
off = [s["offered"] for s in res["timeseries"]]
assert len(log) == 20, log
# every second but the last (the run ends with its last arrival)
bad = []
for i in range(len(log) - 1):
    want = 2 * log[i]
    if abs(off[i] - want) > 3 * math.sqrt(want) + 3:
        bad.append((i, off[i], want))
assert not bad, "seconds off 2x the log: %s" % bad
assert sum(off) == res["summary"]["scheduled"]
# the surge: seconds 10.. are about three times seconds ..9
assert sum(off[11:19]) > 2.4 * sum(off[1:9]), off
# per subsystem: what crest sent is what the testbed counted
for sub in ("cms", "product", "cart", "order"):
    sent = res["subsystems"][sub]["sent"]
    tb = st["subsystems"][sub]["requests"]
    assert sent == tb, (sub, sent, tb)
    want = 2 * sum(exp["subsystems"][sub].values())
    assert abs(sent - want) <= 4 * math.sqrt(want) + 5, (sub, sent, want)
assert res["subsystems"]["other"]["scheduled"] == 0
total_log = sum(log)
assert res["summary"]["scheduled"] == 2 * total_log, (res["summary"]["scheduled"], total_log)
# the run ends with the log: its span from the first second to the last arrival
span = exp["last_offset"]
assert abs(res["summary"]["duration_s"] - span) <= 0.01 * span, (res["summary"]["duration_s"], span)
PY
    # the report shows the replay vs recorded rate section
    "$CREST" report "$TMP/rp" --no-charts > "$TMP/rp/report.out" 2>&1 || { cat "$TMP/rp/report.out" >&2; fail "report"; }
    grep -q 'id="replay"' "$TMP/rp/index.html" || fail "no replay section in index.html"
    grep -q "<polyline" "$TMP/rp/index.html" || fail "no per-second chart"
    grep -q "Replay vs recorded rate" "$TMP/rp/summary.txt" || fail "no replay section in summary.txt"
}

# peak_rss_kb CMD...: the peak resident set of CMD (GNU time).
peak_rss_kb() { /usr/bin/time -f '%M' -o "$TMP/rss.$$" "$@" > /dev/null 2>&1 || true; tail -1 "$TMP/rss.$$"; }

test_piped_log_memory_is_flat() {
    mkdir -p "$TMP/pm"
    start_testbed
    # 2 kB lines: 60 s of log (about 30 MB) vs 600 s (about 300 MB), both piped, at 40x.
    local small big
    small=$(peak_rss_kb bash -c "python3 '$GEN' - 60 250 --pad 2000 | '$CREST' replay - \
        --log-format '$FMT' --target '$TESTBED_URL' --speed 40 --scale 0.2 --quiet -c 64 --body x")
    big=$(peak_rss_kb bash -c "python3 '$GEN' - 600 250 --pad 2000 | '$CREST' replay - \
        --log-format '$FMT' --target '$TESTBED_URL' --speed 40 --scale 0.2 --quiet -c 64 \
        --body x --out '$TMP/pm/big.json'")
    echo "# peak RSS: 60 s log ${small} kB, 600 s log ${big} kB" >&2
    [ -s "$TMP/pm/big.json" ] && [ -s "$TMP/pm/replay.json" ] || fail "big replay wrote nothing"
    # the big log really went through (150k lines, 20% kept)
    assert_eq "$(json "$TMP/pm/replay.json" .lines)" "$(json "$TMP/pm/replay.json" .recorded)" "lines"
    assert_cmp "$(json "$TMP/pm/replay.json" .lines) > 140000" "big log lines"
    assert_cmp "$big < $small + 16384" "peak RSS of the 10x longer log (${big} kB vs ${small} kB)"
}

test_bad_lines_are_warned_or_strict() {
    mkdir -p "$TMP/bl"
    python3 "$GEN" "$TMP/bl/a.log" 3 50
    sed -i '5s/.*/this is not a log line/' "$TMP/bl/a.log"
    start_testbed
    local rc=0
    "$CREST" replay "$TMP/bl/a.log" --log-format "$FMT" --target "$TESTBED_URL" --quiet \
        --replay-out "$TMP/bl/replay.json" > "$TMP/bl/out" 2>&1 || rc=$?
    [ "$rc" -ne 2 ] || { cat "$TMP/bl/out" >&2; fail "a bad line stopped the default replay"; }
    grep -q "a.log: 1 lines could not be parsed.*line 5" "$TMP/bl/out" ||
        { cat "$TMP/bl/out" >&2; fail "no warning naming line 5"; }
    assert_eq "$(json "$TMP/bl/replay.json" .skipped.bad_line)" 1 "skipped bad lines"
    rc=0
    "$CREST" replay "$TMP/bl/a.log" --log-format "$FMT" --target "$TESTBED_URL" --quiet --strict \
        > "$TMP/bl/out2" 2>&1 || rc=$?
    assert_eq "$rc" 2 "strict exit"
    grep -q "a.log:5: error: expected" "$TMP/bl/out2" || { cat "$TMP/bl/out2" >&2; fail "no file:line"; }
    # POST without --body: skipped and counted, the GETs replayed
    assert_cmp "$(json "$TMP/bl/replay.json" .skipped.no_body) > 0" "POSTs skipped without --body"
}

test_window_json_and_csv_logs() {
    mkdir -p "$TMP/wj"
    start_testbed
    # JSON lines and CSV, 23:59:58 .. 00:00:02 (+08:00), one request per 100 ms
    python3 - "$TMP/wj" <<'PY'
import sys, time
d = sys.argv[1]
t0 = 1762790398.0   # 2025-11-10T23:59:58+08:00
with open(d + "/a.jsonl", "w") as j, open(d + "/a.csv", "w") as c:
    c.write("timestamp,method,url\n")
    for i in range(40):
        t = t0 + i * 0.1
        iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t + 8 * 3600)) + ".%03d+08:00" % round((t % 1) * 1000)
        j.write('{"time": "%s", "method": "GET", "url": "/cms/home?i=%d", "status": 200}\n' % (iso, i))
        c.write("%.3f,GET,/product/x?i=%d\n" % (t, i))
PY
    local rc=0
    "$CREST" replay "$TMP/wj/a.jsonl" --target "$TESTBED_URL" --from 23:59:59 --to 00:00:01 \
        --quiet --replay-out "$TMP/wj/j.json" > "$TMP/wj/out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { cat "$TMP/wj/out" >&2; fail "json replay exit $rc"; }
    assert_eq "$(json "$TMP/wj/j.json" .format)" json "detected format"
    assert_eq "$(json "$TMP/wj/j.json" .recorded)" 20 "lines inside 23:59:59-00:00:01"
    assert_eq "$(json "$TMP/wj/j.json" .skipped.outside_window)" 10 "lines before the window"
    rc=0
    "$CREST" replay "$TMP/wj/a.csv" --target "$TESTBED_URL" --quiet --replay-out "$TMP/wj/c.json" \
        > "$TMP/wj/out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { cat "$TMP/wj/out" >&2; fail "csv replay exit $rc"; }
    assert_eq "$(json "$TMP/wj/c.json" .format)" csv "detected format"
    assert_eq "$(json "$TMP/wj/c.json" .recorded)" 40 "csv lines"
}

test_to_scenario_validates() {
    mkdir -p "$TMP/ts"
    python3 "$GEN" "$TMP/ts/access.log" 30 60 --surge-at 10
    "$CREST" replay --to-scenario "$TMP/ts/access.log" --log-format "$FMT" --phase 10s \
        --body '{"sku":1}' -o "$TMP/ts/night.json" > "$TMP/ts/out" 2>&1 || { cat "$TMP/ts/out" >&2; fail "to-scenario"; }
    "$CREST" validate "$TMP/ts/night.json" > "$TMP/ts/validate" 2>&1 || { cat "$TMP/ts/validate" >&2; fail "validate"; }
    assert_eq "$(jq '.phases | length' "$TMP/ts/night.json")" 3 "phases"
    assert_eq "$(jq -r '.subsystems | keys | join(",")' "$TMP/ts/night.json")" "cart,cms,order,product" "subsystems"
    jq -e '.subsystems.product.endpoints[0].path == "/product/detail?sku=${random.int(1,99999)}"' \
        "$TMP/ts/night.json" > /dev/null || fail "product endpoint path"
    # the surge phase has about 3x the first phase's requests
    local p1 p2
    p1=$(awk 'NR>1{s+=$1}END{print s}' "$TMP/ts/night.profiles/phase1.csv")
    p2=$(awk 'NR>1{s+=$1}END{print s}' "$TMP/ts/night.profiles/phase2.csv")
    assert_cmp "$p2 > 2.4 * $p1" "surge phase vs first phase ($p2 vs $p1)"
    assert_eq "$(( p1 + p2 + $(awk 'NR>1{s+=$1}END{print s}' "$TMP/ts/night.profiles/phase3.csv") ))" \
        "$(wc -l < "$TMP/ts/access.log")" "profile total vs log lines"
}

run_tests
