#!/usr/bin/env python3
"""gen_demo_history.py: writes scenarios/history/demo-daily.csv, the demo
mall's daily traffic history (2023-01-01 .. 2026-10-31) that `make demo`
forecasts to the festival day 2026-11-11.

Seeded and deterministic: the same seed gives the same file, byte for byte.
The numbers are made up but shaped like a growing mall's traffic:

  pv   page views per day. An ordinary weekday starts at 5.0 M (Jan 2023)
       and grows 35% a year (about 15.5 M by Oct 2026); weekends are 8-10%
       above weekdays; a mild yearly swing (+-4%, high in December); two
       festivals: Double-11 (11-11) x4.0 and 6-18 x2.2; log-normal day
       noise (sigma 0.04). The 2026-11-11 forecast is therefore ~60-65 M PV.
  uv   unique visitors per day: pv / pages-per-visitor (6.5 on ordinary
       days, 8 on festivals: people browse more), with its own noise.
  tps  peak transactions (orders) per second of the day: orders =
       pv x conversion (0.8%, 2% on festivals), spread over the day with a
       peak-to-average factor of 4 (8 on festivals: the midnight rush).

Two days are missing (2024-03-05 and 2025-07-21: "a logging outage") so the
forecaster's gap handling is exercised by the demo itself.

Sizing for the drill: 62 M PV on 11-11 is 720 PV/s on average over the day;
with the plan's peak factor of ~4 that is ~2900 PV/s at the peak, and with
calls_per_pv of 0.1-2 per subsystem, 290-5800 requests/s: around the
testbed's capacities (hundreds to a few thousand req/s per subsystem), so the
demo plan shows a mix of ok, tight and shortfall.

usage: scripts/gen_demo_history.py [--seed N] [--out FILE]
"""
import argparse
import datetime as dt
import math
import random

WEEKDAY = [0.97, 0.96, 0.97, 0.98, 1.02, 1.08, 1.06]  # Monday .. Sunday
FESTIVALS = {(11, 11): 4.0, (6, 18): 2.2}
MISSING = {dt.date(2024, 3, 5), dt.date(2025, 7, 21)}
START, END = dt.date(2023, 1, 1), dt.date(2026, 10, 31)
BASE_PV, GROWTH = 5.0e6, 0.35


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20261111)
    ap.add_argument("--out", default="scenarios/history/demo-daily.csv")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    rows = []
    day = START
    while day <= END:
        years = (day - START).days / 365.25
        festival = FESTIVALS.get((day.month, day.day))
        doy = day.timetuple().tm_yday
        level = BASE_PV * (1 + GROWTH) ** years
        season = 1 + 0.04 * math.cos(2 * math.pi * (doy - 350) / 365.25)
        mult = WEEKDAY[day.weekday()] * season * (festival or 1.0)
        pv = level * mult * math.exp(rnd.gauss(0, 0.04))
        pages = (8.0 if festival else 6.5) * math.exp(rnd.gauss(0, 0.03))
        uv = pv / pages
        conversion = 0.02 if festival else 0.008
        peak_factor = 8.0 if festival else 4.0
        tps = pv * conversion * peak_factor / 86400 * math.exp(rnd.gauss(0, 0.05))
        if day not in MISSING:
            rows.append("%s,%d,%d,%.2f" % (day.isoformat(), round(pv), round(uv), tps))
        day += dt.timedelta(days=1)
    with open(args.out, "w") as f:
        f.write("date,pv,uv,tps\n")
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
