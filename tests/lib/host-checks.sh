# Checks of the emulated host itself, shared by the boot tests.  Sourced.

# check_topology NODES "CPULIST..." "DISTANCE ROW|..."
check_topology() {
	local nodes=$1 cpus=($2) dist got want
	IFS='|' read -ra dist <<<"$3"
	check "$nodes nodes online" \
		test "$(cat /sys/devices/system/node/online)" = "0-$((nodes - 1))"
	got= want=
	for ((n = 0; n < nodes; n++)); do
		got+="$(cat /sys/devices/system/node/node$n/cpulist) "
		want+="${cpus[n]} "
	done
	check "CPUs per node are $want" test "$got" = "$want"
	got= want=
	for ((n = 0; n < nodes; n++)); do
		got+="$(cat /sys/devices/system/node/node$n/distance)|"
		want+="${dist[n]}|"
	done
	check "SLIT distances $want" test "$got" = "$want"
	check "kernel.numa_balancing is 0" \
		test "$(sysctl -n kernel.numa_balancing)" = 0
}

# The loaded kvm and kvm_amd carry the version stamped by kvm/build.sh
# (Debian's have no version at all), and run with nested paging.
check_our_kvm() {
	local want
	want=$(cat "$TOP/out/kvm/version")
	check "kvm.ko is ours ($want)" \
		test "$(cat /sys/module/kvm/version 2>/dev/null)" = "$want"
	check "kvm_amd.ko is ours" \
		test "$(cat /sys/module/kvm_amd/version 2>/dev/null)" = "$want"
	check "kvm_amd uses nested paging" \
		test "$(cat /sys/module/kvm_amd/parameters/npt)" = Y
	check "kvm uses the TDP MMU" \
		test "$(cat /sys/module/kvm/parameters/tdp_mmu)" = Y
}

check_autonuma_param() {
	local p=/sys/module/kvm/parameters/autonuma
	check "kvm.autonuma exists, mode 0644" test "$(stat -c %a $p)" = 644
	check "kvm.autonuma defaults to Y" test "$(cat $p)" = Y
	echo 0 >$p
	check "kvm.autonuma can be cleared" test "$(cat $p)" = N
	echo 1 >$p
	check "kvm.autonuma can be set" test "$(cat $p)" = Y
	if (echo banana >$p) 2>/dev/null; then
		fail "kvm.autonuma rejects a non-boolean"
	else
		pass "kvm.autonuma rejects a non-boolean"
	fi
	check "a rejected write leaves kvm.autonuma unchanged" test "$(cat $p)" = Y
}
