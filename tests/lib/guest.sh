# Nested (L2) guests inside the emulated host, for tests and the demo.
# Sourced.  Every guest runs under a timeout; a guest that fails or hangs
# has its serial log printed.
#
#   guest_run NAME TIMEOUT [guest options] [-- qemu args]   foreground
#   guest_start NAME TIMEOUT [guest options] [-- qemu args] background
#   guest_wait_log NAME REGEX TIMEOUT
#   guest_start_ready NAME TIMEOUT REGEX WAIT [guest options] [-- qemu args]
#                           guest_start, then guest_wait_log, with one more
#                           try if guest_artifact blames the emulator
#   guest_artifact NAME     true if the guest failed from a known TCG
#                           artifact, which it names
#   guest_stop NAME
#   guest_qmp NAME COMMAND [ARGS-JSON]
#   guest_registers NAME    print its vCPUs' registers (HMP), for a post-mortem
#   guest_kvm_rates NAME    print its VM's KVM event rates and commonest page
#                           faults; guest_print_log and guest_stop do, and
#                           mark it for ehost.sh, if its kernel stalled
#   guest_migrate NAME PORT TIMEOUT   live migration, status in MIGRATE_STATUS
#   guest_memtouch_sweeps NAME   sweeps a memtouch guest has reported
#   guest_pin_vcpus NAME NODE   pin all of its vCPU threads to NODE's CPUs
#   qemu_pin_vcpus PID NODE the same for any QEMU process (libvirt's too)
#   qemu_vcpu_tids PID      vCPU thread IDs of a QEMU process, in vCPU order
#   pin_threads CPULIST TID...
#   node_cpus NODE          the host node's CPUs, as taskset takes them
#
# guest options: --cmd C (a script of tests/guest/cmd, default boot),
# --smp N (2), --mem MIB (512), --qemu BIN (our build), --append TEXT,
# --wrap "CMD ARGS" (run QEMU under it, e.g. numactl), --accel OPTS
# (default kvm), --catch-reset (a background guest that resets by itself
# is paused, not ended, so that guest_stop can print its registers).

: "${TOP:?}" "${EHOST_WORK:?}" "${GUEST_RESETS:?}"
GUEST_KERNEL=/boot/vmlinuz-6.12.117+deb12-amd64
GUEST_INITRD=$TOP/out/guest/initramfs.cpio.gz
OUR_QEMU=$TOP/out/qemu-system-x86_64
GUEST_DIR=$EHOST_WORK/guests
mkdir -p "$GUEST_DIR"
declare -gA GUEST_PID GUEST_CATCH GUEST_STUCK

# Unix sockets cannot live on 9p: they go to the emulated host's tmpfs.
GUEST_SOCK_DIR=/tmp/guests
mkdir -p "$GUEST_SOCK_DIR"
guest_qmp_sock() { echo "$GUEST_SOCK_DIR/$1.qmp"; }
# Serial logs too: QEMU writes a serial console a byte at a time, from the
# vCPU thread, and on the 9p work directory each byte was a round trip to
# the real machine that the vCPU waited for.  A guest's log is copied to
# GUEST_DIR when it ends, and the driver copies what is left
# (tests/ehost/driver.sh.in).
guest_log() { echo "$GUEST_SOCK_DIR/$1.serial"; }
_guest_keep_log() { cp "$(guest_log "$1")" "$GUEST_DIR/" 2>/dev/null || true; }

guest_print_log() {
	echo "--- serial log of guest $1 ($(guest_log "$1")) ---"
	tail -n 60 "$(guest_log "$1")" 2>/dev/null | sed 's/^/  guest| /'
	echo "--- end of serial log of guest $1 ---"
	_guest_stuck "$1"
}

# A nested guest whose kernel reports itself stuck: an RCU stall or a soft
# lockup.  Seen in CI (2026-11-23, host/autonumad-libvirt): at boot, the
# vCPU sat at the first instruction of an initcall while timer interrupts
# still came.  Whose fault is not established; it is marked for ehost.sh
# like a silent reset, with the rates of the VM's KVM events, which tell a
# fault loop (page faults at the exit rate: spurious ones if the SPTE was
# fine, hinting ones if kvm-autonuma kept re-arming it) from a vCPU that
# no longer runs at all.
#
# A guest that hit TCG's stale int3 (tests/ehost/ehost.sh) is marked too,
# unless guest_start_ready starts it again: a fresh clone's make test saw
# one (2026-11-24) in libvirt's guest, which nothing retried.
_guest_stuck() { # NAME
	local why
	[[ -z ${GUEST_STUCK[$1]:-} ]] || return 0
	if grep -q 'Oops: int3' "$(guest_log "$1")" 2>/dev/null; then
		echo "guest $1: its kernel hit TCG's stale int3 (Oops: int3)" | tee -a "$GUEST_RESETS"
		GUEST_STUCK[$1]=1
		return 0
	fi
	why=$(grep -m1 -oE 'rcu: INFO: rcu_[a-z]+ (self-)?detected stalls? on CPUs?|watchdog: BUG: soft lockup - CPU#[0-9]+ stuck' \
		"$(guest_log "$1")" 2>/dev/null) || return 0
	echo "guest $1: its kernel is stuck ($why)" | tee -a "$GUEST_RESETS"
	GUEST_STUCK[$1]=1
	guest_kvm_rates "$1"
}

# Per-second rates of a guest's KVM events (summed over its vCPUs), and the
# addresses of its commonest page faults, from debugfs and tracefs.
guest_kvm_rates() { # NAME
	local pid d t=/sys/kernel/tracing tids s a b on
	local stats="exits pf_taken pf_fast pf_spurious pf_fixed pf_emulate"
	stats+=" halt_exits irq_injections remote_tlb_flush"
	stats+=" autonuma_faults_local autonuma_faults_remote autonuma_hint_sptes"
	# Not the timeout or numactl wrapper; libvirt's QEMU has none.
	for pid in $(pgrep -f "guest=$1,") ''; do
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system* ]] && break
	done
	[[ -n $pid ]] || return 0
	mountpoint -q /sys/kernel/debug ||
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
	mountpoint -q $t || mount -t tracefs nodev $t 2>/dev/null
	d=$(find /sys/kernel/debug/kvm -maxdepth 1 -name "$pid-*" 2>/dev/null |
		head -n1)
	[[ -n $d ]] || { echo "guest $1: no KVM debugfs for QEMU $pid"; return 0; }
	_kvm_snap() { for s in $stats; do echo "$s $(cat "$d/$s" 2>/dev/null)"; done; }
	tids=$(qemu_vcpu_tids "$pid")
	on=$(<$t/tracing_on)
	echo 0 >$t/tracing_on
	: >$t/trace
	echo "$tids" >$t/set_event_pid
	echo 1 >$t/events/kvm/kvm_page_fault/enable
	a=$(_kvm_snap)
	echo 1 >$t/tracing_on
	sleep 1
	echo 0 >$t/tracing_on
	b=$(_kvm_snap)
	echo "--- guest $1: KVM events a second (QEMU $pid, vCPUs $tids) ---"
	# No process substitution: the emulated host has no /dev/fd.
	printf '%s\n' "$a" "$b" | awk '$2 !~ /^[0-9]+$/ { next }
		$1 in v { printf "  kvm| %s %d\n", $1, $2 - v[$1]; next }
		{ v[$1] = $2 }'
	echo "--- guest $1: commonest page faults (vCPU, RIP, address, error) ---"
	grep -oE 'vcpu [0-9]+ rip 0x[0-9a-f]+ address 0x[0-9a-f]+ error_code 0x[0-9a-f]+' \
		$t/trace | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/  kvm| /'
	echo 0 >$t/events/kvm/kvm_page_fault/enable
	: >$t/set_event_pid
	echo "$on" >$t/tracing_on
}

# Build the QEMU command line into GUEST_ARGV.
_guest_argv() {
	local name=$1 cmd=boot smp=2 mem=512 qemu=$OUR_QEMU append= wrap=() accel=kvm
	local action=()
	shift
	unset "GUEST_CATCH[$name]"
	while (($#)); do
		case $1 in
		--cmd) cmd=$2; shift 2 ;;
		--smp) smp=$2; shift 2 ;;
		--mem) mem=$2; shift 2 ;;
		--qemu) qemu=$2; shift 2 ;;
		--append) append=$2; shift 2 ;;
		--wrap) read -ra wrap <<<"$2"; shift 2 ;;
		--accel) accel=$2; shift 2 ;;
		--catch-reset)
			action=(-action shutdown=pause)
			GUEST_CATCH[$name]=1
			shift ;;
		--) shift; break ;;
		*) echo "guest: unknown option $1" >&2; return 2 ;;
		esac
	done
	GUEST_ARGV=("${wrap[@]}" "$qemu" -name "guest=$name,debug-threads=on"
		-L /usr/share/qemu -L /usr/share/seabios -L /usr/lib/ipxe/qemu -nodefaults -no-user-config -display none -vga none -no-reboot
		-machine pc -accel "$accel" -cpu host -smp "$smp" -m "$mem"
		-kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD"
		-append "console=ttyS0 quiet loglevel=3 panic=-1 guest.cmd=$cmd $append"
		-serial "file:$(guest_log "$name")"
		-qmp "unix:$(guest_qmp_sock "$name"),server=on,wait=off"
		"${action[@]}" "$@")
}

# How a guest that went away by itself ended; its serial log often ends
# without a word.  -no-reboot turns a guest reset into a QEMU exit with
# status 0.  A guest whose command ended says so first (tests/guest/init)
# and needs no word here; one that panicked says that.  A silent reset (a
# triple fault) is marked in GUEST_RESETS for ehost.sh: nested guests
# under QEMU TCG are reset now and then.
_guest_ended() { # NAME QEMU-STATUS
	local log
	log=$(guest_log "$1")
	if (($2 != 0)); then
		echo "guest $1: QEMU had exited, with status $2"
	elif grep -q '^guest: .* exited with' "$log" 2>/dev/null; then
		return 0        # its command ended, and it powered off
	elif grep -q 'Kernel panic' "$log" 2>/dev/null; then
		echo "guest $1: its kernel panicked"
		guest_print_log "$1"
	else
		echo "guest $1: reset without a word before its command ended" |
			tee -a "$GUEST_RESETS"
		guest_print_log "$1"
	fi
}

guest_run() {
	local name=$1 timeout=$2 rc
	shift 2
	_guest_argv "$name" "$@" || return
	unset "GUEST_STUCK[$name]"
	rm -f "$(guest_log "$name")"
	timeout -k 5 "$timeout" "${GUEST_ARGV[@]}" </dev/null \
		>"$GUEST_DIR/$name.out" 2>&1
	rc=$?
	_guest_keep_log "$name"
	((rc != 0)) || _guest_ended "$name" 0
	if ((rc == 124 || rc == 137)); then
		echo "guest $name: timed out after ${timeout}s"
		rc=124
	elif ((rc != 0)); then
		echo "guest $name: qemu exited with $rc:"
		sed 's/^/  qemu| /' "$GUEST_DIR/$name.out"
	fi
	((rc == 0)) || guest_print_log "$name"
	return "$rc"
}

guest_start() {
	local name=$1 timeout=$2 i
	shift 2
	_guest_argv "$name" "$@" || return
	unset "GUEST_STUCK[$name]"
	rm -f "$(guest_log "$name")" "$(guest_qmp_sock "$name")"
	timeout -k 5 "$timeout" "${GUEST_ARGV[@]}" </dev/null \
		>"$GUEST_DIR/$name.out" 2>&1 &
	GUEST_PID[$name]=$!
	# The QMP socket exists once QEMU is initialised.
	for ((i = 0; i < 100; i++)); do
		[[ -S $(guest_qmp_sock "$name") ]] && return 0
		kill -0 "${GUEST_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "guest $name: did not start"
	sed 's/^/  qemu| /' "$GUEST_DIR/$name.out"
	return 1
}

# kvm-autonuma at its fastest, for the live-migration test and probe.
GUEST_ACCEL_FASTEST="kvm,autonuma=on,autonuma-scan-period-min=10,autonuma-scan-period-max=10,autonuma-hint-percent=100"

# The last sweep count a memtouch guest printed, from whole lines only:
# the guest may be half-way through writing one.
guest_memtouch_sweeps() { # NAME
	grep -oE 'passes=[0-9]+ mismatches=' "$(guest_log "$1")" | tail -n1 |
		sed 's/passes=\([0-9]*\) .*/\1/'
}

# PID of the QEMU process itself (not of the timeout wrapper).
guest_qemu_pid() {
	pgrep -P "${GUEST_PID[$1]}" -f "guest=$1," | head -n1
}

# Live-migrate guest NAME to a QEMU listening on 127.0.0.1:PORT, with
# auto-converge so that a guest that keeps dirtying memory converges, and
# wait TIMEOUT seconds at most.  Sets MIGRATE_STATUS (completed, failed,
# "source QEMU gone" when the source reset and exited, or the last status
# seen) and MIGRATE_SECONDS.
guest_migrate() { # NAME PORT TIMEOUT
	local i
	guest_qmp "$1" migrate-set-capabilities \
		'{"capabilities": [{"capability": "auto-converge", "state": true}]}' >/dev/null
	guest_qmp "$1" migrate-set-parameters \
		'{"max-bandwidth": 4294967296, "downtime-limit": 500}' >/dev/null
	guest_qmp "$1" migrate "{\"uri\": \"tcp:127.0.0.1:$2\"}" >/dev/null
	MIGRATE_STATUS=
	for ((i = 0; i < $3; i++)); do
		# A source that reset has exited (-no-reboot): asking it again
		# would only wait out the loop.
		if [[ -z $(guest_qemu_pid "$1") ]]; then
			MIGRATE_STATUS="source QEMU gone"
			break
		fi
		MIGRATE_STATUS=$(guest_qmp "$1" query-migrate 2>/dev/null |
			python3 -c "import json, sys; print(json.load(sys.stdin).get('status'))" \
				2>/dev/null)
		[[ $MIGRATE_STATUS == completed || $MIGRATE_STATUS == failed ]] && break
		sleep 1
	done
	MIGRATE_SECONDS=$i
}

# QEMU names vCPU threads "CPU N/KVM" with debug-threads=on, which
# guest_start and libvirt set.
qemu_vcpu_tids() { # PID
	local t comm tids=()
	for t in /proc/"$1"/task/*; do
		{ read -r comm <"$t/comm"; } 2>/dev/null || continue
		[[ $comm =~ ^CPU\ ([0-9]+)/KVM$ ]] &&
			tids[${BASH_REMATCH[1]}]=${t##*/}
	done
	((${#tids[@]})) && echo "${tids[*]}"
}

node_cpus() { cat "/sys/devices/system/node/node$1/cpulist"; }

pin_threads() { # CPULIST TID...
	local cpus=$1 tid
	shift
	for tid; do
		taskset -pc "$cpus" "$tid" >/dev/null || return 1
	done
}

# As an operator or another tool might.
qemu_pin_vcpus() { # PID NODE
	local tids
	tids=$(qemu_vcpu_tids "$1") || return 1
	# shellcheck disable=SC2086 # a list of thread IDs
	pin_threads "$(node_cpus "$2")" $tids
}

guest_pin_vcpus() { qemu_pin_vcpus "$(guest_qemu_pid "$1")" "$2"; }

guest_wait_log() {
	local name=$1 regex=$2 timeout=$3 end=$((SECONDS + $3))
	while ((SECONDS < end)); do
		grep -qE "$regex" "$(guest_log "$name")" 2>/dev/null && return 0
		kill -0 "${GUEST_PID[$name]}" 2>/dev/null || break
		sleep 0.5
	done
	echo "guest $name: no \"$regex\" in its log within ${timeout}s"
	guest_print_log "$name"
	return 1
}

guest_qmp() {
	python3 "$TOP/tests/lib/qmp.py" "$(guest_qmp_sock "$1")" "${@:2}"
}

# A --catch-reset guest that reset, or powered off, waits paused in the
# "shutdown" state.  One that reset without a word gets its vCPUs' registers
# and the code at its RIP printed: a wild RIP or a page-fault loop points at
# its memory, a sane one at the CPU's state.
_guest_caught() { # NAME
	local log
	[[ -n ${GUEST_CATCH[$1]:-} ]] || return 1
	guest_qmp "$1" query-status 2>/dev/null | grep -q '"status": "shutdown"' ||
		return 1
	log=$(guest_log "$1")
	grep -q '^guest: .* exited with\|Kernel panic' "$log" 2>/dev/null &&
		return 0
	echo "guest $1: paused at its reset"
	guest_registers "$1"
	return 0
}

# The vCPUs' registers of a live guest, and the code at its RIP.
guest_registers() { # NAME
	local h
	for h in "info registers -a" "x/12i \$pc"; do
		echo "--- guest $1: $h ---"
		guest_qmp "$1" human-monitor-command \
			"{\"command-line\": \"$h\"}" 2>&1 |
			python3 -c 'import json, sys; print(json.load(sys.stdin))' 2>&1 |
			sed 's/^/  regs| /'
	done
}

guest_stop() {
	local pid=${GUEST_PID[$1]:-} i rc caught=
	[[ -n $pid ]] || return 0
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		rc=$?
		_guest_keep_log "$1"
		_guest_ended "$1" "$rc"
		unset "GUEST_PID[$1]"
		return 0
	fi
	_guest_caught "$1" && caught=1
	_guest_stuck "$1"
	guest_qmp "$1" quit >/dev/null 2>&1 || kill "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	_guest_keep_log "$1"
	[[ -z $caught ]] || _guest_ended "$1" 0
	unset "GUEST_PID[$1]"
	return 0
}

# Nested guests under TCG fail now and then in ways that are the
# emulator's, not ours: the stale-int3 oops (see tests/ehost/ehost.sh), and
# a guest that never boots (an empty serial log, nothing in the emulated
# host's dmesg; about 1 in 15 with two guests booting at once).
guest_artifact() {
	local log
	log=$(guest_log "$1")
	if grep -q 'Oops: int3' "$log" 2>/dev/null; then
		echo "guest $1 hit TCG's stale-int3 artifact"
	elif [[ ! -s $log ]]; then
		echo "guest $1 never booted (empty serial log)"
	else
		return 1
	fi
}

guest_start_ready() {
	local name=$1 timeout=$2 regex=$3 wait=$4 try
	shift 4
	for try in 1 2; do
		guest_start "$name" "$timeout" "$@" || return 1
		guest_wait_log "$name" "$regex" "$wait" && return 0
		((try == 1)) && guest_artifact "$name" || return 1
		echo "guest $name: starting it again"
		GUEST_STUCK[$name]=1     # handled here, not a failure for ehost.sh
		guest_stop "$name"
	done
}
