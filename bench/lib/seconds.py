#!/usr/bin/env python3
"""Second by second, from a run's samples (out/bench/peers/S-P-N.csv):
each guest's progress (numabench operations a second, in 1e5) and the
share of its touched memory that is local.  What bench/results'
"while converging" and "after" figures average; used to see what a
one-second window measured.

usage: seconds.py RUN.csv [RUN.csv ...]
"""
import csv
import sys


def main(paths):
    for path in paths:
        with open(path) as f:
            rows = list(csv.DictReader(f))
        print(path)
        for guest in sorted({r["guest"] for r in rows}):
            prev, out = None, []
            for r in (r for r in rows if r["guest"] == guest):
                t, ops = float(r["t"]), float(r["ops"])
                if prev and t > prev[0]:
                    out.append("%.0f:%.0f/%s" % (t, (ops - prev[1]) / (t - prev[0]) / 1e5,
                                                 r["local_share"][:4]))
                prev = (t, ops)
            print(" ", guest, " ".join(out))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
