#!/usr/bin/env python3
"""make_fixtures.py: writes the hand-made report fixtures in this folder.

The files follow docs/results-format.md, docs/capacity-format.md,
docs/forecast-format.md and docs/plan-format.md exactly; the numbers are
made up but consistent (invariants hold, the plan's demand matches the
forecast peak). Latency histograms are real hist_encode strings from
gen_hist.c, built against build/libcrest.a. Run from the repository root
after `make`:  python3 tests/data/report/make_fixtures.py
"""
import json
import math
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
GEN = "/tmp/crest_gen_hist"


def build_gen():
    subprocess.check_call(["cc", "-std=c11", "-D_GNU_SOURCE", "-I", ROOT, "-o", GEN,
                           os.path.join(HERE, "gen_hist.c"),
                           os.path.join(ROOT, "build", "libcrest.a"), "-lm"])


def hist(seed, count, median, sigma, tail=0.0, tail_ms=0.0):
    out = subprocess.check_output([GEN, str(seed), str(count), str(median), str(sigma),
                                   str(tail), str(tail_ms)], text=True).split("\n")
    mn, mean, p50, p90, p99, p999, mx = (float(x) for x in out[1].split())
    lat = {"min": mn, "mean": mean, "p50": p50, "p90": p90, "p99": p99, "p999": p999, "max": mx}
    return out[0], lat


def block(counts, duration, lat, encoded, status, net):
    scheduled = counts["ok"] + counts["shed"] + counts["errors"] + counts["dropped"]
    b = {
        "scheduled": scheduled, "sent": scheduled - counts["dropped"],
        "completed": counts["ok"] + counts["shed"] + counts["http_errors"],
        "ok": counts["ok"], "shed": counts["shed"], "errors": counts["errors"],
        "http_errors": counts["http_errors"], "net_errors": counts["net_errors"],
        "dropped": counts["dropped"], "cancelled": 0, "duration_s": duration,
        "rate": round((scheduled - counts["dropped"]) / duration, 3),
        "offered_rate": round(scheduled / duration, 3),
        "error_rate": round(counts["errors"] / scheduled, 6) if scheduled else 0,
        "shed_rate": round(counts["shed"] / scheduled, 6) if scheduled else 0,
        "latency_ms": lat,
        "service_time_ms": {k: round(v * 0.9, 3) for k, v in lat.items()},
        "send_lag_ms": {"min": 0, "mean": 0.05, "p50": 0.04, "p90": 0.08, "p99": 0.2, "p999": 0.6, "max": 1.1},
        "loop_lag_ms": {"min": 0, "mean": 0.02, "p50": 0.02, "p90": 0.04, "p99": 0.1, "p999": 0.3, "max": 0.9},
        "connection_wait_ms": {"min": 0, "mean": 0, "p50": 0, "p90": 0, "p99": 0, "p999": 0.1, "max": 0.4},
        "status": status, "net_errors_by_kind": net,
        "histograms": {"latency": encoded, "service_time": encoded, "send_lag": None,
                       "loop_lag": None, "connection_wait": None},
    }
    # the format's histograms are strings; drop the ones we did not make
    b["histograms"] = {k: v for k, v in b["histograms"].items() if v}
    return b


def compare_verdict(names):
    """A crest.compare/1 object (docs/compare.md) as `crest run --baseline` records it."""
    def row(scope, metric, base, cur, kind, allow, p, verdict):
        change = (cur - base) if kind == "absolute" else (cur - base) / base
        return {"scope": scope, "metric": metric, "baseline": base, "current": cur,
                "change": round(change, 6), "change_kind": kind, "allowance": allow,
                "p_value": p, "seconds_baseline": 60, "seconds_current": 60, "verdict": verdict}
    rows = [row("total", "p50", 9.8, 10.1, "relative", 0.1, 0.41, "ok"),
            row("total", "p99", 52.0, 76.7, "relative", 0.1, 2.1e-05, "regression"),
            row("total", "rate", 858.0, 860.3, "relative", 0.05, 0.62, "ok"),
            row("total", "errors", 0.0012, 0.0018, "absolute", 0.005, 0.33, "ok"),
            row(names[1], "p99", 70.0, 83.6, "relative", 0.1, 0.08, "noise")]
    return {"schema": "crest.compare/1", "crest_version": "0.1.0", "baseline": "baseline/results.json",
            "current": "results.json",
            "allowance": {"p50": 0.1, "p90": 0.1, "p99": 0.1, "rate": 0.05, "errors": 0.005, "alpha": 0.01},
            "test": "one-sided Mann-Whitney U over per-second values", "rows": rows,
            "regressions": 1, "untested": 0, "verdict": "regression", "exit_code": 1}


def results(path, names=("cart", "order", "search"), hostile=False):
    rnd = random.Random(7)
    share = {names[0]: 0.4, names[1]: 0.2, names[2]: 0.4}
    points = []
    tot = {n: {"ok": 0, "shed": 0, "errors": 0, "http_errors": 0, "net_errors": 0, "dropped": 0}
           for n in list(names) + ["_all"]}
    for t in range(60):
        target = 200 + 40 * t if t < 20 else 1000
        offered = target + rnd.randint(-5, 5)
        overload = max(0, t - 40)
        shed = int(overload * 2.5)
        http_err = overload // 2
        timeouts = 1 if overload > 10 and t % 3 == 0 else 0
        dropped = 0
        ok = offered - shed - http_err - timeouts - dropped
        p50 = 8 + overload * 0.6 + rnd.random()
        p90 = p50 * 1.9
        p99 = p50 * 3.5 + overload * 4
        mx = p99 * 2.2
        subs = {}
        for n in names:
            so = round(offered * share[n])
            sshed = round(shed * share[n]) if n != names[1] else shed - 2 * round(shed * 0.4)
            serr = round((http_err + timeouts) * share[n])
            sok = so - sshed - serr
            subs[n] = {"offered": so, "ok": sok, "shed": sshed, "errors": serr,
                       "p99_ms": round(p99 * (1.4 if n == names[1] else 1.0), 3)}
            tot[n]["ok"] += sok
            tot[n]["shed"] += sshed
            tot[n]["errors"] += serr
            tot[n]["http_errors"] += serr
        points.append({"t": t, "target_rate": target, "offered": offered, "sent": offered - dropped,
                       "completed": ok + shed + http_err, "ok": ok, "shed": shed,
                       "errors": http_err + timeouts, "dropped": dropped,
                       "p50_ms": round(p50, 3), "p90_ms": round(p90, 3), "p99_ms": round(p99, 3),
                       "max_ms": round(mx, 3),
                       "status": {"2xx": ok, "3xx": 0, "4xx": 0, "429": shed, "5xx": http_err, "other": 0},
                       "net_errors": {"refused": 0, "reset": 0, "timeout": timeouts, "dns": 0,
                                      "tls": 0, "protocol": 0, "other": 0},
                       "subsystems": subs})
        a = tot["_all"]
        a["ok"] += ok
        a["shed"] += shed
        a["errors"] += http_err + timeouts
        a["http_errors"] += http_err
        a["net_errors"] += timeouts
    a = tot["_all"]
    enc, lat = hist(1, 20000, 10, 0.45, 0.01, 150)
    status = {"2xx": a["ok"], "3xx": 0, "4xx": 0, "429": a["shed"], "5xx": a["http_errors"], "other": 0}
    net = {"refused": 0, "reset": 0, "timeout": a["net_errors"], "dns": 0, "tls": 0, "protocol": 0, "other": 0}
    summary = block(a, 60.0, lat, enc, status, net)
    subsystems = {}
    for i, n in enumerate(names):
        c = tot[n]
        e, l = hist(10 + i, 8000, 9 + 3 * i, 0.4 + 0.05 * i, 0.01, 120 + 40 * i)
        subsystems[n] = block(c, 60.0, l, e,
                              {"2xx": c["ok"], "3xx": 0, "4xx": 0, "429": c["shed"], "5xx": c["errors"], "other": 0},
                              {"refused": 0, "reset": 0, "timeout": 0, "dns": 0, "tls": 0, "protocol": 0, "other": 0})
    doc = {
        "schema": "crest.results/1", "crest_version": "0.1.0",
        "started_at": "2026-11-25T08:00:00Z",
        "command": "crest run scenarios/double11.json -H 'Authorization: Bearer SECRET-TOKEN-1' "
                   "-H 'X-Api-Key: SECRET-KEY-2' --out results.json",
        "scenario": "scenarios/double11.json", "target": "http://127.0.0.1:8080",
        "interrupted": False, "aborted": None,
        "settings": {"threads": 2, "connections": 64, "timeout_s": 5, "arrivals": "poisson",
                     "secret_headers": ["Authorization", "X-Api-Key"],
                     "headers": {"Authorization": "Bearer SECRET-TOKEN-1", "X-Api-Key": "SECRET-KEY-2",
                                 "Accept": "application/json",
                                 "Cookie": "session=SECRET-COOKIE-3"}},
        "summary": summary, "subsystems": subsystems, "timeseries": points,
        "generator": {"generator_limited": False, "reason": None, "cpu_s": 3.2,
                      "busiest_thread_cpu": 0.41, "threads": 2, "connections_requested": 64,
                      "connections_opened": 64, "loop_lag_p99_ms": 0.2,
                      "connection_wait_warning": False},
        "thresholds": [{"expr": "p99<250ms", "tag": None, "value": lat["p99"], "pass": True},
                       {"expr": "errors<0.1%", "tag": None, "value": round(summary["error_rate"] * 100, 4), "pass": False},
                       {"expr": "p99<100ms", "tag": names[1], "value": subsystems[names[1]]["latency_ms"]["p99"], "pass": True}],
        "baseline": compare_verdict(names),
    }
    if hostile:
        doc["scenario"] = "<script>alert('scenario')</script>\"; system(\"touch /tmp/crest-pwned\")"
        doc["target"] = "http://127.0.0.1:8080/?q=<img src=x onerror=alert(1)>&x=\"'"
        doc["thresholds"][0]["expr"] = "p99<250ms</td><script>alert(2)</script>"
        doc["thresholds"][1]["tag"] = "'\nset output '/tmp/crest-pwned'\n"
        doc["generator"]["generator_limited"] = True
        doc["generator"]["reason"] = "busiest thread at 97% CPU <b>bold</b> \x01\x02"
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def capacity(path, names=("cart", "order", "full-link")):
    subs = []
    for i, n in enumerate(names):
        cap = [1940.0, 820.0, 1450.0][i]
        steps = []
        rate = 100.0
        while rate <= cap * 1.3:
            sat = min(rate, cap * 1.04)
            p99 = 12 + 30 * (rate / cap) ** 6
            ok = rate <= cap
            steps.append({"rate": rate, "achieved_rps": round(sat * 0.998, 2), "ok_rps": round(sat * (0.998 if ok else 0.93), 2),
                          "p50_ms": round(p99 / 3, 2), "p90_ms": round(p99 / 1.6, 2), "p99_ms": round(p99, 2),
                          "error_rate": 0 if ok else 0.02, "shed_rate": 0, "pass": ok,
                          "reason": None if ok else "p99 %.1fms > 50ms" % p99, "generator_limited": False})
            rate = round(rate * 1.35, 1)
        steps.append({"rate": cap, "achieved_rps": cap * 0.998, "ok_rps": cap * 0.997, "p50_ms": 14, "p90_ms": 26,
                      "p99_ms": 42, "error_rate": 0, "shed_rate": 0, "pass": True, "reason": None,
                      "generator_limited": False})
        usl = None
        if i == 0:
            a, b, g = 0.03, 0.0004, 260.0
            pts = [{"n": k, "throughput": round(g * k / (1 + a * (k - 1) + b * k * (k - 1)) * (1 + 0.01 * ((-1) ** k)), 2)}
                   for k in (1, 2, 4, 6, 8, 12, 16)]
            usl = {"alpha": a, "beta": b, "gamma": g, "alpha_se": 0.004, "beta_se": 0.00005, "gamma_se": 3.1,
                   "residual_se": 12.0, "n_star": math.sqrt((1 - a) / b), "x_max": 2100.0,
                   "poor_fit": False, "warning": None, "points": pts}
        subs.append({"name": n, "slo": {"p99_ms": 50, "error_rate": 0.01, "expr": "p99<50ms,errors<1%"},
                     "capacity_rps": cap, "upper_bound_rps": round(cap * 1.03, 1), "at_least": False,
                     "limited_by": "latency", "generator_limited": False, "steps": steps, "usl": usl})
    doc = {"schema": "crest.capacity/1", "crest_version": "0.1.0", "started_at": "2026-11-25T08:05:00Z",
           "scenario": "scenarios/double11.json", "target": "http://127.0.0.1:8080",
           "settings": {"step_s": 5, "warmup_s": 1, "tolerance": 0.03, "max_rate": 100000, "start_rate": 100},
           "subsystems": subs}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def days(start_ordinal, n):
    import datetime
    d0 = datetime.date.fromordinal(start_ordinal)
    return [(d0 + datetime.timedelta(days=k)).isoformat() for k in range(n)]


def forecast(path):
    import datetime
    start = datetime.date(2026, 8, 1).toordinal()
    hist_days = days(start, 80)
    rnd = random.Random(3)
    base = lambda k: 4.0e7 + 1.5e5 * k + 1.2e3 * k * k
    history = [{"t": d, "value": round(base(k) * (1 + rnd.uniform(-0.03, 0.03)))} for k, d in enumerate(hist_days)]
    fitted = [{"t": d, "value": round(base(k))} for k, d in enumerate(hist_days)]
    fdays = days(start + 80, 26)
    fc = []
    for j, d in enumerate(fdays):
        k = 80 + j
        m = base(k) * (1.9 if d == "2026-11-11" else 1.0)
        w = 0.04 + 0.01 * j
        fc.append({"t": d, "mean": round(m), "lo80": round(m * (1 - w)), "hi80": round(m * (1 + w)),
                   "lo95": round(m * (1 - 1.5 * w)), "hi95": round(m * (1 + 1.5 * w))})
    peak = max(fc, key=lambda p: p["mean"])
    doc = {"schema": "crest.forecast/1", "crest_version": "0.1.0", "input": "scenarios/history/demo-daily.csv",
           "time": "date", "time_kind": "date", "unit": "day",
           "series": [{"id": "pv", "metric": "pv", "history": history,
                       "models": [{"name": "quadratic", "params": {"a": 4.0e7, "b": 1.5e5, "c": 1.2e3},
                                   "mape": 2.1, "mase": 0.7, "aicc": 1234.5, "skipped": None},
                                  {"name": "gompertz", "skipped": "did not converge"}],
                       "selected": "quadratic",
                       "selection_reason": "lowest backtest MASE (0.7) among 3 models",
                       "fitted": fitted, "forecast": fc,
                       "peak": {"t": peak["t"], "mean": peak["mean"], "hi95": peak["hi95"]}}]}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return peak


def plan(path, peak, names=("cart", "order", "search", "payment")):
    unit, pf, margin = 86400, 3.0, 1.3
    rows = []
    # capacity / demand_hi95 per row: ok, tight, shortfall, inconclusive
    spec = [(names[0], 1.6, 1940.0, False), (names[1], 1.1, 820.0, False),
            (names[2], 0.7, 1450.0, False), (names[3], 0.9, 300.0, True)]
    verdict_rank = {"ok": 0, "tight": 1, "inconclusive": 2, "shortfall": 3}
    worst = "ok"
    for n, ratio, cap, at_least in spec:
        cpp = round(cap * unit / (ratio * peak["hi95"] * pf), 4)
        demand = peak["mean"] * cpp * pf / unit
        d95 = peak["hi95"] * cpp * pf / unit
        head = cap / demand
        h95 = cap / d95
        status = "ok" if h95 >= margin else ("tight" if h95 >= 1.0 else "shortfall")
        if at_least and status != "ok":
            status = "inconclusive"
        if verdict_rank[status] > verdict_rank[worst]:
            worst = status
        need = max(1, math.ceil(d95 * margin / cap))
        rows.append({"name": n, "calls_per_pv": cpp, "demand_rps": round(demand, 2), "demand_hi95_rps": round(d95, 2),
                     "capacity_rps": cap, "capacity_at_least": at_least, "headroom": round(head, 3),
                     "headroom_hi95": round(h95, 3), "status": status, "instances_now": 1, "instances_needed": need,
                     "scaling_model": "usl" if n == names[0] else "linear",
                     "assumption": None if n == names[0] else "linear scaling assumed: no USL sweep measured"})
    doc = {"schema": "crest.plan/1", "crest_version": "0.1.0", "forecast": "forecast.json",
           "capacity": "capacity.json", "scenario": "scenarios/double11.json", "metric": "pv",
           "forecast_peak": {"t": peak["t"], "mean": peak["mean"], "hi95": peak["hi95"]},
           "unit_seconds": unit, "peak_factor": pf, "peak_factor_source": "flag", "safety_margin": margin,
           "subsystems": rows, "verdict": worst}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return [(r["name"], r["status"]) for r in rows]


def main():
    build_gen()
    full = os.path.join(HERE, "full")
    hostile = os.path.join(HERE, "hostile")
    os.makedirs(full, exist_ok=True)
    os.makedirs(hostile, exist_ok=True)
    results(os.path.join(full, "results.json"))
    capacity(os.path.join(full, "capacity.json"))
    peak = forecast(os.path.join(full, "forecast.json"))
    print(plan(os.path.join(full, "plan.json"), peak))
    evil = ("cart<script>alert(1)</script>", "ord\"er'; system(\"touch /tmp/crest-pwned\") #",
            "se\narch`touch /tmp/crest-pwned`\\")
    results(os.path.join(hostile, "results.json"), names=evil, hostile=True)
    capacity(os.path.join(hostile, "capacity.json"), names=evil)
    peak = forecast(os.path.join(hostile, "forecast.json"))
    plan(os.path.join(hostile, "plan.json"), peak, names=evil + ("pay</td></tr></table><h1>x",))


if __name__ == "__main__":
    sys.exit(main())
