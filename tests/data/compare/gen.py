#!/usr/bin/env python3
"""Writes the results.json fixtures of tests/integration/test_compare.sh.

Each file is a seeded simulation of one run in the full crest.results/1
schema that loadgen/results.c reads back: every second, about RATE requests
split over three subsystems, latencies log-normal around each subsystem's
median times a per-second noise factor (and a 2-3x stall in about one second
in twenty, like a GC pause), a few errors. Latencies go into histograms
encoded exactly as common/hist.c does (Hist below is a port of its layout
and encoding), and percentiles are read from them as hist_percentile does.

  baseline.json   seed 1
  noisy.json      seed 2, the same target: must pass against baseline
  slow.json       seed 3, every latency x 1.3: must fail (p50/p90/p99)
  errors.json     seed 4, error rate 2% instead of 0.1%: must fail (errors)
  lowrate.json    seed 5, 20% fewer requests per second: must fail (rate)
  short.json      seed 6, 3 seconds, latency x 1.5: too short to test (exit 3)

Run from this directory: python3 gen.py
"""
import base64
import json
import math
import random

SUBSYSTEMS = {"cart": (0.5, 20.0), "order": (0.3, 35.0), "search": (0.2, 12.0)}  # share, median ms

SUB_BUCKET_HALF_BITS, SUB_BUCKET_COUNT, SUB_BUCKET_HALF = 10, 2048, 1024
COUNTS_LEN = 23 * 1024
HIGHEST_US = 3600000000


def index_of(v):
    pow2ceiling = (v | (SUB_BUCKET_COUNT - 1)).bit_length()
    bucket = pow2ceiling - (SUB_BUCKET_HALF_BITS + 1)
    return ((bucket + 1) << SUB_BUCKET_HALF_BITS) + (v >> bucket) - SUB_BUCKET_HALF


def highest_of(index):
    bucket = (index >> SUB_BUCKET_HALF_BITS) - 1
    sub = (index & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF
    if bucket < 0:
        sub -= SUB_BUCKET_HALF
        bucket = 0
    return (sub << bucket) + (1 << bucket) - 1


class Hist:
    """common/hist.c in miniature: counters, exact min/max/sums, encoding."""

    def __init__(self):
        self.counts, self.total, self.min, self.max, self.sum, self.sum_sq = {}, 0, 0, 0, 0, 0

    def record(self, value_us):
        v = min(max(int(value_us), 1), HIGHEST_US)
        i = index_of(v)
        self.counts[i] = self.counts.get(i, 0) + 1
        self.min = v if self.total == 0 else min(self.min, v)
        self.max = v if self.total == 0 else max(self.max, v)
        self.total += 1
        self.sum += v
        self.sum_sq += v * v

    def add(self, other):
        for i, c in other.counts.items():
            self.counts[i] = self.counts.get(i, 0) + c
        if other.total:
            self.min = other.min if self.total == 0 else min(self.min, other.min)
            self.max = other.max if self.total == 0 else max(self.max, other.max)
        self.total += other.total
        self.sum += other.sum
        self.sum_sq += other.sum_sq

    def percentile_ms(self, p):
        if self.total == 0:
            return 0.0
        rank = max(1, min(self.total, math.ceil(p / 100.0 * self.total - 1e-9)))
        seen = 0
        for i in sorted(self.counts):
            seen += self.counts[i]
            if seen >= rank:
                return min(highest_of(i), self.max) / 1000.0
        return self.max / 1000.0

    def mean_ms(self):
        return self.sum / self.total / 1000.0 if self.total else 0.0

    def encode(self):
        out = bytearray()

        def varint(v):
            while True:
                byte = v & 0x7F
                v >>= 7
                out.append(byte | (0x80 if v else 0))
                if not v:
                    break

        def zigzag(v):
            return (v << 1) if v >= 0 else ((-v) << 1) - 1

        mask = (1 << 64) - 1
        for v in (0xC7, COUNTS_LEN, self.total, 0, self.min, self.max, self.sum & mask,
                  self.sum >> 64, self.sum_sq & mask, self.sum_sq >> 64):
            varint(v)
        i, end = 0, (max(self.counts) + 1 if self.counts else 0)
        while i < end:
            c = self.counts.get(i, 0)
            if c:
                varint(zigzag(c))
                i += 1
            else:
                run = 0
                while self.counts.get(i + run, 0) == 0:
                    run += 1
                varint(zigzag(-run))
                i += run
        return "crest-hist1:" + base64.b64encode(bytes(out)).decode()


EMPTY = Hist().encode()
STATUS_KEYS = ("2xx", "3xx", "4xx", "429", "5xx", "other")
NET_KEYS = ("refused", "reset", "timeout", "dns", "tls", "protocol", "other")


def latency_block(h):
    return {"min": h.min / 1000.0, "mean": round(h.mean_ms(), 3), "p50": h.percentile_ms(50),
            "p90": h.percentile_ms(90), "p99": h.percentile_ms(99),
            "p999": h.percentile_ms(99.9), "max": h.max / 1000.0}


def zero_latency():
    return {"min": 0, "mean": 0, "p50": 0, "p90": 0, "p99": 0, "p999": 0, "max": 0}


def summary(h, ok, errors, seconds):
    n = ok + errors
    return {"scheduled": n, "sent": n, "completed": n, "ok": ok, "shed": 0, "errors": errors,
            "http_errors": errors, "net_errors": 0, "dropped": 0, "cancelled": 0,
            "duration_s": float(seconds), "rate": round(n / seconds, 3),
            "offered_rate": round(n / seconds, 3),
            "error_rate": round(errors / n, 6) if n else 0.0, "shed_rate": 0.0,
            "latency_ms": latency_block(h), "service_time_ms": latency_block(h),
            "send_lag_ms": zero_latency(), "loop_lag_ms": zero_latency(),
            "connection_wait_ms": zero_latency(),
            "status": dict(zip(STATUS_KEYS, (ok, 0, 0, 0, errors, 0))),
            "net_errors_by_kind": dict.fromkeys(NET_KEYS, 0),
            "histograms": {"latency": h.encode(), "service_time": h.encode(),
                           "send_lag": EMPTY, "loop_lag": EMPTY, "connection_wait": EMPTY}}


def second(h, ok, err):
    n = ok + err
    return {"offered": n, "sent": n, "completed": n, "ok": ok, "shed": 0, "errors": err,
            "dropped": 0, "p50_ms": h.percentile_ms(50), "p90_ms": h.percentile_ms(90),
            "p99_ms": h.percentile_ms(99), "max_ms": h.max / 1000.0}


def run(seed, seconds=30, rate=200, slow=1.0, error_p=0.001):
    rnd = random.Random(seed)
    total = {"h": Hist(), "ok": 0, "err": 0}
    per_sub = {s: {"h": Hist(), "ok": 0, "err": 0} for s in SUBSYSTEMS}
    timeseries = []
    for t in range(seconds):
        noise = math.exp(rnd.gauss(0, 0.08))
        if rnd.random() < 0.05:
            noise *= rnd.uniform(2, 3)            # a stall: the whole second is slow
        sec_h, sec_ok, sec_err, sec_sub = Hist(), 0, 0, {}
        for name, (share, median) in SUBSYSTEMS.items():
            n = max(0, int(round(rnd.gauss(rate * share, math.sqrt(rate * share)))))
            h = Hist()
            for _ in range(n):
                h.record(median * slow * noise * math.exp(rnd.gauss(0, 0.5)) * 1000)
            err = sum(1 for _ in range(n) if rnd.random() < error_p)
            ok = n - err
            for acc in (per_sub[name],):
                acc["h"].add(h)
                acc["ok"] += ok
                acc["err"] += err
            sec_h.add(h)
            sec_ok += ok
            sec_err += err
            sec_sub[name] = second(h, ok, err)
        total["h"].add(sec_h)
        total["ok"] += sec_ok
        total["err"] += sec_err
        entry = second(sec_h, sec_ok, sec_err)
        entry.update({"t": t, "target_rate": rate,
                      "status": dict(zip(STATUS_KEYS, (sec_ok, 0, 0, 0, sec_err, 0))),
                      "net_errors": dict.fromkeys(NET_KEYS, 0), "subsystems": sec_sub})
        timeseries.append(entry)
    return {
        "schema": "crest.results/1", "crest_version": "0.1.0",
        "started_at": "2026-11-25T08:00:00Z",
        "command": "tests/data/compare/gen.py (seed %d)" % seed,
        "scenario": None, "target": "http://127.0.0.1:8080", "interrupted": False, "aborted": None,
        "settings": {"threads": 2, "connections": 64, "timeout_s": 5, "arrivals": "poisson",
                     "http2": False, "secret_headers": []},
        "summary": summary(total["h"], total["ok"], total["err"], seconds),
        "subsystems": {name: summary(v["h"], v["ok"], v["err"], seconds)
                       for name, v in per_sub.items()},
        "timeseries": timeseries,
        "generator": {"generator_limited": False, "reason": None, "cpu_s": 1.0,
                      "busiest_thread_cpu": 0.2, "threads": 2, "connections_requested": 64,
                      "connections_opened": 64, "loop_lag_p99_ms": 0.2,
                      "connection_wait_warning": False},
        "thresholds": [], "baseline": None,
    }


FILES = {
    "baseline.json": dict(seed=1),
    "noisy.json": dict(seed=2),
    "slow.json": dict(seed=3, slow=1.3),
    "errors.json": dict(seed=4, error_p=0.02),
    "lowrate.json": dict(seed=5, rate=160),
    "short.json": dict(seed=6, seconds=3, slow=1.5),
}
for name, kw in FILES.items():
    with open(name, "w") as f:
        json.dump(run(**kw), f, indent=1)
        f.write("\n")
