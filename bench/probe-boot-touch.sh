#!/bin/bash
# bench/probe-boot-touch.sh [BOOTS [SETTINGS]]: how often a nested guest is
# lost while it boots and first touches its memory, with kvm-autonuma at
# its fastest settings (tests/host/qemu-migration's source guest) and with
# it off.  SETTINGS ("fast off") may also name hints-only: the fastest
# settings with a free-memory watermark no node meets, so that QEMU moves
# no page while KVM hints as often.
#
# In one 2-node emulated host, BOOTS times (12) for each setting in turn, a
# memtouch guest (verify mode, 128 MiB, 2 vCPUs, as in that test) boots
# and runs 20 s past its second report.  A boot is good when the guest
# reports, sweeps on, and its kernel printed no oops, stall or panic.
# Prints a line per boot, then a RESULT line per setting, with the
# emulated host's kvm-rflags-tripwire reports when its KVM carries
# bench/experiments/kvm-svm-rflags-tripwire.patch.  A diagnostic for
# nested guests lost at those settings (bench/results/peers-targets.md).
set -euo pipefail
. "$(dirname "$0")/../scripts/config.sh"

if [[ ${1:-} != --inner ]]; then
	boots=${1:-12} settings=${2:-fast off}
	n=$(wc -w <<<"$settings")
	exec "$TOP/tests/ehost/ehost.sh" --nodes 2 \
		--timeout $((boots * n * 150 + 120)) \
		--inner-timeout $((boots * n * 150 + 60)) \
		--work "$OUT/ehost/probe-boot-touch" -- \
		bash "$0" --inner "$boots" "$settings"
fi
boots=$2 settings=$3

. "$TOP/tests/lib/guest.sh"
set +e
# loglevel=5 prints the guest kernel's warnings, which its default hides.
args=(--cmd memtouch --smp 2 --mem 384 --catch-reset
	--append "memtouch.mib=128 memtouch.verify=1 loglevel=5")
declare -A good lost trips

tripwires() { dmesg | grep -c 'kvm-rflags-tripwire:'; }

# One boot; prints a line, fails if the guest was lost.
boot() { # NAME ACCEL
	local s0 s1 log why='' moved
	log=$(guest_log "$1")
	if ! guest_start_ready "$1" 300 'memtouch: t=2 ' 180 "${args[@]}" \
		--accel "$2" >"$GUEST_DIR/$1.probe" 2>&1; then
		why="no second report"
	else
		s0=$(guest_memtouch_sweeps "$1")
		sleep 20
		s1=$(guest_memtouch_sweeps "$1")
		if ! kill -0 "${GUEST_PID[$1]}" 2>/dev/null ||
			guest_qmp "$1" query-status | grep -q '"status": "shutdown"'; then
			why="reset or exited"
		elif ((${s0:-0} >= ${s1:-0})); then
			why="sweeps ${s0:-none} -> ${s1:-none} in 20 s"
		fi
	fi
	# Every boot warns once of the xstate sizes QEMU TCG's -cpu max gives.
	if [[ -z $why ]] &&
		grep -aE 'Oops|BUG:|Kernel panic|rcu: INFO|soft lockup|WARNING:' "$log" |
		grep -qv 'xstate\.c:'; then
		why="its kernel complained"
	fi
	# What kvm-autonuma did: pages QEMU moved, and refused for the watermark.
	moved=$(guest_qmp "$1" query-autonuma 2>/dev/null | python3 -c '
import json, sys
try:
    m = json.load(sys.stdin)["migration"]
    print("; %d pages moved, %d skipped" % (m["moved"], m["skipped-full"]))
except (ValueError, KeyError):
    pass')
	if [[ -z $why ]]; then
		echo "$1: good$moved"
		guest_stop "$1" >/dev/null
		return 0
	fi
	echo "$1: LOST ($why)$moved"
	cat "$GUEST_DIR/$1.probe"
	guest_registers "$1"
	guest_stop "$1"
	guest_print_log "$1"
	return 1
}

declare -A accels=([fast]="$GUEST_ACCEL_FASTEST" [off]=kvm
	[hints-only]="$GUEST_ACCEL_FASTEST,autonuma-free-watermark=1000000")
for setting in $settings; do
	[[ -n ${accels[$setting]:-} ]] || { echo "no setting $setting"; exit 2; }
done
for ((b = 1; b <= boots; b++)); do
	for setting in $settings; do
		accel=${accels[$setting]}
		t0=$(tripwires)
		if boot "$setting-$b" "$accel"; then
			good[$setting]=$((${good[$setting]:-0} + 1))
		else
			lost[$setting]=$((${lost[$setting]:-0} + 1))
		fi
		trips[$setting]=$((${trips[$setting]:-0} + $(tripwires) - t0))
	done
done
for setting in $settings; do
	echo "RESULT $setting: ${good[$setting]:-0} good, ${lost[$setting]:-0} lost, ${trips[$setting]} tripwire reports"
done
dmesg | grep 'kvm-rflags-tripwire:' | head -n 40
exit 0
