#!/usr/bin/env bash
# test_report.sh: `crest report` end to end on the hand-made fixtures in
# tests/data/report (full: every input; hostile: names built to break HTML,
# XML and gnuplot): files written, charts present and drawn, the page opens
# in headless Chromium without console errors and is not blank, junit.xml
# parses with the expected cases, summary.txt agrees with plan.json, secrets
# never appear, hostile names are inert, gnuplot missing is survivable, and
# the exit codes for bad input and unwritable output (2).
source "$(dirname "$0")/lib.sh"

DATA="$ROOT/tests/data/report"
# Charts the full fixture yields: run (rate, latency, spectrum, errors,
# subsystems) + capacity (3 searches + 1 USL) + forecast (1) + plan (1).
FULL_CHARTS=11

# report DIR_OR_FILES... -> writes into $OUT (a fresh directory)
report() {
    OUT="$TMP/out.$RANDOM"
    "$CREST" report "$@" --out "$OUT" > "$OUT.stdout" 2> "$OUT.stderr"
}

# svg_checks HTML EXPECTED: number of inline <svg> and each has drawn paths.
svg_checks() {
    python3 - "$1" "$2" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
want = int(sys.argv[2])
if len(svgs) != want:
    sys.exit("expected %d <svg> elements, found %d" % (want, len(svgs)))
for i, s in enumerate(svgs):
    drawn = len(re.findall(r"<path\b[^>]*\bd='M", s)) + len(re.findall(r"<polyline\b", s))
    if drawn < 5:
        sys.exit("chart %d has only %d drawn paths" % (i, drawn))
if re.search(r"<script|<link\b|<img\b|<iframe|<object|<embed|@import|url\(\s*['\"]?https?:"
             r"|<[a-z][^>]*\s(src|href)=['\"]?(https?:|//)", html, re.I):
    sys.exit("the page references a script or an external resource")
PY
}

test_help() {
    "$CREST" report --help | grep -q "usage: crest report"
}

test_full_report_files_and_charts() {
    report "$DATA/full"
    for f in index.html summary.txt junit.xml timeseries.csv; do
        [ -s "$OUT/$f" ] || fail "$f missing"
    done
    grep -q "charts: $FULL_CHARTS drawn" "$OUT.stdout" || { cat "$OUT.stdout" "$OUT.stderr" >&2; fail "charts"; }
    svg_checks "$OUT/index.html" "$FULL_CHARTS"
    # the sections and the verdict banner
    for s in 'id="run"' 'id="capacity"' 'id="forecast"' 'id="plan"' 'id="settings"' \
             'class="banner fail"' '>SHORTFALL<'; do
        grep -qF "$s" "$OUT/index.html" || fail "index.html lacks $s"
    done
    if ls "$OUT"/*.tmp 2> /dev/null; then fail "temp files left"; fi
}

test_secrets_never_written() {
    report "$DATA/full"
    # the fixture's command line and settings carry these three values
    grep -q "SECRET-TOKEN-1" "$DATA/full/results.json"
    if grep -rl "SECRET-TOKEN-1\|SECRET-KEY-2\|SECRET-COOKIE-3" "$OUT"; then
        fail "a secret header value reached the report"
    fi
    grep -q "\[redacted\]" "$OUT/index.html"
}

test_junit_cases() {
    report "$DATA/full"
    python3 - "$OUT/junit.xml" "$DATA/full/plan.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
plan = json.load(open(sys.argv[2]))
cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
# 2 run cases + 3 thresholds + 5 baseline metrics + one per plan row
assert len(cases) == 2 + 3 + 5 + len(plan["subsystems"]), len(cases)
assert cases[("crest.baseline", "total p99")].find("failure") is not None
assert cases[("crest.baseline", "total p50")].find("failure") is None
for s in plan["subsystems"]:
    c = cases[("crest.plan", s["name"])]
    kids = [k.tag for k in c if k.tag != "system-out"]
    want = {"ok": [], "tight": [], "shortfall": ["failure"], "inconclusive": ["error"]}[s["status"]]
    assert kids == want, (s["name"], s["status"], kids)
    if s["status"] == "tight":
        assert "tight" in c.find("system-out").text
assert cases[("crest.thresholds", "errors<0.1%")].find("failure") is not None
assert cases[("crest.thresholds", "p99<250ms")].find("failure") is None
assert root.get("failures") == "3" and root.get("errors") == "1", root.attrib
PY
}

test_summary_matches_plan() {
    report "$DATA/full"
    local n=0
    while IFS=$'\t' read -r name status; do
        grep -qE "^  $name +${status^^} " "$OUT/summary.txt" || fail "summary: $name not ${status^^}"
        n=$((n + 1))
    done < <(jq -r '.subsystems[] | [.name, .status] | @tsv' "$DATA/full/plan.json")
    assert_eq "$n" 4 "plan rows"
    grep -q "^Overall verdict: SHORTFALL$" "$OUT/summary.txt"
    grep -qE "^  FAIL +errors<0.1%" "$OUT/summary.txt"
}

test_timeseries_csv() {
    report "$DATA/full/results.json"
    head -1 "$OUT/timeseries.csv" | grep -qx \
        't,scope,subsystem,target_rate,offered,sent,completed,ok,shed,errors,dropped,p50_ms,p90_ms,p99_ms,max_ms'
    local points subs
    points=$(jq '.timeseries | length' "$DATA/full/results.json")
    subs=$(jq '.subsystems | length' "$DATA/full/results.json")
    assert_eq "$(($(wc -l < "$OUT/timeseries.csv") - 1))" "$((points * (1 + subs)))" "csv rows"
    # a total row's offered equals the input's
    assert_eq "$(awk -F, '$1 == 30 && $2 == "total" {print $5}' "$OUT/timeseries.csv")" \
        "$(jq '.timeseries[30].offered' "$DATA/full/results.json")" "offered at t=30"
}

test_chromium_renders_without_errors() {
    ensure_chromium
    report "$DATA/full"
    chromium_shot "$OUT/index.html" "$TMP/shot.png" "$TMP/chromium.log" "$TMP/dom.html"
    [ -s "$TMP/shot.png" ] || { tail -20 "$TMP/chromium.log" >&2; fail "no screenshot"; }
    if grep -E "CONSOLE|Uncaught|Refused to|Content Security Policy|Failed to load resource" "$TMP/chromium.log"; then
        fail "console errors while rendering the report"
    fi
    # the DOM Chromium built holds every chart
    assert_eq "$(grep -o '<svg' "$TMP/dom.html" | wc -l)" "$FULL_CHARTS" "svg in the DOM"
    python3 "$ROOT/tests/integration/png_nonblank.py" "$TMP/shot.png" 0.03 ||
        fail "the screenshot is blank"
}

test_hostile_names_are_inert() {
    rm -f /tmp/crest-pwned
    report "$DATA/hostile"
    [ ! -e /tmp/crest-pwned ] || fail "a hostile name ran a command"
    grep -q "charts: $FULL_CHARTS drawn" "$OUT.stdout" || { cat "$OUT.stderr" >&2; fail "a chart failed on hostile names"; }
    if grep "could not be drawn" "$OUT.stderr"; then fail "gnuplot failed"; fi
    svg_checks "$OUT/index.html" "$FULL_CHARTS"
    if grep -qi "<script" "$OUT/index.html"; then fail "raw <script> in the HTML"; fi
    if grep -q "<img src=x" "$OUT/index.html"; then fail "raw markup from the target in the HTML"; fi
    grep -q "cart&lt;script&gt;alert(1)&lt;/script&gt;" "$OUT/index.html"
    grep -q "pay&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;x" "$OUT/index.html"
    # the table structure survived: as many rows in the plan table as plan rows
    python3 - "$OUT/index.html" "$OUT/junit.xml" <<'PY'
import re, sys, xml.etree.ElementTree as ET
html = open(sys.argv[1], encoding="utf-8").read()
plan = html[html.index('id="plan"'):]
plan = plan[:plan.index("</table>")]
assert plan.count("<tr") == 1 + 4, plan.count("<tr")
root = ET.parse(sys.argv[2]).getroot()
names = [c.get("name") for c in root.iter("testcase") if c.get("classname") == "crest.plan"]
assert "cart<script>alert(1)</script>" in names, names
assert any(n.startswith("se") and "`touch" in n for n in names), names
PY
    grep -q "GENERATOR-LIMITED" "$OUT/index.html"
    grep -q "GENERATOR-LIMITED" "$OUT/summary.txt"
    # summary.txt keeps each name on one line (newlines in names flattened)
    grep -q "se arch" "$OUT/summary.txt"
    [ ! -e /tmp/crest-pwned ] || fail "a hostile name ran a command"
}

test_hostile_page_in_chromium() {
    ensure_chromium
    report "$DATA/hostile"
    chromium_shot "$OUT/index.html" "$TMP/hshot.png" "$TMP/hchromium.log" "$TMP/hdom.html"
    if grep -E "CONSOLE|Uncaught|Refused to|Content Security Policy" "$TMP/hchromium.log"; then
        fail "console errors (a hostile script ran or was blocked)"
    fi
    if grep -qi "<script" "$TMP/hdom.html"; then fail "a <script> element in the DOM"; fi
    assert_eq "$(grep -o '<svg' "$TMP/hdom.html" | wc -l)" "$FULL_CHARTS" "svg in the DOM"
}

test_without_gnuplot() {
    CREST_GNUPLOT=/nonexistent report "$DATA/full"
    grep -q "apt-get install gnuplot-nox" "$OUT/index.html"
    grep -q "gnuplot not found" "$OUT.stderr"
    assert_eq "$(grep -c '<svg' "$OUT/index.html")" 0 "svg without gnuplot"
    grep -q 'id="plan"' "$OUT/index.html"
    [ -s "$OUT/junit.xml" ]
    [ -s "$OUT/summary.txt" ]
    [ -s "$OUT/timeseries.csv" ]
}

# --title names the page (escaped like every name); --no-charts never runs
# gnuplot (a CREST_GNUPLOT that leaves a mark would show it) and keeps the
# tables.
test_title_and_no_charts() {
    report "$DATA/full"
    assert_eq "$(grep -o '<title>[^<]*</title>' "$OUT/index.html")" \
        "<title>crest report: $(json "$DATA/full/results.json" .scenario)</title>" "default title: the scenario"
    report "$DATA/full" --title 'Drill <b>2026</b> & co'
    assert_eq "$(grep -o '<title>[^<]*</title>' "$OUT/index.html")" \
        '<title>Drill &lt;b&gt;2026&lt;/b&gt; &amp; co</title>' "the page title"
    assert_eq "$(grep -o '<h1>[^<]*</h1>' "$OUT/index.html")" \
        '<h1>Drill &lt;b&gt;2026&lt;/b&gt; &amp; co</h1>' "the heading"
    if grep -q '<b>2026' "$OUT/index.html"; then fail "the title's markup reached the page"; fi
    printf '#!/bin/sh\ntouch "%s"\nexec gnuplot "$@"\n' "$TMP/gnuplot-ran" > "$TMP/gnuplot-spy"
    chmod +x "$TMP/gnuplot-spy"
    CREST_GNUPLOT="$TMP/gnuplot-spy" report "$DATA/full"
    [ -e "$TMP/gnuplot-ran" ] || fail "the gnuplot spy was not run when charts were asked for"
    rm -f "$TMP/gnuplot-ran"
    CREST_GNUPLOT="$TMP/gnuplot-spy" report "$DATA/full" --no-charts
    [ ! -e "$TMP/gnuplot-ran" ] || fail "--no-charts ran gnuplot"
    grep -q "charts: 0 drawn" "$OUT.stdout" || fail "charts drawn with --no-charts"
    assert_eq "$(grep -c '<svg' "$OUT/index.html")" 0 "svg with --no-charts"
    if grep -q "gnuplot not found" "$OUT.stderr"; then fail "--no-charts reported gnuplot missing"; fi
    for s in 'id="run"' 'id="capacity"' 'id="plan"' 'class="banner fail"'; do
        grep -qF "$s" "$OUT/index.html" || fail "index.html lacks $s with --no-charts"
    done
    [ -s "$OUT/junit.xml" ]
    [ -s "$OUT/summary.txt" ]
}

test_directory_renders_into_itself() {
    local d="$TMP/drill"
    mkdir -p "$d"
    cp "$DATA/full/plan.json" "$DATA/full/capacity.json" "$d/"
    "$CREST" report "$d" > /dev/null
    [ -s "$d/index.html" ]
    [ -s "$d/junit.xml" ]
    [ -s "$d/summary.txt" ]
    [ ! -e "$d/timeseries.csv" ]   # no results.json, no series
}

test_bad_input_exits_2() {
    local rc
    echo '{"schema": "crest.nonsense/1"}' > "$TMP/odd.json"
    set +e
    "$CREST" report "$TMP/odd.json" --out "$TMP/o1" 2> "$TMP/err1"; rc=$?
    set -e
    assert_eq "$rc" 2 "unknown schema"
    grep -q "odd.json" "$TMP/err1"
    grep -q "crest.nonsense/1" "$TMP/err1"
    printf '{"schema": "crest.plan/1",\n "x": }' > "$TMP/broken.json"
    set +e
    "$CREST" report "$TMP/broken.json" --out "$TMP/o2" 2> "$TMP/err2"; rc=$?
    set -e
    assert_eq "$rc" 2 "malformed JSON"
    grep -q "broken.json:2" "$TMP/err2"
    set +e
    "$CREST" report "$TMP/missing.json" --out "$TMP/o3" 2> "$TMP/err3"; rc=$?
    set -e
    assert_eq "$rc" 2 "missing file"
    grep -q "missing.json" "$TMP/err3"
    set +e
    "$CREST" report "$DATA/full/plan.json" 2> /dev/null; rc=$?
    set -e
    assert_eq "$rc" 2 "a file without --out"
    set +e
    "$CREST" report "$DATA/full/plan.json" "$DATA/full/plan.json" --out "$TMP/o4" 2> "$TMP/err5"; rc=$?
    set -e
    assert_eq "$rc" 2 "two plans"
    [ ! -e "$TMP/o1" ]
    [ ! -e "$TMP/o2" ]
}

# Files written by the real producers (crest run/search/forecast/plan on the
# testbed, saved in tests/data/report/real): the readers keep up with them.
test_real_producer_files() {
    report "$DATA/real"
    grep -q "charts: 11 drawn" "$OUT.stdout" || { cat "$OUT.stdout" "$OUT.stderr" >&2; fail "charts"; }
    svg_checks "$OUT/index.html" 11
    while IFS=$'\t' read -r name status; do
        grep -qE "^  $name +${status^^} " "$OUT/summary.txt" || fail "summary: $name not ${status^^}"
    done < <(jq -r '.subsystems[] | [.name, .status] | @tsv' "$DATA/real/plan.json")
    python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$OUT/junit.xml"
    # the plan's notes and the search's step explanations are shown
    grep -q "$(jq -r '.subsystems[0].notes' "$DATA/real/plan.json")" "$OUT/index.html"
}

# A live run against the testbed, straight into a report: the current
# engine's results.json renders, and the header value given with -H never
# reaches the report (the engine records the command line).
test_live_run_report() {
    start_testbed
    "$CREST" run --url "$TESTBED_URL/cms/home" --rate 100 --duration 2s --quiet --max-loop-lag 1s \
        -H 'Authorization: Bearer LIVE-SECRET-9' --out "$TMP/live.json" > /dev/null
    report "$TMP/live.json"
    grep -qE "charts: [0-9]+ drawn$" "$OUT.stdout" || { cat "$OUT.stdout" "$OUT.stderr" >&2; fail "charts"; }
    if grep "could not be drawn" "$OUT.stderr"; then fail "a chart failed"; fi
    assert_cmp "$(grep -c '<svg' "$OUT/index.html") >= 4" "charts in the live report"
    if grep -rl "LIVE-SECRET-9" "$OUT"; then fail "the Authorization value reached the report"; fi
    assert_eq "$(($(grep -c ',total,' "$OUT/timeseries.csv")))" "$(jq '.timeseries | length' "$TMP/live.json")" "csv seconds"
}

# The full fixture with keys randomly deleted or replaced by values of the
# wrong type (null, strings, huge numbers, arrays): the report is still
# written, exit 0, and (under make sanitize) without memory errors.
test_mutated_inputs_never_crash() {
    python3 - "$DATA/full" "$TMP/mut" <<'PY'
import json, os, random, sys
rnd = random.Random(11)
junk = [None, "x", -1, 1e308, [], {}, True, "<b>", 0]
def mutate(o):
    if isinstance(o, dict):
        for k in list(o):
            if k == "schema":
                continue
            r = rnd.random()
            if r < 0.08:
                del o[k]
            elif r < 0.14:
                o[k] = rnd.choice(junk)
            else:
                mutate(o[k])
    elif isinstance(o, list):
        for i in range(len(o)):
            if rnd.random() < 0.03:
                o[i] = rnd.choice(junk)
            else:
                mutate(o[i])
for case in range(8):
    d = os.path.join(sys.argv[2], str(case))
    os.makedirs(d)
    for kind in ("results", "capacity", "forecast", "plan"):
        doc = json.load(open(os.path.join(sys.argv[1], kind + ".json")))
        mutate(doc)
        json.dump(doc, open(os.path.join(d, kind + ".json"), "w"))
PY
    local d rc
    for d in "$TMP"/mut/*; do
        set +e
        "$CREST" report "$d" --out "$d/out" > "$d/stdout" 2> "$d/stderr"; rc=$?
        set -e
        [ "$rc" -eq 0 ] || { tail -20 "$d/stderr" >&2; fail "exit $rc on $d"; }
        if grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$d/stderr"; then
            cat "$d/stderr" >&2
            fail "sanitizer on $d"
        fi
        python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$d/out/junit.xml"
        [ -s "$d/out/index.html" ]
    done
}

# An output directory that cannot be made is bad input, found before any
# rendering (issue 14: output paths are checked first, exit 2 naming them).
test_unwritable_output_exits_2() {
    local rc
    touch "$TMP/afile"
    set +e
    "$CREST" report "$DATA/full/plan.json" --out "$TMP/afile/sub" 2> "$TMP/err"; rc=$?
    set -e
    assert_eq "$rc" 2 "output under a regular file"
    grep -q "afile/sub" "$TMP/err"
}

run_tests
