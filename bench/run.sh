#!/usr/bin/env bash
# bench/run.sh: crest against wrk and h2load on the same nginx, then crest's
# and wrk's at 10k connections. `make bench` runs `bench/run.sh bin/crest`.
#
# nginx (one worker) and the load generator are each pinned to their own
# core with taskset; every generator gets the same connections and
# duration, one thread, HTTP/1.1 keep-alive, a small static file. Prints
# requests/s and CPU per request for each (best of ROUNDS interleaved
# rounds) and crest's ratios to wrk and h2load, then crest and wrk at BIG
# connections (req/s, peak RSS per connection). No pass/fail: numbers only.
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
# tool alike, and the best round is the least disturbed one. CPU per
# request is the generator process's user+system time over the requests it
# completed, from that same best round.
declare -A RPS US
keep() { # TOOL RPS REQUESTS: keeps the round when it is TOOL's best so far (status 0)
    awk -v a="${2:-0}" -v b="${RPS[$1]:-0}" 'BEGIN { exit !(a + 0 > b + 0) }' || return 1
    RPS[$1]=$2 US[$1]=$(us_per "$CPU" "$3")
}
for round in $(seq 1 "$ROUNDS"); do
    timed crest "$CREST" run --url "$URL" -c "$CONNECTIONS" -d "${DURATION}s" \
        --threads 1 --quiet --out "$TMP/crest.$round.json"
    r=$(jq -r '.summary.rate' "$TMP/crest.$round.json" 2>/dev/null)
    keep crest "$r" "$(jq -r '.summary.completed' "$TMP/crest.$round.json")" &&
        crest_p99=$(jq -r '.summary.latency_ms.p99' "$TMP/crest.$round.json")
    timed wrk wrk -t1 -c "$CONNECTIONS" -d "${DURATION}s" "$URL"
    keep wrk "$(awk '/^Requests\/sec:/ {print $2}' "$TMP/wrk.out")" "$(awk '/requests in/ {print $1}' "$TMP/wrk.out")"
    timed h2load h2load --h1 -t1 -c "$CONNECTIONS" -D "$DURATION" "$URL"
    keep h2load "$(awk '/^finished in/ {for (i = 1; i <= NF; i++) if ($i == "req/s,") print $(i-1)}' "$TMP/h2load.out")" \
        "$(awk '/^requests:/ {print $8}' "$TMP/h2load.out")"
done

printf "%-8s %12s %14s %14s %14s\n" tool "req/s" "CPU us/req" "crest/tool" "CPU crest/tool"
for t in crest wrk h2load; do
    printf "%-8s %12.0f %14s %14s %14s\n" "$t" "${RPS[$t]:-0}" "${US[$t]:-?}" \
        "$(ratio "${RPS[crest]:-0}" "${RPS[$t]:-0}")" "$(ratio "${US[crest]:-0}" "${US[$t]:-0}")"
done
echo "crest p99 ${crest_p99:-?} ms; crest/wrk ratio: $(ratio "${RPS[crest]:-0}" "${RPS[wrk]:-0}"), crest/h2load ratio: $(ratio "${RPS[crest]:-0}" "${RPS[h2load]:-0}")"

# BIG connections, closed loop, a short run each: req/s and peak memory per
# connection, crest and wrk.
timed big "$CREST" run --url "$URL" -c "$BIG" -d 5s --threads 1 --timeout 10s --quiet --out "$TMP/big.json"
big_rss=$RSS big_rps=$(jq -r '.summary.rate' "$TMP/big.json" 2>/dev/null)
opened=$(jq -r '.generator.connections_opened' "$TMP/big.json" 2>/dev/null)
timed wbig wrk -t1 -c "$BIG" -d 5s --timeout 10s "$URL"
wbig_rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/wbig.out")
kib() { awk -v k="${1:-0}" -v n="$BIG" 'BEGIN { printf "%.1f MiB, %.1f KiB/conn", k / 1024, k / n }'; }
printf "%d connections: crest %.0f req/s (%s opened), peak RSS %s; wrk %.0f req/s, peak RSS %s\n" \
    "$BIG" "${big_rps:-0}" "${opened:-?}" "$(kib "$big_rss")" "${wbig_rps:-0}" "$(kib "$RSS")"
echo "crest/wrk at $BIG connections: req/s $(ratio "${big_rps:-0}" "${wbig_rps:-0}"), memory $(ratio "${big_rss:-0}" "${RSS:-0}")"
