#!/usr/bin/env python3
"""What KVM saw of the regions a run left on the wrong node.

  trace-regions.py RUN.csv [RUN.trace]
  trace-regions.py --moves RUN.csv [RUN.trace]

RUN.csv is a run of bench/peers.sh (its last column, misplaced, lists the
sampled pages off their user's node as SLICE@GPA:PAGES per 2 MiB region);
RUN.trace, by default next to it, is the kvm_autonuma trace of that run
(BENCH_TRACE=1).  For every region misplaced at the end of the run, per
guest, prints each hinting fault KVM took on it (seconds after the event,
vCPU, the page's and the vCPU's node, the metadata byte before and after,
whether it made the page a migration candidate), then the scanner's pass
judgements over the run.  A region that no fault reached was never
hinted; one whose faults left it shared, or never made it a candidate,
was judged; a candidate still misplaced was dropped or failed in user
space (the run's .env has QEMU's counts).
The trace does not name the VM: with several guests (e, f), their faults
on the same guest-physical region are listed together.

--moves: for every region whose page node changed during the run, when a
vCPU on another node first faulted on it, when it first became a
candidate, how often it was proposed again, and the first fault that saw
it on its new node (the move is no later).  What separates the first
candidate from the move is QEMU's part: the hold, the queue and the copy.
"""
import csv
import os
import re
import sys
from collections import defaultdict

FAULT = re.compile(r'\s(\d+\.\d+): kvm_autonuma_fault: vcpu (\d+) gfn ([0-9a-f]+) '
                   r'level (\d+) page node (\d+) vcpu node (\d+) '
                   r'meta ([0-9a-f]+) -> ([0-9a-f]+)( candidate)?')
PASS = re.compile(r'^\s*(.+?)-(\d+)\s.*\s(\d+\.\d+): kvm_autonuma_pass: (.*)$')
MARK = re.compile(r'\s(\d+\.\d+): tracing_mark_write: bench: event at')


def meta(byte):
    """A metadata byte as 'last vCPU/score' (autonuma.c's layout: the
    vCPU's index modulo 63, plus 1, in bits 5:0; '-' for none)."""
    b = int(byte, 16)
    tag, score = b & 0x3f, b >> 6
    return '%s/%s' % (tag - 1 if tag else '-',
                      'shared' if score == 3 else score)


def last_misplaced(path):
    """{guest: [(slice, gpa, pages)]} from the last row of each guest."""
    last = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            last[row['guest']] = row.get('misplaced', '')
    out = {}
    for guest, text in last.items():
        regions = []
        for item in text.split():
            m = re.fullmatch(r'(\d+)@0x([0-9a-f]+):(\d+)', item)
            if m:
                regions.append((int(m[1]), int(m[2], 16), int(m[3])))
        out[guest] = regions
    return out


def print_moves(faults, t0):
    """Each region that moved: first remote fault, candidates, move."""
    rows = []
    for gfn, fl in faults.items():
        home = fl[0][2]
        moved = next((f for f in fl if f[2] != home), None)
        if not moved:
            continue
        before = [f for f in fl if f[0] < moved[0]]
        remote = next((f for f in before if f[3] != home), None)
        cands = [f[0] for f in before if f[6]]
        rows.append((moved[0] - t0, gfn, home, moved[2],
                     remote[0] - t0 if remote else None,
                     cands[0] - t0 if cands else None, len(cands)))
    rows.sort()
    print('region     nodes  first remote  first candidate  candidates  on new node by')
    for t, gfn, a, b, r, c, n in rows:
        print('0x%-9x %d->%d  %12s  %15s  %10d  %+13.2f s'
              % (gfn << 12, a, b, '-' if r is None else '%+.2f s' % r,
                 '-' if c is None else '%+.2f s' % c, n, t))
    waits = sorted(t - c for t, _, _, _, _, c, _ in rows if c is not None)
    if waits:
        print('%d regions moved; first candidate to move: median %.1f s, max %.1f s'
              % (len(rows), waits[len(waits) // 2], waits[-1]))


def main():
    moves = len(sys.argv) > 1 and sys.argv[1] == '--moves'
    args = sys.argv[2:] if moves else sys.argv[1:]
    if len(args) not in (1, 2):
        sys.exit(__doc__.strip())
    run_csv = args[0]
    trace = args[1] if len(args) == 2 else \
        os.path.splitext(run_csv)[0] + '.trace'
    regions = last_misplaced(run_csv)
    faults = defaultdict(list)  # 2 MiB region's gfn -> lines
    passes = []
    t0 = None
    with open(trace) as f:
        for line in f:
            m = MARK.search(line)
            if m:
                t0 = float(m[1])
                continue
            m = FAULT.search(line)
            if m:
                gfn = int(m[3], 16) & ~0x1ff
                faults[gfn].append((float(m[1]), int(m[2]), int(m[5]),
                                    int(m[6]), meta(m[7]), meta(m[8]),
                                    bool(m[9])))
                continue
            m = PASS.search(line)
            if m:
                passes.append((float(m[3]), m[2], m[4]))
    if t0 is None:
        sys.exit('%s: no "bench: event" marker' % trace)
    if moves:
        print_moves(faults, t0)
        return

    for guest, rs in sorted(regions.items()):
        if not rs:
            print('%s: nothing misplaced at the end' % guest)
        for sl, gpa, pages in rs:
            fl = faults.get(gpa >> 12, [])
            candidates = sum(q for *_, q in fl)
            by_node = defaultdict(int)
            for f in fl:
                by_node[f[3]] += 1
            print('%s: slice %d region 0x%x (%d sampled pages): %d faults (by vCPU node: %s), %d candidates'
                  % (guest, sl, gpa, pages, len(fl),
                     ' '.join('%d:%d' % kv for kv in sorted(by_node.items())) or '-',
                     candidates))
            for t, vcpu, pn, cn, old, new, q in fl:
                print('  %+7.2f s  vcpu %d  page node %d  vcpu node %d  %s -> %s%s'
                      % (t - t0, vcpu, pn, cn, old, new, '  candidate' if q else ''))
    # Several guests: each VM's scanner is its own thread.
    print('passes (seconds after the event, scanner thread):')
    for t, pid, text in passes:
        print('  %+7.2f s  %s  %s' % (t - t0, pid, text))


if __name__ == '__main__':
    main()
