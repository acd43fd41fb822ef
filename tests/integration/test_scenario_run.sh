#!/usr/bin/env bash
# test_scenario_run.sh: scenarios driven through `crest run` end to end.
# A capturing server (tests/integration/capture_server.py) records what
# arrives, so the feeder modes and templating are checked on the wire: the
# expected distinct user ids, the same row for path, header and body of one
# request, unique rows never reused and their exhaustion counted as dropped.
# Then a shortened double11.json against the testbed: every subsystem's
# count in results.json matches the testbed's /__stats; and a shortened
# seckill.json shows the rate limiter and the degrade mode as shed, not as
# errors or ok.
source "$(dirname "$0")/lib.sh"

start_capture() {
    local dir="$TMP/cap.$RANDOM"
    mkdir -p "$dir"
    python3 "$ROOT/tests/integration/capture_server.py" "$dir/port" "$dir/log" &
    PIDS+=("$!")
    for _ in $(seq 1 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
    CAPTURE_URL="http://127.0.0.1:$(cat "$dir/port")"
    CAPTURE_LOG="$dir/log"
    wait_port "$(cat "$dir/port")"
}

# users_scenario FILE ROWS MODE: 150 requests (50/s uniform for 3 s), each
# naming a user in its path, an X-User header and (POST) its body.
users_scenario() {
    local file=$1 rows=$2 mode=$3
    mkdir -p "$(dirname "$file")"
    { echo "id,name"; for i in $(seq 1 "$rows"); do printf 'u%04d,n%d\n' "$i" "$i"; done; } \
        > "$(dirname "$file")/users.csv"
    cat > "$file" <<JSON
{
  "schema": "crest.scenario/1",
  "arrivals": "uniform",
  "feeders": {"user": {"file": "users.csv", "mode": "$mode"}},
  "subsystems": {
    "member": {"weight": 1, "endpoints": [
      {"name": "get", "path": "/member/\${user.id}?seq=\${seq}&r=\${random.int(1,9)}",
       "headers": {"X-User": "\${user.id}"}, "weight": 1},
      {"name": "post", "method": "POST", "path": "/member/login",
       "headers": {"X-User": "\${user.id}", "Content-Type": "application/json"},
       "body": {"uid": "\${user.id}", "name": "\${user.name}", "k": "\${uuid}"}, "weight": 1}]}
  },
  "phases": [{"name": "p", "duration": "3s", "rate": 50}]
}
JSON
}

# run_users DIR ROWS MODE: starts a capture server, writes the users
# scenario into $TMP/DIR and runs it there with one thread (results in
# $TMP/DIR/r.json, output in $TMP/DIR/out); sets RC to crest's exit code.
run_users() {
    local dir="$TMP/$1"
    start_capture
    users_scenario "$dir/s.json" "$2" "$3"
    RC=0
    "$CREST" run "$dir/s.json" --target "$CAPTURE_URL" --out "$dir/r.json" --quiet \
        --threads 1 > "$dir/out" 2>&1 || RC=$?
    sleep 0.3    # the capture server's log catches up
}

# The user id a logged request names in its path or body, and its header.
ids_in_log() { # LOG -> "pathOrBodyId headerId" lines
    awk -F'\t' '{ id = ""; if (match($2, /u[0-9][0-9][0-9][0-9]/)) id = substr($2, RSTART, RLENGTH);
                  else if (match($4, /u[0-9][0-9][0-9][0-9]/)) id = substr($4, RSTART, RLENGTH);
                  print id, $3 }' "$1"
}

test_unique_users_on_the_wire() {
    run_users u1 300 unique
    [ "$RC" -eq 0 ] || [ "$RC" -eq 3 ] || { cat "$TMP/u1/out" >&2; fail "run exit $RC"; }
    local n distinct mismatched
    n=$(wc -l < "$CAPTURE_LOG")
    assert_eq "$n" 150 "requests captured"
    assert_eq "$(json "$TMP/u1/r.json" .summary.ok)" 150 "ok in results"
    distinct=$(ids_in_log "$CAPTURE_LOG" | awk '{print $1}' | sort -u | grep -c .)
    assert_eq "$distinct" 150 "distinct user ids (unique feeder: no row twice)"
    # one row per request: path/body user == header user
    mismatched=$(ids_in_log "$CAPTURE_LOG" | awk '$1 != $2' | wc -l)
    assert_eq "$mismatched" 0 "requests whose header names another user"
    # the ids are the feeder's first 150 rows (unique hands rows out in order)
    ids_in_log "$CAPTURE_LOG" | awk '{print $1}' | sort > "$TMP/u1/seen"
    seq 1 150 | awk '{printf "u%04d\n", $1}' > "$TMP/u1/want"
    diff -q "$TMP/u1/seen" "$TMP/u1/want" > /dev/null || fail "ids are not u0001..u0150"
    # every body is rendered JSON with the same user's id and name and a v4
    # uuid (the endpoints are 1:1, so about 75 of the 150 are POSTs)
    local posts wellformed
    posts=$(grep -c $'^POST\t' "$CAPTURE_LOG")
    wellformed=$(python3 - "$CAPTURE_LOG" <<'PY'
import json, re, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    method, path, user, body = line.rstrip("\n").split("\t")[:4]
    if method != "POST":
        continue
    b = json.loads(body)
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    if (path == "/member/login" and sorted(b) == ["k", "name", "uid"] and b["uid"] == user
            and b["name"] == "n%d" % int(user[1:]) and re.fullmatch(uuid, b["k"])):
        n += 1
print(n)
PY
)
    assert_cmp "$posts > 40" "POSTs among 150 requests at a 1:1 mix ($posts)"
    assert_eq "$wellformed" "$posts" "well-formed POST bodies"
    # ${seq} is distinct per request
    assert_eq "$(grep -oE 'seq=[0-9]+' "$CAPTURE_LOG" | sort -u | wc -l)" \
        "$(grep -c 'seq=' "$CAPTURE_LOG")" "distinct \${seq}"
}

test_unique_exhaustion_drops() {
    run_users u2 100 unique
    [ -s "$TMP/u2/r.json" ] || { cat "$TMP/u2/out" >&2; fail "no results (exit $RC)"; }
    assert_eq "$(wc -l < "$CAPTURE_LOG")" 100 "requests sent with the 100 rows"
    assert_eq "$(ids_in_log "$CAPTURE_LOG" | awk '{print $1}' | sort -u | wc -l)" 100 "distinct ids"
    assert_eq "$(json "$TMP/u2/r.json" .summary.dropped)" 50 "requests dropped once rows ran out"
    assert_eq "$(json "$TMP/u2/r.json" .summary.scheduled)" 150 "scheduled"
}

test_sequential_wraps() {
    run_users u3 50 sequential
    [ "$RC" -eq 0 ] || [ "$RC" -eq 3 ] || { cat "$TMP/u3/out" >&2; fail "run exit $RC"; }
    assert_eq "$(wc -l < "$CAPTURE_LOG")" 150 "requests captured"
    # 150 requests over 50 rows: every user exactly 3 times
    assert_eq "$(ids_in_log "$CAPTURE_LOG" | awk '{print $1}' | sort | uniq -c | awk '$1 != 3' | wc -l)" \
        0 "users not seen exactly 3 times"
    assert_eq "$(ids_in_log "$CAPTURE_LOG" | awk '{print $1}' | sort -u | wc -l)" 50 "distinct ids"
    assert_eq "$(ids_in_log "$CAPTURE_LOG" | awk '$1 != $2' | wc -l)" 0 "header/path mismatches"
}

# shortened SRC DST TIME_SCALE GROWTH: a copy of a shipped scenario with
# absolute feeder/profile paths and another time_scale and growth.
shortened() {
    python3 - "$1" "$2" "$3" "$4" <<'PY'
import json, os, sys
src, dst, ts, growth = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
d = json.load(open(src))
base = os.path.dirname(os.path.abspath(src))
for f in d.get("feeders", {}).values():
    f["file"] = os.path.join(base, f["file"])
for p in d["phases"]:
    if "profile" in p:
        p["profile"] = os.path.join(base, p["profile"])
d["time_scale"] = d.get("time_scale", 1) * ts
d["growth"] = d.get("growth", 1) * growth
json.dump(d, open(dst, "w"), indent=1)
PY
}

test_double11_matches_testbed_stats() {
    start_testbed
    mkdir -p "$TMP/d11"
    # 60 festival minutes in 20 s (time_scale 180), at 20% of the rates
    shortened "$ROOT/scenarios/double11.json" "$TMP/d11/s.json" 9 0.2
    "$CREST" validate "$TMP/d11/s.json" > "$TMP/d11/validate"
    local expected
    expected=$(sed -n 's/^total: .*expected requests \([0-9]*\).*/\1/p' "$TMP/d11/validate")
    local rc=0
    "$CREST" run "$TMP/d11/s.json" --target "$TESTBED_URL" --out "$TMP/d11/r.json" --quiet \
        > "$TMP/d11/out" 2>&1 || rc=$?
    [ -s "$TMP/d11/r.json" ] || { cat "$TMP/d11/out" >&2; fail "no results (exit $rc)"; }
    [ "$rc" -ne 2 ] || { cat "$TMP/d11/out" >&2; fail "run rejected its input"; }
    curl -s "$TESTBED_URL/__stats" > "$TMP/d11/stats.json"
    local scheduled
    scheduled=$(json "$TMP/d11/r.json" .summary.scheduled)
    # Poisson arrivals: within 5% of the integral of the rate curve
    assert_near "$scheduled" "$expected" 0.05 "scheduled vs validate's expected requests"
    for s in member product inventory pricing cart transaction order cms seckill coupon; do
        local sent completed got
        sent=$(json "$TMP/d11/r.json" ".subsystems.$s.sent")
        completed=$(json "$TMP/d11/r.json" ".subsystems.$s.completed")
        got=$(json "$TMP/d11/stats.json" ".subsystems.$s.requests")
        assert_cmp "$sent > 0" "$s sent nothing"
        # every completed request was seen by the testbed, and nothing more than was sent
        assert_cmp "$got >= $completed && $got <= $sent" "$s: testbed saw $got, crest completed $completed, sent $sent"
    done
    # the mix follows the phases: cms is the biggest, seckill the smallest overall
    assert_cmp "$(json "$TMP/d11/stats.json" .subsystems.cms.requests) > $(json "$TMP/d11/stats.json" .subsystems.seckill.requests) * 3" "cms vs seckill"
}

test_seckill_sheds() {
    mkdir -p "$TMP/sk"
    # the default limiter, but degrading above 5 waiting (the default 100
    # is out of reach behind the limiter): the spike's first burst of
    # tokens queues up and gets degraded answers (200, X-Degraded: 1)
    echo '{"subsystems": {"seckill": {"degrade": {"queue_above": 5}}}}' > "$TMP/sk/testbed.json"
    start_testbed --config "$TMP/sk/testbed.json"
    # the flash sale in half the time (rates unchanged: seckill above its 450/s limiter)
    shortened "$ROOT/scenarios/seckill.json" "$TMP/sk/s.json" 2.5 1
    local rc=0
    "$CREST" run "$TMP/sk/s.json" --target "$TESTBED_URL" --out "$TMP/sk/r.json" --quiet \
        > "$TMP/sk/out" 2>&1 || rc=$?
    [ -s "$TMP/sk/r.json" ] || { cat "$TMP/sk/out" >&2; fail "no results (exit $rc)"; }
    curl -s "$TESTBED_URL/__stats" > "$TMP/sk/stats.json"
    local shed r429 r503 deg served errors
    shed=$(json "$TMP/sk/r.json" .subsystems.seckill.shed)
    errors=$(json "$TMP/sk/r.json" .subsystems.seckill.http_errors)
    r429=$(json "$TMP/sk/stats.json" .subsystems.seckill.rejected_429)
    r503=$(json "$TMP/sk/stats.json" .subsystems.seckill.rejected_503)
    deg=$(json "$TMP/sk/stats.json" .subsystems.seckill.degraded)
    served=$(json "$TMP/sk/stats.json" .subsystems.seckill.served)
    assert_cmp "$r429 > 0" "the testbed's rate limiter never fired"
    assert_cmp "$deg > 0" "the testbed never degraded"
    assert_cmp "$shed > 0" "no shed requests in results"
    assert_eq "$shed" "$((r429 + r503 + deg))" "seckill shed vs testbed 429+503+degraded"
    assert_eq "$(json "$TMP/sk/r.json" .subsystems.seckill.ok)" "$((served - deg))" \
        "seckill ok vs testbed served - degraded (degraded answers are shed)"
    assert_eq "$errors" 0 "seckill http errors (429/503 must count as shed)"
}

run_tests
