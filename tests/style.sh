#!/bin/bash
# Both patch series through checkpatch: the kernel's for kvm/patches, QEMU's
# for qemu-patches.  Errors and warnings fail, except the reminder to update
# MAINTAINERS: the series is posted against trees whose MAINTAINERS we
# cannot see in full here.
. "$(dirname "$0")/../scripts/config.sh"
. "$TOP/tests/lib/tap.sh"

cd "$CACHE" || exit 1  # checkpatch acts differently inside a git work tree
kcp=$CACHE/src/linux-$KERNEL_DEB_VERSION/scripts/checkpatch.pl
qcp=$CACHE/src/qemu-${QEMU_SRC_VERSION#*:}/qemu-7.2+dfsg/scripts/checkpatch.pl

for p in $(grep -v -e '^#' -e '^$' "$TOP/kvm/patches/series"); do
	if out=$(perl "$kcp" --no-tree --strict --ignore FILE_PATH_CHANGES \
		--terse "$TOP/kvm/patches/$p" 2>&1); then
		pass "kernel checkpatch: $p"
	else
		echo "$out"
		fail "kernel checkpatch: $p"
	fi
done
for p in $(grep -v -e '^#' -e '^$' "$TOP/qemu-patches/series"); do
	out=$(perl "$qcp" "$TOP/qemu-patches/$p" 2>&1)
	rc=$?
	bad=$(grep -E '^(ERROR|WARNING):' <<<"$out" |
		grep -v 'does MAINTAINERS need updating')
	if ((rc == 0 || rc == 1)) && [[ -z $bad ]]; then
		pass "qemu checkpatch: $p"
	else
		echo "$out"
		fail "qemu checkpatch: $p"
	fi
done
exit $FAILED
