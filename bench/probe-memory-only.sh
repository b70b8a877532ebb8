#!/bin/bash
# bench/probe-memory-only.sh: scenario a's guest with QEMU's memory
# migration alone (no autonumad), printing every 3 s for 42 s where its
# memory is and what KVM and QEMU counted: candidates queued, the
# migration counters, and each vCPU's local, remote and shared hinting
# faults; then the host's THP migration counters.  A diagnostic for the
# memory-only tail of bench/results/peers-targets.md.
set -euo pipefail
. "$(dirname "$0")/../scripts/config.sh"

if [[ ${1:-} != --inner ]]; then
	exec "$TOP/tests/ehost/ehost.sh" --nodes 2 --timeout 300 \
		--work "$OUT/ehost/probe-memory-only" -- bash "$0" --inner
fi

. "$TOP/tests/lib/guest.sh"
guest_start_ready m 300 'numabench: ready' 180 --cmd numabench --smp 2 \
	--mem 512 --wrap "numactl --cpunodebind=0" \
	--accel "kvm,autonuma=on,autonuma-scan-period-min=500,autonuma-hint-percent=50" \
	--append "guest.cmd=numabench numabench.mode=private numabench.mib=256"
guest_pin_vcpus m 1
echo "vCPUs moved to node 1; t, MiB per node, candidates queued/dropped, QEMU migration, vCPU faults (local, remote, shared)"
for ((t = 3; t <= 42; t += 3)); do
	sleep 3
	guest_qmp m query-autonuma | python3 -c "
import json, sys
d = json.load(sys.stdin)
print($t, [m['bytes'] >> 20 for m in d['memory']], d['candidates-queued'],
      d['candidates-dropped'], d['migration'],
      [(v['faults-local'], v['faults-remote'], v['faults-shared']) for v in d['vcpus']])"
done
grep -E '^(pgmigrate_(success|fail)|thp_migration_(success|fail|split)) ' /proc/vmstat
guest_stop m
