#!/usr/bin/env bash
# test_shadow.sh: `crest shadow` against two testbeds. The candidate answers
# /cart/view subtly differently ("variant":"b", testbed "alter" switch) and
# both stamp every answer with their own trace id: with --ignore trace the
# mismatches are exactly the log's /cart/view requests (counted with grep,
# not by crest); whole-body comparison sees every pair differ (exit 1);
# identical targets give zero mismatches (exit 0). Also over a scenario.
source "$(dirname "$0")/lib.sh"

GEN="$ROOT/tests/integration/gen_access_log.py"
FMT='$remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $msec'
MAPS=(--map '/cms/*=cms' --map '/product/*=product' --map 'GET /cart/view*=cart_view'
      --map '/cart/*=cart' --map '/order/*=order')

two_testbeds() {   # PRIMARY_CONFIG CANDIDATE_CONFIG: sets PRIMARY and CANDIDATE
    start_testbed --config "$1"
    PRIMARY=$TESTBED_URL
    start_testbed --config "$2"
    CANDIDATE=$TESTBED_URL
}

setup() {
    mkdir -p "$TMP/sh"
    echo '{"seed": 1, "trace_ids": true}' > "$TMP/sh/a.json"
    echo '{"seed": 2, "trace_ids": true, "alter": {"path": "/cart/view"}}' > "$TMP/sh/b.json"
    echo '{"seed": 3}' > "$TMP/sh/plain.json"
    echo '{"seed": 4, "alter": {"path": "/cart/view"}}' > "$TMP/sh/altered.json"
    python3 "$GEN" "$TMP/sh/access.log" 6 150 --surge-at 3
}

test_mismatches_are_the_altered_endpoint_exactly() {
    setup
    two_testbeds "$TMP/sh/a.json" "$TMP/sh/b.json"
    local rc=0
    "$CREST" shadow --primary "$PRIMARY" --candidate "$CANDIDATE" --replay "$TMP/sh/access.log" \
        --log-format "$FMT" "${MAPS[@]}" --body '{"sku":1}' --ignore trace -c 32 \
        --max-mismatch 100% --out "$TMP/sh/shadow.json" --quiet > "$TMP/sh/out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { cat "$TMP/sh/out" >&2; fail "shadow exit $rc"; }
    local views lines
    views=$(grep -c '"GET /cart/view' "$TMP/sh/access.log")
    lines=$(wc -l < "$TMP/sh/access.log")
    assert_eq "$(json "$TMP/sh/shadow.json" .total.compared)" "$lines" "pairs compared"
    assert_eq "$(json "$TMP/sh/shadow.json" .total.mismatched)" "$views" "mismatches vs /cart/view lines"
    assert_eq "$(jq '[.endpoints[] | select(.mismatched > 0) | .endpoint] | join(",")' -r "$TMP/sh/shadow.json")" \
        "cart_view.replay" "the only endpoint that differs"
    assert_eq "$(jq '.samples | length > 0 and all(.[]; .endpoint == "cart_view.replay")' "$TMP/sh/shadow.json")" \
        true "samples are from the altered endpoint"
    jq -e '.samples[0].candidate.body | contains("\"variant\":\"b\"")' "$TMP/sh/shadow.json" > /dev/null ||
        fail "sample candidate body"
    # both sides measured on their own: each testbed saw every request
    local a b
    a=$(curl -s "$PRIMARY/__stats" | jq .total.requests)
    b=$(curl -s "$CANDIDATE/__stats" | jq .total.requests)
    assert_eq "$a" "$lines" "primary requests"
    assert_eq "$b" "$lines" "candidate requests"
    jq -e '.candidate.p99_ms > 0 and .primary.p99_ms > 0' "$TMP/sh/shadow.json" > /dev/null || fail "latency per side"
    # the report: the diff table and the sample pairs
    "$CREST" report "$TMP/sh" --no-charts > "$TMP/sh/report.out" 2>&1 || { cat "$TMP/sh/report.out" >&2; fail "report"; }
    grep -q 'id="shadow"' "$TMP/sh/index.html" || fail "no shadow section"
    grep -q 'cart_view.replay' "$TMP/sh/index.html" || fail "no endpoint row"
    grep -q 'variant' "$TMP/sh/index.html" || fail "no sample pair"
    # human numbers are grouped by thousands (1,200), as everywhere in crest's output
    local g_lines g_views
    g_lines=$(echo "$lines" | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta')
    g_views=$(echo "$views" | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta')
    grep -q "Shadow comparison: $g_lines pairs, $g_views differ" "$TMP/sh/summary.txt" || fail "summary.txt"
}

test_whole_body_sees_trace_ids_and_gates() {
    setup
    two_testbeds "$TMP/sh/a.json" "$TMP/sh/b.json"
    local rc=0
    "$CREST" shadow --primary "$PRIMARY" --candidate "$CANDIDATE" --replay "$TMP/sh/access.log" \
        --log-format "$FMT" "${MAPS[@]}" --body '{"sku":1}' --out "$TMP/sh/w.json" --quiet \
        > "$TMP/sh/out" 2>&1 || rc=$?
    assert_eq "$rc" 1 "exit with every pair differing"
    assert_eq "$(json "$TMP/sh/w.json" .total.mismatched)" "$(wc -l < "$TMP/sh/access.log")" "all differ"
    # only the listed fields: nothing differs
    rc=0
    "$CREST" shadow --primary "$PRIMARY" --candidate "$CANDIDATE" --replay "$TMP/sh/access.log" \
        --log-format "$FMT" "${MAPS[@]}" --body '{"sku":1}' --fields ok,subsystem,bytes \
        --out "$TMP/sh/f.json" --quiet > "$TMP/sh/out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { cat "$TMP/sh/out" >&2; fail "fields exit $rc"; }
    assert_eq "$(json "$TMP/sh/f.json" .total.mismatched)" 0 "mismatches on ok,subsystem,bytes"
}

test_identical_targets_give_zero() {
    setup
    two_testbeds "$TMP/sh/plain.json" "$TMP/sh/plain.json"
    local rc=0
    "$CREST" shadow --primary "$PRIMARY" --candidate "$CANDIDATE" --replay "$TMP/sh/access.log" \
        --log-format "$FMT" "${MAPS[@]}" --body '{"sku":1}' --out "$TMP/sh/z.json" --quiet \
        > "$TMP/sh/out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { cat "$TMP/sh/out" >&2; fail "identical exit $rc"; }
    assert_eq "$(json "$TMP/sh/z.json" .total.compared)" "$(wc -l < "$TMP/sh/access.log")" "pairs"
    assert_eq "$(json "$TMP/sh/z.json" .total.mismatched)" 0 "mismatches between identical targets"
}

test_shadow_over_a_scenario() {
    setup
    two_testbeds "$TMP/sh/plain.json" "$TMP/sh/altered.json"
    cat > "$TMP/sh/scn.json" <<'JSON'
{"schema": "crest.scenario/1", "arrivals": "uniform",
 "subsystems": {
   "cart": {"weight": 1, "slo": {"p99_ms": 2000, "error_rate": "1%"},
            "endpoints": [{"name": "view", "path": "/cart/view?u=${seq}", "weight": 1},
                          {"name": "add", "method": "POST", "path": "/cart/add", "body": "{}", "weight": 1}]},
   "cms": {"weight": 1, "endpoints": [{"name": "home", "path": "/cms/home"}]}},
 "phases": [{"name": "steady", "duration": "2s", "rate": 200}]}
JSON
    local rc=0
    "$CREST" shadow --primary "$PRIMARY" --candidate "$CANDIDATE" "$TMP/sh/scn.json" \
        --out "$TMP/sh/c.json" --quiet > "$TMP/sh/out" 2>&1 || rc=$?
    assert_eq "$rc" 1 "exit with mismatches above 0"
    assert_eq "$(jq '.endpoints[] | select(.endpoint == "cart.view") | .mismatched == .compared and .compared > 0' "$TMP/sh/c.json")" \
        true "every cart.view pair differs"
    assert_eq "$(json "$TMP/sh/c.json" .total.mismatched)" \
        "$(jq '.endpoints[] | select(.endpoint == "cart.view") | .compared' "$TMP/sh/c.json")" "only cart.view"
    assert_eq "$(json "$TMP/sh/c.json" .total.compared)" 400 "pairs (2 s x 200/s)"
}

run_tests
