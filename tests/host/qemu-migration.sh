#!/bin/bash
# ehost: --nodes 2 --timeout 900
# Live migration keeps working with kvm-autonuma: our QEMU with autonuma on
# at its fastest settings to our QEMU with it on, to Debian's stock QEMU
# 7.2, and stock to ours.  The guest (memtouch verify) writes every page of
# 128 MiB over and over and checks that each page holds the value of its
# previous sweep, so a dirty page lost by the migration shows up on the
# destination as a MISMATCH (as QEMU's migration-test checks the guest's
# pattern).  auto-converge throttles the guest so that pre-copy finishes
# after several dirty passes.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/guest.sh"

STOCK=/usr/bin/qemu-system-x86_64
FAST=$GUEST_ACCEL_FASTEST
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

migrate() { # NAME SRC-QEMU SRC-ACCEL DST-QEMU DST-ACCEL
	local name=$1 port=$((4440 + RANDOM % 500)) status
	local args=(--cmd memtouch --smp 2 --mem 384 --catch-reset
		--append "memtouch.mib=128 memtouch.verify=1")

	guest_start_ready "$name-src" 400 'memtouch: t=2 ' 180 "${args[@]}" \
		--qemu "$2" --accel "$3" || {
		fail "$name: source guest runs"
		guest_stop "$name-src"
		return
	}
	guest_start "$name-dst" 400 "${args[@]}" --qemu "$4" --accel "$5" \
		-- -incoming "tcp:127.0.0.1:$port" || {
		fail "$name: destination starts"
		guest_stop "$name-src"
		return
	}
	guest_migrate "$name-src" "$port" 300
	status=$MIGRATE_STATUS
	info=$(guest_qmp "$name-src" query-migrate 2>/dev/null)
	[[ $info == "{"* ]] || info='{}'
	echo "$name: $status after ${MIGRATE_SECONDS}s: $(jget "d.get('ram', {}).get('dirty-sync-count'), 'dirty syncs,', d.get('ram', {}).get('transferred'), 'bytes'" <<<"$info")"
	check "$name: migration completes" test "$status" = completed
	if [[ $status == completed ]]; then
		local s0 s1
		s0=$(guest_memtouch_sweeps "$name-dst")
		sleep 10
		s1=$(guest_memtouch_sweeps "$name-dst")
		echo "$name: destination sweeps ${s0:-none} -> ${s1:-none} in 10 s"
		if ((${s0:-0} < ${s1:-0})); then
			pass "$name: the guest runs on at the destination"
		else
			fail "$name: the guest runs on at the destination"
			guest_print_log "$name-dst"
		fi
		if grep -q MISMATCH "$(guest_log "$name-dst")"; then
			fail "$name: every page arrived (no MISMATCH)"
			grep MISMATCH "$(guest_log "$name-dst")" | head
		else
			pass "$name: every page arrived (no MISMATCH)"
		fi
	fi
	guest_stop "$name-src"
	guest_stop "$name-dst"
}

migrate "ours-to-ours" "$OUR_QEMU" "$FAST" "$OUR_QEMU" "$FAST"
migrate "ours-to-stock" "$OUR_QEMU" "$FAST" "$STOCK" kvm
migrate "stock-to-ours" "$STOCK" kvm "$OUR_QEMU" "$FAST"
exit $FAILED
