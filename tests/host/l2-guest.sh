#!/bin/bash
# ehost: --nodes 2 --timeout 200
# A nested Linux guest boots with our QEMU on our kvm modules, on nested
# paging, and a hung guest is caught by its timeout with its log shown.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/guest.sh"

v=$("$OUR_QEMU" -version)
echo "$v"
check "our QEMU reports the kvm-autonuma version" grep -q '^kvm-autonuma version ' <<<"$v"
check "our QEMU is the build in out/ ($(cat "$TOP/out/qemu-version"))" \
	grep -q "kvm-autonuma $(cat "$TOP/out/qemu-version")" <<<"$v"
check "Debian's QEMU is not ours" \
	bash -c '! qemu-system-x86_64 -version | grep -q kvm-autonuma'

start=$SECONDS
if guest_run boot 150 --smp 2 --mem 512; then
	line=$(grep GUEST-BOOTED "$(guest_log boot)")
	echo "guest booted in $((SECONDS - start)) s: $line"
	check "the L2 guest booted on KVM with 2 vCPUs" grep -q 'cpus=2 ' <<<"$line"
else
	fail "the L2 guest booted on KVM with 2 vCPUs"
fi

# The broken guest: it never powers off.  guest_run must give up after its
# timeout, say so, and print the guest's serial log.
start=$SECONDS
out=$(guest_run hang 20 --cmd hang)
rc=$?
took=$((SECONDS - start))
echo "$out"
check "a hung guest fails with the timeout status (got $rc)" test "$rc" = 124
check "a hung guest is stopped within its timeout (${took}s)" test "$took" -le 30
check "a hung guest's failure names the timeout" grep -q 'timed out after 20s' <<<"$out"
check "a hung guest's failure shows its serial log" grep -q 'guest| GUEST-HANGING' <<<"$out"
check "no guest QEMU is left running" bash -c '! pgrep -f "[g]uest=hang,"'
exit $FAILED
