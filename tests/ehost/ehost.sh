#!/bin/bash
# ehost.sh: run a command inside the emulated NUMA host.
#
# Boots Debian's 6.12 kernel under QEMU TCG (-cpu max,-cx16: AMD SVM with
# nested paging) with 2 or 4 NUMA nodes, sockets aligned with nodes and SLIT
# distances, mounts this machine's root over 9p and chroots into it, loads
# our kvm modules (or Debian's), and runs COMMAND from the repository's top
# directory.  COMMAND's output goes to WORK/output.log and is streamed to
# stdout; the serial console goes to WORK/serial.log.  Exit status is
# COMMAND's, or 124 on a timeout, or 125 when the host could not be set up
# or never reported back; the serial log's tail is printed on any failure.
set -euo pipefail
. "$(dirname "$0")/../../scripts/config.sh"

usage() {
	cat <<-U
	usage: ehost.sh [options] -- COMMAND [ARG...]
	  --nodes N            host NUMA nodes, 1, 2 or 4 (default 2)
	  --cpus-per-node N    (default: 2 with 2 nodes, 1 with 4)
	  --cpu MODEL          the emulated CPU (default max,-cx16)
	  --mem-per-node MIB   (default: 2048 with 2 nodes, 1024 with 4)
	  --timeout S          whole run, boot included (default 300)
	  --inner-timeout S    COMMAND alone (default: --timeout less 30 s)
	  --work DIR           shared read-write directory (default: a new one
	                       under out/ehost)
	  --kvm ours|debian    which kvm modules to load (default ours)
	  --kvm-params P       parameters for kvm.ko, e.g. "autonuma=0"
	  --numa-balancing 0|1 kernel.numa_balancing inside (default 0)
	  --append ARGS        more parameters for the emulated host's kernel
	  --quiet              print COMMAND's output at the end, not live
	U
	exit 2
}

nodes=2 cpn= mem= timeout=300 inner= work= kvm=ours kvm_params= numab=0 quiet=0
append=
# Without CMPXCHG16B.  QEMU 7.2's TCG calls the helpers of CMPXCHG8B and
# CMPXCHG16B without storing the translator's current CC_OP first, so they
# compute the flags other than ZF from the CC_OP the translation block
# began with.  When that was CC_OP_EFLAGS (a block entered right after a
# VMRUN, an IRET or a POPF), RFLAGS becomes an operand of an earlier ADD in
# the block.  Nested guests' SLUB fast path does just that, and guests were
# lost with a pointer's low half in RFLAGS (TF, NT, reserved bits), the
# more often the more their vCPUs exited: 3 in 30 boots at kvm-autonuma's
# fastest settings, none in 24 without the instruction, which Linux does
# without (bench/results/peers-targets.md, "QEMU 7.2's TCG corrupts").
cpu_model=max,-cx16
while (($#)); do
	case $1 in
	--nodes) nodes=$2; shift 2 ;;
	--cpus-per-node) cpn=$2; shift 2 ;;
	--cpu) cpu_model=$2; shift 2 ;;
	--mem-per-node) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--inner-timeout) inner=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--kvm) kvm=$2; shift 2 ;;
	--kvm-params) kvm_params=$2; shift 2 ;;
	--numa-balancing) numab=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
(($#)) || usage
[[ $nodes == 1 || $nodes == 2 || $nodes == 4 ]] || die "--nodes must be 1, 2 or 4"
[[ $kvm == ours || $kvm == debian ]] || die "--kvm must be ours or debian"
[[ $numab == 0 || $numab == 1 ]] || die "--numa-balancing must be 0 or 1"
[[ $timeout =~ ^[0-9]+$ ]] && ((timeout >= 30)) || die "--timeout must be >= 30 s"
: "${inner:=$((timeout - 30))}"
[[ $inner =~ ^[0-9]+$ ]] || die "--inner-timeout must be a number of seconds"
: "${cpn:=$((nodes == 4 ? 1 : 2))}"
: "${mem:=$((nodes == 4 ? 1024 : 2048))}"
[[ $kvm == debian || -f $OUT/kvm/kvm.ko ]] || die "no $OUT/kvm/kvm.ko: run make kvm"

if [[ -z $work ]]; then
	mkdir -p "$OUT/ehost"
	work=$(mktemp -d "$OUT/ehost/run.XXXXXX")
fi
mkdir -p "$work/.ehost"
work=$(cd "$work" && pwd)
rm -f "$work/rc" "$work/output.log" "$work/serial.log" "$work/dmesg.log"

initrd=$(bash "$(dirname "$0")/mkinitramfs.sh")
# tests/lib/guest.sh notes there each nested guest that reset by itself.
resets=$work/guest-resets

{
	printf 'EHOST_WORK=%q\nGUEST_RESETS=%q\nTOP=%q\nKVM=%q\nKVM_DIR=%q\n' \
		"$work" "$resets" "$TOP" "$kvm" "$(readlink -f "$OUT/kvm")"
	printf 'KVM_PARAMS=%q\nNUMA_BALANCING=%q\nINNER_TIMEOUT=%q\n' \
		"$kvm_params" "$numab" "$inner"
	printf 'set --'
	printf ' %q' "$@"
	printf '\n'
	cat "$(dirname "$0")/driver.sh.in"
} >"$work/.ehost/driver.sh"

numa=()
for ((n = 0; n < nodes; n++)); do
	first=$((n * cpn))
	numa+=(-object "memory-backend-ram,id=m$n,size=${mem}M"
		-numa "node,nodeid=$n,cpus=$first-$((first + cpn - 1)),memdev=m$n")
done
# Neighbours (on a ring) at 21, the node across at 31.
for ((a = 0; a < nodes; a++)); do
	for ((b = a + 1; b < nodes; b++)); do
		d=21
		((nodes == 4 && (b - a) == 2)) && d=31
		numa+=(-numa "dist,src=$a,dst=$b,val=$d")
	done
done

touch "$work/output.log"
if ((!quiet)); then
	tail -n +1 -F "$work/output.log" 2>/dev/null &
	tailpid=$!
	trap 'kill $tailpid 2>/dev/null || true' EXIT
fi

notable='Kernel panic|BUG:|WARNING:|Oops|general protection|RIP:|hung_task|soft lockup|Call Trace'
start=$SECONDS
for attempt in 1 2 3; do
rm -f "$work/rc" "$work/qemu-debug.log" "$work/dmesg.log" "$resets"
: >"$work/output.log"
set +e
timeout -k 10 "$timeout" qemu-system-x86_64 \
	-nodefaults -no-user-config -display none -vga none -no-reboot \
	-machine q35 -accel tcg,thread=multi -cpu "$cpu_model" \
	-m $((nodes * mem))M -smp $((nodes * cpn)),sockets=$nodes,cores=$cpn,threads=1 \
	"${numa[@]}" \
	-kernel "$KERNEL_IMAGE" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 loglevel=4 ehost.top=$TOP ehost.work=$work${append:+ $append}" \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$work,mount_tag=work,security_model=none,multidevs=remap" \
	-serial "file:$work/serial.log" -monitor none \
	-d cpu_reset,guest_errors -D "$work/qemu-debug.log" \
	</dev/null >"$work/qemu.log" 2>&1
qrc=$?
set -e
# QEMU's multi-threaded TCG now and then executes a stale int3 left by the
# emulated kernel's own text patching (jump labels) and that kernel oopses
# in code that was patched correctly: an emulator artifact, not a finding.
# The emulated kernel also triple-faults now and then while nested guests
# run, printing nothing (4 of 22 hosts in one bench; earlier benches saw
# it with kvm-autonuma off in every guest, under hard binding and numad).
# Nested guests end without a word now and then too (guest_stop in
# tests/lib/guest.sh marks it): at boot under every policy of the bench,
# and mid-run, once 4 s before autonumad could first enable kvm-autonuma
# in the guest (bench d, 2026-11-22 21:07).  One also stalled at boot in
# CI, with kvm-autonuma on (tests/lib/guest.sh marks stalls too).
# An emulated CPU also stops now and then, for good: the kernel's RCU
# stall detector sends it an NMI for a backtrace and none comes (seen
# once, CPU 0 of a 2-node host, while the other CPUs waited on it for
# the IPI of a TLB flush; once more in a fresh clone, the host running
# out its timeout).  Nothing the emulated kernel runs can mask an NMI;
# QEMU's thread for that CPU has stopped.  The driver streams dmesg.log
# from boot, so it tells even of a host that never finished; a host that
# died of the stall (the bench sets panic_on_rcu_stall) may have left
# only its console, whose lines end in CR.
stopped_cpu() {
	local log=$work/dmesg.log list part cpu
	[[ -s $log ]] || log=$work/serial.log
	[[ -s $log ]] || return 1
	for list in $(grep -oE 'Sending NMI from CPU [0-9]+ to CPUs [0-9,-]+:' \
		"$log" | awk '{ print $NF }' | tr -d : | sort -u); do
		for part in ${list//,/ }; do
			for cpu in $(seq "${part%-*}" "${part#*-}"); do
				grep -qE "NMI backtrace for cpu $cpu"$'\r?$' "$log" &&
					continue
				echo "$cpu"
				return 0
			done
		done
	done
	return 1
}

# A panic of the emulated kernel that names no frame of kvm.ko or
# kvm-amd.ko (the modules this project patches) is run again once.  CI saw
# one on 2026-11-23: "corrupted stack end detected inside scheduler" in a
# nested QEMU's vCPU thread, during a live migration.  It looks like the
# triple faults above: the emulated host's state corrupted under nested
# guests, which the bench saw with kvm-autonuma off too; a stray write by
# our code would look the same, and the summary of tests/run.sh lists
# every host run again.  A WARN, BUG or oops in KVM prints a "[kvm]" or
# "[kvm_amd]" frame, and a host that panics twice fails.
panic_outside_kvm() {
	local reason
	reason=$(grep -aom1 'Kernel panic - not syncing: .*' "$work/serial.log") ||
		return 1
	! grep -aqE '\[kvm(_amd)?\]' "$work/serial.log" || return 1
	reason=${reason%$'\r'}
	echo "${reason#Kernel panic - not syncing: }"
}

# Run again, twice at most, and say so; each attempt's logs are kept.
artifact=
if [[ ! -s $work/rc || $(<"$work/rc") != 0 ]] && ((attempt < 3)); then
	if grep -q 'Oops: int3' "$work/serial.log"; then
		artifact="the emulated kernel hit QEMU TCG's stale-int3 artifact"
	elif [[ ! -s $work/rc ]] && ((qrc == 0)) &&
		grep -q 'Triple fault' "$work/qemu-debug.log" 2>/dev/null; then
		artifact="the emulated kernel hit a silent triple fault under QEMU TCG"
	elif [[ -s $resets ]]; then
		artifact="COMMAND failed after a nested guest's silent reset or stall ($(head -n1 "$resets"))"
	elif cpu=$(stopped_cpu); then
		artifact="emulated CPU $cpu stopped under QEMU TCG: it answered no NMI"
	elif [[ ! -s $work/rc ]] && ((attempt == 1)) &&
		reason=$(panic_outside_kvm); then
		artifact="the emulated kernel panicked outside KVM ($reason)"
	fi
	# Another artifact may come first in the same run; the guest's line
	# is still what a reader of this run wants to see.
	if [[ -n $artifact && -s $resets && $artifact != COMMAND* ]]; then
		artifact+=", and a nested guest's silent reset or stall ($(head -n1 "$resets"))"
	fi
fi
[[ -n $artifact ]] || break
cp "$work/serial.log" "$work/serial-$attempt.log"
cp "$work/qemu-debug.log" "$work/qemu-debug-$attempt.log" 2>/dev/null || true
cp "$work/output.log" "$work/output-$attempt.log"
cp "$work/dmesg.log" "$work/dmesg-$attempt.log" 2>/dev/null || true
log "ehost: $artifact" \
	"(logs: $work/output-$attempt.log, serial-$attempt.log, qemu-debug-$attempt.log, dmesg-$attempt.log); running again"
done
elapsed=$((SECONDS - start))
sleep 0.5

if ((qrc == 124 || qrc == 137)); then
	rc=124
	log "ehost: timed out after ${timeout}s"
elif [[ -s $work/rc ]]; then
	rc=$(<"$work/rc")
	((rc != 124)) || log "ehost: COMMAND timed out after ${inner}s"
else
	rc=125
	log "ehost: the emulated host ended without reporting (qemu exit $qrc)"
	cat "$work/qemu.log" >&2
	# -no-reboot turns a reset into an exit 0, and a triple fault
	# prints nothing on the serial line: QEMU's log says.
	if grep -q 'Triple fault' "$work/qemu-debug.log" 2>/dev/null; then
		log "ehost: an emulated CPU triple-faulted; CPU state at the reset: $work/qemu-debug.log"
	fi
fi
((!quiet)) || cat "$work/output.log"
if ((rc != 0)); then
	log "ehost: exit $rc after ${elapsed}s; serial log $work/serial.log"
	# What a kernel developer looks for first, then how it ended.
	if grep -qE "$notable" "$work/serial.log"; then
		log "ehost: notable serial lines:"
		grep -E "$notable" "$work/serial.log" | head -n 20 |
			sed 's/^/  serial| /' >&2
	fi
	log "ehost: last serial lines:"
	tail -n 40 "$work/serial.log" | sed 's/^/  serial| /' >&2
fi
exit "$rc"
