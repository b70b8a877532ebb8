#!/bin/bash
# bench/peers-inner.sh SCENARIO POLICY RUNS SECONDS ["RUN..."]: one cell of
# bench/peers.sh, inside the emulated host (which was booted with
# kernel.numa_balancing=1 for the "kernel" policy, 0 otherwise).
#
# Each run starts the scenario's guests (tests/guest/progs/numabench.c),
# lets them first-touch their memory, starts the policy, and 5 s later
# applies the scenario's event (vCPU threads moved, spread or freed; in b,
# d and f every policy starts right after the event instead, autonumad by
# enabling the VMs of a running daemon, the kernel's balancing by its
# sysctl in b and d, on from boot in f); then
# bench/lib/locality.py samples every second where each guest's pages are
# against where the vCPU using them runs.  Writes, per run,
# $EHOST_WORK/SCENARIO-POLICY-RUN.csv (the samples) and .env (the costs).
set -uo pipefail
. "$TOP/tests/lib/guest.sh"
. "$TOP/tests/lib/autonumad.sh"
. "$TOP/tests/lib/trace.sh"
# TODO: the numbers of the runs to do, default 1 to RUNS (the others were
# done by an emulated host that died).
scenario=$1 policy=$2 runs=$3 seconds=$4
read -ra todo <<<"${5:-$(seq -s ' ' 1 "$runs")}"
EVENT_AT=5
CLK_TCK=$(getconf CLK_TCK)
all_cpus() { echo "0-$(($(nproc) - 1))"; }
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

# Guests of the scenario: NAME SMP MEM_MIB WRAP NUMABENCH-ARGS
guests() {
	case $scenario in
	a) echo "a 2 512 0 mode=private mib=256" ;;
	b) echo "b 4 512 0 mode=mpi mib=256 pct=90 first=1" ;;
	c) echo "c 2 512 0 mode=shared mib=256" ;;
	d) echo "d 4 512 0 mode=private mib=256 first=1" ;;
	e) echo "busy 2 448 0 mode=private mib=192"
	   echo "idle 2 448 0 mode=private mib=192 delay=15" ;;
	f) local i
	   for i in 0 1 2 3; do
		echo "f$i 2 256 $((i / 2)) mode=private mib=128 first=1"
	   done ;;
	esac
}

# Where a guest's QEMU starts: the node its memory is first touched on,
# or, for hard binding, the node it is bound to for good.
wrap() { # NAME NODE
	if [[ $policy == bind ]]; then
		case $1 in a|idle) echo "numactl --cpunodebind=1 --membind=1" ;;
		f?) echo "numactl --cpunodebind=${1#f} --membind=${1#f}" ;;
		*) echo "numactl --cpunodebind=0 --membind=0" ;; esac
	else
		# Local allocation does the first touch on NODE.  No
		# --preferred: the kernel's balancing never moves a page away
		# from the node a VMA's policy prefers.
		echo "numactl --cpunodebind=$2"
	fi
}

# vCPU thread IDs by guest, read once the guest is ready: the event then
# re-pins all its threads at once, even on a busy emulated host.
declare -A TIDS
pin() { # NAME VCPU-INDEX CPULIST
	local tids
	read -ra tids <<<"${TIDS[$1]}"
	pin_threads "$3" "${tids[$2]}"
}

# The event: what moves the guests away from their memory.
event() {
	[[ $policy == bind ]] && return 0
	case $scenario in
	a) pin a 0 "$(node_cpus 1)"; pin a 1 "$(node_cpus 1)" ;;
	b|d) pin "$scenario" 2 "$(node_cpus 1)"; pin "$scenario" 3 "$(node_cpus 1)" ;;
	c) pin c 1 "$(node_cpus 1)" ;;
	e) pin idle 0 "$(all_cpus)"; pin idle 1 "$(all_cpus)" ;;
	f) local i
	   for i in 0 1 2 3; do
		pin "f$i" 0 "$(node_cpus "$i")"
		pin "f$i" 1 "$(node_cpus $(((i + 1) % 4)))"
	   done ;;
	esac
}

policy_start() {
	case $policy in
	kernel)
		if [[ $scenario == [bd] ]]; then
			sysctl -qw kernel.numa_balancing=1
		fi ;;
	numad)
		# numad ignores processes while the monotonic clock is under
		# 300 s: run it as if the host had been up for a while.
		unshare --time --monotonic 3600 --boottime 3600 \
			numad -i 2:5 -l 6 >>"$EHOST_WORK/numad.out" 2>&1 ;;
	kvm-autonuma|kvm-autonuma-mem)
		# "off": autonumad runs with its VMs disabled, for
		# policy_enable to switch on at the event.
		local enabled=$([[ ${1:-} == off ]] && echo false || echo true)
		local conf="[daemon]
period=500
anti-thrash-interval=10000
libvirt-uri=
placement=$([[ $policy == kvm-autonuma ]] && echo true || echo false)" name
		for name in "${names[@]}"; do
			conf+="
[vm $name]
qmp=$(guest_qmp_sock "$name")
scan-period-min=500
hint-percent=${BENCH_HINT_PERCENT:-50}
enabled=$enabled"
		done
		AD_LOG=$EHOST_WORK/autonumad-$run.log
		ad_start "$conf" || return 1
		# A VM the daemon does not know would never be enabled, and
		# the run would measure nothing.  Not checked where the VMs
		# start enabled: it takes seconds, which would move the event
		# further from autonumad's start than in earlier benches.
		[[ $enabled == false ]] || return 0
		for name in "${names[@]}"; do
			ad_ctl --connect "" vm stats "$name" >/dev/null || {
				echo "bench: autonumad does not see $name"
				return 1
			}
		done ;;
	esac
}

# kvm-autonuma in b, d and f: switch on the VMs of a running autonumad, as
# `systemctl reload` would after an operator edited its configuration.
# Starting autonumad at the event instead took 4.4-8.8 s to its first
# enabled VM (thp6, read by hand from autonumad-N.log; runs now record it
# as enabled_wall), and autonumactl vm enable took 3.2 s to run in one
# trial run: all of it counted in the time to 90%, where the kernel's
# balancing starts with a sysctl.
policy_enable() {
	local conf
	conf=$(<"$AD_DIR/autonumad.conf")
	printf '%s\n' "${conf//enabled=false/enabled=true}" >"$AD_DIR/autonumad.conf"
	kill -HUP "$AD_PID"
}

policy_stop() {
	case $policy in
	numad) numad -i 0 >/dev/null 2>&1; sleep 1; pkill -x numad ;;
	kvm-autonuma*) ad_stop ;;
	esac
}

# BENCH_TRACE=1: KVM's kvm_autonuma tracepoints (each hinting fault with
# its page's metadata, each pass's judgement) over each kvm-autonuma run,
# kept as SCENARIO-POLICY-RUN.trace: why a page moved, or did not.
tracing() { [[ ${BENCH_TRACE:-0} == 1 && $policy == kvm-autonuma* ]]; }

# KVM's statistics summed over VMs (debugfs sums each VM's vCPUs too).
kvm_stat() { cat /sys/kernel/debug/kvm/*/"$1" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }

# CPU time, in ticks, of a process's threads whose name matches a regex.
# Bash reads the threads: read as the last sample is taken, on an
# emulated host the guests saturate, a grep and an awk per thread took
# minutes, and the threads kept running meanwhile.
thread_ticks() { # PID REGEX
	local t comm stat f ticks=0
	for t in /proc/"$1"/task/*; do
		read -r comm <"$t/comm" 2>/dev/null || continue
		[[ $comm =~ $2 ]] || continue
		read -r stat <"$t/stat" 2>/dev/null || continue
		# comm may hold ") ": fields after the last one, from state
		# (3) on; utime and stime are fields 14 and 15.
		read -ra f <<<"${stat##*) }"
		ticks=$((ticks + f[11] + f[12]))
	done
	echo "$ticks"
}

ticks_s() { printf '%d.%02d\n' $(($1 / CLK_TCK)) $(($1 % CLK_TCK * 100 / CLK_TCK)); }

# Ends one_run's bench/lib/locality.py, whose PID is its local p.
samples_stop() { kill -TERM "$p"; wait "$p"; }

# When the last of the run's VMs was enabled in QEMU, from autonumad's
# log, in seconds since the epoch: report.py gives it against the event.
# The log has the time of day only: the day is the event's, or the one
# before for a line from before midnight.
enabled_wall() { # EVENT_WALL
	local t day s
	t=$(grep ': kvm-autonuma enabled in QEMU$' "$AD_LOG" | tail -n 1 | cut -d' ' -f1)
	[[ -n $t ]] || return 0
	day=$(date -d "@${1%.*}" +%F)
	s=$(date -d "$day $t" +%s.%N) || return 0
	awk -v s="$s" -v e="$1" 'BEGIN { printf "%.3f\n", (s - e > 43200) ? s - 86400 : s }'
}

one_run() {
	local name smp mem node args g i specs=() p event_wall tids=()
	local ticks_scan=0 ticks_mig=0 ticks_ad=0
	names=()
	# Off until policy_start in b and d (the host booted with it on).
	if [[ $policy == kernel && $scenario == [bd] ]]; then
		sysctl -qw kernel.numa_balancing=0
	fi
	while read -r name smp mem node args; do
		names+=("$name")
		append="guest.cmd=numabench"
		for a in $args; do append+=" numabench.$a"; done
		# One at a time: guests booting together under TCG failed
		# more often (guest_artifact), and a failed one is started
		# again alone.  The first of f's four lives through the others'
		# boots, up to 100 s each, and the run: 11 minutes and more.
		guest_start_ready "$name" $((seconds + 900)) 'numabench: ready' 240 \
			--cmd numabench --smp "$smp" --mem "$mem" \
			--wrap "$(wrap "$name" "$node")" --append "$append" || return 1
	done <<<"$(guests)"
	((${#names[@]})) || return 1
	for name in "${names[@]}"; do
		g=$(guest_qemu_pid "$name")
		[[ -n $g ]] || { echo "bench: guest $name is gone"; return 1; }
		specs+=(--guest "$name:$g:$(guest_log "$name")")
		TIDS[$name]=$(qemu_vcpu_tids "$(guest_qemu_pid "$name")")
	done
	# kvm-autonuma in b, d and f: autonumad is running, its VMs
	# disabled, before the samples start.
	if [[ $scenario == [bdf] && $policy == kvm-autonuma* ]]; then
		policy_start off || return 1
	fi
	# The idle guest's memory is all touched; let it leave node 0's CPUs
	# only at the event.
	local base="tlb=$(kvm_stat remote_tlb_flush) hints=$(kvm_stat autonuma_hint_sptes)"
	base+=" afl=$(kvm_stat autonuma_faults_local) afr=$(kvm_stat autonuma_faults_remote)"
	python3 "$TOP/bench/lib/locality.py" --interval 1 \
		--out "$EHOST_WORK/$scenario-$policy-$run.csv" "${specs[@]}" \
		2>>"$EHOST_WORK/locality.err" &
	p=$!
	# Progress before the event is the baseline of the progress figures,
	# and the sampler, Python on a busy emulated host, took seconds to
	# its first sample: in f it then had one sample before the event, and
	# no baseline (2026-12-07).  Its header and a first row, 60 s at most.
	for ((i = 0; i < 300; i++)); do
		(($(wc -l <"$EHOST_WORK/$scenario-$policy-$run.csv" 2>/dev/null || echo 0) >= 2)) && break
		sleep 0.2
	done
	tracing && trace_start kvm_autonuma 32768
	# b's and d's guest first-touches with 4 vCPUs on node 0's 2 CPUs.
	# Any placement spreads that at once, and then collides with the
	# event's own spreading: there every policy starts at the event.
	# Figures are measured from when the event is complete: re-pinning
	# takes a while.  f's event re-pins eight vCPUs, 13 s and more under
	# load: a policy started before it placed the guests while the event
	# was still spreading them, and the two undid each other's pins
	# (autonumad's log of a run with 2.08 pages migrated per misplaced
	# page, 2026-12-07).
	case $scenario in
	b|d|f)
		sleep "$EVENT_AT"; event; event_wall=$(date +%s.%N)
		if [[ $policy == kvm-autonuma* ]]; then
			policy_enable || {
				echo "bench: autonumad is gone"
				samples_stop
				return 1
			}
		else
			policy_start
		fi ;;
	*)
		policy_start || { samples_stop; return 1; }
		sleep "$EVENT_AT"; event; event_wall=$(date +%s.%N) ;;
	esac
	# Lines the trace's timestamps up with the event.
	tracing && echo "bench: event at $event_wall" >$TRACEFS/trace_marker
	sleep "$seconds"
	samples_stop
	# CPU time up to the last sample; then the guests yield the host's
	# CPUs to what is left of the run.
	for name in "${names[@]}"; do
		g=$(guest_qemu_pid "$name")
		[[ -n $g ]] || continue
		ticks_scan=$((ticks_scan + $(thread_ticks "$g" '^kvm-autonuma')))
		ticks_mig=$((ticks_mig + $(thread_ticks "$g" '^autonuma-')))
		tids+=(/proc/"$g"/task/*)
	done
	[[ -n $AD_PID ]] && ticks_ad=$(thread_ticks "$AD_PID" .)
	tracing && trace_stop kvm_autonuma "$EHOST_WORK/$scenario-$policy-$run.trace"
	# numabench prints every second: a guest that died or froze before
	# the end would leave a run whose figures stop early.
	for name in "${names[@]}"; do
		if [[ -z $(guest_qemu_pid "$name") ]] ||
			(($(date +%s) - $(stat -c %Y "$(guest_log "$name")") > 10)); then
			echo "bench: guest $name died or froze during the run"
			guest_print_log "$name"
			return 1
		fi
	done
	# A run counts only with its samples.
	[[ -s $EHOST_WORK/$scenario-$policy-$run.csv ]] || {
		echo "bench: no samples (bench/lib/locality.py: $EHOST_WORK/locality.err)"
		return 1
	}
	# Threads that ended since are no error.
	((${#tids[@]})) && renice -n 19 -p "${tids[@]##*/}" &>/dev/null
	{
		echo "$base"
		echo "tlb_end=$(kvm_stat remote_tlb_flush) hints_end=$(kvm_stat autonuma_hint_sptes)"
		echo "afl_end=$(kvm_stat autonuma_faults_local) afr_end=$(kvm_stat autonuma_faults_remote)"
		echo "metadata_bytes=$(kvm_stat autonuma_metadata_bytes)"
		echo "scanner_cpu_s=$(ticks_s "$ticks_scan") migration_cpu_s=$(ticks_s "$ticks_mig")"
		[[ -n $AD_PID ]] && echo "autonumad_cpu_s=$(ticks_s "$ticks_ad")"
		echo "event_wall=$event_wall"
		# QEMU's migration counters, summed over the guests.
		if [[ $policy == kvm-autonuma* ]]; then
			echo "hint_percent=${BENCH_HINT_PERCENT:-50}"
			echo "enabled_wall=$(enabled_wall "$event_wall")"
			for name in "${names[@]}"; do
				guest_qmp "$name" query-autonuma 2>/dev/null
				echo
			done | python3 -c '
import json, sys
tot = {}
for line in sys.stdin:
    if line.strip():
        for k, v in json.loads(line)["migration"].items():
            tot[k] = tot.get(k, 0) + v
print(" ".join("qemu_%s=%d" % (k.replace("-", "_"), v) for k, v in sorted(tot.items())))'
		fi
		echo "kvm_build=$(cat /sys/module/kvm/version)"
		echo "qemu_build=$(cat "$TOP/out/qemu-version")"
	} | tr ' ' '\n' >"$EHOST_WORK/$scenario-$policy-$run.env"
	policy_stop
	for name in "${names[@]}"; do guest_stop "$name"; done
	return 0
}

echo 3 >/proc/sys/vm/drop_caches
# A run whose guest failed from a known TCG artifact (guest_artifact in
# tests/lib/guest.sh) is done again, at most three times in a cell, and
# said so; any other failure loses the run.
retries=0
for ((nth = 0; nth < ${#todo[@]}; nth++)); do
	run=${todo[nth]}
	# ehost.sh runs this again on a host that died: keep what the run
	# before it finished.
	if [[ -s $EHOST_WORK/$scenario-$policy-$run.env ]]; then
		echo "bench: $scenario $policy run $run/$runs done before the host died"
		continue
	fi
	echo "bench: $scenario $policy run $run/$runs ($(date +%T))"
	one_run && continue
	echo "bench: $scenario $policy run $run failed"
	policy_stop
	artifact=0
	for name in "${names[@]}"; do
		msg=$(guest_artifact "$name") && artifact=1 && echo "bench: $msg"
		guest_stop "$name"
	done
	rm -f "$EHOST_WORK/$scenario-$policy-$run".*
	if ((artifact && retries++ < 3)); then
		echo "bench: $scenario $policy run $run again (retry $retries of 3)"
		((nth--))
	fi
done
