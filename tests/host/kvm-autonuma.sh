#!/bin/bash
# ehost: --nodes 2 --timeout 600
# KVM_CAP_AUTONUMA on our kvm modules, with the selftests of
# tests/kselftest (their own guest code, no QEMU): scanner, hinting faults,
# candidates, huge pages, the switches, memslot and VM teardown.  Then no
# warning, BUG or lockdep report may have reached the kernel log.
. "$TOP/tests/lib/tap.sh"

for t in smoke_test autonuma_test; do
	"$TOP/out/kselftest/$t"
	rc=$?
	((rc == 0)) || fail "$t exited with $rc"
done

bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|lockdep|circular locking|sleeping function called')
if [[ -z $bad ]]; then
	pass "kernel log clean after the autonuma selftests"
else
	fail "kernel log clean after the autonuma selftests" "$bad"
	dmesg | tail -n 60
fi
exit $FAILED
