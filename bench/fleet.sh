#!/usr/bin/env bash
# bench/fleet.sh: a 4-shard local fleet against one process on the same
# plan and the same testbed. The fleet is played from the generated
# Kubernetes manifest exactly as tests/integration/test_fleet.sh does (the
# pods' commands, JOB_COMPLETION_INDEX), collected from the "pod logs" and
# merged. Prints counts, latency p50/p99 and wall time of both, and the
# ratios fleet/single. On one machine the shards share its cores: this
# measures the fleet machinery (split, start, collect, merge), not the
# extra capacity more machines would bring.
#
#   bench/fleet.sh [CREST_BINARY] [RATE] [DURATION_S] [SHARDS]
set -euo pipefail
cd "$(dirname "$0")/.."
CREST=$(realpath "${1:-bin/crest}")
RATE=${2:-2000}
DURATION=${3:-10}
SHARDS=${4:-4}
work=$(mktemp -d /tmp/crest-bench-fleet.XXXXXX)
"$CREST" testbed --listen 127.0.0.1:0 > "$work/testbed.log" 2>&1 &
tb=$!
trap 'kill "$tb" 2>/dev/null; wait "$tb" 2>/dev/null; rm -rf "$work"' EXIT
port=""
for _ in $(seq 1 100); do
    port=$(grep -oE 'listening on (http://)?127\.0\.0\.1:[0-9]+' "$work/testbed.log" | grep -oE '[0-9]+$' || true)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$work/testbed.log" >&2; exit 3; }
url="http://127.0.0.1:$port"

cat > "$work/plan.json" <<JSON
{"schema": "crest.scenario/1", "name": "fleet-bench", "arrivals": "uniform",
 "subsystems": {
   "cms": {"calls_per_pv": 3, "endpoints": [{"name": "home", "path": "/cms/home"}]},
   "product": {"calls_per_pv": 2, "endpoints": [{"name": "detail", "path": "/product/detail?sku=\${seq}"}]},
   "cart": {"calls_per_pv": 1, "endpoints": [{"name": "view", "path": "/cart/view"}]}},
 "phases": [{"name": "steady", "duration": "${DURATION}s", "shape": "constant", "rate": $RATE}]}
JSON

now() { date +%s.%N; }
t0=$(now)
"$CREST" run "$work/plan.json" --target "$url" --threads 2 -c 64 --max-loop-lag 1s --quiet \
    --out "$work/single.json" > "$work/single.out" 2>&1 || true
t1=$(now)

"$CREST" fleet manifest "$work/plan.json" --shards "$SHARDS" --image crest:bench --start-in 2s \
    --target "$url" --threads 1 -c 16 --run-arg=--max-loop-lag=1s -o "$work/fleet.json"
mkdir -p "$work/volume"
jq -r '.items[0].data["f0-plan.json"]' "$work/fleet.json" > "$work/volume/plan.json"
mapfile -t cmd < <(jq -r '.items[1].spec.template.spec.containers[0].command[]' "$work/fleet.json")
t2=$(now)
pids=()
for ((i = 0; i < SHARDS; i++)); do
    (cd "$work/volume" && PATH="$(dirname "$CREST"):$PATH" JOB_COMPLETION_INDEX=$i "${cmd[@]}") \
        > "$work/pod-$i.log" 2>&1 &
    pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || true; done
cat "$work"/pod-*.log | "$CREST" fleet collect --dir "$work/shards" > /dev/null
"$CREST" merge "$work"/shards/shard-*.json --out "$work/merged.json" --quiet > /dev/null 2>&1 || true
t3=$(now)

row() { # NAME FILE WALL
    jq -r --arg n "$1" --arg w "$3" \
        '"\($n)\t\(.summary.scheduled)\t\(.summary.ok)\t\(.summary.latency_ms.p50)\t\(.summary.latency_ms.p99)\t\($w)"' "$2"
}
wall_single=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
wall_fleet=$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.2f", b - a }')
{
    printf 'run\tscheduled\tok\tp50_ms\tp99_ms\twall_s\n'
    row single "$work/single.json" "$wall_single"
    row "fleet-x$SHARDS" "$work/merged.json" "$wall_fleet"
} | column -t
expected=$("$CREST" validate "$work/plan.json" | sed -n 's/^total: .*expected requests \([0-9]*\).*/\1/p')
echo "plan: $expected requests expected (crest validate); fleet wall time includes the 2 s shared start"
jq -r -s '"ratios fleet/single: ok \(.[1].summary.ok / .[0].summary.ok), p50 \(.[1].summary.latency_ms.p50 / .[0].summary.latency_ms.p50), p99 \(.[1].summary.latency_ms.p99 / .[0].summary.latency_ms.p99)"' \
    "$work/single.json" "$work/merged.json"
