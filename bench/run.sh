#!/usr/bin/env bash
# bench/run.sh: crest against wrk and h2load on the same nginx, then crest's
# peak memory at 10k connections. `make bench` runs `bench/run.sh bin/crest`.
#
# nginx (one worker) and the load generator are each pinned to their own
# core with taskset; every generator gets the same connections and
# duration, one thread, HTTP/1.1 keep-alive, a small static file. Prints
# requests/s for each (best of ROUNDS interleaved rounds) and crest's ratio
# to wrk. No pass/fail: numbers only.
#
#   bench/run.sh [CREST] (env: CONNECTIONS=64 DURATION=10 ROUNDS=3 BIG_CONNECTIONS=10000)
set -u
CREST=$(realpath "${1:-bin/crest}")
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10}
BIG=${BIG_CONNECTIONS:-10000}
ROUNDS=${ROUNDS:-3}
. "$(dirname "$0")/lib.sh"
bench_init
bench_require nginx wrk h2load taskset jq python3
[ "$(nproc)" -gt 1 ] || echo "bench: one core only: server and generator share it" >&2
bench_nginx_start

echo "bench: nginx on cpu $SERVER_CPU, generators on cpu $CLIENT_CPU, $CONNECTIONS connections, ${DURATION}s, 1 thread, best of $ROUNDS rounds"

# Interleaved rounds, best of each: a shared machine's noise hits every
# tool alike, and the best round is the least disturbed one.
best() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }
crest_rps=0 wrk_rps=0 h2load_rps=0
for round in $(seq 1 "$ROUNDS"); do
    taskset -c "$CLIENT_CPU" "$CREST" run --url "$URL" -c "$CONNECTIONS" -d "${DURATION}s" \
        --threads 1 --quiet --out "$TMP/crest.$round.json" > "$TMP/crest.log" 2>&1
    r=$(jq -r '.summary.rate' "$TMP/crest.$round.json" 2>/dev/null)
    if [ "$(best "$r" "$crest_rps")" != "$crest_rps" ]; then
        crest_rps=$r
        crest_p99=$(jq -r '.summary.latency_ms.p99' "$TMP/crest.$round.json")
        crest_cpu=$(jq -r '.generator.busiest_thread_cpu' "$TMP/crest.$round.json")
    fi
    taskset -c "$CLIENT_CPU" wrk -t1 -c "$CONNECTIONS" -d "${DURATION}s" "$URL" > "$TMP/wrk.log" 2>&1
    wrk_rps=$(best "$(awk '/^Requests\/sec:/ {print $2}' "$TMP/wrk.log")" "$wrk_rps")
    taskset -c "$CLIENT_CPU" h2load --h1 -t1 -c "$CONNECTIONS" -D "$DURATION" "$URL" > "$TMP/h2load.log" 2>&1
    h2load_rps=$(best "$(awk '/^finished in/ {for (i = 1; i <= NF; i++) if ($i == "req/s,") print $(i-1)}' "$TMP/h2load.log")" "$h2load_rps")
done

printf "%-8s %12s\n" tool "req/s"
printf "%-8s %12.0f   (p99 %s ms, generator thread %.0f%% busy)\n" crest "${crest_rps:-0}" \
    "${crest_p99:-?}" "$(awk -v c="${crest_cpu:-0}" 'BEGIN {print c * 100}')"
printf "%-8s %12.0f\n" wrk "${wrk_rps:-0}"
printf "%-8s %12.0f\n" h2load "${h2load_rps:-0}"
awk -v c="${crest_rps:-0}" -v w="${wrk_rps:-0}" \
    'BEGIN { if (w > 0) printf "crest/wrk ratio: %.2f\n", c / w }'

# Peak memory of crest holding BIG connections (closed loop, a short run).
(ulimit -n "$(ulimit -Hn)"; /usr/bin/time -v -o "$TMP/time.log" taskset -c "$CLIENT_CPU" \
    "$CREST" run --url "$URL" -c "$BIG" -d 5s --threads 1 --timeout 10s --quiet \
    --out "$TMP/big.json" > "$TMP/big.log" 2>&1)
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$TMP/time.log")
opened=$(jq -r '.generator.connections_opened' "$TMP/big.json" 2>/dev/null)
big_rps=$(jq -r '.summary.rate' "$TMP/big.json" 2>/dev/null)
printf "crest at %d connections: %s connections opened, %.0f req/s, peak RSS %.1f MiB\n" \
    "$BIG" "${opened:-?}" "${big_rps:-0}" "$(awk -v k="${rss:-0}" 'BEGIN {print k / 1024}')"
