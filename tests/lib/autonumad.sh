# autonumad and autonumactl inside the emulated host, for tests and the
# demo.  Sourced after guest.sh.
#
#   ad_start CONFIG-TEXT      start autonumad with that configuration
#   ad_stop                   SIGTERM, wait for a clean exit
#   ad_ctl ARGS...            autonumactl against our daemon
#   ad_vm VM PYEXPR           a field of VM's entry in the status ("d")
#   ad_wait SECONDS COMMAND   poll COMMAND every 0.5 s until it succeeds
#   ad_check_converged PID SECONDS   PASS or FAIL: ad_converged in time

: "${TOP:?}" "${EHOST_WORK:?}"
AD_BIN=$TOP/out/tools/bin
AD_DIR=/tmp/autonumad
AD_SOCK=$AD_DIR/control.sock
AD_LOG=$EHOST_WORK/autonumad.log
AD_PID=

ad_start() {
	mkdir -p "$AD_DIR"
	printf '%s\n' "$1" >"$AD_DIR/autonumad.conf"
	"$AD_BIN/autonumad" --config "$AD_DIR/autonumad.conf" \
		--control-socket "$AD_SOCK" >>"$AD_LOG" 2>&1 &
	AD_PID=$!
	# Loading it and its libraries over 9p takes seconds on a busy
	# emulated host (four running guests: about 10 s).
	ad_wait 60 test -S "$AD_SOCK" || {
		echo "autonumad did not start:"
		sed 's/^/  autonumad| /' "$AD_LOG"
		return 1
	}
}

ad_stop() {
	[[ -n $AD_PID ]] || return 0
	kill -TERM "$AD_PID" 2>/dev/null
	timeout 10 tail --pid="$AD_PID" -f /dev/null
	wait "$AD_PID"
	local rc=$?
	AD_PID=
	return "$rc"
}

ad_ctl() { timeout 20 "$AD_BIN/autonumactl" --control-socket "$AD_SOCK" "$@"; }

ad_vm() {
	ad_ctl --json vm stats "$1" 2>/dev/null |
		python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

ad_wait() {
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

ad_print_log() {
	echo "--- autonumad log ($AD_LOG), last 40 lines ---"
	tail -n 40 "$AD_LOG" | sed 's/^/  autonumad| /'
}

# Whether QEMU PID's vCPUs all sit, pinned, on the node that holds at least
# 90% of its guest RAM (numa_maps, the kernel's truth).
ad_converged() {
	"$AD_BIN/vm-placement" --pid "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
ram = d["ram-bytes-per-node"]
home = max(range(len(ram)), key=lambda n: ram[n])
ok = ram[home] >= 0.9 * sum(ram) and all(v["affinity-node"] == home for v in d["vcpus"])
sys.exit(0 if ok else 1)'
}

ad_check_converged() {
	local start=$SECONDS
	if ad_wait "$2" ad_converged "$1"; then
		pass "vCPUs and memory converge on one node ($((SECONDS - start)) s)"
	else
		fail "vCPUs and memory converge on one node within $2 s"
		"$AD_BIN/vm-placement" --pid "$1"
	fi
}
