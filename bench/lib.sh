# bench/lib.sh: what bench/run.sh and bench/transport.sh share, sourced by
# both (not run on its own): a scratch folder removed on exit, the tool
# check, the server/generator core split, a free port, and one nginx (one
# worker, pinned to the server core, a tiny static file, keep-alive without
# limits; optionally an HTTPS listener with a throw-away certificate).
#
#   . "$(dirname "$0")/lib.sh"
#   bench_init               TMP, cleanup trap, SERVER_CPU, CLIENT_CPU
#   bench_require TOOL...    exit 3 naming the first missing tool
#   bench_nginx_start [tls]  PORT, URL (and TLS_PORT, TLS_URL with tls)
#   timed NAME CMD...        CMD on the client core under GNU time: CPU, RSS
#   us_per CPU N, ratio A B  CPU microseconds per request; A/B (0 when B is 0)

# bench_init: a scratch folder (TMP) that nginx's worker can read, removed
# with nginx on exit; nginx on core 0, generators on core 1 (or both on 0).
bench_init() {
    TMP=$(mktemp -d /tmp/crest-bench.XXXXXX)
    chmod 755 "$TMP"
    NGINX_PID=
    trap bench_cleanup EXIT INT TERM
    SERVER_CPU=0
    CLIENT_CPU=$(( $(nproc) > 1 ? 1 : 0 ))
}

bench_cleanup() {
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
    rm -rf "$TMP"
}

bench_require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" > /dev/null || [ -x "/usr/sbin/$tool" ] ||
            { echo "bench: '$tool' is missing (make deps installs it)" >&2; exit 3; }
    done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# bench_nginx_start [tls]: starts nginx in the background and waits until
# it accepts connections. With "tls" a second listener serves HTTPS with a
# self-signed certificate for 127.0.0.1 (needs openssl).
bench_nginx_start() {
    local tls_server=""
    PORT=$(free_port)
    mkdir -p "$TMP/html" "$TMP/logs"
    echo "hello from nginx" > "$TMP/html/index.html"
    if [ "${1:-}" = tls ]; then
        TLS_PORT=$(free_port)
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
            -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" > /dev/null 2>&1
        tls_server="server { listen 127.0.0.1:$TLS_PORT ssl backlog=16384; root $TMP/html;
             ssl_certificate $TMP/cert.pem; ssl_certificate_key $TMP/key.pem; }"
        TLS_URL="https://127.0.0.1:$TLS_PORT/index.html"
    fi
    cat > "$TMP/nginx.conf" <<NGINX
worker_processes 1;
worker_rlimit_nofile 30000;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log crit;
events { worker_connections 25000; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
    client_body_temp_path $TMP/body;
    server { listen 127.0.0.1:$PORT backlog=16384; root $TMP/html; }
    $tls_server
}
NGINX
    ( ulimit -n "$(ulimit -Hn)"; exec taskset -c "$SERVER_CPU" /usr/sbin/nginx -c "$TMP/nginx.conf" -p "$TMP" ) &
    NGINX_PID=$!
    for _ in $(seq 1 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break
        sleep 0.05
    done
    URL="http://127.0.0.1:$PORT/index.html"
}

# timed NAME CMD...: runs CMD pinned to the client core under GNU time;
# sets CPU (user+sys seconds) and RSS (peak KiB).
timed() {
    local name=$1
    shift
    ( ulimit -n "$(ulimit -Hn)"; /usr/bin/time -f "%U %S %M" -o "$TMP/$name.time" \
        taskset -c "$CLIENT_CPU" "$@" > "$TMP/$name.out" 2>&1 )
    CPU=$(awk 'END { print $1 + $2 }' "$TMP/$name.time")
    RSS=$(awk 'END { print $3 }' "$TMP/$name.time")
}
us_per() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.1f", (n > 0 ? c * 1e6 / n : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
