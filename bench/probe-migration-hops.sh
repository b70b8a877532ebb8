#!/bin/bash
# bench/probe-migration-hops.sh [HOPS] [REPEATS]: how often a nested guest
# is lost around a live migration, with kvm-autonuma at its fastest
# settings (as tests/host/qemu-migration uses them) and with it off.
#
# In one 2-node emulated host, a memtouch guest (verify mode, as in that
# test) is migrated from one QEMU of ours to a new one HOPS times (12), for
# each setting in turn, REPEATS times (2).  A hop is good when the
# migration completes and the guest goes on sweeping on the destination
# without a MISMATCH; the first bad hop ends that series.  Prints a line
# per hop and a RESULT line per series.  A diagnostic for nested guests
# that reset without a word (tests/ehost/ehost.sh): it tells whether
# kvm-autonuma makes them likelier, not why they happen.
set -euo pipefail
. "$(dirname "$0")/../scripts/config.sh"

if [[ ${1:-} != --inner ]]; then
	exec "$TOP/tests/ehost/ehost.sh" --nodes 2 --timeout 2700 \
		--work "$OUT/ehost/probe-migration-hops" -- \
		bash "$0" --inner "${1:-12}" "${2:-2}"
fi
hops=$2 repeats=$3

. "$TOP/tests/lib/guest.sh"
set +e
# Exceptions KVM injects or reinjects (after an exit during delivery), for
# the hop that loses its guest: a nested guest that triple-faults shows
# the chain of faults that led to it.
T=/sys/kernel/tracing
mountpoint -q $T || mount -t tracefs nodev $T
echo 8192 >$T/buffer_size_kb
echo 1 >$T/events/kvm/kvm_inj_exception/enable
echo 'exit_reason == 127' >$T/events/kvm/kvm_exit/filter # SVM_EXIT_SHUTDOWN
echo 1 >$T/events/kvm/kvm_exit/enable
echo 'reinjected == 1' >$T/events/kvm/kvm_inj_virq/filter
echo 1 >$T/events/kvm/kvm_inj_virq/enable
FAST=$GUEST_ACCEL_FASTEST
args=(--cmd memtouch --smp 2 --mem 384 --catch-reset
	--append "memtouch.mib=128 memtouch.verify=1")

# One hop from guest $1 to a new QEMU $2; prints a line, fails if bad.
hop() { # FROM TO ACCEL
	local port=$((4440 + RANDOM % 500)) s0 s1 mm
	guest_start "$2" 900 "${args[@]}" --accel "$3" -- \
		-incoming "tcp:127.0.0.1:$port" || return 1
	guest_migrate "$1" "$port" 200
	s0=$(guest_memtouch_sweeps "$2")
	sleep 8
	s1=$(guest_memtouch_sweeps "$2")
	mm=$(grep -c MISMATCH "$(guest_log "$2")")
	echo "$MIGRATE_STATUS after ${MIGRATE_SECONDS}s; destination sweeps ${s0:-none} -> ${s1:-none}; $mm mismatches"
	if [[ $MIGRATE_STATUS == completed ]] && ((${s0:-0} < ${s1:-0} && mm == 0)); then
		guest_stop "$1"
		return 0
	fi
	# Post-mortem: the source is paused after the migration (or at its
	# reset), the destination runs, or is paused at its reset.
	echo "--- the emulated host's last KVM events (vCPU threads:" \
		"source $(qemu_vcpu_tids "$(guest_qemu_pid "$1")")," \
		"destination $(qemu_vcpu_tids "$(guest_qemu_pid "$2")")) ---"
	tail -n 300 $T/trace
	guest_print_log "$1"
	guest_registers "$1"
	guest_registers "$2"
	guest_stop "$1"
	return 1
}

series() { # TAG ACCEL
	local cur=$1-0 next h
	if ! guest_start_ready "$cur" 900 'memtouch: t=2 ' 180 "${args[@]}" \
		--accel "$2"; then
		echo "RESULT $1: the first guest did not start"
		guest_stop "$cur"
		return
	fi
	for ((h = 1; h <= hops; h++)); do
		next=$1-$h
		echo -n "$1 hop $h: "
		if ! hop "$cur" "$next" "$2"; then
			guest_print_log "$next"
			guest_stop "$next"
			echo "RESULT $1: $((h - 1)) good hops, then a bad one"
			return
		fi
		cur=$next
	done
	guest_stop "$cur"
	echo "RESULT $1: $hops good hops"
}

for ((r = 1; r <= repeats; r++)); do
	series "fast$r" "$FAST"
	series "off$r" kvm
done
