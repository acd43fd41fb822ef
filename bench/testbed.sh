#!/usr/bin/env bash
# bench/testbed.sh: how fast the testbed's HTTP front end is on one core:
# `crest testbed` pinned to CPU 0 (taskset), wrk pinned to the other CPU(s)
# against GET /__ping (no simulated service time), keep-alive. Prints wrk's
# summary and a last line "testbed /__ping: N req/s on one core". The
# front end must never be what limits a drill: the bar is 30k req/s.
#
#   bench/testbed.sh [CREST_BINARY] [DURATION_S] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
CREST=${1:-bin/crest}
DURATION=${2:-10}
CONNECTIONS=${3:-100}
NCPU=$(nproc)
TESTBED_CPU=0
if [ "$NCPU" -ge 2 ]; then WRK_CPUS=1-$((NCPU - 1)); else WRK_CPUS=0; fi
WRK_THREADS=$(( NCPU > 2 ? NCPU - 1 : 1 ))
[ "$WRK_THREADS" -gt 4 ] && WRK_THREADS=4

log=$(mktemp /tmp/crest-bench-testbed.XXXXXX)
taskset -c "$TESTBED_CPU" "$CREST" testbed --listen 127.0.0.1:0 > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$log"' EXIT
port=""
for _ in $(seq 1 100); do
    port=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$log" >&2; echo "testbed did not start" >&2; exit 3; }

url="http://127.0.0.1:$port/__ping"
echo "testbed pinned to CPU $TESTBED_CPU; wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s on CPU(s) $WRK_CPUS"
taskset -c "$WRK_CPUS" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$url" | tee "$log.wrk"
rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$log.wrk")
served=$(curl -s "http://127.0.0.1:$port/__stats" | jq -r .other.ping)
rm -f "$log.wrk"
echo "testbed /__ping: $rps req/s on one core ($served pings counted by the testbed)"
