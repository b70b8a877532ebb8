#!/bin/bash
# bench/peers.sh [SCENARIOS [POLICIES]]: kvm-autonuma against the peers an
# operator has today, in the emulated 2-node host, one run at a time;
# writes bench/results/peers.md and bench/results/peers/*.png.  Scenario f
# runs in an emulated 4-node host of 2 CPUs a node.
#
#   SCENARIOS  letters of bench/peers-inner.sh's scenarios (default "a b c d e f")
#   POLICIES   none bind kernel numad kvm-autonuma kvm-autonuma-mem (default: all;
#              kvm-autonuma-mem, memory following the vCPUs alone, only in a)
#   RUNS=3 SECONDS_PER_RUN=40 in the environment: runs a cell, seconds after
#   the event; RESUME=1 keeps a cell's complete runs and adds the missing ones;
#   BOOTS=3 emulated hosts a cell at most, when they die
#   BENCH_RAW and BENCH_RESULTS: where the runs and the report go (default
#   out/bench/peers and bench/results), for a bench apart from the main one
#   BENCH_TRACE=1: keep KVM's kvm_autonuma trace of each kvm-autonuma run
#   next to its samples (SCENARIO-POLICY-RUN.trace)
#   BENCH_HINT_PERCENT=50: kvm-autonuma's hint-percent (0-100), the share
#   of recently used memory each scan pass turns into hinting faults
#
# Hard binding needs a guest that fits in one node: it is the limit in a,
# e and f, and not applicable where one guest's vCPUs span nodes (b, c, d).
set -euo pipefail
. "$(dirname "$0")/../scripts/config.sh"
all_scenarios="a b c d e f"
all_policies="none bind kernel numad kvm-autonuma kvm-autonuma-mem"
scenarios=${1:-$all_scenarios}
policies=${2:-$all_policies}
runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-40}
raw=${BENCH_RAW:-$OUT/bench/peers}
hint_percent=${BENCH_HINT_PERCENT:-50}
[[ $hint_percent =~ ^[0-9]+$ ]] && ((hint_percent <= 100)) || {
	echo "bench: BENCH_HINT_PERCENT must be 0 to 100, not \"$hint_percent\"" >&2
	exit 1
}
results=${BENCH_RESULTS:-$TOP/bench/results}
# A host whose kernel stalls (RCU, or a task blocked for 2 minutes) panics
# with every CPU's backtrace on its serial line: its figures would be the
# stall's, and a host that sits out its timeout shows nothing (f, 2026-11-22).
STALL_PANIC="sysctl.kernel.panic_on_rcu_stall=1 sysctl.kernel.hung_task_panic=1 panic_print=0x40"
mkdir -p "$raw"

applies() { # SCENARIO POLICY
	case $1/$2 in
	[bcd]/bind | [bcdef]/kvm-autonuma-mem) return 1 ;;
	esac
}

# The numbers of a cell's runs still to do: any host may have died.
missing_runs() { # CELL
	local r
	for ((r = 1; r <= runs; r++)); do
		[[ -s $raw/$1-$r.env ]] || echo -n "$r "
	done
}

for s in $scenarios; do
	for p in $policies; do
		applies "$s" "$p" || continue
		# f's four guests need the 4-node host, with 2 CPUs a node:
		# with one, 8 nested vCPUs on 4 emulated CPUs kill the nested
		# guests (or the emulated host) within a minute.  A run there
		# takes up to 12 minutes, boots and all, since the guests' serial
		# logs left 9p and the guests stopped waiting on them.
		nodes=(--nodes 2) per_run=$((seconds + 200))
		[[ $s == f ]] && nodes=(--nodes 4 --cpus-per-node 2) per_run=$((seconds + 660))
		log "bench: scenario $s, policy $p: $runs runs of ${seconds}s"
		# The cell's runs replace all of its earlier ones, unless
		# RESUME=1 asks to add the runs it misses.
		[[ ${RESUME:-0} == 1 ]] || rm -f "$raw/$s-$p"-[0-9]*.*
		# An emulated host that dies (TCG; the 4-node one now and then)
		# loses only the run under way: a new one does the runs still
		# missing, BOOTS (3) boots at most.  A run is complete with its
		# .env.
		missing=$(missing_runs "$s-$p") boots=0
		while [[ $missing ]] && ((boots++ < ${BOOTS:-3})); do
			work=$OUT/ehost/bench-$s-$p-$boots
			rm -rf "$work"
			"$TOP/tests/ehost/ehost.sh" --quiet "${nodes[@]}" \
				--append "$STALL_PANIC" \
				--numa-balancing "$([[ $p == kernel ]] && echo 1 || echo 0)" \
				--timeout $(($(wc -w <<<"$missing") * per_run + 120)) --work "$work" -- \
				env BENCH_TRACE="${BENCH_TRACE:-0}" \
				BENCH_HINT_PERCENT="$hint_percent" \
				bash "$TOP/bench/peers-inner.sh" "$s" "$p" "$runs" "$seconds" \
				"$missing" | grep '^bench:' || true
			for env in "$work/$s-$p"-[0-9]*.env; do
				[[ -s $env && -s ${env%.env}.csv ]] &&
					cp "${env%.env}".{csv,env} "$raw"/ &&
					{ [[ ! -e ${env%.env}.trace ]] ||
						cp "${env%.env}.trace" "$raw"/; }
			done
			missing=$(missing_runs "$s-$p")
		done
		[[ -z $missing ]] ||
			log "bench: scenario $s, policy $p: runs $missing missing (see $OUT/ehost/bench-$s-$p-*)"
	done
done

not_applicable=$(for s in $all_scenarios; do for p in $all_policies; do
	applies "$s" "$p" || echo "$s/$p"
done; done)
python3 "$TOP/bench/lib/report.py" --raw "$raw" --out "$results" \
	--not-applicable "$not_applicable" \
	--command "${RESUME:+RESUME=$RESUME }${BENCH_RAW:+BENCH_RAW=$BENCH_RAW }${BENCH_RESULTS:+BENCH_RESULTS=$BENCH_RESULTS }${BENCH_HINT_PERCENT:+BENCH_HINT_PERCENT=$BENCH_HINT_PERCENT }RUNS=$runs SECONDS_PER_RUN=$seconds bench/peers.sh${1:+ \"$1\"}${2:+ \"$2\"}" \
	--versions "kernel $KERNEL_RELEASE ($KERNEL_DEB_VERSION), kvm $(cat "$OUT/kvm/version"), QEMU $QEMU_SRC_VERSION + qemu-patches ($(cat "$OUT/qemu-version")), project $(git -C "$TOP" describe --always --dirty)"
