#!/usr/bin/env bash
# test_native_tls.sh: the native transport's TLS (issue 11) against Debian's
# nginx serving a self-signed certificate made here (openssl req), and
# against hostile_server.py inside TLS. Verification is on by default
# (failure: the tls error kind, the run could not run), --cacert and
# --insecure/-k pass, SNI and the name check use the URL's host, keep-alive
# reuses connections, sessions resume (and do not with --no-tls-resume),
# handshakes are timed apart from latency, and a TLS connection closed in
# the middle of an answer counts as truncated, never ok.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/run_helpers.sh"

HOSTILE="$ROOT/tests/integration/hostile_server.py"

# make_cert NAME SAN: a self-signed certificate NAME.pem / NAME.key for SAN.
make_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/$1.key" -out "$TMP/$1.pem" \
        -days 1 -subj "/CN=crest test" -addext "subjectAltName=$2" > /dev/null 2>&1 ||
        fail "openssl req failed"
}

# start_tls_nginx [EXTRA_SERVER_CONFIG]: nginx serving $TMP/good.pem on
# 127.0.0.1 (and ::1 when there is one), logging the SNI name and whether
# the session was resumed; sets TLS_PORT, ACCESS_LOG.
start_tls_nginx() {
    local dir="$TMP/nginx.$RANDOM" v6=""
    mkdir -p "$dir/html" "$dir/logs"
    TLS_PORT=$(free_port)
    ACCESS_LOG="$dir/logs/access.log"
    [ -e /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6 &&
        v6="listen [::1]:$TLS_PORT ssl;"
    echo "hello over tls" > "$dir/html/index.html"
    cat > "$dir/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
    log_format tls '\$ssl_server_name \$ssl_session_reused \$connection \$ssl_protocol';
    access_log $ACCESS_LOG tls;
    keepalive_requests 1000000;
    client_body_temp_path $dir/body;
    server {
        listen 127.0.0.1:$TLS_PORT ssl;
        $v6
        root $dir/html;
        ${1:-}
        ssl_certificate $TMP/good.pem;
        ssl_certificate_key $TMP/good.key;
    }
}
NGINX
    /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" > "$dir/logs/stdout.log" 2>&1 &
    PIDS+=("$!")
    wait_port "$TLS_PORT"
}

# tls_run NAME URL ARGS...: a short closed-loop native run; sets OUT and RC.
tls_run() {
    local name=$1 url=$2
    shift 2
    OUT="$TMP/$name.json"
    RC=0
    timeout 60 "$CREST" run --url "$url" -c 4 -d 0.5s --timeout 3s --max-loop-lag 10s \
        --quiet --transport native --out "$OUT" "$@" > "$OUT.log" 2>&1 || RC=$?
    [ -s "$OUT" ] || { cat "$OUT.log" >&2; fail "$name: no results written"; }
    check_accounting "$OUT"
    assert_eq "$(json "$OUT" .generator.transport)" native "$name: transport"
}

expect_all_ok() {
    local what
    what="$(jq -c '.summary | {ok, errors, net_errors_by_kind}' "$OUT")"
    [ "$RC" -eq 0 ] || [ "$RC" -eq 3 ] || { cat "$OUT.log" >&2; fail "exit $RC: $what"; }
    assert_eq "$(json "$OUT" .summary.errors)" 0 "errors: $what"
    assert_cmp "$(json "$OUT" .summary.ok) > 0" "ok answers: $what"
}

# expect_all KIND: no ok, every error of KIND.
expect_all() {
    local what
    what="$(jq -c '.summary | {ok, errors, net_errors_by_kind}' "$OUT")"
    assert_eq "$(json "$OUT" .summary.ok)" 0 "ok answers: $what"
    assert_cmp "$(json "$OUT" .summary.errors) > 0" "errors: $what"
    assert_eq "$(json "$OUT" ".summary.net_errors_by_kind.$1")" "$(json "$OUT" .summary.errors)" \
        "every error is $1: $what"
}

setup_certs() {
    make_cert good "IP:127.0.0.1,IP:::1,DNS:localhost"
}

# The default verifies: a self-signed certificate fails every request as
# tls, and the run could not run (exit 3); --cacert and -k pass.
test_verification() {
    setup_certs
    start_tls_nginx
    tls_run noverify "https://127.0.0.1:$TLS_PORT/index.html"
    expect_all tls
    assert_eq "$RC" 3 "a target never answered over TLS: exit"
    tls_run cacert "https://127.0.0.1:$TLS_PORT/index.html" --cacert "$TMP/good.pem"
    expect_all_ok
    tls_run insecure "https://127.0.0.1:$TLS_PORT/index.html" -k
    expect_all_ok
}

# The name check: the right CA but a certificate for another name fails;
# with a DNS name, SNI carries it (nginx logs what it received).
test_name_and_sni() {
    setup_certs
    make_cert other "DNS:other.example"
    start_tls_nginx
    tls_run wrongname "https://127.0.0.1:$TLS_PORT/index.html" --cacert "$TMP/other.pem"
    expect_all tls
    tls_run sni "https://localhost:$TLS_PORT/index.html" --cacert "$TMP/good.pem"
    expect_all_ok
    assert_eq "$(awk '{print $1}' "$ACCESS_LOG" | sort -u)" localhost "SNI names nginx saw"
    # an unreadable CA file is bad input, said before any traffic
    local rc=0
    "$CREST" run --url "https://127.0.0.1:$TLS_PORT/" -d 0.2s --transport native \
        --cacert "$TMP/missing.pem" --quiet > "$TMP/missing.log" 2>&1 || rc=$?
    assert_eq "$rc" 2 "a missing --cacert file: exit"
    grep -q "missing.pem" "$TMP/missing.log" || fail "the message names the file"
}

# Keep-alive: far fewer connections than requests. Connection: close: one
# handshake per request, resumed after each slot's first, all timed apart
# from latency in results.json; --no-tls-resume makes every one full.
test_keepalive_and_resumption() {
    setup_certs
    start_tls_nginx
    tls_run keepalive "https://127.0.0.1:$TLS_PORT/index.html" -k
    expect_all_ok
    local ok opened
    ok=$(json "$OUT" .summary.ok)
    opened=$(json "$OUT" .generator.connections_opened)
    assert_cmp "$ok > 20 * $opened" "keep-alive: $ok answers on $opened connections"
    assert_eq "$(json "$OUT" .generator.tls.handshakes)" "$opened" "one handshake per connection"

    tls_run close "https://127.0.0.1:$TLS_PORT/index.html" -k -H 'Connection: close'
    expect_all_ok
    local hs resumed
    hs=$(json "$OUT" .generator.tls.handshakes)
    resumed=$(json "$OUT" .generator.tls.resumed)
    assert_cmp "$hs >= $(json "$OUT" .summary.ok)" "a handshake per request ($hs)"
    assert_cmp "$resumed >= $hs - 8" "all but the first per slot resumed ($resumed of $hs)"
    assert_cmp "$(json "$OUT" .generator.tls.handshake_ms.p50) > 0" "handshake time"
    # nginx agrees: it resumed those sessions ("r" in its log)
    assert_cmp "$(grep -c ' r ' "$ACCESS_LOG") > 0" "nginx saw resumed sessions"

    tls_run noresume "https://127.0.0.1:$TLS_PORT/index.html" -k -H 'Connection: close' \
        --no-tls-resume
    expect_all_ok
    assert_eq "$(json "$OUT" .generator.tls.resumed)" 0 "--no-tls-resume: none resumed"
    assert_cmp "$(json "$OUT" .generator.tls.handshakes) > 0" "--no-tls-resume: handshakes"
}

# Debian's nginx 1.22 speaks TLS 1.2 unless told: with TLS 1.3 the session
# comes as tickets after the handshake, and resumption still works.
test_tls13_resumption() {
    setup_certs
    start_tls_nginx "ssl_protocols TLSv1.3;"
    tls_run close13 "https://127.0.0.1:$TLS_PORT/index.html" -k -H 'Connection: close'
    expect_all_ok
    local hs resumed
    hs=$(json "$OUT" .generator.tls.handshakes)
    resumed=$(json "$OUT" .generator.tls.resumed)
    assert_cmp "$resumed >= $hs - 8" "TLS 1.3: all but the first per slot resumed ($resumed of $hs)"
    assert_eq "$(awk '{print $4}' "$ACCESS_LOG" | sort -u)" TLSv1.3 "the protocol nginx spoke"
    assert_cmp "$(grep -c ' r ' "$ACCESS_LOG") > 0" "nginx saw resumed sessions"
}

# Hostile answers inside TLS: a close (FIN, no close_notify) in the middle
# of the answer is truncated; a well-formed keep-alive is ok. (reset_mid_body
# needs the server's TCP_NODELAY: with Nagle its partial answer waited for
# the ACK of the session tickets and the RST discarded it: hostile_server.py.)
test_hostile_over_tls() {
    setup_certs
    local mode kind pf
    for mode in close_mid_headers:truncated short_body:truncated broken_chunk:truncated \
                reset_mid_body:truncated \
                garbage:protocol keepalive:ok; do
        kind=${mode#*:} mode=${mode%%:*} pf="$TMP/port.$mode"
        python3 "$HOSTILE" "$mode" "$pf" 30 "$TMP/good.pem" "$TMP/good.key" &
        PIDS+=("$!")
        for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
        [ -s "$pf" ] || fail "hostile server ($mode) did not start"
        tls_run "hostile-$mode" "https://127.0.0.1:$(cat "$pf")/x" --cacert "$TMP/good.pem"
        if [ "$kind" = ok ]; then expect_all_ok; else expect_all "$kind"; fi
    done
}

# auto picks native for https:// now, curl when a client certificate asks.
test_auto_choice() {
    setup_certs
    start_tls_nginx
    local out="$TMP/auto.json"
    "$CREST" run --url "https://127.0.0.1:$TLS_PORT/index.html" -c 2 -d 0.3s -k --quiet \
        --max-loop-lag 10s --out "$out" > /dev/null 2>&1 || true
    assert_eq "$(json "$out" .generator.transport)" native "auto on https://"
    "$CREST" run --url "https://127.0.0.1:$TLS_PORT/index.html" -c 2 -d 0.3s -k --quiet \
        --max-loop-lag 10s --cert "$TMP/good.pem" --key "$TMP/good.key" --out "$out" \
        > /dev/null 2>&1 || true
    assert_eq "$(json "$out" .generator.transport)" curl "auto with a client certificate"
}

run_tests
