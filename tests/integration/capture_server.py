#!/usr/bin/env python3
"""capture_server.py PORTFILE LOGFILE: a loopback HTTP server for the
scenario tests. Answers every request 200 and logs one tab-separated line
per request: method, path, X-User header, body. Writes its port to PORTFILE
once listening."""
import http.server
import sys
import threading

port_file, log_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()
log = open(log_file, "a", buffering=1)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without TCP_NODELAY each
    # keep-alive answer waits for the client's delayed ACK (40 ms)
    disable_nagle_algorithm = True

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        with lock:
            log.write("%s\t%s\t%s\t%s\n" % (self.command, self.path,
                                            self.headers.get("X-User", ""), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
