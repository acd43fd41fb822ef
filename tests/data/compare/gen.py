#!/usr/bin/env python3
"""Writes the results.json fixtures of tests/integration/test_compare.sh.

Each file is a seeded simulation of one run (schema crest.results/1, without
the encoded histograms, which only crest's C code writes): every second,
about RATE requests split over three subsystems, latencies log-normal around
each subsystem's median times a per-second noise factor (and a 2-3x stall in
about one second in twenty, like a GC pause), a few errors. Percentiles are
exact (nearest rank) over the simulated requests.

  baseline.json   seed 1
  noisy.json      seed 2, the same target: must pass against baseline
  slow.json       seed 3, every latency x 1.3: must fail (p50/p90/p99)
  errors.json     seed 4, error rate 2% instead of 0.1%: must fail (errors)
  lowrate.json    seed 5, 20% fewer requests per second: must fail (rate)
  short.json      seed 6, 3 seconds, latency x 1.5: too short to test (exit 3)

Run from this directory: python3 gen.py
"""
import json
import math
import random

SUBSYSTEMS = {"cart": (0.5, 20.0), "order": (0.3, 35.0), "search": (0.2, 12.0)}  # share, median ms


def pct(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = max(0, math.ceil(p / 100.0 * len(sorted_values)) - 1)
    return sorted_values[k]


def latency_block(values):
    v = sorted(values)
    if not v:
        return {"min": 0, "mean": 0, "p50": 0, "p90": 0, "p99": 0, "p999": 0, "max": 0}
    return {"min": round(v[0], 3), "mean": round(sum(v) / len(v), 3),
            "p50": round(pct(v, 50), 3), "p90": round(pct(v, 90), 3),
            "p99": round(pct(v, 99), 3), "p999": round(pct(v, 99.9), 3),
            "max": round(v[-1], 3)}


def summary(lat, ok, errors, seconds):
    n = ok + errors
    return {"scheduled": n, "sent": n, "completed": n, "ok": ok, "shed": 0, "errors": errors,
            "http_errors": errors, "net_errors": 0, "dropped": 0, "cancelled": 0,
            "duration_s": float(seconds), "rate": round(n / seconds, 3),
            "offered_rate": round(n / seconds, 3),
            "error_rate": round(errors / n, 6) if n else 0.0, "shed_rate": 0.0,
            "latency_ms": latency_block(lat),
            "status": {"2xx": ok, "3xx": 0, "4xx": 0, "429": 0, "5xx": errors, "other": 0}}


def run(seed, seconds=30, rate=200, slow=1.0, error_p=0.001):
    rnd = random.Random(seed)
    all_lat, per_sub = [], {s: {"lat": [], "ok": 0, "err": 0} for s in SUBSYSTEMS}
    timeseries = []
    for t in range(seconds):
        noise = math.exp(rnd.gauss(0, 0.08))
        if rnd.random() < 0.05:
            noise *= rnd.uniform(2, 3)            # a stall: the whole second is slow
        sec_lat, sec_ok, sec_err = [], 0, 0
        sec_sub = {}
        for name, (share, median) in SUBSYSTEMS.items():
            n = max(0, int(round(rnd.gauss(rate * share, math.sqrt(rate * share)))))
            lat = [median * slow * noise * math.exp(rnd.gauss(0, 0.5)) for _ in range(n)]
            err = sum(1 for _ in range(n) if rnd.random() < error_p)
            ok = n - err
            per_sub[name]["lat"] += lat
            per_sub[name]["ok"] += ok
            per_sub[name]["err"] += err
            sec_lat += lat
            sec_ok += ok
            sec_err += err
            s = sorted(lat)
            sec_sub[name] = {"offered": n, "ok": ok, "shed": 0, "errors": err,
                             "p99_ms": round(pct(s, 99), 3)}
        all_lat += sec_lat
        s = sorted(sec_lat)
        n = sec_ok + sec_err
        timeseries.append({"t": t, "target_rate": rate, "offered": n, "sent": n, "completed": n,
                           "ok": sec_ok, "shed": 0, "errors": sec_err, "dropped": 0,
                           "p50_ms": round(pct(s, 50), 3), "p90_ms": round(pct(s, 90), 3),
                           "p99_ms": round(pct(s, 99), 3), "max_ms": round(s[-1], 3) if s else 0,
                           "subsystems": sec_sub})
    ok = sum(v["ok"] for v in per_sub.values())
    err = sum(v["err"] for v in per_sub.values())
    return {
        "schema": "crest.results/1", "crest_version": "0.1.0",
        "started_at": "2026-11-25T08:00:00Z",
        "command": "tests/data/compare/gen.py (seed %d)" % seed,
        "scenario": None, "target": "http://127.0.0.1:8080", "interrupted": False, "aborted": None,
        "settings": {"threads": 2, "connections": 64, "timeout_s": 5, "arrivals": "poisson"},
        "summary": summary(all_lat, ok, err, seconds),
        "subsystems": {name: summary(v["lat"], v["ok"], v["err"], seconds)
                       for name, v in per_sub.items()},
        "timeseries": timeseries,
        "generator": {"generator_limited": False, "reason": None},
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
