// SPDX-License-Identifier: GPL-2.0-only
/*
 * smoke_test: the selftests library, built by tests/kselftest/build.sh,
 * creates a VM with one vCPU and runs guest code in it.
 *
 * The guest reports GUEST_SYNC(1), then GUEST_DONE(); the host checks that
 * it sees exactly these two ucalls, in this order.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"

static void guest_code(void)
{
	GUEST_SYNC(1);
	GUEST_DONE();
}

/* Run the vCPU up to its next ucall and return that ucall's command. */
static uint64_t run_to_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	uint64_t cmd;

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	cmd = get_ucall(vcpu, uc);
	if (cmd == UCALL_ABORT)
		REPORT_GUEST_ASSERT(*uc);
	return cmd;
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	uint64_t cmd;
	int fd;

	/* The library would exit with KSFT_SKIP; say so in our own terms. */
	fd = open(KVM_DEV_PATH, O_RDWR);
	if (fd < 0) {
		printf("SKIP: smoke: %s: %s\n", KVM_DEV_PATH, strerror(errno));
		return KSFT_SKIP;
	}
	close(fd);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);

	cmd = run_to_ucall(vcpu, &uc);
	TEST_ASSERT(cmd == UCALL_SYNC,
		    "expected UCALL_SYNC, got ucall %lu", cmd);
	TEST_ASSERT(uc.args[1] == 1,
		    "expected GUEST_SYNC(1), got stage %lu", uc.args[1]);

	cmd = run_to_ucall(vcpu, &uc);
	TEST_ASSERT(cmd == UCALL_DONE,
		    "expected UCALL_DONE, got ucall %lu", cmd);

	kvm_vm_free(vm);
	printf("PASS: smoke: guest ran\n");
	return 0;
}
