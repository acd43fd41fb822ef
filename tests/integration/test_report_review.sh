#!/usr/bin/env bash
# test_report_review.sh: the report reads as a review, checked in headless
# Chromium (issue 14): the verdict, then the plan with headroom bars, the
# forecast against capacity, the capacity search, the replay, each stage
# saying what was tested; every subsystem of an 11-subsystem run in the
# latency spectrum; SLO lines on the latency panels; no console errors.
source "$(dirname "$0")/lib.sh"

DATA="$ROOT/tests/data/report/full"

# One real 11-subsystem replay, reported with the full fixture's capacity,
# forecast and plan, rendered once by Chromium.
render_once() {
    [ -f "$TMP/dom.html" ] && return 0
    start_testbed
    "$CREST" run "$ROOT/tests/data/gates/eleven.json" --target "$TESTBED_URL" -q \
        --max-loop-lag 1s -o "$TMP/results.json" > /dev/null
    "$CREST" report "$TMP/results.json" "$DATA/capacity.json" "$DATA/forecast.json" \
        "$DATA/plan.json" -q -o "$TMP/rep"
    ensure_chromium
    chromium_shot "$TMP/rep/index.html" "$TMP/shot.png" "$TMP/chromium.log" "$TMP/dom.html"
    [ -s "$TMP/dom.html" ] || { tail -20 "$TMP/chromium.log" >&2; fail "no DOM from Chromium"; }
}

test_sections_in_review_order() {
    render_once
    python3 - "$TMP/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
order = ["banner", 'id="plan"', 'id="forecast"', 'id="capacity"', 'id="run"', 'id="settings"']
pos = [dom.find(k) for k in order]
if -1 in pos:
    sys.exit("missing: %s" % [k for k, p in zip(order, pos) if p < 0])
if pos != sorted(pos):
    sys.exit("sections out of order: %s" % sorted(zip(pos, order)))
for sec in ("plan", "capacity", "run"):
    body = dom[dom.index('id="%s"' % sec):]
    body = body[:body.index("</section>")]
    if "What was tested." not in body:
        sys.exit("section %s does not say what was tested" % sec)
plan = dom[dom.index('id="plan"'):]
plan = plan[:plan.index("</table>")]
rows = plan.count("<tr class=")
bars = plan.count('class="hbar"')
if rows == 0 or bars != rows:
    sys.exit("headroom bars: %d for %d plan rows" % (bars, rows))
run = dom[dom.index('id="run"'):]
if "the replay ran at" not in run[:run.index("</p>")]:
    sys.exit("the replay does not state its scale against the forecast demand")
PY
}

test_every_subsystem_in_the_spectrum() {
    render_once
    python3 - "$TMP/dom.html" "$TMP/results.json" <<'PY'
import json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
names = list(json.load(open(sys.argv[2]))["subsystems"].keys())
if len(names) != 11:
    sys.exit("the run has %d subsystems, expected 11" % len(names))
i = dom.index("Latency percentile spectrum</h3>")
fig = dom[i:dom.index("</figure>", i)]
texts = set(t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", fig))
missing = [n for n in names if n not in texts]
if missing:
    sys.exit("subsystems missing from the spectrum: %s" % missing)
PY
}

test_slo_lines_on_latency_panels() {
    render_once
    python3 - "$TMP/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
i = dom.index("Subsystems over time</h3>")
fig = dom[i:dom.index("</figure>", i)]
n = len(re.findall(r"p99 SLO 200 ms", fig))
if n != 11:
    sys.exit("SLO lines in the subsystem latency panels: %d, expected 11" % n)
for title in re.findall(r"Capacity search: [^<]*</h3>", dom):
    j = dom.index(title)
    if "p99 SLO" not in dom[j:dom.index("</figure>", j)]:
        sys.exit("no SLO line in " + title)
PY
}

test_no_console_errors_and_not_blank() {
    render_once
    if grep -E "CONSOLE|Uncaught|Refused to|Content Security Policy|Failed to load resource" "$TMP/chromium.log"; then
        fail "console errors while rendering the report"
    fi
    python3 "$ROOT/tests/integration/png_nonblank.py" "$TMP/shot.png" 0.03 || fail "the screenshot is blank"
}

run_tests
