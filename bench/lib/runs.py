#!/usr/bin/env python3
"""The figures of each run of one cell, as bench/lib/report.py computes
them before it takes the median: what a cell's range hides, e.g. which
run migrated the pages.

usage: runs.py RAW-DIR SCENARIO POLICY    (RAW-DIR: out/bench/peers)
"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

FIGURES = ("local_end", "t90", "migrated_pages", "misplaced_pages",
           "migrated_per_misplaced", "unmaps_per_min_placed", "progress_during",
           "enable_s")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip())
    raw, scenario, policy = sys.argv[1:]
    print("run " + " ".join(FIGURES))
    pattern = os.path.join(raw, "%s-%s-[0-9]*.csv" % (scenario, policy))
    for path in sorted(glob.glob(pattern)):
        rows, env = report.load_run(path)
        f = report.run_figures(scenario, rows, env) or {}
        cells = []
        for k in FIGURES:
            v = f.get(k)
            cells.append("-" if v is None else "%.2f" % v)
        print(path[:-4].rsplit("-", 1)[1] + " " + " ".join(cells))


if __name__ == "__main__":
    main()
