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
# timeout, say so, and print the guest's serial log.  Its kernel logs to the
# serial port from its first line, so the log has content however slowly
# the emulated host boots it.
start=$SECONDS
out=$(guest_run hang 30 --cmd hang --append loglevel=8)
rc=$?
took=$((SECONDS - start))
echo "$out"
check "a hung guest fails with the timeout status (got $rc)" test "$rc" = 124
check "a hung guest is stopped within its timeout (${took}s)" test "$took" -le 40
check "a hung guest's failure names the timeout" grep -q 'timed out after 30s' <<<"$out"
shown() { [[ -n $1 && $out == *"$1"* ]]; }
check "a hung guest's failure shows its serial log" \
	shown "$(tail -n 20 "$(guest_log hang)" | sed 's/^/  guest| /')"
check "no guest QEMU is left running" bash -c '! pgrep -f "[g]uest=hang,"'
exit $FAILED
