#!/bin/bash
# ehost: --nodes 2 --timeout 600
# KVM_CAP_AUTONUMA on our kvm modules, with the selftests of
# tests/kselftest (their own guest code, no QEMU): scanner, hinting faults,
# candidates, huge pages, the switches, memslot and VM teardown.  Then no
# warning, BUG or lockdep report may have reached the kernel log.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/trace.sh"

for t in smoke_test autonuma_test; do
	"$TOP/out/kselftest/$t"
	rc=$?
	((rc == 0)) || fail "$t exited with $rc"
done

# The tracepoints name what the stats count: the remote subtest again
# (its checks already counted above), traced; the trace stays in the work
# directory.
trace_start kvm_autonuma
"$TOP/out/kselftest/autonuma_test" remote >/dev/null
rc=$?
trace_stop kvm_autonuma "$EHOST_WORK/autonuma-remote.trace"
trace=$(grep kvm_autonuma_ "$EHOST_WORK/autonuma-remote.trace")
((rc == 0)) || fail "autonuma_test remote, traced, exited with $rc"
# The subtest's vCPU runs on node 1; its memory is on node 0 and node 1.
remote=$(grep -c 'kvm_autonuma_fault: .* page node 0 vcpu node 1 .* candidate$' <<<"$trace")
local_q=$(grep -c 'kvm_autonuma_fault: .* page node 1 vcpu node 1 .* candidate$' <<<"$trace")
local_all=$(grep -c 'kvm_autonuma_fault: .* page node 1 vcpu node 1 ' <<<"$trace")
if ((remote > 0)); then
	pass "trace: remote faults that make their page a candidate"
else
	fail "trace: remote faults that make their page a candidate" "$(head -n 5 <<<"$trace")"
fi
if ((local_all > 0 && local_q == 0)); then
	pass "trace: local faults, no candidate"
else
	fail "trace: local faults, no candidate" "$local_all local, $local_q candidates"
fi
if grep -qE 'kvm_autonuma_pass: faults local [0-9]+ remote [1-9][0-9]* misplaced [0-9]+ -> period [0-9]+ ms shift [0-9]' <<<"$trace"; then
	pass "trace: each pass's judgement, with its remote faults"
else
	fail "trace: each pass's judgement, with its remote faults" "$(head -n 5 <<<"$trace")"
fi

bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|lockdep|circular locking|sleeping function called')
if [[ -z $bad ]]; then
	pass "kernel log clean after the autonuma selftests"
else
	fail "kernel log clean after the autonuma selftests" "$bad"
	dmesg | tail -n 60
fi
exit $FAILED
