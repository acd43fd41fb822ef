#!/usr/bin/env bash
# bench/transport.sh: the five ratios of issue 11, crest's native HTTP/1.1
# transport (and its curl one) against wrk and h2load measured in the same
# run, on the same nginx. nginx (one worker) is pinned to one core, every
# generator to the other (taskset), one generator thread each, tiny static
# file. CPU per request is user+system time of the generator process (GNU
# time) over the requests it completed. No pass/fail: numbers only.
#
#   1. closed loop, 64 connections: crest/wrk req/s, CPU us/request of each
#      (after a warm-up of nginx; ROUNDS interleaved rounds, the median)
#   2. open loop at RATE (30k/s): crest's CPU us/request vs h2load --rps at
#      the same rate, and vs wrk's at its closed-loop maximum; crest both
#      at its default pacing (each arrival sent as soon as due) and with
#      --send-batch 1ms, h2load's and wrk2's millisecond pacing
#   3. open loop: the highest rate crest sustains without declaring itself
#      generator-limited and with the rate sent within 0.5% of the rate
#      asked (rates stepped up by STEP), its rate error, vs wrk's
#      closed-loop maximum (nginx's core is the ceiling of both)
#   4. 10,000 connections: crest/wrk req/s, peak RSS per connection of each
#   5. HTTPS keep-alive, 64 connections: crest/wrk req/s and CPU us/request
#      (crest's native TLS, and its curl transport for reference), and new
#      TLS connections per second with 'Connection: close' (handshakes):
#      native with session resumption (its default), native with
#      --no-tls-resume (full handshakes, as wrk makes them), wrk
#
#   bench/transport.sh [CREST]   (env: DURATION=5 RATE=30000 BIG=10000 STEP=10000
#                                 LAG=5ms: step 3's --max-loop-lag; on a machine shared with
#                                 other jobs, descheduling alone can exceed 5 ms;
#                                 SECTIONS="1 2 3 4 5": which steps to run; 2 and 3
#                                 use wrk's maximum from 1 when 1 ran; ROUNDS=3: steps 1 and 5's
#                                 interleaved rounds, the median ratio printed)
set -u
CREST=$(realpath "${1:-bin/crest}")
DURATION=${DURATION:-5}
RATE=${RATE:-30000}
BIG=${BIG:-10000}
STEP=${STEP:-10000}
LAG=${LAG:-5ms}
SECTIONS=${SECTIONS:-1 2 3 4 5}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
. "$(dirname "$0")/lib.sh"
bench_init
bench_require nginx wrk h2load taskset jq python3 openssl
bench_nginx_start tls

crest() { # NAME ARGS...: a crest run; sets REQS (completed), RPS (completed/s) too
    local name=$1
    shift
    timed "$name" "$CREST" run --threads 1 --quiet --max-loop-lag 5ms --out "$TMP/$name.json" "$@"
    REQS=$(jq -r '.summary.completed' "$TMP/$name.json" 2>/dev/null || echo 0)
    RPS=$(jq -r '.summary.completed / .summary.duration_s' "$TMP/$name.json" 2>/dev/null || echo 0)
}
wrk_run() { # NAME ARGS...: sets REQS, RPS
    local name=$1
    shift
    timed "$name" wrk -t1 "$@"
    RPS=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/$name.out")
    REQS=$(awk '/requests in/ {print $1}' "$TMP/$name.out")
}

echo "bench/transport.sh: nginx on cpu $SERVER_CPU, generators on cpu $CLIENT_CPU, ${DURATION}s runs, 1 thread"
echo "machine load before: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'; }
w_us=0 wrk_max=0
# 1. closed loop, 64 connections. A fresh nginx serves its first seconds
# slower (page cache, its own allocations): a warm-up run comes first, or
# whichever tool runs first is handicapped.
if want 1; then
wrk_run w1warm -c 64 -d 2s "$URL"
rr="" rc="" wr="" wc=""
for round in $(seq 1 "${ROUNDS:-3}"); do
    crest c1n -c 64 -d "${DURATION}s" --url "$URL" --transport native
    n_rps=$RPS n_us=$(us_per "$CPU" "$REQS")
    wrk_run w1 -c 64 -d "${DURATION}s" "$URL"
    w_rps=$RPS w_us=$(us_per "$CPU" "$REQS")
    printf "1. round %d closed loop 64 conn: native %.0f req/s (%s us/req), wrk %.0f (%s us/req)\n" \
        "$round" "$n_rps" "$n_us" "$w_rps" "$w_us"
    rr="$rr $(ratio "$n_rps" "$w_rps")" rc="$rc $(ratio "$n_us" "$w_us")" wr="$wr $w_rps" wc="$wc $w_us"
done
crest c1c -c 64 -d "${DURATION}s" --url "$URL" --transport curl
printf "   curl transport (reference): %.0f req/s (%s us/req)\n" "$RPS" "$(us_per "$CPU" "$REQS")"
printf "1. median of %s rounds: req/s native/wrk %s, CPU/req native/wrk %s\n" \
    "${ROUNDS:-3}" "$(echo "$rr" | median)" "$(echo "$rc" | median)"
wrk_max=$(echo "$wr" | median) w_us=$(echo "$wc" | median)
fi

# 2. open loop at RATE
if want 2; then
crest o2n -R "$RATE" -c 64 -d "${DURATION}s" --url "$URL" --transport native
o_us=$(us_per "$CPU" "$REQS") o_lim=$(jq -r '.generator.generator_limited' "$TMP/o2n.json")
ob_lag=$(jq -r '.summary.loop_lag_ms.p50' "$TMP/o2n.json")
crest o2b -R "$RATE" -c 64 -d "${DURATION}s" --url "$URL" --transport native --send-batch 1ms
ob_us=$(us_per "$CPU" "$REQS") ob_blag=$(jq -r '.summary.loop_lag_ms.p50' "$TMP/o2b.json")
crest o2c -R "$RATE" -c 64 -d "${DURATION}s" --url "$URL" --transport curl
oc_us=$(us_per "$CPU" "$REQS")
per_client=$(( RATE / 64 ))
timed h2 h2load --h1 -t1 -c 64 --rps "$per_client" -D "$DURATION" "$URL"
h_reqs=$(awk '/^requests:/ {print $8}' "$TMP/h2.out")   # "requests: N total, N started, N done, N succeeded"
h_us=$(us_per "$CPU" "$h_reqs")
better=$(awk -v a="$h_us" -v b="$w_us" 'BEGIN { print (b <= 0 || (a > 0 && a < b)) ? a : b }')
h_mean=$(awk '/^time for request:/ {print $6}' "$TMP/h2.out")
printf "2. open loop %d/s: native %s us/req (limited: %s, loop lag p50 %s ms), native --send-batch 1ms %s us/req (loop lag p50 %s ms), curl %s, h2load --rps %s us/req (mean request time %s); wrk at its max %s\n" \
    "$RATE" "$o_us" "$o_lim" "$ob_lag" "$ob_us" "$ob_blag" "$oc_us" "$h_us" "$h_mean" "$w_us"
printf "   ratio CPU/req native/h2load %s, native --send-batch 1ms/h2load %s (the same millisecond pacing); native/best-of(h2load,wrk) %s, native --send-batch 1ms/best-of %s\n" \
    "$(ratio "$o_us" "$h_us")" "$(ratio "$ob_us" "$h_us")" "$(ratio "$o_us" "$better")" "$(ratio "$ob_us" "$better")"
fi

# 3. the highest open-loop rate crest sustains without being generator-limited
if want 3; then
best_rate=0 best_err=0 r=$STEP
while :; do
    crest o3 -R "$r" -c 256 -d 3s --url "$URL" --transport native --max-loop-lag "$LAG"
    lim=$(jq -r '.generator.generator_limited' "$TMP/o3.json")
    [ "$lim" = false ] || { why="at $r/s: $(jq -r .generator.reason "$TMP/o3.json")"; break; }
    # Sent, not just scheduled: past the server's ceiling requests wait for
    # a connection, and a rate not sent is not a rate sustained.
    err=$(jq -r --argjson r "$r" '(.summary.sent / .summary.duration_s - $r) / $r * 100 | fabs' "$TMP/o3.json")
    [ -n "$err" ] && awk -v e="$err" 'BEGIN { exit !(e <= 0.5) }' ||
        { why="at $r/s: sent $(printf '%.2f' "$err")% off the rate (connections all busy: the server's ceiling)"; break; }
    best_rate=$r best_err=$err
    r=$(( r + STEP ))
    [ "$r" -le 400000 ] || break
done
printf "3. open loop (--max-loop-lag %s): highest rate sent within 0.5%% and not generator-limited %d/s (rate error %.2f%%), wrk closed-loop max %.0f: ratio %s\n   (stopped %s)\n" \
    "$LAG" "$best_rate" "${best_err:-0}" "$wrk_max" "$(ratio "$best_rate" "$wrk_max")" "${why:-never}"
fi

# 4. 10,000 connections
if want 4; then
crest b4 -c "$BIG" -d "${DURATION}s" --timeout 10s --url "$URL" --transport native
b_rps=$RPS b_rss=$RSS b_open=$(jq -r '.generator.connections_opened' "$TMP/b4.json")
wrk_run w4 -c "$BIG" -d "${DURATION}s" --timeout 10s "$URL"
printf "4. %d connections: native %.0f req/s (%s opened), wrk %.0f: ratio %s; peak RSS native %.1f MiB (%.1f KiB/conn), wrk %.1f MiB (%.1f KiB/conn)\n" \
    "$BIG" "$b_rps" "$b_open" "$RPS" "$(ratio "$b_rps" "$RPS")" \
    "$(awk -v k="$b_rss" 'BEGIN {print k/1024}')" "$(awk -v k="$b_rss" -v n="$BIG" 'BEGIN {print k/n}')" \
    "$(awk -v k="$RSS" 'BEGIN {print k/1024}')" "$(awk -v k="$RSS" -v n="$BIG" 'BEGIN {print k/n}')"

fi

# 5. HTTPS: keep-alive, and a new handshake per request. TLS rounds are
# repeated (ROUNDS, each tool once per round, interleaved) and the median
# ratio printed: on a shared machine one round's ratio moves a lot.
if want 5; then
ka="" kc="" hr="" hf=""
for round in $(seq 1 "${ROUNDS:-3}"); do
    crest t5 -c 64 -d "${DURATION}s" --url "$TLS_URL" --insecure --transport native
    t_rps=$RPS t_us=$(us_per "$CPU" "$REQS")
    wrk_run w5 -c 64 -d "${DURATION}s" "$TLS_URL"
    tw_rps=$RPS tw_us=$(us_per "$CPU" "$REQS")
    printf "5. round %d HTTPS keep-alive 64 conn: native %.0f req/s (%s us/req), wrk %.0f (%s us/req)\n" \
        "$round" "$t_rps" "$t_us" "$tw_rps" "$tw_us"
    ka="$ka $(ratio "$t_rps" "$tw_rps")" kc="$kc $(ratio "$t_us" "$tw_us")"
    crest t5c -c 64 -d "${DURATION}s" --url "$TLS_URL" --insecure --transport native -H 'Connection: close'
    th_rps=$RPS th_res=$(jq -r '.generator.tls.resumed' "$TMP/t5c.json")
    th_hs=$(jq -r '.generator.tls.handshakes' "$TMP/t5c.json") th_p99=$(jq -r '.generator.tls.handshake_ms.p99' "$TMP/t5c.json")
    crest t5f -c 64 -d "${DURATION}s" --url "$TLS_URL" --insecure --transport native -H 'Connection: close' --no-tls-resume
    tf_rps=$RPS tf_p99=$(jq -r '.generator.tls.handshake_ms.p99' "$TMP/t5f.json")
    wrk_run w5c -c 64 -d "${DURATION}s" -H 'Connection: close' "$TLS_URL"
    printf "   handshakes/s (Connection: close): native resumed %.0f (%s of %s resumed, p99 %s ms), native full %.0f (p99 %s ms), wrk %.0f (resumes too)\n" \
        "$th_rps" "$th_res" "$th_hs" "$th_p99" "$tf_rps" "$tf_p99" "$RPS"
    hr="$hr $(ratio "$th_rps" "$RPS")" hf="$hf $(ratio "$tf_rps" "$RPS")"
done
crest t5curl -c 64 -d "${DURATION}s" --url "$TLS_URL" --insecure --transport curl
printf "   curl transport keep-alive (reference): %.0f req/s (%s us/req)\n" "$RPS" "$(us_per "$CPU" "$REQS")"
printf "5. median of %s rounds: keep-alive req/s native/wrk %s, CPU/req native/wrk %s; handshakes/s native(resumed)/wrk %s, native(--no-tls-resume)/wrk %s\n" \
    "${ROUNDS:-3}" "$(echo "$ka" | median)" "$(echo "$kc" | median)" "$(echo "$hr" | median)" "$(echo "$hf" | median)"
fi
echo "machine load after: $(cut -d' ' -f1-3 /proc/loadavg)"
