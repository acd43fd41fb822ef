#!/usr/bin/env python3
"""gen_access_log.py: writes a synthetic nginx access log for the replay tests.

Format (an nginx log_format; docs/replay.md):
  $remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $msec
The arrival of a line is $msec - $request_time (nginx logs when a request ends), so lines are
written in completion order, slightly out of arrival order, as a real log is.

  gen_access_log.py OUT SECONDS BASE_RATE [--surge-at S --surge-factor F] [--expect FILE]
                    [--pad N] [--start EPOCH]
  gen_access_log.py - ... writes to stdout (for piping; --expect is then not allowed)

--expect writes per-second arrival counts (second offset from floor(first arrival), count)
and per-subsystem totals as JSON, computed here independently of crest.
--pad N makes every line about N bytes longer (a long user agent), to make big logs quickly.
"""
import json
import math
import random
import sys
import time

PATHS = [("cms", "GET", "/cms/home", 5), ("product", "GET", "/product/detail?sku={n}", 4),
         ("cart", "GET", "/cart/view?uid={n}", 2), ("cart", "POST", "/cart/add", 1),
         ("order", "GET", "/order/list?uid={n}", 1)]


def main():
    args = sys.argv[1:]
    out, seconds, base = args[0], float(args[1]), float(args[2])
    opts = {"--surge-at": None, "--surge-factor": "3", "--expect": None, "--pad": "0",
            "--start": "1762790390", "--seed": "7"}
    i = 3
    while i < len(args):
        opts[args[i]] = args[i + 1]
        i += 2
    rnd = random.Random(int(opts["--seed"]))
    start = float(opts["--start"])
    surge_at = float(opts["--surge-at"]) if opts["--surge-at"] else None
    factor = float(opts["--surge-factor"])
    pad = "x" * int(opts["--pad"])
    weights = [p[3] for p in PATHS]
    f = sys.stdout if out == "-" else open(out, "w")
    per_sec, per_sub = {}, {}
    first = None
    last = None
    buf = []
    t = 0.0
    while True:
        rate = base * (factor if surge_at is not None and t >= surge_at else 1)
        t += rnd.expovariate(rate)
        if t >= seconds:
            break
        sub, method, path, _ = rnd.choices(PATHS, weights)[0]
        path = path.format(n=rnd.randint(1, 99999))
        arrival = start + t
        rt = round(rnd.uniform(0.001, 0.080), 3)
        # $msec has millisecond resolution: round the end, then the arrival is exact
        msec = round(arrival + rt, 3)
        arrival = msec - rt
        if first is None:
            first = math.floor(arrival)
        last = arrival
        sec = int(math.floor(arrival - first + 1e-9))
        per_sec[sec] = per_sec.get(sec, 0) + 1
        per_sub[(sub, method)] = per_sub.get((sub, method), 0) + 1
        lt = time.strftime("%d/%b/%Y:%H:%M:%S +0800", time.gmtime(msec + 8 * 3600))
        buf.append((msec, '127.0.0.1 - - [%s] "%s %s HTTP/1.1" 200 42 "-" "gen/1.0 %s" %.3f %.3f\n'
                    % (lt, method, path, pad, rt, msec)))
        if len(buf) > 512:
            buf.sort()
            for _, line in buf[:256]:
                f.write(line)
            del buf[:256]
    buf.sort()
    for _, line in buf:
        f.write(line)
    if f is not sys.stdout:
        f.close()
    if opts["--expect"]:
        n = max(per_sec) + 1 if per_sec else 0
        subs = {}
        for (sub, method), c in per_sub.items():
            subs.setdefault(sub, {})[method] = c
        json.dump({"per_second": [per_sec.get(k, 0) for k in range(n)], "subsystems": subs,
                   "first": first, "last_offset": last - first}, open(opts["--expect"], "w"))


if __name__ == "__main__":
    main()
