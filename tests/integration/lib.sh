# tests/integration/lib.sh: shared by every integration test script.
#
# A script defines functions named test_* and ends with `run_tests`. Each
# test runs in a subshell with `set -e`; it passes when it returns 0. Output
# is TAP-like ("ok - name" / "not ok - name") for tests/run.sh to count.
# Servers started with start_testbed / start_nginx are killed when the script
# exits, whatever happens. Every load goes to 127.0.0.1 only.

set -u
CREST=${CREST:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/crest}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d /tmp/crest-it.XXXXXX)
PIDS=()

# Kills what this shell started. Each test runs in a subshell with its own
# copy of PIDS (and bash does not pass traps into subshells), so run_tests
# installs this in every test's subshell too.
stop_started_processes() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
    PIDS=()
}

cleanup() {
    stop_started_processes
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
# On INT/TERM (tests/run.sh's timeout) the script stops here: cleaning up
# and carrying on with the next test would leave a timed-out file unbounded.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "FAIL: $*" >&2; return 1; }

# assert_eq ACTUAL EXPECTED MESSAGE
assert_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

# is_number TEXT: a decimal number (jq's null, "", nan, inf are not).
is_number() { [[ "$1" =~ ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]]; }

# assert_near ACTUAL EXPECTED REL_TOLERANCE MESSAGE
assert_near() {
    is_number "$1" || { fail "$4: expected a number near $2, got '$1'"; return 1; }
    is_number "$2" || { fail "$4: expected value '$2' is not a number"; return 1; }
    awk -v a="$1" -v e="$2" -v t="$3" 'BEGIN { d = a - e; if (d < 0) d = -d;
        r = (e == 0) ? d : d / (e < 0 ? -e : e); exit !(r <= t) }' ||
        fail "$4: expected $2 within $(awk -v t="$3" 'BEGIN{print t*100}')%, got $1"
}

# assert_cmp "A OP B" MESSAGE   (awk expression over numbers: every operand
# must be a number literal, so a missing field (jq's null, an empty string)
# fails instead of reading as 0)
assert_cmp() {
    local rest
    # drop the number literals; what is left must be operators and brackets
    rest=$(printf '%s' "$1" | sed -E 's/(^|[^A-Za-z0-9_.])[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?/\1/g')
    if [[ "$rest" =~ [A-Za-z_] ]]; then
        fail "$2: not a number in ($1)"
        return 1
    fi
    awk "BEGIN { exit !($1) }" || fail "$2 ($1)"
}

# free_port: a TCP port on 127.0.0.1 nothing listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (5 s at most).
wait_port() {
    for _ in $(seq 1 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.05
    done
    fail "nothing listening on 127.0.0.1:$1"
}

# start_testbed [ARGS...]: starts `crest testbed --listen 127.0.0.1:0` and
# sets TESTBED_PORT and TESTBED_URL (http://127.0.0.1:PORT).
start_testbed() {
    local log="$TMP/testbed.$RANDOM.log"
    "$CREST" testbed --listen 127.0.0.1:0 "$@" > "$log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    TESTBED_PID=$pid
    for _ in $(seq 1 100); do
        TESTBED_PORT=$(grep -oE 'listening on (http://)?127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$' | head -1)
        [ -n "$TESTBED_PORT" ] && break
        sleep 0.05
    done
    [ -n "$TESTBED_PORT" ] || { cat "$log" >&2; fail "testbed did not start"; return 1; }
    TESTBED_URL="http://127.0.0.1:$TESTBED_PORT"
}

# start_nginx [EXTRA_SERVER_CONFIG]: nginx from Debian on a free loopback
# port serving small static files; sets NGINX_PORT and NGINX_URL.
start_nginx() {
    local dir="$TMP/nginx.$RANDOM"
    mkdir -p "$dir/html" "$dir/logs"
    NGINX_PORT=$(free_port)
    echo "hello from nginx" > "$dir/html/index.html"
    head -c 4096 /dev/zero | tr '\0' 'x' > "$dir/html/4k.txt"
    cat > "$dir/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 16384; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/body;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $dir/html;
        ${1:-}
    }
}
NGINX
    /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" > "$dir/logs/stdout.log" 2>&1 &
    PIDS+=("$!")
    NGINX_DIR=$dir
    wait_port "$NGINX_PORT"
    NGINX_URL="http://127.0.0.1:$NGINX_PORT"
}

# ensure_chromium: Debian's chromium for the report checks (installed when
# missing, as `make deps` does).
ensure_chromium() {
    command -v chromium > /dev/null && return 0
    echo "# installing chromium (apt-get install -y chromium)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > "$TMP/apt.log" 2>&1 ||
        { apt-get update -qq > /dev/null 2>&1 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > "$TMP/apt.log" 2>&1; } ||
        { tail -5 "$TMP/apt.log" >&2; fail "chromium could not be installed"; }
}

# chromium_shot HTML PNG LOG [DOM]: a screenshot of HTML into PNG, the
# console log into LOG, and the rendered DOM into DOM.
chromium_shot() {
    local dom=${4:-/dev/null}
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$TMP/chr.$RANDOM" --enable-logging=stderr --v=0 \
        --screenshot="$2" --window-size=1280,4000 "file://$1" > /dev/null 2> "$3"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$TMP/chr.$RANDOM" --enable-logging=stderr --v=0 \
        --dump-dom "file://$1" > "$dom" 2>> "$3"
}

# json FILE JQ_FILTER: one value from a JSON file.
json() { jq -r "$2" "$1"; }

# run_tests: runs every test_* function (those matching $ONLY when set) and
# prints the TAP plan and one result line each. With SKIP_ALL set (the
# reason), every test is reported as skipped and none runs.
run_tests() {
    local names t
    names=$(declare -F | awk '{print $3}' | grep '^test_' || true)
    if [ -n "${ONLY:-}" ]; then
        names=$(printf '%s\n' $names | grep -F -- "$ONLY" || true)
    fi
    echo "1..$(printf '%s\n' $names | grep -c .)"
    for t in $names; do
        if [ -n "${SKIP_ALL:-}" ]; then
            echo "ok - $t # SKIP $SKIP_ALL"
            continue
        fi
        echo "# $t" >&2
        # Not in an `if`: bash ignores set -e inside a tested subshell. A
        # signal stops the test's servers and the test.
        ( trap stop_started_processes EXIT; trap 'exit 143' TERM; trap 'exit 130' INT
          set -e; "$t" )
        if [ $? -eq 0 ]; then
            echo "ok - $t"
        else
            echo "not ok - $t"
        fi
    done
}
