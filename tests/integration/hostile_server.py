#!/usr/bin/env python3
"""hostile_server.py MODE PORTFILE [LIFETIME_S [CERT KEY]]: a loopback HTTP server that
misbehaves on purpose, for test_hostile.sh (issues 11 and 16: a load tester
must never count a broken answer as a success, and must survive a target
that fails in any way).

Listens on 127.0.0.1 (a free port, written to PORTFILE), serves every
connection in its own thread in MODE, and exits by itself after LIFETIME_S
seconds (default 30) so a failed test never leaves it behind. With CERT and
KEY (PEM files) every connection is TLS first (test_native_tls.sh): the
same misbehaviour inside TLS, a close being a FIN without close_notify.

Malformed or hostile modes (what a client must count, never as ok):
  reset_after_accept  accept, then RST (SO_LINGER 0)                 reset
  reset_mid_body      headers + half the body, then RST              truncated
  close_mid_headers   "HTTP/1.1 200 OK\\r\\nContent-Le" then FIN      truncated
  status_only         a status line and no header block, then FIN   truncated
  short_body          Content-Length 100, 10 bytes, then FIN         truncated
  broken_chunk        a chunk shorter than its size, then FIN        truncated
  garbage             bytes that are not HTTP                        protocol
  bad_status          a malformed status line                        protocol
  huge_headers        a 100,000-line header block                    too_large
  interim_storm       1000 "100 Continue" answers, then 200          protocol
  endless_chunked     a chunked body that never ends                 timeout
  trickle             an answer at 1 byte per second                 timeout
  never_answer        accepts, reads, never answers                  timeout
  redirect_loop       302 to itself (crest does not follow)          3xx, ok
  answer_first        two answers on accept, before any request      no 5xx
Well-formed modes (HTTP/1.1 framing the native client must get right):
  keepalive           200 with Content-Length, kept alive            ok
  chunked_trailers    chunked body with a trailer                    ok
  http10_close        HTTP/1.0 answer delimited by the close         ok
  interim_then_ok     "100 Continue", then 200                       ok
  no_content          204, kept alive                                ok
  not_modified        304 with a Content-Length and no body          ok
  head_length         Content-Length 1000 and no body (for HEAD)     ok
  idle_close          200, then closes the idle connection (50 ms)   ok
"""
import socket
import struct
import sys
import threading
import time

MODE, PORT_FILE = sys.argv[1], sys.argv[2]
LIFETIME = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
TLS = None
if len(sys.argv) > 5:
    import ssl
    TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    TLS.load_cert_chain(sys.argv[4], sys.argv[5])
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


def read_request(conn, buf):
    """Reads one request (head and Content-Length body). Returns (head,
    rest of the buffer) or (None, b"") when the client went away."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, b""
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, b""
        rest += data
    return head, rest[length:]


def rst(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def keep_answering(conn, answer, buf=b"", after=None):
    """Answers every request on CONN with ANSWER (bytes or a function of the
    request head) until the client closes; AFTER(conn) runs after each."""
    while True:
        head, buf = read_request(conn, buf)
        if head is None:
            return
        conn.sendall(answer(head) if callable(answer) else answer)
        if after and after(conn):
            return


def one_answer_then(conn, answer, then):
    head, _ = read_request(conn, b"")
    if head is None:
        return
    conn.sendall(answer)
    then(conn)


def sleep_until_closed(conn, period=0.05):
    conn.settimeout(period)
    while True:
        try:
            if not conn.recv(65536):
                return
        except socket.timeout:
            continue


def endless_chunked(conn):
    head, _ = read_request(conn, b"")
    if head is None:
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    while True:
        conn.sendall(b"400\r\n" + b"x" * 1024 + b"\r\n")
        time.sleep(0.01)


def trickle(conn):
    head, _ = read_request(conn, b"")
    if head is None:
        return
    for byte in OK:
        conn.sendall(bytes([byte]))
        time.sleep(1.0)


def interim_storm(conn):
    def answer(head):
        return b"HTTP/1.1 100 Continue\r\n\r\n" * 1000 + OK
    keep_answering(conn, answer)


def huge_headers(conn):
    block = b"HTTP/1.1 200 OK\r\n" + b"X-Filler: abcdefgh\r\n" * 100000 + \
        b"Content-Length: 2\r\n\r\nok"
    keep_answering(conn, block)


def redirect_loop(conn):
    def answer(head):
        path = head.split(b" ")[1]
        return b"HTTP/1.1 302 Found\r\nLocation: " + path + b"\r\nContent-Length: 0\r\n\r\n"
    keep_answering(conn, answer)


def head_length(conn):
    keep_answering(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")


def idle_close(conn):
    def close_when_idle(c):
        c.settimeout(0.05)
        try:
            data = c.recv(65536, socket.MSG_PEEK)
        except socket.timeout:
            return True          # idle for 50 ms: close it
        return not data
    keep_answering(conn, OK, after=close_when_idle)


MODES = {
    "reset_after_accept": rst,
    "reset_mid_body": lambda c: one_answer_then(
        c, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 500,
        lambda x: (time.sleep(0.01), rst(x))),
    "close_mid_headers": lambda c: one_answer_then(c, b"HTTP/1.1 200 OK\r\nContent-Le",
                                                   lambda x: x.close()),
    "status_only": lambda c: one_answer_then(c, b"HTTP/1.1 200 OK\r\n", lambda x: x.close()),
    "short_body": lambda c: one_answer_then(
        c, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", lambda x: x.close()),
    "broken_chunk": lambda c: one_answer_then(
        c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nshort",
        lambda x: x.close()),
    "garbage": lambda c: one_answer_then(c, b"\x00\xff\x13GARBAGE no http here\r\n\r\n" * 4,
                                         lambda x: x.close()),
    "bad_status": lambda c: one_answer_then(
        c, b"HTTP/1.1 2x0 Fine\r\nContent-Length: 2\r\n\r\nok", lambda x: x.close()),
    "huge_headers": huge_headers,
    "interim_storm": interim_storm,
    "endless_chunked": endless_chunked,
    "trickle": trickle,
    "never_answer": sleep_until_closed,
    "redirect_loop": redirect_loop,
    "answer_first": lambda c: (c.sendall(OK + b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"),
                               sleep_until_closed(c)),
    "keepalive": lambda c: keep_answering(c, OK),
    "chunked_trailers": lambda c: keep_answering(
        c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
           b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n"),
    "http10_close": lambda c: one_answer_then(c, b"HTTP/1.0 200 OK\r\n\r\nbody until close",
                                              lambda x: x.close()),
    "interim_then_ok": lambda c: keep_answering(c, b"HTTP/1.1 100 Continue\r\n\r\n" + OK),
    "no_content": lambda c: keep_answering(c, b"HTTP/1.1 204 No Content\r\n\r\n"),
    "not_modified": lambda c: keep_answering(
        c, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n"),
    "head_length": head_length,
    "idle_close": idle_close,
}


def serve(conn):
    try:
        if TLS:
            # Each answer's TLS record must leave when written: with Nagle it
            # waits for the ACK of the session tickets (the client's delayed
            # ACK), and a mode that resets 10 ms later would discard it.
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.settimeout(5)
            conn = TLS.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
        MODES[MODE](conn)
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    if MODE not in MODES:
        sys.exit("hostile_server: unknown mode %r; expected one of %s" % (MODE, ", ".join(MODES)))
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(512)
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    import os
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    deadline = time.time() + LIFETIME
    srv.settimeout(0.2)
    while time.time() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
