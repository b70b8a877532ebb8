#!/usr/bin/env python3
"""Turn bench/peers.sh's raw runs into a markdown report and PNG plots.

usage: report.py --raw DIR --out DIR --command CMD --versions TEXT

DIR holds SCENARIO-POLICY-RUN.csv (bench/lib/locality.py's samples, with
the KVM statistics columns) and SCENARIO-POLICY-RUN.env (costs).  Writes
OUT/peers.md and OUT/peers/SCENARIO.png (share of touched memory local
over time, one line per policy: the median of its runs).
"""
import argparse
import collections
import csv
import glob
import os
import statistics
import subprocess
import time

SCENARIOS = {
    "a": ("vCPUs moved, memory left behind", ["a"]),
    "b": ("MPI-style: 4 vCPUs over 2 nodes, 90% own chunk, one rank first-touched all", ["b"]),
    "c": ("numa01-style: 2 vCPUs on 2 nodes share all memory", ["c"]),
    "d": ("numa02-style: 4 vCPUs over 2 nodes, private slices, one rank first-touched all", ["d"]),
    "e": ("idle guest starts computing while a busy guest holds its node", ["idle"]),
    "f": ("4 guests x 2 vCPUs spread over a 4-node host, memory on nodes 0 and 1",
          ["f0", "f1", "f2", "f3"]),
}
CPUS_PER_NODE = 2                # the emulated hosts', 2 or 4 nodes
CONVERGE_MIN_S = 5.0             # see progress_during
POLICIES = ["none", "bind", "kernel", "numad", "kvm-autonuma", "kvm-autonuma-mem"]
POLICY_NAMES = {
    "none": "none", "bind": "hard binding (limit)",
    "kernel": "kernel NUMA balancing", "numad": "numad",
    "kvm-autonuma": "kvm-autonuma", "kvm-autonuma-mem": "kvm-autonuma, memory only",
}


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def load_run(csv_path):
    env_path = csv_path[:-4] + ".env"
    env = {}
    if os.path.exists(env_path):
        for line in open(env_path):
            if "=" in line:
                k, v = line.strip().split("=", 1)
                env[k] = num(v) if num(v) is not None else v
    rows = list(csv.DictReader(open(csv_path)))
    return rows, env


def run_figures(scenario, rows, env):
    """The figures of one run, from its samples."""
    targets = SCENARIOS[scenario][1]
    if env.get("event_wall") is None:
        return None             # an unfinished or failed run
    # One sample covers every guest: group by the sampler's tick, and time
    # it from the event by the tick's first Unix time.
    event = 0.0
    ticks = collections.defaultdict(list)
    for r in rows:
        ticks[r["t"]].append(r)
    by_t = {}
    for rs in ticks.values():
        # The sampler may be stopped halfway through its last tick.
        if not set(targets) <= {r["guest"] for r in rs}:
            continue
        by_t[round(min(float(r["wall"]) for r in rs) - env["event_wall"], 3)] = rs
    times = sorted(by_t)
    if not times:
        return None

    def target_rows(t):
        return [r for r in by_t[t] if r["guest"] in targets]

    def local(t):
        rs = [r for r in target_rows(t) if num(r["local_share"]) is not None]
        return statistics.mean(float(r["local_share"]) for r in rs) if rs else None

    def host(t, col):
        v = [num(r.get(col)) for r in by_t[t] if num(r.get(col)) is not None]
        return max(v) if v else None

    def ops(t):
        return sum(num(r["ops"]) or 0 for r in target_rows(t))

    before = [t for t in times if t < event]
    # The first sample that surely sees the event's effect.
    after = [t for t in times if t >= event + 0.5]
    if not after:
        return None
    t0 = before[-1] if before else times[0]
    series = [(t - event, local(t)) for t in after]
    l0 = series[0][1] or 0

    def reach(level):
        for i, (dt, v) in enumerate(series):
            if v is not None and v >= level:
                # Already there at the first look: no time to speak of.
                return 0.0 if i == 0 else dt
        return None

    t90 = reach(0.9)
    end = [v for _, v in series[-5:] if v is not None]
    f = {"series": series, "local_start": l0 * 100,
         "local_end": statistics.mean(end) * 100 if end else None,
         "t50": reach(0.5), "t90": t90}
    tl = after[-1]
    minutes = (tl - t0) / 60
    resident = sum(sum(num(v) or 0 for k, v in r.items() if k.startswith("node") and k.endswith("_pages"))
                   for r in target_rows(after[0]))
    # Misplaced: at the worst sample after the event.  A policy that puts
    # the vCPUs back within a second may leave the first sample well placed.
    misplaced = (1 - min([v for _, v in series if v is not None] or [l0])) * resident

    def delta(col, a=t0, b=tl):
        x, y = host(a, col), host(b, col)
        return y - x if x is not None and y is not None else None

    migrated = delta("pgmigrate_success")
    f["migrated_per_misplaced"] = migrated / misplaced if migrated is not None and misplaced >= 512 else None
    f["misplaced_pages"] = misplaced
    f["migrated_pages"] = migrated

    def unmapped(a, b):
        """Mappings made to fault: kernel PTEs and huge PMDs, KVM hint SPTEs.

        numa_pte_updates counts a huge PMD as 512 pages, a hint SPTE is one
        entry whatever it maps: count entries on both sides, each costs a
        TLB invalidation and a fault.  Runs recorded before
        numa_huge_pte_updates was sampled cannot tell, unless the kernel
        unmapped nothing."""
        ptes = delta("numa_pte_updates", a, b) or 0
        huge = delta("numa_huge_pte_updates", a, b)
        if ptes and huge is None:
            return None
        return ptes - 511 * (huge or 0) + (delta("kvm_autonuma_hint_sptes", a, b) or 0)

    unmaps = unmapped(t0, tl)
    f["unmaps_per_min"] = unmaps / minutes if minutes and unmaps is not None else None
    # Once placement is good: the last 20 s of the run.
    tail = [t for t in after if t >= tl - 20]
    if len(tail) > 1 and (t90 is not None and tail[0] - event >= t90):
        unmaps = unmapped(tail[0], tail[-1])
        if unmaps is not None:
            f["unmaps_per_min_placed"] = unmaps / ((tail[-1] - tail[0]) / 60)
    f["tlb_per_min"] = (delta("kvm_remote_tlb_flush") or 0) / minutes if minutes else None
    hf = (delta("numa_hint_faults") or 0) + (delta("kvm_autonuma_faults_local") or 0) + \
        (delta("kvm_autonuma_faults_remote") or 0)
    f["hint_faults_per_min"] = hf / minutes if minutes else None

    def rate(a, b):
        if b <= a:
            return None
        return (ops(b) - ops(a)) / (b - a)

    base = rate(times[0], t0) if before else None
    # At least CONVERGE_MIN_S: a policy that converges within a sample
    # would leave one second that measures the event's own re-pin, which
    # costs the guest about half of its progress for 2-3 s under no
    # policy at all.
    conv_end = event + max(t90 if t90 is not None else after[-1] - event,
                           CONVERGE_MIN_S)
    conv_end = min([t for t in after if t >= conv_end] or [tl])
    during = rate(t0, conv_end)
    later = rate(conv_end, tl)
    if base:
        f["progress_during"] = during / base * 100 if during is not None else None
        f["progress_after"] = later / base * 100 if later is not None else None
    # Contention that locality alone hides: vCPUs (of every guest) per
    # CPU on the busiest node, where they ran at the last sample.
    load = collections.Counter()
    for r in by_t[tl]:
        for n in r.get("vcpu_nodes", "").split():
            if n != "?":
                load[n] += 1
    f["vcpus_per_cpu"] = max(load.values()) / CPUS_PER_NODE if load else None
    f["cpu_s"] = sum(env.get(k) or 0 for k in ("scanner_cpu_s", "migration_cpu_s", "autonumad_cpu_s"))
    f["metadata_kib"] = (env.get("metadata_bytes") or 0) / 1024
    # QEMU's queues: not recorded by kvm-autonuma runs made before the
    # field (qemu patch 0007), none under the other policies.
    if "qemu_queue_bytes" in env:
        f["queue_kib"] = env["qemu_queue_bytes"] / 1024
    else:
        f["queue_kib"] = None if "qemu_moved" in env else 0
    # autonumad's enable in QEMU: after the event in b and d, where it
    # is part of the time to 90%; before it elsewhere.
    if isinstance(env.get("enabled_wall"), float):
        f["enable_s"] = env["enabled_wall"] - env["event_wall"]
    f["when"] = env["event_wall"]
    # Runs from before the bench recorded it used 50.
    f["hint_percent"] = int(env.get("hint_percent") or 50)
    f["builds"] = "%s, QEMU %s" % (env.get("kvm_build", "?").rsplit("-", 1)[-1],
                                   env.get("qemu_build", "?"))
    return f


COLUMNS = [
    ("local_start", "local % after the event", 1),
    ("t50", "s to 50%", 1), ("t90", "s to 90%", 1),
    ("local_end", "local % at end", 1),
    ("migrated_pages", "4 KiB pages migrated (host-wide, from the last sample before the event)", 0),
    ("migrated_per_misplaced", "pages migrated per page misplaced (at the worst sample)", 2),
    ("unmaps_per_min", "mappings made to fault/min (kernel PTEs and huge PMDs + KVM hint SPTEs)", 0),
    ("unmaps_per_min_placed", "... once placed (last 20 s)", 0),
    ("tlb_per_min", "KVM remote TLB flushes/min", 0),
    ("hint_faults_per_min", "hinting faults/min", 0),
    ("progress_during", "guest progress while converging (at least 5 s), % of before", 0),
    ("progress_after", "guest progress after, % of before", 0),
    ("vcpus_per_cpu", "vCPUs per CPU on the busiest node at the end", 1),
    ("cpu_s", "CPU s (scanner + migration threads + autonumad)", 2),
    ("metadata_kib", "metadata KiB", 0),
    ("queue_kib", "QEMU's migration queues KiB", 0),
    ("enable_s", "s from the event to the VMs enabled by autonumad (< 0: before it)", 2),
]


def cell(values, digits, runs):
    v = sorted(x for x in values if x is not None)
    if not v:
        return "never" if runs else "-"
    fmt = "%%.%df" % digits
    med = fmt % statistics.median(v)
    missing = max(runs - len(v), 0)
    s = med if len(v) == 1 else "%s (%s-%s)" % (med, fmt % v[0], fmt % v[-1])
    return s + (" [%d never]" % missing if missing else "")


def held(series):
    """A run's share each whole second from its first sample to its last,
    the latest sample standing for the seconds after it.  Runs sampled
    every 2-3 s, at different seconds each (f's 4-node host), counted
    only in the seconds they sampled, and the median of a second jumped
    with which runs had one (f4's kernel line)."""
    pts = [(dt, v) for dt, v in series if v is not None]
    out, i = [], 0
    if not pts:
        return out
    for sec in range(round(pts[0][0]), round(pts[-1][0]) + 1):
        while i + 1 < len(pts) and round(pts[i + 1][0]) <= sec:
            i += 1
        out.append((sec, pts[i][1]))
    return out


def plot(scenario, per_policy, out_png):
    data_dir = os.path.dirname(out_png)
    plots = []
    for p, runs in per_policy.items():
        buckets = collections.defaultdict(list)
        for f in runs:
            for sec, v in held(f["series"]):
                buckets[sec].append(v * 100)
        path = os.path.join(data_dir, "%s-%s.dat" % (scenario, p))
        with open(path, "w") as d:
            for dt in sorted(buckets):
                d.write("%d %.2f\n" % (dt, statistics.median(buckets[dt])))
        plots.append("'%s' using 1:2 with lines lw 2 title '%s'" % (path, POLICY_NAMES[p]))
    if not plots:
        return
    script = "\n".join([
        "set terminal png size 900,500",
        "set output '%s'" % out_png,
        "set title 'scenario %s: %s'" % (scenario, SCENARIOS[scenario][0].replace("'", "")),
        "set xlabel 'seconds after the event'",
        "set ylabel 'touched guest memory on its vCPU node, % (median of runs)'",
        "set yrange [0:105]", "set grid", "set key bottom right", "set lmargin 12",
        "plot " + ", ".join(plots), ""])
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    for p in per_policy:
        os.remove(os.path.join(data_dir, "%s-%s.dat" % (scenario, p)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--versions", required=True)
    ap.add_argument("--not-applicable", default="",
                    help="scenario/policy cells bench/peers.sh never runs, space-separated")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "peers"), exist_ok=True)
    results = collections.defaultdict(lambda: collections.defaultdict(list))
    for path in sorted(glob.glob(os.path.join(a.raw, "*.csv"))):
        scenario, rest = os.path.basename(path)[:-4].split("-", 1)
        policy = rest.rsplit("-", 1)[0]
        if scenario not in SCENARIOS or policy not in POLICIES:
            continue
        rows, env = load_run(path)
        f = run_figures(scenario, rows, env)
        if f:
            results[scenario][policy].append(f)
    hint = "/".join(str(h) for h in sorted({
        f["hint_percent"] for s in results.values() for p, r in s.items()
        if p.startswith("kvm-autonuma") for f in r} or {50}))

    lines = ["# kvm-autonuma against its peers", "",
             "Generated by `%s`: median (min-max) over the runs of each cell, "
             "in the emulated 2-node host (QEMU TCG, 2 CPUs and 2 GiB a node), and for scenario f a 4-node "
             "one (2 CPUs and 1 GiB a node). Versions of the last invocation: %s. A cell keeps the runs of the "
             "last invocation that ran it: the table at the end says when, with which builds." % (a.command, a.versions),
             "",
             "Every run: the guests first-touch their memory, the policy starts, and 5 s later the scenario's "
             "event moves the vCPUs away from their memory (the vCPU threads are re-pinned with taskset, as a "
             "load balancer or an operator would). In b and d, and in f since 2026-12-07, the policy starts "
             "right after the event instead (the kernel's balancing is on from boot in f), autonumad by "
             "enabling the VMs of a running daemon. Locality is counted, not timed: every second "
             "`bench/lib/locality.py` samples the host node of up to 2048 pages of each guest thread's slice "
             "(move_pages(2) on the QEMU process, from the guest-physical frames the guest reported) and compares "
             "it with the node of the CPU the vCPU using the slice last ran on. TCG models no remote-memory "
             "latency, so guest progress shows the cost of the machinery only. \"never\": the level was not "
             "reached within the run. Costs are host-wide counters over the run (vmstat, KVM debugfs).",
             "", "Policies: " + "; ".join("**%s**" % POLICY_NAMES[p] for p in POLICIES) + ". "
             "Hard binding (vCPUs and memory bound to one node from the start) is the limit where a guest fits "
             "in a node (a, e, f); it does not apply where one guest's vCPUs span nodes (b, c, d). numad runs in a "
             "time namespace 3600 s ahead, since it ignores processes while the clock is under 300 s. "
             "kvm-autonuma is our KVM and QEMU with autonumad (period 0.5 s, scan-period-min 500 ms, "
             "hint-percent %s) and kernel.numa_balancing=0; \"memory only\" is autonumad with placement=false "
             "(QEMU's migration threads alone move memory after the vCPUs)." % hint, ""]
    for s in sorted(results):
        per_policy = {p: results[s][p] for p in POLICIES if results[s].get(p)}
        png = os.path.join(a.out, "peers", "%s.png" % s)
        plot(s, per_policy, png)
        lines += ["## Scenario %s: %s" % (s, SCENARIOS[s][0]), "",
                  "![scenario %s](peers/%s.png)" % (s, s), "",
                  "| figure | " + " | ".join("%s (%d runs)" % (POLICY_NAMES[p], len(r))
                                            for p, r in per_policy.items()) + " |",
                  "|---|" + "---|" * len(per_policy)]
        for key, title, digits in COLUMNS:
            lines.append("| %s | " % title + " | ".join(
                cell([f.get(key) for f in r], digits, len(r) if key in ("t50", "t90") else 0)
                for r in per_policy.values()) + " |")
        lines.append("")
    lines += ["The targets of the issue that asked for this benchmark, met and missed, and "
              "why: `peers-targets.md` (by hand, from this table).", ""]
    # Cells bench/peers.sh runs that have no runs here.
    skipped = set(a.not_applicable.split())
    missing = ["%s/%s" % (s, p) for s in SCENARIOS for p in POLICIES
               if "%s/%s" % (s, p) not in skipped and not results[s].get(p)]
    short = ["%s/%s (%d run%s)" % (s, p, len(r), "" if len(r) == 1 else "s") for s in sorted(results)
             for p, r in results[s].items() if r and len(r) < 3]
    lines += ["## Not in this report", ""]
    if missing:
        lines.append("Cells not run for this report (scenario/policy): %s; "
                     "`bench/peers.sh SCENARIO POLICY` adds one." % ", ".join(missing))
    if short:
        lines.append("")
        lines.append("Cells with fewer than 3 runs: %s; `RESUME=1 bench/peers.sh "
                     "SCENARIO POLICY` adds the missing runs." % ", ".join(short))
    if not missing and not short:
        lines.append("Nothing: every cell has its runs.")
    lines += ["", "## When each cell ran", "",
              "Builds: the kvm modules' and QEMU's content hashes (`/sys/module/kvm/version`, "
              "`out/qemu-version`; \"?\" for runs made before the bench recorded them).", "",
              "| scenario | policy | runs | UTC | builds |", "|---|---|---|---|---|"]
    for s in sorted(results):
        for p in POLICIES:
            r = results[s].get(p)
            if not r:
                continue
            when = sorted(time.strftime("%Y-%m-%d %H:%M", time.gmtime(f["when"])) for f in r)
            lines.append("| %s | %s | %d | %s | %s |" % (
                s, POLICY_NAMES[p], len(r),
                when[0] if when[0] == when[-1] else "%s to %s" % (when[0], when[-1][11:]),
                ", ".join(sorted(set(f["builds"] for f in r)))))
    lines.append("")
    open(os.path.join(a.out, "peers.md"), "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
