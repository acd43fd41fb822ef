#!/usr/bin/env bash
# test_testbed_timeouts.sh: the testbed survives clients that hold its
# connections without using them. A slowloris client (headers trickled a
# line at a time) gets 408 and is closed after header_timeout_s while other
# clients are served as usual; a silent connection is closed after
# idle_timeout_s; a busy keep-alive connection is not. docs/testbed.md.
source "$(dirname "$0")/lib.sh"

start_short_timeouts() {
    echo '{"idle_timeout_s": 2, "header_timeout_s": 1}' > "$TMP/tb.json"
    start_testbed --config "$TMP/tb.json"
}

test_slowloris_clients_get_408_and_do_not_block_others() {
    start_short_timeouts
    python3 - "$TESTBED_PORT" > "$TMP/slow.out" <<'PY' || { cat "$TMP/slow.out" >&2; fail "slowloris"; }
import socket, sys, time, urllib.request
port = int(sys.argv[1])
slow = []
for _ in range(50):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(6)
    s.sendall(b"GET /cms/home HTTP/1.1\r\nHost: x\r\n")
    slow.append(s)
# Other clients are served while the slow ones hold their connections.
served = 0
for _ in range(20):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__ping", timeout=3) as r:
        served += r.status == 200
assert served == 20, f"only {served} of 20 requests served during the slowloris"
t0 = time.monotonic()
for _ in range(8):      # keep trickling header lines: never completing them
    for s in slow:
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            pass
    time.sleep(0.25)
for i, s in enumerate(slow):
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"HTTP/1.1 408 "), f"slow client {i} got {data[:40]!r}"
    assert b"Connection: close" in data, f"slow client {i}: 408 without Connection: close"
took = time.monotonic() - t0
assert took < 6, f"slow clients closed only after {took:.1f}s"
print("ok")
PY
    grep -qx ok "$TMP/slow.out" || fail "the check did not finish"
    # and the server still answers afterwards
    curl -sf --max-time 3 "$TESTBED_URL/__ping" > /dev/null || fail "testbed not answering after"
}

test_idle_connections_closed_busy_ones_kept() {
    start_short_timeouts
    python3 - "$TESTBED_PORT" > "$TMP/idle.out" <<'PY' || { cat "$TMP/idle.out" >&2; fail "idle"; }
import socket, sys, time
port = int(sys.argv[1])
def connect():
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(8)
    return s
def get(s):
    s.sendall(b"GET /__ping HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, "closed while a request was answered"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(body) < length:
        body += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head[:40]
silent = connect()               # never sends a byte
after_one = connect()            # one request, then silence
get(after_one)
busy = connect()                 # a request every 0.5 s for 4 s (twice the idle timeout)
t0 = time.monotonic()
for _ in range(8):
    get(busy)
    time.sleep(0.5)
for name, s in (("silent", silent), ("after one request", after_one)):
    s.settimeout(max(0.1, 6 - (time.monotonic() - t0)))
    assert s.recv(100) == b"", f"{name} connection got data instead of being closed"
get(busy)                         # still open and answering
print("ok")
PY
    grep -qx ok "$TMP/idle.out" || fail "the check did not finish"
}

test_timeout_config_validated() {
    echo '{"idle_timeout_s": -1}' > "$TMP/bad.json"
    local rc=0
    "$CREST" testbed --listen 127.0.0.1:0 --config "$TMP/bad.json" > "$TMP/out" 2> "$TMP/err" || rc=$?
    assert_eq "$rc" 2 "exit code"
    grep -q "idle_timeout_s" "$TMP/err" || { cat "$TMP/err" >&2; fail "message does not name the key"; }
}

run_tests
