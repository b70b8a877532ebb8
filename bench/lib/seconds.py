#!/usr/bin/env python3
"""Second by second, from a run's samples (out/bench/peers/S-P-N.csv):
each guest's progress (numabench operations a second, in 1e5) and the
share of its touched memory that is local.  What bench/results'
"while converging" and "after" figures average; used to see what a
one-second window measured.

With --columns, each sample's seconds after the event (event_wall in the
run's .env) and the named columns of the CSV instead, for example
vm_autonuma_candidates_queued,pgmigrate_success: when pages became
candidates and when they moved.

usage: seconds.py [--columns COL,...] RUN.csv [RUN.csv ...]
"""
import csv
import os
import sys


def event_wall(path):
    env = os.path.splitext(path)[0] + ".env"
    with open(env) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key == "event_wall":
                return float(value)
    sys.exit("%s: no event_wall" % env)


def columns(path, rows, names):
    event = event_wall(path)
    print(" ".join(["guest", "s_after_event", "local_share"] + names))
    for r in rows:
        print(" ".join([r["guest"], "%.1f" % (float(r["wall"]) - event),
                        r["local_share"]] + [r[n] for n in names]))


def progress(rows):
    for guest in sorted({r["guest"] for r in rows}):
        prev, out = None, []
        for r in (r for r in rows if r["guest"] == guest):
            t, ops = float(r["t"]), float(r["ops"])
            if prev and t > prev[0]:
                out.append("%.0f:%.0f/%s" % (t, (ops - prev[1]) / (t - prev[0]) / 1e5,
                                             r["local_share"][:4]))
            prev = (t, ops)
        print(" ", guest, " ".join(out))


def main(args):
    names = None
    if args and args[0] == "--columns":
        if len(args) < 3:
            sys.exit(__doc__)
        names, args = args[1].split(","), args[2:]
    for path in args:
        with open(path) as f:
            rows = list(csv.DictReader(f))
        if not rows:
            sys.exit("%s: no samples" % path)
        missing = [n for n in names or [] if n not in rows[0]]
        if missing:
            sys.exit("%s: no column %s" % (path, ", ".join(missing)))
        print(path)
        if names:
            columns(path, rows, names)
        else:
            progress(rows)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    main(sys.argv[1:])
