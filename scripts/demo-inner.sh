#!/bin/bash
# The demo, inside the emulated 2-node host: a guest whose memory sits on
# node 0 while its vCPU threads run on node 1 (the load balancer moved the
# threads and left the memory behind), and kvm-autonuma bringing the
# memory over, with where everything is before and after.
set -euo pipefail
. "$TOP/tests/lib/guest.sh"
place=$TOP/out/tools/bin/vm-placement
node_cpus() { cat "/sys/devices/system/node/node$1/cpulist"; }

echo "== emulated host: $(nproc) CPUs, nodes $(cat /sys/devices/system/node/online);" \
	"node 0 CPUs $(node_cpus 0), node 1 CPUs $(node_cpus 1)"
echo "== kvm $(cat /sys/module/kvm/version), kvm.autonuma=$(cat /sys/module/kvm/parameters/autonuma)"
echo "== $("$OUR_QEMU" -version | head -n2 | tr '\n' ' ')"

# Everything on node 0 first: the guest's memory is first touched there.
echo "== starting a 2-vCPU guest on node 0 with -accel kvm,autonuma=on;" \
	"it touches 384 MiB from both vCPUs"
guest_start demo 300 --cmd memtouch --smp 2 --mem 640 \
	--wrap "numactl --cpunodebind=0 --preferred=0" \
	--accel "kvm,autonuma=on,autonuma-scan-period-min=500,autonuma-hint-percent=50"
guest_wait_log demo 'memtouch: ready' 120
pid=$(guest_qemu_pid demo)
"$place" --pid "$pid"

# The threads move to node 1 (Lee Schermerhorn's case: the load balancer
# moved the task); kvm-autonuma brings the memory after them.
echo "== moving the vCPU threads to node 1 (CPUs $(node_cpus 1))"
for tid in $("$place" --pid "$pid" --json |
	python3 -c 'import json,sys; print(*[v["tid"] for v in json.load(sys.stdin)["vcpus"]])'); do
	taskset -pc "$(node_cpus 1)" "$tid" >/dev/null
done
start=$SECONDS
want=$((384 * 9 / 10))
while ((SECONDS - start < 120)); do
	sleep 5
	n1=$(guest_qmp demo query-autonuma |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["memory"][1]["bytes"] >> 20)')
	echo "== $((SECONDS - start)) s after the move: ${n1} MiB of guest RAM on node 1"
	((n1 >= want)) && break
done
"$place" --pid "$pid"
guest_qmp demo human-monitor-command '{"command-line": "info autonuma"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin), end="")'
if ((n1 >= want)); then
	echo "== 90% of the touched memory (${want} MiB) reached node 1 within $((SECONDS - start)) s"
else
	echo "== only ${n1} MiB reached node 1 in $((SECONDS - start)) s"
fi
echo "== guest progress: $(grep 'memtouch: t=' "$(guest_log demo)" | tail -n1)"
guest_stop demo
