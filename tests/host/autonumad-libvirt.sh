#!/bin/bash
# ehost: --nodes 2 --timeout 700
# autonumad with a real libvirtd: a domain that carries
# <autonuma:autonuma state="on"/> in its metadata is found, enabled and
# placed through libvirt; the element steers it (off, removed, malformed,
# autonumactl vm enable); it is set up again after libvirt restores it from
# a migration stream (virsh save/restore); a libvirtd restart is survived.
# kernel.numa_balancing=0.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/guest.sh"
. "$TOP/tests/lib/libvirt.sh"
. "$TOP/tests/lib/autonumad.sh"

NS=urn:kvm-autonuma:libvirt:1.0
dom=web
cleanup() { ad_stop; libvirt_stop; }
trap cleanup EXIT

libvirt_start || { fail "libvirtd starts"; exit 1; }
ad_start "[daemon]
period=500
anti-thrash-interval=5000
libvirt-uri=qemu:///system" || { fail "autonumad starts"; exit 1; }

cpus0=$(cat /sys/devices/system/node/node0/cpulist)
cpus1=$(cat /sys/devices/system/node/node1/cpulist)
# Booted with its vCPUs on node 0, so that its memory is there.
libvirt_domain_xml "$dom" 448 2 "guest.cmd=memtouch memtouch.mib=192" \
	"<autonuma:autonuma xmlns:autonuma='$NS' state='on' scan-period-min='500' hint-percent='50'/>" \
	"<cputune><vcpupin vcpu='0' cpuset='$cpus0'/><vcpupin vcpu='1' cpuset='$cpus0'/></cputune>" \
	>"$EHOST_WORK/$dom.xml"
lv define "$EHOST_WORK/$dom.xml" >/dev/null && lv start "$dom" >/dev/null ||
	{ fail "the domain starts"; sed 's/^/  libvirtd| /' "$LIBVIRT_LOG"; exit 1; }
qemu_enabled() {
	lv qemu-monitor-command "$dom" '{"execute":"query-autonuma"}' |
		grep -q "\"enabled\":$1"
}
check "autonumad enables kvm-autonuma in the domain's QEMU" ad_wait 60 qemu_enabled true
grep -E "info: .*$dom" "$AD_LOG" | head -5
# Every later check needs the domain; one that ended by itself fails here,
# with how it ended, rather than as the next check's odd symptom.
running() {
	libvirt_running "$dom" && return 0
	fail "the domain runs until the test ends ($1)"
	ad_print_log
	exit 1
}
guest_wait_log_file() { grep -q 'memtouch: ready' "$(guest_log "$dom")"; }
ad_wait 180 guest_wait_log_file || { fail "the guest's workload starts"; guest_print_log "$dom"; exit 1; }

# Lee Schermerhorn's case: something moves the vCPUs to node 1.
qpid=$(pgrep -f "guest=$dom," | head -n1)
lv vcpupin "$dom" 0 "$cpus1" --live >/dev/null
lv vcpupin "$dom" 1 "$cpus1" --live >/dev/null
ad_check_converged "$qpid" 180
running "after the vCPUs moved"
ad_ctl vm stats "$dom"
# autonumad pins through libvirt: libvirt's view is the truth.
home=$(ad_vm "$dom" 'd["home-nodes"][0]')
home_cpus=$(cat "/sys/devices/system/node/node$home/cpulist")
pins=$(lv vcpupin "$dom" --live | awk '$1 ~ /^[0-9]+$/ {print $2}' | sort -u)
echo "virsh vcpupin: $pins (node $home: $home_cpus)"
check "libvirt's vcpupin shows autonumad's placement" \
	test -n "$pins" -a "$pins" = "$home_cpus"

# The element steers it.
lv metadata "$dom" "$NS" --key autonuma --set '<autonuma state="off"/>' --live
check "state=\"off\" in the metadata disables it" ad_wait 20 qemu_enabled false
check "autonumactl vm enable writes the metadata" ad_ctl vm enable "$dom"
lv metadata "$dom" "$NS" --live
check "... and that enables it" ad_wait 20 qemu_enabled true
lv metadata "$dom" "$NS" --key autonuma --set '<autonuma state="maybe"/>' --live
check "a malformed element is logged" ad_wait 10 grep -q \
	"$dom: bad <autonuma:autonuma> metadata: state must be \"on\" or \"off\", not \"maybe\"" "$AD_LOG"
sleep 2
check "... and changes nothing" qemu_enabled true
check "... and the domain keeps running" test "$(lv domstate "$dom")" = running
lv metadata "$dom" "$NS" --remove --live
check "removing the element disables it" ad_wait 20 qemu_enabled false
running "after the metadata steered it"

# virsh save/restore: a new QEMU from a migration stream, off at start.
lv metadata "$dom" "$NS" --key autonuma --set '<autonuma state="on"/>' --live --config
ad_wait 20 qemu_enabled true
if lv save "$dom" /tmp/$dom.save >/dev/null && lv restore /tmp/$dom.save >/dev/null; then
	check "after an incoming migration stream it is enabled again" \
		ad_wait 60 qemu_enabled true
	check "... and the guest runs on" test "$(lv domstate "$dom")" = running
else
	fail "virsh save and restore"
fi

# libvirtd goes away and comes back; autonumad serves on and reconnects.
libvirt_restart >/dev/null || fail "libvirtd restarts"
check "autonumad answers while libvirtd was away" ad_ctl host status
seen() { [[ $(ad_vm "$dom" 'd["state"]') == ok ]]; }
check "after a libvirtd restart autonumad finds the domain again" ad_wait 30 seen
grep -E "libvirt" "$AD_LOG" | tail -4

ad_stop
check "SIGTERM: clean exit" test $? = 0
lv destroy "$dom" >/dev/null
((FAILED)) && ad_print_log
exit $FAILED
