#!/usr/bin/env python3
"""The benchmark's figures, from runs whose answers are known.

bench/lib/report.py turns each run's samples into the figures that
bench/results and the issue's targets quote (time to 90%, pages migrated
per misplaced page, progress while converging, mappings made to fault
once placed); runs.py and seconds.py print them per run.  Here they read
made-up runs written as bench/lib/locality.py writes them, and each
figure is checked against the value worked out by hand below.

Prints PASS:/FAIL: lines for tests/run.sh.  usage: bench_figures.py TOP
"""
import csv
import os
import subprocess
import sys
import tempfile

TOP = sys.argv[1]
sys.path.insert(0, os.path.join(TOP, "bench", "lib"))
import report  # noqa: E402

EVENT = 1000.0
COLUMNS = ["t", "wall", "guest", "local_share", "pages_sampled", "ops",
           "node0_pages", "node1_pages", "vcpu_nodes", "pgmigrate_success",
           "numa_pte_updates", "numa_hint_faults", "numa_huge_pte_updates",
           "kvm_remote_tlb_flush", "kvm_autonuma_hint_sptes",
           "kvm_autonuma_faults_local", "kvm_autonuma_faults_remote"]
failed = 0


def check(name, got, want):
    global failed
    if got == want:
        print("PASS: %s" % name)
    else:
        failed = 1
        print("FAIL: %s: got %r, want %r" % (name, got, want))


def local_at(dt, shift):
    """Half local from the event, 90% at dt 7 + shift, all local at 9."""
    ramp = {3: 0.6, 4: 0.7, 5: 0.8, 6: 0.85, 7: 0.92, 8: 0.95}
    if dt < 0:
        return 1.0
    if dt <= 2 + shift:
        return 0.5
    return ramp.get(dt - shift, 1.0)


def write_run(path, shift=0, event=True, partial_tick=False, hint=None,
              enabled=None, queue=None):
    """One sample a second, t 0-40, the event at t 5 (wall 1000).

    enabled: autonumad's enable in seconds from the event, or "" for a
    run whose autonumad log had no such line.
    queue: QEMU's queue bytes, or "" for a kvm-autonuma run from before
    QEMU reported them.
    """
    rows = []
    ops = 0
    for t in range(41):
        dt = t - 5
        # 100 ops/s before the event, 50/s until the sample at 90%
        # (dt 7 + shift), 120/s after.
        if t:
            ops += 100 if dt <= -1 else 50 if dt <= 7 + shift else 120
        migrated = 1000 + (0 if dt <= 2 else min(dt - 2, 6) * 5000)
        rows.append({
            "t": "%d.000" % t, "wall": "%.3f" % (EVENT - 5 + t), "guest": "d",
            "local_share": "%.4f" % local_at(dt, shift), "pages_sampled": 2048,
            "ops": ops, "node0_pages": 40000, "node1_pages": 20000,
            "vcpu_nodes": "0 0 1 1", "pgmigrate_success": migrated,
            # 10 huge PMDs (512 PTEs each) unmapped by the kernel over the
            # run, then 3 hint SPTEs a second from dt 15.
            "numa_pte_updates": 5120 if dt > 0 else 0,
            "numa_hint_faults": 0,
            "numa_huge_pte_updates": 10 if dt > 0 else 0,
            "kvm_remote_tlb_flush": 0,
            "kvm_autonuma_hint_sptes": 100 + 3 * max(dt - 15, 0) if dt > 0 else 0,
            "kvm_autonuma_faults_local": 0, "kvm_autonuma_faults_remote": 0,
        })
    if partial_tick:
        # The sampler stopped halfway through a tick: another guest only.
        extra = dict(rows[-1], t="41.000", wall="%.3f" % (EVENT + 36),
                     guest="other", local_share="0.0000")
        rows.append(extra)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(rows)
    with open(path[:-4] + ".env", "w") as f:
        if event:
            f.write("event_wall=%.6f\n" % EVENT)
        if hint is not None:
            f.write("hint_percent=%d\n" % hint)
        if enabled is not None:
            f.write("enabled_wall=%s\n" % (
                enabled if enabled == "" else "%.3f" % (EVENT + enabled)))
        if queue is not None:
            f.write("qemu_moved=0\n")
            if queue != "":
                f.write("qemu_queue_bytes=%d\n" % queue)
        f.write("kvm_build=6.12-autonuma-test\nqemu_build=test\n")


def figures(path):
    rows, env = report.load_run(path)
    return report.run_figures("d", rows, env)


def main():
    d = tempfile.mkdtemp(prefix="bench-figures-")
    raw = os.path.join(d, "raw")
    os.makedirs(raw)
    one = os.path.join(raw, "d-kvm-autonuma-1.csv")
    write_run(one, enabled=0.8, queue=131072)
    f = figures(one)
    check("time to 90%: the first sample after the event at 90% local",
          f["t90"], 7.0)
    check("time to 50%: 0 when the first sample after the event is there",
          f["t50"], 0.0)
    check("local at the end: the mean of the last five samples",
          f["local_end"], 100.0)
    # Worst sample 50% local, of 60000 resident pages: 30000 misplaced;
    # 30000 migrated from the last sample before the event.
    check("pages misplaced: at the worst sample", f["misplaced_pages"], 30000.0)
    check("pages migrated: from the last sample before the event",
          f["migrated_pages"], 30000.0)
    check("pages migrated per misplaced page", f["migrated_per_misplaced"], 1.0)
    # 50 ops/s from the sample before the event to the one at 90%,
    # against 100 before; 120 after.
    check("progress while converging, % of before",
          round(f["progress_during"], 6), 50.0)
    check("progress after, % of before", round(f["progress_after"], 6), 120.0)
    # The last 20 s: 3 hint SPTEs a second, 60 in 20 s; the kernel's
    # huge PMDs were all before then.
    check("mappings made to fault once placed, a minute",
          round(f["unmaps_per_min_placed"], 6), 180.0)
    # 10 huge PMDs count as 10 mappings, not 5120: 10 + 160 hint SPTEs
    # over the 36 s from the sample before the event.
    check("a huge PMD counts as one mapping",
          round(f["unmaps_per_min"], 6), round(170 / 36 * 60, 6))
    check("vCPUs per CPU on the busiest node", f["vcpus_per_cpu"], 1.0)
    check("autonumad's enable, from the event", round(f["enable_s"], 6), 0.8)

    # Samples 2-3 s apart: every second of the plot has the run's
    # latest share, a sample of no share leaves the one before standing.
    check("plot: a run's share held over the seconds it did not sample",
          report.held([(0.9, 0.5), (3.1, 0.8), (4.2, None), (5.6, 1.0)]),
          [(1, 0.5), (2, 0.5), (3, 0.8), (4, 0.8), (5, 0.8), (6, 1.0)])

    part = os.path.join(d, "d-kvm-autonuma-9.csv")
    write_run(part, partial_tick=True)
    g = figures(part)
    check("a tick without every guest of the scenario is left out",
          (g["t90"], g["local_end"], g["unmaps_per_min_placed"]),
          (f["t90"], f["local_end"], f["unmaps_per_min_placed"]))

    unfinished = os.path.join(d, "d-kvm-autonuma-8.csv")
    write_run(unfinished, event=False)
    check("a run without its event has no figures", figures(unfinished), None)

    # A cell: the median and the range of its runs, and a run that never
    # reached 90% said so.
    write_run(os.path.join(raw, "d-kvm-autonuma-2.csv"), shift=1, enabled="",
              queue="")
    write_run(os.path.join(raw, "d-kvm-autonuma-3.csv"), shift=2, hint=100,
              queue=393216)
    write_run(os.path.join(raw, "d-kernel-1.csv"), shift=1)
    write_run(os.path.join(raw, "d-kernel-2.csv"), shift=40)
    out = os.path.join(d, "results")
    subprocess.run([sys.executable, os.path.join(TOP, "bench/lib/report.py"),
                    "--raw", raw, "--out", out, "--command", "test",
                    "--versions", "test"], check=True)
    with open(os.path.join(out, "peers.md")) as f:
        md = f.read()
    row = next((line for line in md.splitlines() if line.startswith("| s to 90% |")), "")
    check("report: a cell is the median (min-max) of its runs, a run never at 90% counted",
          row, "| s to 90% | 8.0 [1 never] | 8.0 (7.0-9.0) |")
    check("report: the hint-percent of its kvm-autonuma runs (50 before it was recorded)",
          "hint-percent 50/100)" in md, True)
    row = next((line for line in md.splitlines() if line.startswith("| s from the event to the VMs")), "")
    check("report: autonumad's enable where its log had it, none for the kernel",
          row.rsplit("|", 3)[1:], [" - ", " 0.80 ", ""])
    row = next((line for line in md.splitlines() if line.startswith("| QEMU's migration queues KiB")), "")
    check("report: QEMU's queues where the run had them, none for the kernel",
          row.rsplit("|", 3)[1:], [" 0 (0-0) ", " 256 (128-384) ", ""])
    check("report: a plot per scenario",
          os.path.getsize(os.path.join(out, "peers", "d.png")) > 0, True)

    runs = subprocess.run([sys.executable, os.path.join(TOP, "bench/lib/runs.py"),
                           raw, "d", "kvm-autonuma"], check=True,
                          capture_output=True, text=True).stdout.splitlines()
    check("runs.py: each run's figures",
          runs[1:3], ["1 100.00 7.00 30000.00 30000.00 1.00 180.00 50.00 0.80",
                      "2 100.00 8.00 30000.00 30000.00 1.00 180.00 50.00 -"])

    sec = subprocess.run([sys.executable, os.path.join(TOP, "bench/lib/seconds.py"),
                          "--columns", "pgmigrate_success", one], check=True,
                          capture_output=True, text=True).stdout.splitlines()
    check("seconds.py --columns: seconds after the event and the columns",
          sec[1:3] + [sec[14]], ["guest s_after_event local_share pgmigrate_success",
                                 "d -5.0 1.0000 1000", "d 7.0 0.9200 26000"])
    bad = subprocess.run([sys.executable, os.path.join(TOP, "bench/lib/seconds.py"),
                          "--columns", "no_such_column", one],
                         capture_output=True, text=True)
    check("seconds.py --columns: an unknown column is an error",
          (bad.returncode != 0, "no column no_such_column" in bad.stderr), (True, True))
    return failed


if __name__ == "__main__":
    sys.exit(main())
