#!/bin/bash
# ehost: --nodes 4 --timeout 120
# The 4-node emulated host: one CPU a node, neighbours on a ring at 21 and
# the node across at 31.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/host-checks.sh"

check_topology 4 "0 1 2 3" "10 21 31 21|21 10 21 31|31 21 10 21|21 31 21 10"
check_our_kvm
exit $FAILED
