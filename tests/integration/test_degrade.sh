#!/usr/bin/env bash
# test_degrade.sh: a degraded answer (the testbed's 200 with X-Degraded: 1)
# counts as shed for a subsystem whose scenario names `shed_header`, and as
# ok for one that does not, exactly: results.json against the testbed's own
# /__stats counters, per subsystem, per second and in total, with the
# accounting identity holding. Also: `crest validate` shows the header, and
# a bad shed_header is rejected naming the JSON path.
source "$(dirname "$0")/lib.sh"

# Two subsystems far above capacity, both degrading above a small queue:
# cart (200/s: 2 workers x 10 ms; limiter 300/s) watches X-Degraded, order
# (100/s: 1 worker x 10 ms, no limiter) does not. cart has a literal and a
# templated endpoint (the curl transport's two set-up paths); the mix puts
# both subsystems on the same connections, so a slot's header callback is
# installed and removed as it moves between them.
degrade_setup() {
    mkdir -p "$TMP/dg"
    cat > "$TMP/dg/testbed.json" <<'JSON'
{"seed": 7, "subsystems": {
  "cart":  {"workers": 2, "service_time": {"dist": "fixed", "mean_ms": 10}, "queue_limit": 50,
            "rate_limit": {"rate": 300, "burst": 10}, "degrade": {"queue_above": 4}},
  "order": {"workers": 1, "service_time": {"dist": "fixed", "mean_ms": 10}, "queue_limit": 50,
            "rate_limit": false, "degrade": {"queue_above": 3}}}}
JSON
    cat > "$TMP/dg/s.json" <<'JSON'
{"schema": "crest.scenario/1", "arrivals": "uniform",
 "subsystems": {
  "cart": {"weight": 2, "shed": [429, 503], "shed_header": "X-Degraded",
           "endpoints": [{"name": "view", "path": "/cart/view"},
                         {"name": "add", "method": "POST", "path": "/cart/add?n=${seq}",
                          "body": {"n": "${seq}"}}]},
  "order": {"weight": 1, "shed": [429, 503],
            "endpoints": [{"name": "create", "method": "POST", "path": "/order/create",
                           "body": "{}"}]}},
 "phases": [{"name": "over", "duration": "3s", "rate": 750}]}
JSON
}

# identity FILE BLOCK: scheduled = ok + shed + errors + dropped + cancelled
# and errors = http_errors + net_errors in that summary block.
identity() {
    local got
    got=$(jq -r "$2 | [.scheduled, .ok + .shed + .errors + .dropped + .cancelled,
                       .errors, .http_errors + .net_errors] | @tsv" "$1")
    read -r sch sum err parts <<< "$got"
    assert_eq "$sum" "$sch" "$2: ok+shed+errors+dropped+cancelled vs scheduled"
    assert_eq "$parts" "$err" "$2: http_errors+net_errors vs errors"
}

test_degraded_answers_are_shed_exactly() {
    degrade_setup
    start_testbed --config "$TMP/dg/testbed.json"
    local rc=0
    "$CREST" run "$TMP/dg/s.json" --target "$TESTBED_URL" -c 128 --out "$TMP/dg/r.json" \
        --quiet > "$TMP/dg/out" 2>&1 || rc=$?
    [ -s "$TMP/dg/r.json" ] || { cat "$TMP/dg/out" >&2; fail "no results (exit $rc)"; }
    [ "$rc" -ne 2 ] || { cat "$TMP/dg/out" >&2; fail "run rejected its input"; }
    sleep 0.2   # the testbed has counted every answer crest received
    curl -s "$TESTBED_URL/__stats" > "$TMP/dg/stats.json"
    local r="$TMP/dg/r.json" st="$TMP/dg/stats.json"
    identity "$r" .summary
    identity "$r" .subsystems.cart
    identity "$r" .subsystems.order
    # nothing lost on the way: every request answered, nothing cancelled or dropped
    assert_eq "$(json "$r" .summary.scheduled)" 2250 "scheduled (750/s uniform for 3 s)"
    assert_eq "$(json "$r" '.summary.cancelled + .summary.dropped + .summary.net_errors')" 0 \
        "cancelled + dropped + network errors"

    # cart: shed = the testbed's degraded answers + its 429s + its 503s, exactly
    local deg r429 r503 served shed ok
    deg=$(json "$st" .subsystems.cart.degraded)
    r429=$(json "$st" .subsystems.cart.rejected_429)
    r503=$(json "$st" .subsystems.cart.rejected_503)
    served=$(json "$st" .subsystems.cart.served)
    shed=$(json "$r" .subsystems.cart.shed)
    ok=$(json "$r" .subsystems.cart.ok)
    assert_cmp "$deg > 50" "cart degraded only $deg times: the test did not overload it"
    assert_cmp "$r429 > 0" "cart's rate limiter never fired"
    assert_eq "$shed" "$((deg + r429 + r503))" "cart shed vs testbed degraded + 429 + 503"
    assert_eq "$ok" "$((served - deg))" "cart ok vs testbed served - degraded"
    # the degraded answers are still 200s in the status counts
    assert_eq "$(json "$r" '.subsystems.cart.status["2xx"]')" "$served" "cart 2xx"
    assert_eq "$(json "$r" .subsystems.cart.http_errors)" 0 "cart http errors"

    # order: no shed_header, so its degraded 200s stay ok
    local odeg
    odeg=$(json "$st" .subsystems.order.degraded)
    assert_cmp "$odeg > 50" "order degraded only $odeg times: the test did not overload it"
    assert_eq "$(json "$r" .subsystems.order.ok)" "$(json "$st" .subsystems.order.served)" \
        "order ok vs testbed served (degraded included: no shed_header)"
    assert_eq "$(json "$r" .subsystems.order.shed)" \
        "$(json "$st" '.subsystems.order.rejected_429 + .subsystems.order.rejected_503')" \
        "order shed vs testbed 429 + 503"

    # totals, and the per-second series adds up to the same shed counts
    assert_eq "$(json "$r" .summary.shed)" \
        "$(json "$r" '.subsystems.cart.shed + .subsystems.order.shed')" "total shed"
    assert_eq "$(json "$r" '[.timeseries[].subsystems.cart.shed] | add')" "$shed" \
        "cart shed summed over the seconds"
    assert_eq "$(json "$r" '[.timeseries[].shed] | add')" "$(json "$r" .summary.shed)" \
        "total shed summed over the seconds"
    assert_eq "$(json "$r" '[.timeseries[].ok] | add')" "$(json "$r" .summary.ok)" \
        "ok summed over the seconds"
    # and the shed rate reflects it
    assert_cmp "$(json "$r" .subsystems.cart.shed_rate) > 0.1" "cart shed_rate"
}

test_validate_shows_shed_header() {
    "$CREST" validate "$ROOT/scenarios/seckill.json" > "$TMP/sk.out"
    grep -qE '^  seckill .* 429,503,hdr:X-Degraded$' "$TMP/sk.out" ||
        { cat "$TMP/sk.out" >&2; fail "seckill's shed column lacks hdr:X-Degraded"; }
    # subsystems without one show only their statuses
    grep -qE '^  inventory .* 429$' "$TMP/sk.out" || fail "inventory's shed column changed"
}

test_bad_shed_header_rejected() {
    degrade_setup
    local bad value rc
    for value in '"X Degraded"' '""' '1' '"X-Degraded:"'; do
        jq --argjson v "$value" '.subsystems.cart.shed_header = $v' "$TMP/dg/s.json" > "$TMP/dg/bad.json"
        rc=0
        "$CREST" validate "$TMP/dg/bad.json" > /dev/null 2> "$TMP/dg/err" || rc=$?
        assert_eq "$rc" 2 "validate exit for shed_header $value"
        grep -qF "subsystems.cart.shed_header" "$TMP/dg/err" ||
            fail "error for shed_header $value does not name the path: $(cat "$TMP/dg/err")"
    done
    # a typo of the key is an unknown key
    jq '.subsystems.cart.shed_headers = "X-Degraded" | del(.subsystems.cart.shed_header)' \
        "$TMP/dg/s.json" > "$TMP/dg/bad.json"
    rc=0
    "$CREST" validate "$TMP/dg/bad.json" > /dev/null 2> "$TMP/dg/err" || rc=$?
    assert_eq "$rc" 2 "validate exit for shed_headers (typo)"
    grep -qF "shed_headers" "$TMP/dg/err" || fail "typo not named: $(cat "$TMP/dg/err")"
}

run_tests
