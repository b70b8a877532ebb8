#!/bin/bash
# ehost: --nodes 2 --timeout 120
# The 2-node emulated host boots with the topology we asked for, and the
# kvm modules it runs are ours, with the kvm.autonuma parameter.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/host-checks.sh"

check_topology 2 "0-1 2-3" "10 21|21 10"
check_our_kvm
check_autonuma_param
exit $FAILED
