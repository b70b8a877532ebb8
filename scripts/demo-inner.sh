#!/bin/bash
# The demo, inside the emulated 2-node host: a guest whose memory sits on
# node 0 while its vCPU threads run on node 1 (the load balancer moved the
# threads and left the memory behind), and where everything is.
set -euo pipefail
. "$TOP/tests/lib/guest.sh"
place=$TOP/out/tools/vm-placement
node_cpus() { cat "/sys/devices/system/node/node$1/cpulist"; }

echo "== emulated host: $(nproc) CPUs, nodes $(cat /sys/devices/system/node/online);" \
	"node 0 CPUs $(node_cpus 0), node 1 CPUs $(node_cpus 1)"
echo "== kvm $(cat /sys/module/kvm/version), kvm.autonuma=$(cat /sys/module/kvm/parameters/autonuma)"
echo "== $("$OUR_QEMU" -version | head -n2 | tr '\n' ' ')"

# Everything on node 0 first: the guest's memory is first touched there.
echo "== starting a 2-vCPU guest on node 0; it touches 384 MiB from both vCPUs"
guest_start demo 300 --cmd memtouch --smp 2 --mem 640 \
	--wrap "numactl --cpunodebind=0 --preferred=0"
guest_wait_log demo 'memtouch: ready' 120
pid=$(guest_qemu_pid demo)
"$place" --pid "$pid"

# The threads move to node 1; nothing moves the memory after them.
echo "== moving the vCPU threads to node 1 (CPUs $(node_cpus 1))"
for tid in $("$place" --pid "$pid" --json |
	python3 -c 'import json,sys; print(*[v["tid"] for v in json.load(sys.stdin)["vcpus"]])'); do
	taskset -pc "$(node_cpus 1)" "$tid" >/dev/null
done
for i in 1 2 3; do
	sleep 5
	echo "== $((i * 5)) s later:"
	"$place" --pid "$pid"
done
echo "== guest progress: $(grep 'memtouch: t=' "$(guest_log demo)" | tail -n1)"
echo "== no automatic placement yet: the memory stays on node 0, remote to every vCPU"
guest_stop demo
