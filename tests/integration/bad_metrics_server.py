# bad_metrics_server.py PORT: a scrape target that misbehaves, for
# test_observe.sh: /slow answers after 5 s, /garbage answers 200 with bytes
# that are not the exposition format, /error answers 500. Stops by itself
# after 120 s.
import sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            time.sleep(5)
            body = b"slow_metric 1\n"
            code = 200
        elif self.path == "/garbage":
            body = b"<html>\x00\x01 not { metrics = here\n"
            code = 200
        else:
            body = b"boom\n"
            code = 500
        try:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args):
        pass

srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
srv.daemon_threads = True
threading.Timer(120, srv.shutdown).start()
srv.serve_forever()
