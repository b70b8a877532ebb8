#!/bin/bash
# tests/run.sh: every test of the project, one at a time, then a summary
# ending in "N passed, N failed, N skipped".  Exit status 1 on any failure.
#
#   tests/run.sh [PATTERN]   only the test files whose name matches PATTERN
#
# Test kinds:
#   unit     GTest programs built by tools/Makefile (TAP output)
#   style    checkpatch over kvm/patches and qemu-patches
#   build    facts about the builds (kvm-intel.ko, which cannot run here)
#   host     tests/host/NAME.sh, run inside the emulated NUMA host; its
#            "# ehost:" line gives ehost.sh's options
#   outer    tests/outer/NAME.sh, run here (some drive ehost.sh themselves)
# A test file prints PASS:/FAIL:/SKIP: lines (tests/lib/tap.sh).  A file
# that exits non-zero without a FAIL line counts as one failure.
set -uo pipefail
. "$(dirname "$0")/../scripts/config.sh"
export TOP

pattern=${1:-}
logs=$OUT/test-logs
rm -rf "$logs"
mkdir -p "$logs"
npass=0 nfail=0 nskip=0
failed=()

count() { # FILE-NAME LOG RC
	local name=$1 log=$2 rc=$3 p f s
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	if ((rc != 0 && f == 0)); then
		echo "FAIL: $name exited with $rc" >>"$log"
		f=1
	fi
	if ((rc == 0 && p + f + s == 0)); then
		echo "FAIL: $name reported no result" >>"$log"
		f=1
	fi
	npass=$((npass + p)) nfail=$((nfail + f)) nskip=$((nskip + s))
	grep -E '^(PASS|FAIL|SKIP): ' "$log" | sed "s|^\([A-Z]*\): |\1: $name: |"
	if ((f)); then
		failed+=("$name")
		echo "--- output of $name ($log) ---"
		tail -n 120 "$log" | grep -vE '^(PASS|SKIP): '
		echo "--- end of $name ---"
	fi
}

selected() { [[ -z $pattern || $1 == *$pattern* ]]; }

# Unit tests: GTest's TAP lines become PASS/FAIL/SKIP.
for t in "$OUT"/tools/bin/test-*; do
	name=unit/$(basename "$t")
	selected "$name" || continue
	"$t" --tap >"$logs/${name//\//_}.tap" 2>&1
	rc=$?
	sed -nE -e 's/^ok [0-9]+ (.*) # SKIP(.*)/SKIP: \1:\2/p' \
		-e '/# SKIP/!s/^ok [0-9]+ (.*)/PASS: \1/p' \
		-e 's/^not ok [0-9]+ (.*)/FAIL: \1/p' \
		"$logs/${name//\//_}.tap" >"$logs/${name//\//_}.log"
	cat "$logs/${name//\//_}.tap" >>"$logs/${name//\//_}.log"
	count "$name" "$logs/${name//\//_}.log" "$rc"
done

# Style: each patch of both series through its tree's checkpatch.
if selected style/checkpatch; then
	bash "$TOP/tests/style.sh" >"$logs/style.log" 2>&1
	count style/checkpatch "$logs/style.log" $?
fi

# Builds: kvm-intel.ko is built with the rest but cannot run under TCG.
if selected build/kvm-intel; then
	{
		. "$TOP/tests/lib/tap.sh"
		v=$(modinfo -F version "$OUT/kvm/kvm-intel.ko" 2>&1)
		check "kvm-intel.ko is built from our series ($v)" \
			test "$v" = "$(cat "$OUT/kvm/version")"
		skip "kvm-intel (VMX/EPT) at run time" \
			"the emulated host is QEMU TCG, which offers AMD SVM but no Intel VMX"
	} >"$logs/build.log" 2>&1
	count build/kvm-intel "$logs/build.log" 0
fi

for t in "$TOP"/tests/host/*.sh; do
	name=host/$(basename "$t" .sh)
	selected "$name" || continue
	opts=$(sed -n 's/^# ehost: //p' "$t" | head -n1)
	log=$logs/${name//\//_}.log
	echo "... $name (emulated host: $opts)" >&2
	start=$SECONDS
	# shellcheck disable=SC2086
	"$TOP/tests/ehost/ehost.sh" --quiet $opts \
		--work "$OUT/ehost/${name//\//_}" -- bash "$t" >"$log" 2>&1
	rc=$?
	echo "... $name took $((SECONDS - start)) s" >&2
	count "$name" "$log" "$rc"
done

for t in "$TOP"/tests/outer/*.sh; do
	name=outer/$(basename "$t" .sh)
	selected "$name" || continue
	log=$logs/${name//\//_}.log
	echo "... $name" >&2
	bash "$t" >"$log" 2>&1
	count "$name" "$log" $?
done

# Hosts that ehost.sh ran again after an emulator artifact, so that a
# reader sees them even when the second run passed.
if reruns=$(grep -H 'running again$' "$logs"/host_*.log 2>/dev/null); then
	echo "emulated hosts run again: $(wc -l <<<"$reruns")"
	sed -e "s|^$logs/||" -e 's/ (logs: [^)]*)//' <<<"$reruns"
fi
((nfail == 0)) || echo "failed: ${failed[*]}"
echo "$npass passed, $nfail failed, $nskip skipped"
((nfail == 0))
