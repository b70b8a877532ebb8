#!/bin/bash
# The emulated host harness fails loudly and never hangs: a command that
# hangs, a host that stops answering, and a host kernel that crashes are
# each reported as failures with the serial log, within their timeouts;
# a host that triple-faults or whose CPU stops is run again, a host that
# panics outside KVM once, and so is a command that failed after a nested
# guest's silent reset, stall or stale int3.
. "$TOP/tests/lib/tap.sh"
ehost=$TOP/tests/ehost/ehost.sh

run() { # NAME EHOST-ARGS... -- COMMAND: sets rc, took, out
	local name=$1 start=$SECONDS
	shift
	out=$("$ehost" --quiet --work "$TOP/out/ehost/$name" "$@" 2>&1)
	rc=$?
	took=$((SECONDS - start))
	printf '%s\n' "$out" | sed "s/^/  $name| /"
}

# For a scenario whose first attempt must fail its own way: any boot may
# hit TCG's stale int3 first, and ehost.sh then spends its runs again on
# that (seen in a fresh clone's guest-reset-once).  Such a scenario starts
# over once, in a clean work directory.
run_fresh() { # NAME EHOST-ARGS... -- COMMAND
	local try
	for try in 1 2; do
		rm -rf "$TOP/out/ehost/$1"
		run "$@"
		grep -q "stale-int3 artifact" <<<"$out" || return 0
		echo "  $1: a boot hit TCG's stale int3; the scenario starts over"
	done
}

run hang-command --timeout 40 -- sleep 1000
check "a hung command fails with 124 (got $rc)" test "$rc" = 124
check "a hung command is stopped by the inner timeout (${took}s)" test "$took" -le 40
check "a hung command's failure says so" grep -q 'COMMAND timed out after 10s' <<<"$out"
check "a hung command's failure shows the serial log" grep -q 'serial| .*ehost-init: driver exited' <<<"$out"

run hang-host --timeout 40 --inner-timeout 600 -- sleep 1000
check "a host that never reports fails with 124 (got $rc)" test "$rc" = 124
check "the watchdog stops it at its timeout (${took}s)" test "$took" -le 55
check "the host's failure says it timed out" grep -q 'timed out after 40s' <<<"$out"

# A panic outside KVM's code is run again once, as a triple fault is; a
# host that panics again fails.
run crash-host --timeout 120 -- bash -c 'echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger'
check "a crashed host fails with 125 (got $rc)" test "$rc" = 125
check "a crashed host's failure shows the panic" grep -q 'serial| .*Kernel panic' <<<"$out"
check "a panic outside KVM is reported, and the host run again once" \
	test "$(grep -c 'panicked outside KVM (sysrq triggered crash).*running again' <<<"$out")" = 1
# A panic whose log names a frame of kvm.ko is the project's to find: it
# fails at once.  The frame is written to the log as an oops would print it.
run crash-in-kvm --timeout 60 -- bash -c '
	echo "<2>kvm_tdp_mmu_map+0x1/0x2 [kvm]" >/dev/kmsg
	echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger'
check "a panic in KVM fails with 125 (got $rc)" test "$rc" = 125
check "... and is not run again" bash -c '! grep -q "running again" <<<"$1"' _ "$out"
# A host whose kernel triple-faults (what TCG's emulated hosts do now and
# then under nested guests) is run again: this one triple-faults on its
# first boot only, through the reboot path's empty IDT.  A nested guest's
# reset noted in the same run is reported along with it.
rm -rf "$TOP/out/ehost/triple-once"
run triple-once --timeout 120 -- bash -c '
	[[ -e $EHOST_WORK/tripled ]] && exit 0
	touch "$EHOST_WORK/tripled"
	echo "guest t: reset without a word before its command ended" >>"$GUEST_RESETS"
	sync
	echo triple >/sys/kernel/reboot/type
	echo 1 >/proc/sys/kernel/sysrq; echo b >/proc/sysrq-trigger'
check "a host that triple-faulted once passes on its second boot (got $rc)" test "$rc" = 0
check "the triple fault is reported, and the host run again" \
	grep -q 'hit a silent triple fault under QEMU TCG.*running again' <<<"$out"
check "... with the nested guest's reset of the same run" \
	grep -q 'triple fault under QEMU TCG, and a nested guest.s silent reset or stall (guest t: reset without a word.*running again' <<<"$out"
# Any boot may also hit TCG's stale int3 first (a fresh run did): the
# triple fault is in one of the kept logs, not always the first.
check "the triple-faulted boot's QEMU log is kept, with the triple fault" \
	grep -q 'Triple fault' "$TOP"/out/ehost/triple-once/qemu-debug-[0-9].log

# An emulated CPU that stops for good (TCG's, seen in CI) leaves the host
# running out its timeout: the kernel's RCU stall detector asked it for a
# backtrace by NMI and none came.  The request is written at KERN_INFO,
# below the console's level, so only the driver's streamed dmesg.log has
# it; the host is run again, and this one hangs on its first boot only.
run_fresh cpu-stopped-once --timeout 60 --inner-timeout 600 -- bash -c '
	[[ -e $EHOST_WORK/stopped ]] && exit 0
	touch "$EHOST_WORK/stopped"
	echo "<6>Sending NMI from CPU 1 to CPUs 0:" >/dev/kmsg
	sleep 1000'
check "a host whose CPU answered no NMI passes on its second boot (got $rc)" test "$rc" = 0
check "the stopped CPU is reported, and the host run again" \
	grep -q 'emulated CPU 0 stopped under QEMU TCG: it answered no NMI.*running again' <<<"$out"
check "the hung boot's streamed kernel log is kept" \
	grep -q 'Sending NMI from CPU 1 to CPUs 0:' "$TOP"/out/ehost/cpu-stopped-once/dmesg-[0-9].log

# A command that fails after a nested guest reset without a word (what
# nested guests under TCG do now and then) is run again; here the guest
# triple-faults in the first run only.
run_fresh guest-reset-once --timeout 300 -- bash -c '
	. tests/lib/guest.sh
	cmd=boot
	[[ -e $EHOST_WORK/reset ]] || { touch "$EHOST_WORK/reset"; cmd=triple; }
	guest_run g 120 --cmd $cmd --smp 1 --mem 256
	grep -q "guest: $cmd exited with 0" "$(guest_log g)"'
check "a host command that failed after a guest reset passes on its second run (got $rc)" test "$rc" = 0
check "the guest's reset is reported, and the command run again" \
	grep -q "nested guest.s silent reset or stall (guest g: reset without a word.*running again" <<<"$out"
check "the reset run's output is kept, with the reset" \
	grep -q 'guest g: reset without a word' "$TOP"/out/ehost/guest-reset-once/output-[0-9].log

# The same for a libvirt domain, which a guest reset ends.
run_fresh libvirt-reset-once --timeout 300 -- bash -c '
	. tests/lib/guest.sh
	. tests/lib/libvirt.sh
	trap libvirt_stop EXIT
	cmd=boot
	[[ -e $EHOST_WORK/reset ]] || { touch "$EHOST_WORK/reset"; cmd=triple; }
	libvirt_start >/dev/null || exit 1
	libvirt_domain_xml r 256 1 "guest.cmd=$cmd" >"$EHOST_WORK/r.xml"
	# Defined, not created: libvirt forgets a transient domain that ends.
	lv define "$EHOST_WORK/r.xml" >/dev/null && lv start r >/dev/null || exit 1
	# Its command ends with a power-off: the log is read after the state.
	for ((i = 0; i < 120; i++)); do
		libvirt_running r
		up=$?
		grep -q "guest: $cmd exited with 0" "$(guest_log r)" && exit 0
		((up == 0)) || exit 1
		sleep 1
	done
	exit 1'
check "a libvirt domain's reset is reported, and the command run again (got $rc)" \
	grep -q "nested guest.s silent reset or stall (guest r: reset without a word.*running again" <<<"$out"
check "... and the command passes on its second run" test "$rc" = 0
check "... and libvirt's reason is kept" \
	grep -q 'domain r: shut off (shutdown)' "$TOP"/out/ehost/libvirt-reset-once/output-[0-9].log

# A guest whose kernel printed LINE in the command's first run only.  A
# real stall or stale int3 cannot be had on demand: the guest is paused and
# the kernel's line is appended to its serial log, as CI's guests printed it.
run_guest_line_once() { # NAME LINE
	run_fresh "$1" --timeout 300 -- bash -c '
	. tests/lib/guest.sh
	guest_start_ready g 200 "memtouch: t=1 " 120 --cmd memtouch --smp 1 \
		--mem 256 --append memtouch.mib=16 || exit 1
	if [[ ! -e $EHOST_WORK/printed ]]; then
		touch "$EHOST_WORK/printed"
		guest_qmp g stop >/dev/null
		echo '"$(printf %q "$2")"' >>"$(guest_log g)"
		guest_stop g
		exit 1
	fi
	guest_stop g'
}

# The same after a guest whose kernel reports an RCU stall.
run_guest_line_once guest-stall-once "rcu: INFO: rcu_sched self-detected stall on CPU"
check "a host command that failed after a guest's stall passes on its second run (got $rc)" test "$rc" = 0
# A slow machine may make the guest's kernel report a real stall or a soft
# lockup before the appended line: either is the stall being reported.
check "the stall is reported, with KVM's event rates, and the command run again" \
	grep -qE "silent reset or stall \(guest g: its kernel is stuck \((rcu: INFO: |watchdog: BUG: soft lockup).*running again" <<<"$out"
check "the stalled run's output has the guest's KVM event rates" \
	grep -q 'kvm| exits ' "$TOP"/out/ehost/guest-stall-once/output-[0-9].log

# The same after a guest that hit TCG's stale int3, which no
# guest_start_ready retried (libvirt's guest in a fresh clone's make test).
run_guest_line_once guest-int3-once "Oops: int3: 0000 [#1] PREEMPT SMP NOPTI"
check "a host command that failed after a guest's stale int3 passes on its second run (got $rc)" test "$rc" = 0
check "the stale int3 is reported, and the command run again" \
	grep -q "silent reset or stall (guest g: its kernel hit TCG's stale int3 (Oops: int3)).*running again" <<<"$out"

check "no emulated host is left running" bash -c "! pgrep -f 'ehost.work=$TOP/out/ehost/(hang|crash|triple|cpu-stopped|guest-reset|libvirt-reset|guest-stall|guest-int3)'"
exit $FAILED
