#!/usr/bin/env bash
# scripts/demo.sh: the main job (`make demo`): a whole capacity drill of the
# shipped Double-11 scenario against the embedded testbed, forecasting the
# shipped demo mall's history to this year's Double-11, and the report.
#
# The capacity search uses shorter steps than the defaults (1.5 s measured
# after 0.5 s of warm-up, 8% tolerance, starting at 400/s) so the whole drill
# fits in about 6 minutes on a 2-core machine; a real drill keeps the
# defaults. The peak factor 2 says the festival's busiest second carries twice
# the festival day's mean PV rate (the shipped midnight profile covers only
# the surge itself, so its own max/mean would understate the day's peak).
set -uo pipefail
cd "$(dirname "$0")/.."
CREST=${1:-bin/crest}
OUT=${CREST_DEMO_OUT:-demo-out}

"$CREST" drill scenarios/double11.json \
    --history scenarios/history/demo-daily.csv \
    --time date --value pv --at 2026-11-11 --event 11-11 --event 06-18 \
    --peak-factor 2 \
    --search-arg=--step=1.5s --search-arg=--warmup=0.5s --search-arg=--tolerance=8% \
    --search-arg=--start-rate=400 --search-arg=--pause=0.3s \
    --out "$OUT"
rc=$?
echo
echo "demo: drill exit code $rc (0 every subsystem covers the peak, 1 shortfall found, 3 inconclusive)"
echo "demo: open $OUT/index.html (self-contained; text summary in $OUT/summary.txt)"
# A shortfall is the drill's finding, not a failure of the demo.
[ "$rc" -le 1 ] || [ "$rc" -eq 3 ]
