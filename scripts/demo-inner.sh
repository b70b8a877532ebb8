#!/bin/bash
# The demo, inside the emulated 2-node host: scenario a of bench/peers.sh
# with kvm-autonuma.  A guest's memory sits on node 0; its vCPU threads
# are moved to node 1 (the load balancer moved the task and left the
# memory behind).  autonumad, which manages the guest, brings vCPUs and
# memory together again; `autonumactl top` shows it live.  At the end:
# time to 90% local, what moved, and a plot of the run.
set -euo pipefail
. "$TOP/tests/lib/guest.sh"
. "$TOP/tests/lib/autonumad.sh"
place=$AD_BIN/vm-placement
MIB=256

echo "== emulated host: $(nproc) CPUs, nodes $(cat /sys/devices/system/node/online);" \
	"node 0 CPUs $(node_cpus 0), node 1 CPUs $(node_cpus 1)"
echo "== kvm $(cat /sys/module/kvm/version), kvm.autonuma=$(cat /sys/module/kvm/parameters/autonuma)," \
	"kernel.numa_balancing=$(cat /proc/sys/kernel/numa_balancing)"
echo "== $("$OUR_QEMU" -version | head -n2 | tr '\n' ' ')"

echo "== a 2-vCPU guest starts on node 0; each vCPU writes its own ${MIB}/2 MiB slice"
guest_start_ready demo 400 'numabench: ready' 180 --cmd numabench --smp 2 \
	--mem 512 --wrap "numactl --cpunodebind=0 --preferred=0" \
	--append "numabench.mode=private numabench.mib=$MIB"
pid=$(guest_qemu_pid demo)
"$place" --pid "$pid"

ad_start "[daemon]
period=500
libvirt-uri=
[vm demo]
qmp=$(guest_qmp_sock demo)
scan-period-min=500
hint-percent=50"
echo "== autonumad manages it (log: $AD_LOG)"
csv=$EHOST_WORK/demo.csv
python3 "$TOP/bench/lib/locality.py" --interval 1 --seconds 60 --out "$csv" \
	--guest "demo:$pid:$(guest_log demo)" 2>/dev/null &
sampler=$!
sleep 3

echo "== moving the vCPU threads to node 1 (CPUs $(node_cpus 1))"
guest_pin_vcpus demo 1
moved_at=$(date +%s.%N)
for ((i = 0; i < 8; i++)); do
	ad_ctl top --iterations 1
	echo
	ad_converged "$pid" && break
	sleep 2
done
"$place" --pid "$pid"
ad_ctl vm stats demo
wait "$sampler" || true

python3 - "$csv" "$EHOST_WORK/demo.png" "$moved_at" "$(stat -c %Y "$csv")" <<'PY'
import csv, subprocess, sys
path, png = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(path)))
# The sampler's t=0 is 3 s before the move.
pts = [(float(r["t"]) - 3, float(r["local_share"]) * 100) for r in rows if r["local_share"]]
t90 = next((t for t, v in pts if t > 0 and v >= 90), None)
print("== 90%% of the touched memory local to its vCPU %s" %
      ("%.0f s after the move" % t90 if t90 is not None else "not reached in 60 s"))
mig = [int(r["pgmigrate_success"]) for r in rows]
print("== pages migrated on the host during the run: %d (4 KiB)" % (mig[-1] - mig[0]))
with open(png + ".dat", "w") as f:
    f.writelines("%.1f %.1f\n" % p for p in pts)
subprocess.run(["gnuplot"], check=True, input=(
    "set terminal png size 800,400\nset output '%s'\n"
    "set xlabel 'seconds after the vCPUs moved'\nset ylabel 'local %%'\n"
    "set yrange [0:105]\nset grid\n"
    "plot '%s.dat' using 1:2 with lines lw 2 title 'kvm-autonuma'\n" % (png, png)).encode())
print("== plot of the run: %s" % png)
PY
ad_stop
guest_stop demo
