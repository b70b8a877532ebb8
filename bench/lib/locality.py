#!/usr/bin/env python3
"""Sample, by counting, how much of each guest's touched memory sits on the
host node of the vCPU that uses it.  The guests run tests/guest/progs/
numabench.c, which reports in its serial log which guest-physical frames
back each thread's slice and which guest CPU uses it.

usage:
  locality.py --interval 1 --seconds N --out FILE.csv \\
      --guest NAME:QEMU_PID:SERIAL_LOG [--guest ...] [--sample-pages 2048]
  locality.py --self-test        (as root; checks move_pages(2) and /proc)

Setup, per guest: wait (--ready-timeout, 300 s) for "numabench: ready" in
the serial log; take the "numabench: slice I cpu C pfns LO-HI,..." lines
before it; find QEMU's guest RAM; find the vCPU threads ("CPU N/KVM",
-name ...,debug-threads=on).  Guests are -machine pc with under 3 GiB, so
guest-physical address X is at host virtual address base + X.

Guest RAM rule: among the QEMU process's private anonymous read-write
mappings (/proc/PID/maps perms "rw-p", no path or "[anon:...]"), the
largest whose size is at least the guest RAM: QEMU's -m, or, if it cannot
be read from QEMU's command line, the end of the highest reported frame.
QEMU maps pc.ram on its own, 2 MiB aligned, with a guard page after it, so
the mapping is exactly -m long (a warning is printed if it is not).

Every interval, per guest: up to --sample-pages pages of every slice,
evenly spread over its frames (chosen once), in one move_pages(pid, n,
pages, NULL, status, 0) call, which returns each page's node.  A slice's
user is the thread of vCPU C; its node is the node of the host CPU that
thread last ran on (/proc/PID/task/TID/stat field 39).

CSV columns (a row per live guest per interval, flushed):
  t              seconds since sampling started (float)
  guest          NAME
  local_share    sampled present pages on their user's node / sampled
                 present pages (empty if none is present)
  pages_sampled  sampled pages that are present (the denominator)
  wall           the same instant as Unix time (to line up with events)
  ops            N of the guest's last "numabench: t=S ops=N" (0 before)
  nodeK_pages    resident 4 KiB pages of the guest RAM mapping on host
                 node K (/proc/PID/numa_maps), one column per online node
  vcpu_nodes     host node of every vCPU thread, by vCPU index, space
                 separated ("?" unknown)
  pgmigrate_success,numa_pte_updates,numa_hint_faults,numa_pages_migrated,
  numa_huge_pte_updates
                 host-wide /proc/vmstat counters, as read (cumulative);
                 numa_pte_updates counts a huge PMD as 512 pages,
                 numa_huge_pte_updates counts huge PMDs
  kvm_remote_tlb_flush,kvm_autonuma_hint_sptes,kvm_autonuma_faults_local,
  kvm_autonuma_faults_remote
                 KVM statistics summed over every VM (debugfs, which sums
                 each VM's vCPUs too); empty without debugfs
  vm_autonuma_scan_passes,vm_autonuma_scan_period_ms,
  vm_autonuma_hint_sptes,vm_autonuma_faults_local,vm_autonuma_faults_remote,
  vm_autonuma_faults_shared,vm_autonuma_candidates_queued
                 KVM statistics of this guest's VM alone (its debugfs
                 directory is named after QEMU's pid); empty where KVM has
                 none
  vcpu_cpu_s     CPU seconds of every vCPU thread so far, by vCPU index
  vcpu_wait      what every vCPU thread waits on, by vCPU index: "R" when
                 runnable, else its wchan (/proc/.../wchan) or state letter
  misplaced      sampled present pages off their user's node, grouped by
                 slice and guest-physical 2 MiB region, "SLICE@GPA:PAGES"
                 space separated: which pages a policy left or sent astray
A guest that dies is reported once on stderr and left out after that.  At
exit the mean cost of a sample is printed on stderr.
"""
import argparse
import bisect
import collections
import csv
import ctypes
import errno
import mmap
import os
import re
import signal
import sys
import time

PAGE = 4096
SYS_MOVE_PAGES = 279  # x86_64
VMSTAT_KEYS = ("pgmigrate_success", "numa_pte_updates", "numa_hint_faults",
               "numa_pages_migrated", "numa_huge_pte_updates")
KVM_KEYS = ("remote_tlb_flush", "autonuma_hint_sptes", "autonuma_faults_local",
            "autonuma_faults_remote")
VM_KEYS = ("autonuma_scan_passes", "autonuma_scan_period_ms",
           "autonuma_hint_sptes", "autonuma_faults_local",
           "autonuma_faults_remote", "autonuma_faults_shared",
           "autonuma_candidates_queued")
KVM_DEBUGFS = "/sys/kernel/debug/kvm"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SLICE_RE = re.compile(r"numabench: slice (\d+) cpu (\d+) pfns (\S*)")
RANGE_RE = re.compile(r"([0-9a-fA-F]+)-([0-9a-fA-F]+)")
READY_RE = re.compile(r"numabench: ready (\S+) (\d+) (\d+)")
OPS_RE = re.compile(r"numabench: t=(\d+) ops=(\d+)")
VCPU_RE = re.compile(r"^CPU (\d+)/KVM$")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def log(msg):
    print("locality: " + msg, file=sys.stderr, flush=True)


def move_pages_query(pid, pages, status):
    """Each page's node in status (or -ENOENT, -EFAULT, ...): one syscall.
    pages and status are ctypes arrays of the same length."""
    r = _libc.syscall(ctypes.c_long(SYS_MOVE_PAGES), ctypes.c_int(pid),
                      ctypes.c_ulong(len(pages)), pages, None, status,
                      ctypes.c_int(0))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, "move_pages(%d): %s" % (pid, os.strerror(e)))


def parse_cpulist(text):
    """'0-3,8,10-11' -> [0, 1, 2, 3, 8, 10, 11]"""
    out = []
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def host_topology():
    """Online nodes and a host CPU -> node map."""
    base = "/sys/devices/system/node"
    with open(base + "/online") as f:
        nodes = parse_cpulist(f.read())
    cpu_node = {}
    for n in nodes:
        with open("%s/node%d/cpulist" % (base, n)) as f:
            for c in parse_cpulist(f.read()):
                cpu_node[c] = n
    return nodes, cpu_node


def read_vmstat():
    out = dict.fromkeys(VMSTAT_KEYS, "")
    with open("/proc/vmstat") as f:
        for line in f:
            k, _, v = line.partition(" ")
            if k in out:
                out[k] = v.strip()
    return out


def read_kvm_stats():
    """Each of KVM_KEYS summed over the VMs in KVM's debugfs."""
    out = dict.fromkeys(KVM_KEYS, "")
    try:
        vms = [d for d in os.listdir(KVM_DEBUGFS) if "-" in d]
    except OSError:
        return out
    for k in KVM_KEYS:
        total = 0
        for d in vms:
            try:
                with open(os.path.join(KVM_DEBUGFS, d, k)) as f:
                    total += int(f.read())
            except (OSError, ValueError):
                pass
        out[k] = str(total)
    return out


def read_vm_stats(pid):
    """VM_KEYS of the VMs of QEMU process pid (one, unless it made more)."""
    out = dict.fromkeys(VM_KEYS, "")
    try:
        vms = [d for d in os.listdir(KVM_DEBUGFS)
               if d.startswith("%d-" % pid)]
    except OSError:
        return out
    for k in VM_KEYS:
        vals = []
        for d in vms:
            try:
                with open(os.path.join(KVM_DEBUGFS, d, k)) as f:
                    vals.append(int(f.read()))
            except (OSError, ValueError):
                pass
        if vals:
            out[k] = str(sum(vals))
    return out


def proc_starttime(pid):
    """Field 22 of /proc/PID/stat: tells a reused pid apart."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def stat_last_cpu(path):
    """Field 39 (processor last run on) of a /proc/.../stat file."""
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[36])  # fields[0] is field 3


def find_vcpus(pid):
    """{vCPU index: tid} from the threads named "CPU N/KVM"."""
    out = {}
    task = "/proc/%d/task" % pid
    for tid in os.listdir(task):
        try:
            with open("%s/%s/comm" % (task, tid)) as f:
                m = VCPU_RE.match(f.read().strip())
        except OSError:
            continue  # a thread that just exited
        if m:
            out[int(m.group(1))] = int(tid)
    return out


def parse_size(text):
    """QEMU's -m value ("512", "2G", "size=1G,maxmem=...") in bytes."""
    for part in text.split(","):
        if "=" in part and not part.startswith("size="):
            continue
        m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgGtT]?)[bB]?",
                         part.split("=")[-1])
        if m:
            mult = {"": 1 << 20, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30,
                    "t": 1 << 40}[m.group(2).lower()]
            return int(float(m.group(1)) * mult)
    return None


def qemu_ram_size(pid):
    """Guest RAM in bytes from QEMU's command line, or None."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().decode(errors="replace").split("\0")
    except OSError:
        return None
    for i, a in enumerate(argv[:-1]):
        if a in ("-m", "--m"):
            return parse_size(argv[i + 1])
    return None


def anon_rw_mappings(pid):
    """[(start, end)] of the private anonymous read-write mappings."""
    out = []
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            f6 = line.split(None, 5)
            path = f6[5].strip() if len(f6) > 5 else ""
            if f6[1] != "rw-p" or (path and not path.startswith("[anon")):
                continue
            lo, hi = (int(x, 16) for x in f6[0].split("-"))
            out.append((lo, hi))
    return out


def find_guest_ram(pid, need):
    """(start, end) of the largest anonymous rw mapping >= need bytes."""
    fits = [m for m in anon_rw_mappings(pid) if m[1] - m[0] >= need]
    if not fits:
        raise RuntimeError("no anonymous rw mapping of %d MiB or more in "
                           "pid %d" % (need >> 20, pid))
    return max(fits, key=lambda m: m[1] - m[0])


def numa_maps_pages(pid, lo, hi, nodes):
    """Resident 4 KiB pages per node of the mapping(s) starting in
    [lo, hi): one line unless something split the mapping."""
    pages = dict.fromkeys(nodes, 0)
    with open("/proc/%d/numa_maps" % pid) as f:
        for line in f:
            fields = line.split()
            if not fields or not lo <= int(fields[0], 16) < hi:
                continue
            kv = dict(x.split("=", 1) for x in fields[2:] if "=" in x)
            scale = int(kv.get("kernelpagesize_kB", "4")) // 4
            for k, v in kv.items():
                if k[0] == "N" and k[1:].isdigit():
                    n = int(k[1:])
                    pages[n] = pages.get(n, 0) + int(v) * scale
    return pages


def sample_pfns(ranges, want):
    """Up to want frames evenly spread over inclusive [(lo, hi)] ranges."""
    starts, total = [], 0
    for lo, hi in ranges:
        starts.append(total)
        total += hi - lo + 1
    n = min(want, total)
    out = []
    for k in range(n):
        pos = k * total // n
        i = bisect.bisect_right(starts, pos) - 1
        out.append(ranges[i][0] + pos - starts[i])
    return out


class LogTail:
    """Reads a growing serial log line by line, from where it left off."""

    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, b""

    def lines(self):
        try:
            with open(self.path, "rb") as f:
                if os.fstat(f.fileno()).st_size < self.offset:
                    self.offset, self.partial = 0, b""  # rewritten
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self.partial + data
        *done, self.partial = data.split(b"\n")
        return [ln.decode("latin-1").replace("\r", "") for ln in done]


class Guest:
    """One QEMU process running numabench, and its sampling plan."""

    def __init__(self, spec):
        self.name, pid, self.log_path = spec.split(":", 2)
        self.pid = int(pid)
        try:
            self.start = proc_starttime(self.pid)
        except OSError:
            self.start = None  # already gone: wait_ready drops it
        self.tail = LogTail(self.log_path)
        self.pending, self.slices, self.ready = {}, None, None
        self.ops, self.dead, self.checked = 0, False, False

    def alive(self):
        try:
            return proc_starttime(self.pid) == self.start
        except (OSError, IndexError):
            return False

    def read_log(self):
        """Slice lines, the ready line, then progress lines."""
        for line in self.tail.lines():
            m = OPS_RE.search(line)
            if m:
                self.ops = int(m.group(2))
                continue
            m = SLICE_RE.search(line)
            if m:
                s = self.pending.setdefault(
                    int(m.group(1)), {"cpu": int(m.group(2)), "ranges": []})
                s["ranges"] += [(int(a, 16), int(b, 16))
                                for a, b in RANGE_RE.findall(m.group(3))]
                continue
            m = READY_RE.search(line)
            if m:
                self.ready = (m.group(1), int(m.group(2)), int(m.group(3)))
                self.slices, self.pending = self.pending, {}

    def setup(self, sample_pages):
        """Guest RAM, vCPU threads, and the addresses to sample."""
        if len(self.slices) != self.ready[2]:
            log("%s: %d slice lines for %d threads" %
                (self.name, len(self.slices), self.ready[2]))
        top = max((hi for s in self.slices.values()
                   for _, hi in s["ranges"]), default=0)
        ram = qemu_ram_size(self.pid)
        need = ram or (top + 1) * PAGE
        self.ram = find_guest_ram(self.pid, need)
        size = self.ram[1] - self.ram[0]
        if ram and size != ram:
            log("%s: guest RAM mapping is %d bytes, -m says %d: the base "
                "may be off" % (self.name, size, ram))
        self.vcpus = find_vcpus(self.pid)
        addrs, self.plan, self.pfns = [], [], []
        for i in sorted(self.slices):
            s = self.slices[i]
            pfns = [p for p in sample_pfns(sorted(s["ranges"]), sample_pages)
                    if p * PAGE < size]
            self.plan.append((s["cpu"], len(addrs), len(addrs) + len(pfns)))
            addrs += [self.ram[0] + p * PAGE for p in pfns]
            self.pfns += [(i, p) for p in pfns]
            if s["cpu"] not in self.vcpus:
                log("%s: slice %d: no thread for vCPU %d" %
                    (self.name, i, s["cpu"]))
        self.pages = (ctypes.c_void_p * len(addrs))(*addrs)
        self.status = (ctypes.c_int * len(addrs))()
        log("%s: pid %d, %s %d MiB %d threads, RAM at %#x (%d MiB), "
            "%d vCPU threads, %d pages sampled per interval" %
            (self.name, self.pid, *self.ready, self.ram[0], size >> 20,
             len(self.vcpus), len(addrs)))

    def vcpu_threads(self, cpu_node):
        """From one read of every vCPU thread's stat: {vCPU index: host
        node of the CPU it last ran on}, and by index its CPU seconds and
        what it waits on ("R" while runnable, else its wchan or state)."""
        nodes, cpu, wait = {}, [], []
        for idx in sorted(self.vcpus):
            task = "/proc/%d/task/%d/" % (self.pid, self.vcpus[idx])
            try:
                with open(task + "stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                nodes[idx] = cpu_node.get(int(fields[36]))  # field 39
                with open(task + "wchan") as f:
                    wchan = f.read().strip()
            except (OSError, IndexError, ValueError):
                nodes.setdefault(idx, None)
                cpu.append("?")
                wait.append("?")
                continue
            cpu.append("%.2f" % ((int(fields[11]) + int(fields[12])) / CLK_TCK))
            wait.append("R" if fields[0] == "R" else
                        wchan if wchan not in ("", "0") else fields[0])
        return nodes, " ".join(cpu), " ".join(wait)

    def local_share(self, vnodes, nodes):
        """(local pages, present pages, misplaced) over the sampled pages;
        misplaced names the pages off their user's node by slice and
        guest-physical 2 MiB region, "SLICE@GPA:PAGES" (a host huge page
        holds one such region).  Only slices with such pages are walked
        page by page."""
        status = self.status[:]
        local = present = 0
        count = collections.Counter()
        for cpu, a, b in self.plan:
            part = status[a:b]
            # list.count runs in C: a few ms less per sample than a loop.
            here = sum(part.count(n) for n in nodes)
            present += here
            user = vnodes.get(cpu)
            if user is None:
                continue
            mine = part.count(user)
            local += mine
            if mine == here:
                continue
            for j in range(a, b):
                if status[j] in nodes and status[j] != user:
                    i, pfn = self.pfns[j]
                    count[(i, pfn >> 9)] += 1
        return local, present, " ".join(
            "%d@%#x:%d" % (i, r << 21, n) for (i, r), n in sorted(count.items()))


def wait_ready(guests, timeout):
    """Guests whose numabench is ready within timeout; drops the others."""
    end = time.monotonic() + timeout
    waiting = list(guests)
    while waiting and time.monotonic() < end:
        for g in list(waiting):
            g.read_log()
            if g.ready:
                waiting.remove(g)
            elif not g.alive():
                log("%s: died before numabench was ready" % g.name)
                waiting.remove(g)
                g.dead = True
        if waiting:
            time.sleep(0.5)
    for g in waiting:
        log("%s: no \"numabench: ready\" within %d s" % (g.name, timeout))
        g.dead = True
    return [g for g in guests if not g.dead]


def sample(guests, nodes, cpu_node, t, writer, cost):
    """One row per live guest."""
    vm = read_vmstat()
    kvm = read_kvm_stats()
    for g in guests:
        if g.dead:
            continue
        try:
            t0 = time.perf_counter()
            move_pages_query(g.pid, g.pages, g.status)
            cost["move_pages"] += time.perf_counter() - t0
            g.read_log()
            vnodes, vcpu_cpu, vcpu_wait = g.vcpu_threads(cpu_node)
            if None in vnodes.values() and g.alive():
                g.vcpus = find_vcpus(g.pid)  # a vCPU thread was replaced
            local, present, misplaced = g.local_share(vnodes, nodes)
            t0 = time.perf_counter()
            per_node = numa_maps_pages(g.pid, g.ram[0], g.ram[1], nodes)
            own = read_vm_stats(g.pid)
            cost["numa_maps"] += time.perf_counter() - t0
            if not g.alive():
                raise ProcessLookupError
        except (OSError, IndexError, ValueError) as e:
            if g.alive():
                raise
            log("%s: pid %d is gone (%s); continuing with the others" %
                (g.name, g.pid, e.__class__.__name__))
            g.dead = True
            continue
        if not g.checked:
            g.checked = True
            # numabench wrote every slice: most samples must be present.
            if present < 0.9 * len(g.pages):
                log("%s: only %d of %d sampled pages present: wrong guest "
                    "RAM base, or frames moved?" %
                    (g.name, present, len(g.pages)))
        writer.writerow(
            ["%.3f" % t, "%.3f" % time.time(), g.name,
             "%.4f" % (local / present) if present else "", present, g.ops] +
            [per_node.get(n, 0) for n in nodes] +
            [" ".join("?" if vnodes[i] is None else str(vnodes[i])
                      for i in sorted(vnodes))] +
            [vm[k] for k in VMSTAT_KEYS] + [kvm[k] for k in KVM_KEYS] +
            [own[k] for k in VM_KEYS] + [vcpu_cpu, vcpu_wait, misplaced])


def run(args):
    nodes, cpu_node = host_topology()
    guests = wait_ready([Guest(s) for s in args.guest], args.ready_timeout)
    for g in list(guests):
        try:
            g.setup(args.sample_pages)
        except OSError:
            if g.alive():
                raise
            log("%s: died before sampling started" % g.name)
            guests.remove(g)
    if not guests:
        log("no guest to sample")
        return 1
    cost = {"move_pages": 0.0, "numa_maps": 0.0, "total": 0.0, "n": 0}
    out = open(args.out, "w", newline="", buffering=1)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["t", "wall", "guest", "local_share", "pages_sampled", "ops"] +
                    ["node%d_pages" % n for n in nodes] + ["vcpu_nodes"] +
                    list(VMSTAT_KEYS) + ["kvm_" + k for k in KVM_KEYS] +
                    ["vm_" + k for k in VM_KEYS] +
                    ["vcpu_cpu_s", "vcpu_wait", "misplaced"])
    start = time.monotonic()
    k = 0
    try:
        while not args.seconds or k * args.interval < args.seconds:
            delay = start + k * args.interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t0 = time.perf_counter()
            sample(guests, nodes, cpu_node, time.monotonic() - start,
                   writer, cost)
            out.flush()
            cost["total"] += time.perf_counter() - t0
            cost["n"] += 1
            if all(g.dead for g in guests):
                log("every guest is gone")
                break
            # Late: skip the intervals already missed, keep the grid.
            k = max(k + 1, int((time.monotonic() - start) / args.interval)
                    + 1)
    except KeyboardInterrupt:
        pass
    finally:
        out.close()
        if cost["n"]:
            n = cost["n"]
            log("%d samples, mean %.2f ms each (move_pages %.2f ms for "
                "%d pages, numa_maps %.2f ms)" %
                (n, 1e3 * cost["total"] / n, 1e3 * cost["move_pages"] / n,
                 sum(len(g.pages) for g in guests),
                 1e3 * cost["numa_maps"] / n))
    return 0


def self_test():
    """move_pages(2), guest RAM discovery, numa_maps and vCPU threads,
    against a child process that plays a guest (run as root)."""
    size, half = 64 << 20, 32 << 20
    nodes, cpu_node = host_topology()
    r_addr, w_addr = os.pipe()
    r_hold, w_hold = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r_addr)
        os.close(w_hold)
        m = mmap.mmap(-1, size, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        # 4 KiB pages: with a huge page, "untouched" neighbours are present.
        m.madvise(mmap.MADV_NOHUGEPAGE)
        for off in range(0, half, PAGE):
            m[off] = 1
        with open("/proc/self/comm", "w") as f:
            f.write("CPU 0/KVM")
        # One touch in a huge page, if THP gives one: the caveat below.
        h = mmap.mmap(-1, 4 << 20, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        h.madvise(mmap.MADV_HUGEPAGE)
        haddr = ctypes.addressof(ctypes.c_char.from_buffer(h))
        hoff = -haddr % (2 << 20)
        h[hoff] = 1
        addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
        os.write(w_addr, b"%d %d\n" % (addr, haddr + hoff))
        os.read(r_hold, 1)  # until the parent closes its end
        os._exit(0)
    os.close(w_addr)
    os.close(r_hold)
    fails = []

    def check(ok, what):
        print("%s: %s" % ("ok" if ok else "FAIL", what))
        if not ok:
            fails.append(what)

    try:
        addr, huge = (int(x) for x in os.read(r_addr, 64).split())
        touched = [addr + off for off in range(0, half, PAGE)]
        untouched = [addr + off for off in range(half, size, PAGE)]
        pages = (ctypes.c_void_p * (len(touched) + len(untouched)))(
            *(touched + untouched))
        status = (ctypes.c_int * len(pages))()
        t0 = time.perf_counter()
        move_pages_query(pid, pages, status)
        dt = time.perf_counter() - t0
        st = status[:]
        child_node = cpu_node.get(stat_last_cpu("/proc/%d/stat" % pid))
        got = st[:len(touched)]
        check(all(s in nodes for s in got),
              "touched pages on online nodes %s (node 0: %d of %d)" %
              (nodes, got.count(0), len(got)))
        if nodes == [0]:
            check(got.count(0) == len(got), "single node: all on node 0")
        rest = st[len(touched):]
        check(rest.count(-errno.ENOENT) == len(rest),
              "untouched pages -ENOENT (%d of %d)" %
              (rest.count(-errno.ENOENT), len(rest)))
        print("move_pages of %d pages: %.2f ms" % (len(pages), dt * 1e3))
        one = (ctypes.c_void_p * 1)(huge + (1 << 20))
        hst = (ctypes.c_int * 1)()
        move_pages_query(pid, one, hst)
        print("info: untouched 4 KiB page inside a touched 2 MiB region: %s"
              % ("node %d (a huge page: its node)" % hst[0] if hst[0] >= 0
                 else "%d (no huge page here)" % hst[0]))
        lo, hi = find_guest_ram(pid, size)
        check((lo, hi) == (addr, addr + size),
              "guest RAM rule finds the 64 MiB mapping at %#x" % addr)
        per_node = numa_maps_pages(pid, lo, hi, nodes)
        check(sum(per_node.values()) == half // PAGE,
              "numa_maps: %s resident pages, want %d" %
              (per_node, half // PAGE))
        vcpus = find_vcpus(pid)
        check(vcpus == {0: pid}, "vCPU threads %s" % vcpus)
        check(child_node in nodes, "child last ran on node %s" % child_node)
        pfns = sample_pfns([(0, 9), (100, 109)], 5)
        check(pfns == [0, 4, 8, 102, 106], "even sample %s" % pfns)
        check(parse_size("2G") == 2 << 30 and parse_size("512") == 512 << 20
              and parse_size("size=1G,maxmem=4G") == 1 << 30, "-m parsing")
    finally:
        os.close(w_hold)
        os.waitpid(pid, 0)
    print("self-test: %s" % ("FAILED: " + "; ".join(fails) if fails
                             else "passed"))
    return 1 if fails else 0


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--interval", type=float, default=1.0,
                   help="seconds between samples (default 1)")
    p.add_argument("--seconds", type=float, default=0,
                   help="how long to sample (default 0: until every guest "
                   "is gone or SIGINT/SIGTERM)")
    p.add_argument("--out", help="CSV file to write")
    p.add_argument("--guest", action="append", default=[],
                   metavar="NAME:QEMU_PID:SERIAL_LOG")
    p.add_argument("--sample-pages", type=int, default=2048,
                   help="pages sampled per slice (default 2048)")
    p.add_argument("--ready-timeout", type=float, default=300,
                   help="seconds to wait for numabench: ready (300)")
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args()
    if args.self_test:
        return self_test()
    if not args.guest or not args.out:
        p.error("--guest and --out are required")
    # SIGTERM from a harness: end like ^C, with the cost summary.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
