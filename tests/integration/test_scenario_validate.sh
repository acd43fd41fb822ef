#!/usr/bin/env bash
# test_scenario_validate.sh: `crest validate` on the shipped scenarios (the
# resolved timeline and totals) and on small broken files generated here:
# every error must name the file and the place (line:col, file:line or the
# JSON path), say what was found and expected, and exit 2.
source "$(dirname "$0")/lib.sh"

# A valid base the bad files are derived from (python edits one thing).
base_scenario() {
    mkdir -p "$TMP/v/data"
    printf 'id,token\nu1,t1\nu2,t2\nu3,t3\n' > "$TMP/v/data/users.csv"
    cat > "$TMP/v/base.json" <<'JSON'
{
  "schema": "crest.scenario/1",
  "feeders": {"user": {"file": "data/users.csv", "mode": "unique"}},
  "subsystems": {
    "cart": {"calls_per_pv": 1, "endpoints": [
      {"name": "view", "path": "/cart/view?uid=${user.id}", "weight": 1},
      {"name": "add", "method": "POST", "path": "/cart/add", "body": {"uid": "${user.id}"}, "weight": 1}]},
    "order": {"calls_per_pv": 1, "endpoints": [{"name": "create", "path": "/order/create"}]}
  },
  "phases": [
    {"name": "warm", "duration": "10s", "shape": "ramp", "from": 10, "to": 30},
    {"name": "peak", "duration": "5s", "rate": 40, "mix": {"order": 3}},
    {"name": "wave", "duration": "10s", "shape": "sine", "mean": 20, "amplitude": 5, "period": "10s"}
  ]
}
JSON
}

# mutate NAME PYTHON: writes $TMP/v/NAME.json from base.json with PYTHON
# applied to the dict `d`.
mutate() {
    python3 - "$TMP/v/base.json" "$TMP/v/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
}

# expect_invalid FILE PATTERN...: exit 2 and every PATTERN in stderr.
expect_invalid() {
    local file=$1; shift
    local rc=0
    "$CREST" validate "$file" > "$TMP/out" 2> "$TMP/err" || rc=$?
    assert_eq "$rc" 2 "exit code of validate $file" || { cat "$TMP/err" >&2; return 1; }
    for pat in "$@"; do
        grep -qF -- "$pat" "$TMP/err" || fail "stderr of validate $file lacks '$pat': $(cat "$TMP/err")" || return 1
    done
}

test_shipped_scenarios_valid() {
    for s in double11 seckill smoke; do
        "$CREST" validate "$ROOT/scenarios/$s.json" > "$TMP/$s.out"
        grep -q "valid" "$TMP/$s.out"
        grep -qE '^total: .*expected requests [0-9]+' "$TMP/$s.out"
    done
    # double11: ten subsystems, five phases, about 3 minutes
    for sub in member product inventory pricing cart transaction order cms seckill coupon; do
        grep -qE "^  $sub " "$TMP/double11.out" || fail "double11 lacks $sub"
    done
    grep -qE '^total: 3m00s' "$TMP/double11.out"
    grep -qE '^  seckill .* 429,503,hdr:X-Degraded$' "$TMP/double11.out"
}

test_timeline_numbers() {
    base_scenario
    "$CREST" validate "$TMP/v/base.json" > "$TMP/out"
    # warm: ramp 10->30 over 10 s = 200; peak 40*5 = 200; sine mean 20 over one period = 200
    grep -E '^  warm ' "$TMP/out" | grep -qE ' 0s +10.00s +ramp +10 - 30 +200$'
    grep -E '^  peak ' "$TMP/out" | grep -qE '10.00s +5.00s +constant +40 - 40 +200$'
    grep -E '^  wave ' "$TMP/out" | grep -qE 'sine +15 - 25 +200$'
    grep -q '^total: 25.00s, expected requests 600, peak 40 req/s' "$TMP/out"
    # default mix 50/50 by calls_per_pv; the peak phase gives order 3:1
    grep -A1 '^  warm ' "$TMP/out" | grep -q 'mix: cart 50.0% order 50.0%'
    grep -A1 '^  peak ' "$TMP/out" | grep -q 'mix: cart 25.0% order 75.0%'
    # the unique feeder (3 rows) cannot cover the ~250 cart requests: warned
    "$CREST" validate "$TMP/v/base.json" 2>&1 >/dev/null | grep -q "unique feeder 'user' has 3 rows"
}

test_only_and_target() {
    "$CREST" validate "$ROOT/scenarios/double11.json" --only cart --target http://127.0.0.1:9/ > "$TMP/out"
    grep -q '^target: http://127.0.0.1:9$' "$TMP/out"
    grep -q '^only: cart' "$TMP/out"
    grep -q 'subsystems (1):' "$TMP/out"
    [ "$(grep -c 'mix: cart 100.0%' "$TMP/out")" -eq 5 ]
    full=$("$CREST" validate "$ROOT/scenarios/double11.json" | sed -n 's/^total: .*expected requests \([0-9]*\).*/\1/p')
    cart=$(sed -n 's/^total: .*expected requests \([0-9]*\).*/\1/p' "$TMP/out")
    assert_cmp "$cart > 0.03 * $full && $cart < 0.10 * $full" "cart's share of double11"
    local rc=0
    "$CREST" validate "$ROOT/scenarios/double11.json" --only kart 2> "$TMP/err" > /dev/null || rc=$?
    assert_eq "$rc" 2 "--only kart"
    grep -q "'kart'.*expected one of: cms, product" "$TMP/err"
    rc=0
    "$CREST" validate "$ROOT/scenarios/double11.json" --target ftp://x 2> /dev/null > /dev/null || rc=$?
    assert_eq "$rc" 2 "--target ftp"
}

test_growth_flag() {
    base_scenario
    "$CREST" validate "$TMP/v/base.json" --growth 2 > "$TMP/out" 2>/dev/null
    grep -q '^total: 25.00s, expected requests 1200, peak 80 req/s' "$TMP/out"
}

test_json_syntax_error_line_col() {
    base_scenario
    printf '{\n  "phases": [\n    {"name": "x",, }\n  ]\n}\n' > "$TMP/v/syntax.json"
    expect_invalid "$TMP/v/syntax.json" "$TMP/v/syntax.json:3:" "malformed JSON"
}

test_unknown_keys() {
    base_scenario
    mutate typo_top 'd["tresholds"] = ["p99<1s"]'
    expect_invalid "$TMP/v/typo_top.json" "typo_top.json: error: unknown key 'tresholds'" "expected one of:"
    mutate typo_phase 'd["phases"][1]["rat"] = 3'
    expect_invalid "$TMP/v/typo_phase.json" "unknown key 'phases[1].rat'"
    mutate typo_ep 'd["subsystems"]["cart"]["endpoints"][0]["wieght"] = 3'
    expect_invalid "$TMP/v/typo_ep.json" "unknown key 'subsystems.cart.endpoints[0].wieght'"
    mutate wrong_shape_key 'd["phases"][0]["peak"] = 3'
    expect_invalid "$TMP/v/wrong_shape_key.json" "phases[0]: 'peak' is not used by shape 'ramp'" "from, to"
}

test_bad_shape() {
    base_scenario
    mutate rmap 'd["phases"][2]["shape"] = "rmap"'
    expect_invalid "$TMP/v/rmap.json" \
        'rmap.json: error: phases[2].shape: expected one of constant, ramp, step, spike, sine, profile; found "rmap"'
}

test_empty_mix_zero_duration_negative_rate() {
    base_scenario
    mutate emptymix 'd["phases"][1]["mix"] = {}'
    expect_invalid "$TMP/v/emptymix.json" "phases[1].mix: empty; expected at least one entry"
    mutate zeromix 'd["phases"][1]["mix"] = {"cart": 0, "order": 0}'
    expect_invalid "$TMP/v/zeromix.json" "phases[1].mix: weights sum to 0"
    mutate zerodur 'd["phases"][0]["duration"] = "0s"'
    expect_invalid "$TMP/v/zerodur.json" "phases[0].duration: expected a positive duration" 'found "0s"'
    mutate negrate 'd["phases"][0]["from"] = -5'
    expect_invalid "$TMP/v/negrate.json" "phases[0].from: expected a rate in requests/s (>= 0); found -5"
    mutate zeroweights 'd["subsystems"]["cart"]["calls_per_pv"] = 0; d["subsystems"]["order"]["calls_per_pv"] = 0'
    expect_invalid "$TMP/v/zeroweights.json" "subsystems: subsystem weights (weight or calls_per_pv) sum to 0"
    mutate zeroep 'd["subsystems"]["cart"]["endpoints"][0]["weight"] = 0; d["subsystems"]["cart"]["endpoints"][1]["weight"] = 0'
    expect_invalid "$TMP/v/zeroep.json" "subsystems.cart.endpoints: endpoint weights sum to 0"
    mutate nosubs 'd["subsystems"] = {}'
    expect_invalid "$TMP/v/nosubs.json" "subsystems: empty"
    mutate nophases 'd["phases"] = []'
    expect_invalid "$TMP/v/nophases.json" "phases: expected a non-empty array"
    mutate badmixname 'd["phases"][1]["mix"] = {"ordr": 1}'
    expect_invalid "$TMP/v/badmixname.json" "phases[1].mix.ordr: no subsystem 'ordr'" "cart, order"
}

test_feeder_errors() {
    base_scenario
    mutate badcol 'd["subsystems"]["cart"]["endpoints"][0]["path"] = "/cart/view?uid=${user.uid}"'
    expect_invalid "$TMP/v/badcol.json" "subsystems.cart.endpoints[0].path: placeholder '\${user.uid}': feeder 'user'" \
        "has no column 'uid'; expected one of: id, token"
    mutate badfeeder 'd["subsystems"]["cart"]["endpoints"][1]["body"] = {"u": "${usr.id}"}'
    expect_invalid "$TMP/v/badfeeder.json" "subsystems.cart.endpoints[1].body: placeholder '\${usr.id}': no feeder named 'usr'"
    mutate missing 'd["feeders"]["user"]["file"] = "data/nope.csv"'
    expect_invalid "$TMP/v/missing.json" "cannot open" "data/nope.csv" "feeders.user"
    mutate badmode 'd["feeders"]["user"]["mode"] = "shuffle"'
    expect_invalid "$TMP/v/badmode.json" 'feeders.user: mode: expected one of sequential, random, unique; found "shuffle"'
    printf 'id,token\nu1,t1\nu2\nu3,t3\n' > "$TMP/v/data/ragged.csv"
    mutate ragged 'd["feeders"]["user"]["file"] = "data/ragged.csv"'
    expect_invalid "$TMP/v/ragged.json" "data/ragged.csv:3: error: expected 2 fields"
}

test_profile_errors() {
    base_scenario
    printf 't,rate\n0,1\n1,2\n1,3\n' > "$TMP/v/back.csv"
    mutate profback 'd["phases"][0] = {"shape": "profile", "profile": "back.csv"}'
    expect_invalid "$TMP/v/profback.json" "back.csv:4: error: column 't': expected increasing times"
    printf 't,rate\n0,1\n1,x\n' > "$TMP/v/nan.csv"
    mutate profnan 'd["phases"][0] = {"shape": "profile", "profile": "nan.csv"}'
    expect_invalid "$TMP/v/profnan.json" "nan.csv:3: error: column 'rate': expected a number, found 'x'"
    printf 'rate\n1\n-2\n' > "$TMP/v/neg.csv"
    mutate profneg 'd["phases"][0] = {"shape": "profile", "profile": "neg.csv"}'
    expect_invalid "$TMP/v/profneg.json" "neg.csv:3: error: column 'rate': expected a rate >= 0, found -2"
    # a good one: 3 samples one second apart, scale 10 -> (1+2)/2*10 + (2+3)/2*10 = 40
    printf 'rate\n1\n2\n3\n' > "$TMP/v/good.csv"
    mutate profgood 'd["phases"] = [{"name": "p", "shape": "profile", "profile": "good.csv", "scale": 10}]'
    "$CREST" validate "$TMP/v/profgood.json" > "$TMP/out" 2>/dev/null
    grep -qE '^  p .*profile +10 - 30 +40$' "$TMP/out"
}

test_threshold_errors() {
    base_scenario
    mutate badthr 'd["thresholds"] = ["p99<<1s"]'
    expect_invalid "$TMP/v/badthr.json" "thresholds[0]:"
    mutate badtag 'd["thresholds"] = ["kart:p99<1s"]'
    expect_invalid "$TMP/v/badtag.json" "thresholds[0]: 'kart:p99<1s' names subsystem 'kart'; expected one of: cart, order"
    mutate wrongtag 'd["subsystems"]["cart"]["abort"] = ["order:errors>5%"]'
    expect_invalid "$TMP/v/wrongtag.json" "subsystems.cart.abort[0]: 'order:errors>5%' names subsystem 'order' inside subsystem 'cart'"
}

test_misc_errors() {
    base_scenario
    mutate badpath 'd["subsystems"]["order"]["endpoints"][0]["path"] = "order/create"'
    expect_invalid "$TMP/v/badpath.json" "subsystems.order.endpoints[0].path: expected a path starting with '/'"
    mutate badmethod 'd["subsystems"]["order"]["endpoints"][0]["method"] = "FETCH"'
    expect_invalid "$TMP/v/badmethod.json" 'method: expected one of GET, POST' 'found "FETCH"'
    mutate badarr 'd["arrivals"] = "bursty"'
    expect_invalid "$TMP/v/badarr.json" 'arrivals: expected one of poisson, uniform; found "bursty"'
    mutate badtarget 'd["target"] = "127.0.0.1:80"'
    expect_invalid "$TMP/v/badtarget.json" 'target: expected "testbed" or an http:// or https:// URL'
    mutate badph 'd["subsystems"]["order"]["endpoints"][0]["path"] = "/o/${random.int(9,1)}"'
    expect_invalid "$TMP/v/badph.json" "LO <= HI"
    mutate closedrate 'd["phases"][1] = {"duration": 5, "connections": 4, "rate": 3}'
    expect_invalid "$TMP/v/closedrate.json" "phases[1]: 'rate' is an open-loop key"
    mutate spikeafter 'd["phases"][1] = {"duration": 5, "shape": "spike", "base": 1, "peak": 9, "hold": 1, "at": 7}'
    expect_invalid "$TMP/v/spikeafter.json" "phases[1]: at: the spike starts at 7s, after the phase ends"
    printf '{"subsystems": {"a": {"weight": 1, "endpoints": [{"name": "e", "path": "/"}]}},\n "phases": [{"duration": 1, "rate": 1}], "phases": [{"duration": 100, "rate": 1}]}\n' > "$TMP/v/dup.json"
    expect_invalid "$TMP/v/dup.json" "dup.json: error: duplicate key 'phases'; expected each key once"
    printf '{"subsystems": {"a": {"weight": 1, "endpoints": [{"name": "e", "path": "/"}]},\n "a": {"weight": 2, "endpoints": [{"name": "f", "path": "/"}]}}, "phases": [{"duration": 1, "rate": 1}]}\n' > "$TMP/v/dupsub.json"
    expect_invalid "$TMP/v/dupsub.json" "subsystems: duplicate key 'a'"
    local rc=0
    "$CREST" validate "$TMP/v/nonexistent.json" 2> "$TMP/err" || rc=$?
    assert_eq "$rc" 2 "missing scenario file"
    grep -q "cannot open" "$TMP/err"
    rc=0
    "$CREST" validate 2> /dev/null || rc=$?
    assert_eq "$rc" 2 "no file"
    "$CREST" validate --help | grep -q 'usage: crest validate'
}

test_documented_example_is_valid() {
    local d="$TMP/doc"
    mkdir -p "$d/data" "$d/profiles"
    awk '/^```json$/ {on = 1; next} /^```$/ {if (on) exit} on' "$ROOT/docs/scenario-format.md" > "$d/example.json"
    cp "$ROOT/scenarios/data/users.csv" "$ROOT/scenarios/data/skus.csv" "$d/data/"
    cp "$ROOT/scenarios/profiles/midnight.csv" "$d/profiles/"
    printf 'code\nC1\nC2\n' > "$d/data/coupons.csv"
    "$CREST" validate "$d/example.json" > "$TMP/out" 2> "$TMP/err" || { cat "$TMP/err" >&2; return 1; }
    grep -q '^scenario mini11 ' "$TMP/out"
    [ "$(grep -cE '^  (evening|midnight|flash|wave|night|steady|users) ' "$TMP/out")" -eq 7 ]
    grep -q '65 connections' "$TMP/out"  # 50 users x growth 1.3
    grep -q "unique feeder 'coupon' has 2 rows" "$TMP/err"
}

run_tests
