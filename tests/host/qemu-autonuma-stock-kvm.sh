#!/bin/bash
# ehost: --nodes 2 --kvm debian --timeout 200
# On Debian's own kvm modules (no KVM_CAP_AUTONUMA), our QEMU refuses
# -accel kvm,autonuma=on with a message that names the missing capability,
# and with autonuma left off it runs a guest as any QEMU does.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/guest.sh"

check "Debian's kvm is loaded (no version stamp)" \
	test ! -e /sys/module/kvm/version
out=$(guest_run refused 60 --accel kvm,autonuma=on 2>&1)
rc=$?
echo "$out" | head -5
check "autonuma=on fails without KVM_CAP_AUTONUMA (exit $rc)" test "$rc" != 0
check "the failure names KVM_CAP_AUTONUMA" grep -q 'needs KVM_CAP_AUTONUMA' <<<"$out"
check "with autonuma off the guest boots" guest_run plain 150
exit $FAILED
