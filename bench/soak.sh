#!/usr/bin/env bash
# bench/soak.sh: the soak drill. One open-loop `crest run` against the
# embedded-style testbed (`crest testbed`) for SOAK_DURATION (default 1h) at
# SOAK_RATE arrivals/s (Poisson, a mix of cms/product/cart/order), sampling
# every SOAK_INTERVAL (default 60 s) the resident memory (VmRSS) and the open
# file descriptors of both processes. Both must stay flat after warm-up:
# the last line compares the last sample with the first one after warm-up
# (SOAK_WARMUP samples are skipped, default 1) and says "flat" or "GROWING".
# Not part of `make test` (it takes an hour); figures go in docs/soak.md.
#
#   bench/soak.sh [CREST_BINARY]                      # one hour
#   SOAK_DURATION=5m SOAK_INTERVAL=30 bench/soak.sh   # a short rehearsal
#
# Output: OUT_DIR (default a temp dir) holds samples.csv and the run's
# results.json (checkpointed every minute). Exit 0 flat, 1 growing, 3 the
# run or the testbed failed.
set -euo pipefail
cd "$(dirname "$0")/.."
CREST=$(realpath "${1:-bin/crest}")
DURATION=${SOAK_DURATION:-1h}
RATE=${SOAK_RATE:-500}
INTERVAL=${SOAK_INTERVAL:-60}
WARMUP=${SOAK_WARMUP:-1}
CHECKPOINT=${SOAK_CHECKPOINT:-60s}             # 0 turns the checkpoints off
RSS_TOLERANCE=${SOAK_RSS_TOLERANCE:-0.10}   # growth allowed after warm-up (fraction)
# The run keeps every second of its time series for results.json: one
# second_stats (loadgen/stats.h, 224 bytes on x86-64) for the total and one
# per subsystem (4 here) each second, about 1.1 KB/s, 4 MB an hour. That
# growth is the data, not a leak: the verdict allows it and says so.
SECOND_BYTES=${SOAK_SECOND_BYTES:-224}
SERIES=5
OUT=${OUT_DIR:-$(mktemp -d /tmp/crest-soak.XXXXXX)}
mkdir -p "$OUT"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$CREST" testbed --listen 127.0.0.1:0 > "$OUT/testbed.log" 2>&1 &
tb=$!
pids+=("$tb")
port=""
for _ in $(seq 1 100); do
    port=$(grep -oE 'listening on (http://)?127\.0\.0\.1:[0-9]+' "$OUT/testbed.log" | grep -oE '[0-9]+$' || true)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$OUT/testbed.log" >&2; echo "soak: testbed did not start" >&2; exit 3; }

# The scenario: the smoke mix, one constant open-loop phase of the soak's length.
cat > "$OUT/soak.json" <<JSON
{"schema": "crest.scenario/1", "name": "soak", "target": "http://127.0.0.1:$port",
 "arrivals": "poisson",
 "subsystems": {
   "cms": {"weight": 5, "endpoints": [{"name": "home", "path": "/cms/home"}]},
   "product": {"weight": 3, "endpoints": [{"name": "detail", "path": "/product/detail?sku=\${random.int(1,100000)}"}]},
   "cart": {"weight": 1, "endpoints": [{"name": "add", "method": "POST", "path": "/cart/add",
            "headers": {"Content-Type": "application/json"}, "body": {"uid": "\${seq}", "qty": 1}}]},
   "order": {"weight": 1, "endpoints": [{"name": "create", "method": "POST", "path": "/order/create",
             "headers": {"Idempotency-Key": "\${uuid}"}, "body": {"uid": "\${seq}"}}]}},
 "phases": [{"name": "soak", "duration": "$DURATION", "shape": "constant", "rate": $RATE}]}
JSON

"$CREST" run "$OUT/soak.json" --quiet --checkpoint "$CHECKPOINT" --max-loop-lag 50ms \
    --out "$OUT/results.json" > "$OUT/run.log" 2>&1 &
run=$!
pids+=("$run")

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

echo "soak: $DURATION at $RATE/s against testbed :$port, sampling every ${INTERVAL}s into $OUT"
echo "t_s,crest_rss_kb,crest_fds,testbed_rss_kb,testbed_fds" | tee "$OUT/samples.csv"
start=$(date +%s)
while kill -0 "$run" 2>/dev/null; do
    sleep "$INTERVAL" &
    wait $! || true
    kill -0 "$run" 2>/dev/null || break
    echo "$(( $(date +%s) - start )),$(rss_kb "$run"),$(fds "$run"),$(rss_kb "$tb"),$(fds "$tb")" |
        tee -a "$OUT/samples.csv"
done
rc=0
wait "$run" || rc=$?
pids=("$tb")
tail -n 3 "$OUT/run.log"
# 3 with results is a generator-limited verdict (latency), not a failed soak.
if [ ! -s "$OUT/results.json" ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; }; then
    echo "soak: crest run exited $rc (see $OUT/run.log)" >&2
    exit 3
fi
jq -r '"soak: \(.summary.ok) ok, \(.summary.errors) errors, \(.summary.dropped) dropped, p99 \(.summary.latency_ms.p99) ms over \(.summary.duration_s) s"' \
    "$OUT/results.json" 2>/dev/null || true

# Flatness. Warm-up: the first third of the samples (at least SOAK_WARMUP):
# pools, caches and the connection set grow there. After it, RSS may not
# grow by more than SOAK_RSS_TOLERANCE from its first value to its last, and
# open fds may not ratchet up: the highest count in the second half of the
# measured samples stays within 2 of the highest in the first half (the
# connection count moves with latency under the -c cap; a leak only grows).
# crest's RSS growth is judged beyond the time series it must keep (above).
awk -F, -v warm="$WARMUP" -v tol="$RSS_TOLERANCE" -v sb="$SECOND_BYTES" -v series="$SERIES" '
NR == 1 { next }
{ n++; ts[n] = $1; c[n] = $2; f[n] = $3; t[n] = $4; g[n] = $5 }
END {
  w = int(n / 3); if (w < warm) w = warm
  if (n - w < 2) { print "soak: too few samples to judge (" n ")"; exit 3 }
  s = w + 1; mid = s + int((n - s + 1) / 2)
  for (i = s; i <= n; i++) {
    if (i < mid) { if (f[i] > fa) fa = f[i]; if (g[i] > ga) ga = g[i] }
    else         { if (f[i] > fb) fb = f[i]; if (g[i] > gb) gb = g[i] }
  }
  store = (ts[n] - ts[s]) * series * sb / 1024      # the time series kept, kB
  cg = (c[n] - c[s] - store) / c[s]; tg = (t[n] - t[s]) / t[s]
  printf "soak: after %d warm-up samples: crest RSS %d -> %d kB, of which %d kB the time series, %+.1f%% beyond it; fds max %d then %d; ", w, c[s], c[n], store, cg * 100, fa, fb
  printf "testbed RSS %d -> %d kB (%+.1f%%), fds max %d then %d\n", t[s], t[n], tg * 100, ga, gb
  flat = cg <= tol && tg <= tol && fb <= fa + 2 && gb <= ga + 2
  print flat ? "soak: flat after warm-up" : "soak: GROWING after warm-up"
  exit flat ? 0 : 1
}' "$OUT/samples.csv"
