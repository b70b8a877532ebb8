#!/usr/bin/env python3
"""How many of a guest's slice pages lie in 2 MiB-aligned guest-physical
blocks that also hold pages of a slice whose vCPU runs on another node:
pages that no placement of 2 MiB host pages can make local to both.
Reads the "numabench: slice N cpu C pfns ..." lines of a guest's serial
log (out/ehost/bench-*/guests/NAME.serial).

usage: straddle.py SERIAL NODE-OF-SLICE-0 NODE-OF-SLICE-1 ...
"""
import collections
import re
import sys


def main(serial, nodes):
    slices = {}
    with open(serial, errors="replace") as f:
        for line in f:
            m = re.search(r"numabench: slice (\d+) cpu \d+ pfns (\S+)", line)
            if m:
                ranges = []
                for r in m.group(2).split(","):
                    a, _, b = r.partition("-")
                    ranges.append((int(a, 16), int(b or a, 16)))
                slices[int(m.group(1))] = ranges
    owners, pages = collections.defaultdict(set), collections.Counter()
    for s, ranges in slices.items():
        for a, b in ranges:
            for pfn in range(a, b + 1):
                owners[pfn >> 9].add(nodes[s])
                pages[pfn >> 9] += 1
    total = sum(pages.values())
    mixed = sum(pages[b] for b in owners if len(owners[b]) > 1)
    print("%d of %d slice pages (%.2f%%) in 2 MiB blocks shared by nodes %s"
          % (mixed, total, 100.0 * mixed / max(total, 1), sorted(set(nodes))))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], [int(n) for n in sys.argv[2:]])
