#!/bin/bash
# ehost: --nodes 1 --timeout 200
# On a single-node host KVM_CAP_AUTONUMA reports 1 node and, enabled,
# costs nothing: no scanner thread, no scans, no faults, no metadata.
. "$TOP/tests/lib/tap.sh"
"$TOP/out/kselftest/autonuma_test"
rc=$?
((rc == 0)) || fail "autonuma_test exited with $rc"
exit $FAILED
